"""``bot eval``: run the gold set or RealTimeQA, print the tables, write the results folder.

Why a module of its own: the command only orchestrates (configuration, store, results folder, run
metadata, exit code); what is measured lives in ``evals.gold`` and ``evals.realtimeqa`` and how it
is shown in their ``*_report`` modules. ``bot.ui.cli`` imports this lazily, so the product's CLI
starts without the eval lab.

Each run writes ``results.json`` (summary and one row per question) and ``report.md`` (tables,
charts, the misses) into ``<out>/<date>_<git sha>_<label>/``. Settings come from
``Config.from_env()`` like every bot command; ``BOT_EVAL_JUDGE_MODEL`` (the optional LLM judge) is
the Config field ``eval_judge_model``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.types import BotError
from evals.gold import (
    CORPUS_PATH,
    GOLD_PATH,
    bundled_path,
    gate_failures,
    load_gold,
    paste_floor,
    run_gold,
    spread_of_runs,
    summarise_gold,
    thresholds_for,
)
from evals.gold_report import gold_tables, write_gold_report
from evals.judge import judge_gold, make_judge
from evals.realtimeqa import (
    choose_questions,
    default_store,
    load_jsonl,
    prepare_rtqa_store,
    published_figures,
    run_realtimeqa,
    summarise_realtimeqa,
)
from evals.realtimeqa_report import write_realtimeqa_report
from evals.report import git_state, spread

if TYPE_CHECKING:
    from bot.config import Config

EXIT_GATE = 3  # `bot eval` exit code when the gold set scores below evals/thresholds.json


def model_label(config: Config) -> str:
    """The answer model's short name, for results folder names and report titles."""
    if config.llm == "none":
        return "no-llm"
    return Path(config.llm_model).stem if "/" in config.llm_model else config.llm_model


def default_out() -> Path:
    """A checkout's ``evals/results`` (git-ignored); outside a checkout (an installed wheel)
    ``./evals-results`` of the current directory, never the installed package's own folder."""
    evals_dir = bundled_path("results").parent
    if (evals_dir.parent / "pyproject.toml").exists():
        return evals_dir / "results"
    return Path("evals-results")


def results_dir(base: Path, label: str, sha: str) -> Path:
    """Created when the results are written, so an interrupted run leaves nothing behind."""
    out = base / f"{date.today().isoformat()}_{sha}_{label}"
    out.mkdir(parents=True, exist_ok=True)
    return out


def log_line(line: str) -> None:
    """Progress goes to stderr, so stdout holds only the tables."""
    print(line, file=sys.stderr, flush=True)


def run_meta(args: argparse.Namespace, config: Config, store: Path | None) -> dict[str, Any]:
    """What a result depends on (command, commit, models, settings), written beside it."""
    sha, dirty = git_state()
    argv = ["bot", "eval", "--benchmark", args.benchmark]
    for flag in ("data", "limit", "as_of", "out"):
        if getattr(args, flag, None) is not None:
            argv += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
    if args.small:
        argv.append("--small")
    return {
        "command": " ".join(argv),
        "started": datetime.now().isoformat(timespec="seconds"),
        "git": sha,
        "dirty": dirty,
        "llm": config.llm,
        "llm_model": model_label(config),
        "embedder": config.embedder,
        "top_k": config.top_k,
        "reranker": config.reranker,
        "refusal_threshold": config.refusal_threshold,
        "store": str(store) if store else "temporary",
        "threads": config.threads,
    }


def cmd_eval(args: argparse.Namespace) -> int:
    """The ``bot eval`` command: the gold set by default, RealTimeQA with ``--benchmark``."""
    from bot.config import Config

    config = Config.from_env(home=getattr(args, "home", None))
    out_base = args.out or default_out()
    if args.limit is not None and args.limit < 1:
        raise BotError("--limit must be at least 1")
    if args.benchmark == "realtimeqa":
        return cmd_realtimeqa(args, config, out_base)
    if args.small or args.data:
        raise BotError("--small and --data apply to --benchmark realtimeqa only")
    # The user's store only when one was named (--home or BOT_HOME); else a temporary one.
    explicit = getattr(args, "home", None) is not None or config.home != Config().home
    return cmd_gold(args, config, out_base, use_home=explicit)


