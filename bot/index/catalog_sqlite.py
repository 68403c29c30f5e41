"""The embedded catalog back end: SQLite under ``BOT_HOME`` (documents, hashes, texts, FTS5 BM25, claims).

Languages: ``chunks_fts`` tokenizes with Porter, which stems English only. Documents in a language
of ``bot.language.stems.STEMMED`` (Russian) are also indexed in ``chunks_fts_stem`` as Snowball stems,
and a question with Cyrillic words searches both tables (the better score of a chunk counts).

Why SQLite FTS5 rather than bm25s / llama-index's BM25Retriever: those build an immutable index, so
every ingest or remove would rebuild it over the whole corpus. FTS5 ranks with BM25 too, updates
incrementally, persists on disk and commits in the same transaction as the document records, so
the keyword index can never disagree with the catalog. It ships with Python's sqlite3.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import socket
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.index.catalog import (
    SCHEMA_VERSION,
    Catalog,
    ClaimState,
    CopyRecord,
    DocRecord,
    FeedRecord,
    StoreError,
    day_number,
    fts_query,
    query_terms,
)
from bot.language.stems import STEMMED, has_cyrillic, stems
from bot.types import Article, Chunk

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
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts_stem USING fts5(
    title, body, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS copy_bands (key INTEGER NOT NULL, doc_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS copy_bands_key ON copy_bands(key);
CREATE INDEX IF NOT EXISTS copy_bands_doc ON copy_bands(doc_id);
CREATE TABLE IF NOT EXISTS copy_links (
    doc_id TEXT NOT NULL,
    doc_hash TEXT NOT NULL,
    other_id TEXT NOT NULL,
    other_hash TEXT NOT NULL,
    similarity REAL NOT NULL,
    PRIMARY KEY (doc_id, other_id)
);
CREATE INDEX IF NOT EXISTS copy_links_other ON copy_links(other_id);
CREATE TABLE IF NOT EXISTS claims (
    doc_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    writing INTEGER NOT NULL DEFAULT 0,
    since REAL NOT NULL
);
"""


