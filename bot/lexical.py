"""BM25 over the passages' words, rebuilt in a fraction of a second after an edit.

Scores are Lucene's BM25 (as Elasticsearch and bm25s compute it) over lower-cased words, without
English stop words, stemmed (Snowball). Each passage's words are read once and kept as ids in a
`WordTable` shared by successive versions of the index, so a rebuild re-reads only new passages and
the rest is array arithmetic.
"""

from __future__ import annotations

import bisect
import re
import threading
from itertools import pairwise

import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN
from scipy.sparse import csc_matrix

K1 = 1.5
B = 0.75
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_NUMBER_END = re.compile(r"\d+$")
_STOPWORDS = frozenset(STOPWORDS_EN)
_NO_TERM = -1  # the term id of a stop word


class WordTable:
    """Words to ids, and each word to the id of its stem (the term BM25 counts). Ids only grow, so
    every version of the index built from one table agrees on them; passages' word ids are cached."""

    def __init__(self, max_cached_texts: int = 200_000) -> None:
        self.stemmer = Stemmer.Stemmer("english")
        self.word_ids: dict[str, int] = {}
        self.words: list[str] = []
        self.term_ids: dict[str, int] = {}
        self._word_terms: list[int] = []
        self._texts: dict[str, np.ndarray] = {}
        self._max_cached_texts = max_cached_texts
        self._lock = threading.Lock()  # one writer; readers only look up

    @property
    def word_terms(self) -> np.ndarray:
        """For each word id, its term id (-1 for a stop word)."""
        return np.asarray(self._word_terms, dtype=np.int64)

    def text_words(self, text: str) -> np.ndarray:
        """Word ids of `text`, in order (new words are added to the table)."""
        cached = self._texts.get(text)
        if cached is not None:
            return cached
        tokens = _TOKEN.findall(text.lower())
        with self._lock:
            new = [t for t in dict.fromkeys(tokens) if t not in self.word_ids]
            if new:
                self._add(new)
            ids = np.fromiter((self.word_ids[t] for t in tokens), dtype=np.int64, count=len(tokens))
        if len(self._texts) >= self._max_cached_texts:
            self._texts.clear()
        self._texts[text] = ids
        return ids

    def query_terms(self, text: str) -> list[int]:
        """Term ids of a question's words that the table knows (a question never adds words)."""
        terms = (self.term_of(token) for token in _TOKEN.findall(text.lower()))
        return [term for term in terms if term != _NO_TERM]

    def term_of(self, token: str) -> int:
        """A lower-case word's term id (-1 for a stop word or a word no text had in any form)."""
        word = self.word_ids.get(token)
        if word is not None:
            return self._word_terms[word]
        if token in _STOPWORDS:
            return _NO_TERM
        return self.term_ids.get(self.stemmer.stemWord(token), _NO_TERM)

    def forget_texts_except(self, texts: set[str]) -> None:
        self._texts = {t: ids for t, ids in self._texts.items() if t in texts}

    def _add(self, words: list[str]) -> None:
        stems = self.stemmer.stemWords(words)
        for word, stem in zip(words, stems, strict=True):
            self.word_ids[word] = len(self.words)
            self.words.append(word)
            if word in _STOPWORDS:
                self._word_terms.append(_NO_TERM)
            else:
                self._word_terms.append(self.term_ids.setdefault(stem, len(self.term_ids)))


