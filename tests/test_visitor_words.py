"""Everyday words bridged to the pages' words: shipped for any clinic, and a clinic's own in clinic.yaml."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.assistant import Assistant, AssistantConfig
from bot.knowledge import KnowledgeError, visitor_words_from_text
from bot.knowledge_files import validate
from bot.replies import ReplyKind
from bot.retrieval import Retriever
from bot.suites import section_of
from bot.visitor_words import SHIPPED, Found, Subject, VisitorWords, WordBridge, shipped_bridges
from tests.conftest import KNOWLEDGE, PROJECT, suite_assistant

CLINIC = "name: A\nphone: '1'\nemail: a@b.c\nbooking_url: https://a.test/book\n"


def test_a_bridge_adds_the_pages_words_and_leaves_the_rest_of_the_question():
    where = WordBridge(("where are you", "where r u"), "address directions")
    words = VisitorWords((where,))
    assert words.find("Where r u exactly?") == Found((where,), "exactly")
    assert words.find("Where r u exactly?").pages == "address directions"
    assert words.find("how much is it") == Found((), "how much is it")
    assert words.find("") == Found((), "")


def test_overlapping_phrases_and_phrases_of_two_bridges_all_count():
    words = VisitorWords(
        (
            WordBridge(("cant go", "can't come"), "cancel"),
            WordBridge(("go back to work",), "downtime"),
            WordBridge(("cant come",), "late"),
        )
    )
    assert words.find("I cant go back to work").pages == "cancel downtime"
    assert words.find("I cant go back to work").rest == "i"
    assert words.find("if i can't come").pages == "cancel late"


def test_the_words_in_a_gap_stay_in_the_rest_of_the_question():
    """A phrase's gap may hold the very word no page uses ("tummy"): it must stay for the retriever to see.
    (The files refuse "..." in a bridge; a bridge made in code may still have one.)"""
    words = VisitorWords((WordBridge(("how much does ... cost",), "price"),))
    assert words.find("how much does a tummy tuck cost").rest == "a tummy tuck"


@pytest.fixture(scope="module")
def foot_clinic(encoder, built_instance, tmp_path_factory) -> Iterator[Assistant]:
    """The fictional podiatry clinic of the visitor suites."""
    with suite_assistant("millbrook-foot-clinic", encoder, built_instance, tmp_path_factory) as assistant:
        yield assistant


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("do u take cash", "about-us.md > Paying for your treatment"),
        ("can i pay in bits", "about-us.md > Paying for your treatment"),
        ("is there a bus", "about-us.md > Finding us and parking"),
        ("what if im poorly on the day", "fees-and-booking.md > What is your cancellation policy?"),
        # session 52: "what are your hours" fell back at a neurological rehabilitation clinic
        ("what are your hours", "about-us.md > Opening hours"),
        ("do you do weekends", "about-us.md > Opening hours"),
        ("do you come to the house", "general-podiatry.md > Home visits"),
    ],
)
def test_everyday_words_find_the_section_in_the_pages_words(foot_clinic, question, section):
    answer = foot_clinic.answer(question)
    assert answer.kind == ReplyKind.ANSWER and section_of(answer) == section
    retriever = foot_clinic.snapshot.policy.retriever
    without = Retriever(retriever.index, retriever.encoder, visitor_words=VisitorWords(()))
    assert without.run(question).best_score < retriever.run(question).best_score


def test_a_question_with_a_word_no_page_uses_gets_no_pages_words(foot_clinic):
    retriever = foot_clinic.snapshot.policy.retriever
    assert retriever.bridges("how much is a tummy tuck") == ()
    assert retriever.bridges("how much is it")[0].pages.startswith("price")
    # Words of chat, and English's small words, are no sign of a subject the pages lack.
    assert retriever.bridges("hiya where r u exactly")[0].pages.startswith("address")
    assert retriever.bridges("which bus goes there")[0].pages.startswith("bus")
    assert retriever.bridges("is there anywhere to park near the clinic")[0].pages.startswith("parking")


@pytest.mark.parametrize("question", ["whats ur address", "where are u", "which bus goes there"])
def test_the_section_that_gives_the_clinics_address_answers_where_it_is(foot_clinic, question):
    # The page says "We're at 14 Millbrook Parade" and never "address": clinic.yaml's address labels it.
    labelled = [p for p in foot_clinic.snapshot.index.passages if p.search_labels]
    assert {(p.file, p.heading) for p in labelled} == {("about-us.md", "Finding us and parking")}
    answer = foot_clinic.answer(question)
    assert answer.kind == ReplyKind.ANSWER and section_of(answer) == "about-us.md > Finding us and parking"


def test_a_clinics_own_words_in_clinic_yaml_apply_after_an_edit(encoder, seeded_cache, tmp_path):
    knowledge = Path(shutil.copytree(PROJECT / "eval/visitors/millbrook-foot-clinic/knowledge", tmp_path / "k"))
    shutil.copy(KNOWLEDGE / "safety.yaml", knowledge / "safety.yaml")
    assistant = Assistant(AssistantConfig(knowledge, seeded_cache(tmp_path / "instance")), encoder=encoder)
    try:
        assert assistant.answer("does the cold spray work").kind == ReplyKind.FALLBACK
        clinic = knowledge / "clinic.yaml"
        clinic.write_text(clinic.read_text("utf-8") + "\nvisitor_words:\n  cold spray, freeze spray: cryotherapy\n")
        assistant.refresh()
        answer = assistant.answer("does the cold spray work")
        assert answer.kind == ReplyKind.ANSWER
        assert section_of(answer) == "verruca-treatment.md > Cryotherapy (freezing)"
    finally:
        assistant.close()


def test_clinic_yaml_visitor_words_are_read_as_staff_write_them():
    text = CLINIC + "visitor_words:\n  jabs, shots: vaccinations vaccines\n  the hoover thing: microsuction\n"
    assert visitor_words_from_text(text) == (
        WordBridge(("jabs", "shots"), "vaccinations vaccines"),
        WordBridge(("the hoover thing",), "microsuction"),
    )
    assert visitor_words_from_text(CLINIC) == ()


@pytest.mark.parametrize(
    "lines",
    [
        "visitor_words:\n  - jabs\n",
        "visitor_words: jabs\n",  # a list, not pairs
        "visitor_words:\n  jabs:\n",  # no pages' words
        "visitor_words:\n  jabs: [a, b]\n",
        "visitor_words:\n  ',,': vaccines\n",  # no visitors' words
        "visitor_words:\n  jab|shot: vaccines\n",  # safety.yaml's syntax would widen the line silently
        "visitor_words:\n  jab ... arm: vaccines\n",
        "visitor_words:\n  jab ~ arm: vaccines\n",
        "visitor_words:\n  1-2-1 session: consultation\n",  # a range of numbers would too
        "visitor_words:\n  12: vaccines\n",
    ],
)
def test_bad_visitor_words_are_refused_with_a_clear_error(lines):
    with pytest.raises(KnowledgeError, match="visitor_words"):
        visitor_words_from_text(CLINIC + lines)
    assert "visitor_words" in validate("clinic.yaml", CLINIC + lines, None).message  # type: ignore[arg-type, union-attr]


def test_the_shipped_bridges_load_and_each_has_words():
    """They are read by the same rules as a clinic's own (read_bridges refuses what it cannot read)."""
    bridges = shipped_bridges()
    assert len(bridges) > 30 and all(bridge.visitor and bridge.pages.strip() for bridge in bridges)
    assert set(yaml.safe_load(SHIPPED.read_text("utf-8"))) == {subject.value for subject in Subject}
    std = next(bridge for bridge in bridges if "std test" in bridge.visitor)
    assert std.reads_alone and not std.about_the_clinic  # a service: not bent by the page, no clinic band


def test_a_question_with_everyday_words_takes_one_call_to_the_model(foot_clinic, monkeypatch):
    """Its reading with the pages' words is the question's vector moved toward theirs: nothing more to encode."""
    encoder = foot_clinic.snapshot.policy.retriever.encoder
    calls: list[list[str]] = []
    encode = encoder.encode_queries
    monkeypatch.setattr(encoder, "encode_queries", lambda texts: calls.append(list(texts)) or encode(texts))
    answer = foot_clinic.answer("where abouts are u")
    assert section_of(answer) == "about-us.md > Finding us and parking"
    assert calls == [["where abouts are you"]]  # as corrected: "u" written out
