"""claimtag's inference library: segmentation and tagging with calibrated scores."""

from model.pool import TaggerPool
from model.segment import Span, segment
from model.tagger import TaggedArticle, TaggedSentence, Tagger

__all__ = ["Span", "segment", "TaggedArticle", "TaggedSentence", "Tagger", "TaggerPool"]
