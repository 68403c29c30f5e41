"""The answer-model interface; ``BOT_LLM`` names a back end in :mod:`bot.registry`."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, TypedDict

from bot.registry import load
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


def make_llm(config: Config) -> LLM | None:
    """Build the configured answer model; ``None`` for ``BOT_LLM=none`` (extractive answers)."""
    if config.llm == "none":
        return None
    llm: LLM = load("llm", config.llm, LLMUnavailable, also=("none",)).from_config(config)
    return llm
