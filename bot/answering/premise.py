"""A false premise in the title or nationality a question gives a person.

"Why does Israel's foreign minister Simona Halperin doubt Russia's contribution ...?" of an article
that writes only "Israeli Ambassador to Moscow Simona Halperin" is not answered by her reasons: the
question's premise, that she is a foreign minister, is not the sources'. Nor is "Why did Zakharova
call the american ambassador's assessment biased?" where the only ambassador written is Israeli.
``mistitled`` says why, so the answer can refuse; it reads only the titles the question attaches:

- to a person the passages name, before the name ("foreign minister Simona Halperin", "Ambassador
  Halperin") or in apposition after it ("Simona Halperin, the US ambassador to Russia,"): it fires
  when no sentence naming that person writes the title (or a listed synonym: "envoy" for
  "ambassador"), or when the passages give the person another nationality, or the post another
  place ("ambassador to Washington") that the passages never write at all, or when they write
  it only qualified ("Deputy Foreign Minister Mikhail Bogdanov" is no foreign minister);
- to no one, with a nationality ("the American ambassador", "Israel's ambassador to Washington"):
  it fires when every title of that kind the passages write is another country's (or another
  place's, or a deputy's). A title written with no nationality, its holder's not written either
  ("Hamas political leader Abu Marzouk"), could be the asked one, so it keeps the check quiet;
  "the spokeswoman", once she is introduced, names no one new and is passed over.

Conservative on purpose, since a refusal of an answerable question is the costlier error: a
nationality counts only when it is a demonym (``is_demonym``), "US"/"UK" and their kin, or a
country's possessive ("Israel's") the passages write a demonym for; two nationalities differ only
when they share less than their first two letters ("France's" may be "French"). Questions of the
shape "Is X the ...?" ask about the title, not assume it, and are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.answering.answertype import unmentioned
from bot.answering.asked import title_synonyms
from bot.answering.candidates import TITLE_WORDS, is_demonym
from bot.answering.extract import found_text
from bot.answering.nationality import adjective, governing_demonym
from bot.answering.titled import person_names, title_before, titles_of, written_name
from bot.language.lexicon import STOPWORDS
from bot.language.text import normalise, split_sentences, stem

if TYPE_CHECKING:
    from bot.answering.query import Query
    from bot.types import Passage

# Title words that qualify a title rather than name one ("Foreign", "Deputy", "Ministry").
_MODIFIERS = frozenset(
    """ministry foreign deputy senior former acting interim vice state national federal house senate
    general mr mrs ms dr prime""".split()  # noqa: SIM905
)
# A qualified title is another office: "Deputy Foreign Minister Mikhail Bogdanov" is not a foreign
# minister ("former" is left out: news writes "former President Trump" of the man a quiz calls
# "President Trump").
_QUALIFIERS = frozenset({"deputy", "vice", "assistant"})
_HEADS = frozenset({stem(w) for w in TITLE_WORDS - _MODIFIERS} | {"envoy"})
# Titles loose enough for news to give one holder under another ("FBI chief" of its director,
# "Rep." of the House Speaker): never set against the title the passages write.
_LOOSE = frozenset("leader chief officer representative director commander speaker rep gen".split())  # noqa: SIM905
# Besides ``title_synonyms``: the abbreviations, and the titles news writes for one another.
_ALSO = {
    "sen": {"senator"},
    "senator": {"sen"},
    "gov": {"governor"},
    "governor": {"gov"},
    "judge": {"justice"},
    "justice": {"judge"},
    "ceo": {"chief", "executive"},
    "secretary": {"spokesman", "spokeswoman", "spokesperson"},  # "press secretary"
    **dict.fromkeys(["spokesman", "spokeswoman", "spokesperson"], {"secretary"}),
}
# Countries written by an abbreviation, whose demonym is not the name with an ending.
_ABBREVIATED = {
    **dict.fromkeys(["us", "u.s.", "usa", "u.s.a.", "america", "american", "americans"], "american"),
    **dict.fromkeys(["uk", "u.k.", "britain", "british", "britons"], "british"),
}
_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|[\w'’-]+")
_POSSESSIVE = re.compile(r"['’]s?$", re.I)
_COPULA_QUESTION = re.compile(r"^\W*(?:is|was|are|were)\b", re.I)
_APPOSITION = re.compile(r"^\s*,\s*(?:(?:the|a|an)\s+)?$", re.I)


@dataclass
class _Title:
    """A title as a text writes it: the run before its head word, and a place after it."""

    text: str  # as written, without a possessor or determiner before it
    head: str  # the head word's stem: "minister", "ambassador"
    nationality: str  # "israeli", "american", "israel" (a possessor), or ""
    place: str  # "moscow" of "Ambassador to Moscow", or ""
    start: int  # character offsets of the run, possessor included
    end: int
    modified: bool  # more than the bare head ("the spokeswoman" introduces no one)
    qualifiers: frozenset[str]  # "deputy" of "Deputy Foreign Minister", "assistant press secretary"


@dataclass
class _Person:
    """What the passages write of one person: titles, nationalities, places of the posts."""

    titles: list[str] = field(default_factory=list)
    nationalities: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)
    words: set[str] = field(default_factory=set)  # the stems of every sentence naming them
    unqualified: set[str] = field(default_factory=set)  # ... of those with no "deputy" just before


def false_premise(q: Query, passages: list[Passage]) -> str | None:
    """Why the question's premise is not the sources' (None: as far as this can tell, it is): a
    name, number or ordinal nothing retrieved mentions ("the humanitarian pause of November 2024":
    the lists and titles read off the sources would otherwise answer it with November 2023's), or a
    title the sources give the person otherwise (``mistitled``)."""
    missing = unmentioned(q, found_text(passages))
    if missing:
        return "nothing found mentions " + ", ".join(missing)
    return mistitled(q.text, passages)


def mistitled(question: str, passages: list[Passage]) -> str | None:
    """Why the question's title or nationality for a person is not the passages' (a short reason
    for the reader), or None when the passages do not contradict it."""
    titles = _titles(question)
    if not titles or _COPULA_QUESTION.match(question):
        return None  # "Is Halperin Israel's ambassador?" asks about the title
    sentences = _sentences(passages)
    asked = {normalise(_POSSESSIVE.sub("", w)) for w in _TOKEN.findall(question)}
    people = {  # the passages' people the question may name ("Halperin's" names Halperin)
        n
        for s in sentences
        if asked & {normalise(_POSSESSIVE.sub("", w)) for w in re.findall(r"\b[A-Z][\w'’-]+", s)}
        for n in _people_in(s)
    }
    text = normalise(" ".join(sentences))
    demonyms = {_nationality(t) for t in re.findall(r"\b[A-Z][\w'’-]+", " ".join(sentences)) if is_demonym(t)}
    for title in titles:
        nationality = _confirmed(title.nationality, demonyms)
        place = title.place if title.place not in _ABBREVIATED and not _written(title.place, text) else ""
        person = _attached(question, title, people)
        if person:
            reason = _person_problem(person, title, nationality, place, _person(person, sentences))
        else:
            reason = _title_problem(title, nationality, place, sentences, demonyms)
        if reason:
            return reason
    return None


def _people_in(sentence: str) -> list[str]:
    """The sentence's person names, each word capitalised ("of Delaware" is not one)."""
    return [n for n in person_names(sentence) if all(t[:1].isupper() for t in n.split())]


def _sentences(passages: list[Passage]) -> list[str]:
    out: list[str] = []
    for p in passages:
        if p.title and p.title not in out:
            out.append(p.title)
        out.extend(p.text[s:e] for s, e in split_sentences(p.text))
    return out


def _titles(text: str) -> list[_Title]:
    """The titles written in ``text``: a head word ("minister", "ambassador"), the title words,
    capitalised words and nationalities before it in the same clause ("Israel's foreign", "the
    Russian Foreign Ministry"), and a place after it ("to Moscow")."""
    tokens = list(_TOKEN.finditer(text))
    found = []
    for i, m in enumerate(tokens):
        if stem(normalise(m.group())) not in _HEADS:
            continue
        start, nationality = i, ""
        while start > 0 and not text[tokens[start - 1].end() : tokens[start].start()].strip():
            word = tokens[start - 1].group()
            low = normalise(word)
            if _POSSESSIVE.search(word):
                nationality = nationality or _nationality(word)
                start -= 1
                break  # "Israel's": the possessor ends the title
            if _is_nationality(word, tokens[start - 2].group() if start > 1 else ""):
                nationality = nationality or _nationality(word)
            elif low in STOPWORDS or not (low in TITLE_WORDS or low == "prime" or word[:1].isupper()):
                break
            start -= 1
        own = start + 1 if start < i and _POSSESSIVE.search(tokens[start].group()) else start
        end, place = m.end(), ""
        if i + 2 < len(tokens) and _place(tokens[i + 1].group(), tokens[i + 2].group()):
            end, place = tokens[i + 2].end(), normalise(tokens[i + 2].group())
        words = _POSSESSIVE.sub("", text[tokens[own].start() : end])  # "ambassador's" -> "ambassador"
        modified = own < i or bool(nationality or place)
        near = i  # the three words before the head, in its clause: "deputy fire chief", "assistant press"
        while near > max(0, i - 3) and not text[tokens[near - 1].end() : tokens[near].start()].strip():
            near -= 1
        before = {normalise(t.group()) for t in tokens[near:i]}
        head = stem(normalise(m.group()))
        found.append(
            _Title(
                words, head, nationality, place, tokens[start].start(), end, modified, _QUALIFIERS & before
            )
        )
    return found


def _place(link: str, word: str) -> bool:
    """ "to Moscow", "in Moscow", and typed in lower case "to washington" (not "in question")."""
    if not word.isalpha() or normalise(word) in STOPWORDS or is_demonym(word):
        return False
    link = normalise(link)
    return link == "to" or (link in ("in", "at") and word[:1].isupper())


def _is_nationality(word: str, before: str = "") -> bool:
    """A demonym, or a country written by its abbreviation: "US" as written, "us" after "the"."""
    bare = _POSSESSIVE.sub("", word)
    if normalise(bare) in {"us", "uk"}:
        return bare.isupper() or normalise(before) == "the"  # not "appeals to us"
    return is_demonym(bare) or normalise(bare) in _ABBREVIATED


def _nationality(word: str) -> str:
    """ "Israeli", "Russians", "Israel's", "U.S." -> "israeli", "russian", "israel", "american"."""
    low = normalise(_POSSESSIVE.sub("", word))
    if low in _ABBREVIATED:
        return _ABBREVIATED[low]
    return normalise(adjective(low)) if is_demonym(low) else low


def _confirmed(nationality: str, demonyms: set[str]) -> str:
    """A nationality the question gives, when it is one: a demonym, or a country the passages write
    a demonym of ("Israel's" by "Israeli"); "" for a possessor that is not ("Hamas's", "Trump's")."""
    if not nationality or is_demonym(nationality) or nationality in _ABBREVIATED.values():
        return nationality
    return nationality if any(_prefix(nationality, d) >= 4 for d in demonyms) else ""


def _prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _differ(asked: str, written: set[str]) -> bool:
    """The question's nationality is none of the written ones, surely: they share less than two
    letters ("american" / "israeli"), so "France's" is never set against "French"."""
    return bool(written) and all(_prefix(asked, w) < 2 for w in written)


def _written(word: str, text: str) -> bool:
    return bool(re.search(rf"(?<![\w'’-]){re.escape(word)}", text))


def _mentions(name: str, sentence: str) -> str:
    """The name as the sentence writes it, by the full name or the capitalised surname; ""."""
    full = written_name(name, sentence)
    if full:
        return full
    surname = name.split()[-1]
    if len(surname) >= 4 and re.search(rf"(?<![\w'’-]){re.escape(surname)}(?![\w-])", sentence):
        return written_name(surname, sentence)
    return ""


def _attached(question: str, title: _Title, people: set[str]) -> str:
    """The passages' person the question gives this title: named right after it ("foreign minister
    Simona Halperin") or just before it, in apposition ("Simona Halperin, the US ambassador")."""
    surnames: dict[str, list[str]] = {}
    for name in people:
        surnames.setdefault(normalise(name.split()[-1]), []).append(name)
    for name in sorted(people, key=len, reverse=True):
        forms = [name]
        surname = name.split()[-1]
        if (
            len(surname) >= 4
            and len(surnames[normalise(surname)]) == 1
            and normalise(surname) not in STOPWORDS
        ):
            forms.append(surname)
        for form in forms:
            for m in re.finditer(rf"(?<![\w'’-]){re.escape(form)}(?![\w-])", question, re.I):
                if not question[title.end : m.start()].strip() and m.start() >= title.end:
                    return name
                if m.end() <= title.start and _APPOSITION.match(question[m.end() : title.start]):
                    return name
    return ""


def _person(name: str, sentences: list[str]) -> _Person:
    person = _Person()
    for sentence in sentences:
        written = _mentions(name, sentence)
        if not written:
            continue
        tokens = [normalise(t) for t in _TOKEN.findall(sentence)]
        person.words |= {stem(t) for t in tokens}
        person.unqualified |= {
            stem(t) for k, t in enumerate(tokens) if not _QUALIFIERS & set(tokens[max(0, k - 2) : k])
        }
        run = title_before(sentence, written)
        if any(stem(normalise(t)) in _HEADS for t in run):
            person.titles.append(" ".join(run))
            person.nationalities |= {_nationality(t) for t in run if _is_nationality(t)}
            links = [k for k, t in enumerate(run[:-1]) if _place(t, run[k + 1])]
            person.places |= {normalise(run[k + 1]) for k in links}
        person.titles += [t for t in titles_of(written, sentence) if t not in person.titles]
        demonym = governing_demonym(sentence, written)
        if demonym:
            person.nationalities.add(_nationality(demonym))
    return person


def _synonyms(head: str) -> set[str]:
    return title_synonyms(head) | _ALSO.get(head, set())


def _person_problem(name: str, title: _Title, nationality: str, place: str, person: _Person) -> str | None:
    """The title, nationality or place the question gives ``name`` that the passages contradict."""
    called = f'"{person.titles[0]}"' if person.titles else ""
    heads = _synonyms(title.head)
    if person.titles and title.head not in _LOOSE and not heads & person.words:
        return f'the sources call {name} {called}, never "{title.text}"'  # not near the name at all
    if person.titles and not title.qualifiers and heads & person.words and not heads & person.unqualified:
        return f'the sources call {name} {called}, never "{title.text}"'  # only "Deputy Foreign Minister"
    if nationality and _differ(nationality, person.nationalities):
        said = called or f'"{adjective(sorted(person.nationalities)[0])}"'
        return f'the sources call {name} {said}, never "{title.text}"'
    if place and person.places:
        return f'the sources call {name} {called}, never "{title.text}"'
    return None


def _title_problem(
    title: _Title, nationality: str, place: str, sentences: list[str], demonyms: set[str]
) -> str | None:
    """The question's "the American ambassador" when every ambassador the passages write is
    another country's ("Israel's ambassador to Washington": posted elsewhere; "Russia's foreign
    minister": only a deputy one). Each written title's nationality is its own or its holder's."""
    if not nationality and not place:
        return None
    heads = _synonyms(title.head)
    known: list[tuple[_Title, set[str], set[str]]] = []  # each written title, its nationalities, places
    holders: dict[str, _Person] = {}
    for sentence in sentences:
        low = normalise(sentence)
        if not any(h in low for h in heads):
            continue
        for written in _titles(sentence):
            if written.head not in heads:
                continue
            after = sentence[written.end :]
            holder = next(
                (n for n in _people_in(sentence) if re.match(rf"\s+{re.escape(n)}(?![\w-])", after)), ""
            )
            if not written.modified and not holder:
                continue  # "the spokeswoman said": one already introduced
            info = holders.setdefault(holder, _person(holder, sentences)) if holder else _Person()
            own = _confirmed(written.nationality, demonyms)  # "Israel's", not "Putin's"
            nationalities = {own} if own else info.nationalities
            places = {written.place} if written.place else info.places
            known.append((written, nationalities, places))
    if not known:
        return None
    if all(w.qualifiers - title.qualifiers for w, _, _ in known):
        return f'the sources write "{known[0][0].text}", never "{title.text}"'  # only the deputy
    if not all(ns for _, ns, _ in known):
        return None  # "Deputy Foreign Minister Mikhail Bogdanov": whose, it does not say
    if nationality and _differ(nationality, {n for _, ns, _ in known for n in ns}):
        return f'the sources write "{known[0][0].text}", never "{title.text}"'
    same = [(w, places) for w, ns, places in known if not nationality or not _differ(nationality, ns)]
    posted = [w for w, places in same if places]
    if place and posted:
        return f'the sources write "{posted[0].text}", never "{title.text}"'
    return None
