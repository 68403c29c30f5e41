"""Asking a running ``bot serve`` from the command line, over loopback (bot.ui.cli_server).

Why: a new process pays seconds of imports and model loads before ``bot ask`` answers; the server
has paid them. The CLI uses the server only when its record (bot.ui.discovery) is in this store,
the process is alive and answers within a short timeout, it serves this very store, and it answers
with this process's settings; it then says so in one line on stderr. Otherwise it says why and
works in-process. ``--local`` or ``BOT_CLI_SERVER=off`` skip it. Only ``http.client`` is imported
here, so a process that uses the server never imports chromadb or the models.

Writes go through the server for a second reason: it is the one process that may write the
embedded store while it runs (bot.ui.cli_server, bot.ui.cli_writes).
"""

from __future__ import annotations

import http.client
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import Config
from bot.index.ingest import IngestResult
from bot.types import Answer, BotError, Citation, Passage
from bot.ui.discovery import ServerRecord, differing_settings, pid_alive, read_record, remove_stale, store_key

if TYPE_CHECKING:
    from bot.feeds import FeedReport

STATUS_TIMEOUT = 2.0  # a live server answers /status at once (its own thread); a stopped one never
WORK_TIMEOUT = 600.0  # an answer on a loaded 2-core machine can take a minute


class ServerUnavailable(Exception):
    """The server could not be reached or stopped mid-request: the caller works in-process."""


