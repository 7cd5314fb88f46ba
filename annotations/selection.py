"""Active learning: pick the sentences whose annotation should help the model most.

Uncertainty sampling ranks the pool by how unsure the model is:

- ``margin``: ``1 - (p1 - p2)``, one minus the gap between the two most probable labels
  (1 when the model is torn between two labels, 0 when it is certain);
- ``entropy``: the entropy of the label distribution divided by ``log(5)``, so also 0 to 1.

A diversity step then walks that ranking and skips any sentence whose character n-gram TF-IDF
cosine with an already picked one reaches ``diversity_threshold`` (the measure of
:mod:`annotations.internal.near_duplicates`, here with no minimum length, so repeated short
lines such as "Share this article" are picked once at most).

The pool is one JSONL file of either kind (not mixed):

1. articles in the corpus or pre-annotated format (``sentences`` lists). If any sentence in
   the file is a suggestion (has ``suggested``), the candidates are the unreviewed suggestions
   only; otherwise every sentence is a candidate (e.g. to pick corpus sentences for a second
   annotator);
2. one sentence per line, ``{"id", "text", ...}`` as in ``shared/realnews`` (``id`` defaults
   to ``line-N``; ``article`` is carried if present). Raw articles are pre-annotated first
   (``claimtag annotations pre-annotate``), which segments them.

The output has one line per picked sentence, in pick order: ``rank``, ``id``, ``article``,
``text``, ``predicted`` label, ``confidence``, ``uncertainty`` (of the chosen strategy),
``margin``, ``entropy`` and the five ``scores``. Its ids restrict a Label Studio export to
the picked sentences (``claimtag annotations labelstudio export --sentences``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from annotations.internal.article_records import is_unreviewed, read_articles
from annotations.internal.near_duplicates import DEFAULT_THRESHOLD, near_duplicate_pairs
from annotations.schema import LABELS, CorpusFormatError, iter_records

STRATEGIES: tuple[str, ...] = ("margin", "entropy")


def margin_uncertainty(probs: np.ndarray) -> np.ndarray:
    """One minus the gap between the two highest probabilities.

    Parameters
    ----------
    probs : ndarray of shape (n_sentences, n_labels), rows summing to 1

    Returns
    -------
    ndarray of shape (n_sentences,), in [0, 1]; higher is more uncertain
    """
    top = np.sort(probs, axis=1)[:, ::-1]
    return 1.0 - (top[:, 0] - top[:, 1])


def entropy_uncertainty(probs: np.ndarray) -> np.ndarray:
    """Entropy of each row divided by ``log(n_labels)``.

    Parameters
    ----------
    probs : ndarray of shape (n_sentences, n_labels), rows summing to 1

    Returns
    -------
    ndarray of shape (n_sentences,), in [0, 1]; higher is more uncertain
    """
    clipped = np.clip(probs, 1e-12, 1.0)
    return -(probs * np.log(clipped)).sum(axis=1) / np.log(probs.shape[1])


@dataclass
class Selection:
    """Picked pool indices in pick order, every pool sentence's uncertainty, and how many
    sentences the diversity step passed over."""

    indices: list[int]
    uncertainty: np.ndarray
    near_duplicates_skipped: int


def select_uncertain(
    probs: np.ndarray, texts: list[str], *, n: int, strategy: str = "margin",
    diversity_threshold: float = DEFAULT_THRESHOLD,
) -> Selection:
    """Pick up to ``n`` sentences, most uncertain first, no two near-identical.

    Parameters
    ----------
    probs : ndarray of shape (n_sentences, n_labels)
    texts : list of str, length n_sentences
    n : int
        How many to pick (fewer if the pool runs out).
    strategy : {"margin", "entropy"}
    diversity_threshold : float
        Cosine at or above which a sentence counts as a repeat of one already picked;
        1.0 or more turns the diversity step off.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, not {strategy!r}")
    if n <= 0:
        raise ValueError(f"n must be positive, not {n}")
    if probs.shape != (len(texts), len(LABELS)):
        raise ValueError(f"probs has shape {probs.shape}, expected ({len(texts)}, {len(LABELS)})")
    uncertainty = margin_uncertainty(probs) if strategy == "margin" else entropy_uncertainty(probs)
    order = np.argsort(-uncertainty, kind="stable")
    # compare only the head of the ranking; widen it if repeats leave fewer than n picks
    window = min(len(order), 4 * n)
    while True:
        head = [int(i) for i in order[:window]]
        neighbours: dict[int, set[int]] = {i: set() for i in head}
        if diversity_threshold < 1.0:
            for a, b, _ in near_duplicate_pairs([texts[i] for i in head], threshold=diversity_threshold, min_words=1):
                neighbours[head[a]].add(head[b])
                neighbours[head[b]].add(head[a])
        picked: list[int] = []
        skipped = 0
        for index in head:
            if len(picked) == n:
                break
            if neighbours[index] & set(picked):
                skipped += 1
            else:
                picked.append(index)
        if len(picked) == n or window == len(order):
            return Selection(picked, uncertainty, skipped)
        window = min(len(order), 2 * window)


