"""The systems our pipeline is measured against, reading the very same store and models.

A comparison is only fair when every system reads the same store: BM25 alone is the catalog's FTS5
index, dense alone is the Chroma collection, and llama-index's default query engine is built over
that very collection with our embedder and our answer model behind llama-index's interfaces. The
answer model is wrapped in a ``CustomLLM`` so nothing in llama-index can reach for its global
``Settings`` (whose default resolves to OpenAI when that integration is installed): every component
gets its model passed explicitly, and ``Settings`` is never touched. The RealTimeQA harness that
runs them side by side is ``evals.realtimeqa``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.types import Passage
from evals.matching import looks_refused

if TYPE_CHECKING:
    from llama_index.core.llms import CustomLLM

    from bot.backends.llm import LLM
    from bot.service import Bot

CONTEXT_WINDOW = 4096  # the bundled models run with n_ctx 4096 (Config.llm_context_tokens)


@dataclass
class SystemRun:
    """What one system did for one question: the chunks it ranked, and its answer if it answers."""

    passages: list[Passage]
    answer: str | None = None
    refused: bool = False
    context: list[str] = field(default_factory=list)  # the texts the answer model was shown
    timings_ms: dict[str, float] = field(default_factory=dict)
    mode: str | None = None  # ours: "generated", "extractive" (quoted) or "refused"


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
    hits = bot.vectors.query(bot.embedder.embed_queries([question])[0], k)
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


# What llama-index's prompt shows of a chunk's metadata: what a reader of the excerpt would want
# (our prompt shows the same three). Offsets, day numbers, chunk index, ids and URL are excluded from
# its LLM view, as a user configuring ``excluded_llm_metadata_keys`` would.
LLM_METADATA = ("title", "source", "published")


class LlamaIndexDefault:
    """``VectorStoreIndex.from_vector_store(...).as_query_engine()`` with llama-index's defaults.

    Defaults kept on purpose (similarity_top_k=2, "compact" synthesis, its own QA prompt): this is
    the pipeline a user gets by following llama-index's starter example, pointed at our collection
    and our models. Two things are set on equal terms with ours: its QA prompt starts with the
    question's date, as ours does ("Today is ..."), and the chunks' bookkeeping metadata is kept out
    of the prompt (``LLM_METADATA``).
    """

    def __init__(self, bot: Bot) -> None:
        from llama_index.core import VectorStoreIndex
        from llama_index.vector_stores.chroma import ChromaVectorStore

        if bot.llm is None:
            raise ValueError("the llama-index baseline needs an answer model")
        collection = bot.vectors.chroma_collection  # type: ignore[attr-defined]  # the very same collection
        self.llm = make_llama_index_llm(bot.llm, bot.config.llm_max_tokens)
        index = VectorStoreIndex.from_vector_store(
            ChromaVectorStore(chroma_collection=collection), embed_model=bot.embedder.as_llama_index()
        )
        self.engine = index.as_query_engine(llm=self.llm, node_postprocessors=[_metadata_filter()])
        self.bot = bot

    def set_date(self, day: date | None) -> None:
        """The question's date at the head of llama-index's own QA prompt (as ours gets it)."""
        from llama_index.core.prompts import PromptTemplate
        from llama_index.core.prompts.default_prompts import DEFAULT_TEXT_QA_PROMPT_TMPL

        head = f"Today is {day.isoformat()}.\n" if day else ""
        self.engine.update_prompts(
            {"response_synthesizer:text_qa_template": PromptTemplate(head + DEFAULT_TEXT_QA_PROMPT_TMPL)}
        )

    def prompt_preview(self) -> str:
        """The QA template in use (tests check the date and metadata rules reach the prompt)."""
        prompts = self.engine.get_prompts()
        return str(prompts["response_synthesizer:text_qa_template"].get_template())

    def run(self, question: str, as_of: date | None = None) -> SystemRun:
        self.set_date(as_of)
        t0 = time.perf_counter()
        response = self.engine.query(question)
        total = (time.perf_counter() - t0) * 1e3
        text = str(getattr(response, "response", "") or "")
        nodes = getattr(response, "source_nodes", [])
        passages = [_from_node(self.bot, n) for n in nodes]
        timings = {"total": total}
        first = getattr(self.llm, "first_token_at", None)
        if first is not None:
            timings["first_token"] = (first - t0) * 1e3
        context = [_llm_view(n) for n in nodes]
        return SystemRun(passages, text, looks_refused(text), context=context, timings_ms=timings)


def _metadata_filter() -> Any:
    from llama_index.core.postprocessor.types import BaseNodePostprocessor
    from llama_index.core.schema import NodeWithScore, QueryBundle

    class KeepReaderMetadata(BaseNodePostprocessor):
        def _postprocess_nodes(
            self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
        ) -> list[NodeWithScore]:
            for n in nodes:
                n.node.excluded_llm_metadata_keys = [k for k in n.node.metadata if k not in LLM_METADATA]
            return nodes

    return KeepReaderMetadata()


def _llm_view(scored: Any) -> str:
    from llama_index.core.schema import MetadataMode

    return str(scored.node.get_content(metadata_mode=MetadataMode.LLM))


def _from_node(bot: Bot, scored: Any) -> Passage:
    node = scored.node
    meta = node.metadata or {}
    doc_id = str(meta.get("doc_id") or "")
    return Passage(
        node.node_id, doc_id, node.get_content(), int(meta.get("start") or 0), int(meta.get("end") or 0),
        str(meta.get("title") or ""), score=float(scored.score or 0.0),
    )  # fmt: skip
