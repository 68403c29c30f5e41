"""``bot embed-server``: the configured in-process embedder behind the OpenAI ``/v1/embeddings`` protocol.

Why: a bigger machine can embed for many ingest workers and replicas (``BOT_EMBEDDER=openai``
elsewhere), with the very model the store was built with, so stores stay interchangeable. The
standard library's threading HTTP server is enough: the model is the bottleneck, and one inference
runs at a time (the ONNX session already uses every configured thread).

Endpoints: ``POST /v1/embeddings``, ``GET /v1/models``, ``GET /health``. Off loopback it requires an
API key (``--api-key`` or ``BOT_EMBEDDER_API_KEY``), sent as ``Authorization: Bearer KEY``.
"""

from __future__ import annotations

import argparse
import hmac
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from bot.types import BotError

if TYPE_CHECKING:
    from bot.backends.embedding import Embedder

MAX_BODY_BYTES = 32 * 2**20
MAX_INPUTS = 2048
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class EmbedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        embedder: Embedder,
        api_key: str = "",
        handler: type[BaseHTTPRequestHandler] | None = None,
    ) -> None:
        super().__init__(address, handler or Handler)
        self.embedder = embedder
        self.api_key = api_key
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    server: EmbedServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return  # one line per request would drown the ingest logs

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        if self.path == "/health":
            self._send(200, {"status": "ok", "model": self.server.embedder.name})
        elif self.path.rstrip("/") != "/v1/models":
            self._error(404, f"no route {self.path}")
        elif self._authorised():
            model = {"id": self.server.embedder.name, "object": "model", "owned_by": "newsbot"}
            self._send(200, {"object": "list", "data": [model]})

    def do_POST(self) -> None:  # noqa: N802 - the base class's name
        if self.path.rstrip("/") != "/v1/embeddings":
            self._error(404, f"no route {self.path}")
            return
        if not self._authorised():
            return
        try:
            texts, model = self._read_request()
        except ValueError as exc:
            self._error(400, str(exc))
            return
        embedder = self.server.embedder
        if model and model != embedder.name:
            self._error(404, f"model {model!r} is not served here; this server serves {embedder.name!r}")
            return
        with self.server.lock:
            vectors = embedder.embed(texts)
        data = [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)]
        tokens = sum(embedder.count_tokens(t) for t in texts)
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        self._send(200, {"object": "list", "data": data, "model": embedder.name, "usage": usage})

    def _read_request(self) -> tuple[list[str], str]:
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BODY_BYTES:
            raise ValueError(f"the body must be 1 byte to {MAX_BODY_BYTES} bytes of JSON")
        try:
            body = json.loads(self.rfile.read(length))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"the body is not JSON: {exc}") from exc
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        raw = body.get("input")
        texts = [raw] if isinstance(raw, str) else raw
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            raise ValueError(
                "'input' must be a string or a non-empty list of strings (token arrays are not accepted)"
            )
        if len(texts) > MAX_INPUTS:
            raise ValueError(f"at most {MAX_INPUTS} inputs per request")
        if body.get("encoding_format", "float") != "float":
            raise ValueError("only encoding_format 'float' is supported")
        return texts, str(body.get("model") or "")

    def _authorised(self) -> bool:
        key = self.server.api_key
        if not key:
            return True
        given = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if hmac.compare_digest(given.encode(), key.encode()):
            return True
        self._error(401, "missing or wrong API key (Authorization: Bearer KEY)")
        return False

    def _error(self, status: int, message: str) -> None:
        kind = "invalid_request_error" if status < 500 else "server_error"
        self._send(status, {"error": {"message": message, "type": kind, "code": status}})

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def cmd_embed_server(args: argparse.Namespace) -> int:
    from bot.backends.embedding import make_embedder
    from bot.config import Config

    config = Config.from_env()
    host = args.host or "127.0.0.1"
    api_key = args.api_key or config.embedder_api_key
    if host not in LOOPBACK and not api_key:
        raise BotError(f"refusing to serve embeddings on {host} without an API key: pass --api-key")
    if config.embedder == "openai":
        raise BotError("bot embed-server serves an in-process model: unset BOT_EMBEDDER=openai here")
    embedder = make_embedder(config)
    if not embedder.symmetric:
        # /v1/embeddings does not say whether an input is a question or a passage, and our
        # client would send questions embedded as passages: refuse rather than serve worse vectors.
        raise BotError(
            f"bot embed-server cannot serve {embedder.name}: it embeds questions and passages "
            "differently, which the /v1/embeddings protocol does not carry; embed in process instead"
        )
    server = EmbedServer((host, args.port), embedder, api_key)
    print(
        f"serving {embedder.name} (dim {embedder.dim}) at http://{host}:{args.port}/v1/embeddings",
        file=sys.stderr,
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0
