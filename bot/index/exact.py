"""Exact (brute-force) cosine search over every chunk vector, with numpy.

Chroma's HNSW graph is approximate: it can miss a true nearest neighbour. This index is the
yardstick it is measured against (evals/ann.py) and the strong dense baseline of the retrieval
ablation: one matrix product over all vectors, so its top-k is the true top-k by definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from bot.index.vectors import VectorStore


@dataclass(frozen=True)
class ExactIndex:
    """Chunk ids and their unit vectors, row i of ``matrix`` belonging to ``ids[i]``."""

    ids: list[str]
    matrix: np.ndarray  # float32 (n, dim), rows L2-normalised

    @classmethod
    def from_vectors(cls, ids: list[str], vectors: np.ndarray) -> ExactIndex:
        """Normalise again: cosine is the dot product only for unit rows, whatever wrote them."""
        m = np.asarray(vectors, dtype=np.float32)
        if len(ids) != len(m):
            raise ValueError(f"{len(ids)} ids for {len(m)} vectors")
        norms = np.linalg.norm(m, axis=1, keepdims=True) if len(m) else np.ones((0, 1), np.float32)
        return cls(list(ids), m / np.maximum(norms, 1e-12))

    @classmethod
    def from_store(cls, store: VectorStore) -> ExactIndex:
        ids, vectors = store.all_vectors()
        return cls.from_vectors(ids, vectors)

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) best first, ties broken by row order (deterministic)."""
        if not self.ids or k < 1:
            return []
        q = np.asarray(vector, dtype=np.float32)
        sims = self.matrix @ (q / max(float(np.linalg.norm(q)), 1e-12))
        k = min(k, len(sims))
        top = np.argpartition(-sims, k - 1)[:k] if k < len(sims) else np.arange(len(sims))
        order = top[np.lexsort((top, -sims[top]))]
        return [(self.ids[i], float(sims[i])) for i in order]
