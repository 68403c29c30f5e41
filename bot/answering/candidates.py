"""Typed candidates: the dates, numbers and names in the excerpts a typed answer may be chosen from.

A "when", "how many" or "who" question is answered with a phrase of that kind; listing the
excerpts' phrases of the kind lets the model pick one instead of writing its own. The same name
finding widens a chosen name to the list of people it stands in ("Yelena Trufanova, Irina Tatti
and ...") and tells a name from a title or a nationality.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.answering.asked import RELEVANT_MIN, about_question, about_reporting
from bot.answering.extract import byline
from bot.answering.predicate import asked_predicate, says_predicate
from bot.language.lexicon import AMBIGUOUS_MONTHS, MONTH_NAMES, STOPWORDS, WEEKDAYS, is_demonym
from bot.language.text import normalise, split_sentences

if TYPE_CHECKING:
    from bot.answering.excerpts import Excerpt
    from bot.types import Passage


@dataclass
class Candidate:
    """A phrase of the asked kind, and the sentence that holds it (what the model may choose)."""

    text: str
    passage: int
    start: int  # the sentence that holds it, inside passages[passage].text
    end: int


# Words that head a name run but are not the name: titles, ministries, demonyms ("Russians Yelena
# Trufanova", "Foreign Ministry Spokeswoman Maria Zakharova" also yield "Yelena Trufanova", ...).
TITLE_WORDS = frozenset(
    """president minister ministry foreign deputy spokeswoman spokesman spokesperson ambassador prime
    secretary general senator governor chairman chairwoman ceo director leader king queen prince pope
    judge justice mayor commander chief officer representative speaker sen rep gov gen mr mrs ms dr
    senior former acting interim vice state national federal house senate""".split()  # noqa: SIM905
)
NAME_RUN = re.compile(
    r"\b[A-Z][\w'’\-]*(?:\s+(?:[A-Z][\w'’\-]*|(?:of|de|al|bin|van|von|la|le|da)\b(?=\s+[A-Z])))*"
)
_MONTH = (
    "(?:"
    + "|".join(m.capitalize() for m in MONTH_NAMES)
    + r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.)"
)
_DATE_SPAN = re.compile(
    rf"\b(?:{_MONTH}(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+\d{{4}})?|\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?|"
    r"(?:(?:"
    + "|".join(d.capitalize() for d in WEEKDAYS)
    + r")(?:,?\s+"
    + _MONTH
    + r"\s+\d{1,2}\b)?)|(?:19|20)\d\d)\b"
    # with the time of day written after it: "Sunday, Nov. 5 at 2 a.m." answers "When does daylight
    # saving time end?" (RealTimeQA 20231020_25 was given "Sunday, Nov. 5")
    r"(?:,?\s+at\s+\d{1,2}(?::\d\d)?\s*(?:[ap]\.m\.|[ap]m\b))?"
)
_NUMBER_SPAN = re.compile(
    r"(?:\$|€|£)?\b\d[\d,.]*(?:\s*(?:%|percent|per cent|million|billion|thousand|trillion))?"
    r"(?:\s+(?:[a-z]+))?|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|"
    r"hundreds?|thousands?|millions?)\s+[a-z]+"
)
MAX_CANDIDATES = 24


def candidates(kind: str, question: str, excerpts: list[Excerpt], passages: list[Passage]) -> list[Candidate]:
    """The phrases of the asked kind in the excerpt sentences, in reading order, without repeats and
    without what the question already names."""
    asked = {normalise(w) for w in re.findall(r"[\w'’\-]+", question)}
    out: dict[str, Candidate] = {}
    for ex in sorted(excerpts, key=lambda x: -x.score):  # the best-matching sentence's phrases first
        p = passages[ex.passage]
        for s, e in split_sentences(p.text[ex.start : ex.end]):
            start, end = s + ex.start, e + ex.start
            relevant = _relevant(question, p.title, p.text[start:end])
            for text in _phrases(kind, p.text[start:end]):
                if not relevant or {normalise(w) for w in re.findall(r"[\w'’\-]+", text)} <= asked:
                    continue
                out.setdefault(normalise(text), Candidate(text, ex.passage, start, end))
        if kind == "date" and p.published and about_reporting(question):
            first = split_sentences(p.text)[:1]
            if first:  # the article's own date answers "when was it reported"
                out.setdefault(
                    normalise(byline(p)), Candidate(byline(p).split(", ", 1)[-1], ex.passage, *first[0])
                )
    return list(out.values())[:MAX_CANDIDATES]


def _relevant(question: str, title: str, sentence: str) -> bool:
    """The sentence shares the question's words, or its names and what it says of them in other
    words: "When was Yaffa Adar let go" has no word of "... Yaffa Adar were released" but its names,
    and "let go" is "released" (``bot.answering.predicate``). Without this its "November 2023" was
    no option, and the model could only say it did not know (seventh sealed set, v23)."""
    context = f"{title} {sentence}"
    if about_question(question, "", context) >= RELEVANT_MIN:
        return True
    named = about_question(question, "", context, names_only=True) >= RELEVANT_MIN
    return named and bool(asked_predicate(question, sentence)) and says_predicate(question, sentence)


def _phrases(kind: str, sentence: str) -> list[str]:
    if kind == "date":
        return [m.group() for m in _DATE_SPAN.finditer(sentence)]
    if kind in ("number", "age", "duration"):
        return [_without_glue(m.group().strip()) for m in _NUMBER_SPAN.finditer(sentence)]
    people = people_in(sentence)
    return ([join_names(people)] if len(people) >= 2 else []) + _names(sentence)


def _without_glue(number: str) -> str:
    """A number with the word after it only when that word is what it counts (a plural): "3
    hostages", but "3" of "February 3 upon his arrival", "50%" of "50% to 60%", "19" of "19 overwhelming"."""
    head, _, last = number.rpartition(" ")
    if not head or last.lower() in _GLUE:
        return head or number
    if head[-1:].isalpha():  # "12 million people", "three people": the word is what they count
        return number
    return number if last.endswith("s") or last.lower() in _UNCOUNTED else head


