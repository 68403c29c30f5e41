"""Time expressions in questions and date mentions in passages, for date-aware retrieval.

A question's time expression means one of two things, and retrieval treats them differently:

* ``"mention"``: the question is about events at that time ("Who was released in November 2023?"),
  so passages that *mention* that time should rank higher, whenever the article was published.
* ``"published"``: the question is about reporting time ("what did the news say in October 2023",
  "which company announced this week ..."), so the article's publication day is what counts.

Relative expressions ("last week", "on February 3") resolve against an as-of date that the caller
passes (for questions) or the article's publication day (for passages).

Expressions tied to an event rather than a date ("before the ceasefire", "after the election")
are deliberately not resolved: that would need the event's date, which we do not have. They
produce no range, and ``strip_date_expressions`` leaves them in the question.

Standard library only: the grammar is a fixed set of regular expressions, each with a resolver.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache

from bot.language.lexicon import (
    AMBIGUOUS_MONTHS,
    MONTH_NAMES,
    MONTHS,
    ORDINAL_NUMBERS,
    QUANTITY_WORDS,
    RU_MONTH_NAMES,
    WEEKDAYS,
)

MENTION = "mention"
PUBLISHED = "published"
_MONTHS = MONTHS | RU_MONTH_NAMES  # every month word a question or passage may use -> number
OPEN_START = date(1900, 1, 1)  # start of an open range ("before March 2024")
OPEN_END = date(2099, 12, 31)  # end of an open range that starts after as-of ("after 2030")

# A yearless passage date ("February 3") takes the publication year unless that puts it more
# than this far after publication, in which case it is last year's (a January article's "December 28").
_PASSAGE_SLACK = timedelta(days=31)
_MAX_YEARS_BACK = 8  # how far a question's yearless "February 29" may look back for a valid year

# --- Public API --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateRange:
    """An inclusive day range found in a question, with what it constrains (``kind``)."""

    start: date
    end: date
    kind: str  # MENTION or PUBLISHED
    text: str  # the matched expression as written in the question

    def to_dict(self) -> dict[str, str]:
        """Plain JSON-ready form, for logs and the retrieval trace."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "kind": self.kind,
            "text": self.text,
        }

    def day_numbers(self) -> tuple[int, int]:
        """Ordinal day numbers, so stores that filter on integers can use the range directly."""
        return self.start.toordinal(), self.end.toordinal()


def parse_question_dates(question: str, as_of: date) -> list[DateRange]:
    """Every time expression in ``question``, resolved against ``as_of``, in order of appearance."""
    ctx = _Ctx(ref=_as_date(as_of), question=True)
    return [
        DateRange(s.res.lo, s.res.hi, _kind(question, s), question[s.start : s.end])
        for s in _find_spans(question, ctx)
    ]


def parse_question(question: str, as_of: date) -> tuple[list[DateRange], str]:
    """The question's time expressions resolved against ``as_of``, and the question without them:
    both from one pass over the question (a search used to find the same spans twice)."""
    spans = _find_spans(question, _Ctx(ref=_as_date(as_of), question=True))
    ranges = [DateRange(s.res.lo, s.res.hi, _kind(question, s), question[s.start : s.end]) for s in spans]
    return ranges, _without(question, spans)


def strip_date_expressions(question: str) -> str:
    """The question without its time expressions, so keyword search does not match on "2023" or "in".

    Which text is a time expression does not depend on the as-of date, so today is used.
    """
    return _without(question, _find_spans(question, _Ctx(ref=date.today(), question=True)))


def _without(question: str, spans: list[_Span]) -> str:
    pieces: list[str] = []
    cursor = 0
    for span in spans:
        pieces.append(question[cursor : span.start])
        possessive = _POSSESSIVE.match(question, span.end)
        cursor = possessive.end() if possessive is not None else span.end
    pieces.append(question[cursor:])
    return _tidy("".join(pieces))


def find_date_mentions(text: str, published: date | None) -> list[tuple[int, int, date, date]]:
    """``(char_start, char_end, range_start, range_end)`` for every date expression in a passage.

    Offsets cover the expression itself, without a leading "in"/"on" ("November 2023", not
    "in November 2023"), so ``text[char_start:char_end]`` can be highlighted. Expressions that need
    a reference day ("last week", "February 3") are skipped when ``published`` is None.
    """
    return list(_date_mentions(text, published))


@lru_cache(maxsize=4096)
def _date_mentions(text: str, published: date | None) -> tuple[tuple[int, int, date, date], ...]:
    # Cached: the reranker asks again for every candidate passage of every dated question.
    ctx = _Ctx(ref=_as_date(published) if published is not None else None, question=False)
    return tuple((s.core, s.end, s.res.lo, s.res.hi) for s in _find_spans(text, ctx))


