"""``bot ingest --workers N``: N ingest processes over the same inputs, dividing the documents between
them through the catalog's claims.

Why processes, and why every worker reads every input: the work is embedding (95 % of ingest time),
which one process cannot spread over many cores well; and claims (see :mod:`bot.index.catalog`) already
give each document to exactly one worker, so no up-front partition is needed. The same command run
on N machines that share a PostgreSQL catalog and a Chroma server divides the work the same way.

The vector store must accept several writers: a Chroma server (``BOT_CHROMA_URL``). Embedded
Chroma keeps its index in one process's memory, so N processes writing it would corrupt it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.types import BotError

if TYPE_CHECKING:
    from bot.config import Config
    from bot.index.ingest import IngestResult

# When workers report one document differently, the one that did the work speaks for it.
_PRIORITY = {"added": 0, "updated": 1, "removed": 2, "failed": 3, "unchanged": 4, "skipped": 5}


def check_parallel_store(config: Config, workers: int) -> None:
    if workers > 1 and not config.chroma_url:
        raise BotError(
            "--workers N needs a vector store that takes several writers: start a Chroma server "
            "(`chroma run --path DIR --port 8000`) and set BOT_CHROMA_URL=http://127.0.0.1:8000"
        )


def ingest_in_workers(config: Config, paths: Sequence[Path], workers: int) -> list[IngestResult]:
    """Run ``workers`` ``bot ingest`` processes to completion and merge their reports per document."""
    from bot.index.ingest import IngestResult

    check_parallel_store(config, workers)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(config.with_(threads=max(1, config.threads // workers)).to_env())  # share the cores
    command = [sys.executable, "-m", "bot", "ingest", "--json"]
    command += [str(p.resolve()) for p in paths]
    with tempfile.TemporaryDirectory(prefix="bot-workers-") as tmp:
        outputs = [Path(tmp) / f"worker-{i}.jsonl" for i in range(workers)]
        procs = []
        for out in outputs:
            with out.open("wb") as fh:
                procs.append(subprocess.Popen(command, env=env, stdout=fh, stderr=subprocess.PIPE))
        errors = [p.communicate()[1].decode(errors="replace").strip() for p in procs]
        # Exit 1 with per-file reasons only is "every file failed"; an "error:" line is the worker's own.
        failed = [
            (p.returncode, e)
            for p, e in zip(procs, errors, strict=True)
            if p.returncode not in (0, 1) or "error:" in e
        ]
        if failed:
            code, err = failed[0]
            raise BotError(f"{len(failed)} of {workers} ingest workers failed (exit {code}): {err[-500:]}")
        reports = [
            IngestResult(**json.loads(line))
            for out in outputs
            for line in out.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
    return merge_reports(reports)


def merge_reports(reports: list[IngestResult]) -> list[IngestResult]:
    """One result per document (or per failing file), in first-seen order, the most telling kept."""
    best: dict[tuple[str, str], IngestResult] = {}
    for r in reports:
        key = (r.doc_id, "") if r.doc_id else ("", r.origin)
        seen = best.get(key)
        if seen is None or _PRIORITY.get(r.status, 9) < _PRIORITY.get(seen.status, 9):
            best[key] = r
    return list(best.values())
