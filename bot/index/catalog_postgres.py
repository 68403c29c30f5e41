"""The shared catalog back end: PostgreSQL (``BOT_CATALOG_URL=postgresql://user@host:5432/db``).

Why: several ingest workers and ``bot serve`` replicas on different machines must see one corpus
and must not duplicate or lose each other's writes; SQLite is one file on one machine. The tables
mirror the SQLite ones. Keyword ranking is Postgres full-text search: a weighted ``tsvector`` per
chunk (title weight 0.5, body 1.0, as in SQLite's bm25 call), English stemming (Russian for Russian
documents and for a question's Cyrillic words), a GIN index, and
``ts_rank_cd`` with log-length normalisation — cover density rather than BM25 (it has no inverse
document frequency; the reranker's idf-coverage feature supplies that).

Concurrency: a document is replaced in one transaction under a per-document advisory transaction
lock; claims are taken with ``INSERT ... ON CONFLICT DO NOTHING`` then ``SELECT ... FOR UPDATE``;
each catalog holds a session advisory lock on its owner key for as long as its connection lives,
so a claim whose owner's lock is free belongs to a dead worker (even one killed by kill -9: the
server drops the session and its locks when the socket closes).

One connection per process, used under a lock: psycopg serialises statements on a connection but
not transactions, and the web chat calls in from several threads. A connection the server dropped
(a restart, a failover) is replaced on the next call, and a read that hit the drop is retried once,
so a replica outlives its database server's restart; the new session is a new owner (the old
session's claims became stale when it died).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from bot.index.catalog import (
    SCHEMA_VERSION,
    Catalog,
    ClaimState,
    CopyRecord,
    DocRecord,
    FeedRecord,
    StoreError,
    day_number,
    query_terms,
)
from bot.language.stems import has_cyrillic
from bot.types import Article, Chunk

# Created under a transaction-level advisory lock: concurrent CREATE ... IF NOT EXISTS can collide.
_SCHEMA_LOCK = 0x6E657773626F74  # "newsbot"
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
    added_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES docs(doc_id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    start_pos INTEGER NOT NULL,
    end_pos INTEGER NOT NULL,
    published_day INTEGER,
    tsv TSVECTOR NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE INDEX IF NOT EXISTS chunks_tsv ON chunks USING GIN (tsv);
CREATE INDEX IF NOT EXISTS docs_url ON docs(url);
CREATE INDEX IF NOT EXISTS docs_origin ON docs(origin);
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    etag TEXT NOT NULL DEFAULT '',
    modified TEXT NOT NULL DEFAULT '',
    added_at DOUBLE PRECISION NOT NULL,
    checked_at DOUBLE PRECISION,
    last_status TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS feed_items (
    feed_url TEXT NOT NULL,
    item_key TEXT NOT NULL,
    doc_id TEXT NOT NULL DEFAULT '',
    seen_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (feed_url, item_key)
);
CREATE TABLE IF NOT EXISTS claims (
    doc_id TEXT PRIMARY KEY,
    owner BIGINT NOT NULL,
    writing BOOLEAN NOT NULL DEFAULT false,
    since DOUBLE PRECISION NOT NULL
);
"""
# Added after the first schema: created on a database that lacks them (see __init__).
_SCHEMA_COPIES = """
CREATE TABLE IF NOT EXISTS copy_bands (key BIGINT NOT NULL, doc_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS copy_bands_key ON copy_bands(key);
CREATE INDEX IF NOT EXISTS copy_bands_doc ON copy_bands(doc_id);
CREATE TABLE IF NOT EXISTS copy_links (
    doc_id TEXT NOT NULL,
    doc_hash TEXT NOT NULL,
    other_id TEXT NOT NULL,
    other_hash TEXT NOT NULL,
    similarity DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (doc_id, other_id)
);
CREATE INDEX IF NOT EXISTS copy_links_other ON copy_links(other_id);
"""
# ts_rank_cd's weights are {D, C, B, A}: the title is indexed as B, the body as A.
_RANK = "ts_rank_cd('{0.1, 0.2, 0.5, 1.0}', c.tsv, q.q, 1)"
# The text search configuration of a document's language (Postgres ships Snowball stemmers); others English.
_TS_CONFIG = {"ru": "russian", "uk": "russian"}
_TSV = "setweight(to_tsvector(%s::regconfig, %s), 'B') || setweight(to_tsvector(%s::regconfig, %s), 'A')"
_DOC_COLUMNS = "doc_id, content_hash, title, source, url, published, n_chunks, origin, original"