def cmd_gold(args: argparse.Namespace, config: Config, out_base: Path, use_home: bool) -> int:
    """The gold set on its corpus (a temporary store unless ``use_home``), gated by thresholds."""
    from bot.answering.answerer import Answerer
    from bot.service import Bot

    gold_path = args.gold or GOLD_PATH
    corpus = args.corpus or CORPUS_PATH
    if not corpus.exists():
        raise BotError(f"the corpus {corpus} does not exist: pass --corpus PATH")
    if args.repeat < 1:
        raise BotError("--repeat must be at least 1")
    items = spread(load_gold(gold_path), args.limit)
    is_gate_set = args.gold is None or args.gold.resolve() == GOLD_PATH.resolve()
    label = f"{'gold' if is_gate_set else gold_path.stem}_{model_label(config)}" + (
        f"_limit{args.limit}" if args.limit else ""
    )
    meta = run_meta(args, config, config.home if use_home else None)  # the commit the run started at
    out_base.mkdir(parents=True, exist_ok=True)
    store = config.home if use_home else Path(tempfile.mkdtemp(prefix=".store-gold-", dir=out_base))
    runs: list[dict[str, Any]] = []
    try:
        bot = Bot(config.with_(home=store))
        bot.ingest([corpus])
        if bot.llm is None and config.llm != "none":
            log_line(f"note: answer model unavailable ({bot.llm_error}); scoring extractive answers")
        for i in range(args.repeat):
            if args.repeat > 1:
                log_line(f"run {i + 1} of {args.repeat}")
            t0 = time.perf_counter()
            rows = run_gold(bot, items, as_of=args.as_of, log=log_line)
            if config.eval_judge_model:
                judge_gold(rows, items, make_judge(bot.config, config.eval_judge_model))
            summary = summarise_gold(rows)
            summary["wall_s"] = time.perf_counter() - t0
            runs.append({"summary": summary, "rows": rows})
        texts = {g["doc_id"]: bot.catalog.text(g["doc_id"]) or "" for i in items for g in i["gold_passages"]}
        summary["paste_floor"] = paste_floor(items, texts)
        floor = None
        if bot.llm is not None and not args.no_floor:
            log_line("the no-model floor (quotes only, same retrieval)")
            quotes = Answerer(bot.config, bot.retriever, None, bot.embedder)
            floor = summarise_gold(run_gold(bot, items, as_of=args.as_of, answerer=quotes))
            summary["floor"] = floor
    finally:
        if not use_home:
            shutil.rmtree(store, ignore_errors=True)
    if len(runs) > 1:
        summary["repeats"] = spread_of_runs([r["summary"] for r in runs])
    gate: list[str] | None = None
    thresholds = thresholds_for(model_label(config))
    if thresholds and not args.limit and is_gate_set:
        gate = gate_failures([r["summary"] for r in runs], thresholds, floor)
    out = results_dir(out_base, label, meta["git"])
    write_gold_report(out, meta, summary, runs[-1]["rows"], gate)
    print(gold_tables(summary))
    if gate is not None:
        print("\ngate (evals/thresholds.json): " + ("PASS" if not gate else "FAIL: " + "; ".join(gate)))
    print(f"\nresults: {out}")
    return EXIT_GATE if gate else 0


def cmd_realtimeqa(args: argparse.Namespace, config: Config, out_base: Path) -> int:
    """RealTimeQA from ``--data``: every system on the chosen questions, in a store of its own."""
    from bot.service import Bot

    data: Path | None = args.data
    if data is None:
        raise BotError(
            "--benchmark realtimeqa needs --data DIR (the folder with questions.jsonl, articles.jsonl)"
        )
    if not (data / "questions.jsonl").exists() or not (data / "articles.jsonl").exists():
        raise BotError(f"{data} holds no RealTimeQA data (questions.jsonl, articles.jsonl): pass --data")
    questions = load_jsonl(data / "questions.jsonl")
    chosen = choose_questions(questions, args.limit)
    wanted = {a for q in chosen for a in q["search_results"]} if args.small else None
    home = getattr(args, "home", None) or default_store(config.home, wanted)
    label = (
        f"realtimeqa_{model_label(config)}"
        + ("_small" if args.small else "")
        + (f"_limit{args.limit}" if args.limit else "")
    )
    meta = run_meta(args, config, home)
    bot = Bot(config.with_(home=home))
    t0 = time.perf_counter()
    prepare_rtqa_store(bot, data / "articles.jsonl", wanted, log_line)
    ingest_s = time.perf_counter() - t0
    rows = run_realtimeqa(bot, chosen, log_line)
    summary = summarise_realtimeqa(rows)
    n_docs, n_chunks = bot.catalog.count()
    summary.update(articles=n_docs, chunks=n_chunks, ingest_s=ingest_s, wall_s=time.perf_counter() - t0)
    published = published_figures(data, questions, rows)
    out = results_dir(out_base, label, meta["git"])
    print(write_realtimeqa_report(out, meta, summary, published, rows, home))
    print(f"\nresults: {out}")
    return 0
