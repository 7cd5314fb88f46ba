"""Classification metrics of claimtag predictions, as plain dicts ready for JSON."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> dict:
    """Accuracy, macro-F1, per-class precision/recall/F1/support and the confusion matrix.

    Parameters
    ----------
    y_true, y_pred : ndarray of shape (n_samples,), int indices into ``labels``
    labels : label names, index order
    """
    index = list(range(len(labels)))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=index, zero_division=0)
    return {
        "n": int(len(y_true)),
        "accuracy": float(accuracy_score(y_true, y_pred)) if len(y_true) else 0.0,
        "macro_f1": macro_f1(y_true, y_pred, len(labels)),
        "per_class": {
            name: {"precision": float(precision[i]), "recall": float(recall[i]),
                   "f1": float(f1[i]), "support": int(support[i])}
            for i, name in enumerate(labels)
        },
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=index).tolist(),
    }


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, n_labels: int) -> float:
    """Macro-F1 over all ``n_labels`` classes (a class absent from both counts as 0)."""
    return float(f1_score(y_true, y_pred, labels=list(range(n_labels)), average="macro", zero_division=0))


def bootstrap_macro_f1(
    y_true: np.ndarray, y_pred: np.ndarray, n_labels: int, *, groups: np.ndarray | None = None,
    n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of macro-F1.

    With ``groups`` (e.g. article ids, shape (n_samples,)) whole groups are resampled, since
    sentences of one article are not independent; otherwise single sentences are.
    """
    rng = np.random.default_rng(seed)
    keys = np.arange(len(y_true)) if groups is None else np.asarray(groups)
    unique, inverse = np.unique(keys, return_inverse=True)
    members = [np.flatnonzero(inverse == g) for g in range(len(unique))]
    scores = []
    for _ in range(n_resamples):
        chosen = rng.integers(0, len(unique), len(unique))
        rows = np.concatenate([members[g] for g in chosen])
        scores.append(macro_f1(y_true[rows], y_pred[rows], n_labels))
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(scores, [tail, 100 - tail])
    return float(low), float(high)
