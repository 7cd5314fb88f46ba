"""`claimtag tag`: tag an archive of articles, resumably.

Every finished article is appended as one JSON line to a journal (the JSONL output itself, or
``OUTPUT.journal.jsonl`` when the output is CSV or HTML, which are rendered from it at the
end). A rerun with the same output reads the journal, drops a half-written last line left by
a kill, and skips the articles already there: nothing finished is lost, nothing is written
twice. Bad records go to ``OUTPUT.errors.jsonl`` with their file and line, and the run goes on.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator

from tqdm import tqdm

from model.archive import ArticleRecord, BadRecord, iter_inputs
from model.render import iter_jsonl, write_csv, write_html
from model.pool import TaggerPool
from model.tagger import TaggedArticle, Tagger

FORMATS = ("jsonl", "csv", "html")


@dataclass
class BatchSummary:
    articles: int = 0
    sentences: int = 0
    skipped: int = 0
    errors: int = 0
    truncated: int = 0
    labels: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        rate = self.sentences / self.seconds if self.seconds else 0.0
        return [
            f"articles tagged: {self.articles} (skipped, already done: {self.skipped}; failed: {self.errors})",
            f"sentences: {self.sentences} ({rate:.0f}/s; {self.truncated} truncated to the model's maximum length)",
            "labels: " + ", ".join(f"{label} {count}" for label, count in self.labels.most_common()),
            f"time: {self.seconds:.1f} s",
        ]


def journal_path(output: Path, fmt: str) -> Path:
    return output if fmt == "jsonl" else output.with_name(output.name + ".journal.jsonl")


def errors_path(output: Path) -> Path:
    return output.with_name(output.name + ".errors.jsonl")


def recover_journal(path: Path) -> set[str]:
    """Ids of the articles completely written to ``path``; a torn last line is cut off."""
    if not path.exists():
        return set()
    done: set[str] = set()
    good_bytes = 0
    with path.open("rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                break
            try:
                done.add(json.loads(raw)["id"])
            except (json.JSONDecodeError, KeyError, UnicodeDecodeError):
                break
            good_bytes += len(raw)
    if good_bytes != path.stat().st_size:
        with path.open("r+b") as handle:
            handle.truncate(good_bytes)
    return done


def tag_archive(
    inputs: Iterable[str | Path], output: str | Path, tagger: Tagger | TaggerPool, *, fmt: str = "jsonl",
    text_column: str = "text", id_column: str = "id", chunk_articles: int = 32, show_progress: bool = True,
) -> BatchSummary:
    """Tag every article of ``inputs`` into ``output``; see the module docstring for resuming.
    ``tagger`` is a :class:`Tagger`, or a :class:`TaggerPool` to tag in several processes (the
    results are still written in input order by this process alone)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r}; choose from {', '.join(FORMATS)}")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    journal = journal_path(output, fmt)
    done = recover_journal(journal)
    summary = BatchSummary()
    started = time.perf_counter()
    seen: set[str] = set()
    records = _fresh_records(iter_inputs(inputs, text_column=text_column, id_column=id_column), done, seen, summary)
    bar = tqdm(unit=" articles", disable=not show_progress, dynamic_ncols=True)
    pending: deque[list[ArticleRecord]] = deque()  # chunks handed to the tagger, not yet written
    with journal.open("ab") as sink, errors_path(output).open("w", encoding="utf-8") as errors:

        def chunk_texts() -> Iterator[list[str]]:
            while chunk := list(islice(records, chunk_articles)):
                for bad in (r for r in chunk if isinstance(r, BadRecord)):
                    errors.write(json.dumps(bad.to_dict(), ensure_ascii=False) + "\n")
                    summary.errors += 1
                pending.append([r for r in chunk if isinstance(r, ArticleRecord)])
                yield [r.text for r in pending[-1]]

        for tagged_chunk in tagger.map_articles(chunk_texts()):
            good = pending.popleft()
            for record, tagged in zip(good, tagged_chunk, strict=True):
                line = article_row(record, tagged)
                sink.write((json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8"))
                summary.articles += 1
                summary.sentences += len(tagged.sentences)
                summary.truncated += sum(s.truncated for s in tagged.sentences)
                summary.labels.update(s.label for s in tagged.sentences)
            sink.flush()
            os.fsync(sink.fileno())
            errors.flush()
            bar.update(len(good))
            elapsed = time.perf_counter() - started
            bar.set_postfix_str(f"{summary.sentences / elapsed:.0f} sentences/s, {summary.errors} errors")
    bar.close()
    if fmt == "csv":
        write_csv(iter_jsonl(journal), output)
    elif fmt == "html":
        write_html(iter_jsonl(journal), output, title=f"claimtag: {output.stem}")
    summary.seconds = time.perf_counter() - started
    return summary


def article_row(record: ArticleRecord, tagged: TaggedArticle) -> dict:
    """One output article: its id, the input's other fields, source, text and tagged sentences
    (the same for every engine and format)."""
    return {"id": record.id, **record.fields, "source": record.source, "text": record.text,
            "sentences": [vars(s) for s in tagged.sentences]}


def _fresh_records(records: Iterator[ArticleRecord | BadRecord], done: set[str], seen: set[str],
                   summary: BatchSummary) -> Iterator[ArticleRecord | BadRecord]:
    """Skip articles finished by an earlier run; flag ids repeated within this input."""
    for record in records:
        if isinstance(record, ArticleRecord):
            if record.id in seen:
                yield BadRecord(record.source, record.line, f"duplicate id {record.id!r}; the first one was kept")
                continue
            seen.add(record.id)
            if record.id in done:
                summary.skipped += 1
                continue
        yield record
