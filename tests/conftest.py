"""Shared fixtures: real models and a real Chroma in temp dirs; small deterministic fakes for logic.

Model-loading fixtures are session-scoped so the suite loads each model once. The fakes are
registered as back ends (``bot.registry``), as simonw/llm's conftest registers its mock model: a
test that needs no meaning in its vectors or words asks for ``embedder="hash"`` or
``llm="scripted"`` in its config, and the bot builds them through the same factory as the real ones.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bot import registry  # noqa: E402
from bot.backends.embedding import Embedder  # noqa: E402
from bot.backends.llm import LLM, Message  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.service import Bot  # noqa: E402
from tests.postgres_server import PostgresServer, postgres_bin  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SEED = ROOT / "seeds" / "000_fc55d0fe8842ee86.txt"
NOVEMBER_NAMES = ["Yelena Trufanova", "Irina Tatti", "Ron Krivoy", "Yaffa Adar"]


class FakeLLM(LLM):
    """Replies with a fixed text (or a function of the prompt), streamed word by word; records calls."""

    name = "fake"

    def __init__(self, reply: str | None = None, reply_fn=None) -> None:  # type: ignore[no-untyped-def]
        self.reply = reply or "I don't know."
        self.reply_fn = reply_fn
        self.calls: list[list[Message]] = []

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        self.calls.append(messages)
        text = self.reply_fn(messages) if self.reply_fn else self.reply
        for i, word in enumerate(text.split(" ")):
            yield word if i == 0 else " " + word

    def choose(self, messages: list[Message], options: list[str], max_tokens: int) -> str | None:
        """The option its reply names (the longest), else None: the free path reads the reply."""
        self.calls.append(messages)
        text = self.reply_fn(messages) if self.reply_fn else self.reply
        named = [o for o in options if o and o in text]
        return max(named, key=len) if named else None


class ScriptedLLM(FakeLLM):
    """``BOT_LLM=scripted``: replies with ``ScriptedLLM.reply_text`` (set by the test)."""

    reply_text = "I don't know."

    @classmethod
    def from_config(cls, config: Config) -> ScriptedLLM:
        return cls(cls.reply_text)


class HashEmbedder(Embedder):
    """``BOT_EMBEDDER=hash``: deterministic unit vectors from a text's hash, a model stand-in that
    costs nothing (no meaning: for tests of storage, ingest and protocol logic only)."""

    def __init__(self, name: str = "hash-384", dim: int = 384) -> None:
        self.name, self.dim = name, dim

    @classmethod
    def from_config(cls, config: Config) -> HashEmbedder:
        return cls()

    def embed(self, texts: list[str]) -> np.ndarray:
        rows = []
        for t in texts:
            seed = int.from_bytes(hashlib.sha256(t.encode("utf-8", "surrogatepass")).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            rows.append(v / np.linalg.norm(v))
        return np.vstack(rows) if rows else np.zeros((0, self.dim), dtype=np.float32)


registry.register("embedder", "hash", HashEmbedder)
registry.register("llm", "scripted", ScriptedLLM)


def make_config(home: Path, **overrides: object) -> Config:
    """A config that ignores the developer's BOT_* environment: tests see only what they set."""
    return Config.from_env(env={}, home=home, cache_dir=_model_cache(), **overrides)


def _model_cache() -> Path:
    # The joined GGUF (~0.5 GB) is shared between test runs, like a user's cache.
    return Path(os.environ.get("BOT_CACHE_DIR") or Path.home() / ".cache" / "newsbot")


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path / "store")


@pytest.fixture(scope="session")
def corpus_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the bundled corpus ingested once for the whole session (read-only use)."""
    home = tmp_path_factory.mktemp("corpus-store")
    bot = Bot(make_config(home), llm=None)
    results = bot.ingest([CORPUS])
    assert results and all(r.status == "added" for r in results), results
    bot.catalog.close()
    return home


@pytest.fixture(scope="session")
def corpus_bot_extractive(corpus_home: Path) -> Bot:
    """The bundled corpus with real embeddings and no answer model (extractive answers)."""
    return Bot(make_config(corpus_home), llm=None)


@pytest.fixture(scope="session")
def real_llm() -> LLM:
    """The bundled 0.5B answer model, loaded once per session."""
    from bot.backends.llm import make_llm

    llm = make_llm(make_config(Path("/nonexistent")))
    assert llm is not None
    return llm


@pytest.fixture(scope="session")
def corpus_bot(corpus_home: Path, real_llm: LLM) -> Bot:
    """The bundled corpus with the real embedder and the real answer model."""
    return Bot(make_config(corpus_home), llm=real_llm)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """Fail any connection attempt to a non-loopback address; returns the attempts seen."""
    attempts: list[tuple[object, ...]] = []
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1")):
            return real_connect(self, address)  # type: ignore[arg-type]
        if self.family == socket.AF_UNIX:
            return real_connect(self, address)  # type: ignore[arg-type]
        attempts.append((host,))
        raise OSError(f"network access blocked in tests: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return attempts


@pytest.fixture(scope="session")
def http_server() -> Iterator[object]:
    """A real threaded HTTP server on 127.0.0.1 for the URL and feed tests (tests/web_server.py)."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One real PostgreSQL server per session (the OS package), on a free loopback port."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.fail("PostgreSQL server binaries not found: apt-get install postgresql (.ci/run does)")
    server = PostgresServer(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def web(http_server: object) -> Iterator[object]:
    """The local server with no routes left over from another test."""
    http_server.clear()  # type: ignore[attr-defined]
    yield http_server
    http_server.clear()  # type: ignore[attr-defined]


@pytest.fixture
def pg_url(postgres: PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the session's server, dropped afterwards."""
    name = f"t_{secrets.token_hex(6)}"
    url = postgres.new_database(name)
    yield url
    postgres.drop_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def catalog_url(request: pytest.FixtureRequest) -> str:
    """Run a test on both catalog back ends: "" (SQLite under BOT_HOME) and a fresh Postgres database."""
    if request.param == "sqlite":
        return ""
    url: str = request.getfixturevalue("pg_url")
    return url
