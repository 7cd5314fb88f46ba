"""Krippendorff's alpha for nominal data, from the coincidence matrix.

The `krippendorff` package on PyPI computes the same figure, but it is GPL-3.0 licensed and
claimtag is Apache-2.0; the nominal case is a dozen lines, checked in the tests against
hand-computed values and Krippendorff's own worked example (alpha = 0.743).

Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Each unit coded by
``m_u >= 2`` coders contributes ``1 / (m_u - 1)`` to the coincidence ``o[c, k]`` for every
ordered pair of its values ``(c, k)`` from different coders; with ``n_c = sum_k o[c, k]`` and
``n = sum_c n_c``, alpha = ``1 - (n - 1) * sum_{c != k} o[c, k] / sum_{c != k} n_c * n_k``.
Units coded by fewer than two coders do not count.
"""

from __future__ import annotations

from typing import Hashable, Sequence

import numpy as np


def nominal_alpha(units: Sequence[Sequence[Hashable]]) -> float:
    """Krippendorff's alpha (nominal) of ``units``, each the list of values its coders gave.

    Returns NaN when it is undefined: fewer than two pairable values, or a single value used
    throughout (no expected disagreement).
    """
    values = sorted({v for unit in units if len(unit) >= 2 for v in unit}, key=str)
    index = {v: i for i, v in enumerate(values)}
    coincidences = np.zeros((len(values), len(values)))
    for unit in units:
        m = len(unit)
        if m < 2:
            continue
        counts = np.zeros(len(values))
        for v in unit:
            counts[index[v]] += 1
        # ordered pairs of different coders: counts_c * counts_k off the diagonal,
        # counts_c * (counts_c - 1) on it
        coincidences += (np.outer(counts, counts) - np.diag(counts)) / (m - 1)
    totals = coincidences.sum(axis=1)
    n = totals.sum()
    expected = n * n - (totals ** 2).sum()  # sum over c != k of n_c * n_k
    if n < 2 or expected == 0:
        return float("nan")
    observed = coincidences.sum() - np.trace(coincidences)
    return float(1.0 - (n - 1) * observed / expected)
