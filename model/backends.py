"""Forward passes of a run on CPU, one per backend, all with the same interface:
``forward(input_ids, attention_mask) -> logits`` on NumPy arrays.

- ``torch``: fp32, the reference.
- ``bf16``: the whole model cast to bfloat16 (AMX / AVX-512 BF16 matmuls). Casting the
  weights once measured faster than autocast, which re-casts them on every call, and gave the
  same test-split macro-F1 as fp32 (0.877 both).
- ``int8``: torch dynamic int8 quantisation of the encoder's linear layers (the head, which
  carries the calibration temperature, stays fp32). Fast, but measure its accuracy.
- ``onnx``: ONNX Runtime on the graph written by ``claimtag export`` (``RUN/onnx/model.onnx``).
- ``onnx-int8``: the same graph after ONNX Runtime dynamic int8 quantisation
  (``RUN/onnx/model-int8.onnx``, written by ``claimtag export --quantize``).
"""

from __future__ import annotations

import inspect
import os
import warnings
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

BACKENDS = ("torch", "bf16", "int8", "onnx", "onnx-int8")
# sentences per forward pass, measured best on 2 cores (larger batches help torch, smaller ONNX int8)
DEFAULT_BATCH_SIZES = {"torch": 64, "bf16": 64, "int8": 32, "onnx": 32, "onnx-int8": 16}
ONNX_FILES = {"onnx": Path("onnx") / "model.onnx", "onnx-int8": Path("onnx") / "model-int8.onnx"}


class Forward(Protocol):
    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray: ...


def load_forward(run_dir: str | Path, backend: str = "torch", *, threads: int | None = None,
                 model=None) -> Forward:
    """A forward function of ``run_dir`` on ``backend``; ``model`` reuses a loaded torch model."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")
    threads = threads or os.cpu_count() or 1
    if backend in ONNX_FILES:
        return _onnx_forward(Path(run_dir) / ONNX_FILES[backend], threads)
    import torch
    from transformers import AutoModelForSequenceClassification

    torch.set_num_threads(threads)
    model = (model or AutoModelForSequenceClassification.from_pretrained(run_dir)).eval()
    if backend == "int8":
        model = quantize_int8(model)
    elif backend == "bf16":
        model = model.to(torch.bfloat16)
    return torch_forward(model)


def torch_forward(model) -> Forward:
    """Wrap a loaded torch sequence classifier as a :class:`Forward` (float32 logits out)."""
    import torch

    def forward(input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            logits = model(input_ids=torch.from_numpy(input_ids), attention_mask=torch.from_numpy(attention_mask)).logits
        return logits.float().numpy()

    return forward


def quantize_int8(model):
    """Dynamic int8 quantisation of every linear layer but the classification head."""
    import torch
    from torch.ao.quantization import quantize_dynamic

    from training.calibration import classifier_head

    head = classifier_head(model)
    names = {name for name, module in model.named_modules()
             if isinstance(module, torch.nn.Linear) and module is not head}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch's deprecation notice for quantised tensors
        return quantize_dynamic(model, names, dtype=torch.qint8)


def _onnx_forward(path: Path, threads: int) -> Forward:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no ONNX model; create it with `claimtag export --model RUN [--quantize]`")
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    inputs = {i.name for i in session.get_inputs()}

    def forward(input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        feed = {"input_ids": input_ids, "attention_mask": attention_mask}
        if "token_type_ids" in inputs:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        return session.run(["logits"], feed)[0]

    return forward


def export_onnx(run_dir: str | Path, *, quantize: bool = False) -> list[Path]:
    """Export ``run_dir`` to ``run_dir/onnx/model.onnx`` (legacy exporter, dynamic batch and
    sequence axes); with ``quantize`` also write ONNX Runtime's dynamic int8 quantisation of it
    to ``model-int8.onnx``. Returns the files written."""
    import torch
    from transformers import AutoModelForSequenceClassification

    run_dir = Path(run_dir)
    target = run_dir / ONNX_FILES["onnx"]
    target.parent.mkdir(parents=True, exist_ok=True)
    model = AutoModelForSequenceClassification.from_pretrained(run_dir).eval()
    accepted = inspect.signature(model.forward).parameters
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in accepted]
    dummy = {name: torch.ones((2, 8), dtype=torch.long) for name in names}
    with torch.inference_mode():
        torch.onnx.export(
            model, (dummy,), str(target), dynamo=False, input_names=names, output_names=["logits"],
            dynamic_axes={name: {0: "batch", 1: "sequence"} for name in names} | {"logits": {0: "batch"}},
            opset_version=17,
        )
    if not quantize:
        return [target]
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantized = run_dir / ONNX_FILES["onnx-int8"]
    quantize_dynamic(str(target), str(quantized), weight_type=QuantType.QInt8)
    return [target, quantized]
