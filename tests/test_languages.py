"""Replies in the visitor's language (bot/languages.py): the clinic's own sentences per language from
clinic.yaml, picked by the widget's data-lang; passages are never translated. Core only, no Flask."""

from __future__ import annotations

import pytest

from bot.knowledge import KnowledgeError, load_knowledge
from bot.replies import Context

SPANISH = {
    "what is the capital of France?": ("fallback", "No tengo información sobre eso"),
    "I have chest pain": ("emergency", "Llame ya al 911"),
    "which medication should I take for my rash?": ("referral", "No puedo dar consejo médico personal"),
    "thanks!": ("smalltalk", "¡De nada!"),
    "can I speak to someone real": ("smalltalk", "Para hablar con nuestro equipo, llámenos al 555-0142"),
}


@pytest.mark.parametrize(("question", "expected"), SPANISH.items())
def test_the_bots_own_sentences_come_in_the_visitors_language(assistant, question, expected):
    kind, words = expected
    spanish = assistant.answer(question, Context(lang="es"))
    english = assistant.answer(question)
    assert spanish.kind == english.kind == kind
    assert words in spanish.text, spanish.text
    assert words not in english.text
    assert assistant.answer(question, Context(lang="es-MX")).text == spanish.text  # the base language
    assert assistant.answer(question, Context(lang="de")).text == english.text  # not written: English


def test_passages_stay_in_the_language_staff_wrote_them(assistant):
    spanish = assistant.answer("What are your opening hours?", Context(lang="es"))
    assert spanish.kind == "answer"
    assert spanish.text == assistant.answer("What are your opening hours?").text
    assert "Monday to Friday" in spanish.text


def test_welcome_greets_in_the_visitors_language(assistant):
    assert assistant.welcome("es")["greeting"].startswith("¡Hola!")
    assert "911" in assistant.welcome("es")["disclaimer"] and "consejo médico" in assistant.welcome("es")["disclaimer"]
    assert assistant.welcome()["greeting"].startswith("Hello!")
    assert assistant.welcome("fr")["greeting"].startswith("Hello!")


def test_a_misspelt_sentence_name_is_refused_with_the_known_names(knowledge_dir):
    clinic = knowledge_dir / "clinic.yaml"
    clinic.write_text(clinic.read_text("utf-8").replace("    clarify: ¿Quería", "    clarfy: ¿Quería"), "utf-8")
    with pytest.raises(KnowledgeError, match="unknown sentences: clarfy"):
        load_knowledge(knowledge_dir)


def test_the_context_keeps_the_language_for_follow_ups(assistant):
    context = Context(lang="es")
    answer = assistant.answer("tell me about microneedling", context)
    assert context.after(answer).lang == "es"
    assert Context.from_payload({"lang": "x" * 50}).lang is None
