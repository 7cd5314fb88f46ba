"""`claimtag quickstart`: the main job of the README. Trains the default run on the shipped
corpus if it does not exist yet, then tags an example article and prints every sentence."""

from __future__ import annotations

import argparse
from pathlib import Path

import model

EXAMPLE_ARTICLE = Path(model.__file__).parent / "examples" / "article.txt"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("quickstart", help="train the default run if missing, then tag an example article")
    parser.add_argument("--run", default="runs/default", help="run folder to use or create")
    parser.add_argument("--article", default=str(EXAMPLE_ARTICLE), help="text file to tag")
    parser.set_defaults(func=_quickstart)


def _quickstart(args: argparse.Namespace) -> int:
    run = Path(args.run)
    if not (run / "model.safetensors").exists():
        from training.arguments import DEFAULT_CONFIG, TrainingArguments, load_config_file
        from training.train import train

        print(f"No trained model at {run} yet: training one on the shipped corpus with "
              f"{DEFAULT_CONFIG.name} (about 11 minutes on 2 CPU cores).", flush=True)
        train(TrainingArguments(**{**load_config_file(DEFAULT_CONFIG), "output_dir": str(run)}))
    from model.tagger import Tagger

    tagger = Tagger.load(run)
    article = tagger.tag_article(Path(args.article).read_text(encoding="utf-8"))
    print(f"\n{args.article}: {len(article.sentences)} sentences\n")
    for sentence in article.sentences:
        print(f"{sentence.label:<18} {sentence.confidence:5.2f}  {sentence.text}")
    return 0
