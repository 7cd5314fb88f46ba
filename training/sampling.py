"""Length-windowed batch order: less padding than random batches, nearly as random.

Plain random batches of 16 pad to their longest sentence, which wastes about 40% of the
training compute on this corpus. Sorting the whole epoch by length (Hugging Face's
``group_by_length``, windows of 50 batches visited long to short) cuts the waste but was
measured to hurt dev macro-F1 here. The middle way: shuffle, sort within small windows of a
few batches, cut the windows into batches, then shuffle the batches themselves, so that no run
of consecutive steps is biased towards one length (and with it, one kind of sentence).
"""

from __future__ import annotations

from typing import Iterator, Sequence

import torch
from torch.utils.data import Sampler


def length_window_order(lengths: Sequence[int], *, batch_size: int, window: int,
                        generator: torch.Generator) -> list[int]:
    """One epoch's order of example indices.

    Parameters
    ----------
    lengths : sequence of int, shape (n_examples,)
        Token count of each example.
    batch_size : int
        Examples per batch; every ``batch_size`` consecutive indices of the result form a batch.
    window : int
        Batches per sorting window; larger windows pad less and randomise less.
    generator : torch.Generator
        Source of randomness, so that a seed fixes the order.

    Returns
    -------
    list of int, shape (n_examples,)
        A permutation of ``range(n_examples)``.
    """
    permutation = torch.randperm(len(lengths), generator=generator).tolist()
    span = batch_size * window
    batches = []
    for start in range(0, len(permutation), span):
        ordered = sorted(permutation[start:start + span], key=lambda i: lengths[i])
        batches += [ordered[i:i + batch_size] for i in range(0, len(ordered), batch_size)]
    return [i for b in torch.randperm(len(batches), generator=generator).tolist() for i in batches[b]]


class LengthWindowSampler(Sampler[int]):
    """:func:`length_window_order` as a sampler; epoch ``e`` uses seed ``seed + e`` so that a
    resumed run sees the same order as an uninterrupted one."""

    def __init__(self, lengths: Sequence[int], *, batch_size: int, window: int, seed: int):
        if window <= 0 or batch_size <= 0:
            raise ValueError(f"window and batch_size must be positive, not {window} and {batch_size}")
        self.lengths, self.batch_size, self.window, self.seed = list(lengths), batch_size, window, seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        return iter(length_window_order(self.lengths, batch_size=self.batch_size, window=self.window,
                                        generator=generator))
