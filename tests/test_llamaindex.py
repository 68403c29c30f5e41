"""The answering layer as LlamaIndex components gives exactly what the bot gives (bot.answering.llamaindex)."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.retrievers import BaseRetriever

from bot.answering.llamaindex import (
    Excerpts,
    NewsQueryBundle,
    SupportGate,
    bundle,
    postprocessors,
    to_node,
    to_passage,
)
from bot.service import Bot
from bot.types import Passage

QUESTIONS = [
    ("Who was released in November 2023?", date(2025, 2, 20)),
    ("What did Zakharova say about the Israeli ambassador?", date(2025, 2, 20)),
    ("What was reported this week about hostages?", date(2025, 2, 12)),
    ("What was reported this week about hostages?", date(2025, 6, 1)),  # nothing then: period dropped
    ("Which agency published the report on February 10?", None),
]


def _key(p: Passage) -> tuple[object, ...]:
    return (p.chunk_id, p.doc_id, p.start, p.end, p.text, p.score, p.scores, p.also, p.title, p.published)


def test_a_passage_survives_the_round_trip_through_a_node() -> None:
    p = Passage("d1:3", "d1", "Some text.", 40, 50, "Title", "TASS", "https://x.test/a", "2025-02-10")
    p.score, p.scores = 0.8125, {"dense": 0.5, "bm25": 3.25}
    p.also = [
        {"doc_id": "d2", "title": "Copy", "source": "Other", "url": "", "published": None, "similarity": 0.9}
    ]
    node = to_node(p)
    assert node.node.node_id == "d1:3" and node.score == 0.8125
    assert _key(to_passage(node)) == _key(p)


@pytest.mark.parametrize(("question", "as_of"), QUESTIONS)
def test_retriever_and_postprocessors_give_the_bots_own_search(
    corpus_bot_extractive: Bot, question: str, as_of: date | None
) -> None:
    bot = corpus_bot_extractive
    expected = bot.search(question, k=3, as_of=as_of).passages
    retriever = bot.as_retriever(ranked=False)
    assert isinstance(retriever, BaseRetriever)
    qb = bundle(bot.retriever.query_for(question, as_of), as_of)
    nodes = retriever.retrieve(qb)
    assert len(nodes) > len(expected)  # the unranked pool, before the stages cut it
    for stage in postprocessors(bot.retriever, top_k=3):
        nodes = stage.postprocess_nodes(nodes, query_bundle=qb)
    assert [_key(to_passage(n)) for n in nodes] == [_key(p) for p in expected]
    ranked = bot.as_retriever(top_k=3).retrieve(bundle(bot.retriever.query_for(question, as_of), as_of))
    assert [_key(to_passage(n)) for n in ranked] == [_key(p) for p in expected]


def test_a_plain_string_goes_through_the_same_stages(corpus_bot_extractive: Bot) -> None:
    bot = corpus_bot_extractive
    qb = NewsQueryBundle(query_str="Who was released in November 2023?", as_of=date(2025, 2, 20))
    nodes = bot.as_retriever(ranked=False).retrieve(qb)
    for stage in postprocessors(bot.retriever, top_k=2):
        nodes = stage.postprocess_nodes(nodes, query_bundle=qb)
    expected = bot.search(qb.query_str, k=2, as_of=date(2025, 2, 20)).passages
    assert [n.node.node_id for n in nodes] == [p.chunk_id for p in expected]
    assert qb.query is not None and qb.query.as_of == date(2025, 2, 20)


def test_the_support_gate_is_the_refusal_gate(corpus_bot_extractive: Bot) -> None:
    bot = corpus_bot_extractive
    threshold = bot.config.refusal_threshold
    for question in ["Who was released in November 2023?", "What is the boiling point of mercury?"]:
        found = bot.search(question)
        gated = SupportGate(threshold=threshold).postprocess_nodes([to_node(p) for p in found.passages])
        assert bool(gated) == (found.support >= threshold), question


def test_excerpts_are_sentences_of_the_passages(corpus_bot_extractive: Bot) -> None:
    bot = corpus_bot_extractive
    found = bot.search("Who was released in November 2023?", as_of=date(2025, 2, 20))
    nodes = [to_node(p) for p in found.passages]
    cut = Excerpts(bot.answerer.scorer, max_sentences=2).postprocess_nodes(
        nodes, query_bundle=bundle("Who was released in November 2023?")
    )
    assert 1 <= len(cut) <= 2
    by_id = {p.chunk_id: p for p in found.passages}
    for n in cut:
        p = by_id[n.node.metadata["chunk_id"]]
        assert n.node.get_content() in p.text and len(n.node.get_content()) < len(p.text)


def test_query_engine_answers_as_the_bot_does(corpus_bot_extractive: Bot) -> None:
    bot = corpus_bot_extractive
    question = "Who was released in November 2023?"
    expected = bot.ask(question, as_of=date(2025, 2, 20))
    response = bot.as_query_engine().query(bundle(question, date(2025, 2, 20)))
    assert str(response) == expected.text and "[1]" in str(response)
    assert [n.node.node_id for n in response.source_nodes] == [c.passage.chunk_id for c in expected.citations]
    assert response.metadata is not None and response.metadata["refused"] is False
    refused = bot.as_query_engine().query("What is the boiling point of mercury?")
    assert refused.metadata is not None and refused.metadata["refused"] is True and refused.source_nodes == []


def test_chat_engine_keeps_the_conversation(corpus_bot_extractive: Bot) -> None:
    bot = corpus_bot_extractive
    engine = bot.as_chat_engine(as_of=date(2025, 2, 20))
    first = engine.chat("Who is Maria Zakharova?")
    second = engine.chat("What did she say about the ambassador?")
    history = [
        {"role": "user", "content": "Who is Maria Zakharova?"},
        {"role": "assistant", "content": first.response},
    ]
    expected = bot.ask("What did she say about the ambassador?", history, as_of=date(2025, 2, 20))
    assert second.response == expected.text
    assert [m.role for m in engine.chat_history] == [MessageRole.USER, MessageRole.ASSISTANT] * 2
    streamed = engine.stream_chat("Who was released in November 2023?", chat_history=[])
    assert (
        "".join(streamed.response_gen)
        == bot.ask("Who was released in November 2023?", as_of=date(2025, 2, 20)).text
    )
    engine.reset()
    assert engine.chat_history == []
    again = asyncio.run(engine.achat("Who is Maria Zakharova?", [ChatMessage(role="user", content="Hello")]))
    assert again.response and len(engine.chat_history) == 3
