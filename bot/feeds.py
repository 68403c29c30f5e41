"""RSS and Atom feeds: follow a feed, ingest each new item's page, fall back to the feed's own text.

``bot feeds update`` asks every feed with a conditional GET (the ETag and Last-Modified of the
last answer), so an unchanged feed costs one small 304 response. Items already seen are skipped
without fetching anything; a new item's page is fetched through the same guards and extractor as
``bot ingest URL``. When the page cannot be fetched or read, the item's own text in the feed
(``content``, else ``summary``) is ingested instead and the result says so.

Crash safety follows the catalog's order: an item is marked seen only after its document is
committed, and the feed's ETag/Last-Modified are stored only after all its items were processed.
A run killed half-way therefore repeats work next time (the documents come back "unchanged") but
never skips an item. Failed items are not marked seen: the next update that receives the feed
tries them again.
"""

from __future__ import annotations

import calendar
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.documents.fetch import FEED_TYPES, FetchError, fetch
from bot.types import Article, DocumentError

if TYPE_CHECKING:
    from bot.index.catalog import FeedRecord
    from bot.index.ingest import IngestResult
    from bot.service import Bot


@dataclass
class FeedItem:
    key: str  # the item's guid, else its link: what "already seen" is checked against
    link: str
    title: str
    published: str | None
    html: str  # the item's own text in the feed (content, else summary), as HTML
    authors: list[str] = field(default_factory=list)


@dataclass
class Feed:
    title: str
    items: list[FeedItem]


@dataclass
class FeedReport:
    """What one feed's update did, for a one-line summary and per-item lines."""

    url: str
    title: str = ""
    status: str = "updated"  # "updated", "not modified", "failed"
    reason: str = ""
    seen: int = 0  # items skipped because an earlier update took them
    results: list[IngestResult] = field(default_factory=list)
    fallbacks: dict[str, str] = field(default_factory=dict)  # item link -> why its page was not used

    def count(self, *statuses: str) -> int:
        return sum(1 for r in self.results if r.status in statuses)

    def summary(self) -> str:
        name = f"{self.title} ({self.url})" if self.title else self.url
        if self.status != "updated":
            return f"{name}: {self.status}" + (f": {self.reason}" if self.reason else "")
        new = self.count("added", "updated")
        parts = [f"{new} new"]
        if self.fallbacks:
            parts.append(f"{len(self.fallbacks)} of them from the feed's own text")
        parts += [f"{self.count('unchanged')} already in the store", f"{self.seen} already seen"]
        parts.append(f"{self.count('failed')} failed")
        return f"{name}: " + ", ".join(parts)


# --- reading a feed ---------------------------------------------------------------------------------
def parse_feed(body: bytes, url: str) -> Feed:
    """RSS 0.9x/1.0/2.0 or Atom bytes to items; DocumentError when it is not a feed at all."""
    import feedparser

    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if not parsed.get("version") and not parsed.entries:
        raise DocumentError(url, "not an RSS or Atom feed")
    items = [_item(entry) for entry in parsed.entries]
    return Feed(str(parsed.feed.get("title") or "").strip(), [i for i in items if i.key])


def _item(entry: Any) -> FeedItem:
    link = str(entry.get("link") or "").strip()
    contents = entry.get("content") or []
    html = str(contents[0].get("value") or "") if contents else ""
    html = html or str(entry.get("summary") or "")
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = datetime.fromtimestamp(calendar.timegm(stamp), UTC).date().isoformat() if stamp else None
    author = str(entry.get("author") or "").strip()
    key = str(entry.get("id") or "").strip() or link
    return FeedItem(
        key, link, str(entry.get("title") or "").strip(), published, html, [author] if author else []
    )


# --- commands' work ---------------------------------------------------------------------------------
def add_feed(bot: Bot, url: str) -> Feed:
    """Check that ``url`` is a feed (fetch and parse it) and remember it; its items wait for update.

    No ETag is stored here, so the first update receives the whole feed.
    """
    from bot.types import BotError

    page = fetch(url, bot.config, accept=FEED_TYPES)
    feed = parse_feed(page.body, page.final_url)
    if not bot.catalog.add_feed(url, feed.title):
        raise BotError(f"already following {url} (see `bot feeds list`)")
    return feed


def update_all(bot: Bot) -> list[FeedReport]:
    return [update_feed(bot, record) for record in bot.catalog.feeds()]


