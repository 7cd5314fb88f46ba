"""The inference library: load a run, segment articles, tag sentences with calibrated scores."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from annotations.schema import LABELS
from model.backends import DEFAULT_BATCH_SIZES, Forward, load_forward
from model.inference import predict_logits, softmax
from model.segment import Span, segment


@dataclass
class TaggedSentence:
    """One sentence: its text, offsets into the input, label, confidence and every label's
    calibrated probability. ``truncated`` says the model saw only its first tokens."""

    text: str
    start: int
    end: int
    label: str
    confidence: float
    scores: dict[str, float]
    truncated: bool = False


@dataclass
class TaggedArticle:
    sentences: list[TaggedSentence] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


class Tagger:
    """A trained claimtag run (or any HF classification folder with claimtag's labels)."""

    def __init__(self, forward: Forward, tokenizer, labels: Sequence[str], *, max_length: int = 128,
                 batch_size: int = 64):
        if sorted(labels) != sorted(LABELS):
            raise ValueError(f"model labels {list(labels)} are not claimtag's labels {list(LABELS)}")
        self.forward = forward
        self.tokenizer = tokenizer
        self.labels = list(labels)
        self.max_length = max_length
        self.batch_size = batch_size

    @classmethod
    def load(cls, path: str | Path, *, backend: str = "torch", batch_size: int | None = None,
             threads: int | None = None) -> "Tagger":
        """Load a run folder (or any HF classification folder with claimtag's labels) on one of
        :data:`model.backends.BACKENDS`; ``batch_size`` defaults to the backend's measured best."""
        from transformers import AutoConfig, AutoTokenizer

        path = Path(path)
        if not (path / "config.json").exists():
            raise FileNotFoundError(f"{path}: no model here (config.json missing); train one with `claimtag train`")
        config = AutoConfig.from_pretrained(path)
        labels = [config.id2label[i] for i in range(config.num_labels)]
        max_length = int((getattr(config, "claimtag", None) or {}).get("max_length", 128))
        return cls(load_forward(path, backend, threads=threads), AutoTokenizer.from_pretrained(path), labels,
                   max_length=max_length, batch_size=batch_size or DEFAULT_BATCH_SIZES[backend])

    def tag_sentences(self, sentences: Sequence[str]) -> list[TaggedSentence]:
        """Tag pre-split sentences; offsets are within each sentence (0 to its length)."""
        return self._tag([(s, 0, len(s)) for s in sentences])

    def tag_article(self, text: str) -> TaggedArticle:
        """Segment ``text`` and tag every sentence, with offsets into ``text``."""
        return self.tag_articles([text])[0]

    def tag_articles(self, texts: Sequence[str]) -> list[TaggedArticle]:
        """Tag several articles at once: their sentences share length-sorted batches."""
        return self.tag_segmented(texts, [segment(text) for text in texts])

    def map_articles(self, chunks: Iterable[Sequence[str]]) -> Iterator[list[TaggedArticle]]:
        """Tag each chunk of article texts in turn, yielding one list per chunk (the interface
        :class:`model.pool.TaggerPool` shares, so the batch command takes either)."""
        return (self.tag_articles(chunk) for chunk in chunks)

    def tag_segmented(self, texts: Sequence[str], spans: Sequence[Sequence[Span]]) -> list[TaggedArticle]:
        """Tag articles already cut into sentence ``spans`` (one list per text), as
        :meth:`tag_articles` does after segmenting; lets callers time segmentation apart."""
        items = [[(text[s.start:s.end], s.start, s.end) for s in article] for text, article in zip(texts, spans, strict=True)]
        tagged = iter(self._tag([item for article in items for item in article]))
        return [TaggedArticle([next(tagged) for _ in article]) for article in items]

    def _tag(self, items: list[tuple[str, int, int]]) -> list[TaggedSentence]:
        if not items:
            return []
        logits, truncated = predict_logits(self.forward, self.tokenizer, [t for t, _, _ in items],
                                           batch_size=self.batch_size, max_length=self.max_length)
        probs = softmax(logits)
        results = []
        for (text, start, end), p, cut in zip(items, probs, truncated):
            best = int(p.argmax())
            results.append(TaggedSentence(
                text=text, start=start, end=end, label=self.labels[best], confidence=float(p[best]),
                scores={label: float(x) for label, x in zip(self.labels, p)}, truncated=bool(cut)))
        return results
