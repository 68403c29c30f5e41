"""The command line's store writes, made by the running ``bot serve`` when there is one.

Why: the embedded Chroma store keeps its vector index in the memory of the process that opened
it, and Chroma does not support two processes writing one embedded store (bot.ui.cli_server). So
``bot ingest``, ``bot remove`` and ``bot feeds update`` send their write to the server
(bot.ui.cli_client.find_server), whose next answer then sees it. A write made here anyway while a
server runs (``--local``, other settings, a server that stopped answering) works and says on
stderr what the server will miss until it restarts; ``bot reindex``, which rebuilds the store
under the server, refuses (bot.ui.cli_client.refuse_if_served). ``bot feeds add|remove`` stay
in-process: they only write feed records in the catalog (SQLite or PostgreSQL, which several
processes may write), and the server reads the feed list afresh on each update.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.service import Bot
from bot.ui import terminal
from bot.ui.cli_client import ServerClient, warn_if_server_misses_writes

if TYPE_CHECKING:
    from bot.config import Config
    from bot.feeds import FeedReport
    from bot.index.ingest import IngestResult

EXIT_ERROR = 1
REMOVE_MISSED = "keeps the removed documents' vectors in its searches"
FEEDS_MISSED = "will not find what `feeds update` ingests here"


def ingest_here(
    args: argparse.Namespace, config: Config, paths: list[Path], urls: list[str]
) -> list[IngestResult]:
    warn_if_server_misses_writes(config)
    bot = Bot.open(args.home)
    progress = not args.json and sys.stderr.isatty()
    if args.workers > 1 and paths:  # files are divided between worker processes; URLs are fetched here
        from bot.index.parallel import ingest_in_workers

        results = ingest_in_workers(bot.config, paths, args.workers)
    else:
        results = bot.ingest(paths, progress=progress) if paths else []
    return results + (bot.ingest_urls(urls, progress=progress) if urls else [])


def remove(home: Path | None, config: Config, server: ServerClient | None, doc_ids: Sequence[str]) -> int:
    """Each document removed by the server, else here; an unknown id is the same error line."""
    bot: Bot | None = None
    status = 0
    for doc_id in doc_ids:
        removed = server.remove(doc_id) if server else None
        if removed is None:  # no server, or it stopped answering: the rest is removed here
            if bot is None:
                warn_if_server_misses_writes(config, REMOVE_MISSED, "remove")
                server, bot = None, Bot.open(home)
            removed = bot.remove(doc_id)
        if removed:
            print(f"removed: {doc_id}")
        else:
            print(f"error: no document {doc_id!r} (see `bot docs`)", file=sys.stderr)
            status = EXIT_ERROR
    return status


def update_feeds(home: Path | None, config: Config, server: ServerClient | None, as_json: bool) -> int:
    """Every followed feed, each updated by the server (else here) and printed as it ends."""
    from bot import feeds

    bot = Bot.open(home)  # the feed list is read here: the catalog only, no vectors or models
    if not bot.catalog.feeds():
        print("no feeds yet: `bot feeds add URL`", file=sys.stderr)
        return 0
    reports: list[FeedReport] = []
    here = False
    for record in bot.catalog.feeds():
        report = server.update_feed(record.url) if server else None
        if report is None:  # no server, or it stopped answering: the rest is updated here
            if not here:
                warn_if_server_misses_writes(config, FEEDS_MISSED, "update")
            server, here = None, True
            report = feeds.update_feed(bot, record)
        reports.append(report)
        terminal.print_feed_report(report, as_json)
    return 0 if any(r.status != "failed" for r in reports) else EXIT_ERROR
