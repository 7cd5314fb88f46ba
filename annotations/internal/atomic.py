"""Write a file whole or not at all.

The content goes to a temporary file in the destination's folder (so that the final rename
stays on one file system), is flushed to disk, then renamed over the destination with
:func:`os.replace`. A crash or an exception part-way leaves the old file (or no file) in place
and removes the temporary one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Iterable


def write_text_atomic(path: str | Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) in one step."""
    write_lines_atomic(path, [text])


def write_lines_atomic(path: str | Path, chunks: Iterable[str]) -> None:
    """Replace ``path`` with the concatenation of ``chunks`` in one step.

    ``chunks`` may be a generator: if it raises, nothing is written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp", delete=False)
    try:
        with handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def write_jsonl_atomic(path: str | Path, records: Iterable[dict]) -> None:
    """Replace ``path`` with one JSON object per line."""
    write_lines_atomic(path, (json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def write_json_atomic(path: str | Path, value) -> None:
    """Replace ``path`` with ``value`` as indented JSON."""
    write_text_atomic(path, json.dumps(value, ensure_ascii=False, indent=2) + "\n")
