"""The measurements a worker takes: the raw embedding ceiling, ingest figures, query latency and
recall, and answer timings, with the settings they share (top k, the same-text budget).

Each returns a plain dict that goes into ``results.json`` as it is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from benchmarks.corpora import contains_answer, is_short_answer
from benchmarks.measure import ROOT, Timers, cpu_seconds, latency_stats, loadavg, peak_rss_mb

if TYPE_CHECKING:
    from bot.service import Bot

TOP_K = 5
BUDGET_CHARS = 4000  # about what our top 5 hold (5 chunks of 200 tokens)
MODEL_MAX_TOKENS = 256  # MiniLM's window: longer texts are truncated to this many word pieces
WARMUP_QUERIES = ("hurricane damage in Florida", "who won the election", "central bank interest rates")


def model_tokens(texts: Sequence[str]) -> tuple[list[int], list[int]]:
    """Per text: word pieces the model sees (with [CLS]/[SEP], at most 256), and the full length."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(ROOT / "bot" / "data" / "minilm-tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    full = [len(e.ids) for e in tok.encode_batch(list(texts))]
    return [min(n, MODEL_MAX_TOKENS) for n in full], full


def spread_sample(items: Sequence[str], n: int) -> list[str]:
    """``n`` items evenly spread over ``items`` (all for 0), so a sample covers the whole corpus."""
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
    """An ingest's throughput in the units every pipeline shares, from its clocks and ``timers``
    (the embedder's recorded texts give the tokens the model actually saw)."""
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
        for event in bot.stream(q["question"], as_of=as_of(q)):
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


def as_of(q: dict[str, Any]) -> date | None:
    """The question's own date, so retrieval sees the news as it stood when it was asked."""
    return date.fromisoformat(q["date"]) if q.get("date") else None
