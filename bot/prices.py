"""Prices: a question that asks what something costs prefers the passages that state a price of it.

"how much is lasik" is closer in meaning to "How LASIK works" than to the price list, whose row
"| LASIK | £1,995 |" says little else; and "how much is it" on the tonsillectomy page is closer to "The
day of surgery". A passage states a price of what the question names when one of its lines or sentences
(a table's row) has an amount of money and, in it or in the passage's heading, a word the question names;
a question that names nothing but the price ("prices?") asks for the price list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from bot.lexical import WordTable
from bot.passages import Passage
from bot.visitor_words import WordBridge

# Not "charge": "who is in charge", "free of charge" ("what do you charge" is an everyday phrase for prices).
PRICE_WORDS = frozenset({"price", "prices", "cost", "costs", "fee", "fees", "charges"})
_AMOUNT = re.compile(r"[£$€]\s?\d")
# Sentences, and a table's rows: a passage's text holds a table on one line ("| LASIK | £1,995 | | SMILE | ...").
_PARTS = re.compile(r"(?<=[.!?])\s+|\|\s*\|")
_WORD = re.compile(r"[a-z]+")
# "prices?" asks for a price list: a passage that states two prices or more (on the 32 visitor suites, 7
# of 9 such questions answered right, none lost, session 34).
PRICE_LIST_LINES = 2


def price_lines(text: str) -> list[str]:
    """The lines, sentences and table rows of a text that state an amount of money."""
    return [part for line in text.splitlines() for part in _PARTS.split(line) if _AMOUNT.search(part)]


def asks_the_price(question: str, bridges: Iterable[WordBridge]) -> bool:
    """Whether a question asks what something costs: it has an everyday phrase for price words only ("how much
    is") or a price word of its own ("lasik price"), and no phrase for other words about money ("spread the
    cost" asks about finance, "how much is the deposit" about a deposit)."""
    money = [words for words in (frozenset(b.pages.split()) for b in bridges) if words & PRICE_WORDS]
    if any(not words <= PRICE_WORDS for words in money):
        return False
    return bool(money) or bool(PRICE_WORDS.intersection(_WORD.findall(question.lower())))


def price_phrase_words(bridges: Iterable[WordBridge]) -> frozenset[str]:
    """The words of the everyday phrases for price words only ("how", "much", "is"): they name nothing priced."""
    return frozenset(
        word
        for bridge in bridges
        if frozenset(bridge.pages.split()) <= PRICE_WORDS
        for phrase in bridge.visitor
        for word in phrase.split()
    )


class PriceLines:
    """The terms of each passage's lines that state a price, each with its heading's (a price list's row names
    what it prices). Not with its page's title, which names every price of its page: with it, "how much is
    it" asked on a skin clinic's acne page got the mole removal price (the one change on the 32 visitor
    suites, session 34)."""

    def __init__(self, passages: list[Passage], table: WordTable) -> None:
        self.price_terms = frozenset(table.query_terms(" ".join(PRICE_WORDS)))
        self._lines = [
            tuple(
                frozenset(table.query_terms(f"{passage.heading} {line}"))
                for line in price_lines(passage.text)
            )
            for passage in passages
        ]

    def state_a_price_of(self, named: set[int], rows: np.ndarray) -> np.ndarray:
        """For each row, whether one of its price lines has one of the `named` terms."""
        stated = (any(named & line for line in self._lines[row]) for row in rows)
        return np.fromiter(stated, dtype=bool, count=len(rows))

    def price_list(self, rows: np.ndarray) -> np.ndarray:
        """For each row, whether it states the most prices of the rows, and at least PRICE_LIST_LINES."""
        counts = np.fromiter((len(self._lines[row]) for row in rows), dtype=np.int64, count=len(rows))
        most = counts.max(initial=0)
        return (counts == most) & (most >= PRICE_LIST_LINES)
