"""Render tagged articles (the dicts of the JSONL output) as CSV rows or a self-contained HTML view."""

from __future__ import annotations

import csv
import html
import json
from collections import Counter
from pathlib import Path
from typing import Iterable

from annotations.schema import LABELS

LABEL_COLOURS = {
    "official_claim": "#cfe2ff", "denial": "#f8c9c4", "unverified_report": "#ffe8a3",
    "rhetoric": "#e2cdf5", "other": "#eeeeee",
}
CSV_COLUMNS = ["id", "sentence", "start", "end", "label", "confidence", *[f"p_{label}" for label in LABELS], "text"]


def iter_jsonl(path: str | Path) -> Iterable[dict]:
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def write_csv(articles: Iterable[dict], path: str | Path) -> None:
    """One row per sentence; written to a temporary file and renamed, never half-written."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for article in articles:
            for index, s in enumerate(article["sentences"]):
                writer.writerow([article["id"], index, s["start"], s["end"], s["label"], f"{s['confidence']:.4f}",
                                 *[f"{s['scores'][label]:.4f}" for label in LABELS], s["text"]])
    tmp.replace(path)


def article_html(article: dict) -> str:
    """One article's text with each sentence highlighted by label, scores on hover."""
    text, cursor, parts = article["text"], 0, []
    for s in article["sentences"]:
        parts.append(_gap(text[cursor:s["start"]]))
        tip = f"{s['label']} {s['confidence']:.2f} — " + ", ".join(
            f"{label} {s['scores'][label]:.2f}" for label in LABELS)
        parts.append(f'<span class="s {s["label"]}" data-label="{s["label"]}" title="{html.escape(tip)}">'
                     f'{html.escape(text[s["start"]:s["end"]])}</span>')
        cursor = s["end"]
    parts.append(_gap(text[cursor:]))
    return "".join(parts)


def _gap(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def legend_html(counts: Counter) -> str:
    return "".join(f'<span class="s {label}">{label} ({counts[label]})</span> ' for label in LABELS)


STYLE = (
    "body{font-family:Georgia,serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.6;color:#222}"
    "h2{font-family:system-ui,sans-serif;font-size:1rem;color:#555;border-top:1px solid #ddd;padding-top:1rem}"
    ".s{border-radius:3px;padding:1px 2px}.legend{font-family:system-ui,sans-serif;font-size:.85rem;"
    "position:sticky;top:0;background:#fff;padding:.5rem 0}"
    + "".join(f".{label}{{background:{colour}}}" for label, colour in LABEL_COLOURS.items())
)


def write_html(articles: Iterable[dict], path: str | Path, *, title: str = "claimtag") -> None:
    """A self-contained page (no external resources): legend with counts, then every article."""
    counts: Counter = Counter()
    sections = []
    for article in articles:
        counts.update(s["label"] for s in article["sentences"])
        sections.append(f"<h2>{html.escape(str(article['id']))}</h2><p>{article_html(article)}</p>")
    page = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><div class=\"legend\">{legend_html(counts)}</div>"
            + "\n".join(sections) + "</body></html>\n")
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
