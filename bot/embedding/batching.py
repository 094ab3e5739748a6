"""Batching: questions that arrive together from many threads are encoded in one model call."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass(eq=False)
class _Request:
    texts: list[str]
    done: threading.Event = field(default_factory=threading.Event)
    leads: bool = False  # woken to encode the next batch rather than with its vectors
    vectors: np.ndarray | None = None
    error: BaseException | None = None

    def result(self) -> np.ndarray:
        if self.error is not None:
            raise self.error
        return self.vectors


class MicroBatcher:
    """Encodes texts that arrive together in one model call, on the thread of a caller: no hand-off
    to another thread and no waiting window. A caller who finds the model idle encodes its texts at
    once. Callers who arrive while a batch is being encoded queue up; when that batch is done, the
    first of them is woken to encode everything queued (up to `max_batch` texts) as the next batch."""

    def __init__(self, encode: Callable[[list[str]], np.ndarray], max_batch: int = 64) -> None:
        self.encode = encode
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._queued: deque[_Request] = deque()
        self._busy = False

    def submit(self, texts: list[str]) -> np.ndarray:
        request = _Request(texts)
        with self._lock:
            self._queued.append(request)
            leads, self._busy = not self._busy, True
        if not leads:
            request.done.wait()
            if not request.leads:
                return request.result()
        self._encode_next_batch()
        return request.result()

    def _encode_next_batch(self) -> None:
        """Called by the leader, which is first in the queue."""
        with self._lock:
            batch = [self._queued.popleft()]
            size = len(batch[0].texts)
            while self._queued and size + len(self._queued[0].texts) <= self.max_batch:
                batch.append(self._queued.popleft())
                size += len(batch[-1].texts)
        try:
            vectors = self.encode([text for request in batch for text in request.texts])
            start = 0
            for request in batch:
                request.vectors = vectors[start : start + len(request.texts)]
                start += len(request.texts)
        except BaseException as error:
            for request in batch:
                request.error = error
        finally:
            with self._lock:
                if self._queued:
                    self._queued[0].leads = True
                    self._queued[0].done.set()
                else:
                    self._busy = False
            for request in batch:
                request.leads = False
                request.done.set()
