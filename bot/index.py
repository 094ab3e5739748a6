"""The passage index: faiss for meaning, BM25 for words, saved under `instance/`.

Vectors are unit length, so inner product is cosine similarity. FAQ questions get
vectors of their own, so a visitor's question can be matched against them directly.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import faiss
import numpy as np
from faiss.contrib.ivf_tools import add_preassigned

from bot.embedding import Encoder, TextKind
from bot.lexical import LexicalIndex, WordTable
from bot.passages import Passage, key_sentence_spans

FORMAT_VERSION = 4
log = logging.getLogger(__name__)


# Measured by `make bench` (part 6) on this 2-core machine, with MedQuAD's vectors:
# - Exact (flat) search costs grow with the knowledge: 0.2 ms a search at 10k vectors, 0.8 at 20k, 3.1 at
#   66k (and each question searches passages and FAQ questions). Beyond FLAT_UP_TO an inverted-file index
#   (IVF: vectors grouped into clusters, the closest quarter of the clusters scanned) takes 0.2 ms at 20k
#   and 1.0 at 66k, and its top 40 hold 97-98% of the exact top 10 (16 clusters scanned held only 81-84%).
#   Every candidate is then re-scored exactly, and BM25 adds its own, so a miss costs little.
# - One thread per search: a server searches for many visitors at once while the model uses the cores,
#   and a second thread made one search of 33k vectors slower (3.6 ms against 1.3). OpenMP's thread
#   count is a setting of each thread, so each thread that searches sets it; builds keep all cores.
# - BLAS from about 20 questions at once (evaluation): faiss 1.15 takes BLAS when questions x dimension
#   reach its threshold, by default 128,000 (333 questions of 384 numbers); a batch of 240 questions took
#   4x longer without. One question must stay off BLAS: through it, one search of 33k vectors took 7x longer.
FLAT_UP_TO = 10_000
# Sentence vectors (evidence for an answer buried in one sentence, and the key sentence to mark) are
# built for knowledge bases up to this many passages: a clinic's site has hundreds. Beyond, embedding
# every sentence would slow the first build (MedQuAD's 33,000 passages hold ~150,000 sentences), and
# passages are scored as a whole.
SENTENCES_UP_TO = 20_000
SCANNED_SHARE = 0.25  # of an IVF's clusters, at each search
BLAS_FROM_QUESTIONS = 20  # searched at once: below, each question is compared without BLAS
_search_thread = threading.local()


def _search_on_one_thread() -> None:
    if not getattr(_search_thread, "configured", False):
        faiss.omp_set_num_threads(1)
        _search_thread.configured = True


def set_blas_threshold(dimension: int) -> None:
    """faiss uses BLAS from BLAS_FROM_QUESTIONS questions of `dimension` numbers at once (see the measurements
    above). A setting of the whole process: set by each index built or loaded, from its own dimension."""
    faiss.cvar.distance_compute_blas_threshold = BLAS_FROM_QUESTIONS * dimension


def vector_index(
    vectors: np.ndarray, dimension: int, previous: faiss.Index | None = None, previous_rows: np.ndarray | None = None
) -> faiss.Index:
    """A faiss index (inner product = cosine for unit vectors) holding `vectors`: exact up to FLAT_UP_TO,
    IVF beyond. After an edit, an IVF reuses the clusters of `previous` (the version before) when they
    still fit, and keeps each vector it held (`previous_rows`: each vector's row there, or -1) in its cluster."""
    if len(vectors) <= FLAT_UP_TO:
        index = faiss.IndexFlatIP(dimension)
        index.add(vectors)
        return index
    index = _ivf_with_clusters_of(previous, len(vectors))
    if index is None:
        index = _trained_ivf(vectors, dimension)
        index.add(vectors)
        return index
    clusters = np.full(len(vectors), -1, dtype=np.int64)
    if previous_rows is not None:
        held = previous_rows >= 0
        clusters[held] = _cluster_of_each_vector(previous)[previous_rows[held]]
    new = clusters < 0
    if new.any():
        clusters[new] = index.quantizer.search(vectors[new], 1)[1][:, 0]
    add_preassigned(index, np.ascontiguousarray(vectors, dtype=np.float32), clusters)
    return index


def _clusters(size: int) -> int:
    return int(np.clip(2 * np.sqrt(size), 64, 4096))


def _probes(clusters: int) -> int:
    return max(1, round(clusters * SCANNED_SHARE))


def _trained_ivf(vectors: np.ndarray, dimension: int) -> faiss.IndexIVFFlat:
    index = faiss.IndexIVFFlat(
        faiss.IndexFlatIP(dimension), dimension, _clusters(len(vectors)), faiss.METRIC_INNER_PRODUCT
    )
    index.train(vectors)  # k-means, seeded: the same vectors give the same clusters
    index.nprobe = _probes(index.nlist)
    return index


def _ivf_with_clusters_of(previous: faiss.Index | None, size: int) -> faiss.IndexIVFFlat | None:
    """An empty IVF on `previous`'s clusters (training takes seconds; an edit hardly moves them), or None
    when there is no previous IVF or the knowledge has grown or shrunk too much for its clusters."""
    if not isinstance(previous, faiss.IndexIVFFlat) or not 0.5 <= size / max(previous.ntotal, 1) <= 2:
        return None
    clusters = faiss.clone_index(previous.quantizer)  # a copy: the previous version may be freed
    index = faiss.IndexIVFFlat(clusters, previous.d, previous.nlist, faiss.METRIC_INNER_PRODUCT)
    index.nprobe = _probes(index.nlist)
    return index


def _readied(index: faiss.Index) -> faiss.Index:
    """A faiss index read from disk, searching as this version of the code does."""
    if isinstance(index, faiss.IndexIVF):
        index.nprobe = _probes(index.nlist)
    return index


def _cluster_of_each_vector(index: faiss.IndexIVFFlat) -> np.ndarray:
    clusters = np.empty(index.ntotal, dtype=np.int64)
    lists = index.invlists
    for cluster in range(index.nlist):
        size = lists.list_size(cluster)
        if size:
            clusters[faiss.rev_swig_ptr(lists.get_ids(cluster), size)] = cluster
    return clusters


@dataclass
class PassageIndex:
    passages: list[Passage]
    model: str
    dimension: int
    passage_vectors: np.ndarray
    question_vectors: np.ndarray
    # Vectors of the passages' headings (the FAQ question, or a statement heading with the page title:
    # Passage.heading_text), and for each, the row of its passage.
    question_rows: np.ndarray
    # The vectors of each passage's candidate key sentences (passages.key_sentence_spans), passage after
    # passage: passage row r owns sentence rows sentence_starts[r] up to sentence_starts[r + 1].
    sentence_vectors: np.ndarray | None = None
    sentence_starts: np.ndarray | None = None
    word_table: WordTable | None = field(default=None, repr=False, compare=False)  # shared across versions
    # faiss indexes of the vectors above (built from them when not given)
    dense: faiss.Index | None = field(default=None, repr=False, compare=False)
    questions: faiss.Index | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_blas_threshold(self.dimension)
        if self.dense is None:
            self.dense = vector_index(self.passage_vectors, self.dimension)
        if self.questions is None:
            self.questions = vector_index(self.question_vectors, self.dimension)
        # For each passage row, the row of its FAQ question's vector (-1: none).
        self.question_of_row = np.full(len(self.passages), -1, dtype=np.int64)
        self.question_of_row[self.question_rows] = np.arange(len(self.question_rows))
        self.lexical = LexicalIndex([p.search_text for p in self.passages], self.word_table)
        if self.sentence_vectors is None or self.sentence_starts is None:
            self.sentence_vectors = np.zeros((0, self.dimension), dtype=np.float32)
            self.sentence_starts = np.zeros(len(self.passages) + 1, dtype=np.int64)

    @property
    def has_sentences(self) -> bool:
        return len(self.sentence_vectors) > 0

    def sentence_rows(self, row: int) -> np.ndarray:
        return np.arange(self.sentence_starts[row], self.sentence_starts[row + 1])

    def __len__(self) -> int:
        return len(self.passages)

    def rows_of(self, passages: list[Passage]) -> np.ndarray:
        """For each of `passages`, its row in this index, or -1 when this index does not hold it."""
        rows = self._row_of_passage
        return np.fromiter((rows.get(p, -1) for p in passages), dtype=np.int64, count=len(passages))

    @cached_property
    def _row_of_passage(self) -> dict[Passage, int]:
        return {passage: row for row, passage in enumerate(self.passages)}

    def nearest(self, vector: np.ndarray, n: int) -> np.ndarray:
        """Rows of the `n` passages closest in meaning to a question's vector, by their text and by
        their FAQ question (so up to 2n rows, perhaps some twice)."""
        _search_on_one_thread()
        query = vector.reshape(1, -1).astype(np.float32)
        rows = self.dense.search(query, min(n, len(self)))[1][0]
        if self.questions.ntotal:
            asked = self.questions.search(query, min(n, self.questions.ntotal))[1][0]
            rows = np.concatenate([rows, self.question_rows[asked[asked >= 0]]])
        return rows[rows >= 0]

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
        np.save(staging / "passage_vectors.npy", self.passage_vectors)
        np.save(staging / "question_vectors.npy", self.question_vectors)
        np.save(staging / "sentence_vectors.npy", self.sentence_vectors)
        np.save(staging / "sentence_starts.npy", self.sentence_starts)
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
    def load(
        cls, root: Path, model: str, expected_fingerprint: str, word_table: WordTable | None = None
    ) -> PassageIndex | None:
        """The saved index for these passages, or None when there is none. A damaged one (truncated
        file, wrong counts) is removed, so that the rebuild can take its place."""
        folder = root / expected_fingerprint[:16]
        if not (folder / "manifest.json").exists():
            return None
        try:
            manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
            raw = json.loads((folder / "passages.json").read_text("utf-8"))
            passages = [Passage.from_dict(p) for p in raw]
            dense, questions = (
                _readied(faiss.read_index(str(folder / f))) for f in ("passages.faiss", "questions.faiss")
            )
            rows = np.load(folder / "question_rows.npy")
            passage_vectors = np.load(folder / "passage_vectors.npy")
            question_vectors = np.load(folder / "question_vectors.npy")
            sentence_vectors = np.load(folder / "sentence_vectors.npy")
            sentence_starts = np.load(folder / "sentence_starts.npy")
            whole = (
                manifest.get("format") == FORMAT_VERSION
                and manifest.get("model") == model
                and manifest.get("fingerprint") == expected_fingerprint
                and dense.ntotal == len(passages) == len(passage_vectors)
                and questions.ntotal == len(rows) == len(question_vectors)
                and len(sentence_starts) == len(passages) + 1
                and sentence_starts[-1] == len(sentence_vectors)
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
            passage_vectors=passage_vectors,
            question_vectors=question_vectors,
            question_rows=rows,
            sentence_vectors=sentence_vectors,
            sentence_starts=sentence_starts,
            word_table=word_table,
            dense=dense,
            questions=questions,
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
        digest.update(_passage_digest(passage))
    return digest.hexdigest()


@lru_cache(maxsize=200_000)
def _passage_digest(passage: Passage) -> bytes:
    """Memoised: fingerprinting a large knowledge base after an edit hashes only the new passages."""
    return hashlib.sha256(json.dumps(asdict(passage), sort_keys=True).encode("utf-8")).digest()


def build_index(
    passages: list[Passage],
    encoder: Encoder,
    progress: bool = False,
    word_table: WordTable | None = None,
    previous: PassageIndex | None = None,
) -> PassageIndex:
    """Embed passages (and FAQ questions) and index them, embedding only texts the encoder's cache does not
    know. After an edit (`previous`: the version before), unchanged passages keep their vectors and clusters."""
    question_rows = np.asarray([i for i, p in enumerate(passages) if p.heading_text], dtype=np.int64)
    old_rows = np.full(len(passages), -1, dtype=np.int64)
    old_question_rows = np.full(len(question_rows), -1, dtype=np.int64)
    if previous is not None:
        old_rows = previous.rows_of(passages)
        old = old_rows[question_rows]
        old_question_rows[old >= 0] = previous.question_of_row[old[old >= 0]]

    def vectors(texts: list[str], old: np.ndarray, old_vectors: np.ndarray | None) -> np.ndarray:
        result = np.empty((len(texts), encoder.dimension), dtype=np.float32)
        held = old >= 0
        if held.any():
            result[held] = old_vectors[old[held]]
        new = np.flatnonzero(~held)
        result[new] = encoder.encode_passages([texts[i] for i in new], progress=progress)
        return result

    passage_vectors = vectors(
        [p.embedding_text for p in passages], old_rows, getattr(previous, "passage_vectors", None)
    )
    question_vectors = vectors(
        [passages[i].heading_text or "" for i in question_rows],
        old_question_rows,
        getattr(previous, "question_vectors", None),
    )
    sentence_vectors, sentence_starts = _sentence_vectors(passages, encoder, previous, old_rows)
    return PassageIndex(
        passages=passages,
        model=encoder.name,
        dimension=encoder.dimension,
        passage_vectors=passage_vectors,
        question_vectors=question_vectors,
        question_rows=question_rows,
        sentence_vectors=sentence_vectors,
        sentence_starts=sentence_starts,
        word_table=word_table,
        dense=vector_index(passage_vectors, encoder.dimension, getattr(previous, "dense", None), old_rows),
        questions=vector_index(
            question_vectors, encoder.dimension, getattr(previous, "questions", None), old_question_rows
        ),
    )


def _sentence_vectors(
    passages: list[Passage],
    encoder: Encoder,
    previous: PassageIndex | None,
    old_rows: np.ndarray,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Vectors of every passage's candidate key sentences: taken from `previous` for unchanged passages,
    from the encoder's cache, or embedded now (as sentences: short texts). None beyond SENTENCES_UP_TO."""
    if len(passages) > SENTENCES_UP_TO:
        return None, None
    starts = np.zeros(len(passages) + 1, dtype=np.int64)
    texts: list[str] = []
    reused: list[tuple[int, int]] = []  # (first new row, previous passage row) for passages kept as they were
    for row, passage in enumerate(passages):
        old = old_rows[row] if previous is not None and previous.has_sentences else -1
        if old >= 0:
            reused.append((len(texts), int(old)))
            span = previous.sentence_rows(int(old))
            texts.extend([""] * len(span))  # placeholders, filled from the previous version below
        else:
            texts.extend(passage.text[a:b] for a, b in key_sentence_spans(passage.text))
        starts[row + 1] = len(texts)
    vectors = np.empty((len(texts), encoder.dimension), dtype=np.float32)
    filled = np.zeros(len(texts), dtype=bool)
    for start, old in reused:
        span = previous.sentence_rows(old)
        vectors[start : start + len(span)] = previous.sentence_vectors[span]
        filled[start : start + len(span)] = True
    new = np.flatnonzero(~filled)
    if len(new):
        vectors[new] = encoder.encode_passages([texts[i] for i in new], TextKind.SENTENCE)
    return vectors, starts
