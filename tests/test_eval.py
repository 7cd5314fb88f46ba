import json

import numpy as np
import pytest

from annotations.schema import CorpusFormatError, LABELS, save_corpus
from eval.calibration import expected_calibration_error, reliability_bins
from eval.data import load_eval_sentences
from eval.metrics import bootstrap_macro_f1, classification_metrics
from tests.conftest import make_articles


def test_metrics_on_hand_made_predictions():
    # gold:      0 0 1 1 2 ; predicted: 0 1 1 1 2  (labels 3 and 4 absent)
    y_true, y_pred = np.array([0, 0, 1, 1, 2]), np.array([0, 1, 1, 1, 2])
    m = classification_metrics(y_true, y_pred, LABELS)
    assert m["accuracy"] == pytest.approx(0.8)
    official, denial = m["per_class"]["official_claim"], m["per_class"]["denial"]
    assert (official["precision"], official["recall"], official["f1"]) == pytest.approx((1.0, 0.5, 2 / 3))
    assert (denial["precision"], denial["recall"], denial["f1"]) == pytest.approx((2 / 3, 1.0, 0.8))
    # macro over all five labels; absent labels count 0
    assert m["macro_f1"] == pytest.approx((2 / 3 + 0.8 + 1.0) / 5)
    assert m["confusion_matrix"][0] == [1, 1, 0, 0, 0]


def test_bootstrap_interval_brackets_the_estimate():
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 5, 300)
    y_pred = np.where(rng.random(300) < 0.7, y_true, rng.integers(0, 5, 300))
    point = classification_metrics(y_true, y_pred, LABELS)["macro_f1"]
    low, high = bootstrap_macro_f1(y_true, y_pred, 5, groups=np.arange(300) // 10, n_resamples=300)
    assert low < point < high and high - low < 0.25


def test_ece_of_known_bins():
    # two sentences at confidence 0.9: one right, one wrong -> gap 0.4; ECE 0.4
    probs = np.array([[0.9, 0.1, 0, 0, 0], [0.9, 0.1, 0, 0, 0]])
    assert expected_calibration_error(probs, np.array([0, 1])) == pytest.approx(0.4)
    assert sum(b["count"] for b in reliability_bins(probs, np.array([0, 1]))) == 2


def test_load_flat_and_corpus_formats(tmp_path, corpus_path):
    flat = tmp_path / "flat.jsonl"
    flat.write_text(json.dumps({"id": "a-1", "article": "a", "outlet": "X", "text": "Hi.", "label": "other"}) + "\n")
    assert load_eval_sentences(flat)[0] == {"id": "a-1", "article": "a", "text": "Hi.", "label": "other", "group": "X"}
    test_rows = load_eval_sentences(corpus_path, split="test")
    assert [r["id"] for r in test_rows] == ["ct-0003-001", "ct-0003-002", "ct-0003-003"]


def test_bad_eval_line_names_file_line_and_field(tmp_path):
    flat = tmp_path / "flat.jsonl"
    flat.write_text(json.dumps({"text": "a", "label": "other"}) + "\n" + json.dumps({"text": "b", "label": "fact"}) + "\n")
    with pytest.raises(CorpusFormatError, match=r"flat.jsonl:2: field 'label' is 'fact'"):
        load_eval_sentences(flat)


def test_eval_report_end_to_end(tmp_path, tiny_bert, corpus_path):
    from training.arguments import TrainingArguments
    from training.train import train
    from eval.report import evaluate_run

    run = tmp_path / "run"
    train(TrainingArguments(output_dir=str(run), base_model=str(tiny_bert), corpus=str(corpus_path),
                            num_epochs=1, batch_size=4, evaluate_test=False))
    result = evaluate_run(run, corpus_path, tmp_path / "report", split="test", corpus_path=corpus_path,
                          baselines=("majority", "tfidf", "frozen-encoder"), n_bootstrap=50)
    assert set(result["baselines"]) == {"majority", "tfidf", "frozen-encoder"}
    assert result["model"]["n"] == 3
    report = (tmp_path / "report" / "report.md").read_text()
    for section in ("Model and baselines", "Per class", "Confusion matrix", "Calibration", "most confident mistakes"):
        assert section in report
    html = (tmp_path / "report" / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 2 and "http" not in html


REALNEWS = __import__("pathlib").Path(__file__).resolve().parents[2] / "shared" / "realnews" / "dev.jsonl"


@pytest.mark.skipif(not REALNEWS.exists(), reason="../shared/realnews is not here (a user's clone has none)")
def test_realnews_file_loads_in_flat_format():
    rows = load_eval_sentences(REALNEWS)
    assert len(rows) > 1000 and {r["label"] for r in rows} == set(LABELS)
    assert all(r["article"] for r in rows)
