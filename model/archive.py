"""Reading article archives: .txt files, folders of them, JSON Lines and CSV.

Every input yields either an :class:`ArticleRecord` or a :class:`BadRecord` naming the file and
line, so one broken record never stops a run of millions.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

SUFFIXES = (".txt", ".jsonl", ".csv")


@dataclass
class ArticleRecord:
    id: str
    text: str
    source: str
    line: int | None = None
    fields: dict = field(default_factory=dict)  # other input fields, carried through


@dataclass
class BadRecord:
    source: str
    line: int | None
    error: str

    def to_dict(self) -> dict:
        return {"source": self.source, "line": self.line, "error": self.error}


def iter_inputs(paths: Iterable[str | Path], *, text_column: str = "text", id_column: str = "id",
                ) -> Iterator[ArticleRecord | BadRecord]:
    """Records of every input path, in a stable order (folders are walked sorted)."""
    for path in map(Path, paths):
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
        elif path.exists():
            files = [path]
        else:
            yield BadRecord(str(path), None, "no such file or folder")
            continue
        for file in files:
            if file.suffix == ".jsonl":
                yield from _read_jsonl(file, text_column, id_column)
            elif file.suffix == ".csv":
                yield from _read_csv(file, text_column, id_column)
            else:
                yield _read_txt(file)


def _read_txt(path: Path) -> ArticleRecord | BadRecord:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        return BadRecord(str(path), None, f"not UTF-8: byte {error.start} cannot be decoded")
    if not text.strip():
        return BadRecord(str(path), None, "empty text")
    return ArticleRecord(id=str(path), text=text, source=str(path))


def _read_jsonl(path: Path, text_column: str, id_column: str) -> Iterator[ArticleRecord | BadRecord]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if (record := parse_jsonl_line(raw, path, number, text_column, id_column)) is not None:
                yield record


def parse_jsonl_line(raw: bytes, path: Path, number: int, text_column: str, id_column: str,
                     ) -> ArticleRecord | BadRecord | None:
    """The record on line ``number`` of a JSON Lines file; None for a blank line. Shared with
    the Ray engine, which reads byte ranges of a file, so both report the same errors."""
    if not raw.strip():
        return None
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        return BadRecord(str(path), number, f"not UTF-8: byte {error.start} of the line cannot be decoded")
    except json.JSONDecodeError as error:
        return BadRecord(str(path), number, f"invalid JSON: {error.msg} at column {error.colno}")
    return make_record(record, path, number, text_column, id_column)


def _read_csv(path: Path, text_column: str, id_column: str) -> Iterator[ArticleRecord | BadRecord]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or text_column not in reader.fieldnames:
                yield BadRecord(str(path), 1, f"no column {text_column!r} (columns: {reader.fieldnames})")
                return
            for row in reader:
                yield make_record(row, path, reader.line_num, text_column, id_column)
    except UnicodeDecodeError as error:
        yield BadRecord(str(path), None, f"not UTF-8: byte {error.start} cannot be decoded; the rest of the file is skipped")
    except csv.Error as error:
        yield BadRecord(str(path), None, f"malformed CSV: {error}; the rest of the file is skipped")


def make_record(record, path: Path, number: int, text_column: str, id_column: str) -> ArticleRecord | BadRecord:
    """An article from one parsed JSON object, CSV row or Parquet row, or why it is not one."""
    if not isinstance(record, dict):
        return BadRecord(str(path), number, "expected a JSON object")
    text = record.get(text_column)
    if not isinstance(text, str) or not text.strip():
        return BadRecord(str(path), number, f"field {text_column!r} is missing or empty")
    article_id = record.get(id_column)
    article_id = str(article_id) if article_id not in (None, "") else f"{path}:{number}"
    fields = {k: v for k, v in record.items() if k not in (text_column, id_column)}
    return ArticleRecord(id=article_id, text=text, source=str(path), line=number, fields=fields)
