"""Scale-out with real servers: the bot on a PostgreSQL catalog, and `bot ingest --workers N` over a
Chroma server giving the same store as one worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.index.catalog import StoreError, open_catalog
from bot.index.ingest import IngestResult
from bot.index.parallel import check_parallel_store, ingest_in_workers, merge_reports
from bot.service import Bot
from bot.types import BotError
from tests.conftest import CORPUS, NOVEMBER_NAMES, make_config
from tests.test_chroma_server import chroma_server, server_count  # noqa: F401 - the fixture
from tests.test_reliability import synthetic_articles

ROOT = Path(__file__).resolve().parents[1]
NOVEMBER = "Who was released in November 2023?"


def cli(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    full.update({"BOT_LLM": "none", **env})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_merge_reports_keeps_the_worker_that_did_the_work() -> None:
    reports = [
        IngestResult("a.txt", "skipped", "a", reason="another worker is ingesting it"),
        IngestResult("b.txt", "unchanged", "b"),
        IngestResult("bad.bin", "failed", reason="unsupported"),
        IngestResult("a.txt", "added", "a", chunks=3),
        IngestResult("b.txt", "unchanged", "b"),
        IngestResult("bad.bin", "failed", reason="unsupported"),
    ]
    merged = merge_reports(reports)
    assert [(r.doc_id or r.origin, r.status) for r in merged] == [
        ("a", "added"),
        ("b", "unchanged"),
        ("bad.bin", "failed"),
    ]


def test_workers_need_a_shared_vector_store(tmp_path: Path) -> None:
    with pytest.raises(BotError, match="BOT_CHROMA_URL"):
        check_parallel_store(make_config(tmp_path), 2)
    check_parallel_store(make_config(tmp_path), 1)  # one worker: embedded is fine


@pytest.mark.slow
def test_the_bot_on_a_postgres_catalog(pg_url: str, tmp_path: Path) -> None:
    config = make_config(tmp_path / "home", catalog_url=pg_url)
    extra = tmp_path / "docs"
    extra.mkdir()
    (extra / "harbour.txt").write_text(
        "Harbour council backs railway budget\n"
        "OSLO, March 3, 2024. /Wire/. The harbour council voted to double the railway budget on Monday.\n"
    )
    bot = Bot(config, llm=None)
    results = bot.ingest([CORPUS, extra])
    assert [r.status for r in results] == ["added", "added"]
    assert not config.catalog_path.exists(), "the catalog went to SQLite, not Postgres"
    n_docs, n_chunks = bot.catalog.count()
    assert (n_docs, n_chunks) == (2, sum(r.chunks for r in results)) and bot.vectors.count() == n_chunks
    found = bot.search(NOVEMBER, k=3)
    assert "November 2023" in found.passages[0].text
    answer = bot.ask(NOVEMBER)
    assert all(name in answer.text for name in NOVEMBER_NAMES[:2]), answer.text
    for c in answer.citations:
        text = bot.catalog.text(c.passage.doc_id)
        assert text is not None and text[c.passage.start : c.passage.end] == c.passage.text
    assert [r.status for r in bot.ingest([CORPUS])] == ["unchanged"]
    assert bot.search("harbour council railway budget", k=1).passages[0].doc_id == results[1].doc_id
    assert bot.remove(results[1].doc_id)
    assert bot.catalog.count() == (1, n_chunks - results[1].chunks)
    bot.catalog.close()
    # The shared catalog records the store's identity.
    with pytest.raises(StoreError, match=r"`bot --home .+ reindex`"):
        Bot(config.with_(chunk_size=96, chunk_overlap=16), llm=None).search(NOVEMBER)
    proc = cli("docs", "--json", env={"BOT_HOME": str(config.home), "BOT_CATALOG_URL": pg_url})
    assert proc.returncode == 0, proc.stderr
    assert [d["doc_id"] for d in json.loads(proc.stdout)] == [results[0].doc_id]


def store_state(config_home: Path, catalog_url: str, chroma_url: str, collection: str) -> dict[str, object]:
    config = make_config(config_home, catalog_url=catalog_url, chroma_url=chroma_url, collection=collection)
    cat = open_catalog(config)
    try:
        return {
            "docs": sorted((d.doc_id, d.content_hash, d.n_chunks) for d in cat.docs()),
            "chunks": sorted(cat.chunk_ids()),
            "vectors": server_count(chroma_url, collection),
            "writing": cat.writing(),
        }
    finally:
        cat.close()


@pytest.mark.slow
def test_parallel_ingest_equals_one_worker(
    chroma_server: str,  # noqa: F811 - the imported fixture
    catalog_url: str,
    tmp_path: Path,
) -> None:
    folder = synthetic_articles(tmp_path / "articles", 40, sentences=(3, 8))
    one = {"BOT_HOME": str(tmp_path / "one"), "BOT_CHROMA_URL": chroma_server, "BOT_COLLECTION": "one"}
    proc = cli("ingest", str(folder), "--json", env=one)
    assert proc.returncode == 0, proc.stderr
    three = {"BOT_HOME": str(tmp_path / "three"), "BOT_CHROMA_URL": chroma_server, "BOT_COLLECTION": "three"}
    if catalog_url:
        three["BOT_CATALOG_URL"] = catalog_url
    config = make_config(
        tmp_path / "three", chroma_url=chroma_server, collection="three", catalog_url=catalog_url
    )
    reports = ingest_in_workers(config, [folder], 3)  # the workers get this config, not the environment's
    assert sorted(r.doc_id for r in reports) == [f"article-{i:04d}" for i in range(40)]
    assert {r.status for r in reports} == {"added"}

    a = store_state(tmp_path / "one", "", chroma_server, "one")
    b = store_state(tmp_path / "three", catalog_url, chroma_server, "three")
    assert a == b
    assert b["vectors"] == len(b["chunks"]) > 40 and b["writing"] == []  # type: ignore[arg-type]
    # Run again: every worker finds every document current.
    proc = cli("ingest", str(folder), "--json", "--workers", "2", env=three)
    assert proc.returncode == 0, proc.stderr
    assert {json.loads(line)["status"] for line in proc.stdout.splitlines()} == {"unchanged"}


def test_reindex_says_it_needs_a_sqlite_catalog(tmp_path: Path) -> None:
    from bot.index.reindex import reindex

    config = make_config(tmp_path / "home", catalog_url="postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreError, match="re-ingest the originals into a new database"):
        reindex(config)


@pytest.mark.slow
def test_a_replica_outlives_a_database_restart(tmp_path: Path) -> None:
    from tests.postgres_server import PostgresServer, postgres_bin

    bin_dir = postgres_bin()
    assert bin_dir is not None
    server = PostgresServer(bin_dir)  # its own server: the session's must not restart under others
    server.start()
    try:
        bot = Bot(make_config(tmp_path / "home", catalog_url=server.new_database("restart")), llm=None)
        bot.ingest([CORPUS])
        assert "November 2023" in bot.search(NOVEMBER, k=1).passages[0].text
        server.halt()
        server.launch()
        assert "November 2023" in bot.search(NOVEMBER, k=1).passages[0].text  # a new session, same answer
        assert [r.status for r in bot.ingest([CORPUS])] == ["unchanged"]
        bot.catalog.close()
    finally:
        server.stop()