class SQLiteCatalog(Catalog):
    """One SQLite file; several processes on one machine may share it (WAL, one writer at a time).

    An owner's liveness is a lock file under ``owners/`` that its process holds with ``flock`` while
    the catalog is open: the kernel releases it when the process dies, even by kill -9.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.owner = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"
        self._owners_dir = path.parent / "owners"
        self._owner_fd: int | None = None
        self._lock = threading.RLock()
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
        if self._owner_fd is not None:
            (self._owners_dir / self.owner).unlink(missing_ok=True)
            os.close(self._owner_fd)  # releases the flock: our claims are now stale
            self._owner_fd = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that takes the write lock at once (BEGIN IMMEDIATE), so a
        read-then-write (claims) cannot interleave with another process's."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.rollback()
                    raise
                self._db.commit()
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

    def put(
        self,
        article: Article,
        content_hash: str,
        chunks: list[Chunk],
        original: str = "",
        *,
        keyword_title: bool = True,
    ) -> None:
        """Replace a document's record and keyword index in one transaction."""
        day = day_number(article.published)
        title = article.title if keyword_title else ""
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
                    (cur.lastrowid, title, c.text),
                )
                if article.language in STEMMED:
                    db.execute(
                        "INSERT INTO chunks_fts_stem(rowid, title, body) VALUES (?,?,?)",
                        (
                            cur.lastrowid,
                            stems(title, article.language),
                            stems(c.text, article.language),
                        ),
                    )

    def remove(self, doc_id: str) -> bool:
        with self.transaction() as db:
            return self._delete(db, doc_id)

    @staticmethod
    def _delete(db: sqlite3.Connection, doc_id: str) -> bool:
        rows = db.execute("SELECT rowid FROM chunks WHERE doc_id=?", (doc_id,)).fetchall()
        db.executemany("DELETE FROM chunks_fts WHERE rowid=?", rows)
        db.executemany("DELETE FROM chunks_fts_stem WHERE rowid=?", rows)
        db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
        db.execute("DELETE FROM copy_bands WHERE doc_id=?", (doc_id,))
        db.execute("DELETE FROM copy_links WHERE doc_id=? OR other_id=?", (doc_id, doc_id))
        return db.execute("DELETE FROM docs WHERE doc_id=?", (doc_id,)).rowcount > 0

    def set_origins(self, origins: list[tuple[str, str]]) -> None:
        with self.transaction() as db:
            db.executemany("UPDATE docs SET origin=? WHERE doc_id=?", origins)

    def docs(self) -> list[DocRecord]:
        rows = self._db.execute(
            "SELECT doc_id, content_hash, title, source, url, published, n_chunks, origin, original "
            "FROM docs ORDER BY published DESC, title"
        ).fetchall()
        return [DocRecord(*row) for row in rows]

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

    def chunk_ids(self) -> list[str]:
        return [str(r[0]) for r in self._db.execute("SELECT chunk_id FROM chunks")]

    def chunk_spans(self, chunk_ids: list[str]) -> dict[str, tuple[str, int, int]]:
        """chunk_id -> (doc_id, start, end)"""
        if not chunk_ids:
            return {}
        marks = ",".join("?" * len(chunk_ids))
        rows = self._db.execute(
            f"SELECT chunk_id, doc_id, start, end FROM chunks WHERE chunk_id IN ({marks})", chunk_ids
        ).fetchall()
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    # --- wire copies ----------------------------------------------------------------------------
    def copy_candidates(self, keys: list[int], exclude: str = "") -> list[str]:
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        rows = self._db.execute(
            f"SELECT DISTINCT doc_id FROM copy_bands WHERE key IN ({marks}) AND doc_id != ?", [*keys, exclude]
        ).fetchall()
        return sorted(str(r[0]) for r in rows)

    def set_copies(
        self, doc_id: str, content_hash: str, keys: list[int], links: list[tuple[str, str, float]]
    ) -> bool:
        with self.transaction() as db:
            row = db.execute("SELECT content_hash FROM docs WHERE doc_id=?", (doc_id,)).fetchone()
            if row is None or row[0] != content_hash:
                return False
            db.execute("DELETE FROM copy_bands WHERE doc_id=?", (doc_id,))
            db.execute("DELETE FROM copy_links WHERE doc_id=? OR other_id=?", (doc_id, doc_id))
            db.executemany("INSERT INTO copy_bands(key, doc_id) VALUES (?,?)", [(k, doc_id) for k in keys])
            rows = [(doc_id, content_hash, o, oh, sim) for o, oh, sim in links if o != doc_id]
            rows += [(o, oh, doc_id, content_hash, sim) for o, oh, sim in links if o != doc_id]
            db.executemany("INSERT OR REPLACE INTO copy_links VALUES (?,?,?,?,?)", rows)
            return True

    def copies_of(self, doc_ids: Iterable[str], min_similarity: float = 0.0) -> dict[str, list[CopyRecord]]:
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            "SELECT l.doc_id, d.doc_id, d.title, d.source, d.url, d.published, l.similarity "
            "FROM copy_links l JOIN docs a ON a.doc_id = l.doc_id AND a.content_hash = l.doc_hash "
            "JOIN docs d ON d.doc_id = l.other_id AND d.content_hash = l.other_hash "
            f"WHERE l.doc_id IN ({marks}) AND l.similarity >= ? "
            "ORDER BY l.similarity DESC, d.published, d.doc_id",
            [*ids, min_similarity],
        ).fetchall()
        out: dict[str, list[CopyRecord]] = {}
        for row in rows:
            out.setdefault(str(row[0]), []).append(CopyRecord(*row[1:]))
        return out

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
        hits = self._fts("chunks_fts", fts_query(query), limit, day_range)
        if has_cyrillic(query):  # Russian words: their stems, in the stemmed index
            terms = [stems(w) for w in query_terms(query)]
            stemmed = self._fts(
                "chunks_fts_stem", " OR ".join(f'"{t}"' for t in terms if t), limit, day_range
            )
            best = dict(hits)
            for cid, score in stemmed:
                best[cid] = max(score, best.get(cid, score))
            hits = sorted(best.items(), key=lambda x: -x[1])[:limit]
        return hits

    def _fts(
        self, table: str, match: str, limit: int, day_range: tuple[int, int] | None
    ) -> list[tuple[str, float]]:
        if not match:
            return []
        sql = (
            f"SELECT c.chunk_id, -bm25({table}, 0.5, 1.0) AS s FROM {table} "
            f"JOIN chunks c ON c.rowid = {table}.rowid WHERE {table} MATCH ?"
        )
        args: list[Any] = [match]
        if day_range:
            sql += " AND c.published_day BETWEEN ? AND ?"
            args += list(day_range)
        sql += f" ORDER BY bm25({table}, 0.5, 1.0) LIMIT ?"
        args.append(limit)
        try:
            rows = self._db.execute(sql, args).fetchall()
        except sqlite3.OperationalError:
            return []
        return [(r[0], float(r[1])) for r in rows]

    # --- write coordination -----------------------------------------------------------------------
    def claim(self, doc_id: str, content_hash: str) -> ClaimState:
        self._hold_owner_lock()
        with self.transaction() as db:
            row = db.execute("SELECT content_hash FROM docs WHERE doc_id=?", (doc_id,)).fetchone()
            if row is not None and row[0] == content_hash:
                return "current"
            held = db.execute("SELECT owner FROM claims WHERE doc_id=?", (doc_id,)).fetchone()
            if held is None:
                db.execute(
                    "INSERT INTO claims(doc_id, owner, writing, since) VALUES (?,?,0,?)",
                    (doc_id, self.owner, time.time()),
                )
            elif held[0] != self.owner:
                if self._alive(str(held[0])):
                    return "held"
                db.execute(
                    "UPDATE claims SET owner=?, since=? WHERE doc_id=?", (self.owner, time.time(), doc_id)
                )
            return "claimed"

    def mark_writing(self, doc_ids: list[str]) -> None:
        self._hold_owner_lock()
        now = time.time()
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO claims(doc_id, owner, writing, since) VALUES (?,?,1,?) "
                "ON CONFLICT(doc_id) DO UPDATE SET owner=excluded.owner, writing=1",
                [(d, self.owner, now) for d in doc_ids],
            )

    def release(self, doc_ids: list[str]) -> None:
        with self.transaction() as db:
            db.executemany(
                "DELETE FROM claims WHERE doc_id=? AND owner=?", [(d, self.owner) for d in doc_ids]
            )

    def take_stale(self) -> list[str]:
        others = self._db.execute("SELECT 1 FROM claims WHERE owner != ? LIMIT 1", (self.owner,)).fetchone()
        if others is None and self.get_meta("pending") in (None, "[]"):
            return []  # the common case: a plain read, no write lock and no owner file
        self._hold_owner_lock()
        with self.transaction() as db:
            rows = db.execute(
                "SELECT doc_id, owner, writing FROM claims WHERE owner != ?", (self.owner,)
            ).fetchall()
            alive = {o: self._alive(o) for o in {str(r[1]) for r in rows}}
            stale = [str(d) for d, o, w in rows if w and not alive[str(o)]]
            db.executemany(
                "DELETE FROM claims WHERE doc_id=?", [(d,) for d, o, w in rows if not w and not alive[str(o)]]
            )
            db.executemany("UPDATE claims SET owner=? WHERE doc_id=?", [(self.owner, d) for d in stale])
            # Stores written before claims existed kept the in-flight documents in meta.
            legacy = json.loads(
                (db.execute("SELECT value FROM meta WHERE key='pending'").fetchone() or ["[]"])[0]
            )
            if legacy:
                now = time.time()
                db.executemany(
                    "INSERT OR REPLACE INTO claims(doc_id, owner, writing, since) VALUES (?,?,1,?)",
                    [(d, self.owner, now) for d in legacy],
                )
                db.execute("DELETE FROM meta WHERE key='pending'")
        return sorted(set(stale) | set(legacy))

    def writing(self) -> list[str]:
        rows = self._db.execute("SELECT doc_id FROM claims WHERE writing=1").fetchall()
        return sorted(str(r[0]) for r in rows)

    def _hold_owner_lock(self) -> None:
        """Create and flock our owner file on the first write: read-only users never need one."""
        if self._owner_fd is not None:
            return
        try:
            self._owners_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._owners_dir / self.owner, os.O_CREAT | os.O_RDWR, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise StoreError(f"the catalog at {self.path} is not writable: {exc}") from exc
        self._owner_fd = fd

    def _alive(self, owner: str) -> bool:
        """Is another owner's process still running? Its lock file is flocked while it is."""
        if owner == self.owner:
            return True
        path = self._owners_dir / owner
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        path.unlink(missing_ok=True)
        return False


