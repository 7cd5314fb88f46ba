"""`claimtag tag` (batch tagging of archives, locally or on Ray) and `claimtag export` (ONNX)."""

from __future__ import annotations

import argparse
import sys

from model.backends import BACKENDS
from model.batch import FORMATS
from model.ray_engine import DEFAULT_SHARD_SIZE
from model.shards import OUTPUT_FORMATS

ENGINES = ("local", "ray")


def register(subparsers: argparse._SubParsersAction) -> None:
    tag = subparsers.add_parser("tag", help="tag articles (.txt, folders, .jsonl, .csv; Parquet with --engine ray) into JSONL, CSV, HTML or Parquet",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    tag.add_argument("inputs", nargs="+", help="files or folders of articles")
    tag.add_argument("--model", default="runs/default", help="run folder")
    tag.add_argument("--output", required=True, help="output file (ray engine: folder of shards); rerun with the same output to resume")
    tag.add_argument("--format", choices=FORMATS + ("parquet",),
                     help="output format; local engine: jsonl, csv or html (default: from the output's suffix, else "
                          "jsonl); ray engine: parquet (default) or jsonl shards")
    tag.add_argument("--text-column", default="text", help="field or column holding the article text")
    tag.add_argument("--id-column", default="id", help="field or column holding the article id")
    tag.add_argument("--backend", choices=BACKENDS, default="torch", help="inference backend")
    tag.add_argument("--batch-size", type=int, default=0, help="sentences per forward pass (0: the backend's default)")
    tag.add_argument("--threads", type=int, default=0,
                     help="torch/ONNX threads (0: one per core); ray engine: threads per actor (0: 1)")
    tag.add_argument("--workers", type=int, default=1,
                     help="local engine: tagging processes, each with its own model on cores/workers threads "
                          "(2 on a 2-core machine: about 1.3x the sentences/s of one process with 2 threads)")
    tag.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    ray = tag.add_argument_group("ray engine", "`--engine ray` writes a folder of shards; needs `pip install -e .[ray]`")
    ray.add_argument("--engine", choices=ENGINES, default="local",
                     help="local: this process; ray: Ray Data actors on this machine or a cluster")
    ray.add_argument("--address", help="Ray cluster to connect to, e.g. auto or ray://head:10001 "
                                       "(unset: start a local Ray with this machine's cores)")
    ray.add_argument("--actors", type=int, help="model actors (unset: the cluster's CPUs / --threads)")
    ray.add_argument("--shard-size", type=int, help=f"input lines (JSONL) or rows (Parquet) per output shard, "
                                                    f"the unit of resuming (unset: {DEFAULT_SHARD_SIZE})")
    tag.set_defaults(func=_tag)

    export = subparsers.add_parser("export", help="export a run to ONNX (RUN/onnx/model.onnx) for --backend onnx")
    export.add_argument("--model", default="runs/default", help="run folder")
    export.add_argument("--quantize", action="store_true", help="also write an int8 copy (ONNX Runtime dynamic quantisation) for --backend onnx-int8")
    export.set_defaults(func=_export)


def _tag(args: argparse.Namespace) -> int:
    if args.engine == "ray":
        return _tag_ray(args)
    ray_only = [flag for flag, value in (("--address", args.address), ("--actors", args.actors),
                                         ("--shard-size", args.shard_size)) if value is not None]
    if ray_only:
        raise ValueError(f"{', '.join(ray_only)}: only with --engine ray")
    if args.format == "parquet":
        raise ValueError("--format parquet: only with --engine ray (the local engine writes jsonl, csv or html)")
    from model.batch import tag_archive
    from model.pool import TaggerPool
    from model.tagger import Tagger

    if args.workers < 1:
        raise ValueError(f"--workers must be at least 1, not {args.workers}")
    fmt = args.format or next((f for f in FORMATS if args.output.endswith("." + f)), "jsonl")
    options = {"backend": args.backend, "batch_size": args.batch_size or None, "threads": args.threads or None}
    tagger = TaggerPool(args.model, workers=args.workers, **options) if args.workers > 1 else Tagger.load(args.model, **options)
    try:
        summary = tag_archive(args.inputs, args.output, tagger, fmt=fmt, text_column=args.text_column,
                              id_column=args.id_column, show_progress=not args.no_progress)
    finally:
        if isinstance(tagger, TaggerPool):
            tagger.close()
    for line in summary.lines():
        print(line)
    if summary.errors:
        print(f"{summary.errors} record(s) failed: see {args.output}.errors.jsonl", file=sys.stderr)
    return 1 if summary.errors else 0


def _tag_ray(args: argparse.Namespace) -> int:
    if args.format not in (None, *OUTPUT_FORMATS):
        raise ValueError(f"--format {args.format}: the ray engine writes {' or '.join(OUTPUT_FORMATS)} shards")
    try:
        import ray  # noqa: F401
    except ImportError:
        raise ValueError("--engine ray needs Ray: pip install -e '.[ray]' (or pip install 'ray[data]')") from None
    from model.ray_engine import tag_archive_ray

    summary = tag_archive_ray(
        args.inputs, args.output, model=args.model, backend=args.backend, batch_size=args.batch_size or None,
        threads=args.threads or 1, actors=args.actors, shard_size=args.shard_size or DEFAULT_SHARD_SIZE,
        fmt=args.format or "parquet", text_column=args.text_column, id_column=args.id_column, address=args.address,
        show_progress=not args.no_progress)
    for line in summary.lines():
        print(line)
    if summary.errors:
        print(f"{summary.errors} record(s) failed: see {args.output}/_errors/ (gathered in _errors.jsonl when all "
              "shards are done)", file=sys.stderr)
    return 1 if summary.errors else 0


def _export(args: argparse.Namespace) -> int:
    from model.backends import export_onnx

    for path in export_onnx(args.model, quantize=args.quantize):
        print(f"wrote {path}")
    return 0
