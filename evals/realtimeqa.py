"""The RealTimeQA harness: every system on the same questions, store, models and dates.

Why it exists: the gold set is one article; RealTimeQA (2023-Q4 news quizzes with the articles
they were written from) measures retrieval and answers at scale, against the baselines of
``evals.baselines`` and the benchmark authors' published predictions, all scored with the same
matching (``evals.matching.contains_answer``). ``evals.realtimeqa_report`` writes the report.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.types import Passage
from evals.baselines import LlamaIndexDefault, SystemRun, bm25_only, dense_only
from evals.matching import (
    MODEL_MODES,
    contains_answer,
    hit_at_k,
    is_short_answer,
    looks_refused,
    partial_answer,
    strip_markers,
)
from evals.report import mean, percentile, spread

if TYPE_CHECKING:
    from bot.service import Bot

KS = (1, 3, 5, 10)
SYSTEMS = ("bm25", "dense", "ours", "ours, no model", "llama-index")


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    """One record per line (questions, articles, published predictions)."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def choose_questions(questions: Sequence[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """The answerable subset (gold answer inside its own search results), spread over the quarter."""
    return spread([q for q in questions if q.get("answer_in_search_results")], limit)


def default_store(bot_home: Path, wanted: set[str] | None) -> Path:
    """Beside the user's store, never inside it; a ``--small`` selection gets a store of its own
    (named by a hash of its article ids), so runs of two models on the same questions share one
    store and neither has to remove the other's articles."""
    if wanted is None:
        return bot_home.parent / "newsbot-realtimeqa"
    digest = hashlib.sha256(" ".join(sorted(wanted)).encode()).hexdigest()[:10]
    return bot_home.parent / f"newsbot-realtimeqa-small-{digest}"


def prepare_rtqa_store(bot: Bot, articles: Path, wanted: set[str] | None, log: Callable[[str], None]) -> None:
    """Ingest the benchmark articles (all, or only ``wanted``) into the bot's own store.

    Re-runs are cheap: ingest skips unchanged articles by hash. A store given with ``--home`` that
    holds other articles keeps them (they are reported), so a small run there is not "small".
    """
    import tempfile

    if wanted is None:
        results = bot.ingest([articles], progress=sys.stderr.isatty())
    else:
        extra = {d.doc_id for d in bot.docs()} - wanted
        if extra:
            log(f"note: the store also holds {len(extra)} articles outside this selection")
        with tempfile.TemporaryDirectory() as tmp:
            subset = Path(tmp) / "realtimeqa-articles.jsonl"
            with articles.open(encoding="utf-8") as src, subset.open("w", encoding="utf-8") as out:
                out.writelines(line for line in src if json.loads(line)["id"] in wanted)
            results = bot.ingest([subset], progress=sys.stderr.isatty())
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    n_docs, n_chunks = bot.catalog.count()
    log(f"store {bot.config.home}: {n_docs} articles, {n_chunks} chunks ({counts})")


def answer_rank(passages: Sequence[Passage], gold: str) -> int | None:
    """1-based rank of the first passage holding the gold answer string (None: not retrieved)."""
    return next((i for i, p in enumerate(passages, 1) if contains_answer(p.text, gold)), None)


def run_realtimeqa(
    bot: Bot, questions: Sequence[dict[str, Any]], log: Callable[[str], None]
) -> list[dict[str, Any]]:
    """Every system on every question, same store, models and date; one row per question."""
    from bot.answering.answerer import Answerer

    bot.warm_up()
    li = LlamaIndexDefault(bot) if bot.llm is not None else None
    floor = Answerer(bot.config, bot.retriever, None, bot.embedder) if bot.llm is not None else None
    k = max(KS)
    rows = []
    for q in questions:
        question, gold, as_of = q["question"], q["answer"], date.fromisoformat(q["date"])
        runs: dict[str, SystemRun] = {
            "bm25": bm25_only(bot, question, k),
            "dense": dense_only(bot, question, k),
        }
        t0 = time.perf_counter()
        found = bot.search(question, k=k, as_of=as_of)
        t1 = time.perf_counter()
        answer = bot.ask(question, as_of=as_of)
        t2 = time.perf_counter()
        runs["ours"] = _our_run(found.passages, answer, (t1 - t0) * 1e3, (t2 - t1) * 1e3)
        if floor is not None:
            quoted = floor.ask(question, as_of=as_of)
            runs["ours, no model"] = _our_run(found.passages, quoted, None, quoted.timings_ms.get("total"))
        if li is not None:
            runs["llama-index"] = li.run(question, as_of)
        row: dict[str, Any] = {"id": q["id"], "date": q["date"], "question": question, "gold": gold}
        row["short"] = is_short_answer(gold)
        for name, run in runs.items():
            row[name] = _score_run(run, gold)
        rows.append(row)
        log(
            f"{q['id']} gold={gold!r:28.28} ours={'✓' if row['ours']['correct'] else '✗'} "
            f"{answer.mode[:4]} rank={row['ours']['rank']} "
            f"li={'✓' if row.get('llama-index', {}).get('correct') else '✗'} "
            f"{runs['ours'].timings_ms['total'] / 1e3:4.1f}s  {strip_markers(answer.text)[:70]!r}"
        )
    return rows


