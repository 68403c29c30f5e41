"""Retrieval ablation: what each step of the pipeline buys, measured step by step in one run.

Each row adds one step to the row above it, on the same store, the same embedder and the same
questions, so the difference between two rows is what that step bought:

1. dense only (Chroma's HNSW, and exact cosine over the same vectors), BM25 only (our FTS5, and
   bm25s with Snowball stemming over title + chunk when ``bm25s`` and ``PyStemmer`` are installed:
   ``pip install -e '.[evals]'``): the searches alone (the baselines of issues 8 and 18);
2. hybrid pool: both candidate lists (40 each) fused by reciprocal rank;
3. + feature reranker: dense, BM25, idf coverage, names/numbers (``bot.answering.rerank.HeuristicReranker``);
4. + diversity: near-duplicates collapsed, at most 2 passages per article while others qualify;
5. + dates: time expressions parsed against the quiz date (mentions boosted, reporting-time filter).

Retrieval only: no answer model runs, so a full-corpus ablation takes minutes. Figures:
RealTimeQA answer recall@k on the answerable subset (gold string in the top-k chunks, the eval
runner's matching) and search latency; on the gold set, hit@1/@3 and MRR of the gold passages, and
what the refusal gate alone makes of that step's support scores.

A second table asks what the quiz date buys (issue 18, item 5): the shipped pipeline with date
parsing off, on with no as-of (relative expressions resolve against the day of the run, as for a
user who does not pass ``--as-of``), and on with the quiz date, per question type: a reporting
period ("this week", "recently"), an event date that moves with the as-of ("Wednesday", "next
month"), an absolute date ("in 2024"), and no time expression.

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

from bot.answering.rerank import make_reranker  # noqa: E402
from bot.answering.retrieve import Retriever  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.service import Bot  # noqa: E402
from bot.types import Passage  # noqa: E402
from evals.gold import gold_item_spans, load_gold  # noqa: E402
from evals.matching import first_hit_rank, hit_at_k, is_short_answer, mrr  # noqa: E402
from evals.realtimeqa import KS, answer_rank, choose_questions, load_jsonl  # noqa: E402
from evals.report import git_state, markdown_table, percentile, write_report  # noqa: E402


@dataclass(frozen=True)
class Step:
    name: str
    overrides: dict[str, Any]  # Config changes; {"search": "dense"|"exact"|"bm25"}: the bare searches


STEPS = [
    Step("dense only (Chroma top-k)", {"search": "dense"}),
    Step("dense only, exact cosine (numpy)", {"search": "exact"}),
    Step("BM25 only (FTS5)", {"search": "bm25"}),
    Step("BM25 only, bm25s (stemmed, title + chunk)", {"search": "bm25s"}),
    Step("hybrid pool, RRF", {"reranker": "rrf", "date_aware": 0, "per_doc": 99}),
    Step("+ feature reranker", {"reranker": "heuristic", "date_aware": 0, "per_doc": 99}),
    Step("+ diversity (≤2 per article)", {"reranker": "heuristic", "date_aware": 0, "per_doc": 2}),
    Step("+ dates (= the shipped pipeline)", {"reranker": "heuristic", "date_aware": 1, "per_doc": 2}),
]

Search = Callable[[str, int, "date | None"], tuple[list[Passage], "float | None"]]


def make_search(bot: Bot, step: Step) -> Search:
    """One search function per step, sharing the bot's store and models."""
    from evals.baselines import bm25_only, dense_only

    bare = step.overrides.get("search")
    if bare == "exact":
        return exact_search(bot)
    if bare == "bm25s":
        found = bm25s_search(bot)
        if found is None:
            raise MissingBaseline("bm25s and PyStemmer are not installed (pip install -e '.[evals]')")
        return found
    if bare:
        fn = dense_only if bare == "dense" else bm25_only

        def search_bare(q: str, k: int, as_of: date | None) -> tuple[list[Passage], float | None]:
            return fn(bot, q, k).passages, None  # no support score: a bare search has no gate

        return search_bare
    config = bot.config.with_(**step.overrides)
    retriever = Retriever(config, bot.catalog, bot.vectors, bot.embedder, make_reranker(config))

    def search(q: str, k: int, as_of: date | None) -> tuple[list[Passage], float | None]:
        found = retriever.search(retriever.query_for(q, as_of), k=k)
        return found.passages, found.support

    return search


