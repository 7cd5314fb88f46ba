"""Inter-annotator agreement: Cohen's kappa per pair of annotators, Krippendorff's alpha over
all of them, overall and per label, and the list of disagreements.

Input, any of:

1. a JSONL file of one sentence per line with every annotator's label::

       {"id": "ct-0001-002", "text": "...", "labels": {"ana": "denial", "ben": "official_claim"}}

2. a Label Studio JSON export (``.json``) of tasks from ``claimtag annotations labelstudio
   export`` annotated by several people: each completed annotation is one label, its
   annotator ``completed_by`` (email or id);
3. two or more corpus-format files of the same articles, one per annotator (the annotator is
   the file's name): sentences are matched by id and must have the same text.

Figures, computed on the sentences labelled by at least two annotators:

- overall: Krippendorff's alpha (nominal) over all annotators, and Cohen's kappa
  (``sklearn.metrics.cohen_kappa_score``) for each pair on the sentences both labelled; with
  more than two annotators the mean of the pairs (Light's kappa) is the summary kappa;
- per label: the same on the binary question "this label or not" (one against the rest).

A figure is ``None`` (printed ``n/a``) where it is undefined, e.g. kappa when both annotators
used a single label throughout, or a per-label figure for a label nobody used.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict, dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Sequence

import numpy as np
from sklearn.metrics import cohen_kappa_score

from annotations.internal.krippendorff import nominal_alpha
from annotations.labelstudio import annotation_labels, read_export
from annotations.schema import LABELS, CorpusFormatError, iter_records, load_corpus


@dataclass
class Item:
    """One sentence and each annotator's label."""

    id: str
    text: str
    labels: dict[str, str]


def read_items(paths: Sequence[str | Path]) -> list[Item]:
    """Items from one of the three input kinds (see the module docstring)."""
    paths = [Path(p) for p in paths]
    if len(paths) == 1 and paths[0].suffix == ".json":
        return _from_label_studio(paths[0])
    if len(paths) == 1:
        return _from_rows(paths[0])
    return _from_corpus_files(paths)


def _from_rows(path: Path) -> list[Item]:
    items, seen = [], set()
    for line_number, record in iter_records(path):
        where = f"{path}:{line_number}"
        if "sentences" in record:
            raise CorpusFormatError(f"{where}: a corpus-format article; give one corpus-format file per annotator")
        labels = record.get("labels")
        if not isinstance(labels, dict) or not labels:
            raise CorpusFormatError(f"{where}: field 'labels' must map annotators to labels")
        for who, label in labels.items():
            if label not in LABELS:
                raise CorpusFormatError(f"{where}: field 'labels.{who}' is {label!r}, not one of {', '.join(LABELS)}")
        item_id = str(record.get("id", f"line-{line_number}"))
        if item_id in seen:
            raise CorpusFormatError(f"{where}: duplicate id {item_id!r}")
        seen.add(item_id)
        items.append(Item(item_id, str(record.get("text", "")), dict(labels)))
    return items


def _from_label_studio(path: Path) -> list[Item]:
    items = []
    for number, task in enumerate(read_export(path), start=1):
        labels = annotation_labels(task, f"{path}: task #{number}")
        items.append(Item(task["data"]["sentence_id"], task["data"]["text"], labels))
    return items


def _from_corpus_files(paths: list[Path]) -> list[Item]:
    names = [p.stem for p in paths] if len({p.stem for p in paths}) == len(paths) else [str(p) for p in paths]
    items: dict[str, Item] = {}
    for name, path in zip(names, paths):
        for article in load_corpus(path):
            for s in article.sentences:
                item = items.setdefault(s.id, Item(s.id, s.text, {}))
                if item.text != s.text:
                    raise CorpusFormatError(f"{path}: sentence {s.id} has another text than in {paths[0]}; "
                                            "the files must segment the articles the same way")
                item.labels[name] = s.label
    return list(items.values())


