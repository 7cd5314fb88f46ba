"""Shared fixtures: a three-article corpus written in the corpus format."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotations.schema import Article, build_article, save_corpus

THREE_ARTICLES = [
    ("train", [[("Army says it retook the village", "official_claim")],
               [("The defence ministry said troops had entered Kozache on Sunday.", "official_claim"),
                ("Residents said shelling went on through the night.", "unverified_report")],
               [("Moscow denied that its forces had withdrawn from the hill.", "denial"),
                ("“They will regret this betrayal,” the commander said.", "rhetoric"),
                ("The village lies eight kilometres from the river.", "other")]]),
    ("dev", [[("Rebels deny shelling the market", "denial")],
             [("Witnesses described at least four explosions near the bus station.", "unverified_report"),
              ("The governor said two people had been killed.", "official_claim")]]),
    ("test", [[("Sign up for our daily briefing on the war.", "other")],
              [("“Our enemies tremble before the will of the people,” the junta leader declared.", "rhetoric"),
               ("The army spokesman rejected reports of a mutiny in the north as lies.", "denial")]]),
]


def make_articles() -> list[Article]:
    return [
        build_article(id=f"ct-{i + 1:04d}", conflict="sahel", style="wire", outlet="Test Wire",
                      date="2024-01-0%d" % (i + 1), split=split, paragraphs=paragraphs)
        for i, (split, paragraphs) in enumerate(THREE_ARTICLES)
    ]


@pytest.fixture
def articles() -> list[Article]:
    return make_articles()


@pytest.fixture
def corpus_path(tmp_path: Path, articles: list[Article]) -> Path:
    path = tmp_path / "corpus.jsonl"
    save_corpus(articles, path)
    return path


def _write_tiny_bert(folder: Path, words: list[str]) -> Path:
    """A randomly initialised 1-layer BERT with a word-level vocabulary, saved as a HF folder."""
    import transformers
    from transformers import BertConfig, BertModel, BertTokenizerFast

    transformers.set_seed(0)
    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted(set(words))]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True).save_pretrained(folder)
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=128)
    BertModel(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    """Base-model folder of a tiny random BERT whose vocabulary covers the fixture corpus."""
    import re

    words = {w for a in make_articles() for s in a.sentences for w in re.findall(r"\w+|[^\w\s]", s.text.lower())}
    return _write_tiny_bert(tmp_path_factory.mktemp("tiny-bert"), sorted(words))


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory, tiny_bert) -> Path:
    """A run-like folder: the tiny BERT with a randomly initialised 5-label head."""
    import transformers
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from annotations.schema import LABELS

    transformers.set_seed(0)
    folder = tmp_path_factory.mktemp("tiny-run")
    model = AutoModelForSequenceClassification.from_pretrained(
        tiny_bert, num_labels=len(LABELS), id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)})
    model.config.claimtag = {"max_length": 32}
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(tiny_bert).save_pretrained(folder)
    return folder
