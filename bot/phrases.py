"""Phrases staff write in safety.yaml, found word for word in a visitor's message.

Matching ignores capitals and punctuation; "..." in a phrase stands for up to four words, "a|b" for either
phrase, and a range of numbers ("12-60") for each number in it.
"""

from __future__ import annotations

import math
import re
from datetime import date
from functools import cached_property, lru_cache


@lru_cache(maxsize=256)
def normalise(text: str) -> str:
    """Lower case, apostrophes dropped (can't → cant), everything else not a letter or digit a space.
    Remembered for the last texts: one message is normalised by each of the policy's phrase lists."""
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
        self.phrases = PhraseIndex(phrases)
        self.unless_phrases = unless
        self.history = history

    @cached_property
    def unless(self) -> list[re.Pattern[str]]:
        """The excuses' patterns, compiled when a phrase is first found (see PhraseIndex)."""
        return [phrase_pattern(phrase, capture=True) for phrase in self.unless_phrases]

    def find(self, text: str) -> str | None:
        if not self.phrases:
            return None
        text = normalise(text)
        match = self.phrases.search(text)
        if match is None:  # most messages: no need to look for excuses
            return None
        excusing = [excuse for pattern in self.unless for excuse in pattern.finditer(text)]

        def excused(match: re.Match[str]) -> bool:
            return any(_excuses(excuse, match) for excuse in excusing) or bool(
                self.history and self.history.excuses(match, text)
            )

        while match:
            # Every phrase found at this word, the first one first: another may not be excused (the
            # history rule excuses "collapsed", not "collapsed and isnt breathing").
            for found in self.phrases.each_at(text, match.start()):
                if not excused(found):
                    return found.group(0)
            match = self.phrases.search(text, match.start() + 1)
        return None


class PhraseIndex:
    """Phrases as one pattern per first word. A phrase can only start at a word spelt like its first one,
    so a message is searched with the phrases that start with one of its words, not with all of them:
    the same matches as one pattern of every phrase, about 5x faster (625 emergency phrases, 884 messages
    of the safety sets: 66 → 13 µs a message).

    A word's pattern is compiled the first time a message has that word, not when the index is made: a new
    server process compiled the shipped safety.yaml's ~5,000 patterns (~2.7 s of its start) before its first
    answer, and most of them no visitor's message ever needs."""

    def __init__(self, phrases: tuple[str, ...]) -> None:
        by_first_word: dict[str, list[str]] = {}
        for phrase in phrases:
            parts = _phrase_parts(phrase)
            first_words = dict.fromkeys(alternative.split()[0] for alternative in parts[0]) if parts else {}
            for word in first_words:
                by_first_word.setdefault(word, []).append(phrase)
        self.phrases_by_first_word = {word: tuple(each) for word, each in by_first_word.items()}
        self._patterns: dict[str, re.Pattern[str]] = {}  # by first word, as compiled

    def __bool__(self) -> bool:
        return bool(self.phrases_by_first_word)

    def pattern_for(self, word: str) -> re.Pattern[str] | None:
        """One pattern of the phrases starting with `word` (None when none does)."""
        pattern = self._patterns.get(word)
        if pattern is None:
            phrases = self.phrases_by_first_word.get(word)
            if not phrases:
                return None
            pattern = _any_of(tuple(phrase_regex(phrase, capture=True)[2:-2] for phrase in phrases))
            self._patterns[word] = pattern  # another thread may compile it too: the same pattern, from the cache
        return pattern

    def search(self, text: str, start: int = 0) -> re.Match[str] | None:
        """The first phrase found in the normalised `text` from `start` on (the leftmost; of those
        starting at the same word, the first listed)."""
        first_words = self.phrases_by_first_word
        for word, at in words_and_starts(text):
            if at >= start and word in first_words:
                match = self.pattern_for(word).match(text, at)
                if match:
                    return match
        return None

    def each_at(self, text: str, start: int) -> list[re.Match[str]]:
        """Each phrase found starting at `start` (a word's start), in the order listed, its own words
        (each part between "...") as groups."""
        word = _WORD_START.match(text, start)
        phrases = self.phrases_by_first_word.get(word.group(), ()) if word else ()
        return [m for m in (phrase_pattern(phrase, capture=True).match(text, start) for phrase in phrases) if m]


_WORD_START = re.compile(r"\b[a-z0-9]+")


@lru_cache(maxsize=256)
def words_and_starts(text: str) -> tuple[tuple[str, int], ...]:
    """Each word of a normalised text with where it starts. Remembered for the last texts: the policy's
    phrase lists all search the same message."""
    return tuple((word.group(), word.start()) for word in _WORD_START.finditer(text))


