"""Two questions in one ("Who is Trufanov's mother and when was she released?"), answered one by one.

Why: the answer core is one phrase of one asked kind, checked against one sentence. A compound
question asks for two things of different kinds, often from different sentences, so as one question
it was refused or half-answered (5 of the gold set's 6 such items). Each part goes through the same
pipeline; the second is a follow-up of the first ("she", "there"), so it is searched with the first
part as its conversation, exactly as a typed follow-up would be.
"""

from __future__ import annotations

import re

from bot.types import Answer, Citation, Passage

# ", and who is ...", " and when was ...": a second question starts at a question word after "and"
# that is followed by a verb or a noun, not at "and" inside a list ("Who are Tatti and Adar?").
_SECOND = re.compile(
    r",?\s+and\s+(?=(?:who|whom|what|which|when|where|why|how)\s+(?:\w+\s+){1,}\w+)",
    re.I,
)
MIN_PART_WORDS = 3  # "... and when?" is one question about one event, not two


def split_question(question: str) -> list[str]:
    """The question's parts, each ending in "?"; a question that asks one thing comes back alone."""
    parts = _SECOND.split(question.strip(), maxsplit=1)
    if len(parts) != 2:
        return [question]
    first, second = (p.strip().rstrip("?").strip(" ,") for p in parts)
    if len(first.split()) < MIN_PART_WORDS or len(second.split()) < MIN_PART_WORDS:
        return [question]
    return [f"{first}?", f"{second[0].upper()}{second[1:]}?"]


def join_answers(question: str, parts: list[Answer]) -> Answer:
    """One answer from the parts' answers: their sentences in order, citations renumbered.

    A part that was refused keeps its refusal sentence, so the reader sees which half the sources
    do not answer; the whole is refused only when every part is.
    """
    texts: list[str] = []
    citations: list[Citation] = []
    for part in parts:
        text = part.text
        if part.citations:
            text = _renumber(text, len(citations))
            citations += [
                Citation(c.n + len(citations), c.passage, c.quote_start, c.quote_end) for c in part.citations
            ]
        texts.append(text)
    refused = all(p.refused for p in parts)
    modes = {p.mode for p in parts if not p.refused}
    answer = Answer(
        question,
        " ".join(texts) if not refused else parts[0].text,
        refused=refused,
        citations=citations,
        passages=_unique([x for p in parts for x in p.passages]),
        mode="refused" if refused else ("extractive" if "extractive" in modes else modes.pop()),
    )
    answer.notes = [f"part {n}: {note}" for n, p in enumerate(parts, 1) for note in p.notes]
    answer.model_context = [x for p in parts for x in p.model_context]
    # Shown as "Searched for: ..." so the reader sees how the question was split and resolved.
    answer.rewritten_question = " / ".join(p.rewritten_question or p.question for p in parts)
    answer.refusal_reason = "; ".join(p.refusal_reason for p in parts if p.refusal_reason) or None
    for p in parts:
        for key, value in p.timings_ms.items():
            answer.timings_ms[key] = answer.timings_ms.get(key, 0.0) + value
    if "first_token" in parts[0].timings_ms:
        answer.timings_ms["first_token"] = parts[0].timings_ms["first_token"]
    return answer


def _renumber(text: str, shift: int) -> str:
    return re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + shift}]", text)


def _unique(passages: list[Passage]) -> list[Passage]:
    seen: set[str] = set()
    out: list[Passage] = []
    for p in passages:
        if p.chunk_id not in seen:
            seen.add(p.chunk_id)
            out.append(p)
    return out
