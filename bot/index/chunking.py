"""Sentence-aware chunks with exact character offsets into the article text.

llama-index's SentenceSplitter does the splitting (sentence boundaries, overlap, token budget); we
only pin each chunk back to its exact span, because citations open ``text[start:end]`` and the
splitter can trim whitespace at the seams.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from bot.types import Article, Chunk

if TYPE_CHECKING:
    from llama_index.core.node_parser import SentenceSplitter


@lru_cache(maxsize=8)
def _splitter(chunk_size: int, chunk_overlap: int) -> SentenceSplitter:
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)


def chunk_article(article: Article, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    """Split one article; every chunk satisfies ``article.text[c.start:c.end] == c.text``."""
    pieces = _splitter(chunk_size, chunk_overlap).split_text(article.text)
    chunks: list[Chunk] = []
    cursor = 0
    for piece in pieces:
        start = _locate(article.text, piece, cursor)
        if start < 0:
            continue  # cannot happen with SentenceSplitter; never emit a chunk we cannot cite
        end = start + len(piece)
        chunks.append(Chunk(article.doc_id, len(chunks), start, end, piece))
        # Overlapping chunks may start before the previous end; search from the previous start.
        cursor = start + 1
    return chunks


def _locate(text: str, piece: str, cursor: int) -> int:
    found = text.find(piece, cursor)
    return found if found >= 0 else text.find(piece)
