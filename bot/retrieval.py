"""Find the passages that answer a question: meaning (faiss) and words (BM25), fused."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extractOne

from bot.embedding import Encoder
from bot.index import PassageIndex
from bot.passages import Passage

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # fused score, the one hits are ranked by
    dense: float  # cosine of the question with the passage or its FAQ question, whichever is closer
    lexical: float  # BM25 squashed into 0..1


@dataclass(frozen=True)
class RetrievalSettings:
    candidates: int = 40
    # The fused score is dense + lexical_weight * bm25 / (bm25 + lexical_half * max_idf): BM25 squashed
    # into 0..1, half way at a score of lexical_half times the largest idf the knowledge can give
    # (BM25 scores grow with the number of passages). Both were chosen on the covid-faq evaluation,
    # in both views, from a broad plateau (see README: "Quality").
    lexical_weight: float = 0.5
    lexical_half: float = 1.6
    # A passage's FAQ question and its text both vote; the closer one counts most.
    question_weight: float = 1.0


class SpellingCorrector:
    """Replace a misspelt word with the closest word the knowledge uses ("strech" → "stretch").
    A word counts as misspelt when neither the knowledge nor the `dictionary` (the model's own
    whole-word vocabulary) knows it, so real words ("there", "botox") are never "corrected"."""

    def __init__(self, vocabulary: frozenset[str], dictionary: frozenset[str] = frozenset()) -> None:
        self.vocabulary = vocabulary
        self.choices = sorted(vocabulary)
        self.dictionary = dictionary
        self.closest = lru_cache(maxsize=8192)(self._closest)

    def _closest(self, word: str) -> str:
        lower = word.lower()
        if len(lower) < 5 or lower in self.vocabulary or lower in self.dictionary:
            return word
        limit = 1 if len(lower) < 8 else 2
        match = extractOne(lower, self.choices, scorer=Levenshtein.distance, score_cutoff=limit)
        return match[0] if match else word

    def __call__(self, text: str) -> str:
        return _WORD.sub(lambda m: self.closest(m.group(0)), text)


class Retriever:
    def __init__(self, index: PassageIndex, encoder: Encoder, settings: RetrievalSettings | None = None) -> None:
        self.index = index
        self.encoder = encoder
        self.settings = settings or RetrievalSettings()
        self.correct_spelling = SpellingCorrector(index.lexical.vocabulary, encoder.dictionary)
        self.lexical_half = self.settings.lexical_half * index.lexical.max_idf

    def run(self, question: str, k: int = 5) -> list[Hit]:
        vector = self.encoder.encode_queries([question])[0]
        return self.search(question, vector, k)

    def search(self, question: str, vector: np.ndarray, k: int = 5) -> list[Hit]:
        index, settings = self.index, self.settings
        if not len(index):
            return []
        n = min(settings.candidates, len(index))
        bm25 = index.lexical.scores(self.correct_spelling(question))
        top_lexical = np.argpartition(-bm25, n - 1)[:n] if n < len(bm25) else np.arange(len(bm25))
        rows = np.unique(np.concatenate([index.nearest(vector, n), top_lexical[bm25[top_lexical] > 0]]))

        dense = index.passage_vectors[rows] @ vector
        questions = index.question_of_row[rows]
        asked = questions >= 0
        if asked.any():
            question_sims = index.question_vectors[questions[asked]] @ vector
            dense[asked] = np.maximum(dense[asked], settings.question_weight * question_sims)
        lexical = bm25[rows] / (bm25[rows] + self.lexical_half)
        fused = dense + settings.lexical_weight * lexical
        order = np.argsort(-fused)[:k]
        return [Hit(index.passages[rows[i]], float(fused[i]), float(dense[i]), float(lexical[i])) for i in order]
