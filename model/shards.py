"""Deterministic shards of an archive, and their all-or-nothing output (for the Ray engine).

An archive of JSON Lines and Parquet files (folders walked sorted, as the local engine does) is
cut into shards in input order, never across files: ``shard_size`` lines of a JSON Lines file,
or whole Parquet row groups packed up to ``shard_size`` rows (a larger row group is a shard of
its own, so no shard decodes a row group twice). The same inputs and size always give the same
numbered shards, so shard N of a rerun is shard N of the first run.

Output: ``DIR/shard-00042.parquet`` (or ``.jsonl``) is written under a hidden temporary name,
fsynced and renamed into place (``os.replace``, atomic on POSIX), so it exists only complete;
a shard's bad records go to ``DIR/_errors/shard-00042.jsonl`` and its counts to
``DIR/_stats/shard-00042.json`` just before. A rerun takes every shard file present as done and
cleans up temporaries; once all are done, ``_errors.jsonl`` gathers the errors and ``_SUCCESS``
the totals of all runs. ``DIR/_manifest.json`` records the plan,
the model and the options that change results; a rerun with others is refused, never mixed.
Names starting with ``.`` or ``_`` are skipped by Parquet and Ray readers of ``DIR``.
"""

from __future__ import annotations

import io
import json
import os
import re
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from model.archive import ArticleRecord, BadRecord, make_record, parse_jsonl_line

INPUT_SUFFIXES = (".jsonl", ".parquet")
OUTPUT_FORMATS = ("parquet", "jsonl")
MANIFEST = "_manifest.json"
ERRORS_DIR = "_errors"
STATS_DIR = "_stats"
ERRORS = "_errors.jsonl"
SUCCESS = "_SUCCESS"
_SHARD_FILE = re.compile(r"shard-(\d+)\.(parquet|jsonl)")


@dataclass(frozen=True)
class Shard:
    """One unit of work and of output. For JSON Lines, ``start``/``stop`` are byte offsets in
    the file; for Parquet, row-group indices. ``first_line`` numbers the first record (the file's
    line, or its row counted from 1) as the local engine's error reports do. ``path`` is
    absolute, for workers on other nodes; ``source`` is the input path as given, as the local
    engine writes it."""

    index: int
    path: str
    source: str
    kind: str
    start: int
    stop: int
    first_line: int
    rows: int

    @property
    def name(self) -> str:
        return f"shard-{self.index:05d}"

    def to_dict(self) -> dict:
        return asdict(self)


