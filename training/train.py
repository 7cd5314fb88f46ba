"""Fine-tune a sequence classifier on the corpus, calibrate it, and write a run folder.

Read top to bottom: data -> model -> Trainer with weighted loss and early stopping on dev
macro-F1 -> temperature scaling on dev, folded into the head -> save -> test report -> card.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch
import transformers
from datasets import Dataset
from transformers import (
    AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding,
    EarlyStoppingCallback, Trainer, TrainerCallback,
)
from transformers.trainer_utils import get_last_checkpoint

from annotations.schema import LABELS, load_corpus, sentence_rows
from eval.metrics import classification_metrics, macro_f1
from model.inference import predict_logits, softmax
from training.arguments import TrainingArguments
from training.calibration import fit_temperature, fold_calibration, prior_shift
from training.linear_probe import fit_head, head_inputs
from training.model_card import write_model_card
from training.sampling import LengthWindowSampler

logger = logging.getLogger("claimtag.train")
LABEL2ID = {label: i for i, label in enumerate(LABELS)}
ID2LABEL = dict(enumerate(LABELS))
CHECKPOINT_DIR = "checkpoints"


class WeightedLossTrainer(Trainer):
    """``Trainer`` whose cross-entropy weighs each class (rare classes count more)."""

    def __init__(self, *args, class_weights: torch.Tensor, label_smoothing: float = 0.0, length_window: int = 0,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_fn = torch.nn.CrossEntropyLoss(weight=class_weights, label_smoothing=label_smoothing)
        self.length_window = length_window

    def _get_train_sampler(self, train_dataset=None):
        if not self.length_window:
            return super()._get_train_sampler(train_dataset)
        data = train_dataset if train_dataset is not None else self.train_dataset
        return LengthWindowSampler([len(ids) for ids in data["input_ids"]], batch_size=self.args.train_batch_size,
                                   window=self.length_window, seed=self.args.data_seed)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        loss = self.loss_fn(outputs.logits, labels)
        return (loss, outputs) if return_outputs else loss


class EpochSummary(TrainerCallback):
    """Print one line per evaluation: epoch, step, dev macro-F1 and dev loss."""

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if metrics:
            print(f"epoch {state.epoch:.2f} step {state.global_step}: dev macro-F1 "
                  f"{metrics.get('eval_macro_f1', float('nan')):.4f}, dev loss {metrics.get('eval_loss', float('nan')):.4f}",
                  flush=True)


def class_weights(labels: list[int], scheme: str) -> torch.Tensor:
    """Per-class loss weights, mean 1: 'balanced' is n / (k * count), 'sqrt' its square root."""
    counts = Counter(labels)
    raw = np.array([len(labels) / (len(LABELS) * max(counts[i], 1)) for i in range(len(LABELS))])
    if scheme == "none":
        raw = np.ones(len(LABELS))
    elif scheme == "sqrt":
        raw = np.sqrt(raw)
    return torch.tensor(raw / raw.mean(), dtype=torch.float32)


def train(args: TrainingArguments, *, resume: bool = False) -> dict:
    """Run one training job end to end and return its metrics (also in ``metrics.json``)."""
    started = time.time()
    out = Path(args.output_dir)
    transformers.set_seed(args.seed)
    torch.set_num_threads(args.threads or os.cpu_count() or 1)

    # --- data: sentences of the corpus's splits, by article ---
    articles = load_corpus(args.corpus)
    splits = {split: sentence_rows(articles, split) for split in ("train", "dev", "test")}
    if args.max_train_sentences:
        splits["train"] = splits["train"][:args.max_train_sentences]
    if not splits["train"] or not splits["dev"]:
        raise ValueError(f"{args.corpus}: the corpus needs sentences in both the train and dev splits")
    base_model = args.resolved_base_model()
    tokenizer = AutoTokenizer.from_pretrained(base_model)

    def to_dataset(rows: list[dict]) -> Dataset:
        data = Dataset.from_dict({"text": [r["text"] for r in rows], "label": [LABEL2ID[r["label"]] for r in rows]})
        return data.map(lambda batch: tokenizer(batch["text"], truncation=True, max_length=args.max_length),
                        batched=True, remove_columns=["text"])

    train_data, dev_data = to_dataset(splits["train"]), to_dataset(splits["dev"])
    print(f"training on {len(train_data)} sentences, early stopping on {len(dev_data)} dev sentences; "
          f"base model {base_model}", flush=True)

    # --- model and trainer ---
    model = AutoModelForSequenceClassification.from_pretrained(
        base_model, num_labels=len(LABELS), id2label=ID2LABEL, label2id=LABEL2ID)
    if args.freeze_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    weights = class_weights(train_data["label"], args.class_weighting)
    if args.linear_probe:  # LP-FT: start fine-tuning from a fitted head, not a random one
        started_probe = time.time()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            features = head_inputs(model, tokenizer, [r["text"] for r in splits["train"]],
                                   batch_size=args.eval_batch_size, max_length=args.max_length)
        labels = np.array(train_data["label"])
        accuracy = fit_head(model, features, labels, sample_weight=weights.numpy()[labels])
        print(f"linear probe: head fitted on {len(labels)} frozen feature vectors in {time.time() - started_probe:.0f} s "
              f"(training accuracy {accuracy:.3f})", flush=True)
    hf_args = transformers.TrainingArguments(
        output_dir=str(out / CHECKPOINT_DIR),
        num_train_epochs=args.num_epochs,
        per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.eval_batch_size,
        learning_rate=args.learning_rate,
        weight_decay=args.weight_decay,
        warmup_steps=args.warmup_ratio,
        eval_strategy="epoch",
        save_strategy="epoch",
        save_total_limit=2,
        load_best_model_at_end=True,
        metric_for_best_model="macro_f1",
        greater_is_better=True,
        logging_steps=args.logging_steps,
        seed=args.seed,
        data_seed=args.seed,
        use_cpu=True,
        bf16=args.bf16,
        report_to=[],
        dataloader_num_workers=0,
        disable_tqdm=False,
    )
    trainer = WeightedLossTrainer(
        model=model, args=hf_args, train_dataset=train_data, eval_dataset=dev_data,
        data_collator=DataCollatorWithPadding(tokenizer), processing_class=tokenizer,
        compute_metrics=lambda p: {"macro_f1": macro_f1(p.label_ids, p.predictions.argmax(-1), len(LABELS))},
        callbacks=[EarlyStoppingCallback(args.early_stopping_patience), EpochSummary()],
        class_weights=weights, label_smoothing=args.label_smoothing, length_window=args.length_window,
    )
    checkpoint = get_last_checkpoint(str(out / CHECKPOINT_DIR)) if resume and (out / CHECKPOINT_DIR).is_dir() else None
    if resume:
        print(f"resuming from {checkpoint}" if checkpoint else "no checkpoint to resume from; starting afresh", flush=True)
    trainer.train(resume_from_checkpoint=checkpoint)
    model = trainer.model
    train_seconds = time.time() - started

    # --- calibration: prior shift to the expected label mix, temperature on dev, folded into the head ---
    shift = prior_shift(np.array(train_data["label"]), {LABEL2ID[k]: v for k, v in args.parsed_label_prior().items()},
                        len(LABELS))
    dev_labels = np.array([LABEL2ID[r["label"]] for r in splits["dev"]])
    dev_logits, _ = predict_logits(model, tokenizer, [r["text"] for r in splits["dev"]],
                                   batch_size=args.eval_batch_size, max_length=args.max_length)
    temperature = fit_temperature(dev_logits, dev_labels, shift=shift)
    fold_calibration(model, temperature, shift)
    dev_calibrated = dev_logits / temperature + shift  # what the saved head now outputs on dev
    model.config.claimtag = {"max_length": args.max_length, "base_model": base_model,
                             "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    print(f"temperature {temperature:.3f} fitted on dev with prior shift "
          f"{dict(zip(LABELS, shift.round(3).tolist()))} (NLL {_nll(dev_logits, dev_labels):.4f} -> "
          f"{_nll(dev_calibrated, dev_labels):.4f})", flush=True)

    # --- save the run folder ---
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    args.save(out / "training_config.json")
    dev_metrics = classification_metrics(dev_labels, dev_calibrated.argmax(-1), LABELS)
    metrics = {
        "train_sentences": len(train_data), "dev_sentences": len(dev_data),
        "epochs_run": trainer.state.epoch, "best_checkpoint": trainer.state.best_model_checkpoint,
        "train_seconds": round(train_seconds, 1), "temperature": temperature,
        "label_prior_shift": dict(zip(LABELS, shift.tolist())),
        "class_weights": dict(zip(LABELS, weights.tolist())),
        "dev": {k: dev_metrics[k] for k in ("accuracy", "macro_f1", "per_class")},
        "log_history": trainer.state.log_history,
    }
    if args.evaluate_test and splits["test"]:
        from eval.report import evaluate_run

        test_report = evaluate_run(out, args.corpus, out / "report", split="test", baselines=("majority", "tfidf"),
                                   corpus_path=args.corpus)
        metrics["test"] = test_report["model"]
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    write_model_card(out, args, metrics)
    shutil.rmtree(out / CHECKPOINT_DIR, ignore_errors=True)
    print(f"run written to {out} in {time.time() - started:.0f} s", flush=True)
    return metrics


def _nll(logits: np.ndarray, labels: np.ndarray) -> float:
    probs = softmax(logits)
    return float(-np.mean(np.log(probs[np.arange(len(labels)), labels] + 1e-12)))

