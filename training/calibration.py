"""Calibration folded into the classifier head.

Two corrections, both written into the head's weights so that every consumer of the saved
model (claimtag, ``transformers.pipeline``, an ONNX export) reports the corrected scores
without knowing about them:

- a **prior shift** (Saerens et al., 2002): ``log(target share / training share)`` added to each
  label's logit, for text whose label mix differs from the corpus's (denial is 9% of the
  corpus but about 2% of real war reporting);
- **temperature scaling** (Guo et al., 2017): one scalar T fitted on dev so that
  ``softmax(logits / T + shift)`` is a calibrated probability.
"""

from __future__ import annotations

import numpy as np
import torch


def prior_shift(train_labels: np.ndarray, target: dict[int, float], n_classes: int) -> np.ndarray:
    """Per-class ``log(target share / training share)``.

    Parameters
    ----------
    train_labels : ndarray of shape (n_samples,), int class indices of the training split
    target : {class index: expected share}; classes not named keep their training shares,
        rescaled to fill what the named ones leave
    n_classes : int

    Returns
    -------
    ndarray of shape (n_classes,); zeros when ``target`` is empty, and for classes absent from
    training (their logits carry no information to shift)
    """
    if not target:
        return np.zeros(n_classes)
    train = np.bincount(train_labels, minlength=n_classes) / len(train_labels)
    missing = [c for c in target if train[c] == 0]
    if missing:
        raise ValueError(f"cannot shift the prior of class(es) {missing}: no training examples")
    wanted = train.copy()
    named = list(target)
    rest = [c for c in range(n_classes) if c not in target]
    wanted[named] = [target[c] for c in named]
    if rest:
        wanted[rest] *= (1 - sum(target.values())) / train[rest].sum()
    shift = np.zeros(n_classes)
    present = train > 0
    shift[present] = np.log(wanted[present] / train[present])
    return shift


def fit_temperature(logits: np.ndarray, labels: np.ndarray, *, shift: np.ndarray | None = None,
                    max_iter: int = 200) -> float:
    """Temperature minimising the negative log-likelihood of ``labels`` under
    ``softmax(logits / T + shift)``.

    Parameters
    ----------
    logits : ndarray of shape (n_samples, n_classes)
    labels : ndarray of shape (n_samples,), int class indices
    shift : ndarray of shape (n_classes,), optional prior shift (see :func:`prior_shift`)
    """
    shift_t = torch.as_tensor(np.zeros(logits.shape[1]) if shift is None else shift, dtype=torch.float64)
    logits_t = torch.as_tensor(logits, dtype=torch.float64)
    labels_t = torch.as_tensor(labels, dtype=torch.long)
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS([log_t], lr=0.1, max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(logits_t / log_t.exp() + shift_t, labels_t)
        loss.backward()
        return loss

    optimiser.step(closure)
    return float(log_t.exp().item())


def classifier_head(model: torch.nn.Module) -> torch.nn.Linear:
    """The last linear layer producing ``num_labels`` outputs (BERT ``classifier``,
    RoBERTa ``classifier.out_proj``, DistilBERT ``classifier``)."""
    heads = [m for m in model.modules()
             if isinstance(m, torch.nn.Linear) and m.out_features == model.config.num_labels]
    if not heads:
        raise ValueError(f"{type(model).__name__} has no linear layer with {model.config.num_labels} outputs")
    return heads[-1]


def fold_calibration(model: torch.nn.Module, temperature: float, shift: np.ndarray | None = None) -> None:
    """Make the head output ``logits / T + shift`` exactly: divide its weight and bias by
    ``temperature``, then add ``shift`` to the bias. Both are recorded in the model's config
    (``calibration_temperature``, ``label_prior_shift``) so the raw logits can be recovered."""
    head = classifier_head(model)
    with torch.no_grad():
        head.weight.div_(temperature)
        if head.bias is None:
            head.bias = torch.nn.Parameter(torch.zeros(head.out_features, dtype=head.weight.dtype))
        head.bias.div_(temperature)
        if shift is not None:
            head.bias.add_(torch.as_tensor(shift, dtype=head.bias.dtype))
    model.config.calibration_temperature = float(temperature)
    model.config.label_prior_shift = [float(x) for x in (shift if shift is not None else np.zeros(head.out_features))]
