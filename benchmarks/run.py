"""Performance benchmark: ingest, re-ingest, one-article add, query and memory, beside llama-index.

Run ``.venv/bin/python benchmarks/run.py [--articles N] [--scales 1,2,4] [--questions 50] [--out DIR]``.
It prints Markdown tables and writes ``results.json`` and ``results.md`` (plus ``scaling.png`` when
matplotlib is importable; otherwise the chart is ASCII inside the Markdown) under ``--out``
(default ``benchmarks/results/<timestamp>/``, gitignored). ``benchmarks/README.md`` explains every
figure.

This module is the command: options, the order of the runs, and the results files. The parts
live beside it: ``measure`` (process and machine figures, timers, the network guard), ``corpora``,
``figures`` (what a worker measures), ``workers`` (the pipelines), ``cold`` (the CLI in new
processes and `bot serve`) and ``report`` (tables, charts, targets).

Each pipeline runs in its own subprocess (``--worker``), so its peak RSS is its own and one model
load serves all of its phases. The parent only prepares the corpora (the RealTimeQA articles chosen
question by question, and for the 2x/4x scales copies of them with new ids and a suffix sentence),
starts the workers, the cold CLI runs and ``bot serve``, and writes the report. Every worker blocks
non-loopback connections and counts the attempts, so no component (llama-index included) can reach
a hosted API unnoticed; llama-index is always handed our embedder, and its global ``Settings`` are
never assigned.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.cold import measure_cold, measure_serve  # noqa: E402
from benchmarks.corpora import question_sets, read_jsonl, scaled_corpus, select_articles, write_jsonl  # noqa: E402
from benchmarks.figures import TOP_K, WARMUP_QUERIES, efficiency  # noqa: E402
from benchmarks.measure import git_state, loadavg, log, machine_info, versions  # noqa: E402
from benchmarks.report import PIPELINES, comparison_table, png_chart, render, scaling_rows, targets  # noqa: E402
from benchmarks.workers import WORKERS, run_worker, worker_main  # noqa: E402

# The public benchmark is read in place, never copied here: --data or $NEWSBOT_BENCHMARK_DATA.
DEFAULT_DATA = os.environ.get("NEWSBOT_BENCHMARK_DATA")
DEFAULT_OUT = ROOT / "benchmarks" / "results"


# --- orchestration -------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command's options; chunk and batch defaults are the bot's own (Config)."""
    from bot.config import Config

    defaults = Config()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--articles", type=int, default=300, help="articles at 1x (0 = all 2,733)")
    p.add_argument("--scales", default="1,2,4", help="corpus multiples, e.g. 1,2,4")
    p.add_argument("--questions", type=int, default=50, help="questions timed for retrieval")
    p.add_argument("--answers", type=int, default=10, help="questions answered by the model at 1x (0 = skip)")
    p.add_argument("--raw-chunks", type=int, default=512, help="chunks for the raw embedding ceiling")
    p.add_argument("--out", type=Path, help="results folder (default benchmarks/results/<timestamp>)")
    p.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="folder with articles.jsonl and questions.jsonl"
    )
    p.add_argument("--skip-baselines", action="store_true", help="ours only (no llama-index pipelines)")
    p.add_argument(
        "--pipelines",
        default=",".join(PIPELINES),
        help="which pipelines to run, comma-separated (default all: " + ",".join(PIPELINES) + ")",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="keep what --out's results.json already holds and run only the missing pipelines",
    )
    p.add_argument(
        "--scale-baselines", action="store_true", help="llama-index pipelines at every scale, not only 1x"
    )
    p.add_argument("--no-serve", action="store_true", help="skip the `bot serve` peak RSS")
    p.add_argument("--no-cold", action="store_true", help="skip the CLI runs in new processes")
    p.add_argument(
        "--in-process", action="store_true", help="run pipelines in this process (tests; RSS shared)"
    )
    p.add_argument("--keep", action="store_true", help="keep the temporary stores and corpora")
    p.add_argument("--workdir", type=Path, help="where stores and corpora go (default a temp dir)")
    p.add_argument("--chunk-size", type=int, default=defaults.chunk_size)
    p.add_argument("--chunk-overlap", type=int, default=defaults.chunk_overlap)
    p.add_argument("--embed-batch", type=int, default=defaults.embed_batch)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--note", default="", help="a line recorded with the results (e.g. which source snapshot)")
    p.add_argument("--render", type=Path, help="only rewrite results.md (and derived JSON fields) of DIR")
    p.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    p.add_argument("--spec", type=Path, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _done(entry: Any) -> bool:
    return isinstance(entry, dict) and "error" not in entry


def run(args: argparse.Namespace, argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Every scale and pipeline in turn, saving after each so a crash or a kill keeps what was measured."""
    started = time.time()
    wanted = [k.strip() for k in str(args.pipelines).split(",") if k.strip()]
    unknown = set(wanted) - set(PIPELINES)
    if unknown:
        raise SystemExit(f"unknown pipeline(s) {sorted(unknown)}: choose from {', '.join(PIPELINES)}")
    scales = [int(s) for s in str(args.scales).split(",") if s.strip()]
    out = args.out or DEFAULT_OUT / datetime.now().strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bot-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    random.seed(args.seed)

    if args.data is None:
        raise SystemExit(
            "pass --data DIR (RealTimeQA: articles.jsonl, questions.jsonl) or set NEWSBOT_BENCHMARK_DATA"
        )
    articles = read_jsonl(args.data / "articles.jsonl")
    questions = read_jsonl(args.data / "questions.jsonl")
    all_ids = {a["id"] for a in articles}
    base = select_articles(articles, questions, args.articles)
    base_ids = {a["id"] for a in base}
    outside = [a for a in articles if a["id"] not in base_ids]
    lengths = sorted((len(a["text"]), i) for i, a in enumerate(outside or articles))
    filler = (outside or articles)[lengths[len(lengths) // 2][1]]["text"]  # a median-length body
    timed, recall = question_sets(questions, base, all_ids, args.questions)
    warmup_question = next((q["question"] for q in questions if q not in timed), WARMUP_QUERIES[0])
    log(f"{len(base)} articles at 1x; {len(timed)} timed questions, {len(recall)} answerable for recall")

    report: dict[str, Any] = {
        "meta": {
            "command": " ".join([".venv/bin/python", "benchmarks/run.py", *(argv or sys.argv[1:])]),
            "started": datetime.fromtimestamp(started).isoformat(timespec="seconds"),
            "machine": machine_info(),
            "versions": versions(),
            "git": git_state(),
            "load_start": loadavg(),
            "note": args.note,
            "settings": {
                "articles": len(base),
                "scales": scales,
                "questions": len(timed),
                "recall_questions": len(recall),
                "answers": args.answers,
                "raw_chunks": args.raw_chunks,
                "chunk_size": args.chunk_size,
                "chunk_overlap": args.chunk_overlap,
                "embed_batch": args.embed_batch,
                "top_k": TOP_K,
                "data": str(args.data),
            },
        },
        "runs": {},
    }
    previous = out / "results.json"
    if args.resume and previous.exists():  # a long run split over sessions, or resumed after a kill
        earlier = json.loads(previous.read_text())
        report["runs"] = earlier.get("runs", {})
        report["meta"]["resumed"] = [*earlier["meta"].get("resumed", []), _meta_summary(earlier["meta"])]
    try:
        for i, scale in enumerate(scales):
            label = f"{scale}x"
            corpus = scaled_corpus(base, scale)
            corpus_path = work / f"corpus-{label}.jsonl"
            size = write_jsonl(corpus, corpus_path)
            run_dir = work / label
            run_entry: dict[str, Any] = report["runs"].setdefault(label, {})
            run_entry.update({"articles": len(corpus), "mb": size / 1e6})
            common = {
                "corpus": str(corpus_path),
                "articles": len(corpus),
                "mb": size / 1e6,
                "timed": timed,
                "recall": recall,
                "raw_chunks": args.raw_chunks,
                "chunk_size": args.chunk_size,
                "chunk_overlap": args.chunk_overlap,
                "embed_batch": args.embed_batch,
                "filler_text": filler,
                "warmup_question": warmup_question,
            }
            kinds = ["ours"]
            if not args.skip_baselines and (i == 0 or args.scale_baselines):
                kinds += ["li_chunks", "li_defaults"]
            for kind in [k for k in kinds if k in wanted]:
                if _done(run_entry.get(kind)):
                    log(f"{label}: {kind} already measured in {out} (--resume)")
                    continue
                home = run_dir / kind
                shutil.rmtree(home, ignore_errors=True)  # a killed earlier attempt leaves a partial store
                if args.in_process:  # chromadb caches one client per path: it would write into the void
                    from chromadb.api.client import SharedSystemClient

                    SharedSystemClient.clear_system_cache()
                home.mkdir(parents=True, exist_ok=True)
                spec = {
                    **common,
                    "home": str(home),
                    "workdir": str(home),
                    "answers": args.answers if (kind == "ours" and i == 0) else 0,
                }
                log(f"{label}: {kind} ({len(corpus)} articles)")
                run_entry[kind] = run_worker(kind, spec, args.in_process)
                if kind == "ours" and not args.no_cold:
                    log(f"{label}: CLI in new processes")
                    run_entry["cold"] = measure_cold(spec)
                if kind == "ours" and not args.no_serve:
                    log(f"{label}: bot serve")
                    run_entry["serve"] = measure_serve(
                        spec, timed[0]["question"] if timed else WARMUP_QUERIES[0]
                    )
                _save(report, out, started)  # partial results survive a crash or a kill
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return _save(report, out, started, final=True)


def _meta_summary(meta: dict[str, Any]) -> dict[str, Any]:
    keep = ("command", "started", "finished", "updated", "git", "load_start", "load_end", "duration_s")
    return {k: meta[k] for k in keep if k in meta}


def _save(
    report: dict[str, Any], out: Path, started: float, final: bool = False, rerender: bool = False
) -> dict[str, Any]:
    if not rerender:
        report["meta"]["load_end"] = loadavg()
        report["meta"]["duration_s"] = time.time() - started
        report["meta"]["finished" if final else "updated"] = datetime.now().isoformat(timespec="seconds")
    for run_entry in report["runs"].values():  # results of workers started before a field existed
        for result in run_entry.values():
            if isinstance(result, dict) and "ingest" in result and "raw" in result:
                result["efficiency"] = efficiency(result["ingest"], result["raw"])
    _, _, growth = scaling_rows(report["runs"])
    report["growth"] = growth
    report["targets"] = targets(report)
    report["comparison"] = {label: comparison_table(run)[1] for label, run in report["runs"].items()}
    (out / "results.json").write_text(json.dumps(report, indent=2, default=str))
    png = final and len(report["runs"]) > 1 and png_chart(out / "scaling.png", report["runs"])
    (out / "results.md").write_text(render(report, bool(png)))
    report["out"] = str(out)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """The command (``make bench``); also a worker's entry point (``--worker``)."""
    args = parse_args(argv)
    if args.worker:
        return worker_main(args.worker, args.spec)
    if args.render:  # recompute the derived figures and tables of an earlier run's results.json
        report = _save(json.loads((args.render / "results.json").read_text()), args.render, 0, True, True)
    else:
        report = run(args, argv)
    print(Path(report["out"], "results.md").read_text())
    print(f"\nwrote {report['out']}/results.json and results.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
