"""`claimtag eval`: evaluate a run on labelled data and write a report."""

from __future__ import annotations

import argparse

from annotations.schema import DEFAULT_CORPUS
from eval.baselines import BASELINES


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval", help="evaluate a run on a labelled JSONL file (corpus format or one sentence per line)")
    parser.add_argument("--model", required=True, help="run folder (or any HF folder with claimtag's labels)")
    parser.add_argument("--data", required=True, help="corpus-format JSONL or one {text, label} per line")
    parser.add_argument("--out", required=True, help="folder for report.md, report.html, metrics.json and plots")
    parser.add_argument("--split", choices=("train", "dev", "test"), help="split of a corpus-format file")
    parser.add_argument("--baselines", default=",".join(BASELINES),
                        help="comma-separated baselines to run side by side ('' for none)")
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="corpus whose train split trains the baselines")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the macro-F1 interval")
    parser.set_defaults(func=_eval)


def _eval(args: argparse.Namespace) -> int:
    from eval.report import evaluate_run

    baselines = [b for b in args.baselines.split(",") if b]
    result = evaluate_run(args.model, args.data, args.out, split=args.split, baselines=baselines,
                          corpus_path=args.corpus, n_bootstrap=args.bootstrap)
    m = result["model"]
    print(f"claimtag: accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f} "
          f"(95% CI {m['macro_f1_ci95'][0]:.3f}-{m['macro_f1_ci95'][1]:.3f}), ECE {m['ece']:.3f}")
    for name, b in result["baselines"].items():
        print(f"{name}: accuracy {b['accuracy']:.3f}, macro-F1 {b['macro_f1']:.3f}")
    print(f"report: {args.out}/report.md and report.html")
    return 0