class LexicalIndex:
    """BM25 scores of every passage for a question, from postings precomputed per term."""

    def __init__(self, texts: list[str], table: WordTable | None = None) -> None:
        self.table = table or WordTable()
        self.size = len(texts)
        word_lists = [self.table.text_words(text) for text in texts]
        words = np.concatenate(word_lists) if word_lists else np.zeros(0, dtype=np.int64)
        passage_of_word = np.repeat(np.arange(self.size), [len(w) for w in word_lists])
        terms = self.table.word_terms[words]
        counted = terms != _NO_TERM
        terms, passages = terms[counted], passage_of_word[counted]
        lengths = np.bincount(passages, minlength=self.size).astype(np.float64)

        # Postings: a sparse passages x terms matrix of counts, by column (scipy sums repeated words).
        counts = csc_matrix(
            (np.ones(len(terms), dtype=np.float32), (passages, terms)), shape=(self.size, len(self.table.term_ids))
        )
        self.starts, self.posting_passages, frequencies = counts.indptr, counts.indices, counts.data
        document_frequency = np.diff(self.starts)
        posting_terms = np.repeat(np.arange(len(document_frequency)), document_frequency)
        idf = np.log1p((self.size - document_frequency + 0.5) / (document_frequency + 0.5))
        average_length = lengths.mean() if self.size else 1.0
        norm = K1 * (1 - B + B * lengths[self.posting_passages] / max(average_length, 1e-9))
        self.posting_scores = (idf[posting_terms] * frequencies / (frequencies + norm)).astype(np.float32)
        # BM25's idf of a word found in one passage only: the most one word can weigh.
        self.max_idf = float(np.log1p((self.size - 0.5) / 1.5)) if self.size else 1.0
        # The knowledge's own words (for spelling correction): alphabetic words used in some passage.
        used = np.zeros(len(self.table.words), dtype=bool)
        used[words] = True
        self.vocabulary = frozenset(w for w in map(self.table.words.__getitem__, np.flatnonzero(used)) if w.isalpha())
        self._alphabetical = sorted(self.vocabulary)
        # Names the pages number ("brca1", "brca2"): a visitor names the family ("the brca test": session 37's
        # blind breast clinic, declined before as a service no page names). Three letters or more: not "b" of
        # "b12", nor "ls" of a postcode's "ls12".
        numbered = (_NUMBER_END.sub("", w) for w in map(self.table.words.__getitem__, np.flatnonzero(used)))
        self.numbered_names = frozenset(w for w in numbered if len(w) > 2 and w.isalpha()) - self.vocabulary

    def content_words(self, text: str) -> list[str]:
        """Words of `text` of two letters or more, stop words aside."""
        return [token for token in _TOKEN.findall(text.lower()) if token not in _STOPWORDS]

    def unknown_words(self, text: str) -> list[str]:
        """Words of `text` (stop words aside) that no passage uses in any form ("tummy", "vasectomy")."""
        return [token for token in self.content_words(text) if not self._used(self.table.term_of(token))]

    def known_names(self, text: str) -> list[str]:
        """Words of `text` with a digit and a letter that some passage uses ("4d", "b12"): names that
        `vocabulary`, alphabetic words for spelling correction, leaves out."""
        return [
            token
            for token in self.content_words(text)
            if any(c.isdigit() for c in token) and any(c.isalpha() for c in token)
            and self._used(self.table.term_of(token))
        ]

    def unnamed_words(self, text: str) -> list[str]:
        """`unknown_words`, less the pages' words in a visitor's shorter or run-together forms: a short form
        ("physio": physiotherapy, "specs": spectacles), two words run together ("checkups": check-ups), one
        split in two ("shock wave": shockwave) or a name the pages number ("brca": brca1)."""
        tokens = _TOKEN.findall(text.lower())
        split = {word for a, b in pairwise(tokens) if a + b in self.vocabulary for word in (a, b)}
        return [
            word
            for word in self.unknown_words(text)
            if not (
                word in split or word in self.numbered_names or self._is_short_form(word) or self._is_joined_pair(word)
            )
        ]

    def named_apart(self, words: list[str]) -> bool:
        """Whether every one of `words` is used by some passage but no passage uses them all (in any form)."""
        terms = {self.table.term_of(word) for word in words}
        if len(terms) < 2 or not all(self._used(term) for term in terms):
            return False
        rarest_first = sorted(terms, key=lambda term: self.starts[term + 1] - self.starts[term])
        together = self.posting_passages[self.starts[rarest_first[0]] : self.starts[rarest_first[0] + 1]]
        for term in rarest_first[1:]:
            passages = self.posting_passages[self.starts[term] : self.starts[term + 1]]
            together = np.intersect1d(together, passages, assume_unique=True)
            if not len(together):
                return True
        return False

    def _is_short_form(self, word: str) -> bool:
        """Whether `word`, or its singular when it ends in "s", begins a word of the pages at least twice as
        long. Not for three letters, which begin too many words ("sti" is not "stiffness"; visitor_words.yaml
        has "hep a")."""
        stem = word[:-1] if word.endswith("s") and len(word) > 4 else word
        if len(stem) < 4:
            return False
        at = bisect.bisect_left(self._alphabetical, stem)
        while at < len(self._alphabetical) and self._alphabetical[at].startswith(stem):
            if len(self._alphabetical[at]) >= 2 * len(stem):
                return True
            at += 1
        return False

    def _is_joined_pair(self, word: str) -> bool:
        """Whether `word` is two words of the pages, of three letters or more, run together."""
        return any(word[:i] in self.vocabulary and word[i:] in self.vocabulary for i in range(3, len(word) - 2))

    def _used(self, term: int) -> bool:
        """Whether some passage has this term (the table also holds words of other versions' passages)."""
        return 0 <= term < len(self.starts) - 1 and self.starts[term] != self.starts[term + 1]

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for `query` (zeros when no word matches)."""
        terms = [t for t in self.table.query_terms(query) if self._used(t)]
        if not terms:
            return np.zeros(self.size, dtype=np.float32)
        postings = [np.arange(self.starts[t], self.starts[t + 1]) for t in terms]
        rows = np.concatenate(postings)
        return np.bincount(self.posting_passages[rows], weights=self.posting_scores[rows], minlength=self.size).astype(
            np.float32
        )
