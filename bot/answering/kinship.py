"""Who is whose relative, read off a parenthesis that maps a list of names in order.

News writes kinship after a list: "Russians Yelena Trufanova, Irina Tatti (Alexander Trufanov's
mother and grandmother), ..." — Yelena Trufanova is the mother, Irina Tatti the grandmother. The
small model reads it as a set and answered "Who is Alexander Trufanov's mother?" with "Irina Tatti"
(gold q42); the order is the grammar, so it is read here, not chosen by the model.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.answering.asked import TYPED_KINDS, asks_for_a_name
from bot.answering.candidates import join_names, people_in
from bot.answering.extract import Span
from bot.language.text import normalise

if TYPE_CHECKING:
    from bot.answering.excerpts import Excerpt
    from bot.answering.query import Query
    from bot.types import Passage

_KIN = (
    r"(?:grandmother|grandfather|granddaughter|grandson|mother|father|daughter|son|wife|husband|"
    r"brother|sister|aunt|uncle|nephew|niece|cousin|mom|mum|dad)"
)
_SAME = {"mom": "mother", "mum": "mother", "dad": "father"}
_PAREN = re.compile(
    rf"\(\s*(?P<of>[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)['’]s\s+(?P<rels>{_KIN}(?:(?:\s*,\s*|\s+and\s+){_KIN})*)\s*\)"
)


def relations(sentence: str) -> list[tuple[str, str, str]]:
    """(name, relation, whose) for each name a kinship parenthesis maps, in order: the last names
    before it, one per relation; [] when fewer names stand before it than it lists relations."""
    out = []
    for m in _PAREN.finditer(sentence):
        kin = [_SAME.get(k, k) for k in re.findall(_KIN, m.group("rels"))]
        names = people_in(sentence[: m.start()])
        if len(names) >= len(kin):
            out += [(name, k, m.group("of")) for name, k in zip(names[-len(kin) :], kin, strict=True)]
    return out


def kinship_span(q: Query, ranked: list[Excerpt], passages: list[Passage]) -> Span | None:
    """ "Who is Alexander Trufanov's mother?", "What are the names of his mother and grandmother?":
    the names the best sentence maps to the asked relations of the asked person, in the order asked."""
    asked = [_SAME.get(k, k) for k in re.findall(rf"\b{_KIN}s?\b", q.asked, re.I)]
    if not asked or q.original.kind in TYPED_KINDS or not asks_for_a_name(q.asked):
        return None  # "In which month did Trufanov's mother ... get out?" asks a date (eighth set, w59)
    words = {normalise(w) for w in re.findall(r"[\w'-]+", q.text.replace("’", "'").replace("'s", ""))}
    for ex in ranked:
        sentence = passages[ex.passage].text[ex.start : ex.end]
        mapped = [
            (name, k) for name, k, whose in relations(sentence) if normalise(whose.split()[-1]) in words
        ]
        names = [next((n for n, k in mapped if k == wanted.lower()), "") for wanted in asked]
        if mapped and all(names) and not any(normalise(n.split()[-1]) in words for n in names):
            return Span(join_names(list(dict.fromkeys(names))), ex.passage, ex.start, ex.end)
    return None
