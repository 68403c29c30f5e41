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
This module is the public face and decides the kind; the pattern table, matching and composite
ranges are in ``bot.language.date_grammar``, the resolvers and date arithmetic in
``bot.language.date_resolvers``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from bot.language.date_grammar import OPEN_END, OPEN_START, Span, find_spans
from bot.language.date_resolvers import POSSESSIVE, DateContext, as_date

__all__ = [
    "MENTION",
    "OPEN_END",
    "OPEN_START",
    "PUBLISHED",
    "DateRange",
    "find_date_mentions",
    "overlaps",
    "parse_question",
    "parse_question_dates",
    "strip_date_expressions",
]

MENTION = "mention"
PUBLISHED = "published"

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
    ctx = DateContext(ref=as_date(as_of), question=True)
    return [
        DateRange(s.res.lo, s.res.hi, _kind(question, s), question[s.start : s.end])
        for s in find_spans(question, ctx)
    ]


def parse_question(question: str, as_of: date) -> tuple[list[DateRange], str]:
    """The question's time expressions resolved against ``as_of``, and the question without them:
    both from one pass over the question (a search used to find the same spans twice)."""
    spans = find_spans(question, DateContext(ref=as_date(as_of), question=True))
    ranges = [DateRange(s.res.lo, s.res.hi, _kind(question, s), question[s.start : s.end]) for s in spans]
    return ranges, _without(question, spans)


def strip_date_expressions(question: str) -> str:
    """The question without its time expressions, so keyword search does not match on "2023" or "in".

    Which text is a time expression does not depend on the as-of date, so today is used.
    """
    return _without(question, find_spans(question, DateContext(ref=date.today(), question=True)))


def _without(question: str, spans: list[Span]) -> str:
    pieces: list[str] = []
    cursor = 0
    for span in spans:
        pieces.append(question[cursor : span.start])
        possessive = POSSESSIVE.match(question, span.end)
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
    ctx = DateContext(ref=as_date(published) if published is not None else None, question=False)
    return tuple((s.core, s.end, s.res.lo, s.res.hi) for s in find_spans(text, ctx))


def overlaps(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    """Whether two inclusive day ranges share at least one day."""
    return a_start <= b_end and b_start <= a_end


# --- Kind and stripping ------------------------------------------------------------------------

_REPORTING_BEFORE = re.compile(
    r"(?:\b(?:news|reports?|reporting|articles?|stories|coverage|headlines|newspapers?|papers?|bulletins?)"
    r"(?:\s+(?:from|of|in|on|during|dated|published|written))?"
    r"|\b(?:reported|published|written|posted|aired|broadcast)"
    r"|\b(?:news|reports?|articles?|media|press|papers?|headlines|outlets?)\b[^.?!,;]{0,15}?"
    r"\b(?:say|said|says|report|reported|write|wrote|cover|covered|claim|claimed))\s+$",
    re.IGNORECASE,
)
_REPORTING_AFTER = re.compile(
    r"(?:['’]s\s+|\s+)(?:news|headlines|reports?|reporting|coverage|articles?|stories|bulletins?|editions?)\b",
    re.IGNORECASE,
)


def _kind(question: str, span: Span) -> str:
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
