"""Sentences per second and peak memory of each inference variant, on the same sentences.

Variants: the ``transformers.pipeline("text-classification")`` baseline with its default
batching, claimtag fp32, and the faster backends (bf16, int8, ONNX fp32, ONNX int8 where
exported); ``BACKENDxN`` runs a backend in N worker processes of one thread each
(:class:`model.pool.TaggerPool`, what ``claimtag tag --workers N`` uses). Each variant runs in its own process (so its peak memory is its own), the variants
are interleaved over several rounds (this shared machine drifts by 5-40%), and the table gives
the median, the ratio to the pipeline baseline and each variant's macro-F1 on the same
sentences (the corpus's test split), since a faster backend only counts if it stays within 0.01
of fp32. Every variant first tags all the sentences once untimed: ONNX Runtime and oneDNN
prepare kernels for each new input shape, which made a first pass up to 15% slower than the
steady state that a long batch job runs in. Then three timed passes, of which the median counts.

    python benchmarks/throughput.py --model runs/default [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

VARIANTS = ("pipeline", "torch", "bf16", "int8", "onnx", "onnx-int8", "bf16x2", "onnx-int8x2")


def parse_variant(variant: str) -> tuple[str, int]:
    """'onnx-int8x2' -> ('onnx-int8', 2): a backend run in that many worker processes."""
    match = re.fullmatch(r"(.+)x(\d+)", variant)
    return (match[1], int(match[2])) if match else (variant, 1)


def _sentences(corpus: str, limit: int) -> tuple[list[str], list[str]]:
    from annotations.schema import load_corpus, sentence_rows

    rows = sentence_rows(load_corpus(corpus), "test")[:limit]
    return [r["text"] for r in rows], [r["label"] for r in rows]


def _peak_rss_kb(workers: int) -> int:
    """This process's peak, plus, with worker processes, each worker at the largest worker's."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return own + (workers * resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if workers > 1 else 0)


def _timed(tag_all, passes: int) -> tuple[float, list[str]]:
    """One untimed warm-up pass, then the median seconds of ``passes`` timed passes."""
    predicted = tag_all()
    times = []
    for _ in range(passes):
        started = time.perf_counter()
        predicted = tag_all()
        times.append(time.perf_counter() - started)
    return statistics.median(times), predicted


def run_variant(variant: str, model: str, corpus: str, limit: int, threads: int, passes: int = 3) -> dict:
    """Time one variant in this process; returns sentences/s, peak RSS and macro-F1."""
    import numpy as np
    import torch

    from annotations.schema import LABELS
    from eval.metrics import macro_f1

    torch.set_num_threads(threads)
    texts, gold = _sentences(corpus, limit)
    if variant == "pipeline":
        from transformers import pipeline

        classifier = pipeline("text-classification", model=model, device="cpu")
        seconds, predicted = _timed(lambda: [r["label"] for r in classifier(texts)], passes)
    elif parse_variant(variant)[1] > 1:
        from model.pool import TaggerPool

        backend, workers = parse_variant(variant)
        with TaggerPool(model, workers=workers, backend=backend, threads=max(1, threads // workers)) as pool:
            seconds, predicted = _timed(lambda: [r.label for r in pool.tag_sentences(texts)], passes)
    else:
        from model.tagger import Tagger

        tagger = Tagger.load(model, backend=variant, threads=threads)
        seconds, predicted = _timed(lambda: [r.label for r in tagger.tag_sentences(texts)], passes)
    y_true = np.array([LABELS.index(g) for g in gold])
    y_pred = np.array([LABELS.index(p) for p in predicted])
    return {"variant": variant, "sentences": len(texts), "per_second": len(texts) / seconds,
            "peak_rss_mb": _peak_rss_kb(parse_variant(variant)[1]) / 1024,
            "macro_f1": macro_f1(y_true, y_pred, len(LABELS))}


def prepare_onnx(model: str) -> None:
    """Export the run to ONNX, fp32 and int8, unless already done."""
    from model.backends import ONNX_FILES, export_onnx

    if not all((Path(model) / f).exists() for f in ONNX_FILES.values()):
        export_onnx(model, quantize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="runs/default")
    parser.add_argument("--corpus", default=None, help="corpus whose test split is timed (default: the shipped one)")
    parser.add_argument("--limit", type=int, default=2000, help="at most this many sentences")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from annotations.schema import DEFAULT_CORPUS

    corpus = args.corpus or str(DEFAULT_CORPUS)
    if args.child:
        print(json.dumps(run_variant(args.child, args.model, corpus, args.limit, args.threads)))
        return
    variants = args.variants.split(",")
    if any(parse_variant(v)[0].startswith("onnx") for v in variants):
        prepare_onnx(args.model)
    results: dict[str, list[dict]] = {v: [] for v in variants}
    for round_ in range(args.rounds):
        for variant in variants:
            out = subprocess.run([sys.executable, __file__, "--child", variant, "--model", args.model,
                                  "--corpus", corpus, "--limit", str(args.limit), "--threads", str(args.threads)],
                                 capture_output=True, text=True, check=True)
            results[variant].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"round {round_ + 1} {variant}: {results[variant][-1]['per_second']:.0f} sentences/s", file=sys.stderr)
    base = statistics.median(r["per_second"] for r in results.get("pipeline", [])) if "pipeline" in results else None
    print(f"\n{results[variants[0]][0]['sentences']} sentences, {args.threads} threads, median of {args.rounds} interleaved rounds\n")
    print("| variant | sentences/s | × pipeline | peak RSS (MB) | macro-F1 (test split) |\n|---|---|---|---|---|")
    for variant, runs in results.items():
        speed = statistics.median(r["per_second"] for r in runs)
        ratio = f"{speed / base:.2f}" if base else "-"
        print(f"| {variant} | {speed:.0f} | {ratio} | {max(r['peak_rss_mb'] for r in runs):.0f} | {runs[0]['macro_f1']:.4f} |")


if __name__ == "__main__":
    main()