def input_files(paths: Iterable[str | Path]) -> list[Path]:
    """The JSON Lines and Parquet files of ``paths`` in the local engine's order; a missing path
    or a file of another kind is an error naming it (a cluster job should fail before it starts)."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in INPUT_SUFFIXES)
        elif not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
        elif path.suffix not in INPUT_SUFFIXES:
            raise ValueError(f"{path}: the ray engine reads JSON Lines (.jsonl) and Parquet (.parquet); "
                             "use --engine local for .txt and .csv")
        else:
            files.append(path)
    return files


def plan_shards(files: Sequence[Path], *, shard_size: int, text_column: str = "text") -> list[Shard]:
    """Shards of ``files`` in order, numbered from 0; see the module docstring."""
    if shard_size < 1:
        raise ValueError(f"shard size must be at least 1, not {shard_size}")
    shards: list[Shard] = []
    for file in files:
        cut = _jsonl_cuts if file.suffix == ".jsonl" else _parquet_cuts
        for start, stop, first_line, rows in cut(file, shard_size, text_column):
            shards.append(Shard(len(shards), str(file.resolve()), str(file), file.suffix[1:], start, stop, first_line, rows))
    return shards


def _jsonl_cuts(path: Path, shard_size: int, text_column: str) -> Iterator[tuple[int, int, int, int]]:
    start = offset = lines = 0
    with path.open("rb") as handle:
        for raw in handle:
            offset += len(raw)
            lines += 1
            if lines % shard_size == 0:
                yield start, offset, lines - shard_size + 1, shard_size
                start = offset
    if offset > start:
        yield start, offset, lines - lines % shard_size + 1, lines % shard_size


def _parquet_cuts(path: Path, shard_size: int, text_column: str) -> Iterator[tuple[int, int, int, int]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as error:  # pyarrow raises several kinds for a damaged file
        raise ValueError(f"{path}: not a readable Parquet file ({error})") from error
    if text_column not in parquet.schema_arrow.names:
        raise ValueError(f"{path}: no column {text_column!r} (columns: {parquet.schema_arrow.names})")
    meta = parquet.metadata
    group = row = 0
    while group < meta.num_row_groups:
        first, rows = group, 0
        while group < meta.num_row_groups and (rows == 0 or rows + meta.row_group(group).num_rows <= shard_size):
            rows += meta.row_group(group).num_rows
            group += 1
        yield first, group, row + 1, rows
        row += rows


def read_shard(shard: Shard, *, text_column: str = "text", id_column: str = "id",
               ) -> Iterator[ArticleRecord | BadRecord]:
    """The shard's records in order, bad ones included, with the local engine's checks and
    messages; an id repeated within the shard is a bad record (across shards: see the README)."""
    seen: set[str] = set()
    for record in _shard_records(shard, text_column, id_column):
        if isinstance(record, ArticleRecord):
            if record.id in seen:
                record = BadRecord(record.source, record.line, f"duplicate id {record.id!r}; the first one was kept")
            else:
                seen.add(record.id)
        yield record


def _shard_records(shard: Shard, text_column: str, id_column: str) -> Iterator[ArticleRecord | BadRecord]:
    source = Path(shard.source)
    if shard.kind == "jsonl":
        with open(shard.path, "rb") as handle:
            handle.seek(shard.start)
            data = handle.read(shard.stop - shard.start)
        for number, raw in enumerate(io.BytesIO(data), start=shard.first_line):
            if (record := parse_jsonl_line(raw, source, number, text_column, id_column)) is not None:
                yield record
    else:
        import pyarrow.parquet as pq

        table = pq.ParquetFile(shard.path).read_row_groups(range(shard.start, shard.stop))
        for number, row in enumerate(table.to_pylist(), start=shard.first_line):
            yield make_record(row, source, number, text_column, id_column)


def sentences_type(labels: Sequence[str]):
    """Arrow type of the ``sentences`` column: a list of structs with
    :class:`model.tagger.TaggedSentence`'s fields, ``scores`` a struct of the labels in order."""
    import pyarrow as pa

    return pa.list_(pa.struct([
        ("text", pa.string()), ("start", pa.int64()), ("end", pa.int64()), ("label", pa.string()),
        ("confidence", pa.float64()), ("scores", pa.struct([(label, pa.float64()) for label in labels])),
        ("truncated", pa.bool_()),
    ]))


def rows_table(rows: Sequence[dict], labels: Sequence[str]):
    """Output rows (``model.batch.article_row``) as an Arrow table: columns in the rows' key
    order, a field some rows lack is null there, and a carried-through field whose values mix
    types is stored as JSON text."""
    import pyarrow as pa

    names = list(dict.fromkeys(key for row in rows for key in row)) or ["id", "source", "text", "sentences"]
    columns = {}
    for name in names:
        values = [row.get(name) for row in rows]
        if name == "sentences":
            columns[name] = pa.array(values, type=sentences_type(labels))
        elif name in ("id", "source", "text"):
            columns[name] = pa.array(values, type=pa.string())
        else:
            columns[name] = _field_array(values)
    return pa.table(columns)


def _field_array(values: list):
    import pyarrow as pa

    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        return pa.array([None if v is None else json.dumps(v, ensure_ascii=False, default=str) for v in values],
                        type=pa.string())


