"""Resolvers for the date grammar: each turns one matched time expression into a day range.

A resolver gets the regex match and a ``DateContext`` (the reference day, question or passage) and
returns a ``Resolved`` range, or None when the text is not a date after all ("2000 people", "may").
Absolute expressions ("November 2023", "Q3 2023") need no reference day; relative ones ("last
week", "February 3") resolve against the as-of day of a question or the publication day of a
passage. ``bot.language.date_grammar`` pairs each resolver with its pattern.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.language.lexicon import (
    AMBIGUOUS_MONTHS,
    MONTH_NAMES,
    MONTHS,
    ORDINAL_NUMBERS,
    QUANTITY_WORDS,
    RU_MONTH_NAMES,
    WEEKDAYS,
)

MONTH_WORDS = MONTHS | RU_MONTH_NAMES  # every month word a question or passage may use -> number
FULL_MONTHS = MONTH_NAMES + sorted(RU_MONTH_NAMES, key=len, reverse=True)  # no abbreviations

# A yearless passage date ("February 3") takes the publication year unless that puts it more
# than this far after publication, in which case it is last year's (a January article's "December 28").
_PASSAGE_SLACK = timedelta(days=31)
_MAX_YEARS_BACK = 8  # how far a question's yearless "February 29" may look back for a valid year

# --- Types -------------------------------------------------------------------------------------

Maker = Callable[[int], tuple[date, date] | None]


@dataclass(frozen=True)
class DateContext:
    """What a resolver needs: the reference day and whether we read a question or a passage."""

    ref: date | None
    question: bool
    after_link: bool = False  # parsing Y in "between X and Y": a bare "2024" or "May" is a date here


@dataclass(frozen=True)
class Resolved:
    """A resolved range; ``rebase`` re-resolves a yearless expression in a given year."""

    lo: date
    hi: date
    recency: bool = False  # "this week", "recently": news-quiz reporting time, so kind "published"
    rebase: Maker | None = field(default=None, compare=False)


Handler = Callable[[re.Match[str], DateContext], Resolved | None]


# --- Small date helpers ------------------------------------------------------------------------


def as_date(day: date) -> date:
    """Accept a datetime too, since comparing a datetime with a date raises."""
    return day.date() if isinstance(day, datetime) else day


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), _last_day(year, month)


def _months_span(year: int, first: int, last: int) -> tuple[date, date]:
    """Whole months ``first..last`` of one year (quarters, halves, thirds, seasons)."""
    return date(year, first, 1), _last_day(year, last)


def _week_span(day: date) -> tuple[date, date]:
    """The Monday-to-Sunday week containing ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _shift_months(day: date, months: int) -> date:
    """Same day ``months`` later (negative: earlier), clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _safe_date(year: int, month: int, day: int) -> date | None:
    """A date, or None for impossible ones ("February 30") so they are not matched at all."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _point(day: date | None) -> tuple[date, date] | None:
    return None if day is None else (day, day)


def _resolved(span: tuple[date, date] | None, recency: bool = False) -> Resolved | None:
    return None if span is None else Resolved(span[0], span[1], recency)


def _resolve_yearless(make: Maker, ctx: DateContext) -> Resolved | None:
    """Pick the year of an expression written without one ("February 3", "in September")."""
    if ctx.ref is None:
        return None
    span = _question_year(make, ctx.ref) if ctx.question else _passage_year(make, ctx.ref)
    return None if span is None else Resolved(span[0], span[1], rebase=make)


def _question_year(make: Maker, ref: date) -> tuple[date, date] | None:
    """Questions ask about the past: the most recent occurrence that starts on or before as-of."""
    for year in range(ref.year, ref.year - _MAX_YEARS_BACK - 1, -1):
        span = make(year)
        if span is not None and span[0] <= ref:
            return span
    return None


def _passage_year(make: Maker, ref: date) -> tuple[date, date] | None:
    """Articles mostly look back, but may mention the coming weeks ("elections on March 2")."""
    span = make(ref.year)
    if span is None or span[0] > ref + _PASSAGE_SLACK:
        span = make(ref.year - 1)
    return span


def _number(word: str) -> int:
    """Digits or a small number word ("two", "a few") as an int."""
    word = " ".join(word.lower().split())
    return int(word) if word.isdigit() else QUANTITY_WORDS[word]


def _month_number(m: re.Match[str]) -> int:
    return MONTH_WORDS[m["month"].rstrip(".").lower()]


