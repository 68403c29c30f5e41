"""Retrieval ablation: what each step of the pipeline buys, measured step by step in one run.

Each row adds one step to the row above it, on the same store, the same embedder and the same
questions, so the difference between two rows is what that step bought:

1. dense only (Chroma's HNSW, and exact cosine over the same vectors), BM25 only: the searches
   alone (the baselines of issues 8 and 18);
2. hybrid pool: both candidate lists (40 each) fused by reciprocal rank;
3. + feature reranker: dense, BM25, idf coverage, names/numbers (``bot.rerank.HeuristicReranker``);
4. + diversity: near-duplicates collapsed, at most 2 passages per article while others qualify;
5. + dates: time expressions parsed against the quiz date (mentions boosted, reporting-time filter).

Retrieval only: no answer model runs, so a full-corpus ablation takes minutes. Figures:
RealTimeQA answer recall@k on the answerable subset (gold string in the top-k chunks, the eval
runner's matching) and search latency; on the gold set, hit@1/@3 and MRR of the gold passages, and
what the refusal gate alone makes of that step's support scores.

    .venv/bin/python evals/ablation.py --home ~/.local/share/newsbot-realtimeqa
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.baselines import KS, answer_rank, choose_questions, load_jsonl  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.evaluate import (  # noqa: E402
    first_hit_rank,
    gold_item_spans,
    hit_at_k,
    is_short_answer,
    load_gold,
    markdown_table,
    mrr,
    percentile,
)
from bot.rerank import make_reranker  # noqa: E402
from bot.retrieve import Retriever  # noqa: E402
from bot.service import Bot  # noqa: E402
from bot.types import Passage  # noqa: E402


@dataclass(frozen=True)
class Step:
    name: str
    overrides: dict[str, Any]  # Config changes; {"search": "dense"|"exact"|"bm25"}: the bare searches


STEPS = [
    Step("dense only (Chroma top-k)", {"search": "dense"}),
    Step("dense only, exact cosine (numpy)", {"search": "exact"}),
    Step("BM25 only (FTS5)", {"search": "bm25"}),
    Step("hybrid pool, RRF", {"reranker": "rrf", "date_aware": 0, "per_doc": 99}),
    Step("+ feature reranker", {"reranker": "heuristic", "date_aware": 0, "per_doc": 99}),
    Step("+ diversity (≤2 per article)", {"reranker": "heuristic", "date_aware": 0, "per_doc": 2}),
    Step("+ dates (= the shipped pipeline)", {"reranker": "heuristic", "date_aware": 1, "per_doc": 2}),
]

Search = Callable[[str, int, "date | None"], tuple[list[Passage], "float | None"]]


def make_search(bot: Bot, step: Step) -> Search:
    """One search function per step, sharing the bot's store and models."""
    from bot.baselines import bm25_only, dense_only

    bare = step.overrides.get("search")
    if bare == "exact":
        return exact_search(bot)
    if bare:
        fn = dense_only if bare == "dense" else bm25_only

        def search_bare(q: str, k: int, as_of: date | None) -> tuple[list[Passage], float | None]:
            return fn(bot, q, k).passages, None  # no support score: a bare search has no gate

        return search_bare
    config = bot.config.with_(**step.overrides)
    retriever = Retriever(config, bot.catalog, bot.vectors, bot.embedder, make_reranker(config))

    def search(q: str, k: int, as_of: date | None) -> tuple[list[Passage], float | None]:
        found = retriever.search(q, k=k, as_of=as_of)
        return found.passages, found.support

    return search


def exact_search(bot: Bot) -> Search:
    """Dense search done strongly: the true cosine top-k over the same vectors Chroma holds, so the
    dense baseline loses nothing to the approximate index (issue 18). The index is built once."""
    from bot.baselines import passages_for
    from bot.exact import ExactIndex

    index = ExactIndex.from_store(bot.vectors)

    def search(q: str, k: int, as_of: date | None) -> tuple[list[Passage], float | None]:
        return passages_for(bot, index.query(bot.embedder.embed([q])[0], k)), None

    return search


