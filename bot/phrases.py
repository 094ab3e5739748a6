"""Phrases staff write in safety.yaml, found word for word in a visitor's message.

Matching ignores capitals and punctuation; "..." in a phrase stands for up to four words.
"""

from __future__ import annotations

import re
from datetime import date


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped (can't → cant), everything else not a letter or digit a space."""
    text = text.lower().replace("’", "").replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


class PhraseMatcher:
    """Finds any of a list of phrases in a text; '...' in a phrase stands for up to four words. A phrase
    `unless` excuses the phrases that share its own words ("tooth ... grey" excuses the "gone grey" of
    "my tooth has gone grey"), not those in its gap ("tooth out, cant breathe, lips grey" still matches
    "cant breathe"); it must hold the whole phrase it excuses. A `history` rule excuses some phrases
    spoken of as the past or asked about in general."""

    def __init__(
        self, phrases: tuple[str, ...], unless: tuple[str, ...] = (), history: HistoryRule | None = None
    ) -> None:
        self.pattern = _phrases_pattern(phrases)
        self.each = [_phrase_pattern(phrase) for phrase in phrases]
        self.unless = [_phrase_pattern(phrase, capture=True) for phrase in unless]
        self.history = history

    def find(self, text: str) -> str | None:
        if not self.pattern:
            return None
        text = normalise(text)
        match = self.pattern.search(text)
        if match is None:  # most messages: no need to look for excuses
            return None
        excusing = [excuse for pattern in self.unless for excuse in pattern.finditer(text)]

        def excused(match: re.Match[str]) -> bool:
            return any(_excuses(excuse, match) for excuse in excusing) or bool(
                self.history and self.history.excuses(match, text)
            )

        while match:
            if not excused(match):
                return match.group(0)
            # A longer phrase may start at the same word and not be excused: the history rule excuses
            # "collapsed", not "collapsed and isnt breathing".
            at_start = (pattern.match(text, match.start()) for pattern in self.each)
            for other in filter(None, at_start):
                if not excused(other):
                    return other.group(0)
            match = self.pattern.search(text, match.start() + 1)
        return None


class HistoryRule:
    """Emergency phrases that visitors also use of their past or in general ("my dad uses a wheelchair since
    his stroke in 2019", "is there any risk of stroke with neck manipulation?"): one of these `phrases` with
    a phrase of `past_or_general` (or a year up to this one) within `near` words of it raises no alarm by
    itself, unless the message has a phrase of `happening_now` anywhere ("...and now his face has dropped").
    The message is still read by its meaning, and other emergency phrases still count."""

    near = 8  # words: "fainted at my last jab appointment last year"

    def __init__(
        self, phrases: tuple[str, ...], past_or_general: tuple[str, ...], happening_now: tuple[str, ...]
    ) -> None:
        self.phrases = _phrases_pattern(phrases)
        self.past_or_general = _phrases_pattern(past_or_general)
        self.happening_now = _phrases_pattern(happening_now)

    def excuses(self, match: re.Match[str], text: str) -> bool:
        """Whether the emergency phrase `match` in the normalised `text` is history or a general question."""
        if not (self.phrases and self.phrases.fullmatch(match.group(0))):
            return False
        if self.happening_now and self.happening_now.search(text):
            return False
        before = text[: match.start()].split()[-self.near :]
        after = text[match.end() :].split()[: self.near]
        around = " ".join([*before, match.group(0), *after])
        past_year = any(int(year) <= date.today().year for year in _YEAR.findall(around))
        return past_year or bool(self.past_or_general and self.past_or_general.search(around))


_YEAR = re.compile(r"\b(?:in|since|from)\s(19[5-9][0-9]|20[0-9][0-9])\b")  # "since his stroke in 2019", not "at 1955"


def _excuses(excuse: re.Match[str], match: re.Match[str]) -> bool:
    """Whether `match` lies within `excuse` and shares one of its phrase's own words (not only its gap)."""
    start, end = match.span()
    if not (excuse.start() <= start and end <= excuse.end()):
        return False
    own_words = [excuse.span(group) for group in range(1, (excuse.re.groups or 0) + 1)]
    return any(start < word_end and word_start < end for word_start, word_end in own_words)


def _phrase_pattern(phrase: str, capture: bool = False) -> re.Pattern[str]:
    parts = [re.escape(normalise(part)) for part in phrase.split("...")]
    parts = [f"({part})" if capture else part for part in parts if part]
    return re.compile(r"\b" + r"(?:\s\S+){0,4}\s".join(parts) + r"\b")


def _phrases_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    patterns = [_phrase_pattern(phrase).pattern[2:-2] for phrase in phrases if normalise(phrase.replace("...", " "))]
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b") if patterns else None


# Words by which a visitor speaks of themselves or of someone in their care ("my antibiotics", "I'm on
# warfarin", "husband is on clopidogrel").
_OWN = re.compile(r"\b(i|im|ive|id|my|me|mine|myself|husband|wife|partner|son|daughter)\b")


class OwnHealthMatcher:
    """A question about the visitor's own medicines or health: it names a medicine or a condition
    ("I'm on warfarin", "I have psoriasis, can I…") and speaks of themselves."""

    def __init__(self, words: tuple[str, ...]) -> None:
        self.words = PhraseMatcher(words)

    def find(self, text: str) -> str | None:
        found = self.words.find(text)
        return found if found and _OWN.search(normalise(text)) else None
