"""The web chat's event handlers: one browser session's conversation, uploads, URLs, deletes, search.

``WebChat`` is bound to a ``Bot`` passed in (no module state), so tests can drive it on a store in a
temp dir with a fake model; each handler returns what the page shows, as HTML from bot.ui.render.
A failing file, URL or answer is reported in its own row or message and the rest goes on.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from bot.backends.llm import Message
from bot.types import Answer, BotError
from bot.ui.render import (
    answer_html,
    docs_html,
    error_html,
    esc,
    filter_docs,
    pending_html,
    results_html,
    search_html,
    user_html,
)

if TYPE_CHECKING:
    from bot.index.ingest import IngestResult
    from bot.service import Bot

log = logging.getLogger(__name__)

MiB = 1024 * 1024
MAX_URLS = 20  # pages fetched per "Add" click: each is fetched and embedded while other events wait
UNEXPECTED = "Something went wrong while answering; please try again."


def safe_name(name: str) -> str:
    """An uploaded file's own name, made safe to use as a file name: no directories, no dot files."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name))[-1]
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if len(base) > 110:
        base = (stem[: 109 - len(suffix)] + dot + suffix) if dot and len(suffix) < 10 else base[:110]
    return base or "upload.txt"


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
