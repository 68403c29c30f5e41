"""Follow-up questions ("When was that?") rewritten into standalone ones before retrieval.

A follow-up whose every pointer names what the last turn wrote (its one person for "he"/"she", its
people for "they", its time for "then", its place for "there": ``bot.answering.referents``) is
rewritten by rule: the 0.5B model's rewrite picked the wrong person ("When did he arrive?" after an
answer naming Abu Marzouk became "When did Zakharova arrive?"). Otherwise the model rewrites when one is configured; its
output is only accepted if it looks like a question of sensible length that keeps the follow-up's
own words. Otherwise a question pointing back only at that person, a place or a time ("Who did he
meet there?") gets the person's name, and any other (and with no model) the previous question
prepended, which retrieval handles well because it carries the missing subject.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from bot.answering.candidates import NAME_RUN
from bot.answering.query import Query
from bot.answering.referents import Referents, read_turn
from bot.language.text import content_words, key_terms

if TYPE_CHECKING:
    from datetime import date

    from bot.answering.retrieve import Retriever
    from bot.backends.llm import LLM, Message

_REWRITE_PROMPT = (
    "Rewrite the last question so it can be understood without the conversation: replace pronouns "
    "and references like 'that', 'he', 'else' with what they refer to. Output only the rewritten question."
)
_FOLLOWUP_HINT = re.compile(
    r"\b(that|this|it|he|she|him|they|them|his|her|hers|their|those|these|else|other|then|there|also)\b", re.I
)


def needs_rewrite(question: str) -> bool:
    """A question that points back ("that", "she") depends on the conversation; one that names its
    own subject ("Who is Maxim Kharkin?") stands alone, however short."""
    if _FOLLOWUP_HINT.search(question):
        return True
    first = question.lstrip(" \"'“(").split(" ", 1)
    names = key_terms(first[1]) if len(first) > 1 else set()
    return not names and len(content_words(question)) <= 2


def rewrite_question(
    question: str,
    history: list[Message],
    llm: LLM | None,
    names_for: Callable[[str], Iterable[str]] | None = None,
) -> str:
    """The follow-up as a standalone question (``names_for``: the names the sources write near a
    text, to read a turn typed in lower case)."""
    previous = [m["content"] for m in history if m.get("role") == "user" and m.get("content")]
    if not previous or not needs_rewrite(question):
        return question
    # Names matter only for a person, people or a place pointed at: "when was that?" costs no search.
    wants_names = any(p.search(question) for p in (_PERSON_PRONOUN, _PERSON_POINTER, _GROUP, _THERE))
    turn = _last_turn(history, names_for if wants_names else None)
    resolved = resolve_pointers(question, turn)
    if resolved:
        return resolved
    if llm is not None:
        rewritten = _model_rewrite(question, history, llm)
        if rewritten:
            return rewritten
    # "Who did he meet there?" after an answer about Abu Marzouk: with its person named it is one
    # question the model can read ("Who did Abu Marzouk meet there?"); the previous question put in
    # front made two, and the 0.5B answered both in one garbled phrase (gold q51).
    named = resolve_person(question, history, other_pointers=True, turn=turn)
    if named:
        return named
    return f"{previous[-1].rstrip()} {question}"


def source_names(retriever: Retriever, as_of: date | None, date_aware: bool, text: str) -> list[str]:
    """The names as the sources near ``text`` write them: "who is maxim kharkin" names Maxim Kharkin."""
    found = retriever.search(Query.build(text, text, as_of, date_aware))
    return [m.group() for p in found.passages for m in NAME_RUN.finditer(p.text)]


def _last_turn(history: list[Message], names_for: Callable[[str], Iterable[str]] | None) -> Referents:
    """The last turn's referents; its people from an earlier turn when it names none ("when did he
    arrive?" / "On February 3" names no one: "he" is still the one before)."""
    last = None
    for question, answer in _turns(history)[::-1][:3]:  # each typed in lower case may cost a search
        turn = read_turn(question, answer)
        if (
            names_for is not None
            and not turn.answer_people
            and not re.search(r"(?<!^)[A-Z]", question.strip())
        ):
            turn = read_turn(question, answer, names_for(question))  # "who is maxim kharkin"
        if last is None:
            last = turn
        if turn.answer_people or turn.question_people:
            last.answer_people, last.question_people = turn.answer_people, turn.question_people
            break
    return last or Referents()


