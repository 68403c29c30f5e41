"""The gold run's report: its tables (printed and in report.md), results.json, charts and misses.

Why apart from the scoring: how a summary is shown changes more often than how it is computed,
and the tables are printed by ``bot eval`` and written into ``report.md`` the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from evals.gold import GoldRow
from evals.matching import ANSWER_MIN_BOUND, SUPPORT_MIN
from evals.report import fmt, fmt_ms, markdown_table, write_charts


def gold_tables(s: dict[str, Any]) -> str:
    """The summary as Markdown: headline metrics (beside the no-model floor), notes, per type."""
    floor = s.get("floor")
    columns = [s, floor] if floor else [s]
    header = ["metric", "answer model", "no-model floor (quotes only)"] if floor else ["metric", "value"]
    main = markdown_table(header, [(name, *(get(c) for c in columns)) for name, get in _GOLD_ROWS])
    extra = []
    paste = s.get("paste_floor")
    if paste and paste["answerable"]:
        extra.append(
            f"One pasted article sentence would pass {paste['one_sentence_passes']} of the "
            f"{paste['answerable']} answerable items on facts alone, {paste['one_sentence_passes_bounded']} "
            f"within the length bound (max({ANSWER_MIN_BOUND}, 2 × the gold answer) characters)."
        )
    if s.get("wrong_by_reason"):
        extra.append("Why wrong answers were wrong: " + _counts(s["wrong_by_reason"]) + ".")
    if s.get("repeats"):
        extra.append(
            "Spread over repeated runs (min–max): "
            + "; ".join(
                f"{k} {_fmt_figure(k, v['min'])}–{_fmt_figure(k, v['max'])}" for k, v in s["repeats"].items()
            )
            + "."
        )
    types = markdown_table(
        ["type", "n", "answer accuracy", "hit@1", "refusal accuracy"],
        [(t, v["n"], v["accuracy"], v["hit@1"], v["refusal_accuracy"]) for t, v in s["by_type"].items()],
    )
    return "\n\n".join([main, *extra, types])


def _fmt_figure(key: str, value: float) -> str:
    return fmt_ms(value) if key.endswith(("p50", "p95")) else fmt(value)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def _lat(s: dict[str, Any], a: str, b: str) -> str:
    return f"{fmt_ms(s['latency_ms'][a])} / {fmt_ms(s['latency_ms'][b])}"


_GOLD_ROWS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("items (answerable / to refuse)", lambda s: f"{s['n']} ({s['answerable']} / {s['unanswerable']})"),
    (
        "retrieval hit@1 / hit@3 / hit@5",
        lambda s: f"{fmt(s['hit@1'])} / {fmt(s['hit@3'])} / {fmt(s['hit@5'])}",
    ),
    ("retrieval MRR", lambda s: s["mrr"]),
    ("all gold passages in top 5 (multi-quote items)", lambda s: s["all_gold_hit@5"]),
    ("answer correctness", lambda s: s["answer_accuracy"]),
    (
        "answer correctness without near-duplicate items (n)",
        lambda s: f"{fmt(s['answer_accuracy_without_duplicates'])} ({s['answerable_without_duplicates']})",
    ),
    (
        "answerable items answered in the model's own words (right)",
        lambda s: f"{fmt(s['answered_in_own_words'])} ({s['right_in_own_words']})",
    ),
    (
        "citation precision, per cited sentence (pairs)",
        lambda s: f"{fmt(s['citation_precision'])} ({s['citation_pairs']})",
    ),
    (
        "citation recall: passage / exact sentence",
        lambda s: f"{fmt(s['citation_recall'])} / {fmt(s['citation_recall_sentence'])}",
    ),
    (
        "refusal accuracy (answered instead)",
        lambda s: f"{fmt(s['refusal_accuracy'])} ({s['answered_unanswerable']})",
    ),
    ("false-refusal rate (count)", lambda s: f"{fmt(s['false_refusal_rate'])} ({s['false_refusals']})"),
    ("latency total p50 / p95", lambda s: _lat(s, "total_p50", "total_p95")),
    (
        "first token p50 / p95 (n)",
        lambda s: f"{_lat(s, 'first_token_p50', 'first_token_p95')} ({s['latency_ms']['first_token_n']})",
    ),
    ("answer modes", lambda s: _counts(s["modes"])),
]


def write_gold_report(
    out: Path, meta: dict[str, Any], summary: dict[str, Any], rows: Sequence[GoldRow], gate: list[str] | None
) -> None:
    """results.json (everything, one row per item) and report.md (tables, charts, the misses)."""
    (out / "results.json").write_text(
        json.dumps(
            {"meta": meta, "summary": summary, "gate": gate, "rows": [asdict(r) for r in rows]},
            indent=1,
            default=str,
        )
    )
    misses = [r for r in rows if (r.answerable and not r.correct) or (not r.answerable and not r.refused)]
    lines = [
        f"# Gold-set eval — {meta['llm_model']} @ {meta['git']}{' (dirty tree)' if meta['dirty'] else ''}",
        "",
        f"`{meta['command']}` — {meta['started']}, store: {meta['store']}, top_k {meta['top_k']}, "
        f"reranker {meta['reranker']}, {meta['threads']} threads",
        "",
        gold_tables(summary),
        "",
        "Definitions: a passage *hits* when it contains a gold quote or overlaps its span. A citation is "
        "*precise* when its quoted sentence (or the article's title, source and date) holds every name and number of the claim citing it and either "
        f"overlaps a gold quote or holds ≥ {SUPPORT_MIN} of the claim's content words. *Correct*: every must_include group as whole words, no must_exclude, at most max({ANSWER_MIN_BOUND}, 2 × the gold answer) characters. *Citation recall*: "
        "share of gold quotes whose passage (or exact sentence) is cited.",
        "",
    ]
    if gate is not None:
        lines += [
            f"**Gate** (evals/thresholds.json): {'PASS' if not gate else 'FAIL — ' + '; '.join(gate)}",
            "",
        ]
    lines += [
        "## Charts",
        "",
        write_charts(
            out,
            summary["by_type"],
            {
                "total": [r.total_ms for r in rows],
                "first token": [r.first_token_ms for r in rows if r.first_token_ms is not None],
            },
        ),
        "",
    ]
    lines += ["## Misses", ""]
    lines += [
        f"- `{r.id}` ({r.type}, {'answerable' if r.answerable else 'must refuse'}) {r.question} → "
        f"{'refused' if r.refused else repr(r.answer[:200])} ({r.mode}); first gold hit at rank {r.rank}"
        + (f"; searched for {r.rewritten!r}" if r.rewritten else "")
        + "".join(f"; note: {n[:200]}" for n in r.notes)
        for r in misses
    ] or ["none"]
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
