"""Citations attached after generation and verified against the retrieved passages.

The small answer model cannot be trusted to place ``[n]`` markers (it copies sources or prints only
markers), and a larger one's markers still need checking. So every answer sentence is matched to
the passage sentences that support it: its names and numbers must occur in the passage and most of
its content words (or, for a paraphrase, a high sentence-level similarity) must match. A sentence
nothing supports is dropped; a citation can only point at a passage that was retrieved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bot.answering.answertype import may_hold_answer, supplies_kind
from bot.answering.asked import asks_for_a_thing, asks_for_several
from bot.answering.clauses import CLAUSE_EDGES, PUNCTUATION_BREAK, answer_part
from bot.answering.excerpts import MIN_WORDS
from bot.answering.extract import byline
from bot.answering.predicate import says_predicate
from bot.answering.query import Query
from bot.language.lexicon import ORDINALS
from bot.language.text import CITATION_MARKERS, content_words, key_terms, split_sentences
from bot.types import Citation, Passage

if TYPE_CHECKING:
    from bot.answering.excerpts import SentenceScorer

LEXICAL_MIN = 0.6  # share of an answer sentence's content words found around the quote
SEMANTIC_MIN = 0.72  # cosine of answer sentence and quote, for paraphrases
_REFUSAL = re.compile(
    r"\b(i don'?t know|i do not know|(is|are) not (mentioned|provided|stated|specified|given)|"
    r"(does|do) not (say|mention|provide|specify|state)|no information|cannot (be )?(determined|answer)|"
    r"not enough information)\b",
    re.IGNORECASE,
)


@dataclass
class Support:
    passage: int  # index into the passages list
    start: int  # the supporting sentence inside passage.text
    end: int
    score: float


@dataclass
class Cited:
    text: str  # the answer with [n] markers
    citations: list[Citation]
    dropped: list[str]  # sentences nothing supported


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL.search(text)) or not text.strip()


SHORT_ANSWER_WORDS = 4
KIND_WEIGHT = 1.0  # a quoted sentence that holds the asked kind (a date for "when") ranks first


class CitationChecker:
    def __init__(self, scorer: SentenceScorer) -> None:
        self.vectors = scorer.vectors

    def attach(self, answer: str, passages: list[Passage], question: str = "") -> Cited:
        """Keep the supported sentences of ``answer``, each ending in its verified [n].

        A terse answer ("Moscow") is matched together with the question it answers, so it cites
        the sentence that says so rather than any sentence that happens to name the city.
        """
        clean = CITATION_MARKERS.sub("", answer)
        sentences = [clean[s:e] for s, e in split_sentences(clean)]
        sentences = [s for s in sentences if s.strip() and not is_refusal(s)]
        if not sentences or not passages:
            return Cited("", [], sentences)
        units = _passage_sentences(passages)
        claims = [_claim(s, question) for s in sentences]
        vectors = self.vectors(claims + [passages[i].text[s:e] for i, s, e in units])
        sent_vecs, unit_vecs = vectors[: len(sentences)], vectors[len(sentences) :]
        numbering: dict[int, Citation] = {}
        kept, dropped = [], []
        for sentence, claim, vec in zip(sentences, claims, sent_vecs, strict=True):
            names = key_terms(sentence) | (set(content_words(sentence)) & ORDINALS)
            supports = self._supports(claim, names, vec, passages, units, unit_vecs)
            if not supports:
                dropped.append(sentence)
                continue
            marks = [self._number(numbering, passages, sup) for sup in supports]
            kept.append(_with_markers(sentence, sorted(set(marks))))
        return Cited(" ".join(kept), sorted(numbering.values(), key=lambda c: c.n), dropped)

    def _supports(
        self,
        sentence: str,
        names: set[str],
        vec: np.ndarray,
        passages: list[Passage],
        units: list[tuple[int, int, int]],
        unit_vecs: np.ndarray,
    ) -> list[Support]:
        """Passage sentences that back the claim; its names must occur in them, not just nearby.

        Names are checked per sentence (at most two sentences together) because a passage can hold
        a claim's words and a wrong subject a sentence apart ("Zakharova noted" after a list of the
        people released would otherwise let "Zakharova was released" through).
        """
        words = set(content_words(sentence))
        bylines = [byline(p) if _REPORTING.search(sentence) else "" for p in passages]
        sims = unit_vecs @ vec
        candidates = []
        for u, (pi, s, e) in enumerate(units):
            unit_words = set(content_words(f"{passages[pi].text[s:e]} {bylines[pi]}"))
            lexical = len(words & unit_words) / len(words) if words else 0.0
            if lexical >= LEXICAL_MIN or sims[u] >= SEMANTIC_MIN:
                candidates.append(Support(pi, s, e, lexical + float(sims[u])))
        candidates.sort(key=lambda x: x.score, reverse=True)
        return _covering(candidates, names, passages, bylines)

    @staticmethod
    def _number(numbering: dict[int, Citation], passages: list[Passage], s: Support) -> int:
        if s.passage not in numbering:
            numbering[s.passage] = Citation(len(numbering) + 1, passages[s.passage], s.start, s.end)
        return numbering[s.passage].n

    def extract(self, question: Query | str, passages: list[Passage], max_sentences: int = 2) -> Cited:
        """The passage sentences that best answer the question, quoted verbatim with citations."""
        query = Query.of(question)
        units = _passage_sentences(passages)
        if not units:
            return Cited("", [], [])
        vectors = self.vectors([query.text] + [passages[i].text[s:e] for i, s, e in units])
        sims = vectors[1:] @ vectors[0]
        q_words = query.words
        scored = []
        for u, (pi, s, e) in enumerate(units):
            if len(passages[pi].text[s:e].split()) < MIN_WORDS:
                continue  # a dateline or fragment is never the best quote
            if passages[pi].text[s:e].rstrip(" \"'”’)").endswith("?"):
                continue  # a question is never an answer
            if not says_predicate(query.text, passages[pi].text[s:e]):
                continue  # names the question's people but says nothing it asks of them
            overlap = len(q_words & set(content_words(passages[pi].text[s:e]))) / max(len(q_words), 1)
            # A quote for "when" must hold a date: one that cannot is never the best quote.
            kind = KIND_WEIGHT * supplies_kind(query, passages[pi].text[s:e])
            scored.append((float(sims[u]) + overlap + kind + passages[pi].score, u))
        scored.sort(reverse=True)
        numbering: dict[int, Citation] = {}
        parts = []
        best = scored[0][0] if scored else 0.0
        # A second quote only when it is nearly as relevant: padding with a weak one misleads.
        picked = [u for score, u in scored[:max_sentences] if score >= 0.9 * best]
        for u in picked:
            pi, s, e = units[u]
            n = self._number(numbering, passages, Support(pi, s, e, 0.0))
            # An article's own "[3]" inside a quote would read as a citation: never show one.
            clause = CITATION_MARKERS.sub("", best_clause(passages[pi].text[s:e], query))
            parts.append(f"“{clause}” [{n}]")
        return Cited(" ".join(parts), sorted(numbering.values(), key=lambda c: c.n), [])


CLAUSE_CHARS = 300  # a quote longer than this is cut to its best clauses (the citation keeps the sentence)
_CLAUSE_BREAK = re.compile(PUNCTUATION_BREAK)


def best_clause(sentence: str, question: Query | str, max_chars: int = CLAUSE_CHARS) -> str:
    """The run of clauses of ``sentence`` that shares most with the question and holds the asked kind.

    A 400-character sentence pasted as an answer is a search result; the clause that answers is
    the answer, and the cited sentence around it stays highlighted in the source.
    """
    query = Query.of(question)
    if len(sentence) <= max_chars:
        # a name, date, number or place asked: the part after the question's words may have lost it
        # ("who did hamas release on friday" kept "After weeks of negotiations ..."); why/what: cut
        return sentence if asks_for_a_thing(query.text) else answer_part(sentence, query.text)
    cuts = [0] + [m.end() for m in _CLAUSE_BREAK.finditer(sentence)] + [len(sentence)]
    q_words = query.words
    best: tuple[float, int, int] | None = None
    for i in range(len(cuts) - 1):
        for j in range(i + 1, len(cuts)):
            piece = sentence[cuts[i] : cuts[j]].strip(CLAUSE_EDGES)
            if len(piece) > max_chars:
                break
            if len(piece.split()) < 3:
                continue
            score = len(q_words & set(content_words(piece))) + _kind_weight(query, piece)
            score -= len(piece) / 1000  # the shorter of equals
            if best is None or score > best[0]:
                best = (score, cuts[i], cuts[j])
    if best is None:
        return sentence
    piece = sentence[best[1] : best[2]].strip(CLAUSE_EDGES)
    if supplies_kind(query, sentence) and not supplies_kind(query, piece):
        return sentence  # no short clause holds what was asked: the whole sentence does
    return ("… " if best[1] > 0 else "") + piece + (" …" if best[2] < len(sentence) else "")


def _kind_weight(query: Query, piece: str) -> float:
    """What the clause adds of the asked kind: the answer is the part the question does not hold.
    For "who" questions each new name counts (the list of the released outweighs the clause that
    repeats the question's date); for a date, number or age, holding one counts most."""
    if query.kind == "name" or asks_for_several(query.text):
        return 0.6 * len({t for t in key_terms(piece) if t not in query.terms and not t[:1].isdigit()})
    if query.kind is not None:
        return 3.0 * supplies_kind(query, piece)
    return 1.0 * may_hold_answer(query, piece)


# A claim about the reporting ("TASS reported ... on February 10") may be backed by the article's
# source and date, which its text never states. Only such a claim: "Trufanova was released on
# February 10" must not borrow the publication date for the event.
_REPORTING = re.compile(r"\b(report|reported|reports|published|wrote|announced|according to)\b", re.I)


def _claim(sentence: str, question: str) -> str:
    if question and len(content_words(sentence)) <= SHORT_ANSWER_WORDS:
        return f"{question} {sentence}"
    return sentence


def _passage_sentences(passages: list[Passage]) -> list[tuple[int, int, int]]:
    return [(i, s, e) for i, p in enumerate(passages) for s, e in split_sentences(p.text)]


def _covering(
    ranked: list[Support], names: set[str], passages: list[Passage], bylines: list[str]
) -> list[Support]:
    """The best one (or two) supporting sentences that together contain every name and number."""

    def terms(sup: Support) -> set[str]:
        text = f"{passages[sup.passage].text[sup.start : sup.end]} {bylines[sup.passage]}"
        return key_terms(text) | set(content_words(text))

    for sup in ranked:
        if names <= terms(sup):
            return [sup]
    for i, a in enumerate(ranked[:10]):
        for b in ranked[i + 1 : 10]:
            if names <= terms(a) | terms(b):
                return [a, b]
    return []


def _with_markers(sentence: str, numbers: list[int]) -> str:
    marker = "".join(f"[{n}]" for n in numbers)
    stripped = sentence.rstrip()
    if stripped and stripped[-1] in ".!?":
        return f"{stripped[:-1]} {marker}{stripped[-1]}"
    return f"{stripped} {marker}"
