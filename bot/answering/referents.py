"""What a follow-up's pointers stand for: the people, the time and the place the last turn names.

Why rules: over the sealed sets' follow-ups (35 answerable, gold and sealed6-11) the bot was right on
9. The previous question put in front made two questions the 0.5B answered in one garbled phrase
("who was freed in november 2023 ...? which of them is a holocaust survivor" -> "Ron Krivoy"), and
the person it substituted was often no person at all ("how old is A Donbass", "who was On February
there to meet"). A follow-up whose every pointer names something the last turn wrote is one
standalone question: "who got out then at moscow's request" after "In November 2023" is "who got
out in November 2023 at moscow's request".

The last answer is the newest mention, so it is read first; the question that introduced a person
("who is maxim kharkin") next. A user types names in lower case; ``recase`` restores them from the
names the sources write (the caller supplies those), so they read as names downstream.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.answering.candidates import NAME_RUN, TITLE_WORDS, join_names, person_like
from bot.language.lexicon import MONTH_NAMES, STOPWORDS, WEEKDAYS, is_demonym
from bot.language.text import CITATION_MARKERS

_LEADING = frozenset("the a an on in at to from for by of and or as but after before since".split())  # noqa: SIM905
_CALENDAR = frozenset(MONTH_NAMES) | frozenset(WEEKDAYS)
_MONTH = "|".join(m.capitalize() for m in MONTH_NAMES)
_TIME = re.compile(
    rf"\b(?:(in|on|during|since|by|until)\s+)?((?:early |late |mid-)?(?:(?:{_MONTH})(?:\s+\d{{1,2}})?(?:,?\s+\d{{4}})?|(?:19|20)\d\d))\b"
)
_PLACE = re.compile(r"\b(in|to|at|from)\s+((?:the\s+)?[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)")


@dataclass
class Referents:
    answer_people: list[str] = field(default_factory=list)
    question_people: list[str] = field(default_factory=list)
    when: str | None = None  # "in November 2023", with the preposition it takes
    where: str | None = None  # "in Moscow"

    def person(self) -> str | None:
        """The one person "he"/"she" can mean: the answer's only one, else the question's only one."""
        for people in (self.answer_people, self.question_people):
            if people:
                return people[0] if len(people) == 1 else None
        return None

    def group(self) -> str | None:
        """What "they"/"them" can mean: the answer's people if several, else with the question's."""
        people = self.answer_people
        if len(people) < 2:
            people = list(dict.fromkeys(self.question_people + self.answer_people))
        return join_names(people) if len(people) >= 2 else None


def recase(text: str, names: Iterable[str]) -> str:
    """``text`` with each lower-case run that is one of ``names`` written as the name is written."""
    for name in sorted(set(names), key=len, reverse=True):
        if name.lower() in STOPWORDS or name.lower() in _CALENDAR or (name.isupper() and len(name) > 4):
            continue  # a common word, or a dateline's "MOSCOW" (the text writes it "Moscow" too)
        pattern = re.compile(rf"(?<![\w'’-]){re.escape(name.lower())}(?![\w-])")
        text = pattern.sub(name, text)
    return text


def people(text: str) -> list[str]:
    """The persons a turn names: two or three capitalised words, not a place, body, date or title."""
    found: list[str] = []
    for m in NAME_RUN.finditer(text):
        tokens = m.group().split()
        # "A Donbass native", "On February 3", "Deputy Foreign Minister Mikhail Bogdanov"
        while tokens and (tokens[0].lower() in _LEADING | TITLE_WORDS or is_demonym(tokens[0])):
            tokens = tokens[1:]
        name = " ".join(tokens)
        if person_like(name) and name not in found:
            found.append(name)
    return found


def read_turn(question: str, answer: str, names: Iterable[str] = ()) -> Referents:
    """The referents of the last turn (``names``: how the sources write the names it may hold)."""
    names = list(names)
    question, answer = recase(question, names), recase(CITATION_MARKERS.sub("", answer), names)
    return Referents(
        people(answer), people(question), _when(answer) or _when(question), _where(answer) or _where(question)
    )


def _when(text: str) -> str | None:
    m = _TIME.search(text)
    if not m:
        return None
    day = re.search(rf"(?:{_MONTH})\s+\d{{1,2}}(?!\d)", m.group(2))
    prep = (m.group(1) or ("on" if day else "in")).lower()
    return f"{prep} {m.group(2)}"


def _where(text: str) -> str | None:
    for m in reversed(list(_PLACE.finditer(text))):
        place = m.group(2)
        words = [w.lower() for w in place.split()]
        if (
            words[0] not in _CALENDAR
            and not people(place)
            and not place.endswith(("'s", "’s"))  # "at Russia's request"
            and not any(is_demonym(w) for w in place.split())  # "from the Israeli side"
        ):
            return f"in {place}"  # "there" is "in Moscow", or "to Moscow" after a verb of motion
    return None
