"""Labelled sentences to evaluate on, from either of the two accepted formats.

1. The corpus format (``annotations/corpus/*.jsonl``): one article per line with a
   ``sentences`` list; ``split`` selects train, dev or test.
2. The flat format of ``shared/realnews/*.jsonl``: one sentence per line with ``text`` and
   ``label`` (and optionally ``id``, ``article``, ``outlet``).
Lines of both kinds may not be mixed in one file.
"""

from __future__ import annotations

from pathlib import Path

from annotations.schema import LABELS, CorpusFormatError, iter_records


def load_eval_sentences(path: str | Path, *, split: str | None = None) -> list[dict]:
    """Rows with ``id``, ``article``, ``text``, ``label`` and ``group`` (conflict or outlet).

    Raises :class:`CorpusFormatError` naming the file and line of a bad record.
    """
    rows: list[dict] = []
    kinds = set()
    for line_number, record in iter_records(path):
        where = f"{path}:{line_number}"
        if "sentences" in record:
            kinds.add("corpus")
            if split and record.get("split") != split:
                continue
            for s in record["sentences"]:
                rows.append(_row(where, s.get("id"), record.get("id"), s.get("text"), s.get("label"),
                                 f"{record.get('conflict')}/{record.get('style')}"))
        else:
            kinds.add("flat")
            rows.append(_row(where, record.get("id", f"line-{line_number}"), record.get("article", ""),
                             record.get("text"), record.get("label"), record.get("outlet") or "unknown outlet"))
    if len(kinds) > 1:
        raise CorpusFormatError(f"{path}: mixes corpus-format articles and one-sentence lines")
    if split and "flat" in kinds:
        raise CorpusFormatError(f"{path}: --split applies to corpus-format files only")
    if not rows:
        raise CorpusFormatError(f"{path}: no labelled sentences" + (f" in split {split!r}" if split else ""))
    return rows


def _row(where: str, id_: str | None, article: str | None, text, label, group: str) -> dict:
    if not isinstance(text, str) or not text.strip():
        raise CorpusFormatError(f"{where}: field 'text' is missing or empty")
    if label not in LABELS:
        raise CorpusFormatError(f"{where}: field 'label' is {label!r}, not one of {', '.join(LABELS)}")
    return {"id": id_, "article": article, "text": text, "label": label, "group": group}
