"""The loopback service ``bot serve`` runs for command-line processes of the same store.

Why: a new ``bot ask`` process spends seconds importing chromadb and loading the embedder and the
answer model before it works; the server has them loaded. So ``bot serve`` also listens on
127.0.0.1 (a port of its own, whatever ``--host`` the page uses), writes where in the store folder
(bot.ui.discovery), and ``bot ask``/``search``/``ingest``/``remove``/``feeds update`` send their
request here (bot.ui.cli_client, bot.ui.cli_writes).

Why ingests, removals and feed updates go through the server too, rather than the server
noticing the catalog changed: the embedded Chroma store keeps its vector index in the memory of the
process that opened it. A chunk another process adds is in the catalog and in Chroma's files, but
the server's dense search does not find it until it restarts (checked with chromadb 1.5: another
process's ``add`` shows in the server's ``count()`` but not in its ``query()``; a ``delete`` shows
in ``count()`` and ``get()``, while ``query()`` goes on returning the deleted id), and Chroma does
not support two processes writing one embedded store. Reopening the store before each answer would
cost the load this service exists to avoid. So the server is the one writer, and what a CLI
ingests or removes through it is what the next question sees.

Only a caller that can read the store folder has the bearer token (written 0600 beside the
store): such a caller could already read and write the store itself, so naming files to ingest
gives it nothing new. Nothing here is reachable from another machine.
"""

from __future__ import annotations

import dataclasses
import hmac
import json
import logging
import threading
from datetime import date
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.types import BotError
from bot.ui.discovery import ServerRecord, remove_record, write_record

if TYPE_CHECKING:
    from bot.answering.answerer import Answerer
    from bot.service import Bot

log = logging.getLogger(__name__)

MAX_BODY = 1 << 20  # a question, a query or a list of paths; never a document's text
PROTOCOL = 1


