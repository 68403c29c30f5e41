"""What the LlamaIndex abstractions cost per search, and that they return the same passages (issue 15).

``Bot.search`` runs the retrieval stages directly; ``bot.answering.llamaindex`` wraps the same
stages as a ``BaseRetriever`` and ``BaseNodePostprocessor``\\ s (instrumentation spans, node
objects, passage <-> node conversion). This runs every question both ways on one store, checks
the two top-k lists are identical, and prints p50/p90 of each path and the overhead as a share of
the direct path's p50 (the issue's budget: 5 %).

    .venv/bin/python benchmarks/llamaindex_overhead.py --home /var/tmp/rtqa-small \
        --data ../shared/benchmarks/realtimeqa-2023q4 [--repeat 3]

Without ``--home`` it ingests the bundled corpus into a temporary store and asks the gold set.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.config import Config  # noqa: E402
from bot.service import Bot  # noqa: E402
from evals.report import markdown_table, percentile  # noqa: E402


def questions(data: Path | None) -> list[tuple[str, date | None]]:
    if data is not None:
        rows = [
            json.loads(line) for line in (data / "questions.jsonl").read_text().splitlines() if line.strip()
        ]
        return [(r["question"], date.fromisoformat(r["date"])) for r in rows]
    gold = [
        json.loads(line) for line in (ROOT / "evals" / "gold.jsonl").read_text().splitlines() if line.strip()
    ]
    return [(g["question"], date.fromisoformat(g["as_of"]) if g.get("as_of") else None) for g in gold]


SearchPath = Callable[[str, date | None], list[str]]


def search_paths(bot: Bot) -> dict[str, SearchPath]:
    """The three ways to search, each built once (as a user would) and returning chunk ids."""
    from bot.answering.llamaindex import bundle, postprocessors

    pool, stages, ranked = bot.as_retriever(ranked=False), postprocessors(bot.retriever), bot.as_retriever()

    def direct(text: str, as_of: date | None) -> list[str]:
        return [p.chunk_id for p in bot.search(text, as_of=as_of).passages]

    def ranked_top_k(text: str, as_of: date | None) -> list[str]:
        return [n.node.node_id for n in ranked.retrieve(bundle(bot.retriever.query_for(text, as_of), as_of))]

    def pool_and_postprocessors(text: str, as_of: date | None) -> list[str]:
        qb = bundle(bot.retriever.query_for(text, as_of), as_of)
        nodes = pool.retrieve(qb)
        for stage in stages:
            nodes = stage.postprocess_nodes(nodes, query_bundle=qb)
        return [n.node.node_id for n in nodes]

    return {
        "Bot.search (direct)": direct,
        "as_retriever(): ranked BaseRetriever": ranked_top_k,
        "as_retriever(ranked=False) + postprocessors": pool_and_postprocessors,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--home", type=Path, help="an existing store (default: the bundled corpus, ingested now)")
    ap.add_argument(
        "--data", type=Path, help="a RealTimeQA folder whose questions to ask (default: the gold set)"
    )
    ap.add_argument("--repeat", type=int, default=3, help="rounds over the questions; the first warms caches")
    args = ap.parse_args()
    tmp = None
    if args.home is None:
        tmp = tempfile.TemporaryDirectory()
        home = Path(tmp.name)
        Bot(Config.from_env().with_(home=home), llm=None).ingest([ROOT / "corpus"])
    else:
        home = args.home
    bot = Bot(Config.from_env().with_(home=home), llm=None)
    paths = search_paths(bot)
    asked = questions(args.data)
    times: dict[str, list[float]] = {name: [] for name in paths}
    differ = 0
    for round_ in range(args.repeat):
        for i, (text, as_of) in enumerate(asked):
            # Rotate which path runs first: a later one finds the earlier ones' caches warm.
            names = list(paths)
            names = names[(i + round_) % len(names) :] + names[: (i + round_) % len(names)]
            got = {}
            for name in names:
                t0 = time.perf_counter()
                got[name] = paths[name](text, as_of)
                times[name].append((time.perf_counter() - t0) * 1e3)
            if round_ == 0:
                differ += len({tuple(v) for v in got.values()}) > 1
                for v in times.values():
                    v.pop()
    base = percentile(times["Bot.search (direct)"], 50) or 0.0
    rows = []
    for name, ms in times.items():
        p50 = percentile(ms, 50) or 0.0
        over = f"{(p50 - base) / base * 100:+.1f} %" if base and name != "Bot.search (direct)" else "—"
        rows.append([name, f"{p50:.1f}", f"{percentile(ms, 90) or 0:.1f}", over])
    print(markdown_table(["path", "p50 ms", "p90 ms", "overhead at p50"], rows))
    print(
        f"\n{len(asked)} questions x {args.repeat - 1} timed rounds on {home}; top-k lists differ: {differ} "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    if tmp is not None:
        tmp.cleanup()
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
