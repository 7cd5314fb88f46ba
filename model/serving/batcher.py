"""Micro-batching of concurrent requests into shared forward passes, off the event loop.

Each request submits a job (a list of sentences). One worker task takes the first waiting
job, then keeps gathering jobs until ``max_batch_size`` sentences are collected or
``max_wait_ms`` has passed, runs the model once in a worker thread, and hands every job its
slice of the results. The queue is bounded: past ``max_queue`` waiting jobs, :meth:`submit`
raises :class:`QueueFull` at once (the server answers 503 with Retry-After) instead of
slowing every client down.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Sequence


class QueueFull(Exception):
    """The batcher's queue is at its bound."""


@dataclass
class _Job:
    sentences: Sequence[str]
    future: asyncio.Future


class MicroBatcher:
    def __init__(self, run_batch: Callable[[list[str]], list], *, max_batch_size: int = 64,
                 max_wait_ms: float = 5.0, max_queue: int = 256,
                 on_batch: Callable[[int], None] | None = None):
        self._run_batch = run_batch
        self.max_batch_size = max_batch_size
        self.max_wait = max_wait_ms / 1000
        self.max_queue = max_queue
        self._on_batch = on_batch
        self._queue: asyncio.Queue[_Job] | None = None
        self._worker: asyncio.Task | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="claimtag-model")

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._worker = asyncio.create_task(self._work())

    async def stop(self) -> None:
        if self._worker:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        self._executor.shutdown(wait=False, cancel_futures=True)

    @property
    def depth(self) -> int:
        return self._queue.qsize() if self._queue else 0

    async def submit(self, sentences: Sequence[str]) -> list:
        """Results for ``sentences`` in order; raises :class:`QueueFull` past the bound."""
        if not sentences:
            return []
        if self._queue is None:
            raise RuntimeError("batcher not started")
        if self._queue.qsize() >= self.max_queue:
            raise QueueFull
        job = _Job(sentences, asyncio.get_running_loop().create_future())
        self._queue.put_nowait(job)
        return await job.future

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            jobs = [await self._queue.get()]
            size = len(jobs[0].sentences)
            deadline = time.monotonic() + self.max_wait
            while size < self.max_batch_size:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    job = await asyncio.wait_for(self._queue.get(), remaining)
                except asyncio.TimeoutError:
                    break
                jobs.append(job)
                size += len(job.sentences)
            live = [j for j in jobs if not j.future.done()]  # skip jobs whose client timed out
            if not live:
                continue
            flat = [s for j in live for s in j.sentences]
            try:
                results = await loop.run_in_executor(self._executor, self._run_batch, flat)
            except Exception as error:  # hand the failure to every waiting request
                for j in live:
                    if not j.future.done():
                        j.future.set_exception(error)
                continue
            if self._on_batch:
                self._on_batch(len(flat))
            cursor = 0
            for j in live:
                if not j.future.done():
                    j.future.set_result(results[cursor:cursor + len(j.sentences)])
                cursor += len(j.sentences)
