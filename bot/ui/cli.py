"""Command line: ``bot ingest|feeds|ask|search|docs|remove|chat|serve|embed-server|eval|reindex``.

Heavy libraries are imported inside the commands, so ``bot --help`` is instant; every user error
is one line on stderr and a non-zero exit, never a traceback. Each command builds its bot with
``Bot.open`` and leaves what it prints to bot.ui.terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.service import Bot
from bot.ui import terminal

if TYPE_CHECKING:
    from bot.config import Config
    from bot.types import Answer
    from bot.ui.cli_client import ServerClient

EXIT_USAGE = 2
EXIT_ERROR = 1


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not getattr(args, "func", None):
        build_parser().print_help()
        return EXIT_USAGE
    from bot.types import BotError

    try:
        result: int = args.func(args)
        return result
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `bot search - | head`: the reader left; nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug, not a user error: one line, the traceback on request
        if os.environ.get("BOT_DEBUG"):
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc} (set BOT_DEBUG=1 for details)", file=sys.stderr)
        return EXIT_ERROR


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot", description="Ask questions about a corpus of news articles.")
    parser.add_argument(
        "--home", type=Path, help="store directory (default: $BOT_HOME or ~/.local/share/newsbot)"
    )
    sub = parser.add_subparsers(metavar="COMMAND")

    p = sub.add_parser("ingest", help="add or update documents (files, folders, .jsonl, http(s) URLs)")
    p.add_argument("paths", nargs="*", metavar="PATH_OR_URL", help="files, folders or web page URLs")
    p.add_argument(
        "--urls", type=Path, metavar="FILE", help="a text file of page URLs, one a line (# comments)"
    )
    p.add_argument("--json", action="store_true", help="one JSON line per document")
    p.add_argument(
        "--workers", type=int, default=1, help="N processes dividing the documents (needs BOT_CHROMA_URL)"
    )
    _local_option(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("feeds", help="follow RSS/Atom feeds: add URL | list | remove URL | update")
    feeds = p.add_subparsers(metavar="ACTION", dest="action", required=True)
    f = feeds.add_parser("add", help="follow a feed (checked now; its items come with `update`)")
    f.add_argument("url")
    f = feeds.add_parser("list", help="the feeds followed, when each was last checked")
    f.add_argument("--json", action="store_true")
    f = feeds.add_parser("remove", help="stop following a feed (its documents stay)")
    f.add_argument("url")
    f = feeds.add_parser("update", help="fetch every feed (conditional GET) and ingest its new items")
    f.add_argument("--json", action="store_true", help="one JSON line per item result")
    _local_option(f)
    p.set_defaults(func=cmd_feeds)

    p = sub.add_parser("ask", help="answer a question with cited sources")
    p.add_argument("question")
    _answer_options(p)
    p.add_argument("--json", action="store_true")
    _local_option(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("search", help="show the passages retrieval finds (no answer model)")
    p.add_argument("query", help="a query, or - to read one query a line from stdin")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--as-of", type=_iso_date, help="resolve 'last week' etc. against this date")
    p.add_argument("--json", action="store_true")
    _local_option(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("chat", help="interactive question loop in the terminal")
    _answer_options(p)
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("docs", help="list indexed documents")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("copies", help="wire copies: the documents that hold the same story")
    p.add_argument("--relink", action="store_true", help="find the copies among every stored document again")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_copies)

    p = sub.add_parser("remove", help="delete a document and all its chunks")
    p.add_argument("doc_ids", nargs="+")
    _local_option(p)
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("serve", help="start the web chat")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--no-auth", action="store_true", help="allow a non-loopback address without a password")
    p.add_argument("--ingest", type=Path, action="append", default=[], help="ingest this path first")
    p.add_argument(
        "--update-feeds",
        type=float,
        metavar="MINUTES",
        help="update the followed feeds now and every MINUTES",
    )
    p.add_argument(
        "--api",
        action="store_true",
        help="also serve the OpenAI-compatible /v1/chat/completions and /v1/models",
    )
    p.set_defaults(func=_lazy("bot.ui.web", "cmd_serve"))

    p = sub.add_parser(
        "embed-server", help="serve the embedding model over the OpenAI /v1/embeddings protocol"
    )
    p.add_argument("--host", help="address to bind (default 127.0.0.1; others need --api-key)")
    p.add_argument("--port", type=int, default=8089)
    p.add_argument("--api-key", default="", help="require this bearer key (default $BOT_EMBEDDER_API_KEY)")
    p.set_defaults(func=_lazy("bot.ui.embed_server", "cmd_embed_server"))

    p = sub.add_parser("eval", help="run the eval suite (default: the gold set on the bundled corpus)")
    p.add_argument("--benchmark", choices=["gold", "realtimeqa"], default="gold")
    p.add_argument("--data", type=Path, help="benchmark data folder")
    p.add_argument("--limit", type=int)
    p.add_argument(
        "--small", action="store_true", help="only the articles retrieved for the chosen questions"
    )
    p.add_argument(
        "--out",
        type=Path,
        help="results folder (default evals/results, or ./evals-results outside a checkout)",
    )
    p.add_argument("--as-of", type=_iso_date, help="ask every question on this date (default: each item's)")
    p.add_argument("--gold", type=Path, help="question set (default the bundled evals/gold.jsonl)")
    p.add_argument("--corpus", type=Path, help="articles the set is about (default the bundled corpus/)")
    p.add_argument("--repeat", type=int, default=1, help="run the set N times; gate on the worst run")
    p.add_argument("--no-floor", action="store_true", help="skip the no-model (quotes only) floor row")
    p.set_defaults(func=_lazy("evals.cli", "cmd_eval"))

    p = sub.add_parser("reindex", help="rebuild the store from the kept originals")
    p.set_defaults(func=cmd_reindex)
    return parser


def _answer_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", type=_iso_date, help="resolve 'last week' etc. against this date (YYYY-MM-DD)")
    p.add_argument("--no-llm", action="store_true", help="extractive answers only (no answer model)")


def _local_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--local",
        action="store_true",
        help="work in this process even when a `bot serve` runs on the store (also BOT_CLI_SERVER=off)",
    )


def _server(
    args: argparse.Namespace, answers: bool, local: bool | None = None
) -> tuple[Config, ServerClient | None]:
    """This command's settings, and the running `bot serve` to send it to (None: work here)."""
    from bot.config import Config
    from bot.ui.cli_client import find_server

    config = Config.from_env(home=args.home)
    return config, find_server(config, answers=answers, local=args.local if local is None else local)