class HistoryRule:
    """Emergency phrases that visitors also use of their past or in general ("my dad uses a wheelchair since
    his stroke in 2019", "is there any risk of stroke with neck manipulation?"): one of these `phrases` with
    a phrase of `past_or_general` (or a year up to this one) within `near` words of it raises no alarm by
    itself, unless the message has a phrase of `happening_now` anywhere ("...and now his face has dropped")
    other than a word of the emergency phrase itself.
    The message is still read by its meaning, and other emergency phrases still count."""

    # Words either side: "fainted at my last jab appointment last year". (12 was measured in session 30: two
    # fewer ordinary worries alarmed, but a read-only review found "my dad collapsed at the bus stop, he had a
    # scan with you last year" excused.)
    near = 8

    def __init__(
        self, phrases: tuple[str, ...], past_or_general: tuple[str, ...], happening_now: tuple[str, ...]
    ) -> None:
        # By pattern, not by the words found: "cant breathe" is not excused because a looser phrase that
        # may be history would also fit those words.
        self.patterns = frozenset(phrase_regex(phrase, capture=True) for phrase in phrases)
        self.past_or_general_phrases = past_or_general
        self.happening_now_phrases = happening_now

    # Compiled when a phrase that may be history is first found (see PhraseIndex).
    @cached_property
    def past_or_general(self) -> re.Pattern[str] | None:
        return phrases_pattern(self.past_or_general_phrases)

    @cached_property
    def happening_now(self) -> re.Pattern[str] | None:
        return phrases_pattern(self.happening_now_phrases)

    def excuses(self, match: re.Match[str], text: str) -> bool:
        """Whether the emergency phrase `match` (found by PhraseIndex.each_at) in the normalised `text` is
        history or a general question."""
        if match.re.pattern not in self.patterns:
            return False
        if self._happening_now(match, text):
            return False
        before = _after_the_last_but(text[: match.start()].split()[-self.near :])
        after = text[match.end() :].split()[: self.near]
        around = " ".join([*before, match.group(0), *after])
        past_year = any(int(year) <= date.today().year for year in _YEAR.findall(around))
        return past_year or bool(self.past_or_general and self.past_or_general.search(around))

    def asked_in_general(self, text: str) -> bool:
        """Whether the message (normalised) has a phrase of `past_or_general` and nothing of `happening_now` but
        within it: "what should you do if a child swallows a button battery? doing a first aid refresher"."""
        if not self.past_or_general or not self.past_or_general.search(text):
            return False
        held = [past.span() for past in _each_match(self.past_or_general, text)]
        return not any(
            not any(start <= now.start() and now.end() <= end for start, end in held)
            for now in (self.happening_now.finditer(text) if self.happening_now else ())
        )

    def _happening_now(self, match: re.Match[str], text: str) -> bool:
        """Whether `text` has a phrase of `happening_now` that is more than a word of the emergency phrase found
        (`match`) or of a phrase of `past_or_general`: "pain" says it is happening, but not as the "pain" of
        "had chest pain last year". Words in the phrase's gap ("lasting" in "nosebleed ... hours") and around
        it ("just fainted") count."""
        if not self.happening_now:
            return False
        own_words = [match.span(group) for group in range(1, (match.re.groups or 0) + 1)]
        # Nor the "now" of "hes fine now", the "having" of "if someone was having": a phrase of
        # `past_or_general` holds them.
        if self.past_or_general:
            own_words += [past.span() for past in _each_match(self.past_or_general, text)]
        return any(
            not any(start <= now.start() and now.end() <= end for start, end in own_words)
            for now in self.happening_now.finditer(text)
        )


