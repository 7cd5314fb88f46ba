"""`claimtag tag` (batch tagging of archives) and `claimtag export` (ONNX)."""

from __future__ import annotations

import argparse
import sys

from model.backends import BACKENDS
from model.batch import FORMATS


def register(subparsers: argparse._SubParsersAction) -> None:
    tag = subparsers.add_parser("tag", help="tag articles (.txt, folders, .jsonl, .csv) into JSONL, CSV or HTML",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    tag.add_argument("inputs", nargs="+", help="files or folders of articles")
    tag.add_argument("--model", default="runs/default", help="run folder")
    tag.add_argument("--output", required=True, help="output file; rerun with the same output to resume")
    tag.add_argument("--format", choices=FORMATS, help="output format (default: from the output's suffix, else jsonl)")
    tag.add_argument("--text-column", default="text", help="field or column holding the article text")
    tag.add_argument("--id-column", default="id", help="field or column holding the article id")
    tag.add_argument("--backend", choices=BACKENDS, default="torch", help="inference backend")
    tag.add_argument("--batch-size", type=int, default=0, help="sentences per forward pass (0: the backend's default)")
    tag.add_argument("--threads", type=int, default=0, help="torch/ONNX threads (0: one per core)")
    tag.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    tag.set_defaults(func=_tag)

    export = subparsers.add_parser("export", help="export a run to ONNX (RUN/onnx/model.onnx) for --backend onnx")
    export.add_argument("--model", default="runs/default", help="run folder")
    export.add_argument("--quantize", action="store_true", help="also write an int8 copy (ONNX Runtime dynamic quantisation) for --backend onnx-int8")
    export.set_defaults(func=_export)


def _tag(args: argparse.Namespace) -> int:
    from model.batch import tag_archive
    from model.tagger import Tagger

    fmt = args.format or next((f for f in FORMATS if args.output.endswith("." + f)), "jsonl")
    tagger = Tagger.load(args.model, backend=args.backend, batch_size=args.batch_size or None, threads=args.threads or None)
    summary = tag_archive(args.inputs, args.output, tagger, fmt=fmt, text_column=args.text_column,
                          id_column=args.id_column, show_progress=not args.no_progress)
    for line in summary.lines():
        print(line)
    if summary.errors:
        print(f"{summary.errors} record(s) failed: see {args.output}.errors.jsonl", file=sys.stderr)
    return 1 if summary.errors else 0


def _export(args: argparse.Namespace) -> int:
    from model.backends import export_onnx

    for path in export_onnx(args.model, quantize=args.quantize):
        print(f"wrote {path}")
    return 0
