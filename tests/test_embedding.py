"""The encoder: which backend embeds what, the vector cache, batches of mixed lengths, and the micro-batcher."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from bot.embedding import (
    LENGTH_SLICE,
    Backend,
    Encoder,
    MicroBatcher,
    TextKind,
    VectorCache,
    backend_for,
)
from tests.harness import eventually


def test_a_mixed_length_batch_gives_each_text_the_vector_it_gets_alone(encoder):
    texts = [f"question {i} " + "about skin care after treatment " * (i % 7) for i in range(LENGTH_SLICE * 3 + 5)]
    together = encoder.onnx.encode(texts)
    alone = np.concatenate([encoder.onnx.encode([t]) for t in texts])
    assert together.shape == (len(texts), encoder.dimension)
    assert np.all((together * alone).sum(axis=1) > 0.9999)


def test_passages_are_embedded_without_loading_pytorch_and_as_pytorch_would(encoder):
    fresh = Encoder(onnx_dir=encoder.onnx_dir)  # as a server that started from a saved index
    words = "aftercare for the skin after microneedling, what to avoid and when to call us "
    passages = [f"Passage {i}: " + words * (i % 9) for i in range(72)]  # short to 100 words, mixed
    vectors = fresh.encode_passages(passages)
    assert not fresh.torch.loaded  # an edit, or a whole rebuild, never waits for PyTorch to load
    assert np.all((vectors * encoder.torch.encode(passages)).sum(axis=1) >= 0.9999)


def test_which_backend_embeds_what(encoder):
    assert encoder.backend is Backend.ONNX  # the checked ONNX copy, for every text
    assert backend_for(onnx_ready=False) is Backend.TORCH  # no checked ONNX copy: PyTorch for everything


def test_many_texts_are_tokenized_in_chunks_and_shown_with_a_bar(encoder, monkeypatch, capsys):
    monkeypatch.setattr("bot.embedding.onnx.TOKENIZED_AT_ONCE", 7)
    texts = [f"question {i} " + "about skin care after treatment " * (i % 5) for i in range(30)]
    chunked = encoder.onnx.encode(texts, progress=True)
    assert "30/30" in capsys.readouterr().err  # the bar counts texts
    monkeypatch.setattr("bot.embedding.onnx.TOKENIZED_AT_ONCE", 1024)
    assert np.all((chunked * encoder.onnx.encode(texts)).sum(axis=1) > 0.9999)


def test_each_call_takes_its_shelf_of_the_one_cache(encoder):
    cache = VectorCache()
    own = encoder.with_cache(cache)
    assert own.onnx is encoder.onnx and own.torch is encoder.torch and own.batcher is encoder.batcher
    heading = "How long does a session take?"
    passage_vector = own.encode_passages([heading])[0]
    question_vector = own.encode_queries([heading])[0]
    assert np.allclose(passage_vector, encoder.onnx.encode([heading])[0], atol=1e-6)
    assert np.allclose(question_vector, passage_vector, atol=1e-6)
    sentence_vector = own.encode_passages(["Hi"], TextKind.SENTENCE)[0]
    assert np.allclose(sentence_vector, encoder.onnx.encode(["Hi"])[0], atol=1e-6)
    assert cache.embedded == 2  # the heading and the sentence: the question's shelf does not count
    assert own.encode_passages([heading, heading]).shape == (2, encoder.dimension) and cache.embedded == 2
    assert encoder.cache is not cache and VectorCache.key(heading) not in encoder.cache.vectors


def test_the_question_shelf_keeps_the_most_recent_questions():
    cache = VectorCache(questions_kept=3)
    asked: list[str] = []

    def encode(texts: list[str]) -> np.ndarray:
        asked.extend(texts)
        return np.array([[float(len(t))] for t in texts])

    for question in ["a", "bb", "ccc", "a", "dddd"]:  # "a" asked again: the most recent, so "bb" goes
        cache.questions([question], encode)
    assert asked == ["a", "bb", "ccc", "dddd"]
    cache.questions(["a", "ccc", "dddd"], encode)
    assert asked == ["a", "bb", "ccc", "dddd"]
    assert cache.questions(["bb"], encode).tolist() == [[2.0]] and asked[-1] == "bb"


def test_the_knowledge_shelf_is_saved_and_keeps_only_what_a_version_uses(tmp_path):
    path = tmp_path / "cache.npz"
    cache = VectorCache(path)

    def encode(texts: list[str]) -> np.ndarray:
        return np.array([[float(len(t)), 1.0] for t in texts], dtype=np.float32)

    cache.knowledge(["old text", "kept text"], encode)
    cache.save()
    cache.knowledge(["draft text"], encode)  # embedded since the save: a newer version may build on it
    cache.save(keep={VectorCache.key("kept text")})
    assert set(VectorCache(path).vectors) == {VectorCache.key("kept text")}
    assert set(cache.vectors) == {VectorCache.key(t) for t in ("kept text", "draft text")}
    path.write_bytes(b"not a cache")
    assert VectorCache(path).vectors == {}  # a damaged file only costs time


class SlowModel:
    """A stand-in for the model's call: records each batch and takes a while, as the model does."""

    def __init__(self, seconds: float = 0.05) -> None:
        self.seconds = seconds
        self.batches: list[list[str]] = []
        self.threads: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.batches.append(list(texts))
        self.threads.append(threading.current_thread().name)
        time.sleep(self.seconds)
        return np.array([[float(t.split()[-1])] for t in texts])


def test_a_lone_question_is_encoded_at_once_on_the_callers_thread():
    model = SlowModel(0.0)
    batcher = MicroBatcher(model)
    assert batcher.submit(["question 7"]).tolist() == [[7.0]]
    assert model.threads == [threading.current_thread().name]


def test_questions_that_arrive_together_share_batches_and_each_gets_its_own_answer():
    model = SlowModel()
    batcher = MicroBatcher(model, max_batch=8)
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda i: batcher.submit([f"question {i}"]), range(40)))
    assert [r.tolist() for r in results] == [[[float(i)]] for i in range(40)]
    assert sorted(t for batch in model.batches for t in batch) == sorted(f"question {i}" for i in range(40))
    assert len(model.batches) < 20  # batched, not one call per question
    assert max(len(b) for b in model.batches) <= 8


def test_a_failing_batch_fails_its_callers_and_the_batcher_keeps_working():
    calls = 0

    def flaky(texts: list[str]) -> np.ndarray:
        nonlocal calls
        calls += 1
        if calls == 1:
            time.sleep(0.05)
            raise RuntimeError("model failed")
        return np.ones((len(texts), 1))

    batcher = MicroBatcher(flaky)
    with ThreadPoolExecutor(max_workers=5) as pool:
        first = pool.submit(batcher.submit, ["a"])
        eventually(lambda: calls == 1, timeout=5, interval=0.001, what="the first batch running")
        later = [pool.submit(batcher.submit, [t]) for t in "bcde"]
        with pytest.raises(RuntimeError):
            first.result(5)
        assert all(f.result(5).tolist() == [[1.0]] for f in later)
    assert batcher.submit(["f"]).tolist() == [[1.0]]
