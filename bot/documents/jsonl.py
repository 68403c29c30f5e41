"""JSONL files: one article per line, streamed, with a DocumentError per bad line.

Streaming keeps memory flat for large dumps, and an error names its line (origin ``path:line``) so
the good records still load. Each record carries ``text`` plus the same fields as Markdown front
matter (``docs/documents.md``); without an ``id`` the id is a hash of the URL or the text.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bot.documents.fields import clean_fields, make_article
from bot.documents.files import check_exists, normalise_newlines, os_reason
from bot.types import Article, DocumentError


def iter_jsonl(path: Path) -> Iterator[Article | DocumentError]:
    """Stream one article per JSONL line; a bad line yields a DocumentError (origin ``path:line``).

    Streaming keeps memory flat for large dumps, and per-line errors let the good records load.
    Problems with the file as a whole (missing, binary, empty) are one DocumentError for the path.
    """
    path = Path(path)
    try:
        check_exists(path)
        handle = path.open("rb")
    except DocumentError as exc:
        yield exc
        return
    except OSError as exc:
        yield DocumentError(str(path), os_reason(exc))
        return
    with handle:
        yield from _jsonl_lines(handle, path)


def load_jsonl_strict(path: Path) -> list[Article]:
    """All the file's articles, or the first bad line's DocumentError (``load_path``'s all-or-nothing)."""
    articles: list[Article] = []
    for item in iter_jsonl(path):
        if isinstance(item, DocumentError):
            raise item
        articles.append(item)
    return articles


def _jsonl_lines(handle: io.BufferedReader, path: Path) -> Iterator[Article | DocumentError]:
    if b"\x00" in handle.read(8192):
        yield DocumentError(str(path), "binary file, not text")
        return
    handle.seek(0)
    offset = 0
    records = 0
    try:
        for lineno, raw in enumerate(handle, start=1):
            item = _jsonl_record(raw, f"{path}:{lineno}", offset, first=lineno == 1)
            offset += len(raw)
            if item is not None:
                records += 1
                yield item
    except OSError as exc:
        yield DocumentError(str(path), os_reason(exc))
        return
    if records == 0:
        yield DocumentError(str(path), "empty document")


def _jsonl_record(raw: bytes, origin: str, offset: int, first: bool) -> Article | DocumentError | None:
    """One line to an Article, a DocumentError for a bad line, or None for a blank line."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return DocumentError(origin, f"not valid UTF-8 text (byte {offset + exc.start})")
    line = line.removeprefix("\ufeff") if first else line
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return DocumentError(origin, f"not valid JSON ({exc.msg}, column {exc.colno})")
    if not isinstance(record, dict):
        return DocumentError(origin, "not a JSON object")
    try:
        return _article_from_record(record, origin)
    except DocumentError as exc:
        return exc


def _article_from_record(record: dict[str, Any], origin: str) -> Article:
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise DocumentError(origin, "record has no text")
    text = normalise_newlines(text)
    fields = clean_fields(record, origin)
    url = fields["url"]
    doc_id = fields["id"] or hashlib.sha1((url or text).encode()).hexdigest()[:16]
    stem = Path(urlparse(url).path.rstrip("/")).stem if url else ""
    return make_article(text, fields, stem=stem or doc_id, doc_id=doc_id, origin=origin)
