"""The answering layer in LlamaIndex's own abstractions, for anyone who builds with LlamaIndex.

Each class is a thin adapter over the stage the bot itself runs, never a second implementation:

- :class:`HybridRetriever` (a ``BaseRetriever``): the ranked top-k, or the candidate pool
  (dense from the direct Chroma ``collection.query`` call plus BM25, fused) for the postprocessors;
- :class:`Rerank`, :class:`OnePerStory`, :class:`Diversify`, :class:`SupportGate` and
  :class:`Excerpts` (``BaseNodePostprocessor``\\ s): the reranker with its date features, wire-copy
  grouping, the per-article cap and near-duplicate removal, the refusal gate, and the choice of
  the sentences the answer model reads;
- :class:`CitedQueryEngine` (a ``BaseQueryEngine``): the verified, cited answer as a ``Response``
  whose ``source_nodes`` are the cited passages;
- :class:`CitedChatEngine` (a ``BaseChatEngine``): follow-ups ("When was she released?") made
  standalone by the bot's own rewrite, then answered as above.

``Retriever.search`` runs the same stage functions without these wrappers because importing
``llama_index.core`` costs a cold CLI process seconds (tests/test_cli.py keeps it out of query
commands); ``benchmarks/llamaindex_overhead.py`` checks the two paths return the same passages and
measures what the wrappers add per search.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.base.response.schema import Response
from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.chat_engine.types import AgentChatResponse, BaseChatEngine, StreamingAgentChatResponse
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from bot.answering.excerpts import select_excerpts
from bot.answering.query import Query
from bot.answering.retrieve import diversify, support_of
from bot.types import Passage

if TYPE_CHECKING:
    from bot.answering.answerer import Answerer
    from bot.answering.excerpts import SentenceScorer
    from bot.answering.rerank import Reranker
    from bot.answering.retrieve import Retriever
    from bot.backends.llm import Message
    from bot.types import Answer


@dataclass
class NewsQueryBundle(QueryBundle):
    """A QueryBundle carrying the analysed :class:`Query` (dates, kind, terms) to every stage.

    The retriever may replace it (an asked reporting period nothing was published in is dropped),
    and the postprocessors after it read the replacement: LlamaIndex forwards this same object.
    """

    query: Query | None = None
    as_of: date | None = None
    # The passage behind each node, by node id: the stages read and reorder these objects rather
    # than rebuilding nodes and passages at every step (that cost 13 % of a search on RealTimeQA).
    passages: dict[str, Passage] = field(default_factory=dict, repr=False)


def bundle(question: str | Query, as_of: date | None = None) -> NewsQueryBundle:
    query = question if isinstance(question, Query) else None
    text = query.text if query is not None else str(question)
    return NewsQueryBundle(query_str=text, query=query, as_of=as_of)


def _query(qb: QueryBundle | None, retriever: Retriever | None = None) -> Query:
    """The bundle's Query, built (once, kept on the bundle) when a plain string was retrieved."""
    if isinstance(qb, NewsQueryBundle) and qb.query is not None:
        return qb.query
    text = qb.query_str if qb is not None else ""
    as_of = qb.as_of if isinstance(qb, NewsQueryBundle) else None
    query = retriever.query_for(text, as_of) if retriever is not None else Query.build(text, as_of=as_of)
    if isinstance(qb, NewsQueryBundle):
        qb.query = query
    return query


# --- passages as nodes, losslessly -----------------------------------------------------------------
def to_node(p: Passage) -> NodeWithScore:
    meta = {
        "doc_id": p.doc_id, "title": p.title, "source": p.source, "url": p.url, "published": p.published,
        "scores": p.scores, "also_published_by": p.also,  # the passage's own: stages update them
    }  # fmt: skip
    node = TextNode(id_=p.chunk_id, text=p.text, metadata=meta, start_char_idx=p.start, end_char_idx=p.end)
    return NodeWithScore(node=node, score=p.score)


def to_passage(n: NodeWithScore) -> Passage:
    node = n.node
    assert isinstance(node, TextNode)
    m = node.metadata
    p = Passage(
        node.node_id, m["doc_id"], node.get_content(), node.start_char_idx or 0, node.end_char_idx or 0,
        m.get("title", ""), m.get("source", ""), m.get("url", ""), m.get("published"),
    )  # fmt: skip
    p.score = float(n.score or 0.0)
    p.scores = dict(m.get("scores", {}))
    p.also = list(m.get("also_published_by", []))
    return p


