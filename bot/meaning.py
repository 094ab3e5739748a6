"""Recognising what a question is by meaning: closer to one set of example questions than to another.

Phrase lists catch the words staff thought of; visitors use others ("my lip has gone white since the
filler"). Each `ExampleMatcher` compares the question's vector with example questions of its kind and
with counter-examples (questions that look alike but are not of that kind), nearest neighbour style.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import yaml

from bot.replies import Intent

Embed = Callable[[list[str]], np.ndarray]  # texts -> unit vectors
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
    than to any counter-example, or `sure` close to an example whatever the counter-examples say."""

    floor: float
    margin: float
    sure: float

    def matches(self, closeness: Closeness) -> bool:
        if closeness.example >= self.sure:
            return True
        return closeness.example >= self.floor and closeness.example - closeness.counter >= self.margin


class ExampleMatcher:
    def __init__(self, examples: tuple[str, ...], counter: tuple[str, ...], rule: MatchRule, embed: Embed) -> None:
        self.examples = examples
        self.rule = rule
        self.example_vectors = embed(list(examples)) if examples else None
        self.counter_vectors = embed(list(counter)) if counter else None

    def closeness(self, vector: np.ndarray, counter: float | None = None) -> Closeness | None:
        """How close `vector` is to the examples and counter-examples (`counter`: that closeness, when the
        caller already has it)."""
        if self.example_vectors is None:
            return None
        sims = self.example_vectors @ vector
        best = int(sims.argmax())
        if counter is None:
            counter = float((self.counter_vectors @ vector).max()) if self.counter_vectors is not None else -1.0
        return Closeness(float(sims[best]), counter, self.examples[best])

    def matches(self, vectors: np.ndarray) -> Closeness | None:
        """The closeness of the first of `vectors` (a question, then its parts) that matches, or None."""
        for vector in vectors:
            closeness = self.closeness(vector)
            if closeness and self.rule.matches(closeness):
                return closeness
        return None


class IntentMatcher:
    """Small talk by meaning: thanks, goodbye and asking for a person, in their many forms."""

    def __init__(
        self, examples: dict[Intent, tuple[str, ...]], counter: tuple[str, ...], rule: MatchRule, embed: Embed
    ) -> None:
        self.intents = list(examples)
        self.matchers = [ExampleMatcher(examples[i], (), rule, embed) for i in self.intents]
        self.counter_vectors = embed(list(counter)) if counter else None

    def intent(self, vector: np.ndarray) -> Intent | None:
        # The intents share their counter-examples: compared with the question once.
        counter = float((self.counter_vectors @ vector).max()) if self.counter_vectors is not None else -1.0
        best: tuple[float, Intent] | None = None
        for intent, matcher in zip(self.intents, self.matchers, strict=True):
            closeness = matcher.closeness(vector, counter)
            if closeness and matcher.rule.matches(closeness) and (best is None or closeness.example > best[0]):
                best = (closeness.example, intent)
        return best[1] if best else None


@cache
def small_talk_examples() -> dict[Intent, tuple[str, ...]]:
    """The shipped small-talk examples (bot/data/smalltalk.yaml): not clinic-specific."""
    raw = yaml.safe_load((DATA / "smalltalk.yaml").read_text("utf-8"))
    return {Intent(key): tuple(values) for key, values in raw.items()}


@cache
def calibration_questions() -> tuple[str, ...]:
    """Questions no clinic's own pages should answer (bot/data/calibration.yaml)."""
    raw = yaml.safe_load((DATA / "calibration.yaml").read_text("utf-8"))
    return tuple(dict.fromkeys(str(q) for group in raw.values() for q in group))
