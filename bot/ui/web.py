"""Web chat (Gradio): streamed answers with their cited passages, document upload, corpus view.

Everything a document says is untrusted: titles, passages and file names are HTML-escaped and their
Markdown syntax neutralised before any component shows them, so an article holding ``<script>``, an
``<img onerror>`` or a Markdown image renders as text and loads nothing. The page is built from a
``Bot`` passed in (no module state), so tests can serve a store in a temp dir with a fake model.
"""

from __future__ import annotations

import os

# Before gradio is imported: it reads these at import time.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

import argparse  # noqa: E402
import html  # noqa: E402
import logging  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import unicodedata  # noqa: E402
from collections.abc import Iterator, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

import gradio as gr  # noqa: E402

from bot.backends.llm import Message  # noqa: E402
from bot.types import Answer, BotError, Citation, Passage  # noqa: E402

if TYPE_CHECKING:
    from bot.answering.retrieve import Retrieval
    from bot.config import Config
    from bot.feeds import FeedRefresher
    from bot.index.catalog import DocRecord
    from bot.index.ingest import IngestResult
    from bot.service import Bot

log = logging.getLogger(__name__)

MiB = 1024 * 1024
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
FORMATS = ".md .markdown .txt .html .htm .pdf .jsonl"
MAX_URLS = 20  # pages fetched per "Add" click: each is fetched and embedded while other events wait
EXAMPLE = "Who was released in November 2023?"
INTRO = "Answers come only from the indexed articles; each claim links to the passage that supports it."
UNEXPECTED = "Something went wrong while answering; please try again."

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


def safe_name(name: str) -> str:
    """An uploaded file's own name, made safe to use as a file name: no directories, no dot files."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name))[-1]
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if len(base) > 110:
        base = (stem[: 109 - len(suffix)] + dot + suffix) if dot and len(suffix) < 10 else base[:110]
    return base or "upload.txt"


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
    return (
        f'<details class="nb-source" id="src-{turn}-{c.n}" open><summary><span class="nb-num">[{c.n}]</span>'
        f"{esc(p.title or p.doc_id)} {meta_html(p)}</summary>"
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


# --- handlers --------------------------------------------------------------------------------------
@dataclass
class Conversation:
    """One browser session's chat: what the model sees (plain text) and what the page shows (HTML)."""

    history: list[Message] = field(default_factory=list)
    shown: list[Message] = field(default_factory=list)