_UNCOUNTED = frozenset(
    """people children men women police staff feet percent cent hundred thousand million billion
    trillion""".split()  # noqa: SIM905
)


_GLUE = STOPWORDS | frozenset(
    """upon amid per via toward towards onto into within despite since until among across behind beyond
    during through throughout under over above below near without versus vs like unlike""".split()  # noqa: SIM905
)


def _names(sentence: str) -> list[str]:
    """Capitalised runs, and each run without its leading titles and demonyms."""
    found: list[str] = []
    for m in NAME_RUN.finditer(sentence):
        run = m.group().strip()
        at_start = not sentence[: m.start()].strip()
        tokens = run.split()
        if at_start and len(tokens) == 1 and normalise(tokens[0]) in STARTERS:
            continue
        core = tokens[:]
        while len(core) > 1 and (normalise(core[0]) in TITLE_WORDS | STARTERS or is_demonym(core[0])):
            core = core[1:]
        for variant in (" ".join(tokens), " ".join(core)):
            if variant and normalise(variant) not in STARTERS and variant not in found:
                found.append(variant)
    return found


STARTERS = frozenset(
    """the a an he she it they we i this that these those his her their its in on at as but and or
    after before when while if so yet also however meanwhile according""".split()  # noqa: SIM905
)


# Words that make a capitalised run a place, a body or a date, not a person: "Abu Marzouk, Middle
# East and Mikhail Bogdanov" was composed as a list of the people a sentence names.
NOT_PEOPLE = (
    frozenset(
        """east west north south middle strip bank sea gulf ocean river island islands republic kingdom
    union states nations city county region province district ministry embassy council assembly
    parliament party movement agency news press times post government court army forces""".split()  # noqa: SIM905
    )
    | (frozenset(MONTH_NAMES) - AMBIGUOUS_MONTHS)  # "May Golan" is a person
    | frozenset(WEEKDAYS)
)


def person_like(name: str) -> bool:
    """Two or three capitalised words, none a title, demonym, place word or month, not a possessive,
    not opened by an article or a preposition ("A Donbass native", "On February 3"): "Irina Tatti"."""
    tokens = name.split()
    return (
        2 <= len(tokens) <= 3
        and not name.endswith(("'s", "’s"))
        and normalise(tokens[0]) not in STARTERS
        and not any(
            normalise(t) in TITLE_WORDS or is_demonym(t) or normalise(t).removesuffix("'s") in NOT_PEOPLE
            for t in tokens
        )
    )


# Where a list of one kind of people ends and others join it: "Russians A, B and C, as well as Israeli D".
LIST_BREAK = re.compile(r"\b(?:as well as|along with|together with|in addition to|besides)\b", re.I)


def join_names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def people_in(sentence: str) -> list[str]:
    """The person-like names of a sentence, in order ("Yelena Trufanova", "Irina Tatti", ...)."""
    return [n for n in _names(sentence) if person_like(n)]


def expand_to_list(phrase: str, sentence: str) -> str:
    """A name the model chose, widened to the list of people it stands in, in that sentence."""
    people = people_in(sentence)
    named = [n for n in people if normalise(n) in normalise(phrase) or normalise(phrase) in normalise(n)]
    if not named or len(people) < 2:
        return phrase
    return join_names(people)


