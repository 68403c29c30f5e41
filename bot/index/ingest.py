"""Ingest: files -> articles -> chunks -> vectors (Chroma) + records and BM25 (catalog).

Idempotent by a content hash per article: unchanged articles cost a hash, changed ones replace all
their chunks. Several workers (processes or machines sharing the catalog and vector store) can
ingest at once: each document is *claimed* in the catalog before it is embedded, so workers take
disjoint documents, and one already holding the same content is skipped. Crash-safe in order: a
document is marked *writing* before its vectors change and released after the catalog commit
that records it, so whoever opens the store after a kill deletes the half-written documents whole
(no duplicates, no orphans) and the next ingest adds them afresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.index.catalog import StoreError
from bot.index.chunking import chunk_article
from bot.index.records import (
    check_encodable,
    chunk_meta,
    content_hash,
    embed_text,
    identity_mismatch,
    indexed_title,
    keep_original,
    store_identity,
    web_record_path,
)
from bot.types import Article, BotError, Chunk, DocumentError

if TYPE_CHECKING:
    from bot.backends.embedding import Embedder
    from bot.config import Config
    from bot.index.catalog import Catalog
    from bot.index.vectors import VectorStore


MAX_COPY_CHECKS = 200


@dataclass
class IngestResult:
    origin: str
    status: str  # "added", "updated", "unchanged", "failed", "removed", "skipped" (another worker's)
    doc_id: str = ""
    title: str = ""
    chunks: int = 0
    reason: str = ""
    copy_of: list[str] = field(default_factory=list)  # documents found holding the same story

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Pending:
    article: Article
    content_hash: str
    chunks: list[Chunk]
    original: str
    status: str
    vectors: Any = None
    keys: list[int] | None = None  # MinHash band keys (None: copy detection is off)
    links: list[tuple[str, str, float]] = field(default_factory=list)  # (copy doc_id, its hash, Jaccard)


def open_indexer(config: Config, write_lock: threading.Lock | None = None) -> Indexer:
    """An indexer on its own components, for work that answers nothing (``bot reindex``).

    :class:`bot.service.Bot` builds one on components it shares with retrieval instead.
    """
    from bot.backends.embedding import make_embedder
    from bot.index.catalog import open_catalog
    from bot.index.vectors import ChromaStore

    catalog = open_catalog(config)
    return Indexer(config, catalog, ChromaStore.from_config(config), make_embedder(config), write_lock)


class Indexer:
    def __init__(
        self,
        config: Config,
        catalog: Catalog,
        vectors: VectorStore,
        embedder: Embedder,
        write_lock: threading.Lock | None = None,
        *,
        chunker: Callable[[Article, int, int], list[Chunk]] = chunk_article,
        keeper: Callable[[Config, Article, Path | None], str] = keep_original,
    ) -> None:
        """``write_lock`` is shared by indexers of one store in one process (the web chat and its
        background feed refresher): store writes and the pending list are then never interleaved.

        ``chunker`` (article, chunk size, overlap -> chunks) and ``keeper`` (config, article, source
        path -> the kept original's path) are the two steps an article goes through before it is
        embedded; the defaults are :func:`chunk_article` and :func:`keep_original`. A caller that
        measures or swaps a step passes its own (``benchmarks/`` passes timed wrappers of the
        defaults) rather than patching this module."""
        self.config = config
        self.catalog = catalog
        self.vectors = vectors
        self.embedder = embedder
        self.chunker = chunker
        self.keeper = keeper
        self.embedded_chunks = 0  # counted so tests and benchmarks can see re-ingest embeds nothing
        self.copy_seconds = 0.0  # time spent finding wire copies (evals/wirecopies.py reports it)
        # Documents of the current batch, not yet in the catalog: (content hash, shingles) by doc_id,
        # and doc_ids by band key, so two copies in one batch find each other (emptied when the
        # batch is written: from then on the catalog's band keys find them).
        self._run_docs: dict[str, tuple[str, set[str]]] = {}
        self._run_keys: dict[int, list[str]] = {}
        self._lock = write_lock or threading.Lock()
        with self._lock:  # one indexer of this process writes at a time (the chat, its feed refresher)
            self._check_store_identity()
            self._clean_up_after_crashes()

    # --- public -----------------------------------------------------------------------------------
    def ingest_paths(self, paths: Iterable[Path], progress: bool = False) -> list[IngestResult]:
        """Ingest files and folders; a bad file is reported and the rest still go in."""
        from bot.documents.jsonl import iter_jsonl
        from bot.documents.read import iter_folder, load_path

        max_bytes = int(self.config.max_file_mb * 2**20)

        def articles() -> Iterator[tuple[Article | DocumentError, Path | None]]:
            for path in paths:
                if path.is_dir():
                    for file, got in iter_folder(path, max_bytes):
                        if isinstance(got, DocumentError):
                            yield got, None
                        else:
                            yield from ((a, file) for a in got)
                elif path.suffix.lower() == ".jsonl" and path.is_file():
                    yield from ((a, path) for a in iter_jsonl(path))
                else:
                    try:
                        yield from ((a, path) for a in load_path(path, max_bytes))
                    except DocumentError as exc:
                        yield exc, None

        return self.ingest_articles(articles(), progress=progress)

    def ingest_urls(self, urls: Iterable[str], progress: bool = False) -> list[IngestResult]:
        """Fetch and ingest web pages; a bad URL is one failed result and the rest still go in.

        A page whose URL, final URL or canonical URL is already in the catalog keeps that
        document's id, so it is "unchanged" (nothing embedded) unless its text changed.
        """

        def articles() -> Iterator[tuple[Article | DocumentError, Path | None]]:
            for url in urls:
                got = self.fetch_article(url)
                yield got, web_record_path(got) if isinstance(got, Article) else None

        return self.ingest_articles(articles(), progress=progress)

    def fetch_article(self, url: str) -> Article | DocumentError:
        """One page as an Article with its id settled against the catalog, or the reason it failed."""
        from bot.documents.html import load_url
        from bot.documents.urls import is_url

        if not is_url(url):
            return DocumentError(url, "not an http(s) URL")
        try:
            article = load_url(url, self.config)
        except DocumentError as exc:
            return exc
        except (OSError, UnicodeError, ValueError) as exc:  # whatever a strange URL or page trips: one line
            return DocumentError(url, f"cannot fetch or read the page ({type(exc).__name__}: {exc})")
        known = self.catalog.doc_id_for_urls([url, article.url])
        article.doc_id = known or article.doc_id
        return article

    def ingest_articles(
        self, items: Iterable[tuple[Article | DocumentError, Path | None]], progress: bool = False
    ) -> list[IngestResult]:
        results: list[IngestResult] = []
        self._run_docs, self._run_keys = {}, {}
        known = self.catalog.hashes()
        batch: list[_Pending] = []
        bar = _progress_bar(progress)
        for item, path in items:
            if isinstance(item, DocumentError):
                results.append(IngestResult(item.origin, "failed", reason=item.reason))
                continue
            try:
                pending = self._prepare(item, path, known)
            except StoreError:
                raise  # the catalog itself failed: stop, do not report every file as failed
            except (BotError, OSError, UnicodeError, ValueError) as exc:
                # One bad record (an unencodable character, an unwritable original) must not
                # abort a folder or bulk ingest: report it and go on.
                reason = exc.reason if isinstance(exc, DocumentError) else str(exc)
                results.append(IngestResult(item.origin, "failed", item.doc_id, reason=reason))
                continue
            if isinstance(pending, IngestResult):
                results.append(pending)
                continue
            batch.append(pending)
            if sum(len(p.chunks) for p in batch) >= self.config.embed_batch * 8:
                results += self._flush_or_release(batch, bar)
                batch = []
        results += self._flush_or_release(batch, bar)
        if bar is not None:
            bar.close()
        return results

    def remove(self, doc_id: str) -> bool:
        with self._lock:
            if self.catalog.doc(doc_id) is None:
                return False
            self.catalog.mark_writing([doc_id])
            self.vectors.delete_doc(doc_id)
            self.catalog.remove(doc_id)
            self.catalog.release([doc_id])
            return True

    # --- steps ------------------------------------------------------------------------------------
    def _prepare(self, article: Article, path: Path | None, known: dict[str, str]) -> _Pending | IngestResult:
        check_encodable(article)
        digest = content_hash(article)
        old = known.get(article.doc_id)
        if old == digest:
            return IngestResult(article.origin, "unchanged", article.doc_id, article.title)
        chunks = self.chunker(article, self.config.chunk_size, self.config.chunk_overlap)
        if not chunks:
            return IngestResult(article.origin, "failed", article.doc_id, reason="no text to index")
        state = self.catalog.claim(article.doc_id, digest)
        if state != "claimed":  # done meanwhile, or another worker is on it
            status, why = (
                ("unchanged", "") if state == "current" else ("skipped", "another worker is ingesting it")
            )
            return IngestResult(article.origin, status, article.doc_id, article.title, reason=why)
        try:
            original = self.keeper(self.config, article, path)
        except BaseException:
            self.catalog.release([article.doc_id])
            raise
        known[article.doc_id] = digest  # a later duplicate in the same run is "unchanged"
        pending = _Pending(article, digest, chunks, original, "updated" if old else "added")
        if self.config.copy_threshold > 0:
            try:
                pending.keys, pending.links = self._find_copies(article.doc_id, digest, article.text)
            except BaseException:
                self.catalog.release([article.doc_id])
                raise
        return pending

    def _find_copies(
        self, doc_id: str, digest: str, text: str
    ) -> tuple[list[int], list[tuple[str, str, float]]]:
        """Band keys of ``text`` and the documents (stored, or earlier in this run) that are wire
        copies of it: LSH candidates whose exact shingle Jaccard reaches ``copy_threshold``."""
        import time

        from bot.index.copies import fingerprint, jaccard, shingles

        t0 = time.perf_counter()
        fp = fingerprint(text)
        found: dict[str, tuple[str, float]] = {}
        in_run = {d for k in fp.keys for d in self._run_keys.get(k, ()) if d != doc_id}
        for other in sorted(in_run):
            other_hash, other_shingles = self._run_docs[other]
            sim = jaccard(fp.shingles, other_shingles)
            if sim >= self.config.copy_threshold:
                found[other] = (other_hash, sim)
        stored = [d for d in self.catalog.copy_candidates(fp.keys, exclude=doc_id) if d not in in_run]
        # A text shared by very many documents (a scraped ad form) is checked against the first
        # MAX_COPY_CHECKS only: each check reads and shingles a stored text.
        for record in self.catalog.docs_by_ids(stored[:MAX_COPY_CHECKS]):
            other_text = self.catalog.text(record.doc_id) or ""
            sim = jaccard(fp.shingles, shingles(other_text))
            if sim >= self.config.copy_threshold:
                found[record.doc_id] = (record.content_hash, sim)
        self._run_docs[doc_id] = (digest, fp.shingles)
        for k in fp.keys:
            self._run_keys.setdefault(k, []).append(doc_id)
        self.copy_seconds += time.perf_counter() - t0
        links = [(other, h, round(sim, 4)) for other, (h, sim) in sorted(found.items())]
        return fp.keys, links

    def link_copies(self) -> tuple[int, int]:
        """Find the wire copies among every stored document (stores ingested before copies were
        detected, or after ``BOT_COPY_THRESHOLD`` changed): (documents, copy pairs) written; each
        pair is found once, by the later of its two documents in doc_id order."""
        self._run_docs, self._run_keys = {}, {}
        n_docs = n_links = 0
        with self._lock:
            for record in sorted(self.catalog.docs(), key=lambda d: d.doc_id):
                text = self.catalog.text(record.doc_id) or ""
                keys, links = self._find_copies(record.doc_id, record.content_hash, text)
                if self.catalog.set_copies(record.doc_id, record.content_hash, keys, links):
                    n_docs += 1
                    n_links += len(links)
                self._run_docs, self._run_keys = {}, {}  # its band keys are in the catalog now
        return n_docs, n_links

    def _flush_or_release(self, batch: list[_Pending], bar: Any) -> list[IngestResult]:
        """Flush; if embedding fails (a server down), give the claims back so others may retry them."""
        try:
            return self._flush(batch, bar)
        except BotError:
            self.catalog.release([p.article.doc_id for p in batch])
            raise

    def _flush(self, batch: list[_Pending], bar: Any) -> list[IngestResult]:
        if not batch:
            return []
        texts = [embed_text(indexed_title(self.config, p.article), c.text) for p in batch for c in p.chunks]
        vectors = self.embedder.embed(texts)
        self.embedded_chunks += len(texts)
        if bar is not None:
            bar.update(len(texts))
        with self._lock:
            written = self._write(batch, vectors)
        self._run_docs, self._run_keys = {}, {}
        return written

    def _write(self, batch: list[_Pending], vectors: Any) -> list[IngestResult]:
        """Vectors, then catalog records, between marking the batch writing and releasing it."""
        self.catalog.mark_writing([p.article.doc_id for p in batch])
        offset = 0
        for p in batch:
            p.vectors = vectors[offset : offset + len(p.chunks)]
            offset += len(p.chunks)
            self.vectors.delete_doc(p.article.doc_id)
        ids = [c.chunk_id for p in batch for c in p.chunks]
        metas = [chunk_meta(p.article, c) for p in batch for c in p.chunks]
        self.vectors.add(ids, vectors, [c.text for p in batch for c in p.chunks], metas)
        for p in batch:
            self.catalog.put(
                p.article, p.content_hash, p.chunks, p.original, keyword_title=bool(self.config.chunk_title)
            )
            if p.keys is not None:
                self.catalog.set_copies(p.article.doc_id, p.content_hash, p.keys, p.links)
        self.catalog.release([p.article.doc_id for p in batch])
        return [
            IngestResult(
                p.article.origin,
                p.status,
                p.article.doc_id,
                p.article.title,
                len(p.chunks),
                copy_of=[other for other, _, _ in p.links],
            )
            for p in batch
        ]

    # --- crash safety and store identity ------------------------------------------------------------
    def _clean_up_after_crashes(self) -> None:
        """Forget every document a dead worker was writing (this process's earlier run included).

        Its vectors may be old, new or half deleted, so both its vectors and its catalog record go;
        the next ingest of the file adds it afresh (and a remove is simply complete). The catalog
        hands each such document to one cleaner only, so workers starting together do not race.
        """
        for doc_id in self.catalog.take_stale():
            self.vectors.delete_doc(doc_id)
            self.catalog.remove(doc_id)
            self.catalog.release([doc_id])

    def _check_store_identity(self) -> None:
        identity = store_identity(self.config, self.embedder)
        found = self.catalog.set_meta_default("identity", identity)
        if found != identity:
            raise StoreError(identity_mismatch(self.config, found, identity, self.embedder.where))


def _progress_bar(enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(unit="chunk", desc="embedding", mininterval=1.0)
