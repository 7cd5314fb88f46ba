"""Add drafted articles to the corpus: validate them, number them, split them, write once.

A draft file holds one article per JSON line as annotators write it::

    {"conflict": "sudan", "style": "wire", "outlet": "...", "date": "2024-01-09",
     "paragraphs": [[["Headline", "other"]], [["First sentence.", "official_claim"], ...]]}

A line may also be an article in the corpus format or the pre-annotated format
(:mod:`annotations.preannotate`, or the output of a Label Studio import): its sentences, in
order and grouped by their ``paragraph``, become the paragraphs. Every sentence must have been
reviewed by a person: a model suggestion (``suggested: true`` without ``reviewed: true``) is
refused with its file, line and sentence id. Only the corpus fields are kept.

Nothing is written unless every draft line is valid, so a bad draft never leaves the corpus
half-extended.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from annotations.internal.article_records import UNREVIEWED_HINT, is_unreviewed
from annotations.schema import (
    CONFLICTS, LABELS, STYLES, Article, CorpusFormatError, build_article, iter_records,
    load_corpus, save_corpus,
)
from annotations.splits import EXTENSION_PROPORTIONS, INITIAL_PROPORTIONS, assign_splits

ARTICLE_ID_PREFIX = "ct-"


def read_drafts(paths: Sequence[str | Path]) -> list[dict]:
    """Read and check draft articles; raise :class:`CorpusFormatError` listing every problem."""
    drafts, problems = [], []
    for path in paths:
        for line_number, record in iter_records(path):
            where = f"{path}:{line_number}"
            problems.extend(f"{where}: {message}" for message in _draft_problems(record))
            drafts.append(record)
    if problems:
        raise CorpusFormatError("invalid drafts:\n" + "\n".join(problems))
    return drafts


def _draft_problems(record: dict) -> list[str]:
    body = "sentences" if "sentences" in record else "paragraphs"
    problems = [f"missing field {name!r}" for name in ("conflict", "style", "outlet", "date", body)
                if name not in record]
    if problems:
        return problems
    if body == "sentences":
        problems += _sentence_problems(record["sentences"])
        record = {**record, "paragraphs": paragraphs_of(record) if not problems else []}
    if record["conflict"] not in CONFLICTS:
        problems.append(f"unknown conflict {record['conflict']!r}")
    if record["style"] not in STYLES:
        problems.append(f"unknown style {record['style']!r}")
    for p_index, paragraph in enumerate(record["paragraphs"], start=1):
        for s_index, pair in enumerate(paragraph, start=1):
            where = f"paragraph {p_index} sentence {s_index}"
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
                problems.append(f"{where}: expected [text, label]")
            elif pair[1] not in LABELS:
                problems.append(f"{where}: unknown label {pair[1]!r}")
            elif not pair[0].strip() or "\n" in pair[0]:
                problems.append(f"{where}: sentence is empty or holds a newline")
    return problems


def _sentence_problems(sentences) -> list[str]:
    if not isinstance(sentences, list) or not sentences:
        return ["field 'sentences' is empty or not a list"]
    problems = []
    for index, sentence in enumerate(sentences, start=1):
        if not isinstance(sentence, dict) or not isinstance(sentence.get("text"), str):
            problems.append(f"sentence #{index}: expected an object with 'text' and 'label'")
        elif is_unreviewed(sentence):
            problems.append(f"sentence {sentence.get('id', '#' + str(index))} is {UNREVIEWED_HINT}")
        elif not isinstance(sentence.get("paragraph", 0), int):
            problems.append(f"sentence {sentence.get('id', '#' + str(index))}: field 'paragraph' is not an integer")
    return problems


def paragraphs_of(record: dict) -> list[list[list[str]]]:
    """Paragraphs of ``[text, label]`` pairs from an article's ``sentences`` (in order)."""
    paragraphs: list[list[list[str]]] = []
    last = None
    for sentence in record["sentences"]:
        paragraph = sentence.get("paragraph", 0)
        if not paragraphs or paragraph != last:
            paragraphs.append([])
            last = paragraph
        paragraphs[-1].append([sentence["text"], sentence.get("label")])
    return paragraphs


def add_drafts(corpus_path: str | Path, draft_paths: Sequence[str | Path], *, seed: int = 13) -> list[Article]:
    """Append the drafts to the corpus and return the new articles.

    The first build of a corpus splits 80/10/10 into train/dev/test; once a test split
    exists it is frozen and new articles are split 90/10 into train/dev.
    """
    corpus_path = Path(corpus_path)
    existing = load_corpus(corpus_path) if corpus_path.exists() else []
    drafts = read_drafts(draft_paths)
    next_number = 1 + max((int(a.id.removeprefix(ARTICLE_ID_PREFIX)) for a in existing), default=0)
    new = [
        build_article(id=f"{ARTICLE_ID_PREFIX}{next_number + i:04d}", conflict=d["conflict"],
                      style=d["style"], outlet=d["outlet"], date=d["date"], split="",
                      paragraphs=paragraphs_of(d) if "sentences" in d else d["paragraphs"])
        for i, d in enumerate(drafts)
    ]
    has_test = any(a.split == "test" for a in existing)
    assign_splits(new, proportions=EXTENSION_PROPORTIONS if has_test else INITIAL_PROPORTIONS, seed=seed)
    corpus_path.parent.mkdir(parents=True, exist_ok=True)
    save_corpus([*existing, *new], corpus_path)
    return new
