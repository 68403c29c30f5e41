"""What a user at the shell sees: the CLI in new processes (interpreter, imports and model loads
included), and `bot serve`'s memory; run from the parent on a store a worker built.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.corpora import synthetic_article, write_jsonl
from benchmarks.figures import TOP_K
from benchmarks.measure import ROOT, peak_rss_mb, rss_mb
from benchmarks.workers import worker_env


def bot_cli(args: Sequence[str], spec: dict[str, Any], timeout: float = 1800) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=worker_env(spec),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return time.perf_counter() - t0, proc.returncode, proc.stdout + proc.stderr


def measure_cold(spec: dict[str, Any]) -> dict[str, Any]:
    """What a user at the shell sees: `bot ingest` of the unchanged corpus, and `bot ingest` of one
    new article followed by `bot search` (new processes: interpreter, imports and model loads)."""
    wall, code, _ = bot_cli(["ingest", spec["corpus"]], spec)
    out: dict[str, Any] = {"reingest_s": wall, "reingest_exit": code}
    record, question = synthetic_article("Tarkanian", spec["filler_text"], "bench-single-add-cold")
    path = Path(spec["workdir"]) / "single-add-cold.jsonl"
    write_jsonl([record], path)
    t_ingest, code_i, _ = bot_cli(["ingest", str(path)], spec)
    t_search, code_s, text = bot_cli(["search", question, "-k", str(TOP_K), "--json"], spec)
    out.update(
        {
            "single_add_ingest_s": t_ingest,
            "single_add_search_s": t_search,
            "single_add_s": t_ingest + t_search,
            "single_add_found": record["id"] in text and code_i == 0 and code_s == 0,
        }
    )
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure_serve(spec: dict[str, Any], question: str, timeout: float = 900) -> dict[str, Any]:
    """Start `bot serve` on the store, wait for its port, ask one question through the web API,
    then read the server's peak RSS (VmHWM) from /proc."""
    if not (ROOT / "bot" / "ui" / "web.py").exists():
        return {"error": "n/a: bot/ui/web.py does not exist"}
    port = free_port()
    logfile = Path(spec["workdir"]) / "serve.log"
    with logfile.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(port)],
            env=worker_env(spec),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    result: dict[str, Any] = {"port": port}
    try:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < timeout and proc.poll() is None:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        else:
            result["error"] = f"server not up (exit {proc.poll()}); see {logfile}"
            return result
        result["startup_s"] = time.perf_counter() - t0
        time.sleep(1.0)
        result["rss_after_startup_mb"] = rss_mb(proc.pid)
        result["peak_rss_after_startup_mb"] = peak_rss_mb(proc.pid)
        try:
            from gradio_client import Client

            client = Client(f"http://127.0.0.1:{port}/", verbose=False)
            t1 = time.perf_counter()
            client.predict(question, TOP_K, api_name="/search")
            result["search_s"] = time.perf_counter() - t1
            t1 = time.perf_counter()
            job = client.submit(question, api_name="/ask")
            job.result(timeout=600)
            result["ask_s"] = time.perf_counter() - t1
        except Exception as exc:  # the web API is optional here: RSS after startup still counts
            result["client_error"] = f"{type(exc).__name__}: {exc}"[:300]
        result["peak_rss_mb"] = peak_rss_mb(proc.pid)
        result["rss_mb"] = rss_mb(proc.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    return result
