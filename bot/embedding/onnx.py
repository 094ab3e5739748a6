"""The ONNX backend: the model's transformer exported once to ONNX, checked against PyTorch, run by ONNX Runtime.

The export is made from the local weights into the models folder (`instance/models/<model>.onnx`, with a
`<model>.json` report of the check beside it) and reused by every later start and every process.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from bot.fileops import file_lock, write_atomically

if TYPE_CHECKING:
    from bot.embedding.pytorch import TorchModel

log = logging.getLogger(__name__)
ONNX_MIN_COSINE = 0.999
# Texts per model call within a batch, sorted by length (measured on MiniLM, 2 cores: slices of 16 encode
# 1.4-1.9x more questions per second than one padded call for a mixed batch of 50-64).
LENGTH_SLICE = 16
# Texts tokenized together when many are embedded: they are padded to the longest of them, about 62 KB a
# text, so a large knowledge base's first build (33,000 passages) tokenized at once would hold 2 GB.
TOKENIZED_AT_ONCE = 1024
_PROBES = [
    "can microneedling help my acne scars?",
    "Hi",
    "The Journal of Plastic, Reconstructive & Aesthetic Surgery report also showed that microneedling can safely "
    "and effectively minimize visible scarring on the skin. " * 8,
]


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}


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

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Unit vectors for `texts` (at least one). A batch runs as slices of similar length: padding every
        text to the longest one in a mixed batch would spend most of the work on padding. `progress` shows a
        bar (a large knowledge base's first build)."""
        bar = tqdm(total=len(texts), desc="Embedding", unit="text") if progress else None
        chunks = range(0, len(texts), TOKENIZED_AT_ONCE)
        vectors = np.concatenate([self._encode_sliced(texts[at : at + TOKENIZED_AT_ONCE], bar) for at in chunks])
        if bar is not None:
            bar.close()
        return vectors

    def _encode_sliced(self, texts: list[str], bar: tqdm | None) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        lengths = mask.sum(axis=1)
        order = np.argsort(lengths, kind="stable")
        vectors = np.empty((len(texts), 0), dtype=np.float32)
        for start in range(0, len(order), LENGTH_SLICE):
            rows = order[start : start + LENGTH_SLICE]
            longest = lengths[rows].max()
            part = self._run(ids[rows, :longest], mask[rows, :longest])
            if not vectors.shape[1]:
                vectors = np.empty((len(texts), part.shape[1]), dtype=np.float32)
            vectors[rows] = part
            if bar is not None:
                bar.update(len(rows))
        return vectors

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self.inputs})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    @classmethod
    def load_or_export(cls, torch_model: TorchModel, name: str, folder: Path) -> OnnxModel | None:
        """The ONNX copy of `torch_model` (named `name`): loaded when already exported and checked, else
        exported from the local weights now (a few seconds, once). None when it does not match PyTorch."""
        folder.mkdir(parents=True, exist_ok=True)
        stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
        onnx_file, report_file = folder / f"{stem}.onnx", folder / f"{stem}.json"
        tokenizer_file = Path(torch_model.path) / "tokenizer.json"
        with file_lock(folder / f".{stem}.lock"):
            report = read_json(report_file)
            if report.get("source") != torch_model.path or not onnx_file.exists():
                report = cls._export(torch_model, name, onnx_file, tokenizer_file)
                write_atomically(report_file, json.dumps(report, indent=1))
        if report.get("min_cosine", 0.0) < ONNX_MIN_COSINE:
            cosine = report.get("min_cosine")
            log.warning("ONNX copy of %s differs from PyTorch (cosine %s): every text uses PyTorch", name, cosine)
            return None
        return cls(onnx_file, tokenizer_file, torch_model.max_length, torch_model.threads)

    @classmethod
    def _export(cls, torch_model: TorchModel, name: str, onnx_file: Path, tokenizer_file: Path) -> dict:
        """Export, then check: the copy must give PyTorch's vectors for a few probe texts (short and long)."""
        import torch

        log.info("Exporting %s to ONNX (once)", name)
        transformer = torch_model.model[0].auto_model.eval()

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
            onnx = cls(onnx_file, tokenizer_file, torch_model.max_length, torch_model.threads)
            cosines = (onnx.encode(_PROBES) * torch_model.encode(_PROBES)).sum(axis=1)
        except Exception as error:  # an exotic model that does not export: stay on PyTorch
            log.warning("ONNX export of %s failed (%s): every text uses PyTorch", name, error)
            staging.unlink(missing_ok=True)
            return {"source": torch_model.path, "min_cosine": 0.0, "error": str(error)}
        return {"source": torch_model.path, "min_cosine": round(float(cosines.min()), 6)}
