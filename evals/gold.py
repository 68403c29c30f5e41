"""The gold set: load and check it, ask every item, score each answer, summarise, and gate.

Why it exists: whether a change to retrieval, prompts or models made the bot better must be a
number, not an impression. The gold set (``evals/gold.jsonl``) asks questions about the bundled
corpus with known answers and quotes; each answer is scored by ``evals.matching`` and the summary is
held against the per-model floors of ``evals/thresholds.json``. The data files ship inside the
``evals`` package, so a run from an installed wheel finds them through ``importlib.resources``.
"""

from __future__ import annotations

import importlib.resources
import json
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.types import BotError
from evals.matching import (
    MODEL_MODES,
    GoldSpan,
    all_hit,
    citation_precision_counts,
    citation_recall_counts,
    excluded_hit,
    first_hit_rank,
    hit_at_k,
    judge_answer,
    locate,
    mrr,
    must_include_ok,
)
from evals.report import fmt, mean, percentile

if TYPE_CHECKING:
    from bot.answering.answerer import Answerer
    from bot.service import Bot
    from bot.types import Answer


def bundled_path(name: str) -> Path:
    """A data file or folder shipped inside the ``evals`` package (a checkout's ``evals/`` too).

    Through ``importlib.resources`` rather than ``__file__``-relative guesses about a checkout, so
    an installed wheel finds the same files; a missing one fails where it is read, naming its path.
    """
    return Path(str(importlib.resources.files("evals").joinpath(name)))


GOLD_PATH = bundled_path("gold.jsonl")
THRESHOLDS_PATH = bundled_path("thresholds.json")
# The article the gold set asks about: the checkout's top-level corpus/, reached through the
# evals/corpus link and shipped in the wheel as evals/corpus/.
CORPUS_PATH = bundled_path("corpus")


@dataclass
class GoldRow:
    """What one gold item's answer scored: a row of results.json and of the summaries."""

    id: str
    type: str
    question: str
    answerable: bool
    answer: str
    refused: bool
    mode: str
    correct: bool
    rank: int | None  # first gold hit among the answer's passages
    all_hit_5: bool
    cit_supported: int
    cit_total: int
    gold_cited: int
    gold_cited_sentence: int
    gold_total: int
    total_ms: float
    first_token_ms: float | None
    rewritten: str | None = None
    judge: dict[str, float] = field(default_factory=dict)
    citations: list[dict[str, Any]] = field(default_factory=list)  # n, chunk, quoted sentence
    passages: list[str] = field(default_factory=list)  # chunk ids, best first
    notes: list[str] = field(default_factory=list)  # the pipeline's own notes (dropped sentences...)
    problems: list[str] = field(default_factory=list)  # why a wrong answer was scored wrong
    duplicate_of: str | None = None  # a near-duplicate of an earlier item (reported without them too)


def load_gold(path: Path | None = None) -> list[dict[str, Any]]:
    """The items of a question set (default the gold set), each checked so a typo fails loudly."""
    path = path or GOLD_PATH
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BotError(f"cannot read the gold set {path}: {exc.strerror or exc}") from exc
    try:
        items = [json.loads(line) for line in lines if line.strip()]
    except json.JSONDecodeError as exc:
        raise BotError(f"{path} is not JSON lines: {exc}") from exc
    for item in items:
        check_item(item, path)
    return items


def check_item(item: dict[str, Any], path: Path) -> None:
    """An item the scorer would misread is an error, not a silent zero.

    ``must_include`` is a list of groups of alternatives (``[["Maria Zakharova", "Zakharova"]]``):
    a flat list of strings was once scored letter by letter as alternatives, and every answer failed.
    """
    where = f"{path}, item {item.get('id', '?')}"
    groups = item.get("must_include", [])
    if not isinstance(groups, list) or not all(
        isinstance(g, list) and g and all(isinstance(a, str) and a.strip() for a in g) for g in groups
    ):
        raise BotError(f'{where}: must_include must be a list of groups of strings, e.g. [["Moscow"]]')
    excluded = item.get("must_exclude", [])
    if not isinstance(excluded, list) or not all(isinstance(x, str) and x.strip() for x in excluded):
        raise BotError(f"{where}: must_exclude must be a list of strings")


def gold_item_spans(bot: Bot, item: dict[str, Any]) -> list[GoldSpan]:
    """The item's gold quotes located in the stored article texts (hits are judged on spans)."""
    return [
        locate(g["doc_id"], g["quote"], bot.catalog.text(g["doc_id"]) or "") for g in item["gold_passages"]
    ]