def exact_search(bot: Bot) -> Search:
    """Dense search done strongly: the true cosine top-k over the same vectors Chroma holds, so the
    dense baseline loses nothing to the approximate index (issue 18). The index is built once."""
    from bot.index.exact import ExactIndex
    from evals.baselines import passages_for

    index = ExactIndex.from_store(bot.vectors)

    def search(q: str, k: int, as_of: date | None) -> tuple[list[Passage], float | None]:
        return passages_for(bot, index.query(bot.embedder.embed_queries([q])[0], k)), None

    return search


class MissingBaseline(RuntimeError):
    """A baseline whose optional package is not installed: its row is skipped, saying why."""


def bm25s_search(bot: Bot) -> Search | None:
    """BM25 as a plain setup does it (issue 18): bm25s over every chunk with the article title in
    front, English stopwords and Snowball stemming (PyStemmer), on the raw question. None when
    bm25s or PyStemmer is missing. The index is built once, in memory, from the catalog."""
    try:
        import bm25s
        import Stemmer
    except ImportError:
        return None
    from evals.baselines import passages_for

    ids = bot.catalog.chunk_ids()
    spans = bot.catalog.chunk_spans(ids)
    ids = [cid for cid in ids if cid in spans]
    docs = {d.doc_id: d for d in bot.catalog.docs_by_ids({spans[c][0] for c in ids})}
    texts: dict[str, str] = {}
    corpus = []
    for cid in ids:
        doc_id, start, end = spans[cid]
        if doc_id not in texts:
            texts[doc_id] = bot.catalog.text(doc_id) or ""
        # The store's own choice: no title in front when it was indexed without (BOT_CHUNK_TITLE=0).
        title = docs[doc_id].title if doc_id in docs and bot.config.chunk_title else ""
        corpus.append(f"{title}\n{texts[doc_id][start:end]}")
    stemmer = Stemmer.Stemmer("english")
    index = bm25s.BM25()
    index.index(
        bm25s.tokenize(corpus, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False
    )

    def search(q: str, k: int, as_of: date | None) -> tuple[list[Passage], float | None]:
        tokens = bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False)
        if not ids or not tokens.vocab:
            return [], None
        found, scores = index.retrieve(tokens, k=min(k, len(ids)), show_progress=False)
        hits = [(ids[i], float(s)) for i, s in zip(found[0], scores[0], strict=True) if s > 0]
        return passages_for(bot, hits), None

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
    from bot.answering.followup import rewrite_question

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


AS_OF_SETTINGS: list[tuple[str, dict[str, Any], bool]] = [
    # (name, Config overrides, whether the quiz date is passed as as-of)
    ("dates off", {"date_aware": 0}, True),
    ("dates on, no as-of (the run's day)", {"date_aware": 1}, False),
    ("dates on, as-of = quiz date (shipped)", {"date_aware": 1}, True),
]
QUESTION_TYPES = ("reporting period", "relative event date", "absolute date", "no time expression")


def question_type(question: str, quiz_date: date) -> str:
    """What the question's time expression asks, and whether it depends on the as-of: a reporting
    period ("this week", "recently"), an event date that resolves differently under another as-of
    ("Wednesday", "next month", "in November"), an absolute one ("in 2024"), or none."""
    from datetime import timedelta

    from bot.language.dates import PUBLISHED, parse_question_dates

    ranges = parse_question_dates(question, quiz_date)
    if not ranges:
        return QUESTION_TYPES[3]
    if any(r.kind == PUBLISHED for r in ranges):
        return QUESTION_TYPES[0]
    other = parse_question_dates(question, quiz_date + timedelta(days=400))
    same = [(r.start, r.end) for r in ranges] == [(r.start, r.end) for r in other]
    return QUESTION_TYPES[2] if same else QUESTION_TYPES[1]