def _month_ok(m: re.Match[str]) -> bool:
    """ "May"/"March" are words too: without a year, only the capitalised forms count as months."""
    name = m["month"]
    if name.lower() not in AMBIGUOUS_MONTHS or m.groupdict().get("year"):
        return True
    return name[0].isupper()


# --- Words that make a bare year or month a date ----------------------------------------------

_FLAGS = re.IGNORECASE
# Words before a bare year or month that make it a date ("since 2020", "from September").
_YEAR_CONTEXT = re.compile(r"\b(?:since|before|after|until|till|through|between|from|of|by)\s+$", _FLAGS)
_MONTH_CONTEXT = re.compile(
    r"\b(?:since|before|after|until|till|through|between|from|of|by|early|mid|late)\s+$", _FLAGS
)
POSSESSIVE = re.compile(r"['’]s\b")  # "2023's": a year with a possessive reads as a year


def _context_before(pattern: re.Pattern[str], m: re.Match[str]) -> bool:
    return pattern.search(m.string, max(0, m.start() - 12), m.start()) is not None


# --- Resolvers: absolute dates -----------------------------------------------------------------


def resolve_iso(m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """2025-02-03."""
    return _resolved(_point(_safe_date(int(m["year"]), int(m["mon"]), int(m["day"]))))


def resolve_slash(m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """02/03/2025 in US order; 13/02/2025 cannot be US, so it is read day-first."""
    first, second, year = int(m["a"]), int(m["b"]), int(m["year"])
    month, day = (second, first) if first > 12 else (first, second)
    return _resolved(_point(_safe_date(year, month, day)))


def resolve_day(m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """February 3[, 2025] and 3 February [2025]."""
    if not _month_ok(m):
        return None
    month, day = _month_number(m), int(m["day"])
    if m["year"]:
        return _resolved(_point(_safe_date(int(m["year"]), month, day)))
    return _resolve_yearless(lambda year: _point(_safe_date(year, month, day)), ctx)


def resolve_month_year(m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """November 2023, Nov. 2023, November of 2023."""
    return _resolved(_month_span(int(m["year"]), _month_number(m)))


def resolve_month(m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """A month alone: only when a preposition or "last"/"next" says it is a month, not a word."""
    name = m["month"]
    if name.lower() not in FULL_MONTHS or not _month_ok(m):  # abbreviations ("Jan") may be names
        return None
    month = _month_number(m)
    if m["mmod"]:
        return _month_with_modifier(m["mmod"].lower(), month, ctx.ref)
    if not (m["prep"] or ctx.after_link or _context_before(_MONTH_CONTEXT, m)):
        return None
    return _resolve_yearless(lambda year: _month_span(year, month), ctx)


def _month_with_modifier(modifier: str, month: int, ref: date | None) -> Resolved | None:
    """ "last November" is the latest whole November before as-of; "next March" the first after."""
    if ref is None:
        return None
    year = ref.year
    if modifier == "last" and month >= ref.month:
        year -= 1
    elif modifier == "next" and month <= ref.month:
        year += 1
    return _resolved(_month_span(year, month))


def _third(part: str) -> int:
    """0, 1, 2 for early/mid/late (and beginning/middle/end of)."""
    word = part.lower()
    if any(w in word for w in ("early", "beginning", "start")):
        return 0
    return 1 if any(w in word for w in ("mid", "middle")) else 2


def resolve_part_year(m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """early/mid/late 2023: thirds of the year (Jan-Apr, May-Aug, Sep-Dec)."""
    third = _third(m["part"])
    return _resolved(_months_span(int(m["year"]), 4 * third + 1, 4 * third + 4))


def resolve_part_month(m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """early/mid/late November [2023]: days 1-10, 11-20, 21-end."""
    third, month = _third(m["part"]), _month_number(m)

    def make(year: int) -> tuple[date, date]:
        end = _last_day(year, month) if third == 2 else date(year, month, 10 * third + 10)
        return date(year, month, 10 * third + 1), end

    return _resolved(make(int(m["year"]))) if m["year"] else _resolve_yearless(make, ctx)


_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}


def resolve_quarter(m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """Q3 2023, the third quarter of 2023."""
    quarter = int(m["q"]) if m["q"] else ORDINAL_NUMBERS[m["qword"].lower()]
    return _resolved(_months_span(int(m["year"]), 3 * quarter - 2, 3 * quarter))


def resolve_half(m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """H1 2023, the second half of 2023."""
    half = int(m["h"]) if m["h"] else ORDINAL_NUMBERS[m["hword"].lower()]
    return _resolved(_months_span(int(m["year"]), 6 * half - 5, 6 * half))


def resolve_season(m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """Meteorological (northern) seasons; the winter of 2023 is December 2023 to February 2024."""
    year, first = int(m["year"]), _SEASONS[m["season"].lower()]
    if first == 12:
        return Resolved(date(year, 12, 1), _last_day(year + 1, 2))
    return _resolved(_months_span(year, first, first + 2))


def resolve_decade(m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """the 2020s."""
    start = int(m["decade"])
    return Resolved(date(start, 1, 1), date(start + 9, 12, 31))


def resolve_year(m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """A year, but only where it reads as one ("in 2023", "since 2020", "2023's"), not "2000 people"."""
    explicit = m["prep"] or m["theyear"] or ctx.after_link or POSSESSIVE.match(m.string, m.end())
    if not (explicit or _context_before(_YEAR_CONTEXT, m)):
        return None
    year = int(m["year"])
    return Resolved(date(year, 1, 1), date(year, 12, 31))


# --- Resolvers: relative expressions -----------------------------------------------------------


def resolve_dayword(m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """today, yesterday, tomorrow (tomorrow mostly in passages)."""
    if ctx.ref is None:
        return None
    offset = {"yesterday": -1, "tomorrow": 1}.get(m["word"].lower(), 0)
    return _resolved(_point(ctx.ref + timedelta(days=offset)))


def _calendar_unit(unit: str, ref: date, step: int) -> tuple[date, date]:
    """The calendar week/month/year containing ref, moved by ``step`` units."""
    if unit == "week":
        return _week_span(ref + timedelta(days=7 * step))
    if unit == "month":
        shifted = _shift_months(ref, step)
        return _month_span(shifted.year, shifted.month)
    return date(ref.year + step, 1, 1), date(ref.year + step, 12, 31)


def resolve_calendar(m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """this/last/next week|month|year, as whole calendar periods (weeks run Monday to Sunday)."""
    if ctx.ref is None:
        return None
    which, unit = m["which"].lower(), m["unit"].lower()
    step = {"last": -1, "previous": -1, "next": 1}.get(which, 0)
    lo, hi = _calendar_unit(unit, ctx.ref, step)
    edge = (m["edge"] or "").lower()
    if step == 0 and edge == "earlier":
        hi = ctx.ref
    elif step == 0 and edge == "later":
        lo = ctx.ref
    recency = unit in ("week", "month") and step <= 0
    return Resolved(lo, hi, recency)


def resolve_rolling(m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """(in) the past N days/weeks/months/years: from N units before the reference day to it."""
    if ctx.ref is None:
        return None
    count, unit = _number(m["n"]) if m["n"] else 1, m["unit"].lower()
    if unit in ("day", "week"):
        lo = ctx.ref - timedelta(days=count * (7 if unit == "week" else 1))
    else:
        lo = _shift_months(ctx.ref, -count * (12 if unit == "year" else 1))
    return Resolved(lo, ctx.ref, recency=True)


def resolve_ago(m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """N days/weeks/months/years ago: that day, or the calendar unit containing that day."""
    if ctx.ref is None:
        return None
    count, unit = _number(m["n"]), m["unit"].lower()
    if unit == "day":
        return _resolved(_point(ctx.ref - timedelta(days=count)))
    return _resolved(_calendar_unit(unit, ctx.ref, -count))


_RECENT_DAYS = {"days": 7, "weeks": 30, "months": 90}


def resolve_recent(m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """recently/lately: the last 30 days ("in recent days": 7, "in recent months": 90)."""
    if ctx.ref is None:
        return None
    days = _RECENT_DAYS.get((m["span"] or "weeks").lower(), 30)
    return Resolved(ctx.ref - timedelta(days=days), ctx.ref, recency=True)


def resolve_weekday(m: re.Match[str], ctx: DateContext) -> Resolved | None:
    """(on|last|this|next) Monday. Plain "Monday" is the latest one on or before the reference day,

    since news mostly reports what already happened; tense is not analysed.
    """
    if ctx.ref is None:
        return None
    target = WEEKDAYS.index(m["weekday"].lower())
    modifier = " ".join((m["wmod"] or "").lower().split())
    back = (ctx.ref.weekday() - target) % 7
    if modifier in ("last", "past", "this past") and back == 0:
        back = 7
    elif modifier in ("next", "this coming"):
        back = -((target - ctx.ref.weekday()) % 7 or 7)
    elif modifier == "this":
        back = ctx.ref.weekday() - target
    return _resolved(_point(ctx.ref - timedelta(days=back)))
