"""A role question answered from the title written in front of a name.

News writes a person's role as a title before the name: "Russian Foreign Ministry Spokeswoman
Maria Zakharova", "Israeli Ambassador to Moscow Simona Halperin". When the model's own phrase for
"Who is the spokeswoman of the Russian Foreign Ministry?" fails its checks (the gold set's q03: it
wrote "Israeli Foreign Ministry spokeswoman"), the one name whose title is the asked one answers it.
Strict on purpose, because a near title is a false answer: the title must hold the asked head word
(or a listed synonym), no qualifier ("Deputy Foreign Minister Mikhail Bogdanov" is not Russia's
foreign minister), most of the question's role words near the name, and exactly one such name.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.answering.asked import described_name, fills_role, role_head, role_words, title_synonyms
from bot.answering.candidates import NAME_RUN, TITLE_WORDS, people_in, person_like
from bot.answering.extract import Span
from bot.language.text import normalise, stem

if TYPE_CHECKING:
    from bot.answering.excerpts import Excerpt
    from bot.answering.query import Query
    from bot.types import Passage

# A title qualified by one of these is another office than the bare title.
_QUALIFIERS = frozenset(
    "deputy vice former acting assistant ex interim associate junior first second under".split()  # noqa: SIM905
)
_CONNECTORS = frozenset({"to", "of", "for", "the", "in"})
_TITLE_TOKENS = 6


def titled_span(q: Query, excerpts: list[Excerpt], passages: list[Passage]) -> Span | None:
    """The name whose written title is the one asked for, cited by its sentence, or None."""
    words, head = role_words(q.asked), role_head(q.asked)
    if not words or head is None:
        return None
    titles = title_synonyms(head)
    asked = {normalise(w) for w in re.findall(r"[\w'’-]+", q.asked)}  # "deputy" when the question says it
    found: dict[str, Span] = {}
    for ex in sorted(excerpts, key=lambda x: -x.score)[:3]:
        sentence = passages[ex.passage].text[ex.start : ex.end]
        for name in _titled_names(sentence):
            title = title_before(sentence, name)
            if not title:
                continue
            heads = {stem(normalise(t)) for t in title}
            if not heads & titles or any(normalise(t) in _QUALIFIERS - asked for t in title):
                continue
            if fills_role(words, name, sentence, head=head) and _names_near(q.asked, name, sentence):
                found.setdefault(name, Span(name, ex.passage, ex.start, ex.end))
    return next(iter(found.values())) if len(found) == 1 else None


def described_span(q: Query, excerpts: list[Excerpt], passages: list[Passage]) -> Span | None:
    """ "Who is Mikhail Bogdanov?" when the model's phrase failed (the gold set's q05: it wrote
    "Mikhail Bogdanov is Deputy Foreign Minister Mikhail Bogdanov"): the title written before the
    name, "Deputy Foreign Minister", when it is a title of two or more words holding a title word
    ("leader" alone, cut from "senior Hamas political leader", is not)."""
    name = described_name(q.asked)
    if not name:
        return None
    for ex in sorted(excerpts, key=lambda x: -x.score)[:3]:
        sentence = passages[ex.passage].text[ex.start : ex.end]
        title = title_before(sentence, name) if name in sentence else []
        if len(title) >= 2 and any(normalise(t) in TITLE_WORDS for t in title):
            return Span(" ".join(title), ex.passage, ex.start, ex.end)
    return None


def _titled_names(sentence: str) -> list[str]:
    """The sentence's person names, and the last two words of each capitalised run ("Israeli
    Ambassador" + "Moscow Simona Halperin's" holds "Simona Halperin", which ``people_in`` skips)."""
    names = people_in(sentence)
    for m in NAME_RUN.finditer(sentence):
        tail = " ".join(re.sub(r"['’]s$", "", m.group().strip()).split()[-2:])
        if person_like(tail) and tail not in names:
            names.append(tail)
    return names


def _names_near(question: str, name: str, sentence: str, window: int = 8) -> bool:
    """Every capitalised word of the question stands near the name, a country as its adjective
    ("Israel's" by "Israeli"): "Who is the US ambassador to Moscow?" is not answered by "Israeli
    Ambassador to Moscow Simona Halperin" (the role words alone pass: "us" is a stopword)."""
    at = sentence.find(name)
    before = re.findall(r"[\w'’.-]+", sentence[:at])[-window:]
    after = re.findall(r"[\w'’.-]+", sentence[at + len(name) :])[:window]
    near = [normalise(t.rstrip(".")) for t in before + after]
    first = len(question) - len(question.lstrip(" \"'“("))
    for m in re.finditer(r"\b[A-Z][\w'’.-]*", question):
        if m.start() == first:
            continue  # "Who", "Name"
        w = normalise(re.sub(r"['’]s$", "", m.group()).rstrip("."))
        if not any(
            t == w or (len(w) >= 4 and (t.startswith(w) or w.startswith(t)) and len(t) >= 4) for t in near
        ):
            return False
    return True


def title_before(sentence: str, name: str) -> list[str]:
    """The title run written just before ``name``: capitalised words, title words and the small words
    that join them ("Israeli Ambassador to Moscow"), at most a few words, else []."""
    at = sentence.find(name)
    if at < 0:
        return []
    tokens = re.findall(r"[\w'’-]+", re.split(r"[,;:()\"“”]|\.\s", sentence[:at])[-1])  # not past a comma
    run: list[str] = []
    for token in reversed(tokens[-_TITLE_TOKENS:]):
        low = normalise(token)
        if token[:1].isupper() or low in TITLE_WORDS or low in _QUALIFIERS or (run and low in _CONNECTORS):
            run.insert(0, token)
        else:
            break
    while run and normalise(run[0]) in _CONNECTORS:
        run.pop(0)
    return run
