"""Which sentences the answer model reads, fitted on one month of RealTimeQA and scored on the other.

The model reads the 3 best sentences of the retrieved passages. The shipped score is a hand-set
sum (MiniLM similarity + question-word overlap + 0.2 for holding the asked kind), and the gold
string reached those 3 sentences for 34 of the 92 answerable questions while it was in some
sentence of the top 5 passages for 52 (``evals/context_recall.py``). This script asks whether a
ranker fitted on cheap per-sentence features does better on questions it was not fitted on:

1. for every answerable question, the shipped retrieval (the quiz date as as-of) returns the top
   ``--passages`` passages; every sentence of them gets the features in ``FEATURES``;
2. a sentence is positive when it holds the gold answer (``evals.matching.contains_answer``);
3. a pairwise logistic ranker (``evals.fusion``'s Newton fit, each question weighing 1) is fitted
   on the September quizzes and scored on October, then the other way round;
4. each held-out question counts as a hit when a gold sentence is among the 3 sentences the
   shipped ``select_excerpts`` takes from the fitted order, beside the shipped order on the same
   questions.

No model runs; ~2 minutes on the ``--small`` store.

    .venv/bin/python evals/sentence_ranker.py --home /var/tmp/rtqa-small \
        --data ../shared/benchmarks/realtimeqa-2023q4
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.answering.answertype import may_hold_answer  # noqa: E402
from bot.answering.excerpts import KIND_BONUS, MIN_WORDS, Excerpt, SentenceScorer, select_excerpts  # noqa: E402
from bot.answering.query import Query  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.language.text import content_words, split_sentences  # noqa: E402
from bot.service import Bot  # noqa: E402
from bot.types import Passage  # noqa: E402
from evals.fusion import Pool, fit_pairwise, month_folds, quiz_month  # noqa: E402
from evals.matching import contains_answer  # noqa: E402
from evals.realtimeqa import choose_questions, load_jsonl  # noqa: E402

FEATURES = (
    "cosine",  # MiniLM similarity of question and sentence
    "overlap",  # share of the question's content words in the sentence (shipped)
    "kind",  # holds something of the asked kind (shipped bonus)
    "idf_overlap",  # the same share, each word weighted by its rarity among the retrieved sentences
    "names",  # share of the question's capitalised names in the sentence
    "passage_rank",  # 1 / (1 + the passage's rank)
    "lead",  # the passage's first sentence (news leads hold the fact)
    "prev_overlap",  # the previous sentence's overlap (the fact often follows the matching sentence)
    "length",  # log of the sentence's words
)


@dataclass
class Sentences:
    """One question's sentences: where they are, their features and labels."""

    qid: str
    month: str
    units: list[Excerpt]
    x: np.ndarray
    y: np.ndarray
    shipped: np.ndarray  # the shipped score, for the comparison


def sentence_rows(
    query: Query, passages: Sequence[Passage], scorer: SentenceScorer
) -> tuple[list[Excerpt], np.ndarray, np.ndarray]:
    """Every sentence of the passages (the shipped minimum length), its features and shipped score."""
    units = [
        (i, s, e)
        for i, p in enumerate(passages)
        for s, e in split_sentences(p.text)
        if len(p.text[s:e].split()) >= MIN_WORDS
    ]
    texts = [passages[i].text[s:e] for i, s, e in units]
    if not units:
        return [], np.zeros((0, len(FEATURES))), np.zeros(0)
    vecs = scorer.vectors([query.text, *texts])
    sims = vecs[1:] @ vecs[0]
    words = [set(content_words(t)) for t in texts]
    df: dict[str, int] = {}
    for ws in words:
        for w in ws:
            df[w] = df.get(w, 0) + 1
    q_words = query.words
    idf = {w: math.log((1 + len(texts)) / (1 + df.get(w, 0))) + 1 for w in q_words}
    idf_total = sum(idf.values()) or 1.0
    names = {w for w in query.text.split() if w[:1].isupper()}
    names = {n.strip("?,.'\"") for n in names} - {""}
    rows, shipped, out = [], [], []
    prev: tuple[int, float] = (-1, 0.0)
    for u, (i, s, e) in enumerate(units):
        overlap = len(q_words & words[u]) / max(len(q_words), 1)
        kind = float(may_hold_answer(query, texts[u]))
        first_of_passage = u == 0 or units[u - 1][0] != i
        rows.append(
            [
                float(sims[u]),
                overlap,
                kind,
                sum(idf[w] for w in q_words & words[u]) / idf_total,
                sum(n in texts[u] for n in names) / max(len(names), 1),
                1.0 / (1 + i),
                float(first_of_passage and s < 400),
                prev[1] if prev[0] == i else 0.0,
                math.log(len(texts[u].split())),
            ]
        )
        shipped.append(float(sims[u]) + overlap + KIND_BONUS * kind)
        out.append(Excerpt(i, s, e, 0.0))
        prev = (i, overlap)
    return out, np.array(rows), np.array(shipped)


