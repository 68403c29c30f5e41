"""Stateless replicas: two `bot serve` processes on one PostgreSQL catalog and one Chroma server.

Each replica has its own BOT_HOME (only kept originals live there). A document uploaded through
one replica's page is found by the other at once, a removal through the other is seen by the
first, and both answer the same question the same way.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tests.test_app import result_rows, search, visible_text
from tests.test_chroma_server import chroma_server, free_port  # noqa: F401 - the fixture

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def start_replica(home: Path, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    full = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    full.update({"BOT_HOME": str(home), "BOT_LLM": "none", "BOT_THREADS": "1", **env})
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(port)],
            cwd=ROOT, env=full, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return proc, f"http://127.0.0.1:{port}"


def wait_up(proc: subprocess.Popen[bytes], url: str, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"bot serve exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"bot serve did not answer within {timeout}s: {log.read_text()[-2000:]}")


@pytest.fixture
def replicas(tmp_path: Path, pg_url: str, chroma_server: str) -> Iterator[list[str]]:  # noqa: F811
    env = {"BOT_CATALOG_URL": pg_url, "BOT_CHROMA_URL": chroma_server, "BOT_COLLECTION": "replicas"}
    started = [start_replica(tmp_path / f"home-{i}", env, tmp_path / f"serve-{i}.log") for i in range(2)]
    try:
        for i, (proc, url) in enumerate(started):
            wait_up(proc, url, tmp_path / f"serve-{i}.log")
        yield [url for _, url in started]
    finally:
        for proc, _ in started:
            proc.terminate()
        for proc, _ in started:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_two_replicas_share_one_corpus(replicas: list[str], tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    a, b = (Client(url, verbose=False) for url in replicas)
    assert "Harbour council backs railway budget" not in visible_text(
        search(b, "harbour council railway budget")
    )
    doc = tmp_path / "harbour.txt"
    doc.write_text(
        "Harbour council backs railway budget\n"
        "OSLO, March 3, 2024. /Wire/. The harbour council voted to double the railway budget on Monday.\n"
    )
    uploaded = a.predict([handle_file(str(doc))], "", api_name="/upload")  # ingested through replica A ...
    doc_id = result_rows(str(uploaded[0]))[0][3]
    seen_by_b = visible_text(search(b, "harbour council railway budget"))
    assert "Harbour council backs railway budget" in seen_by_b  # ... found by replica B at once

    corpus_file = next(CORPUS.glob("*.md"))
    b.predict([handle_file(str(corpus_file))], "", api_name="/upload")
    question = "Who was released in November 2023?"
    answers = []
    for client in (a, b):
        job = client.submit(question, api_name="/ask")
        job.result()
        final = job.outputs()[-1][0][-1]["content"]
        answers.append(visible_text(final if isinstance(final, str) else str(final)))
    assert answers[0] == answers[1]
    assert "Yelena Trufanova" in answers[0]

    b.predict(doc_id, "", api_name="/delete")  # removed through B ...
    assert "Harbour council backs railway budget" not in visible_text(
        search(a, "harbour council railway budget")
    )
