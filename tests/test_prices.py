"""A question that asks what something costs, and the passages that state a price of it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bot.assistant import Assistant, AssistantConfig
from bot.lexical import WordTable
from bot.passages import Passage
from bot.prices import PriceLines, asks_the_price, price_lines
from bot.replies import Context, ReplyKind
from bot.retrieval import Retriever
from bot.suites import section_of
from bot.visitor_words import word_bridges

MOLES = """---
title: Mole removal
url: https://www.example-skin.test/mole-removal
---

Our dermatologists remove moles for medical and cosmetic reasons, usually in a single visit.

## How mole removal works

After a numbing injection, the dermatologist shaves the mole flat or cuts it out with a small stitch. It takes
about twenty minutes, and every mole we remove is sent to the laboratory to be checked.

## Looking after the wound

Keep the dressing on and dry for two days. A small scab forms and falls off within a couple of weeks.
"""

PRICES = """---
title: Prices
url: https://www.example-skin.test/prices
---

Our prices include the consultation and any laboratory checks.

## Our prices

| Treatment | Price |
|---|---|
| Mole removal, first mole | £295 |
| Each further mole | £95 |
| Skin tag removal, up to five tags | £150 |
| Full skin check with photographs | £220 |

## Spreading the cost

You can pay in three monthly instalments, interest free, for any treatment over £250: the first when you
book, the other two a month and two months later.
"""


def test_a_price_is_stated_in_a_line_a_sentence_or_a_table_row():
    text = "We remove moles.\n| Mole removal | £295 | | Each further mole | £95 |\nIt costs $40. Free parking."
    assert price_lines(text) == ["| Mole removal | £295 ", " Each further mole | £95 |", "It costs $40."]


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("how much is mole removal", True),
        ("mole removal price?", True),
        ("whats the fee for a skin check", True),
        ("how long does mole removal take", False),
        ("can i spread the cost", False),  # finance
        ("how much is the deposit", False),  # a deposit
        ("who is in charge", False),
        ("is it free of charge", False),
    ],
)
def test_a_question_asks_the_price_unless_it_asks_about_other_money(question, asks):
    assert asks_the_price(question, word_bridges().find(question).bridges) is asks


def test_a_passage_states_a_price_of_what_its_price_line_or_heading_names():
    table = WordTable()
    passages = [
        Passage("p.md#0", "p.md", "Prices", None, ("Our prices",), "| Mole removal | £295 | | Skin tags | £150 |"),
        Passage("p.md#1", "p.md", "Prices", None, ("Skin tags",), "Up to five for £150."),
        Passage("m.md#0", "m.md", "Moles", None, ("How mole removal works",), "The dermatologist shaves the mole."),
        Passage("m.md#1", "m.md", "Moles", None, ("Cost",), "From £195, with the laboratory check."),
    ]
    for passage in passages:
        table.text_words(f"{passage.title} {passage.heading} {passage.text}")
    lines = PriceLines(passages, table)
    rows = np.arange(4)

    def terms(text: str) -> set[int]:
        return set(table.query_terms(text))

    assert lines.state_a_price_of(terms("mole removal"), rows).tolist() == [True, False, False, False]
    assert lines.state_a_price_of(terms("mole"), rows).tolist() == [True, False, False, False]
    assert lines.state_a_price_of(terms("tags"), rows).tolist() == [True, True, False, False]
    # "prices?" gets the price list: the passage with the most prices, two at least.
    assert lines.price_list(rows).tolist() == [True, False, False, False]
    assert lines.price_list(rows[1:]).tolist() == [False, False, False]


def replace_bonus(retriever: Retriever, bonus: float) -> Retriever:
    retriever.settings = replace(retriever.settings, price_bonus=bonus)
    return retriever


@pytest.fixture(scope="module")
def skin_clinic(encoder, seeded_cache, tmp_path_factory) -> Iterator[Assistant]:
    root = tmp_path_factory.mktemp("skin-clinic")
    knowledge = shutil.copytree(Path(__file__).parent.parent / "knowledge", root / "knowledge")
    (knowledge / "microneedling.md").unlink()
    (knowledge / "mole-removal.md").write_text(MOLES, "utf-8")
    (knowledge / "prices.md").write_text(PRICES, "utf-8")
    assistant = Assistant(AssistantConfig(knowledge, seeded_cache(root / "instance")), encoder=encoder)
    yield assistant
    assistant.close()


@pytest.mark.parametrize(
    ("question", "context", "section"),
    [
        ("how much is mole removal", None, "prices.md > Our prices"),
        ("how much is it", Context(page="https://www.example-skin.test/mole-removal"), "prices.md > Our prices"),
        ("prices?", None, "prices.md > Our prices"),
        ("can i spread the cost", None, "prices.md > Spreading the cost"),
        ("how long does mole removal take", None, "mole-removal.md > How mole removal works"),
        # Words of everyday phrases other than for prices name what is asked about: not the price list.
        ("how much will it be painful", Context(page="https://www.example-skin.test/mole-removal"), None),
    ],
)
def test_a_price_question_gets_the_line_that_prices_what_it_names(skin_clinic, question, context, section):
    answer = skin_clinic.answer(question, context)
    if section is None:
        assert not answer.sources or section_of(answer) != "prices.md > Our prices"
    else:
        assert answer.kind == ReplyKind.ANSWER and section_of(answer) == section


def test_a_price_of_something_no_page_names_gains_nothing(skin_clinic):
    retriever = skin_clinic.snapshot.policy.retriever
    shipped = retriever.settings
    try:
        for question in ("tummy tuck price", "how much is a tummy tuck", "how much is parking"):
            plain = replace_bonus(retriever, 0.0).run(question, k=3)
            priced = replace_bonus(retriever, shipped.price_bonus).run(question, k=3)
            assert [h.score for h in plain.hits] == [h.score for h in priced.hits], question
    finally:
        retriever.settings = shipped
