"""Near-duplicate sentence pairs by character n-gram TF-IDF cosine similarity.

"The same sentence with a name swapped" keeps most of its character n-grams, so a high
cosine on ``char_wb`` 3-5-grams finds it, while two different sentences on the same topic
stay well below the threshold. Lines shorter than ``min_words`` words (live-blog
timestamps, "Advertisement", "Share") are left out: real pages repeat them by design.
"""

from __future__ import annotations

import re

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

DEFAULT_THRESHOLD = 0.85
DEFAULT_MIN_WORDS = 8
_DIGITS = re.compile(r"\d")


def _normalise(text: str) -> str:
    return _DIGITS.sub("0", text.lower())


def near_duplicate_pairs(
    texts: list[str], *, threshold: float = DEFAULT_THRESHOLD,
    min_words: int = DEFAULT_MIN_WORDS, chunk_size: int = 1024,
) -> list[tuple[int, int, float]]:
    """Return ``(i, j, cosine)`` for every pair ``i < j`` whose similarity is ``>= threshold``.

    Parameters
    ----------
    texts : list of str, length n
    threshold : float
        Cosine similarity (0-1) at or above which two sentences count as near-duplicates.
    min_words : int
        Texts with fewer whitespace-separated words are never paired.
    chunk_size : int
        Rows compared at once; bounds memory to ``chunk_size * n`` floats.
    """
    kept = [i for i, text in enumerate(texts) if len(text.split()) >= min_words]
    if len(kept) < 2:
        return []
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=1,
                              sublinear_tf=True).fit_transform(_normalise(texts[i]) for i in kept)
    pairs: list[tuple[int, int, float]] = []
    for start in range(0, len(kept), chunk_size):
        block = (vectors[start:start + chunk_size] @ vectors.T).toarray()
        rows, cols = np.nonzero(block >= threshold)
        for row, col in zip(rows, cols):
            if int(col) > start + int(row):
                pairs.append((kept[start + int(row)], kept[int(col)], float(block[row, col])))
    return pairs
