"""newsbot: question answering over news articles with verified citations, offline by default.

The Python API is two names: ``from bot import Bot, Config`` (``Bot.open()`` for the configured
store; ``bot.as_query_engine()`` and friends for LlamaIndex). They load on first use, so
``bot --help`` imports nothing heavy.
"""

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Bot", "Config", "__version__"]

if TYPE_CHECKING:
    from bot.config import Config
    from bot.service import Bot


def __getattr__(name: str) -> Any:
    if name == "Bot":
        from bot.service import Bot

        return Bot
    if name == "Config":
        from bot.config import Config

        return Config
    raise AttributeError(f"module 'bot' has no attribute {name!r}")
