"""The model card (``README.md`` in the Hugging Face model-card format) of a training run."""

from __future__ import annotations

from pathlib import Path

from annotations.schema import LABELS
from training.arguments import TrainingArguments

_WEIGHTING_WHY = {
    "balanced": "each class's loss is weighted by n / (k * count), so every class weighs the same in total",
    "sqrt": ("each class's loss is weighted by the square root of n / (k * count): rare labels (denial) "
             "count more without the full inverse-frequency weights, which over-predict rare labels on "
             "real pages where denial is about 2% of sentences; the prior shift and temperature scaling then "
             "recalibrate"),
    "none": "no class weights: the loss follows the corpus's label distribution",
}


def write_model_card(run_dir: Path, args: TrainingArguments, metrics: dict) -> None:
    rows = []
    for split in ("dev", "test"):
        if split in metrics:
            m = metrics[split]
            rows.append(f"| {split} | {m['accuracy']:.3f} | {m['macro_f1']:.3f} | "
                        + " | ".join(f"{m['per_class'][label]['f1']:.3f}" for label in LABELS) + " |")
    test = metrics.get("test", {})
    calibration = (f"Expected calibration error on the test split: {test['ece_before_scaling']:.3f} before "
                   f"and {test['ece']:.3f} after calibration." if "ece" in test else "")
    shift = metrics.get("label_prior_shift") or {}
    prior = ("No prior shift: the scores follow the training split's label mix." if not any(shift.values()) else
             f"Expected label mix `{args.label_prior}` (the rest keep their training shares): "
             + ", ".join(f"{label} {value:+.3f}" for label, value in shift.items())
             + " was added to the logits before the temperature was fitted, so scores are calibrated for text "
             "with that mix rather than the corpus's.")
    card = f"""---
language: en
license: apache-2.0
library_name: transformers
pipeline_tag: text-classification
base_model: {args.base_model or "sentence-transformers/all-MiniLM-L6-v2"}
tags: [claimtag, news, war-reporting, sentence-classification]
---

# claimtag sentence tagger

Tags each sentence of war reporting as one of {", ".join(f"`{label}`" for label in LABELS)},
with a calibrated probability for every label.

## Intended use
For analysts, fact-checkers and researchers reading war reporting in English: to see, sentence by
sentence, whether a statement is an official claim, a denial, an unverified report, rhetoric or
narration. It labels the *kind* of statement, never whether it is true. Load it with
`claimtag.Tagger.load("{run_dir}")` (sentence segmentation included) or with
`transformers.pipeline("text-classification", model="{run_dir}")` for pre-split sentences.

## Labels
| id | label |
|---|---|
""" + "\n".join(f"| {i} | `{label}` |" for i, label in enumerate(LABELS)) + f"""

Definitions: `annotations/GUIDELINES.md` of the claimtag repository.

## Training data
The claimtag corpus (`{args.corpus}`): news articles written for the project in the styles of war
reporting (wire, broadsheet, live blogs, round-ups, state media, partisan blogs, NGO statements,
think tanks, page furniture) across several conflicts, every sentence labelled; split by article.
{metrics['train_sentences']} training and {metrics['dev_sentences']} dev sentences.

## Training procedure
Fine-tuned from `{args.resolved_base_model()}` with the Hugging Face `Trainer`: learning rate
{args.learning_rate}, batch size {args.batch_size}, at most {args.num_epochs} epochs with early stopping on dev
macro-F1 (patience {args.early_stopping_patience}; ran {metrics['epochs_run']:.1f} epochs), max length {args.max_length},
seed {args.seed}. Batches: {_batches(args)}. Class imbalance: weighted cross-entropy ({args.class_weighting}): {_WEIGHTING_WHY[args.class_weighting]}.
Training took {metrics['train_seconds']:.0f} s on CPU. The full configuration is in `training_config.json`.

## Metrics
| split | accuracy | macro-F1 | {" | ".join(f"F1 {label}" for label in LABELS)} |
|---|---|---|{"---|" * len(LABELS)}
{chr(10).join(rows)}

The test report, with baselines and error examples, is in `report/report.md`.

## Calibration
{prior} A temperature of {metrics['temperature']:.3f} was fitted on the dev split (minimum negative
log-likelihood of `softmax(logits / T + shift)`) and both were folded into the classification head, so the
softmax of the saved model's logits is the calibrated probability. {calibration}

## Limits
- Trained on written-for-purpose articles, not on real pages: real reporting is noisier, and the
  scores on real articles are lower than on the corpus's test split (see the project's README).
- English only; one sentence at a time, without the surrounding article, so a quote whose speaker
  is named only in the previous sentence may be misread.
- `denial` is rare in real reporting; its precision there is lower than its F1 here suggests.
- It classifies the form of a statement, not its truth.
"""
    (run_dir / "README.md").write_text(card, encoding="utf-8")


def _batches(args) -> str:
    order = (f"sorted by length within random windows of {args.length_window} batches, then shuffled "
             "(less padding, nearly random order)" if args.length_window else "random")
    return (order + ("; word embeddings frozen" if args.freeze_embeddings else "")
            + ("; the head was first fitted by logistic regression on the frozen features (LP-FT)"
               if args.linear_probe else ""))
