"""Apply a reviewed audit file (see :mod:`annotations.audit`) to the corpus.

The reviewer sets ``correct_label`` on each line they have judged against the guideline: the
given label when the flag was wrong, another label when it was right. Lines left at ``null``
are not reviewed yet. Applying changes exactly the sentences whose ``correct_label`` differs
from ``given_label``; each must still carry ``given_label`` in the corpus (else the review is
stale and nothing is written). The counts printed are the ones the datasheet records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from annotations.schema import LABELS, CorpusFormatError, iter_records, load_corpus, save_corpus


@dataclass
class FixSummary:
    flagged: int
    reviewed: int
    fixed: int

    def line(self) -> str:
        return (f"{self.flagged} flagged, {self.reviewed} reviewed, {self.fixed} fixed "
                f"({self.reviewed - self.fixed} kept as they were, {self.flagged - self.reviewed} not reviewed yet)")


def read_review(path: str | Path) -> list[dict]:
    """Review lines with ``id``, ``given_label`` and ``correct_label`` checked."""
    rows, problems = [], []
    for line_number, record in iter_records(path):
        where = f"{path}:{line_number}"
        if not isinstance(record.get("id"), str):
            problems.append(f"{where}: field 'id' is missing")
        if record.get("given_label") not in LABELS:
            problems.append(f"{where}: field 'given_label' is {record.get('given_label')!r}, not one of {', '.join(LABELS)}")
        if record.get("correct_label") not in (None, *LABELS):
            problems.append(f"{where}: field 'correct_label' is {record.get('correct_label')!r}: "
                            f"null (not reviewed) or one of {', '.join(LABELS)}")
        rows.append(record)
    if problems:
        raise CorpusFormatError(f"{path}: {len(problems)} problem(s):\n" + "\n".join(problems))
    return rows


def apply_fixes(review_path: str | Path, corpus_path: str | Path, *, dry_run: bool = False) -> FixSummary:
    """Write the reviewed corrections into the corpus (atomically) and count them."""
    review = read_review(review_path)
    articles = load_corpus(corpus_path)
    sentences = {s.id: s for a in articles for s in a.sentences}
    problems, fixes = [], []
    for row in review:
        if row.get("correct_label") in (None, row["given_label"]):
            continue
        sentence = sentences.get(row["id"])
        if sentence is None:
            problems.append(f"{review_path}: sentence {row['id']} is not in {corpus_path}")
        elif sentence.label != row["given_label"]:
            problems.append(f"{review_path}: sentence {row['id']} is labelled {sentence.label!r} in {corpus_path}, "
                            f"not {row['given_label']!r} as when audited; re-run the audit")
        else:
            fixes.append((sentence, row["correct_label"]))
    if problems:
        raise CorpusFormatError("stale or foreign review; nothing written:\n" + "\n".join(problems))
    for sentence, label in fixes:
        sentence.label = label
    if fixes and not dry_run:
        save_corpus(articles, corpus_path)
    reviewed = sum(row.get("correct_label") is not None for row in review)
    return FixSummary(flagged=len(review), reviewed=reviewed, fixed=len(fixes))
