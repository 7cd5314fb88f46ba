import pytest

from model.segment import segment

CASES = [
    ("quotes spanning sentences",
     '"We will not retreat. Not one step," the commander said. He then left.',
     ['"We will not retreat. Not one step," the commander said.', "He then left."]),
    ("military titles",
     "Gen. Mark Milley met Lt. Col. Anna Petrenko in Kyiv. They spoke for an hour.",
     ["Gen. Mark Milley met Lt. Col. Anna Petrenko in Kyiv.", "They spoke for an hour."]),
    ("U.S., a.m. and No. 10",
     "The U.S. strike came at 6 a.m. on Tuesday. No. 10 said it had been briefed.",
     ["The U.S. strike came at 6 a.m. on Tuesday.", "No. 10 said it had been briefed."]),
    ("decimals and percentages",
     "Officials said 3.7% of the budget, or $1.5bn, went to defence. The rest did not.",
     ["Officials said 3.7% of the budget, or $1.5bn, went to defence.", "The rest did not."]),
    ("ellipsis",
     "He paused... Then he said the talks had failed.",
     ["He paused...", "Then he said the talks had failed."]),
    ("headline without final punctuation, then paragraphs",
     "Russia says Kherson pullout begins\n\nThe ministry said troops were crossing the river.\n\nMore follows.",
     ["Russia says Kherson pullout begins", "The ministry said troops were crossing the river.", "More follows."]),
    ("live-blog timestamps and bullets",
     "14.32 GMT\nAir raid sirens sounded across Kyiv.\n• Ukraine said it downed 31 drones.\n• Russia claimed gains.",
     ["14.32 GMT", "Air raid sirens sounded across Kyiv.", "• Ukraine said it downed 31 drones.", "• Russia claimed gains."]),
    ("question inside a quote",
     'He asked: "Where are the missiles?" Nobody answered.',
     ['He asked: "Where are the missiles?"', "Nobody answered."]),
    ("repeated sentence keeps its own offsets",
     "Sirens sounded. Sirens sounded.",
     ["Sirens sounded.", "Sirens sounded."]),
]


@pytest.mark.parametrize("name, text, expected", CASES, ids=[c[0] for c in CASES])
def test_segment_sentences_and_offsets(name, text, expected):
    spans = segment(text)
    assert [text[s.start:s.end] for s in spans] == expected
    # offsets point at the expected sentences, in order, without overlap
    cursor = 0
    for span, sentence in zip(spans, expected):
        assert span.start == text.index(sentence, cursor)
        cursor = span.end


def test_empty_and_blank_text():
    assert segment("") == [] and segment(" \n\n\t") == []


def test_segment_reconstructs_corpus_article(articles):
    article = articles[0]
    assert [article.text[s.start:s.end] for s in segment(article.text)] == [s.text for s in article.sentences]


def test_concurrent_segmentation_in_threads_gives_the_same_spans():
    """The server segments in a thread pool; a shared pysbd Segmenter mixed articles up."""
    from concurrent.futures import ThreadPoolExecutor

    texts = [f'Gen. Smith said {i} drones fell. Officials denied it. "We saw nothing," he said.\nHeadline {i} '
             * (1 + i % 3) for i in range(40)]
    expected = [segment(t) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(segment, texts * 3)) == expected * 3
