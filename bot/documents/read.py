"""Reading files into :class:`~bot.types.Article` objects: Markdown/text, HTML, PDF and JSONL.

Citations point at character offsets inside ``Article.text``, so text formats keep the body exactly
as written: the only changes are line endings (``\\r\\n`` and ``\\r`` become ``\\n``), a leading
UTF-8 BOM, and one final newline (dropping it moves no offset). Everything that goes wrong with a
file is a :class:`~bot.types.DocumentError` with a short reason a user can act on. The file format
is described in ``docs/documents.md``.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from bot.language.stems import detect_language, has_cyrillic
from bot.types import Article, DocumentError

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".jsonl"}
)
FRONT_MATTER_FIELDS = ("id", "title", "source", "place", "published", "language", "url", "authors")
MAX_TITLE_CHARS = 200
MAX_SLUG_CHARS = 80

_MARKDOWN = {".md", ".markdown"}
_HTML = {".html", ".htm"}
_SKIPPED_NAMES = {"readme.md"}
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
_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATELINE = re.compile(
    rf"""\s*
    (?:(?P<place>[A-Z][A-Z.'’-]*(?:[ ][A-Z][A-Z.'’-]*){{0,3}})       # MOSCOW / NEW YORK
       (?:,\s*(?!(?i:{_MONTH_RE})\b)(?P<region>[A-Z][A-Za-z.]*(?:[ ][A-Z][A-Za-z.]*){{0,2}}))?  # , Ukraine
       (?:,?\s+(?P<month>(?i:{_MONTH_RE}))\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?
          (?:,\s*(?P<year>(?:19|20)\d\d))?)?                         # , Jan. 5[, 2025]
    )?
    \s*(?:\.?\s*/(?P<slash>[A-Za-z][^/\n]{{0,29}})/\.?                # . /TASS/.
        |\((?P<paren>[A-Za-z][^()\n]{{0,29}})\)\s*(?:[-–—]+|:)       # (Reuters) -
        |(?P<dash>[-–—]+))                                           # MOSCOW, Feb. 10 —
    """,
    re.VERBOSE,
)
# Russian agency datelines put the day first, the month in the genitive and the place in Cyrillic
# capitals: "МОСКВА, 5 ноября. /ТАСС/.", "МОСКВА, 5 ноя — РИА Новости.", "КИЕВ, 5 ноября (Интерфакс) -".
_RU_MONTHS = {
    "января": 1, "янв": 1, "февраля": 2, "фев": 2, "марта": 3, "мар": 3, "апреля": 4, "апр": 4,
    "мая": 5, "июня": 6, "июн": 6, "июля": 7, "июл": 7, "августа": 8, "авг": 8, "сентября": 9,
    "сен": 9, "сент": 9, "октября": 10, "окт": 10, "ноября": 11, "ноя": 11, "декабря": 12, "дек": 12,
}  # fmt: skip
_RU_MONTH_RE = "|".join(sorted(_RU_MONTHS, key=len, reverse=True))
_DATELINE_RU = re.compile(
    rf"""\s*
    (?P<place>[А-ЯЁ][А-ЯЁ'-]*(?:[ ][А-ЯЁ][А-ЯЁ'-]*){{0,3}})                # МОСКВА / НЬЮ-ЙОРК
    (?:,\s*(?P<day>\d{{1,2}})\s+(?P<month>(?i:{_RU_MONTH_RE}))\.?
       (?:\s+(?P<year>(?:19|20)\d\d)(?:\s*(?:года|г\.))?)?)?                   # , 5 ноября[ 2023 года]
    \s*(?:\.?\s*/(?P<slash>[^\W\d][^/\n]{{0,29}})/\.?                         # . /ТАСС/.
        |\((?P<paren>[^\W\d][^()\n]{{0,29}})\)\s*(?:[-–—]+|:)                # (Интерфакс) -
        |[-–—]+\s*(?P<agency>[А-ЯЁA-Z][\w-]*(?:[ ][А-ЯЁA-Z][\w-]*){{0,2}})\.   # — РИА Новости.
        |(?P<dash>[-–—]+))
    """,
    re.VERBOSE,
)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ].*)?")


# --- public API -------------------------------------------------------------------------------------


DEFAULT_MAX_BYTES = 50 * 1024 * 1024  # Config.max_file_mb overrides it for ingest


def load_path(path: Path, max_bytes: int | None = DEFAULT_MAX_BYTES) -> list[Article]:
    """Read one file into its articles (a ``.jsonl`` gives many); any problem is a DocumentError.

    A ``.jsonl`` file is all-or-nothing here (the first bad line raises); use :func:`iter_jsonl`
    to keep the good records of a partly broken file.
    """
    path = Path(path)
    _check_file(path, max_bytes)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return _load_jsonl_strict(path)
    data = _read_bytes(path)
    if suffix == ".pdf":
        return [_parse_pdf(data, path)]
    if suffix in _HTML:
        return [_parse_html(_decode_html(data, str(path)), path)]
    return [_parse_text(_decode(data, str(path)), path)]


def iter_folder(
    path: Path, max_bytes: int | None = DEFAULT_MAX_BYTES
) -> Iterator[tuple[Path, list[Article] | DocumentError]]:
    """Walk a folder (sorted, recursive) and read every file, reporting bad files instead of raising.

    Hidden files and folders and ``README.md`` are skipped; files of other formats are reported as
    "unsupported format" so a user sees why they were not indexed. A ``.jsonl`` file yields its
    good records as one entry followed by one entry per bad line (same path), so one bad line does
    not cost the rest of the file. Symlinked folders are not followed (no loops).
    """
    path = Path(path)
    if not path.exists():
        raise DocumentError(str(path), "no such folder")
    if not path.is_dir():
        raise DocumentError(str(path), "not a folder")
    yield from _walk(path, max_bytes)


def iter_jsonl(path: Path) -> Iterator[Article | DocumentError]:
    """Stream one article per JSONL line; a bad line yields a DocumentError (origin ``path:line``).

    Streaming keeps memory flat for large dumps, and per-line errors let the good records load.
    Problems with the file as a whole (missing, binary, empty) are one DocumentError for the path.
    """
    path = Path(path)
    try:
        _check_exists(path)
        handle = path.open("rb")
    except DocumentError as exc:
        yield exc
        return
    except OSError as exc:
        yield DocumentError(str(path), _os_reason(exc))
        return
    with handle:
        yield from _jsonl_lines(handle, path)


def parse_dateline(text: str) -> dict[str, Any]:
    """Read a news dateline at the start of ``text``; ``{}`` when there is none.

    ``"MOSCOW, February 10. /TASS/. ..."`` gives ``{"place": "Moscow", "month": 2, "day": 10,
    "source": "TASS"}``; ``"LONDON (AP) — ..."`` gives ``{"place": "London", "source": "AP"}``.
    Keys are present only when found (``year`` too, if the dateline carries one). A bare
    "PLACE — " with neither date nor agency is not taken as a dateline: too many headlines look
    like that.
    """
    if has_cyrillic(text[:40]):
        return _parse_dateline_ru(text)
    m = _DATELINE.match(text)
    if not m or (m["dash"] and not m["month"]) or not (m["place"] or m["slash"] or m["paren"]):
        return {}
    found: dict[str, Any] = {}
    if m["place"]:
        found["place"] = m["place"].title()
    if m["month"] and 1 <= int(m["day"]) <= 31:
        found["month"] = _MONTHS[m["month"].lower()]
        found["day"] = int(m["day"])
        if m["year"]:
            found["year"] = int(m["year"])
    source = (m["slash"] or m["paren"] or "").strip()
    if source:
        found["source"] = source
    return found


def _parse_dateline_ru(text: str) -> dict[str, Any]:
    """A Russian agency dateline (``_DATELINE_RU``): "МОСКВА, 5 ноября. /ТАСС/." gives
    ``{"place": "Москва", "month": 11, "day": 5, "source": "ТАСС"}``."""
    m = _DATELINE_RU.match(text)
    if not m or (m["dash"] and not m["month"]) or not (m["month"] or m["slash"] or m["paren"] or m["agency"]):
        return {}
    found: dict[str, Any] = {"place": m["place"].title()}
    if m["month"] and 1 <= int(m["day"]) <= 31:
        found["month"] = _RU_MONTHS[m["month"].lower()]
        found["day"] = int(m["day"])
        if m["year"]:
            found["year"] = int(m["year"])
    source = (m["slash"] or m["paren"] or m["agency"] or "").strip()
    if source:
        found["source"] = source
    return found


# --- files -------------------------------------------------------------------------------------------


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise DocumentError(str(path), "no such file")
    if path.is_dir():
        raise DocumentError(str(path), "is a folder, not a file")


def _check_file(path: Path, max_bytes: int | None = None) -> None:
    """Fail early, before reading, with the reason a user can fix (a 1 GB file is never read)."""
    _check_exists(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = f"'{suffix}'" if suffix else "(no file extension)"
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise DocumentError(str(path), f"unsupported format {shown}; supported: {supported}")
    # JSONL is the bulk format and is streamed record by record, so only single documents are capped.
    if max_bytes is not None and suffix != ".jsonl":
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(
                str(path),
                f"file too large ({size / 2**20:,.0f} MB; the limit is {max_bytes / 2**20:,.0f} MB, BOT_MAX_FILE_MB)",
            )


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    return f"cannot read file ({exc.strerror or exc})"


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DocumentError(str(path), _os_reason(exc)) from exc


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes, origin: str) -> str:
    """Bytes to text, refusing what is not UTF-8 text rather than guessing (offsets must be exact)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError(origin, "UTF-16 text; save it as UTF-8")
    if b"\x00" in data:
        raise DocumentError(origin, "binary file, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(origin, f"not valid UTF-8 text (byte {exc.start})") from exc
    text = _normalise_newlines(text.removeprefix("\ufeff"))
    if not text.strip():
        raise DocumentError(origin, "empty document")
    return text


def _drop_final_newline(text: str) -> str:
    """One final newline is the editor's, not the author's; dropping it moves no offset."""
    return text[:-1] if text.endswith("\n") else text


# --- Markdown and plain text ---------------------------------------------------------------------------


def _parse_text(text: str, path: Path) -> Article:
    origin = str(path)
    meta: dict[str, Any] = {}
    body = text
    if path.suffix.lower() in _MARKDOWN and re.match(r"---[ \t]*\n", text):
        meta, body = _split_front_matter(text, origin)
    body = _drop_final_newline(body)
    if not body.strip():
        raise DocumentError(origin, "empty document")
    return _make_article(body, meta, stem=path.stem, doc_id=_slug(path.stem), origin=origin)


def _split_front_matter(text: str, origin: str) -> tuple[dict[str, Any], str]:
    """Split ``---`` YAML ``---`` from the body; the body starts right after the closing line."""
    m = re.match(r"---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\n|\Z)", text, re.DOTALL | re.MULTILINE)
    if not m:
        raise DocumentError(origin, "front matter has no closing '---' line")
    try:
        raw = yaml.safe_load(m.group(1))
    except yaml.YAMLError as exc:
        raise DocumentError(origin, f"bad YAML front matter: {_yaml_problem(exc)}") from exc
    except ValueError as exc:  # YAML read "2025-02-30" as a date and the calendar said no
        raise DocumentError(origin, f"bad YAML front matter: invalid date ({exc})") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise DocumentError(origin, "bad YAML front matter: expected 'field: value' lines")
    unknown = sorted(str(k) for k in raw if k not in FRONT_MATTER_FIELDS)
    if unknown:
        known = ", ".join(FRONT_MATTER_FIELDS)
        raise DocumentError(origin, f"unknown front matter field '{unknown[0]}'; known: {known}")
    body = text[m.end() :]
    return _clean_fields(raw, origin), body[1:] if body.startswith("\n") else body


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{problem} (line {mark.line + 2})" if mark is not None else problem


# --- metadata ---------------------------------------------------------------------------------------


def _clean_fields(raw: dict[str, Any], origin: str) -> dict[str, Any]:
    """Type-check the known fields of a front matter or JSONL record; unknown keys are ignored."""
    fields: dict[str, Any] = {}
    for name in ("id", "title", "source", "place", "language", "url"):
        value = raw.get(name)
        if value is not None and not isinstance(value, str | int | float | date):
            raise DocumentError(origin, f"field '{name}' must be text")
        fields[name] = "" if value is None else str(value).strip()
    if fields["id"] and not re.fullmatch(r"[^\s#]+", fields["id"]):
        raise DocumentError(origin, f"id {fields['id']!r} must not contain spaces or '#'")
    try:
        fields["published"] = _iso_date(raw.get("published"))
    except ValueError as exc:
        shown = raw.get("published")
        raise DocumentError(origin, f"published is not a valid date: {shown!r} (use YYYY-MM-DD)") from exc
    fields["authors"] = _authors(raw.get("authors"), origin)
    return fields


def _iso_date(value: Any) -> str | None:
    """A date as ``YYYY-MM-DD`` from a YAML date, a datetime or an ISO string; ValueError otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    m = _ISO_DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    if not m:
        raise ValueError(value)
    return date.fromisoformat(m.group(1)).isoformat()


def _authors(value: Any, origin: str) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [_collapse(value)]
    if isinstance(value, list) and all(isinstance(a, str) for a in value):
        return [_collapse(a) for a in value if a.strip()]
    raise DocumentError(origin, "field 'authors' must be a list of names")


def _make_article(text: str, fields: dict[str, Any], stem: str, doc_id: str, origin: str) -> Article:
    """Given fields win; the rest is derived from the text (title line, dateline) and the URL."""
    derived = _derive(text, stem)
    url = fields.get("url", "")
    return Article(
        text=text,
        title=_collapse(fields.get("title") or derived["title"]),
        doc_id=fields.get("id") or doc_id,
        source=fields.get("source") or _host(url) or derived.get("source", ""),
        url=url,
        published=fields.get("published") or derived["published"],
        place=fields.get("place") or derived.get("place", ""),
        language=fields.get("language") or detect_language(text),
        authors=fields.get("authors", []),
        origin=origin,
    )


def _derive(text: str, stem: str, today: date | None = None) -> dict[str, Any]:
    """Title from a short first line, else the file name; place/source/date from a dateline.

    The dateline is looked for on the first non-blank line, or on the second when the first was a
    title. A dateline has no year: the latest year the text mentions (not in the future) is used.
    """
    lines = [line.strip() for line in text.split("\n") if line.strip()][:2]
    first = lines[0] if lines else ""
    dateline = parse_dateline(first)
    heading = _collapse(re.sub(r"^#+\s*|\s+#+$", "", first))
    title = ""
    if not dateline and heading and len(heading) <= MAX_TITLE_CHARS:
        title = heading
        dateline = parse_dateline(lines[1]) if len(lines) > 1 else {}
    derived: dict[str, Any] = {k: v for k, v in dateline.items() if k in ("place", "source")}
    derived["title"] = title or _title_from_stem(stem)
    derived["published"] = _dateline_date(dateline, text, today or date.today())
    return derived


def _dateline_date(dateline: dict[str, Any], text: str, today: date) -> str | None:
    if "month" not in dateline:
        return None
    years = [int(y) for y in _YEAR.findall(text) if int(y) <= today.year]
    year = dateline.get("year") or (max(years) if years else None)
    if year is None:
        return None
    try:
        return date(year, dateline["month"], dateline["day"]).isoformat()
    except ValueError:  # e.g. February 30
        return None


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _title_from_stem(stem: str) -> str:
    return _collapse(re.sub(r"[-_]+", " ", stem)) or stem


def _slug(stem: str) -> str:
    """A stable id from a file name: lowercase ASCII, digits and dashes, at most 80 characters."""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_stem.lower()).strip("-")[:MAX_SLUG_CHARS].rstrip("-")
    return slug or "doc-" + hashlib.sha1(stem.encode()).hexdigest()[:12]


def _host(url: str) -> str:
    host = urlparse(url).hostname if url else None
    return (host or "").removeprefix("www.")


# --- HTML -------------------------------------------------------------------------------------------


def _decode_html(data: bytes, origin: str) -> str:
    """HTML may declare a legacy charset; honour it only when the bytes are not UTF-8."""
    try:
        return _decode(data, origin)
    except DocumentError as exc:
        m = re.search(rb"""<meta[^>]+charset=["']?([\w-]+)""", data[:4096], re.IGNORECASE)
        charset = m.group(1).decode("ascii").lower() if m else ""
        if not exc.reason.startswith("not valid UTF-8") or charset in ("", "utf-8", "utf8"):
            raise
        try:
            return _normalise_newlines(data.decode(charset))
        except (LookupError, UnicodeDecodeError):
            raise exc from None


def _parse_html(markup: str, path: Path) -> Article:
    """Through trafilatura with our dateline and markup dates (bot.documents.html); ours when it finds no body."""
    from bot.documents.html import article_from_html

    return article_from_html(markup, str(path), stem=path.stem, doc_id=_slug(path.stem))


def parse_html_classic(markup: str, path: Path) -> Article:
    """The reader before trafilatura: a tag list drops page furniture (kept for comparison, evals/extraction.py)."""
    from bs4 import BeautifulSoup

    origin = str(path)
    soup = BeautifulSoup(markup, "html.parser")
    fields = _html_fields(soup)
    text = _html_text(soup)
    if not text:
        raise DocumentError(origin, "no readable text in the HTML")
    return _make_article(text, fields, stem=path.stem, doc_id=_slug(path.stem), origin=origin)


def _html_fields(soup: Any) -> dict[str, Any]:
    """Metadata from <title>/<h1>, the usual meta tags, <time datetime> and the canonical link."""
    meta: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").lower()
        if key and tag.get("content") and key not in meta:
            meta[key] = tag["content"].strip()
    h1 = soup.find("h1")
    title = soup.title.get_text() if soup.title else ""
    title = _collapse(title) or meta.get("og:title", "") or (_collapse(h1.get_text()) if h1 else "")
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
            if found := _iso_date(value):
                return found
        except ValueError:  # web pages carry all sorts of dates; an unreadable one is skipped
            continue
    return None


def _html_text(soup: Any) -> str:
    """Readable text: page furniture dropped, one blank line between blocks, spaces collapsed."""
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    for tag in soup.find_all("br"):
        tag.replace_with("\n\n")
    for tag in soup.find_all(_HTML_BLOCKS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    paragraphs = (_collapse(p) for p in re.split(r"\n\s*\n", soup.get_text()))
    return "\n\n".join(p for p in paragraphs if p)


# --- PDF --------------------------------------------------------------------------------------------


def _parse_pdf(data: bytes, path: Path) -> Article:
    """Text of all pages, one blank line between pages; the title from metadata or the file name."""
    origin = str(path)
    if not data.strip():
        raise DocumentError(origin, "empty document")
    text, info = _pdf_text(data, origin)
    if not text.strip():
        raise DocumentError(origin, "no extractable text (scanned PDF?)")
    # Not the first line: in PDFs that is as often a running header or a page number.
    title = _collapse(str(info.get("title") or "")) or _title_from_stem(path.stem)
    author = _collapse(str(info.get("author") or ""))
    fields = {"title": title, "authors": [author] if author else []}
    return _make_article(text, fields, stem=path.stem, doc_id=_slug(path.stem), origin=origin)


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
    text = "\n\n".join(p.strip("\n") for p in map(_normalise_newlines, pages) if p.strip())
    return text, info


# --- JSONL ------------------------------------------------------------------------------------------


def _load_jsonl_strict(path: Path) -> list[Article]:
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
        yield DocumentError(str(path), _os_reason(exc))
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
    text = _normalise_newlines(text)
    fields = _clean_fields(record, origin)
    url = fields["url"]
    doc_id = fields["id"] or hashlib.sha1((url or text).encode()).hexdigest()[:16]
    stem = Path(urlparse(url).path.rstrip("/")).stem if url else ""
    return _make_article(text, fields, stem=stem or doc_id, doc_id=doc_id, origin=origin)


# --- folders ----------------------------------------------------------------------------------------


def _walk(folder: Path, max_bytes: int | None) -> Iterator[tuple[Path, list[Article] | DocumentError]]:
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        yield folder, DocumentError(str(folder), f"cannot list folder ({_os_reason(exc)})")
        return
    for entry in entries:
        if entry.name.startswith(".") or entry.name.lower() in _SKIPPED_NAMES:
            continue
        if entry.is_dir():
            if not entry.is_symlink():
                yield from _walk(entry, max_bytes)
            continue
        yield from _folder_entry(entry, max_bytes)


def _folder_entry(file: Path, max_bytes: int | None) -> Iterator[tuple[Path, list[Article] | DocumentError]]:
    if file.suffix.lower() != ".jsonl":
        try:
            yield file, load_path(file, max_bytes)
        except DocumentError as exc:
            yield file, exc
        return
    items = list(iter_jsonl(file))
    good = [a for a in items if isinstance(a, Article)]
    if good:
        yield file, good
    yield from ((file, e) for e in items if isinstance(e, DocumentError))
