"""The systems our pipeline is measured against, on the same chunks and the same models.

A comparison is only fair when every system reads the same store: BM25 alone is the catalog's FTS5
index, dense alone is the Chroma collection, and llama-index's default query engine is built over
that very collection with our embedder and our answer model behind llama-index's interfaces. The
answer model is wrapped in a ``CustomLLM`` so nothing in llama-index can reach for its global
``Settings`` (whose default resolves to OpenAI when that integration is installed): every component
gets its model passed explicitly, and ``Settings`` is never touched.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.types import Passage

if TYPE_CHECKING:
    from llama_index.core.llms import CustomLLM

    from bot.llm import LLM
    from bot.service import Bot

CONTEXT_WINDOW = 4096  # the bundled models run with n_ctx 4096 (Config.llm_context_tokens)


@dataclass
class SystemRun:
    """What one system did for one question: the chunks it ranked, and its answer if it answers."""

    passages: list[Passage]
    answer: str | None = None
    refused: bool = False
    context: list[Passage] = field(default_factory=list)  # what the answer model was shown
    timings_ms: dict[str, float] = field(default_factory=dict)


# --- retrieval-only baselines --------------------------------------------------------------------
def bm25_only(bot: Bot, question: str, k: int) -> SystemRun:
    """The catalog's BM25 (SQLite FTS5) on the raw question: no fusion, rerank, dates or dedup."""
    t0 = time.perf_counter()
    hits = bot.catalog.keyword_search(question, k)
    ms = (time.perf_counter() - t0) * 1e3
    return SystemRun(passages_for(bot, hits), timings_ms={"retrieve": ms})


def dense_only(bot: Bot, question: str, k: int) -> SystemRun:
    """Chroma cosine top-k of the question's embedding: what a plain vector RAG retrieves."""
    t0 = time.perf_counter()
    hits = bot.vectors.query(bot.embedder.embed([question])[0], k)
    ms = (time.perf_counter() - t0) * 1e3
    return SystemRun(passages_for(bot, hits), timings_ms={"retrieve": ms})


def passages_for(bot: Bot, hits: list[tuple[str, float]]) -> list[Passage]:
    """Chunk ids (best first) to passages with their text, cut from the article as citations are."""
    spans = bot.catalog.chunk_spans([cid for cid, _ in hits])
    texts: dict[str, str] = {}
    out = []
    for cid, score in hits:
        if cid not in spans:
            continue
        doc_id, start, end = spans[cid]
        if doc_id not in texts:
            texts[doc_id] = bot.catalog.text(doc_id) or ""
        out.append(Passage(cid, doc_id, texts[doc_id][start:end], start, end, score=float(score)))
    return out


# --- llama-index's default pipeline --------------------------------------------------------------
def make_llama_index_llm(llm: LLM, max_tokens: int = 200) -> CustomLLM:
    """Our answer model behind llama-index's LLM interface (one user turn per prompt).

    Built in a function so llama-index is imported only when a baseline or a judge needs it. The
    adapter records when its first token arrived, so the baseline's first-token latency is measured
    the same way as ours.
    """
    from llama_index.core.base.llms.types import CompletionResponse, CompletionResponseGen, LLMMetadata
    from llama_index.core.llms import CustomLLM
    from llama_index.core.llms.callbacks import llm_completion_callback
    from pydantic import PrivateAttr

    class BotLLM(CustomLLM):
        _inner: Any = PrivateAttr()
        _max_tokens: int = PrivateAttr()
        _first_token_at: float | None = PrivateAttr(default=None)
        _calls: int = PrivateAttr(default=0)

        def __init__(self, inner: LLM, max_tokens: int) -> None:
            super().__init__()
            self._inner = inner
            self._max_tokens = max_tokens

        @property
        def first_token_at(self) -> float | None:
            """perf_counter() when the last call's first piece arrived."""
            return self._first_token_at

        @property
        def calls(self) -> int:
            return self._calls

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(
                context_window=CONTEXT_WINDOW,
                num_output=self._max_tokens,
                model_name=getattr(self._inner, "name", "bot-llm"),
                is_chat_model=False,
            )

        def _pieces(self, prompt: str) -> Iterator[str]:
            self._calls += 1
            self._first_token_at = None
            for piece in self._inner.stream([{"role": "user", "content": prompt}], self._max_tokens):
                if self._first_token_at is None:
                    self._first_token_at = time.perf_counter()
                yield piece

        @llm_completion_callback()
        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
            return CompletionResponse(text="".join(self._pieces(prompt)))

        @llm_completion_callback()
        def stream_complete(
            self, prompt: str, formatted: bool = False, **kwargs: Any
        ) -> CompletionResponseGen:
            def gen() -> CompletionResponseGen:
                text = ""
                for piece in self._pieces(prompt):
                    text += piece
                    yield CompletionResponse(text=text, delta=piece)

            return gen()

    return BotLLM(llm, max_tokens)


class LlamaIndexDefault:
    """``VectorStoreIndex.from_vector_store(...).as_query_engine()`` with llama-index's defaults.

    Defaults kept on purpose (similarity_top_k=2, "compact" synthesis, its own QA prompt, node
    metadata in the prompt): this is the pipeline a user gets by following llama-index's starter
    example, pointed at our collection and our models.
    """

    def __init__(self, bot: Bot) -> None:
        from llama_index.core import VectorStoreIndex
        from llama_index.vector_stores.chroma import ChromaVectorStore

        if bot.llm is None:
            raise ValueError("the llama-index baseline needs an answer model")
        collection = bot.vectors._collection  # type: ignore[attr-defined]  # the very same collection
        self.llm = make_llama_index_llm(bot.llm, bot.config.llm_max_tokens)
        index = VectorStoreIndex.from_vector_store(
            ChromaVectorStore(chroma_collection=collection), embed_model=bot.embedder.as_llama_index()
        )
        self.engine = index.as_query_engine(llm=self.llm)
        self.bot = bot

    def run(self, question: str) -> SystemRun:
        t0 = time.perf_counter()
        response = self.engine.query(question)
        total = (time.perf_counter() - t0) * 1e3
        text = str(getattr(response, "response", "") or "")
        passages = [_from_node(self.bot, n) for n in getattr(response, "source_nodes", [])]
        timings = {"total": total}
        first = getattr(self.llm, "first_token_at", None)
        if first is not None:
            timings["first_token"] = (first - t0) * 1e3
        return SystemRun(passages, text, _looks_refused(text), context=passages, timings_ms=timings)


def _from_node(bot: Bot, scored: Any) -> Passage:
    node = scored.node
    meta = node.metadata or {}
    doc_id = str(meta.get("doc_id") or "")
    return Passage(
        node.node_id, doc_id, node.get_content(), int(meta.get("start") or 0), int(meta.get("end") or 0),
        str(meta.get("title") or ""), score=float(scored.score or 0.0),
    )  # fmt: skip


def _looks_refused(text: str) -> bool:
    from bot.cite import is_refusal

    return is_refusal(text) or text.strip().lower() == "empty response"
