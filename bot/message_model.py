"""A linear model that reads a whole message for one kind (a red flag, a request for personal advice): its
meaning, as the encoder's vectors of the message (and of its parts, for a model that reads them), and its
words, as tf-idf weighted words and word pairs (and, for a model that reads them, the words' pieces of three to
five letters, so that "swalow" and "breth" weigh almost as "swallow" and "breath").

Phrases and example questions catch the wording someone thought of; each new set of visitors' messages
brought red flags in words no line had ("ive given my cat to my sister, i wont need her where im going").
A model fitted on the 3,500 red flags and the 11,000 ordinary and everyday messages of the project's own sets
(`bot/message_model_training.py`) weighs every word and every direction of meaning at once. The words matter
as much as the meaning: in the first dev experiment, fitted on older sets and asked the next session's, the
meaning alone read 68 of the 103 red flags the rules of the day missed, meaning and words together 93
(README: "Session 38").

The models read the vectors the policy already has, so the cost is a product of 384 numbers per text and a
dictionary lookup per word and word pair (and, for the pieces, per word: see `PieceWeights`), the message's words
counted once for both models.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from functools import cached_property, lru_cache
from itertools import chain, pairwise
from pathlib import Path
from typing import NamedTuple
from zipfile import BadZipFile

import numpy as np

log = logging.getLogger(__name__)
# Fitted by `python -m bot.message_model_training --write`
SHIPPED_MODELS = Path(__file__).resolve().parent / "data" / "message_models"
# Words as scikit-learn's TfidfVectorizer reads them (its default token pattern, lower case), so a model
# fitted there scores the same here.
_WORD = re.compile(r"(?u)\b\w\w+\b")


# The pieces of words a model may read: n letters of a word padded with a space at each end.
CHARACTER_NGRAMS = (3, 5)
# Characters: what longer words weigh is not remembered (see `PieceWeights`); a word of 1,000 characters has
# 3,000 pieces, and a message may be 1,000 characters of one.
REMEMBERED_WORD = 30


def word_pieces(word: str) -> tuple[str, ...]:
    """A word's pieces of 3 to 5 characters (with a space before and after it), as scikit-learn's `char_wb`
    analyzer takes them: a word too short for a piece of n counts once, whole, and no longer pieces are taken
    from it."""
    low, high = CHARACTER_NGRAMS
    padded, pieces = f" {word} ", []
    for n in range(low, high + 1):
        pieces += [padded[at : at + n] for at in range(max(len(padded) - n + 1, 1))]
        if len(padded) <= n:
            break
    return tuple(pieces)


def term_counts(text: str) -> Counter[str]:
    """The words of `text` and its pairs of neighbouring words, counted."""
    words = _WORD.findall(text.lower())
    return Counter(words + [f"{a} {b}" for a, b in pairwise(words)])


class MessageModelError(Exception):
    pass


@dataclass(frozen=True)
class MessageReading:
    """A message as the models read it: its texts (the message, then its parts when it is long) and their
    unit vectors (a row each); their words are counted when a model first needs them."""

    texts: tuple[str, ...]
    vectors: np.ndarray

    @cached_property
    def terms(self) -> list[Counter[str]]:
        return [term_counts(text) for text in self.texts]

    @cached_property
    def words(self) -> list[list[str]]:
        """Each text's words as the pieces are taken from them: split at white space, in lower case."""
        return [text.lower().split() for text in self.texts]


@dataclass(frozen=True)
class WordWeights:
    """Each known term's inverse document frequency, and that times its weight in the model."""

    terms: dict[str, tuple[float, float]]  # term -> (idf, idf * weight)

    def score(self, counts: Counter[str]) -> float:
        """The weights of the known terms, tf-idf weighted: counts dampened by a logarithm, the vector of known
        terms scaled to length 1."""
        weighted = squares = 0.0
        for term, count in counts.items():
            known = self.terms.get(term)
            if known:
                tf = 1.0 + math.log(count) if count > 1 else 1.0
                weighted += tf * known[1]
                squares += (tf * known[0]) ** 2
        return weighted / math.sqrt(squares) if squares else 0.0


