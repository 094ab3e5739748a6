"""Recognising what a question is by meaning: closer to one set of example questions than to another.

Phrase lists catch the words staff thought of; visitors use others ("my lip has gone white since the
filler"). Each `ExampleMatcher` compares the question's vector with example questions of its kind and
with counter-examples (questions that look alike but are not of that kind), nearest neighbour style.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np

from bot.replies import Intent
from bot.yaml_parsing import parse_yaml

Embed = Callable[[list[str]], np.ndarray]  # texts -> unit vectors
# Where a visitor's message breaks into parts: after a full stop, question or exclamation mark, semicolon or
# comma (capital letter or not: visitors type in lower case), at a line break, or at a dash between words
# (a hyphen with spaces around it, or the en or em dash phones put in).
_CLAUSE_END = re.compile(r"(?<=[.!?;,])\s+|\s*\n\s*|\s+-+\s+|\s*[–—]+\s*")
MIN_CLAUSE_WORDS = 3  # "hi," or "no pain," says nothing alone: it joins the next part
DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Closeness:
    """How close a question came to the examples and to the counter-examples."""

    example: float  # best cosine with an example
    counter: float  # best cosine with a counter-example
    nearest: str  # the closest example


@dataclass(frozen=True)
class MatchRule:
    """A question matches when it is at least `floor` close to an example and `margin` closer to it
    than to any counter-example, or `sure` close to an example whatever the counter-examples say. With a
    `distinct` rule, it also matches when it is at least `distinct.floor` close to an example and
    `distinct.margin` closer to it than to any counter-example: far from everything ordinary, a looser
    likeness is enough."""

    floor: float
    margin: float
    sure: float
    distinct: Distinct | None = None

    def matches(self, closeness: Closeness) -> bool:
        if closeness.example >= self.sure:
            return True
        lead = closeness.example - closeness.counter
        if closeness.example >= self.floor and lead >= self.margin:
            return True
        return self.distinct is not None and closeness.example >= self.distinct.floor and lead >= self.distinct.margin


@dataclass(frozen=True)
class Distinct:
    """A looser `floor` for a question that is `margin` closer to an example than to any counter-example."""

    floor: float
    margin: float


def split_clauses(message: str) -> list[str]:
    """A message's parts, as a visitor writes them ("hi what are your opening times, got this heavy pressure
    in my chest"): a red flag may be one part of a longer message about something else. (Passages are split
    by `passages.split_sentences`, which needs a capital letter after a full stop: pages are edited text.)"""
    clauses: list[str] = []
    for piece in filter(None, (p.strip() for p in _CLAUSE_END.split(message.strip()))):
        if clauses and len(clauses[-1].split()) < MIN_CLAUSE_WORDS:
            clauses[-1] = f"{clauses[-1]} {piece}"
        else:
            clauses.append(piece)
    if len(clauses) > 1 and len(clauses[-1].split()) < MIN_CLAUSE_WORDS:
        last = clauses.pop()
        clauses[-1] = f"{clauses[-1]} {last}"
    return clauses


class ExampleBank:
    """Every example and counter-example once, as the rows of one matrix: a question is compared with all
    of them in one product, whichever matchers then read its cosines (the kinds share many counter-examples,
    and one product of ~400 rows costs less than six smaller ones)."""

    def __init__(self, groups: Iterable[tuple[str, ...]], embed: Embed) -> None:
        texts = list(dict.fromkeys(text for group in groups for text in group))
        self.row_of = {text: row for row, text in enumerate(texts)}
        self.vectors = embed(texts) if texts else None

    def rows(self, texts: tuple[str, ...]) -> np.ndarray:
        return np.fromiter((self.row_of[text] for text in texts), dtype=np.int64, count=len(texts))

    def cosines(self, vectors: np.ndarray) -> np.ndarray:
        """Each example's cosine with each of `vectors` (a question, then its parts): a column each."""
        if self.vectors is None:
            return np.zeros((0, len(vectors)), dtype=np.float32)
        return self.vectors @ vectors.T


