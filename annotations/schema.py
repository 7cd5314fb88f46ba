"""The corpus format: one article per JSON line, its sentences in order, each labelled.

An article line looks like::

    {"id": "ct-0001", "conflict": "syria", "style": "wire", "outlet": "Eastbridge Wire",
     "date": "2016-04-02", "split": "train", "text": "<the full article>",
     "sentences": [{"id": "ct-0001-001", "text": "...", "label": "other",
                    "start": 0, "end": 57, "paragraph": 0}, ...]}

``text[start:end] == sentence["text"]`` for every sentence, so the original article can be
re-segmented and segmenters can be scored against the gold boundaries. The file is read by
``datasets.load_dataset("json", data_files=...)`` as it is.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

LABELS: tuple[str, ...] = ("official_claim", "denial", "unverified_report", "rhetoric", "other")
SPLITS: tuple[str, ...] = ("train", "dev", "test")
CONFLICTS: tuple[str, ...] = (
    "russia-ukraine", "syria", "israel-gaza", "sudan", "yemen", "nagorno-karabakh",
    "sahel", "ethiopia-tigray", "libya", "myanmar", "iraq", "other",
)
STYLES: tuple[str, ...] = (
    "wire", "broadsheet", "analysis", "tabloid", "liveblog", "roundup", "opinion",
    "partisan-blog", "state-media", "opposition-statement", "ngo-statement", "think-tank",
    "factcheck", "newsletter",
)
MAX_SENTENCE_CHARS = 600
# sentence fields of the pre-annotated format (annotations/preannotate.py), never of the corpus
PREANNOTATION_FIELDS: tuple[str, ...] = ("suggested", "reviewed", "confidence", "scores")
PARAGRAPH_SEPARATOR = "\n\n"
SENTENCE_SEPARATOR = " "

DEFAULT_CORPUS = Path(__file__).parent / "corpus" / "claimtag.jsonl"


@dataclass
class Sentence:
    """One labelled sentence with its character span in the article text."""

    id: str
    text: str
    label: str
    start: int
    end: int
    paragraph: int


@dataclass
class Article:
    """One annotated article with its metadata and split."""

    id: str
    conflict: str
    style: str
    outlet: str
    date: str
    split: str
    text: str
    sentences: list[Sentence] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_dict(cls, record: dict) -> "Article":
        sentences = [Sentence(**s) for s in record.get("sentences", [])]
        fields = {k: record[k] for k in cls.__dataclass_fields__ if k != "sentences"}
        return cls(**fields, sentences=sentences)


def build_article(
    *, id: str, conflict: str, style: str, outlet: str, date: str, split: str,
    paragraphs: list[list[tuple[str, str]]],
) -> Article:
    """Assemble an :class:`Article` from paragraphs of ``(sentence, label)`` pairs.

    Sentences in a paragraph are joined by a space, paragraphs by a blank line, and each
    sentence's offsets are recorded so that the text can be segmented again.
    """
    parts: list[str] = []
    sentences: list[Sentence] = []
    cursor = 0
    for p_index, paragraph in enumerate(paragraphs):
        if p_index:
            parts.append(PARAGRAPH_SEPARATOR)
            cursor += len(PARAGRAPH_SEPARATOR)
        for s_index, (text, label) in enumerate(paragraph):
            if s_index:
                parts.append(SENTENCE_SEPARATOR)
                cursor += len(SENTENCE_SEPARATOR)
            text = text.strip()
            sentences.append(Sentence(
                id=f"{id}-{len(sentences) + 1:03d}", text=text, label=label,
                start=cursor, end=cursor + len(text), paragraph=p_index,
            ))
            parts.append(text)
            cursor += len(text)
    return Article(id=id, conflict=conflict, style=style, outlet=outlet, date=date,
                   split=split, text="".join(parts), sentences=sentences)


class CorpusFormatError(ValueError):
    """A corpus line that is not valid JSON or lacks a field; names the file and line."""


def iter_records(path: str | Path) -> Iterator[tuple[int, dict]]:
    """Yield ``(line_number, record)`` for each non-blank JSON line of ``path``."""
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise CorpusFormatError(f"{path}:{line_number}: invalid JSON: {error.msg}") from None
            if not isinstance(record, dict):
                raise CorpusFormatError(f"{path}:{line_number}: expected a JSON object")
            yield line_number, record


def load_corpus(path: str | Path = DEFAULT_CORPUS) -> list[Article]:
    """Read every article of a corpus file; raise :class:`CorpusFormatError` naming the line."""
    articles = []
    for line_number, record in iter_records(path):
        _refuse_preannotation(record, f"{path}:{line_number}")
        try:
            articles.append(Article.from_dict(record))
        except (KeyError, TypeError) as error:
            raise CorpusFormatError(f"{path}:{line_number}: malformed article: {error}") from None
    return articles


def _refuse_preannotation(record: dict, where: str) -> None:
    """Model suggestions never enter training or evaluation by way of the corpus loader."""
    for sentence in record.get("sentences") or []:
        if isinstance(sentence, dict) and any(name in sentence for name in PREANNOTATION_FIELDS):
            state = ("an unreviewed model suggestion" if sentence.get("reviewed") is not True
                     else "a reviewed suggestion still carrying pre-annotation fields")
            raise CorpusFormatError(
                f"{where}: sentence {sentence.get('id')} is {state}, not corpus format; pre-annotated "
                "articles enter the corpus through `claimtag annotations add`, once every sentence is reviewed")


def save_corpus(articles: Iterable[Article], path: str | Path) -> None:
    """Write articles atomically: a crash mid-write leaves the old file intact."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for article in articles:
            handle.write(article.to_json() + "\n")
    tmp.replace(path)


def sentence_rows(articles: Iterable[Article], split: str | None = None) -> list[dict]:
    """Flatten articles into one row per sentence (``text``, ``label``, ``article``, ...)."""
    return [
        {"id": s.id, "article": a.id, "text": s.text, "label": s.label,
         "conflict": a.conflict, "style": a.style, "split": a.split}
        for a in articles if split is None or a.split == split
        for s in a.sentences
    ]