class ServerClient:
    """Requests to one running server; each returns what the in-process call would, or None when
    the server stopped answering (said on stderr: the caller then works in-process). A user error
    (an empty question) is raised as BotError, as in-process."""

    def __init__(self, record: ServerRecord) -> None:
        self.record = record

    def status(self) -> dict[str, Any]:
        return self._call("GET", "/status", None, STATUS_TIMEOUT)

    def ask(self, question: str, as_of: date | None, no_llm: bool) -> tuple[Answer, str | None] | None:
        """The answer and, when the server's model could not load, why (as ``Bot.llm_error``)."""
        body = {"question": question, "as_of": as_of.isoformat() if as_of else None, "no_llm": no_llm}
        out = self._attempt("/ask", body)
        return None if out is None else (answer_from_dict(out["answer"]), out.get("llm_error"))

    def search(self, query: str, k: int | None, as_of: date | None) -> list[Passage] | None:
        body = {"query": query, "k": k, "as_of": as_of.isoformat() if as_of else None}
        out = self._attempt("/search", body)
        return None if out is None else [Passage(**p) for p in out["passages"]]

    def ingest(self, paths: list[Path], urls: list[str]) -> list[IngestResult] | None:
        """Paths go as absolute paths (the server has its own working folder); the results name
        them as they were given, as an in-process ingest does."""
        absolute = [str(p.absolute()) for p in paths]
        out = self._attempt("/ingest", {"paths": absolute, "urls": urls})
        if out is None:
            return None
        given = sorted(zip(absolute, (str(p) for p in paths), strict=True), key=lambda x: -len(x[0]))
        results = []
        for r in out["results"]:
            origin = str(r.get("origin", ""))
            for full, shown in given:
                if origin == full or origin.startswith(full + os.sep):
                    r["origin"] = shown + origin[len(full) :]
                    break
            results.append(IngestResult(**r))
        return results

    def remove(self, doc_id: str) -> bool | None:
        """Whether the document was there (and is gone now), as ``Bot.remove``."""
        out = self._attempt("/remove", {"doc_id": doc_id})
        return None if out is None else bool(out["removed"])

    def update_feed(self, url: str) -> FeedReport | None:
        """One followed feed updated by the server (one request a feed: each is printed as it
        ends, and none waits for every feed of a long list)."""
        out = self._attempt("/feeds/update", {"url": url})
        return None if out is None else feed_report_from_dict(out["report"])

    def _attempt(self, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return self._call("POST", path, body, WORK_TIMEOUT)
        except ServerUnavailable as exc:
            note(f"the bot serve on {self.record.where} stopped answering ({exc}); working here")
            return None

    def _call(self, method: str, path: str, body: dict[str, Any] | None, timeout: float) -> dict[str, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.record.port, timeout=timeout)
        try:
            data = json.dumps(body).encode("utf-8") if body is not None else None
            headers = {"Authorization": f"Bearer {self.record.token}", "Content-Type": "application/json"}
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            raise ServerUnavailable(f"{type(exc).__name__}: {exc}") from exc
        finally:
            conn.close()
        try:
            out: dict[str, Any] = json.loads(payload)
        except ValueError as exc:
            raise ServerUnavailable(f"not a JSON reply (HTTP {resp.status})") from exc
        if resp.status == 400:
            raise BotError(str(out.get("error")))  # the user's error, as the in-process call raises it
        if resp.status != 200:
            raise ServerUnavailable(f"HTTP {resp.status}: {out.get('error')}")
        return out


def answer_from_dict(data: dict[str, Any]) -> Answer:
    """An Answer from ``dataclasses.asdict`` of one (the server sends it whole)."""
    fields = dict(data)
    fields["citations"] = [
        Citation(c["n"], Passage(**c["passage"]), c["quote_start"], c["quote_end"]) for c in data["citations"]
    ]
    fields["passages"] = [Passage(**p) for p in data["passages"]]
    return Answer(**fields)


def feed_report_from_dict(data: dict[str, Any]) -> FeedReport:
    """A FeedReport from ``dataclasses.asdict`` of one."""
    from bot.feeds import FeedReport

    return FeedReport(**{**data, "results": [IngestResult(**r) for r in data["results"]]})


def find_server(config: Config, *, answers: bool, local: bool) -> ServerClient | None:
    """The running server to use for this store, or None (work in-process); one line on stderr
    says which, whenever a server is recorded here. ``answers`` False: the request reads no
    answer-model setting, so those may differ."""
    if local or config.cli_server == "off":
        return None
    record = read_record(config)
    if record is None:
        return None
    if not pid_alive(record.pid):
        remove_stale(config, record)
        note(f"the bot serve recorded for this store (pid {record.pid}) is not running; working here")
        return None
    if record.home != str(config.home.resolve()) or record.store != store_key(config):
        note(f"the bot serve on {record.where} serves another store than {config.home}; working here")
        return None
    differ = differing_settings(record, config, answers)
    if differ:
        note(f"the bot serve on {record.where} runs with other settings ({', '.join(differ)}); working here")
        return None
    client = ServerClient(record)
    try:
        client.status()
    except (ServerUnavailable, BotError) as exc:
        note(f"the bot serve on {record.where} did not answer ({exc}); working here")
        return None
    note(f"using the bot serve running on {record.where}; --local to work in this process")
    return client


def warn_if_server_misses_writes(
    config: Config, misses: str = "will not find what is ingested here", command: str = "ingest"
) -> None:
    """A write in this process while a server runs on the store: the server's vector index is in
    its memory, so it ``misses`` the write until it restarts. Say so. (Not with a Chroma server,
    which every process sees at once.)"""
    record = read_record(config)
    if record is not None and pid_alive(record.pid) and not config.chroma_url:
        note(
            f"warning: the bot serve on {record.where} {misses} until it restarts "
            f"(its vector index is in its memory); {command} without --local to go through it"
        )


def refuse_if_served(config: Config, command: str, why: str = "which rebuilds the store under it") -> None:
    """``command`` must not run beside a ``bot serve`` of the same store: ``reindex`` rebuilds the
    store under it (it would go on answering from the old one), and a second ``serve`` would be a
    second process writing the embedded Chroma store, which Chroma does not support. BotError while
    one runs, whatever ``--local`` says."""
    record = read_record(config)
    if record is not None and pid_alive(record.pid) and record.home == str(config.home.resolve()):
        raise BotError(
            f"a bot serve is running on this store ({record.where}): stop it before `bot {command}`, {why}"
        )


def note(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
