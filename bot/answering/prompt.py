"""The prompt the answer model reads: the question and, per article, only its chosen sentences
under the article's title and byline (source and date are facts a question may ask for)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from bot.answering.extract import byline

if TYPE_CHECKING:
    from bot.answering.excerpts import Excerpt
    from bot.backends.llm import Message
    from bot.types import Passage

# The plain prompt the bundled 0.5B model follows best (asked for [n] markers it copies sources).
SYSTEM_PROMPT = (
    "Answer the question from the news article excerpts. Be brief. "
    "If the excerpts do not answer it, say: I don't know."
)


def build_messages(
    question: str,
    passages: list[Passage],
    excerpts: list[Excerpt],
    as_of: date | None,
    system: str = SYSTEM_PROMPT,
) -> list[Message]:
    """One block per article, holding only its chosen sentences (see bot.answering.excerpts for why)."""
    by_passage: dict[int, list[str]] = {}
    for ex in excerpts:
        by_passage.setdefault(ex.passage, []).append(passages[ex.passage].text[ex.start : ex.end])
    blocks = []
    for n, (i, sentences) in enumerate(by_passage.items(), 1):
        p = passages[i]
        meta = byline(p)
        blocks.append(
            f"Excerpt {n}: {p.title}" + (f" ({meta})" if meta else "") + "\n" + " … ".join(sentences)
        )
    today = f"Today is {(as_of or date.today()).isoformat()}.\n\n"
    user = f"{today}News article excerpts:\n\n" + "\n\n".join(blocks) + f"\n\nQuestion: {question}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
