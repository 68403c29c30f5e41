"""Checks the gold eval set (evals/gold.jsonl): its schema, its size, and that it is grounded in corpus/.

Every gold quote must be an exact substring of its document's body (the corpus/*.md file with the YAML
front matter stripped), and every must_include string of an answerable item must occur in the text of
the item's gold documents, so a gold answer never asks for something the corpus does not say.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "evals" / "gold.jsonl"
CORPUS = ROOT / "corpus"

TYPES = {
    "who",
    "when",
    "where",
    "why",
    "what",
    "list",
    "paraphrase",
    "date_scoped",
    "multi_passage",
    "followup",
    "unanswerable",
}
REQUIRED = {
    "id": str,
    "type": str,
    "question": str,
    "history": list,
    "answerable": bool,
    "answer": str,
    "variants": list,
    "must_include": list,
    "gold_passages": list,
}
OPTIONAL = {"as_of": str, "must_exclude": list, "duplicate_of": str, "note": str}
MAX_QUOTE_CHARS = 300

FRONT_MATTER = re.compile(r"\A---\r?\n(.*?)\r?\n---\r?\n", re.DOTALL)
ID_LINE = re.compile(r"^id:\s*(.+?)\s*$", re.MULTILINE)
QUOTE_CHARS = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


def has_phrase(text: str, phrase: str) -> bool:
    """Whole words, as the scorer matches them ("leader" is not in "leadership")."""
    return re.search(r"(?<!\w)" + re.escape(normalise(phrase)) + r"(?!\w)", normalise(text)) is not None


def normalise(text: str) -> str:
    """Case-folded, NFKC, straight quotes, single spaces: how must_include strings are matched."""
    text = unicodedata.normalize("NFKC", text).translate(QUOTE_CHARS).casefold()
    return re.sub(r"\s+", " ", text).strip()


def load_gold() -> list[dict[str, Any]]:
    items = []
    for n, line in enumerate(GOLD.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as e:  # pragma: no cover - reported as a failure
            raise AssertionError(f"{GOLD.name}:{n}: not valid JSON: {e}") from e
    return items


def load_corpus() -> dict[str, str]:
    """doc_id (the front matter ``id:``) -> article body (the file with its front matter stripped)."""
    docs: dict[str, str] = {}
    for path in sorted(CORPUS.glob("*.md")):
        raw = path.read_text(encoding="utf-8")
        m = FRONT_MATTER.match(raw)
        assert m, f"{path.name}: no YAML front matter (---\\n...\\n---\\n)"
        id_match = ID_LINE.search(m.group(1))
        assert id_match, f"{path.name}: front matter has no id: line"
        doc_id = id_match.group(1).strip("'\"")
        assert doc_id not in docs, f"{path.name}: duplicate doc id {doc_id!r}"
        docs[doc_id] = raw[m.end() :]
    return docs


ITEMS = load_gold()
IDS = [str(item.get("id", f"line{i + 1}")) for i, item in enumerate(ITEMS)]
ANSWERABLE = [item for item in ITEMS if item.get("answerable") is True]


@pytest.fixture(scope="module")
def corpus() -> dict[str, str]:
    docs = load_corpus()
    assert docs, f"no corpus/*.md articles found in {CORPUS}"
    return docs


# ---- the set as a whole -------------------------------------------------------------------------


def test_ids_unique() -> None:
    dupes = [i for i, c in Counter(IDS).items() if c > 1]
    assert not dupes, f"duplicate ids: {dupes}"


def test_size_and_coverage() -> None:
    types = Counter(item["type"] for item in ITEMS)
    assert len(ITEMS) >= 30, f"only {len(ITEMS)} items"
    assert sum(not item["answerable"] for item in ITEMS) >= 8, "fewer than 8 unanswerable items"
    followups = [i for i in ITEMS if i["type"] == "followup" and i["answerable"]]
    assert len(followups) >= 3, "fewer than 3 answerable follow-up items"
    for t in TYPES:
        assert types[t] >= 1, f"no item of type {t!r}"


def test_first_item_is_the_november_release_list() -> None:
    first = ITEMS[0]
    assert first["id"] == "q01"
    assert first["question"] == "Who was released in November 2023?"
    assert first["type"] == "list" and first["answerable"]


# ---- each item ----------------------------------------------------------------------------------


@pytest.mark.parametrize("item", ITEMS, ids=IDS)
def test_schema(item: dict[str, Any]) -> None:
    missing = set(REQUIRED) - set(item)
    assert not missing, f"missing fields: {sorted(missing)}"
    unknown = set(item) - set(REQUIRED) - set(OPTIONAL)
    assert not unknown, f"unknown fields: {sorted(unknown)}"
    for key, typ in {**REQUIRED, **OPTIONAL}.items():
        if key in item:
            assert isinstance(item[key], typ), f"{key} should be {typ.__name__}"

    assert re.fullmatch(r"q\d{2,}", item["id"]), f"bad id {item['id']!r}"
    assert item["type"] in TYPES, f"unknown type {item['type']!r}"
    assert item["question"].strip(), "empty question"
    variants = item["variants"]
    assert all(isinstance(v, str) and v.strip() for v in variants), "variants must be non-empty strings"
    if "as_of" in item:
        date.fromisoformat(item["as_of"])

    history = item["history"]
    if item["type"] == "followup":
        assert history, "a follow-up needs the previous turns in history"
    else:
        assert not history, "only follow-up items carry history"
    for n, turn in enumerate(history):
        assert isinstance(turn, dict) and set(turn) == {"role", "content"}, f"history[{n}] malformed"
        assert turn["role"] == ("user" if n % 2 == 0 else "assistant"), f"history[{n}] role out of order"
        assert isinstance(turn["content"], str) and turn["content"].strip(), f"history[{n}] empty"
    if history:
        assert history[-1]["role"] == "assistant", "history must end with the assistant's turn"

    for passage in item["gold_passages"]:
        assert isinstance(passage, dict) and set(passage) == {"doc_id", "quote"}, "gold passage malformed"
        assert isinstance(passage["doc_id"], str) and passage["doc_id"]
        assert isinstance(passage["quote"], str) and passage["quote"].strip()
        assert len(passage["quote"]) <= MAX_QUOTE_CHARS, "quote too long: keep it to a sentence or clause"

    if item["answerable"]:
        assert item["type"] != "unanswerable", "type 'unanswerable' must have answerable false"
        assert item["answer"].strip(), "answerable item without an answer"
        assert item["gold_passages"], "answerable item without a gold passage"
        assert item["must_include"], "answerable item without must_include"
        for group in item["must_include"]:
            assert isinstance(group, list) and group, "must_include groups are non-empty lists"
            assert all(isinstance(s, str) and s.strip() for s in group), "must_include strings are non-empty"
    else:
        assert item["answer"] == "", "unanswerable items have answer ''"
        assert item["must_include"] == [], "unanswerable items have must_include []"
        assert item["gold_passages"] == [], "unanswerable items have gold_passages []"


@pytest.mark.parametrize("item", ITEMS, ids=IDS)
def test_quotes_are_in_corpus(item: dict[str, Any], corpus: dict[str, str]) -> None:
    for passage in item["gold_passages"]:
        doc_id = passage["doc_id"]
        assert doc_id in corpus, f"doc_id {doc_id!r} not in corpus/ (have {sorted(corpus)})"
        quote = passage["quote"]
        assert quote in corpus[doc_id], f"quote is not an exact substring of {doc_id}: {quote!r}"


@pytest.mark.parametrize("item", ANSWERABLE, ids=[str(item.get("id")) for item in ANSWERABLE])
def test_must_include_is_grounded(item: dict[str, Any], corpus: dict[str, str]) -> None:
    doc_ids = {p["doc_id"] for p in item["gold_passages"]}
    text = normalise(" ".join(corpus.get(d, "") for d in sorted(doc_ids)))
    for group in item["must_include"]:
        for s in group:
            assert normalise(s) in text, f"must_include {s!r} does not occur in {sorted(doc_ids)}"
        assert any(normalise(s) in normalise(item["answer"]) for s in group), (
            f"the gold answer itself misses must_include group {group}"
        )


@pytest.mark.parametrize("item", ANSWERABLE, ids=[str(item.get("id")) for item in ANSWERABLE])
def test_must_include_is_not_an_echo_of_the_question(item: dict[str, Any]) -> None:
    """An answer that only repeats the question ("Yes, there were conditions") must not score."""
    asked = " ".join([item["question"], *(t["content"] for t in item["history"] if t["role"] == "user")])
    for group in item["must_include"]:
        assert not any(has_phrase(asked, s) for s in group), f"the question itself satisfies {group}"


@pytest.mark.parametrize("item", ITEMS, ids=IDS)
def test_must_exclude_and_duplicates(item: dict[str, Any]) -> None:
    for s in item.get("must_exclude", []):
        assert isinstance(s, str) and s.strip(), "must_exclude strings are non-empty"
        assert not has_phrase(item["answer"], s), f"the gold answer itself names the excluded {s!r}"
    if "duplicate_of" in item:
        target = next((i for i in ITEMS if i["id"] == item["duplicate_of"]), None)
        assert target is not None and "duplicate_of" not in target, "duplicate_of names a first item"


def test_multi_passage_items_need_separate_sentences(corpus: dict[str, str]) -> None:
    """A multi-passage item's quotes lie in different sentences (q42's two were one sentence)."""
    for item in ITEMS:
        if item["type"] != "multi_passage":
            continue
        body = corpus[item["gold_passages"][0]["doc_id"]]
        starts = [body.find(p["quote"]) for p in item["gold_passages"]]
        lo, hi = min(starts), max(starts)
        between = body[lo:hi]
        assert re.search(r"[.!?][\"”]?\s", between), f"{item['id']}: its quotes share one sentence"


def test_a_set_without_gold_passages_reports_no_retrieval_score() -> None:
    """sealed4 names no passages: its hit@1 was printed as 0.000, as if retrieval had failed."""
    from evals.gold import GoldRow, paste_floor, summarise_gold

    row = GoldRow(
        id="s01", type="factoid", question="q", answerable=True, answer="a", refused=False, mode="composed",
        correct=True, rank=None, all_hit_5=False, cit_supported=1, cit_total=1, gold_cited=0,
        gold_cited_sentence=0, gold_total=0, total_ms=1.0, first_token_ms=1.0,
    )  # fmt: skip
    summary = summarise_gold([row])
    assert math.isnan(summary["hit@1"]) and summary["by_type"]["factoid"]["hit@1"] is None
    assert summary["answer_accuracy"] == 1.0
    item = {"answerable": True, "gold_passages": [], "must_include": [["a"]]}
    assert paste_floor([item], {})["answerable"] == 0
