"""``bot eval``: measure answers, citations, refusals and latency, on the gold set or RealTimeQA.

Why it exists: whether a change to retrieval, prompts or models made the bot better must be a
number, not an impression. The metrics are deterministic string and span checks written here
independently of the pipeline's own code (``bot.language.text``/``bot.answering.cite``), so a bug there cannot hide
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
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.types import BotError
from evals.report import (
    fmt,
    fmt_ms,
    git_state,
    markdown_table,
    mean,
    percentile,
    write_charts,
)

if TYPE_CHECKING:
    from bot.answering.answerer import Answerer
    from bot.backends.llm import LLM
    from bot.config import Config
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


def has_phrase(text: str, phrase: str) -> bool:
    """``phrase`` in ``text`` as whole words, both normalised: "leader" is not in "leadership",
    "Trufanov" is not in "Trufanova" (but is in "Trufanov's")."""
    needle = normalise(phrase)
    if not needle:
        return False
    return re.search(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", normalise(text)) is not None


def must_include_ok(answer: str, groups: Sequence[Sequence[str]]) -> bool:
    """Every group has an alternative inside the answer, as whole words (markers removed)."""
    text = strip_markers(answer)
    return all(any(has_phrase(text, alt) for alt in group) for group in groups)


def excluded_hit(answer: str, excluded: Sequence[str]) -> list[str]:
    """The item's ``must_exclude`` strings the answer names: a likely wrong answer, named."""
    text = strip_markers(answer)
    return [s for s in excluded if has_phrase(text, s)]


# An answer longer than this is a passage, not an answer: 48 of the gold set's 51 answerable items
# are satisfied by pasting one article sentence, and the whole article satisfies all of them. Twice
# the gold answer leaves room for a full sentence that restates the question around the fact; the
# floor keeps terse gold answers ("Moscow.") from ruling out "Abu Marzouk arrived in Moscow on
# February 3." The article's sentences run 90-450 characters, its answer-bearing ones 150-450.
ANSWER_MIN_BOUND = 120


def answer_bound(item: dict[str, Any]) -> int:
    return max(ANSWER_MIN_BOUND, 2 * len(item.get("answer", "")))


def answer_text_length(answer: str) -> int:
    return len(strip_markers(answer).strip(' "“”'))


def judge_answer(item: dict[str, Any], answer: str, refused: bool) -> tuple[bool, list[str]]:
    """(correct, why not): not refused, every must_include group, no must_exclude, within the bound."""
    problems = []
    if refused:
        problems.append("refused")
    if not must_include_ok(answer, item.get("must_include", [])):
        problems.append("misses a required fact")
    named = excluded_hit(answer, item.get("must_exclude", []))
    if named:
        problems.append("names " + ", ".join(named))
    if answer_text_length(answer) > answer_bound(item):
        problems.append(f"longer than {answer_bound(item)} characters")
    return bool(item.get("answerable")) and not problems, problems


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


# Refusal phrases, written here rather than taken from the pipeline (``bot.answering.cite``) so the referee
# does not share the player's rules. One rule for every system: an answer is a refusal when every
# sentence of it refuses; "Florida. The date is not mentioned." answers, and is scored on "Florida".
_REFUSAL = re.compile(
    r"\b(i don'?t know|i do not know|(is|are|was|were) not (mentioned|provided|stated|specified|given)|"
    r"(does|do|did) not (say|mention|provide|specify|state)|no information|cannot (be )?(determined|answered)|"
    r"can'?t (answer|be determined)|not enough information|unable to (answer|determine)|empty response)\b",
    re.IGNORECASE,
)


def looks_refused(text: str) -> bool:
    """True when the answer is empty or every sentence of it is a refusal."""
    sentences = [x for x in re.split(r"(?<=[.!?])\s+", strip_markers(text).strip()) if x.strip()]
    return all(_REFUSAL.search(x) for x in sentences)


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


def supports(claim: str, citation: Citation, spans: Sequence[GoldSpan]) -> bool:
    """Our definition of "the cited sentence supports the claim citing it", judged per sentence:

    (1) every name and number of the claim occurs in the *quoted sentence* of the citation (or the
        article's title, source and date, for "TASS reported on February 10"), not just anywhere
        in its chunk, and
    (2) the quoted sentence overlaps a gold quote of the item, or holds ≥ SUPPORT_MIN of the claim's
        content words.
    It checks grounding, not truth: "Zakharova was released" cited to the sentence naming both
    Zakharova and the released passes; answer correctness (must_exclude) catches such errors.
    """
    p = citation.passage
    quote = p.text[citation.quote_start : citation.quote_end] or p.text
    byline = f"{p.title} {p.source} {_date_words(p.published)}"
    tokens = {_norm_token(t) for t in _TOKEN.findall(f"{quote} {byline}")}
    if not key_entities(claim) <= tokens:
        return False
    if any(_quote_overlaps(citation, s) for s in spans):
        return True
    claim_words = content_words(claim)
    words = content_words(f"{quote} {byline}")
    return bool(claim_words) and len(claim_words & words) / len(claim_words) >= SUPPORT_MIN


