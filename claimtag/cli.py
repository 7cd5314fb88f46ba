"""The `claimtag` command: one entry point, a sub-command per job."""

from __future__ import annotations

import argparse
import importlib
import sys

from annotations.schema import CorpusFormatError

# each module exposes register(subparsers); the heavy imports (torch, transformers) happen
# inside the commands, so that `claimtag annotations` starts fast
_COMMAND_MODULES = ("annotations.cli", "training.cli", "eval.cli", "model.cli", "model.serving.cli", "claimtag.quickstart")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="claimtag", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (CorpusFormatError, FileNotFoundError, ValueError) as error:
        print(f"claimtag: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