class KnownPieces(NamedTuple):
    """A word's pieces that a model knows (each as often as the word has it), their weights and their squared
    idf, summed."""

    pieces: tuple[str, ...]
    weighted: float
    squares: float


@dataclass(frozen=True)
class PieceWeights(WordWeights):
    """The weights of the words' pieces (`word_pieces`), read a word at a time: what each of the recent
    words weighs is remembered (`KnownPieces`). The pieces are over a hundred for a question of 15 words, most
    looked up in a dictionary of 29,000 that the encoder's call has just pushed out of the processor's caches:
    155 µs a question looked up piece by piece, 84 µs with each word's known pieces remembered, ~20 µs with
    their sums (2026-12-06, covid-faq's questions each right after the encoder)."""

    # A cache of this instance's method, set in __post_init__ (a frozen dataclass sets it through object)
    _remembered: Callable[[str], KnownPieces] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_remembered", lru_cache(maxsize=8192)(self._of_word))

    def __reduce__(self) -> tuple[type[PieceWeights], tuple[dict[str, tuple[float, float]]]]:
        return PieceWeights, (self.terms,)  # made anew, with an empty cache (which cannot be pickled)

    def score_words(self, words: list[str]) -> float:
        """The weights of the words' known pieces, tf-idf weighted as `WordWeights.score` weighs them."""
        known = [self._remembered(w) if len(w) <= REMEMBERED_WORD else self._of_word(w) for w in words]
        weighted = sum(word.weighted for word in known)
        squares = sum(word.squares for word in known)
        pieces = list(chain.from_iterable(word.pieces for word in known))
        if len(set(pieces)) < len(pieces):  # a piece met n times counts 1 + log(n), not n
            for piece, count in Counter(pieces).items():
                if count > 1:
                    idf, weight = self.terms[piece]
                    tf = 1.0 + math.log(count)
                    weighted += (tf - count) * weight
                    squares += (tf * tf - count) * idf * idf
        return weighted / math.sqrt(squares) if squares > 0 else 0.0

    def _of_word(self, word: str) -> KnownPieces:
        known = [(piece, *self.terms[piece]) for piece in word_pieces(word) if piece in self.terms]
        return KnownPieces(
            tuple(piece for piece, _, _ in known),
            sum(weighted for _, _, weighted in known),
            sum(idf * idf for _, idf, _ in known),
        )


