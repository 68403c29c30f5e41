"""`bot remove`, `bot feeds` and `bot reindex` beside a real running `bot serve` on the same store.

The embedded Chroma store keeps its vector index in the serving process's memory, and Chroma does
not support a second process writing it (bot/ui/cli_server.py), so every write a CLI process
makes while a server runs goes through the server, and `bot reindex` refuses. These tests start a
real `bot serve` process (real embedder, no answer model) and run the commands as new processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.conftest import ROOT
from tests.web_server import LOOPBACK

HARBOUR = (
    "---\nid: harbour\ntitle: Harbour council backs railway budget\npublished: 2025-03-03\n---\n"
    "The Eastport harbour council voted on 3 March 2025 to back a budget for the coastal railway. "
    "The council is chaired by Mirela Vostok, who proposed the budget.\n"
)
ORCHARD = (
    "---\nid: orchard\ntitle: Orchard growers report record apple harvest\npublished: 2025-03-04\n---\n"
    "Growers in the Vale of Brenmoor picked a record apple harvest this autumn, the growers' "
    "association said on 4 March 2025, after a mild spring and a dry summer.\n"
)
USED = "using the bot serve running on http://127.0.0.1:"


@dataclass
class Served:
    """A running `bot serve` and a way to run `bot` CLI processes on its store."""

    home: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes]

    def bot(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def found(self, query: str) -> list[str]:
        """The doc ids `bot search` returns (through the server: checked on stderr)."""
        done = self.bot("search", "--json", "-k", "5", query)
        assert done.returncode == 0 and USED in done.stderr, done.stderr
        return [p["doc_id"] for p in json.loads(done.stdout)]


def start_serve(tmp_path: Path, extra_env: dict[str, str] | None = None) -> Served:
    """A `bot serve` on a new store holding the two articles; returns once its CLI record exists."""
    from tests.test_app import free_port

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "harbour.md").write_text(HARBOUR, encoding="utf-8")
    (folder / "orchard.md").write_text(ORCHARD, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update({"BOT_HOME": str(tmp_path / "home"), "BOT_LLM": "none", "BOT_THREADS": "1"})
    env.update(extra_env or {})
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(free_port()), "--ingest", str(folder)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    record = tmp_path / "home" / "serve.json"
    deadline = time.monotonic() + 240
    while not record.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("bot serve did not start: " + log.read_text()[-2000:])
        time.sleep(0.5)
    return Served(tmp_path / "home", env, proc)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    running = start_serve(tmp_path)
    try:
        yield running
    finally:
        running.proc.terminate()
        running.proc.wait(timeout=60)


@pytest.mark.slow
def test_remove_goes_through_the_running_server_and_reindex_refuses(served: Served) -> None:
    assert served.found("Eastport harbour council railway budget")[0] == "harbour"
    done = served.bot("remove", "harbour")
    assert done.returncode == 0 and done.stdout == "removed: harbour\n" and USED in done.stderr, done.stderr
    assert "harbour" not in served.found("Eastport harbour council railway budget")
    assert served.found("record apple harvest")[0] == "orchard"
    # An unknown id is the in-process command's error line, and the exit status.
    done = served.bot("remove", "harbour")
    assert done.returncode == 1 and USED in done.stderr and done.stdout == ""
    assert done.stderr.splitlines()[-1] == "error: no document 'harbour' (see `bot docs`)"
    # --local works here and says what the server keeps.
    done = served.bot("remove", "--local", "orchard")
    assert done.returncode == 0 and done.stdout == "removed: orchard\n" and USED not in done.stderr
    assert "keeps the removed documents' vectors in its searches until it restarts" in done.stderr
    # A rebuild under the server is refused, and nothing is rebuilt.
    done = served.bot("reindex")
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stderr.startswith("error: a bot serve is running on this store (http://127.0.0.1:")
    assert "stop it before `bot reindex`" in done.stderr
    assert not list(served.home.parent.glob("home.old-*"))
    # So is a second server on the same store (the first stays the one the CLI talks to).
    from tests.test_app import free_port

    done = served.bot("serve", "--port", str(free_port()))
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, done.stderr
    assert "stop it before `bot serve`, or open its page" in done.stderr
    assert json.loads((served.home / "serve.json").read_text())["pid"] == served.proc.pid
    assert served.proc.poll() is None


GALE_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Island Post</title><link>{base}/</link><description>News</description>
<item><title>Gale closes ferry routes</title><link>{base}/news/gale</link><guid>island-1</guid>
  <pubDate>Wed, 05 Mar 2025 09:00:00 +0000</pubDate>
  <description>A severe gale closed every ferry route to the islands on Wednesday, the operator said.</description>
</item></channel></rss>"""
# Shares no word with the item: only the server's dense (vector) search can find it.
GALE_QUERY = "windstorm halts boat crossings"


@pytest.mark.slow
def test_feeds_update_from_the_cli_is_found_by_the_running_server(web: HTTPServer, tmp_path: Path) -> None:
    base = web.url_for("").rstrip("/")
    web.expect_request("/gale.xml").respond_with_data(
        GALE_FEED.format(base=base), content_type="application/rss+xml"
    )
    web.expect_request("/news/gale").respond_with_data("gone", status=404)  # -> the feed's own text
    served = start_serve(tmp_path, {"BOT_FETCH_ALLOW_NETWORKS": LOOPBACK, "BOT_FETCH_TIMEOUT": "5"})
    try:
        done = served.bot("feeds", "add", f"{base}/gale.xml")
        assert done.returncode == 0 and "following: Island Post (1 items now)" in done.stdout, done.stderr
        done = served.bot("feeds", "update", "--json")
        assert done.returncode == 0 and USED in done.stderr, done.stderr
        assert "Island Post" in done.stderr and "1 new, 1 of them from the feed's own text" in done.stderr
        (item,) = [json.loads(line) for line in done.stdout.splitlines()]
        assert item["status"] == "added" and item["feed"] == f"{base}/gale.xml", item
        assert served.found(GALE_QUERY)[0] == item["doc_id"]  # the server's vectors have it
        done = served.bot("feeds", "update")  # printed as in-process: the summary on stdout
        assert done.returncode == 0 and USED in done.stderr and "1 already seen" in done.stdout, done.stdout
    finally:
        served.proc.terminate()
        served.proc.wait(timeout=60)