@dataclass
class AgreementReport:
    annotators: list[str]
    sentences: int  # labelled by two or more annotators
    alpha: float | None
    kappa: float | None  # Cohen's for two annotators, mean of pairs (Light's) for more
    pairs: list[dict] = field(default_factory=list)  # {"a", "b", "sentences", "kappa"}
    per_label: dict[str, dict] = field(default_factory=dict)  # label -> {"alpha", "kappa", "pairs"}
    disagreements: list[dict] = field(default_factory=list)  # {"id", "text", "labels"}

    def to_dict(self) -> dict:
        return asdict(self)


def _defined(value: float) -> float | None:
    return None if value is None or np.isnan(value) else round(float(value), 6)


def _kappa(a: list, b: list) -> float | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undefined kappa (one label throughout) is reported as None
        return _defined(cohen_kappa_score(a, b)) if len(a) >= 2 else None


def _figures(items: list[Item], annotators: list[str], value) -> tuple[float | None, float | None, list[dict]]:
    """(alpha, summary kappa, pairs) with each label mapped through ``value``."""
    alpha = _defined(nominal_alpha([[value(label) for label in item.labels.values()] for item in items]))
    pairs = []
    for a, b in combinations(annotators, 2):
        shared = [item for item in items if a in item.labels and b in item.labels]
        kappa = _kappa([value(i.labels[a]) for i in shared], [value(i.labels[b]) for i in shared])
        pairs.append({"a": a, "b": b, "sentences": len(shared), "kappa": kappa})
    defined = [p["kappa"] for p in pairs if p["kappa"] is not None]
    return alpha, (round(float(np.mean(defined)), 6) if defined else None), pairs


def agreement(items: list[Item]) -> AgreementReport:
    """Agreement figures over the items labelled by at least two annotators."""
    shared = [item for item in items if len(item.labels) >= 2]
    annotators = sorted({who for item in shared for who in item.labels})
    if len(annotators) < 2 or not shared:
        raise CorpusFormatError("agreement needs sentences labelled by at least two annotators; "
                                f"found {len(shared)} such sentence(s)")
    alpha, kappa, pairs = _figures(shared, annotators, lambda label: label)
    report = AgreementReport(annotators, len(shared), alpha, kappa, pairs)
    for label in LABELS:
        l_alpha, l_kappa, l_pairs = _figures(shared, annotators, lambda x, label=label: x == label)
        report.per_label[label] = {"alpha": l_alpha, "kappa": l_kappa,
                                   "pairs": [{k: p[k] for k in ("a", "b", "kappa")} for p in l_pairs]}
    report.disagreements = [{"id": i.id, "text": i.text, "labels": i.labels}
                            for i in shared if len(set(i.labels.values())) > 1]
    return report


def report_lines(report: AgreementReport) -> list[str]:
    """The printed report: overall figures, pairs, per-label table, then every disagreement."""
    def show(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    kind = "Cohen's kappa" if len(report.annotators) == 2 else "mean pairwise Cohen's kappa (Light's)"
    lines = [
        f"{len(report.annotators)} annotators ({', '.join(report.annotators)}), "
        f"{report.sentences} sentences labelled by two or more",
        f"overall: Krippendorff's alpha {show(report.alpha)}, {kind} {show(report.kappa)}",
    ]
    if len(report.pairs) > 1:
        lines += [f"  {p['a']} / {p['b']}: kappa {show(p['kappa'])} on {p['sentences']} sentences" for p in report.pairs]
    lines += ["label (one vs rest) | alpha | kappa"]
    lines += [f"  {label:<17} | {show(f['alpha'])} | {show(f['kappa'])}" for label, f in report.per_label.items()]
    lines.append(f"{len(report.disagreements)} disagreement(s):")
    lines += [f"  {d['id']}\t{json.dumps(d['labels'], ensure_ascii=False)}\t{d['text'][:100]}"
              for d in report.disagreements]
    return lines
