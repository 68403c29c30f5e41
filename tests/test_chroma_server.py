"""Scale-out: the same bot against a real Chroma server (`chroma run`) instead of the embedded store.

One server per module, started on a free loopback port in a temp dir and killed at the end; each
test uses its own collection (and its own BOT_HOME for the catalog and originals), so tests do
not see each other's vectors.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Config
from bot.index.catalog import StoreError
from bot.index.reindex import reindex
from bot.service import Bot
from tests.conftest import CORPUS, NOVEMBER_NAMES, make_config

ROOT = Path(__file__).resolve().parents[1]
NOVEMBER = "Who was released in November 2023?"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chroma_cli() -> str:
    candidate = Path(sys.executable).with_name("chroma")
    if candidate.exists():
        return str(candidate)
    pytest.fail("the `chroma` command (from the chromadb package) is not installed next to this Python")


def wait_for_heartbeat(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            pytest.fail(f"chroma run exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as resp:
                if resp.status == 200:
                    return time.monotonic() - t0
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"chroma run did not answer its heartbeat within {timeout}s: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``http://127.0.0.1:<port>`` of a `chroma run` server with its data in a temp dir."""
    base = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = base / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [chroma_cli(), "run", "--path", str(base / "data"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
    url = f"http://127.0.0.1:{port}"
    try:
        started = wait_for_heartbeat(url, proc, log)
        print(f"chroma server up in {started:.1f}s on {url}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def server_config(tmp_path: Path, url: str, collection: str, **overrides: object) -> Config:
    return make_config(tmp_path / "home", chroma_url=url, collection=collection, **overrides)


def server_count(url: str, collection: str) -> int:
    import chromadb

    host, port = url.removeprefix("http://").split(":")
    client = chromadb.HttpClient(host=host, port=int(port))
    return int(client.get_collection(collection).count())


def server_collections(url: str) -> dict[str, int]:
    import chromadb

    host, port = url.removeprefix("http://").split(":")
    client = chromadb.HttpClient(host=host, port=int(port))
    return {c.name: int(c.count()) for c in client.list_collections()}


@pytest.mark.slow
def test_ingest_ask_search_remove_against_a_chroma_server(
    chroma_server: str, tmp_path: Path, no_network: list[tuple[object, ...]]
) -> None:
    config = server_config(tmp_path, chroma_server, "ingest-ask-remove")
    extra = tmp_path / "docs"
    extra.mkdir()
    (extra / "harbour.txt").write_text(
        "Harbour council backs railway budget\n"
        "OSLO, March 3, 2024. /Wire/. The harbour council voted to double the railway budget on Monday.\n"
    )
    bot = Bot(config, llm=None)
    results = bot.ingest([CORPUS, extra])
    assert [r.status for r in results] == ["added", "added"]
    n_docs, n_chunks = bot.catalog.count()
    assert n_docs == 2 and n_chunks == sum(r.chunks for r in results)
    assert server_count(chroma_server, config.collection) == n_chunks
    assert not (config.home / "chroma").exists(), "vectors went to the embedded store, not the server"

    found = bot.search(NOVEMBER, k=3)
    assert "November 2023" in found.passages[0].text
    answer = bot.ask(NOVEMBER)
    assert not answer.refused
    assert all(name in answer.text for name in NOVEMBER_NAMES)
    assert any("November 2023" in c.passage.text for c in answer.citations)

    assert bot.ingest([CORPUS])[0].status == "unchanged"  # idempotent against the server too
    assert server_count(chroma_server, config.collection) == n_chunks

    doc_id = results[1].doc_id
    assert bot.remove(doc_id)
    assert server_count(chroma_server, config.collection) == n_chunks - results[1].chunks
    assert bot.catalog.count() == (1, n_chunks - results[1].chunks)
    found = bot.search("harbour council railway budget", k=5)
    assert all(p.doc_id != doc_id for p in found.passages)
    assert no_network == []  # only the loopback server was contacted


@pytest.mark.slow
def test_cli_against_a_chroma_server(chroma_server: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(
        {
            "BOT_HOME": str(tmp_path / "home"),
            "BOT_CHROMA_URL": chroma_server,
            "BOT_COLLECTION": "cli",
            "BOT_LLM": "none",
        }
    )

    def bot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert bot("ingest", str(CORPUS)).returncode == 0
    proc = bot("ask", "--json", NOVEMBER)
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert any("November 2023" in c["text"] for c in answer["citations"])
    proc = bot("search", "--json", "-k", "2", NOVEMBER)
    assert "November 2023" in json.loads(proc.stdout)[0]["text"]
    doc_id = json.loads(bot("docs", "--json").stdout)[0]["doc_id"]
    assert bot("remove", doc_id).returncode == 0
    assert server_count(chroma_server, "cli") == 0
    assert json.loads(bot("docs", "--json").stdout) == []


@pytest.mark.slow
def test_reindex_against_a_chroma_server_swaps_collections(chroma_server: str, tmp_path: Path) -> None:
    config = server_config(tmp_path, chroma_server, "reindexed")
    bot = Bot(config, llm=None)
    bot.ingest([CORPUS])
    before = [(p.doc_id, p.start, p.end) for p in bot.search(NOVEMBER, k=4).passages]
    built = bot.catalog.count()[1]
    bot.catalog.close()

    changed = config.with_(chunk_size=96, chunk_overlap=16)
    with pytest.raises(StoreError, match=r"`bot --home .+ reindex`"):
        Bot(changed, llm=None).search(NOVEMBER)
    report = reindex(changed)

    collections = server_collections(chroma_server)
    assert collections["reindexed"] == report.chunks > len(before)
    old = [name for name in collections if name.startswith("reindexed-old-")]
    assert len(old) == 1 and collections[old[0]] == built  # the previous vectors are kept
    assert not [name for name in collections if "-reindex-" in name]  # no temp collection left
    bot = Bot(changed, llm=None)
    found = bot.search(NOVEMBER, k=3)
    assert "November 2023" in found.passages[0].text
    assert bot.catalog.count() == (1, report.chunks)
    bot.catalog.close()


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    config = make_config(tmp_path / "home", chroma_url=f"http://127.0.0.1:{free_port()}")
    t0 = time.monotonic()
    with pytest.raises(StoreError, match="cannot reach the Chroma server"):
        Bot(config, llm=None).search(NOVEMBER)
    assert time.monotonic() - t0 < 30
