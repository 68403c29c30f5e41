"""The benchmark report: derived figures (efficiency, growth exponents, targets), the comparison
and scaling tables, charts, and the ``results.json`` / ``results.md`` files.

Tables are printed with ``evals.report``'s Markdown table, as the evals' are; the cells are
formatted here (thousands separators, "n/a", yes/no), as ``benchmarks/README.md`` shows them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.report import markdown_table

PIPELINES = {
    "ours": "ours",
    "li_chunks": "llama-index, our chunks (200/40)",
    "li_defaults": "llama-index defaults (1024/200)",
}


def get_path(d: Any, *path: str) -> Any:
    """``d[path[0]][path[1]]...``, or None where a level is missing (a pipeline skipped or failed)."""
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def fmt(value: Any, digits: int = 1) -> str:
    """A table cell: "n/a" for a missing figure, yes/no, thousands separators for large numbers."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    return str(value)


def ratio(a: Any, b: Any) -> str:
    """``a ÷ b`` as "1.23×", or "n/a" when either is missing."""
    if not isinstance(a, int | float) or not isinstance(b, int | float) or not b:
        return "n/a"
    return f"{a / b:.2f}×"


# (label, path in a worker result, digits): the comparison table's rows.
ROWS: list[tuple[str, tuple[str, ...], int]] = [
    ("raw embedding ceiling, tokens/s", ("raw", "tokens_per_s"), 0),
    ("raw embedding ceiling, chunks/s", ("raw", "chunks_per_s"), 1),
    ("ingest: chunks", ("ingest", "chunks"), 0),
    ("ingest: share of chunk tokens the model sees", ("ingest", "seen_share"), 2),
    ("ingest: wall time, s", ("ingest", "wall_s"), 1),
    ("ingest: chunks/s", ("ingest", "chunks_per_s"), 1),
    ("ingest: tokens/s", ("ingest", "tokens_per_s"), 0),
    ("ingest: tokens/s ÷ raw ceiling", ("efficiency", "ingest_vs_raw"), 2),
    ("ingest: embedding-phase tokens/s ÷ raw ceiling", ("efficiency", "embed_phase_vs_raw"), 2),
    ("ingest: tokens per CPU-s ÷ raw ceiling's", ("efficiency", "ingest_vs_raw_cpu"), 2),
    ("cores this process got during ingest (CPU s / wall s)", ("efficiency", "cores_used_ingest"), 2),
    ("cores this process got during the raw ceiling", ("efficiency", "cores_used_raw"), 2),
    ("ingest: share of wall time outside embedding", ("ingest", "outside_embedding_share"), 3),
    ("ingest: ms per article", ("ingest", "ms_per_article"), 0),
    ("ingest: s per MB of JSONL", ("ingest", "s_per_mb"), 1),
    ("ingest: CPU s (all threads)", ("ingest", "cpu_s"), 1),
    ("ingest: peak RSS, MB", ("ingest", "peak_rss_mb"), 0),
    ("re-ingest unchanged (warm), s", ("reingest", "wall_s"), 2),
    ("re-ingest: chunks embedded", ("reingest", "embedded"), 0),
    ("one-article add until found (warm), ms", ("single_add", "total_ms"), 0),
    ("retrieval p50, ms", ("retrieval", "p50_ms"), 1),
    ("retrieval p95, ms", ("retrieval", "p95_ms"), 1),
    ("retrieval p95, default as_retriever() (top 2), ms", ("retrieval", "default_top2", "p95_ms"), 1),
    ("retrieval CPU time p50, ms (all threads)", ("retrieval", "cpu", "p50_ms"), 1),
    ("retrieval CPU time p95, ms", ("retrieval", "cpu", "p95_ms"), 1),
    ("answer recall@5", ("retrieval", "recall_at_5"), 3),
    ("answer recall@5 without short answers", ("retrieval", "recall_at_5_long"), 3),
    ("characters in the top 5 (mean)", ("retrieval", "top5_chars_mean"), 0),
    ("answer recall in the top 5's first 4,000 characters", ("retrieval", "recall_at_5_budget"), 3),
    ("time to first token p50, ms", ("answers", "first_token", "p50_ms"), 0),
    ("time to first token p95, ms", ("answers", "first_token", "p95_ms"), 0),
    ("full answer p50, ms", ("answers", "total", "p50_ms"), 0),
    ("full answer p95, ms", ("answers", "total", "p95_ms"), 0),
    ("worker peak RSS, MB", ("peak_rss_mb",), 0),
]


