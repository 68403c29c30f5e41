"""Performance benchmark: ingest, re-ingest, one-article add, query and memory, beside llama-index.

Run ``.venv/bin/python benchmarks/run.py [--articles N] [--scales 1,2,4] [--questions 50] [--out DIR]``.
It prints Markdown tables and writes ``results.json`` and ``results.md`` (plus ``scaling.png`` when
matplotlib is importable; otherwise the chart is ASCII inside the Markdown) under ``--out``
(default ``benchmarks/results/<timestamp>/``, gitignored). ``benchmarks/README.md`` explains every
figure.

Each pipeline runs in its own subprocess (``--worker``), so its peak RSS is its own and one model
load serves all of its phases. The parent only prepares the corpora (the RealTimeQA articles chosen
question by question, and for the 2x/4x scales copies of them with new ids and a suffix sentence),
starts the workers, the cold CLI runs and ``bot serve``, and writes the report. Every worker blocks
non-loopback connections and counts the attempts, so no component (llama-index included) can reach
a hosted API unnoticed; llama-index is always handed our embedder, and its global ``Settings`` are
never assigned.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from evals.report import percentile  # noqa: E402

if TYPE_CHECKING:
    from bot.service import Bot

# The public benchmark is read in place, never copied here: --data or $NEWSBOT_BENCHMARK_DATA.
DEFAULT_DATA = os.environ.get("NEWSBOT_BENCHMARK_DATA")
DEFAULT_OUT = ROOT / "benchmarks" / "results"
TOP_K = 5
BUDGET_CHARS = 4000  # about what our top 5 hold (5 chunks of 200 tokens)
MODEL_MAX_TOKENS = 256  # MiniLM's window: longer texts are truncated to this many word pieces
WARMUP_QUERIES = ("hurricane damage in Florida", "who won the election", "central bank interest rates")
PIPELINES = {
    "ours": "ours",
    "li_chunks": "llama-index, our chunks (200/40)",
    "li_defaults": "llama-index defaults (1024/200)",
}


# --- process and machine measurements ------------------------------------------------------------
def _proc_status(pid: int | str = "self") -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {k: v.strip() for k, _, v in (line.partition(":") for line in lines)}


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak resident set (VmHWM) of a process in MB; for ourselves getrusage if /proc is missing."""
    hwm = _proc_status(pid).get("VmHWM", "")
    if hwm.endswith("kB"):
        return int(hwm.split()[0]) / 1024
    if pid == "self":
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return float("nan")


def rss_mb(pid: int | str = "self") -> float:
    rss = _proc_status(pid).get("VmRSS", "")
    return int(rss.split()[0]) / 1024 if rss.endswith("kB") else float("nan")


