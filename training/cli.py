"""`claimtag train`: fine-tune, calibrate and write a run folder."""

from __future__ import annotations

import argparse

from training.arguments import add_arguments, from_namespace


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="fine-tune a classifier on the corpus and write a run folder",
                                   formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add_arguments(parser)
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint in the run folder")
    parser.set_defaults(func=_train)


def _train(args: argparse.Namespace) -> int:
    from training.train import train  # torch and transformers load only when training

    train(from_namespace(args), resume=args.resume)
    return 0
