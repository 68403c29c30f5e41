"""Same behaviour before and after a refactor: top-10 retrieval on RealTimeQA, and gold answers.

A restructuring must not change what the bot retrieves or says. ``dump`` writes, for every
RealTimeQA question, the ten passages search returns (chunk id, offsets, score to 4 places) on a
store built once; ``compare`` diffs two such dumps, or two ``bot eval`` results.json files (each
gold item's mode, answer text and cited passages). Both use only ``Bot`` and ``Config``, the API
that stays put when modules move.

    python evals/behaviour.py dump --home /var/tmp/rtqa-small \
        --data ../shared/benchmarks/realtimeqa-2023q4 --out before-top10.json
    python evals/behaviour.py compare before-top10.json after-top10.json
    python evals/behaviour.py compare before/results.json after/results.json
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from bot.config import Config
from bot.service import Bot


def dump(home: Path, data: Path, out: Path, k: int = 10) -> int:
    """Top-k passages per question, asked on the question's own date."""
    bot = Bot(Config.from_env().with_(home=home), llm=None)
    rows = []
    for line in (data / "questions.jsonl").read_text().splitlines():
        if not line.strip():
            continue
        q = json.loads(line)
        r = bot.search(q["question"], k=k, as_of=date.fromisoformat(q["date"]))
        top = [[p.chunk_id, p.start, p.end, round(p.score, 4)] for p in r.passages]
        rows.append({"id": q["id"], "support": round(r.support, 4), "top": top})
    out.write_text(json.dumps(rows, indent=0))
    print(f"{len(rows)} questions, top-{k} written to {out}")
    return 0


def _gold_rows(path: Path) -> dict[str, Any]:
    rows = json.loads(path.read_text())["rows"]
    keep = ("mode", "answer", "refused", "correct", "citations", "passages", "notes")
    return {str(r.get("id")): {k: r.get(k) for k in keep} for r in rows}


def compare(a: Path, b: Path) -> int:
    """Print every difference; exit 1 when there is one."""
    da, db = json.loads(a.read_text()), json.loads(b.read_text())
    if isinstance(da, dict):  # bot eval results.json
        ra, rb = _gold_rows(a), _gold_rows(b)
    else:
        ra, rb = ({f"{i}:{r['id']}": r for i, r in enumerate(d)} for d in (da, db))
    diffs = [i for i in sorted(set(ra) | set(rb)) if ra.get(i) != rb.get(i)]
    for i in diffs:
        print(f"{i}:\n  before {ra.get(i)}\n  after  {rb.get(i)}")
    print(f"{len(ra)} vs {len(rb)} items; {len(diffs)} differ")
    return 1 if diffs else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump", help="top-10 retrieval per RealTimeQA question")
    d.add_argument("--home", type=Path, required=True, help="a store holding the RealTimeQA articles")
    d.add_argument("--data", type=Path, required=True, help="the RealTimeQA folder (questions.jsonl)")
    d.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("compare", help="diff two dumps or two bot eval results.json")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = ap.parse_args(argv)
    if args.cmd == "dump":
        return dump(args.home, args.data, args.out)
    return compare(args.before, args.after)


if __name__ == "__main__":
    raise SystemExit(main())
