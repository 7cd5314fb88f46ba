"""A tiny document model rendered both as Markdown and as self-contained HTML, so that the
two report files always say the same thing."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Document:
    title: str
    blocks: list[tuple[str, object]] = field(default_factory=list)

    def heading(self, text: str) -> None:
        self.blocks.append(("heading", text))

    def paragraph(self, text: str) -> None:
        self.blocks.append(("paragraph", text))

    def table(self, header: list[str], rows: list[list[object]]) -> None:
        self.blocks.append(("table", (header, rows)))

    def image(self, path: Path, alt: str) -> None:
        self.blocks.append(("image", (Path(path), alt)))

    def markdown(self) -> str:
        parts = [f"# {self.title}"]
        for kind, value in self.blocks:
            if kind == "heading":
                parts.append(f"## {value}")
            elif kind == "paragraph":
                parts.append(str(value))
            elif kind == "table":
                header, rows = value
                lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
                parts.append("\n".join(lines))
            elif kind == "image":
                path, alt = value
                parts.append(f"![{alt}]({path.name})")
        return "\n\n".join(parts) + "\n"

    def html(self) -> str:
        body = [f"<h1>{html.escape(self.title)}</h1>"]
        for kind, value in self.blocks:
            if kind == "heading":
                body.append(f"<h2>{html.escape(str(value))}</h2>")
            elif kind == "paragraph":
                body.append(f"<p>{html.escape(str(value))}</p>")
            elif kind == "table":
                header, rows = value
                head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
                cells = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                                for row in rows)
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
            elif kind == "image":
                path, alt = value
                data = base64.b64encode(path.read_bytes()).decode("ascii")
                body.append(f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">')
        return (
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head><body>"
            + "\n".join(body) + "</body></html>\n"
        )


def _md_cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;"
    "text-align:left;vertical-align:top}th{background:#f3f3f3}img{max-width:100%;margin:1rem 0}"
)
