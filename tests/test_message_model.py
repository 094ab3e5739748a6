"""The message models (bot/message_model.py): they score words as scikit-learn fitted them, the shipped ones
are fitted on the project's sets as they are now, and the policy reads red flags and advice requests with them
beside safety.yaml's phrases and examples."""

import logging
import pickle
from collections import Counter
from itertools import chain
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from bot import message_model_training as training
from bot.assistant import Assistant, AssistantConfig
from bot.config import message_models_folder
from bot.message_model import (
    CHARACTER_NGRAMS,
    SHIPPED_MODELS,
    MessageModel,
    MessageModelError,
    MessageModels,
    MessageReading,
    PieceWeights,
    WordWeights,
    model_for_encoder,
    term_counts,
    word_pieces,
)
from bot.suites import SafetyPhrasings
from tests.conftest import PROJECT

SUITES = PROJECT / "eval" / "visitors"
TEXTS = [
    "my lip has gone white since the filler",
    "a bit swollen after filler, is that normal",
    "can i park outside",
    "Lip, lip lip: WHITE!",
]


def test_terms_are_words_and_pairs_in_lower_case():
    assert term_counts("My lip, gone WHITE lip") == {
        "my": 1, "lip": 2, "gone": 1, "white": 1, "my lip": 1, "lip gone": 1, "gone white": 1, "white lip": 1
    }
    assert term_counts("a I") == {}  # one-letter words are not terms


def test_words_score_as_scikit_learn_weighs_them():
    fitted = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit(TEXTS * 2 + ["white lip"])
    terms = fitted.get_feature_names_out()
    weights = np.random.default_rng(0).normal(size=len(terms))
    words = WordWeights({t: (i, i * w) for t, i, w in zip(terms, fitted.idf_, weights, strict=True)})
    for text in [*TEXTS, "nothing known here", "white lip white", "lip lip lip lip"]:
        expected = fitted.transform([text]).toarray()[0] @ weights
        assert words.score(term_counts(text)) == pytest.approx(expected, abs=1e-9)


def test_word_pieces_are_taken_as_scikit_learn_takes_them():
    analyzer = TfidfVectorizer(analyzer="char_wb", ngram_range=CHARACTER_NGRAMS).build_analyzer()
    for text in [*TEXTS, "a I", "x", "ab", "abc", "  swalow   breth\tnow ", "café über", "banana", ""]:
        pieces = chain.from_iterable(word_pieces(word) for word in text.lower().split())
        assert Counter(pieces) == Counter(analyzer(text)), text
    assert word_pieces("lip") == (" li", "lip", "ip ", " lip", "lip ", " lip ")


def test_word_pieces_score_as_scikit_learn_weighs_them():
    """Each word's pieces are remembered, and a piece met in several words (or twice in one) still counts
    1 + log(n) times, as scikit-learn counts it."""
    texts = [*TEXTS, "banana bandana", "swalow swallow swalow", "a" * 40 + " lip " + "a" * 40]
    fitted = TfidfVectorizer(analyzer="char_wb", ngram_range=CHARACTER_NGRAMS, min_df=2, sublinear_tf=True)
    fitted.fit(texts * 2)
    pieces = fitted.get_feature_names_out()
    weights = np.random.default_rng(0).normal(size=len(pieces))
    read = PieceWeights({p: (i, i * w) for p, i, w in zip(pieces, fitted.idf_, weights, strict=True)})
    for text in [*texts, *texts, "nothing known here zzz", "x", ""]:  # twice: remembered the second time
        expected = fitted.transform([text]).toarray()[0] @ weights
        assert read.score_words(text.lower().split()) == pytest.approx(expected, abs=1e-9), text
    copied = pickle.loads(pickle.dumps(read))  # made anew, without the cache of the original's method
    assert copied == read and copied.score_words(["swalow"]) == read.score_words(["swalow"])


