"""Time to first token, whole answer and prompt tokens/s on the gold set, per llama.cpp build (issue 19).

Run ``.venv/bin/python benchmarks/llm_latency.py [--python OTHER_VENV/bin/python ...] [--limit N]
[--variant 'NAME:BOT_X=1,BOT_Y=2' ...] [--rounds R] [--out FILE.json]``.

Each (interpreter, variant) pair is one child process: that interpreter (its own llama-cpp-python
build, e.g. one compiled without the AVX-512 kernels) imports this checkout's ``bot`` package,
ingests ``corpus/`` into a temporary store, loads the models, answers one warm-up question, then
asks the gold questions (``evals/gold.jsonl``, each on its own date, follow-ups with their history)
and records per question:

- ``first_token`` and ``total`` from the answer's own ``timings_ms`` (what ``bot eval`` reports);
- ``pre_llm``: from the ask to the first call into llama.cpp (retrieval, sentence scoring, prompt);
- llama.cpp's own counters (``llama_perf_context``) over the question: prompt tokens evaluated and
  the time they took, tokens generated and their time; prompt tokens/s is their ratio;
- ``tokenize``: the time llama.cpp takes to tokenise the question's messages.

Runs are interleaved (round 1: every pair, round 2: every pair again ...) so the pairs share the
machine's load; the load average is printed before and after each child. The CPU features each
build uses are llama.cpp's own system-info string. Answers are deterministic (temperature 0): the
report counts answers that differ from the first variant's on the same interpreter, a cheap check
that a speed setting does not change what the bot says (it is not the quality gate: ``bot eval``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
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
from evals.report import percentile  # noqa: E402

WARM_UP = "Who was released in November 2023?"


def main() -> int:
    args = parse_args()
    if args.child:
        print(json.dumps(child(args.limit)))
        return 0
    pythons = args.python or [sys.executable]
    variants = [parse_variant(v) for v in args.variant] or [("default", {})]
    runs: list[dict[str, Any]] = []
    for r in range(args.rounds):
        for python in pythons:
            for name, env in variants:
                before = load_text()
                log(f"round {r + 1}: {python} {name} (load {before})")
                result = run_child(python, env, args.limit)
                result.update(python=python, variant=name, env=env, round=r + 1, load_before=before)
                result["load_after"] = load_text()
                runs.append(result)
    report = table(runs)
    print(report)
    if args.out:
        args.out.write_text(json.dumps({"runs": runs, "report": report}, indent=1))
        log(f"wrote {args.out}")
    return 0


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--python",
        action="append",
        help="an interpreter whose llama-cpp-python build is timed (repeatable; default: this one)",
    )
    p.add_argument(
        "--variant",
        action="append",
        default=[],
        help="NAME:BOT_X=1,BOT_Y=2 — settings for the answer model (repeatable; default: none)",
    )
    p.add_argument(
        "--limit", type=int, default=None, help="gold questions, spread over the set (default all)"
    )
    p.add_argument("--rounds", type=int, default=1, help="times every pair is run, interleaved")
    p.add_argument("--out", type=Path, help="write every run's rows and the report as JSON")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args()


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    name, _, assignments = text.partition(":")
    env = {}
    for item in filter(None, (a.strip() for a in assignments.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.startswith("BOT_"):
            raise SystemExit(f"--variant {text!r}: expected NAME:BOT_X=1,BOT_Y=2")
        env[key] = value
    return name, env


def run_child(python: str, env: dict[str, str], limit: int | None) -> dict[str, Any]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    base.update(env, PYTHONPATH=str(ROOT))
    argv = [python, str(Path(__file__).resolve()), "--child"] + (["--limit", str(limit)] if limit else [])
    done = subprocess.run(argv, env=base, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"{python} {env} failed: {done.stderr.strip()[-1500:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def child(limit: int | None) -> dict[str, Any]:
    """In the interpreter under test: build a store, load the models, time every gold question."""
    import llama_cpp

    from bot.config import Config
    from bot.service import Bot
    from evals.gold import load_gold
    from evals.report import spread

    items = spread(load_gold(ROOT / "evals" / "gold.jsonl"), limit)
    with tempfile.TemporaryDirectory(prefix="llm-latency-") as tmp:
        bot = Bot(Config.from_env(home=Path(tmp) / "store"))
        bot.ingest([ROOT / "corpus"])
        t = time.perf_counter()
        llm = bot.llm
        load_ms = (time.perf_counter() - t) * 1e3
        if llm is None or not hasattr(llm, "_llm"):
            raise SystemExit(f"no llama.cpp answer model: {bot.llm_error}")
        bot.warm_up()
        ctx = llm._llm._ctx.ctx
        calls: list[tuple[float, list[Any]]] = []
        real_chat = llm._chat

        def timed_chat(messages: list[Any], max_tokens: int, **extra: Any) -> Any:
            calls.append((time.perf_counter(), messages))
            return real_chat(messages, max_tokens, **extra)

        llm._chat = timed_chat  # type: ignore[method-assign]
        bot.ask(WARM_UP, as_of=date(2025, 2, 11))  # the first generation pays one-off set-up costs
        rows = []
        for item in items:
            when = date.fromisoformat(item["as_of"]) if item.get("as_of") else None
            calls.clear()
            llama_cpp.llama_perf_context_reset(ctx)
            t0 = time.perf_counter()
            answer = bot.ask(item["question"], history=item.get("history") or None, as_of=when)
            wall = (time.perf_counter() - t0) * 1e3
            perf = llama_cpp.llama_perf_context(ctx)
            row: dict[str, Any] = {
                "id": item["id"],
                "answer": answer.text,
                "mode": answer.mode,
                "first_token": answer.timings_ms.get("first_token"),
                "total": answer.timings_ms.get("total", wall),
                "retrieval": sum(answer.timings_ms.get(k, 0.0) for k in ("embed_query", "search", "rerank")),
                "llm_calls": len(calls),
                "prompt_tokens": perf.n_p_eval,
                "prompt_ms": perf.t_p_eval_ms,
                "gen_tokens": perf.n_eval,
                "gen_ms": perf.t_eval_ms,
            }
            if calls:
                row["pre_llm"] = (calls[0][0] - t0) * 1e3
                text = "\n".join(str(m["content"]) for m in calls[-1][1]).encode()
                t = time.perf_counter()
                row["prompt_text_tokens"] = len(llm._llm.tokenize(text, add_bos=False, special=True))
                row["tokenize"] = (time.perf_counter() - t) * 1e3
                row["messages"] = calls[-1][1]  # what the model read, for replaying one prompt
            rows.append(row)
        return {
            "system_info": llama_cpp.llama_print_system_info().decode(),
            "llama_cpp_version": llama_cpp.__version__,
            "model": bot.config.llm_model,
            "threads": bot.config.threads,
            "model_load_ms": load_ms,
            "rows": rows,
        }


def table(runs: list[dict[str, Any]]) -> str:
    """One row per (interpreter, variant), medians over its rounds' pooled questions."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault((run["python"], run["variant"]), []).append(run)
    firsts: dict[str, dict[str, str]] = {}  # the first variant's answers per interpreter
    lines = [
        "| build (CPU features used) | variant | first token p50 / p95 s | whole answer p50 / p95 s "
        "| prompt tok/s | prompt tokens p50 | gen tok/s | before the model p50 s | model load s "
        "| answers ≠ first variant | load avg before → after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (python, variant), group in groups.items():
        rows = [row for run in group for row in run["rows"]]
        ft = [r["first_token"] / 1e3 for r in rows if r["first_token"] is not None]
        tot = [r["total"] / 1e3 for r in rows]
        p_tok = sum(r["prompt_tokens"] for r in rows)
        p_ms = sum(r["prompt_ms"] for r in rows)
        g_tok = sum(r["gen_tokens"] for r in rows)
        g_ms = sum(r["gen_ms"] for r in rows)
        pre = [r["pre_llm"] / 1e3 for r in rows if "pre_llm" in r]
        prompts = [r["prompt_tokens"] for r in rows if r["llm_calls"]]
        answers = {r["id"]: r["answer"] for r in group[0]["rows"]}
        first = firsts.setdefault(python, answers)
        differ = sum(1 for k, v in answers.items() if k in first and first[k] != v)
        loads = ", ".join(f"{run['load_before']} → {run['load_after']}" for run in group)
        lines.append(
            f"| {build_label(group[0])} | {variant} | {p(ft, 50)} / {p(ft, 95)} | {p(tot, 50)} / {p(tot, 95)} "
            f"| {p_tok / (p_ms / 1e3) if p_ms else 0:.0f} | {p(prompts, 50, 0)} "
            f"| {g_tok / (g_ms / 1e3) if g_ms else 0:.0f} | {p(pre, 50)} "
            f"| {statistics.median(run['model_load_ms'] for run in group) / 1e3:.2f} "
            f"| {differ} of {len(answers)} | {loads} |"
        )
    return "\n".join(lines)


def build_label(run: dict[str, Any]) -> str:
    """'AVX2' or 'AVX-512' and the features llama.cpp reports as on, from its system info string."""
    info = run["system_info"]
    on = [part.split("=")[0].strip() for part in info.split("|") if part.strip().endswith("= 1")]
    kind = "AVX-512" if "AVX512" in on else "AVX2" if "AVX2" in on else "no AVX2"
    return f"{kind} ({' '.join(x for x in on if x.startswith(('AVX', 'FMA', 'F16C', 'BMI2')))})"


def p(values: list[float] | list[int], q: float, digits: int = 2) -> str:
    """The ``q``-th percentile as a table cell ("—" for no values)."""
    value = percentile(values, q)
    return "—" if value is None else f"{value:.{digits}f}"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
