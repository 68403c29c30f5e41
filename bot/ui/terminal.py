"""What the CLI prints: answers with their quoted sources, passages, documents, copies, feeds, results.

Kept apart from the argument parsing in bot.ui.cli so each command there reads as "build the bot,
do the operation, print it". Results go to stdout (plain text, or JSON with ``--json``); counts,
notes and failures go to stderr, so ``bot ... --json | jq`` sees only data.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.feeds import FeedReport
    from bot.index.catalog import CopyRecord, DocRecord, FeedRecord
    from bot.index.ingest import IngestResult
    from bot.service import Bot
    from bot.types import Answer, Citation, Passage


# --- answers and passages -------------------------------------------------------------------------
def warn_llm(bot: Bot) -> None:
    """Say once, on stderr, why answers are quotes only: the model could not be loaded."""
    warn_llm_error(bot.llm_error if bot.llm is None else None)


def warn_llm_error(error: str | None) -> None:
    """``warn_llm`` for an error reported by a running ``bot serve`` (bot.ui.cli_client)."""
    if error:
        print(f"note: answer model unavailable ({error}); answering with quoted passages.", file=sys.stderr)


def format_answer(answer: Answer) -> str:
    lines = [answer.text]
    if answer.rewritten_question:
        lines.insert(0, f"(searched for: {answer.rewritten_question})")
    if answer.refusal_reason:
        lines.append(f"({answer.refusal_reason})")
    if answer.citations:
        lines.append("\nSources:")
        lines += [format_citation(c) for c in answer.citations]
    return "\n".join(lines)


def format_citation(c: Citation) -> str:
    """The cited passage with its supporting sentence between »«, and the story's wire copies."""
    p = c.passage
    head = f"[{c.n}] {p.title} — {', '.join(x for x in (p.source, p.published or '') if x)}"
    text = p.text[: c.quote_start] + "»" + p.text[c.quote_start : c.quote_end] + "«" + p.text[c.quote_end :]
    also = f"\n    also published by {also_published_by(p.also)}" if p.also else ""
    return f"{head}\n    {text}{also}"


def also_published_by(copies: list[dict[str, Any]]) -> str:
    """ "AP (2023-11-05), The Guardian, …": each copy's source (else its title) and date."""
    parts = []
    for c in copies:
        name = c.get("source") or c.get("title") or c.get("doc_id", "")
        parts.append(f"{name} ({c['published']})" if c.get("published") else str(name))
    return ", ".join(parts)


def passage_fields(p: Passage) -> dict[str, Any]:
    """A retrieved passage as the JSON of ``bot search``."""
    return {
        "doc_id": p.doc_id, "title": p.title, "source": p.source, "published": p.published,
        "url": p.url, "text": p.text, "start": p.start, "end": p.end, "also_published_by": p.also,
    }  # fmt: skip


def print_search(query: str, passages: Sequence[Passage], stream: bool, as_json: bool) -> None:
    """One query's passages: a JSON line per query when queries come from stdin (``stream``)."""
    rows = [{**passage_fields(p), "score": round(p.score, 4)} for p in passages]
    if stream:
        print(json.dumps({"query": query, "results": rows}, ensure_ascii=False), flush=True)
    elif as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for i, (p, row) in enumerate(zip(passages, rows, strict=True), 1):
            also = f"    also published by {also_published_by(p.also)}\n" if p.also else ""
            print(
                f"[{i}] {row['score']:.3f} {p.title} — {p.source} {p.published or ''}\n    {p.text}\n{also}"
            )


# --- the store -------------------------------------------------------------------------------------
def print_ingest_results(results: Sequence[IngestResult], as_json: bool, home: Path) -> None:
    """A line per document (up to 50; failures always, on stderr), then the counts on stderr."""
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
        if as_json:
            print(json.dumps(r.to_dict(), ensure_ascii=False))
        elif r.status == "failed":
            print(f"failed: {r.origin}: {r.reason}", file=sys.stderr)
        elif len(results) <= 50:
            copies = f" [a copy of {', '.join(r.copy_of)}]" if r.copy_of else ""
            print(f"{r.status}: {r.doc_id} ({r.chunks} chunks) {r.title}{copies}")
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    print(f"{summary or 'nothing to ingest'}; store: {home}", file=sys.stderr)


def print_docs(docs: Sequence[DocRecord], as_json: bool) -> None:
    if as_json:
        print(json.dumps([d.to_dict() for d in docs], ensure_ascii=False, indent=2))
        return
    for d in docs:
        print(f"{d.doc_id}\t{d.published or '-'}\t{d.source or '-'}\t{d.n_chunks} chunks\t{d.title}")


def print_copies(rows: Sequence[tuple[DocRecord, list[CopyRecord]]], n_docs: int, as_json: bool) -> None:
    """Each document that has wire copies, with them; how many of ``n_docs`` have any on stderr."""
    if as_json:
        out = [
            {"doc_id": d.doc_id, "source": d.source, "copies": [c.to_dict() for c in cs]} for d, cs in rows
        ]
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for d, cs in rows:
        print(f"{d.doc_id}\t{d.source or '-'}\t{d.title}")
        for c in cs:
            print(f"    {c.similarity:.2f}  {c.doc_id}\t{c.source or '-'}\t{c.published or '-'}")
    print(f"{len(rows)} of {n_docs} documents have copies", file=sys.stderr)


# --- feeds -----------------------------------------------------------------------------------------
def print_feeds(records: Sequence[FeedRecord], as_json: bool) -> None:
    if as_json:
        print(json.dumps([r.to_dict() for r in records], ensure_ascii=False, indent=2))
        return
    for r in records:
        checked = when(r.checked_at)
        print(f"{r.url}\t{r.title or '-'}\t{r.items} items\tchecked {checked}: {r.last_status or '-'}")
    if not records:
        print("no feeds yet: `bot feeds add URL`", file=sys.stderr)


def print_feed_report(report: FeedReport, as_json: bool) -> None:
    """One feed's update: its new and changed items (failures on stderr), then its summary."""
    for r in report.results:
        if as_json:
            print(json.dumps({"feed": report.url, **r.to_dict()}, ensure_ascii=False))
        elif r.status == "failed":
            print(f"  failed: {r.origin}: {r.reason}", file=sys.stderr)
        elif r.status != "unchanged":
            note = f" [{r.reason}]" if r.reason else ""
            print(f"  {r.status}: {r.doc_id} ({r.chunks} chunks) {r.title}{note}")
    print(report.summary(), file=sys.stderr if as_json else sys.stdout, flush=True)


def when(stamp: float | None) -> str:
    if not stamp:
        return "never"
    from datetime import datetime

    return datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M")