class WebChat:
    """The page's event handlers, bound to one Bot; every handler returns what the page shows."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def ask(self, question: str, conv: Conversation) -> Iterator[tuple[list[Message], Conversation, str]]:
        """Stream the model's words, then replace them with the verified answer and its sources."""
        turn = len(conv.history) // 2 + 1
        shown = [*conv.shown, _msg("user", user_html(question)), _msg("assistant", "")]
        answer: Answer | None = None
        try:
            for html_now, final in self._render_stream(question, conv.history, turn):
                shown[-1] = _msg("assistant", html_now)
                answer = final or answer
                yield shown, conv, ""
        except BotError as exc:
            shown[-1] = _msg("assistant", error_html(str(exc)))
        except Exception:  # a bug or a failing back end: logged in full, one line on the page
            log.exception("answering %r failed", question)
            shown[-1] = _msg("assistant", error_html(UNEXPECTED))
        history = conv.history
        if answer is not None:
            history = [*history, _msg("user", question), _msg("assistant", answer.text)]
        yield shown, Conversation(history, shown), ""

    def _render_stream(
        self, question: str, history: list[Message], turn: int
    ) -> Iterator[tuple[str, Answer | None]]:
        raw, status = "", "Searching the documents…"
        yield pending_html(raw, status), None
        for event in self.bot.stream(question, history=list(history)):
            if event.kind == "status":
                status = event.text
            elif event.kind == "token":
                raw += event.text
            elif event.answer is not None:
                yield answer_html(event.answer, turn), event.answer
                return
            yield pending_html(raw, status), None

    def upload(
        self, files: list[str] | None, query: str | None, progress: Any = None
    ) -> tuple[str, None, str, Any]:
        """Ingest each file under its own (sanitised) name; a bad file fails alone."""
        paths = [str(f) for f in files or []]
        rows: list[tuple[str, IngestResult | None, str]] = []
        with tempfile.TemporaryDirectory(prefix="newsbot-upload-") as tmp:
            for i, src in enumerate(paths):
                if progress is not None:
                    progress((i, len(paths)), desc=f"Indexing {safe_name(Path(src).name)}", unit="files")
                rows += self._ingest_one(Path(src), Path(tmp))
        if not paths:
            rows.append(("(no file)", None, "choose one or more files first"))
        table, choices = self.refresh(query)
        return results_html(rows), None, table, choices

    def _ingest_one(self, src: Path, tmp: Path) -> list[tuple[str, IngestResult | None, str]]:
        name = safe_name(src.name)
        limit = self.bot.config.max_upload_mb
        try:
            size = src.stat().st_size
        except OSError as exc:
            return [(name, None, f"cannot read the upload: {exc.strerror}")]
        if size > limit * MiB:
            return [(name, None, f"too large: {size / MiB:.1f} MB (the limit is {limit:g} MB a file)")]
        folder = tmp / str(len(list(tmp.iterdir())))  # one folder each: two uploads may share a name
        folder.mkdir()
        target = folder / name
        shutil.copyfile(src, target)
        try:
            results = self.bot.ingest([target])
        except BotError as exc:
            return [(name, None, str(exc))]
        except Exception:  # a bug: logged in full, one line in the table, the other files go on
            log.exception("ingesting upload %s failed", name)
            return [(name, None, "unexpected error while indexing (see the server log)")]
        shown = [r.origin.replace(str(folder) + os.sep, "") for r in results]
        return [(origin or name, r, r.reason) for origin, r in zip(shown, results, strict=True)]

    def add_urls(self, text: str | None, query: str | None) -> tuple[str, str, str, Any]:
        """Fetch and ingest the pages listed (one a line, or space-separated); a bad URL fails alone.

        The fetch guards (bot.documents.fetch) keep a URL from reaching the server's own network.
        """
        urls = list(dict.fromkeys((text or "").split()))
        rows: list[tuple[str, IngestResult | None, str]] = []
        if not urls:
            rows.append(("(no URL)", None, "paste one or more http(s) URLs first"))
        elif len(urls) > MAX_URLS:
            rows.append((f"{len(urls)} URLs", None, f"at most {MAX_URLS} URLs at a time"))
        else:
            try:
                results = {r.origin: r for r in self.bot.ingest_urls(urls)}
                rows += [(u, results.get(u), "" if u in results else "not ingested") for u in urls]
            except BotError as exc:
                rows += [(u, None, str(exc)) for u in urls]
            except Exception:  # a bug: logged in full, one line on the page
                log.exception("adding URLs failed")
                rows += [(u, None, "unexpected error while indexing (see the server log)") for u in urls]
        table, choices = self.refresh(query)
        leftover = "" if rows and rows[0][0] in urls else text or ""  # tried: clear the box; refused: keep it
        return results_html(rows, first="URL"), leftover, table, choices

    def refresh(self, query: str | None = "") -> tuple[str, Any]:
        query = query or ""  # a page that has not rendered the filter box yet sends None
        docs = self.bot.docs()
        choices = [(f"{d.title} — {d.doc_id}", d.doc_id) for d in filter_docs(docs, query)]
        return docs_html(docs, query), gr.update(choices=choices, value=None)

    def delete(self, doc_id: str | None, query: str | None) -> tuple[str, str, Any]:
        doc_id = (doc_id or "").strip()
        if not doc_id:
            message = "Choose a document to delete."
        elif self.bot.remove(doc_id):
            message = f"Deleted {doc_id}."
        else:
            message = f"No document {doc_id!r}."
        table, choices = self.refresh(query)
        return f'<div class="nb-note">{esc(message)}</div>', table, choices

    def search(self, query: str | None, k: float | None) -> str:
        try:
            return search_html(self.bot.search(query or "", k=int(k or 5)))
        except BotError as exc:
            return error_html(str(exc))


def _msg(role: str, content: str) -> Message:
    return {"role": role, "content": content}


