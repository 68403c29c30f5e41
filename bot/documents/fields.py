"""A document's metadata: front-matter and JSONL fields checked, dates read, the Article made.

Fields a file gives win; what it leaves out is derived from the text: the title from a short first
line (else the file name), place, agency and date from a news dateline ("MOSCOW, February 10.
/TASS/."), the source from the URL's host. The field rules are described in ``docs/documents.md``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime
from typing import Any
from urllib.parse import urlparse

from bot.language.lexicon import MONTHS, RU_MONTH_ABBREVIATIONS, RU_MONTH_GENITIVE
from bot.language.stems import detect_language, has_cyrillic
from bot.types import Article, DocumentError

FRONT_MATTER_FIELDS = ("id", "title", "source", "place", "published", "language", "url", "authors")
MAX_TITLE_CHARS = 200
MAX_SLUG_CHARS = 80

_MONTHS = MONTHS
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
_RU_MONTHS = RU_MONTH_GENITIVE | RU_MONTH_ABBREVIATIONS
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


# --- datelines -------------------------------------------------------------------------------------


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


# --- fields and the Article ------------------------------------------------------------------------


def clean_fields(raw: dict[str, Any], origin: str) -> dict[str, Any]:
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
        fields["published"] = iso_date(raw.get("published"))
    except ValueError as exc:
        shown = raw.get("published")
        raise DocumentError(origin, f"published is not a valid date: {shown!r} (use YYYY-MM-DD)") from exc
    fields["authors"] = _authors(raw.get("authors"), origin)
    return fields


def iso_date(value: Any) -> str | None:
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
        return [collapse(value)]
    if isinstance(value, list) and all(isinstance(a, str) for a in value):
        return [collapse(a) for a in value if a.strip()]
    raise DocumentError(origin, "field 'authors' must be a list of names")


def make_article(text: str, fields: dict[str, Any], stem: str, doc_id: str, origin: str) -> Article:
    """Given fields win; the rest is derived from the text (title line, dateline) and the URL."""
    derived = _derive(text, stem)
    url = fields.get("url", "")
    return Article(
        text=text,
        title=collapse(fields.get("title") or derived["title"]),
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
    heading = collapse(re.sub(r"^#+\s*|\s+#+$", "", first))
    title = ""
    if not dateline and heading and len(heading) <= MAX_TITLE_CHARS:
        title = heading
        dateline = parse_dateline(lines[1]) if len(lines) > 1 else {}
    derived: dict[str, Any] = {k: v for k, v in dateline.items() if k in ("place", "source")}
    derived["title"] = title or title_from_stem(stem)
    derived["published"] = dateline_date(dateline, text, today or date.today())
    return derived


def dateline_date(dateline: dict[str, Any], text: str, today: date) -> str | None:
    """A dateline's month and day as ``YYYY-MM-DD``; its year, else the latest the text mentions (not after today)."""
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


def collapse(text: str) -> str:
    """Runs of whitespace (newlines too) to one space: titles, names and extracted paragraphs."""
    return " ".join(text.split())


def title_from_stem(stem: str) -> str:
    """A title when the file gives none: the file name with dashes and underscores as spaces."""
    return collapse(re.sub(r"[-_]+", " ", stem)) or stem


def slug(stem: str) -> str:
    """A stable id from a file name: lowercase ASCII, digits and dashes, at most 80 characters."""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    readable = re.sub(r"[^a-z0-9]+", "-", ascii_stem.lower()).strip("-")[:MAX_SLUG_CHARS].rstrip("-")
    return readable or "doc-" + hashlib.sha1(stem.encode()).hexdigest()[:12]


def _host(url: str) -> str:
    host = urlparse(url).hostname if url else None
    return (host or "").removeprefix("www.")
