"""Content-gap grouping (bot/gaps.py) on the real model: rewordings of one question land together."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bot.gap_dismissals import FILE_NAME, Dismissals
from bot.gaps import asks_for, average_linkage, group_questions, normalise_question

PRICES = [
    "How much does microneedling cost?",
    "What is the price of microneedling?",
    "microneedling prices",
    "how much is a microneedling session?",
]
PARKING = ["Is there parking near the clinic?", "where can I park my car", "Can I park at the clinic?"]
BOTOX = ["Do you offer botox?", "can I get botox injections"]
ODD = ["Do you accept dogs in the waiting room?"]


def test_seeded_questions_group_by_topic_biggest_first(encoder):
    # Interleaved, as they would arrive over a month.
    questions = [PRICES[0], PARKING[0], BOTOX[0], PRICES[1], ODD[0], PARKING[1], PRICES[2], BOTOX[1], PARKING[2]]
    questions.append(PRICES[3])
    groups = group_questions(questions, encoder.torch.encode(questions))

    assert [g.count for g in groups] == [4, 3, 2, 1]
    assert [{e.question for e in g.examples} for g in groups] == [set(PRICES), set(PARKING), set(BOTOX), set(ODD)]
    for group in groups:
        assert group.label in {e.question for e in group.examples}
        assert sorted(questions[i] for i in group.members) == sorted(e.question for e in group.examples)
    assert "microneedling" in groups[0].label.lower() and "park" in groups[1].label.lower()


def test_repeats_count_once_as_a_wording_and_fully_in_the_group(encoder):
    questions = [*PARKING, "where can I park my car?", "Where can I park my car", *BOTOX]
    groups = group_questions(questions, encoder.torch.encode(questions))
    parking = groups[0]
    assert parking.count == 5 and len(parking.examples) == 3
    assert parking.examples[0].question == "where can I park my car" and parking.examples[0].count == 3
    assert parking.label == "where can I park my car"  # asked most, so the most central
    assert groups[1].count == 2


def test_empty_and_blank_input():
    assert group_questions([], np.zeros((0, 384), dtype=np.float32)) == []
    assert group_questions(["   ", "?"], np.eye(2, dtype=np.float32)) == []
    assert normalise_question("  Where  can I PARK? ") == "where can i park"


def test_average_linkage_does_not_chain():
    # a~b and b~c are alike, a and c are not: average linkage keeps c apart once a and b are together.
    a, b, c = np.array([1.0, 0.0]), np.array([0.8, 0.6]), np.array([0.28, 0.96])
    vectors = np.stack([a, b, c]) / np.linalg.norm(np.stack([a, b, c]), axis=1, keepdims=True)
    clusters = sorted(sorted(c) for c in average_linkage(vectors, threshold=0.75))
    assert clusters == [[0, 1], [2]]
    assert sorted(len(c) for c in average_linkage(vectors, threshold=0.2)) == [3]


def test_questions_that_ask_for_different_things_are_not_one_gap(encoder):
    """Issue 15: "how long does a session take" is not "how many sessions", however alike their words."""
    durations = ["how long does a session take", "how long is one session?", "how long does the treatment take"]
    numbers = ["how many sessions do I need", "how many sessions will it take?"]
    questions = durations + numbers
    vectors = encoder.torch.encode(questions)
    together = group_questions(questions, vectors, threshold=0.0)  # any two would merge on meaning alone
    assert sorted(sorted(e.question for e in g.examples) for g in together) == [sorted(durations), sorted(numbers)]
    assert asks_for("How long is recovery?") == "duration" and asks_for("how many sessions?") == "number"
    assert asks_for("does it hurt?") is None  # says nothing: may join any group


def test_dismissed_wordings_are_kept_only_as_long_as_visitors_questions(tmp_path: Path):
    dismissals = Dismissals(tmp_path, keep_days=30)
    assert dismissals.dismiss(["Whats the weather?", "whats the weather", "  "]) == 1
    assert dismissals.keys() == {normalise_question("whats the weather")}
    old = (datetime.now(UTC).date() - timedelta(days=31)).isoformat()
    stored = json.loads((tmp_path / FILE_NAME).read_text("utf-8"))
    (tmp_path / FILE_NAME).write_text(json.dumps({**stored, "who won the football": old}), "utf-8")
    assert dismissals.keys() == {normalise_question("whats the weather")}
    assert dismissals.dismiss(["tell me a joke"]) == 1
    assert "who won the football" not in json.loads((tmp_path / FILE_NAME).read_text("utf-8"))
    (tmp_path / FILE_NAME).write_text("{not json", "utf-8")
    assert dismissals.keys() == set() and dismissals.dismiss(["tell me a joke"]) == 1
