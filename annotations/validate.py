"""Check a corpus file for everything that would silently spoil training or evaluation.

Every problem names the file, line, article and sentence, so that it can be fixed by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from annotations.internal.article_records import UNREVIEWED_HINT, is_unreviewed
from annotations.internal.near_duplicates import DEFAULT_THRESHOLD, near_duplicate_pairs
from annotations.schema import (
    CONFLICTS, LABELS, MAX_SENTENCE_CHARS, PREANNOTATION_FIELDS, SPLITS, STYLES, CorpusFormatError,
    iter_records,
)

MAX_NEAR_DUPLICATE_SHARE = 0.02
_ARTICLE_FIELDS = ("id", "conflict", "style", "outlet", "date", "split", "text", "sentences")
_SENTENCE_FIELDS = ("id", "text", "label", "start", "end")


@dataclass(frozen=True)
class Problem:
    """One finding; ``where`` is ``file:line article [sentence]``."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class ValidationReport:
    problems: list[Problem]
    articles: int
    sentences: int
    near_duplicate_sentences: int

    @property
    def near_duplicate_share(self) -> float:
        return self.near_duplicate_sentences / self.sentences if self.sentences else 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_corpus(
    path: str | Path, *, near_duplicate_threshold: float = DEFAULT_THRESHOLD,
) -> ValidationReport:
    """Validate the corpus at ``path`` and return every problem found (never raises on data)."""
    path = Path(path)
    problems: list[Problem] = []
    article_ids: dict[str, str] = {}
    sentence_ids: dict[str, str] = {}
    # (where, text, split) for each sentence, for the duplicate checks
    located: list[tuple[str, str, str]] = []
    articles = 0

    try:
        records = list(iter_records(path))
    except CorpusFormatError as error:
        return ValidationReport([Problem(str(path), str(error))], 0, 0, 0)
    except OSError as error:
        return ValidationReport([Problem(str(path), f"cannot read: {error.strerror}")], 0, 0, 0)

    for line_number, record in records:
        articles += 1
        article_id = str(record.get("id", f"<line {line_number}>"))
        where = f"{path}:{line_number} article {article_id}"
        missing = [f for f in _ARTICLE_FIELDS if f not in record]
        if missing:
            problems.append(Problem(where, f"missing field(s): {', '.join(missing)}"))
            continue
        if article_id in article_ids:
            problems.append(Problem(where, f"duplicate article id (first at {article_ids[article_id]})"))
        article_ids.setdefault(article_id, where)
        if record["split"] not in SPLITS:
            problems.append(Problem(where, f"split {record['split']!r} is not one of {', '.join(SPLITS)}"))
        if record["conflict"] not in CONFLICTS:
            problems.append(Problem(where, f"unknown conflict {record['conflict']!r}"))
        if record["style"] not in STYLES:
            problems.append(Problem(where, f"unknown style {record['style']!r}"))
        if not record["sentences"]:
            problems.append(Problem(where, "article has no sentences"))
        text = record["text"]
        for index, sentence in enumerate(record["sentences"], start=1):
            sentence_id = sentence.get("id", f"#{index}") if isinstance(sentence, dict) else f"#{index}"
            s_where = f"{where} sentence {sentence_id}"
            if not isinstance(sentence, dict) or any(f not in sentence for f in _SENTENCE_FIELDS):
                problems.append(Problem(s_where, f"sentence must have fields {', '.join(_SENTENCE_FIELDS)}"))
                continue
            problems.extend(_check_sentence(sentence, text, s_where))
            problems.extend(_check_preannotation(sentence, s_where))
            if sentence_id in sentence_ids:
                problems.append(Problem(s_where, f"duplicate sentence id (first at {sentence_ids[sentence_id]})"))
            sentence_ids.setdefault(sentence_id, s_where)
            located.append((s_where, str(sentence["text"]), record["split"]))

    pairs = near_duplicate_pairs([text for _, text, _ in located], threshold=near_duplicate_threshold)
    problems.extend(_leakage_problems(located, pairs))
    # a sentence counts once however many earlier sentences it repeats
    near_dup_sentences = len({j for _, j, _ in pairs})
    share = near_dup_sentences / len(located) if located else 0.0
    if share >= MAX_NEAR_DUPLICATE_SHARE:
        problems.append(Problem(str(path), (
            f"{near_dup_sentences} of {len(located)} sentences ({share:.1%}) have a near-duplicate; "
            f"the limit is {MAX_NEAR_DUPLICATE_SHARE:.0%} (list them with `claimtag annotations duplicates`)")))
    return ValidationReport(problems, articles, len(located), near_dup_sentences)


def _check_sentence(sentence: dict, article_text: str, where: str) -> list[Problem]:
    found = []
    text, label = sentence["text"], sentence["label"]
    if label not in LABELS:
        found.append(Problem(where, f"unknown label {label!r} (expected one of {', '.join(LABELS)})"))
    if not isinstance(text, str) or not text.strip():
        found.append(Problem(where, "empty sentence"))
        return found
    if len(text) > MAX_SENTENCE_CHARS:
        found.append(Problem(where, f"sentence is {len(text)} characters; the limit is {MAX_SENTENCE_CHARS}"))
    start, end = sentence["start"], sentence["end"]
    if not (isinstance(start, int) and isinstance(end, int)) or article_text[start:end] != text:
        found.append(Problem(where, f"offsets {start}-{end} do not match the sentence in the article text"))
    return found


def _check_preannotation(sentence: dict, where: str) -> list[Problem]:
    """A pre-annotated sentence is not corpus format, reviewed or not; unreviewed, it must
    not be mistaken for an annotation."""
    extra = [name for name in PREANNOTATION_FIELDS if name in sentence]
    if not extra:
        return []
    if is_unreviewed(sentence):
        return [Problem(where, f"{UNREVIEWED_HINT}; then add the file with `claimtag annotations add`")]
    return [Problem(where, f"pre-annotation field(s) {', '.join(extra)} are not corpus format: add reviewed "
                           "articles with `claimtag annotations add`, which keeps only the corpus fields")]


def _leakage_problems(
    located: list[tuple[str, str, str]], pairs: list[tuple[int, int, float]],
) -> list[Problem]:
    """Identical or near-identical sentences in two different splits."""
    problems = []
    for i, j, score in pairs:
        (where_i, text_i, split_i), (where_j, _, split_j) = located[i], located[j]
        if split_i != split_j:
            kind = "duplicate" if score > 0.999 else f"near-duplicate (cosine {score:.2f})"
            problems.append(Problem(where_j, f"{kind} across splits ({split_j} vs {split_i}) of {where_i}: {text_i[:80]!r}"))
    return problems
