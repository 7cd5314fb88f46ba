"""`claimtag tag --engine ray`: the local engine's tagging on Ray Data, for a cluster.

The driver plans deterministic shards (:mod:`model.shards`), checks the output folder's
manifest, and runs one Ray Data pipeline over the shards not yet written::

    ray.data.from_items(shards)
      .map_batches(ShardTagger, batch_size=1, compute=ActorPoolStrategy(size=actors), num_cpus=threads)

Each actor loads the :class:`~model.tagger.Tagger` once; for each shard it reads the shard's
records from the input (so reading is spread over the cluster), segments and tags them in
chunks of 32 articles like the local engine, and writes the shard all-or-nothing. The driver
only gathers one summary row per shard. A shard is the unit of work, of output and of resuming;
Ray's actor pool hands the next shard to whichever actor is free, restarts actors that die and
retries their shard.

Ray is imported only inside functions: the core install and its tests never need it
(``pip install -e ".[ray]"``). Inputs, the run folder and the output folder must be at the
same path on every node (a shared file system).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Iterable

from model.archive import ArticleRecord, BadRecord
from model.backends import BACKENDS
from model.batch import article_row
from model.shards import (OUTPUT_FORMATS, Shard, check_manifest, complete_shards, finish, input_files,
                          plan_shards, read_shard, remove_temporaries, write_shard)

DEFAULT_SHARD_SIZE = 1000
CHUNK_ARTICLES = 32  # articles tagged together, as in model.batch
_SUMMARY_KEYS = ("shard", "articles", "sentences", "errors", "truncated", "labels", "read_seconds",
                 "segment_seconds", "model_seconds", "write_seconds", "load_seconds", "actor")


@dataclass
class RaySummary:
    """What a run did; the ``*_seconds`` are summed over actors (CPU-side time, not wall)."""

    shards: int = 0
    shards_done: int = 0
    shards_skipped: int = 0
    articles: int = 0
    sentences: int = 0
    errors: int = 0
    truncated: int = 0
    labels: Counter = field(default_factory=Counter)
    actors: int = 0
    threads: int = 0
    load_seconds: float = 0.0
    read_seconds: float = 0.0
    segment_seconds: float = 0.0
    model_seconds: float = 0.0
    write_seconds: float = 0.0
    seconds: float = 0.0

    def add(self, row: dict) -> None:
        self.shards_done += 1
        for key in ("articles", "sentences", "errors", "truncated"):
            setattr(self, key, getattr(self, key) + int(row[key]))
        for key in ("load_seconds", "read_seconds", "segment_seconds", "model_seconds", "write_seconds"):
            setattr(self, key, getattr(self, key) + float(row[key]))
        self.labels.update(json.loads(row["labels"]))

    def lines(self) -> list[str]:
        rate = self.sentences / self.seconds if self.seconds else 0.0
        busy = self.segment_seconds + self.model_seconds
        split = (f"; actor time: segmenting {self.segment_seconds / busy:.0%}, model {self.model_seconds / busy:.0%}"
                 if busy else "")
        return [
            f"shards: {self.shards_done} written, {self.shards_skipped} already done, of {self.shards}"
            f" ({self.actors} actors x {self.threads} threads)",
            f"articles tagged: {self.articles} (failed: {self.errors})",
            f"sentences: {self.sentences} ({rate:.0f}/s wall-clock; {self.truncated} truncated to the model's maximum length)",
            "labels: " + ", ".join(f"{label} {count}" for label, count in self.labels.most_common()),
            f"time: {self.seconds:.1f} s (model loading {self.load_seconds:.1f} s over all actors{split})",
        ]


class ShardTagger:
    """The Ray Data actor: loads the model once, then tags and writes one shard per row of each
    batch of shard descriptions. Plain Python, so it also runs (and is tested) without Ray."""

    def __init__(self, *, model: str, backend: str, batch_size: int | None, threads: int, output: str, fmt: str,
                 text_column: str = "text", id_column: str = "id"):
        from model.tagger import Tagger

        started = time.perf_counter()
        self.tagger = Tagger.load(model, backend=backend, batch_size=batch_size, threads=threads)
        self._load_seconds = time.perf_counter() - started
        self.output, self.fmt = Path(output), fmt
        self.text_column, self.id_column = text_column, id_column
        self.actor = f"{os.uname().nodename}:{os.getpid()}"

    def __call__(self, batch: dict) -> dict[str, list]:
        keys = [k for k in batch if k in Shard.__dataclass_fields__]
        shards = [Shard(**{k: _plain(batch[k][i]) for k in keys}) for i in range(len(batch["index"]))]
        results = [self.tag_shard(shard) for shard in shards]
        return {key: [r[key] for r in results] for key in _SUMMARY_KEYS}

    def tag_shard(self, shard: Shard) -> dict:
        """Read, segment, tag and write one shard; returns its summary row."""
        from model.segment import segment

        times = Counter()
        started = time.perf_counter()
        records = list(read_shard(shard, text_column=self.text_column, id_column=self.id_column))
        times["read"] = time.perf_counter() - started
        rows: list[dict] = []
        errors = [r for r in records if isinstance(r, BadRecord)]
        labels: Counter = Counter()
        truncated = sentences = 0
        chunks = iter(records)
        while chunk := list(islice(chunks, CHUNK_ARTICLES)):
            good = [r for r in chunk if isinstance(r, ArticleRecord)]
            started = time.perf_counter()
            spans = [segment(r.text) for r in good]
            times["segment"] += time.perf_counter() - started
            started = time.perf_counter()
            tagged = self.tagger.tag_segmented([r.text for r in good], spans)
            times["model"] += time.perf_counter() - started
            for record, article in zip(good, tagged):
                rows.append(article_row(record, article))
                sentences += len(article.sentences)
                truncated += sum(s.truncated for s in article.sentences)
                labels.update(s.label for s in article.sentences)
        started = time.perf_counter()
        stats = {"articles": len(rows), "sentences": sentences, "errors": len(errors), "truncated": truncated,
                 "labels": labels}
        write_shard(self.output, shard, rows, errors, fmt=self.fmt, labels=self.tagger.labels, stats=stats)
        times["write"] = time.perf_counter() - started
        load, self._load_seconds = self._load_seconds, 0.0  # counted once per actor
        return {"shard": shard.index, **stats, "labels": json.dumps(labels), "read_seconds": times["read"],
                "segment_seconds": times["segment"], "model_seconds": times["model"],
                "write_seconds": times["write"], "load_seconds": load, "actor": self.actor}


def _plain(value):
    """NumPy scalars from a Ray batch as Python values."""
    return value.item() if hasattr(value, "item") else value


def init_ray(address: str | None = None, *, num_cpus: int | None = None) -> bool:
    """Connect to the cluster at ``address``, or start a local Ray instance with ``num_cpus``
    (default: this machine's cores). Returns whether this call started it (then the caller
    shuts it down); an already initialised Ray is reused as it is."""
    import ray

    if ray.is_initialized():
        return False
    if address:
        ray.init(address=address, logging_level=logging.WARNING)
    else:
        ray.init(num_cpus=num_cpus or os.cpu_count() or 1, include_dashboard=False, logging_level=logging.WARNING)
    return True


def tag_archive_ray(
    inputs: Iterable[str | Path], output: str | Path, *, model: str | Path, backend: str = "torch",
    batch_size: int | None = None, threads: int = 1, actors: int | None = None,
    shard_size: int = DEFAULT_SHARD_SIZE, fmt: str = "parquet", text_column: str = "text", id_column: str = "id",
    address: str | None = None, show_progress: bool = True,
) -> RaySummary:
    """Tag every article of ``inputs`` into shard files in the folder ``output`` on Ray; rerun
    with the same arguments to resume (see :mod:`model.shards`). ``actors`` defaults to the
    cluster's CPUs divided by ``threads`` (each actor reserves ``threads`` CPUs)."""
    if fmt not in OUTPUT_FORMATS:
        raise ValueError(f"unknown output format {fmt!r} for the ray engine; choose from {', '.join(OUTPUT_FORMATS)}")
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")
    if threads < 1 or (actors is not None and actors < 1):
        raise ValueError("--threads and --actors must be at least 1")
    model, output = Path(model).resolve(), Path(output).resolve()
    if not (model / "config.json").exists():
        raise FileNotFoundError(f"{model}: no model here (config.json missing); train one with `claimtag train`")
    if output.exists() and not output.is_dir():
        raise ValueError(f"{output}: the ray engine writes a folder of shards; this is a file")
    started = time.perf_counter()
    files = input_files(inputs)
    shards = plan_shards(files, shard_size=shard_size, text_column=text_column)
    check_manifest(output, {
        "version": 1, "format": fmt, "shard_size": shard_size, "text_column": text_column, "id_column": id_column,
        "model": str(model), "backend": backend, "shards": len(shards),
        "inputs": [{"path": str(f.resolve()), "bytes": f.stat().st_size} for f in files]})
    remove_temporaries(output)
    done = complete_shards(output, fmt)
    pending = [s for s in shards if s.index not in done]
    summary = RaySummary(shards=len(shards), shards_skipped=len(shards) - len(pending), threads=threads)
    if pending:
        _run(pending, output, summary, model=model, backend=backend, batch_size=batch_size, threads=threads,
             actors=actors, fmt=fmt, text_column=text_column, id_column=id_column, address=address,
             show_progress=show_progress)
    summary.seconds = time.perf_counter() - started
    if complete_shards(output, fmt) >= {s.index for s in shards}:
        finish(output, shards)
    return summary


