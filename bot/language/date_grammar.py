"""The date grammar: the pattern table, matching a text against it, and composite ranges.

Each pattern is a regular expression paired with a resolver from ``bot.language.date_resolvers``.
``find_spans`` keeps the longest of overlapping matches, then builds ranges from them: "between X
and Y" in questions and passages, and since/before/after/until bounds in questions only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from bot.language.date_resolvers import (
    FULL_MONTHS,
    MONTH_WORDS,
    DateContext,
    Handler,
    Resolved,
    resolve_ago,
    resolve_calendar,
    resolve_day,
    resolve_dayword,
    resolve_decade,
    resolve_half,
    resolve_iso,
    resolve_month,
    resolve_month_year,
    resolve_part_month,
    resolve_part_year,
    resolve_quarter,
    resolve_recent,
    resolve_rolling,
    resolve_season,
    resolve_slash,
    resolve_weekday,
    resolve_year,
)
from bot.language.lexicon import WEEKDAYS

OPEN_START = date(1900, 1, 1)  # start of an open range ("before March 2024")
OPEN_END = date(2099, 12, 31)  # end of an open range that starts after as-of ("after 2030")


@dataclass(frozen=True)
class Span:
    """A matched expression: ``start`` includes a leading "in"/"on", ``core`` does not."""

    start: int
    core: int
    end: int
    res: Resolved


# --- Grammar -----------------------------------------------------------------------------------

_FLAGS = re.IGNORECASE
_ABBREVIATIONS = sorted((k for k in MONTH_WORDS if k not in FULL_MONTHS), key=len, reverse=True)
_MONTH = r"(?P<month>(?:" + "|".join(FULL_MONTHS) + r")\b|(?:" + "|".join(_ABBREVIATIONS) + r")(?:\.|\b))"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b"
# "2023 года" / "2023 г.": the Russian word for "year" after a year belongs to the expression
_YEAR = r"(?P<year>(?:19|20)\d{2})(?!\d)(?!,\d)(?:\s+(?:года|году|год|г\.))?"
_WEEKDAY = r"(?P<weekday>" + "|".join(WEEKDAYS) + r")\b"
_NUM = (
    r"\d{1,3}|a\s+couple\s+of|couple\s+of|a\s+couple|a\s+few|few|several"
    r"|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
)
_UNIT = r"(?P<unit>day|week|month|year)s?\b"


def _prep(words: str) -> str:
    """An optional leading preposition, kept out of the ``body`` group (see ``Span.core``)."""
    return r"(?:\b(?P<prep>" + words + r")\s+)?"


def _compile(prep: str, body: str) -> re.Pattern[str]:
    return re.compile(_prep(prep) + r"(?P<body>\b(?:" + body + "))", _FLAGS)


_IN_ON = "in|on|during|throughout|в|во"  # в/во: Russian "in"
_PATTERNS: list[tuple[re.Pattern[str], Handler]] = [
    (_compile(_IN_ON, r"(?<![\d-])(?P<year>\d{4})-(?P<mon>\d{1,2})-(?P<day>\d{1,2})\b(?!-)"), resolve_iso),
    (_compile(_IN_ON, r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<year>\d{4})\b(?!/)"), resolve_slash),
    (
        _compile(
            _IN_ON, rf"(?:{_WEEKDAY},?\s+)?(?:the\s+)?\b{_MONTH}\s+(?:the\s+)?{_DAY}(?!,\d)(?:,?\s+{_YEAR})?"
        ),
        resolve_day,
    ),
    (
        _compile(
            _IN_ON,
            rf"(?:{_WEEKDAY},?\s+)?(?:the\s+)?(?<![\w,.]){_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+{_YEAR})?",
        ),
        resolve_day,
    ),
    (_compile(_IN_ON, rf"\b{_MONTH}(?:\s+of)?,?\s+{_YEAR}"), resolve_month_year),
    (_compile(_IN_ON, rf"(?:(?P<mmod>last|this|next)\s+)?\b{_MONTH}"), resolve_month),
    (
        _compile(
            _IN_ON,
            r"(?:the\s+)?(?P<part>early|mid|late|(?:the\s+)?(?:beginning|start|middle|end)\s+of)"
            rf"[\s-]*(?<![\w]){_YEAR}",
        ),
        resolve_part_year,
    ),
    (
        _compile(
            _IN_ON,
            r"(?:the\s+)?(?P<part>early|mid|late|(?:the\s+)?(?:beginning|start|middle|end)\s+of)"
            rf"[\s-]*\b{_MONTH}(?:,?\s+(?:of\s+)?{_YEAR})?",
        ),
        resolve_part_month,
    ),
    (
        _compile(
            _IN_ON,
            r"(?:the\s+)?\b(?:q(?P<q>[1-4])|(?P<qword>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter)"
            rf"(?:\s+of)?,?\s+{_YEAR}",
        ),
        resolve_quarter,
    ),
    (
        _compile(
            _IN_ON,
            rf"(?:the\s+)?\b(?:h(?P<h>[12])|(?P<hword>first|second|1st|2nd)\s+half)(?:\s+of)?,?\s+{_YEAR}",
        ),
        resolve_half,
    ),
    (
        _compile(_IN_ON, rf"(?:the\s+)?\b(?P<season>spring|summer|autumn|fall|winter)(?:\s+of)?,?\s+{_YEAR}"),
        resolve_season,
    ),
    (_compile(_IN_ON, r"the\s+(?P<decade>(?:19|20)\d0)['’]?s\b"), resolve_decade),
    (_compile(_IN_ON, rf"(?P<theyear>the\s+year\s+)?(?<![\w.,$£€]){_YEAR}\b"), resolve_year),
    (_compile(_IN_ON, r"\b(?P<word>today|tonight|yesterday|tomorrow)\b"), resolve_dayword),
    (
        _compile(
            _IN_ON + "|over|within",
            r"(?<!the\s)(?:(?P<edge>earlier|later)\s+)?\b(?P<which>this|last|previous|next|current)\s+"
            r"(?P<unit>week|month|year)\b",
        ),
        resolve_calendar,
    ),
    (
        _compile(
            _IN_ON + "|over|within|for",
            rf"(?:(?:the\s+)?\b(?:past|last|previous)\s+(?P<n>{_NUM})|the\s+(?:past|last|previous)|\bpast)"
            rf"\s+{_UNIT}",
        ),
        resolve_rolling,
    ),
    (_compile(_IN_ON, rf"\b(?P<n>{_NUM}|an?)\s+{_UNIT}\s+ago\b"), resolve_ago),
    (
        _compile(_IN_ON, r"\b(?:recently|lately|of\s+late|in\s+recent\s+(?P<span>days|weeks|months))\b"),
        resolve_recent,
    ),
    (
        _compile("on", rf"(?:\b(?P<wmod>last|this\s+past|this\s+coming|this|next|past)\s+)?\b{_WEEKDAY}"),
        resolve_weekday,
    ),
]


# --- Matching ----------------------------------------------------------------------------------


def _call(handler: Handler, m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """Run a resolver; arithmetic far outside the calendar ("999 years ago") just means no match."""
    try:
        res = handler(m, ctx)
    except (ValueError, OverflowError, KeyError):
        return None
    return res if res is not None and res.lo <= res.hi else None


def _candidates(text: str, ctx: DateContext) -> list[Span]:
    """Every resolvable match of every pattern, overlapping ones included."""
    spans: list[Span] = []
    for pattern, handler in _PATTERNS:
        for m in pattern.finditer(text):
            res = _call(handler, m, ctx)
            if res is not None:
                spans.append(Span(m.start(), m.start("body"), m.end(), res))
    return spans


def _longest_first(spans: list[Span]) -> list[Span]:
    """Keep the longest of overlapping matches ("February 3, 2025" over "February 3"), in text order."""
    chosen: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start - s.end, s.start)):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def _match_at(text: str, pos: int, ctx: DateContext) -> Span | None:
    """The longest expression starting exactly at ``pos`` (the Y of "between X and Y")."""
    best: Span | None = None
    for pattern, handler in _PATTERNS:
        m = pattern.match(text, pos)
        res = _call(handler, m, ctx) if m is not None else None
        if m is not None and res is not None and (best is None or m.end() > best.end):
            best = Span(m.start(), m.start("body"), m.end(), res)
    return best


def find_spans(text: str, ctx: DateContext) -> list[Span]:
    """Base expressions, then ranges built from them ("between X and Y", "since X")."""
    return _compose(text, _longest_first(_candidates(text, ctx)), ctx)


# --- Composite expressions ---------------------------------------------------------------------

_RANGE_OPEN = re.compile(r"\b(?:between|from)\s+$", _FLAGS)
_RANGE_LINK = re.compile(r"\s*(?:and|to|until|till|through)\s+|\s*[-–—]\s*", _FLAGS)
# Event-relative bounds ("before the ceasefire") never get here: only a resolved date follows.
_BOUND = re.compile(r"\b(?P<word>since|after|before|until|till|through|up\s+to|prior\s+to)\s+$", _FLAGS)


def _compose(text: str, spans: list[Span], ctx: DateContext) -> list[Span]:
    """Join "between X and Y" pairs; in questions also apply since/before/after/until bounds.

    Passages keep "since 2020" as a mention of 2020: an open range there would make the passage
    match every question about the decades before.
    """
    out: list[Span] = []
    i = 0
    while i < len(spans):
        pair = _range_pair(text, spans[i], ctx)
        if pair is None:
            out.append(_bounded(text, spans[i], ctx) if ctx.question else spans[i])
            i += 1
            continue
        out.append(pair)
        i += 1
        while i < len(spans) and spans[i].start < pair.end:
            i += 1
    return out


def _range_pair(text: str, first: Span, ctx: DateContext) -> Span | None:
    """ "between X and Y" / "from X to Y" as one range from X's start to Y's end."""
    opener = _RANGE_OPEN.search(text, max(0, first.start - 10), first.start)
    link = _RANGE_LINK.match(text, first.end) if opener is not None else None
    if opener is None or link is None:
        return None
    second = _match_at(text, link.end(), replace(ctx, after_link=True))
    if second is None:
        return None
    lo, hi = _join(first.res, second.res)
    if lo > hi:
        return None
    recency = first.res.recency or second.res.recency
    return Span(opener.start(), opener.start(), second.end, Resolved(lo, hi, recency))


def _join(first: Resolved, second: Resolved) -> tuple[date, date]:
    """Give a yearless end the other end's year: "between March and May 2024" is all in 2024."""
    lo, hi = first.lo, second.hi
    if first.rebase is not None and second.rebase is None:
        for year in (second.lo.year, second.lo.year - 1):
            span = first.rebase(year)
            if span is not None and span[0] <= hi:
                return span[0], hi
    if second.rebase is not None and first.rebase is None:
        for year in (first.hi.year, first.hi.year + 1):
            span = second.rebase(year)
            if span is not None and span[1] >= lo:
                return lo, span[1]
    return lo, hi


def _bounded(text: str, span: Span, ctx: DateContext) -> Span:
    """ "since X" runs to as-of, "after X" from X's end, "before"/"until X" from OPEN_START.

    A since/after bound that starts after as-of has no as-of end to run to, so it runs to OPEN_END.
    """
    m = _BOUND.search(text, max(0, span.start - 12), span.start)
    if m is None or span.core != span.start or ctx.ref is None:
        return span
    word = m["word"].lower().split()[0]
    lo, hi = span.res.lo, span.res.hi
    if word in ("since", "after"):
        start = lo if word == "since" else hi + timedelta(days=1)
        new = (start, ctx.ref if ctx.ref >= start else OPEN_END)
    elif word in ("before", "prior"):
        new = (OPEN_START, lo - timedelta(days=1))
    else:
        new = (OPEN_START, hi)
    if new[0] > new[1]:
        return span
    return Span(m.start(), m.start(), span.end, Resolved(new[0], new[1], span.res.recency))
