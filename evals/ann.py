"""Chroma's HNSW against exact cosine search over the very same chunk vectors (issue 18, item 2).

HNSW is approximate: a true nearest neighbour can be missed, and a miss in the dense candidate
pool is an answer the reranker never sees. This measures how much, on our vectors and questions:

- overlap: the share of the exact top-10 that HNSW returns in its own top-10, and in its top-40
  (the dense pool ``Retriever`` takes, ``BOT_CANDIDATES``);
- answer recall@5/@10: gold answer string in the top-k chunks of each search (the ablation's
  matching), so a lost neighbour is counted only when it mattered;
- latency of one top-40 search (query vector given; embedding the question is the same for both).

``hnsw:search_ef`` is swept on the existing collection (chromadb 1.x: ``collection.modify(
configuration={"hnsw": {"ef_search": n}})``); ``ef_construction`` and ``max_neighbors`` (M) are
fixed at creation, so ``--build`` variants are new collections built from the same vectors. Every
change is made on a copy of the store in a temporary directory: the store given is only read.

    .venv/bin/python evals/ann.py --home /var/tmp/rtqa-small --data DIR --out /tmp/ann.json  # -> .md too
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import Config  # noqa: E402
from bot.index.exact import ExactIndex  # noqa: E402
from bot.index.vectors import ChromaStore  # noqa: E402
from bot.service import Bot  # noqa: E402
from evals.baselines import passages_for  # noqa: E402
from evals.matching import hit_at_k  # noqa: E402
from evals.realtimeqa import answer_rank, choose_questions, load_jsonl  # noqa: E402
from evals.report import git_state, markdown_table, percentile, write_report  # noqa: E402

POOL = 40  # the dense candidate pool of the pipeline (Config.candidates)
TOP = 10  # the exact top-10 is the reference set


@dataclass(frozen=True)
class Build:
    """One HNSW graph: ``ef_construction`` and ``max_neighbors`` (M); None = the store's own."""

    ef_construction: int | None = None
    max_neighbors: int | None = None

    @property
    def label(self) -> str:
        if self.ef_construction is None:
            return "store's index"
        return f"rebuilt c{self.ef_construction}/M{self.max_neighbors}"


Hits = list[tuple[str, float]]


def copy_store(home: Path, dest: Path) -> Path:
    """Catalog and Chroma files only (originals are not read): changing ef writes to the copy."""
    shutil.copytree(home, dest, ignore=shutil.ignore_patterns("originals", "*.write-test"))
    return dest


def fresh_client(config: Config) -> Any:
    """A new Chroma client, so a changed ef is read from the store and not from a cached index."""
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient
    from chromadb.config import Settings

    SharedSystemClient.clear_system_cache()
    return chromadb.PersistentClient(
        path=str(config.chroma_dir), settings=Settings(anonymized_telemetry=False)
    )


def set_search_ef(config: Config, collection: str, ef: int) -> ChromaStore:
    """Change ``ef_search`` on an existing collection, then reopen it as the pipeline would."""
    fresh_client(config).get_collection(collection).modify(configuration={"hnsw": {"ef_search": ef}})
    store = ChromaStore(fresh_client(config), collection)
    got = store.chroma_collection.configuration_json["hnsw"]["ef_search"]
    if got != ef:
        raise RuntimeError(f"ef_search is {got} after setting {ef}")
    return store


def build_collection(config: Config, build: Build, ids: list[str], matrix: np.ndarray) -> str:
    """A new collection with this graph's parameters, holding the same vectors (no texts needed)."""
    name = f"ann-c{build.ef_construction}-m{build.max_neighbors}"
    hnsw = {"space": "cosine", "ef_construction": build.ef_construction, "max_neighbors": build.max_neighbors}
    col = fresh_client(config).create_collection(
        name,
        embedding_function=None,
        configuration={"hnsw": hnsw},  # type: ignore[arg-type]
    )
    for lo in range(0, len(ids), 5000):
        col.add(ids=ids[lo : lo + 5000], embeddings=matrix[lo : lo + 5000])
    return name


def timed_queries(search: Any, qvecs: np.ndarray, k: int = POOL) -> tuple[list[Hits], list[float]]:
    hits, ms = [], []
    for q in qvecs:
        t0 = time.perf_counter()
        hits.append(search(q, k))
        ms.append((time.perf_counter() - t0) * 1e3)
    return hits, ms


