"""The PyTorch backend: the model as sentence-transformers runs it, loaded only when first used."""

from __future__ import annotations

import threading

import numpy as np


class TorchModel:
    """sentence-transformers on the CPU. Loading takes 2-4 s and imports PyTorch, so it happens on first use:
    a server that starts from a saved index answers through the ONNX copy and never loads it."""

    def __init__(self, path: str, max_length: int, threads: int | None) -> None:
        self.path = path
        self.max_length = max_length
        self.threads = threads
        self._model = None
        self._load_lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def model(self):
        """The SentenceTransformer, loaded now if it is not yet."""
        with self._load_lock:
            if self._model is None:
                import torch
                import transformers
                from sentence_transformers import SentenceTransformer

                transformers.utils.logging.disable_progress_bar()
                if self.threads:
                    torch.set_num_threads(self.threads)
                self._model = SentenceTransformer(self.path, device="cpu")
        return self._model

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Unit vectors for `texts`, `batch_size` texts per model call."""
        vectors = self.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=progress
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
