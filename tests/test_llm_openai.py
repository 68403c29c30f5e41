"""OpenAI-compatible and Ollama back ends against a tiny in-process chat-completions server.

The server speaks just enough of the protocol (one POST, an SSE reply) to check what the client
sends and how it reads the answer, so these tests need no network, no SDK and no model.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import bot.backends.openai_compat as llm_openai
from bot.backends.llm import LLMUnavailable, Message, make_llm
from bot.backends.openai_compat import OllamaLLM, OpenAICompatibleLLM, normalize_base_url
from bot.config import Config

MESSAGES: list[Message] = [
    {"role": "system", "content": "Answer from the passages."},
    {"role": "user", "content": "Who won?"},
]
SECRET = "sk-test-0123456789abcdef"


def sse(*pieces: str) -> list[bytes]:
    """The SSE body a server streams for these content pieces, ending with ``[DONE]``."""
    events: list[dict[str, Any]] = [{"choices": [{"delta": {"role": "assistant"}}]}]
    events += [{"choices": [{"delta": {"content": piece}}]} for piece in pieces]
    events.append({"choices": [{"delta": {}, "finish_reason": "stop"}]})
    lines = [f"data: {json.dumps(event)}\n\n".encode() for event in events]
    return [*lines, b"data: [DONE]\n\n"]


@dataclass
class Reply:
    """What the fake server answers with; ``between`` runs after each body part is flushed."""

    status: int = 200
    parts: list[bytes] = field(default_factory=lambda: sse("Hello", ", ", "world", "!"))
    content_type: str = "text/event-stream"
    between: Callable[[int], None] | None = None


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeServer:
    """A chat-completions server on 127.0.0.1 that records requests and replies with ``reply``."""

    def __init__(self) -> None:
        self.reply = Reply()
        self.requests: list[Recorded] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                server.requests.append(Recorded(self.path, dict(self.headers.items()), body))
                reply = server.reply
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.end_headers()
                for index, part in enumerate(reply.parts):
                    self.wfile.write(part)
                    self.wfile.flush()
                    if reply.between:
                        reply.between(index)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
                pass

        return Handler


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib honours *_proxy variables; a developer's proxy must not intercept 127.0.0.1."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer()
    fake.thread.start()
    yield fake
    fake.httpd.shutdown()
    fake.httpd.server_close()


def client(server: FakeServer, key: str = "", suffix: str = "/v1") -> OpenAICompatibleLLM:
    return OpenAICompatibleLLM(server.url + suffix, "test-model", api_key=key, timeout=10)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- streaming ---------------------------------------------------------------------------------


def test_pieces_arrive_in_order_and_join_to_the_text(server: FakeServer) -> None:
    llm = client(server)
    assert list(llm.stream(MESSAGES, 50)) == ["Hello", ", ", "world", "!"]
    assert llm.complete(MESSAGES, 50) == "Hello, world!"


def test_pieces_are_yielded_before_the_reply_is_finished(server: FakeServer) -> None:
    first_read = threading.Event()
    waited: list[bool] = []

    def hold_after_first_piece(index: int) -> None:
        if index == 1:  # index 0 is the role-only chunk, 1 carries "Hello"
            waited.append(first_read.wait(timeout=5))

    server.reply.between = hold_after_first_piece
    pieces = client(server).stream(MESSAGES, 50)
    assert next(pieces) == "Hello"
    first_read.set()
    assert "".join(pieces) == ", world!"
    assert waited == [True]


def test_request_body_and_path(server: FakeServer) -> None:
    list(client(server).stream(MESSAGES, 77))
    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.body == {
        "model": "test-model",
        "messages": MESSAGES,
        "max_tokens": 77,
        "temperature": 0,
        "stream": True,
    }
    assert request.headers["Content-Type"] == "application/json"


def test_authorization_header_only_with_a_key(server: FakeServer) -> None:
    list(client(server).stream(MESSAGES, 10))
    list(client(server, key=SECRET).stream(MESSAGES, 10))
    without, with_key = server.requests
    assert "Authorization" not in without.headers
    assert with_key.headers["Authorization"] == f"Bearer {SECRET}"


def test_sse_comments_blank_lines_and_crlf_are_tolerated(server: FakeServer) -> None:
    chunk = json.dumps({"choices": [{"delta": {"content": "ok"}}]})
    server.reply.parts = [b": keep-alive\r\n\r\n", f"data:{chunk}\r\n\r\n".encode(), b"data: [DONE]\r\n\r\n"]
    assert list(client(server).stream(MESSAGES, 10)) == ["ok"]


def test_reading_stops_at_done(server: FakeServer) -> None:
    server.reply.parts = [*sse("a"), b"data: {not json after done\n\n"]
    assert list(client(server).stream(MESSAGES, 10)) == ["a"]


def test_a_json_reply_to_a_stream_request_is_accepted(server: FakeServer) -> None:
    """Some servers ignore ``stream: true`` and send one completion object."""
    body = {"choices": [{"message": {"role": "assistant", "content": "whole answer"}}]}
    server.reply.content_type = "application/json"
    server.reply.parts = [json.dumps(body).encode()]
    assert list(client(server).stream(MESSAGES, 10)) == ["whole answer"]


# -- URL normalisation -------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/"])
def test_base_url_with_or_without_v1_and_slash(server: FakeServer, suffix: str) -> None:
    llm = client(server, suffix=suffix)
    assert llm.base_url == server.url + "/v1"
    assert "".join(llm.stream(MESSAGES, 10)) == "Hello, world!"
    assert server.requests[-1].path == "/v1/chat/completions"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://localhost:8000", "http://localhost:8000/v1"),
        ("  http://localhost:8000/v1/  ", "http://localhost:8000/v1"),
        ("https://api.openai.com/v1", "https://api.openai.com/v1"),
        ("http://gateway/llm/", "http://gateway/llm/v1"),
        ("http://gateway/v1/proxy", "http://gateway/v1/proxy"),
        ("https://example.com/v1beta/openai/", "https://example.com/v1beta/openai"),
    ],
)
def test_normalize_base_url(given: str, expected: str) -> None:
    assert normalize_base_url(given) == expected


@pytest.mark.parametrize("bad", ["localhost:8000", "file:///etc/passwd", "ftp://host/v1", ""])
def test_a_non_http_url_is_refused(bad: str) -> None:
    with pytest.raises(LLMUnavailable, match="http"):
        OpenAICompatibleLLM(bad, "m")


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_refused_key_is_named_but_never_shown(server: FakeServer, status: int) -> None:
    server.reply.status = status
    server.reply.content_type = "application/json"
    echo = {"error": {"message": f"Incorrect API key provided: {SECRET}"}}
    server.reply.parts = [json.dumps(echo).encode()]
    with pytest.raises(LLMUnavailable) as caught:
        list(client(server, key=SECRET).stream(MESSAGES, 10))
    message = str(caught.value)
    assert "refused the API key" in message
    assert SECRET not in message
    assert SECRET[:12] not in message
    assert "\n" not in message


def test_401_without_a_key_says_one_is_needed(server: FakeServer) -> None:
    server.reply.status = 401
    server.reply.parts = [b""]
    with pytest.raises(LLMUnavailable, match="requires an API key.*BOT_LLM_API_KEY"):
        list(client(server).stream(MESSAGES, 10))


def test_404_includes_the_server_message(server: FakeServer) -> None:
    server.reply.status = 404
    server.reply.content_type = "application/json"
    error = {"error": {"message": "The model `test-model` does not exist.", "type": "NotFoundError"}}
    server.reply.parts = [json.dumps(error).encode()]
    with pytest.raises(LLMUnavailable) as caught:
        list(client(server).stream(MESSAGES, 10))
    message = str(caught.value)
    assert "not found" in message
    assert "'test-model'" in message
    assert "The model `test-model` does not exist." in message


def test_404_without_json_still_explains(server: FakeServer) -> None:
    server.reply.status = 404
    server.reply.content_type = "text/html"
    server.reply.parts = [b"<html><body>\nNot here\n</body></html>"]
    with pytest.raises(LLMUnavailable, match="not found") as caught:
        list(client(server).stream(MESSAGES, 10))
    assert "<html>" not in str(caught.value)


def test_other_http_errors_give_the_status(server: FakeServer) -> None:
    server.reply.status = 500
    server.reply.content_type = "application/json"
    server.reply.parts = [json.dumps({"detail": "CUDA out of memory"}).encode()]
    with pytest.raises(LLMUnavailable, match="HTTP 500: CUDA out of memory"):
        list(client(server).stream(MESSAGES, 10))


def test_a_key_echoed_in_an_error_body_is_scrubbed(server: FakeServer) -> None:
    server.reply.status = 400
    server.reply.content_type = "application/json"
    server.reply.parts = [json.dumps({"error": {"message": f"bad request from key {SECRET}"}}).encode()]
    with pytest.raises(LLMUnavailable, match=r"HTTP 400: bad request from key \*\*\*") as caught:
        list(client(server, key=SECRET).stream(MESSAGES, 10))
    assert SECRET not in str(caught.value)


def test_connection_refused() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    llm = OpenAICompatibleLLM(url, "m", api_key=SECRET, timeout=5)
    with pytest.raises(LLMUnavailable, match="cannot reach the answer model at URL") as caught:
        list(llm.stream(MESSAGES, 10))
    assert url in str(caught.value)
    assert SECRET not in str(caught.value)


def test_credentials_in_the_url_are_not_shown() -> None:
    llm = OpenAICompatibleLLM(f"http://user:hunter2@127.0.0.1:{closed_port()}", "m", timeout=5)
    with pytest.raises(LLMUnavailable) as caught:
        list(llm.stream(MESSAGES, 10))
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    "parts",
    [
        [b'data: {"choices": [{"delta": {"content": "a"}}]}\n\n', b"data: {broken\n\n"],
        [b"<html>oops</html>\n"],
        [b'data: {"choices": "nope"}\n\n'],
        [b"data: [1, 2]\n\n"],
        [b""],
    ],
    ids=["bad-json", "not-sse", "bad-choices", "not-object", "empty"],
)
def test_malformed_stream(server: FakeServer, parts: list[bytes]) -> None:
    server.reply.parts = parts
    with pytest.raises(LLMUnavailable):
        list(client(server).stream(MESSAGES, 10))


def test_an_error_event_in_the_stream(server: FakeServer) -> None:
    error = {"error": {"message": "context length exceeded", "code": 400}}
    server.reply.parts = [f"data: {json.dumps(error)}\n\n".encode()]
    with pytest.raises(LLMUnavailable, match="reported an error: context length exceeded"):
        list(client(server).stream(MESSAGES, 10))


def test_repr_hides_the_key(server: FakeServer) -> None:
    assert SECRET not in repr(client(server, key=SECRET))


# -- configuration and the factory -------------------------------------------------------------


def test_make_llm_openai(server: FakeServer, tmp_path: Path) -> None:
    config = Config(llm="openai", llm_url=server.url, llm_model="served", llm_api_key=SECRET, home=tmp_path)
    llm = make_llm(config)
    assert isinstance(llm, OpenAICompatibleLLM)
    assert not isinstance(llm, OllamaLLM)
    assert llm.base_url == server.url + "/v1"
    assert llm.model == "served"
    assert llm.complete(MESSAGES, 10) == "Hello, world!"
    assert server.requests[0].headers["Authorization"] == f"Bearer {SECRET}"


def test_make_llm_openai_needs_a_url(tmp_path: Path) -> None:
    with pytest.raises(LLMUnavailable, match="BOT_LLM=openai needs BOT_LLM_URL"):
        make_llm(Config(llm="openai", home=tmp_path))


def test_make_llm_ollama_defaults(tmp_path: Path) -> None:
    llm = make_llm(Config(llm="ollama", home=tmp_path))
    assert isinstance(llm, OllamaLLM)
    assert llm.base_url == "http://localhost:11434/v1"
    assert llm.model == "qwen2.5-coder:0.5b"


def test_make_llm_ollama_keeps_other_models_and_urls(tmp_path: Path) -> None:
    config = Config(llm="ollama", llm_model="llama3.2:1b", llm_url="http://gpu-box:11434", home=tmp_path)
    llm = make_llm(config)
    assert isinstance(llm, OllamaLLM)
    assert llm.base_url == "http://gpu-box:11434/v1"
    assert llm.model == "llama3.2:1b"


def test_make_llm_unknown_lists_the_choices(tmp_path: Path) -> None:
    with pytest.raises(LLMUnavailable) as caught:
        make_llm(Config(llm="bogus", home=tmp_path))
    message = str(caught.value)
    for choice in ("llamacpp", "none", "ollama", "openai"):
        assert choice in message


def test_openai_env_vars_are_not_read_by_the_back_end(
    server: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only ``Config`` maps the environment; the back end uses exactly what it is given."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_MODEL", "env-model")
    llm = make_llm(Config(llm="openai", llm_url=server.url, llm_model="given", home=tmp_path))
    assert llm is not None
    assert llm.complete(MESSAGES, 10) == "Hello, world!"
    (request,) = server.requests
    assert "Authorization" not in request.headers
    assert request.body["model"] == "given"
    source = Path(llm_openai.__file__).read_text(encoding="utf-8")
    for reader in ("os.environ", "getenv", "import os"):
        assert reader not in source
