"""The web chat's HTML: answers, their citations and passages, wire copies, document lists, results.

Pure functions from the bot's data to HTML strings (no gradio), so the page's look and its escaping
can be tested without a server. Everything a document says is untrusted: titles, passages and file
names go through ``esc`` (HTML-escaped, Markdown syntax neutralised) before any component shows them,
so an article holding ``<script>``, an ``<img onerror>`` or a Markdown image renders as text and
loads nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.types import Answer, Citation, Passage

if TYPE_CHECKING:
    from bot.answering.retrieve import Retrieval
    from bot.index.catalog import DocRecord
    from bot.index.ingest import IngestResult

# HTML's special characters, and those Markdown (and KaTeX) would interpret, as entities in one
# pass: the browser shows them as they are, and no parser sees a tag, image, link or formula.
_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
    | {c: f"&#{ord(c)};" for c in "[]()!*_`~$\\#|{}"}
)
_MARKER = re.compile(r"\[(\d+)\]")

CSS = """
.nb-msg { line-height: 1.55; }
.nb-answer { font-size: 1.05rem; }
.nb-note { font-size: .82rem; opacity: .75; margin-bottom: .4rem; }
.nb-refused { font-style: italic; }
.nb-error { color: var(--error-text-color, #b91c1c); }
.nb-cursor::after { content: "▍"; opacity: .6; }
.nb-draft { opacity: .7; }
a.nb-cite { text-decoration: none; font-weight: 600; font-size: .85em; vertical-align: super; }
.nb-sources { margin-top: .8rem; padding-top: .5rem;
  border-top: 1px solid var(--border-color-primary, #ddd); }
.nb-sources-head { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; opacity: .7; }
.nb-source { margin: .5rem 0; }
.nb-also { font-size: .85rem; opacity: .8; margin-top: .3rem; }
.nb-source summary { cursor: pointer; font-weight: 600; }
.nb-num { display: inline-block; min-width: 1.6em; margin-right: .3em; font-weight: 700; }
.nb-meta { font-weight: 400; font-size: .85rem; opacity: .75; }
.nb-passage { font-size: .9rem; margin: .35rem 0 0 1.6em; padding: .5rem .7rem;
  border-left: 3px solid var(--color-accent, #f97316); background: var(--background-fill-secondary, #f7f7f7);
  max-height: 16rem; overflow-y: auto; white-space: normal; }
.nb-passage mark { background: #fde68a; color: #111; padding: 0 .1em; border-radius: 2px; }
.nb-table { width: 100%; border-collapse: collapse; font-size: .9rem; }
.nb-table th, .nb-table td { text-align: left; padding: .35rem .5rem;
  border-bottom: 1px solid var(--border-color-primary, #ddd); vertical-align: top; }
.nb-failed { color: var(--error-text-color, #b91c1c); }
.nb-hit { margin: .7rem 0; }
.generating { animation: none !important; }
"""


# --- escaping --------------------------------------------------------------------------------------
def esc(text: str | None) -> str:
    """HTML-escape and neutralise Markdown, on one line (a blank line would end the HTML block)."""
    escaped = (text or "").translate(_ESCAPES)
    return re.sub(r"\r?\n", "<br>", escaped)


# --- rendering: chat -----------------------------------------------------------------------------
def user_html(question: str) -> str:
    return f'<div class="nb-msg">{esc(question)}</div>'


def pending_html(raw: str, status: str) -> str:
    """The answer while it streams: the model's raw words, or what the bot is doing before them."""
    if not raw:
        return f'<div class="nb-msg nb-note nb-cursor">{esc(status)}</div>'
    note = f"{esc(status)} · " if status.startswith(("Searching for", "Part ")) else ""
    note = f'<div class="nb-note">{note}Draft: each sentence is checked against the sources when done.</div>'
    return f'<div class="nb-msg">{note}<div class="nb-answer nb-draft nb-cursor">{esc(raw)}</div></div>'


def error_html(message: str) -> str:
    return f'<div class="nb-msg nb-error">⚠ {esc(message)}</div>'


def answer_html(answer: Answer, turn: int) -> str:
    """The final answer: it replaces the streamed text, since unsupported sentences were dropped."""
    parts = ['<div class="nb-msg">']
    if answer.rewritten_question:
        parts.append(f'<div class="nb-note">Searched for: {esc(answer.rewritten_question)}</div>')
    if answer.refused:
        parts.append(f'<div class="nb-answer nb-refused">{esc(answer.text)}</div>')
        reason = answer.refusal_reason or "No indexed passage supports an answer."
        parts.append(f'<div class="nb-note">{esc(reason)}</div>')
    else:
        parts.append(f'<div class="nb-answer">{_linked(answer, turn)}</div>')
        if answer.mode == "extractive":
            parts.append('<div class="nb-note">Quoted from the sources (no verified model answer).</div>')
        parts.append(sources_html(answer.citations, turn))
    return "".join(parts) + "</div>"


def _linked(answer: Answer, turn: int) -> str:
    """Each [n] becomes a link to its source below; text between markers is escaped."""
    known = {c.n for c in answer.citations}
    pieces = _MARKER.split(answer.text)
    out = []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            out.append(esc(piece))
        elif int(piece) in known:
            out.append(f'<a class="nb-cite" href="#src-{turn}-{piece}">[{piece}]</a>')
        else:
            out.append(esc(f"[{piece}]"))
    return "".join(out)


def sources_html(citations: Sequence[Citation], turn: int) -> str:
    if not citations:
        return ""
    items = "".join(_source_html(c, turn) for c in citations)
    return f'<div class="nb-sources"><div class="nb-sources-head">Sources</div>{items}</div>'


def _source_html(c: Citation, turn: int) -> str:
    p = c.passage
    body = highlighted(p.text, c.quote_start, c.quote_end)
    title = esc(p.title or p.doc_id)
    if c.quote_start == c.quote_end and p.title:
        title = f"<mark>{title}</mark>"  # the headline holds what the answer says
    return (
        f'<details class="nb-source" id="src-{turn}-{c.n}" open><summary><span class="nb-num">[{c.n}]</span>'
        f"{title} {meta_html(p)}</summary>"
        f'<div class="nb-passage">{body}</div>{also_html(p)}</details>'
    )


def also_html(p: Passage) -> str:
    """The story's wire copies (bot.index.copies) under its passage: each outlet, linked, with its date."""
    items = []
    for c in p.also:
        name = esc(str(c.get("source") or c.get("title") or c.get("doc_id", "")))
        url = str(c.get("url") or "")
        if url.startswith(("http://", "https://")):
            name = (
                f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer nofollow">{name}</a>'
            )
        items.append(name + (f" ({esc(str(c['published']))})" if c.get("published") else ""))
    return f'<div class="nb-also">Also published by {", ".join(items)}</div>' if items else ""


def meta_html(p: Passage) -> str:
    bits = [x for x in (p.source, p.published) if x]
    link = f' · <a href="{html.escape(p.url)}" target="_blank" rel="noopener noreferrer nofollow">link</a>'
    url = link if p.url.startswith(("http://", "https://")) else ""
    return f'<span class="nb-meta">— {esc(", ".join(bits) or "undated")}{url}</span>'


def highlighted(text: str, start: int, end: int) -> str:
    """The passage with its supporting sentence in <mark>; each part escaped on its own."""
    if not 0 <= start < end <= len(text):
        return esc(text)
    return f"{esc(text[:start])}<mark>{esc(text[start:end])}</mark>{esc(text[end:])}"


# --- rendering: documents --------------------------------------------------------------------------
def docs_html(docs: Sequence[DocRecord], query: str = "") -> str:
    shown = filter_docs(docs, query)
    rows = "".join(
        f"<tr><td>{esc(d.title)}</td><td>{esc(d.published or '–')}</td><td>{esc(d.source or '–')}</td>"
        f"<td>{d.n_chunks}</td><td><code>{esc(d.doc_id)}</code></td></tr>"
        for d in shown
    )
    head = "<tr><th>Title</th><th>Published</th><th>Source</th><th>Chunks</th><th>ID</th></tr>"
    count = f"{len(shown)} of {len(docs)} documents" if query.strip() else f"{len(docs)} documents"
    return f'<div class="nb-note">{count}</div><table class="nb-table">{head}{rows}</table>'


def filter_docs(docs: Sequence[DocRecord], query: str) -> list[DocRecord]:
    q = query.strip().lower()
    fields = ("title", "doc_id", "source", "published")
    return [d for d in docs if not q or any(q in str(getattr(d, f) or "").lower() for f in fields)]


def results_html(rows: Sequence[tuple[str, IngestResult | None, str]], first: str = "File") -> str:
    """One row per uploaded file (a .jsonl gives one per record) or URL: status, title and the reason."""
    head = f"<tr><th>{esc(first)}</th><th>Result</th><th>Title</th><th>ID</th><th>Chunks</th><th>Reason</th></tr>"
    body = "".join(_result_row(name, r, reason) for name, r, reason in rows)
    return f'<table class="nb-table nb-results">{head}{body}</table>'


def _result_row(name: str, r: IngestResult | None, reason: str) -> str:
    if r is None or r.status == "failed":
        title, doc_id = (r.title, r.doc_id) if r else ("", "")
        cells = [name, "failed", title, doc_id, "–", (r.reason if r else "") or reason]
        return '<tr class="nb-failed">' + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>"
    cells = [name, r.status, r.title, r.doc_id, str(r.chunks), r.reason]
    return "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>"


def search_html(found: Retrieval) -> str:
    if not found.passages:
        return '<div class="nb-note">No passages found.</div>'
    return "".join(
        f'<div class="nb-hit"><b>[{i}]</b> <span class="nb-meta">score {p.score:.3f}</span> '
        f"<b>{esc(p.title or p.doc_id)}</b> {meta_html(p)}"
        f'<div class="nb-passage">{esc(p.text)}</div></div>'
        for i, p in enumerate(found.passages, 1)
    )