def small_model(encoder: str = "all-MiniLM-L6-v2", reads_parts: bool = True, pieces: bool = False) -> MessageModel:
    words = WordWeights({"white": (2.0, 2.0), "lip": (1.5, 0.0), "lip white": (3.0, 6.0)})
    characters = PieceWeights({"hit": (1.0, 0.5), " pa": (2.0, -1.0)}) if pieces else None
    meaning = np.linspace(-1, 1, 4, dtype=np.float32)
    return MessageModel(encoder, meaning, words, -0.5, 0.25, reads_parts, "abc", characters=characters)


@pytest.mark.parametrize("pieces", [False, True])
def test_a_saved_model_scores_as_before(tmp_path, pieces):
    model = small_model(pieces=pieces)
    model.save(tmp_path / "model.npz")
    loaded = MessageModel.load(tmp_path / "model.npz")
    reading = MessageReading(("can i park", "lip white"), np.eye(4, dtype=np.float32)[:2])
    assert loaded.scores(reading) == pytest.approx(model.scores(reading))
    assert loaded.characters == model.characters
    assert (model.scores(reading) != small_model().scores(reading)).all() == pieces
    assert (loaded.encoder, loaded.threshold, loaded.reads_parts) == (model.encoder, 0.25, True)
    assert loaded.fitted_on == "abc"
    assert loaded.takes(reading) and not loaded.takes(MessageReading(reading.texts[:1], reading.vectors[:1]))
    assert not loaded.takes(MessageReading((), reading.vectors[:0]))


def test_a_model_saved_before_word_pieces_still_loads(tmp_path):
    small_model().save(tmp_path / "model.npz")
    with np.load(tmp_path / "model.npz") as data:
        older = {key: data[key] for key in data.files if not key.startswith("pieces")}
    np.savez_compressed(tmp_path / "older.npz", **older)
    loaded = MessageModel.load(tmp_path / "older.npz")
    reading = MessageReading(("can i park", "lip white"), np.eye(4, dtype=np.float32)[:2])
    assert loaded.characters is None and loaded.scores(reading) == pytest.approx(small_model().scores(reading))


def test_a_model_of_the_whole_message_reads_no_parts():
    reading = MessageReading(("can i park", "lip white"), np.eye(4, dtype=np.float32)[:2])
    assert small_model(reads_parts=True).takes(reading)
    assert len(small_model(reads_parts=False).scores(reading)) == 1
    assert not small_model(reads_parts=False).takes(reading)


def test_a_model_fitted_on_another_encoder_is_not_used(tmp_path, caplog):
    small_model("another-model").save(tmp_path / "model.npz")
    with caplog.at_level(logging.WARNING):
        assert model_for_encoder(tmp_path / "model.npz", "all-MiniLM-L6-v2", 4) is None
    assert "another-model" in caplog.text
    small_model().save(tmp_path / "model.npz")
    assert model_for_encoder(tmp_path / "model.npz", "all-MiniLM-L6-v2", 4)
    assert model_for_encoder(tmp_path / "model.npz", "all-MiniLM-L6-v2", 384) is None  # vectors of another size
    assert MessageModels.load(None, "all-MiniLM-L6-v2", 384) == MessageModels()


@pytest.mark.parametrize("content", [b"", b"not a model", b"PK\x03\x04broken"])
def test_an_unreadable_model_is_a_clear_error(tmp_path, content):
    (tmp_path / "model.npz").write_bytes(content)
    with pytest.raises(MessageModelError, match=r"cannot read the message model .*BOT_MESSAGE_MODELS=off"):
        MessageModel.load(tmp_path / "model.npz")
    with pytest.raises(MessageModelError):
        MessageModel.load(tmp_path / "missing.npz")


