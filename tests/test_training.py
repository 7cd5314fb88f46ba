import json

import numpy as np
import pytest
from transformers import AutoConfig, pipeline

from annotations.schema import LABELS, save_corpus
from tests.conftest import make_articles
from training.arguments import TrainingArguments, load_config_file
from training.calibration import fit_temperature, fold_calibration, prior_shift
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
                             num_epochs=2, batch_size=4, max_length=32, evaluate_test=False, logging_steps=1,
                             label_prior="denial=0.1")
    metrics = train(args)
    assert (run / "model.safetensors").exists() and not list(run.glob("*.bin"))
    assert not (run / "checkpoints").exists()
    config = AutoConfig.from_pretrained(run)
    assert [config.id2label[i] for i in range(5)] == list(LABELS)
    assert config.calibration_temperature == pytest.approx(metrics["temperature"])
    assert metrics["label_prior_shift"]["denial"] < 0  # 1 of the 6 training sentences is a denial; 0.1 wanted
    assert config.label_prior_shift == pytest.approx([metrics["label_prior_shift"][label] for label in LABELS])
    assert json.loads((run / "training_config.json").read_text())["max_length"] == 32
    assert "# claimtag sentence tagger" in (run / "README.md").read_text()
    classifier = pipeline("text-classification", model=str(run), top_k=None)
    scores = classifier(["The governor said two people had been killed."])[0]
    assert {s["label"] for s in scores} == set(LABELS)
    assert sum(s["score"] for s in scores) == pytest.approx(1.0, abs=1e-5)


def test_same_config_same_metrics(tmp_path, tiny_bert, ten_sentence_corpus):
    """Also with the length-window sampler, a linear probe first, and frozen word embeddings,
    which stay as they were."""
    from transformers import AutoModel

    from training.train import train

    results = [train(TrainingArguments(output_dir=str(tmp_path / f"run{i}"), base_model=str(tiny_bert),
                                       corpus=str(ten_sentence_corpus), num_epochs=1, batch_size=2,
                                       length_window=2, freeze_embeddings=True, linear_probe=True,
                                       evaluate_test=False))
               for i in range(2)]
    assert results[0]["dev"] == results[1]["dev"]
    assert results[0]["temperature"] == pytest.approx(results[1]["temperature"])
    embeddings = [AutoModel.from_pretrained(folder).get_input_embeddings().weight for folder in (tiny_bert, tmp_path / "run0")]
    assert bool((embeddings[0] == embeddings[1]).all())


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


def test_fold_calibration_divides_logits_and_adds_shift(tiny_bert):
    import torch
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(tiny_bert, num_labels=5).eval()
    inputs = {"input_ids": torch.tensor([[2, 7, 9, 3]])}
    before = model(**inputs).logits
    shift = np.array([0.0, -1.5, 0.2, 0.0, 0.3])
    fold_calibration(model, 2.5, shift)
    assert torch.allclose(model(**inputs).logits, before / 2.5 + torch.tensor(shift, dtype=torch.float32), atol=1e-6)
    assert model.config.label_prior_shift == pytest.approx(shift.tolist())


def test_prior_shift_moves_named_label_and_rescales_the_rest():
    train = np.array([0] * 50 + [1] * 25 + [2] * 25)  # shares 0.5, 0.25, 0.25
    shift = prior_shift(train, {1: 0.05}, 3)
    # denial-like class 1 goes 0.25 -> 0.05; classes 0 and 2 share the remaining 0.95 as 2:1
    assert np.exp(shift) * np.array([0.5, 0.25, 0.25]) == pytest.approx([0.95 * 2 / 3, 0.05, 0.95 / 3])
    assert prior_shift(train, {}, 3) == pytest.approx(np.zeros(3))
    assert prior_shift(np.array([0, 0, 2]), {}, 3) == pytest.approx(np.zeros(3))  # class 1 never seen: no shift
    with pytest.raises(ValueError, match="no training examples"):
        prior_shift(np.array([0, 0, 2]), {1: 0.1}, 3)


def test_label_prior_is_validated():
    assert TrainingArguments(label_prior="denial=0.02").parsed_label_prior() == {"denial": 0.02}
    with pytest.raises(ValueError, match="unknown label 'denials'"):
        TrainingArguments(label_prior="denials=0.02")
    with pytest.raises(ValueError, match="must be in"):
        TrainingArguments(label_prior="denial=2")
    with pytest.raises(ValueError, match="is not label=share"):
        TrainingArguments(label_prior="denial=few")


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
    with pytest.raises(ValueError, match="length_window must be 0"):
        TrainingArguments(length_window=-1)


def test_length_window_order_is_a_seeded_permutation_with_less_padding():
    import random

    import torch

    from training.sampling import LengthWindowSampler, length_window_order

    lengths = [random.Random(i).randint(5, 60) for i in range(400)]

    def padded(order):  # tokens after padding each batch of 16 to its longest
        return sum(max(lengths[i] for i in order[b:b + 16]) * len(order[b:b + 16]) for b in range(0, 400, 16))

    order = length_window_order(lengths, batch_size=16, window=8, generator=torch.Generator().manual_seed(0))
    assert sorted(order) == list(range(400))
    shuffled = torch.randperm(400, generator=torch.Generator().manual_seed(0)).tolist()
    assert padded(order) < 0.8 * padded(shuffled)
    sampler = LengthWindowSampler(lengths, batch_size=16, window=8, seed=3)
    first = list(sampler)
    assert list(sampler) == first and len(sampler) == 400
    sampler.set_epoch(1)
    assert list(sampler) != first and sorted(sampler) == list(range(400))
    with pytest.raises(ValueError, match="window"):
        LengthWindowSampler(lengths, batch_size=16, window=0, seed=0)


def test_linear_probe_fits_the_head_to_what_it_reads(tiny_bert):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from training.calibration import classifier_head
    from training.linear_probe import fit_head, head_inputs

    model = AutoModelForSequenceClassification.from_pretrained(tiny_bert, num_labels=5).eval()
    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    texts = ["The ministry said drones fell.", "Residents heard blasts.", "Kyiv denied it."]
    features = head_inputs(model, tokenizer, texts, batch_size=2)
    head = classifier_head(model)
    with torch.no_grad():  # the features are exactly what the head reads, in the order of texts
        for text, row in zip(texts, features):
            logits = model(**tokenizer([text], return_tensors="pt")).logits[0]
            assert torch.allclose(head(torch.from_numpy(row)), logits, atol=1e-5)
    rng = np.random.default_rng(0)
    labels = np.arange(30) % 5
    separable = rng.normal(size=(30, features.shape[1])).astype(np.float32)
    separable[np.arange(30), labels] += 5.0
    assert fit_head(model, separable, labels) == 1.0
    with torch.no_grad():
        assert head(torch.from_numpy(separable)).argmax(-1).tolist() == labels.tolist()
