import json

import pytest

from claimtag.cli import main
from model.batch import tag_archive
from model.pool import TaggerPool
from model.tagger import Tagger

TEXTS = [f"Headline {i}\n\nThe army said {i} drones fell. Residents heard blasts." for i in range(9)]


@pytest.fixture(scope="module")
def pool(tiny_run):
    with TaggerPool(tiny_run, workers=2, threads=1) as workers:
        yield workers


def _plain(articles):
    return [[(s.text, s.start, s.end, s.label, round(s.confidence, 5)) for s in a.sentences] for a in articles]


def test_pool_tags_like_one_tagger_in_input_order(tiny_run, pool):
    one = Tagger.load(tiny_run, threads=1)
    assert _plain(pool.tag_articles(TEXTS)) == _plain(one.tag_articles(TEXTS))
    sentences = [f"Sentence number {i} was said." for i in range(11)]
    assert [s.text for s in pool.tag_sentences(sentences)] == sentences
    chunks = [TEXTS[:2], [], TEXTS[2:9]]
    assert [len(c) for c in pool.map_articles(chunks)] == [2, 0, 7]


def test_batch_command_with_workers_writes_what_one_process_writes(tmp_path, tiny_run, pool):
    archive = tmp_path / "in.jsonl"
    archive.write_text("".join(json.dumps({"id": f"a{i}", "text": t}) + "\n" for i, t in enumerate(TEXTS)) + "{bad\n")
    one, many = tmp_path / "one.jsonl", tmp_path / "many.jsonl"
    tag_archive([archive], one, Tagger.load(tiny_run, threads=1), chunk_articles=2, show_progress=False)
    summary = tag_archive([archive], many, pool, chunk_articles=2, show_progress=False)
    assert (summary.articles, summary.errors) == (9, 1)
    rows = lambda path: [(r["id"], [s["label"] for s in r["sentences"]]) for r in map(json.loads, path.open())]
    assert rows(many) == rows(one)
    assert json.loads((tmp_path / "many.jsonl.errors.jsonl").read_text())["line"] == 10


def test_cli_workers_option(tmp_path, tiny_run):
    archive = tmp_path / "in.jsonl"
    archive.write_text("".join(json.dumps({"id": f"a{i}", "text": t}) + "\n" for i, t in enumerate(TEXTS[:3])))
    out = tmp_path / "out.jsonl"
    assert main(["tag", str(archive), "--model", str(tiny_run), "--output", str(out), "--workers", "2",
                 "--no-progress"]) == 0
    assert [json.loads(line)["id"] for line in out.open()] == ["a0", "a1", "a2"]


def test_cli_rejects_zero_workers_naming_the_option(tmp_path, tiny_run, capsys):
    archive = tmp_path / "in.jsonl"
    archive.write_text(json.dumps({"id": "a0", "text": TEXTS[0]}) + "\n")
    assert main(["tag", str(archive), "--model", str(tiny_run), "--output", str(tmp_path / "o.jsonl"),
                 "--workers", "0", "--no-progress"]) != 0
    assert "--workers" in capsys.readouterr().err


def test_missing_model_or_onnx_file_fails_before_starting_workers(tmp_path, tiny_run):
    with pytest.raises(FileNotFoundError, match="config.json"):
        TaggerPool(tmp_path, workers=2)
    with pytest.raises(FileNotFoundError, match="claimtag export"):
        TaggerPool(tiny_run, workers=2, backend="onnx-int8")
    with pytest.raises(ValueError, match="workers"):
        TaggerPool(tiny_run, workers=0)
