"""Compare sentence segmenters on the corpus's reconstructed articles.

For every article the gold sentences have exact offsets; each segmenter is run on the full
text (line breaks always split, as claimtag does) and scored by exact-span precision, recall
and F1, plus articles per second.

    python benchmarks/segmenters.py [--corpus annotations/corpus/claimtag.jsonl]
"""

from __future__ import annotations

import argparse
import re
import time
from typing import Callable

from annotations.schema import DEFAULT_CORPUS, load_corpus

Splitter = Callable[[str], list[tuple[int, int]]]
_LINE = re.compile(r"[^\r\n]+")


def _by_lines(split_line: Callable[[str], list[str]]) -> Splitter:
    """Apply a segmenter that returns sentence strings to each line and recover offsets."""
    def run(text: str) -> list[tuple[int, int]]:
        spans = []
        for line in _LINE.finditer(text):
            cursor = 0
            for sentence in split_line(line.group()):
                sentence = sentence.strip()
                if not sentence:
                    continue
                found = line.group().find(sentence, cursor)
                if found < 0:
                    continue  # the segmenter altered the text; counts as a miss
                spans.append((line.start() + found, line.start() + found + len(sentence)))
                cursor = found + len(sentence)
        return spans
    return run


def segmenters() -> dict[str, Splitter]:
    from model.segment import segment

    found: dict[str, Splitter] = {"claimtag (pysbd per line)": lambda t: [(s.start, s.end) for s in segment(t)]}
    try:
        import blingfire

        found["blingfire"] = _by_lines(lambda line: blingfire.text_to_sentences(line).split("\n"))
    except ImportError:
        print("blingfire not installed; skipped")
    try:
        import spacy

        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        found["spaCy sentencizer"] = _by_lines(lambda line: [s.text for s in nlp(line).sents])
    except ImportError:
        print("spaCy not installed; skipped")
    found["newlines only"] = _by_lines(lambda line: [line])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    args = parser.parse_args()
    articles = load_corpus(args.corpus)
    print(f"{len(articles)} articles, {sum(len(a.sentences) for a in articles)} gold sentences\n")
    print("| segmenter | precision | recall | F1 | articles/s |\n|---|---|---|---|---|")
    for name, split in segmenters().items():
        true_positive = predicted = gold = 0
        started = time.perf_counter()
        for article in articles:
            spans = set(split(article.text))
            truth = {(s.start, s.end) for s in article.sentences}
            true_positive += len(spans & truth)
            predicted += len(spans)
            gold += len(truth)
        seconds = time.perf_counter() - started
        precision, recall = true_positive / max(predicted, 1), true_positive / max(gold, 1)
        f1 = 2 * precision * recall / max(precision + recall, 1e-9)
        print(f"| {name} | {precision:.3f} | {recall:.3f} | {f1:.3f} | {len(articles) / seconds:.0f} |")


if __name__ == "__main__":
    main()
