"""Follow-up questions ("When was that?") rewritten into standalone ones before retrieval.

The model rewrites when one is configured; its output is only accepted if it looks like a question
of sensible length that keeps the follow-up's own words, otherwise (and with no model) the previous
question is prepended, which retrieval handles well because it carries the missing subject.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.text import content_words, key_terms

if TYPE_CHECKING:
    from bot.llm import LLM, Message

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
    if llm is not None:
        rewritten = _model_rewrite(question, history, llm)
        if rewritten:
            return rewritten
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
