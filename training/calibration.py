"""Temperature scaling (Guo et al., 2017): one scalar T fitted on dev so that
``softmax(logits / T)`` is a calibrated probability; then folded into the classifier head so
that every consumer of the saved model (claimtag, ``transformers.pipeline``, an ONNX export)
reports calibrated scores without knowing about T."""

from __future__ import annotations

import numpy as np
import torch


def fit_temperature(logits: np.ndarray, labels: np.ndarray, *, max_iter: int = 200) -> float:
    """Temperature minimising the negative log-likelihood of ``labels``.

    Parameters
    ----------
    logits : ndarray of shape (n_samples, n_classes)
    labels : ndarray of shape (n_samples,), int class indices
    """
    logits_t = torch.as_tensor(logits, dtype=torch.float64)
    labels_t = torch.as_tensor(labels, dtype=torch.long)
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS([log_t], lr=0.1, max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(logits_t / log_t.exp(), labels_t)
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


def fold_temperature(model: torch.nn.Module, temperature: float) -> None:
    """Divide the head's weight and bias by ``temperature``: logits become logits / T exactly."""
    head = classifier_head(model)
    with torch.no_grad():
        head.weight.div_(temperature)
        if head.bias is not None:
            head.bias.div_(temperature)
    model.config.calibration_temperature = float(temperature)