def read_pool(path: str | Path) -> list[dict]:
    """Candidate sentences of a pool file (see the module docstring) as rows with ``id``,
    ``article`` and ``text``; raise :class:`CorpusFormatError` naming the file and line."""
    records = list(iter_records(path))
    kinds = {"articles" if "sentences" in r else "sentences" for _, r in records}
    if len(kinds) > 1:
        raise CorpusFormatError(f"{path}: mixes articles (with 'sentences') and one-sentence lines")
    if kinds == {"articles"}:
        articles = [r for _, r in read_articles(path)]
        suggestions = any("suggested" in s for a in articles for s in a["sentences"])
        rows = [{"id": s["id"], "article": a["id"], "text": s["text"]}
                for a in articles for s in a["sentences"] if not suggestions or is_unreviewed(s)]
    else:
        rows, seen = [], set()
        for line_number, record in records:
            text, row_id = record.get("text"), record.get("id", f"line-{line_number}")
            if not isinstance(text, str) or not text.strip():
                raise CorpusFormatError(f"{path}:{line_number}: field 'text' is missing or empty")
            if not isinstance(row_id, (str, int)) or str(row_id) in seen:
                raise CorpusFormatError(f"{path}:{line_number}: field 'id' is {row_id!r}: missing, mistyped or a duplicate")
            seen.add(str(row_id))
            rows.append({"id": str(row_id), "article": str(record.get("article", "")), "text": text})
    if not rows:
        raise CorpusFormatError(f"{path}: no candidate sentences (every suggestion is reviewed already?)")
    return rows


def selection_rows(pool: list[dict], probs: np.ndarray, selection: Selection) -> list[dict]:
    """The output lines, in pick order (``probs``: shape (n_pool, n_labels))."""
    margins, entropies = margin_uncertainty(probs), entropy_uncertainty(probs)
    rows = []
    for rank, index in enumerate(selection.indices, start=1):
        p = probs[index]
        best = int(p.argmax())
        rows.append({
            "rank": rank, **pool[index], "predicted": LABELS[best], "confidence": round(float(p[best]), 6),
            "uncertainty": round(float(selection.uncertainty[index]), 6),
            "margin": round(float(1.0 - margins[index]), 6), "entropy": round(float(entropies[index]), 6),
            "scores": {label: round(float(x), 6) for label, x in zip(LABELS, p)},
        })
    return rows


def explain(probs: np.ndarray, selection: Selection, *, strategy: str) -> list[str]:
    """Printed summary: pool and pick sizes, uncertainty of both, predicted-label mix of both."""
    picked = selection.indices
    pool_labels = Counter(LABELS[i] for i in probs.argmax(axis=1))
    picked_labels = Counter(LABELS[i] for i in probs[picked].argmax(axis=1))
    u = selection.uncertainty
    lines = [
        f"picked {len(picked)} of {len(u)} pool sentences by {strategy} uncertainty "
        f"({selection.near_duplicates_skipped} near-duplicates of picked sentences passed over)",
        f"uncertainty: picked mean {u[picked].mean():.3f} (min {u[picked].min():.3f}), "
        f"pool mean {u.mean():.3f} (median {np.median(u):.3f})",
        "predicted label | picked | pool",
    ]
    lines += [f"  {label:<17} {picked_labels[label]:>6} ({picked_labels[label] / len(picked):.0%}) | "
              f"{pool_labels[label]:>6} ({pool_labels[label] / len(u):.0%})" for label in LABELS]
    return lines
