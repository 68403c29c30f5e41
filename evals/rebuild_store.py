"""The same RealTimeQA articles as an existing store, re-ingested with this process's settings.

For the chunk-size sweep (README, "Chunk sizes"): the articles of ``--like`` (e.g. the ``--small``
store ``bot eval --benchmark realtimeqa --small`` built) go into a new store at ``--home`` with the
``BOT_CHUNK_SIZE``/``BOT_CHUNK_OVERLAP`` (or any other ``BOT_*``) set for this run, through the same
``evals.realtimeqa.prepare_rtqa_store`` the eval uses. Prints the articles, chunks, wall and CPU time.

    BOT_CHUNK_SIZE=128 BOT_CHUNK_OVERLAP=16 python evals/rebuild_store.py --like /var/tmp/rtqa-small \\
        --home /var/tmp/c128 --data ../shared/benchmarks/realtimeqa-2023q4
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import Config  # noqa: E402
from bot.service import Bot  # noqa: E402
from evals.realtimeqa import prepare_rtqa_store  # noqa: E402


def like_doc_ids(home: Path) -> set[str]:
    """The documents of the ``--like`` store, read from its SQLite catalog opened read-only: that
    store is shared and may have other chunk or title settings, so it is not opened as a Bot (which
    checks its identity against this run's settings and cleans up after crashed writers)."""
    import sqlite3

    db = sqlite3.connect(f"file:{home / 'catalog.sqlite'}?mode=ro", uri=True)
    try:
        return {str(r[0]) for r in db.execute("SELECT doc_id FROM docs")}
    finally:
        db.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--like", type=Path, required=True, help="the store whose articles to take")
    ap.add_argument("--home", type=Path, required=True, help="the new store (created)")
    ap.add_argument("--data", type=Path, required=True, help="the RealTimeQA folder (articles.jsonl)")
    args = ap.parse_args()
    wanted = like_doc_ids(args.like)
    bot = Bot(Config.from_env().with_(home=args.home), llm=None)
    t0, cpu0 = time.time(), resource.getrusage(resource.RUSAGE_SELF)
    prepare_rtqa_store(
        bot, args.data / "articles.jsonl", wanted, lambda s: print(s, file=sys.stderr, flush=True)
    )
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    docs, chunks = bot.catalog.count()
    cpu = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
    print(
        json.dumps(
            {"articles": docs, "chunks": chunks, "wall_s": round(time.time() - t0), "cpu_s": round(cpu)}
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
