"""Choose among the best few passages which one answers: the fused score again, with its parts reweighed.

The fused score ranks the whole knowledge well enough that the right section is among its first five
for about 0.91 of visitors' questions, but first for only about 0.78: a page's introduction, which touches
every topic of the page in one sentence each, or a long section with one close sentence often comes first.
Weighing the cosines and the word match anew, with a penalty for introductions, puts the right one first
more often. The weights were fitted on the visitor suites (`python -m bot.reranker_training`, which
prints the figures) and checked on each suite with the weights fitted on the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.retrieval import Hit


@dataclass(frozen=True)
class RerankWeights:
    """A hit's rerank score: these weights times its fused score, its cosines (passage, heading, best
    sentence; the passage's own where it has none), its word match, and whether it is a page's
    introduction or an FAQ entry."""

    score: float = 2.3
    passage: float = 2.02
    heading: float = 1.11
    sentence: float = 2.35
    lexical: float = 1.85
    intro: float = -1.15
    faq: float = -0.59

    def features(self, hit: Hit) -> tuple[float, ...]:
        evidence = hit.evidence
        if evidence is None:
            return (hit.score, hit.dense, 0.0, hit.dense, hit.lexical, 0.0, 0.0)
        return (
            hit.score,
            evidence.passage,
            evidence.passage if evidence.heading is None else evidence.heading,
            evidence.passage if evidence.sentence is None else evidence.sentence,
            hit.lexical,
            float(not hit.passage.headings),
            float(hit.passage.question is not None),
        )

    def values(self) -> tuple[float, ...]:
        return (
            self.score,
            self.passage,
            self.heading,
            self.sentence,
            self.lexical,
            self.intro,
            self.faq,
        )

    def score_of(self, hit: Hit) -> float:
        return sum(w * x for w, x in zip(self.values(), self.features(hit), strict=True))


@dataclass(frozen=True)
class Reranker:
    """Reorders the `depth` best hits (by fused score) by their rerank score; the rest keep their order."""

    weights: RerankWeights = RerankWeights()
    depth: int = 5
    # A visitor who asks an FAQ's question almost as written (cosine 0.7 or more with it) gets the answer
    # staff wrote for it. Without this rule the reranker cost covid-faq (all FAQ entries, asked in other
    # words) 0.010 nDCG@10 with its questions indexed (0.855 → 0.845), with it nothing; the visitor suites
    # lose a little of the reranker's gain (the right section first 0.852 → 0.837, 0.825 → 0.814 and
    # 0.829 → 0.834 on harbour, northgate and riverside; 0.7 was the highest of 0.7, 0.75, 0.8 and 0.85
    # that kept covid-faq whole).
    asked_as_written: float = 0.7

    def run(self, hits: list[Hit]) -> list[Hit]:
        if not self.reorders(hits):
            return hits
        head, rest = hits[: self.depth], hits[self.depth :]
        return sorted(head, key=self.weights.score_of, reverse=True) + rest

    def reorders(self, hits: list[Hit]) -> bool:
        """Whether these hits are reordered: not when the first is an FAQ entry asked almost as written, nor
        when the question names its page and nothing else ("what is microneedling" asks for no section)."""
        if not hits or hits[0].evidence is None:
            return False
        first, evidence = hits[0], hits[0].evidence
        asked_as_written = evidence.heading is not None and evidence.heading >= self.asked_as_written
        return not ((first.passage.question and asked_as_written) or evidence.names_only_page)