def redact(url: str) -> str:
    """The URL without its password, for error messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


class PostgresCatalog(Catalog):
    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.RLock()
        self._connect()
        with self._errors(), self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            # Only a new database gets the DDL: CREATE INDEX IF NOT EXISTS still takes a share lock
            # on its table, and a reader opening the catalog while a writer holds row locks on two
            # tables then deadlocked with it ("deadlock detected" in the kill -9 test's poller).
            # The schema is created in one transaction, so its last table says it is all there.
            if self._conn.execute("SELECT to_regclass('claims')").fetchone() == (None,):
                self._conn.execute(_SCHEMA)
            if self._conn.execute("SELECT to_regclass('copy_links')").fetchone() == (None,):
                self._conn.execute(_SCHEMA_COPIES)
        found = self.set_meta_default("schema_version", str(SCHEMA_VERSION))
        if int(found) != SCHEMA_VERSION:
            raise StoreError(
                f"the catalog at {redact(url)} was written by schema version {found}, this bot reads "
                f"version {SCHEMA_VERSION}"
            )

    def _connect(self) -> None:
        """A new session under a new owner key, holding that key's advisory lock (our liveness)."""
        self._key = secrets.randbits(62) + 1
        self.owner = str(self._key)
        try:
            self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            self._conn.execute("SELECT pg_advisory_lock(%s)", (self._key,))
        except psycopg.Error as exc:
            raise StoreError(f"cannot reach the PostgreSQL catalog at {redact(self.url)}: {exc}") from exc

    def _reconnect_if_dropped(self) -> None:
        if self._conn.broken or self._conn.closed:
            self._conn.close()
            self._connect()

    def close(self) -> None:
        with self._lock:
            self._conn.close()  # the server drops our session lock: our claims are now stale

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Database errors become one-line store errors that name the server (never the password)."""
        try:
            yield
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(f"the PostgreSQL catalog at {redact(self.url)} failed: {first}") from exc

    @contextmanager
    def _tx(self) -> Iterator[psycopg.Connection[Any]]:
        """A transaction; one interrupted by a dropped connection fails (it was rolled back)."""
        with self._lock, self._errors():
            self._reconnect_if_dropped()
            with self._conn.transaction():
                yield self._conn

    def _rows(self, sql: str, args: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """A read; retried once on a fresh connection if the old one was dropped."""
        with self._lock, self._errors():
            self._reconnect_if_dropped()
            try:
                return self._conn.execute(sql, tuple(args)).fetchall()
            except psycopg.OperationalError:
                if not self._conn.broken:
                    raise
                self._reconnect_if_dropped()
                return self._conn.execute(sql, tuple(args)).fetchall()

    # --- meta -----------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM meta WHERE key=%s", (key,))
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO meta(key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value=excluded.value",
                (key, value),
            )

    def set_meta_default(self, key: str, value: str) -> str:
        with self._tx() as db:
            db.execute(
                "INSERT INTO meta(key, value) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING", (key, value)
            )
            row = db.execute("SELECT value FROM meta WHERE key=%s", (key,)).fetchone()
        return str(row[0]) if row else value

    # --- documents ------------------------------------------------------------------------------
    def hashes(self) -> dict[str, str]:
        return {str(d): str(h) for d, h in self._rows("SELECT doc_id, content_hash FROM docs")}

    def put(
        self,
        article: Article,
        content_hash: str,
        chunks: list[Chunk],
        original: str = "",
        *,
        keyword_title: bool = True,
    ) -> None:
        day = day_number(article.published)
        title = article.title if keyword_title else ""
        with self._tx() as db:
            db.execute("SELECT pg_advisory_xact_lock(1, hashtext(%s))", (article.doc_id,))
            db.execute("DELETE FROM docs WHERE doc_id=%s", (article.doc_id,))  # its chunks cascade
            self._delete_copies(db, article.doc_id)
            db.execute(
                "INSERT INTO docs VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                (
                    article.doc_id, content_hash, article.title, article.source, article.url,
                    article.published, article.place, article.language, json.dumps(article.authors),
                    article.origin, original, article.text, len(chunks), time.time(),
                ),
            )  # fmt: skip
            ts = _TS_CONFIG.get(article.language, "english")
            with db.cursor() as cur:
                cur.executemany(
                    "INSERT INTO chunks(chunk_id, doc_id, idx, start_pos, end_pos, published_day, tsv) "
                    f"VALUES (%s,%s,%s,%s,%s,%s,{_TSV})",
                    [
                        (c.chunk_id, c.doc_id, c.index, c.start, c.end, day, ts, title, ts, c.text)
                        for c in chunks
                    ],
                )

    def remove(self, doc_id: str) -> bool:
        with self._tx() as db:
            db.execute("SELECT pg_advisory_xact_lock(1, hashtext(%s))", (doc_id,))
            self._delete_copies(db, doc_id)
            return db.execute("DELETE FROM docs WHERE doc_id=%s", (doc_id,)).rowcount > 0

    @staticmethod
    def _delete_copies(db: psycopg.Connection[Any], doc_id: str) -> None:
        db.execute("DELETE FROM copy_bands WHERE doc_id=%s", (doc_id,))
        db.execute("DELETE FROM copy_links WHERE doc_id=%s OR other_id=%s", (doc_id, doc_id))

    def set_origins(self, origins: list[tuple[str, str]]) -> None:
        with self._tx() as db, db.cursor() as cur:
            cur.executemany("UPDATE docs SET origin=%s WHERE doc_id=%s", origins)

    def docs(self) -> list[DocRecord]:
        rows = self._rows(f"SELECT {_DOC_COLUMNS} FROM docs ORDER BY published DESC NULLS LAST, title")
        return [DocRecord(*row) for row in rows]

    def docs_by_ids(self, doc_ids: Iterable[str]) -> list[DocRecord]:
        ids = list(doc_ids)
        if not ids:
            return []
        rows = self._rows(f"SELECT {_DOC_COLUMNS} FROM docs WHERE doc_id = ANY(%s)", (ids,))
        return [DocRecord(*row) for row in rows]

    def doc_id_for_urls(self, urls: Iterable[str]) -> str | None:
        wanted = [u for u in dict.fromkeys(urls) if u]
        if not wanted:
            return None
        rows = self._rows(
            "SELECT doc_id FROM docs WHERE url = ANY(%s) OR origin = ANY(%s) ORDER BY added_at LIMIT 1",
            (wanted, wanted),
        )
        return str(rows[0][0]) if rows else None

    def text(self, doc_id: str) -> str | None:
        rows = self._rows("SELECT text FROM docs WHERE doc_id=%s", (doc_id,))
        return str(rows[0][0]) if rows else None

    def count(self) -> tuple[int, int]:
        rows = self._rows("SELECT (SELECT COUNT(*) FROM docs), (SELECT COUNT(*) FROM chunks)")
        return int(rows[0][0]), int(rows[0][1])

    def chunk_ids(self) -> list[str]:
        return [str(r[0]) for r in self._rows("SELECT chunk_id FROM chunks")]

    def chunk_spans(self, chunk_ids: list[str]) -> dict[str, tuple[str, int, int]]:
        if not chunk_ids:
            return {}
        rows = self._rows(
            "SELECT chunk_id, doc_id, start_pos, end_pos FROM chunks WHERE chunk_id = ANY(%s)", (chunk_ids,)
        )
        return {str(r[0]): (str(r[1]), int(r[2]), int(r[3])) for r in rows}

    # --- wire copies ----------------------------------------------------------------------------
    def copy_candidates(self, keys: list[int], exclude: str = "") -> list[str]:
        if not keys:
            return []
        rows = self._rows(
            "SELECT DISTINCT doc_id FROM copy_bands WHERE key = ANY(%s) AND doc_id <> %s", (keys, exclude)
        )
        return sorted(str(r[0]) for r in rows)

    def set_copies(
        self, doc_id: str, content_hash: str, keys: list[int], links: list[tuple[str, str, float]]
    ) -> bool:
        with self._tx() as db:
            db.execute("SELECT pg_advisory_xact_lock(1, hashtext(%s))", (doc_id,))
            if not self._is_current(db, doc_id, content_hash):
                return False
            self._delete_copies(db, doc_id)
            rows = [(doc_id, content_hash, o, oh, sim) for o, oh, sim in links if o != doc_id]
            rows += [(o, oh, doc_id, content_hash, sim) for o, oh, sim in links if o != doc_id]
            with db.cursor() as cur:
                cur.executemany(
                    "INSERT INTO copy_bands(key, doc_id) VALUES (%s,%s)", [(k, doc_id) for k in keys]
                )
                cur.executemany(
                    "INSERT INTO copy_links VALUES (%s,%s,%s,%s,%s) ON CONFLICT (doc_id, other_id) DO UPDATE "
                    "SET doc_hash=excluded.doc_hash, other_hash=excluded.other_hash, similarity=excluded.similarity",
                    rows,
                )
            return True

    def copies_of(self, doc_ids: Iterable[str], min_similarity: float = 0.0) -> dict[str, list[CopyRecord]]:
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return {}
        rows = self._rows(
            "SELECT l.doc_id, d.doc_id, d.title, d.source, d.url, d.published, l.similarity "
            "FROM copy_links l JOIN docs a ON a.doc_id = l.doc_id AND a.content_hash = l.doc_hash "
            "JOIN docs d ON d.doc_id = l.other_id AND d.content_hash = l.other_hash "
            "WHERE l.doc_id = ANY(%s) AND l.similarity >= %s "
            "ORDER BY l.similarity DESC, d.published NULLS LAST, d.doc_id",
            (ids, min_similarity),
        )
        out: dict[str, list[CopyRecord]] = {}
        for row in rows:
            out.setdefault(str(row[0]), []).append(CopyRecord(*row[1:]))
        return out

    # --- feeds ----------------------------------------------------------------------------------
    def add_feed(self, url: str, title: str = "") -> bool:
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO feeds(url, title, added_at) VALUES (%s, %s, %s) ON CONFLICT (url) DO NOTHING",
                (url, title, time.time()),
            )
            return cur.rowcount > 0

    def remove_feed(self, url: str) -> bool:
        with self._tx() as db:
            db.execute("DELETE FROM feed_items WHERE feed_url=%s", (url,))
            return db.execute("DELETE FROM feeds WHERE url=%s", (url,)).rowcount > 0

    def feeds(self) -> list[FeedRecord]:
        rows = self._rows(
            "SELECT f.url, f.title, f.etag, f.modified, f.added_at, f.checked_at, f.last_status, "
            "(SELECT COUNT(*) FROM feed_items i WHERE i.feed_url = f.url) FROM feeds f ORDER BY f.added_at"
        )
        return [FeedRecord(*row) for row in rows]

    def seen_items(self, feed_url: str) -> set[str]:
        return {
            str(r[0]) for r in self._rows("SELECT item_key FROM feed_items WHERE feed_url=%s", (feed_url,))
        }

    def mark_items_seen(self, feed_url: str, items: list[tuple[str, str]]) -> None:
        now = time.time()
        with self._tx() as db, db.cursor() as cur:
            cur.executemany(
                "INSERT INTO feed_items(feed_url, item_key, doc_id, seen_at) VALUES (%s,%s,%s,%s) "
                "ON CONFLICT (feed_url, item_key) DO UPDATE SET doc_id=excluded.doc_id, seen_at=excluded.seen_at",
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
        with self._tx() as db:
            db.execute(
                "UPDATE feeds SET checked_at=%s, last_status=%s WHERE url=%s", (time.time(), status, url)
            )
            if title:
                db.execute("UPDATE feeds SET title=%s WHERE url=%s", (title, url))
            if etag is not None or modified is not None:
                db.execute(
                    "UPDATE feeds SET etag=%s, modified=%s WHERE url=%s", (etag or "", modified or "", url)
                )

    def keyword_search(
        self, query: str, limit: int, day_range: tuple[int, int] | None = None
    ) -> list[tuple[str, float]]:
        """Any of the question's content words (OR), ranked by ts_rank_cd; stopwords drop out."""
        terms = query_terms(query)[:64]
        if not terms:
            return []
        # A Cyrillic word is stemmed as Russian (the configuration Russian documents are indexed with).
        tsquery = " || ".join(
            "plainto_tsquery('russian', %s)" if has_cyrillic(t) else "plainto_tsquery('english', %s)"
            for t in terms
        )
        sql = f"WITH q AS (SELECT {tsquery} AS q) SELECT c.chunk_id, {_RANK} AS s FROM chunks c, q WHERE c.tsv @@ q.q"
        args: list[Any] = list(terms)
        if day_range:
            sql += " AND c.published_day BETWEEN %s AND %s"
            args += list(day_range)
        sql += " ORDER BY s DESC, c.chunk_id LIMIT %s"
        args.append(limit)
        return [(str(r[0]), float(r[1])) for r in self._rows(sql, args)]

    # --- write coordination -----------------------------------------------------------------------
    def claim(self, doc_id: str, content_hash: str) -> ClaimState:
        with self._tx() as db:
            if self._is_current(db, doc_id, content_hash):
                return "current"
            inserted = db.execute(
                "INSERT INTO claims(doc_id, owner, writing, since) VALUES (%s,%s,false,%s) "
                "ON CONFLICT (doc_id) DO NOTHING RETURNING doc_id",
                (doc_id, self._key, time.time()),
            ).fetchone()
            if inserted is None:
                row = db.execute("SELECT owner FROM claims WHERE doc_id=%s FOR UPDATE", (doc_id,)).fetchone()
                owner = None if row is None else int(row[0])
                if owner is not None and owner != self._key and self._alive(db, owner):
                    return "held"
                db.execute(
                    "INSERT INTO claims(doc_id, owner, writing, since) VALUES (%s,%s,false,%s) "
                    "ON CONFLICT (doc_id) DO UPDATE SET owner=excluded.owner, since=excluded.since",
                    (doc_id, self._key, time.time()),
                )
            # Another worker may have finished this very content since we looked: then it is done.
            if self._is_current(db, doc_id, content_hash):
                db.execute("DELETE FROM claims WHERE doc_id=%s AND owner=%s", (doc_id, self._key))
                return "current"
            return "claimed"

    def mark_writing(self, doc_ids: list[str]) -> None:
        now = time.time()
        with self._tx() as db, db.cursor() as cur:
            cur.executemany(
                "INSERT INTO claims(doc_id, owner, writing, since) VALUES (%s,%s,true,%s) "
                "ON CONFLICT (doc_id) DO UPDATE SET owner=excluded.owner, writing=true",
                [(d, self._key, now) for d in doc_ids],
            )

    def release(self, doc_ids: list[str]) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM claims WHERE doc_id = ANY(%s) AND owner=%s", (doc_ids, self._key))

    def take_stale(self) -> list[str]:
        if not self._rows("SELECT 1 FROM claims WHERE owner <> %s LIMIT 1", (self._key,)):
            return []
        with self._tx() as db:
            rows = db.execute(
                "SELECT doc_id, owner, writing FROM claims WHERE owner <> %s FOR UPDATE SKIP LOCKED",
                (self._key,),
            ).fetchall()
            dead = {o for o in {int(r[1]) for r in rows} if not self._alive(db, o)}
            stale = [str(d) for d, o, w in rows if w and int(o) in dead]
            dropped = [str(d) for d, o, w in rows if not w and int(o) in dead]
            db.execute("DELETE FROM claims WHERE doc_id = ANY(%s)", (dropped,))
            db.execute("UPDATE claims SET owner=%s WHERE doc_id = ANY(%s)", (self._key, stale))
        return sorted(stale)

    def writing(self) -> list[str]:
        return sorted(str(r[0]) for r in self._rows("SELECT doc_id FROM claims WHERE writing"))

    @staticmethod
    def _is_current(db: psycopg.Connection[Any], doc_id: str, content_hash: str) -> bool:
        row = db.execute("SELECT content_hash FROM docs WHERE doc_id=%s", (doc_id,)).fetchone()
        return row is not None and row[0] == content_hash

    @staticmethod
    def _alive(db: psycopg.Connection[Any], owner: int) -> bool:
        """An owner is alive while its session holds its advisory lock (taken for this transaction
        only when free, i.e. when the owner is gone)."""
        row = db.execute("SELECT pg_try_advisory_xact_lock(%s)", (owner,)).fetchone()
        return not (row and row[0])