# --- the page --------------------------------------------------------------------------------------
def build_app(bot: Bot) -> gr.Blocks:
    """The whole page; every event that touches the store runs in one queue, one at a time."""
    chat = WebChat(bot)
    with gr.Blocks(title="Ask the news", analytics_enabled=False) as demo:
        gr.HTML(f"<style>{CSS}</style>", visible=True, padding=False)
        gr.Markdown(f"## Ask the news\n{INTRO}")
        with gr.Tab("Chat"):
            _chat_tab(chat)
        with gr.Tab("Documents"):
            _documents_tab(chat, demo)
    return demo


def _chat_tab(chat: WebChat) -> None:
    conv = gr.State(Conversation())
    chatbot = gr.Chatbot(
        label="Answers",
        show_label=False,
        height="70vh",
        layout="panel",
        latex_delimiters=[],
        sanitize_html=True,
        feedback_options=None,
        buttons=[],
        placeholder=f"Ask about the indexed news, e.g. *{EXAMPLE}*",
        elem_id="chat",
    )
    with gr.Row():
        question = gr.Textbox(
            placeholder="Ask a question and press Enter",
            show_label=False,
            scale=8,
            elem_id="question",
            autofocus=True,
        )
        send = gr.Button("Ask", variant="primary", scale=1, min_width=80)
        clear = gr.Button("New chat", scale=1, min_width=80)
    # No spinner, timer or pulsing border: the message itself shows progress, and a page that does
    # not repaint constantly leaves the CPU to the model when browser and bot share a machine.
    args: dict[str, Any] = {"concurrency_id": "bot", "concurrency_limit": 1, "show_progress": "hidden"}
    send.click(chat.ask, [question, conv], [chatbot, conv, question], api_name="ask", **args)
    question.submit(chat.ask, [question, conv], [chatbot, conv, question], api_visibility="private", **args)
    clear.click(lambda: ([], Conversation()), None, [chatbot, conv], api_name="clear")
    chatbot.clear(Conversation, None, conv, api_visibility="private")  # its own trash button


def _documents_tab(chat: WebChat, demo: gr.Blocks) -> None:
    args: dict[str, Any] = {"concurrency_id": "bot", "concurrency_limit": 1}
    gr.Markdown(
        f"### Add documents\n{FORMATS} — up to {chat.bot.config.max_upload_mb:g} MB a file; or news pages by URL."
    )
    with gr.Row():
        files = gr.File(label="Upload", file_count="multiple", elem_id="upload", height=150, scale=1)
        with gr.Column(scale=1):
            urls = gr.Textbox(
                label="Add by URL",
                placeholder="https://… (one a line; news pages are fetched and their article text kept)",
                lines=3,
                elem_id="add-urls",
            )
            add = gr.Button("Add", elem_id="add-urls-button")
    results = gr.HTML(elem_id="upload-results")
    gr.Markdown("### Indexed documents")
    with gr.Row():
        query = gr.Textbox(label="Filter", placeholder="title, source, date or ID", scale=3)
        doc = gr.Dropdown(label="Document to delete", allow_custom_value=True, filterable=True, scale=3)
        delete = gr.Button("Delete", variant="stop", scale=1, min_width=80)
    deleted = gr.HTML()
    table = gr.HTML(elem_id="docs")
    gr.Markdown("### Passage search\nWhat retrieval finds for a query (the passages the answer model sees).")
    with gr.Row():
        search_q = gr.Textbox(label="Query", scale=4, elem_id="search-query")
        k = gr.Slider(1, 20, value=5, step=1, label="Passages", scale=1)
        search = gr.Button("Search", scale=1, min_width=80, elem_id="search-button")
    found = gr.HTML(elem_id="search-results")

    progress = gr.Progress()

    def upload(
        paths: list[str] | None, q: str, progress: gr.Progress = progress
    ) -> tuple[str, None, str, Any]:
        return chat.upload(paths, q, progress)

    files.upload(upload, [files, query], [results, files, table, doc], api_name="upload", **args)
    add.click(chat.add_urls, [urls, query], [results, urls, table, doc], api_name="add_urls", **args)
    query.change(chat.refresh, query, [table, doc], api_visibility="private", **args)
    delete.click(chat.delete, [doc, query], [deleted, table, doc], api_name="delete", **args)
    search.click(chat.search, [search_q, k], found, api_name="search", **args)
    search_q.submit(chat.search, [search_q, k], found, api_visibility="private", **args)
    demo.load(chat.refresh, query, [table, doc], api_name="docs", **args)