def as_of_figures(bot: Bot, questions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Answer recall@5/@10 of the shipped pipeline per question type, with dates off, with no
    as-of, and with the quiz date (issue 18, item 5)."""
    types = {q["id"]: question_type(q["question"], date.fromisoformat(q["date"])) for q in questions}
    out: dict[str, Any] = {"types": {t: sum(v == t for v in types.values()) for t in QUESTION_TYPES}}
    for name, overrides, quiz in AS_OF_SETTINGS:
        config = bot.config.with_(**overrides)
        retriever = Retriever(config, bot.catalog, bot.vectors, bot.embedder, make_reranker(config))
        ranks: dict[str, list[int | None]] = {t: [] for t in (*QUESTION_TYPES, "all")}
        for q in questions:
            as_of = date.fromisoformat(q["date"]) if quiz else None
            rank = answer_rank(
                retriever.search(retriever.query_for(q["question"], as_of), k=max(KS)).passages, q["answer"]
            )
            ranks[types[q["id"]]].append(rank)
            ranks["all"].append(rank)
        out[name] = {
            t: {"n": len(r), "recall@5": hit_at_k(r, 5), "recall@10": hit_at_k(r, 10)}
            for t, r in ranks.items()
        }
    out["run_day"] = date.today().isoformat()
    return out


def render_as_of(figures: dict[str, Any]) -> str:
    header = ["question type", "n", *(f"{name}: R@5 / R@10" for name, _, _ in AS_OF_SETTINGS)]
    rows = []
    for t in (*QUESTION_TYPES, "all"):
        cells = [figures[name][t] for name, _, _ in AS_OF_SETTINGS]
        n = cells[0]["n"]
        rows.append(
            [t, str(n), *(f"{c['recall@5']:.3f} / {c['recall@10']:.3f}" if n else "—" for c in cells)]
        )
    return (
        f"What the quiz date buys, per question type (no as-of = {figures['run_day']})\n\n"
        + markdown_table(header, rows)
    )


def gold_bot(config: Config, home: Path) -> Bot:
    bot = Bot(config.with_(home=home), llm=None)
    bot.ingest([ROOT / "corpus"])
    return bot


def render(report: dict[str, Any]) -> str:
    header = ["step", *(f"R@{k}" for k in KS), "R@5 w/o short", "p50 / p95 ms"]
    header += ["gold hit@1", "gold hit@3", "gold MRR", "gate: refusal acc", "false refusals"]
    rows = []
    for name, r in report["steps"].items():
        if "skipped" in r:
            rows.append([name, f"skipped: {r['skipped']}", *([""] * (len(header) - 2))])
            continue
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
        f"questions ({m['short']} with short answers), load {m['load']}\n\n"
        + markdown_table(header, rows)
        + ("\n\n" + render_as_of(report["as_of"]) if "as_of" in report else "")
    )


def main(argv: Sequence[str] | None = None) -> int:

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
    sha, _ = git_state()
    report: dict[str, Any] = {
        "meta": {
            "started": datetime.now().isoformat(timespec="seconds"),
            "git": sha,
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
            try:
                report["steps"][step.name] = {
                    "realtimeqa": realtimeqa_figures(bot, make_search(bot, step), questions),
                    "gold": gold_figures(gbot, make_search(gbot, step), items),
                }
            except MissingBaseline as e:
                report["steps"][step.name] = {"skipped": str(e)}
            print(f"{step.name}: {json.dumps(report['steps'][step.name])}", file=sys.stderr)
    report["as_of"] = as_of_figures(bot, questions)
    text = render(report)
    print(text)
    write_report(args.out, report, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
