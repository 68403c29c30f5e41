"""What is stored for an article besides its vectors: its content hash, its kept original, the
metadata of its chunks and the identity of the models that built the store.

Separate from the indexer's batching and crash-safety (``bot.index.ingest``), so ``bot reindex``
and the benchmarks can read and write the same records the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.types import Article, BotError, Chunk, DocumentError

if TYPE_CHECKING:
    from bot.backends.embedding import Embedder
    from bot.config import Config


def content_hash(article: Article) -> str:
    """Hash of everything that ends up in the index, so a metadata edit re-indexes too."""
    fields: list[object] = [article.text, article.title, article.source, article.url, article.published]
    fields += [article.place, article.language, article.authors]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


def embed_text(title: str, chunk_text: str) -> str:
    """What the embedder sees: the title gives a chunk the article's topic it may not repeat."""
    return f"{title}\n{chunk_text}" if title else chunk_text


def keep_original(config: Config, article: Article, path: Path | None) -> str:
    """Copy the source into originals/<sha256>/<name>, so the store can always be rebuilt; returns
    its path under ``config.home`` ("" for an article read from nowhere)."""
    if path is None:
        return ""
    if path.suffix.lower() == ".jsonl":
        data = (json.dumps(article_record(article), ensure_ascii=False) + "\n").encode()
        name = f"{path.stem}.jsonl"
    else:
        data = path.read_bytes()
        name = path.name
    digest = hashlib.sha256(data).hexdigest()
    target = config.originals_dir / digest[:2] / digest / short_name(name)
    if not target.exists():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.parent / f".partial-{os.getpid()}"
            tmp.write_bytes(data)
            tmp.replace(target)
        except OSError as exc:
            raise BotError(f"cannot write the original of {article.origin}: {exc}") from exc
    return str(target.relative_to(config.home))


def web_record_path(article: Article) -> Path:
    """Where a fetched page's original is "read" from: none; the Article itself is kept as a JSONL
    record (``keep_original`` writes the record for a ``.jsonl`` path without reading it), so
    ``bot reindex`` rebuilds the same document, id and text, without fetching the page again."""
    return Path(f"{article.doc_id}.jsonl")


def indexed_title(config: Config, article: Article) -> str:
    """The title indexed with each of the article's chunks: its own, or none (``BOT_CHUNK_TITLE=0``)."""
    return article.title if config.chunk_title else ""


def store_identity(config: Config, embedder: Embedder) -> str:
    """What the vectors and keyword index depend on; a store refuses a configuration that differs.
    Stores indexed with the title (the default) keep the identity they had before the knob."""
    untitled = "" if config.chunk_title else " title=0"
    return f"embedder={embedder.name} chunks={config.chunk_size}/{config.chunk_overlap}{untitled}"


def identity_mismatch(config: Config, found: str, identity: str, where: str) -> str:
    """What to tell a user whose store was built with ``found`` and who opened it with ``identity``:
    the exact command that rebuilds it with this configuration, and the settings that keep using
    it as built (a store from before the defaults moved to 384/48 chunks says 200/40)."""
    import re
    import shlex

    home = shlex.quote(str(config.home))
    keep = []
    chunks = re.search(r"\bchunks=(\d+)/(\d+)", found)
    if chunks and (int(chunks[1]), int(chunks[2])) != (config.chunk_size, config.chunk_overlap):
        keep.append(f"BOT_CHUNK_SIZE={chunks[1]} BOT_CHUNK_OVERLAP={chunks[2]}")
    untitled = " title=0" in f"{found} "
    if chunks and untitled != (not config.chunk_title):
        keep.append(f"BOT_CHUNK_TITLE={0 if untitled else 1}")
    embedder = re.search(r"\bembedder=(\S+)", found)
    if embedder and f"embedder={embedder[1]} " not in f"{identity} ":
        keep.append(f"the embedder it was built with ({embedder[1]}; see BOT_EMBEDDER)")
    keep_it = f"; or keep using it as built, with {' and '.join(keep)} in the environment" if keep else ""
    return (
        f"the store at {config.home} was built with {found}; this configuration uses {identity} "
        f"({where}). Rebuild it with this configuration: `bot --home {home} reindex` (stop `bot "
        f"serve` on it first; this re-embeds every kept article, about as long as ingesting them "
        f"again){keep_it}; or point BOT_HOME at another store."
    )


def chunk_meta(article: Article, chunk: Chunk) -> dict[str, Any]:
    from bot.index.catalog import day_number

    return {
        "doc_id": article.doc_id,
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "published": article.published or "",
        "published_day": day_number(article.published) or 0,
        "start": chunk.start,
        "end": chunk.end,
        "chunk_index": chunk.index,
    }


def article_record(article: Article) -> dict[str, Any]:
    """Everything the reader takes back, so a rebuilt record hashes the same."""
    return {
        "id": article.doc_id,
        "title": article.title,
        "text": article.text,
        "published": article.published,
        "url": article.url,
        "source": article.source,
        "place": article.place,
        "language": article.language,
        "authors": article.authors,
    }


def check_encodable(article: Article) -> None:
    """A lone surrogate (from an escaped JSON string) cannot be stored or embedded: refuse the record."""
    for name in ("text", "title", "source", "url", "place", "doc_id"):
        try:
            getattr(article, name).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise DocumentError(
                article.origin, f"{name} holds an invalid character (position {exc.start})"
            ) from exc


def short_name(name: str, limit: int = 200) -> str:
    """Keep the original's name, shortened to fit file-system limits (255 bytes) with room to spare."""
    if len(name.encode()) <= limit:
        return name
    suffix = Path(name).suffix[:16]
    stem = Path(name).stem.encode()[: limit - len(suffix.encode())].decode("utf-8", "ignore")
    return stem + suffix