def overlaps(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    """Whether two inclusive day ranges share at least one day."""
    return a_start <= b_end and b_start <= a_end


# --- Internal types ----------------------------------------------------------------------------

Maker = Callable[[int], tuple[date, date] | None]


@dataclass(frozen=True)
class _Ctx:
    """What a resolver needs: the reference day and whether we read a question or a passage."""

    ref: date | None
    question: bool
    after_link: bool = False  # parsing Y in "between X and Y": a bare "2024" or "May" is a date here


@dataclass(frozen=True)
class _Resolved:
    """A resolved range; ``rebase`` re-resolves a yearless expression in a given year."""

    lo: date
    hi: date
    recency: bool = False  # "this week", "recently": news-quiz reporting time, so kind "published"
    rebase: Maker | None = field(default=None, compare=False)


@dataclass(frozen=True)
class _Span:
    """A matched expression: ``start`` includes a leading "in"/"on", ``core`` does not."""

    start: int
    core: int
    end: int
    res: _Resolved


Handler = Callable[[re.Match[str], _Ctx], _Resolved | None]


# --- Small date helpers ------------------------------------------------------------------------


def _as_date(day: date) -> date:
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


def _resolved(span: tuple[date, date] | None, recency: bool = False) -> _Resolved | None:
    return None if span is None else _Resolved(span[0], span[1], recency)


def _resolve_yearless(make: Maker, ctx: _Ctx) -> _Resolved | None:
    """Pick the year of an expression written without one ("February 3", "in September")."""
    if ctx.ref is None:
        return None
    span = _question_year(make, ctx.ref) if ctx.question else _passage_year(make, ctx.ref)
    return None if span is None else _Resolved(span[0], span[1], rebase=make)


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
    return _MONTHS[m["month"].rstrip(".").lower()]


def _month_ok(m: re.Match[str]) -> bool:
    """ "May"/"March" are words too: without a year, only the capitalised forms count as months."""
    name = m["month"]
    if name.lower() not in AMBIGUOUS_MONTHS or m.groupdict().get("year"):
        return True
    return name[0].isupper()


# --- Grammar -----------------------------------------------------------------------------------

_FLAGS = re.IGNORECASE
_FULL_MONTHS = MONTH_NAMES + sorted(RU_MONTH_NAMES, key=len, reverse=True)
_ABBREVIATIONS = sorted((k for k in _MONTHS if k not in _FULL_MONTHS), key=len, reverse=True)
_MONTH = r"(?P<month>(?:" + "|".join(_FULL_MONTHS) + r")\b|(?:" + "|".join(_ABBREVIATIONS) + r")(?:\.|\b))"
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
    """An optional leading preposition, kept out of the ``body`` group (see ``_Span.core``)."""
    return r"(?:\b(?P<prep>" + words + r")\s+)?"


def _compile(prep: str, body: str) -> re.Pattern[str]:
    return re.compile(_prep(prep) + r"(?P<body>\b(?:" + body + "))", _FLAGS)


# Words before a bare year or month that make it a date ("since 2020", "from September").
_YEAR_CONTEXT = re.compile(r"\b(?:since|before|after|until|till|through|between|from|of|by)\s+$", _FLAGS)
_MONTH_CONTEXT = re.compile(
    r"\b(?:since|before|after|until|till|through|between|from|of|by|early|mid|late)\s+$", _FLAGS
)
_POSSESSIVE = re.compile(r"['’]s\b")


def _context_before(pattern: re.Pattern[str], m: re.Match[str]) -> bool:
    return pattern.search(m.string, max(0, m.start() - 12), m.start()) is not None


# --- Resolvers: absolute dates -----------------------------------------------------------------


def _h_iso(m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
    """2025-02-03."""
    return _resolved(_point(_safe_date(int(m["year"]), int(m["mon"]), int(m["day"]))))


def _h_slash(m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
    """02/03/2025 in US order; 13/02/2025 cannot be US, so it is read day-first."""
    first, second, year = int(m["a"]), int(m["b"]), int(m["year"])
    month, day = (second, first) if first > 12 else (first, second)
    return _resolved(_point(_safe_date(year, month, day)))


def _h_day(m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
    """February 3[, 2025] and 3 February [2025]."""
    if not _month_ok(m):
        return None
    month, day = _month_number(m), int(m["day"])
    if m["year"]:
        return _resolved(_point(_safe_date(int(m["year"]), month, day)))
    return _resolve_yearless(lambda year: _point(_safe_date(year, month, day)), ctx)


def _h_month_year(m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
    """November 2023, Nov. 2023, November of 2023."""
    return _resolved(_month_span(int(m["year"]), _month_number(m)))


def _h_month(m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
    """A month alone: only when a preposition or "last"/"next" says it is a month, not a word."""
    name = m["month"]
    if name.lower() not in _FULL_MONTHS or not _month_ok(m):  # abbreviations ("Jan") may be names
        return None
    month = _month_number(m)
    if m["mmod"]:
        return _month_with_modifier(m["mmod"].lower(), month, ctx.ref)
    if not (m["prep"] or ctx.after_link or _context_before(_MONTH_CONTEXT, m)):
        return None
    return _resolve_yearless(lambda year: _month_span(year, month), ctx)


def _month_with_modifier(modifier: str, month: int, ref: date | None) -> _Resolved | None:
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


def _h_part_year(m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
    """early/mid/late 2023: thirds of the year (Jan-Apr, May-Aug, Sep-Dec)."""
    third = _third(m["part"])
    return _resolved(_months_span(int(m["year"]), 4 * third + 1, 4 * third + 4))


def _h_part_month(m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
    """early/mid/late November [2023]: days 1-10, 11-20, 21-end."""
    third, month = _third(m["part"]), _month_number(m)

    def make(year: int) -> tuple[date, date]:
        end = _last_day(year, month) if third == 2 else date(year, month, 10 * third + 10)
        return date(year, month, 10 * third + 1), end

    return _resolved(make(int(m["year"]))) if m["year"] else _resolve_yearless(make, ctx)


_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}


def _h_quarter(m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
    """Q3 2023, the third quarter of 2023."""
    quarter = int(m["q"]) if m["q"] else ORDINAL_NUMBERS[m["qword"].lower()]
    return _resolved(_months_span(int(m["year"]), 3 * quarter - 2, 3 * quarter))


def _h_half(m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
    """H1 2023, the second half of 2023."""
    half = int(m["h"]) if m["h"] else ORDINAL_NUMBERS[m["hword"].lower()]
    return _resolved(_months_span(int(m["year"]), 6 * half - 5, 6 * half))


def _h_season(m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
    """Meteorological (northern) seasons; the winter of 2023 is December 2023 to February 2024."""
    year, first = int(m["year"]), _SEASONS[m["season"].lower()]
    if first == 12:
        return _Resolved(date(year, 12, 1), _last_day(year + 1, 2))
    return _resolved(_months_span(year, first, first + 2))


def _h_decade(m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
    """the 2020s."""
    start = int(m["decade"])
    return _Resolved(date(start, 1, 1), date(start + 9, 12, 31))


def _h_year(m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
    """A year, but only where it reads as one ("in 2023", "since 2020", "2023's"), not "2000 people"."""
    explicit = m["prep"] or m["theyear"] or ctx.after_link or _POSSESSIVE.match(m.string, m.end())
    if not (explicit or _context_before(_YEAR_CONTEXT, m)):
        return None
    year = int(m["year"])
    return _Resolved(date(year, 1, 1), date(year, 12, 31))


# --- Resolvers: relative expressions -----------------------------------------------------------


def _h_dayword(m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
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


def _h_calendar(m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
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
    return _Resolved(lo, hi, recency)


def _h_rolling(m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
    """(in) the past N days/weeks/months/years: from N units before the reference day to it."""
    if ctx.ref is None:
        return None
    count, unit = _number(m["n"]) if m["n"] else 1, m["unit"].lower()
    if unit in ("day", "week"):
        lo = ctx.ref - timedelta(days=count * (7 if unit == "week" else 1))
    else:
        lo = _shift_months(ctx.ref, -count * (12 if unit == "year" else 1))
    return _Resolved(lo, ctx.ref, recency=True)


def _h_ago(m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
    """N days/weeks/months/years ago: that day, or the calendar unit containing that day."""
    if ctx.ref is None:
        return None
    count, unit = _number(m["n"]), m["unit"].lower()
    if unit == "day":
        return _resolved(_point(ctx.ref - timedelta(days=count)))
    return _resolved(_calendar_unit(unit, ctx.ref, -count))


_RECENT_DAYS = {"days": 7, "weeks": 30, "months": 90}


def _h_recent(m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
    """recently/lately: the last 30 days ("in recent days": 7, "in recent months": 90)."""
    if ctx.ref is None:
        return None
    days = _RECENT_DAYS.get((m["span"] or "weeks").lower(), 30)
    return _Resolved(ctx.ref - timedelta(days=days), ctx.ref, recency=True)


def _h_weekday(m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
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


_IN_ON = "in|on|during|throughout|в|во"  # в/во: Russian "in"
_PATTERNS: list[tuple[re.Pattern[str], Handler]] = [
    (_compile(_IN_ON, r"(?<![\d-])(?P<year>\d{4})-(?P<mon>\d{1,2})-(?P<day>\d{1,2})\b(?!-)"), _h_iso),
    (_compile(_IN_ON, r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<year>\d{4})\b(?!/)"), _h_slash),
    (
        _compile(
            _IN_ON, rf"(?:{_WEEKDAY},?\s+)?(?:the\s+)?\b{_MONTH}\s+(?:the\s+)?{_DAY}(?!,\d)(?:,?\s+{_YEAR})?"
        ),
        _h_day,
    ),
    (
        _compile(
            _IN_ON,
            rf"(?:{_WEEKDAY},?\s+)?(?:the\s+)?(?<![\w,.]){_DAY}(?:\s+of)?\s+{_MONTH}(?:,?\s+{_YEAR})?",
        ),
        _h_day,
    ),
    (_compile(_IN_ON, rf"\b{_MONTH}(?:\s+of)?,?\s+{_YEAR}"), _h_month_year),
    (_compile(_IN_ON, rf"(?:(?P<mmod>last|this|next)\s+)?\b{_MONTH}"), _h_month),
    (
        _compile(
            _IN_ON,
            r"(?:the\s+)?(?P<part>early|mid|late|(?:the\s+)?(?:beginning|start|middle|end)\s+of)"
            rf"[\s-]*(?<![\w]){_YEAR}",
        ),
        _h_part_year,
    ),
    (
        _compile(
            _IN_ON,
            r"(?:the\s+)?(?P<part>early|mid|late|(?:the\s+)?(?:beginning|start|middle|end)\s+of)"
            rf"[\s-]*\b{_MONTH}(?:,?\s+(?:of\s+)?{_YEAR})?",
        ),
        _h_part_month,
    ),
    (
        _compile(
            _IN_ON,
            r"(?:the\s+)?\b(?:q(?P<q>[1-4])|(?P<qword>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter)"
            rf"(?:\s+of)?,?\s+{_YEAR}",
        ),
        _h_quarter,
    ),
    (
        _compile(
            _IN_ON,
            rf"(?:the\s+)?\b(?:h(?P<h>[12])|(?P<hword>first|second|1st|2nd)\s+half)(?:\s+of)?,?\s+{_YEAR}",
        ),
        _h_half,
    ),
    (
        _compile(_IN_ON, rf"(?:the\s+)?\b(?P<season>spring|summer|autumn|fall|winter)(?:\s+of)?,?\s+{_YEAR}"),
        _h_season,
    ),
    (_compile(_IN_ON, r"the\s+(?P<decade>(?:19|20)\d0)['’]?s\b"), _h_decade),
    (_compile(_IN_ON, rf"(?P<theyear>the\s+year\s+)?(?<![\w.,$£€]){_YEAR}\b"), _h_year),
    (_compile(_IN_ON, r"\b(?P<word>today|tonight|yesterday|tomorrow)\b"), _h_dayword),
    (
        _compile(
            _IN_ON + "|over|within",
            r"(?<!the\s)(?:(?P<edge>earlier|later)\s+)?\b(?P<which>this|last|previous|next|current)\s+"
            r"(?P<unit>week|month|year)\b",
        ),
        _h_calendar,
    ),
    (
        _compile(
            _IN_ON + "|over|within|for",
            rf"(?:(?:the\s+)?\b(?:past|last|previous)\s+(?P<n>{_NUM})|the\s+(?:past|last|previous)|\bpast)"
            rf"\s+{_UNIT}",
        ),
        _h_rolling,
    ),
    (_compile(_IN_ON, rf"\b(?P<n>{_NUM}|an?)\s+{_UNIT}\s+ago\b"), _h_ago),
    (
        _compile(_IN_ON, r"\b(?:recently|lately|of\s+late|in\s+recent\s+(?P<span>days|weeks|months))\b"),
        _h_recent,
    ),
    (
        _compile("on", rf"(?:\b(?P<wmod>last|this\s+past|this\s+coming|this|next|past)\s+)?\b{_WEEKDAY}"),
        _h_weekday,
    ),
]


# --- Matching ----------------------------------------------------------------------------------


def _call(handler: Handler, m: re.Match[str], ctx: _Ctx) -> _Resolved | None:
    """Run a resolver; arithmetic far outside the calendar ("999 years ago") just means no match."""
    try:
        res = handler(m, ctx)
    except (ValueError, OverflowError, KeyError):
        return None
    return res if res is not None and res.lo <= res.hi else None


def _candidates(text: str, ctx: _Ctx) -> list[_Span]:
    """Every resolvable match of every pattern, overlapping ones included."""
    spans: list[_Span] = []
    for pattern, handler in _PATTERNS:
        for m in pattern.finditer(text):
            res = _call(handler, m, ctx)
            if res is not None:
                spans.append(_Span(m.start(), m.start("body"), m.end(), res))
    return spans


def _longest_first(spans: list[_Span]) -> list[_Span]:
    """Keep the longest of overlapping matches ("February 3, 2025" over "February 3"), in text order."""
    chosen: list[_Span] = []
    for span in sorted(spans, key=lambda s: (s.start - s.end, s.start)):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


def _match_at(text: str, pos: int, ctx: _Ctx) -> _Span | None:
    """The longest expression starting exactly at ``pos`` (the Y of "between X and Y")."""
    best: _Span | None = None
    for pattern, handler in _PATTERNS:
        m = pattern.match(text, pos)
        res = _call(handler, m, ctx) if m is not None else None
        if m is not None and res is not None and (best is None or m.end() > best.end):
            best = _Span(m.start(), m.start("body"), m.end(), res)
    return best


def _find_spans(text: str, ctx: _Ctx) -> list[_Span]:
    """Base expressions, then ranges built from them ("between X and Y", "since X")."""
    return _compose(text, _longest_first(_candidates(text, ctx)), ctx)


# --- Composite expressions ---------------------------------------------------------------------

_RANGE_OPEN = re.compile(r"\b(?:between|from)\s+$", _FLAGS)
_RANGE_LINK = re.compile(r"\s*(?:and|to|until|till|through)\s+|\s*[-–—]\s*", _FLAGS)
# Event-relative bounds ("before the ceasefire") never get here: only a resolved date follows.
_BOUND = re.compile(r"\b(?P<word>since|after|before|until|till|through|up\s+to|prior\s+to)\s+$", _FLAGS)


def _compose(text: str, spans: list[_Span], ctx: _Ctx) -> list[_Span]:
    """Join "between X and Y" pairs; in questions also apply since/before/after/until bounds.

    Passages keep "since 2020" as a mention of 2020: an open range there would make the passage
    match every question about the decades before.
    """
    out: list[_Span] = []
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


def _range_pair(text: str, first: _Span, ctx: _Ctx) -> _Span | None:
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
    return _Span(opener.start(), opener.start(), second.end, _Resolved(lo, hi, recency))


def _join(first: _Resolved, second: _Resolved) -> tuple[date, date]:
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


def _bounded(text: str, span: _Span, ctx: _Ctx) -> _Span:
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
    return _Span(m.start(), m.start(), span.end, _Resolved(new[0], new[1], span.res.recency))


# --- Kind and stripping ------------------------------------------------------------------------

_REPORTING_BEFORE = re.compile(
    r"(?:\b(?:news|reports?|reporting|articles?|stories|coverage|headlines|newspapers?|papers?|bulletins?)"
    r"(?:\s+(?:from|of|in|on|during|dated|published|written))?"
    r"|\b(?:reported|published|written|posted|aired|broadcast)"
    r"|\b(?:news|reports?|articles?|media|press|papers?|headlines|outlets?)\b[^.?!,;]{0,15}?"
    r"\b(?:say|said|says|report|reported|write|wrote|cover|covered|claim|claimed))\s+$",
    _FLAGS,
)
_REPORTING_AFTER = re.compile(
    r"(?:['’]s\s+|\s+)(?:news|headlines|reports?|reporting|coverage|articles?|stories|bulletins?|editions?)\b",
    _FLAGS,
)


def _kind(question: str, span: _Span) -> str:
    """ "published" for recency words and expressions attached to reporting words, else "mention"."""
    if span.res.recency:
        return PUBLISHED
    before = _REPORTING_BEFORE.search(question, max(0, span.start - 60), span.start)
    after = _REPORTING_AFTER.match(question, span.end)
    return PUBLISHED if before is not None or after is not None else MENTION


def _tidy(text: str) -> str:
    """Collapse the gaps and stray punctuation that removing an expression leaves behind."""
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([?.!,;:])", r"\1", text)
    text = re.sub(r"[,;:]+(?=[?.!,;:]|$)", "", text)
    text = re.sub(r"^[\s,;:]+", "", text)
    return text.strip()
