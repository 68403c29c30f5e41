"""The answer-model interface and the factory that maps ``BOT_LLM`` to a back end.

A back end is one class in its own module, imported only when chosen, so the default install
needs no client library for servers it never talks to (and nothing can fall back to a hosted API:
an unknown name is an error, never a default).
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, TypedDict

from bot.types import BotError

if TYPE_CHECKING:
    from bot.config import Config


class Message(TypedDict):
    role: str  # "system", "user" or "assistant"
    content: str


class LLMUnavailable(BotError):
    """The configured answer model cannot be used (missing package, file or server)."""


class LLM(ABC):
    """Streams the answer to a chat; deterministic settings (temperature 0) are the back end's job."""

    name: str = "llm"

    @abstractmethod
    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        """Yield the reply in pieces as they are produced."""

    def complete(self, messages: list[Message], max_tokens: int) -> str:
        return "".join(self.stream(messages, max_tokens))

    def choose(self, messages: list[Message], options: list[str], max_tokens: int) -> str | None:
        """The option the model answers with when it may only write one of them (constrained
        decoding); None when the back end cannot constrain its output."""
        return None


# name -> "module:Class"; a new back end is one line here and one module.
BACKENDS: dict[str, str] = {
    "llamacpp": "bot.backends.llamacpp:LlamaCppLLM",
    "openai": "bot.backends.openai_compat:OpenAICompatibleLLM",
    "ollama": "bot.backends.openai_compat:OllamaLLM",
}


def make_llm(config: Config) -> LLM | None:
    """Build the configured answer model; ``None`` for ``BOT_LLM=none`` (extractive answers)."""
    if config.llm == "none":
        return None
    target = BACKENDS.get(config.llm)
    if target is None:
        known = ", ".join(sorted([*BACKENDS, "none"]))
        raise LLMUnavailable(f"unknown BOT_LLM={config.llm!r}; choose one of: {known}")
    module_name, class_name = target.split(":")
    module = importlib.import_module(module_name)
    cls = getattr(module, class_name)
    llm: LLM = cls.from_config(config)
    return llm
