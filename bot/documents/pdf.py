"""PDF files: the text of every page through pypdf, the title and author from the PDF's metadata.

pypdf is imported on the first PDF, so reading other formats never pays for it. A scanned PDF has
no text layer; it is refused with that reason rather than indexed empty.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from bot.documents.fields import collapse, make_article, slug, title_from_stem
from bot.documents.files import normalise_newlines
from bot.types import Article, DocumentError


def parse_pdf(data: bytes, path: Path) -> Article:
    """Text of all pages, one blank line between pages; the title from metadata or the file name."""
    origin = str(path)
    if not data.strip():
        raise DocumentError(origin, "empty document")
    text, info = _pdf_text(data, origin)
    if not text.strip():
        raise DocumentError(origin, "no extractable text (scanned PDF?)")
    # Not the first line: in PDFs that is as often a running header or a page number.
    title = collapse(str(info.get("title") or "")) or title_from_stem(path.stem)
    author = collapse(str(info.get("author") or ""))
    fields = {"title": title, "authors": [author] if author else []}
    return make_article(text, fields, stem=path.stem, doc_id=slug(path.stem), origin=origin)


def _pdf_text(data: bytes, origin: str) -> tuple[str, dict[str, Any]]:
    from pypdf import PdfReader

    try:  # pypdf raises many exception types on damaged files; all mean "cannot read this PDF"
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(origin, "encrypted PDF (needs a password)")
        pages = [(page.extract_text() or "").replace("\x00", "") for page in reader.pages]
        meta = reader.metadata
        info = {"title": meta.title, "author": meta.author} if meta else {}
    except DocumentError:
        raise
    except Exception as exc:
        raise DocumentError(origin, f"not a readable PDF ({type(exc).__name__})") from exc
    text = "\n\n".join(p.strip("\n") for p in map(normalise_newlines, pages) if p.strip())
    return text, info
