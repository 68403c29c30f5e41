"""bot.registry: one loader for every kind of back end; a registered fake is built like a real one."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import registry
from bot.answering.rerank import make_reranker
from bot.backends.embedding import EmbedderUnavailable, make_embedder
from bot.backends.llm import LLMUnavailable, make_llm
from bot.service import Bot
from bot.types import BotError
from tests.conftest import CORPUS, HashEmbedder, ScriptedLLM, make_config


def test_unknown_names_are_errors_that_list_the_choices(tmp_path: Path) -> None:
    with pytest.raises(LLMUnavailable, match=r"unknown BOT_LLM='gpt'.*llamacpp.*none.*ollama"):
        make_llm(make_config(tmp_path, llm="gpt"))
    with pytest.raises(EmbedderUnavailable, match=r"unknown BOT_EMBEDDER='e5'; choose one of: .*minilm-int8"):
        make_embedder(make_config(tmp_path, embedder="e5"))
    with pytest.raises(BotError, match=r"unknown BOT_RERANKER='x'; choose one of: dense, heuristic, rrf"):
        make_reranker(make_config(tmp_path, reranker="x"))


def test_a_string_target_is_imported_only_when_chosen(tmp_path: Path) -> None:
    registry.register("reranker", "lazy-rrf", "bot.answering.rerank:RRFReranker")
    try:
        assert type(make_reranker(make_config(tmp_path, reranker="lazy-rrf"))).__name__ == "RRFReranker"
        assert "lazy-rrf" in registry.names("reranker")
    finally:
        registry.unregister("reranker", "lazy-rrf")
    assert "lazy-rrf" not in registry.names("reranker")


def test_the_registered_fakes_run_the_whole_pipeline(tmp_path: Path) -> None:
    ScriptedLLM.reply_text = "Yaffa Adar"
    bot = Bot(make_config(tmp_path / "store", embedder="hash", llm="scripted"))
    assert isinstance(bot.embedder, HashEmbedder) and isinstance(bot.llm, ScriptedLLM)
    assert [r.status for r in bot.ingest([CORPUS])] == ["added"]
    answer = bot.ask("Who was released in November 2023?")
    assert bot.llm.calls  # the scripted model was asked
    assert not answer.refused and "Yaffa Adar" in answer.text and answer.citations, answer
    bot.catalog.close()
    other = Bot(make_config(tmp_path / "store"), llm=None)  # the real embedder on a hash-built store
    with pytest.raises(BotError, match="hash-384"):
        other.search("Who was released?")
    other.catalog.close()
