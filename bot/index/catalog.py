"""The catalog interface: what is indexed (documents, hashes, full texts), the BM25-style keyword
index, and who is writing what.

Two back ends implement it: SQLite under ``BOT_HOME`` (the embedded default, ``bot.index.catalog_sqlite``)
and PostgreSQL (``BOT_CATALOG_URL=postgresql://...``, ``bot.index.catalog_postgres``) for several ingest
workers and bot replicas on one corpus. :func:`open_catalog` picks one from the configuration.

Why the write coordination lives here: the catalog is the one thing every worker shares with
transactions. A worker *claims* a document before embedding it (so N workers take disjoint
documents), marks it *writing* before its vectors change (so a crash is repaired: the next worker
that opens the store deletes the half-written document whole), and *releases* it in the end. Each
worker has an owner id whose liveness the back end can test without trusting clocks (an advisory
lock held by its Postgres session; a lock file held by its process for SQLite): a claim of a dead
owner is taken over, a claim of a live one is left alone.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from bot.language.lexicon import STOPWORDS
from bot.language.text import words
from bot.types import Article, BotError, Chunk

if TYPE_CHECKING:
    from bot.config import Config

SCHEMA_VERSION = 1

# What claim() found: "claimed" (now ours), "current" (the catalog already holds this content),
# "held" (another live worker is on it).
ClaimState = Literal["claimed", "current", "held"]


class StoreError(BotError):
    """The store cannot be used as it is (corrupt, locked, other version, unwritable, unreachable)."""


@dataclass
class DocRecord:
    doc_id: str
    content_hash: str
    title: str
    source: str
    url: str
    published: str | None
    n_chunks: int
    origin: str
    original: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class CopyRecord:
    """Another document holding the same story (a wire copy), as shown under "also published by"."""

    doc_id: str
    title: str
    source: str
    url: str
    published: str | None
    similarity: float  # exact Jaccard of the two texts' word shingles (bot.index.copies)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class FeedRecord:
    url: str
    title: str
    etag: str  # of the last full answer: the next update sends it as If-None-Match
    modified: str  # Last-Modified of that answer: sent as If-Modified-Since
    added_at: float
    checked_at: float | None
    last_status: str
    items: int = 0  # items taken from it so far

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Catalog(ABC):
    """Documents, keyword search and write coordination; one instance per process and store."""

    owner: str  # this instance's id in claims

    @abstractmethod
    def close(self) -> None:
        """Release the connection and this owner's liveness lock (its claims become stale)."""

    # --- meta -----------------------------------------------------------------------------------
    @abstractmethod
    def get_meta(self, key: str) -> str | None: ...

    @abstractmethod
    def set_meta(self, key: str, value: str) -> None: ...

    def set_meta_default(self, key: str, value: str) -> str:
        """Set ``key`` unless it is set; return what is stored (racing workers agree on one value)."""
        found = self.get_meta(key)
        if found is None:
            self.set_meta(key, value)
            return value
        return found

    # --- documents ------------------------------------------------------------------------------
    @abstractmethod
    def hashes(self) -> dict[str, str]: ...

    @abstractmethod
    def put(
        self,
        article: Article,
        content_hash: str,
        chunks: list[Chunk],
        original: str = "",
        *,
        keyword_title: bool = True,
    ) -> None:
        """Replace a document's record and keyword index in one transaction; ``keyword_title``
        False leaves the title column of the chunks' keyword index empty (``BOT_CHUNK_TITLE=0``)."""

    @abstractmethod
    def remove(self, doc_id: str) -> bool: ...

    @abstractmethod
    def docs(self) -> list[DocRecord]:
        """Every document, newest first."""

    @abstractmethod
    def docs_by_ids(self, doc_ids: Iterable[str]) -> list[DocRecord]: ...

    def doc(self, doc_id: str) -> DocRecord | None:
        return next(iter(self.docs_by_ids([doc_id])), None)

    @abstractmethod
    def doc_id_for_urls(self, urls: Iterable[str]) -> str | None:
        """The document already ingested from any of these URLs (as its canonical URL or as asked for)."""

    @abstractmethod
    def text(self, doc_id: str) -> str | None: ...

    @abstractmethod
    def count(self) -> tuple[int, int]:
        """(documents, chunks)"""

    @abstractmethod
    def chunk_ids(self) -> list[str]:
        """Every chunk id (consistency checks against the vector store)."""

    @abstractmethod
    def chunk_spans(self, chunk_ids: list[str]) -> dict[str, tuple[str, int, int]]:
        """chunk_id -> (doc_id, start, end)"""

    @abstractmethod
    def set_origins(self, origins: list[tuple[str, str]]) -> None:
        """(origin, doc_id) pairs: where each document first came from (kept across a reindex)."""

    @abstractmethod
    def keyword_search(
        self, query: str, limit: int, day_range: tuple[int, int] | None = None
    ) -> list[tuple[str, float]]:
        """Ranked full-text search over title and body: (chunk_id, score) best first, higher = better."""

    # --- wire copies (bot.index.copies) ---------------------------------------------------------------
    @abstractmethod
    def copy_candidates(self, keys: list[int], exclude: str = "") -> list[str]:
        """Documents sharing at least one MinHash band key with ``keys`` (to be checked exactly)."""

    @abstractmethod
    def set_copies(
        self, doc_id: str, content_hash: str, keys: list[int], links: list[tuple[str, str, float]]
    ) -> bool:
        """Replace a document's band keys and its copy links ``(other_id, other_hash, similarity)``,
        both directions, unless the document no longer holds ``content_hash`` (then False)."""

    @abstractmethod
    def copies_of(self, doc_ids: Iterable[str], min_similarity: float = 0.0) -> dict[str, list[CopyRecord]]:
        """Each document's current copies, most similar first. A link counts only while both of
        its documents still hold the content hashes it was verified on: never a stale group."""

    # --- feeds ----------------------------------------------------------------------------------
    @abstractmethod
    def add_feed(self, url: str, title: str = "") -> bool:
        """Follow a feed; False when it is already followed."""

    @abstractmethod
    def remove_feed(self, url: str) -> bool:
        """Stop following a feed (its documents stay; `bot remove` deletes those)."""

    @abstractmethod
    def feeds(self) -> list[FeedRecord]: ...

    @abstractmethod
    def seen_items(self, feed_url: str) -> set[str]: ...

    @abstractmethod
    def mark_items_seen(self, feed_url: str, items: list[tuple[str, str]]) -> None:
        """Record (item key, doc_id) pairs as taken; call only after their documents are committed."""

    @abstractmethod
    def feed_checked(
        self,
        url: str,
        status: str,
        title: str | None = None,
        etag: str | None = None,
        modified: str | None = None,
    ) -> None:
        """Store the outcome of an update; the validators only after all its items were processed."""

    # --- write coordination -----------------------------------------------------------------------
    @abstractmethod
    def claim(self, doc_id: str, content_hash: str) -> ClaimState:
        """Take ``doc_id`` for this owner unless the catalog already holds ``content_hash`` or a live
        owner has it; a dead owner's claim is taken over (keeping its *writing* mark)."""

    @abstractmethod
    def mark_writing(self, doc_ids: list[str]) -> None:
        """Before vectors change: after a crash these documents are deleted whole by the next opener."""

    @abstractmethod
    def release(self, doc_ids: list[str]) -> None:
        """Drop this owner's claims on ``doc_ids`` (after the catalog commit, or on failure)."""

    @abstractmethod
    def take_stale(self) -> list[str]:
        """Documents a dead owner was writing, now owned by us to clean up; dead plain claims are dropped."""

    @abstractmethod
    def writing(self) -> list[str]:
        """Every document marked writing by any owner (for consistency checks)."""