def update_feed(bot: Bot, record: FeedRecord) -> FeedReport:
    """One feed: conditional GET, then only its new items; errors end up in the report, not raised."""
    report = FeedReport(record.url, record.title)
    try:
        page = fetch(record.url, bot.config, FEED_TYPES, etag=record.etag, last_modified=record.modified)
        if page.not_modified:
            report.status = "not modified"
            bot.catalog.feed_checked(record.url, "not modified")
            return report
        feed = parse_feed(page.body, page.final_url)
    except DocumentError as exc:
        report.status, report.reason = "failed", exc.reason
        bot.catalog.feed_checked(record.url, f"failed: {exc.reason}")
        return report
    report.title = feed.title or record.title
    seen = bot.catalog.seen_items(record.url)
    new = [item for item in feed.items if item.key not in seen]
    report.seen = len(feed.items) - len(new)
    by_origin: dict[str, FeedItem] = {}
    articles: list[tuple[Article | DocumentError, Path | None]] = []
    for item in new:
        got = _item_article(bot, item, report)
        by_origin[got.origin] = item
        articles.append((got, _record_path(got)))
    report.results = bot.indexer.ingest_articles(articles)
    done = [
        (by_origin[r.origin].key, r.doc_id)
        for r in report.results
        if r.status != "failed" and r.origin in by_origin
    ]
    for r in report.results:
        if r.origin in report.fallbacks and r.status != "failed":
            r.reason = f"from the feed's own text (page: {report.fallbacks[r.origin]})"
    bot.catalog.mark_items_seen(record.url, done)
    bot.catalog.feed_checked(record.url, "updated", report.title, page.etag, page.last_modified)
    return report


def _record_path(got: Article | DocumentError) -> Path | None:
    from bot.index.records import web_record_path

    return web_record_path(got) if isinstance(got, Article) else None


def _item_article(bot: Bot, item: FeedItem, report: FeedReport) -> Article | DocumentError:
    """The item's page; else the item's own text in the feed (the reason is kept in the report)."""
    origin = item.link or item.key
    page_problem = "the item has no link"
    if item.link:
        got = bot.indexer.fetch_article(item.link)
        if isinstance(got, Article):
            got.published = got.published or item.published
            return got
        page_problem = got.reason
    article = _from_feed_text(bot, item, origin, report.title)
    if article is None:
        return DocumentError(origin, f"{page_problem}, and the feed gives no text for it")
    report.fallbacks[origin] = page_problem
    return article


def _from_feed_text(bot: Bot, item: FeedItem, origin: str, feed_title: str) -> Article | None:
    from bs4 import BeautifulSoup

    from bot.documents.html import html_text, url_doc_id

    text = html_text(BeautifulSoup(item.html, "html.parser")) if item.html.strip() else ""
    if not text:
        return None
    known = bot.catalog.doc_id_for_urls([item.link]) if item.link else None
    if item.link:
        doc_id = known or url_doc_id(item.link)
    else:
        doc_id = "feed-item-" + hashlib.sha1(item.key.encode()).hexdigest()[:16]
    return Article(
        text=text,
        title=item.title or text[:80],
        doc_id=doc_id,
        source=feed_title,
        url=item.link,
        published=item.published,
        authors=item.authors,
        origin=origin,
    )


def check_feed_url(url: str) -> None:
    """A clear error for something that is not an http(s) URL, before anything is fetched."""
    from bot.documents.urls import is_url

    if not is_url(url):
        raise FetchError(url, "not an http(s) URL")


# --- background refresh (bot serve --update-feeds MINUTES) ------------------------------------------
class FeedRefresher:
    """Updates every feed every ``minutes`` in a daemon thread, beside the web chat.

    It uses its own Bot on the same store: its own SQLite connection (WAL lets chats read while it
    writes), the chat's embedder (one model in memory), and the chat's write lock (store writes of
    uploads and feeds never interleave). Fetching and embedding hold no lock, so chats are not
    blocked while feeds update. One failing update is reported and the next one still runs.
    """

    def __init__(self, bot: Bot, minutes: float, report: Callable[[str], None]) -> None:
        from bot.service import Bot as BotClass

        if minutes <= 0:
            from bot.types import BotError

            raise BotError("--update-feeds needs a positive number of minutes")
        self.interval = minutes * 60
        self.report = report
        self.bot = BotClass(bot.config, llm=None, write_lock=bot.write_lock)
        self.bot.__dict__["embedder"] = bot.embedder  # share the loaded model (a cached property)
        self.runs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="feed-refresher", daemon=True)

    def start(self) -> FeedRefresher:
        self.bot.indexer  # noqa: B018 - opened here, under the write lock, not mid-way through a chat upload
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                for report in update_all(self.bot):
                    self.report(f"feeds: {report.summary()}")
            except Exception as exc:  # a bug or a broken store: say so, try again next time
                self.report(f"feeds: update failed: {type(exc).__name__}: {exc}")
            self.runs += 1
            self._stop.wait(self.interval)