def write_shard(out_dir: Path, shard: Shard, rows: Sequence[dict], errors: Sequence[BadRecord], *, fmt: str,
                labels: Sequence[str], stats: dict | None = None) -> Path:
    """Write the shard's errors and ``stats`` (counts, for ``_SUCCESS``), then its rows, each
    all-or-nothing; the shard file comes last, so its presence means the shard is done.
    Returns the shard file."""
    if stats is not None:
        (out_dir / STATS_DIR).mkdir(exist_ok=True)
        _atomic_write(out_dir / STATS_DIR / f"{shard.name}.json", lambda tmp: tmp.write_text(json.dumps(stats) + "\n"))
    errors_file = out_dir / ERRORS_DIR / f"{shard.name}.jsonl"
    if errors:
        errors_file.parent.mkdir(exist_ok=True)
        _atomic_write(errors_file, lambda tmp: tmp.write_text(
            "".join(json.dumps(e.to_dict(), ensure_ascii=False) + "\n" for e in errors), encoding="utf-8"))
    else:
        errors_file.unlink(missing_ok=True)
    target = out_dir / f"{shard.name}.{fmt}"
    if fmt == "parquet":
        import pyarrow.parquet as pq

        _atomic_write(target, lambda tmp: pq.write_table(rows_table(rows, labels), tmp))
    elif fmt == "jsonl":
        _atomic_write(target, lambda tmp: tmp.write_text(
            "".join(json.dumps(row, ensure_ascii=False, default=str) + "\n" for row in rows), encoding="utf-8"))
    else:
        raise ValueError(f"unknown output format {fmt!r}; choose from {', '.join(OUTPUT_FORMATS)}")
    return target


def _atomic_write(target: Path, write: Callable[[Path], object]) -> None:
    tmp = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex[:12]}")
    try:
        write(tmp)
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def complete_shards(out_dir: Path, fmt: str) -> set[int]:
    """Indices of the shards whose file is in ``out_dir``: only complete ones ever are."""
    if not out_dir.is_dir():
        return set()
    return {int(m.group(1)) for p in out_dir.iterdir() if (m := _SHARD_FILE.fullmatch(p.name)) and m.group(2) == fmt}


def remove_temporaries(out_dir: Path) -> int:
    """Delete temporary files left by a killed run; returns how many there were."""
    stale = [p for d in (out_dir, out_dir / ERRORS_DIR, out_dir / STATS_DIR) if d.is_dir()
             for p in d.iterdir() if p.name.startswith(".shard-") and ".tmp-" in p.name]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def check_manifest(out_dir: Path, manifest: dict) -> None:
    """Write ``manifest`` on the first run; on a rerun refuse one that differs."""
    path = out_dir / MANIFEST
    if not path.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        _atomic_write(path, lambda tmp: tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"))
        return
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: unreadable manifest ({error.msg}); choose a new --output") from error
    differ = [key for key in sorted(set(manifest) | set(previous)) if manifest.get(key) != previous.get(key)]
    if differ:
        raise ValueError(f"{out_dir} was started with other inputs or options ({', '.join(differ)} differ); "
                         "rerun with the same ones to resume, or choose a new --output")


def finish(out_dir: Path, shards: Sequence[Shard]) -> dict:
    """Once every shard is done: gather the shards' errors into ``_errors.jsonl`` in input order
    and their counts into ``_SUCCESS`` (returned), whichever runs wrote them."""
    parts = [out_dir / ERRORS_DIR / f"{s.name}.jsonl" for s in shards]
    text = "".join(p.read_text(encoding="utf-8") for p in parts if p.exists())
    _atomic_write(out_dir / ERRORS, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    totals: dict = {"shards": len(shards), "labels": Counter()}
    for shard in shards:
        path = out_dir / STATS_DIR / f"{shard.name}.json"
        for key, value in (json.loads(path.read_text()) if path.exists() else {}).items():
            if key == "labels":
                totals["labels"].update(value)
            else:
                totals[key] = totals.get(key, 0) + value
    _atomic_write(out_dir / SUCCESS, lambda tmp: tmp.write_text(json.dumps(totals, indent=1) + "\n"))
    return totals


def read_output(out_dir: str | Path) -> Iterator[dict]:
    """Every article of a finished output folder in input order, as dicts (Parquet's nulls for
    absent fields included); for tests and small outputs."""
    out_dir = Path(out_dir)
    files = sorted((p for p in out_dir.iterdir() if _SHARD_FILE.fullmatch(p.name)),
                   key=lambda p: int(_SHARD_FILE.fullmatch(p.name).group(1)))
    for path in files:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            yield from pq.read_table(path).to_pylist()
        else:
            with path.open(encoding="utf-8") as handle:
                yield from (json.loads(line) for line in handle)