def extract(bot: Bot, questions: Sequence[dict[str, Any]], k: int) -> list[Sentences]:
    scorer = SentenceScorer(bot.embedder)
    out = []
    for q in questions:
        query = bot.retriever.query_for(q["question"], date.fromisoformat(q["date"]))
        ps = bot.retriever.search(query, k).passages
        units, x, shipped = sentence_rows(query, ps, scorer)
        y = np.array([contains_answer(ps[u.passage].text[u.start : u.end], q["answer"]) for u in units], bool)
        out.append(Sentences(q["id"], quiz_month(q), units, x, y, shipped))
    return out


def hit(s: Sentences, scores: np.ndarray, n: int, chars: int, passages: int) -> bool:
    """Is a gold sentence among what ``select_excerpts`` takes from this order (top ``passages`` only)?"""
    keep = [j for j in range(len(s.units)) if s.units[j].passage < passages]
    ranked = [
        Excerpt(s.units[j].passage, s.units[j].start, s.units[j].end, float(scores[j]))
        for j in sorted(keep, key=lambda j: -scores[j])
    ]
    chosen = {(e.passage, e.start) for e in select_excerpts(ranked, n, chars)}
    return any(s.y[j] and (s.units[j].passage, s.units[j].start) in chosen for j in keep)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--passages", type=int, default=8, help="passages retrieved per question")
    args = ap.parse_args(argv)
    questions = choose_questions(load_jsonl(args.data / "questions.jsonl"), None)
    bot = Bot(Config.from_env().with_(home=args.home), llm=None)
    data = extract(bot, questions, args.passages)
    print(f"{len(data)} questions; sentences {sum(len(s.y) for s in data)}")
    for n_pass in (5, args.passages):
        ceiling = sum(any(s.y[j] for j in range(len(s.y)) if s.units[j].passage < n_pass) for s in data)
        print(f"gold in some sentence of the top {n_pass} passages: {ceiling}")
    folds = month_folds([{"id": s.qid} for s in data])
    settings = [(3, 1200, 5), (3, 1200, args.passages), (4, 1600, 5), (4, 1600, args.passages)]
    print("| train → test | weights | " + " | ".join(f"{n} sent, top {p}" for n, _, p in settings) + " |")
    total = {"shipped": [0] * len(settings), "fitted": [0] * len(settings)}
    for train, test in folds:
        tr = [Pool(s.qid, s.month, s.x, s.y) for s in data if s.month == train]
        w = fit_pairwise(tr)
        held = [s for s in data if s.month == test]
        for name in ("shipped", "fitted"):
            counts = [
                sum(hit(s, s.shipped if name == "shipped" else s.x @ w, n, c, p) for s in held)
                for n, c, p in settings
            ]
            total[name] = [a + b for a, b in zip(total[name], counts, strict=True)]
            print(f"| {train} → {test} ({len(held)}) | {name} | " + " | ".join(map(str, counts)) + " |")
        print("weights:", ", ".join(f"{f} {v:+.3f}" for f, v in zip(FEATURES, w, strict=True)))
    for name, counts in total.items():
        print(f"| both folds | {name} | " + " | ".join(map(str, counts)) + " |")
    w_all = fit_pairwise([Pool(s.qid, s.month, s.x, s.y) for s in data])
    print(
        "weights fitted on both months:",
        ", ".join(f"{f} {v:+.3f}" for f, v in zip(FEATURES, w_all, strict=True)),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