def _run(pending: list[Shard], output: Path, summary: RaySummary, *, model: Path, backend: str,
         batch_size: int | None, threads: int, actors: int | None, fmt: str, text_column: str, id_column: str,
         address: str | None, show_progress: bool) -> None:
    import ray
    import ray.data
    from tqdm import tqdm

    started_here = init_ray(address)
    try:
        cpus = int(ray.cluster_resources().get("CPU", 0))
        actors = actors or max(1, cpus // threads)
        if actors * threads > cpus:
            message = f"{actors} actors x {threads} threads need {actors * threads} CPUs; the Ray cluster has {cpus}"
            if not address:
                raise ValueError(message + "; lower --actors or --threads")
            print(f"claimtag: warning: {message}; the pool waits for the rest (an autoscaler may add nodes)", file=sys.stderr)
        actors = min(actors, len(pending))
        summary.actors = actors
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        # our own bar replaces Ray Data's; its notice that its bars are off is noise here
        logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)
        dataset = ray.data.from_items([s.to_dict() for s in pending], override_num_blocks=len(pending)).map_batches(
            ShardTagger, batch_size=1, num_cpus=threads,
            # the tokenizer's thread pool, like torch's, keeps to the actor's share of the cores
            runtime_env={"env_vars": {"RAYON_NUM_THREADS": str(threads)}},
            compute=ray.data.ActorPoolStrategy(size=actors, max_tasks_in_flight_per_actor=1),
            fn_constructor_kwargs=dict(model=str(model), backend=backend, batch_size=batch_size, threads=threads,
                                       output=str(output), fmt=fmt, text_column=text_column, id_column=id_column))
        bar = tqdm(total=len(pending), unit=" shards", disable=not show_progress, dynamic_ncols=True)
        begun = time.perf_counter()
        for row in dataset.iter_rows():
            summary.add(row)
            bar.update(1)
            bar.set_postfix_str(f"{summary.sentences / (time.perf_counter() - begun):.0f} sentences/s, {summary.errors} errors")
        bar.close()
    finally:
        if started_here:
            ray.shutdown()
