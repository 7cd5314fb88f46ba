import json

import numpy as np
import pytest

from annotations.schema import LABELS, CorpusFormatError
from annotations.selection import entropy_uncertainty, margin_uncertainty, read_pool, select_uncertain

DISTINCT = [
    "The army said it shot down twelve drones over the capital overnight.",
    "Residents reported heavy gunfire near the northern checkpoint on Tuesday.",
    "The ministry denied that any civilians had been detained at the border.",
    "Our nation will never bow to the threats of foreign aggressors.",
    "The town lies on the main road between the two provincial capitals.",
    "A hospital director said forty wounded had arrived since the morning.",
    "Local journalists could not confirm the number of people who fled.",
    "Sign up to receive our newsletter every weekday morning.",
]


def _probs(rows: list[list[float]]) -> np.ndarray:
    p = np.array(rows, dtype=float)
    return p / p.sum(axis=1, keepdims=True)


def test_margin_and_entropy_by_hand():
    p = np.array([[0.5, 0.5, 0, 0, 0], [1, 0, 0, 0, 0], [0.2] * 5, [0.7, 0.1, 0.1, 0.1, 0.0]])
    assert margin_uncertainty(p) == pytest.approx([1.0, 0.0, 1.0, 0.4])
    assert entropy_uncertainty(p) == pytest.approx([np.log(2) / np.log(5), 0.0, 1.0,
                                                    -(0.7 * np.log(0.7) + 3 * 0.1 * np.log(0.1)) / np.log(5)])


@pytest.mark.parametrize("strategy", ["margin", "entropy"])
def test_selection_favours_the_uncertain_sentences(strategy):
    rng = np.random.default_rng(0)
    confident = [[20, 1, 1, 1, 1], [1, 1, 25, 1, 1], [1, 1, 1, 1, 30], [1, 18, 1, 1, 1]]
    uncertain = [[5, 5, 1, 1, 1], [3, 3, 3, 2, 2], [1, 4, 4, 1, 1]]
    rows = [confident[i % 4] for i in range(5)] + uncertain
    order = rng.permutation(len(rows))
    probs = _probs([rows[i] for i in order])
    texts = [DISTINCT[i] for i in order]
    selection = select_uncertain(probs, texts, n=3, strategy=strategy)
    assert sorted(int(order[i]) for i in selection.indices) == [5, 6, 7]
    assert selection.near_duplicates_skipped == 0


def test_diversity_step_skips_near_identical_sentences():
    texts = [
        "The army said it shot down 12 drones over the capital overnight.",
        "The army said it shot down 11 drones over the capital overnight.",  # a number changed
        "The army said it had shot down 12 drones over the capital overnight.",  # a word added
        *DISTINCT[1:5],
    ]
    probs = _probs([[5, 5, 1, 1, 1]] * 3 + [[4, 3, 1, 1, 1], [10, 2, 1, 1, 1], [20, 1, 1, 1, 1], [30, 1, 1, 1, 1]])
    selection = select_uncertain(probs, texts, n=3)
    assert selection.indices == [0, 3, 4]
    assert selection.near_duplicates_skipped == 2
    assert select_uncertain(probs, texts, n=3, diversity_threshold=1.0).indices == [0, 1, 2]


def test_read_pool_formats(tmp_path):
    flat = tmp_path / "flat.jsonl"
    flat.write_text('{"text": "One sentence."}\n{"id": "b", "text": "Another.", "article": "x"}\n')
    assert read_pool(flat) == [{"id": "line-1", "article": "", "text": "One sentence."},
                               {"id": "b", "article": "x", "text": "Another."}]
    flat.write_text('{"id": "a", "text": "One."}\n{"id": "a", "text": "Two."}\n')
    with pytest.raises(CorpusFormatError, match=r"flat.jsonl:2: field 'id' is 'a'"):
        read_pool(flat)
    pre = tmp_path / "pre.jsonl"
    sentences = [{"id": "p-001", "text": "Done.", "label": "other", "paragraph": 0},
                 {"id": "p-002", "text": "To do.", "label": "other", "paragraph": 0, "suggested": True,
                  "reviewed": False}]
    pre.write_text(json.dumps({"id": "p", "sentences": sentences}) + "\n")
    assert [r["id"] for r in read_pool(pre)] == ["p-002"]
    pre.write_text(json.dumps({"id": "p", "sentences": sentences}) + "\n" + '{"text": "flat"}\n')
    with pytest.raises(CorpusFormatError, match="mixes articles"):
        read_pool(pre)


def test_cli_select_with_a_tiny_model(tmp_path, corpus_path, tiny_run, capsys):
    from claimtag.cli import main

    out = tmp_path / "picked.jsonl"
    assert main(["annotations", "select", "--model", str(tiny_run), "--pool", str(corpus_path), "--n", "4",
                 "--strategy", "entropy", "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]
    assert [r["uncertainty"] for r in rows] == sorted((r["uncertainty"] for r in rows), reverse=True)
    assert set(rows[0]) >= {"id", "article", "text", "predicted", "confidence", "margin", "entropy", "scores"}
    assert rows[0]["predicted"] in LABELS and rows[0]["uncertainty"] == rows[0]["entropy"]
    printed = capsys.readouterr().out
    assert "picked 4 of 12 pool sentences by entropy uncertainty" in printed and "predicted label | picked | pool" in printed
    assert main(["annotations", "select", "--model", str(tiny_run), "--pool", str(corpus_path), "--n", "0",
                 "--out", str(tmp_path / "none.jsonl")]) == 2
    assert not (tmp_path / "none.jsonl").exists()
