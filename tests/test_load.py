"""Load: 20 concurrent chat sessions against the running web chat while documents are uploaded.

The app is served on loopback exactly as ``bot serve`` builds it (``build_app``), with a FakeLLM so
the measurement is the service (queue, retrieval, verification, store) and not the 0.5B model. Each
chat request is its own gradio_client ``Client`` (its own browser session) in its own thread; a
second thread uploads 30 generated articles through ``/upload`` in three batches, so the asks are
queued before, between and after the ingests. Every request must come back answered (the names and
a citation) or clearly refused, never an error; afterwards the catalog, the vectors and the
document list must agree. Throughput and p50/p95 latency are printed (run with ``-s`` to see them).
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client, handle_file

from bot.service import Bot
from tests.conftest import CORPUS, FakeLLM, make_config
from tests.test_app import NOVEMBER, NOVEMBER_REPLY, message_html, result_rows, serve

pytestmark = pytest.mark.slow

N_ASKS = 20
N_DOCS = 30
BATCHES = 3
ASK_TIMEOUT = 150.0  # seconds for one request, queueing included
UPLOAD_TIMEOUT = 150.0  # seconds for one batch of uploads
WALL_TIMEOUT = 240.0  # seconds for the whole burst; the test is meant to take well under that


def article(i: int) -> str:
    return f"""---
title: "Load test bulletin {i:02d}: Vormsi ferry timetable"
source: "Load Wire"
published: 2024-03-{i % 28 + 1:02d}
---
The Vormsi ferry line {i} will run {i + 3} crossings a day from 1 April 2024, the operator said.
Harbour master Liis Kaarna{i} said the new timetable adds an evening crossing on weekdays.
Tickets for line {i} cost {i + 5} euros for a car and {i % 4 + 1} euros for a foot passenger.
"""


@pytest.fixture
def load_bot(tmp_path: Path) -> Bot:
    bot = Bot(make_config(tmp_path / "store"), llm=FakeLLM(NOVEMBER_REPLY))
    assert [r.status for r in bot.ingest([CORPUS])] == ["added"]
    bot.warm_up()
    return bot


@pytest.fixture
def load_url(load_bot: Bot) -> Iterator[str]:
    with serve(load_bot) as url:
        yield url


def ask_once(url: str, out: dict[str, Any]) -> None:
    """One browser session asks one question; records latency, the final HTML or the exception."""
    try:
        client = Client(url, verbose=False)
        start = time.monotonic()
        job = client.submit(NOVEMBER, api_name="/ask")
        job.result(timeout=ASK_TIMEOUT)
        out["done"] = time.monotonic()
        out["latency"] = out["done"] - start
        out["final"] = message_html(job.outputs()[-1][0][-1])
    except Exception as exc:  # noqa: BLE001 - reported by the test, with the request it belongs to
        out["error"] = repr(exc)


def upload_all(url: str, files: list[Path], out: dict[str, Any]) -> None:
    """Upload the generated articles in batches; each batch is one /upload event in the queue."""
    out["start"] = time.monotonic()
    try:
        client = Client(url, verbose=False)
        size = -(-len(files) // BATCHES)
        out["rows"] = []
        out["times"] = []
        for b in range(0, len(files), size):
            start = time.monotonic()
            job = client.submit([handle_file(str(p)) for p in files[b : b + size]], "", api_name="/upload")
            results = job.result(timeout=UPLOAD_TIMEOUT)
            out["times"].append(time.monotonic() - start)
            out["end"] = time.monotonic()
            out["rows"] += result_rows(str(results[0]))
    except Exception as exc:  # noqa: BLE001
        out["error"] = repr(exc)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def test_concurrent_asks_during_uploads_are_all_answered_and_the_store_stays_consistent(
    load_bot: Bot, load_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    files = []
    for i in range(N_DOCS):
        path = folder / f"bulletin-{i:02d}.md"
        path.write_text(article(i), encoding="utf-8")
        files.append(path)

    ingest: dict[str, Any] = {}
    asks: list[dict[str, Any]] = [{} for _ in range(N_ASKS)]
    uploader = threading.Thread(target=upload_all, args=(load_url, files, ingest), daemon=True)
    askers = [threading.Thread(target=ask_once, args=(load_url, out), daemon=True) for out in asks]

    start = time.monotonic()
    uploader.start()
    for i, t in enumerate(askers):
        t.start()
        if i % 5 == 4:
            time.sleep(0.5)  # spread the sessions a little, so asks land between the upload batches
    for t in [uploader, *askers]:
        t.join(timeout=max(1.0, WALL_TIMEOUT - (time.monotonic() - start)))
    wall = time.monotonic() - start
    assert not any(t.is_alive() for t in [uploader, *askers]), f"requests still running after {wall:.0f}s"

    # every request answered (names and a linked citation) or clearly refused; none failed
    errors = [(i, a["error"]) for i, a in enumerate(asks) if "error" in a]
    assert errors == [], errors
    answered = refused = 0
    for i, a in enumerate(asks):
        final = a["final"]
        assert "nb-error" not in final and "went wrong" not in final, (i, final)
        if "nb-refused" in final:
            refused += 1
            assert len(re.sub(r"<[^>]+>", "", final)) < 400, (i, final)
        else:
            answered += 1
            assert "Yaffa Adar" in final and 'class="nb-cite"' in final and "nb-sources" in final, (i, final)
    assert answered + refused == N_ASKS

    # every upload indexed
    assert "error" not in ingest, ingest["error"]
    assert len(ingest["rows"]) == N_DOCS, ingest["rows"]
    assert all(row[1] == "added" for row in ingest["rows"]), ingest["rows"]

    # the store is consistent: catalog chunks == vectors == sum of per-document chunks
    n_docs, n_chunks = load_bot.catalog.count()
    docs = load_bot.docs()
    assert n_docs == len(docs) == 1 + N_DOCS
    assert n_chunks == load_bot.vectors.count() == sum(d.n_chunks for d in docs)
    titles = {d.title for d in docs}
    assert all(f"Load test bulletin {i:02d}: Vormsi ferry timetable" in titles for i in range(N_DOCS))
    listed = str(Client(load_url, verbose=False).predict("Vormsi", api_name="/docs")[0])
    assert f"{N_DOCS} of {1 + N_DOCS} documents" in listed

    latencies = [a["latency"] for a in asks]
    during = sum(ingest["start"] < a["done"] < ingest["end"] for a in asks)
    assert during > 0, "no ask was answered while the uploads were in progress"
    print(
        f"\nload: {N_ASKS} asks ({answered} answered, {refused} refused) + {N_DOCS} uploads "
        f"in {len(ingest['times'])} batches ({', '.join(f'{t:.1f}s' for t in ingest['times'])}) "
        f"in {wall:.1f}s wall; throughput {N_ASKS / wall:.2f} asks/s; latency "
        f"p50 {statistics.median(latencies):.1f}s p95 {percentile(latencies, 0.95):.1f}s "
        f"max {max(latencies):.1f}s; {during} asks answered during the uploads; store {n_docs} docs / {n_chunks} chunks consistent"
    )
