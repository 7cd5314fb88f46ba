"""`claimtag serve`: run the HTTP model server with uvicorn."""

from __future__ import annotations

import argparse
from dataclasses import fields

from model.backends import BACKENDS


def register(subparsers: argparse._SubParsersAction) -> None:
    from model.serving.app import ServerConfig

    parser = subparsers.add_parser("serve", help="serve a run over HTTP (FastAPI + uvicorn), with the reading page at /",
                                   formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--model", default="runs/default", help="run folder")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--backend", choices=BACKENDS, default="torch")
    parser.add_argument("--threads", type=int, default=0, help="model threads (0: one per core)")
    for f in fields(ServerConfig):
        parser.add_argument("--" + f.name.replace("_", "-"), type=type(f.default), default=f.default, dest=f.name)
    parser.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from model.serving.app import ServerConfig, create_app
    from model.tagger import Tagger

    config = ServerConfig(**{f.name: getattr(args, f.name) for f in fields(ServerConfig)})
    tagger = Tagger.load(args.model, backend=args.backend, batch_size=config.max_batch_size, threads=args.threads or None)
    uvicorn.run(create_app(tagger, config, run_dir=args.model), host=args.host, port=args.port, log_level="info")
    return 0
