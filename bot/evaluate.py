"""``bot eval``: measure answers, citations, refusals and latency, on the gold set or RealTimeQA.

Why it exists: whether a change to retrieval, prompts or models made the bot better must be a
number, not an impression. The metrics are deterministic string and span checks written here
independently of the pipeline's own code (``bot.text``/``bot.cite``), so a bug there cannot hide
itself by grading its own output. LLM-judge metrics run only when a stronger judge model is named
in ``BOT_EVAL_JUDGE_MODEL``.

Each run writes ``results.json`` (summary and one row per question) and ``report.md`` (tables,
charts, the misses) into ``evals/results/<date>_<git sha>_<label>/``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.types import BotError

if TYPE_CHECKING:
    from bot.config import Config
    from bot.llm import LLM
    from bot.service import Bot
    from bot.types import Answer, Citation, Passage

ROOT = Path(__file__).resolve().parent.parent
GOLD_PATH = ROOT / "evals" / "gold.jsonl"
THRESHOLDS_PATH = ROOT / "evals" / "thresholds.json"
SUPPORT_MIN = 0.6  # share of a cited sentence's content words its passage must hold (see supports)
EXIT_GATE = 3  # `bot eval` exit code when the gold set scores below evals/thresholds.json

# --- normalising and matching --------------------------------------------------------------------
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "\u00a0": " "})
_MARKERS = re.compile(r"(?:\s*\[\d+(?:\s*,\s*\d+)*\])+")  # a group: "[1]", "[1][2]", "[1, 2]"
_NUMERIC = re.compile(r"[\d\s.,%$€£+\-–/:]+")


def normalise(text: str) -> str:
    """Case, accents, typographic quotes and spacing folded, so "Adar’s" matches "adar's"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", text.translate(_QUOTES).casefold()).strip()


def strip_markers(text: str) -> str:
    return _MARKERS.sub("", text)


def must_include_ok(answer: str, groups: Sequence[Sequence[str]]) -> bool:
    """Every group has an alternative inside the answer (markers removed, both sides normalised)."""
    text = normalise(strip_markers(answer))
    return all(any(normalise(alt) in text for alt in group) for group in groups)


def is_short_answer(gold: str) -> bool:
    """Answers that substring matching hits by accident: ≤ 4 characters, or a number ("4", "97%")."""
    gold = gold.strip()
    return len(gold) <= 4 or (any(c.isdigit() for c in gold) and bool(_NUMERIC.fullmatch(gold)))


def contains_answer(text: str, gold: str) -> bool:
    """Gold answer in ``text``, case-insensitive; short answers as whole words ("4" not in "14" or
    "4,000", "Ford" not in "Bedford"), longer ones as substrings (the benchmark's convention)."""
    hay, needle = normalise(text), normalise(gold)
    if not needle:
        return False
    if not is_short_answer(gold):
        return needle in hay
    left = r"(?<!\w)" + (r"(?<!\d[.,])" if needle[0].isdigit() else "")
    right = r"(?!\w)" + (r"(?![.,]\d)" if needle[-1].isdigit() else "")
    return re.search(left + re.escape(needle) + right, hay) is not None


def partial_answer(text: str, gold: str) -> bool:
    """Diagnostic only: at least half of the gold's words are there ("Kevin McCarthy" for "House Speaker
    Kevin McCarthy"). Counted beside accuracy, never inside it."""
    gold_words = [w for w in re.findall(r"\w+", normalise(gold)) if w not in _STOP]
    hay = set(re.findall(r"\w+", normalise(text)))
    return bool(gold_words) and sum(w in hay for w in gold_words) * 2 >= len(gold_words)


# --- retrieval hits --------------------------------------------------------------------------------
@dataclass(frozen=True)
class GoldSpan:
    """A gold quote located in its article: ``start``/``end`` index the text chunk offsets index."""

    doc_id: str
    quote: str
    start: int  # -1 when the quote could not be found in the stored text
    end: int


def locate(doc_id: str, quote: str, body: str) -> GoldSpan:
    start = body.find(quote)
    return GoldSpan(doc_id, quote, start, start + len(quote) if start >= 0 else -1)


