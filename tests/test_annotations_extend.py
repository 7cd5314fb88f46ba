import json
from collections import Counter

import pytest

from annotations.extend import add_drafts
from annotations.schema import CorpusFormatError, load_corpus
from annotations.splits import assign_splits
from annotations.validate import validate_corpus
from tests.conftest import make_articles


def _draft(conflict="sudan", style="wire", label="official_claim", n=0):
    return {"conflict": conflict, "style": style, "outlet": "Draft Wire", "date": "2024-05-01",
            "paragraphs": [[[f"Headline number {n} about the ceasefire talks", "other"]],
                           [[f"The army said {n} soldiers had crossed the river near Wad Madani.", label]]]}


def test_add_drafts_numbers_splits_and_validates(tmp_path):
    drafts = tmp_path / "d.jsonl"
    drafts.write_text("".join(json.dumps(_draft(n=i)) + "\n" for i in range(10)))
    corpus = tmp_path / "c.jsonl"
    new = add_drafts(corpus, [drafts])
    assert [a.id for a in new][:2] == ["ct-0001", "ct-0002"]
    assert Counter(a.split for a in new) == {"train": 8, "dev": 1, "test": 1}
    assert load_corpus(corpus)[3].sentences[1].id == "ct-0004-002"


def test_test_split_is_frozen_when_extending(tmp_path, corpus_path):
    drafts = tmp_path / "d.jsonl"
    drafts.write_text("".join(json.dumps(_draft(n=i)) + "\n" for i in range(20)))
    new = add_drafts(corpus_path, [drafts])
    assert {a.split for a in new} == {"train", "dev"}
    assert new[0].id == "ct-0004"


def test_bad_draft_names_line_and_writes_nothing(tmp_path, corpus_path):
    before = corpus_path.read_text()
    drafts = tmp_path / "d.jsonl"
    drafts.write_text(json.dumps(_draft()) + "\n" + json.dumps(_draft(label="claim")) + "\n")
    with pytest.raises(CorpusFormatError, match=r"d.jsonl:2: paragraph 2 sentence 1: unknown label 'claim'"):
        add_drafts(corpus_path, [drafts])
    assert corpus_path.read_text() == before


def test_assign_splits_stratifies_each_conflict():
    articles = [a for _ in range(10) for a in make_articles()]
    for i, article in enumerate(articles):
        article.id = f"ct-{i:04d}"
        article.conflict = ("syria", "sudan")[i % 2]
    assign_splits(articles, seed=1)
    for conflict in ("syria", "sudan"):
        counts = Counter(a.split for a in articles if a.conflict == conflict)
        assert counts["test"] >= 1 and counts["dev"] >= 1 and counts["train"] >= 10