@dataclass(frozen=True)
class MessageModel:
    """Takes a message when one of its texts scores at least `threshold`."""

    encoder: str  # the name of the encoder whose vectors it was fitted on: another's mean nothing to it
    meaning: np.ndarray  # a weight per dimension of the encoder's unit vectors
    words: WordWeights
    bias: float
    threshold: float
    reads_parts: bool  # whether it reads a long message's parts too, or the whole message only
    fitted_on: str = ""  # a fingerprint of what it was fitted on (`bot/message_model_training.py`)
    characters: PieceWeights | None = None  # the words' pieces, for a model that reads them

    def scores(self, reading: MessageReading) -> np.ndarray:
        """A score per text it reads."""
        count = len(reading.texts) if self.reads_parts else 1
        by_words = np.fromiter((self._by_words(reading, i) for i in range(count)), dtype=np.float32, count=count)
        return reading.vectors[:count] @ self.meaning + by_words + self.bias

    def score(self, reading: MessageReading) -> float:
        """The best score of the texts it reads (a log-odds: 0 is even odds, as fitted with balanced classes)."""
        if not reading.texts:
            return -math.inf
        if len(reading.texts) == 1 or not self.reads_parts:  # most messages: one text, without numpy's overheads
            return float(reading.vectors[0] @ self.meaning) + self._by_words(reading, 0) + self.bias
        return float(self.scores(reading).max())

    def _by_words(self, reading: MessageReading, i: int) -> float:
        """The part of text i's score that its words (and their pieces) give."""
        by_words = self.words.score(reading.terms[i])
        return by_words + self.characters.score_words(reading.words[i]) if self.characters else by_words

    def takes(self, reading: MessageReading) -> bool:
        return self.score(reading) >= self.threshold

    def save(self, path: Path) -> None:
        terms = sorted(self.words.terms)
        pieces = sorted(self.characters.terms) if self.characters else []
        np.savez_compressed(
            path,
            pieces=np.array(pieces, dtype=str),
            pieces_idf=np.array([self.characters.terms[t][0] for t in pieces], dtype=np.float64),
            pieces_weighted_idf=np.array([self.characters.terms[t][1] for t in pieces], dtype=np.float64),
            encoder=np.array(self.encoder),
            fitted_on=np.array(self.fitted_on),
            meaning=self.meaning.astype(np.float32),
            terms=np.array(terms),
            idf=np.array([self.words.terms[t][0] for t in terms], dtype=np.float64),
            weighted_idf=np.array([self.words.terms[t][1] for t in terms], dtype=np.float64),
            bias=np.array(self.bias),
            threshold=np.array(self.threshold),
            reads_parts=np.array(self.reads_parts),
        )

    @classmethod
    def load(cls, path: Path) -> MessageModel:
        """The model saved at `path`; `MessageModelError` when there is none or it cannot be read."""
        try:
            with np.load(path, allow_pickle=False) as data:
                terms = [str(t) for t in data["terms"]]
                idf, weighted = data["idf"].tolist(), data["weighted_idf"].tolist()
                words = WordWeights(dict(zip(terms, zip(idf, weighted, strict=True), strict=True)))
                characters = None
                if "pieces" in data.files and len(data["pieces"]):  # a model fitted before session 42 has none
                    pieces = [str(t) for t in data["pieces"]]
                    idf, weighted = data["pieces_idf"].tolist(), data["pieces_weighted_idf"].tolist()
                    characters = PieceWeights(dict(zip(pieces, zip(idf, weighted, strict=True), strict=True)))
                return cls(
                    encoder=str(data["encoder"]),
                    meaning=data["meaning"],
                    words=words,
                    bias=float(data["bias"]),
                    threshold=float(data["threshold"]),
                    reads_parts=bool(data["reads_parts"]),
                    fitted_on=str(data["fitted_on"]),
                    characters=characters,
                )
        except (OSError, EOFError, ValueError, KeyError, BadZipFile) as error:
            raise MessageModelError(
                f"cannot read the message model {path} ({error}): refit it with `python -m "
                "bot.message_model_training --write`, or set BOT_MESSAGE_MODELS=off"
            ) from error


def model_for_encoder(path: Path, encoder: str, dimension: int) -> MessageModel | None:
    """The model saved at `path` if it was fitted on the vectors of `encoder` (`dimension` numbers each). With
    another model configured (BOT_MODEL), safety.yaml's phrases and examples read messages alone, and the log
    says so."""
    model = MessageModel.load(path)
    if model.encoder != encoder or model.meaning.shape != (dimension,):
        log.warning("%s was fitted on %s, not %s: phrases and examples only", path, model.encoder, encoder)
        return None
    return model


@dataclass(frozen=True)
class MessageModels:
    """The models the policy reads messages with, besides safety.yaml's phrases and examples. Each is saved
    in the models' folder as `<field name>.npz`."""

    red_flags: MessageModel | None = None  # red flags: the emergency message
    advice_requests: MessageModel | None = None  # the visitor's own medicines, doses, diagnosis: ask our clinicians

    @classmethod
    def load(cls, folder: Path | None, encoder: str, dimension: int) -> MessageModels:
        """The models saved in `folder` (None: no models)."""
        if folder is None:
            return cls()
        return cls(**{f.name: model_for_encoder(folder / f"{f.name}.npz", encoder, dimension) for f in fields(cls)})