def comparison_table(run: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """One scale's pipelines side by side (header, rows), with the CLI and `bot serve` figures below."""
    ours, li1, li2 = run.get("ours", {}), run.get("li_chunks", {}), run.get("li_defaults", {})
    header = [
        "figure",
        "ours",
        PIPELINES["li_chunks"],
        PIPELINES["li_defaults"],
        "ours ÷ li chunks",
        "ours ÷ li defaults",
    ]
    rows = []
    for label, path, digits in ROWS:
        a, b, c = get_path(ours, *path), get_path(li1, *path), get_path(li2, *path)
        if a is None and b is None and c is None:
            continue
        rows.append([label, fmt(a, digits), fmt(b, digits), fmt(c, digits), ratio(a, b), ratio(a, c)])
    cold = run.get("cold", {})
    serve = run.get("serve", {})
    extra = [
        ("re-ingest unchanged, `bot ingest` in a new process, s", cold.get("reingest_s"), 1),
        ("one-article add, `bot ingest` + `bot search` in new processes, s", cold.get("single_add_s"), 1),
        ("`bot serve` peak RSS after startup, MB", serve.get("peak_rss_after_startup_mb"), 0),
        ("`bot serve` peak RSS after one search and one answer, MB", serve.get("peak_rss_mb"), 0),
    ]
    for label, value, digits in extra:
        if value is not None or label.startswith("`bot serve`"):
            shown = fmt(value, digits) if value is not None else serve.get("error", "n/a")
            rows.append([label, shown, "n/a", "n/a", "", ""])
    return header, rows


def growth_exponent(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Least-squares slope of log y on log x: 1 is linear, below 1 sub-linear."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys, strict=True) if x and y and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    den = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / den if den else None


SCALING_COLS: list[tuple[str, tuple[str, ...], int]] = [
    ("articles", ("ingest", "articles"), 0),
    ("chunks", ("ingest", "chunks"), 0),
    ("ingest s", ("ingest", "wall_s"), 1),
    ("chunks/s", ("ingest", "chunks_per_s"), 1),
    ("raw chunks/s", ("raw", "chunks_per_s"), 1),
    ("ingest ÷ raw", ("efficiency", "ingest_vs_raw"), 2),
    ("ingest ÷ raw, CPU", ("efficiency", "ingest_vs_raw_cpu"), 2),
    ("outside embed", ("ingest", "outside_embedding_share"), 3),
    ("ingest CPU s", ("ingest", "cpu_s"), 1),
    ("ingest RSS MB", ("ingest", "peak_rss_mb"), 0),
    ("re-ingest s", ("reingest", "wall_s"), 2),
    ("1-article add ms", ("single_add", "total_ms"), 0),
    ("retrieval p50 ms", ("retrieval", "p50_ms"), 1),
    ("retrieval p95 ms", ("retrieval", "p95_ms"), 1),
    ("retrieval CPU p95 ms", ("retrieval", "cpu", "p95_ms"), 1),
    ("recall@5", ("retrieval", "recall_at_5"), 3),
]


def scaling_rows(runs: dict[str, dict[str, Any]]) -> tuple[list[str], list[list[str]], dict[str, Any]]:
    """Our pipeline across the scales (header, rows) and how each cost grows with the corpus."""
    header = ["scale", *(c[0] for c in SCALING_COLS), "serve RSS MB", "load (1 min) start→end"]
    rows = []
    for label, run in runs.items():
        ours = run.get("ours", {})
        cells = [label] + [fmt(get_path(ours, *path), digits) for _, path, digits in SCALING_COLS]
        cells.append(fmt(get_path(run, "serve", "peak_rss_mb"), 0))
        start, end = ours.get("load_start") or [None], ours.get("load_end") or [None]
        cells.append(f"{fmt(start[0], 2)}→{fmt(end[0], 2)}")
        rows.append(cells)
    xs = [get_path(r, "ours", "ingest", "articles") or 0 for r in runs.values()]
    growth = {}
    for key, path in {
        "ingest_wall_s": ("ingest", "wall_s"),
        "ingest_cpu_s": ("ingest", "cpu_s"),
        "reingest_s": ("reingest", "wall_s"),
        "single_add_ms": ("single_add", "total_ms"),
        "retrieval_p50_ms": ("retrieval", "p50_ms"),
        "retrieval_p95_ms": ("retrieval", "p95_ms"),
        "retrieval_cpu_p95_ms": ("retrieval", "cpu", "p95_ms"),
    }.items():
        ys = [get_path(r, "ours", *path) or 0 for r in runs.values()]
        growth[key] = growth_exponent(xs, ys)
    return header, rows, growth


def ascii_chart(title: str, xs: Sequence[int], ys: Sequence[float], unit: str, width: int = 48) -> str:
    """Horizontal bars per corpus size, with '|' where linear growth from the smallest would be."""
    if not ys or not any(ys):
        return ""
    linear = [ys[0] * x / xs[0] for x in xs] if xs[0] else list(ys)
    top = max([*ys, *linear]) or 1.0
    lines = [f"{title}   ('|' = linear growth from the first size)"]
    for x, y, lin in zip(xs, ys, linear, strict=True):
        bar = ["█"] * max(1, round(y / top * width)) + [" "] * width
        bar = bar[: width + 1]
        mark = min(width, round(lin / top * width))
        bar[mark] = "|" if bar[mark] == " " else "╂"
        lines.append(f"{x:>7,} articles {''.join(bar)} {fmt(y, 1)} {unit}")
    return "\n".join(lines)


def png_chart(path: Path, runs: dict[str, dict[str, Any]]) -> bool:
    """Ingest time and retrieval p95 against corpus size as a PNG, if matplotlib is importable."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    xs = [get_path(r, "ours", "ingest", "articles") or 0 for r in runs.values()]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, (name, path_, unit) in zip(
        axes,
        [("ingest wall time", ("ingest", "wall_s"), "s"), ("retrieval p95", ("retrieval", "p95_ms"), "ms")],
        strict=True,
    ):
        ys = [get_path(r, "ours", *path_) or 0 for r in runs.values()]
        ax.plot(xs, ys, "o-", label="measured")
        if xs and xs[0]:
            ax.plot(xs, [ys[0] * x / xs[0] for x in xs], "--", label="linear from 1×")
        ax.set_xlabel("articles")
        ax.set_ylabel(unit)
        ax.set_title(name)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each performance target with its measured value and whether it was met (None: not measured)."""
    runs = report["runs"]
    first: dict[str, Any] = next(iter(runs.values()), {})
    last: dict[str, Any] = list(runs.values())[-1] if runs else {}
    ours1 = first.get("ours", {})
    oursN = last.get("ours", {})
    growth = report.get("growth", {})
    items = [
        (
            "embedding-phase tokens/s within 10% of raw",
            "≥ 0.90",
            get_path(ours1, "efficiency", "embed_phase_vs_raw"),
            lambda v: v >= 0.9,
        ),
        (
            "ingest tokens/s within 10% of raw (wall)",
            "≥ 0.90",
            get_path(ours1, "efficiency", "ingest_vs_raw"),
            lambda v: v >= 0.9,
        ),
        (
            "ingest tokens per CPU-second within 10% of raw",
            "≥ 0.90",
            get_path(ours1, "efficiency", "ingest_vs_raw_cpu"),
            lambda v: v >= 0.9,
        ),
        (
            "wall time outside embedding",
            "≤ 0.10",
            get_path(ours1, "ingest", "outside_embedding_share"),
            lambda v: v <= 0.1,
        ),
        (
            f"re-ingest unchanged ({get_path(oursN, 'ingest', 'articles')} articles, warm), s",
            "≤ 10",
            get_path(oursN, "reingest", "wall_s"),
            lambda v: v <= 10,
        ),
        (
            f"re-ingest unchanged ({get_path(oursN, 'ingest', 'articles')} articles, new process), s",
            "≤ 10",
            get_path(last, "cold", "reingest_s"),
            lambda v: v <= 10,
        ),
        (
            "one-article add until found (warm), ms",
            "≤ 2000",
            get_path(oursN, "single_add", "total_ms"),
            lambda v: v <= 2000,
        ),
        (
            "one-article add until found (new processes), s",
            "≤ 2",
            get_path(last, "cold", "single_add_s"),
            lambda v: v <= 2,
        ),
        (
            f"retrieval p95 ({get_path(oursN, 'ingest', 'articles')} articles), ms",
            "≤ 100",
            get_path(oursN, "retrieval", "p95_ms"),
            lambda v: v <= 100,
        ),
        (
            "time to first token p95 (0.5B), ms",
            "≤ 1500",
            get_path(ours1, "answers", "first_token", "p95_ms"),
            lambda v: v <= 1500,
        ),
        (
            "time to first token p50 (0.5B), ms",
            "≤ 1500",
            get_path(ours1, "answers", "first_token", "p50_ms"),
            lambda v: v <= 1500,
        ),
        ("ingest wall growth exponent", "≤ 1.1", growth.get("ingest_wall_s"), lambda v: v <= 1.1),
        ("retrieval p95 growth exponent", "≤ 1.1", growth.get("retrieval_p95_ms"), lambda v: v <= 1.1),
    ]
    out = []
    for name, target, value, ok in items:
        out.append(
            {
                "name": name,
                "target": target,
                "value": value,
                "met": None if value is None else bool(ok(value)),
            }
        )
    return out


def render(report: dict[str, Any], png: bool) -> str:
    """``results.md``: the machine and settings, a comparison table per scale, scaling and targets."""
    meta = report["meta"]
    m = meta["machine"]
    parts = [
        "# Benchmark results",
        "",
        f"Command: `{meta['command']}`",
        "",
        f"Machine: {m['nproc']} cores ({m['cpu_model']}), {m['ram_gb']} GB RAM, Python {m['python']}; "
        f"load average (1/5/15 min) {meta['load_start']} at start, {meta['load_end']} at end. "
        f"Started {meta['started']}, took {fmt(meta.get('duration_s', 0) / 60, 1)} min. Git {meta['git']['commit']}"
        + (" (dirty)" if meta["git"]["dirty"] else "")
        + ".",
        "",
        *([f"Note: {meta['note']}", ""] if meta.get("note") else []),
        f"Settings: chunks {meta['settings']['chunk_size']}/{meta['settings']['chunk_overlap']}, "
        f"embed batch {meta['settings']['embed_batch']}, {meta['settings']['questions']} timed questions, "
        f"{meta['settings']['answers']} answered with the model, raw ceiling on {meta['settings']['raw_chunks']} chunks.",
        "",
    ]
    for label, run in report["runs"].items():
        header, rows = comparison_table(run)
        n = get_path(run, "ours", "ingest", "articles")
        recall_n = get_path(run, "ours", "retrieval", "recall_n")
        parts += [
            f"## {label}: {fmt(n)} articles ({fmt(run.get('mb'), 1)} MB), recall on {fmt(recall_n)} answerable questions",
            "",
            markdown_table(header, rows),
            "",
        ]
    if len(report["runs"]) > 1:
        header, rows, growth = scaling_rows(report["runs"])
        parts += ["## Scaling (ours)", "", markdown_table(header, rows), ""]
        parts += [
            "Growth exponents (slope of log cost on log size; 1 = linear): "
            + ", ".join(f"{k} {fmt(v, 2)}" for k, v in growth.items()),
            "",
        ]
        xs = [get_path(r, "ours", "ingest", "articles") or 0 for r in report["runs"].values()]
        if png:
            parts += ["![scaling](scaling.png)", ""]
        charts = [
            ascii_chart(
                "ingest wall time",
                xs,
                [get_path(r, "ours", "ingest", "wall_s") or 0 for r in report["runs"].values()],
                "s",
            ),
            ascii_chart(
                "ingest CPU time",
                xs,
                [get_path(r, "ours", "ingest", "cpu_s") or 0 for r in report["runs"].values()],
                "s",
            ),
            ascii_chart(
                "retrieval p95",
                xs,
                [get_path(r, "ours", "retrieval", "p95_ms") or 0 for r in report["runs"].values()],
                "ms",
            ),
        ]
        parts += ["```", "\n\n".join(c for c in charts if c), "```", ""]
    parts += [
        "## Targets",
        "",
        markdown_table(
            ["target", "wanted", "measured", "met"],
            [
                [t["name"], t["target"], fmt(t["value"], 2), fmt(t["met"]) if t["met"] is not None else "n/a"]
                for t in report["targets"]
            ],
        ),
        "",
    ]
    return "\n".join(parts)
