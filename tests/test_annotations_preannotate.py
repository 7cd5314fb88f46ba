import json

import pytest

from annotations.extend import add_drafts
from annotations.schema import LABELS, CorpusFormatError, load_corpus
from annotations.validate import validate_corpus

ARTICLE = ("Ferry service resumes across the lake\n"
           "The port authority said boats would sail again from Monday. Fishermen said the water was calm.\n\n"
           "A rebel spokesman denied that mines had been laid near the harbour.")


@pytest.fixture
def new_articles(tmp_path):
    path = tmp_path / "new.jsonl"
    path.write_text(json.dumps({"id": "n1", "text": ARTICLE, "conflict": "russia-ukraine", "url": "u"}) + "\n"
                    + json.dumps({"id": "n2", "text": "Two bridges were closed overnight, the mayor said."}) + "\n")
    return path


def _pre_annotate(tmp_path, new_articles, tiny_run, *extra) -> list[dict]:
    from claimtag.cli import main

    out = tmp_path / "pre.jsonl"
    assert main(["annotations", "pre-annotate", str(new_articles), "--model", str(tiny_run), "--out", str(out),
                 "--style", "wire", "--outlet", "Test Wire", *extra]) == 0
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_pre_annotate_writes_suggestions_in_corpus_format(tmp_path, new_articles, tiny_run):
    first, second = _pre_annotate(tmp_path, new_articles, tiny_run)
    assert (first["id"], first["conflict"], first["style"], first["outlet"], first["split"]) == \
        ("n1", "russia-ukraine", "wire", "Test Wire", "")
    assert second["conflict"] == "" and first["model"] == tiny_run.name and first["source"].endswith("new.jsonl:1")
    sentences = first["sentences"]
    assert [s["id"] for s in sentences] == ["n1-001", "n1-002", "n1-003", "n1-004"]
    assert [s["paragraph"] for s in sentences] == [0, 1, 1, 2]
    for s in sentences:
        assert first["text"][s["start"]:s["end"]] == s["text"]
        assert s["suggested"] is True and s["reviewed"] is False
        assert set(s["scores"]) == set(LABELS) and sum(s["scores"].values()) == pytest.approx(1, abs=1e-4)
        assert s["label"] == max(s["scores"], key=s["scores"].get) and s["confidence"] == max(s["scores"].values())


def test_bad_input_names_the_line_and_writes_nothing(tmp_path, new_articles, tiny_run, capsys):
    from claimtag.cli import main

    with new_articles.open("a") as handle:
        handle.write('{"id": "n3"}\n{"id": "n1", "text": "Again."}\n')
    out = tmp_path / "pre.jsonl"
    assert main(["annotations", "pre-annotate", str(new_articles), "--model", str(tiny_run), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{new_articles}:3: field 'text' is missing or empty" in err
    assert f"{new_articles}:4: duplicate article id 'n1' (first at {new_articles}:1)" in err
    assert not out.exists()


def test_unreviewed_suggestions_never_enter_the_corpus(tmp_path, new_articles, tiny_run, corpus_path):
    articles = _pre_annotate(tmp_path, new_articles, tiny_run, "--conflict", "sahel", "--date", "2024-02-01")
    pre = tmp_path / "pre.jsonl"
    before = corpus_path.read_text()
    with pytest.raises(CorpusFormatError, match=rf"{pre}:1: sentence n1-001 is an unreviewed model suggestion"):
        add_drafts(corpus_path, [pre])
    assert corpus_path.read_text() == before
    messages = [str(p) for p in validate_corpus(pre).problems]
    assert any("sentence n1-002: an unreviewed model suggestion" in m for m in messages), messages
    with pytest.raises(CorpusFormatError, match=rf"{pre}:1: sentence n1-001 is an unreviewed model suggestion"):
        load_corpus(pre)

    # a reviewer confirms or corrects every sentence: now it goes in, with the corpus fields only
    for article in articles:
        for sentence in article["sentences"]:
            sentence.update(reviewed=True, label="other")
    pre.write_text("".join(json.dumps(a) + "\n" for a in articles))
    assert any("pre-annotation field(s) suggested, reviewed, confidence, scores are not corpus format" in str(p)
               for p in validate_corpus(pre).problems)
    new = add_drafts(corpus_path, [pre])
    assert [a.id for a in new] == ["ct-0004", "ct-0005"]
    corpus = load_corpus(corpus_path)
    added = corpus[3]
    assert [s.text for s in added.sentences] == [s["text"] for s in articles[0]["sentences"]]
    assert [s.paragraph for s in added.sentences] == [0, 1, 1, 2]
    assert added.text.startswith("Ferry service resumes across the lake\n\nThe port authority")
    assert validate_corpus(corpus_path).ok
