"""Text to unit-length vectors with all-MiniLM-L6-v2, modelled on sentence-transformers' backends.

- `encoder.py`: `Encoder` (the model found by path: `resolve_model`), its two public calls and the rule
  for which backend embeds what (`backend_for`);
- `pytorch.py`: the model as sentence-transformers runs it (loaded on first use);
- `onnx.py`: the ONNX copy: exported once into `instance/models/`, checked against PyTorch, run by ONNX Runtime;
- `batching.py`: `MicroBatcher`, questions from many threads in one model call;
- `cache.py`: `VectorCache`, the one vector cache (knowledge texts, saved; recent questions, in memory).
"""

from bot.embedding.batching import MicroBatcher
from bot.embedding.cache import QUESTIONS_KEPT, VectorCache
from bot.embedding.encoder import (
    DEFAULT_MODEL,
    Backend,
    Encoder,
    TextKind,
    backend_for,
    resolve_model,
)
from bot.embedding.onnx import LENGTH_SLICE, ONNX_MIN_COSINE, OnnxModel

__all__ = [
    "DEFAULT_MODEL",
    "LENGTH_SLICE",
    "ONNX_MIN_COSINE",
    "QUESTIONS_KEPT",
    "Backend",
    "Encoder",
    "MicroBatcher",
    "OnnxModel",
    "TextKind",
    "VectorCache",
    "backend_for",
    "resolve_model",
]
