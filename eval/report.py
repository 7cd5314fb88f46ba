"""`claimtag eval`: score a run on labelled sentences and write a report a person can read.

Writes ``metrics.json``, ``report.md``, a self-contained ``report.html``, the confusion
matrix and reliability diagram as PNG, and ``predictions.jsonl`` for error analysis.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Sequence

import numpy as np

from annotations.schema import DEFAULT_CORPUS, LABELS, load_corpus, sentence_rows
from eval.baselines import BASELINES, frozen_encoder_baseline, majority_baseline, tfidf_baseline
from eval.calibration import expected_calibration_error, plot_reliability, reliability_bins
from eval.data import load_eval_sentences
from eval.internal.document import Document
from eval.metrics import bootstrap_macro_f1, classification_metrics, macro_f1
from model.inference import softmax

N_MISTAKES = 20
MIN_GROUP_SIZE = 20


def evaluate_run(
    run_dir: str | Path, data_path: str | Path, out_dir: str | Path, *, split: str | None = None,
    baselines: Sequence[str] = BASELINES, corpus_path: str | Path = DEFAULT_CORPUS,
    n_bootstrap: int = 1000, batch_size: int = 64,
) -> dict:
    """Evaluate the run at ``run_dir`` on ``data_path`` and write the report into ``out_dir``.

    Baselines are trained on the train split of ``corpus_path``, the data claimtag was
    trained on, and scored on the same sentences as the model.
    """
    from transformers import AutoConfig

    from model.tagger import Tagger

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = load_eval_sentences(data_path, split=split)
    texts = [r["text"] for r in rows]
    y_true = np.array([LABELS.index(r["label"]) for r in rows])
    groups = np.array([r["article"] or r["id"] for r in rows])

    # the same loading and label check as every other consumer of a run
    tagged = Tagger.load(run_dir, batch_size=batch_size).tag_sentences(texts)
    config = AutoConfig.from_pretrained(run_dir)
    temperature = float(getattr(config, "calibration_temperature", 1.0) or 1.0)
    shift_by_label = dict(zip((config.id2label[i] for i in range(config.num_labels)),
                              getattr(config, "label_prior_shift", None) or [0.0] * config.num_labels))
    shift = np.array([shift_by_label[label] for label in LABELS])
    probs = np.array([[t.scores[label] for label in LABELS] for t in tagged])
    # the head outputs logits / T + shift: undoing both recovers the uncalibrated softmax
    raw_probs = softmax((np.log(np.clip(probs, 1e-12, None)) - shift) * temperature)
    y_pred = probs.argmax(1)

    result = {"data": str(data_path), "split": split, "run": str(run_dir), "temperature": temperature,
              "label_prior_shift": dict(zip(LABELS, shift.tolist())),
              "truncated_sentences": sum(t.truncated for t in tagged)}
    result["model"] = _scores(y_true, y_pred, groups, n_bootstrap)
    result["model"]["ece_before_scaling"] = expected_calibration_error(raw_probs, y_true)
    result["model"]["ece"] = expected_calibration_error(probs, y_true)
    result["model"]["by_group"] = _by_group(rows, y_true, y_pred)

    train_rows = sentence_rows(load_corpus(corpus_path), "train")
    train_texts = [r["text"] for r in train_rows]
    train_y = np.array([LABELS.index(r["label"]) for r in train_rows])
    result["baselines"] = {}
    for name in baselines:
        base_model = (getattr(config, "claimtag", None) or {}).get("base_model")
        baseline_probs = _run_baseline(name, train_texts, train_y, texts, base_model)
        if baseline_probs is not None:
            result["baselines"][name] = _scores(y_true, baseline_probs.argmax(1), groups, n_bootstrap)

    _plot_confusion(np.array(result["model"]["confusion_matrix"]), out / "confusion_matrix.png")
    plot_reliability({"before calibration": reliability_bins(raw_probs, y_true),
                      "after calibration": reliability_bins(probs, y_true)}, out / "reliability.png")
    mistakes = _confident_mistakes(rows, probs, y_true)
    result["most_confident_mistakes"] = mistakes
    _write_predictions(out / "predictions.jsonl", rows, probs)
    (out / "metrics.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    document = _document(result, out)
    (out / "report.md").write_text(document.markdown(), encoding="utf-8")
    (out / "report.html").write_text(document.html(), encoding="utf-8")
    return result


def _scores(y_true: np.ndarray, y_pred: np.ndarray, groups: np.ndarray, n_bootstrap: int) -> dict:
    scores = classification_metrics(y_true, y_pred, LABELS)
    low, high = bootstrap_macro_f1(y_true, y_pred, len(LABELS), groups=groups, n_resamples=n_bootstrap)
    scores["macro_f1_ci95"] = [low, high]
    return scores


def _run_baseline(name: str, train_texts, train_y, texts, base_model: str | None) -> np.ndarray | None:
    if name == "majority":
        return majority_baseline(train_texts, train_y, texts)
    if name == "tfidf":
        return tfidf_baseline(train_texts, train_y, texts)
    if name == "frozen-encoder":
        if not base_model or not Path(base_model).is_dir():
            print(f"frozen-encoder baseline skipped: base model folder {base_model!r} not found")
            return None
        return frozen_encoder_baseline(train_texts, train_y, texts, model_path=base_model)
    raise ValueError(f"unknown baseline {name!r}; choose from {', '.join(BASELINES)}")


def _by_group(rows: list[dict], y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    index = defaultdict(list)
    for i, row in enumerate(rows):
        index[row["group"]].append(i)
    return {group: {"n": len(ids), "accuracy": float((y_true[ids] == y_pred[ids]).mean()),
                    "macro_f1": macro_f1(y_true[ids], y_pred[ids], len(LABELS))}
            for group, ids in sorted(index.items()) if len(ids) >= MIN_GROUP_SIZE}


def _confident_mistakes(rows: list[dict], probs: np.ndarray, y_true: np.ndarray) -> list[dict]:
    wrong = np.flatnonzero(probs.argmax(1) != y_true)
    wrong = wrong[np.argsort(-probs[wrong].max(1))][:N_MISTAKES]
    return [{"id": rows[i]["id"], "text": rows[i]["text"], "gold": rows[i]["label"],
             "predicted": LABELS[int(probs[i].argmax())], "confidence": float(probs[i].max())}
            for i in wrong]


def _write_predictions(path: Path, rows: list[dict], probs: np.ndarray) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row, p in zip(rows, probs):
            handle.write(json.dumps({"id": row["id"], "text": row["text"], "gold": row["label"],
                                     "predicted": LABELS[int(p.argmax())],
                                     "scores": dict(zip(LABELS, np.round(p, 4).tolist()))}, ensure_ascii=False) + "\n")


def _plot_confusion(matrix: np.ndarray, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 5), dpi=110)
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(LABELS)), LABELS, rotation=35, ha="right")
    ax.set_yticks(range(len(LABELS)), LABELS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    for i in range(len(LABELS)):
        for j in range(len(LABELS)):
            ax.text(j, i, int(matrix[i, j]), ha="center", va="center",
                    color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _f(x: float) -> str:
    return f"{x:.3f}"


def _document(result: dict, out: Path) -> Document:
    model = result["model"]
    doc = Document(f"claimtag evaluation: {Path(result['data']).name}"
                   + (f" ({result['split']} split)" if result["split"] else ""))
    low, high = model["macro_f1_ci95"]
    doc.paragraph(f"Run {result['run']}, {model['n']} sentences. Accuracy {_f(model['accuracy'])}, "
                  f"macro-F1 {_f(model['macro_f1'])} (95% bootstrap CI over articles {_f(low)}-{_f(high)}). "
                  f"{result['truncated_sentences']} sentence(s) were longer than the model's maximum length "
                  "and were truncated.")
    doc.heading("Model and baselines on the same sentences")
    doc.paragraph("Baselines are trained on the corpus's train split, as claimtag is.")
    header = ["system", "accuracy", "macro-F1", "95% CI", *[f"F1 {label}" for label in LABELS]]
    systems = {"claimtag": model, **result["baselines"]}
    doc.table(header, [[name, _f(s["accuracy"]), _f(s["macro_f1"]),
                        f"{_f(s['macro_f1_ci95'][0])}-{_f(s['macro_f1_ci95'][1])}",
                        *[_f(s["per_class"][label]["f1"]) for label in LABELS]] for name, s in systems.items()])
    doc.heading("Per class")
    doc.table(["label", "precision", "recall", "F1", "support"],
              [[label, _f(c["precision"]), _f(c["recall"]), _f(c["f1"]), c["support"]]
               for label, c in model["per_class"].items()])
    doc.heading("Confusion matrix (rows gold, columns predicted)")
    doc.table(["gold \\ predicted", *LABELS],
              [[label, *row] for label, row in zip(LABELS, model["confusion_matrix"])])
    doc.image(out / "confusion_matrix.png", "confusion matrix")
    doc.heading("Calibration")
    shift = ", ".join(f"{label} {value:+.2f}" for label, value in result["label_prior_shift"].items() if value)
    doc.paragraph(f"Expected calibration error (10 bins, top label): {_f(model['ece_before_scaling'])} before "
                  f"calibration, {_f(model['ece'])} after (temperature {result['temperature']:.3f}, "
                  f"fitted on the corpus's dev split; prior shift of the logits: {shift or 'none'}).")
    doc.image(out / "reliability.png", "reliability diagram")
    if model["by_group"]:
        doc.heading("By group (conflict/style or outlet, groups of 20+ sentences)")
        doc.table(["group", "sentences", "accuracy", "macro-F1"],
                  [[g, v["n"], _f(v["accuracy"]), _f(v["macro_f1"])] for g, v in model["by_group"].items()])
    doc.heading(f"The {len(result['most_confident_mistakes'])} most confident mistakes")
    doc.table(["confidence", "gold", "predicted", "sentence"],
              [[_f(m["confidence"]), m["gold"], m["predicted"], m["text"]] for m in result["most_confident_mistakes"]])
    return doc
