import json

import numpy as np
import pytest
from transformers import AutoConfig, pipeline

from annotations.schema import LABELS, save_corpus
from tests.conftest import make_articles
from training.arguments import TrainingArguments, load_config_file
from training.calibration import fit_temperature, fold_temperature
from eval.calibration import expected_calibration_error
from model.inference import softmax


@pytest.fixture
def ten_sentence_corpus(tmp_path):
    articles = make_articles()
    articles[2].split = "dev"  # two dev articles, no test split needed
    path = tmp_path / "corpus.jsonl"
    save_corpus(articles, path)
    return path


def test_training_end_to_end_on_tiny_bert(tmp_path, tiny_bert, ten_sentence_corpus):
    from training.train import train

    run = tmp_path / "run"
    args = TrainingArguments(output_dir=str(run), base_model=str(tiny_bert), corpus=str(ten_sentence_corpus),
                             num_epochs=2, batch_size=4, max_length=32, evaluate_test=False, logging_steps=1)
    metrics = train(args)
    assert (run / "model.safetensors").exists() and not list(run.glob("*.bin"))
    assert not (run / "checkpoints").exists()
    config = AutoConfig.from_pretrained(run)
    assert [config.id2label[i] for i in range(5)] == list(LABELS)
    assert config.calibration_temperature == pytest.approx(metrics["temperature"])
    assert json.loads((run / "training_config.json").read_text())["max_length"] == 32
    assert "# claimtag sentence tagger" in (run / "README.md").read_text()
    classifier = pipeline("text-classification", model=str(run), top_k=None)
    scores = classifier(["The governor said two people had been killed."])[0]
    assert {s["label"] for s in scores} == set(LABELS)
    assert sum(s["score"] for s in scores) == pytest.approx(1.0, abs=1e-5)


def test_same_config_same_metrics(tmp_path, tiny_bert, ten_sentence_corpus):
    from training.train import train

    results = [train(TrainingArguments(output_dir=str(tmp_path / f"run{i}"), base_model=str(tiny_bert),
                                       corpus=str(ten_sentence_corpus), num_epochs=1, batch_size=4,
                                       evaluate_test=False))
               for i in range(2)]
    assert results[0]["dev"] == results[1]["dev"]
    assert results[0]["temperature"] == pytest.approx(results[1]["temperature"])


def test_temperature_scaling_lowers_ece_of_overconfident_logits():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, 2000)
    logits = rng.normal(size=(2000, 5))
    logits[np.arange(2000), labels] += 1.5  # informative, right about 60% of the time
    logits *= 6  # ... but far too sure of itself
    before = expected_calibration_error(softmax(logits), labels)
    temperature = fit_temperature(logits, labels)
    after = expected_calibration_error(softmax(logits, temperature), labels)
    assert temperature > 3
    assert after < before / 3


def test_fold_temperature_divides_logits(tiny_bert):
    import torch
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(tiny_bert, num_labels=5).eval()
    inputs = {"input_ids": torch.tensor([[2, 7, 9, 3]])}
    before = model(**inputs).logits
    fold_temperature(model, 2.5)
    assert torch.allclose(model(**inputs).logits, before / 2.5, atol=1e-6)


def test_config_file_unknown_key_names_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('learning_rat = 1e-4\n')
    with pytest.raises(ValueError, match=r"bad.toml: unknown training option\(s\): learning_rat"):
        load_config_file(path)


def test_invalid_values_rejected():
    with pytest.raises(ValueError, match="class_weighting"):
        TrainingArguments(class_weighting="inverse")
    with pytest.raises(ValueError, match="batch_size must be positive"):
        TrainingArguments(batch_size=0)
