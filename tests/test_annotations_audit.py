import json

import numpy as np
import pytest

from annotations.audit import assign_folds, label_issues, out_of_fold_probabilities
from annotations.fixes import apply_fixes
from annotations.schema import LABELS, CorpusFormatError, load_corpus, save_corpus, sentence_rows
from tests.conftest import make_articles


def _corpus(copies: int = 3) -> list:
    """3 * copies articles: all train or dev but the very last, which is test."""
    articles = []
    for copy in range(copies):
        for article in make_articles():
            article.id = f"ct-{len(articles) + 1:04d}"
            for sentence in article.sentences:
                sentence.id = f"{article.id}-{sentence.id[-3:]}"
            article.split = "dev" if len(articles) % 4 == 1 else "train"
            articles.append(article)
    articles[-1].split = "test"
    return articles


def test_folds_keep_articles_whole_and_cover_every_fold():
    rows = sentence_rows(_corpus())
    folds = assign_folds(rows, folds=3, seed=1)
    assert set(folds) == {0, 1, 2}
    for article in {r["article"] for r in rows}:
        assert len({f for r, f in zip(rows, folds) if r["article"] == article}) == 1
    with pytest.raises(ValueError, match="--folds must be at least 2"):
        assign_folds(rows, folds=9, seed=1)


def test_out_of_fold_predictions_never_see_their_own_article():
    seen_by_fold = []

    def fit_predict(corpus, texts, workdir):
        trained = load_corpus(corpus)
        assert {a.split for a in trained} == {"train", "dev"}
        seen_by_fold.append({a.id for a in trained})
        return np.full((len(texts), len(LABELS)), 0.2)

    rows, probs = out_of_fold_probabilities(_corpus(), fit_predict, folds=3, seed=1)
    assert len(seen_by_fold) == 3 and not np.isnan(probs).any()
    assert all(r["split"] in ("train", "dev") for r in rows) and len(rows) == 3 * 12 - 3  # test article left out
    held = {r["article"] for r in rows} - seen_by_fold[0]
    assert held and all(article not in seen_by_fold[0] for article in held)


def test_label_issues_rank_the_contradicted_labels_first():
    rows = [{"id": f"s{i}", "article": "a", "split": "train", "text": f"t{i}", "label": LABELS[i % 5]}
            for i in range(40)]
    probs = np.full((40, 5), 0.025)
    for i in range(40):
        probs[i, i % 5] = 0.9
    probs[7] = [0.95, 0.01, 0.02, 0.01, 0.01]   # labelled unverified_report, surely official_claim
    probs[12] = [0.01, 0.01, 0.04, 0.01, 0.93]  # labelled unverified_report, surely other
    probs[17] = [0.3, 0.02, 0.4, 0.02, 0.26]    # labelled unverified_report, unsure: not flagged
    review = label_issues(rows, probs)
    assert [r["id"] for r in review] == ["s7", "s12"]
    first = review[0]
    assert (first["given_label"], first["suggested_label"], first["rank"]) == ("unverified_report", "official_claim", 1)
    assert first["self_confidence"] == pytest.approx(0.02) and first["correct_label"] is None


def test_cli_audit_with_a_tiny_model_then_apply_fixes(tmp_path, tiny_bert, capsys):
    from claimtag.cli import main

    corpus = tmp_path / "corpus.jsonl"
    save_corpus(_corpus(copies=2), corpus)
    config = tmp_path / "audit.toml"
    config.write_text(f'base_model = "{tiny_bert}"\nmax_length = 32\nnum_epochs = 1\nbatch_size = 4\n'
                      'bf16 = false\nthreads = 1\nlogging_steps = 1\nevaluate_test = false\n')
    review = tmp_path / "review.jsonl"
    assert main(["annotations", "audit", str(corpus), "--model-config", str(config), "--folds", "2",
                 "--out", str(review)]) == 0
    assert "of 21 train/dev sentences flagged" in capsys.readouterr().out
    for line in review.read_text().splitlines():
        assert set(json.loads(line)) == {"rank", "id", "article", "split", "text", "given_label", "suggested_label",
                                         "self_confidence", "suggested_confidence", "scores", "correct_label", "note"}


def test_apply_fixes_counts_and_refuses_a_stale_review(tmp_path, corpus_path, capsys):
    from claimtag.cli import main

    review = tmp_path / "review.jsonl"
    rows = [{"id": "ct-0001-002", "given_label": "official_claim", "correct_label": "unverified_report"},
            {"id": "ct-0001-003", "given_label": "unverified_report", "correct_label": "unverified_report"},
            {"id": "ct-0002-001", "given_label": "denial", "correct_label": None}]
    review.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["annotations", "apply-fixes", str(review), "--corpus", str(corpus_path)]) == 0
    assert "3 flagged, 2 reviewed, 1 fixed (1 kept as they were, 1 not reviewed yet)" in capsys.readouterr().out
    assert load_corpus(corpus_path)[0].sentences[1].label == "unverified_report"
    before = corpus_path.read_text()
    with pytest.raises(CorpusFormatError, match="labelled 'unverified_report' .* not 'official_claim' as when audited"):
        apply_fixes(review, corpus_path)
    assert corpus_path.read_text() == before
    review.write_text(json.dumps({"id": "x", "given_label": "other", "correct_label": "claim"}) + "\n")
    with pytest.raises(CorpusFormatError, match=r"review.jsonl:1: field 'correct_label' is 'claim'"):
        apply_fixes(review, corpus_path)
