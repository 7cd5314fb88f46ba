"""Label-error detection: out-of-fold probabilities from k-fold training, ranked by cleanlab.

1. The train and dev sentences (the test split stays out: it is frozen, and fixing it with a
   model's help would bias the figures measured on it) are split into ``folds`` folds by
   article, stratified by label (``StratifiedGroupKFold``), so that no article is in two folds.
2. For each fold, a model is trained with the project's own training function
   (:func:`training.train.train`, with the options of ``--model-config``, e.g.
   ``training/configs/audit.toml``) on the other folds' articles, about a tenth of which are set
   aside as its dev split for early stopping and calibration, and predicts the held-out fold.
   Every sentence thus gets calibrated probabilities from a model that never saw its label.
3. ``cleanlab.filter.find_label_issues`` (confident learning) flags the sentences whose given
   label is probably wrong, ranked by self-confidence (the out-of-fold probability of the given
   label, lowest first).

The review file has one JSON line per flagged sentence: ``rank``, ``id``, ``article``,
``split``, ``text``, ``given_label``, ``suggested_label`` (the most probable label),
``self_confidence``, ``suggested_confidence``, ``scores``, and two fields for the reviewer:
``correct_label`` (``null`` until reviewed; set it to the label the guideline gives, the given
one included when the flag was wrong) and ``note``. ``claimtag annotations apply-fixes``
then writes the corrections into the corpus (:mod:`annotations.fixes`).
"""

from __future__ import annotations

import dataclasses
import random
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from annotations.schema import LABELS, Article, load_corpus, save_corpus, sentence_rows

AUDIT_SPLITS: tuple[str, ...] = ("train", "dev")
INNER_DEV_SHARE = 0.1

# trains on a corpus file (train and dev splits) and returns the probabilities of the texts,
# shape (n_texts, n_labels) in LABELS order
FitPredict = Callable[[Path, Sequence[str], Path], np.ndarray]


def assign_folds(rows: list[dict], *, folds: int, seed: int) -> np.ndarray:
    """Fold index of each sentence row: by article, stratified by label.

    Returns
    -------
    ndarray of shape (n_rows,), int in [0, folds)
    """
    from sklearn.model_selection import StratifiedGroupKFold

    n_articles = len({r["article"] for r in rows})
    if folds < 2 or n_articles < folds + 1:
        raise ValueError(f"--folds must be at least 2 and below the number of articles ({n_articles}), not {folds}")
    labels = [LABELS.index(r["label"]) for r in rows]
    groups = [r["article"] for r in rows]
    assignment = np.empty(len(rows), dtype=int)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fold, (_, held) in enumerate(splitter.split(np.zeros(len(rows)), labels, groups)):
        assignment[held] = fold
    return assignment


def train_and_predict(config) -> FitPredict:
    """A :data:`FitPredict` that trains with :func:`training.train.train` and ``config``
    (a :class:`training.arguments.TrainingArguments`) and predicts with :class:`model.tagger.Tagger`."""

    def fit_predict(corpus: Path, texts: Sequence[str], workdir: Path) -> np.ndarray:
        from model.tagger import Tagger
        from training.train import train

        run = workdir / "run"
        train(dataclasses.replace(config, corpus=str(corpus), output_dir=str(run), evaluate_test=False))
        tagged = Tagger.load(run).tag_sentences(list(texts))
        return np.array([[s.scores[label] for label in LABELS] for s in tagged])

    return fit_predict


def out_of_fold_probabilities(
    articles: list[Article], fit_predict: FitPredict, *, folds: int = 5, seed: int = 13,
    workdir: str | Path | None = None,
) -> tuple[list[dict], np.ndarray]:
    """Sentence rows of the train and dev splits and their out-of-fold probabilities.

    Returns
    -------
    rows : list of dict, length n (``id``, ``article``, ``text``, ``label``, ``split``, ...)
    probs : ndarray of shape (n, n_labels), in LABELS order
    """
    audited = [a for a in articles if a.split in AUDIT_SPLITS]
    rows = sentence_rows(audited)
    fold_of = assign_folds(rows, folds=folds, seed=seed)
    probs = np.full((len(rows), len(LABELS)), np.nan)
    owned = workdir is None
    base = Path(tempfile.mkdtemp(prefix="claimtag-audit-")) if owned else Path(workdir)
    try:
        for fold in range(folds):
            held = np.flatnonzero(fold_of == fold)
            held_articles = {rows[i]["article"] for i in held}
            training = [dataclasses.replace(a) for a in audited if a.id not in held_articles]
            random.Random(seed + fold).shuffle(training)
            n_dev = max(1, round(INNER_DEV_SHARE * len(training)))
            for position, article in enumerate(training):
                article.split = "dev" if position < n_dev else "train"
            fold_dir = base / f"fold-{fold + 1}"
            fold_dir.mkdir(parents=True, exist_ok=True)
            save_corpus(training, fold_dir / "corpus.jsonl")
            print(f"fold {fold + 1}/{folds}: training on {len(training)} articles ({n_dev} as dev), "
                  f"predicting {len(held)} held-out sentences", flush=True)
            probs[held] = fit_predict(fold_dir / "corpus.jsonl", [rows[i]["text"] for i in held], fold_dir)
            shutil.rmtree(fold_dir, ignore_errors=True)
    finally:
        if owned:
            shutil.rmtree(base, ignore_errors=True)
    return rows, probs


def label_issues(rows: list[dict], probs: np.ndarray) -> list[dict]:
    """Review rows of the sentences cleanlab flags, most suspicious first.

    Parameters
    ----------
    rows : list of dict, length n, each with ``id``, ``article``, ``split``, ``text``, ``label``
    probs : ndarray of shape (n, n_labels), out-of-fold probabilities in LABELS order
    """
    from cleanlab.filter import find_label_issues

    given = np.array([LABELS.index(r["label"]) for r in rows])
    ranked = find_label_issues(labels=given, pred_probs=probs, return_indices_ranked_by="self_confidence",
                               n_jobs=1)
    review = []
    for rank, index in enumerate(ranked, start=1):
        row, p = rows[int(index)], probs[int(index)]
        best = int(p.argmax())
        review.append({
            "rank": rank, "id": row["id"], "article": row["article"], "split": row["split"], "text": row["text"],
            "given_label": row["label"], "suggested_label": LABELS[best],
            "self_confidence": round(float(p[given[index]]), 6), "suggested_confidence": round(float(p[best]), 6),
            "scores": {label: round(float(x), 6) for label, x in zip(LABELS, p)},
            "correct_label": None, "note": "",
        })
    return review


def audit(
    corpus: str | Path, fit_predict: FitPredict, *, folds: int = 5, seed: int = 13,
) -> tuple[list[dict], int]:
    """Review rows for ``corpus`` and the number of sentences audited."""
    rows, probs = out_of_fold_probabilities(load_corpus(corpus), fit_predict, folds=folds, seed=seed)
    return label_issues(rows, probs), len(rows)
