"""The bot: one object that wires the configured components together, built once per process.

CLI, web chat and evals all go through it, so a model is loaded once and every entry point
answers the same way.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Config
from bot.types import Answer, BotError

if TYPE_CHECKING:
    from bot.answering.answerer import Answerer, Event
    from bot.answering.llamaindex import CitedChatEngine, CitedQueryEngine, HybridRetriever
    from bot.answering.retrieve import Retrieval, Retriever
    from bot.backends.embedding import Embedder
    from bot.backends.llm import LLM, Message
    from bot.index.catalog import Catalog, DocRecord
    from bot.index.ingest import Indexer, IngestResult
    from bot.index.vectors import VectorStore


class Bot:
    def __init__(
        self, config: Config, llm: LLM | None | str = "auto", write_lock: threading.Lock | None = None
    ) -> None:
        """``llm="auto"`` builds the configured model lazily; pass an LLM (or None) to inject one.

        Bots of one store in one process (the web chat and its feed refresher) share ``write_lock``.
        """
        self.config = config
        self._llm_override = llm
        self.llm_error: str | None = None
        self.write_lock = write_lock or threading.Lock()

    @classmethod
    def open(cls, home: Path | None = None, llm: LLM | None | str = "auto") -> Bot:
        """The bot every front door (CLI, web chat, API) builds: settings from ``BOT_*``, ``home``
        overriding ``BOT_HOME``, and ``llm`` as for ``Bot()``.

        The store folder is checked writable here, before any model loads, so a wrong ``--home`` or
        ``BOT_HOME`` is one clear error instead of a failure halfway through the first write.
        """
        config = Config.from_env(home=home)
        _check_home_writable(config.home)
        return cls(config, llm=llm)

    # --- components, built on first use -----------------------------------------------------------
    @cached_property
    def catalog(self) -> Catalog:
        from bot.index.catalog import open_catalog

        return open_catalog(self.config)

    @cached_property
    def embedder(self) -> Embedder:
        from bot.backends.embedding import make_embedder

        return make_embedder(self.config)

    @cached_property
    def vectors(self) -> VectorStore:
        from bot.index.vectors import ChromaStore

        return ChromaStore.from_config(self.config)

    @cached_property
    def indexer(self) -> Indexer:
        from bot.index.ingest import Indexer

        return Indexer(self.config, self.catalog, self.vectors, self.embedder, self.write_lock)

    @cached_property
    def retriever(self) -> Retriever:
        from bot.answering.rerank import make_reranker
        from bot.answering.retrieve import Retriever

        self.indexer  # noqa: B018 - checks the store's identity before the first search
        return Retriever(self.config, self.catalog, self.vectors, self.embedder, make_reranker(self.config))

    @cached_property
    def llm(self) -> LLM | None:
        """The answer model, or None (extractive answers) when it cannot be loaded; why is kept."""
        if self._llm_override != "auto":
            return self._llm_override  # type: ignore[return-value]
        from bot.backends.llm import LLMUnavailable, make_llm

        try:
            return make_llm(self.config)
        except LLMUnavailable as exc:
            self.llm_error = str(exc)
            return None

    @cached_property
    def answerer(self) -> Answerer:
        from bot.answering.answerer import Answerer

        return Answerer(self.config, self.retriever, self.llm, self.embedder)

    # --- operations -------------------------------------------------------------------------------
    def ingest(self, paths: Iterable[Path], progress: bool = False) -> list[IngestResult]:
        return self.indexer.ingest_paths(paths, progress=progress)

    def ingest_urls(self, urls: Iterable[str], progress: bool = False) -> list[IngestResult]:
        return self.indexer.ingest_urls(urls, progress=progress)

    def remove(self, doc_id: str) -> bool:
        return self.indexer.remove(doc_id)

    def docs(self) -> list[DocRecord]:
        return self.catalog.docs()

    def search(self, query: str, k: int | None = None, as_of: date | None = None) -> Retrieval:
        from bot.answering.answerer import check_question

        return self.retriever.search(self.retriever.query_for(check_question(query), as_of), k=k)

    def ask(self, question: str, history: list[Message] | None = None, as_of: date | None = None) -> Answer:
        return self.answerer.ask(question, history, as_of)

    def stream(
        self, question: str, history: list[Message] | None = None, as_of: date | None = None
    ) -> Iterator[Event]:
        return self.answerer.stream(question, history, as_of)

    # --- the same pipeline in LlamaIndex's abstractions (bot.answering.llamaindex) -------------------
    def as_retriever(self, ranked: bool = True, top_k: int | None = None) -> HybridRetriever:
        """This bot's search as a LlamaIndex retriever: the ranked top-k, or with ``ranked=False``
        the unranked pool for ``bot.answering.llamaindex.postprocessors(bot.retriever)``."""
        from bot.answering.llamaindex import HybridRetriever

        return HybridRetriever(self.retriever, ranked=ranked, top_k=top_k)

    def as_query_engine(self) -> CitedQueryEngine:
        from bot.answering.llamaindex import CitedQueryEngine

        return CitedQueryEngine(self.answerer)

    def as_chat_engine(self, as_of: date | None = None) -> CitedChatEngine:
        from bot.answering.llamaindex import CitedChatEngine

        return CitedChatEngine(self.answerer, as_of)

    def warm_up(self) -> None:
        """Load every model now, so the first question does not pay for it."""
        self.retriever  # noqa: B018
        self.answerer  # noqa: B018
        self.embedder.embed(["warm up"])


def _check_home_writable(home: Path) -> None:
    try:
        home.mkdir(parents=True, exist_ok=True)
        probe = home / f".write-test-{os.getpid()}"  # one per process: workers start together
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise BotError(f"the store directory {home} is not writable ({exc.strerror}); set BOT_HOME") from exc
