"""The pipelines measured, one worker each: ours, and llama-index with our chunks or its defaults.

A worker runs in its own subprocess (``run.py --worker KIND --spec FILE``) so its peak RSS is its
own and one model load serves all of its phases; it blocks non-loopback connections and counts the
attempts, so no component (llama-index included) can reach a hosted API unnoticed. llama-index is
always handed our embedder, and its global ``Settings`` are never assigned.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.corpora import read_jsonl, synthetic_article, write_jsonl
from benchmarks.figures import (
    TOP_K,
    as_of,
    efficiency,
    ingest_figures,
    measure_answers,
    measure_queries,
    measure_raw,
    spread_sample,
)
from benchmarks.measure import (
    ROOT,
    Timers,
    cpu_seconds,
    latency_stats,
    loadavg,
    log,
    network_guard,
    peak_rss_mb,
    rss_mb,
)

RUN_SCRIPT = Path(__file__).resolve().with_name("run.py")  # its hidden --worker option runs one


def _config(spec: dict[str, Any]) -> Any:
    """The bot's configuration for one worker: its own store, the benchmark's chunk settings."""
    from bot.config import Config

    return Config.from_env(
        home=Path(spec["home"]),
        chunk_size=spec["chunk_size"],
        chunk_overlap=spec["chunk_overlap"],
        embed_batch=spec["embed_batch"],
    )


def worker_ours(spec: dict[str, Any]) -> dict[str, Any]:
    """Our pipeline on one corpus: ingest, raw ceiling, re-ingest, queries, one-article add, answers."""
    from bot.index.chunking import chunk_article
    from bot.index.ingest import Indexer
    from bot.index.records import keep_original
    from bot.service import Bot
    from bot.types import Article

    result: dict[str, Any] = {"pipeline": "ours", "load_start": loadavg()}
    corpus = Path(spec["corpus"])
    config = _config(spec)
    bot = Bot(config, llm="auto" if spec["answers"] else None)
    bot.indexer  # noqa: B018 - models and stores loaded before the clock starts
    bot.embedder.embed(["warm up"])
    # Chunking's first call imports the splitter and loads tiktoken: pay that outside the clock too.
    chunk_article(
        Article(text="Warm up. " * 50, title="", doc_id="warm"), config.chunk_size, config.chunk_overlap
    )
    result["setup_rss_mb"] = rss_mb()

    timers = Timers()
    # The bot's indexer on the bot's components, told to time its chunking and original-keeping
    # steps; every ingest below goes through it (Bot.ingest is indexer.ingest_paths).
    indexer = Indexer(
        config,
        bot.catalog,
        bot.vectors,
        bot.embedder,
        bot.write_lock,
        chunker=timers.timed(chunk_article, "chunk"),
        keeper=timers.timed(keep_original, "keep_original"),
    )
    timers.wrap(bot.embedder, "embed", "embed", record_texts=True)
    timers.wrap(bot.vectors, "add", "chroma_add")
    timers.wrap(bot.vectors, "delete_doc", "chroma_delete")
    timers.wrap(bot.catalog, "put", "catalog_put")
    timers.wrap(bot.catalog, "set_meta", "catalog_meta")
    log(f"ours: ingesting {spec['articles']} articles from {corpus.name}")
    c0, t0 = cpu_seconds(), time.perf_counter()
    results = indexer.ingest_paths([corpus])
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    timers.restore()
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    ingest = ingest_figures(wall, cpu, spec["articles"], spec["mb"], indexer.embedded_chunks, timers)
    ingest["statuses"] = statuses
    result["ingest"] = ingest
    log(f"ours: ingest {wall:.1f} s, {ingest['chunks']} chunks, {ingest['chunks_per_s']:.1f} chunks/s")

    result["raw"] = measure_raw(bot.embedder.embed, spread_sample(timers.recorded, spec["raw_chunks"]))
    result["efficiency"] = efficiency(ingest, result["raw"])
    log(f"ours: raw {result['raw']['chunks_per_s']:.1f} chunks/s")

    # Re-ingest of the unchanged corpus, warm (same process and models, as `bot serve` would).
    before = indexer.embedded_chunks
    t0 = time.perf_counter()
    again = indexer.ingest_paths([corpus])
    result["reingest"] = {
        "wall_s": time.perf_counter() - t0,
        "embedded": indexer.embedded_chunks - before,
        "unchanged": sum(r.status == "unchanged" for r in again),
        "articles": len(again),
    }
    log(f"ours: re-ingest {result['reingest']['wall_s']:.2f} s")

    stages: dict[str, list[float]] = {}

    def search_staged(q: dict[str, Any]) -> list[str]:
        found = bot.search(q["question"], k=TOP_K, as_of=as_of(q))
        for name, ms in found.timings_ms.items():
            stages.setdefault(name, []).append(ms)
        return [p.text for p in found.passages]

    result["retrieval"] = measure_queries(
        search_staged, spec["timed"], spec["recall"], lambda text: bot.search(text, k=TOP_K)
    )
    result["retrieval"]["stages_mean_ms"] = {k: sum(v) / len(v) for k, v in stages.items()}
    log(f"ours: retrieval p95 {result['retrieval']['p95_ms']:.1f} ms")

    # One new article into the large store, until a search finds it.
    record, question = synthetic_article("Oyelaran", spec["filler_text"], "bench-single-add-warm")
    path = Path(spec["workdir"]) / "single-add-warm.jsonl"
    write_jsonl([record], path)
    t0 = time.perf_counter()
    added = indexer.ingest_paths([path])
    t1 = time.perf_counter()
    found = bot.search(question, k=TOP_K)
    t2 = time.perf_counter()
    ranks = [i for i, p in enumerate(found.passages, 1) if p.doc_id == record["id"]]
    result["single_add"] = {
        "ingest_ms": (t1 - t0) * 1e3,
        "search_ms": (t2 - t1) * 1e3,
        "total_ms": (t2 - t0) * 1e3,
        "chunks": sum(r.chunks for r in added),
        "found_rank": ranks[0] if ranks else None,
    }
    log(
        f"ours: single add {result['single_add']['total_ms']:.0f} ms, rank {result['single_add']['found_rank']}"
    )

    if spec["answers"]:
        log(f"ours: answering {spec['answers']} questions with the answer model")
        result["answers"] = measure_answers(bot, spec["timed"][: spec["answers"]], spec["warmup_question"])
    result["store"] = {"chunks": bot.vectors.count(), "docs": bot.catalog.count()[0]}
    result["peak_rss_mb"] = peak_rss_mb()
    result["load_end"] = loadavg()
    bot.catalog.close()
    return result


def worker_llama_index(spec: dict[str, Any]) -> dict[str, Any]:
    """llama-index's own pipeline over Chroma with our embedder (no OpenAI anywhere).

    ``VectorStoreIndex.from_documents`` over a ``ChromaVectorStore`` on a fresh collection in a
    temp ``PersistentClient``; mode "li_chunks" passes ``SentenceSplitter(chunk_size, overlap)``
    and embeds in batches of our size, "li_defaults" passes no transformations (its default
    1024/200 splitter) and uses llama-index's default embed batch of 10. Documents carry the title
    as metadata, which llama-index embeds with the text as we do.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from bot.service import Bot

    mode = spec["mode"]
    result: dict[str, Any] = {"pipeline": mode, "load_start": loadavg()}
    config = _config(spec)
    embedder = Bot(config, llm=None).embedder
    embedder.embed(["warm up"])
    client = chromadb.PersistentClient(
        path=str(Path(spec["home"]) / "li-chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.create_collection(f"bench_{mode}", embedding_function=None)
    timers = Timers()
    timers.wrap(embedder, "embed", "embed", record_texts=True)
    model = embedder.as_llama_index()
    kwargs: dict[str, Any] = {}
    if mode == "li_chunks":
        kwargs["transformations"] = [
            SentenceSplitter(chunk_size=config.chunk_size, chunk_overlap=config.chunk_overlap)
        ]
        model.embed_batch_size = config.embed_batch
    else:
        model.embed_batch_size = 10  # BaseEmbedding's default (our adapter sets 32)
        SentenceSplitter()  # the default splitter's tokenizer load, outside the clock as for ours
    result["setup_rss_mb"] = rss_mb()
    log(f"{mode}: ingesting {spec['articles']} articles")
    c0, t0 = cpu_seconds(), time.perf_counter()
    docs = [
        Document(text=r["text"], id_=r["id"], metadata={"title": r.get("title") or ""})
        for r in read_jsonl(Path(spec["corpus"]))
    ]
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    index = VectorStoreIndex.from_documents(docs, storage_context=storage, embed_model=model, **kwargs)
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    timers.restore()
    ingest = ingest_figures(wall, cpu, spec["articles"], spec["mb"], collection.count(), timers)
    result["ingest"] = ingest
    log(f"{mode}: ingest {wall:.1f} s, {ingest['chunks']} chunks, {ingest['chunks_per_s']:.1f} chunks/s")
    result["raw"] = measure_raw(embedder.embed, spread_sample(timers.recorded, spec["raw_chunks"]))
    result["efficiency"] = efficiency(ingest, result["raw"])

    default_retriever = index.as_retriever()  # what its default query engine retrieves with: top 2
    top5 = index.as_retriever(similarity_top_k=TOP_K)
    timed = spec["timed"]
    top5_ms: list[float] = []
    top5_cpu: list[float] = []
    default_ms: list[float] = []

    def search_top5(q: dict[str, Any]) -> list[str]:
        """Top-5 texts for recall, timed on their own; then the default retriever, timed too."""
        c0, t0 = cpu_seconds(), time.perf_counter()
        texts = [n.node.get_content() for n in top5.retrieve(q["question"])]
        top5_ms.append((time.perf_counter() - t0) * 1e3)
        top5_cpu.append((cpu_seconds() - c0) * 1e3)
        t1 = time.perf_counter()
        default_retriever.retrieve(q["question"])
        default_ms.append((time.perf_counter() - t1) * 1e3)
        return texts

    retrieval = measure_queries(search_top5, timed, spec["recall"], lambda text: top5.retrieve(text))
    n = len(timed)
    retrieval.update({k: v for k, v in latency_stats(top5_ms[:n]).items()})
    retrieval["cpu"] = latency_stats(top5_cpu[:n])
    retrieval["default_top2"] = latency_stats(default_ms[:n])
    result["retrieval"] = retrieval
    log(f"{mode}: retrieval p95 {retrieval['p95_ms']:.1f} ms")
    result["peak_rss_mb"] = peak_rss_mb()
    result["load_end"] = loadavg()
    return result


WORKERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "ours": worker_ours,
    "li_chunks": worker_llama_index,
    "li_defaults": worker_llama_index,
}


def run_worker(kind: str, spec: dict[str, Any], in_process: bool) -> dict[str, Any]:
    """Run one pipeline: in a fresh subprocess (its own peak RSS) unless ``in_process``."""
    spec = {**spec, "mode": kind}
    if in_process:
        with network_guard() as attempts:
            done = WORKERS[kind](spec)
        done["network_attempts"] = attempts
        done["rss_note"] = "in-process run: peak RSS is the whole benchmark process's"
        return done
    spec_path = Path(spec["workdir"]) / f"spec-{kind}.json"
    result_path = Path(spec["workdir"]) / f"result-{kind}.json"
    spec_path.write_text(json.dumps(spec))
    result_path.unlink(missing_ok=True)
    cmd = [sys.executable, str(RUN_SCRIPT), "--worker", kind, "--spec", str(spec_path)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=worker_env(spec), cwd=ROOT)
    if proc.returncode != 0 or not result_path.exists():
        return {"pipeline": kind, "error": f"worker exited with {proc.returncode}"}
    result: dict[str, Any] = json.loads(result_path.read_text())
    result["process_wall_s"] = time.perf_counter() - t0
    return result


def worker_env(spec: dict[str, Any]) -> dict[str, str]:
    """A child's environment: the spec's store and settings, offline, no telemetry, no OpenAI key."""
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env.update(
        {
            "ANONYMIZED_TELEMETRY": "False",
            "GRADIO_ANALYTICS_ENABLED": "False",
            "HF_HUB_OFFLINE": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "BOT_HOME": spec["home"],
            "BOT_CHUNK_SIZE": str(spec["chunk_size"]),
            "BOT_CHUNK_OVERLAP": str(spec["chunk_overlap"]),
            "BOT_EMBED_BATCH": str(spec["embed_batch"]),
        }
    )
    env["PYTHONPATH"] = os.pathsep.join(x for x in (str(ROOT), env.get("PYTHONPATH", "")) if x)
    return env


def worker_main(kind: str, spec_path: Path) -> int:
    """The child's side of ``run_worker``: run the spec's pipeline, write its result beside the spec."""
    spec = json.loads(spec_path.read_text())
    with network_guard() as attempts:
        result = WORKERS[kind](spec)
    result["network_attempts"] = attempts
    (spec_path.parent / f"result-{kind}.json").write_text(json.dumps(result))
    return 0