def score_gold_item(item: dict[str, Any], answer: Answer, spans: list[GoldSpan], total_ms: float) -> GoldRow:
    """Everything measured about one answer, from the answer and the item alone (no model calls)."""
    answerable = bool(item["answerable"])
    supported, total = citation_precision_counts(answer.text, answer.citations, spans)
    cited, cited_sentence, n_gold = citation_recall_counts(answer.citations, spans)
    correct, problems = judge_answer(item, answer.text, answer.refused)
    return GoldRow(
        id=item["id"],
        type=item["type"],
        question=item["question"],
        answerable=answerable,
        answer=answer.text,
        refused=answer.refused,
        mode=answer.mode,
        correct=correct,
        rank=first_hit_rank(answer.passages, spans) if answerable else None,
        all_hit_5=answerable and all_hit(answer.passages, spans, 5),
        cit_supported=supported,
        cit_total=total,
        gold_cited=cited,
        gold_cited_sentence=cited_sentence,
        gold_total=n_gold,
        total_ms=total_ms,
        first_token_ms=answer.timings_ms.get("first_token"),
        rewritten=answer.rewritten_question,
        citations=[
            {"n": c.n, "chunk_id": c.passage.chunk_id, "quote": c.passage.text[c.quote_start : c.quote_end]}
            for c in answer.citations
        ],
        passages=[p.chunk_id for p in answer.passages],
        notes=list(answer.notes),
        problems=problems if answerable else [],
        duplicate_of=item.get("duplicate_of"),
    )


def run_gold(
    bot: Bot,
    items: Sequence[dict[str, Any]],
    as_of: date | None = None,
    log: Callable[[str], None] | None = None,
    answerer: Answerer | None = None,
) -> list[GoldRow]:
    """Ask every item (follow-ups with their history, on its own date) and score it.

    ``answerer``: another answering set-up over the same store (the no-model floor)."""
    bot.warm_up()  # model loading is not latency a user pays per question
    ask = answerer.ask if answerer is not None else bot.ask
    rows = []
    for item in items:
        # A fixed date per item (evals/gold.jsonl states one): results must not move with the calendar.
        when = as_of or (date.fromisoformat(item["as_of"]) if item.get("as_of") else None)
        spans = gold_item_spans(bot, item)
        t0 = time.perf_counter()
        answer = ask(item["question"], history=item.get("history") or None, as_of=when)
        row = score_gold_item(item, answer, spans, (time.perf_counter() - t0) * 1e3)
        rows.append(row)
        if log:
            verdict = "refused" if row.refused else ("ok" if row.correct else "wrong")
            if not row.answerable:
                verdict = "ok (refused)" if row.refused else "WRONG (answered)"
            log(f"{row.id} {row.type:13} {verdict:16} {row.total_ms / 1e3:5.1f}s  {answer.text[:90]!r}")
    return rows


def summarise_gold(rows: Sequence[GoldRow]) -> dict[str, Any]:
    """The headline figures of one run, overall and per question type (what the gate reads)."""
    ans = [r for r in rows if r.answerable]
    unans = [r for r in rows if not r.answerable]
    # Retrieval is scored on the items that name their gold passages (a sealed set may name none).
    ranks = [r.rank for r in ans if r.gold_total]
    firsts = [r.first_token_ms for r in rows if r.first_token_ms is not None]
    totals = [r.total_ms for r in rows]
    by_type: dict[str, dict[str, Any]] = {}
    for t in sorted({r.type for r in rows}):
        rs = [r for r in rows if r.type == t]
        a = [r for r in rs if r.answerable]
        u = [r for r in rs if not r.answerable]
        by_type[t] = {
            "n": len(rs),
            "accuracy": mean([float(r.correct) for r in a]) if a else None,
            "hit@1": hit_at_k([r.rank for r in a if r.gold_total], 1)
            if any(r.gold_total for r in a)
            else None,
            "refusal_accuracy": mean([float(r.refused) for r in u]) if u else None,
        }
    multi = [r for r in ans if r.gold_total > 1]
    return {
        "n": len(rows),
        "answerable": len(ans),
        "unanswerable": len(unans),
        "hit@1": hit_at_k(ranks, 1),
        "hit@3": hit_at_k(ranks, 3),
        "hit@5": hit_at_k(ranks, 5),
        "mrr": mrr(ranks),
        "all_gold_hit@5": mean([float(r.all_hit_5) for r in multi]),
        "answer_accuracy": mean([float(r.correct) for r in ans]),
        "answer_accuracy_without_duplicates": mean([float(r.correct) for r in ans if not r.duplicate_of]),
        "answerable_without_duplicates": sum(not r.duplicate_of for r in ans),
        "answered_in_own_words": _ratio(sum(r.mode in MODEL_MODES for r in ans), len(ans)),
        "right_in_own_words": sum(r.correct and r.mode in MODEL_MODES for r in ans),
        "wrong_by_reason": _count_problems(ans),
        "citation_precision": _ratio(sum(r.cit_supported for r in rows), sum(r.cit_total for r in rows)),
        "citation_pairs": sum(r.cit_total for r in rows),
        "citation_recall": _ratio(sum(r.gold_cited for r in ans), sum(r.gold_total for r in ans)),
        "citation_recall_sentence": _ratio(
            sum(r.gold_cited_sentence for r in ans), sum(r.gold_total for r in ans)
        ),
        "refusal_accuracy": mean([float(r.refused) for r in unans]),
        "false_refusal_rate": mean([float(r.refused) for r in ans]),
        "false_refusals": sum(r.refused for r in ans),
        "answered_unanswerable": sum(not r.refused for r in unans),
        "modes": {m: sum(r.mode == m for r in rows) for m in sorted({r.mode for r in rows})},
        "latency_ms": {
            "total_p50": percentile(totals, 50),
            "total_p95": percentile(totals, 95),
            "first_token_p50": percentile(firsts, 50),
            "first_token_p95": percentile(firsts, 95),
            "first_token_n": len(firsts),
        },
        "by_type": by_type,
        **_judge_summary(rows),
    }


