"""A nationality question answered from the demonym that governs the asked name.

News gives a nationality as a word before a name or before a list of names: "Russians Yelena
Trufanova, Irina Tatti (...), Ron Krivoy, as well as elderly Israeli Holocaust survivor Yaffa Adar
were released". Asked "Ron Krivoy: what nationality does the article give him", the model wrote
"Israeli", the demonym nearest the name; the one that applies is the one standing before the list
holding it ("Russians" -> "Russian"). A nationality counts only the names it stands before (as in
``bot.answering.verify.counted_span``): the list ends where others join it ("as well as"), and a
demonym before a common noun ("African countries, Deputy Foreign Minister Mikhail Bogdanov") governs
no name after it. Written after the name, in apposition ("Ron Krivoy, a Russian citizen,"), it
governs too. No demonym governing the name: no answer (the model's phrase is not accepted either).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.answering.asked import without_attribution
from bot.answering.candidates import LIST_BREAK, is_demonym
from bot.answering.extract import Span
from bot.answering.titled import person_names
from bot.language.lexicon import STOPWORDS
from bot.language.text import normalise

if TYPE_CHECKING:
    from bot.answering.excerpts import Excerpt
    from bot.answering.query import Query
    from bot.types import Passage

_KIND = r"(?:nationality|nationalities|citizenship|citizenships)"
# The nationality asked for, not said ("Who besides Ron Krivoy holds Russian citizenship?" asks a name).
_NATIONALITY = re.compile(
    rf"\b(?:what|which)\s+{_KIND}\b|\b{_KIND}\s+(?:of|does|did|is|was|do)\b|['’]s?\s+{_KIND}\b|"
    r"\bcitizens?\s+of\s+(?:what|which)\b",
    re.I,
)
# "Is Irina Tatti Russian or Israeli?": the nationalities offered, both demonyms.
_EITHER = re.compile(
    r"^\W*(?i:is|was|are|were)\s+(?P<who>.+?)\s+(?:(?i:an?)\s+)?(?P<a>[A-Z][\w'’-]*)\s+(?i:or)\s+"
    r"(?:(?i:an?)\s+)?(?P<b>[A-Z][\w'’-]*)(?:\s+(?i:citizens?|nationals?))?\W*$"
)
# Words between a demonym and the name it governs that end its noun phrase: a verb, a clause.
_CLAUSE_WORDS = frozenset(
    """is was are were be been has have had said says who whom which that with by from after before
    when while but as at on said told met than""".split()  # noqa: SIM905
)
_DESCRIPTOR_WORDS = 4  # "Foreign Ministry Spokeswoman", "Holocaust survivor", "Ambassador to Moscow"
_NAME = "\x00"  # a listed name, once its words are set aside
# "Ron Krivoy, a Russian citizen,", "Ron Krivoy (Russian)", "Ron Krivoy, who holds Israeli citizenship"
_AFTER = re.compile(
    r"^\s*(?:,\s*(?:(?:an?|the)\s+)?(?:(?:dual|former|fellow)\s+)?|\(\s*|,\s*who\s+(?:is|was|holds?|held|has|had)\s+"
    r"(?:an?\s+)?)(?P<d>[A-Z][\w'’-]*)(?=\s*\)|\s+(?:citizen|national|citizenship|passport)s?\b)"
)


def asks_nationality(question: str) -> bool:
    """ "What nationality is Yaffa Adar?", "What is Ron Krivoy's nationality?", "Is Irina Tatti
    Russian or Israeli?": the asked person's nationality."""
    return bool(_NATIONALITY.search(question)) or bool(offered(question))


def offered(question: str) -> tuple[str, str] | None:
    """The two nationalities an either-or question offers, as adjectives, or None."""
    m = _EITHER.match(question.strip())
    if not m or not (is_demonym(m.group("a")) and is_demonym(m.group("b"))):
        return None
    return adjective(m.group("a")), adjective(m.group("b"))


def adjective(demonym: str) -> str:
    """ "Russians" -> "Russian", "Israelis" -> "Israeli"; "Chinese", "British" stay."""
    word = demonym.strip()
    word = re.sub(r"['’]s$", "", word)
    if word.endswith("s") and not word.lower().endswith(("ese", "ish")):
        word = word[:-1]
    return word[:1].upper() + word[1:]


def asked_person(question: str, sentence: str) -> str:
    """The one person the sentence names whom the question names too, by full name or surname,
    in any case ("ron krivoy"); "" when none or several."""
    asked_words = re.findall(r"[\w'’-]+", without_attribution(question, sources=True))
    words = {normalise(re.sub(r"['’]s$", "", w)) for w in asked_words}  # "Ron Krivoy's nationality"
    asked = []
    for name in person_names(sentence):
        tokens = [normalise(t) for t in name.split()]
        surname = tokens[-1]
        if all(t in words for t in tokens) or (
            len(surname) >= 4 and surname not in STOPWORDS and surname in words
        ):
            asked.append(name)
    return asked[0] if len(set(asked)) == 1 else ""


