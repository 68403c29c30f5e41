"""A "why" question answered with the reason clause of the sentence that says what it asks.

Asked "why was alexander trufanov put on the exchange list", the model wrote "mother and grandmother"
(of the sentence listing those released in 2023) and the answer was "Because he was a mother and
grandmother". The sentence that says what the question asks ("the decision to include Alexander
Trufanov in the list of persons to be exchanged ... was made at Russia's request and as a sign of
gratitude for ...") holds the answer after a causal marker: "at Russia's request", "due to", "because",
"since", "as a sign of", "in order to". A causal verb puts the reason before it ("concrete results ...
prompted the Israeli leadership to change its negative perception"), and a sentence may give the
reason for the one before it ("... must strictly comply with the agreements ..." / "After all, the
fate of ... depends on this").

A reason counts only where the rest of its sentence (what it is the reason for) holds one of the
question's predicate words and the sentence, with its neighbours and its article's title, holds the
question's names: "Why was Maxim Kharkin released ...?" is not answered by the "at Russia's request"
of a sentence listing others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.answering.answertype import GENERIC_WORDS
from bot.answering.asked import (
    RELEVANT_MIN,
    about_question,
    without_attribution,
)
from bot.answering.extract import Span, next_sentence
from bot.answering.predicate import asked_predicate, holds_predicate
from bot.answering.query import Query, question_names
from bot.language.lexicon import MONTH_NAMES, WEEKDAYS
from bot.language.text import content_words, key_terms, normalise, stem

if TYPE_CHECKING:
    from bot.answering.excerpts import Excerpt
    from bot.types import Passage

_WHY = re.compile(
    r"^\W*(?:[^,?]{0,60},\s*)?why\b|\bfor (?:what|which) reasons?\b|\bwhat (?:is|was|were|are) the reasons?\b|"
    r"\bwhat reasons?\b|^\W*how come\b",
    re.I,
)
# "What made / prompted / led ... to ...": the cause is asked as a thing (a noun phrase answers it).
_WHAT_CAUSED = re.compile(
    r"^\W*(?:[^,?]{0,60},\s*)?what (?:made|makes|prompted|prompts|led|leads|caused|causes|drove|drives|"
    r"pushed|pushes|motivated|motivates|spurred|forced|convinced|persuaded|triggered)\b",
    re.I,
)
# Words of a why question that ask for the cause rather than say what it caused.
_CAUSE_WORDS = frozenset(
    stem(w)
    for w in """why reason reasons made make makes prompted prompt prompts led lead leads caused cause causes
    drove drive pushed push motivated motivate spurred forced convinced persuaded triggered come""".split()  # noqa: SIM905
)

_MONTH = "|".join(MONTH_NAMES)
# A marker and how the answer writes its clause: "as"/"since" read "because".
_MARKERS = re.compile(
    r"\b(?P<because>because(?: of)?|due to|owing to|thanks to|on account of|as a result of|in view of|"
    r"given that|in order to|in order for|so that|so as to|for the sake of|with the aim of|"
    r"(?:as|in) (?:a )?(?:sign|token|gesture|mark|expression) of|(?:in|out of) (?:gratitude|recognition|"
    r"response|retaliation|return) (?:for|to|of)|"
    r"at (?:the )?(?:[\w'’-]+\s+){0,3}?(?:request|urging|insistence|invitation|behest)(?: of)?)\b|"
    rf"\b(?P<since>since)\s+(?!\d|(?:{_MONTH}|{'|'.join(WEEKDAYS)}|then|last|early|late|the (?:start|beginning|"
    r"end|outbreak|onset)|(?:the )?(?:early|mid|late)\b))|"
    r"(?:^|[,;]\s+|\b(?:and|but)\s+)(?P<as>as)\s+(?!well\b|a result\b|part\b|of\b|for\b|such\b|soon\b|long\b|"
    r"far\b|if\b|though\b|usual\b|expected\b|reported\b|(?:[\w'’-]+\s+){0,2}(?:say|says|said|put it|noted|"
    r"notes|reported|reports|wrote|writes|see|know)\b)(?=(?:the|a|an|this|that|these|those|he|she|it|they|we|"
    r"there|his|her|their|its|our)\b|(?-i:[A-Z]))",
    re.I,
)
# "X prompted Y to Z", "X led Y to Z", "X led to Z": the reason is the subject.
_CAUSAL_VERB = re.compile(
    r"\b(?:prompted|caused|forced|pushed|drove|motivated|spurred|compelled|convinced|persuaded|encouraged|"
    r"led)\s+(?:to\b|(?:[\w'’-]+\s+){1,6}?to\s+\w+)",
    re.I,
)
# A sentence giving the reason for the one before it.
_LINKED = re.compile(
    r"^\W*(?:after all|this is because|that is because|this is due to|that is due to|the reason (?:is|was)"
    r"(?: that)?|this was because|that was because)\b,?\s*",
    re.I,
)
# Where a reason clause ends: a quotation's end, a clause that is not its own, the sentence's end.
_CLAUSE_END = re.compile(
    r"[;:\"“”]|\s[—–-]\s|,\s*(?:but|while|whereas|although|though|which|who|when|where|if|unless|yet|so)\b|"
    r",\s+(?:[\w'’-]+\s+){0,3}(?:said|says|noted|added|stated|explained|emphasi[sz]ed|pointed out|recalled|"
    r"told|stressed|warned)\b",
    re.I,
)
_SUBJECT_START = re.compile(
    r"[;:,\"“”()]|\b(?:(?:said|says|noted|added|stated|explained|emphasi[sz]ed|pointed out|recalled|stressed|"
    r"believes?|believed|thinks?|thought|fact|argued|claimed|insisted|hopes?|hoped) that|because|since|"
    r"when|while|after|before|if|although|though|and)\b",
    re.I,
)
_NOT_A_SUBJECT_START = frozenset("is was were are be been has had have which who that it this".split())  # noqa: SIM905
_SENTENCES = 3  # the best-ranked sentences saying what was asked, read for a reason


@dataclass
class Reason:
    """A reason clause of a sentence: its text as the answer writes it, where it stands, and what
    the rest of the sentence (or the sentence before) says it is the reason for."""

    text: str
    start: int  # the clause, inside the sentence
    end: int
    effect: str


def asks_why(question: str) -> bool:
    """ "Why was ...", "According to X, why ...", "for what reason", "What made/prompted ... ?"."""
    q = without_attribution(question)
    return bool(_WHY.search(q) or _WHAT_CAUSED.search(q))


def reasons_in(sentence: str, because_of: bool = True) -> list[Reason]:
    """The reason clauses a sentence writes, in reading order (one inside another is left out).
    ``because_of``: a cause written as a subject ("X prompted ...") reads "because of X"."""
    found: list[Reason] = []
    for m in _MARKERS.finditer(sentence):
        kind = m.lastgroup or "because"
        start = m.start(kind)
        if found and start < found[-1].end:
            continue  # "at Russia's request and as a sign of gratitude ...": one clause
        end = _clause_end(sentence, m.end(kind))
        clause = sentence[start:end]
        if kind in ("since", "as"):
            clause = "because" + clause[len(m.group(kind)) :]
        if len(content_words(clause)) >= 2:
            found.append(Reason(clause, start, end, sentence[:start] + " " + sentence[end:]))
    for m in _CAUSAL_VERB.finditer(sentence):
        subject = _subject(sentence[: m.start()])
        if subject and not any(r.start <= m.start() < r.end for r in found):
            start = sentence.find(subject, 0, m.start())
            text = f"because of {subject}" if because_of else subject
            found.append(Reason(text, start, start + len(subject), sentence[m.start() :]))
    return sorted(found, key=lambda r: r.start)


def _clause_end(sentence: str, at: int) -> int:
    cut = _CLAUSE_END.search(sentence, at)
    end = cut.start() if cut else len(sentence)
    while end > at and sentence[end - 1] in " ,.!?'’":
        end -= 1
    return end


def _subject(before: str) -> str:
    """The subject a causal verb follows: a quotation ending right before it ("concrete results ..."),
    or the words since the clause began; "" when it is a pronoun or a relative clause's end."""
    before = before.rstrip()
    if before[-1:] in '"”':
        opening = max(before.rfind('"', 0, len(before) - 1), before.rfind("“"))
        subject = before[opening + 1 : -1].strip() if opening >= 0 else ""
    else:
        cuts = list(_SUBJECT_START.finditer(before))
        subject = before[cuts[-1].end() :].strip() if cuts else before.strip()
    words = subject.split()
    if not words or normalise(words[0]) in _NOT_A_SUBJECT_START or len(content_words(subject)) < 2:
        return ""
    return subject


