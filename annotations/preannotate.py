"""Pre-annotation: segment new articles and let a trained run suggest every sentence's label.

The output is the corpus format (see :mod:`annotations.schema`) with four more fields on each
sentence, so that annotators correct suggestions instead of labelling from scratch::

    {"id": "kyiv-0412", "conflict": "russia-ukraine", "style": "", "outlet": "", "date": "",
     "split": "", "text": "<the article as read>", "model": "default", "source": "new.jsonl:3",
     "sentences": [{"id": "kyiv-0412-001", "text": "...", "label": "denial", "start": 0, "end": 57,
                    "paragraph": 0, "suggested": true, "reviewed": false, "confidence": 0.81,
                    "scores": {"official_claim": 0.07, "denial": 0.81, ...}}, ...]}

- ``label`` is the model's label until a person reviews the sentence; ``scores`` are the run's
  calibrated probabilities and ``confidence`` the highest of them.
- ``suggested: true, reviewed: false`` marks a sentence no person has confirmed. Such a sentence
  never enters the corpus silently: ``claimtag annotations add`` refuses the whole file while
  one is left, ``claimtag annotations validate`` reports it, and :func:`annotations.schema.load_corpus`
  (which training reads through) raises on it. A reviewer either sets ``"reviewed": true`` (after
  correcting ``label`` if needed) or goes through Label Studio
  (:mod:`annotations.labelstudio`), whose import writes reviewed sentences in the plain corpus format.
- ``start``/``end`` are offsets into ``text``; ``paragraph`` counts line breaks between sentences
  (segmentation always ends a sentence at a line break, so each line starts a new paragraph).
- Article metadata (``conflict``, ``style``, ``outlet``, ``date``) is taken from the input
  record's fields when present, else from the command's options, else left empty for the
  annotator to fill in (``add`` names any that is missing or unknown). ``split`` stays empty:
  ``add`` assigns it.
- Article ids are the input's (``id`` field of JSONL/CSV, the path of a .txt file); sentence
  ids are ``<article id>-<nnn>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Mapping, Sequence

from annotations.schema import CorpusFormatError
from model.archive import ArticleRecord, BadRecord, iter_inputs

METADATA_FIELDS: tuple[str, ...] = ("conflict", "style", "outlet", "date")


def read_new_articles(
    paths: Sequence[str | Path], *, text_column: str = "text", id_column: str = "id",
) -> list[ArticleRecord]:
    """Every article of ``paths`` (.txt, folders, .jsonl, .csv), or an error listing every bad
    record and duplicate id with its file and line."""
    records: list[ArticleRecord] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for item in iter_inputs(paths, text_column=text_column, id_column=id_column):
        if isinstance(item, BadRecord):
            problems.append(f"{item.source}{'' if item.line is None else ':' + str(item.line)}: {item.error}")
            continue
        where = f"{item.source}{'' if item.line is None else ':' + str(item.line)}"
        if item.id in seen:
            problems.append(f"{where}: duplicate article id {item.id!r} (first at {seen[item.id]})")
            continue
        seen[item.id] = where
        records.append(item)
    if problems:
        raise CorpusFormatError(f"{len(problems)} bad input record(s); nothing written:\n" + "\n".join(problems))
    if not records:
        raise CorpusFormatError("no articles in the input")
    return records


def preannotate(
    records: Sequence[ArticleRecord], tagger, *, model_version: str,
    defaults: Mapping[str, str] | None = None, articles_per_batch: int = 16,
) -> list[dict]:
    """Pre-annotated article records (the format above), in input order.

    ``tagger`` is a :class:`model.tagger.Tagger` (anything with ``tag_articles``).
    ``defaults`` fills the metadata fields a record does not carry.
    """
    defaults = dict(defaults or {})
    out: list[dict] = []
    for start in range(0, len(records), articles_per_batch):
        batch = records[start:start + articles_per_batch]
        for record, tagged in zip(batch, tagger.tag_articles([r.text for r in batch])):
            out.append(_article(record, tagged.sentences, model_version, defaults))
    return out


def _article(record: ArticleRecord, tagged: Iterable, model_version: str, defaults: dict) -> dict:
    metadata = {name: str(record.fields.get(name) or defaults.get(name) or "") for name in METADATA_FIELDS}
    sentences, paragraph, previous_end = [], 0, None
    for number, s in enumerate(tagged, start=1):
        if previous_end is not None and "\n" in record.text[previous_end:s.start]:
            paragraph += 1
        previous_end = s.end
        sentences.append({
            "id": f"{record.id}-{number:03d}", "text": s.text, "label": s.label, "start": s.start, "end": s.end,
            "paragraph": paragraph, "suggested": True, "reviewed": False,
            "confidence": round(s.confidence, 6), "scores": {k: round(v, 6) for k, v in s.scores.items()},
        })
    source = record.source if record.line is None else f"{record.source}:{record.line}"
    return {"id": record.id, **metadata, "split": "", "text": record.text, "model": model_version,
            "source": source, "sentences": sentences}
