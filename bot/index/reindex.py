"""``bot reindex``: rebuild the whole store from the kept originals.

Every ingested file is kept content-addressed under ``<home>/originals`` and the catalog records
which original each document came from. After an embedding-model change, a chunking change or a
damaged store, the vectors, chunks and keyword index can therefore be rebuilt from those files:

1. read the catalog's ``(doc_id, original)`` records read-only; if the catalog itself cannot be
   read (corrupt, or a schema without the ``original`` column), walk ``originals/`` instead;
2. build a fresh store in a sibling temporary folder with the *current* configuration (so the new
   store records the current embedder and chunking), carrying every original over and ingesting
   each one through :class:`bot.index.ingest.Indexer`;
3. check that every document came back (same ``doc_id``; a changed content hash is reported);
4. swap: ``<home>`` becomes ``<home>.old-<timestamp>`` and the new folder becomes ``<home>``.

Nothing is deleted: the previous store stays beside the new one until the user removes it. With a
Chroma server (``BOT_CHROMA_URL``) the vectors go to a new collection that is renamed into place
the same way (the old one is kept as ``<collection>-old-<timestamp>``).

Stop ``bot serve`` (and anything else using the store) while reindexing: a process that keeps the
old store open keeps reading the old files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.index.catalog import StoreError
from bot.index.catalog_sqlite import copy_feeds, read_originals
from bot.index.vectors import chroma_client, forget_embedded
from bot.types import BotError

if TYPE_CHECKING:
    from bot.config import Config
    from bot.index.ingest import IngestResult

_TMP_INFIX = ".reindex-"


@dataclass
class SourceDoc:
    """One document to rebuild: its id (None when walking originals) and its kept original."""

    doc_id: str | None
    original: Path
    origin: str = ""
    content_hash: str = ""


@dataclass
class ReindexReport:
    home: Path
    backup: Path | None  # where the previous store now lives
    source: str  # "catalog" or "originals" (the catalog could not be read)
    expected: int  # documents the old catalog listed (or originals found)
    rebuilt: int  # documents in the new store
    chunks: int
    failed: list[str] = field(default_factory=list)  # "origin: reason" of originals that failed
    missing: list[str] = field(default_factory=list)  # doc_ids that did not come back
    changed: list[str] = field(default_factory=list)  # doc_ids whose content hash differs now
    identity: str = ""
    seconds: float = 0.0
    note: str = ""

    def summary(self) -> str:
        parts = [
            f"reindexed {self.rebuilt} of {self.expected} documents ({self.chunks} chunks) "
            f"from the {self.source} in {self.seconds:.1f}s; store: {self.home}"
        ]
        if self.identity:
            parts.append(f"built with {self.identity}")
        if self.backup:
            parts.append(f"previous store kept at {self.backup}")
        if self.changed:
            parts.append(
                f"{len(self.changed)} document(s) read differently now: {', '.join(self.changed[:5])}"
            )
        if self.missing:
            parts.append(
                f"{len(self.missing)} document(s) had no usable original: {', '.join(self.missing[:5])}"
            )
        if self.note:
            parts.append(self.note)
        return "; ".join(parts)


# --- the rebuild ------------------------------------------------------------------------------------
def reindex(config: Config, allow_missing: bool = False, progress: bool = False) -> ReindexReport:
    """Rebuild ``config.home`` from its originals with ``config``'s models and chunking.

    Raises :class:`StoreError` (and leaves the old store untouched) when there is nothing to
    rebuild from, when the catalog is locked, or when a document would be lost and
    ``allow_missing`` is false.
    """
    t0 = time.perf_counter()
    if config.catalog_url:
        raise StoreError(
            "bot reindex rebuilds a store whose catalog is SQLite under BOT_HOME; with a PostgreSQL "
            "catalog (BOT_CATALOG_URL) re-ingest the originals into a new database instead"
        )
    home = config.home.resolve()
    config = config.with_(home=home)
    if not home.is_dir():
        raise StoreError(f"no store at {home} to reindex")
    docs, source = read_sources(config)
    if not docs:
        raise StoreError(f"nothing to reindex: {home} has no kept originals")
    without_original = [d.doc_id or "?" for d in docs if not d.original.is_file()]
    if without_original and not allow_missing:
        raise StoreError(
            f"{len(without_original)} document(s) have no kept original and would be lost "
            f"({', '.join(without_original[:5])}); re-ingest them from their files first"
        )

    stamp = _stamp()
    tmp = _unique(home.parent / f".{home.name}{_TMP_INFIX}{stamp}")
    new_collection = f"{config.collection}-reindex-{stamp}" if config.chroma_url else config.collection
    new_config = config.with_(home=tmp, collection=new_collection)
    swapped = False
    try:
        report = _build(new_config, config.originals_dir, docs, source, progress)
        copy_feeds(config.catalog_path, new_config.catalog_path)
        report.missing += [m for m in without_original if m not in report.missing]
        if report.missing and not allow_missing:
            raise StoreError(
                f"{len(report.missing)} document(s) did not come back from their originals "
                f"({', '.join(report.missing[:5])}); the store at {home} was left as it was"
            )
        report.backup = _swap(config, tmp, new_config.collection, stamp)
        swapped = True
        report.home = home
        report.seconds = time.perf_counter() - t0
        return report
    finally:
        forget_embedded(tmp / "chroma")
        forget_embedded(config.chroma_dir)
        if not swapped:
            shutil.rmtree(tmp, ignore_errors=True)
            if config.chroma_url:
                _drop_collection(new_config)


def read_sources(config: Config) -> tuple[list[SourceDoc], str]:
    """The documents to rebuild: from the catalog if it can be read, else from ``originals/``."""
    try:
        return _catalog_sources(config), "catalog"
    except _Unreadable:
        return _walk_originals(config), "originals"


class _Unreadable(Exception):
    """The catalog cannot tell us anything (missing, corrupt or too old): walk the originals."""


def _catalog_sources(config: Config) -> list[SourceDoc]:
    path = config.catalog_path
    if not path.is_file():
        raise _Unreadable
    try:
        rows = read_originals(path)
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StoreError(
                f"the catalog at {path} is locked by another process (is `bot serve` or an ingest "
                "running?); stop it and run `bot reindex` again"
            ) from exc
        raise _Unreadable from exc  # e.g. an older schema without the `original` column
    except sqlite3.Error as exc:  # "file is not a database", "malformed"
        raise _Unreadable from exc
    root = config.originals_dir.resolve()
    docs = []
    for doc_id, original, origin, digest in rows:
        target = (config.home / str(original)).resolve() if original else root / "-none-"
        if not target.is_relative_to(root) or len(target.relative_to(root).parts) != 3:
            target = root / "-none-"  # not a kept original (the record is damaged): treat as missing
        docs.append(SourceDoc(str(doc_id), target, str(origin or ""), str(digest or "")))
    return docs


def _walk_originals(config: Config) -> list[SourceDoc]:
    """Every kept file, oldest first, so a later version of a document wins as it did when ingested."""
    root = config.originals_dir
    if not root.is_dir():
        return []
    files = [p for p in root.glob("*/*/*") if p.is_file() and not p.name.endswith(".tmp")]
    files.sort(key=lambda p: (p.stat().st_mtime_ns, str(p)))
    return [SourceDoc(None, p) for p in files]


def _build(
    config: Config, old_originals: Path, docs: list[SourceDoc], source: str, progress: bool
) -> ReindexReport:
    from bot.index.ingest import open_indexer
    from bot.index.records import store_identity

    config.home.mkdir(parents=True)
    _copy_tree(old_originals, config.originals_dir)  # keep every original, older versions too

    # Ingest the copies in the new store (their digests already exist there, so nothing is copied
    # twice); one call, so embedding runs in full batches.
    paths: list[Path] = []
    seen: set[Path] = set()
    for d in docs:
        if not d.original.is_file():
            continue
        copy = config.originals_dir / d.original.relative_to(old_originals)
        if copy not in seen:
            seen.add(copy)
            paths.append(copy)
    indexer = open_indexer(config)
    try:
        results: list[IngestResult] = indexer.ingest_paths(paths, progress=progress) if paths else []
        records = {r.doc_id: r for r in indexer.catalog.docs()}
        # Keep where each document first came from (the copy's path says nothing to a user).
        origins = [(d.origin, d.doc_id) for d in docs if d.doc_id in records and d.origin]
        if origins:
            indexer.catalog.set_origins(origins)
        n_docs, n_chunks = indexer.catalog.count()
        vector_count = indexer.vectors.count()
        identity = store_identity(config, indexer.embedder)
    finally:
        indexer.catalog.close()
    if vector_count != n_chunks:
        raise StoreError(f"the rebuilt store is inconsistent ({vector_count} vectors for {n_chunks} chunks)")
    expected = [d.doc_id for d in docs if d.doc_id is not None]
    report = ReindexReport(
        home=config.home,
        backup=None,
        source=source,
        expected=len(expected) if source == "catalog" else len(docs),
        rebuilt=n_docs,
        chunks=n_chunks,
        failed=[f"{r.origin}: {r.reason}" for r in results if r.status == "failed"],
        missing=[d for d in expected if d not in records],
        changed=[
            d.doc_id
            for d in docs
            if d.doc_id in records and d.content_hash and records[d.doc_id].content_hash != d.content_hash
        ],
        identity=identity,
    )
    if source == "originals":
        report.note = "the old catalog could not be read, so every kept original was ingested"
    return report


def _swap(config: Config, tmp: Path, new_collection: str, stamp: str) -> Path:
    """Old store aside, new store in place; undo the first step if the second fails."""
    home = config.home
    backup = _unique(home.with_name(f"{home.name}.old-{stamp}"))
    forget_embedded(config.chroma_dir)
    forget_embedded(tmp / "chroma")
    try:
        os.rename(home, backup)
    except OSError as exc:
        raise StoreError(f"cannot move the old store aside ({home} -> {backup}): {exc.strerror}") from exc
    try:
        os.rename(tmp, home)
    except OSError as exc:
        os.rename(backup, home)
        raise StoreError(f"cannot move the new store into place ({tmp} -> {home}): {exc.strerror}") from exc
    if config.chroma_url:
        try:
            _swap_collections(config, new_collection, stamp)
        except Exception as exc:
            os.rename(home, tmp)
            os.rename(backup, home)
            raise StoreError(f"cannot swap the Chroma collections on {config.chroma_url}: {exc}") from exc
    return backup


def _swap_collections(config: Config, new_collection: str, stamp: str) -> None:
    client = chroma_client(config)
    try:
        old = client.get_collection(config.collection)
    except Exception:  # no old collection: nothing to move aside
        old = None
    if old is not None:
        old.modify(name=f"{config.collection}-old-{stamp}")
    try:
        client.get_collection(new_collection).modify(name=config.collection)
    except Exception:
        if old is not None:
            old.modify(name=config.collection)
        raise


def _drop_collection(config: Config) -> None:
    with contextlib.suppress(Exception):  # cleanup after a failed rebuild; its error is what matters
        chroma_client(config).delete_collection(config.collection)


# --- files ------------------------------------------------------------------------------------------
def _copy_tree(src: Path, dst: Path) -> None:
    """Hard-link (else copy) every original: they are immutable, content-addressed files."""
    dst.mkdir(parents=True, exist_ok=True)
    if not src.is_dir():
        return
    for file in src.glob("*/*/*"):
        if not file.is_file() or file.name.endswith(".tmp"):
            continue
        target = dst / file.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(file, target)
        except OSError:
            try:
                shutil.copy2(file, target)
            except OSError as exc:
                raise BotError(f"cannot copy the original {file}: {exc.strerror}") from exc


def _stamp() -> str:
    return time.strftime("%Y%m%dT%H%M%S")


def _unique(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists() or candidate.is_symlink():
        candidate = path.with_name(f"{path.name}-{n}")
        n += 1
    return candidate
