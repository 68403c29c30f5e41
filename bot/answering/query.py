"""The question, analysed once: what was typed, what is searched for, its dates, kind, terms and names.

Every stage used to re-derive these from a string (dates were parsed twice in one search; the kind
and terms were rebuilt by rerank, excerpts, cite and answertype behind ``lru_cache``s). A ``Query``
is built once per question (``Query.build``) and passed down; each analysis runs on first use and
is kept on the object. ``Query.of`` wraps a bare string for callers (and tests) that have no Query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property

from bot.language.dates import DateRange, parse_question
from bot.language.text import content_words, key_terms, normalise

UNITS = r"seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centur(?:y|ies)"

# The question patterns, most specific first; a question matching none asks for no checkable kind.
_KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("age", re.compile(r"\bhow old\b|\bwhat age\b|\bat what age\b", re.I)),
    ("duration", re.compile(r"\bhow long\b|\bfor how many (?:" + UNITS + r")\b", re.I)),
    (
        "date",
        re.compile(
            r"^\W*when\b|\b(?:what|which) (?:date|day|year|month|time)\b|\bsince when\b|\bby when\b|"
            r"\bwhat(?:['’]s| is| was) the (?:\w+ )?date\b|"
            # "tell me the month and year of ...", "give the date of ...": a request, not a question
            r"^\W*(?:tell me|give(?: me)?|state|say|find)\s+the\s+(?:exact\s+)?(?:date|day|month|year)\b|"
            r"^\W*the\s+(?:exact\s+)?(?:date|day|month|year)(?:\s+and\s+(?:day|month|year))?\s+(?:of|when)\b|"
            # the question word last, as typed in a chat: "krivoy was freed when"
            r"\bwhen\W*$",
            re.I,
        ),
    ),
    (
        "number",
        re.compile(
            r"\bhow (?:many|much)\b|\bwhat (?:number|percentage|share|proportion|amount)\b|"
            r"\bwhat(?:['’]s| is| was| are| were) the (?:population|number|percentage|death toll|total|amount|price|"
            r"cost)\b|"
            # "Give the number of hostages freed", "The total number of ...?", "Count the hostages freed"
            r"^\W*(?:(?:give|state|tell me|find|say)\s+)?the\s+(?:total\s+|overall\s+|exact\s+)?number\s+of\b|"
            r"^\W*(?:total\s+)?number\s+of\b|^\W*count\s+(?:the|how)\b",
            re.I,
        ),
    ),
    (
        "place",
        re.compile(
            r"^\W*where\b|\b(?:in|at|to|from) (?:which|what) (?:city|state|country|town|county|region|"
            r"province|nation|venue|location|place)\b|\bwhere\W*$",
            re.I,
        ),
    ),
    # "Name one official who ...": one name (not "Name the hostages", a list).
    (
        "name",
        re.compile(
            r"^\W*(?:who|whom|whose)\b|\bwho (?:is|was|are|were)\b|^\W*name (?:one|a|an|any)\b|"
            r"\bwhat (?:is|was|are|were) (?:the )?names? of\b|\bwhom?\W*$",
            re.I,
        ),
    ),
]


def expected_kind(question: str) -> str | None:
    """The kind of answer asked for ("age", "duration", "date", "number", "place", "name") or None."""
    return next((kind for kind, pattern in _KINDS if pattern.search(question)), None)


# "which state", "what company" ask for a name; "what did", "what is" do not say what they ask for.
_WHICH = re.compile(
    r"\bwhich\s+\w+|\bwhat\s+(?!(?:is|was|are|were|did|does|do|has|have|had|will|would|can|could|"
    r"should|happened|happens|caused|made|makes)\b)\w+",
    re.I,
)


def question_terms(question: str) -> set[str]:
    """What the question already says: an answer repeating only these tells the reader nothing."""
    words = set(content_words(question)) | key_terms(question)
    return words | {normalise(w) for w in re.findall(r"[A-Za-z]+", question)}


def question_names(question: str) -> set[str]:
    """Names and numbers, without the capitalised first word ("Name the hostages ...")."""
    first = question.lstrip(" \"'“(").split(" ", 1)[0]
    body = question[question.index(first) + len(first) :] if first else question
    return key_terms(body)


@dataclass(eq=False)
class Query:
    """``asked``: what the user typed (its kind and wording make the answer's sentence); ``text``:
    what is searched for (a follow-up made standalone carries the names); ``as_of``: the day the
    question is asked on, for "last week"."""

    asked: str
    text: str = ""
    as_of: date | None = None
    date_aware: bool = True
    # Set by retrieval when an asked reporting period matched nothing (see ``without_published``).
    ranges_override: tuple[DateRange, ...] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.text = self.text or self.asked

    @classmethod
    def build(
        cls, asked: str, text: str | None = None, as_of: date | None = None, date_aware: bool = True
    ) -> Query:
        return cls(asked, text or asked, as_of or date.today(), date_aware)

    @classmethod
    def of(cls, question: Query | str) -> Query:
        """A Query as it is, or one around a bare string (analysed lazily, only what is asked of it)."""
        return question if isinstance(question, Query) else cls(question)

    # --- dates: one parse gives the ranges and the keyword text -----------------------------------
    @cached_property
    def _dates(self) -> tuple[list[DateRange], str]:
        return parse_question(self.text, self.as_of or date.today())

    @property
    def date_ranges(self) -> list[DateRange]:
        if self.ranges_override is not None:
            return list(self.ranges_override)
        return self._dates[0] if self.date_aware else []

    @property
    def keywords(self) -> str:
        """The searched text without its time expressions, so keyword search does not match "2023"."""
        return self._dates[1] or self.text

    @property
    def mentions(self) -> list[DateRange]:
        return [r for r in self.date_ranges if r.kind == "mention"]

    @property
    def published(self) -> list[DateRange]:
        return [r for r in self.date_ranges if r.kind == "published"]

    def without_published(self) -> Query:
        """The same question with its reporting period dropped (nothing was reported then)."""
        kept = tuple(r for r in self.date_ranges if r.kind != "published")
        return replace(self, ranges_override=kept)

    # --- what is asked ----------------------------------------------------------------------------------
    @cached_property
    def kind(self) -> str | None:
        """The kind of answer the searched text asks for (see ``expected_kind``)."""
        return expected_kind(self.text)

    @cached_property
    def asks_which(self) -> bool:
        return bool(_WHICH.search(self.text))

    @cached_property
    def terms(self) -> frozenset[str]:
        return frozenset(question_terms(self.text))

    @cached_property
    def names(self) -> set[str]:
        return question_names(self.text)

    @cached_property
    def words(self) -> set[str]:
        return set(content_words(self.text))

    @cached_property
    def original(self) -> Query:
        """The typed question analysed on its own (its kind and names, not the rewrite's)."""
        return (
            self
            if self.asked == self.text
            else Query(self.asked, as_of=self.as_of, date_aware=self.date_aware)
        )
