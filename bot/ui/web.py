"""Web chat (Gradio): the page's layout, and ``bot serve``, which serves it (with the API if asked).

The page is built from a ``Bot`` passed in (no module state), so tests can serve a store in a temp
dir with a fake model. Its handlers are bot.ui.handlers, its HTML (and the escaping that keeps a
document's text inert) bot.ui.render.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from bot.service import Bot
from bot.types import BotError
from bot.ui.handlers import Conversation, MiB, WebChat
from bot.ui.render import CSS
from bot.ui.terminal import warn_llm

if TYPE_CHECKING:
    from bot.config import Config
    from bot.feeds import FeedRefresher
    from bot.ui.cli_server import CliService

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
FORMATS = ".md .markdown .txt .html .htm .pdf .jsonl"
EXAMPLE = "Who was released in November 2023?"
INTRO = "Answers come only from the indexed articles; each claim links to the passage that supports it."


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
    from bot.ui.cli_client import refuse_if_served

    bot = Bot.open(args.home)
    refuse_if_served(
        bot.config,
        "serve",
        "or open its page: two servers would both write this store (another BOT_HOME is another store)",
    )
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
    warn_llm(bot)
    refresher = _start_feed_refresher(bot, getattr(args, "update_feeds", None))
    demo = build_app(bot).queue(default_concurrency_limit=1)
    if getattr(args, "api", False):
        service = _start_cli_service(bot, f"http://{host}:{port}/")
        try:
            return _serve_with_api(bot, demo, host, port, auth)
        finally:
            _stop(refresher, service)
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
    service = _start_cli_service(bot, url)
    print(f"Web chat: {url}", flush=True)
    # SIGTERM (a service manager, a test) closes the page and removes the CLI record like Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        demo.close()
    finally:
        _stop(refresher, service)
    return 0


def _start_cli_service(bot: Bot, page: str) -> CliService | None:
    """The loopback service `bot ask`/`search`/`ingest` processes use (BOT_CLI_SERVER=off: none)."""
    if bot.config.cli_server == "off":
        return None
    from bot.ui.cli_server import CliService

    return CliService(bot).start(page)


def _stop(refresher: FeedRefresher | None, service: CliService | None) -> None:
    if service is not None:
        service.stop()
    if refresher is not None:
        refresher.stop()


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


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