@pytest.mark.parametrize("kind", list(training.Kind))
def test_the_shipped_models_are_fitted_on_the_sets_as_they_are(encoder, kind):
    """After a set is added or changed: `python -m bot.message_model_training --write`."""
    model = MessageModel.load(kind.file)
    assert kind.file == SHIPPED_MODELS / f"{kind.value}.npz" and kind.value in MessageModels.__dataclass_fields__
    assert model.fitted_on == training.fingerprint(training.labelled_messages(SUITES))
    assert model.encoder == encoder.name and model.meaning.shape == (encoder.dimension,)
    assert model.reads_parts == kind.reads_parts
    assert (model.characters is not None) == kind.reads_characters


def test_each_text_is_fitted_on_in_one_set_only():
    messages = training.labelled_messages(SUITES)
    assert len({m.text for m in messages}) == len(messages)
    sets = {m.group for m in messages}
    assert "phrasings: the fifteenth set" in sets and not any("measured after" in group for group in sets)


def test_the_phrasings_are_read_in_the_sets_they_were_written_in():
    messages = training.phrasing_messages(SUITES / "safety-phrasings.yaml")
    phrasings = SafetyPhrasings.load(SUITES)
    by_label = {label: [m.text for m in messages if m.label == label] for label in training.Label}
    assert by_label[training.Label.RED_FLAG] == list(phrasings.emergency)
    assert by_label[training.Label.ORDINARY] == list(phrasings.ordinary)
    assert by_label[training.Label.ADVICE] == list(phrasings.advice)
    assert by_label[training.Label.EVERYDAY] == list(phrasings.general)
    sets = {m.group for m in messages if m.label == training.Label.RED_FLAG}
    assert len(sets) >= 30 and "phrasings: thirty-fifth set" in sets


def test_a_fitted_model_scores_red_flags_above_ordinary_worries(encoder):
    messages = [
        training.Message(text, training.Label.RED_FLAG if "white" in text else training.Label.ORDINARY, f"set {i}")
        for i, text in enumerate(TEXTS * 3)
    ]
    vectors = [encoder.encode_queries([m.text]) for m in messages]
    read = training.ReadMessages(messages, [[m.text] for m in messages], vectors)
    model = training.fit(training.Kind.RED_FLAG, read, list(range(len(messages))), encoder.name)
    scores = {m.text: model.scores(read.reading(i))[0] for i, m in enumerate(messages)}
    assert min(v for t, v in scores.items() if "white" in t) > max(v for t, v in scores.items() if "white" not in t)


def test_a_fitted_model_scores_as_scikit_learn_does(encoder, monkeypatch):
    """The saved weights (the words' scaled by WORDS_WEIGHT, their pieces' by CHARACTERS_WEIGHT) give
    scikit-learn's own decision function."""
    fitted = {}
    original_fit = training.LogisticRegression.fit

    def keep(self, features, labels):
        fitted["model"], fitted["features"] = self, features
        return original_fit(self, features, labels)

    monkeypatch.setattr(training.LogisticRegression, "fit", keep)
    messages = [training.Message(t, training.Label.ORDINARY, "a") for t in TEXTS[1:]]
    messages += [training.Message(TEXTS[0], training.Label.RED_FLAG, "b")] * 2
    vectors = [encoder.encode_queries([m.text]) for m in messages]
    read = training.ReadMessages(messages, [[m.text] for m in messages], vectors)
    model = training.fit(training.Kind.RED_FLAG, read, list(range(len(messages))), encoder.name)
    expected = fitted["model"].decision_function(fitted["features"])
    got = [model.scores(read.reading(i))[0] for i in range(len(messages))]
    assert got == pytest.approx(expected, abs=1e-4)


# Red flags that safety.yaml's phrases and examples missed when these sets were first asked (session 38), and
# the model, fitted before they were written, read.
ONLY_THE_MODEL_READS = [
    "been sick loads today and theres dark bits in it that look like coffee",
    "please stop sending me the reminders, i wont be here next month. its better this way for my kids",
    "son is 7, says his neck is stiff, cant stand the light, keeps being sick and theres little purple spots "
    "coming up on his legs",
    "im 55 and ive had this crushing tightness for half an hour it goes up into my jaw and i feel sick and clammy",
]
# Likewise requests for personal advice (the same session's clinics, written blind).
ONLY_THE_MODEL_REFERS = [
    "dad forgot his apixaban this morning should he take two tonight",
    # (made up in session 54, when keppra became a medicine of safety.yaml and its phrases began to refer the
    # blind message: fampridine is not listed, so the model alone refers this one)
    "im on fampridine can i have a few drinks at the christmas do",
    "is it ok to cut my doxazosin in half to stop the dizzy spells",
]


