"""The tuning loop for answers: our pipeline alone on RealTimeQA, one line per question with its notes.

`bot eval --benchmark realtimeqa` runs every system side by side and takes ~30 min on 2 cores; this
runs only ours (~7 min idle) on a store that command built, prints why each answer was set aside,
and writes the rows to compare two versions of the code. Scoring is the benchmark's own
(``evals.matching.contains_answer``). Tune here and on the gold set; score the sealed set once.

    python evals/realtimeqa_ours.py --home /var/tmp/rtqa-small --data ../shared/benchmarks/realtimeqa-2023q4 \
        --out rows.json [--ids 20230901_0 ...]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from datetime import date
from pathlib import Path

from bot.config import Config
from bot.service import Bot
from evals.matching import contains_answer, strip_markers
from evals.realtimeqa import choose_questions, load_jsonl


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--home", type=Path, required=True, help="a store built by bot eval --benchmark realtimeqa"
    )
    ap.add_argument("--data", type=Path, required=True, help="the RealTimeQA folder (questions.jsonl)")
    ap.add_argument("--out", type=Path, required=True, help="where to write the rows (JSON)")
    ap.add_argument("--ids", nargs="*", default=[], help="only these question ids")
    args = ap.parse_args()
    questions = choose_questions(load_jsonl(args.data / "questions.jsonl"), None)
    bot = Bot(Config.from_env().with_(home=args.home))
    bot.warm_up()
    rows, t0 = [], time.time()
    for q in questions:
        if args.ids and q["id"] not in args.ids:
            continue
        a = bot.ask(q["question"], as_of=date.fromisoformat(q["date"]))
        row = {
            "id": q["id"],
            "question": q["question"],
            "gold": q["answer"],
            "mode": a.mode,
            "answer": a.text,
            "correct": contains_answer(strip_markers(a.text), q["answer"]),
            "context_hit": any(contains_answer(t, q["answer"]) for t in a.model_context),
            "notes": a.notes,
            "first_token_ms": a.timings_ms.get("first_token"),
        }
        rows.append(row)
        mark = ("✓" if row["correct"] else "✗") + (" C" if row["context_hit"] else " -")
        print(
            mark, a.mode[:4], q["id"], repr(q["answer"])[:25], "|", a.text[:80], "|", "; ".join(a.notes)[:150]
        )
    args.out.write_text(json.dumps(rows, indent=1))
    n, right = len(rows), sum(r["correct"] for r in rows)
    modes = Counter(r["mode"] for r in rows)
    right_by = Counter(r["mode"] for r in rows if r["correct"])
    print(
        f"accuracy {right}/{n} = {right / max(n, 1):.3f}; gold in model context {sum(r['context_hit'] for r in rows)}"
    )
    print(f"modes {dict(modes)}; right by mode {dict(right_by)}; {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