def _linked(passages: list[Passage], index: int, end: int) -> tuple[int, int, int] | None:
    """The sentence after the one ending at ``end`` when it gives that one's reason ("After all,
    ..."): (its passage, start, end), in this chunk or the next one of the same article."""
    following = next_sentence(passages, index, end)
    if following is None:
        return None
    i, start, stop = following
    return following if _LINKED.match(passages[i].text[start:stop]) else None


def _predicate(question: str, sentence: str) -> list[str]:
    """What the question says of its names, without its cause words and without the words the
    sentence writes as names ("alexander trufanov" typed in lower case is a name there)."""
    return [w for w in asked_predicate(question, sentence) if w not in _CAUSE_WORDS]


def _names_held(question: str, context: str) -> bool:
    """Every name of the question stands in the context, a country as its adjective ("Israel" by
    "Israeli"): "Why did Abu Marzouk meet Sergei Lavrov?" is not answered where Lavrov is absent."""
    present = key_terms(context) | set(content_words(context))
    asked = question_names(without_attribution(question, sources=True)) - GENERIC_WORDS  # not "According"
    return all(
        n in present or any(p.startswith(n) and p[len(n) :] in _DEMONYM_ENDINGS for p in present)
        for n in asked
    )


_DEMONYM_ENDINGS = frozenset({"i", "n", "an", "ian", "ese", "ish"})


