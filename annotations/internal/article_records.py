"""Read article files in the corpus format or the pre-annotated format, as plain dicts.

Both formats have one article per JSON line with ``id`` and ``sentences``; a pre-annotated
sentence also carries ``suggested``, ``reviewed``, ``confidence`` and ``scores`` (see
:mod:`annotations.preannotate`). The records are checked once here and every problem is
reported at once, each naming the file, line, article and field.
"""

from __future__ import annotations

from pathlib import Path

from annotations.schema import LABELS, PREANNOTATION_FIELDS, CorpusFormatError, iter_records

__all__ = ["PREANNOTATION_FIELDS", "UNREVIEWED_HINT", "is_unreviewed", "read_articles"]
UNREVIEWED_HINT = ("an unreviewed model suggestion (reviewed: false): review it in Label Studio "
                   "(`claimtag annotations labelstudio export` / `import`) or by hand, then set \"reviewed\": true")


def is_unreviewed(sentence: dict) -> bool:
    """True for a model suggestion that no person has confirmed or corrected."""
    return sentence.get("reviewed") is False or (
        sentence.get("suggested") is True and sentence.get("reviewed") is not True)


def read_articles(path: str | Path) -> list[tuple[int, dict]]:
    """``(line_number, record)`` of every article in ``path``, checked.

    Raises
    ------
    CorpusFormatError
        Listing every problem: invalid JSON, a missing or mistyped field, an unknown label,
        malformed ``scores``, or a duplicate article or sentence id.
    """
    records, problems = [], []
    article_ids: set[str] = set()
    sentence_ids: set[str] = set()
    for line_number, record in iter_records(path):
        where = f"{path}:{line_number}"
        article_id = record.get("id")
        if not isinstance(article_id, str) or not article_id:
            problems.append(f"{where}: field 'id' is missing or not a non-empty string")
            continue
        where += f" article {article_id}"
        if article_id in article_ids:
            problems.append(f"{where}: duplicate article id")
        article_ids.add(article_id)
        sentences = record.get("sentences")
        if not isinstance(sentences, list) or not sentences:
            problems.append(f"{where}: field 'sentences' is missing or empty")
            continue
        for index, sentence in enumerate(sentences, start=1):
            found = _sentence_problems(sentence)
            sentence_id = sentence.get("id") if isinstance(sentence, dict) else None
            s_where = f"{where} sentence {sentence_id or '#' + str(index)}"
            problems.extend(f"{s_where}: {message}" for message in found)
            if isinstance(sentence_id, str):
                if sentence_id in sentence_ids:
                    problems.append(f"{s_where}: duplicate sentence id")
                sentence_ids.add(sentence_id)
        records.append((line_number, record))
    if problems:
        raise CorpusFormatError(f"{path}: {len(problems)} problem(s):\n" + "\n".join(problems))
    if not records:
        raise CorpusFormatError(f"{path}: no articles")
    return records


def _sentence_problems(sentence) -> list[str]:
    if not isinstance(sentence, dict):
        return ["expected a JSON object"]
    problems = []
    for name in ("id", "text"):
        if not isinstance(sentence.get(name), str) or not sentence[name].strip():
            problems.append(f"field {name!r} is missing or empty")
    if sentence.get("label") not in LABELS:
        problems.append(f"field 'label' is {sentence.get('label')!r}, not one of {', '.join(LABELS)}")
    paragraph = sentence.get("paragraph", 0)
    if not isinstance(paragraph, int) or isinstance(paragraph, bool) or paragraph < 0:
        problems.append(f"field 'paragraph' is {paragraph!r}, not a non-negative integer")
    scores = sentence.get("scores")
    if scores is not None and not (
            isinstance(scores, dict) and set(scores) == set(LABELS)
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in scores.values())):
        problems.append(f"field 'scores' must map each of {', '.join(LABELS)} to a number")
    for name in ("suggested", "reviewed"):
        if name in sentence and not isinstance(sentence[name], bool):
            problems.append(f"field {name!r} is {sentence[name]!r}, not true or false")
    return problems
