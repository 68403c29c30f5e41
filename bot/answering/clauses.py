"""The clauses of the sentences the model read, as answers it may choose between.

Why: for "what was russia pushing for" or "why was hamas thankful" the 0.5B's own phrase failed its
checks more often than not, and the fallback quoted the best sentence whole: 17 such quotes over the
gold and sealed sets held the answer but ran past the scorer's bound (a 230-character sentence for a
50-character answer), and 18 answered questions the bot should have refused. Given the clauses of
what it read as the only things it may say (or "I don't know"), the model does the reading and the
answer is verbatim text, cited to the exact span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.answering.extract import DONT_KNOW, EXTRACT_PROMPT
from bot.answering.prompt import build_messages
from bot.language.text import content_words
from bot.types import Citation

if TYPE_CHECKING:
    from bot.answering.excerpts import Excerpt
    from bot.answering.query import Query
    from bot.backends.llm import LLM
    from bot.types import Passage

MAX_CLAUSE_CHARS = 150  # longer is a passage, not an answer
MIN_CLAUSE_WORDS = 3
MAX_OPTIONS = 24
# Where a clause may begin: after punctuation, or at a word that opens a clause, a phrase of reason,
# purpose or manner ("that", "because", "due to", "with requests to") or what someone said.
_OPENERS = (
    "that|which|who|whom|because|due to|as a|as they|but|while|with|through|for|after|before|when|to|"
    "said|says|noted|added|stressed|emphasized|explained|recalled|pointed"
)
_BREAK = re.compile(rf"[,;:()\u2014\"“”]+\s*|\s+(?=(?:{_OPENERS})\b)")
_TRIM = " ,;:()\u2014\"“”'"


@dataclass(frozen=True)
class Clause:
    text: str
    start: int  # offsets in the sentence
    end: int


def clauses(sentence: str, question_words: set[str]) -> list[Clause]:
    """Runs of one to three segments of ``sentence``, each short enough to be an answer and saying
    something the question does not (a run of only the question's words restates it)."""
    cuts = sorted({0, len(sentence)} | {m.end() for m in _BREAK.finditer(sentence)})
    found: dict[str, Clause] = {}
    for i in range(len(cuts) - 1):
        for j in range(i + 1, min(i + 4, len(cuts))):
            raw = sentence[cuts[i] : cuts[j]]
            text = raw.strip(_TRIM).rstrip(".")
            if len(text) > MAX_CLAUSE_CHARS:
                break
            words = set(content_words(text))
            if len(text.split()) < MIN_CLAUSE_WORDS or not words - question_words:
                continue
            start = cuts[i] + raw.index(text)
            found.setdefault(text.lower(), Clause(text, start, start + len(text)))
    return list(found.values())


def choose_clause(
    llm: LLM, q: Query, passages: list[Passage], excerpts: list[Excerpt], max_tokens: int
) -> Citation | str | None:
    """The model's choice among the clauses of ``excerpts`` (read with the prompt of the first
    reading): the clause as a citation of its exact span, ``DONT_KNOW``, or None (none offered)."""
    asked = set(content_words(q.text))
    options: dict[str, Citation] = {}
    for ex in excerpts:
        for c in clauses(passages[ex.passage].text[ex.start : ex.end], asked):
            options.setdefault(
                c.text, Citation(1, passages[ex.passage], ex.start + c.start, ex.start + c.end)
            )
    if not options:
        return None
    messages = build_messages(q.text, passages, excerpts, q.as_of, EXTRACT_PROMPT)
    pick = llm.choose(messages, list(options)[:MAX_OPTIONS] + [DONT_KNOW], max_tokens)
    return pick if pick == DONT_KNOW else options.get(pick or "")


def passages_text(citation: Citation) -> str:
    """The text a citation quotes."""
    return citation.passage.text[citation.quote_start : citation.quote_end]
