"""Embeddings from a server (BOT_EMBEDDER=openai) against real HTTP servers on loopback ports.

Fast tests run ``bot.ui.embed_server.EmbedServer`` in a thread with a small deterministic stand-in
model (protocol, batching, concurrency bound, retries, auth, model checks); the slow ones start
``bot embed-server`` as a subprocess with the bundled MiniLM and compare its vectors with the
in-process ones.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.backends.embedding import Embedder, make_embedder
from bot.backends.openai_embedding import EmbeddingServerError, OpenAIEmbedder, embeddings_endpoint
from bot.index.catalog import StoreError
from bot.service import Bot
from bot.ui.embed_server import EmbedServer, Handler
from tests.conftest import CORPUS, make_config
from tests.conftest import HashEmbedder as SharedHashEmbedder

ROOT = Path(__file__).resolve().parents[1]


def HashEmbedder(name: str = "hash-16") -> Embedder:  # noqa: N802 - reads as the class it builds
    """The shared fake embedder (tests/conftest.py), small: vectors of 16."""
    return SharedHashEmbedder(name, dim=16)


class CountingHandler(Handler):
    """Counts requests in flight (and the peak), and fails the first ``server.failures`` POSTs with 503."""

    def do_POST(self) -> None:  # noqa: N802
        server = self.server
        with server.lock_stats:  # type: ignore[attr-defined]
            if server.failures > 0:  # type: ignore[attr-defined]
                server.failures -= 1  # type: ignore[attr-defined]
                fail = True
            else:
                fail = False
                server.in_flight += 1  # type: ignore[attr-defined]
                server.peak = max(server.peak, server.in_flight)  # type: ignore[attr-defined]
        if fail:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))  # keep-alive: drain the body
            self.send_response(503)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            time.sleep(0.05)  # long enough for concurrent requests to overlap
            super().do_POST()
        finally:
            with server.lock_stats:  # type: ignore[attr-defined]
                server.in_flight -= 1  # type: ignore[attr-defined]


@pytest.fixture
def served() -> Iterator[EmbedServer]:
    server = EmbedServer(("127.0.0.1", 0), HashEmbedder(), handler=CountingHandler)
    server.lock_stats = threading.Lock()  # type: ignore[attr-defined]
    server.failures = 0  # type: ignore[attr-defined]
    server.in_flight = server.peak = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def url_of(server: EmbedServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_endpoint_accepts_what_users_paste() -> None:
    assert embeddings_endpoint("http://h:1") == "http://h:1/v1/embeddings"
    assert embeddings_endpoint("http://h:1/v1/") == "http://h:1/v1/embeddings"
    assert embeddings_endpoint("http://h:1/v1/embeddings") == "http://h:1/v1/embeddings"


def test_vectors_come_back_in_order_batched_and_bounded(served: EmbedServer) -> None:
    texts = [f"text number {i}" for i in range(50)]
    client = OpenAIEmbedder(url_of(served), batch_size=4, concurrency=3, backoff=0)
    assert (client.name, client.dim) == ("hash-16", 16)  # the model the server lists
    got = client.embed(texts)
    np.testing.assert_allclose(got, HashEmbedder().embed(texts), atol=1e-6)
    assert 2 <= served.peak <= 3  # type: ignore[attr-defined]  # concurrent, but never more than 3
    assert client.embed([]).shape == (0, 16)
    client.close()


def test_retries_503_then_succeeds(served: EmbedServer) -> None:
    client = OpenAIEmbedder(url_of(served), batch_size=8, retries=3, backoff=0)
    served.failures = 3  # type: ignore[attr-defined]
    got = client.embed(["a", "b"])
    np.testing.assert_allclose(got, HashEmbedder().embed(["a", "b"]), atol=1e-6)
    assert served.failures == 0  # type: ignore[attr-defined]


def test_gives_up_after_the_retries_with_a_clear_error(served: EmbedServer) -> None:
    client = OpenAIEmbedder(url_of(served), retries=1, backoff=0)
    served.failures = 5  # type: ignore[attr-defined]
    with pytest.raises(EmbeddingServerError, match="failed 2 times; last: HTTP 503"):
        client.embed(["a"])


def test_unreachable_server_is_retried_then_a_clear_error() -> None:
    from tests.test_chroma_server import free_port

    t0 = time.monotonic()
    with pytest.raises(EmbeddingServerError, match="failed 3 times"):
        OpenAIEmbedder(f"http://127.0.0.1:{free_port()}", retries=2, backoff=0.05)
    assert time.monotonic() - t0 < 10


def test_api_key_is_required_and_not_retried() -> None:
    server = EmbedServer(("127.0.0.1", 0), HashEmbedder(), api_key="s3cret")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(EmbeddingServerError, match="HTTP 401"):
            OpenAIEmbedder(url_of(server), retries=5, backoff=10)  # 401 is not retried: no 50 s wait
        client = OpenAIEmbedder(url_of(server), api_key="s3cret")
        assert client.embed(["x"]).shape == (1, 16)
    finally:
        server.shutdown()
        server.server_close()


def test_a_configured_model_the_server_does_not_serve_is_refused(served: EmbedServer) -> None:
    with pytest.raises(EmbeddingServerError, match="'bge-small' is not served here"):
        OpenAIEmbedder(url_of(served), model="bge-small")


class LaxHandler(Handler):
    """Ignores the requested model, as text-embeddings-inference does: it serves what it loaded."""

    def _read_request(self) -> tuple[list[str], str]:
        return super()._read_request()[0], ""


def test_a_server_that_switches_model_mid_run_is_refused() -> None:
    server = EmbedServer(("127.0.0.1", 0), HashEmbedder(), handler=LaxHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = OpenAIEmbedder(url_of(server), backoff=0)
        assert client.embed(["a"]).shape == (1, 16)
        server.embedder = HashEmbedder("other-model")  # redeployed with another model
        with pytest.raises(EmbeddingServerError, match="now serves 'other-model'.*built with 'hash-16'"):
            client.embed(["a"])
        with pytest.raises(EmbeddingServerError, match="serves 'other-model', not the configured 'hash-16'"):
            OpenAIEmbedder(url_of(server), model="hash-16")
    finally:
        server.shutdown()
        server.server_close()


def test_store_built_with_another_model_is_refused(served: EmbedServer, tmp_path: Path) -> None:
    """The store records the embedder; a server of another model cannot write into it."""
    home = tmp_path / "home"
    in_process = Bot(make_config(home), llm=None)
    in_process.__dict__["embedder"] = HashEmbedder("minilm-like")
    in_process.ingest([CORPUS])
    in_process.catalog.close()
    config = make_config(home, embedder="openai", embedder_url=url_of(served))
    with pytest.raises(StoreError, match=r"built with embedder=minilm-like .*embedder=hash-16 .*\(served by"):
        Bot(config, llm=None).search("Who was released in November 2023?")


def test_server_rejects_bad_requests(served: EmbedServer) -> None:
    import httpx

    url = url_of(served) + "/v1/embeddings"
    assert httpx.post(url, json={"input": [1, 2]}).status_code == 400
    assert httpx.post(url, content=b"not json").status_code == 400
    assert httpx.post(url, json={"input": "x", "encoding_format": "base64"}).status_code == 400
    assert httpx.post(url_of(served) + "/v1/other", json={}).status_code == 404
    assert httpx.get(url_of(served) + "/nothing").status_code == 404
    one = httpx.post(url, json={"input": "single"}).json()
    assert one["model"] == "hash-16" and len(one["data"]) == 1 and one["usage"]["prompt_tokens"] >= 1
    assert httpx.get(url_of(served) + "/health").json()["status"] == "ok"


def test_config_requires_a_url_for_the_server_embedder() -> None:
    from bot.config import Config, ConfigError

    with pytest.raises(ConfigError, match="BOT_EMBEDDER_URL"):
        Config.from_env(env={"BOT_EMBEDDER": "openai"})


@pytest.mark.slow
def test_embed_server_refuses_a_public_address_without_a_key() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "embed-server", "--host", "0.0.0.0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 1 and "without an API key" in proc.stderr


# --- the bundled MiniLM behind `bot embed-server` ------------------------------------------------------
@pytest.fixture(scope="module")
def minilm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tests.test_chroma_server import free_port

    port = free_port()
    log = tmp_path_factory.mktemp("embed-server") / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env["BOT_THREADS"] = "1"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "embed-server", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def wait_until_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"bot embed-server exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"bot embed-server did not answer within {timeout}s: {log.read_text()[-2000:]}")


@pytest.mark.slow
def test_server_vectors_equal_in_process_ones(minilm_server: str, tmp_path: Path) -> None:
    local = make_embedder(make_config(tmp_path))
    remote = make_embedder(make_config(tmp_path, embedder="openai", embedder_url=minilm_server + "/v1"))
    assert remote.name == local.name and remote.dim == local.dim == 384
    from bot.documents.read import load_path

    text = next(a for a in load_path(next(CORPUS.glob("*.md")), 2**20)).text
    words = text.split()
    texts = [" ".join(words[i : i + 5 + (i * 7) % 180]) for i in range(0, 400, 9)] + ["", "ё Ü 中文 🙂"]
    np.testing.assert_allclose(remote.embed(texts), local.embed(texts), atol=1e-5)


@pytest.mark.slow
def test_ingest_and_search_through_the_server_match_in_process(minilm_server: str, tmp_path: Path) -> None:
    question = "Who was released in November 2023?"
    local = Bot(make_config(tmp_path / "a"), llm=None)
    local.ingest([CORPUS])
    remote_config = make_config(tmp_path / "b", embedder="openai", embedder_url=minilm_server)
    remote = Bot(remote_config, llm=None)
    assert [r.status for r in remote.ingest([CORPUS])] == ["added"]
    a, b = local.search(question, k=4), remote.search(question, k=4)
    assert [(p.doc_id, p.start, p.end) for p in a.passages] == [
        (p.doc_id, p.start, p.end) for p in b.passages
    ]
    for x, y in zip(a.passages, b.passages, strict=True):
        assert x.score == pytest.approx(y.score, abs=1e-5)
    # The same model: a store built in process opens through the server, and the other way round.
    assert (
        Bot(local.config.with_(embedder="openai", embedder_url=minilm_server), llm=None)
        .search(question)
        .passages
    )
    local.catalog.close()
    remote.catalog.close()