def _answers(q: Query, reason: Reason, context: str) -> bool:
    """The reason is given for what the question asks: the rest of its sentence says it."""
    words = _predicate(q.text, context)
    return bool(words) and holds_predicate(words, reason.effect)


def _qualified(
    q: Query, passages: list[Passage], index: int, start: int, end: int
) -> list[tuple[Reason, Span]]:
    """The reasons the sentence at (index, start, end) gives for what the question asks, as spans;
    with the next sentence's when it gives this one's reason."""
    p = passages[index]
    sentence = p.text[start:end]
    linked = _linked(passages, index, end)
    following = passages[linked[0]].text[linked[1] : linked[2]] if linked else ""
    if not _names_held(q.text, f"{p.title} {sentence} {following}"):
        return []
    if about_question(q.text, "", f"{p.title} {sentence}") < RELEVANT_MIN:
        return []
    because_of = not _WHAT_CAUSED.search(without_attribution(q.asked))
    out = []
    for reason in reasons_in(sentence, because_of):
        if _answers(q, reason, sentence):
            out.append((reason, Span(reason.text, index, start, end)))
    if not out and linked:
        j, s, e = linked
        text = passages[j].text[s:e]
        lead = _LINKED.match(text)
        clause = text[lead.end() :] if lead else ""
        clause = clause[: _clause_end(clause, 0)]
        reason = Reason("because " + clause, 0, 0, sentence)
        if len(content_words(clause)) >= 2 and _answers(q, reason, sentence):
            span = Span(reason.text, index, start, e) if j == index else Span(reason.text, j, s, e)
            out.append((reason, span))
    return out


def reason_span(q: Query, ranked: list[Excerpt], passages: list[Passage]) -> Span | None:
    """The reason clause of the best-ranked sentence that says what a why question asks, as the
    answer writes it ("at Russia's request and as a sign of gratitude for ...", "because the fate
    of ... depends on this", "because of concrete results ..."), cited by its sentence; or None."""
    if not asks_why(q.asked):
        return None
    read = 0
    for ex in ranked:
        sentence = passages[ex.passage].text[ex.start : ex.end]
        words = _predicate(q.text, sentence)
        if not words or not holds_predicate(words, sentence):
            continue
        read += 1
        found = _qualified(q, passages, ex.passage, ex.start, ex.end)
        if found:
            return found[0][1]
        if read == _SENTENCES:
            break
    return None


def reason_around(q: Query, span: Span, passages: list[Passage]) -> Span | None:
    """The reason clause of the model's sentence that holds its phrase, whole ("Russia's request" ->
    "at Russia's request and as a sign of gratitude for ..."), when it is a reason for what was asked;
    None when the phrase stands outside every such clause."""
    if not asks_why(q.asked) or span.from_byline or span.from_title:
        return None
    sentence = span.sentence(passages)
    phrase = _fold(span.text.strip(" .\"'“”"))
    if not phrase:
        return None
    spots = [m.start() for m in re.finditer(re.escape(phrase), _fold(sentence))]
    for reason, found in _qualified(q, passages, span.passage, span.start, span.end):
        if reason.end > reason.start and any(
            at < reason.end and at + len(phrase) > reason.start for at in spots
        ):
            return found
    return None


def _fold(text: str) -> str:
    """Lower case with one apostrophe: the model writes "Russia's" for "Russia’s" (offsets kept)."""
    return text.lower().replace("’", "'")


def why_answer(q: Query, span: Span, reason: Span | None, passages: list[Passage]) -> tuple[Span | None, str]:
    """What answers a why question the model gave ``span`` for, and a note ("" when it stands):

    - the reason clause holding the model's phrase, whole ("Russia's request" -> "at Russia's
      request and as a sign of gratitude for ..."), when its sentence is the one ``reason`` (the
      best-ranked sentence's reason, from ``reason_span``) comes from, or there is no such reason;
    - else ``reason``: the model's phrase lies in no reason for what was asked ("mother and
      grandmother"), or in one of a sentence ranked below;
    - else the model's phrase, unless it is only a name ("Russia" answers no "why"): None.
    """
    around = reason_around(q, span, passages)
    if around is not None and (
        reason is None or (around.passage, around.start) == (reason.passage, reason.start)
    ):
        return (
            around,
            "" if around.text == span.text else "the model's phrase widened to the reason clause holding it",
        )
    if reason is not None:
        return reason, (
            f"the model's phrase {span.text!r} lies in no reason the best sentence saying what was asked gives: "
            "that sentence's reason clause"
        )
    if _WHY.search(without_attribution(q.asked)) and _only_names(span.text):
        return None, f"the model's phrase {span.text!r} names no reason"
    return span, ""


def _only_names(phrase: str) -> bool:
    """ "Russia", "Israeli", "Abu Marzouk": capitalised words only, a few of them."""
    tokens = re.findall(r"[\w'’-]+", phrase)
    return 0 < len(tokens) <= 4 and all(t[:1].isupper() for t in tokens)