def passage_hits(p: Passage, span: GoldSpan) -> bool:
    """Same article, and the passage contains the quote or overlaps its span (a quote cut in two)."""
    if p.doc_id != span.doc_id:
        return False
    if span.quote and span.quote in p.text:
        return True
    return span.start >= 0 and p.start < span.end and span.start < p.end


def first_hit_rank(passages: Sequence[Passage], spans: Sequence[GoldSpan]) -> int | None:
    """1-based rank of the first passage hitting any gold span; None when none does."""
    for rank, p in enumerate(passages, 1):
        if any(passage_hits(p, s) for s in spans):
            return rank
    return None


def all_hit(passages: Sequence[Passage], spans: Sequence[GoldSpan], k: int) -> bool:
    """Every gold span hit in the top k: what an answer needing two passages requires."""
    return all(any(passage_hits(p, s) for p in passages[:k]) for s in spans)


def hit_at_k(ranks: Sequence[int | None], k: int) -> float:
    return mean([1.0 if r is not None and r <= k else 0.0 for r in ranks])


def mrr(ranks: Sequence[int | None]) -> float:
    return mean([1.0 / r if r else 0.0 for r in ranks])


# --- citations -------------------------------------------------------------------------------------
_STOP = frozenset(
    """a an the and or but if of to in on at by for with from as into about after before over under is
    are was were be been being has have had do does did not no this that these those it its he she
    they them his her their we our you your i me my who whom whose which what when where why how
    there here than then also said says say told according would could should will can may because
    since while although though however yes so once unless until whether both either neither""".split()  # noqa: SIM905
)  # function words: capitalised at a sentence start ("Because ...") they are not names
_TOKEN = re.compile(r"\w+(?:[.,'’\-]\w+)*%?")


def _norm_token(token: str) -> str:
    t = normalise(token).removesuffix("'s")
    return t[:-1] if len(t) > 3 and t.endswith("s") and not t.endswith("ss") else t


def key_entities(sentence: str) -> set[str]:
    """Names and numbers: capitalised words that are not function words, and digits."""
    out = set()
    for tok in _TOKEN.findall(sentence):
        norm = _norm_token(tok)
        if tok[0].isdigit() or (tok[0].isupper() and norm not in _STOP):
            out.add(norm)
    return out


def content_words(text: str) -> set[str]:
    return {n for n in (_norm_token(t) for t in _TOKEN.findall(text)) if len(n) > 2 and n not in _STOP}


def cited_units(answer_text: str) -> list[tuple[str, list[int]]]:
    """(claim, citation numbers) for each marker group: the claim is the text since the last group.

    Sentence splitting is not used because an extractive answer quotes whole passage sentences
    (with their own full stops) before one marker.
    """
    units = []
    last = 0
    for m in _MARKERS.finditer(answer_text):
        claim = answer_text[last : m.start()].strip(' .!?;:\n"“”')
        numbers = [int(n) for n in re.findall(r"\d+", m.group())]
        if claim:
            units.append((claim, numbers))
        last = m.end()
    return units


def supports(claim: str, passage: Passage, spans: Sequence[GoldSpan]) -> bool:
    """Our definition of "the cited passage supports the sentence citing it":

    (1) every name and number of the claim occurs in the passage, and
    (2) the passage overlaps a gold quote of the item, or holds ≥ SUPPORT_MIN of the claim's
        content words.
    It checks grounding, not truth: "Zakharova was released" cited to the sentence naming both
    Zakharova and the released passes (1) and (2); answer correctness catches such errors.
    """
    words = content_words(passage.text) | content_words(passage.title)
    tokens = {_norm_token(t) for t in _TOKEN.findall(f"{passage.title} {passage.text}")}
    if not key_entities(claim) <= tokens:
        return False
    if any(passage_hits(passage, s) for s in spans):
        return True
    claim_words = content_words(claim)
    return bool(claim_words) and len(claim_words & words) / len(claim_words) >= SUPPORT_MIN


