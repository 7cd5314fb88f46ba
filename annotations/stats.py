"""Label distributions of the corpus, as the Markdown tables of the datasheet."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterable

from annotations.schema import LABELS, Article

TARGET_ARTICLES = 200
TARGET_SENTENCES = 6000
TARGET_PER_LABEL = 600


def label_table(articles: Iterable[Article], by: str) -> str:
    """Markdown table of articles, sentences and label counts per value of ``by``
    (``"split"``, ``"conflict"`` or ``"style"``), with a total row."""
    rows: dict[str, Counter] = defaultdict(Counter)
    article_counts: Counter = Counter()
    for article in articles:
        key = getattr(article, by)
        article_counts[key] += 1
        rows[key].update(s.label for s in article.sentences)
    header = f"| {by} | articles | sentences | " + " | ".join(LABELS) + " |"
    lines = [header, "|" + "---|" * (3 + len(LABELS))]
    total = Counter()
    for key in sorted(rows):
        total.update(rows[key])
        lines.append(_row(key, article_counts[key], rows[key]))
    lines.append(_row("**total**", sum(article_counts.values()), total))
    return "\n".join(lines)


def _row(name: str, n_articles: int, counts: Counter) -> str:
    cells = " | ".join(str(counts[label]) for label in LABELS)
    return f"| {name} | {n_articles} | {sum(counts.values())} | {cells} |"


def target_lines(articles: list[Article]) -> list[str]:
    """The corpus size targets, each with its measured value and whether it is met."""
    labels = Counter(s.label for a in articles for s in a.sentences)
    n_sentences = sum(labels.values())
    checks = [("articles", len(articles), TARGET_ARTICLES), ("sentences", n_sentences, TARGET_SENTENCES)]
    checks += [(f"label {label}", labels[label], TARGET_PER_LABEL) for label in LABELS]
    return [f"{'ok ' if value >= target else 'LOW'} {name}: {value} (target >= {target})"
            for name, value, target in checks]


def corpus_stats(articles: list[Article]) -> str:
    """The full printed report: targets, then tables per split, conflict and style."""
    parts = ["## Targets", *target_lines(articles)]
    for by in ("split", "conflict", "style"):
        parts += ["", f"## By {by}", label_table(articles, by)]
    return "\n".join(parts)
