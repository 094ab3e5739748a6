"""The question encoder: batches of mixed lengths, and the micro-batcher that forms them."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from bot.embedding import FEW_PASSAGES, LENGTH_SLICE, Encoder, MicroBatcher
from tests.harness import eventually


def test_a_mixed_length_batch_gives_each_text_the_vector_it_gets_alone(encoder):
    texts = [f"question {i} " + "about skin care after treatment " * (i % 7) for i in range(LENGTH_SLICE * 3 + 5)]
    together = encoder.onnx.encode(texts)
    alone = np.concatenate([encoder.onnx.encode([t]) for t in texts])
    assert together.shape == (len(texts), encoder.dimension)
    assert np.all((together * alone).sum(axis=1) > 0.9999)


def test_an_edits_few_passages_are_embedded_without_loading_pytorch(encoder):
    fresh = Encoder(onnx_dir=encoder.onnx_dir)  # as a server that started from a saved index
    passages = [f"Passage {i}: aftercare for the skin after microneedling, day {i}." for i in range(FEW_PASSAGES)]
    few = fresh.encode_passages(passages)
    assert "sentence_transformer" not in fresh.__dict__  # PyTorch not loaded: an edit does not wait for it
    assert np.all((few * encoder.encode(passages)).sum(axis=1) >= 0.999)


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