def citation_precision_counts(
    answer_text: str, citations: Sequence[Citation], spans: Sequence[GoldSpan]
) -> tuple[int, int]:
    """(supported, total) (claim, citation) pairs; a marker with no citation counts unsupported."""
    by_n = {c.n: c for c in citations}
    supported = total = 0
    for claim, numbers in cited_units(answer_text):
        for n in numbers:
            total += 1
            c = by_n.get(n)
            supported += int(c is not None and supports(claim, c.passage, spans))
    return supported, total


def citation_recall_counts(citations: Sequence[Citation], spans: Sequence[GoldSpan]) -> tuple[int, int, int]:
    """(gold quotes whose passage is cited, ... whose exact sentence is the quoted one, all quotes)."""
    by_passage = by_sentence = 0
    for s in spans:
        by_passage += any(passage_hits(c.passage, s) for c in citations)
        by_sentence += any(_quote_overlaps(c, s) for c in citations)
    return by_passage, by_sentence, len(spans)


def _quote_overlaps(c: Citation, s: GoldSpan) -> bool:
    lo, hi = c.passage.start + c.quote_start, c.passage.start + c.quote_end
    return c.passage.doc_id == s.doc_id and s.start >= 0 and lo < s.end and s.start < hi


# --- small statistics --------------------------------------------------------------------------------
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


def _ratio(num: int, den: int) -> float:
    return num / den if den else float("nan")


def spread(items: Sequence[Any], limit: int | None) -> list[Any]:
    """``limit`` items evenly spaced over the list: a short run still covers every week and type."""
    if not limit or limit >= len(items):
        return list(items)
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


# --- the gold set ----------------------------------------------------------------------------------
@dataclass
class GoldRow:
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


def load_gold(path: Path = GOLD_PATH) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def gold_item_spans(bot: Bot, item: dict[str, Any]) -> list[GoldSpan]:
    return [
        locate(g["doc_id"], g["quote"], bot.catalog.text(g["doc_id"]) or "") for g in item["gold_passages"]
    ]


def score_gold_item(item: dict[str, Any], answer: Answer, spans: list[GoldSpan], total_ms: float) -> GoldRow:
    """Everything measured about one answer, from the answer and the item alone (no model calls)."""
    answerable = bool(item["answerable"])
    supported, total = citation_precision_counts(answer.text, answer.citations, spans)
    cited, cited_sentence, n_gold = citation_recall_counts(answer.citations, spans)
    return GoldRow(
        id=item["id"],
        type=item["type"],
        question=item["question"],
        answerable=answerable,
        answer=answer.text,
        refused=answer.refused,
        mode=answer.mode,
        correct=answerable and not answer.refused and must_include_ok(answer.text, item["must_include"]),
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
    )


def run_gold(
    bot: Bot,
    items: Sequence[dict[str, Any]],
    as_of: date | None = None,
    log: Callable[[str], None] | None = None,
) -> list[GoldRow]:
    """Ask every item (follow-ups with their history, its own as_of when it has one) and score it."""
    bot.warm_up()  # model loading is not latency a user pays per question
    rows = []
    for item in items:
        when = date.fromisoformat(item["as_of"]) if item.get("as_of") else as_of
        spans = gold_item_spans(bot, item)
        t0 = time.perf_counter()
        answer = bot.ask(item["question"], history=item.get("history") or None, as_of=when)
        row = score_gold_item(item, answer, spans, (time.perf_counter() - t0) * 1e3)
        rows.append(row)
        if log:
            verdict = "refused" if row.refused else ("ok" if row.correct else "wrong")
            if not row.answerable:
                verdict = "ok (refused)" if row.refused else "WRONG (answered)"
            log(f"{row.id} {row.type:13} {verdict:16} {row.total_ms / 1e3:5.1f}s  {answer.text[:90]!r}")
    return rows


def summarise_gold(rows: Sequence[GoldRow]) -> dict[str, Any]:
    ans = [r for r in rows if r.answerable]
    unans = [r for r in rows if not r.answerable]
    ranks = [r.rank for r in ans]
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
            "hit@1": hit_at_k([r.rank for r in a], 1) if a else None,
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


