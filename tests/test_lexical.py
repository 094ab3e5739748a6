"""BM25: the same scores as the reference implementation, and rebuilds that reuse what they read."""

from __future__ import annotations

import bm25s
import numpy as np
import Stemmer

from bot.knowledge import load_knowledge
from bot.lexical import LexicalIndex, WordTable
from bot.passages import build_passages

QUESTIONS = [
    "can microneedling help my acne scars?",
    "How long is the recovery?",
    "Does it hurt? Is it painful, painful?",
    "parking near the clinic",
    "the and of",  # stop words only
    "zzzz qqqq",  # words the knowledge never uses
    "",
]


def shipped_texts(knowledge_dir) -> list[str]:
    return [p.search_text for p in build_passages(load_knowledge(knowledge_dir).documents)]


def test_scores_match_the_reference_bm25(knowledge_dir):
    texts = shipped_texts(knowledge_dir)
    ours = LexicalIndex(texts)
    stemmer = Stemmer.Stemmer("english")
    reference = bm25s.BM25()
    reference.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    for question in QUESTIONS:
        tokens = bm25s.tokenize([question], stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False)[0]
        known = [t for t in tokens if t in reference.vocab_dict]
        expected = reference.get_scores(known) if known else np.zeros(len(texts))
        assert np.allclose(ours.scores(question), expected, atol=1e-5), question
    assert ours.scores("microneedling").max() > 0
    assert not ours.scores("zzzz").any()


def test_a_rebuild_after_an_edit_scores_as_a_fresh_build(knowledge_dir):
    texts = shipped_texts(knowledge_dir)
    table = WordTable()
    LexicalIndex(texts, table)
    edited = [*texts[1:], "Zanzibar quokkas visit the clinic on Tuesdays."]
    rebuilt, fresh = LexicalIndex(edited, table), LexicalIndex(edited)
    for question in [*QUESTIONS, "when do the quokkas come?"]:
        assert np.allclose(rebuilt.scores(question), fresh.scores(question), atol=1e-6), question
    assert rebuilt.scores("quokka").argmax() == len(edited) - 1
    assert "zanzibar" in rebuilt.vocabulary and "zanzibar" in fresh.vocabulary


def test_an_empty_knowledge_scores_nothing():
    empty = LexicalIndex([])
    assert empty.scores("anything").shape == (0,)


def test_short_forms_and_joined_words_of_the_pages_are_not_unnamed():
    index = LexicalIndex(["Physiotherapy, spectacles, shockwave, check-ups and hepatitis jabs. Still stiff?"])
    words = "physio specs shock wave checkups hep sti transplants"
    assert index.unnamed_words(words) == ["hep", "sti", "transplants"]


def test_a_name_the_pages_number_is_not_unnamed():
    index = LexicalIndex(["Genetic testing looks at BRCA1, BRCA2 and PALB2. Vitamin B12 at LS12 1AB."])
    assert index.unnamed_words("brca testing") == []
    assert index.unnamed_words("lynch testing") == ["lynch"]
    assert index.numbered_names == {"brca", "palb"}  # not "b" of b12, nor "ls" of a postcode


def test_words_no_one_passage_has_together_are_named_apart():
    index = LexicalIndex(["Laser eye surgery reshapes the cornea.", "Wash your hair gently.", "Stitch removal."])
    assert index.named_apart(["laser", "hair", "removal"])
    assert not index.named_apart(["lasers", "eyes"])  # together in one passage, in any form
    assert not index.named_apart(["laser", "tattoo"])  # a word no passage has: see unnamed_words
    assert not index.named_apart(["laser"])


def test_names_of_letters_and_digits_the_pages_use_are_known():
    index = LexicalIndex(["Our 3D/4D bonding scan from 24 weeks.", "Vitamin injections"])
    assert index.known_names("4d?") == ["4d"]
    assert index.known_names("do you do b12") == []  # no page says b12
    assert index.known_names("24 weeks") == []  # a number alone names nothing
