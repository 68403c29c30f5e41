"""What keeping the prompt's fixed start in llama.cpp's context saves, and whether answers change.

Run ``.venv/bin/python benchmarks/llm_prefix_cache.py [--limit 12] [--rounds 1]`` (``BOT_*``
settings such as ``BOT_LLM_THREADS=1`` apply). On a temporary store of the bundled corpus, the
gold questions (each on its own date, follow-ups with their history) are asked in three modes, one
model loaded once:

- ``off``: every generation from an empty context (``BOT_LLM_PREFIX_CACHE=0``, the default);
- ``fresh``: the fixed start (system prompt and chat template up to the user's text) evaluated
  on its own, then the rest, the context emptied before each question: what the first question
  after start-up costs with ``BOT_LLM_PREFIX_CACHE=1``;
- ``kept``: ``BOT_LLM_PREFIX_CACHE=1`` as it runs, the start kept from the question before.

Per mode it prints medians per question of the prompt tokens llama.cpp evaluated, their time
(llama.cpp's own counter), the first token and the process CPU time of the whole ask, and how many
answers differ from ``kept``'s. ``fresh`` and ``kept`` must give the same answers (the state
before each generation is the same); ``off`` evaluates the prompt in one batch instead of two, so
its answers may differ.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.measure import load_text  # noqa: E402

MODES = ("off", "fresh", "kept")


def main() -> int:
    import llama_cpp

    from bot.config import Config
    from bot.service import Bot
    from evals.gold import load_gold
    from evals.report import spread

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=12, help="gold questions, spread over the set (0 = all)")
    p.add_argument("--rounds", type=int, default=1, help="rounds over the modes, interleaved")
    args = p.parse_args()
    items = spread(load_gold(ROOT / "evals" / "gold.jsonl"), args.limit or None)
    with tempfile.TemporaryDirectory(prefix="llm-prefix-") as tmp:
        bot = Bot(Config.from_env(home=Path(tmp) / "store"))
        bot.ingest([ROOT / "corpus"])
        bot.warm_up()
        llm: Any = bot.llm
        if llm is None or not hasattr(llm, "prefix_cache"):
            raise SystemExit(f"no llama.cpp answer model: {bot.llm_error}")
        ctx = llm._llm._ctx.ctx
        bot.ask("Who was released in November 2023?", as_of=date(2025, 2, 11))  # one-off set-up costs
        print(f"{len(items)} questions; load average before: {load_text()}", flush=True)
        rows: dict[str, list[dict[str, Any]]] = {m: [] for m in MODES}
        for _ in range(args.rounds):
            for mode in MODES:
                llm.prefix_cache = mode != "off"
                for item in items:
                    if mode == "fresh":
                        llm._llm.reset()
                    when = date.fromisoformat(item["as_of"]) if item.get("as_of") else None
                    llama_cpp.llama_perf_context_reset(ctx)
                    cpu = time.process_time()
                    answer = bot.ask(item["question"], history=item.get("history") or None, as_of=when)
                    perf = llama_cpp.llama_perf_context(ctx)
                    rows[mode].append(
                        {
                            "id": item["id"],
                            "answer": answer.text,
                            "prompt_tokens": perf.n_p_eval,
                            "prompt_ms": perf.t_p_eval_ms,
                            "first_token": answer.timings_ms.get("first_token"),
                            "cpu_s": time.process_time() - cpu,
                        }
                    )
        print(f"load average after: {load_text()}\n")
        start = llm._fixed_start(
            [{"role": "system", "content": _system_prompt()}, {"role": "user", "content": "x"}]
        )
        print(f"fixed start of the answer prompt: {len(start)} tokens\n")
        print(table(rows))
    return 0


def _system_prompt() -> str:
    from bot.answering.prompt import SYSTEM_PROMPT

    return SYSTEM_PROMPT


def table(rows: dict[str, list[dict[str, Any]]]) -> str:
    kept = {(r["id"], i): r["answer"] for i, r in enumerate(rows["kept"])}
    out = [
        "| mode | prompt tokens evaluated | prompt eval (ms) | first token (ms) | CPU per ask (s) | answers ≠ kept |",
        "|---|---|---|---|---|---|",
    ]
    for mode, rs in rows.items():
        differ = sum(1 for i, r in enumerate(rs) if kept.get((r["id"], i)) != r["answer"])
        first = [r["first_token"] for r in rs if r["first_token"] is not None]
        out.append(
            f"| {mode} | {med([r['prompt_tokens'] for r in rs]):.0f} | {med([r['prompt_ms'] for r in rs]):.0f} | "
            f"{med(first):.0f} | {med([r['cpu_s'] for r in rs]):.2f} | {differ} of {len(rs)} |"
        )
    return "\n".join(out)


def med(values: list[Any]) -> float:
    return float(statistics.median(values)) if values else float("nan")


if __name__ == "__main__":
    raise SystemExit(main())
