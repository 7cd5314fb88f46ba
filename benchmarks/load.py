"""Load test of `claimtag serve` on loopback: many concurrent clients, bounded requests.

Starts the server on 127.0.0.1 once per mode, sends ``clients x requests`` POST /v1/tag
requests of real-length articles (the corpus's test articles; or /v1/classify requests of one
sentence each with ``--route classify``), and prints throughput, latency percentiles and errors.
The modes:

- ``on``: micro-batching, concurrent requests gathered into shared forward passes;
- ``per-request``: micro-batching off (``--max-wait-ms 0``): one request per forward pass, its
  own sentences still batched together;
- ``none``: no batching at all (``--max-wait-ms 0 --max-batch-size 1``): one sentence per
  forward pass.

    pip install -e ".[bench]"   # aiohttp: the load generator shares this machine's cores, so keep it light
    python benchmarks/load.py --model runs/default --backend bf16 [--clients 64 --requests 50]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import time

import aiohttp

from annotations.schema import DEFAULT_CORPUS, load_corpus


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _wait_ready(base: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as client:
        while time.monotonic() < deadline:
            try:
                async with client.get(base + "/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)
    raise TimeoutError("server did not become ready")


async def _load(base: str, articles: list[str], clients: int, requests: int, timeout: float,
                route: str = "tag") -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sentences = 0

    async def client_loop(index: int, http: aiohttp.ClientSession) -> None:
        nonlocal sentences
        for n in range(requests):
            text = articles[(index * requests + n) % len(articles)]
            started = time.perf_counter()
            url, body = (base + "/v1/tag", {"text": text}) if route == "tag" else (base + "/v1/classify", {"sentences": [text]})
            try:
                async with http.post(url, json=body) as response:
                    status = response.status
                    if status == 200:
                        answer = await response.json()
                        sentences += len(answer["articles"][0]["sentences"]) if route == "tag" else len(answer["results"])
                    else:
                        await response.read()
            except (aiohttp.ClientError, asyncio.TimeoutError):
                status = -1
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients),
                                     timeout=aiohttp.ClientTimeout(total=timeout)) as http:
        await asyncio.gather(*(client_loop(i, http) for i in range(clients)))
    seconds = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "seconds": seconds, "sentences_per_s": sentences / seconds,
            "requests_per_s": len(latencies) / seconds, "p50": q[49], "p95": q[94], "p99": q[98],
            "errors": sum(c for s, c in statuses.items() if s != 200), "5xx": sum(c for s, c in statuses.items() if s >= 500),
            "statuses": statuses}


MODES = {"on": [], "per-request": ["--max-wait-ms", "0"], "none": ["--max-wait-ms", "0", "--max-batch-size", "1"]}


def run_mode(model: str, mode: str, articles: list[str], args) -> dict:
    port = _free_port()
    extra = MODES[mode] + ["--backend", args.backend] + (["--max-batch-size", str(args.batch_size)] if mode == "on" else [])
    server = subprocess.Popen([sys.executable, "-m", "claimtag", "serve", "--model", model, "--port", str(port),
                               "--max-queue", str(args.clients * 2), "--request-timeout-s", "300",
                               "--threads", str(args.server_threads), *extra],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(_wait_ready(base))
        return asyncio.run(_load(base, articles, args.clients, args.requests, timeout=600, route=args.route))
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="runs/default")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--requests", type=int, default=50, help="requests per client")
    parser.add_argument("--server-threads", type=int, default=0,
                        help="model threads of the server (0: one per core, the server's default); the aiohttp "
                             "load generator itself used under 1%% of a core in a measured run")
    parser.add_argument("--route", choices=("tag", "classify"), default="tag",
                        help="tag: one test article per request; classify: one test sentence per request")
    parser.add_argument("--backend", default="torch", help="the server's inference backend")
    parser.add_argument("--batch-size", type=int, default=64, help="the server's --max-batch-size in mode on")
    parser.add_argument("--modes", default="on,per-request,none", help="comma-separated modes to run, of " + ", ".join(MODES))
    args = parser.parse_args()
    test = [a for a in load_corpus(DEFAULT_CORPUS) if a.split == "test"]
    articles = [a.text for a in test] if args.route == "tag" else [s.text for a in test for s in a.sentences]
    print(f"{args.clients} clients x {args.requests} requests to /v1/{args.route}, each one corpus test "
          f"{'article' if args.route == 'tag' else 'sentence'} (mean {statistics.mean(len(a) for a in articles):.0f} characters)\n")
    print("| mode | sentences/s | requests/s | p50 s | p95 s | p99 s | errors | 5xx |\n|---|---|---|---|---|---|---|---|")
    for mode in args.modes.split(","):
        r = run_mode(args.model, mode, articles, args)
        print(f"| {mode} | {r['sentences_per_s']:.0f} | {r['requests_per_s']:.1f} | "
              f"{r['p50']:.2f} | {r['p95']:.2f} | {r['p99']:.2f} | {r['errors']} | {r['5xx']} |", flush=True)


if __name__ == "__main__":
    main()
