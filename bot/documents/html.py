"""A news web page (saved ``.html`` or fetched by URL) to an :class:`~bot.types.Article`.

The main text, title, author and site name come from trafilatura, which drops menus, cookie
banners, share bars, newsletter boxes, related stories and comments far better than a tag list
can (``docs/extraction.md`` has the measurements). The publication date is chosen in order of
trust, because a page carries many dates (related stories, comments, the copyright line):

1. the page's own markup: JSON-LD ``datePublished``, ``article:published_time`` and similar meta
   tags, ``<time datetime>`` (:func:`html_fields` and :func:`json_ld_published` read these);
2. the dateline at the start of the article ("MOSCOW, March 14. /TASS/."), which trafilatura
   does not read; its missing year is taken from the page's best date guess when there is one;
3. htmldate's guess through trafilatura (it searches the whole page, so it comes last).

When trafilatura finds no main text (very short pages), the page's text comes from our own reader
(:func:`html_text`, a tag list that drops page furniture), as before. That reader alone is
:func:`parse_html_classic`, kept as the baseline of the extraction comparison (evals/extraction.py).
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bot.documents.fields import collapse, dateline_date, iso_date, make_article, parse_dateline, slug
from bot.documents.files import decode_html, normalise_newlines
from bot.types import Article, DocumentError

if TYPE_CHECKING:
    from bot.config import Config

_BYLINE = re.compile(r"^(?:by|reporting by|written by)\s+", re.IGNORECASE)
_HTML_DROP = ["script", "style", "noscript", "nav", "header", "footer", "aside", "head", "template"]
_HTML_DROP += ["svg", "iframe", "button", "form"]
_HTML_BLOCKS = ["p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li"]
_HTML_BLOCKS += ["ul", "ol", "blockquote", "pre", "table", "tr", "figure", "figcaption", "dl", "dt", "dd"]
_HTML_DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dc.date",
    "date",
)


def article_from_html(markup: str, origin: str, stem: str, doc_id: str, url: str = "") -> Article:
    """Read one page; ``url`` is where it was fetched from (the canonical URL wins when the page has one)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    fields = html_fields(soup)
    fields["published"] = fields["published"] or json_ld_published(soup)
    ours = html_text(soup)  # the fallback; empty when the page is only scripts, menus and footers
    if not ours:
        raise DocumentError(origin, "no readable text in the HTML")
    found = trafilatura_extract(markup, url)
    fields["url"] = fields["url"] or url
    if found is None or not found.get("text"):
        return make_article(ours, fields, stem=stem, doc_id=doc_id, origin=origin)
    text = paragraphs(found["text"])
    fields["title"] = collapse(found.get("title") or "") or fields["title"]
    fields["source"] = fields["source"] or _site_name(found.get("sitename") or "", url)
    # A wire story's agency ("(Reuters) -") names the source better than the host it was fetched from.
    fields["source"] = fields["source"] or parse_dateline(text.split("\n", 1)[0]).get("source", "")
    author = clean_author(found.get("author") or "")
    fields["authors"] = fields["authors"] or ([author] if author else [])
    if not fields["published"]:
        fields["published"] = dateline_published(text, found.get("date")) or found.get("date")
    return make_article(text, fields, stem=stem, doc_id=doc_id, origin=origin)


def parse_html(markup: str, path: Path) -> Article:
    """A saved ``.html`` file (decoded) to its Article, the id from the file name (``load_path``'s reader)."""
    return article_from_html(markup, str(path), stem=path.stem, doc_id=slug(path.stem))


def url_doc_id(url: str) -> str:
    """A readable, stable id for a page: its host and path as a slug, plus a short hash of the URL."""
    import hashlib

    parts = urlsplit(url)
    readable = slug(f"{(parts.hostname or '').removeprefix('www.')} {parts.path}")[:60].rstrip("-")
    return f"{readable}-{hashlib.sha1(url.encode()).hexdigest()[:8]}"


