"""The RealTimeQA run's report: per-system tables, the published baselines, charts, results.json.

Why apart from the harness: the tables are printed by ``bot eval --benchmark realtimeqa`` and
written into ``report.md`` the same way, and how they look changes apart from how runs are scored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.realtimeqa import KS
from evals.report import ascii_bars, fmt_ms, histogram, markdown_table, svg_bars


def realtimeqa_tables(s: dict[str, Any], published: dict[str, Any]) -> str:
    """Per-system figures on all chosen questions and without short answers, then the published."""
    parts = []
    for subset, title in (
        ("all", "all chosen answerable questions"),
        ("without_short", "without short answers"),
    ):
        header = [
            "system",
            "n",
            *(f"R@{k}" for k in KS),
            "ctx recall",
            "accuracy",
            "acc | in ctx",
            "model-written (right)",
            "partial",
            "refusals",
            "retrieve p50/p95",
            "first token p50/p95",
            "total p50/p95",
        ]
        rows = []
        for name, figs in s["systems"].items():
            f = figs[subset]
            rows.append(
                (
                    name,
                    f["n"],
                    *(f.get(f"recall@{k}") for k in KS),
                    f.get("context_recall"),
                    f.get("accuracy"),
                    f.get("accuracy_when_in_context"),
                    f"{f['model_written']} ({f['model_written_right']})" if "model_written" in f else "—",
                    f.get("partial_not_exact", "—"),
                    f.get("refusals", "—"),
                    *(
                        f"{fmt_ms(f.get(f'{key}_ms_p50'))} / {fmt_ms(f.get(f'{key}_ms_p95'))}"
                        for key in ("retrieve", "first_token", "total")
                    ),
                )
            )
        parts.append(f"**{title}**\n\n" + markdown_table(header, rows))
        modes = s["systems"].get("ours", {}).get(subset, {}).get("by_mode")
        if modes:
            parts.append(
                "ours by answer mode: "
                + ", ".join(f"{m} {v['n']} ({v['correct']} right)" for m, v in modes.items())
            )
    if published:
        rows = [
            (name, v.get("covered", "—"), v.get("accuracy_covered"), v["in_run"], v["accuracy_in_run"])
            for name, v in published.items()
        ]
        parts.append(
            "**published baselines** (answerable questions they cover; gold string in the prediction)\n\n"
            + markdown_table(
                ["system", "covered", "accuracy", "covered in this run", "accuracy in this run"], rows
            )
        )
    return "\n\n".join(parts)


def write_realtimeqa_report(
    out: Path,
    meta: dict[str, Any],
    summary: dict[str, Any],
    published: dict[str, Any],
    rows: Sequence[dict[str, Any]],
    home: Path,
) -> str:
    """results.json and report.md (definitions, tables, charts) in ``out``; returns the tables."""
    (out / "results.json").write_text(
        json.dumps(
            {"meta": meta, "summary": summary, "published": published, "rows": rows}, indent=1, default=str
        )
    )
    tables = realtimeqa_tables(summary, published)
    report = [
        f"# RealTimeQA 2023-Q4 — {meta['llm_model']} @ {meta['git']}"
        + (" (dirty tree)" if meta["dirty"] else ""),
        "",
        f"`{meta['command']}` — {meta['started']}; store {home}: {summary['articles']} articles, "
        f"{summary['chunks']} chunks; "
        f"{summary['n']} answerable questions ({summary['short_answers']} with short answers, "
        "matched as whole words).",
        "",
        "R@k: gold answer string in the top-k chunks (— where the system returns fewer). ctx recall: in what "
        "the answer model was shown (ours: its chosen sentences; llama-index: its 2 chunks; a question "
        "ours refuses before any model call counts as not shown). accuracy: in the generated answer. acc | in ctx: accuracy when it was "
        "in the context. partial: most gold words present but not the exact string (not counted correct). "
        "Every answering system gets the question's date: ours as as-of and 'Today is ...' in its prompt, "
        "llama-index as 'Today is ...' at the head of its QA prompt; BM25 and dense retrieval see no date. "
        "One rule for every system: right = gold string in the answer (refusal flag or not); "
        "refusal = every sentence of the answer refuses. acc | in ctx counts model-written answers only.",
        "",
        tables,
        "",
        _realtimeqa_charts(out, summary, rows),
    ]
    (out / "report.md").write_text("\n".join(report) + "\n", encoding="utf-8")
    return tables


def _realtimeqa_charts(out: Path, summary: dict[str, Any], rows: Sequence[dict[str, Any]]) -> str:
    names = list(summary["systems"])
    figs = {n: summary["systems"][n]["all"] for n in names}
    (out / "systems.svg").write_text(
        svg_bars(
            "Answer recall@5 and accuracy by system",
            names,
            {
                "recall@5": [figs[n].get("recall@5") for n in names],
                "accuracy": [figs[n].get("accuracy") for n in names],
            },
        )
    )
    md = ["## Charts", "", "![systems](systems.svg)", ""]
    latencies = {
        n: [r[n]["timings_ms"]["total"] for r in rows if "total" in r[n]["timings_ms"]] for n in names
    }
    latencies = {n: v for n, v in latencies.items() if v}
    if latencies:
        first = next(iter(latencies))
        bins, counts = histogram([v / 1e3 for v in latencies[first]])
        (out / "latency.svg").write_text(
            svg_bars(f"Answer latency ({first}, questions per bin)", bins, {first: counts})
        )
        md += ["![latency](latency.svg)", ""]
        for n, vals in latencies.items():
            bins, counts = histogram([v / 1e3 for v in vals])
            md += ["```", f"{n}: total latency (questions per bin)", ascii_bars(bins, counts), "```"]
    return "\n".join(md)
