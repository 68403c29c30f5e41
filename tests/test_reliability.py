"""Reliability: kill -9 during ingest, corrupt / locked / old / unwritable stores, and `bot reindex`.

Every test builds its own store in a temp dir (the session corpus store is never touched), real
embedder, real embedded Chroma. Fault tests run the CLI in subprocesses, the way a user hits them:
exit code 1, one line on stderr, no traceback, within a bounded time.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.backends.embedding import Embedder
from bot.config import Config
from bot.index.catalog import StoreError
from bot.index.records import store_identity
from bot.index.reindex import reindex
from bot.index.vectors import forget_embedded
from bot.service import Bot
from tests.conftest import CORPUS, NOVEMBER_NAMES, make_config

# Fault injection and fuzzing take minutes: part of CI, not of the edit-test loop (make test-fast).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BOT = [sys.executable, "-m", "bot"]
QUESTIONS = [
    "Who was released in November 2023?",
    "When did Abu Marzouk arrive in Moscow?",
    "What did the harbour council decide about the railway budget?",
    "Which festival was cancelled because of the drought in Lima?",
    "What did the court in Oslo rule about the satellite?",
]
_WORDS = [
    "minister",
    "council",
    "harbour",
    "railway",
    "budget",
    "election",
    "festival",
    "drought",
    "vaccine",
    "summit",
    "treaty",
    "border",
    "strike",
    "court",
    "bank",
    "inflation",
    "storm",
    "satellite",
    "museum",
    "orchestra",
]
_PLACES = ["LONDON", "PARIS", "NAIROBI", "LIMA", "OSAKA", "OSLO"]


# --- helpers ----------------------------------------------------------------------------------------
def synthetic_articles(folder: Path, n: int, sentences: tuple[int, int] = (3, 4), seed: int = 7) -> Path:
    """``n`` small dated news articles (plain text with a dateline), deterministic."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        body = []
        for j in range(rng.randint(*sentences)):
            w = rng.sample(_WORDS, 5)
            body.append(
                f"The {w[0]} and the {w[1]} met on day {i}-{j} to discuss the {w[2]}, "
                f"officials from the {w[3]} office said, adding that the {w[4]} would follow."
            )
        place = rng.choice(_PLACES)
        text = f"Synthetic report {i:04d}\n{place}, March {1 + i % 28}, 2024. /Wire/. " + " ".join(body)
        (folder / f"article-{i:04d}.txt").write_text(text + "\n", encoding="utf-8")
    return folder