def _passages(nodes: list[NodeWithScore], qb: QueryBundle | None) -> list[Passage]:
    """The passages of ``nodes``: the bundle's own objects when it has them, else rebuilt."""
    known = qb.passages if isinstance(qb, NewsQueryBundle) else {}
    out = []
    for n in nodes:
        p = known.get(n.node.node_id)
        if p is None:
            p = to_passage(n)
            known[n.node.node_id] = p
        out.append(p)
    return out


def _nodes(
    passages: list[Passage], nodes: list[NodeWithScore], qb: QueryBundle | None
) -> list[NodeWithScore]:
    """``passages`` (a stage's output) as nodes: the input nodes reused, their score and the
    metadata a stage may change (scores, copies) brought up to date."""
    by_id = {n.node.node_id: n for n in nodes}
    out = []
    for p in passages:
        n = by_id.get(p.chunk_id)
        if n is None:
            n = to_node(p)
        else:
            n.score = p.score
            meta = n.node.metadata
            if meta["scores"] is not p.scores or meta["also_published_by"] is not p.also:
                meta["scores"], meta["also_published_by"] = p.scores, p.also  # a stage replaced them
        out.append(n)
    if isinstance(qb, NewsQueryBundle):
        qb.passages.update((p.chunk_id, p) for p in passages)
    return out


# --- retrieval ----------------------------------------------------------------------------------------
class HybridRetriever(BaseRetriever):
    """The bot's search as a LlamaIndex retriever.

    ``ranked=True`` (the default): the top-k exactly as ``Bot.search`` returns it, the stages run on
    passages inside and only k nodes are built: +2.5 % at p50 over a direct search on the
    RealTimeQA store (26.0 -> 26.7 ms; most of it llama-index's own instrumentation in
    ``retrieve()``, ~0.45 ms). ``ranked=False``: the fused dense + BM25 pool, unranked, for a
    pipeline that applies :func:`postprocessors` (or its own) itself; a node per candidate (~70)
    and the postprocessors' spans then cost +6.0 % (``benchmarks/llamaindex_overhead.py``).
    """

    def __init__(
        self, retriever: Retriever, ranked: bool = True, top_k: int | None = None, **kwargs: Any
    ) -> None:
        self._inner = retriever
        self._ranked = ranked
        self._top_k = top_k
        super().__init__(**kwargs)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        query = _query(query_bundle, self._inner)
        if self._ranked:
            return _nodes(self._inner.search(query, self._top_k).passages, [], query_bundle)
        query, pool = self._inner.pool(query)
        if isinstance(query_bundle, NewsQueryBundle):
            query_bundle.query = query  # the reporting period may have been dropped
        return _nodes(pool, [], query_bundle)