def _date_words(published: str | None) -> str:
    try:
        day = date.fromisoformat(published or "")
    except ValueError:
        return ""
    return f"{day:%B} {day.day} {day.year} {day.day} {day:%B}"


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
            supported += int(c is not None and supports(claim, c, spans))
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
    problems: list[str] = field(default_factory=list)  # why a wrong answer was scored wrong
    duplicate_of: str | None = None  # a near-duplicate of an earlier item (reported without them too)


def load_gold(path: Path | None = None) -> list[dict[str, Any]]:
    path = path or default_path("evals/gold.jsonl", "--gold")
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


def default_path(relative: str, flag: str) -> Path:
    """A checkout's ``evals/`` or ``corpus/``; an installed package has none, so say which flag to pass."""
    path = ROOT / relative
    if not path.exists():
        raise BotError(f"{relative} is not here (bot is not run from a checkout): pass {flag} PATH")
    return path


def gold_item_spans(bot: Bot, item: dict[str, Any]) -> list[GoldSpan]:
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


# Answers the model wrote: free text that passed the checks, or a span it chose set in a sentence.
MODEL_MODES = ("generated", "composed")


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
        if not item["answerable"]:
            continue
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


# --- optional LLM judge --------------------------------------------------------------------------
def make_judge(config: Config, judge_model: str) -> LLM:
    """The judge: a named model on the configured back end, never the model being evaluated."""
    from bot.backends.llm import make_llm

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

    from evals.baselines import make_llama_index_llm

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


def gold_tables(s: dict[str, Any]) -> str:
    floor = s.get("floor")
    columns = [s, floor] if floor else [s]
    header = ["metric", "answer model", "no-model floor (quotes only)"] if floor else ["metric", "value"]
    main = markdown_table(header, [(name, *(get(c) for c in columns)) for name, get in _GOLD_ROWS])
    extra = []
    paste = s.get("paste_floor")
    if paste:
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


# --- the command -----------------------------------------------------------------------------------


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
        from evals.baselines import cmd_realtimeqa

        return cmd_realtimeqa(args, config, out_base)
    if args.small or args.data:
        raise BotError("--small and --data apply to --benchmark realtimeqa only")
    explicit = getattr(args, "home", None) is not None or bool(env_home)
    return _cmd_gold(args, config, out_base, use_home=explicit)


def _cmd_gold(args: argparse.Namespace, config: Config, out_base: Path, use_home: bool) -> int:
    import shutil
    import tempfile

    from bot.answering.answerer import Answerer
    from bot.service import Bot

    gold_path = args.gold or default_path("evals/gold.jsonl", "--gold")
    corpus = args.corpus or default_path("corpus", "--corpus")
    if not corpus.exists():
        raise BotError(f"the corpus {corpus} does not exist: pass --corpus PATH")
    if args.repeat < 1:
        raise BotError("--repeat must be at least 1")
    items = spread(load_gold(gold_path), args.limit)
    is_gate_set = args.gold is None or args.gold.resolve() == (ROOT / "evals" / "gold.jsonl").resolve()
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
            judge_model = os.environ.get("BOT_EVAL_JUDGE_MODEL", "")
            if judge_model:
                judge_gold(rows, items, make_judge(bot.config, judge_model))
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
        gate = []
        for r in runs:  # the worst run decides
            gate += [f for f in check_thresholds(r["summary"], thresholds) if f not in gate]
        if floor is not None and not summary["answer_accuracy"] > floor["answer_accuracy"]:
            gate.append(
                f"answer_accuracy {fmt(summary['answer_accuracy'])} does not beat the no-model floor "
                f"{fmt(floor['answer_accuracy'])}"
            )
    out = results_dir(out_base, label, meta["git"])
    write_gold_report(out, meta, summary, runs[-1]["rows"], gate)
    print(gold_tables(summary))
    if gate is not None:
        print("\ngate (evals/thresholds.json): " + ("PASS" if not gate else "FAIL: " + "; ".join(gate)))
    print(f"\nresults: {out}")
    return EXIT_GATE if gate else 0


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