def open_catalog(config: Config) -> Catalog:
    """SQLite under ``BOT_HOME`` unless ``BOT_CATALOG_URL`` names a PostgreSQL server."""
    if config.catalog_url:
        try:
            from bot.index.catalog_postgres import PostgresCatalog
        except ImportError as exc:
            raise StoreError(
                f"BOT_CATALOG_URL needs the PostgreSQL driver ({exc.name}): pip install 'newsbot[postgres]'"
            ) from exc
        return PostgresCatalog(config.catalog_url)
    from bot.index.catalog_sqlite import SQLiteCatalog

    return SQLiteCatalog(config.catalog_path)


def day_number(iso: str | None) -> int | None:
    """Days since 0001-01-01 for range filters (stored as Chroma metadata and in the catalog: ints)."""
    if not iso:
        return None
    from datetime import date

    return date.fromisoformat(iso).toordinal()


def query_terms(text: str) -> list[str]:
    """The question's content words, once each, in order: what both keyword back ends search for."""
    return list(dict.fromkeys(w.replace('"', "") for w in words(text) if w not in STOPWORDS and len(w) > 1))


def fts_query(text: str) -> str:
    """An FTS5 OR-query of the question's content words, each quoted so no word is an operator."""
    return " OR ".join(f'"{w}"' for w in query_terms(text) if w)