class ExampleMatcher:
    def __init__(
        self,
        examples: tuple[str, ...],
        counter: tuple[str, ...],
        rule: MatchRule,
        bank: ExampleBank,
        whole_counter: tuple[str, ...] = (),
    ) -> None:
        """`whole_counter`: the counter-examples whose closeness to a whole message also holds back its parts
        (see `matches`)."""
        self.examples = examples
        self.rule = rule
        self.example_rows = bank.rows(examples)
        self.counter_rows = bank.rows(counter)
        self.whole_counter_rows = bank.rows(whole_counter)

    def closeness(self, cosines: np.ndarray, counter: float | None = None) -> Closeness | None:
        """How close a question is to the examples and counter-examples, from its `cosines` with the bank
        (`counter`: that closeness, when the caller already has it)."""
        if not len(self.example_rows):
            return None
        sims = cosines[self.example_rows]
        best = int(sims.argmax())
        if counter is None:
            counter = float(cosines[self.counter_rows].max()) if len(self.counter_rows) else -1.0
        return Closeness(float(sims[best]), counter, self.examples[best])

    def matches(self, cosines: np.ndarray) -> Closeness | None:
        """The closeness of the first of a question and its parts (`cosines`: a column each) that
        matches, or None. A part is held against its own counter-examples and also against the whole
        message's closeness to `whole_counter`: "fainted at my last jab appointment last year" is history
        because of the rest of its message ("can i book one where i can lie down this time"). (Not against
        every counter-example: "do you do ear wax removal, my ear suddenly went deaf and the room is
        spinning" is close to a general question as a whole.)"""
        whole = self.closeness(cosines[:, 0]) if cosines.shape[1] else None
        if whole is None or self.rule.matches(whole):
            return whole
        whole_counter = float(cosines[self.whole_counter_rows, 0].max()) if len(self.whole_counter_rows) else -1.0
        for column in cosines.T[1:]:
            part = self.closeness(column)
            against = max(part.counter, whole_counter)
            if self.rule.matches(replace(part, counter=against)):
                return part
        return None


class IntentMatcher:
    """Small talk by meaning: thanks, goodbye and asking for a person, in their many forms."""

    def __init__(
        self, examples: dict[Intent, tuple[str, ...]], counter: tuple[str, ...], rule: MatchRule, bank: ExampleBank
    ) -> None:
        self.intents = list(examples)
        self.matchers = [ExampleMatcher(examples[i], (), rule, bank) for i in self.intents]
        self.counter_rows = bank.rows(counter)

    def intent(self, cosines: np.ndarray) -> Intent | None:
        """The intent of a question (`cosines`: its column of the bank), if it is small talk."""
        # The intents share their counter-examples: read once.
        counter = float(cosines[self.counter_rows].max()) if len(self.counter_rows) else -1.0
        best: tuple[float, Intent] | None = None
        for intent, matcher in zip(self.intents, self.matchers, strict=True):
            closeness = matcher.closeness(cosines, counter)
            if closeness and matcher.rule.matches(closeness) and (best is None or closeness.example > best[0]):
                best = (closeness.example, intent)
        return best[1] if best else None


@cache
def small_talk_examples() -> dict[Intent, tuple[str, ...]]:
    """The shipped small-talk examples (bot/data/smalltalk.yaml): not clinic-specific."""
    raw = parse_yaml((DATA / "smalltalk.yaml").read_text("utf-8"))
    return {Intent(key): tuple(values) for key, values in raw.items()}


@cache
def calibration_questions() -> tuple[str, ...]:
    """Questions no clinic's own pages should answer (bot/data/calibration.yaml)."""
    raw = parse_yaml((DATA / "calibration.yaml").read_text("utf-8"))
    return tuple(dict.fromkeys(str(q) for group in raw.values() for q in group))