def _judge_summary(rows: Sequence[GoldRow]) -> dict[str, Any]:
    judged = [r.judge for r in rows if r.judge]
    if not judged:
        return {}
    return {
        "judge": {
            key: mean([j[key] for j in judged if key in j]) for key in sorted({k for j in judged for k in j})
        }
    }


GATED_MIN = (
    "hit@1",
    "hit@3",
    "mrr",
    "answer_accuracy",
    "citation_precision",
    "citation_recall",
    "refusal_accuracy",
)
GATED_MAX = ("false_refusal_rate",)


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


# --- optional LLM judge --------------------------------------------------------------------------
def make_judge(config: Config, judge_model: str) -> LLM:
    """The judge: a named model on the configured back end, never the model being evaluated."""
    from bot.llm import make_llm

    if judge_model == config.llm_model:
        raise BotError("BOT_EVAL_JUDGE_MODEL must name a stronger model than the one being evaluated")
    llm = make_llm(config.with_(llm_model=judge_model))
    if llm is None:
        raise BotError("BOT_EVAL_JUDGE_MODEL needs an answer-model back end (BOT_LLM is none)")
    return llm


def judge_gold(rows: list[GoldRow], items: Sequence[dict[str, Any]], judge: LLM) -> None:
    """llama-index Faithfulness (answer vs the gold quotes) and Correctness (vs the gold answer, /5).

    A 0.5B model grading itself says little, so this runs only with a named, different judge model.
    """
    from llama_index.core.evaluation import CorrectnessEvaluator, FaithfulnessEvaluator

    from bot.baselines import make_llama_index_llm

    adapter = make_llama_index_llm(judge, 256)
    faithful, correct = FaithfulnessEvaluator(llm=adapter), CorrectnessEvaluator(llm=adapter)
    by_id = {i["id"]: i for i in items}
    for row in rows:
        item = by_id[row.id]
        if not row.answerable or row.refused:
            continue
        question, answer = item["question"], strip_markers(row.answer)
        contexts = [g["quote"] for g in item["gold_passages"]]
        f = faithful.evaluate(query=question, response=answer, contexts=contexts)
        c = correct.evaluate(query=question, response=answer, reference=item["answer"])
        row.judge = {"faithfulness": float(bool(f.passing)), "correctness": float(c.score or 0.0) / 5.0}


# --- reports -------------------------------------------------------------------------------------------
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


def gold_tables(s: dict[str, Any]) -> str:
    lat = s["latency_ms"]
    main = markdown_table(
        ["metric", "value"],
        [
            ("items (answerable / to refuse)", f"{s['n']} ({s['answerable']} / {s['unanswerable']})"),
            (
                "retrieval hit@1 / hit@3 / hit@5",
                f"{fmt(s['hit@1'])} / {fmt(s['hit@3'])} / {fmt(s['hit@5'])}",
            ),
            ("retrieval MRR", s["mrr"]),
            ("all gold passages in top 5 (multi-quote items)", s["all_gold_hit@5"]),
            ("answer correctness", s["answer_accuracy"]),
            ("citation precision (pairs)", f"{fmt(s['citation_precision'])} ({s['citation_pairs']})"),
            (
                "citation recall: passage / exact sentence",
                f"{fmt(s['citation_recall'])} / {fmt(s['citation_recall_sentence'])}",
            ),
            (
                "refusal accuracy (answered instead)",
                f"{fmt(s['refusal_accuracy'])} ({s['answered_unanswerable']})",
            ),
            ("false-refusal rate (count)", f"{fmt(s['false_refusal_rate'])} ({s['false_refusals']})"),
            ("latency total p50 / p95", f"{fmt_ms(lat['total_p50'])} / {fmt_ms(lat['total_p95'])}"),
            (
                "first token p50 / p95 (n)",
                f"{fmt_ms(lat['first_token_p50'])} / {fmt_ms(lat['first_token_p95'])} "
                f"({lat['first_token_n']})",
            ),
            ("answer modes", ", ".join(f"{k} {v}" for k, v in s["modes"].items())),
            *((f"judge {k}", v) for k, v in s.get("judge", {}).items()),
        ],
    )
    types = markdown_table(
        ["type", "n", "answer accuracy", "hit@1", "refusal accuracy"],
        [(t, v["n"], v["accuracy"], v["hit@1"], v["refusal_accuracy"]) for t, v in s["by_type"].items()],
    )
    return main + "\n\n" + types


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