def _turns(history: list[Message]) -> list[tuple[str, str]]:
    """(question, answer) pairs in order: each user message with the assistant message after it."""
    pairs: list[tuple[str, str]] = []
    for m in history:
        content = m.get("content") or ""
        if m.get("role") == "user" and content:
            pairs.append((content, ""))
        elif m.get("role") == "assistant" and pairs and not pairs[-1][1]:
            pairs[-1] = (pairs[-1][0], content)
    return pairs


_HE, _SHE = re.compile(r"\b(he|him|his)\b", re.I), re.compile(r"\b(she|her|hers)\b", re.I)
_GROUP = re.compile(r"\b(they|them)\b", re.I)
# "which of them", "the first two of them": one chosen among the listed, which the question must
# not name all of (each name it holds reads as what it already knows)
_PARTITIVE = re.compile(r"\bof (?:them|those|these)\b", re.I)
# "then" as a time, not "then who ...", "if so, then ...", "the then minister", "then-ambassador"
_THEN = re.compile(
    r"(?<!^)(?<!\bthe )(?<!\bso, )\b(?:(since|before|after|until|by|from) )?then\b(?![-’'])", re.I
)
# "there" as a place, not "is there ...", "there were ...", "there's", "did there appear to be"
_THERE = re.compile(
    r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )(?<!\bdid )\b(?:(in|to|at|from|near) )?there\b"
    r"(?![’']s\b)(?!\s+(?:is|are|was|were|be|been|has|have|had|will|would|seem\w*|appear\w*|remain\w*|exist\w*)\b)",
    re.I,
)
_BLOCKING = re.compile(r"\b(that|this|it|its|their|those|these|theirs)\b", re.I)


def resolve_pointers(question: str, turn: Referents) -> str | None:
    """The follow-up with every pointer replaced by what the last turn names, or None when one of
    them points at something no rule can name ("that release", "it") or at no one in particular."""
    text = _PERSON_POINTER.sub(" PERSON ", question)
    if _BLOCKING.search(text) or _PARTITIVE.search(text) or _two_people(text):
        return None
    out, changed = question, False
    if _HE.search(text) or _SHE.search(text) or "PERSON" in text:
        if (name := turn.person()) is None:
            return None
        out, changed = _name_person(out, name), True
    if _GROUP.search(out):
        if (group := turn.group()) is None:
            return None
        out, changed = _GROUP.sub(group, out), True
    for pointer, value in ((_THEN, turn.when), (_THERE, turn.where)):
        if pointer.search(out):
            if value is None:
                return None
            out, changed = pointer.sub(functools.partial(_placed, phrase=value), out), True
    return out if changed else None


_MOTION = re.compile(
    r"\b(?:go|goes|went|gone|going|come|comes|came|coming|travel\w*|fl(?:y|ew|own)|head\w*|return\w*|move\w*)\s+$",
    re.I,
)


def _two_people(text: str) -> bool:
    """ "did she criticise him", "did he thank him", "what did he tell them": pointers to two people,
    whom one name cannot stand for."""
    kinds = {w.lower() for w in re.findall(r"\b(?:he|she|him|they|them)\b", text, re.I)}
    return len(kinds) >= 2 or bool(_HE.search(text) and _SHE.search(text))


