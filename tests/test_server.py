import asyncio

import pytest
from fastapi.testclient import TestClient

from annotations.schema import LABELS
from model.serving.app import ServerConfig, create_app
from model.serving.batcher import MicroBatcher, QueueFull
from model.tagger import Tagger


@pytest.fixture(scope="module")
def tagger(tiny_run):
    return Tagger.load(tiny_run)


@pytest.fixture(scope="module")
def client(tagger, tiny_run):
    config = ServerConfig(max_body_bytes=5000, max_text_chars=1000, max_sentences=20, max_articles=3)
    with TestClient(create_app(tagger, config, run_dir=tiny_run)) as c:
        yield c


def test_tag_one_article(client):
    text = "Rebels deny shelling the market\n\nWitnesses described four explosions. The governor said two died."
    response = client.post("/v1/tag", json={"text": text})
    assert response.status_code == 200
    sentences = response.json()["articles"][0]["sentences"]
    assert [text[s["start"]:s["end"]] for s in sentences] == [s["text"] for s in sentences]
    assert len(sentences) == 3
    assert all(abs(sum(s["scores"].values()) - 1) < 1e-4 and s["label"] in LABELS for s in sentences)


def test_tag_several_articles_keeps_ids(client):
    body = {"articles": [{"id": "a", "text": "One. Two."}, {"id": "b", "text": "Three."}]}
    articles = client.post("/v1/tag", json=body).json()["articles"]
    assert [(a["id"], len(a["sentences"])) for a in articles] == [("a", 2), ("b", 1)]


def test_classify(client):
    results = client.post("/v1/classify", json={"sentences": ["Sirens sounded.", "The army said it advanced."]}).json()["results"]
    assert len(results) == 2 and results[1]["text"] == "The army said it advanced."


@pytest.mark.parametrize("path", ["/", "/models/claimtag/sentence-tagger"])
def test_hugging_face_compatible_route(client, path):
    single = client.post(path, json={"inputs": "The army said it advanced."}).json()
    assert len(single) == 1 and len(single[0]) == len(LABELS)
    scores = [item["score"] for item in single[0]]
    assert scores == sorted(scores, reverse=True) and set(single[0][0]) == {"label", "score"}
    batch = client.post(path, json={"inputs": ["One.", "Two."], "parameters": {"top_k": 2}}).json()
    assert [len(x) for x in batch] == [2, 2]


def test_health_ready_model_metrics_docs(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["ready"] is True
    info = client.get("/v1/model").json()
    assert info["labels"] == list(LABELS) and info["limits"]["max_sentences"] == 20
    client.post("/v1/classify", json={"sentences": ["One."]})
    metrics = client.get("/metrics").text
    assert 'claimtag_requests_total{route="/v1/classify",status="200"}' in metrics
    assert "claimtag_batch_sentences_bucket" in metrics and "claimtag_sentences_tagged_total" in metrics
    assert client.get("/openapi.json").json()["paths"]["/v1/tag"]
    assert client.get("/docs").status_code == 200


def test_page_has_no_external_resources(client):
    page = client.get("/").text
    assert "<textarea" in page and "/v1/tag" in page and "http://" not in page and "https://" not in page


@pytest.mark.parametrize("request_kwargs, status, field", [
    ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "body"),
    ({"json": {"text": 5}}, 422, "text"),
    ({"json": {}}, 422, "text"),
    ({"json": {"text": "   "}}, 422, "text"),
    ({"json": {"text": "x" * 1500}}, 413, "text"),
    ({"json": {"text": "a. " * 1800}}, 413, "body"),
    ({"json": {"text": "One. " * 30}}, 413, "sentences"),
    ({"json": {"articles": [{"text": "a"}] * 4}}, 413, "articles"),
    ({"json": {"articles": [{"text": "fine"}, {"text": ""}]}}, 422, "articles.1.text"),
    ({"content": b'{"text": "caf\xe9"}', "headers": {"content-type": "application/json"}}, 400, "body"),
])
def test_bad_input_is_a_4xx_naming_the_field(client, request_kwargs, status, field):
    response = client.post("/v1/tag", **request_kwargs)
    assert response.status_code == status, response.text
    assert response.json()["error"]["field"] == field


def test_bad_classify_and_hf_inputs(client):
    assert client.post("/v1/classify", json={"sentences": ["ok", 3]}).status_code == 422
    assert client.post("/", json={"inputs": ["ok", ""]}).json()["error"]["field"] == "inputs.1"
    assert client.post("/", json={"inputs": "x", "parameters": {"top_k": 0}}).status_code == 422
    assert client.get("/nowhere").status_code == 404


class SlowTagger:
    """Wraps a tagger so that each forward pass takes half a second."""

    def __init__(self, tagger):
        self.tagger, self.labels, self.max_length = tagger, tagger.labels, tagger.max_length

    def tag_sentences(self, sentences):
        import time

        time.sleep(0.5)
        return self.tagger.tag_sentences(sentences)


def test_queue_full_answers_503_with_retry_after(tagger):
    import httpx

    app = create_app(SlowTagger(tagger), ServerConfig(max_queue=1, max_wait_ms=0))

    async def scenario():
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                first = asyncio.create_task(http.post("/v1/classify", json={"sentences": ["one"]}))
                await asyncio.sleep(0.1)   # the first job is running in the model thread
                second = asyncio.create_task(http.post("/v1/classify", json={"sentences": ["two"]}))
                await asyncio.sleep(0.05)  # the second waits in the queue of size one
                third = await http.post("/v1/classify", json={"sentences": ["three"]})
                return third, await first, await second

    third, first, second = asyncio.run(scenario())
    assert (first.status_code, second.status_code) == (200, 200)
    assert third.status_code == 503 and third.headers["retry-after"] == "1"
    assert third.json()["error"]["field"] == "server"


def test_batcher_gathers_concurrent_jobs():
    seen = []

    def run_batch(sentences):
        seen.append(len(sentences))
        return [s.upper() for s in sentences]

    async def scenario():
        batcher = MicroBatcher(run_batch, max_batch_size=10, max_wait_ms=50, max_queue=10)
        await batcher.start()
        results = await asyncio.gather(*(batcher.submit([f"s{i}", f"t{i}"]) for i in range(4)))
        await batcher.stop()
        return results

    results = asyncio.run(scenario())
    assert results[2] == ["S2", "T2"]
    assert seen[0] == 8  # four concurrent requests, one forward pass


def test_batcher_bounded_queue_raises_queue_full():
    import threading

    release = threading.Event()

    async def scenario():
        batcher = MicroBatcher(lambda s: (release.wait(5), s)[1], max_batch_size=1, max_wait_ms=0, max_queue=2)
        await batcher.start()
        running = asyncio.create_task(batcher.submit(["a"]))
        await asyncio.sleep(0.05)  # taken by the worker, now blocked
        waiting = [asyncio.create_task(batcher.submit([x])) for x in "bc"]
        await asyncio.sleep(0.05)
        with pytest.raises(QueueFull):
            await batcher.submit(["d"])
        release.set()
        results = [await running, *[await w for w in waiting]]
        await batcher.stop()
        return results

    assert asyncio.run(scenario()) == [["a"], ["b"], ["c"]]
