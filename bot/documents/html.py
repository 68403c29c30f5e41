"""A news web page (saved ``.html`` or fetched by URL) to an :class:`~bot.types.Article`.

The main text, title, author and site name come from trafilatura, which drops menus, cookie
banners, share bars, newsletter boxes, related stories and comments far better than a tag list
can (``docs/extraction.md`` has the measurements). The publication date is chosen in order of
trust, because a page carries many dates (related stories, comments, the copyright line):

1. the page's own markup: JSON-LD ``datePublished``, ``article:published_time`` and similar meta
   tags, ``<time datetime>`` (bot.documents reads these);
2. the dateline at the start of the article ("MOSCOW, March 14. /TASS/."), which trafilatura
   does not read; its missing year is taken from the page's best date guess when there is one;
3. htmldate's guess through trafilatura (it searches the whole page, so it comes last).

When trafilatura finds no main text (very short pages), the page goes through our own reader in
bot.documents, as before.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.documents.read import (
    _collapse,
    _html_fields,
    _html_text,
    _make_article,
    _slug,
    parse_dateline,
)
from bot.types import Article, DocumentError

if TYPE_CHECKING:
    from bot.config import Config

_BYLINE = re.compile(r"^(?:by|reporting by|written by)\s+", re.IGNORECASE)


def article_from_html(markup: str, origin: str, stem: str, doc_id: str, url: str = "") -> Article:
    """Read one page; ``url`` is where it was fetched from (the canonical URL wins when the page has one)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    fields = _html_fields(soup)
    fields["published"] = fields["published"] or json_ld_published(soup)
    ours = _html_text(soup)  # the fallback; empty when the page is only scripts, menus and footers
    if not ours:
        raise DocumentError(origin, "no readable text in the HTML")
    found = _trafilatura(markup, url)
    fields["url"] = fields["url"] or url
    if found is None or not found.get("text"):
        return _make_article(ours, fields, stem=stem, doc_id=doc_id, origin=origin)
    text = paragraphs(found["text"])
    fields["title"] = _collapse(found.get("title") or "") or fields["title"]
    fields["source"] = fields["source"] or _site_name(found.get("sitename") or "", url)
    # A wire story's agency ("(Reuters) -") names the source better than the host it was fetched from.
    fields["source"] = fields["source"] or parse_dateline(text.split("\n", 1)[0]).get("source", "")
    author = clean_author(found.get("author") or "")
    fields["authors"] = fields["authors"] or ([author] if author else [])
    if not fields["published"]:
        fields["published"] = dateline_published(text, found.get("date")) or found.get("date")
    return _make_article(text, fields, stem=stem, doc_id=doc_id, origin=origin)


def url_doc_id(url: str) -> str:
    """A readable, stable id for a page: its host and path as a slug, plus a short hash of the URL."""
    import hashlib

    parts = urlsplit(url)
    readable = _slug(f"{(parts.hostname or '').removeprefix('www.')} {parts.path}")[:60].rstrip("-")
    return f"{readable}-{hashlib.sha1(url.encode()).hexdigest()[:8]}"


def _site_name(name: str, url: str) -> str:
    """trafilatura's site name, unless it is only the URL's host (then the dateline may do better)."""
    netloc = urlsplit(url).netloc.lower() if url else ""
    name = _collapse(name)
    return "" if name.lower().removeprefix("www.") in {netloc, netloc.removeprefix("www.")} else name


def paragraphs(text: str) -> str:
    """trafilatura's lines as our paragraphs: spaces collapsed, one blank line between them."""
    return "\n\n".join(p for p in (_collapse(line) for line in text.split("\n")) if p)


def clean_author(author: str) -> str:
    """'Reporting by A; Editing by B' -> 'A'; 'By JANE ROE' -> 'JANE ROE'."""
    first = author.split(";")[0].strip()
    return _collapse(_BYLINE.sub("", first))


def json_ld_published(soup: Any) -> str | None:
    """``datePublished`` of the first JSON-LD object that has one (``@graph`` lists included)."""
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except (json.JSONDecodeError, TypeError):
            continue  # broken JSON-LD is common; another date source may still work
        for obj in _ld_objects(data):
            value = obj.get("datePublished")
            if isinstance(value, str) and (day := _iso_day(value)):
                return day
    return None


def _ld_objects(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return [o for item in data for o in _ld_objects(item)]
    if isinstance(data, dict):
        return [data, *_ld_objects(data.get("@graph", []))]
    return []


def _iso_day(value: str) -> str | None:
    m = re.match(r"\s*(\d{4}-\d{2}-\d{2})", value)
    if not m:
        return None
    try:
        return date.fromisoformat(m.group(1)).isoformat()
    except ValueError:
        return None


def dateline_published(text: str, guess: str | None, today: date | None = None) -> str | None:
    """The dateline's month and day, in the year that puts it nearest the page's date guess.

    A dateline rarely has a year. With a guess (htmldate's best date for the page), the year is
    the one of guess-1..guess+1 closest to it; without one, the latest year the text mentions
    (as for text files).
    """
    first = text.split("\n", 1)[0]
    found = parse_dateline(first)
    if "month" not in found:
        return None
    guessed = _iso_day(guess) if guess else None
    if found.get("year") or not guessed:
        from bot.documents.read import _dateline_date

        return _dateline_date(found, text, today or date.today())
    anchor = date.fromisoformat(guessed)
    options = []
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            options.append(date(year, found["month"], found["day"]))
        except ValueError:
            continue
    return min(options, key=lambda d: abs((d - anchor).days)).isoformat() if options else None


def _trafilatura(markup: str, url: str) -> dict[str, Any] | None:
    """Main text and metadata, or None when trafilatura finds no article (too short, no body)."""
    import trafilatura

    params = {"extensive_search": True, "original_date": True, "outputformat": "%Y-%m-%d"}
    try:
        found = trafilatura.bare_extraction(
            markup,
            url=url or None,
            with_metadata=True,
            favor_precision=True,  # measured: drops newsletter boxes and menus on short pages too
            include_comments=False,
            include_tables=False,
            date_extraction_params=params,
        )
    except (ValueError, TypeError, RecursionError):  # a page lxml cannot build a tree from
        return None
    return found.as_dict() if found is not None and not isinstance(found, dict) else found


# --- pages fetched by URL ---------------------------------------------------------------------------
def load_url(url: str, config: Config) -> Article:
    """Fetch a page (bot.documents.fetch's guards) and read it; the id is made from the canonical URL.

    The caller may replace ``doc_id`` with the id of a document already ingested from the same
    page (see ``Indexer.ingest_urls``). FetchError / DocumentError carry the URL as origin.
    """
    from bot.documents.fetch import fetch

    page = fetch(url, config)
    markup = decode_page(page.body, page.charset, url)
    stem = PurePosixPath(urlsplit(page.final_url).path).stem or (urlsplit(page.final_url).hostname or "page")
    article = article_from_html(markup, url, stem=stem, doc_id="", url=page.final_url)
    article.doc_id = url_doc_id(article.url or page.final_url)
    return article


def decode_page(body: bytes, charset: str, origin: str) -> str:
    """Bytes of a fetched page as text: the header's charset, else UTF-8, else the page's <meta charset>."""
    from bot.documents.read import _decode_html, _normalise_newlines

    if not body.strip():
        raise DocumentError(origin, "empty page")
    if charset:
        try:
            return _normalise_newlines(body.decode(charset, errors="replace"))
        except LookupError:
            pass  # an unknown charset name: read it as if none was given
    try:
        return _decode_html(body, origin)
    except DocumentError:
        return _normalise_newlines(body.decode("utf-8", errors="replace"))
