"""`claimtag serve`: the FastAPI application around a :class:`model.tagger.Tagger`.

Routes: ``POST /v1/tag``, ``POST /v1/classify``, the Hugging Face Inference API shape at
``POST /`` and ``POST /models/{model_id}``, ``GET /healthz``, ``/readyz``, ``/v1/model``,
``/metrics`` (Prometheus), the reading page at ``GET /``, OpenAPI at ``/openapi.json``.
Bad input is always a 4xx whose JSON body names the field and the limit; never a 500.
"""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from model.segment import segment
from model.serving.batcher import MicroBatcher, QueueFull
from model.serving.page import PAGE
from model.tagger import TaggedSentence, Tagger


@dataclass
class ServerConfig:
    """Limits and batching of the server; every field is a `claimtag serve` option."""

    max_batch_size: int = 64          # sentences per forward pass
    max_wait_ms: float = 10.0         # how long the batcher waits to fill a batch (0: batching off)
    max_queue: int = 128              # waiting requests before 503
    request_timeout_s: float = 30.0   # per request, then 504
    max_body_bytes: int = 1_000_000   # 413 past this
    max_text_chars: int = 100_000     # per article or sentence
    max_sentences: int = 512          # per request, after segmentation
    max_articles: int = 64            # per /v1/tag request

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value < 0 or (value == 0 and name != "max_wait_ms"):
                raise ValueError(f"server option {name} must be positive, not {value}")


# --- request and response bodies (they make the OpenAPI schema) ---

class ArticleIn(BaseModel):
    id: str | None = None
    text: str


class TagRequest(BaseModel):
    text: str | None = Field(None, description="one article")
    articles: list[ArticleIn] | None = Field(None, description="several articles, each with an optional id")


class ClassifyRequest(BaseModel):
    sentences: list[str]


class HFParameters(BaseModel):
    top_k: int | None = Field(None, ge=1)


class HFRequest(BaseModel):
    inputs: str | list[str]
    parameters: HFParameters | None = None


class ArticleOut(BaseModel):
    id: str | None = None
    sentences: list[TaggedSentence]


class TagResponse(BaseModel):
    articles: list[ArticleOut]


class ClassifyResponse(BaseModel):
    results: list[TaggedSentence]


class LabelScore(BaseModel):
    label: str
    score: float


class ErrorDetail(BaseModel):
    status: int
    field: str = Field(description="the request field at fault, 'body', 'path' or 'server'")
    message: str = Field(description="what is wrong, with the limit where one applies")


class ErrorBody(BaseModel):
    error: ErrorDetail


_ERRORS = {status: {"model": ErrorBody, "description": text} for status, text in (
    (400, "malformed JSON or undecodable body"), (413, "over a size limit"), (422, "invalid field"),
    (503, "queue full; see Retry-After"), (504, "request timed out"))}


class Problem(Exception):
    """A client error with its status, the field at fault and a message naming the limit."""

    def __init__(self, status: int, field: str, message: str, headers: dict | None = None):
        self.status, self.field, self.message, self.headers = status, field, message, headers or {}