class Rerank(BaseNodePostprocessor):
    """The configured reranker (dense, BM25, coverage, names, asked dates, reporting period)."""

    _reranker: Any = PrivateAttr()

    def __init__(self, reranker: Reranker, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._reranker = reranker

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        ranked = self._reranker.rerank(_query(query_bundle), _passages(nodes, query_bundle))
        return _nodes(ranked, nodes, query_bundle)


class OnePerStory(BaseNodePostprocessor):
    """One article per group of wire copies; the others listed as "also published by"."""

    _retriever: Any = PrivateAttr()

    def __init__(self, retriever: Retriever, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._retriever = retriever

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        return _nodes(self._retriever.one_per_story(_passages(nodes, query_bundle)), nodes, query_bundle)


class Diversify(BaseNodePostprocessor):
    """Top-k without near-duplicates and with at most ``per_doc`` passages per article."""

    top_k: int = 5
    per_doc: int = 2

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        return _nodes(
            diversify(_passages(nodes, query_bundle), self.top_k, self.per_doc), nodes, query_bundle
        )


class SupportGate(BaseNodePostprocessor):
    """No nodes when the best passage covers the question too little: the bot's refusal gate."""

    threshold: float = 0.0

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        return nodes if nodes and support_of(_passages(nodes, query_bundle)) >= self.threshold else []


class Excerpts(BaseNodePostprocessor):
    """Each passage cut down to the sentences the answer model would read (nodes without one drop)."""

    max_sentences: int = 3
    max_chars: int = 1200
    _scorer: Any = PrivateAttr()

    def __init__(self, scorer: SentenceScorer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._scorer = scorer

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        passages = _passages(nodes, query_bundle)
        chosen = select_excerpts(
            self._scorer.rank(_query(query_bundle), passages), self.max_sentences, self.max_chars
        )
        out = []
        for ex in chosen:
            p = passages[ex.passage]
            node = TextNode(
                id_=f"{p.chunk_id}:{ex.start}-{ex.end}", text=p.text[ex.start : ex.end],
                metadata={**nodes[ex.passage].node.metadata, "chunk_id": p.chunk_id},
                start_char_idx=p.start + ex.start, end_char_idx=p.start + ex.end,
            )  # fmt: skip
            out.append(NodeWithScore(node=node, score=ex.score))
        return out


def postprocessors(retriever: Retriever, top_k: int | None = None) -> list[BaseNodePostprocessor]:
    """The stages ``Retriever.search`` runs after the pool, in its order."""
    c = retriever.config
    return [
        Rerank(retriever.reranker),
        OnePerStory(retriever),
        Diversify(top_k=top_k or c.top_k, per_doc=c.per_doc),
    ]


# --- answering ----------------------------------------------------------------------------------------
def _response(answer: Answer) -> Response:
    meta = {
        "refused": answer.refused, "mode": answer.mode, "citations": [c.to_dict() for c in answer.citations],
        "refusal_reason": answer.refusal_reason, "rewritten_question": answer.rewritten_question,
    }  # fmt: skip
    return Response(answer.text, source_nodes=[to_node(c.passage) for c in answer.citations], metadata=meta)


class CitedQueryEngine(BaseQueryEngine):
    """Question in, verified answer out: ``str(response)`` has its [n] markers, each a source node."""

    def __init__(self, answerer: Answerer, **kwargs: Any) -> None:
        self._answerer = answerer
        super().__init__(callback_manager=kwargs.get("callback_manager"))

    def _get_prompt_modules(self) -> dict[str, Any]:
        return {}

    def _query(self, query_bundle: QueryBundle) -> Response:
        as_of = query_bundle.as_of if isinstance(query_bundle, NewsQueryBundle) else None
        return _response(self._answerer.ask(query_bundle.query_str, as_of=as_of))

    async def _aquery(self, query_bundle: QueryBundle) -> Response:
        return self._query(query_bundle)


class CitedChatEngine(BaseChatEngine):
    """A conversation: each message answered with the earlier turns as its context."""

    def __init__(self, answerer: Answerer, as_of: date | None = None) -> None:
        self._answerer = answerer
        self._as_of = as_of
        self._history: list[ChatMessage] = []

    def reset(self) -> None:
        self._history = []

    @property
    def chat_history(self) -> list[ChatMessage]:
        return list(self._history)

    def chat(self, message: str, chat_history: list[ChatMessage] | None = None) -> AgentChatResponse:
        if chat_history is not None:
            self._history = list(chat_history)
        turns: list[Message] = [
            {"role": str(m.role.value), "content": m.content or ""} for m in self._history
        ]
        answer = self._answerer.ask(message, turns or None, self._as_of)
        self._history += [
            ChatMessage(role=MessageRole.USER, content=message),
            ChatMessage(role=MessageRole.ASSISTANT, content=answer.text),
        ]
        r = _response(answer)
        return AgentChatResponse(response=answer.text, source_nodes=r.source_nodes, metadata=r.metadata)

    def stream_chat(
        self, message: str, chat_history: list[ChatMessage] | None = None
    ) -> StreamingAgentChatResponse:
        """The verified answer as one piece: the model's draft is not the answer (it may be set aside)."""
        full = self.chat(message, chat_history)

        def pieces() -> Generator[ChatResponse, None, None]:
            yield ChatResponse(
                message=ChatMessage(role=MessageRole.ASSISTANT, content=full.response), delta=full.response
            )

        return StreamingAgentChatResponse(
            chat_stream=pieces(), source_nodes=full.source_nodes, is_writing_to_memory=False
        )

    async def achat(self, message: str, chat_history: list[ChatMessage] | None = None) -> AgentChatResponse:
        return self.chat(message, chat_history)

    async def astream_chat(
        self, message: str, chat_history: list[ChatMessage] | None = None
    ) -> StreamingAgentChatResponse:
        full = self.chat(message, chat_history)

        async def pieces() -> AsyncGenerator[ChatResponse, None]:
            yield ChatResponse(
                message=ChatMessage(role=MessageRole.ASSISTANT, content=full.response), delta=full.response
            )

        return StreamingAgentChatResponse(
            achat_stream=pieces(), source_nodes=full.source_nodes, is_writing_to_memory=False
        )
