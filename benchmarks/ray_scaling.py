"""Sentences per second of the local engine (one process, and worker processes) and of the Ray
engine with 1 and 2 actors, on the same articles, in one run; and where the Ray engine's time goes.

The articles are the shipped corpus's (real article layout: headlines, bylines, about 30
sentences each), repeated with fresh ids up to ``--articles``. Each variant tags them into a
fresh output folder, end to end as `claimtag tag` does:

- local: ``model.batch.tag_archive``, one process, ``--threads`` torch threads (default 2);
- local workers: the same with a :class:`model.pool.TaggerPool` of one-thread worker processes,
  one per thread (``claimtag tag --workers``);
- ray 1 actor: one actor with all the threads;
- ray 2 actors: two actors of one thread each (``--threads`` split evenly).

Every variant uses the machine's cores (2 here), so the ratios show the engine's overhead, not
more hardware. The Ray rows also give the actors' own time split into reading, segmenting
(pysbd), the model (tokenising and forward passes) and writing, and the overhead: wall-clock
time during which the actors were not tagging (Ray start, actor processes starting and loading
the model, scheduling, and the driver and Ray's own processes sharing the cores).
Ray itself is started once (``num_cpus`` = the threads), before the first Ray variant; its start-up is
printed apart. The variants are interleaved over ``--rounds`` (this shared machine drifts by
5-40%), and the table gives medians.

    python benchmarks/ray_scaling.py --model runs/default --articles 100 [--rounds 1] [--no-ray]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path


def write_articles(path: Path, count: int, corpus: str | None) -> None:
    """``count`` corpus articles as JSON Lines, cycling through the corpus with fresh ids."""
    from annotations.schema import DEFAULT_CORPUS, load_corpus

    articles = load_corpus(corpus or DEFAULT_CORPUS)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            article = articles[i % len(articles)]
            handle.write(json.dumps({"id": f"{article.id}-{i // len(articles)}", "text": article.text,
                                     "outlet": article.outlet}, ensure_ascii=False) + "\n")


def run_local(path: Path, out: Path, model: str, backend: str, threads: int, workers: int = 1) -> dict:
    from model.batch import tag_archive
    from model.pool import TaggerPool
    from model.tagger import Tagger

    started = time.perf_counter()
    if workers > 1:  # the workers load their models on the first chunk: counted in busy, not load
        tagger = TaggerPool(model, workers=workers, backend=backend, threads=threads // workers)
    else:
        tagger = Tagger.load(model, backend=backend, threads=threads)
    load = time.perf_counter() - started
    summary = tag_archive([path], out / "tagged.jsonl", tagger, show_progress=False)
    wall = time.perf_counter() - started
    if workers > 1:
        tagger.close()
    variant = f"local, {workers} workers" if workers > 1 else "local"
    return {"variant": variant, "actors": workers, "threads": threads // workers, "articles": summary.articles,
            "sentences": summary.sentences, "wall": wall, "load": load, "busy": summary.seconds * workers}


def run_ray(path: Path, out: Path, model: str, backend: str, actors: int, threads: int, shard_size: int) -> dict:
    from model.ray_engine import tag_archive_ray

    summary = tag_archive_ray([path], out, model=model, backend=backend, actors=actors, threads=threads,
                              shard_size=shard_size, show_progress=False)
    busy = summary.read_seconds + summary.segment_seconds + summary.model_seconds + summary.write_seconds
    return {"variant": f"ray, {actors} actor{'s' if actors > 1 else ''}", "actors": actors, "threads": threads,
            "articles": summary.articles, "sentences": summary.sentences, "wall": summary.seconds,
            "load": summary.load_seconds / actors, "busy": busy, "read": summary.read_seconds,
            "segment": summary.segment_seconds, "model": summary.model_seconds, "write": summary.write_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="runs/default")
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--corpus", default=None, help="corpus whose articles are tagged (default: the shipped one)")
    parser.add_argument("--backend", default="torch")
    parser.add_argument("--threads", type=int, default=2, help="cores used by every variant")
    parser.add_argument("--shard-size", type=int, default=0, help="articles per shard (0: about 4 shards per actor)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-ray", action="store_true", help="only the local engine's rows (no Ray needed)")
    args = parser.parse_args()
    shard_size = args.shard_size or max(1, args.articles // (4 * args.threads))
    results: dict[str, list[dict]] = {}
    ray_start = None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = tmp / "articles.jsonl"
        write_articles(path, args.articles, args.corpus)
        for round_ in range(args.rounds):
            runs = [("local", 1), ("local", args.threads)] + ([] if args.no_ray else [("ray", 1), ("ray", args.threads)])
            for engine, actors in runs:
                out = Path(tempfile.mkdtemp(dir=tmp))
                if engine == "local":
                    result = run_local(path, out, args.model, args.backend, args.threads, workers=actors)
                else:
                    if ray_start is None:
                        from model.ray_engine import init_ray

                        started = time.perf_counter()
                        init_ray(num_cpus=args.threads)
                        ray_start = time.perf_counter() - started
                    result = run_ray(path, out, args.model, args.backend, actors, args.threads // actors, shard_size)
                results.setdefault(result["variant"], []).append(result)
                print(f"round {round_ + 1} {result['variant']}: {result['sentences'] / result['wall']:.0f} sentences/s",
                      flush=True)
    first = next(iter(results.values()))[0]
    median = lambda runs, key: statistics.median(r[key] for r in runs)  # noqa: E731
    local_rate = median(results["local"], "sentences") / median(results["local"], "wall")
    print(f"\n{first['articles']} articles, {first['sentences']} sentences ({first['sentences'] / first['articles']:.1f} "
          f"per article), backend {args.backend}, {args.threads} cores, shards of {shard_size} articles, "
          f"median of {args.rounds} round(s)" + (f"; Ray start-up (once, not in the table): {ray_start:.1f} s" if ray_start else "") + "\n")
    print("| engine | actors x threads | wall s | sentences/s (wall) | x local | model load s | busy sentences/s per core "
          "| overhead s | actor time: read / segment / model / write |\n|---|---|---|---|---|---|---|---|---|")
    for variant, runs in results.items():
        wall, sentences, busy = median(runs, "wall"), median(runs, "sentences"), median(runs, "busy")
        per_core = sentences / busy / runs[0]["threads"]  # busy is summed over actors
        if "model" in runs[0]:
            parts = [median(runs, k) for k in ("read", "segment", "model", "write")]
            split = " / ".join(f"{p / sum(parts):.0%}" for p in parts)
            overhead = wall - busy / runs[0]["actors"]
        else:
            split, overhead = "(not split)", wall - busy / runs[0]["actors"]
        print(f"| {variant} | {runs[0]['actors']} x {runs[0]['threads']} | {wall:.1f} | {sentences / wall:.0f} | "
              f"{sentences / wall / local_rate:.2f} | {median(runs, 'load'):.1f} | {per_core:.0f} | {overhead:.1f} | {split} |")
    print("""
busy: time inside the engine's tagging loop (local: tag_archive; Ray: the actors' read, segment, model
and write, summed over actors); overhead: wall-clock minus busy time per actor. For Ray it holds the
actors' process start and model load (each actor loads its own copy), Ray Data's scheduling and the
shard descriptions' and summaries' trips through the object store, and the waiting of one actor for
the other at the end; with 2 actors on 2 cores, the driver, the raylet and the GCS also take CPU time
from the actors. On a cluster the start-up is paid once per actor for the whole archive, so it fades
as the archive grows; the per-core rate is what scales with nodes (docs/scaling.md).""")


if __name__ == "__main__":
    main()
