"""The passage index: faiss for meaning, BM25 for words, saved under `instance/`.

Vectors are unit length, so inner product is cosine similarity. FAQ questions get
vectors of their own, so a visitor's question can be matched against them directly.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

import bm25s
import faiss
import numpy as np
import Stemmer

from bot.embedding import Encoder
from bot.passages import Passage

FORMAT_VERSION = 1
log = logging.getLogger(__name__)
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


class LexicalIndex:
    """BM25 over the passages' words (English stemming and stop words), via bm25s."""

    def __init__(self, texts: list[str]) -> None:
        self.stemmer = Stemmer.Stemmer("english")
        self.bm25 = bm25s.BM25()
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=self.stemmer, show_progress=False)
        self.bm25.index(tokens, show_progress=False)
        self.size = len(texts)
        self.vocabulary = Counter(word for text in texts for word in _WORD.findall(text.lower()))
        # BM25's idf (Lucene form) of a word found in one passage only: the most one word can weigh.
        self.max_idf = math.log(1 + (len(texts) - 0.5) / 1.5) if texts else 1.0

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for `query` (zeros when no word matches)."""
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self.stemmer, return_ids=False, show_progress=False)[0]
        if not tokens:  # "a", "0", "?!": nothing to match on
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.bm25.get_scores(tokens), dtype=np.float32)


def flat_index(vectors: np.ndarray, dimension: int) -> faiss.Index:
    index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(vectors)
    return index


@dataclass
class PassageIndex:
    passages: list[Passage]
    model: str
    dimension: int
    passage_vectors: np.ndarray
    question_vectors: np.ndarray
    question_rows: np.ndarray  # for each question vector, the row of its passage

    def __post_init__(self) -> None:
        self.dense = flat_index(self.passage_vectors, self.dimension)
        self.questions = flat_index(self.question_vectors, self.dimension)
        self.lexical = LexicalIndex([p.search_text for p in self.passages])

    def __len__(self) -> int:
        return len(self.passages)

    @cached_property
    def fingerprint(self) -> str:
        return passages_fingerprint(self.passages, self.model)

    def save(self, root: Path) -> Path:
        """Write the index into root/<fingerprint>/. Files are written to a staging folder first
        and renamed into place, so a crash or a second process never leaves half an index."""
        folder = root / self.fingerprint[:16]
        if (folder / "manifest.json").exists():
            return folder
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
        faiss.write_index(self.dense, str(staging / "passages.faiss"))
        faiss.write_index(self.questions, str(staging / "questions.faiss"))
        np.save(staging / "question_rows.npy", self.question_rows)
        (staging / "passages.json").write_text(json.dumps([asdict(p) for p in self.passages]), "utf-8")
        manifest = {
            "format": FORMAT_VERSION,
            "model": self.model,
            "dimension": self.dimension,
            "fingerprint": self.fingerprint,
            "passages": [p.id for p in self.passages],
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=1), "utf-8")
        try:
            staging.rename(folder)
        except OSError:  # another process saved the same index first
            shutil.rmtree(staging, ignore_errors=True)
        _prune(root, keep=folder)
        return folder

    @classmethod
    def load(cls, root: Path, model: str, expected_fingerprint: str) -> PassageIndex | None:
        """The saved index for these passages, or None when there is none. A damaged one (truncated
        file, wrong counts) is removed, so that the rebuild can take its place."""
        folder = root / expected_fingerprint[:16]
        if not (folder / "manifest.json").exists():
            return None
        try:
            manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
            raw = json.loads((folder / "passages.json").read_text("utf-8"))
            passages = [Passage(**{**p, "headings": tuple(p["headings"])}) for p in raw]
            dense = faiss.read_index(str(folder / "passages.faiss"))
            questions = faiss.read_index(str(folder / "questions.faiss"))
            rows = np.load(folder / "question_rows.npy")
            whole = (
                manifest.get("format") == FORMAT_VERSION
                and manifest.get("model") == model
                and manifest.get("fingerprint") == expected_fingerprint
                and dense.ntotal == len(passages)
                and questions.ntotal == len(rows)
                and passages_fingerprint(passages, model) == expected_fingerprint
            )
        except (OSError, ValueError, KeyError, TypeError, RuntimeError):
            whole = False
        if not whole:
            log.warning("Saved index %s is damaged; rebuilding it", folder)
            shutil.rmtree(folder, ignore_errors=True)
            return None
        return cls(
            passages=passages,
            model=model,
            dimension=dense.d,
            passage_vectors=dense.reconstruct_n(0, dense.ntotal)
            if dense.ntotal
            else np.zeros((0, dense.d), np.float32),
            question_vectors=questions.reconstruct_n(0, questions.ntotal)
            if questions.ntotal
            else np.zeros((0, dense.d), np.float32),
            question_rows=rows,
        )


def _prune(root: Path, keep: Path, versions: int = 3) -> None:
    """Keep the newest few saved versions (a running process may still be reading one)."""
    saved = sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for folder in saved[versions:]:
        if folder != keep:
            shutil.rmtree(folder, ignore_errors=True)


def passages_fingerprint(passages: list[Passage], model: str) -> str:
    digest = hashlib.sha256(f"{FORMAT_VERSION}\x1e{model}".encode())
    for passage in passages:
        digest.update(json.dumps(asdict(passage), sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


class EmbeddingCache:
    """Vectors by a hash of the exact text embedded, so a rebuild embeds only what changed."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        self.dirty = False
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

    def encode(self, encoder: Encoder, texts: list[str], progress: bool = False) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self.vectors}.items())
        if missing:
            vectors = encoder.encode([t for _, t in missing], progress=progress)
            self.vectors.update(zip([k for k, _ in missing], vectors, strict=True))
            self.dirty = True
        if not texts:
            return np.zeros((0, encoder.dimension), dtype=np.float32)
        return np.stack([self.vectors[k] for k in keys]).astype(np.float32)

    def lookup(self, texts: list[str], encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Vectors for `texts`, encoding (with `encode`) and remembering only the ones not cached.
        Safe to call from many threads while another saves."""
        keys = [self.key(t) for t in texts]
        with self._lock:
            found = {k: self.vectors[k] for k in keys if k in self.vectors}
        missing = [(k, t) for k, t in dict(zip(keys, texts, strict=True)).items() if k not in found]
        if missing:
            fresh = dict(zip([k for k, _ in missing], encode([t for _, t in missing]), strict=True))
            found.update(fresh)
            with self._lock:
                self.vectors.update(fresh)
                self.dirty = True
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def save(self, keep: set[str] | None = None) -> None:
        """Write the cache, keeping only `keep` keys when given (drops long-gone passages)."""
        if not self.path or not self.dirty:
            return
        with self._lock:
            if keep is not None:
                self.vectors = {k: v for k, v in self.vectors.items() if k in keep}
            snapshot = dict(self.vectors)
            self.dirty = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        staging = self.path.with_name(f"{self.path.stem}.tmp-{os.getpid()}-{threading.get_ident()}.npz")
        keys = list(snapshot)
        vectors = np.stack([snapshot[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)
        np.savez(staging, keys=np.array(keys), vectors=vectors)
        staging.replace(self.path)


def build_index(
    passages: list[Passage], encoder: Encoder, cache: EmbeddingCache | None = None, progress: bool = False
) -> PassageIndex:
    """Embed passages (and FAQ questions) and index them; cached vectors are reused."""
    cache = cache or EmbeddingCache(None)
    passage_vectors = cache.encode(encoder, [p.embedding_text for p in passages], progress=progress)
    rows = [i for i, p in enumerate(passages) if p.question]
    question_vectors = cache.encode(encoder, [passages[i].question or "" for i in rows])
    return PassageIndex(
        passages=passages,
        model=encoder.name,
        dimension=encoder.dimension,
        passage_vectors=passage_vectors,
        question_vectors=question_vectors,
        question_rows=np.asarray(rows, dtype=np.int64),
    )
