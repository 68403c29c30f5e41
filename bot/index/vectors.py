"""The vector store: chunk vectors in Chroma, written through llama-index's ChromaVectorStore.

Embedded (``PersistentClient`` under ``BOT_HOME``) by default; a Chroma server (``BOT_CHROMA_URL``)
is the same class with another client. Chroma never embeds anything itself here: its default
embedding function downloads a model, so the collection is created without one and every vector
comes from our embedder.

llama-index is imported only when a vector is written or deleted: importing it costs ~1.3 s of a
cold process (its package init loads every index type), and ``bot search`` / ``bot ask`` only
query, which goes to the Chroma collection directly.
"""

from __future__ import annotations

import contextlib
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np

from bot.index.catalog import StoreError

if TYPE_CHECKING:
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from bot.config import Config

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


class VectorStore(ABC):
    @abstractmethod
    def add(self, ids: list[str], vectors: np.ndarray, texts: list[str], metas: list[dict[str, Any]]) -> None:
        """Insert chunk vectors; ``metas`` must hold ``doc_id``."""

    @abstractmethod
    def delete_doc(self, doc_id: str) -> None: ...

    @abstractmethod
    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) best first."""

    @abstractmethod
    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors by chunk id: exact similarities for candidates found by keywords only."""

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def all_vectors(self, batch: int = 5000) -> tuple[list[str], np.ndarray]:
        """Every chunk id and its vector: what an exact search (bot.index.exact) is built on."""

    @abstractmethod
    def doc_ids(self) -> set[str]:
        """Every doc_id that has a vector: lets ingest find orphans left by a crash."""


class ChromaStore(VectorStore):
    def __init__(self, client: Any, collection: str) -> None:
        try:
            self._collection = client.get_or_create_collection(
                collection, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
        except Exception as exc:  # chromadb raises many types for a bad store
            raise StoreError(f"cannot open the Chroma collection {collection!r}: {exc}") from exc
        try:
            self._max_batch = int(client.get_max_batch_size())
        except Exception:
            self._max_batch = 5000

    @classmethod
    def from_config(cls, config: Config) -> ChromaStore:
        return cls(chroma_client(config), config.collection)

    @property
    def chroma_collection(self) -> Any:
        """The chromadb collection itself, for tools that read Chroma directly (baselines, ANN evals)."""
        return self._collection

    @cached_property
    def _li(self) -> ChromaVectorStore:
        """llama-index's writer over the same collection, built on the first write (see the module
        docstring: a query-only process never pays for importing llama-index)."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self._collection)

    def add(self, ids: list[str], vectors: np.ndarray, texts: list[str], metas: list[dict[str, Any]]) -> None:
        from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode

        nodes: list[BaseNode] = []
        for chunk_id, vec, text, meta in zip(ids, vectors, texts, metas, strict=True):
            node = TextNode(id_=chunk_id, text=text, embedding=vec.tolist(), metadata=meta)
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=meta["doc_id"])
            nodes.append(node)
        # Chroma caps one add at its max batch size (5,461 here); a long document can exceed it.
        step = self._max_batch
        for lo in range(0, len(nodes), step):
            with _damaged_store_errors():
                self._li.add(nodes[lo : lo + step])

    def delete_doc(self, doc_id: str) -> None:
        with _damaged_store_errors():
            self._li.delete(ref_doc_id=doc_id)

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Asks the Chroma collection directly rather than through llama-index's
        ``ChromaVectorStore.query``: that one also fetches every hit's text and metadata (which the
        catalog already holds) and counts the collection first — 19 ms against 3 ms per query on the
        37k-chunk benchmark store, a fifth of retrieval's latency budget.
        """
        with _damaged_store_errors():
            result = self._collection.query(
                query_embeddings=[vector.tolist()], n_results=k, include=["distances"]
            )
        distances = result["distances"] or [[]]
        # Cosine distance is 1 - cosine similarity (the collection is created with hnsw:space cosine).
        return [(i, 1.0 - float(d)) for i, d in zip(result["ids"][0], distances[0], strict=True)]

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        with _damaged_store_errors():
            got = self._collection.get(ids=ids, include=["embeddings"])
        return {
            i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"], strict=True)
        }

    def count(self) -> int:
        with _damaged_store_errors():
            return int(self._collection.count())

    def all_vectors(self, batch: int = 5000) -> tuple[list[str], np.ndarray]:
        """Read in pages: one ``get`` of every embedding is capped like ``add`` is."""
        ids: list[str] = []
        rows: list[np.ndarray] = []
        offset = 0
        while True:
            with _damaged_store_errors():
                got = self._collection.get(include=["embeddings"], limit=batch, offset=offset)
            if not got["ids"]:
                break
            ids += got["ids"]
            rows.append(np.asarray(got["embeddings"], dtype=np.float32))
            offset += len(got["ids"])
        dim = rows[0].shape[1] if rows else 0
        return ids, np.concatenate(rows) if rows else np.zeros((0, dim), dtype=np.float32)

    def doc_ids(self) -> set[str]:
        with _damaged_store_errors():
            got = self._collection.get(include=["metadatas"])
        return {str(m.get("doc_id")) for m in got["metadatas"] or []}


@contextmanager
def _damaged_store_errors() -> Iterator[None]:
    """Chroma reports a damaged index as an internal error; say what it means and what fixes it."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        if type(exc).__name__ in {"InternalError", "RuntimeError", "OSError"} or "hnsw" in str(exc).lower():
            raise StoreError(
                f"the vector store is damaged or unreadable ({type(exc).__name__}: {str(exc)[:200]}); "
                "run `bot reindex` to rebuild it from the kept originals"
            ) from exc
        raise


def chroma_client(config: Config) -> Any:
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if config.chroma_url:
        url = urlparse(config.chroma_url)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=settings,
            )
        except Exception as exc:
            raise StoreError(f"cannot reach the Chroma server at {config.chroma_url}: {exc}") from exc
    try:
        config.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(config.chroma_dir), settings=settings)
    except Exception as exc:
        raise StoreError(f"cannot open the Chroma store at {config.chroma_dir}: {exc}") from exc


def forget_embedded(path: Path) -> None:
    """Drop chromadb's per-process cache of an embedded store, so the path is opened afresh.

    chromadb keeps one open "system" per persist directory for the life of the process; after
    ``bot reindex`` swaps folders that entry would still read the files that moved to the backup.
    chromadb has no public call for one path (``clear_system_cache`` stops every store of the
    process, the web chat's too), so this reaches into its class-level cache, here and nowhere else.
    """
    try:
        from chromadb.api.shared_system_client import SharedSystemClient
    except ImportError:  # pragma: no cover - chromadb is a dependency
        return
    for key in {str(path), str(path.resolve())}:
        system = SharedSystemClient._identifier_to_system.pop(key, None)
        SharedSystemClient._identifier_to_refcount.pop(key, None)
        if system is not None:
            with contextlib.suppress(Exception):  # best effort: the entry is gone either way
                system.stop()
