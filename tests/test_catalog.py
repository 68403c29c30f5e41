"""The catalog interface, on both back ends: SQLite (fast) and a real PostgreSQL server (slow).

Every test runs once per back end through the ``catalog_url`` fixture. Concurrency tests use
separate catalog instances (separate connections / owners) in threads, as separate workers would.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Config
from bot.index.catalog import Catalog, StoreError, open_catalog
from bot.types import Article, Chunk
from tests.conftest import make_config


def article(
    doc_id: str, text: str, title: str = "Harbour news", published: str | None = "2024-03-03"
) -> Article:
    return Article(
        doc_id=doc_id, title=title, text=text, published=published, source="Wire", origin=f"{doc_id}.txt"
    )


def chunks_of(a: Article, size: int = 60) -> list[Chunk]:
    return [
        Chunk(a.doc_id, i, lo, min(lo + size, len(a.text)), a.text[lo : lo + size])
        for i, lo in enumerate(range(0, len(a.text), size))
    ]


@pytest.fixture
def config(tmp_path: Path, catalog_url: str) -> Config:
    return make_config(tmp_path / "home", catalog_url=catalog_url)


@pytest.fixture
def catalog(config: Config) -> Iterator[Catalog]:
    cat = open_catalog(config)
    yield cat
    cat.close()


HARBOUR = "The harbour council voted to double the railway budget on Monday. The vote was 31 to 4."
FESTIVAL = "The summer music festival in Lima was cancelled because of the drought, organisers said."


def test_documents_round_trip(catalog: Catalog) -> None:
    a, b = article("harbour", HARBOUR), article("festival", FESTIVAL, "Lima festival", "2024-02-01")
    catalog.put(a, "h1", chunks_of(a), original="originals/x/harbour.txt")
    catalog.put(b, "h2", chunks_of(b))
    assert catalog.hashes() == {"harbour": "h1", "festival": "h2"}
    assert [d.doc_id for d in catalog.docs()] == ["harbour", "festival"]  # newest first
    record = catalog.doc("harbour")
    assert record is not None and record.original == "originals/x/harbour.txt" and record.n_chunks == 2
    assert catalog.text("festival") == FESTIVAL and catalog.text("none") is None
    assert catalog.count() == (2, 4)
    ids = sorted(catalog.chunk_ids())
    assert len(ids) == 4
    spans = catalog.chunk_spans(ids)
    assert all(FESTIVAL[s:e] or HARBOUR[s:e] for _, s, e in spans.values())
    catalog.set_origins([("first/place.txt", "harbour")])
    assert catalog.doc("harbour").origin == "first/place.txt"  # type: ignore[union-attr]
    catalog.put(a, "h1b", chunks_of(a, 30))  # replacing keeps one version only
    assert catalog.count() == (2, 2 + len(chunks_of(a, 30)))
    assert catalog.remove("harbour") and not catalog.remove("harbour")
    assert catalog.count() == (1, 2) and catalog.docs_by_ids([]) == []


def test_keyword_search_ranks_matches_and_filters_dates(catalog: Catalog) -> None:
    a, b = article("harbour", HARBOUR), article("festival", FESTIVAL, "Lima festival", "2024-02-01")
    catalog.put(a, "h1", chunks_of(a))
    catalog.put(b, "h2", chunks_of(b))
    hits = catalog.keyword_search("Which festival was cancelled because of the drought?", 5)
    assert hits and catalog.chunk_spans([hits[0][0]])[hits[0][0]][0] == "festival"
    assert all(score > 0 for _, score in hits)
    voted = catalog.keyword_search("councils voting", 5)  # stemmed: council/vote
    assert voted and all(catalog.chunk_spans([c])[c][0] == "harbour" for c, _ in voted)
    from bot.index.catalog import day_number

    feb = (day_number("2024-02-01") or 0, day_number("2024-02-28") or 0)
    assert catalog.keyword_search("harbour festival", 5, feb)
    assert all(
        catalog.chunk_spans([c])[c][0] == "festival"
        for c, _ in catalog.keyword_search("harbour festival", 5, feb)
    )
    assert catalog.keyword_search("the of and", 5) == []  # stopwords only
    assert catalog.keyword_search('"OR" NEAR( * ) :x & | !', 5) == []  # operators are just words here


def test_meta_and_first_writer_wins(catalog: Catalog, config: Config) -> None:
    assert catalog.get_meta("nothing") is None
    catalog.set_meta("k", "v1")
    assert catalog.get_meta("k") == "v1"
    other = open_catalog(config)
    try:
        assert other.set_meta_default("identity", "A") == "A"
        assert catalog.set_meta_default("identity", "B") == "A"
    finally:
        other.close()


def test_claims_are_exclusive_and_a_dead_owners_are_taken_over(catalog: Catalog, config: Config) -> None:
    a = article("harbour", HARBOUR)
    other = open_catalog(config)
    try:
        assert catalog.claim("harbour", "h1") == "claimed"
        assert catalog.claim("harbour", "h1") == "claimed"  # our own claim
        assert other.claim("harbour", "h1") == "held"
        catalog.mark_writing(["harbour"])
        assert other.writing() == ["harbour"]
        assert other.take_stale() == []  # the owner is alive: not stale
        catalog.close()  # the owner dies with a document half written
        # PostgreSQL ends the closed session, and with it the owner's lock, a moment later (seconds
        # on a loaded machine): until then the claim is rightly still held.
        deadline = time.monotonic() + 15
        while (state := other.claim("harbour", "h1")) == "held" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert state == "claimed"  # taken over ...
        assert other.take_stale() == []  # ... with its writing mark, now ours
        assert other.writing() == ["harbour"]
        other.put(a, "h1", chunks_of(a))
        other.release(["harbour"])
        assert other.writing() == []
        assert other.claim("harbour", "h1") == "current"  # same content: nothing to do
        assert other.claim("harbour", "h2") == "claimed"
        other.release(["harbour"])
    finally:
        other.close()


def test_a_dead_writer_is_cleaned_up_once(config: Config) -> None:
    dying = open_catalog(config)
    dying.claim("a", "h")
    dying.claim("b", "h")
    dying.mark_writing(["a"])
    dying.close()
    first, second = open_catalog(config), open_catalog(config)
    try:
        got = [first.take_stale(), second.take_stale()]
        assert sorted(got, key=len) == [[], ["a"]]  # "a" to one cleaner only; plain claim "b" dropped
        assert first.claim("b", "h") == "claimed"
    finally:
        first.close()
        second.close()


def test_concurrent_workers_claim_each_document_once(config: Config) -> None:
    """Four workers race over the same 60 documents: every document is claimed by exactly one."""
    doc_ids = [f"doc-{i:03d}" for i in range(60)]
    won: list[tuple[int, str]] = []
    lock = threading.Lock()
    catalogs = [open_catalog(config) for _ in range(4)]
    start = threading.Barrier(len(catalogs))

    def work(n: int, cat: Catalog) -> None:
        start.wait()
        for doc_id in doc_ids:
            if cat.claim(doc_id, "h") == "claimed":
                with lock:
                    won.append((n, doc_id))

    threads = [threading.Thread(target=work, args=(n, c)) for n, c in enumerate(catalogs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for c in catalogs:
        c.close()
    counts = Counter(doc_id for _, doc_id in won)
    assert sorted(counts) == doc_ids and set(counts.values()) == {1}


def test_concurrent_puts_of_one_document_leave_one_whole_version(config: Config) -> None:
    """No lost or mixed updates: two writers replace the same document 20 times each."""
    catalogs = [open_catalog(config) for _ in range(2)]
    versions = [article("harbour", HARBOUR), article("harbour", FESTIVAL + " " + HARBOUR)]

    def work(cat: Catalog, a: Article, digest: str) -> None:
        for _ in range(20):
            cat.put(a, digest, chunks_of(a))

    threads = [
        threading.Thread(target=work, args=(c, v, f"h{i}"))
        for i, (c, v) in enumerate(zip(catalogs, versions, strict=True))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    cat = catalogs[0]
    digest = cat.hashes()["harbour"]
    expected = len(chunks_of(versions[int(digest[1])]))
    assert cat.count() == (1, expected)
    assert cat.doc("harbour").n_chunks == expected  # type: ignore[union-attr]
    for c in catalogs:
        c.close()


def test_postgres_errors_are_one_line_and_hide_the_password() -> None:
    from tests.postgres_server import free_port

    pytest.importorskip("psycopg")
    url = f"postgresql://bot:s3cret@127.0.0.1:{free_port()}/news"
    with pytest.raises(
        StoreError, match=r"cannot reach the PostgreSQL catalog at postgresql://bot:\*\*\*@"
    ) as err:
        open_catalog(make_config(Path("/nonexistent"), catalog_url=url))
    assert "s3cret" not in str(err.value)


def test_catalog_url_must_be_postgres() -> None:
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match="BOT_CATALOG_URL"):
        Config.from_env(env={"BOT_CATALOG_URL": "mysql://x"})


def test_feeds_and_urls(catalog: Catalog) -> None:
    """The followed feeds and their seen items live in the catalog too (shared by replicas on Postgres)."""
    assert catalog.add_feed("https://example.org/rss", "Example") and not catalog.add_feed(
        "https://example.org/rss"
    )
    catalog.mark_items_seen("https://example.org/rss", [("item-1", "doc-1"), ("item-2", "doc-2")])
    catalog.mark_items_seen("https://example.org/rss", [("item-2", "doc-2b")])
    assert catalog.seen_items("https://example.org/rss") == {"item-1", "item-2"}
    catalog.feed_checked("https://example.org/rss", "updated", "Example News", etag='"e1"', modified="Mon")
    (feed,) = catalog.feeds()
    assert (feed.title, feed.etag, feed.modified, feed.last_status, feed.items) == (
        "Example News", '"e1"', "Mon", "updated", 2,
    )  # fmt: skip
    assert feed.checked_at is not None
    assert catalog.remove_feed("https://example.org/rss") and catalog.feeds() == []
    assert catalog.seen_items("https://example.org/rss") == set()
    a = Article(
        doc_id="page", title="Page", text=HARBOUR, url="https://example.org/a", origin="https://ex.org/a?x"
    )
    catalog.put(a, "h", chunks_of(a))
    assert catalog.doc_id_for_urls(["https://nowhere", "https://example.org/a"]) == "page"
    assert catalog.doc_id_for_urls(["https://ex.org/a?x"]) == "page"
    assert catalog.doc_id_for_urls(["", "https://nowhere"]) is None and catalog.doc_id_for_urls([]) is None
