"""What the answer model reads: is the gold answer in the sentences chosen for it? No model runs.

The answer can only be right when its words are in front of the model. This measures, for each
RealTimeQA question, whether the gold string is in the retrieved passages (top 5), and whether it
is in the excerpts each selection policy would give the model, with their size in characters (the
prompt's length drives the time to the first token). Retrieval and sentence scoring are the bot's
own; only ``bot.answering.excerpts.select_excerpts`` varies. Scoring is the benchmark's
(``evals.matching.contains_answer``). Runs in ~1-2 min on the ``--small`` store.

    python evals/context_recall.py --home /var/tmp/rtqa-small --data ../shared/benchmarks/realtimeqa-2023q4
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bot.answering.excerpts import Excerpt, SentenceScorer, select_excerpts
from bot.config import Config
from bot.service import Bot
from bot.types import Passage
from evals.matching import contains_answer
from evals.realtimeqa import choose_questions, load_jsonl

Policy = Callable[[str, list[Excerpt], list[Passage]], list[Excerpt]]


def policies(config: Config) -> dict[str, Policy]:
    """The default first, then the issue's alternatives, each given the same ranked sentences."""

    def by_count(n: int, chars: int) -> Policy:
        return lambda q, ranked, ps: select_excerpts(ranked, n, chars)

    def with_neighbour(q: str, ranked: list[Excerpt], ps: list[Passage]) -> list[Excerpt]:
        """The default, and the sentence after the best one (its "he" or "it" often holds the fact)."""
        chosen = select_excerpts(ranked, config.context_sentences, config.context_chars)
        best = ranked[0] if ranked else None
        after = [x for x in ranked if best and x.passage == best.passage and x.start >= best.end]
        nxt = min(after, key=lambda x: x.start) if after else None
        return chosen + ([nxt] if nxt and nxt not in chosen else [])

    def per_article(q: str, ranked: list[Excerpt], ps: list[Passage]) -> list[Excerpt]:
        """The best sentence of each of the top 3 passages, then the best others up to 3."""
        firsts = [
            next(x for x in ranked if x.passage == i) for i in range(3) if any(x.passage == i for x in ranked)
        ]
        rest = [x for x in ranked if x not in firsts]
        return select_excerpts(firsts + rest, max(3, len(firsts)), config.context_chars)

    def budget(chars: int) -> Policy:
        return lambda q, ranked, ps: select_excerpts(ranked, 99, chars)

    return {
        f"default ({config.context_sentences} sentences, {config.context_chars} chars)": by_count(
            config.context_sentences, config.context_chars
        ),
        "4 sentences": by_count(4, 1600),
        "5 sentences": by_count(5, 2000),
        "8 sentences": by_count(8, 3200),
        "default + the sentence after the best": with_neighbour,
        "best sentence of each top-3 passage first": per_article,
        "a 600-character budget": budget(600),
        "a 900-character budget": budget(900),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--home", type=Path, required=True, help="a store built by bot eval --benchmark realtimeqa"
    )
    ap.add_argument("--data", type=Path, required=True, help="the RealTimeQA folder (questions.jsonl)")
    args = ap.parse_args()
    questions = choose_questions(load_jsonl(args.data / "questions.jsonl"), None)
    config = Config.from_env().with_(home=args.home)
    bot = Bot(config, llm=None)
    scorer = SentenceScorer(bot.embedder)
    chosen = policies(config)
    hits = {name: 0 for name in chosen}
    shown = {name: 0 for name in chosen}
    sizes: dict[str, list[int]] = {name: [] for name in chosen}
    in_passages = 0
    ranks: list[int] = []
    for q in questions:
        found = bot.retriever.search(bot.retriever.query_for(q["question"], date.fromisoformat(q["date"])))
        ps = found.passages
        in_passages += any(contains_answer(p.text, q["answer"]) for p in ps)
        ranked = scorer.rank(q["question"], ps)
        first = next(
            (
                n
                for n, ex in enumerate(ranked)
                if contains_answer(ps[ex.passage].text[ex.start : ex.end], q["answer"])
            ),
            None,
        )
        if first is not None:
            ranks.append(first + 1)
        for name, policy in chosen.items():
            excerpts = policy(q["question"], ranked, ps)
            text = [ps[ex.passage].text[ex.start : ex.end] for ex in excerpts]
            hits[name] += any(contains_answer(t, q["answer"]) for t in text)
            # The prompt also shows the title of each passage a chosen sentence comes from.
            titles = [ps[i].title for i in {ex.passage for ex in excerpts}]
            shown[name] += any(contains_answer(t, q["answer"]) for t in text + titles)
            sizes[name].append(sum(len(t) for t in text))
    n = len(questions)
    print(f"{n} questions; gold in the top {config.top_k} passages: {in_passages}")
    print(f"rank of the first gold sentence, where there is one: {sorted(ranks)}")
    print("| policy | gold in model context | with the titles shown | excerpt chars p50 | p95 |")
    print("|---|---|---|---|---|")
    for name in chosen:
        s = sorted(sizes[name])
        p50, p95 = statistics.median(s), s[int(0.95 * (len(s) - 1))]
        print(f"| {name} | {hits[name]} | {shown[name]} | {p50:.0f} | {p95} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
