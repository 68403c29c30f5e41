"""The benchmark's corpora and question sets: RealTimeQA articles chosen question by question,
scaled copies of them, and synthetic articles only one question matches.

The parent builds these once and hands workers file paths and question lists, so every pipeline
measures the same data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every record of a JSONL file (blank lines skipped)."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_jsonl(records: Sequence[dict[str, Any]], path: Path) -> int:
    """Write records one a line; returns the file's size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for r in records:
            handle.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path.stat().st_size


def select_articles(
    articles: Sequence[dict[str, Any]], questions: Sequence[dict[str, Any]], n: int
) -> list[dict[str, Any]]:
    """``n`` articles (0 = all), taken question by question (each question's search results
    together) so the subset answers whole questions; topped up in file order."""
    if n <= 0 or n >= len(articles):
        return list(articles)
    by_id = {a["id"]: a for a in articles}
    chosen: dict[str, dict[str, Any]] = {}
    for q in questions:
        ids = [i for i in q.get("search_results", []) if i in by_id and i not in chosen]
        if len(chosen) + len(ids) > n:
            break
        chosen.update((i, by_id[i]) for i in ids)
    for a in articles:
        if len(chosen) >= n:
            break
        chosen.setdefault(a["id"], a)
    return list(chosen.values())


def scaled_corpus(base: Sequence[dict[str, Any]], scale: int) -> list[dict[str, Any]]:
    """``scale`` times the articles: copy k of each has id ``<id>-copy<k>`` and a suffix sentence."""
    out = list(base)
    for k in range(1, scale):
        for a in base:
            copy = dict(a)
            copy["id"] = f"{a['id']}-copy{k}"
            copy["text"] = a["text"].rstrip() + f"\n\nThis is reprint number {k} of this article."
            out.append(copy)
    return out


def contains_answer(text: str, gold: str) -> bool:
    """The project's matcher (evals.matching): case-insensitive; whole words for answers of at most
    four characters or numeric ones, substrings otherwise."""
    from evals.matching import contains_answer as match

    return match(text, gold)


def is_short_answer(gold: str) -> bool:
    """The project's test for answers short enough to match by accident (evals.matching)."""
    from evals.matching import is_short_answer as short

    return short(gold)


def question_sets(
    questions: Sequence[dict[str, Any]], corpus: Sequence[dict[str, Any]], all_ids: set[str], n_timed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(timed, recall): ``n_timed`` questions to time (those covered by the corpus first), and the
    answerable covered questions that recall@k is computed on.

    Covered: every one of the question's search results that exists in the article file was
    ingested. Answerable: the gold answer occurs (same matcher as the metric) in one of them.
    """
    texts = {a["id"]: a["text"] for a in corpus}
    covered, other, recall = [], [], []
    for q in questions:
        results = [i for i in q.get("search_results", []) if i in all_ids]
        if results and all(i in texts for i in results):
            covered.append(q)
            if any(contains_answer(texts[i], q["answer"]) for i in results):
                recall.append(q)
        else:
            other.append(q)
    return (covered + other)[:n_timed], recall


def synthetic_article(tag: str, body: str, doc_id: str) -> tuple[dict[str, Any], str]:
    """A news article no other article resembles at its start, and a question only it answers."""
    person = f"Marisol {tag}-Quenneville"
    institute = f"{tag} Institute for Glacier Studies"
    lead = (
        f"{person} was named director of the {institute} on Tuesday, the institute's board said, "
        f"ending a six-month search. {person} previously led the field programme that mapped "
        f"meltwater channels under the {tag} ice shelf."
    )
    record = {
        "id": doc_id,
        "title": f"{person} named director of the {institute}",
        "published": "2023-12-05",
        "url": f"https://example.org/news/{doc_id}",
        "authors": [],
        "text": lead + "\n\n" + body,
    }
    return record, f"Who was named director of the {institute}?"
