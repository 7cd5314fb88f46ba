"""Tag in several worker processes, each with its own copy of the model (like spaCy's
``n_process``).

Worker processes run everything in parallel, pysbd segmentation (pure Python, about half of an
article job's time) included, where threads only share the forward pass. Measured on 2 cores:
the batch command went from 215 to 278 sentences/s with two one-thread workers (README "Batch
command"); on pre-split sentences the gain was 0-20%. :class:`TaggerPool` has the same calls as
:class:`model.tagger.Tagger` and returns results in input order.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from model.backends import ONNX_FILES
from model.tagger import TaggedArticle, TaggedSentence, Tagger

_worker_tagger: Tagger | None = None  # the model of this worker process


def _load_worker(path: str, backend: str, batch_size: int | None, threads: int) -> None:
    global _worker_tagger
    _worker_tagger = Tagger.load(path, backend=backend, batch_size=batch_size, threads=threads)


def _tag_articles(texts: Sequence[str]) -> list[TaggedArticle]:
    return _worker_tagger.tag_articles(texts)


def _tag_sentences(sentences: Sequence[str]) -> list[TaggedSentence]:
    return _worker_tagger.tag_sentences(sentences)


class TaggerPool:
    """``workers`` processes each running ``Tagger.load(path, backend=…)`` on ``threads``
    threads (default: this machine's cores shared out, at least one each).

    Processes are spawned, not forked, so that no worker inherits torch's thread pools.
    Use it as a context manager, or call :meth:`close`.
    """

    def __init__(self, path: str | Path, *, workers: int, backend: str = "torch", batch_size: int | None = None,
                 threads: int | None = None):
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        path = Path(path)
        if not (path / "config.json").exists():  # fail here, not as a broken pool in a worker
            raise FileNotFoundError(f"{path}: no model here (config.json missing); train one with `claimtag train`")
        if backend in ONNX_FILES and not (path / ONNX_FILES[backend]).exists():
            raise FileNotFoundError(f"{path / ONNX_FILES[backend]}: no ONNX model; create it with "
                                    "`claimtag export --model RUN --quantize`")
        self.workers = workers
        self.threads = threads or max(1, (os.cpu_count() or 1) // workers)
        self._executor = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=_load_worker,
            initargs=(str(path), backend, batch_size, self.threads))

    def map_articles(self, chunks: Iterable[Sequence[str]]) -> Iterator[list[TaggedArticle]]:
        """Tag each chunk of article texts, yielding the chunks' results in order while at most
        two chunks per worker are in flight (so a long input is read as it is tagged)."""
        return self._map(_tag_articles, chunks)

    def tag_articles(self, texts: Sequence[str]) -> list[TaggedArticle]:
        return [a for chunk in self._map(_tag_articles, self._slices(texts)) for a in chunk]

    def tag_sentences(self, sentences: Sequence[str]) -> list[TaggedSentence]:
        # deal out slices of similar length (each worker sorts only its own slice), then restore the order
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        tagged = [s for chunk in self._map(_tag_sentences, self._slices([sentences[i] for i in order])) for s in chunk]
        results: list[TaggedSentence | None] = [None] * len(sentences)
        for position, result in zip(order, tagged):
            results[position] = result
        return results

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "TaggerPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _slices(self, items: Sequence[str]) -> list[Sequence[str]]:
        # four slices per worker: enough to even out uneven slices, few enough to keep batches full
        size = max(1, -(-len(items) // (4 * self.workers)))
        return [items[i:i + size] for i in range(0, len(items), size)]

    def _map(self, function, chunks: Iterable[Sequence[str]]) -> Iterator[list]:
        pending: deque[Future] = deque()
        for chunk in chunks:
            pending.append(self._executor.submit(function, list(chunk)))
            if len(pending) >= 2 * self.workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
