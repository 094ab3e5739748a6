"""Everyday words of visitors, bridged to the words a clinic's pages use (bot/data/visitor_words.yaml, and a
clinic's own under `visitor_words` in clinic.yaml).

"where are u" shares no word with a section called "Finding us and parking", and the model does not connect
them either. A question with a bridge's phrase also looks for the pages' words: the word search (BM25)
looks for them, and the question's vector is also read moved toward theirs (the retriever keeps the better
cosine of each passage).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache, lru_cache
from pathlib import Path

from bot.phrases import PhraseIndex, has_range, normalise, phrase_regex
from bot.spelling import write_out_chat
from bot.yaml_parsing import parse_yaml

SHIPPED = Path(__file__).parent / "data" / "visitor_words.yaml"
# Words of chat, not of a subject: a question with a word no page uses gets no pages' words ("how much is a
# tummy tuck" must not find the price list), but these say nothing about what is asked ("where r u exactly",
# "i cant find your car park": a page's "can't" is read as "can" and "t", a question's as "cant").
_CHAT_WORDS = """
im ive id ill youre hi hiya hey hello ok okay pls plz please thanks thank ta whats wats exactly just really
actually tomorrow today tonight got get getting wondering wonder quick question anyone someone anything
something thing bit lot like know want wanna gonna need mum dad husband wife partner hubby
cant dont doesnt didnt isnt wont wasnt arent havent hasnt couldnt wouldnt shouldnt theres thats hes shes
theyre weve youve yes yeah yep yup no nope nah
"""
# English's small words (pronouns, determiners, auxiliaries and everyday verbs, adverbs, prepositions) say
# nothing about a subject either: "which bus goes there", "is there anywhere to park", "can u come out to
# his care home". The word search's stop words (bm25s's 33) leave most of them counted.
_FUNCTION_WORDS = """
he him his her hers she them themselves their theirs our ours us we you your yours yourself yourselves myself
ourselves me mine
its itself who whom whose which what when where why how here those each every either neither any anywhere
somewhere everywhere anybody somebody everyone everything nothing nowhere all both few more most other
another own same such am been being did does doing done go goes going went gone come comes coming came make
makes made making take takes took taken put let lets now then already still yet again ever never always often
also too very quite rather even only about above after against before behind below between down during from
near off out over past since through till until under upon within without because unless whether
while although though than can could may might must shall should would yes yeah nope
"""
CHAT_WORDS = frozenset(_CHAT_WORDS.split()) | frozenset(_FUNCTION_WORDS.split())


class Subject(Enum):
    """What a bridge's phrases ask about: the sections of visitor_words.yaml."""

    THE_CLINIC = "the_clinic"  # "where r u", "do you take card"
    A_SERVICE = "a_service"  # "std test", "mozzies": a service of its own, whatever page the visitor is on
    A_TREATMENT = "a_treatment"  # "how much is", "jabs": the page's or the last answer's treatment, if none is named


@dataclass(frozen=True)
class WordBridge:
    visitor: tuple[str, ...]  # phrases as visitors type them
    pages: str  # the words pages use for the same thing
    subject: Subject = Subject.A_TREATMENT

    @property
    def reads_alone(self) -> bool:
        """Whether a question with the phrases is read without the page the visitor is on or the last answer."""
        return self.subject is not Subject.A_TREATMENT

    @property
    def about_the_clinic(self) -> bool:
        """Whether the phrases ask about the clinic as a whole: such a question is answered a little below the
        threshold (`PolicySettings.clinic_question_band`)."""
        return self.subject is Subject.THE_CLINIC


def read_bridges(lines: object, subject: Subject = Subject.A_TREATMENT) -> tuple[WordBridge, ...]:
    """Bridges from their YAML form, a mapping of lines "visitors' phrases, separated by commas: the pages'
    words". Raises ValueError, saying what is wrong, for anything else."""
    example = "like 'jabs, shots: vaccinations'"
    if not isinstance(lines, dict):
        raise ValueError(f"must pair visitors' words with the pages' words, {example}")
    bridges = []
    for visitor, pages in lines.items():
        phrases = [phrase.strip() for phrase in str(visitor).split(",") if normalise(phrase)]
        if not isinstance(visitor, str) or not phrases or not isinstance(pages, str) or not normalise(pages):
            raise ValueError(f"must pair visitors' words with the pages' words, {example} (see '{visitor}')")
        # safety.yaml's phrase syntax: here it would widen a line without anyone seeing it.
        odd = [phrase for phrase in phrases if any(mark in phrase for mark in ("|", "...", "~")) or has_range(phrase)]
        if odd:
            raise ValueError(f"takes words, not '|', '...', '~' or a range of numbers: {', '.join(odd)}")
        # Questions are read with their chat spellings written out ("where r u" as "where are you"): so are
        # the phrases, whoever wrote them.
        written_out = dict.fromkeys(write_out_chat(phrase) for phrase in phrases)
        bridges.append(WordBridge(tuple(written_out), pages.strip(), subject))
    return tuple(bridges)


class VisitorWords:
    def __init__(self, bridges: tuple[WordBridge, ...]) -> None:
        self.bridges = bridges
        # Looked for by first word, as emergency phrases are (~500 phrases: about 10 µs a question).
        self.phrases = PhraseIndex(tuple(phrase for bridge in bridges for phrase in bridge.visitor))
        # A match's pattern (`match.re.pattern`) is its phrase's: each bridge with that phrase (two lines may
        # share one, or spell it alike: "can't come" and "cant come").
        self.bridges_of: dict[str, list[WordBridge]] = {}
        for bridge in bridges:
            for phrase in bridge.visitor:
                self.bridges_of.setdefault(phrase_regex(phrase, capture=True), []).append(bridge)

    def find(self, question: str) -> Found:
        """The bridges whose everyday phrases `question` has, and the rest of the (normalised) question, both
        with chat spellings written out."""
        text = normalise(write_out_chat(question))
        found: dict[WordBridge, None] = {}  # each once, in the order found
        taken = bytearray(len(text))  # 1 for each character of a phrase's own words (not of its gaps)
        match = self.phrases.search(text) if self.phrases else None
        while match:
            for each in self.phrases.each_at(text, match.start()):
                found.update(dict.fromkeys(self.bridges_of[each.re.pattern]))
                for group in range(1, each.re.groups + 1):
                    start, end = each.span(group)
                    taken[start:end] = b"\1" * (end - start)
            match = self.phrases.search(text, match.start() + 1)
        if not found:
            return Found((), text)
        rest = "".join(char if not taken[i] else " " for i, char in enumerate(text))
        return Found(tuple(found), " ".join(rest.split()))


@dataclass(frozen=True)
class Found:
    bridges: tuple[WordBridge, ...]  # those whose phrases a question has
    rest: str  # the question's words outside those phrases

    @property
    def pages(self) -> str:
        """The pages' words of the bridges found ("" for none)."""
        return " ".join(bridge.pages for bridge in self.bridges)


@cache
def shipped_bridges() -> tuple[WordBridge, ...]:
    sections = parse_yaml(SHIPPED.read_text("utf-8"))
    return tuple(bridge for subject in Subject for bridge in read_bridges(sections[subject.value], subject))


@lru_cache(maxsize=8)
def word_bridges(clinic: tuple[WordBridge, ...] = ()) -> VisitorWords:
    """The shipped bridges with a clinic's own (from clinic.yaml), built once for each clinic's lines."""
    return VisitorWords(shipped_bridges() + clinic)