def as_written(phrase: str, sentence: str) -> str:
    """The phrase as the sentence writes it: its first letter's case, when the sentence writes it whole,
    and each multi-word name of it: a run it does not write
    verbatim keeps its longest tail that it does. ``locate`` holds a phrase whose names all stand
    somewhere in the sentence, so the 0.5B's "Israeli Foreign Ministry Spokeswoman Maria Zakharova"
    passed on "Israeli Ambassador ... Halperin's ... assessment ..., Russian Foreign Ministry
    Spokeswoman Maria Zakharova said" and the composed answer called her Israeli (gold q33)."""
    lowered = sentence.lower()
    whole = re.search(rf"(?<![\w'’-]){re.escape(phrase.strip())}(?![\w-])", sentence, re.I)
    if whole and len(phrase.split()) >= 2 and whole.group()[1:] == phrase.strip()[1:]:
        # "senior Hamas political leader", not the model's "Senior ...", which reads as a name (only
        # the first letter: "US" is not the "us" of "told us")
        return whole.group()

    def written(words: list[str]) -> bool:
        return re.search(rf"(?<![\w'’-]){re.escape(' '.join(words).lower())}(?![\w-])", lowered) is not None

    for m in NAME_RUN.finditer(phrase):
        tokens = m.group().split()
        if len(tokens) < 2 or written(tokens):
            continue
        tail = next((tokens[k:] for k in range(1, len(tokens)) if written(tokens[k:])), None)
        if tail:
            phrase = phrase[: m.start()] + _with_written_title(" ".join(tail), sentence) + phrase[m.end() :]
    return phrase


def _with_written_title(tail: str, sentence: str) -> str:
    """The tail with the title and nationality words the sentence writes right before it: the 1.5B's
    "Russian Foreign Minister Mikhail Bogdanov" is "Deputy Foreign Minister Mikhail Bogdanov", not
    "Foreign Minister ..." (a different office); the 0.5B's "Israeli Foreign Ministry Spokeswoman
    Maria Zakharova" is "Russian Foreign Ministry ...". Only such words: "Moscow" of "Ambassador to
    Moscow Simona Halperin" is no part of her name."""
    m = re.search(rf"(?<![\w'’-]){re.escape(tail)}(?![\w-])", sentence, re.I)
    if m is None:
        return tail
    start = m.start()
    for word in reversed(list(re.finditer(r"[\w'’-]+", sentence[: m.start()]))):
        token = word.group()
        if sentence[word.end() : start].strip() or not token[:1].isupper():
            break
        if normalise(token) not in TITLE_WORDS and not is_demonym(token):
            break
        start = word.start()
    return sentence[start : m.end()]


def complete_name(phrase: str, sentence: str) -> str:
    """A name the model cut short, as the sentence writes it in full: "Trump" -> "Donald Trump",
    "Hall-Long" -> "Bethany Hall-Long" (titles dropped), "Carlos Sainz" -> "Carlos Sainz Jr",
    "New York" -> "New York City".

    Conservative, because a run of capitalised words can join two names ("Ambassador to Moscow
    Simona Halperin"): a surname gains one first name, and a name gains a suffix (Jr, City); and
    only when every run holding the phrase is the same one (a sentence that also writes the phrase
    alone, "New York" beside "the New York Times", keeps it).
    """
    if not phrase[:1].isupper() or len(phrase.split()) > 4:
        return phrase
    pattern = re.compile(rf"(?<![\w'’-]){re.escape(phrase)}(?![\w'’-])")
    holders = {m.group().strip() for m in NAME_RUN.finditer(sentence) if pattern.search(m.group())}
    if len(holders) != 1:
        return phrase
    tokens = holders.pop().split()
    while len(tokens) > 1 and (
        normalise(tokens[0]) in _NOT_A_NAME_START or is_demonym(tokens[0]) or tokens[0].endswith(("'s", "’s"))
    ):
        tokens = tokens[1:]  # "Former President", "Israeli", "Ferrari's"
    size = len(phrase.split())
    at = next((k for k in range(len(tokens) - size + 1) if " ".join(tokens[k : k + size]) == phrase), None)
    if at is None:
        return phrase
    before, after = tokens[:at], tokens[at + size :]
    if after and not all(normalise(t) in _NAME_SUFFIXES for t in after):
        return phrase
    if before and (size > 1 or len(before) > 1):
        return phrase
    return " ".join(tokens)


_NAME_SUFFIXES = frozenset("jr sr ii iii iv city".split())  # noqa: SIM905
_NOT_A_NAME_START = TITLE_WORDS | STARTERS


def names_something(phrase: str) -> bool:
    """A "who" answer holds a name, not only a nationality or a title ("Israeli", "spokeswoman")."""
    return any(
        not is_demonym(t) and normalise(t) not in TITLE_WORDS and t[:1].isupper()
        for t in re.findall(r"[\w'’-]+", phrase)
    )