# --- serving ---------------------------------------------------------------------------------------
def resolve_auth(host: str, config: Config, no_auth: bool) -> tuple[str, str] | None:
    """Loopback needs nothing; any other address needs a password from the environment or --no-auth."""
    user, password = config.auth_user, config.auth_password
    if bool(user) != bool(password):
        raise BotError("set both BOT_AUTH_USER and BOT_AUTH_PASSWORD, or neither")
    if user:
        return (user, password)
    if host in LOOPBACK or host.startswith("127.") or no_auth:
        return None
    raise BotError(
        f"--host {host} makes the chat reachable from other machines: set BOT_AUTH_USER and "
        "BOT_AUTH_PASSWORD, or pass --no-auth to serve it without a password"
    )


def launch_options(config: Config, auth: tuple[str, str] | None = None) -> dict[str, Any]:
    """What every launch passes: the upload limit (gradio refuses bigger files itself) and auth."""
    return {"max_file_size": int(config.max_upload_mb * MiB), "auth": auth, "footer_links": []}


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.ui.cli import make_bot

    bot = make_bot(args)
    host, port = args.host or bot.config.host, args.port or bot.config.port
    auth = resolve_auth(host, bot.config, args.no_auth)
    if (
        getattr(args, "api", False)
        and not bot.config.api_key
        and host not in LOOPBACK
        and not host.startswith("127.")
    ):
        raise BotError(f"--api on {host} makes the API reachable from other machines: set BOT_API_KEY")
    if auth is None and host not in LOOPBACK and not host.startswith("127."):
        print(f"warning: serving on {host} without a password (--no-auth)", file=sys.stderr)
    _ingest_first(bot, args.ingest)
    print("Loading models…", file=sys.stderr)
    bot.warm_up()
    if bot.llm is None and bot.llm_error:
        print(
            f"note: answer model unavailable ({bot.llm_error}); answering with quoted passages.",
            file=sys.stderr,
        )
    refresher = _start_feed_refresher(bot, getattr(args, "update_feeds", None))
    demo = build_app(bot).queue(default_concurrency_limit=1)
    if getattr(args, "api", False):
        try:
            return _serve_with_api(bot, demo, host, port, auth)
        finally:
            if refresher is not None:
                refresher.stop()
    try:
        _, url, _ = demo.launch(
            server_name=host,
            server_port=port,
            prevent_thread_lock=True,
            quiet=True,
            **launch_options(bot.config, auth),
        )
    except OSError as exc:
        raise BotError(f"cannot listen on {host}:{port} ({exc}); try --port") from exc
    print(f"Web chat: {url}", flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        demo.close()
    finally:
        if refresher is not None:
            refresher.stop()
    return 0


def _start_feed_refresher(bot: Bot, minutes: float | None) -> FeedRefresher | None:
    """`--update-feeds MINUTES`: feeds update in a background thread; its lines go to stderr."""
    if minutes is None:
        return None
    from bot.feeds import FeedRefresher

    def report(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    refresher = FeedRefresher(bot, minutes, report).start()
    print(f"Updating {len(bot.catalog.feeds())} feed(s) now and every {minutes:g} minutes", file=sys.stderr)
    return refresher


def _ingest_first(bot: Bot, paths: list[Path]) -> None:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise BotError(f"no such file or folder: {', '.join(missing)}")
    if not paths:
        return
    results = bot.ingest(paths, progress=sys.stderr.isatty())
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
        if r.status == "failed":
            print(f"failed: {r.origin}: {r.reason}", file=sys.stderr)
    print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing to ingest", file=sys.stderr)


def _serve_with_api(bot: Bot, demo: gr.Blocks, host: str, port: int, auth: tuple[str, str] | None) -> int:
    """The web page and the OpenAI-compatible API on one server (uvicorn, as gradio uses itself)."""
    import uvicorn

    from bot.ui.api import build_api

    app = gr.mount_gradio_app(
        build_api(bot, bot.config.api_key), demo, path="/", **launch_options(bot.config, auth)
    )
    print(f"Web chat: http://{host}:{port}/  API: http://{host}:{port}/v1", flush=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    except OSError as exc:  # pragma: no cover - uvicorn reports a busy port itself and exits
        raise BotError(f"cannot listen on {host}:{port} ({exc}); try --port") from exc
    return 0