class CliService:
    """The operations a CLI process may ask for, on the server's loaded ``Bot``."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.record: ServerRecord | None = None
        self.writes_warm = threading.Event()  # set once the ingest path is loaded (benchmarks wait)
        self._http: ThreadingHTTPServer | None = None

    def start(self, page: str) -> CliService:
        """Listen on a free loopback port in a background thread and write the discovery record
        (``page``: the web chat's address, which the CLI names)."""
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._http.daemon_threads = True
        threading.Thread(target=self._http.serve_forever, name="cli-service", daemon=True).start()
        self.record = write_record(self.bot.config, self._http.server_address[1], page)
        threading.Thread(target=self._warm_writes, name="cli-service-warm", daemon=True).start()
        return self

    def _warm_writes(self) -> None:
        """Load what the first ingest would (llama-index and its sentence tokenizer: ~3 s), so a
        CLI ingest right after start is as fast as later ones. Queries never need them, which is
        why ``bot serve`` does not wait for them."""
        from bot.types import Article

        try:
            config = self.bot.config
            self.bot.indexer.chunker(
                # longer than a chunk, so the splitter reaches its sentence tokenizer (nltk)
                Article("A sentence to warm up with. " * 200, "", "warm-up"),
                config.chunk_size,
                config.chunk_overlap,
            )
        except Exception:  # only a head start: the ingest itself reports what is wrong
            log.debug("warming the ingest path failed", exc_info=True)
        finally:
            self.writes_warm.set()

    def stop(self) -> None:
        """Remove the record first (no new client comes), then stop listening."""
        if self.record is not None:
            remove_record(self.bot.config, self.record)
            self.record = None
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None

    # --- operations (JSON in, JSON out) -----------------------------------------------------------
    def status(self) -> dict[str, Any]:
        home = str(self.bot.config.home.resolve())
        return {"protocol": PROTOCOL, "home": home, "writes_warm": self.writes_warm.is_set()}

    def ask(self, body: dict[str, Any]) -> dict[str, Any]:
        as_of = _date(body.get("as_of"))
        question = str(body.get("question", ""))
        if body.get("no_llm"):
            answer = self._extractive.ask(question, None, as_of)
            return {"answer": dataclasses.asdict(answer), "llm_error": None}
        answer = self.bot.ask(question, as_of=as_of)
        return {"answer": dataclasses.asdict(answer), "llm_error": self.bot.llm_error}

    def search(self, body: dict[str, Any]) -> dict[str, Any]:
        k = body.get("k")
        found = self.bot.search(
            str(body.get("query", "")), k=int(k) if k else None, as_of=_date(body.get("as_of"))
        )
        return {"passages": [dataclasses.asdict(p) for p in found.passages]}

    def ingest(self, body: dict[str, Any]) -> dict[str, Any]:
        paths = [Path(p) for p in body.get("paths") or []]
        if not all(p.is_absolute() for p in paths):
            raise BotError("paths sent to the server must be absolute")
        urls = [str(u) for u in body.get("urls") or []]
        results = self.bot.ingest(paths) if paths else []
        results += self.bot.ingest_urls(urls) if urls else []
        return {"results": [r.to_dict() for r in results]}

    def remove(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"removed": self.bot.remove(str(body.get("doc_id", "")))}

    def update_feed(self, body: dict[str, Any]) -> dict[str, Any]:
        """One followed feed (the CLI read the list; one dropped since is reported, not raised)."""
        from bot import feeds

        url = str(body.get("url", ""))
        record = next((f for f in self.bot.catalog.feeds() if f.url == url), None)
        if record is None:
            report = feeds.FeedReport(url, status="failed", reason="not followed any more")
        else:
            report = feeds.update_feed(self.bot, record)
        return {"report": dataclasses.asdict(report)}

    @cached_property
    def _extractive(self) -> Answerer:
        """``bot ask --no-llm``: the same retrieval and checks, quotes instead of the model."""
        from bot.answering.answerer import Answerer

        return Answerer(self.bot.config, self.bot.retriever, None, self.bot.embedder)


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise BotError(f"not a date in YYYY-MM-DD form: {value!r}") from exc


def _handler_for(service: CliService) -> type[BaseHTTPRequestHandler]:
    routes = {
        "/ask": service.ask,
        "/search": service.search,
        "/ingest": service.ingest,
        "/remove": service.remove,
        "/feeds/update": service.update_feed,
    }

    class Handler(BaseHTTPRequestHandler):
        timeout = 30  # a client that connects and sends nothing does not hold a thread for ever

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self._authorised():
                if self.path == "/status":
                    self._reply(200, service.status())
                else:
                    self._reply(404, {"error": f"no such path {self.path}"})

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            if not self._authorised():
                return
            operation = routes.get(self.path)
            if operation is None:
                self._reply(404, {"error": f"no such path {self.path}"})
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
                if not 0 < length <= MAX_BODY:
                    raise ValueError(f"a body of 1 to {MAX_BODY} bytes is expected")
                body = json.loads(self.rfile.read(length))
                if not isinstance(body, dict):
                    raise ValueError("the body must be a JSON object")
            except ValueError as exc:
                self._reply(400, {"error": f"bad request: {exc}"})
                return
            try:
                self._reply(200, operation(body))
            except BotError as exc:
                self._reply(400, {"error": str(exc)})
            except Exception as exc:  # a bug: logged in full here, one line for the CLI
                log.exception("CLI request %s failed", self.path)
                self._reply(500, {"error": f"unexpected {type(exc).__name__} in the server: {exc}"})

        def _authorised(self) -> bool:
            record = service.record
            given = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            if record is not None and hmac.compare_digest(given.encode(), record.token.encode()):
                return True
            self._reply(401, {"error": "missing or wrong token"})
            return False

        def _reply(self, status: int, data: dict[str, Any]) -> None:
            body = json.dumps(data, ensure_ascii=False, default=float).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
            return  # the page's server logs nothing per request either

    return Handler