def _lazy(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        import importlib

        func: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module), name)
        return func(args)

    return run


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {value!r}") from exc


# --- commands -------------------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    from bot.documents.urls import is_url
    from bot.types import BotError

    urls = [a for a in args.paths if is_url(a)] + (read_url_list(args.urls) if args.urls else [])
    paths = [Path(a) for a in args.paths if not is_url(a)]
    if not paths and not urls:
        raise BotError("nothing to ingest: give files, folders or URLs (or --urls FILE)")
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise BotError(f"no such file or folder: {', '.join(missing)}")
    if args.workers < 1:
        raise BotError("--workers must be at least 1")
    # N workers write to a Chroma server (BOT_CHROMA_URL), which every process sees at once.
    config, server = _server(args, answers=False, local=args.local or args.workers > 1)
    results = server.ingest(paths, urls) if server else None
    if results is None:
        from bot.ui.cli_writes import ingest_here

        results = ingest_here(args, config, paths, urls)
    terminal.print_ingest_results(results, args.json, config.home)
    return 0 if any(r.status != "failed" for r in results) else EXIT_ERROR


def read_url_list(path: Path) -> list[str]:
    """URLs one a line; blank lines and ``#`` comments skipped. Anything else is kept, so a bad
    line is reported per URL by ingest instead of vanishing."""
    from bot.types import BotError

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BotError(f"cannot read the URL list {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def cmd_feeds(args: argparse.Namespace) -> int:
    """``update`` ingests, so it goes through a running server (bot.ui.cli_writes); the others
    only write the catalog's feed records."""
    from bot import feeds
    from bot.types import BotError

    if args.action == "update":
        from bot.ui.cli_writes import update_feeds

        return update_feeds(args.home, *_server(args, answers=False), args.json)
    bot = Bot.open(args.home)
    if args.action == "add":
        feeds.check_feed_url(args.url)
        feed = feeds.add_feed(bot, args.url)
        print(
            f"following: {feed.title or args.url} ({len(feed.items)} items now); `bot feeds update` ingests them"
        )
    elif args.action == "remove":
        if not bot.catalog.remove_feed(args.url):
            raise BotError(f"not following {args.url} (see `bot feeds list`)")
        print(f"removed feed: {args.url} (its documents stay; `bot remove DOC_ID` deletes one)")
    else:
        terminal.print_feeds(bot.catalog.feeds(), args.json)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    _, server = _server(args, answers=not args.no_llm)
    got = server.ask(args.question, args.as_of, args.no_llm) if server else None
    if got is not None:
        return _print_answer(*got, args.json)
    bot = Bot.open(args.home, llm=None if args.no_llm else "auto")
    answer = bot.ask(args.question, as_of=args.as_of)
    return _print_answer(answer, bot.llm_error if bot.llm is None else None, args.json)


def _print_answer(answer: Answer, llm_error: str | None, as_json: bool) -> int:
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        terminal.warn_llm_error(llm_error)
        print(terminal.format_answer(answer))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.types import BotError

    bot = Bot.open(args.home, llm=None if args.no_llm else "auto")
    if not bot.docs():
        print(f"The store at {bot.config.home} is empty: run `bot ingest corpus/` first.", file=sys.stderr)
    print("Loading models…", file=sys.stderr)
    bot.warm_up()
    terminal.warn_llm(bot)
    print("Ask about the news (empty line or Ctrl-D to quit).")
    history: list[Any] = []
    while True:
        try:
            question = input("\n> ").strip()
        except EOFError:
            return 0
        if not question:
            return 0
        try:
            answer = bot.ask(question, history=history, as_of=args.as_of)
        except BotError as exc:
            print(f"error: {exc}")
            continue
        print(terminal.format_answer(answer))
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]


