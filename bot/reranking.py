"""Choose among the best few passages which one answers: the fused score again, with its parts reweighed.

The fused score ranks the whole knowledge well enough that the right section is among its first five
for about 0.91 of visitors' questions, but first for only about 0.78: a page's introduction, which touches
every topic of the page in passing, or a neighbouring section often comes first. Weighing the cosines and
the word match anew puts the right one first more often. The weights were fitted on the visitor suites
(`python -m bot.reranker_training`, which prints the figures) and checked on each suite with the weights
fitted on the others.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from bot.retrieval import Hit


def features(hit: Hit) -> tuple[float, ...]:
    """What the reranker weighs, in the order of RerankWeights' fields: the fused score, the cosines with
    the passage, its heading (a page's introduction: the page's title) and its best sentence (the passage's
    own where it matches better than any one sentence, as a price table does), the word match, and whether
    the passage is an FAQ entry. (A penalty for a page's introduction put the right section first more often
    on the visitor suites, whose introductions sum up their pages, but an imported website's introduction
    often holds the answer itself: the doctor's name, the price table. Labelled by its title instead, an
    introduction competes as the sections do.)"""
    evidence = hit.evidence
    passage = evidence.passage if evidence else hit.dense
    heading = evidence.heading if evidence else None
    sentence = evidence.sentence if evidence else None
    return (
        hit.score,
        passage,
        passage if heading is None else heading,
        passage if sentence is None else max(sentence, passage),
        hit.lexical,
        float(hit.passage.question is not None),
    )


def section_features(hits: list[Hit]) -> np.ndarray:
    """Each hit's `features` (a row each), every one of them the best of its section's hits: a long section
    is cut into several passages, and the one that holds the question's words need not be the one whose
    meaning is closest ("where do i park" against the three passages of "Finding us and parking"). Weighed
    as one, the section is not outranked by a page's introduction that matches a little of everything.
    Answered right on the visitor suites: harbour-aesthetics 0.798 → 0.803, riverside-dental 0.795 → 0.800,
    the other six unchanged; covid-faq nDCG@10 0.855 → 0.856 and 0.647 → 0.649."""
    own = [features(hit) for hit in hits]
    sections: dict[tuple[str, str], list[int]] = {}
    for i, hit in enumerate(hits):
        sections.setdefault((hit.passage.file, hit.passage.heading), []).append(i)
    pooled = list(own)
    for same in sections.values():
        if len(same) > 1:  # in plain Python: numpy's overhead on rows this small cost 40 µs a question
            best = tuple(map(max, *(own[i] for i in same)))
            for i in same:
                pooled[i] = best
    return np.array(pooled, dtype=float)


@dataclass(frozen=True)
class RerankWeights:
    """A hit's rerank score is these weights times its `features`. Fitted on harbour-aesthetics,
    northgate-physio, riverside-dental and seed (`python -m bot.reranker_training --suite harbour-aesthetics
    --suite northgate-physio --suite riverside-dental --suite seed`); lakeside-eye-care was written
    afterwards and checks them blind. They were fitted when an introduction's heading cosine was its own
    text's, and each passage's features its own (not its section's best). With its page's title instead, a
    refit on all eight suites gives much the same weights as before the change (heading 1.25 against 1.12),
    so these were kept; the training now weighs sections, so it no longer reproduces them exactly.

    Refitted on all 51 suites (session 41), each suite with weights fitted on the others answered 0.767 of
    its answerable questions with the right section against 0.760 with these, but covid-faq, held out,
    fell from 0.856 / 0.649 nDCG@10 to 0.853 / 0.646; with a seventh feature, the passage's length, 0.773
    and 0.849 / 0.625. Neither was shipped: what helps the suites' pages does not carry to other writing."""

    score: float = 2.28
    passage: float = 1.94
    heading: float = 0.91
    sentence: float = 2.57
    lexical: float = 1.88
    faq: float = -0.46

    @cached_property
    def vector(self) -> np.ndarray:
        return np.asarray(astuple(self))

    def values(self) -> tuple[float, ...]:
        return astuple(self)


@dataclass(frozen=True)
class Reranker:
    """Reorders the `depth` best hits (by fused score) by their section's rerank score; the rest keep their
    order."""

    weights: RerankWeights = RerankWeights()
    depth: int = 5
    # A visitor who asks an FAQ's question almost as written (cosine 0.7 or more with it) gets the answer
    # staff wrote for it. Without this rule the reranker (with its first weights) cost covid-faq, all FAQ
    # entries asked in other words, 0.010 nDCG@10 with its questions indexed (0.855 → 0.845); with it,
    # nothing then, and 0.002 with the shipped weights (0.853). Of 0.7, 0.75, 0.8 and 0.85, only 0.7 kept
    # covid-faq whole.
    asked_as_written: float = 0.7

    def run(self, hits: list[Hit]) -> list[Hit]:
        if not self.reorders(hits):
            return hits
        head, rest = hits[: self.depth], hits[self.depth :]
        weights = self.weights.vector
        sections = section_features(hits) @ weights  # every hit weighs in for its section, not only the head's
        # Within a section, the passage that scores best on its own is shown ("can i drive home after being
        # sedated" wants the sedation section's passage on the rest of the day, not its first).
        own = np.array([features(hit) for hit in head], dtype=float) @ weights
        order = sorted(range(len(head)), key=lambda i: (-sections[i], -own[i]))
        return [head[i] for i in order] + rest

    def reorders(self, hits: list[Hit]) -> bool:
        """Whether these hits are reordered: not when the first is an FAQ entry asked almost as written, nor
        when the question names its page and nothing else ("what is microneedling" asks for no section)."""
        if not hits or hits[0].evidence is None:
            return False
        first, evidence = hits[0], hits[0].evidence
        asked_as_written = evidence.heading is not None and evidence.heading >= self.asked_as_written
        return not ((first.passage.question is not None and asked_as_written) or evidence.names_only_page)
