"""Plain data passed between the stages: article -> chunks -> passages -> answer.

Kept free of llama-index and Chroma types so every stage can be tested with plain values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


class BotError(Exception):
    """An error with a message fit to show a user as it is (one line, no traceback)."""


class DocumentError(BotError):
    """A file or record could not be read as an article; ``reason`` says why."""

    def __init__(self, origin: str, reason: str) -> None:
        super().__init__(f"{origin}: {reason}")
        self.origin = origin
        self.reason = reason


@dataclass
class Article:
    """One news article as read from a file or a JSONL record."""

    text: str
    title: str
    doc_id: str
    source: str = ""
    url: str = ""
    published: str | None = None  # ISO date, YYYY-MM-DD
    place: str = ""
    language: str = "en"
    authors: list[str] = field(default_factory=list)
    origin: str = ""  # the file (and line, for JSONL) it came from


@dataclass
class Chunk:
    """A span of an article's text; ``text == article.text[start:end]`` always."""

    doc_id: str
    index: int
    start: int
    end: int
    text: str

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}#{self.index}"


@dataclass
class Passage:
    """A retrieved chunk with its article's metadata and the scores that ranked it."""

    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    title: str = ""
    source: str = ""
    url: str = ""
    published: str | None = None
    score: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)
    # Wire copies of this article (bot.copies): {doc_id, title, source, url, published, similarity}
    also: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Citation:
    """A numbered source shown under an answer; ``quote`` is the sentence that supports the claim."""

    n: int
    passage: Passage
    quote_start: int = 0  # offsets of the supporting sentence inside passage.text
    quote_end: int = 0

    def to_dict(self) -> dict[str, Any]:
        p = self.passage
        return {
            "n": self.n,
            "doc_id": p.doc_id,
            "title": p.title,
            "source": p.source,
            "published": p.published,
            "url": p.url,
            "text": p.text,
            "start": p.start,
            "end": p.end,
            "quote": p.text[self.quote_start : self.quote_end],
            "quote_start": p.start + self.quote_start,
            "quote_end": p.start + self.quote_end,
            "also_published_by": p.also,
        }


@dataclass
class Answer:
    question: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    mode: str = "generated"  # "generated", "extractive" or "refused"
    date_range: dict[str, Any] | None = None
    rewritten_question: str | None = None
    notes: list[str] = field(default_factory=list)
    refusal_reason: str | None = None  # for the reader: why the corpus was judged not to say
    model_context: list[str] = field(default_factory=list)  # the excerpts the model read (evals)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "mode": self.mode,
            "citations": [c.to_dict() for c in self.citations],
            "date_range": self.date_range,
            "rewritten_question": self.rewritten_question,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "notes": self.notes,
            "refusal_reason": self.refusal_reason,
        }
