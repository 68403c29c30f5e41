"""Eval reports: small statistics, Markdown tables, SVG/ASCII charts and the results files.

Shared by ``bot eval``, the eval scripts beside it and ``benchmarks/``, so a percentile or a table
is computed and printed one way everywhere.
"""

from __future__ import annotations

import json
import math
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent  # the checkout, when run from one (git_state)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100); None for no values."""
    if not values:
        return None
    v = sorted(values)
    pos = (len(v) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def spread(items: Sequence[Any], limit: int | None) -> list[Any]:
    """``limit`` items evenly spaced over the list: a short run still covers every week and type."""
    if not limit or limit >= len(items):
        return list(items)
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def fmt_ms(value: Any) -> str:
    return "—" if value is None else f"{value / 1e3:.1f} s" if value >= 1000 else f"{value:.0f} ms"


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(c) if not isinstance(c, str) else c for c in row) + " |" for row in rows]
    return "\n".join(lines)


def svg_bars(
    title: str, labels: Sequence[str], series: dict[str, Sequence[float | None]], unit: str = ""
) -> str:
    """A small grouped bar chart as SVG text: no plotting library is a dependency of the bot."""
    colours = ["#4477aa", "#ee6677", "#228833", "#ccbb44"]
    top = max([v for vals in series.values() for v in vals if v is not None] + [1e-9])
    group_w, bar_w, height, left = 60, 50 / max(len(series), 1), 180, 40
    width = left + group_w * len(labels) + 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 90}" font-size="10" '
        f'font-family="sans-serif"><text x="{left}" y="14" font-size="12">{_xml(title)}</text>'
    ]
    base = height + 20
    for si, (name, values) in enumerate(series.items()):
        for i, v in enumerate(values):
            if v is None:
                continue
            h = height * v / top
            x = left + i * group_w + si * bar_w
            out.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                f'fill="{colours[si % 4]}"><title>{_xml(name)} {v:.3g}{unit}</title></rect>'
            )
        out.append(
            f'<rect x="{left + si * 90}" y="{base + 55}" width="8" height="8" fill="{colours[si % 4]}"/>'
            f'<text x="{left + si * 90 + 11}" y="{base + 63}">{_xml(name)}</text>'
        )
    for i, label in enumerate(labels):
        x = left + i * group_w + 25
        out.append(
            f'<text x="{x}" y="{base + 12}" transform="rotate(30 {x} {base + 12})">{_xml(label)}</text>'
        )
    out.append(f'<text x="2" y="{base - height + 4}">{top:.3g}{unit}</text><text x="2" y="{base}">0</text>')
    out.append(f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="black"/></svg>')
    return "\n".join(out)


def ascii_bars(
    labels: Sequence[str], values: Sequence[float | None], width: int = 40, unit: str = "", digits: int = 2
) -> str:
    top = max([v for v in values if v is not None] + [1e-9])
    pad = max((len(lab) for lab in labels), default=0)
    return "\n".join(
        f"{lab:<{pad}} {'█' * round(width * (v or 0) / top):<{width}} {fmt(v, digits)}{unit}"
        for lab, v in zip(labels, values, strict=True)
    )


def histogram(values: Sequence[float], bins: int = 10) -> tuple[list[str], list[float | None]]:
    if not values:
        return [], []
    lo, hi = min(values), max(values)
    step = (hi - lo) / bins or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(int((v - lo) / step), bins - 1)] += 1
    return [f"{lo + i * step:.1f}-{lo + (i + 1) * step:.1f}s" for i in range(bins)], [
        float(c) for c in counts
    ]


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_charts(out: Path, by_type: dict[str, Any], latencies: dict[str, Sequence[float]]) -> str:
    """Two charts as SVG files plus ASCII versions for reading in a terminal; returns the Markdown."""
    labels = list(by_type)
    acc = [by_type[t].get("accuracy") for t in labels]
    hit = [by_type[t].get("hit@1") for t in labels]
    ref = [by_type[t].get("refusal_accuracy") for t in labels]
    (out / "scores_by_type.svg").write_text(
        svg_bars(
            "Scores by question type", labels, {"answer accuracy": acc, "hit@1": hit, "refusal accuracy": ref}
        )
    )
    md = [
        "![scores by type](scores_by_type.svg)",
        "",
        "```",
        "answer accuracy (refusal accuracy for unanswerable)",
    ]
    md.append(ascii_bars(labels, [a if a is not None else r for a, r in zip(acc, ref, strict=True)]))
    md.append("```")
    series = {name: histogram([v / 1e3 for v in vals]) for name, vals in latencies.items() if vals}
    if series:
        name, (bins, counts) = next(iter(series.items()))
        (out / "latency.svg").write_text(
            svg_bars(f"Latency distribution ({name}, questions per bin)", bins, {name: counts})
        )
        md += ["", "![latency distribution](latency.svg)", ""]
        for name, (bins, counts) in series.items():
            md += ["```", f"{name} latency (questions per bin)", ascii_bars(bins, counts, digits=0), "```"]
    return "\n".join(md)


def write_report(out: Path | None, report: dict[str, Any], text: str) -> None:
    """An eval script's figures as JSON and its tables as Markdown beside it (``out`` with ``.md``)."""
    if out is None:
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    out.with_suffix(".md").write_text(text + "\n")


def git_state(untracked: bool = False) -> tuple[str, bool]:
    """The short commit ("nogit" outside a checkout) and whether the checkout has changes; with
    ``untracked``, new files not ignored count as changes too (the benchmarks record it so)."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=" + ("normal" if untracked else "no")],
                cwd=ROOT,
                capture_output=True,
                text=True,
            ).stdout.strip()
        )
        return sha or "nogit", dirty
    except (OSError, subprocess.CalledProcessError):
        return "nogit", False