def _placed(m: re.Match[str], phrase: str) -> str:
    """ "then" -> "in November 2023"; "before then" -> "before November 2023"; "went there" -> "went to Moscow"."""
    if m.group(1):
        return f"{m.group(1)} {phrase.split(' ', 1)[1]}"
    if phrase.startswith("in ") and _MOTION.search(m.string[: m.start()]):
        return "to " + phrase[3:]
    return phrase


def _name_person(question: str, name: str) -> str:
    def replace(m: re.Match[str]) -> str:
        word = m.group(1).lower()
        if word in ("his", "hers") or (word == "her" and not _AFTER_OBJECT.match(question[m.end() :])):
            return f"{name}'s"
        return name

    return _PERSON_PRONOUN.sub(replace, _PERSON_POINTER.sub(name, question))


def _model_rewrite(question: str, history: list[Message], llm: LLM) -> str | None:
    turns = "\n".join(f"{m['role']}: {m['content'][:500]}" for m in history[-4:])
    messages: list[Message] = [
        {"role": "system", "content": _REWRITE_PROMPT},
        {"role": "user", "content": f"Conversation:\n{turns}\n\nLast question: {question}"},
    ]
    out = llm.complete(messages, 60).strip().strip('"').splitlines()
    candidate = out[0].strip() if out else ""
    own, new = set(content_words(question)), set(content_words(candidate))
    keeps_words = own <= new | {"else", "that"}
    # The 0.5B model sometimes returns the follow-up unchanged ("And who else was freed?").
    adds_context = bool(new - own)
    if 8 <= len(candidate) <= 300 and candidate.endswith("?") and keeps_words and adds_context:
        return candidate
    return None


_PERSON_PRONOUN = re.compile(r"\b(he|she|him|his|her|hers)\b", re.I)
# "her" before these is the person ("about her?", "did she meet her in"), otherwise a possessive.
_AFTER_OBJECT = re.compile(
    r"^\s*(?:$|[?.!,;:]|(?:in|on|at|about|to|from|with|for|by|and|or|as|after|before|then|there|here|now|"
    r"again|too|also|today|yesterday)\b)",
    re.I,
)


def resolve_person(
    question: str, history: list[Message], other_pointers: bool = False, turn: Referents | None = None
) -> str | None:
    """The follow-up with its person pronouns replaced by the one person the last turn names.

    None when the question has no such pronoun, or the last turn names no person or several (a
    list answer: "she" could be any of them), or the question still points back otherwise ("that")
    unless ``other_pointers`` allows it."""
    if not (_PERSON_PRONOUN.search(question) or _PERSON_POINTER.search(question)):
        return None
    if _points_elsewhere(_PERSON_POINTER.sub(" ", question), loosely=other_pointers):
        return None  # "When did she say that?": the name alone would not say what "that" is
    if _two_people(question):
        return None  # "did she criticise him": two people, one name
    name = (turn or _last_turn(history, None)).person()
    return _name_person(question, name) if name else None


# "What other title does that official hold" (tenth sealed set y37): a person pointed at by a noun.
_PERSON_POINTER = re.compile(
    r"\b(?:that|this|the same) (?:official|person|man|woman|diplomat|minister|envoy|leader|spokeswoman|"
    r"spokesman|spokesperson|ambassador|politician|representative)\b(?!\s+(?:(?-i:[A-Z])|would|will|was|is|had|has|said\b))",
    re.I,
)


_OTHER_POINTER = re.compile(r"\b(that|this|it|then|there|else|other|they|them|their|those|these)\b", re.I)
# What the last resort lets stand beside the named person: a place, a time, "else"/"other" ("Who did
# he meet there?", "What other title does that official hold"), never a thing ("that", "it").
_THING_POINTER = re.compile(r"\b(that|this|it|they|them|their|those|these)\b", re.I)


def _points_elsewhere(question: str, loosely: bool) -> bool:
    """The question points back at something besides the person (``loosely``: at a thing)."""
    return (_THING_POINTER if loosely else _OTHER_POINTER).search(question) is not None
