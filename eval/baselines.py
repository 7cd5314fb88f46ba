"""Baselines trained on the corpus's train split, to set claimtag's scores side by side.

- ``majority``: always the most frequent training label.
- ``tfidf``: TF-IDF of word 1-2-grams + logistic regression (scikit-learn).
- ``frozen-encoder``: mean-pooled embeddings of the base model, frozen, + logistic regression.
Each returns class probabilities of shape (n_texts, n_labels) in ``LABELS`` order.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from annotations.schema import LABELS

BASELINES = ("majority", "tfidf", "frozen-encoder")


def majority_baseline(train_texts: Sequence[str], train_labels: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    counts = np.bincount(train_labels, minlength=len(LABELS))
    probs = np.zeros((len(texts), len(LABELS)))
    probs[:, counts.argmax()] = 1.0
    return probs


def tfidf_baseline(train_texts: Sequence[str], train_labels: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    pipeline = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        LogisticRegression(max_iter=2000, C=10.0, class_weight="balanced"),
    )
    pipeline.fit(list(train_texts), train_labels)
    return _full_proba(pipeline, pipeline.predict_proba(list(texts)))


def frozen_encoder_baseline(
    train_texts: Sequence[str], train_labels: np.ndarray, texts: Sequence[str], *, model_path: str,
    batch_size: int = 64, max_length: int = 128,
) -> np.ndarray:
    train_x = mean_pooled_embeddings(model_path, train_texts, batch_size=batch_size, max_length=max_length)
    eval_x = mean_pooled_embeddings(model_path, texts, batch_size=batch_size, max_length=max_length)
    classifier = LogisticRegression(max_iter=3000, C=1.0, class_weight="balanced").fit(train_x, train_labels)
    return _full_proba(classifier, classifier.predict_proba(eval_x))


def mean_pooled_embeddings(
    model_path: str, texts: Sequence[str], *, batch_size: int = 64, max_length: int = 128,
) -> np.ndarray:
    """Mean of the last hidden states over real tokens, L2-normalised; shape (n_texts, hidden)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    encoder = AutoModel.from_pretrained(model_path).eval()
    order = np.argsort([len(t) for t in texts])
    out = None
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            index = order[start:start + batch_size]
            batch = tokenizer([texts[i] for i in index], truncation=True, max_length=max_length,
                              padding=True, return_tensors="pt")
            hidden = encoder(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
            if out is None:
                out = np.empty((len(texts), pooled.shape[-1]), dtype=np.float32)
            out[index] = pooled.numpy()
    return out if out is not None else np.zeros((0, 1), dtype=np.float32)


def _full_proba(classifier, probs: np.ndarray) -> np.ndarray:
    """Probabilities over all labels, even those absent from the training labels."""
    full = np.zeros((probs.shape[0], len(LABELS)))
    full[:, classifier.classes_] = probs
    return full