def cmd_search(args: argparse.Namespace) -> int:
    from bot.types import BotError

    _, server = _server(args, answers=False)
    bot = None if server else Bot.open(args.home)
    stream = args.query == "-"  # one query a line from stdin, one JSON line out for each
    queries = (line.strip() for line in sys.stdin) if stream else iter([args.query])
    for query in queries:
        if not query and stream:
            continue
        try:
            passages = server.search(query, args.k, args.as_of) if server else None
            if passages is None:  # no server, or it stopped answering: the rest is searched here
                server, bot = None, bot or Bot.open(args.home)
                passages = bot.search(query, k=args.k, as_of=args.as_of).passages
        except BotError as exc:
            if not stream:
                raise
            print(json.dumps({"query": query, "error": str(exc)}))
            continue
        terminal.print_search(query, passages, stream, args.json)
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    bot = Bot.open(args.home)
    docs = bot.docs()
    terminal.print_docs(docs, args.json)
    if not args.json:
        n_docs, n_chunks = bot.catalog.count()
        print(f"{n_docs} documents, {n_chunks} chunks in {bot.config.home}", file=sys.stderr)
    return 0


def cmd_copies(args: argparse.Namespace) -> int:
    """List each document that has wire copies, with them (``--relink`` recomputes them first)."""
    bot = Bot.open(args.home)
    if args.relink:
        n_docs, n_links = bot.indexer.link_copies()
        print(f"relinked {n_docs} documents: {n_links} copy pairs", file=sys.stderr)
    docs = bot.docs()
    copies = bot.catalog.copies_of([d.doc_id for d in docs], bot.config.copy_threshold)
    terminal.print_copies([(d, copies[d.doc_id]) for d in docs if d.doc_id in copies], len(docs), args.json)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from bot.ui.cli_writes import remove

    return remove(args.home, *_server(args, answers=False), args.doc_ids)


def cmd_reindex(args: argparse.Namespace) -> int:
    from bot.index.reindex import reindex
    from bot.ui.cli_client import refuse_if_served

    config = Bot.open(args.home).config  # reads BOT_* and --home, checks the folder is writable
    refuse_if_served(config, "reindex")  # it would rebuild the store under the server
    report = reindex(
        config,
        allow_missing=bool(getattr(args, "allow_missing", False)),
        progress=sys.stderr.isatty(),
    )
    for line in report.failed:
        print(f"failed: {line}", file=sys.stderr)
    print(report.summary(), file=sys.stderr)
    return 0
