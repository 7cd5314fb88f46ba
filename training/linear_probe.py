"""Linear probing before fine-tuning (LP-FT, Kumar et al., ICLR 2022).

Fine-tuning with a randomly initialised head lets the head's early, large gradients distort
the pretrained features; a head first fitted on the frozen features (a logistic regression on
what the head reads) avoids that, and was shown to keep more of the pretrained model's
robustness out of distribution: here, real reporting after training on the written corpus.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

from training.calibration import classifier_head


def head_inputs(model: torch.nn.Module, tokenizer, texts: Sequence[str], *, batch_size: int = 64,
                max_length: int = 128) -> np.ndarray:
    """What the classification head reads for each text, from the frozen model in eval mode.

    Returns
    -------
    ndarray of shape (n_texts, head.in_features), float32, in the order of ``texts``.
    """
    head = classifier_head(model)
    captured: list[torch.Tensor] = []
    hook = head.register_forward_hook(lambda module, inputs, output: captured.append(inputs[0].detach().float()))
    order = np.argsort([len(t) for t in texts], kind="stable")  # similar lengths share a batch
    features = np.empty((len(texts), head.in_features), dtype=np.float32)
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                index = order[start:start + batch_size]
                batch = tokenizer([texts[i] for i in index], padding=True, truncation=True, max_length=max_length,
                                  return_tensors="pt")
                captured.clear()
                model(**batch)
                features[index] = captured[-1].numpy()
    finally:
        hook.remove()
        model.train(was_training)
    return features


def fit_head(model: torch.nn.Module, features: np.ndarray, labels: np.ndarray, *,
             sample_weight: np.ndarray | None = None) -> float:
    """Set the head's weight and bias to a multinomial logistic regression of ``labels``
    (shape (n,)) on ``features`` (shape (n, in_features)); returns its training accuracy."""
    head = classifier_head(model)
    probe = LogisticRegression(max_iter=2000)
    probe.fit(features, labels, sample_weight=sample_weight)
    coef = np.zeros((head.out_features, head.in_features), dtype=np.float32)
    intercept = np.zeros(head.out_features, dtype=np.float32)
    coef[probe.classes_], intercept[probe.classes_] = probe.coef_, probe.intercept_
    with torch.no_grad():
        head.weight.copy_(torch.from_numpy(coef))
        head.bias.copy_(torch.from_numpy(intercept))
    return float(probe.score(features, labels))