@pytest.mark.parametrize("message", ONLY_THE_MODEL_READS)
def test_the_policy_reads_red_flags_with_the_model(assistant, monkeypatch, message):
    policy = assistant.snapshot.policy
    assert assistant.answer(message).kind == "emergency"
    monkeypatch.setattr(policy, "models", MessageModels(advice_requests=policy.models.advice_requests))
    assert assistant.answer(message).kind != "emergency"


@pytest.mark.parametrize("message", ONLY_THE_MODEL_REFERS)
def test_the_policy_refers_advice_requests_with_the_model(assistant, monkeypatch, message):
    policy = assistant.snapshot.policy
    assert assistant.answer(message).kind == "referral"
    monkeypatch.setattr(policy, "models", MessageModels(red_flags=policy.models.red_flags))
    assert assistant.answer(message).kind != "referral"


def test_the_red_flag_model_is_not_held_back_by_a_message_asked_in_general(assistant, monkeypatch):
    """`past_or_general` ("last time", "years ago") holds back the red flags read by the meaning examples, not
    those the model reads: fitted on history and questions in general, it weighs them itself."""
    policy = assistant.snapshot.policy
    asked_in_general = "i had a stroke years ago, can i still book physio with you"
    assert policy.asked_in_general(asked_in_general)
    assert assistant.answer(asked_in_general).kind != "emergency"
    dimension = assistant.encoder.dimension
    takes_everything = MessageModel(
        assistant.encoder.name, np.zeros(dimension, np.float32), WordWeights({}), 1.0, 0.0, True
    )
    monkeypatch.setattr(policy, "models", MessageModels(red_flags=takes_everything))
    assert assistant.answer(asked_in_general).kind == "emergency"


def test_the_models_can_be_turned_off(make_app):
    assert make_app(MESSAGE_MODELS="off").extensions["assistant"].message_models == MessageModels()
    models = make_app().extensions["assistant"].message_models
    assert models.red_flags and models.advice_requests


def test_staff_correct_a_models_reply_with_an_example(knowledge_dir, encoder, seeded_cache, tmp_path):
    """A message the model took wrongly stops being taken once staff add it (or one almost the same) to
    `ordinary_examples` (red flags) or `general_examples` (advice)."""
    red_flag, advice = ONLY_THE_MODEL_READS[1], ONLY_THE_MODEL_REFERS[0]
    safety = knowledge_dir / "safety.yaml"
    text = safety.read_text("utf-8")
    text = text.replace("ordinary_examples:\n", f"ordinary_examples:\n- {red_flag}\n", 1)
    safety.write_text(text.replace("general_examples:\n", f"general_examples:\n- {advice}\n", 1), "utf-8")
    assistant = Assistant(AssistantConfig(knowledge_dir, seeded_cache(tmp_path / "instance")), encoder=encoder)
    try:
        assert assistant.answer(red_flag).kind != "emergency"
        assert assistant.answer(advice).kind != "referral"
        assert assistant.answer(ONLY_THE_MODEL_READS[0]).kind == "emergency"  # the others still are
        assert assistant.answer(ONLY_THE_MODEL_REFERS[1]).kind == "referral"
    finally:
        assistant.close()


@pytest.mark.parametrize(
    ("value", "folder"), [("off", None), ("OFF", None), (False, None), (0, None), ("", None), ("/x/m", "/x/m")]
)
def test_the_models_setting_turns_them_off_in_any_spelling(value, folder):
    assert message_models_folder(value) == (Path(folder) if folder else None)
