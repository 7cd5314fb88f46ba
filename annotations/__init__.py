"""The annotated corpus of claimtag: its format, validation, splits and statistics."""

from annotations.schema import DEFAULT_CORPUS, LABELS, Article, Sentence, load_corpus

__all__ = ["DEFAULT_CORPUS", "LABELS", "Article", "Sentence", "load_corpus"]
