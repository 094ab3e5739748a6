"""Redaction on visitors' own phrasings: tests/redaction_cases.txt marks what identifies a person.

Recall counts the marked details that were removed whole; over-redaction counts the other words that were
removed, and the ordinary questions that were changed at all. To print the figures:
    .venv/bin/python -m pytest tests/test_redaction.py -q -s -k figures
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.redaction import Tag, find_spans, redact

CASES = Path(__file__).with_name("redaction_cases.txt")
MARK = re.compile(r"\[\[(.+?)\]\]")
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Case:
    text: str
    details: tuple[tuple[int, int], ...]  # what must be removed, as character ranges of `text`


def load_cases() -> list[Case]:
    cases = []
    for line in CASES.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, details, position = "", [], 0
        for match in MARK.finditer(line):
            text += line[position : match.start()]
            details.append((len(text), len(text) + len(match.group(1))))
            text += match.group(1)
            position = match.end()
        cases.append(Case(text + line[position:], tuple(details)))
    return cases


@dataclass(frozen=True)
class Figures:
    details: int
    details_removed: int
    other_words: int
    other_words_removed: int
    ordinary: int
    ordinary_changed: int
    missed: tuple[str, ...]
    over: tuple[str, ...]

    @property
    def recall(self) -> float:
        return self.details_removed / self.details

    @property
    def over_redaction(self) -> float:
        return self.other_words_removed / self.other_words

    @property
    def ordinary_changed_share(self) -> float:
        return self.ordinary_changed / self.ordinary


def measure(cases: list[Case]) -> Figures:
    details = removed = other = other_removed = ordinary = ordinary_changed = 0
    missed, over = [], []
    for case in cases:
        covered = [False] * len(case.text)
        for span in find_spans(case.text):
            covered[span.start : span.end] = [True] * (span.end - span.start)
        for start, end in case.details:
            details += 1
            words = [m for m in WORD.finditer(case.text, start, end)]
            if all(all(covered[m.start() : m.end()]) for m in words):
                removed += 1
            else:
                missed.append(f"{case.text[start:end]!r} in {redact(case.text)!r}")
        for word in WORD.finditer(case.text):
            if any(start <= word.start() < end for start, end in case.details):
                continue
            other += 1
            if any(covered[word.start() : word.end()]):
                other_removed += 1
                over.append(f"{word.group()!r} in {redact(case.text)!r}")
        if not case.details:
            ordinary += 1
            ordinary_changed += redact(case.text) != case.text
    return Figures(details, removed, other, other_removed, ordinary, ordinary_changed, tuple(missed), tuple(over))


CASES_LOADED = load_cases()


def test_the_case_set_is_big_and_covers_every_kind():
    with_details = [case for case in CASES_LOADED if case.details]
    assert len(CASES_LOADED) >= 150 and len(with_details) >= 100 and len(CASES_LOADED) - len(with_details) >= 50
    tags = {span.tag for case in with_details for span in find_spans(case.text)}
    assert tags >= set(Tag) - {Tag.NUMBER}


def test_recall_and_over_redaction():
    figures = measure(CASES_LOADED)
    assert figures.recall >= 0.95, "\n".join(figures.missed)
    assert figures.over_redaction <= 0.01, "\n".join(figures.over)
    assert figures.ordinary_changed_share <= 0.02, "\n".join(figures.over)


def test_figures(capsys):
    """Prints the figures (run with -s -k figures)."""
    figures = measure(CASES_LOADED)
    start = time.perf_counter()
    for case in CASES_LOADED:
        redact(case.text)
    per_question_ms = (time.perf_counter() - start) * 1000 / len(CASES_LOADED)
    with capsys.disabled():
        print(
            f"\nredaction: {len(CASES_LOADED)} questions; recall {figures.recall:.3f} "
            f"({figures.details_removed}/{figures.details} details removed whole); over-redaction "
            f"{figures.over_redaction:.3f} ({figures.other_words_removed}/{figures.other_words} other words removed); "
            f"ordinary questions changed {figures.ordinary_changed}/{figures.ordinary}; "
            f"{per_question_ms:.2f} ms a question"
        )
        for line in figures.missed:
            print("  missed:", line)
        for line in figures.over:
            print("  over-redacted:", line)
    assert figures.details > 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i'm 47 with diabetes, can I have microneedling?", "i'm [age] with diabetes, can I have microneedling?"),
        ("my email is jane dot smith at gmail dot com", "my email is [email]"),
        ("hi my name is Jane Smith and I want botox", "hi my name is [name] and I want botox"),
        ("MRN A1234567, NHS number 943 476 5919", "MRN [id], NHS number [id]"),
        ("I live at 221B Baker Street, SW1A 1AA", "I live at [address], [postcode]"),
        ("born on the third of march 1985", "born on [date]"),
        ("is the Baker Street clinic open?", "is the Baker Street clinic open?"),
    ],
)
def test_what_is_kept(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    ["1-" * 500, "a" + " " * 998 + "b", "a dot " * 166, "jane dot smith at gmail dot " * 37, "(1" * 500, "a." * 500],
)
def test_no_question_makes_redaction_slow(text):
    """Questions are up to 1,000 characters; none may make the patterns backtrack for long (a string of
    "1-" took 0.7 s before the e-mail patterns were made possessive)."""
    start = time.perf_counter()
    redact(text[:1000])
    assert time.perf_counter() - start < 0.2