def figures(
    bot: Bot, search: Any, qvecs: np.ndarray, exact: list[Hits], questions: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """Overlap with the exact top-10, answer recall and latency of one search setting.

    A top-10 and a top-40 search are both run: HNSW explores max(ef_search, k) candidates, so a
    small ef shows its losses on a top-10 search that a top-40 search (the pipeline's) hides.
    """
    top10, ms10 = timed_queries(search, qvecs, TOP)
    hits, ms = timed_queries(search, qvecs, POOL)
    ref = [{cid for cid, _ in e[:TOP]} for e in exact]
    ranks = [answer_rank(passages_for(bot, h), q["answer"]) for h, q in zip(top10, questions, strict=True)]
    return {
        "overlap@10": float(
            np.mean([len(r & {c for c, _ in h}) / TOP for r, h in zip(ref, top10, strict=True)])
        ),
        "overlap@40": float(
            np.mean([len(r & {c for c, _ in h}) / TOP for r, h in zip(ref, hits, strict=True)])
        ),
        "pool_overlap@40": float(
            np.mean(
                [len({c for c, _ in e} & {c for c, _ in h}) / POOL for e, h in zip(exact, hits, strict=True)]
            )
        ),
        "recall@5": hit_at_k(ranks, 5),
        "recall@10": hit_at_k(ranks, 10),
        "p50_ms@10": percentile(ms10, 50),
        "p95_ms@10": percentile(ms10, 95),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
    }


def scaled_exact_ms(index: ExactIndex, qvecs: np.ndarray, n_rows: int) -> dict[str, Any]:
    """Exact-search latency at ``n_rows`` chunks (the store's vectors tiled): the cost grows with
    the row count alone, so this says where exact search leaves the latency budget."""
    reps = -(-n_rows // max(len(index.ids), 1))
    big = ExactIndex((index.ids * reps)[:n_rows], np.tile(index.matrix, (reps, 1))[:n_rows])
    _, ms = timed_queries(big.query, qvecs)
    return {"rows": n_rows, "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95)}


def run(
    bot: Bot,
    questions: Sequence[dict[str, Any]],
    efs: Sequence[int],
    builds: Sequence[Build],
    scale: Sequence[int],
) -> dict[str, Any]:
    config = bot.config
    qvecs = bot.embedder.embed_queries([q["question"] for q in questions])
    index = ExactIndex.from_store(bot.vectors)
    exact, _ = timed_queries(index.query, qvecs)
    rows = {"exact (numpy)": figures(bot, index.query, qvecs, exact, questions)}
    print(f"exact: {json.dumps(rows['exact (numpy)'])}", file=sys.stderr)
    for build in builds:
        name = config.collection
        if build.ef_construction is not None:
            name = build_collection(config, build, index.ids, index.matrix)
        for ef in efs:
            store = set_search_ef(config, name, ef)
            store.query(qvecs[0], POOL)  # load the index before timing
            label = f"HNSW {build.label}, ef_search {ef}"
            rows[label] = figures(bot, store.query, qvecs, exact, questions)
            print(f"{label}: {json.dumps(rows[label])}", file=sys.stderr)
    return {"rows": rows, "exact_scaled": [scaled_exact_ms(index, qvecs, n) for n in scale]}


def render(report: dict[str, Any]) -> str:
    header = ["search", "exact top-10 in top-10", "in top-40", "top-40 overlap", "R@5", "R@10"]
    header += ["top-10 p50 / p95 ms", "top-40 p50 / p95 ms"]
    rows = [
        [
            name,
            f"{r['overlap@10']:.3f}",
            f"{r['overlap@40']:.3f}",
            f"{r['pool_overlap@40']:.3f}",
            f"{r['recall@5']:.3f}",
            f"{r['recall@10']:.3f}",
            f"{r['p50_ms@10']:.2f} / {r['p95_ms@10']:.2f}",
            f"{r['p50_ms']:.2f} / {r['p95_ms']:.2f}",
        ]
        for name, r in report["rows"].items()
    ]
    m = report["meta"]
    scaled = markdown_table(
        ["chunks (tiled)", "exact p50 / p95 ms"],
        [[str(s["rows"]), f"{s['p50_ms']:.2f} / {s['p95_ms']:.2f}"] for s in report["exact_scaled"]],
    )
    return (
        f"HNSW against exact search, {m['started']}, git {m['git']}, store {m['store']} ({m['articles']} "
        f"articles, {m['chunks']} chunks), {m['questions']} answerable RealTimeQA questions, "
        f"top-{POOL} searches, load {m['load']}\n\n" + markdown_table(header, rows) + "\n\n" + scaled
    )


def parse_builds(text: str) -> list[Build]:
    """``100x16,200x32`` -> rebuilt graphs, after the store's own."""
    out = [Build()]
    for item in filter(None, text.split(",")):
        c, m = item.split("x")
        out.append(Build(int(c), int(m)))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument(
        "--home", type=Path, required=True, help="a store holding the RealTimeQA articles (read only)"
    )
    p.add_argument(
        "--data",
        type=Path,
        default=os.environ.get("NEWSBOT_BENCHMARK_DATA"),
        required=not os.environ.get("NEWSBOT_BENCHMARK_DATA"),
        help="RealTimeQA folder (default $NEWSBOT_BENCHMARK_DATA)",
    )
    p.add_argument("--limit", type=int, help="first N answerable questions (spread over the quarter)")
    p.add_argument("--ef", default="10,40,100,200", help="ef_search values to sweep")
    p.add_argument("--build", default="", help="rebuilt graphs as CONSTRUCTIONxM, e.g. 100x16,200x32")
    p.add_argument("--scale", default="", help="chunk counts to time exact search at, e.g. 40000,100000")
    p.add_argument("--out", type=Path, help="JSON results file (default: print only)")
    args = p.parse_args(argv)

    sha, dirty = git_state()
    with tempfile.TemporaryDirectory(prefix="ann-") as tmp:
        home = copy_store(args.home, Path(tmp) / "store") if args.home.exists() else args.home
        bot = Bot(Config.from_env(home=home, llm="none"), llm=None)
        n_docs, n_chunks = bot.catalog.count()
        if not n_docs:
            raise SystemExit(f"{args.home} holds no articles: run `bot eval --benchmark realtimeqa` first")
        questions = choose_questions(load_jsonl(args.data / "questions.jsonl"), args.limit)
        efs = [int(x) for x in args.ef.split(",") if x]
        scale = [int(x) for x in args.scale.split(",") if x]
        report = run(bot, questions, efs, parse_builds(args.build), scale)
    report["meta"] = {
        "started": datetime.now().isoformat(timespec="seconds"),
        "git": sha + (" (dirty tree)" if dirty else ""),
        "store": str(args.home),
        "articles": n_docs,
        "chunks": n_chunks,
        "questions": len(questions),
        "load": [round(x, 2) for x in os.getloadavg()],
    }
    text = render(report)
    print(text)
    write_report(args.out, report, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