def realtimeqa_figures(bot: Bot, search: Search, questions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    ranks: list[int | None] = []
    long_ranks: list[int | None] = []
    ms: list[float] = []
    for q in questions:
        t0 = time.perf_counter()
        passages, _ = search(q["question"], max(KS), date.fromisoformat(q["date"]))
        ms.append((time.perf_counter() - t0) * 1e3)
        rank = answer_rank(passages, q["answer"])
        ranks.append(rank)
        if not is_short_answer(q["answer"]):
            long_ranks.append(rank)
    out: dict[str, Any] = {"n": len(ranks), "n_long": len(long_ranks)}
    for k in KS:
        out[f"recall@{k}"] = hit_at_k(ranks, k)
        out[f"recall@{k}_long"] = hit_at_k(long_ranks, k)
    out["p50_ms"], out["p95_ms"] = percentile(ms, 50), percentile(ms, 95)
    return out


def gold_figures(bot: Bot, search: Search, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Gold-set retrieval, and the refusal gate applied to this step's support (no model)."""
    from bot.followup import rewrite_question

    threshold = bot.config.refusal_threshold
    ranks: list[int | None] = []
    refused_unanswerable = false_refusals = n_unanswerable = 0
    gated = True
    for item in items:
        question = item["question"]
        if item.get("history"):
            question = rewrite_question(question, item["history"], None)
        as_of = date.fromisoformat(item["as_of"]) if item.get("as_of") else None
        passages, support = search(question, bot.config.top_k, as_of)
        gated = gated and support is not None
        refused = support is not None and (support < threshold or not passages)
        if item["answerable"]:
            ranks.append(first_hit_rank(passages, gold_item_spans(bot, item)))
            false_refusals += refused
        else:
            n_unanswerable += 1
            refused_unanswerable += refused
    return {
        "n": len(ranks),
        "hit@1": hit_at_k(ranks, 1),
        "hit@3": hit_at_k(ranks, 3),
        "mrr": mrr(ranks),
        "refusal_accuracy": refused_unanswerable / max(n_unanswerable, 1) if gated else None,
        "false_refusals": false_refusals if gated else None,
    }


def gold_bot(config: Config, home: Path) -> Bot:
    bot = Bot(config.with_(home=home), llm=None)
    bot.ingest([ROOT / "corpus"])
    return bot


def render(report: dict[str, Any]) -> str:
    header = ["step", *(f"R@{k}" for k in KS), "R@5 w/o short", "p50 / p95 ms"]
    header += ["gold hit@1", "gold hit@3", "gold MRR", "gate: refusal acc", "false refusals"]
    rows = []
    for name, r in report["steps"].items():
        q, g = r["realtimeqa"], r["gold"]
        rows.append(
            [
                name,
                *(f"{q[f'recall@{k}']:.3f}" for k in KS),
                f"{q['recall@5_long']:.3f}",
                f"{q['p50_ms']:.0f} / {q['p95_ms']:.0f}",
                f"{g['hit@1']:.3f}",
                f"{g['hit@3']:.3f}",
                f"{g['mrr']:.3f}",
                "—" if g["refusal_accuracy"] is None else f"{g['refusal_accuracy']:.3f}",
                "—" if g["false_refusals"] is None else str(g["false_refusals"]),
            ]
        )
    m = report["meta"]
    return (
        f"Retrieval ablation, {m['started']}, git {m['git']}, store {m['store']} "
        f"({m['articles']} articles, {m['chunks']} chunks), {m['questions']} answerable RealTimeQA "
        f"questions ({m['short']} with short answers), load {m['load']}\n\n" + markdown_table(header, rows)
    )


def main(argv: Sequence[str] | None = None) -> int:
    import subprocess

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--home", type=Path, required=True, help="a store holding the RealTimeQA articles")
    p.add_argument(
        "--data",
        type=Path,
        default=os.environ.get("NEWSBOT_BENCHMARK_DATA"),
        required=not os.environ.get("NEWSBOT_BENCHMARK_DATA"),
        help="RealTimeQA folder (default $NEWSBOT_BENCHMARK_DATA)",
    )
    p.add_argument("--limit", type=int, help="first N answerable questions (spread over the quarter)")
    p.add_argument("--out", type=Path, help="JSON results file (default: print only)")
    args = p.parse_args(argv)

    config = Config.from_env(home=args.home, llm="none")
    bot = Bot(config, llm=None)
    n_docs, n_chunks = bot.catalog.count()
    if not n_docs:
        raise SystemExit(f"{args.home} holds no articles: run `bot eval --benchmark realtimeqa` first")
    questions = choose_questions(load_jsonl(args.data / "questions.jsonl"), args.limit)
    items = load_gold()
    sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    report: dict[str, Any] = {
        "meta": {
            "started": datetime.now().isoformat(timespec="seconds"),
            "git": sha.stdout.strip(),
            "store": str(args.home),
            "articles": n_docs,
            "chunks": n_chunks,
            "questions": len(questions),
            "short": sum(is_short_answer(q["answer"]) for q in questions),
            "load": [round(x, 2) for x in os.getloadavg()],
        },
        "steps": {},
    }
    bot.warm_up()
    for warm in questions[:3]:  # first-query costs (SQLite pages, HNSW load) are not per-question
        bot.search(warm["question"])
    with tempfile.TemporaryDirectory() as tmp:
        gbot = gold_bot(config, Path(tmp))
        for step in STEPS:
            report["steps"][step.name] = {
                "realtimeqa": realtimeqa_figures(bot, make_search(bot, step), questions),
                "gold": gold_figures(gbot, make_search(gbot, step), items),
            }
            print(f"{step.name}: {json.dumps(report['steps'][step.name])}", file=sys.stderr)
    text = render(report)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2))
        args.out.with_suffix(".md").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
