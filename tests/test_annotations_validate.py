import json
from pathlib import Path

import pytest

from annotations.schema import build_article, load_corpus, save_corpus
from annotations.validate import validate_corpus


def _rewrite(path: Path, edit) -> None:
    records = [json.loads(line) for line in path.read_text().splitlines()]
    edit(records)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_clean_corpus_passes(corpus_path):
    report = validate_corpus(corpus_path)
    assert report.ok, report.problems
    assert (report.articles, report.sentences) == (3, 12)


def test_build_article_offsets_reconstruct_text(articles):
    for article in articles:
        for sentence in article.sentences:
            assert article.text[sentence.start:sentence.end] == sentence.text
    assert articles[0].text.startswith("Army says it retook the village\n\nThe defence ministry")


@pytest.mark.parametrize("edit, expected", [
    (lambda r: r[0]["sentences"][1].update(label="denail"), "ct-0001-002: unknown label 'denail'"),
    (lambda r: r[1]["sentences"][0].update(text=" "), "ct-0002-001: empty sentence"),
    (lambda r: r[1]["sentences"][0].update(text="x" * 700), "700 characters; the limit is 600"),
    (lambda r: r[2].update(id="ct-0001"), "duplicate article id"),
    (lambda r: r[2]["sentences"][0].update(id="ct-0001-001"), "duplicate sentence id"),
    (lambda r: r[1].update(split=""), "split '' is not one of train, dev, test"),
    (lambda r: r[0]["sentences"][2].update(start=3), "offsets 3-"),
    (lambda r: r[0].pop("text"), "missing field(s): text"),
])
def test_broken_corpus_is_reported_with_location(corpus_path, edit, expected):
    _rewrite(corpus_path, edit)
    report = validate_corpus(corpus_path)
    assert not report.ok
    messages = [str(p) for p in report.problems]
    assert any(expected in m for m in messages), messages
    assert all(str(corpus_path) in m for m in messages)


def test_invalid_json_names_the_line(corpus_path):
    with corpus_path.open("a") as handle:
        handle.write("{not json\n")
    report = validate_corpus(corpus_path)
    assert f"{corpus_path}:4: invalid JSON" in str(report.problems[0])


def test_leakage_across_splits_is_found(tmp_path, articles):
    leaked = "The defence ministry said troops had entered Kozache on Monday."  # one word changed
    articles[2] = build_article(id="ct-0003", conflict="sahel", style="wire", outlet="T", date="2024-01-03",
                                split="test", paragraphs=[[(leaked, "official_claim")]])
    path = tmp_path / "leak.jsonl"
    save_corpus(articles, path)
    messages = [str(p) for p in validate_corpus(path).problems]
    assert any("ct-0003-001" in m and "across splits (test vs train)" in m for m in messages), messages


def test_near_duplicate_share_over_limit_fails(tmp_path, articles):
    repeated = [("Officials said the convoy reached the besieged town of Nahr on Friday.", "official_claim")] * 3
    articles[0] = build_article(id="ct-0001", conflict="sahel", style="wire", outlet="T", date="2024-01-01",
                                split="train", paragraphs=[repeated])
    path = tmp_path / "dups.jsonl"
    save_corpus(articles, path)
    report = validate_corpus(path)
    assert report.near_duplicate_sentences == 2
    assert any("near-duplicate; the limit is 2%" in str(p) for p in report.problems)


def test_load_corpus_round_trips(corpus_path, articles):
    assert load_corpus(corpus_path) == articles


def test_cli_validate_exit_status_and_messages(corpus_path, capsys):
    from claimtag.cli import main

    assert main(["annotations", "validate", str(corpus_path)]) == 0
    _rewrite(corpus_path, lambda r: r[0]["sentences"][0].update(label="claim"))
    assert main(["annotations", "validate", str(corpus_path)]) == 1
    assert f"{corpus_path}:1 article ct-0001 sentence ct-0001-001: unknown label 'claim'" in capsys.readouterr().err


def test_cli_eval_bad_data_names_file_and_line(tmp_path, capsys):
    from claimtag.cli import main

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a", "label": "other"}\n{"text": "b"}\n')
    assert main(["eval", "--model", str(tmp_path), "--data", str(bad), "--out", str(tmp_path / "r")]) == 2
    assert f"{bad}:2: field 'label'" in capsys.readouterr().err
