"""Per-component throughput and `bot ingest --workers N` scaling, on real local servers.

Starts a PostgreSQL server (the OS package, as the tests do), a Chroma server (`chroma run`) and
`bot embed-server`, all on loopback ports with data in a temp dir, then measures on the first
``--articles`` RealTimeQA articles:

- embedding in process vs through the embedding server (chunks/s);
- catalog writes, SQLite vs PostgreSQL (documents/s and chunks/s), and keyword search latency;
- Chroma server writes (vectors/s) and query latency;
- end-to-end `bot ingest --workers N` for each N in ``--workers`` (chunks/s), PostgreSQL catalog and
  Chroma server, in-process embedding.

    python benchmarks/scaling.py --data ../shared/benchmarks/realtimeqa-2023q4 --articles 60

Prints one JSON document (also written to ``--out``). Keep runs short on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import Config  # noqa: E402
from bot.index.catalog import open_catalog  # noqa: E402
from bot.index.chunking import chunk_article  # noqa: E402
from bot.index.records import embed_text  # noqa: E402
from bot.types import Article  # noqa: E402
from evals.report import git_state, percentile  # noqa: E402
from tests.postgres_server import PostgresServer, free_port, postgres_bin  # noqa: E402


def articles(data: Path, n: int) -> list[dict[str, Any]]:
    with (data / "articles.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for _, line in zip(range(n), fh, strict=False)]


def to_article(r: dict[str, Any]) -> Article:
    return Article(
        text=r["text"], title=r["title"], doc_id=r["id"], url=r.get("url", ""), published=r.get("published")
    )


def start(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=env or dict(os.environ), cwd=ROOT
        )


def wait_http(url: str, timeout: float = 90) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout}s")


def ms(samples: list[float], q: float = 50) -> float:
    """The ``q``-th percentile of latencies in seconds, in ms to 0.1."""
    return round((percentile(samples, q) or 0.0) * 1000, 1)


def measure_embedding(texts: list[str], embed_url: str) -> dict[str, Any]:
    from bot.backends.minilm import MiniLMEmbedder
    from bot.backends.openai_embedding import OpenAIEmbedder

    local = MiniLMEmbedder(threads=os.cpu_count() or 2)
    t0 = time.perf_counter()
    a = local.embed(texts)
    in_process = time.perf_counter() - t0
    remote = OpenAIEmbedder(embed_url, batch_size=32, concurrency=2)
    t0 = time.perf_counter()
    b = remote.embed(texts)
    served = time.perf_counter() - t0
    remote.close()
    return {
        "chunks": len(texts),
        "in_process_chunks_per_s": round(len(texts) / in_process, 1),
        "server_chunks_per_s": round(len(texts) / served, 1),
        "max_abs_difference": float(np.abs(a - b).max()),
    }


def measure_catalog(
    config: Config, items: list[tuple[Article, list[Any]]], queries: list[str]
) -> dict[str, Any]:
    cat = open_catalog(config)
    try:
        t0 = time.perf_counter()
        for i, (art, chunks) in enumerate(items):
            cat.put(art, f"hash-{i}", chunks)
        put_s = time.perf_counter() - t0
        n_chunks = sum(len(c) for _, c in items)
        t0 = time.perf_counter()
        for art, _ in items:
            cat.claim(art.doc_id, "other")
            cat.release([art.doc_id])
        claim_s = time.perf_counter() - t0
        lat = []
        for q in queries:
            t0 = time.perf_counter()
            cat.keyword_search(q, 40)
            lat.append(time.perf_counter() - t0)
        return {
            "docs": len(items),
            "chunks": n_chunks,
            "keyword_search_p95_ms": ms(lat, 95),
            "docs_per_s": round(len(items) / put_s, 1),
            "chunks_per_s": round(n_chunks / put_s, 1),
            "claim_release_per_s": round(len(items) / claim_s, 1),
            "keyword_search_p50_ms": ms(lat),
        }
    finally:
        cat.close()


def measure_chroma(chroma_url: str, n: int) -> dict[str, Any]:
    from bot.index.vectors import ChromaStore

    config = Config.from_env(env={}, chroma_url=chroma_url, collection="bench-vectors")
    store = ChromaStore.from_config(config)
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((n, 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids = [f"c{i}" for i in range(n)]
    metas = [{"doc_id": f"d{i // 10}"} for i in range(n)]
    t0 = time.perf_counter()
    for lo in range(0, n, 256):
        store.add(
            ids[lo : lo + 256], vecs[lo : lo + 256], ["x"] * len(ids[lo : lo + 256]), metas[lo : lo + 256]
        )
    add_s = time.perf_counter() - t0
    lat = []
    for i in range(30):
        t0 = time.perf_counter()
        store.query(vecs[i], 40)
        lat.append(time.perf_counter() - t0)
    return {"vectors": n, "add_vectors_per_s": round(n / add_s, 1), "query_top40_p50_ms": ms(lat)}


def measure_workers(
    jsonl: Path, workdir: Path, pg: PostgresServer, chroma_url: str, workers: list[int]
) -> list[dict[str, Any]]:
    rows = []
    for n in workers:
        db = f"ingest_w{n}"
        url = pg.new_database(db)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
        env.update({"BOT_HOME": str(workdir / f"home-w{n}"), "BOT_CATALOG_URL": url, "BOT_CHROMA_URL": chroma_url,
                    "BOT_COLLECTION": f"ingest-w{n}", "BOT_LLM": "none"})  # fmt: skip
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "ingest", str(jsonl), "--json", "--workers", str(n)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600,
        )  # fmt: skip
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-2000:])
        config = Config.from_env(env={}, catalog_url=url)
        cat = open_catalog(config)
        docs, chunks = cat.count()
        cat.close()
        rows.append({"workers": n, "docs": docs, "chunks": chunks, "wall_s": round(wall, 1),
                     "chunks_per_s": round(chunks / wall, 1), "load_after": os.getloadavg()[0]})  # fmt: skip
        print(json.dumps(rows[-1]), file=sys.stderr)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/benchmarks/realtimeqa-2023q4")
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument(
        "--catalog-articles", type=int, default=0, help="articles for the catalog figures (0 = all)"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    records = articles(args.data, args.articles)
    questions = [json.loads(line)["question"] for line in (args.data / "questions.jsonl").open()][:30]
    items = [(a, chunk_article(a, 200, 40)) for a in map(to_article, records)]
    texts = [embed_text(a.title, c.text) for a, cs in items for c in cs]
    every = articles(args.data, args.catalog_articles or 10**9)
    catalog_items = [(a, chunk_article(a, 200, 40)) for a in map(to_article, every)]
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise SystemExit("PostgreSQL server binaries not found (apt-get install postgresql)")
    result: dict[str, Any] = {"articles": len(records), "chunks": len(texts), "cpus": os.cpu_count(),
                              "commit": git_state(untracked=True)[0],
                              "load_before": os.getloadavg()[0]}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bot-scaling-") as tmp:
        workdir = Path(tmp)
        jsonl = workdir / "articles.jsonl"
        jsonl.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        pg = PostgresServer(bin_dir, durable=True)
        pg.start()
        chroma_port, embed_port = free_port(), free_port()
        chroma = start(
            [str(Path(sys.executable).with_name("chroma")), "run", "--path", str(workdir / "chroma"),
             "--host", "127.0.0.1", "--port", str(chroma_port)], workdir / "chroma.log",
            {**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )  # fmt: skip
        embed = start(
            [sys.executable, "-m", "bot", "embed-server", "--port", str(embed_port)], workdir / "embed.log"
        )
        chroma_url, embed_url = f"http://127.0.0.1:{chroma_port}", f"http://127.0.0.1:{embed_port}"
        try:
            wait_http(f"{chroma_url}/api/v2/heartbeat")
            wait_http(f"{embed_url}/health")
            result["embedding"] = measure_embedding(texts, embed_url)
            embed.terminate()
            sqlite_config = Config.from_env(env={}, home=workdir / "sqlite")
            result["catalog_sqlite"] = measure_catalog(sqlite_config, catalog_items, questions)
            pg_config = Config.from_env(env={}, catalog_url=pg.new_database("catalog_bench"))
            result["catalog_postgres"] = measure_catalog(pg_config, catalog_items, questions)
            result["chroma_server"] = measure_chroma(chroma_url, 5000)
            result["ingest_workers"] = measure_workers(
                jsonl, workdir, pg, chroma_url, [int(w) for w in args.workers.split(",")]
            )
        finally:
            for proc in (chroma, embed):
                proc.terminate()
                proc.wait(timeout=30)
            pg.stop()
    result["load_after"] = os.getloadavg()[0]
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