# --- a store's catalog read from outside (``bot reindex``) -------------------------------------------
def read_originals(path: Path) -> list[tuple[str, str, str, str]]:
    """``(doc_id, original, origin, content_hash)`` of every document, oldest first, read-only.

    sqlite3 errors pass through: the caller tells a locked catalog from an unreadable one.
    """
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=10)
    try:
        return db.execute(
            "SELECT doc_id, original, origin, content_hash FROM docs ORDER BY added_at"
        ).fetchall()
    finally:
        db.close()


def copy_feeds(old: Path, new: Path) -> None:
    """The followed feeds and the items already taken are not documents: copy them over as they are.

    Best effort from an old catalog that cannot be read (or predates feeds): nothing to carry.
    """
    try:
        src = sqlite3.connect(f"{old.as_uri()}?mode=ro", uri=True, timeout=10)
        try:
            feeds = src.execute(
                "SELECT url, title, etag, modified, added_at, checked_at, last_status FROM feeds"
            ).fetchall()
            items = src.execute("SELECT feed_url, item_key, doc_id, seen_at FROM feed_items").fetchall()
        finally:
            src.close()
    except sqlite3.Error:
        return
    dst = sqlite3.connect(str(new), timeout=30)
    try:
        with dst:
            dst.executemany("INSERT OR REPLACE INTO feeds VALUES (?,?,?,?,?,?,?)", feeds)
            dst.executemany("INSERT OR REPLACE INTO feed_items VALUES (?,?,?,?)", items)
    finally:
        dst.close()
