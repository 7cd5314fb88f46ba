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
