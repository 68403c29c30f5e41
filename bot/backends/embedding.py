"""The embedding interface, its factory, and the adapter llama-index needs.

A back end is a class with ``embed(texts) -> np.ndarray`` (rows L2-normalised) for what the store
holds, and ``embed_queries(texts)`` for questions. The two differ only for models trained with
asymmetric inputs (e5 wants "query: " before a question and "passage: " before a passage); for the
others ``embed_queries`` is ``embed``. The factory maps ``BOT_EMBEDDER`` to a class imported lazily,
so a new model is a new module plus one line here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.registry import load
from bot.types import BotError

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

    from bot.config import Config


class EmbedderUnavailable(BotError):
    """The configured embedding model cannot be loaded."""


class Embedder(ABC):
    """Turns texts into unit vectors; ``name`` is recorded in the store to refuse mixing models."""

    name: str = "embedder"
    dim: int = 0
    where: str = "in process"  # said in errors: which process or server makes the vectors
    max_tokens: int = 256

    @abstractmethod
    def embed(self, texts: list[str]) -> np.ndarray:
        """Passages (what the store holds): a float32 array (len(texts), dim) of L2-normalised rows,
        in input order."""

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Questions, to be compared with vectors from ``embed``. Symmetric models (MiniLM, a server
        of one) embed both sides alike, so the default is ``embed``; e5-style models override it."""
        return self.embed(texts)

    @property
    def symmetric(self) -> bool:
        """True when questions and passages are embedded alike (``embed_queries`` not overridden):
        a caller may then embed both in one batch, as the sentence scorer does."""
        return type(self).embed_queries is Embedder.embed_queries

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)

    def as_llama_index(self) -> BaseEmbedding:
        """Wrap for llama-index components (its vector index, baselines) without a second model load."""
        return _llama_index_adapter(self)


def make_embedder(config: Config) -> Embedder:
    embedder: Embedder = load("embedder", config.embedder, EmbedderUnavailable).from_config(config)
    return embedder


def _llama_index_adapter(embedder: Embedder) -> BaseEmbedding:
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class _Adapter(BaseEmbedding):
        _inner: Any = PrivateAttr()

        def __init__(self, inner: Embedder) -> None:
            super().__init__(model_name=inner.name, embed_batch_size=32)
            self._inner = inner

        def _get_query_embedding(self, query: str) -> list[float]:
            return [float(x) for x in self._inner.embed_queries([query])[0]]

        def _get_text_embedding(self, text: str) -> list[float]:
            return [float(x) for x in self._inner.embed([text])[0]]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return [[float(x) for x in row] for row in self._inner.embed(texts)]

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return _Adapter(embedder)