def _our_run(
    passages: list[Passage], answer: Any, retrieve_ms: float | None, total_ms: float | None
) -> SystemRun:
    given = {"retrieve": retrieve_ms, "total": total_ms}
    timings = {k: v for k, v in given.items() if v is not None}
    if "first_token" in answer.timings_ms:
        timings["first_token"] = answer.timings_ms["first_token"]
    return SystemRun(passages, answer.text, answer.refused, answer.model_context, timings, answer.mode)


def _score_run(run: Any, gold: str) -> dict[str, Any]:
    """One scoring rule for every system: right when the gold string is in the answer, whatever its
    refusal flag; a refusal is an answer whose every sentence refuses (``looks_refused``)."""
    out: dict[str, Any] = {
        "rank": answer_rank(run.passages, gold),
        "n_passages": len(run.passages),
        "timings_ms": {k: round(v, 1) for k, v in run.timings_ms.items()},
    }
    if run.answer is not None:
        text = strip_markers(run.answer)
        out.update(
            answer=run.answer,
            refused=looks_refused(text),
            correct=contains_answer(text, gold),
            partial=partial_answer(text, gold),
            context_hit=any(contains_answer(t, gold) for t in run.context),
            model_written=run.mode is None or run.mode in MODEL_MODES,
        )
    if run.mode:
        out["mode"] = run.mode
    return out


def summarise_realtimeqa(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per system: on all chosen questions, and without the short answers (the README's pitfall)."""
    long_rows = [r for r in rows if not r["short"]]
    out: dict[str, Any] = {"n": len(rows), "short_answers": len(rows) - len(long_rows), "systems": {}}
    for name in SYSTEMS:
        if not rows or name not in rows[0]:
            continue
        out["systems"][name] = {
            "all": _system_figures([r[name] for r in rows]),
            "without_short": _system_figures([r[name] for r in long_rows]),
        }
    return out


def _system_figures(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    if not runs:
        return {"n": 0}
    ranks = [r["rank"] for r in runs]
    depth = max(r["n_passages"] for r in runs)  # the system's k: llama-index's default retrieves 2
    fig: dict[str, Any] = {"n": len(runs)}
    for k in KS:
        fig[f"recall@{k}"] = hit_at_k(ranks, k) if k <= max(depth, 1) else None
    if "correct" in runs[0]:
        fig["context_recall"] = mean([float(r["context_hit"]) for r in runs])
        fig["accuracy"] = mean([float(r["correct"]) for r in runs])
        # Only answers the model wrote count here: a quoted sentence is not the model reading.
        fig["accuracy_when_in_context"] = mean(
            [float(r["correct"] and r["model_written"]) for r in runs if r["context_hit"]]
        )
        fig["model_written"] = sum(bool(r["model_written"]) for r in runs)
        fig["model_written_right"] = sum(bool(r["model_written"] and r["correct"]) for r in runs)
        fig["partial_not_exact"] = sum(bool(r["partial"]) and not r["correct"] for r in runs)
        fig["refusals"] = sum(bool(r["refused"]) for r in runs)
    modes = sorted({r["mode"] for r in runs if r.get("mode")})
    if modes:  # how often our answer was the model's, a verbatim quote, or a refusal, and how right
        fig["by_mode"] = {
            m: {
                "n": sum(r.get("mode") == m for r in runs),
                "correct": sum(bool(r.get("correct")) for r in runs if r.get("mode") == m),
            }
            for m in modes
        }
    for key in ("retrieve", "total", "first_token"):
        vals = [r["timings_ms"][key] for r in runs if key in r["timings_ms"]]
        if vals:
            fig[f"{key}_ms_p50"] = percentile(vals, 50)
            fig[f"{key}_ms_p95"] = percentile(vals, 95)
    return fig


def published_figures(
    data: Path, questions: Sequence[dict[str, Any]], rows: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """The benchmark authors' systems, scored like ours: on every answerable question they cover,
    and on the ones of this run, beside our pipeline and llama-index on those same questions."""
    path = data / "published_baselines.jsonl"
    if not path.exists():
        return {}
    preds: dict[str, dict[str, str]] = {}
    for rec in load_jsonl(path):
        preds.setdefault(rec["system"], {})[rec["id"]] = rec.get("prediction") or ""
    gold = {q["id"]: q["answer"] for q in questions if q.get("answer_in_search_results")}
    ours = {r["id"]: r for r in rows}
    out: dict[str, Any] = {}
    for system, by_id in sorted(preds.items()):
        covered = [i for i in gold if i in by_id]
        in_run = [i for i in covered if i in ours]
        out[system] = {
            "covered": len(covered),
            "accuracy_covered": mean([float(contains_answer(by_id[i], gold[i])) for i in covered]),
            "in_run": len(in_run),
            "accuracy_in_run": mean([float(contains_answer(by_id[i], gold[i])) for i in in_run]),
        }
    in_run = [i for i in gold if i in ours and any(i in p for p in preds.values())]
    for name in ("ours", "llama-index"):
        if in_run and name in ours[in_run[0]]:
            out[f"this run: {name}"] = {
                "in_run": len(in_run),
                "accuracy_in_run": mean([float(ours[i][name]["correct"]) for i in in_run]),
            }
    return out
