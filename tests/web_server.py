"""A real local HTTP server for the URL and feed tests (pytest-httpserver, threaded), and its pages.

Nothing is mocked: the bot's fetcher talks HTTP to 127.0.0.1. Slow and huge responses are streamed
by generators, so a 50 MB body costs the server one 64 KB block, not 50 MB of memory.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "evals" / "extraction"
LOOPBACK = "127.0.0.0/8,::1/128"


def page(name: str) -> str:
    return (PAGES / f"{name}.html").read_text(encoding="utf-8")


def serve_page(srv: HTTPServer, path: str, html: str, **headers: str) -> str:
    srv.expect_request(path).respond_with_data(html, content_type="text/html; charset=utf-8", headers=headers)
    return srv.url_for(path)


def slow(seconds: float, body: bytes = b"<html><body><p>late</p></body></html>") -> Response:
    time.sleep(seconds)
    return Response(body, content_type="text/html")


def endless(block_kb: int = 64, total_mb: int = 50, declare_length: bool = True) -> Response:
    """A ``total_mb`` body streamed from one reused block; optionally without Content-Length."""
    block = b"<p>" + b"x" * (block_kb * 1024 - 7) + b"</p>\n"
    count = total_mb * 1024 // block_kb

    def body() -> Iterator[bytes]:
        for _ in range(count):
            yield block

    headers = {"Content-Length": str(len(block) * count)} if declare_length else {}
    return Response(body(), content_type="text/html", headers=headers, direct_passthrough=True)


def handler(fn):  # type: ignore[no-untyped-def]
    """Adapt a no-argument response maker to pytest-httpserver's handler signature."""

    def run(_request: Request) -> Response:
        return fn()  # type: ignore[no-any-return]

    return run
