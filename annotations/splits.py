"""Assign articles to train / dev / test, by article and stratified by conflict and style.

The split is decided once and written into the corpus. The test split is frozen: articles
added later go to train and dev only (see :func:`annotations.extend.add_drafts`).
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Mapping, Sequence

from annotations.schema import Article

INITIAL_PROPORTIONS: Mapping[str, float] = {"train": 0.8, "dev": 0.1, "test": 0.1}
EXTENSION_PROPORTIONS: Mapping[str, float] = {"train": 0.9, "dev": 0.1}


def assign_splits(
    articles: Sequence[Article], *, proportions: Mapping[str, float] = INITIAL_PROPORTIONS,
    seed: int = 13,
) -> None:
    """Set ``article.split`` in place so that every (conflict, style) stratum is spread
    over the splits in the given proportions.

    Strata are walked one after the other in a fixed order and, inside each, the articles in
    a seeded random order; each article goes to the split furthest behind its target share of
    the articles seen so far. Small strata thus still reach dev and test over the run.
    """
    total = sum(proportions.values())
    shares = {name: value / total for name, value in proportions.items()}
    strata: dict[tuple[str, str], list[Article]] = defaultdict(list)
    for article in articles:
        strata[(article.conflict, article.style)].append(article)
    rng = random.Random(seed)
    counts = {name: 0 for name in shares}
    seen = 0
    for key in sorted(strata):
        members = sorted(strata[key], key=lambda a: a.id)
        rng.shuffle(members)
        for article in members:
            seen += 1
            split = max(shares, key=lambda name: (shares[name] * seen - counts[name], shares[name]))
            counts[split] += 1
            article.split = split
