"""Expected calibration error and reliability diagrams of top-label confidence."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def reliability_bins(probs: np.ndarray, labels: np.ndarray, *, n_bins: int = 10) -> list[dict]:
    """Equal-width confidence bins with their mean confidence, accuracy and count.

    Parameters
    ----------
    probs : ndarray of shape (n_samples, n_classes)
    labels : ndarray of shape (n_samples,)
    """
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # bin i holds (edges[i], edges[i+1]]; confidence is never below 1/n_classes
    which = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    bins = []
    for i in range(n_bins):
        mask = which == i
        bins.append({"low": float(edges[i]), "high": float(edges[i + 1]), "count": int(mask.sum()),
                     "confidence": float(confidence[mask].mean()) if mask.any() else None,
                     "accuracy": float(correct[mask].mean()) if mask.any() else None})
    return bins


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, *, n_bins: int = 10) -> float:
    """ECE: the count-weighted mean gap between confidence and accuracy over the bins."""
    total = len(labels)
    if total == 0:
        return 0.0
    return float(sum(b["count"] / total * abs(b["confidence"] - b["accuracy"])
                     for b in reliability_bins(probs, labels, n_bins=n_bins) if b["count"]))


def plot_reliability(curves: dict[str, list[dict]], path: str | Path) -> None:
    """Reliability diagram with one line per named set of bins (e.g. before / after scaling)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=110)
    ax.plot([0, 1], [0, 1], linestyle=":", color="grey", label="perfect calibration")
    for name, bins in curves.items():
        points = [(b["confidence"], b["accuracy"]) for b in bins if b["count"]]
        ax.plot(*zip(*points), marker="o", label=name)
    ax.set_xlabel("confidence (top label)")
    ax.set_ylabel("accuracy")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
