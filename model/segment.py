"""Sentence segmentation with exact character offsets into the input text.

Line breaks always end a sentence (headlines, captions, bullets and live-blog timestamps sit
on lines of their own and often lack final punctuation); inside a line, pysbd's rule-based
segmenter handles abbreviations, decimals, ellipses and quotes.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import pysbd

_LINE = re.compile(r"[^\r\n]+")


@dataclass(frozen=True)
class Span:
    """``text[start:end]`` is the sentence, with surrounding white space excluded."""

    start: int
    end: int


_per_thread = threading.local()


def _segmenter() -> pysbd.Segmenter:
    """This thread's segmenter: a pysbd Segmenter keeps the text it is working on in its own
    attributes, so one shared between threads (the server segments in a thread pool) mixes up
    concurrent articles."""
    if not hasattr(_per_thread, "segmenter"):
        _per_thread.segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    return _per_thread.segmenter


def segment(text: str) -> list[Span]:
    """Sentence spans of ``text`` in order; empty and white-space-only input gives none."""
    spans: list[Span] = []
    for line in _LINE.finditer(text):
        if not line.group().strip():
            continue
        for piece in _segmenter().segment(line.group()):
            start, end = _strip(line.group(), piece.start, piece.end)
            if start < end:
                spans.append(Span(line.start() + start, line.start() + end))
    return spans


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