def mixed_formats(folder: Path) -> Path:
    """A few documents in every text format ingest accepts, with answerable facts."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "harbour.txt").write_text(
        "Harbour council backs railway budget\n"
        "OSLO, March 3, 2024. /Wire/. The harbour council voted to double the railway budget on Monday. "
        "Council leader Ingrid Dahl said the vote was 31 to 4.\n",
        encoding="utf-8",
    )
    (folder / "festival.html").write_text(
        "<html lang='en'><head><title>Lima festival cancelled</title>"
        "<meta property='article:published_time' content='2024-02-01'><script>alert(1)</script></head>"
        "<body><h1>Lima festival cancelled</h1><p>The summer music festival in Lima was cancelled "
        "because of the drought, organisers said.</p><p>Water rationing starts on February 5.</p>"
        "</body></html>",
        encoding="utf-8",
    )
    records = [
        {
            "id": "court-oslo",
            "title": "Oslo court rules on satellite",
            "text": "The district court in Oslo ruled that the satellite operator must pay 2 million kroner.",
            "published": "2024-01-15",
            "url": "https://example.org/court-oslo",
            "source": "Example News",
            "authors": ["A. Writer"],
        },
        {
            "id": "vaccine-nairobi",
            "title": "Nairobi vaccine drive",
            "text": "NAIROBI, January 9. /Wire/. Health officials in Nairobi began a vaccine drive in 2024.",
            "published": "2024-01-09",
            "url": "",
            "source": "Wire",
            "authors": [],
        },
    ]
    with (folder / "bulk.jsonl").open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")
    return folder


def run_bot(*args: str, home: Path, timeout: float = 120, env: dict[str, str] | None = None) -> Any:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    full_env.update({"BOT_HOME": str(home), "BOT_LLM": "none", **(env or {})})
    return subprocess.run(
        [*BOT, *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout
    )


def assert_clean_error(proc: Any, *needles: str) -> str:
    """Exit 1 and one line on stderr that names the problem; never a traceback."""
    err = proc.stderr.strip()
    assert proc.returncode == 1, (proc.returncode, proc.stdout, err)
    assert "Traceback" not in err, err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: "), err
    for needle in needles:
        assert needle.lower() in err.lower(), err
    return err


def chroma_state(config: Config) -> tuple[list[str], set[str]]:
    """(every vector id, every doc_id in the vectors' metadata), read with a client closed afterwards."""
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(
        path=str(config.chroma_dir), settings=Settings(anonymized_telemetry=False)
    )
    try:
        col = client.get_collection(config.collection)
        got = col.get(include=["metadatas"])
        return list(got["ids"]), {str(m["doc_id"]) for m in got["metadatas"] or []}
    finally:
        client.close()  # type: ignore[attr-defined]  # chromadb >= 1.1


def catalog_state(config: Config) -> dict[str, Any]:
    if config.catalog_url:
        from bot.index.catalog_postgres import PostgresCatalog

        cat = PostgresCatalog(config.catalog_url)
        try:
            ids = cat.chunk_ids()  # the tsvector lives in the chunk row: one keyword entry per chunk
            return {"docs": {d.doc_id: d.n_chunks for d in cat.docs()}, "chunk_ids": ids, "fts_rows": len(ids),
                    "pending": cat.writing()}  # fmt: skip
        finally:
            cat.close()
    db = sqlite3.connect(f"{config.catalog_path.as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        legacy = db.execute("SELECT value FROM meta WHERE key='pending'").fetchone() or ["[]"]
        return {
            "docs": {r[0]: r[1] for r in db.execute("SELECT doc_id, n_chunks FROM docs")},
            "chunk_ids": [r[0] for r in db.execute("SELECT chunk_id FROM chunks")],
            "fts_rows": db.execute("SELECT COUNT(*) FROM chunks_fts").fetchone()[0],
            "pending": json.loads(legacy[0])
            + [r[0] for r in db.execute("SELECT doc_id FROM claims WHERE writing=1")],
        }
    finally:
        db.close()


def assert_consistent(config: Config) -> dict[str, Any]:
    """No duplicate and no orphan chunks: Chroma, the chunk rows and the documents agree exactly."""
    cat = catalog_state(config)
    ids, vector_docs = chroma_state(config)
    assert len(ids) == len(set(ids)), "duplicate vector ids"
    assert len(cat["chunk_ids"]) == len(set(cat["chunk_ids"]))
    assert len(ids) == sum(cat["docs"].values()) == len(cat["chunk_ids"]) == cat["fts_rows"], (
        len(ids),
        sum(cat["docs"].values()),
        len(cat["chunk_ids"]),
        cat["fts_rows"],
    )
    assert set(ids) == set(cat["chunk_ids"]), "vectors and catalog chunks differ"
    assert vector_docs <= set(cat["docs"]), f"orphan vectors of {sorted(vector_docs - set(cat['docs']))[:5]}"
    assert cat["pending"] == []
    return cat


def snapshot(bot: Bot) -> dict[str, Any]:
    """What a user sees: search results and extractive answers with their citations."""
    out: dict[str, Any] = {}
    for q in QUESTIONS:
        found = bot.search(q, k=5)
        out[q] = {
            "search": [(p.doc_id, p.start, p.end, p.text, round(p.score, 2)) for p in found.passages],
            "answer": _answer_view(bot.ask(q)),
        }
    return out


def _answer_view(answer: Any) -> dict[str, Any]:
    return {
        "text": answer.text,
        "refused": answer.refused,
        "citations": [
            (c.n, c.passage.doc_id, c.passage.start, c.passage.end, c.quote_start, c.quote_end)
            for c in answer.citations
        ],
    }


def _strip_scores(snap: dict[str, Any]) -> dict[str, Any]:
    return {q: {**v, "search": [row[:4] for row in v["search"]]} for q, v in snap.items()}


def _close(bot: Bot) -> None:
    """Close the catalog and drop chromadb's per-process client cache, as a process exit would."""
    if "catalog" in bot.__dict__:
        bot.catalog.close()
    forget_embedded(bot.config.chroma_dir)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Config]:
    """A store with the bundled corpus and a few documents in every format (one per test)."""
    config = make_config(tmp_path / "home")
    bot = Bot(config, llm=None)
    results = bot.ingest([CORPUS, mixed_formats(tmp_path / "docs")])
    assert [r.status for r in results].count("added") == 5, results
    _close(bot)
    yield config


# --- bot reindex ------------------------------------------------------------------------------------
def test_reindex_gives_the_same_answers_and_citations(store: Config) -> None:
    before_bot = Bot(store, llm=None)
    before = snapshot(before_bot)
    nov = before["Who was released in November 2023?"]
    assert all(name in nov["answer"]["text"] for name in NOVEMBER_NAMES[:2]), nov
    docs_before = {d.doc_id: d for d in before_bot.docs()}
    originals_before = sorted(
        p.relative_to(store.home) for p in store.originals_dir.rglob("*") if p.is_file()
    )
    _close(before_bot)

    report = reindex(store)

    assert report.source == "catalog"
    assert (report.expected, report.rebuilt, report.missing, report.failed) == (5, 5, [], [])
    assert report.backup is not None and (report.backup / "catalog.sqlite").is_file()
    after_bot = Bot(store, llm=None)
    after = snapshot(after_bot)
    assert _strip_scores(after) == _strip_scores(before)
    for q in QUESTIONS:  # same vectors: same scores up to float noise of a different batch order
        for a, b in zip(after[q]["search"], before[q]["search"], strict=True):
            assert a[4] == pytest.approx(b[4], abs=0.011)
    docs_after = {d.doc_id: d for d in after_bot.docs()}
    assert docs_after.keys() == docs_before.keys()
    for doc_id, d in docs_before.items():  # same record: same content hash, origin and original
        assert docs_after[doc_id].to_dict() == d.to_dict()
    originals_after = sorted(p.relative_to(store.home) for p in store.originals_dir.rglob("*") if p.is_file())
    assert originals_after == originals_before
    assert_consistent(store)
    _close(after_bot)
    assert not list(store.home.parent.glob(".home.reindex-*")), "temp folder left behind"


def test_chunking_change_is_refused_until_reindex(store: Config) -> None:
    old_chunks = catalog_state(store)["chunk_ids"]
    changed = store.with_(chunk_size=96, chunk_overlap=16)
    with pytest.raises(StoreError, match=r"`bot --home .+ reindex`"):
        Bot(changed, llm=None).search("Who was released in November 2023?")

    report = reindex(changed)

    assert report.rebuilt == 5 and report.chunks > len(old_chunks)
    bot = Bot(changed, llm=None)
    assert bot.catalog.get_meta("identity") == store_identity(changed, bot.embedder)
    assert "chunks=96/16" in report.identity
    found = bot.search("Who was released in November 2023?", k=3)
    assert any("November 2023" in p.text for p in found.passages)
    answer = bot.ask("Who was released in November 2023?")
    for c in answer.citations:  # offsets still point at the exact article text
        text = bot.catalog.text(c.passage.doc_id)
        assert text is not None and text[c.passage.start : c.passage.end] == c.passage.text
    assert_consistent(changed)
    _close(bot)
    # ... and the old configuration is now the one refused.
    with pytest.raises(StoreError, match=r"`bot --home .+ reindex`"):
        Bot(store, llm=None).search("Who was released in November 2023?")


def test_reindex_recovers_a_store_with_a_garbage_catalog(store: Config) -> None:
    bot = Bot(store, llm=None)
    before = _strip_scores(snapshot(bot))
    _close(bot)
    for suffix in ("", "-wal", "-shm"):
        Path(str(store.catalog_path) + suffix).unlink(missing_ok=True)
    store.catalog_path.write_bytes(os.urandom(64 * 1024))
    proc = run_bot("docs", home=store.home)
    assert_clean_error(proc, "catalog")

    report = reindex(store)

    assert report.source == "originals" and report.rebuilt == 5
    bot = Bot(store, llm=None)
    assert _strip_scores(snapshot(bot)) == before
    assert_consistent(store)
    _close(bot)


def test_reindex_recovers_a_store_with_a_damaged_chroma(store: Config) -> None:
    bot = Bot(store, llm=None)
    before = _strip_scores(snapshot(bot))
    _close(bot)
    segment = next(p for p in store.chroma_dir.iterdir() if p.is_dir())
    (segment / "header.bin").write_bytes(os.urandom(100))
    (store.chroma_dir / "chroma.sqlite3").write_bytes(os.urandom(64 * 1024))

    proc = run_bot("reindex", home=store.home)

    assert proc.returncode == 0, proc.stderr
    assert "reindexed 5 of 5 documents" in proc.stderr
    bot = Bot(store, llm=None)
    assert _strip_scores(snapshot(bot)) == before
    assert_consistent(store)
    _close(bot)


def test_old_schema_is_detected_and_reindex_upgrades_it(store: Config) -> None:
    db = sqlite3.connect(store.catalog_path)
    with db:
        db.execute("UPDATE meta SET value='0' WHERE key='schema_version'")
    db.close()
    proc = run_bot("search", "November 2023", home=store.home)
    assert_clean_error(proc, "schema version 0", "bot reindex")

    proc = run_bot("reindex", home=store.home)
    assert proc.returncode == 0, proc.stderr
    proc = run_bot("search", "Who was released in November 2023?", "--json", home=store.home)
    assert proc.returncode == 0, proc.stderr
    assert "November 2023" in json.loads(proc.stdout)[0]["text"]


def test_reindex_refuses_to_lose_a_document(store: Config) -> None:
    doc = next(d for d in Bot(store, llm=None).docs() if d.doc_id == "court-oslo")
    (store.home / doc.original).unlink()
    listing = sorted(p.name for p in store.home.parent.iterdir())
    with pytest.raises(StoreError, match="court-oslo"):
        reindex(store)
    assert sorted(p.name for p in store.home.parent.iterdir()) == listing  # nothing swapped or left
    report = reindex(store, allow_missing=True)
    assert report.rebuilt == 4 and report.missing == ["court-oslo"]


def test_reindex_twice_in_a_row_keeps_both_backups(store: Config) -> None:
    first = reindex(store)
    second = reindex(store)
    assert first.backup != second.backup
    assert first.backup is not None and first.backup.is_dir()
    assert second.backup is not None and second.backup.is_dir()
    assert_consistent(store)


def test_reindex_of_an_empty_or_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store"):
        reindex(make_config(tmp_path / "absent"))
    proc = run_bot("reindex", home=tmp_path / "empty")
    assert_clean_error(proc, "nothing to reindex")


def test_reindex_keeps_every_jsonl_field(tmp_path: Path) -> None:
    """JSONL records carry place and language; the kept original must too."""
    config = make_config(tmp_path / "home")
    data = tmp_path / "bulk.jsonl"
    record = {
        "id": "berlin-budget",
        "title": "Berlin budget",
        "text": "Der Senat beschloss den Haushalt für 2024 am Dienstag.",
        "published": "2024-03-05",
        "source": "Example",
        "url": "",
        "authors": [],
        "place": "Berlin",
        "language": "de",
    }
    data.write_text(json.dumps(record) + "\n", encoding="utf-8")
    bot = Bot(config, llm=None)
    bot.ingest([data])
    before = bot.catalog._db.execute("SELECT place, language, content_hash FROM docs").fetchone()
    _close(bot)
    assert before[:2] == ("Berlin", "de")
    reindex(config)
    bot = Bot(config, llm=None)
    after = bot.catalog._db.execute("SELECT place, language, content_hash FROM docs").fetchone()
    _close(bot)
    assert after == before


# --- kill -9 during a large folder ingest ----------------------------------------------------------
def _wait_for_docs(config: Config, proc: subprocess.Popen[str], at_least: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return -1
        try:
            n = len(catalog_state(config)["docs"])
        except (sqlite3.Error, StoreError):
            n = 0
        if n >= at_least:
            return n
        time.sleep(0.05)
    raise AssertionError(f"ingest did not reach {at_least} documents in {timeout}s")


def test_kill_9_during_folder_ingest_then_rerun_completes_consistently(
    tmp_path: Path, catalog_url: str
) -> None:
    n_articles = 300
    folder = synthetic_articles(tmp_path / "articles", n_articles)
    config = make_config(tmp_path / "home", catalog_url=catalog_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    # Small batches: many commit points, so the kills land between and inside them.
    env.update({"BOT_HOME": str(config.home), "BOT_LLM": "none", "BOT_EMBED_BATCH": "4"})
    if catalog_url:
        env["BOT_CATALOG_URL"] = catalog_url
    kills = []
    for at_least in (40, 160):
        proc = subprocess.Popen(
            [*BOT, "ingest", str(folder), "--json"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        seen = _wait_for_docs(config, proc, at_least, timeout=120)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        if seen < 0:
            pytest.fail(
                f"ingest finished before it could be killed: {proc.stderr.read() if proc.stderr else ''}"
            )
        assert proc.returncode == -signal.SIGKILL
        state = catalog_state(config)
        ids, _ = chroma_state(config)
        # A document whose batch was still being written at the kill is in the catalog but marked
        # writing; the rerun forgets and re-adds it, so only the released ones must come back unchanged.
        done_docs = set(state["docs"]) - set(state["pending"])
        kills.append({"docs": len(state["docs"]), "released": len(done_docs), "chunks": len(state["chunk_ids"]),
                      "vectors": len(ids)})  # fmt: skip
    assert kills[1]["docs"] > kills[0]["docs"]  # the second run resumed, it did not start over

    done = run_bot(
        "ingest", str(folder), "--json", home=config.home, timeout=300,
        env={"BOT_EMBED_BATCH": "4", **({"BOT_CATALOG_URL": catalog_url} if catalog_url else {})},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    statuses = [json.loads(line)["status"] for line in done.stdout.splitlines()]
    assert len(statuses) == n_articles
    assert statuses.count("unchanged") >= kills[1]["released"]
    assert set(statuses) <= {"added", "unchanged"}
    cat = assert_consistent(config)
    assert len(cat["docs"]) == n_articles
    print(f"kill -9 states (docs/chunks/vectors at kill): {kills}; final {len(cat['chunk_ids'])} chunks")
    bot = Bot(config, llm=None)
    found = bot.search("Synthetic report 0299", k=3)
    assert any(p.doc_id == "article-0299" for p in found.passages)
    _close(bot)


class _Crash(BaseException):
    """Stands in for kill -9 between two steps (BaseException: nothing catches it on the way)."""


def _crash_after_vectors(monkeypatch: pytest.MonkeyPatch, bot: Bot, method: str) -> None:
    """Make the catalog's ``method`` die as kill -9 would, whichever back end the bot uses."""

    def crash(self: object, *args: object, **kwargs: object) -> None:
        raise _Crash(method)

    monkeypatch.setattr(type(bot.catalog), method, crash)


def test_crash_between_vectors_and_catalog_for_a_new_document(tmp_path: Path, catalog_url: str) -> None:
    config = make_config(tmp_path / "home", catalog_url=catalog_url)
    folder = synthetic_articles(tmp_path / "a", 3)
    bot = Bot(config, llm=None)
    bot.ingest([folder / "article-0000.txt"])
    with pytest.MonkeyPatch.context() as mp:
        _crash_after_vectors(mp, bot, "put")
        with pytest.raises(_Crash):
            bot.ingest([folder / "article-0001.txt", folder / "article-0002.txt"])
    assert len(chroma_state(config)[0]) > len(catalog_state(config)["chunk_ids"])  # orphans exist now
    _close(bot)

    Bot(config, llm=None).indexer  # noqa: B018 - opening the store cleans up
    assert_consistent(config)
    results = Bot(config, llm=None).ingest([folder])
    assert [r.status for r in results] == ["unchanged", "added", "added"]
    assert_consistent(config)


def test_crash_between_vectors_and_catalog_for_an_updated_document(tmp_path: Path, catalog_url: str) -> None:
    config = make_config(tmp_path / "home", catalog_url=catalog_url)
    doc = tmp_path / "doc.txt"
    doc.write_text("Harbour news\nOSLO, March 3, 2024. /Wire/. The harbour opened a new quay.\n")
    bot = Bot(config, llm=None)
    bot.ingest([doc])
    long_text = " ".join(
        f"Sentence {i} says the harbour council met about the budget again." for i in range(60)
    )
    doc.write_text("Harbour news\nOSLO, March 3, 2024. /Wire/. " + long_text + "\n")
    with pytest.MonkeyPatch.context() as mp:
        _crash_after_vectors(mp, bot, "put")
        with pytest.raises(_Crash):
            bot.ingest([doc])
    _close(bot)
    Bot(config, llm=None).indexer  # noqa: B018 - opening the store cleans up
    assert_consistent(config)


def test_crash_during_remove_leaves_a_consistent_store(tmp_path: Path, catalog_url: str) -> None:
    config = make_config(tmp_path / "home", catalog_url=catalog_url)
    folder = synthetic_articles(tmp_path / "a", 2)
    bot = Bot(config, llm=None)
    bot.ingest([folder])
    with pytest.MonkeyPatch.context() as mp:
        _crash_after_vectors(mp, bot, "remove")
        with pytest.raises(_Crash):
            bot.remove("article-0000")
    _close(bot)
    bot = Bot(config, llm=None)
    bot.indexer  # noqa: B018 - opening the store cleans up
    bot.ingest([folder])  # the user re-runs the ingest: the document must be searchable again
    assert_consistent(config)


# --- corrupt, locked, old, unwritable: clear one-line errors ---------------------------------------
def test_garbage_catalog_is_a_clear_error(store: Config) -> None:
    for suffix in ("-wal", "-shm"):
        Path(str(store.catalog_path) + suffix).unlink(missing_ok=True)
    store.catalog_path.write_bytes(os.urandom(4096) + b"garbage" * 1000)
    for args in (["docs"], ["search", "budget"], ["ask", "Who was released?"], ["ingest", str(CORPUS)]):
        assert_clean_error(run_bot(*args, home=store.home), "catalog", str(store.catalog_path))


def test_truncated_catalog_is_a_clear_error(store: Config) -> None:
    bot = Bot(store, llm=None)
    bot.catalog._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _close(bot)
    data = store.catalog_path.read_bytes()
    store.catalog_path.write_bytes(data[: len(data) // 3])
    proc = run_bot("search", "Who was released in November 2023?", home=store.home)
    assert_clean_error(proc)


def test_garbage_chroma_database_is_a_clear_error(store: Config) -> None:
    (store.chroma_dir / "chroma.sqlite3").write_bytes(os.urandom(64 * 1024))
    proc = run_bot("search", "budget", home=store.home)
    assert_clean_error(proc, "chroma")


class _MimicEmbedder(Embedder):
    """Fast deterministic unit vectors under the real embedder's name, so the CLI opens the store."""

    dim = 384

    def __init__(self, name: str) -> None:
        self.name = name

    def embed(self, texts: list[str]) -> np.ndarray:
        rows = [
            np.random.default_rng(int(hashlib.sha256(t.encode()).hexdigest()[:15], 16)).standard_normal(
                self.dim
            )
            for t in texts
        ]
        m = np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dim)
        return m / np.linalg.norm(m, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def hnsw_store(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """A store of ~1,200 chunks: enough for Chroma to persist its HNSW index files (sync threshold
    1,000). Vectors come from a fast stand-in: these tests damage files, they do not rank."""
    from bot.backends.embedding import make_embedder

    base = tmp_path_factory.mktemp("hnsw")
    config = make_config(base / "home")
    bot = Bot(config, llm=None)
    bot.__dict__["embedder"] = _MimicEmbedder(make_embedder(config).name)
    bot.ingest([synthetic_articles(base / "articles", 480, sentences=(9, 12))])
    n_chunks = bot.catalog.count()[1]
    _close(bot)
    assert n_chunks > 1000, n_chunks
    segment = next(p for p in config.chroma_dir.iterdir() if p.is_dir())
    assert (segment / "header.bin").stat().st_size > 0, "Chroma did not persist an HNSW index"
    return config


def _damaged_copy(hnsw_store: Config, tmp_path: Path, damaged: str) -> Config:
    home = tmp_path / "home"
    shutil.copytree(hnsw_store.home, home)
    segment = next(p for p in (home / "chroma").iterdir() if p.is_dir())
    target = segment / damaged
    if damaged == "data_level0.bin":
        os.truncate(target, target.stat().st_size // 2)
    else:
        target.write_bytes(b"\xff" * 100)
    return hnsw_store.with_(home=home)


@pytest.mark.parametrize("damaged", ["header.bin", "data_level0.bin", "index_metadata.pickle"])
def test_damaged_vector_index_is_a_one_line_error(hnsw_store: Config, tmp_path: Path, damaged: str) -> None:
    config = _damaged_copy(hnsw_store, tmp_path, damaged)
    proc = run_bot("search", "harbour budget", home=config.home)
    assert_clean_error(proc)


@pytest.mark.parametrize("damaged", ["header.bin", "data_level0.bin", "index_metadata.pickle"])
def test_damaged_vector_index_names_reindex(hnsw_store: Config, tmp_path: Path, damaged: str) -> None:
    config = _damaged_copy(hnsw_store, tmp_path, damaged)
    proc = run_bot("search", "harbour budget", home=config.home)
    err = assert_clean_error(proc, "bot reindex")
    assert "unexpected" not in err


def _hold_lock(path: Path, exclusive_reads: bool) -> subprocess.Popen[str]:
    code = (
        "import sqlite3, sys, time\n"
        f"db = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
        + ("db.execute('PRAGMA locking_mode=EXCLUSIVE')\n" if exclusive_reads else "")
        + "db.execute('BEGIN EXCLUSIVE')\n"
        "db.execute(\"INSERT OR REPLACE INTO meta VALUES ('lock-test', 'x')\")\n"
        "print('locked', flush=True)\n"
        "time.sleep(120)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


@pytest.mark.parametrize("exclusive_reads", [False, True], ids=["write-lock", "read-and-write-lock"])
def test_locked_catalog_is_a_clear_error_within_a_bounded_time(
    store: Config, tmp_path: Path, exclusive_reads: bool
) -> None:
    new = tmp_path / "new.txt"
    new.write_text("Harbour news\nOSLO, March 3, 2024. /Wire/. The harbour opened a new quay.\n")
    holder = _hold_lock(store.catalog_path, exclusive_reads)
    try:
        t0 = time.monotonic()
        proc = run_bot("ingest", str(new), home=store.home, timeout=90)
        elapsed = time.monotonic() - t0
    finally:
        holder.kill()
        holder.wait()
    assert_clean_error(proc, "locked")
    assert elapsed < 60, elapsed
    print(f"locked store ({'read+write' if exclusive_reads else 'write'} lock): refused after {elapsed:.1f}s")
    # Nothing half-written: the document is in neither the catalog nor the vectors.
    assert "new" not in catalog_state(store)["docs"]
    assert_consistent(store)


def test_reindex_of_a_locked_catalog_is_refused(store: Config) -> None:
    holder = _hold_lock(store.catalog_path, exclusive_reads=True)
    try:
        t0 = time.monotonic()
        with pytest.raises(StoreError, match="locked"):
            reindex(store)
        assert time.monotonic() - t0 < 30
    finally:
        holder.kill()
        holder.wait()
    assert not list(store.home.parent.glob(".home.reindex-*"))


def test_unwritable_home_under_a_file_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for args in (["ingest", str(CORPUS)], ["docs"], ["reindex"]):
        assert_clean_error(run_bot(*args, home=blocker / "store"), "not writable")


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_read_only_home_is_a_clear_error() -> None:
    """chmod a-w on the store folder; as root (CI) the CLI runs as `nobody` so the permission counts."""
    import tempfile

    as_nobody: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permissions would not apply")
        as_nobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    base = Path(tempfile.mkdtemp(prefix="newsbot-ro-"))
    try:
        base.chmod(0o755)
        home = base / "home"
        home.mkdir()
        home.chmod(0o555)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
        env.update({"BOT_HOME": str(home), "BOT_LLM": "none", "HOME": str(base)})
        for args in (["ingest", str(CORPUS)], ["reindex"]):
            proc = subprocess.run(
                [*as_nobody, *BOT, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
            )
            assert_clean_error(proc, "not writable", str(home))
        assert list(home.iterdir()) == []
    finally:
        (base / "home").chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)
