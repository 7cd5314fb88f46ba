import json

import pytest

from annotations.schema import LABELS
from model.tagger import Tagger


@pytest.fixture(scope="module")
def tagger(tiny_run):
    return Tagger.load(tiny_run)


def test_tag_sentences_well_formed(tagger):
    results = tagger.tag_sentences(["The governor said two people had been killed.", "Sign up for our briefing."])
    assert len(results) == 2
    for r in results:
        assert r.label in LABELS
        assert set(r.scores) == set(LABELS)
        assert sum(r.scores.values()) == pytest.approx(1.0, abs=1e-5)
        assert r.confidence == pytest.approx(max(r.scores.values()))
        assert r.scores[r.label] == r.confidence
    assert (results[0].start, results[0].end) == (0, len("The governor said two people had been killed."))


def test_tag_article_offsets_map_back(tagger):
    text = "Rebels deny shelling the market\n\nWitnesses described four explosions. The governor said two died."
    article = tagger.tag_article(text)
    assert [text[s.start:s.end] for s in article.sentences] == [s.text for s in article.sentences]
    assert len(article.sentences) == 3
    assert json.loads(article.to_json())["sentences"][1]["text"] == "Witnesses described four explosions."


def test_truncation_is_reported(tagger):
    long_sentence = " ".join(["the"] * 200) + "."
    short, long = tagger.tag_sentences(["Short one.", long_sentence])
    assert not short.truncated and long.truncated


def test_tag_articles_batches_several(tagger):
    texts = ["One. Two.", "Three.", "Four. Five. Six."]
    assert [len(a.sentences) for a in tagger.tag_articles(texts)] == [2, 1, 3]
    assert tagger.tag_articles([]) == []


@pytest.mark.parametrize("backend", ["bf16", "int8"])
def test_fast_backends_agree_in_shape(tiny_run, backend):
    fast = Tagger.load(tiny_run, backend=backend)
    result = fast.tag_sentences(["The governor said two people had been killed."])[0]
    assert sum(result.scores.values()) == pytest.approx(1.0, abs=1e-4)


def test_load_missing_model_is_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model here"):
        Tagger.load(tmp_path)


def test_onnx_export_matches_torch(tmp_path, tiny_run):
    pytest.importorskip("onnxruntime")
    import shutil

    from model.backends import export_onnx

    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    written = export_onnx(run, quantize=True)
    assert [p.name for p in written] == ["model.onnx", "model-int8.onnx"]
    texts = ["The governor said two people had been killed.", "Sirens.", "Residents heard four blasts overnight."]
    reference = Tagger.load(run).tag_sentences(texts)
    for backend in ("onnx", "onnx-int8"):
        results = Tagger.load(run, backend=backend).tag_sentences(texts)
        tolerance = 1e-4 if backend == "onnx" else 0.05
        for got, want in zip(results, reference):
            assert got.scores == pytest.approx(want.scores, abs=tolerance)