# --- the command -----------------------------------------------------------------------------------
def git_state() -> tuple[str, bool]:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=ROOT,
                capture_output=True,
                text=True,
            ).stdout.strip()
        )
        return sha or "nogit", dirty
    except (OSError, subprocess.CalledProcessError):
        return "nogit", False


def model_label(config: Config) -> str:
    if config.llm == "none":
        return "no-llm"
    return Path(config.llm_model).stem if "/" in config.llm_model else config.llm_model


def results_dir(base: Path, label: str, sha: str) -> Path:
    """Created when the results are written, so an interrupted run leaves nothing behind."""
    out = base / f"{date.today().isoformat()}_{sha}_{label}"
    out.mkdir(parents=True, exist_ok=True)
    return out


def log_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.config import Config

    env_home = os.environ.get("BOT_HOME")
    config = Config.from_env(home=getattr(args, "home", None))
    out_base = args.out or ROOT / "evals" / "results"
    if args.limit is not None and args.limit < 1:
        raise BotError("--limit must be at least 1")
    if args.benchmark == "realtimeqa":
        from bot.baselines import cmd_realtimeqa

        return cmd_realtimeqa(args, config, out_base)
    if args.small or args.data:
        raise BotError("--small and --data apply to --benchmark realtimeqa only")
    explicit = getattr(args, "home", None) is not None or bool(env_home)
    return _cmd_gold(args, config, out_base, use_home=explicit)


def _cmd_gold(args: argparse.Namespace, config: Config, out_base: Path, use_home: bool) -> int:
    import shutil
    import tempfile

    from bot.service import Bot

    items = spread(load_gold(), args.limit)
    label = f"gold_{model_label(config)}" + (f"_limit{args.limit}" if args.limit else "")
    meta = run_meta(args, config, config.home if use_home else None)  # the commit the run started at
    out_base.mkdir(parents=True, exist_ok=True)
    store = config.home if use_home else Path(tempfile.mkdtemp(prefix=".store-gold-", dir=out_base))
    try:
        bot = Bot(config.with_(home=store))
        bot.ingest([ROOT / "corpus"])
        if bot.llm is None and config.llm != "none":
            log_line(f"note: answer model unavailable ({bot.llm_error}); scoring extractive answers")
        t0 = time.perf_counter()
        rows = run_gold(bot, items, as_of=args.as_of, log=log_line)
        judge_model = os.environ.get("BOT_EVAL_JUDGE_MODEL", "")
        if judge_model:
            judge_gold(rows, items, make_judge(bot.config, judge_model))
        summary = summarise_gold(rows)
        summary["wall_s"] = time.perf_counter() - t0
    finally:
        if not use_home:
            shutil.rmtree(store, ignore_errors=True)
    gate: list[str] | None = None
    thresholds = thresholds_for(model_label(config))
    if thresholds and not args.limit:
        gate = check_thresholds(summary, thresholds)
    out = results_dir(out_base, label, meta["git"])
    write_gold_report(out, meta, summary, rows, gate)
    print(gold_tables(summary))
    if gate is not None:
        print("\ngate (evals/thresholds.json): " + ("PASS" if not gate else "FAIL: " + "; ".join(gate)))
    print(f"\nresults: {out}")
    return EXIT_GATE if gate else 0


def run_meta(args: argparse.Namespace, config: Config, store: Path | None) -> dict[str, Any]:
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


def write_gold_report(
    out: Path, meta: dict[str, Any], summary: dict[str, Any], rows: Sequence[GoldRow], gate: list[str] | None
) -> None:
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
        "*precise* when its passage holds every name and number of the claim citing it and either "
        f"overlaps a gold quote or holds ≥ {SUPPORT_MIN} of the claim's content words. *Citation recall*: "
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