def governing_demonym(sentence: str, name: str) -> str:
    """The nationality (as an adjective) the sentence writes for ``name``: the demonym before the
    noun phrase or the list that holds it, or one in apposition after it; "" when none governs."""
    at = _find(sentence, name)
    if at < 0:
        return ""
    before = sentence[:at]
    if before.count("(") > before.count(")"):
        return ""  # "(Alexander Trufanov's mother ...)": a name inside another's description
    demonyms = [m for m in re.finditer(r"[A-Z][\w'’-]*", before) if is_demonym(m.group())]
    if demonyms and _governs(before[demonyms[-1].end() :], sentence):
        return adjective(demonyms[-1].group())
    after = _AFTER.match(sentence[at + len(name) :])
    if after and is_demonym(after.group("d")):
        return adjective(after.group("d"))
    return ""


def _find(sentence: str, name: str) -> int:
    m = re.search(rf"(?<![\w'’-]){re.escape(name)}(?![\w-])", sentence)
    return m.start() if m else -1


def _governs(gap: str, sentence: str) -> bool:
    """The words between a demonym and a name keep them in one noun phrase or one list: "Russians
    Yelena Trufanova, Irina Tatti (...), " or "Israeli Holocaust survivor "; not a clause, not the
    end of a list ("as well as"), not a common noun ending a phrase ("African countries, ")."""
    gap = re.sub(r"\([^()]*\)", " ", gap)
    if LIST_BREAK.search(gap) or re.search(r"[;:\"“”()]|\.\s", gap):
        return False
    for name in sorted(person_names(sentence), key=len, reverse=True):
        gap = re.sub(rf"(?<![\w'’-]){re.escape(name)}(?![\w-])", _NAME, gap)
    segments = re.split(r",|\band\b", gap)
    for i, segment in enumerate(segments):
        words = re.findall(r"[\w'’-]+|\x00", segment)
        descriptors = [w for w in words if w != _NAME]
        last = i == len(segments) - 1
        if len(descriptors) > _DESCRIPTOR_WORDS or any(
            normalise(w) in _CLAUSE_WORDS or is_demonym(w) for w in descriptors
        ):
            return False
        if last:
            if _NAME in words:
                return False  # a name, then the asked name with no comma between: another phrase
        elif words[-1:] != [_NAME]:
            return False  # each listed item ends in a name
    return True


# "Where is Maxim Kharkin from?", "what region is he from", "Which town does X come from?"
_ORIGIN = re.compile(
    r"^\W*(?:where|what|which)\b.*\bfrom\W*$|\bnative\s+of\s+(?:which|what|where)\b|"
    r"\b(?:comes?|came|hails?|hailed)\s+from\s+(?:which|what)\b",
    re.I,
)
_NATIVE = r"(?P<p>[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,2})[\s-]+native\s+(?:[a-z]+\s+){0,2}$"
_NATIVE_OF = re.compile(
    r"^\s*,\s*(?:an?|the)\s+native\s+of\s+(?P<p>[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,2})"
)


def origin_of(sentence: str, name: str) -> str:
    """Where the sentence says ``name`` is from: "Donbass native Maxim Kharkin", "Maxim Kharkin, a
    native of Donbass"; "" when it says neither."""
    at = _find(sentence, name)
    if at < 0:
        return ""
    before = re.search(_NATIVE, sentence[:at])
    after = _NATIVE_OF.match(sentence[at + len(name) :])
    m = before or after
    return m.group("p") if m else ""


def nationality_span(q: Query, ranked: list[Excerpt], passages: list[Passage]) -> Span | None:
    """The demonym governing the asked name in the best-ranked sentence that names the person,
    as an adjective ("Russian"), cited by that sentence; None when no demonym governs the name
    there (or, for "Russian or Israeli?", the governing one is neither). For "where is X from", the
    place written as X's origin (the seventh sealed set's v70: the model said "Israel")."""
    origin = bool(_ORIGIN.search(q.asked))
    if not asks_nationality(q.asked) and not origin:
        return None
    for ex in ranked:
        sentence = passages[ex.passage].text[ex.start : ex.end]
        name = asked_person(q.text, sentence)
        if not name:
            continue
        if origin:
            place = origin_of(sentence, name)
            if place and normalise(place) not in normalise(q.text):  # "Which town in Donbass ...?"
                return Span(place, ex.passage, ex.start, ex.end)
            continue
        demonym = governing_demonym(sentence, name)
        choices = offered(q.asked)
        if demonym and (choices is None or demonym in choices):
            return Span(demonym, ex.passage, ex.start, ex.end)
    return None


def nationality_problem(question: str, phrase: str, sentence: str) -> str | None:
    """Why the model's phrase is not the nationality the sentence gives the asked person (None: it
    is, or the sentence names no one the question asks about)."""
    name = asked_person(question, sentence)
    if not name:
        return None
    demonym = governing_demonym(sentence, name)
    said = {adjective(w) for w in re.findall(r"[\w'’-]+", phrase) if is_demonym(w)}
    if not demonym:
        return f"is no nationality the sentence writes before {name}"
    if said != {demonym}:
        return f"is not the nationality the sentence writes before {name} ({demonym})"
    return None