def _each_match(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """Every match of `pattern` starting at a word of `text`, overlapping ones too ("how would i know if" and
    "if someone was having")."""
    found = (pattern.match(text, word.start()) for word in _WORD_START.finditer(text))
    return [match for match in found if match]


def _after_the_last_but(words: list[str]) -> list[str]:
    """The words after the last "but": what comes before it is another clause, whose past does not excuse what
    follows ("it turned out to be anxiety last time but my son collapsed at football"), though a past after the
    phrase still does ("i had a heart attack but it was 10 years ago")."""
    return words[len(words) - words[::-1].index("but") :] if "but" in words else words


_YEAR = re.compile(r"\b(?:in|since|from)\s(19[5-9][0-9]|20[0-9][0-9])\b")  # "since his stroke in 2019", not "at 1955"


def _excuses(excuse: re.Match[str], match: re.Match[str]) -> bool:
    """Whether `match` lies within `excuse` and shares one of its phrase's own words (not only its gap).
    (Letting an excuse hold only one part of a phrase with "..." was measured and dropped: "my whole life"
    then excused "done with ... life" in "im so done with my whole life".)"""
    start, end = match.span()
    if not (excuse.start() <= start and end <= excuse.end()):
        return False
    own_words = [excuse.span(group) for group in range(1, (excuse.re.groups or 0) + 1)]
    return any(start < word_end and word_start < end for word_start, word_end in own_words)


# Between a phrase's parts: "..." stands for up to GAP_WORDS words; NEAR, which joins the lists of an
# emergency_together entry (bot/knowledge.py), for up to NEAR_WORDS. Words that are an emergency together are
# told in longer sentences than a phrase: "my poo is black and sticky since this morning and i feel really
# lightheaded", "had a polyp taken off last week and now im passing big clots". Measured in session 33 with
# 8 for every "...": on two blind clinics' 56 red flags, the together entries written for their seven misses
# caught all seven (at 4, none), with no more false alarms on 32 suites' 4,036 questions and one fewer of the
# 1,688 ordinary worries of the safety phrasings; plain phrases keep their 4, which staff write word for word.
GAP = "..."
NEAR = " ~ "
GAP_WORDS = 4
NEAR_WORDS = 8
_SEPARATOR = re.compile(r"\.\.\.|~")


def _phrase_pieces(phrase: str) -> list[tuple[list[str], int]]:
    """A phrase's parts (between "..." or NEAR), each as its normalised alternatives with the most words
    allowed before it ("swallow|swallowing ... hard" has two parts, the first with two). A range of whole
    numbers in an alternative stands for each of them ("12-60 paracetamol": "12 paracetamol", …)."""
    separators = _SEPARATOR.findall(phrase)
    pieces: list[tuple[list[str], int]] = []
    gap = 0
    for index, part in enumerate(_SEPARATOR.split(phrase)):
        if index:
            gap = max(gap, NEAR_WORDS if separators[index - 1] == NEAR.strip() else GAP_WORDS)
        alternatives = [normalise(w) for alternative in part.split("|") for w in _each_number(alternative)]
        alternatives = [w for w in alternatives if w]
        if alternatives:
            pieces.append((alternatives, gap if pieces else 0))
            gap = 0
    return pieces


def _phrase_parts(phrase: str) -> list[list[str]]:
    """A phrase's parts, each as its normalised alternatives (see _phrase_pieces)."""
    return [alternatives for alternatives, _ in _phrase_pieces(phrase)]


# A range may carry its unit ("1-500mg": "1mg" … "500mg"). Before session 36 such a range was read as written,
# and never matched: so were session 25's "1-500mg|1-500mcg" (now live) and an excuse's "at 1-12pm" (taken
# out: a code review found it would have excused "i dont think ill still be around at 5pm").
_RANGE = re.compile(r"\b(\d+)-(\d+)(?!\d)")
# At most this many numbers in one alternative's ranges together: "1-99999", or two wide ranges, would make a
# pattern of millions of alternatives. Such a range is read as written ("1 99999"), as is one that runs
# backwards ("5-3").
MAX_NUMBERS = 1000


def has_range(text: str) -> bool:
    """Whether `text` holds a range of numbers ("12-60"), which phrases read as each number in it."""
    return bool(_RANGE.search(text))


def _each_number(alternative: str) -> list[str]:
    """The alternative once for each number of its ranges ("12-60 paracetamol": "12 paracetamol", …), or as
    it is when it has none, or too many numbers in them."""
    ranges = [(int(low), int(high)) for low, high in _RANGE.findall(alternative)]
    if not ranges or any(low >= high for low, high in ranges):
        return [alternative]
    if math.prod(high - low + 1 for low, high in ranges) > MAX_NUMBERS:
        return [alternative]
    return _with_numbers(alternative, len(ranges))


def _with_numbers(text: str, ranges: int) -> list[str]:
    """`text` with its first range replaced by each of its numbers, and so on for its next `ranges` - 1 (only
    those counted: "1-2-99999" has one range, and its "1-99999" stays as written)."""
    found = _RANGE.search(text) if ranges else None
    if not found:
        return [text]
    before, after = text[: found.start()], text[found.end() :]
    numbers = range(int(found[1]), int(found[2]) + 1)
    return [expanded for n in numbers for expanded in _with_numbers(f"{before}{n}{after}", ranges - 1)]


# Patterns are compiled once a process (cached by phrase), and only when a message needs them (see
# PhraseIndex): a new Assistant, a live edit or a test's bot compiles only the phrases it has not seen. The
# shipped safety.yaml's take ~2.7 s to compile, which every new Assistant paid (measured 2026-12-04). The
# caches hold about twice what the shipped file's rules compiled for all 4,400 safety phrasings (1,748
# phrases and 937 first-word patterns, session 28), so that staff edits cannot grow them without end.
PATTERNS_KEPT = 4096


@lru_cache(maxsize=PATTERNS_KEPT)
def phrase_pattern(phrase: str, capture: bool = False) -> re.Pattern[str]:
    """A phrase's pattern, its own words (each part between "...") as groups when `capture`: what a match
    found by PhraseIndex.each_at is (`match.re`)."""
    return re.compile(phrase_regex(phrase, capture=capture))  # one cache key per phrase, as its other callers


@lru_cache(maxsize=2 * PATTERNS_KEPT)  # texts only: each phrase with and without its groups
def phrase_regex(phrase: str, capture: bool = False) -> str:
    """The text of `phrase_pattern(phrase, capture)`, without compiling it."""
    regex = ""
    for alternatives, gap in _phrase_pieces(phrase):
        words = [re.escape(word) for word in alternatives]
        pattern = words[0] if len(words) == 1 else f"(?:{'|'.join(words)})"
        if regex:
            regex += rf"(?:\s\S+){{0,{gap}}}\s"
        regex += f"({pattern})" if capture else pattern
    return rf"\b{regex}\b"


def phrases_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern finding any of `phrases` (as PhraseMatcher reads them) in a normalised text."""
    patterns = tuple(phrase_regex(phrase)[2:-2] for phrase in phrases if _phrase_parts(phrase))
    return _any_of(patterns) if patterns else None


@lru_cache(maxsize=PATTERNS_KEPT // 2)
def _any_of(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern matching any of `patterns` (phrase patterns without their outer word boundaries)."""
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b")


# Words by which a visitor speaks of themselves or of someone in their care ("my antibiotics", "I'm on
# warfarin", "husband is on clopidogrel").
_OWN = re.compile(r"\b(i|im|ive|id|my|me|mine|myself|husband|wife|partner|son|daughter)\b")
# Words by which a visitor says a parent has a condition or takes a medicine, right before its name ("dad has
# dementia and gp started donepezil"; not "mother has an appointment for her diabetes review", a read-only review).
_PARENT_HAS = (
    r"\b(?:mum|mom|mam|dad|nan|gran|grandad|grandma|granny|mother|father)s? (?:has|had|has got|was diagnosed with"
    r"|is diagnosed with|started|takes|took|is on|was on) (?:a |an |her |his )?"
)
# Words by which a visitor says someone takes a medicine ("i take", but not as in "can i take my meds on holiday":
# asking whether one may carry or use it, which advice phrases read when it is a dose or a mix). Carers speak of
# those in their care ("resident is on warfarin can she have cranberry capsules", a sixty-sixth safety set).
_TAKING = re.compile(
    r"\b(im on|i am on|ive been on|been on|hes on|shes on|he is on|she is on|were on|theyre on"
    r"|(?:mum|mom|mam|mother|dad|father|nan|gran|grandad|grandma|granny|husband|wife|partner|son|daughter|child"
    r"|kid|baby)s? (?:is )?on|(?:resident|client) (?:is )?on"
    r"|(?<!can )(?<!could )(?<!should )(?<!do )i take|he takes|she takes|they take|im taking|i am taking|hes taking"
    r"|shes taking|been taking|im using|been using)\b"
)
# Words by which a visitor asks whether to start one, right before its name ("should i try minoxidil", not
# "should i start avoiding antihistamines before my test").
_STARTING = r"\bshould i (?:try|start)(?: taking| using| on| with)? "


class OwnHealthMatcher:
    """A question about the visitor's own medicines or health: it names a medicine or a condition
    ("I'm on warfarin", "I have psoriasis, can I…") and speaks of themselves or says someone takes or has it
    ("resident is on warfarin", "dad has dementia"); or it names one of the `taken`
    medicines and says that someone takes it ("im on roaccutane", "she takes antihistamines every day") or
    asks whether to start it ("should i try minoxidil")."""

    def __init__(self, words: tuple[str, ...], taken: tuple[str, ...] = ()) -> None:
        self.words = PhraseMatcher(words)
        self.taken = PhraseMatcher(taken)

    def find(self, text: str) -> str | None:
        found = self.words.find(text)
        if found and (_OWN.search(normalise(text)) or _said_of_someone(found, normalise(text))):
            return found
        found = self.taken.find(text)
        if not found:
            return None
        text = normalise(text)
        return found if _TAKING.search(text) or re.search(_STARTING + re.escape(normalise(found)), text) else None


def _said_of_someone(found: str, text: str) -> bool:
    """Whether the normalised `text` says, right before the medicine or condition `found`, that someone takes it
    or a parent has it ("resident is on warfarin", "dad has dementia"; not "shes on holiday, can she still have her
    warfarin check")."""
    return bool(re.search(f"(?:{_TAKING.pattern} |{_PARENT_HAS}){re.escape(normalise(found))}", text))