def create_app(tagger: Tagger, config: ServerConfig | None = None, *, run_dir: str | Path | None = None) -> FastAPI:
    config = config or ServerConfig()
    registry = CollectorRegistry()
    requests_total = Counter("claimtag_requests_total", "HTTP requests", ["route", "status"], registry=registry)
    latency = Histogram("claimtag_request_seconds", "Request latency", ["route", "status"], registry=registry)
    batch_sizes = Histogram("claimtag_batch_sentences", "Sentences per forward pass", registry=registry,
                            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256))
    sentences_total = Counter("claimtag_sentences_tagged_total", "Sentences tagged", registry=registry)
    batcher = MicroBatcher(tagger.tag_sentences, max_batch_size=config.max_batch_size,
                           max_wait_ms=config.max_wait_ms, max_queue=config.max_queue,
                           on_batch=lambda n: (batch_sizes.observe(n), sentences_total.inc(n)))
    model_info = _model_info(tagger, run_dir, config)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await batcher.start()
        app.state.ready = True
        yield
        await batcher.stop()

    app = FastAPI(title="claimtag", version="0.1.0", lifespan=lifespan,
                  description="Tag each sentence of war reporting: official_claim, denial, "
                              "unverified_report, rhetoric, other, with calibrated scores.")
    app.state.ready = False

    @app.middleware("http")
    async def limits_and_metrics(request: Request, call_next):
        started = time.perf_counter()
        route = request.scope.get("route").path if request.scope.get("route") else request.url.path
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > config.max_body_bytes:
            response = _problem_response(Problem(413, "body", f"request body is {length} bytes; the limit is {config.max_body_bytes}"))
        else:
            response = await call_next(request)
            route = request.scope.get("route").path if request.scope.get("route") else route
        requests_total.labels(route, str(response.status_code)).inc()
        latency.labels(route, str(response.status_code)).observe(time.perf_counter() - started)
        return response

    @app.exception_handler(Problem)
    async def on_problem(request: Request, problem: Problem):
        return _problem_response(problem)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, error: RequestValidationError):
        first = error.errors()[0] if error.errors() else {}
        location = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
        if first.get("type") == "json_invalid":
            return _problem_response(Problem(400, "body", "malformed JSON: " + first.get("msg", "")))
        return _problem_response(Problem(422, location, first.get("msg", "invalid request"),))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, error: StarletteHTTPException):
        if error.status_code == 400:  # FastAPI could not decode the body (e.g. invalid UTF-8)
            return _problem_response(Problem(400, "body", "the body is not valid UTF-8 JSON"))
        headers = error.headers
        if error.status_code == 405:  # list the methods of every route at this path, not only the first
            allowed = {m for route in app.routes if getattr(route, "methods", None)
                       and route.matches(request.scope)[0] != Match.NONE for m in route.methods}
            headers = {"Allow": ", ".join(sorted(allowed))}
        return _problem_response(Problem(error.status_code, "path", str(error.detail), headers=headers))

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, error: Exception):  # last resort: never a bare 500 page
        return _problem_response(Problem(500, "server", f"internal error: {type(error).__name__}"))

    async def run(sentences: list[str]) -> list[TaggedSentence]:
        if len(sentences) > config.max_sentences:
            raise Problem(413, "sentences", f"{len(sentences)} sentences; the limit is {config.max_sentences} per request")
        try:
            return await asyncio.wait_for(batcher.submit(sentences), config.request_timeout_s)
        except QueueFull:
            raise Problem(503, "server", f"the queue is full ({config.max_queue} requests); retry shortly",
                          headers={"Retry-After": "1"}) from None
        except asyncio.TimeoutError:
            raise Problem(504, "server", f"the request took longer than {config.request_timeout_s} s") from None

    def check_text(text: str, field: str) -> None:
        if not text.strip():
            raise Problem(422, field, "text is empty")
        if len(text) > config.max_text_chars:
            raise Problem(413, field, f"text is {len(text)} characters; the limit is {config.max_text_chars}")

    @app.post("/v1/tag", response_model=TagResponse, responses=_ERRORS, summary="Segment and tag one or more articles")
    async def tag(body: TagRequest) -> TagResponse:
        if (body.text is None) == (body.articles is None):
            raise Problem(422, "text", "give exactly one of 'text' or 'articles'")
        articles = [ArticleIn(text=body.text)] if body.text is not None else body.articles
        if len(articles) > config.max_articles:
            raise Problem(413, "articles", f"{len(articles)} articles; the limit is {config.max_articles} per request")
        for index, article in enumerate(articles):
            check_text(article.text, "text" if body.text is not None else f"articles.{index}.text")
        # segmentation is CPU work: keep it off the event loop
        spans = await asyncio.to_thread(lambda: [segment(a.text) for a in articles])
        flat = [a.text[s.start:s.end] for a, article_spans in zip(articles, spans) for s in article_spans]
        tagged = iter(await run(flat))
        out = []
        for article, article_spans in zip(articles, spans):
            sentences = []
            for span in article_spans:
                t = next(tagged)
                sentences.append(replace(t, start=span.start, end=span.end))
            out.append(ArticleOut(id=article.id, sentences=sentences))
        return TagResponse(articles=out)

    @app.post("/v1/classify", response_model=ClassifyResponse, responses=_ERRORS, summary="Tag pre-split sentences")
    async def classify(body: ClassifyRequest) -> ClassifyResponse:
        for index, sentence in enumerate(body.sentences):
            check_text(sentence, f"sentences.{index}")
        return ClassifyResponse(results=await run(body.sentences))

    async def hf_classify(body: HFRequest) -> list[list[LabelScore]]:
        inputs = [body.inputs] if isinstance(body.inputs, str) else body.inputs
        for index, text in enumerate(inputs):
            check_text(text, "inputs" if isinstance(body.inputs, str) else f"inputs.{index}")
        top_k = body.parameters.top_k if body.parameters and body.parameters.top_k else None
        results = await run(inputs)
        return [[LabelScore(label=label, score=score)
                 for label, score in sorted(r.scores.items(), key=lambda kv: -kv[1])][:top_k] for r in results]

    app.post("/", response_model=list[list[LabelScore]], responses=_ERRORS,
             summary="Hugging Face Inference API compatible text classification")(hf_classify)

    @app.post("/models/{model_id:path}", response_model=list[list[LabelScore]], responses=_ERRORS,
              summary="Hugging Face Inference API compatible text classification (any model id)")
    async def hf_model(model_id: str, body: HFRequest) -> list[list[LabelScore]]:
        return await hf_classify(body)

    @app.get("/", response_class=HTMLResponse, summary="The reading page: paste an article, see it tagged")
    async def page() -> str:
        return PAGE

    @app.get("/healthz", summary="The process is alive")
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", summary="The model is loaded and the batcher is running")
    async def readyz() -> JSONResponse:
        ready = bool(app.state.ready)
        return JSONResponse({"ready": ready, "queue": batcher.depth}, status_code=200 if ready else 503)

    @app.get("/v1/model", summary="Labels, base model, training date, test metrics, temperature and limits")
    async def model() -> dict:
        return model_info

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app


def _problem_response(problem: Problem) -> JSONResponse:
    return JSONResponse({"error": {"status": problem.status, "field": problem.field, "message": problem.message}},
                        status_code=problem.status, headers=problem.headers)


def _model_info(tagger: Tagger, run_dir, config: ServerConfig) -> dict[str, Any]:
    info: dict[str, Any] = {"labels": tagger.labels, "max_length": tagger.max_length, "limits": asdict(config)}
    if run_dir:
        run_dir = Path(run_dir)
        cfg = json.loads((run_dir / "config.json").read_text())
        extra = cfg.get("claimtag") or {}
        info.update(run=str(run_dir), base_model=extra.get("base_model"), trained_at=extra.get("trained_at"),
                    temperature=cfg.get("calibration_temperature"))
        metrics_file = run_dir / "metrics.json"
        if metrics_file.exists():
            test = json.loads(metrics_file.read_text()).get("test") or {}
            info["test_metrics"] = {k: test.get(k) for k in ("accuracy", "macro_f1", "macro_f1_ci95", "ece")}
    return info
