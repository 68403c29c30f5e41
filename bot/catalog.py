"""The catalog: what is indexed (documents, their hashes and full text), plus the BM25 index.

Why SQLite FTS5 rather than bm25s / llama-index's BM25Retriever: those build an immutable index, so
every ingest or remove would rebuild it over the whole corpus. FTS5 ranks with BM25 too, updates
incrementally, persists on disk and commits in the same transaction as the document records, so
the keyword index can never disagree with the catalog. It ships with Python's sqlite3.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.text import STOPWORDS, words
from bot.types import Article, BotError, Chunk

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    doc_id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    published TEXT,
    place TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    authors TEXT NOT NULL DEFAULT '[]',
    origin TEXT NOT NULL DEFAULT '',
    original TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    n_chunks INTEGER NOT NULL,
    added_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    chunk_id TEXT UNIQUE NOT NULL,
    doc_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    published_day INTEGER
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE INDEX IF NOT EXISTS docs_url ON docs(url);
CREATE INDEX IF NOT EXISTS docs_origin ON docs(origin);
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    etag TEXT NOT NULL DEFAULT '',
    modified TEXT NOT NULL DEFAULT '',
    added_at REAL NOT NULL,
    checked_at REAL,
    last_status TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS feed_items (
    feed_url TEXT NOT NULL,
    item_key TEXT NOT NULL,
    doc_id TEXT NOT NULL DEFAULT '',
    seen_at REAL NOT NULL,
    PRIMARY KEY (feed_url, item_key)
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    title, body, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""


class StoreError(BotError):
    """The store on disk cannot be used as it is (corrupt, locked, other version, unwritable)."""


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


def day_number(iso: str | None) -> int | None:
    """Days since 0001-01-01 for range filters (stored as Chroma metadata and in SQLite: ints, not dates)."""
    if not iso:
        return None
    from datetime import date

    return date.fromisoformat(iso).toordinal()


class Catalog:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise StoreError(f"cannot open the catalog at {path}: {exc}") from exc
        self._check_version()

    def _check_version(self) -> None:
        found = self.get_meta("schema_version")
        if found is None:
            self.set_meta("schema_version", str(SCHEMA_VERSION))
        elif int(found) != SCHEMA_VERSION:
            raise StoreError(
                f"the store at {self.path.parent} was written by schema version {found}, this bot "
                f"reads version {SCHEMA_VERSION}: run `bot reindex` to rebuild it from the originals"
            )

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            with self._db:
                yield self._db
        except sqlite3.OperationalError as exc:
            raise StoreError(f"the catalog at {self.path} is not writable: {exc}") from exc

    # --- meta -----------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # --- documents ------------------------------------------------------------------------------
    def hashes(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT doc_id, content_hash FROM docs").fetchall())

    def put(self, article: Article, content_hash: str, chunks: list[Chunk], original: str = "") -> None:
        """Replace a document's record and keyword index in one transaction."""
        day = day_number(article.published)
        with self.transaction() as db:
            self._delete(db, article.doc_id)
            db.execute(
                "INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    article.doc_id, content_hash, article.title, article.source, article.url,
                    article.published, article.place, article.language, json.dumps(article.authors),
                    article.origin, original, article.text, len(chunks), time.time(),
                ),
            )  # fmt: skip
            for c in chunks:
                cur = db.execute(
                    "INSERT INTO chunks(chunk_id, doc_id, idx, start, end, published_day) VALUES (?,?,?,?,?,?)",
                    (c.chunk_id, c.doc_id, c.index, c.start, c.end, day),
                )
                db.execute(
                    "INSERT INTO chunks_fts(rowid, title, body) VALUES (?,?,?)",
                    (cur.lastrowid, article.title, c.text),
                )

    def remove(self, doc_id: str) -> bool:
        with self.transaction() as db:
            return self._delete(db, doc_id)

    @staticmethod
    def _delete(db: sqlite3.Connection, doc_id: str) -> bool:
        rows = db.execute("SELECT rowid FROM chunks WHERE doc_id=?", (doc_id,)).fetchall()
        db.executemany("DELETE FROM chunks_fts WHERE rowid=?", rows)
        db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
        return db.execute("DELETE FROM docs WHERE doc_id=?", (doc_id,)).rowcount > 0

    def docs(self) -> list[DocRecord]:
        rows = self._db.execute(
            "SELECT doc_id, content_hash, title, source, url, published, n_chunks, origin, original "
            "FROM docs ORDER BY published DESC, title"
        ).fetchall()
        return [DocRecord(*row) for row in rows]

    def doc(self, doc_id: str) -> DocRecord | None:
        return next((d for d in self.docs_by_ids([doc_id])), None)

    def docs_by_ids(self, doc_ids: Iterable[str]) -> list[DocRecord]:
        ids = list(doc_ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            "SELECT doc_id, content_hash, title, source, url, published, n_chunks, origin, original "
            f"FROM docs WHERE doc_id IN ({marks})",
            ids,
        ).fetchall()
        return [DocRecord(*row) for row in rows]

    def doc_id_for_urls(self, urls: Iterable[str]) -> str | None:
        """The document already ingested from any of these URLs (as its canonical URL or as asked for)."""
        wanted = [u for u in dict.fromkeys(urls) if u]
        if not wanted:
            return None
        marks = ",".join("?" * len(wanted))
        row = self._db.execute(
            f"SELECT doc_id FROM docs WHERE url IN ({marks}) OR origin IN ({marks}) ORDER BY added_at LIMIT 1",
            wanted + wanted,
        ).fetchone()
        return None if row is None else str(row[0])

    def text(self, doc_id: str) -> str | None:
        row = self._db.execute("SELECT text FROM docs WHERE doc_id=?", (doc_id,)).fetchone()
        return None if row is None else str(row[0])

    def count(self) -> tuple[int, int]:
        """(documents, chunks)"""
        n_docs = self._db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]
        n_chunks = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return int(n_docs), int(n_chunks)

    def chunk_spans(self, chunk_ids: list[str]) -> dict[str, tuple[str, int, int]]:
        """chunk_id -> (doc_id, start, end)"""
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        rows = self._db.execute(
            f"SELECT chunk_id, doc_id, start, end FROM chunks WHERE chunk_id IN ({marks})", chunk_ids
        ).fetchall()
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    # --- feeds ----------------------------------------------------------------------------------
    def add_feed(self, url: str, title: str = "") -> bool:
        """Follow a feed; False when it is already followed."""
        with self.transaction() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO feeds(url, title, added_at) VALUES (?, ?, ?)",
                (url, title, time.time()),
            )
            return cur.rowcount > 0

    def remove_feed(self, url: str) -> bool:
        """Stop following a feed (its documents stay; `bot remove` deletes those)."""
        with self.transaction() as db:
            db.execute("DELETE FROM feed_items WHERE feed_url=?", (url,))
            return db.execute("DELETE FROM feeds WHERE url=?", (url,)).rowcount > 0

    def feeds(self) -> list[FeedRecord]:
        rows = self._db.execute(
            "SELECT f.url, f.title, f.etag, f.modified, f.added_at, f.checked_at, f.last_status, "
            "(SELECT COUNT(*) FROM feed_items i WHERE i.feed_url = f.url) FROM feeds f ORDER BY f.added_at"
        ).fetchall()
        return [FeedRecord(*row) for row in rows]

    def seen_items(self, feed_url: str) -> set[str]:
        rows = self._db.execute("SELECT item_key FROM feed_items WHERE feed_url=?", (feed_url,)).fetchall()
        return {str(r[0]) for r in rows}

    def mark_items_seen(self, feed_url: str, items: list[tuple[str, str]]) -> None:
        """Record (item key, doc_id) pairs as taken; call only after their documents are committed."""
        now = time.time()
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO feed_items(feed_url, item_key, doc_id, seen_at) VALUES (?,?,?,?)",
                [(feed_url, key, doc_id, now) for key, doc_id in items],
            )

    def feed_checked(
        self,
        url: str,
        status: str,
        title: str | None = None,
        etag: str | None = None,
        modified: str | None = None,
    ) -> None:
        """Store the outcome of an update; the validators only after all its items were processed."""
        with self.transaction() as db:
            db.execute("UPDATE feeds SET checked_at=?, last_status=? WHERE url=?", (time.time(), status, url))
            if title:
                db.execute("UPDATE feeds SET title=? WHERE url=?", (title, url))
            if etag is not None or modified is not None:
                db.execute(
                    "UPDATE feeds SET etag=?, modified=? WHERE url=?", (etag or "", modified or "", url)
                )

    # --- keyword search -------------------------------------------------------------------------
    def keyword_search(
        self, query: str, limit: int, day_range: tuple[int, int] | None = None
    ) -> list[tuple[str, float]]:
        """BM25 over title and body; returns (chunk_id, score) best first, score higher = better."""
        match = fts_query(query)
        if not match:
            return []
        sql = (
            "SELECT c.chunk_id, -bm25(chunks_fts, 0.5, 1.0) AS s FROM chunks_fts "
            "JOIN chunks c ON c.rowid = chunks_fts.rowid WHERE chunks_fts MATCH ?"
        )
        args: list[Any] = [match]
        if day_range:
            sql += " AND c.published_day BETWEEN ? AND ?"
            args += list(day_range)
        sql += " ORDER BY bm25(chunks_fts, 0.5, 1.0) LIMIT ?"
        args.append(limit)
        try:
            rows = self._db.execute(sql, args).fetchall()
        except sqlite3.OperationalError:
            return []
        return [(r[0], float(r[1])) for r in rows]


def fts_query(text: str) -> str:
    """An FTS5 OR-query of the question's content words, each quoted so no word is an operator."""
    terms = dict.fromkeys(w.replace('"', "") for w in words(text) if w not in STOPWORDS and len(w) > 1)
    return " OR ".join(f'"{w}"' for w in terms if w)
