"""The one vector cache: each vector the encoder makes is kept here, by the exact text (or a hash of it)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np

QUESTIONS_KEPT = 20_000


class VectorCache:
    """Vectors by the exact text embedded (a hash of it for knowledge texts, which are saved), on two shelves:

    - knowledge texts (`Encoder.encode_passages`: passages, headings, sentences, the safety and small-talk
      examples, the calibration questions): kept while a version of the knowledge uses them (`save(keep)`
      forgets the others) and saved to `path` (instance/cache/), so a rebuild, an editor's preview, an undo
      or a restart embeds only texts it has never seen;
    - questions (`Encoder.encode_queries`: visitors' questions and their readings, a reply's candidate key
      sentences, the gaps page's questions): in memory only, the `questions_kept` most recently used.

    The shelves are apart because they keep their vectors for different lengths of time: the knowledge's
    for as long as a version uses them, and on disk; visitors' questions only while they are recent.
    Safe to use from many threads while another saves."""

    def __init__(self, path: Path | None = None, questions_kept: int = QUESTIONS_KEPT) -> None:
        self.path = path
        self.questions_kept = questions_kept
        self.vectors: dict[str, np.ndarray] = {}  # the knowledge shelf
        self.embedded = 0  # knowledge texts embedded through this cache so far (a build reports its share)
        self.dirty = False
        self._questions: OrderedDict[str, np.ndarray] = OrderedDict()
        self._fresh: set[str] = set()  # knowledge keys embedded since the last save
        self._lock = threading.Lock()
        if path and path.exists():
            try:
                with np.load(path) as data:
                    self.vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
            except (OSError, ValueError, KeyError):
                self.vectors = {}  # a damaged cache only costs time

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def knowledge(self, texts: list[str], encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Vectors for knowledge texts, encoding (with `encode`) and keeping only the ones not cached."""
        keys = [self.key(t) for t in texts]
        with self._lock:
            found = {k: self.vectors[k] for k in keys if k in self.vectors}
        missing = [(k, t) for k, t in dict(zip(keys, texts, strict=True)).items() if k not in found]
        if missing:
            fresh = dict(zip([k for k, _ in missing], encode([t for _, t in missing]), strict=True))
            found.update(fresh)
            with self._lock:
                self.vectors.update(fresh)
                self._fresh.update(fresh)
                self.embedded += len(fresh)
                self.dirty = True
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def questions(self, texts: list[str], encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Vectors for questions, encoding (with `encode`) only the ones not among the most recent. Kept by
        the text itself: they are never saved, and hashing each cost the answer path ~10 µs (session 34); at
        most 20,000 texts of up to 1,000 characters, 20-80 MB beside their vectors' 31 MB."""
        with self._lock:
            found = {t: self._questions[t] for t in texts if t in self._questions}
            for t in found:
                self._questions.move_to_end(t)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            fresh = dict(zip(missing, encode(missing), strict=True))
            found.update(fresh)
            with self._lock:
                self._questions.update(fresh)
                while len(self._questions) > self.questions_kept:
                    self._questions.popitem(last=False)
        return np.array([found[t] for t in texts])

    def save(self, keep: set[str] | None = None) -> None:
        """Write the knowledge shelf. With `keep` (keys), only those are written, and the others are forgotten
        unless they were embedded since the last save (a newer version may be building on them)."""
        if not self.path or not self.dirty:
            return
        with self._lock:
            if keep is not None:
                self.vectors = {k: v for k, v in self.vectors.items() if k in keep or k in self._fresh}
            snapshot = {k: v for k, v in self.vectors.items() if keep is None or k in keep}
            self.dirty = keep is not None and bool(self._fresh - keep)  # the next save writes them
            self._fresh = set()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        staging = self.path.with_name(f"{self.path.stem}.tmp-{os.getpid()}-{threading.get_ident()}.npz")
        keys = list(snapshot)
        vectors = np.stack([snapshot[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)
        np.savez(staging, keys=np.array(keys), vectors=vectors)
        staging.replace(self.path)
