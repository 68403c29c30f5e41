"""Deterministic answer and citation checks: the referee's rules, shared by every eval.

Why it exists apart from the pipeline: these string and span checks are written independently of
``bot.language.text`` and ``bot.answering.cite``, so a bug there cannot hide itself by grading its
own output. Everything here is pure (no store, no model): the gold run, the RealTimeQA harness, the
eval scripts and ``benchmarks/`` all score with the same definitions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from evals.report import mean

if TYPE_CHECKING:
    from bot.types import Citation, Passage

SUPPORT_MIN = 0.6  # share of a cited sentence's content words its passage must hold (see supports)
# Answers the model wrote: free text that passed the checks, or a span it chose set in a sentence.
MODEL_MODES = ("generated", "composed")

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
    """The answer without its citation markers, so "[1]" never counts as a word or a number."""
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
    """The longest answer still scored as an answer (see ANSWER_MIN_BOUND)."""
    return max(ANSWER_MIN_BOUND, 2 * len(item.get("answer", "")))


def answer_text_length(answer: str) -> int:
    """Length as the bound counts it: markers and enclosing quotes do not count."""
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
    """The quote's span in the stored article text (start -1: not found, matched by text only)."""
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
    """Share of questions whose first hit ranks within k (None: never hit)."""
    return mean([1.0 if r is not None and r <= k else 0.0 for r in ranks])


def mrr(ranks: Sequence[int | None]) -> float:
    """Mean reciprocal rank of the first hit (0 for a miss)."""
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
    """Normalised words of three letters or more that are not function words (support overlap)."""
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