def _site_name(name: str, url: str) -> str:
    """trafilatura's site name, unless it is only the URL's host (then the dateline may do better)."""
    netloc = urlsplit(url).netloc.lower() if url else ""
    name = collapse(name)
    return "" if name.lower().removeprefix("www.") in {netloc, netloc.removeprefix("www.")} else name


def paragraphs(text: str) -> str:
    """trafilatura's lines as our paragraphs: spaces collapsed, one blank line between them."""
    return "\n\n".join(p for p in (collapse(line) for line in text.split("\n")) if p)


def clean_author(author: str) -> str:
    """'Reporting by A; Editing by B' -> 'A'; 'By JANE ROE' -> 'JANE ROE'."""
    first = author.split(";")[0].strip()
    return collapse(_BYLINE.sub("", first))


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
        return dateline_date(found, text, today or date.today())
    anchor = date.fromisoformat(guessed)
    options = []
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            options.append(date(year, found["month"], found["day"]))
        except ValueError:
            continue
    return min(options, key=lambda d: abs((d - anchor).days)).isoformat() if options else None


def trafilatura_extract(markup: str, url: str) -> dict[str, Any] | None:
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


# --- our own reader: trafilatura's fallback and the comparison's baseline --------------------------


def parse_html_classic(markup: str, path: Path) -> Article:
    """The reader before trafilatura: a tag list drops page furniture (kept for comparison, evals/extraction.py)."""
    from bs4 import BeautifulSoup

    origin = str(path)
    soup = BeautifulSoup(markup, "html.parser")
    fields = html_fields(soup)
    text = html_text(soup)
    if not text:
        raise DocumentError(origin, "no readable text in the HTML")
    return make_article(text, fields, stem=path.stem, doc_id=slug(path.stem), origin=origin)


def html_fields(soup: Any) -> dict[str, Any]:
    """Metadata from <title>/<h1>, the usual meta tags, <time datetime> and the canonical link."""
    meta: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").lower()
        if key and tag.get("content") and key not in meta:
            meta[key] = tag["content"].strip()
    h1 = soup.find("h1")
    title = soup.title.get_text() if soup.title else ""
    title = collapse(title) or meta.get("og:title", "") or (collapse(h1.get_text()) if h1 else "")
    canonical = soup.find("link", rel="canonical")
    html = soup.find("html")
    lang = (html.get("lang") or "") if html else ""
    author = meta.get("author", "")
    return {
        "title": title,
        "published": _html_published(soup, meta),
        "url": (canonical.get("href") if canonical else "") or meta.get("og:url", ""),
        "source": meta.get("og:site_name", ""),
        "language": lang.split("-")[0].lower(),
        "authors": [author] if author and "://" not in author else [],
    }


def _html_published(soup: Any, meta: dict[str, str]) -> str | None:
    time_tag = soup.find("time", datetime=True)
    candidates = [meta.get(key) for key in _HTML_DATE_META]
    candidates.append(time_tag["datetime"] if time_tag else None)
    for value in candidates:
        try:
            if found := iso_date(value):
                return found
        except ValueError:  # web pages carry all sorts of dates; an unreadable one is skipped
            continue
    return None


def html_text(soup: Any) -> str:
    """Readable text: page furniture dropped, one blank line between blocks, spaces collapsed."""
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    for tag in soup.find_all("br"):
        tag.replace_with("\n\n")
    for tag in soup.find_all(_HTML_BLOCKS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    blocks = (collapse(p) for p in re.split(r"\n\s*\n", soup.get_text()))
    return "\n\n".join(p for p in blocks if p)


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
    if not body.strip():
        raise DocumentError(origin, "empty page")
    if charset:
        try:
            return normalise_newlines(body.decode(charset, errors="replace"))
        except LookupError:
            pass  # an unknown charset name: read it as if none was given
    try:
        return decode_html(body, origin)
    except DocumentError:
        return normalise_newlines(body.decode("utf-8", errors="replace"))