def cpu_seconds() -> float:
    """User + system CPU time of this process (all threads): steadier than wall time under load."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def machine_info() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gb = float("nan")
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        nproc = os.cpu_count() or 0
    return {
        "nproc": nproc,
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu or platform.processor(),
        "ram_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in (
        "onnxruntime",
        "tokenizers",
        "chromadb",
        "llama-index-core",
        "llama-index-vector-stores-chroma",
        "llama-cpp-python",
        "gradio",
    ):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"commit": git("rev-parse", "--short", "HEAD"), "dirty": bool(git("status", "--porcelain"))}


def latency_stats(ms: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(ms),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "mean_ms": sum(ms) / len(ms) if ms else None,
        "max_ms": max(ms) if ms else None,
    }


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {loadavg()[:1]}] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def network_guard() -> Iterator[list[str]]:
    """Refuse connections to anything but loopback/Unix sockets while inside; yields the attempts."""
    attempts: list[str] = []
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if self.family == socket.AF_UNIX or (
            isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1"))
        ):
            return real_connect(self, address)
        attempts.append(str(address))
        raise OSError(f"network access blocked by the benchmark: {address!r}")

    socket.socket.connect = guarded  # type: ignore[method-assign, assignment]
    try:
        yield attempts
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]


class Timers:
    """Wraps methods of live objects to add up the wall time spent in them; ``restore`` undoes it."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._undo: list[Callable[[], None]] = []
        self.recorded: list[str] = []  # texts passed to the wrapped embedder, for token counts

    def wrap(self, obj: Any, attr: str, label: str, record_texts: bool = False) -> None:
        original = getattr(obj, attr)
        had_own = isinstance(obj, type) or attr in getattr(obj, "__dict__", {})
        if isinstance(obj, type(os)):  # a module: put the function back
            had_own = True

        def timed(*args: Any, **kwargs: Any) -> Any:
            if record_texts and args:
                self.recorded.extend(args[0])
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - t0
                self.calls[label] = self.calls.get(label, 0) + 1

        setattr(obj, attr, timed)
        if had_own:
            self._undo.append(lambda: setattr(obj, attr, original))
        else:
            self._undo.append(lambda: delattr(obj, attr))

    def restore(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()


# --- data ----------------------------------------------------------------------------------------
def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_jsonl(records: Sequence[dict[str, Any]], path: Path) -> int:
    """Write records one a line; returns the file's size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for r in records:
            handle.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path.stat().st_size


def select_articles(
    articles: Sequence[dict[str, Any]], questions: Sequence[dict[str, Any]], n: int
) -> list[dict[str, Any]]:
    """``n`` articles (0 = all), taken question by question (each question's search results
    together) so the subset answers whole questions; topped up in file order."""
    if n <= 0 or n >= len(articles):
        return list(articles)
    by_id = {a["id"]: a for a in articles}
    chosen: dict[str, dict[str, Any]] = {}
    for q in questions:
        ids = [i for i in q.get("search_results", []) if i in by_id and i not in chosen]
        if len(chosen) + len(ids) > n:
            break
        chosen.update((i, by_id[i]) for i in ids)
    for a in articles:
        if len(chosen) >= n:
            break
        chosen.setdefault(a["id"], a)
    return list(chosen.values())


def scaled_corpus(base: Sequence[dict[str, Any]], scale: int) -> list[dict[str, Any]]:
    """``scale`` times the articles: copy k of each has id ``<id>-copy<k>`` and a suffix sentence."""
    out = list(base)
    for k in range(1, scale):
        for a in base:
            copy = dict(a)
            copy["id"] = f"{a['id']}-copy{k}"
            copy["text"] = a["text"].rstrip() + f"\n\nThis is reprint number {k} of this article."
            out.append(copy)
    return out


def contains_answer(text: str, gold: str) -> bool:
    """The project's matcher (bot.evaluate): case-insensitive; whole words for answers of at most
    four characters or numeric ones, substrings otherwise."""
    from evals.evaluate import contains_answer as match

    return match(text, gold)


def is_short_answer(gold: str) -> bool:
    from evals.evaluate import is_short_answer as short

    return short(gold)


def question_sets(
    questions: Sequence[dict[str, Any]], corpus: Sequence[dict[str, Any]], all_ids: set[str], n_timed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(timed, recall): ``n_timed`` questions to time (those covered by the corpus first), and the
    answerable covered questions that recall@k is computed on.

    Covered: every one of the question's search results that exists in the article file was
    ingested. Answerable: the gold answer occurs (same matcher as the metric) in one of them.
    """
    texts = {a["id"]: a["text"] for a in corpus}
    covered, other, recall = [], [], []
    for q in questions:
        results = [i for i in q.get("search_results", []) if i in all_ids]
        if results and all(i in texts for i in results):
            covered.append(q)
            if any(contains_answer(texts[i], q["answer"]) for i in results):
                recall.append(q)
        else:
            other.append(q)
    return (covered + other)[:n_timed], recall


def synthetic_article(tag: str, body: str, doc_id: str) -> tuple[dict[str, Any], str]:
    """A news article no other article resembles at its start, and a question only it answers."""
    person = f"Marisol {tag}-Quenneville"
    institute = f"{tag} Institute for Glacier Studies"
    lead = (
        f"{person} was named director of the {institute} on Tuesday, the institute's board said, "
        f"ending a six-month search. {person} previously led the field programme that mapped "
        f"meltwater channels under the {tag} ice shelf."
    )
    record = {
        "id": doc_id,
        "title": f"{person} named director of the {institute}",
        "published": "2023-12-05",
        "url": f"https://example.org/news/{doc_id}",
        "authors": [],
        "text": lead + "\n\n" + body,
    }
    return record, f"Who was named director of the {institute}?"


# --- the measurements a worker runs --------------------------------------------------------------
def model_tokens(texts: Sequence[str]) -> tuple[list[int], list[int]]:
    """Per text: word pieces the model sees (with [CLS]/[SEP], at most 256), and the full length."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(ROOT / "bot" / "data" / "minilm-tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    full = [len(e.ids) for e in tok.encode_batch(list(texts))]
    return [min(n, MODEL_MAX_TOKENS) for n in full], full


def spread_sample(items: Sequence[str], n: int) -> list[str]:
    if n <= 0 or n >= len(items):
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def measure_raw(embed: Callable[[list[str]], Any], texts: Sequence[str]) -> dict[str, Any]:
    """The ceiling: the embedder alone on chunk texts (one call, as the model's own API sorts and
    batches them), in tokens/s of real (unpadded) word pieces and chunks/s."""
    texts = list(texts)
    seen, _ = model_tokens(texts)
    embed(texts[: min(8, len(texts))])  # warm the session's buffers
    c0, t0 = cpu_seconds(), time.perf_counter()
    embed(texts)
    wall = time.perf_counter() - t0
    cpu = cpu_seconds() - c0
    return {
        "chunks": len(texts),
        "tokens": sum(seen),
        "wall_s": wall,
        "cpu_s": cpu,
        "chunks_per_s": len(texts) / wall,
        "tokens_per_s": sum(seen) / wall,
        "tokens_per_cpu_s": sum(seen) / cpu if cpu else None,
        "load": loadavg(),
    }


def ingest_figures(
    wall: float, cpu: float, articles: int, mb: float, chunks: int, timers: Timers
) -> dict[str, Any]:
    seen, full = model_tokens(timers.recorded)
    embed_s = timers.seconds.get("embed", 0.0)
    tokens = sum(seen)
    return {
        "articles": articles,
        "mb": mb,
        "chunks": chunks,
        "tokens": tokens,
        "chunk_tokens_full": sum(full),
        "seen_share": tokens / sum(full) if full else None,  # what the 256-piece window covers
        "wall_s": wall,
        "cpu_s": cpu,
        "chunks_per_s": chunks / wall if wall else None,
        "tokens_per_s": tokens / wall if wall else None,
        "tokens_per_cpu_s": tokens / cpu if cpu else None,
        "ms_per_article": wall * 1e3 / articles if articles else None,
        "s_per_mb": wall / mb if mb else None,
        "embed_s": embed_s,
        "embed_tokens_per_s": tokens / embed_s if embed_s else None,
        "outside_embedding_share": (wall - embed_s) / wall if wall else None,
        "breakdown_s": {k: round(v, 3) for k, v in sorted(timers.seconds.items())},
        "breakdown_calls": dict(sorted(timers.calls.items())),
        "peak_rss_mb": peak_rss_mb(),
        "load": loadavg(),
    }


def efficiency(ingest: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    """Ingest over the ceiling, by wall time and by CPU time. On a shared machine the process gets
    a varying share of the cores, so the CPU-time ratio is the steadier of the two."""
    ceiling = raw.get("tokens_per_s") or 0
    cpu_ceiling = raw.get("tokens_per_cpu_s") or 0
    return {
        "ingest_vs_raw": (ingest["tokens_per_s"] or 0) / ceiling if ceiling else None,
        "embed_phase_vs_raw": (ingest["embed_tokens_per_s"] or 0) / ceiling if ceiling else None,
        "ingest_vs_raw_cpu": (ingest.get("tokens_per_cpu_s") or 0) / cpu_ceiling if cpu_ceiling else None,
        "cores_used_ingest": ingest["cpu_s"] / ingest["wall_s"] if ingest.get("wall_s") else None,
        "cores_used_raw": raw["cpu_s"] / raw["wall_s"] if raw.get("wall_s") else None,
    }


def measure_queries(
    search: Callable[[dict[str, Any]], list[str]],
    timed: Sequence[dict[str, Any]],
    recall: Sequence[dict[str, Any]],
    warmup: Callable[[str], Any],
) -> dict[str, Any]:
    """Latency over the timed questions (after warm-up) and answer recall@k over the recall set.

    ``search(q)`` returns the top-k passage texts. Recall is also given without the short answers
    (at most 4 characters or numeric), which matching finds by accident most easily."""
    for text in WARMUP_QUERIES:
        warmup(text)
    order: dict[str, dict[str, Any]] = {q["id"]: q for q in [*timed, *recall]}
    ms: dict[str, float] = {}
    cpu_ms: dict[str, float] = {}
    texts: dict[str, list[str]] = {}
    for qid, q in order.items():
        c0, t0 = cpu_seconds(), time.perf_counter()
        texts[qid] = search(q)
        ms[qid] = (time.perf_counter() - t0) * 1e3
        cpu_ms[qid] = (cpu_seconds() - c0) * 1e3
    out = latency_stats([ms[q["id"]] for q in timed])
    # CPU time per query (all threads): steadier than wall time when the machine is shared. On an
    # idle machine it exceeds wall time, as the query embedding runs on two threads.
    out["cpu"] = latency_stats([cpu_ms[q["id"]] for q in timed])
    hits = [any(contains_answer(t, q["answer"]) for t in texts[q["id"]][:TOP_K]) for q in recall]
    # Bigger chunks hold more text in their top 5: also score every system on the same amount of
    # retrieved text (the first BUDGET_CHARS characters of its top 5, in rank order).
    budget_hits = [
        contains_answer("\n".join(texts[q["id"]][:TOP_K])[:BUDGET_CHARS], q["answer"]) for q in recall
    ]
    sizes = [sum(len(t) for t in texts[q["id"]][:TOP_K]) for q in recall]
    long_hits = [h for h, q in zip(hits, recall, strict=True) if not is_short_answer(q["answer"])]
    out.update(
        {
            "recall_at_5": sum(hits) / len(hits) if hits else None,
            "recall_n": len(hits),
            "recall_at_5_long": sum(long_hits) / len(long_hits) if long_hits else None,
            "recall_n_long": len(long_hits),
            "recall_hits": {q["id"]: h for q, h in zip(recall, hits, strict=True)},
            "recall_at_5_budget": sum(budget_hits) / len(budget_hits) if budget_hits else None,
            "budget_chars": BUDGET_CHARS,
            "top5_chars_mean": sum(sizes) / len(sizes) if sizes else None,
            "load": loadavg(),
        }
    )
    return out


def measure_answers(bot: Bot, questions: Sequence[dict[str, Any]], warmup_question: str) -> dict[str, Any]:
    """Time to first token and to the full answer with the configured answer model, after warm-up
    (models loaded, one question answered). Extractive and refused answers have no first token."""
    t0 = time.perf_counter()
    bot.warm_up()
    load_s = time.perf_counter() - t0
    if bot.llm is None:
        return {"model": None, "error": bot.llm_error or "no answer model", "n": 0}
    bot.ask(warmup_question)
    first: list[float] = []
    total: list[float] = []
    modes: dict[str, int] = {}
    correct = 0
    for q in questions:
        t0 = time.perf_counter()
        first_ms, final = None, None
        for event in bot.stream(q["question"], as_of=_as_of(q)):
            if event.kind == "token" and first_ms is None:
                first_ms = (time.perf_counter() - t0) * 1e3
            elif event.kind == "answer":
                final = event.answer
        total.append((time.perf_counter() - t0) * 1e3)
        if first_ms is not None:
            first.append(first_ms)
        mode = final.mode if final is not None else "none"
        modes[mode] = modes.get(mode, 0) + 1
        correct += bool(final and contains_answer(final.text, q["answer"]))
    return {
        "model": getattr(bot.llm, "name", type(bot.llm).__name__),
        "load_s": load_s,
        "n": len(questions),
        "first_token": latency_stats(first),
        "total": latency_stats(total),
        "modes": modes,
        "gold_in_answer": correct,
        "peak_rss_mb": peak_rss_mb(),
        "load": loadavg(),
    }


def _as_of(q: dict[str, Any]) -> date | None:
    return date.fromisoformat(q["date"]) if q.get("date") else None


# --- workers -------------------------------------------------------------------------------------
def _config(spec: dict[str, Any]) -> Any:
    from bot.config import Config

    return Config.from_env(
        home=Path(spec["home"]),
        chunk_size=spec["chunk_size"],
        chunk_overlap=spec["chunk_overlap"],
        embed_batch=spec["embed_batch"],
    )


def worker_ours(spec: dict[str, Any]) -> dict[str, Any]:
    """Our pipeline on one corpus: ingest, raw ceiling, re-ingest, queries, one-article add, answers."""
    import bot.index.ingest as ingest_module
    from bot.service import Bot

    result: dict[str, Any] = {"pipeline": "ours", "load_start": loadavg()}
    corpus = Path(spec["corpus"])
    config = _config(spec)
    bot = Bot(config, llm="auto" if spec["answers"] else None)
    bot.indexer  # noqa: B018 - models and stores loaded before the clock starts
    bot.embedder.embed(["warm up"])
    # Chunking's first call imports the splitter and loads tiktoken: pay that outside the clock too.
    from bot.index.chunking import chunk_article
    from bot.types import Article

    chunk_article(
        Article(text="Warm up. " * 50, title="", doc_id="warm"), config.chunk_size, config.chunk_overlap
    )
    result["setup_rss_mb"] = rss_mb()

    timers = Timers()
    timers.wrap(bot.embedder, "embed", "embed", record_texts=True)
    timers.wrap(ingest_module, "chunk_article", "chunk")
    timers.wrap(bot.vectors, "add", "chroma_add")
    timers.wrap(bot.vectors, "delete_doc", "chroma_delete")
    timers.wrap(bot.catalog, "put", "catalog_put")
    timers.wrap(bot.catalog, "set_meta", "catalog_meta")
    timers.wrap(bot.indexer, "_keep_original", "keep_original")
    log(f"ours: ingesting {spec['articles']} articles from {corpus.name}")
    c0, t0 = cpu_seconds(), time.perf_counter()
    results = bot.ingest([corpus])
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    timers.restore()
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    ingest = ingest_figures(wall, cpu, spec["articles"], spec["mb"], bot.indexer.embedded_chunks, timers)
    ingest["statuses"] = statuses
    result["ingest"] = ingest
    log(f"ours: ingest {wall:.1f} s, {ingest['chunks']} chunks, {ingest['chunks_per_s']:.1f} chunks/s")

    result["raw"] = measure_raw(bot.embedder.embed, spread_sample(timers.recorded, spec["raw_chunks"]))
    result["efficiency"] = efficiency(ingest, result["raw"])
    log(f"ours: raw {result['raw']['chunks_per_s']:.1f} chunks/s")

    # Re-ingest of the unchanged corpus, warm (same process and models, as `bot serve` would).
    before = bot.indexer.embedded_chunks
    t0 = time.perf_counter()
    again = bot.ingest([corpus])
    result["reingest"] = {
        "wall_s": time.perf_counter() - t0,
        "embedded": bot.indexer.embedded_chunks - before,
        "unchanged": sum(r.status == "unchanged" for r in again),
        "articles": len(again),
    }
    log(f"ours: re-ingest {result['reingest']['wall_s']:.2f} s")

    def search(q: dict[str, Any]) -> list[str]:
        return [p.text for p in bot.search(q["question"], k=TOP_K, as_of=_as_of(q)).passages]

    stages: dict[str, list[float]] = {}

    def search_staged(q: dict[str, Any]) -> list[str]:
        found = bot.search(q["question"], k=TOP_K, as_of=_as_of(q))
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
    added = bot.ingest([path])
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
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--spec", str(spec_path)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=worker_env(spec), cwd=ROOT)
    if proc.returncode != 0 or not result_path.exists():
        return {"pipeline": kind, "error": f"worker exited with {proc.returncode}"}
    result: dict[str, Any] = json.loads(result_path.read_text())
    result["process_wall_s"] = time.perf_counter() - t0
    return result


def worker_env(spec: dict[str, Any]) -> dict[str, str]:
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
    spec = json.loads(spec_path.read_text())
    with network_guard() as attempts:
        result = WORKERS[kind](spec)
    result["network_attempts"] = attempts
    (spec_path.parent / f"result-{kind}.json").write_text(json.dumps(result))
    return 0


# --- cold runs from the parent: the CLI in fresh processes, and `bot serve` -----------------------
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
    if not (ROOT / "bot" / "app.py").exists():
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


# --- report --------------------------------------------------------------------------------------
def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    return str(value)


def ratio(a: Any, b: Any) -> str:
    if not isinstance(a, int | float) or not isinstance(b, int | float) or not b:
        return "n/a"
    return f"{a / b:.2f}×"


# (label, path in a worker result, digits): the comparison table's rows.
ROWS: list[tuple[str, tuple[str, ...], int]] = [
    ("raw embedding ceiling, tokens/s", ("raw", "tokens_per_s"), 0),
    ("raw embedding ceiling, chunks/s", ("raw", "chunks_per_s"), 1),
    ("ingest: chunks", ("ingest", "chunks"), 0),
    ("ingest: share of chunk tokens the model sees", ("ingest", "seen_share"), 2),
    ("ingest: wall time, s", ("ingest", "wall_s"), 1),
    ("ingest: chunks/s", ("ingest", "chunks_per_s"), 1),
    ("ingest: tokens/s", ("ingest", "tokens_per_s"), 0),
    ("ingest: tokens/s ÷ raw ceiling", ("efficiency", "ingest_vs_raw"), 2),
    ("ingest: embedding-phase tokens/s ÷ raw ceiling", ("efficiency", "embed_phase_vs_raw"), 2),
    ("ingest: tokens per CPU-s ÷ raw ceiling's", ("efficiency", "ingest_vs_raw_cpu"), 2),
    ("cores this process got during ingest (CPU s / wall s)", ("efficiency", "cores_used_ingest"), 2),
    ("cores this process got during the raw ceiling", ("efficiency", "cores_used_raw"), 2),
    ("ingest: share of wall time outside embedding", ("ingest", "outside_embedding_share"), 3),
    ("ingest: ms per article", ("ingest", "ms_per_article"), 0),
    ("ingest: s per MB of JSONL", ("ingest", "s_per_mb"), 1),
    ("ingest: CPU s (all threads)", ("ingest", "cpu_s"), 1),
    ("ingest: peak RSS, MB", ("ingest", "peak_rss_mb"), 0),
    ("re-ingest unchanged (warm), s", ("reingest", "wall_s"), 2),
    ("re-ingest: chunks embedded", ("reingest", "embedded"), 0),
    ("one-article add until found (warm), ms", ("single_add", "total_ms"), 0),
    ("retrieval p50, ms", ("retrieval", "p50_ms"), 1),
    ("retrieval p95, ms", ("retrieval", "p95_ms"), 1),
    ("retrieval p95, default as_retriever() (top 2), ms", ("retrieval", "default_top2", "p95_ms"), 1),
    ("retrieval CPU time p50, ms (all threads)", ("retrieval", "cpu", "p50_ms"), 1),
    ("retrieval CPU time p95, ms", ("retrieval", "cpu", "p95_ms"), 1),
    ("answer recall@5", ("retrieval", "recall_at_5"), 3),
    ("answer recall@5 without short answers", ("retrieval", "recall_at_5_long"), 3),
    ("characters in the top 5 (mean)", ("retrieval", "top5_chars_mean"), 0),
    ("answer recall in the top 5's first 4,000 characters", ("retrieval", "recall_at_5_budget"), 3),
    ("time to first token p50, ms", ("answers", "first_token", "p50_ms"), 0),
    ("time to first token p95, ms", ("answers", "first_token", "p95_ms"), 0),
    ("full answer p50, ms", ("answers", "total", "p50_ms"), 0),
    ("full answer p95, ms", ("answers", "total", "p95_ms"), 0),
    ("worker peak RSS, MB", ("peak_rss_mb",), 0),
]


def comparison_table(run: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    ours, li1, li2 = run.get("ours", {}), run.get("li_chunks", {}), run.get("li_defaults", {})
    header = [
        "figure",
        "ours",
        PIPELINES["li_chunks"],
        PIPELINES["li_defaults"],
        "ours ÷ li chunks",
        "ours ÷ li defaults",
    ]
    rows = []
    for label, path, digits in ROWS:
        a, b, c = _get(ours, *path), _get(li1, *path), _get(li2, *path)
        if a is None and b is None and c is None:
            continue
        rows.append([label, fmt(a, digits), fmt(b, digits), fmt(c, digits), ratio(a, b), ratio(a, c)])
    cold = run.get("cold", {})
    serve = run.get("serve", {})
    extra = [
        ("re-ingest unchanged, `bot ingest` in a new process, s", cold.get("reingest_s"), 1),
        ("one-article add, `bot ingest` + `bot search` in new processes, s", cold.get("single_add_s"), 1),
        ("`bot serve` peak RSS after startup, MB", serve.get("peak_rss_after_startup_mb"), 0),
        ("`bot serve` peak RSS after one search and one answer, MB", serve.get("peak_rss_mb"), 0),
    ]
    for label, value, digits in extra:
        if value is not None or label.startswith("`bot serve`"):
            shown = fmt(value, digits) if value is not None else serve.get("error", "n/a")
            rows.append([label, shown, "n/a", "n/a", "", ""])
    return header, rows


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def growth_exponent(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Least-squares slope of log y on log x: 1 is linear, below 1 sub-linear."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True) if x and y and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    den = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / den if den else None


SCALING_COLS: list[tuple[str, tuple[str, ...], int]] = [
    ("articles", ("ingest", "articles"), 0),
    ("chunks", ("ingest", "chunks"), 0),
    ("ingest s", ("ingest", "wall_s"), 1),
    ("chunks/s", ("ingest", "chunks_per_s"), 1),
    ("raw chunks/s", ("raw", "chunks_per_s"), 1),
    ("ingest ÷ raw", ("efficiency", "ingest_vs_raw"), 2),
    ("ingest ÷ raw, CPU", ("efficiency", "ingest_vs_raw_cpu"), 2),
    ("outside embed", ("ingest", "outside_embedding_share"), 3),
    ("ingest CPU s", ("ingest", "cpu_s"), 1),
    ("ingest RSS MB", ("ingest", "peak_rss_mb"), 0),
    ("re-ingest s", ("reingest", "wall_s"), 2),
    ("1-article add ms", ("single_add", "total_ms"), 0),
    ("retrieval p50 ms", ("retrieval", "p50_ms"), 1),
    ("retrieval p95 ms", ("retrieval", "p95_ms"), 1),
    ("retrieval CPU p95 ms", ("retrieval", "cpu", "p95_ms"), 1),
    ("recall@5", ("retrieval", "recall_at_5"), 3),
]


def scaling_rows(runs: dict[str, dict[str, Any]]) -> tuple[list[str], list[list[str]], dict[str, Any]]:
    header = ["scale", *(c[0] for c in SCALING_COLS), "serve RSS MB", "load (1 min) start→end"]
    rows = []
    for label, run in runs.items():
        ours = run.get("ours", {})
        cells = [label] + [fmt(_get(ours, *path), digits) for _, path, digits in SCALING_COLS]
        cells.append(fmt(_get(run, "serve", "peak_rss_mb"), 0))
        start, end = ours.get("load_start") or [None], ours.get("load_end") or [None]
        cells.append(f"{fmt(start[0], 2)}→{fmt(end[0], 2)}")
        rows.append(cells)
    xs = [_get(r, "ours", "ingest", "articles") or 0 for r in runs.values()]
    growth = {}
    for key, path in {
        "ingest_wall_s": ("ingest", "wall_s"),
        "ingest_cpu_s": ("ingest", "cpu_s"),
        "reingest_s": ("reingest", "wall_s"),
        "single_add_ms": ("single_add", "total_ms"),
        "retrieval_p50_ms": ("retrieval", "p50_ms"),
        "retrieval_p95_ms": ("retrieval", "p95_ms"),
        "retrieval_cpu_p95_ms": ("retrieval", "cpu", "p95_ms"),
    }.items():
        ys = [_get(r, "ours", *path) or 0 for r in runs.values()]
        growth[key] = growth_exponent(xs, ys)
    return header, rows, growth


def ascii_chart(title: str, xs: Sequence[int], ys: Sequence[float], unit: str, width: int = 48) -> str:
    """Horizontal bars per corpus size, with '|' where linear growth from the smallest would be."""
    if not ys or not any(ys):
        return ""
    linear = [ys[0] * x / xs[0] for x in xs] if xs[0] else list(ys)
    top = max([*ys, *linear]) or 1.0
    lines = [f"{title}   ('|' = linear growth from the first size)"]
    for x, y, lin in zip(xs, ys, linear, strict=True):
        bar = ["█"] * max(1, round(y / top * width)) + [" "] * width
        bar = bar[: width + 1]
        mark = min(width, round(lin / top * width))
        bar[mark] = "|" if bar[mark] == " " else "╂"
        lines.append(f"{x:>7,} articles {''.join(bar)} {fmt(y, 1)} {unit}")
    return "\n".join(lines)


def png_chart(path: Path, runs: dict[str, dict[str, Any]]) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    xs = [_get(r, "ours", "ingest", "articles") or 0 for r in runs.values()]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, (name, path_, unit) in zip(
        axes,
        [("ingest wall time", ("ingest", "wall_s"), "s"), ("retrieval p95", ("retrieval", "p95_ms"), "ms")],
        strict=True,
    ):
        ys = [_get(r, "ours", *path_) or 0 for r in runs.values()]
        ax.plot(xs, ys, "o-", label="measured")
        if xs and xs[0]:
            ax.plot(xs, [ys[0] * x / xs[0] for x in xs], "--", label="linear from 1×")
        ax.set_xlabel("articles")
        ax.set_ylabel(unit)
        ax.set_title(name)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    runs = report["runs"]
    first: dict[str, Any] = next(iter(runs.values()), {})
    last: dict[str, Any] = list(runs.values())[-1] if runs else {}
    ours1 = first.get("ours", {})
    oursN = last.get("ours", {})
    growth = report.get("growth", {})
    items = [
        (
            "embedding-phase tokens/s within 10% of raw",
            "≥ 0.90",
            _get(ours1, "efficiency", "embed_phase_vs_raw"),
            lambda v: v >= 0.9,
        ),
        (
            "ingest tokens/s within 10% of raw (wall)",
            "≥ 0.90",
            _get(ours1, "efficiency", "ingest_vs_raw"),
            lambda v: v >= 0.9,
        ),
        (
            "ingest tokens per CPU-second within 10% of raw",
            "≥ 0.90",
            _get(ours1, "efficiency", "ingest_vs_raw_cpu"),
            lambda v: v >= 0.9,
        ),
        (
            "wall time outside embedding",
            "≤ 0.10",
            _get(ours1, "ingest", "outside_embedding_share"),
            lambda v: v <= 0.1,
        ),
        (
            f"re-ingest unchanged ({_get(oursN, 'ingest', 'articles')} articles, warm), s",
            "≤ 10",
            _get(oursN, "reingest", "wall_s"),
            lambda v: v <= 10,
        ),
        (
            f"re-ingest unchanged ({_get(oursN, 'ingest', 'articles')} articles, new process), s",
            "≤ 10",
            _get(last, "cold", "reingest_s"),
            lambda v: v <= 10,
        ),
        (
            "one-article add until found (warm), ms",
            "≤ 2000",
            _get(oursN, "single_add", "total_ms"),
            lambda v: v <= 2000,
        ),
        (
            "one-article add until found (new processes), s",
            "≤ 2",
            _get(last, "cold", "single_add_s"),
            lambda v: v <= 2,
        ),
        (
            f"retrieval p95 ({_get(oursN, 'ingest', 'articles')} articles), ms",
            "≤ 100",
            _get(oursN, "retrieval", "p95_ms"),
            lambda v: v <= 100,
        ),
        (
            "time to first token p95 (0.5B), ms",
            "≤ 1500",
            _get(ours1, "answers", "first_token", "p95_ms"),
            lambda v: v <= 1500,
        ),
        (
            "time to first token p50 (0.5B), ms",
            "≤ 1500",
            _get(ours1, "answers", "first_token", "p50_ms"),
            lambda v: v <= 1500,
        ),
        ("ingest wall growth exponent", "≤ 1.1", growth.get("ingest_wall_s"), lambda v: v <= 1.1),
        ("retrieval p95 growth exponent", "≤ 1.1", growth.get("retrieval_p95_ms"), lambda v: v <= 1.1),
    ]
    out = []
    for name, target, value, ok in items:
        out.append(
            {
                "name": name,
                "target": target,
                "value": value,
                "met": None if value is None else bool(ok(value)),
            }
        )
    return out


def render(report: dict[str, Any], png: bool) -> str:
    meta = report["meta"]
    m = meta["machine"]
    parts = [
        "# Benchmark results",
        "",
        f"Command: `{meta['command']}`",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu_model']}), {m['ram_gb']} GB RAM, Python {m['python']}; "
        f"load average (1/5/15 min) {meta['load_start']} at start, {meta['load_end']} at end. "
        f"Started {meta['started']}, took {fmt(meta.get('duration_s', 0) / 60, 1)} min. Git {meta['git']['commit']}"
        + (" (dirty)" if meta["git"]["dirty"] else "")
        + ".",
        "",
        *([f"Note: {meta['note']}", ""] if meta.get("note") else []),
        f"Settings: chunks {meta['settings']['chunk_size']}/{meta['settings']['chunk_overlap']}, "
        f"embed batch {meta['settings']['embed_batch']}, {meta['settings']['questions']} timed questions, "
        f"{meta['settings']['answers']} answered with the model, raw ceiling on {meta['settings']['raw_chunks']} chunks.",
        "",
    ]
    for label, run in report["runs"].items():
        header, rows = comparison_table(run)
        n = _get(run, "ours", "ingest", "articles")
        recall_n = _get(run, "ours", "retrieval", "recall_n")
        parts += [
            f"## {label}: {fmt(n)} articles ({fmt(run.get('mb'), 1)} MB), recall on {fmt(recall_n)} answerable questions",
            "",
            markdown_table(header, rows),
            "",
        ]
    if len(report["runs"]) > 1:
        header, rows, growth = scaling_rows(report["runs"])
        parts += ["## Scaling (ours)", "", markdown_table(header, rows), ""]
        parts += [
            "Growth exponents (slope of log cost on log size; 1 = linear): "
            + ", ".join(f"{k} {fmt(v, 2)}" for k, v in growth.items()),
            "",
        ]
        xs = [_get(r, "ours", "ingest", "articles") or 0 for r in report["runs"].values()]
        if png:
            parts += ["![scaling](scaling.png)", ""]
        charts = [
            ascii_chart(
                "ingest wall time",
                xs,
                [_get(r, "ours", "ingest", "wall_s") or 0 for r in report["runs"].values()],
                "s",
            ),
            ascii_chart(
                "ingest CPU time",
                xs,
                [_get(r, "ours", "ingest", "cpu_s") or 0 for r in report["runs"].values()],
                "s",
            ),
            ascii_chart(
                "retrieval p95",
                xs,
                [_get(r, "ours", "retrieval", "p95_ms") or 0 for r in report["runs"].values()],
                "ms",
            ),
        ]
        parts += ["```", "\n\n".join(c for c in charts if c), "```", ""]
    parts += [
        "## Targets",
        "",
        markdown_table(
            ["target", "wanted", "measured", "met"],
            [
                [t["name"], t["target"], fmt(t["value"], 2), fmt(t["met"]) if t["met"] is not None else "n/a"]
                for t in report["targets"]
            ],
        ),
        "",
    ]
    return "\n".join(parts)


# --- orchestration -------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    from bot.config import Config

    defaults = Config()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--articles", type=int, default=300, help="articles at 1x (0 = all 2,733)")
    p.add_argument("--scales", default="1,2,4", help="corpus multiples, e.g. 1,2,4")
    p.add_argument("--questions", type=int, default=50, help="questions timed for retrieval")
    p.add_argument("--answers", type=int, default=10, help="questions answered by the model at 1x (0 = skip)")
    p.add_argument("--raw-chunks", type=int, default=512, help="chunks for the raw embedding ceiling")
    p.add_argument("--out", type=Path, help="results folder (default benchmarks/results/<timestamp>)")
    p.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="folder with articles.jsonl and questions.jsonl"
    )
    p.add_argument("--skip-baselines", action="store_true", help="ours only (no llama-index pipelines)")
    p.add_argument(
        "--pipelines",
        default=",".join(PIPELINES),
        help="which pipelines to run, comma-separated (default all: " + ",".join(PIPELINES) + ")",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="keep what --out's results.json already holds and run only the missing pipelines",
    )
    p.add_argument(
        "--scale-baselines", action="store_true", help="llama-index pipelines at every scale, not only 1x"
    )
    p.add_argument("--no-serve", action="store_true", help="skip the `bot serve` peak RSS")
    p.add_argument("--no-cold", action="store_true", help="skip the CLI runs in new processes")
    p.add_argument(
        "--in-process", action="store_true", help="run pipelines in this process (tests; RSS shared)"
    )
    p.add_argument("--keep", action="store_true", help="keep the temporary stores and corpora")
    p.add_argument("--workdir", type=Path, help="where stores and corpora go (default a temp dir)")
    p.add_argument("--chunk-size", type=int, default=defaults.chunk_size)
    p.add_argument("--chunk-overlap", type=int, default=defaults.chunk_overlap)
    p.add_argument("--embed-batch", type=int, default=defaults.embed_batch)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--note", default="", help="a line recorded with the results (e.g. which source snapshot)")
    p.add_argument("--render", type=Path, help="only rewrite results.md (and derived JSON fields) of DIR")
    p.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    p.add_argument("--spec", type=Path, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _done(entry: Any) -> bool:
    return isinstance(entry, dict) and "error" not in entry


def run(args: argparse.Namespace, argv: Sequence[str] | None = None) -> dict[str, Any]:
    started = time.time()
    wanted = [k.strip() for k in str(args.pipelines).split(",") if k.strip()]
    unknown = set(wanted) - set(PIPELINES)
    if unknown:
        raise SystemExit(f"unknown pipeline(s) {sorted(unknown)}: choose from {', '.join(PIPELINES)}")
    scales = [int(s) for s in str(args.scales).split(",") if s.strip()]
    out = args.out or DEFAULT_OUT / datetime.now().strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bot-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    random.seed(args.seed)

    if args.data is None:
        raise SystemExit(
            "pass --data DIR (RealTimeQA: articles.jsonl, questions.jsonl) or set NEWSBOT_BENCHMARK_DATA"
        )
    articles = read_jsonl(args.data / "articles.jsonl")
    questions = read_jsonl(args.data / "questions.jsonl")
    all_ids = {a["id"] for a in articles}
    base = select_articles(articles, questions, args.articles)
    base_ids = {a["id"] for a in base}
    outside = [a for a in articles if a["id"] not in base_ids]
    lengths = sorted((len(a["text"]), i) for i, a in enumerate(outside or articles))
    filler = (outside or articles)[lengths[len(lengths) // 2][1]]["text"]  # a median-length body
    timed, recall = question_sets(questions, base, all_ids, args.questions)
    warmup_question = next((q["question"] for q in questions if q not in timed), WARMUP_QUERIES[0])
    log(f"{len(base)} articles at 1x; {len(timed)} timed questions, {len(recall)} answerable for recall")

    report: dict[str, Any] = {
        "meta": {
            "command": " ".join([".venv/bin/python", "benchmarks/run.py", *(argv or sys.argv[1:])]),
            "started": datetime.fromtimestamp(started).isoformat(timespec="seconds"),
            "machine": machine_info(),
            "versions": versions(),
            "git": git_state(),
            "load_start": loadavg(),
            "note": args.note,
            "settings": {
                "articles": len(base),
                "scales": scales,
                "questions": len(timed),
                "recall_questions": len(recall),
                "answers": args.answers,
                "raw_chunks": args.raw_chunks,
                "chunk_size": args.chunk_size,
                "chunk_overlap": args.chunk_overlap,
                "embed_batch": args.embed_batch,
                "top_k": TOP_K,
                "data": str(args.data),
            },
        },
        "runs": {},
    }
    previous = out / "results.json"
    if args.resume and previous.exists():  # a long run split over sessions, or resumed after a kill
        earlier = json.loads(previous.read_text())
        report["runs"] = earlier.get("runs", {})
        report["meta"]["resumed"] = [*earlier["meta"].get("resumed", []), _meta_summary(earlier["meta"])]
    try:
        for i, scale in enumerate(scales):
            label = f"{scale}x"
            corpus = scaled_corpus(base, scale)
            corpus_path = work / f"corpus-{label}.jsonl"
            size = write_jsonl(corpus, corpus_path)
            run_dir = work / label
            run_entry: dict[str, Any] = report["runs"].setdefault(label, {})
            run_entry.update({"articles": len(corpus), "mb": size / 1e6})
            common = {
                "corpus": str(corpus_path),
                "articles": len(corpus),
                "mb": size / 1e6,
                "timed": timed,
                "recall": recall,
                "raw_chunks": args.raw_chunks,
                "chunk_size": args.chunk_size,
                "chunk_overlap": args.chunk_overlap,
                "embed_batch": args.embed_batch,
                "filler_text": filler,
                "warmup_question": warmup_question,
            }
            kinds = ["ours"]
            if not args.skip_baselines and (i == 0 or args.scale_baselines):
                kinds += ["li_chunks", "li_defaults"]
            for kind in [k for k in kinds if k in wanted]:
                if _done(run_entry.get(kind)):
                    log(f"{label}: {kind} already measured in {out} (--resume)")
                    continue
                home = run_dir / kind
                shutil.rmtree(home, ignore_errors=True)  # a killed earlier attempt leaves a partial store
                if args.in_process:  # chromadb caches one client per path: it would write into the void
                    from chromadb.api.client import SharedSystemClient

                    SharedSystemClient.clear_system_cache()
                home.mkdir(parents=True, exist_ok=True)
                spec = {
                    **common,
                    "home": str(home),
                    "workdir": str(home),
                    "answers": args.answers if (kind == "ours" and i == 0) else 0,
                }
                log(f"{label}: {kind} ({len(corpus)} articles)")
                run_entry[kind] = run_worker(kind, spec, args.in_process)
                if kind == "ours" and not args.no_cold:
                    log(f"{label}: CLI in new processes")
                    run_entry["cold"] = measure_cold(spec)
                if kind == "ours" and not args.no_serve:
                    log(f"{label}: bot serve")
                    run_entry["serve"] = measure_serve(
                        spec, timed[0]["question"] if timed else WARMUP_QUERIES[0]
                    )
                _save(report, out, started)  # partial results survive a crash or a kill
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return _save(report, out, started, final=True)


def _meta_summary(meta: dict[str, Any]) -> dict[str, Any]:
    keep = ("command", "started", "finished", "updated", "git", "load_start", "load_end", "duration_s")
    return {k: meta[k] for k in keep if k in meta}


def _save(
    report: dict[str, Any], out: Path, started: float, final: bool = False, rerender: bool = False
) -> dict[str, Any]:
    if not rerender:
        report["meta"]["load_end"] = loadavg()
        report["meta"]["duration_s"] = time.time() - started
        report["meta"]["finished" if final else "updated"] = datetime.now().isoformat(timespec="seconds")
    for run_entry in report["runs"].values():  # results of workers started before a field existed
        for result in run_entry.values():
            if isinstance(result, dict) and "ingest" in result and "raw" in result:
                result["efficiency"] = efficiency(result["ingest"], result["raw"])
    _, _, growth = scaling_rows(report["runs"])
    report["growth"] = growth
    report["targets"] = targets(report)
    report["comparison"] = {label: comparison_table(run)[1] for label, run in report["runs"].items()}
    (out / "results.json").write_text(json.dumps(report, indent=2, default=str))
    png = final and len(report["runs"]) > 1 and png_chart(out / "scaling.png", report["runs"])
    (out / "results.md").write_text(render(report, bool(png)))
    report["out"] = str(out)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker_main(args.worker, args.spec)
    if args.render:  # recompute the derived figures and tables of an earlier run's results.json
        report = _save(json.loads((args.render / "results.json").read_text()), args.render, 0, True, True)
    else:
        report = run(args, argv)
    print(Path(report["out"], "results.md").read_text())
    print(f"\nwrote {report['out']}/results.json and results.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