def _ratio(num: int, den: int) -> float:
    return num / den if den else float("nan")


def _count_problems(rows: Sequence[GoldRow]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in rows:
        for p in r.problems:
            key = "names an excluded answer" if p.startswith("names ") else p
            key = "too long" if key.startswith("longer than") else key
            counts[key] = counts.get(key, 0) + 1
    return counts


def paste_floor(items: Sequence[dict[str, Any]], texts: dict[str, str]) -> dict[str, int]:
    """How many answerable items one pasted article sentence would pass, without and with the length
    bound: what the gold set's string matching cannot tell from an answer."""
    passed = bounded = n = 0
    for item in items:
        if not item["answerable"] or not item["gold_passages"]:
            continue  # only an item that names its passages says which sentences could be pasted
        n += 1
        body = " ".join(texts.get(g["doc_id"], "") for g in item["gold_passages"])
        sentences = [x.strip() for x in re.split(r"(?<=[.!?])\s+|(?<=[.!?][\"”])\s+|\n+", body) if x.strip()]
        ok = [x for x in sentences if judge_answer(item, x, False)[0] or _ok_unbounded(item, x)]
        passed += bool(ok)
        bounded += any(judge_answer(item, x, False)[0] for x in ok)
    return {"answerable": n, "one_sentence_passes": passed, "one_sentence_passes_bounded": bounded}


def _ok_unbounded(item: dict[str, Any], text: str) -> bool:
    return must_include_ok(text, item.get("must_include", [])) and not excluded_hit(
        text, item.get("must_exclude", [])
    )


def _judge_summary(rows: Sequence[GoldRow]) -> dict[str, Any]:
    judged = [r.judge for r in rows if r.judge]
    if not judged:
        return {}
    return {
        "judge": {
            key: mean([j[key] for j in judged if key in j]) for key in sorted({k for j in judged for k in j})
        }
    }


def thresholds_for(model: str, path: Path = THRESHOLDS_PATH) -> dict[str, Any] | None:
    """The gate of one answer model: each bundled model has its own measured floor, so switching
    the default model keeps a gate (its entry is set from a full run of that model)."""
    if not path.exists():
        return None
    entry: dict[str, Any] | None = json.loads(path.read_text()).get("models", {}).get(model)
    return entry


def check_thresholds(summary: dict[str, Any], thresholds: dict[str, Any]) -> list[str]:
    """Failures as readable lines: a minimum not reached, or a maximum exceeded (NaN fails)."""
    failures = []
    for key, floor in thresholds.get("min", {}).items():
        got = summary.get(key)
        if got is None or not got >= floor:
            failures.append(f"{key} = {fmt(got)} < {floor}")
    for key, ceiling in thresholds.get("max", {}).items():
        got = summary.get(key)
        if got is None or not got <= ceiling:
            failures.append(f"{key} = {fmt(got)} > {ceiling}")
    return failures


def spread_of_runs(summaries: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Min and max of each headline figure over repeated runs (the gate uses the worst)."""
    keys = [*SCORE_KEYS, "first_token_p50", "first_token_p95", "total_p95"]
    out = {}
    for key in keys:
        vals = [_figure(s, key) for s in summaries]
        nums = [v for v in vals if v is not None and not math.isnan(v)]
        if nums:
            out[key] = {"min": min(nums), "max": max(nums)}
    return out


SCORE_KEYS = (
    "hit@1",
    "mrr",
    "answer_accuracy",
    "citation_precision",
    "citation_recall",
    "citation_recall_sentence",
    "refusal_accuracy",
    "false_refusal_rate",
)


def _figure(summary: dict[str, Any], key: str) -> float | None:
    value = summary["latency_ms"].get(key) if key.endswith(("p50", "p95")) else summary.get(key)
    return float(value) if isinstance(value, int | float) else None


def gate_failures(
    summaries: Sequence[dict[str, Any]], thresholds: dict[str, Any], floor: dict[str, Any] | None
) -> list[str]:
    """Why the runs fail the gate (empty: pass): the worst run decides, and the answer model must
    beat the no-model floor, or it adds nothing a quote would not."""
    gate: list[str] = []
    for summary in summaries:
        gate += [f for f in check_thresholds(summary, thresholds) if f not in gate]
    last = summaries[-1]
    if floor is not None and not last["answer_accuracy"] > floor["answer_accuracy"]:
        gate.append(
            f"answer_accuracy {fmt(last['answer_accuracy'])} does not beat the no-model floor "
            f"{fmt(floor['answer_accuracy'])}"
        )
    return gate
