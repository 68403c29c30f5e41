"""`bot feeds add|list|remove|update` against a real local server: an RSS 2.0 and an Atom feed.

The server answers conditional GETs (ETag for RSS, Last-Modified for Atom) with 304, so the tests
see exactly which requests reached it. Real embedder, no answer model.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from bot.feeds import parse_feed
from bot.types import DocumentError
from bot.ui.cli import main
from tests.web_server import LOOPBACK, page, serve_page

MODIFIED = "Wed, 18 Sep 2024 22:00:00 GMT"


def rss(base: str, extra: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Riverside Herald: Local</title><link>{base}/</link><description>Local news</description>
<item><title>City council approves new tram line</title><link>{base}/news/tram</link>
  <guid isPermaLink="false">herald-1001</guid><pubDate>Wed, 18 Sep 2024 17:45:00 -0400</pubDate>
  <description>The council voted 7 to 2.</description></item>
<item><title>Library to open on Sundays</title><link>{base}/news/library</link>
  <guid isPermaLink="false">herald-1002</guid><pubDate>Tue, 17 Sep 2024 09:00:00 -0400</pubDate>
  <dc:creator>Sam Lee</dc:creator>
  <description>&lt;p&gt;The central library will open on Sundays from October, the city said on Tuesday,
  after a petition signed by 4,300 residents.&lt;/p&gt;&lt;p&gt;Opening hours will be noon to 5 pm.&lt;/p&gt;</description></item>
<item><title>Photo gallery: autumn fair</title><link>{base}/news/gallery</link>
  <guid isPermaLink="false">herald-1003</guid></item>
{extra}
</channel></rss>"""


def atom(base: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Pacific Wire: Science</title>
<id>urn:pacific-wire:science</id><updated>2024-02-26T05:00:00Z</updated>
<entry><title>Japan's moon lander wakes up</title><id>urn:pw:moon-1</id>
  <link href="{base}/science/moon"/><updated>2024-02-26T04:12:00Z</updated>
  <summary>SLIM survived the lunar night.</summary></entry>
<entry><title>Fossil forest mapped</title><id>urn:pw:forest-2</id>
  <link href="{base}/science/forest"/><published>2024-02-27T06:30:00Z</published>
  <content type="html">&lt;p&gt;Geologists mapped a 390-million-year-old forest floor in Norfolk.&lt;/p&gt;</content></entry>
</feed>"""


def serve_feeds(web: HTTPServer, base: str, rss_extra: str = "", rss_tag: str = '"rss-v1"') -> dict[str, int]:
    """RSS with an ETag, Atom with Last-Modified; both answer 304 to a matching conditional GET."""
    hits = {"rss": 0, "atom": 0, "rss-304": 0, "atom-304": 0}

    def rss_handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == rss_tag:
            hits["rss-304"] += 1
            return Response(status=304, headers={"ETag": rss_tag})
        hits["rss"] += 1
        return Response(rss(base, rss_extra), content_type="application/rss+xml", headers={"ETag": rss_tag})

    def atom_handler(request: Request) -> Response:
        if request.headers.get("If-Modified-Since") == MODIFIED:
            hits["atom-304"] += 1
            return Response(status=304)
        hits["atom"] += 1
        return Response(atom(base), content_type="application/atom+xml", headers={"Last-Modified": MODIFIED})

    web.expect_request("/rss.xml").respond_with_handler(rss_handler)
    web.expect_request("/atom.xml").respond_with_handler(atom_handler)
    serve_page(web, "/news/tram", page("02-jsonld-comments"))
    web.expect_request("/news/library").respond_with_data("gone", status=404)  # -> the feed's own text
    web.expect_request("/news/gallery").respond_with_data("oops", status=500)  # and no text in the feed
    serve_page(web, "/science/moon", page("06-ap-dateline-microdata"))
    serve_page(web, "/science/forest", page("03-og-time-byline"))
    return hits


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BOT_FETCH_ALLOW_NETWORKS", LOOPBACK)
    monkeypatch.setenv("BOT_FETCH_TIMEOUT", "3")
    monkeypatch.setenv("BOT_LLM", "none")
    monkeypatch.setenv("BOT_EMBEDDER", "hash")
    home = str(tmp_path / "store")

    def bot(*argv: str) -> tuple[int, str, str]:
        code = main(["--home", home, *argv])
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err

    return bot


def test_follow_update_conditional_get_and_new_items_only(web: HTTPServer, run) -> None:  # type: ignore[no-untyped-def]
    base = web.url_for("").rstrip("/")
    hits = serve_feeds(web, base)
    code, out, _ = run("feeds", "add", f"{base}/rss.xml")
    assert code == 0 and out.startswith("following: Riverside Herald: Local (3 items now)")
    assert run("feeds", "add", f"{base}/atom.xml")[0] == 0

    code, out, err = run("feeds", "update")
    assert code == 0
    lines = out.splitlines()
    assert (
        f"Riverside Herald: Local ({base}/rss.xml): 2 new, 1 of them from the feed's own text, "
        "0 already in the store, 0 already seen, 1 failed" in lines
    )
    assert (
        f"Pacific Wire: Science ({base}/atom.xml): 2 new, 0 already in the store, 0 already seen, 0 failed"
        in lines
    )
    library = next(line for line in lines if "Library to open on Sundays" in line)
    assert "[from the feed's own text (page: HTTP 404 NOT FOUND)]" in library
    assert (
        f"  failed: {base}/news/gallery: HTTP 500 INTERNAL SERVER ERROR, and the feed gives no text for it"
        in err
    )

    # Nothing changed: one 304 per feed, no page fetched, nothing ingested.
    pages_before = len(web.log)
    code, out, _ = run("feeds", "update")
    assert f"Riverside Herald: Local ({base}/rss.xml): not modified" in out
    assert f"Pacific Wire: Science ({base}/atom.xml): not modified" in out
    assert (hits["rss-304"], hits["atom-304"]) == (1, 1) and len(web.log) == pages_before + 2

    # The RSS feed gains an item (new ETag): only that item's page is fetched.
    web.clear()
    new_item = f"<item><title>Forest</title><link>{base}/science/forest</link><guid>herald-1004</guid></item>"
    serve_feeds(web, base, rss_extra=new_item, rss_tag='"rss-v2"')
    code, out, err = run("feeds", "update")
    assert (
        f"Riverside Herald: Local ({base}/rss.xml): 0 new, 1 already in the store, 2 already seen, 1 failed"
        in out
    )
    fetched = [req.path for req, _ in web.log]
    assert "/news/tram" not in fetched and "/news/library" not in fetched and "/science/forest" in fetched
    assert "/news/gallery" in fetched  # the failed item is tried again

    code, out, _ = run("docs", "--json")
    import json

    docs = {d["title"]: d for d in json.loads(out)}
    assert set(docs) == {
        "City council approves new tram line to the airport",
        "Library to open on Sundays",
        "Japan's moon lander wakes up after surviving lunar night",
        "Scientists map the oldest known forest floor in Norfolk",
    }
    library_doc = docs["Library to open on Sundays"]
    assert (library_doc["published"], library_doc["source"], library_doc["url"]) == (
        "2024-09-17",
        "Riverside Herald: Local",
        f"{base}/news/library",
    )


def test_list_and_remove(web: HTTPServer, run) -> None:  # type: ignore[no-untyped-def]
    base = web.url_for("").rstrip("/")
    serve_feeds(web, base)
    run("feeds", "add", f"{base}/rss.xml")
    run("feeds", "add", f"{base}/atom.xml")
    code, out, _ = run("feeds", "list")
    assert out.count("checked never: -") == 2 and "Pacific Wire: Science" in out
    code, out, _ = run("feeds", "remove", f"{base}/rss.xml")
    assert code == 0 and out.startswith(f"removed feed: {base}/rss.xml")
    _, out, _ = run("feeds", "list")
    assert f"{base}/rss.xml" not in out and f"{base}/atom.xml" in out
    code, _, err = run("feeds", "remove", f"{base}/rss.xml")
    assert code == 1 and err.strip() == f"error: not following {base}/rss.xml (see `bot feeds list`)"
    code, _, err = run("feeds", "add", f"{base}/atom.xml")
    assert code == 1 and "already following" in err


def test_bad_feeds_are_one_line_errors_and_others_still_update(web: HTTPServer, run) -> None:  # type: ignore[no-untyped-def]
    base = web.url_for("").rstrip("/")
    serve_feeds(web, base)
    serve_page(web, "/page.html", page("05-live-blog-div-soup"))
    code, _, err = run("feeds", "add", f"{base}/page.html")
    assert code == 1 and err.strip() == f"error: {base}/page.html: not a feed (content type text/html)"
    code, _, err = run("feeds", "add", "http://192.168.1.10/rss")
    assert code == 1 and "is a private address" in err
    code, _, err = run("feeds", "add", "feed.xml")
    assert code == 1 and err.strip() == "error: feed.xml: not an http(s) URL"

    run("feeds", "add", f"{base}/rss.xml")
    run("feeds", "add", f"{base}/atom.xml")
    web.clear()  # now the RSS feed is down; the Atom feed and its pages still answer
    web.expect_request("/rss.xml").respond_with_data("down", status=503)
    serve_page(web, "/science/moon", page("06-ap-dateline-microdata"))
    serve_page(web, "/science/forest", page("03-og-time-byline"))
    web.expect_request("/atom.xml").respond_with_data(atom(base), content_type="application/atom+xml")
    code, out, _ = run("feeds", "update")
    assert code == 0
    assert f"Riverside Herald: Local ({base}/rss.xml): failed: HTTP 503 SERVICE UNAVAILABLE" in out
    assert f"({base}/atom.xml): 2 new" in out


def test_parse_feed_rejects_what_is_not_a_feed() -> None:
    with pytest.raises(DocumentError, match="not an RSS or Atom feed"):
        parse_feed(b"just some text", "http://x/feed")
    feed = parse_feed(atom("http://x").encode(), "http://x/atom.xml")
    assert [i.key for i in feed.items] == ["urn:pw:moon-1", "urn:pw:forest-2"]
    assert feed.items[1].published == "2024-02-27" and "390-million-year-old" in feed.items[1].html


def test_feeds_survive_reindex(web: HTTPServer, run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base = web.url_for("").rstrip("/")
    hits = serve_feeds(web, base)
    run("feeds", "add", f"{base}/atom.xml")
    run("feeds", "update")
    assert run("reindex")[0] == 0
    _, out, _ = run("feeds", "list")
    assert f"{base}/atom.xml\tPacific Wire: Science\t2 items\tchecked " in out
    _, out, _ = run("feeds", "update")  # the validators came along: a 304, nothing refetched
    assert "not modified" in out and hits["atom-304"] == 1


def test_background_refresh_leaves_searches_unblocked(web: HTTPServer, tmp_path: Path) -> None:
    import threading
    import time

    from bot.feeds import FeedRefresher
    from bot.service import Bot
    from tests.conftest import make_config

    base = web.url_for("").rstrip("/")
    started = threading.Event()

    def slow_page(_request: Request) -> Response:
        started.set()
        time.sleep(1.5)
        return Response(page("03-og-time-byline"), content_type="text/html")

    web.expect_request("/atom.xml").respond_with_data(atom(base), content_type="application/atom+xml")
    web.expect_request("/science/moon").respond_with_data("gone", status=404)
    web.expect_request("/science/forest").respond_with_handler(slow_page)
    config = make_config(
        tmp_path / "store", fetch_allow_networks=LOOPBACK, fetch_timeout=5.0, embedder="hash"
    )
    bot = Bot(config, llm=None)
    bot.ingest_urls([serve_page(web, "/tram", page("02-jsonld-comments"))])
    bot.catalog.add_feed(f"{base}/atom.xml")
    lines: list[str] = []
    refresher = FeedRefresher(bot, minutes=60, report=lines.append).start()
    try:
        assert started.wait(10), "the refresher should fetch the item page"
        t0 = time.monotonic()
        found = bot.search("tram line to the airport", k=1)
        assert time.monotonic() - t0 < 1.0 and found.passages  # answered while the feed page is still loading
        deadline = time.monotonic() + 30
        while refresher.runs < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        refresher.stop()
    assert lines == [
        f"feeds: Pacific Wire: Science ({base}/atom.xml): 2 new, 1 of them from the feed's own text, "
        "0 already in the store, 0 already seen, 0 failed"
    ]
    titles = {d.title for d in bot.docs()}  # the chat's own connection sees the refresher's commits
    assert "Scientists map the oldest known forest floor in Norfolk" in titles
    assert "Japan's moon lander wakes up" in titles  # from the feed's summary: its page was 404


@pytest.mark.slow
def test_serve_update_feeds_refreshes_in_the_background(web: HTTPServer, tmp_path: Path) -> None:
    """`bot serve --update-feeds` in a real process: the chat comes up and the feed's items arrive."""
    import os
    import subprocess
    import sys
    import time

    from tests.test_app import free_port

    base = web.url_for("").rstrip("/")
    serve_feeds(web, base)
    home = tmp_path / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update({"BOT_HOME": str(home), "BOT_LLM": "none", "BOT_FETCH_ALLOW_NETWORKS": LOOPBACK})
    root = Path(__file__).resolve().parents[1]
    cmd = [sys.executable, "-m", "bot"]
    subprocess.run(
        [*cmd, "feeds", "add", f"{base}/atom.xml"], env=env, cwd=root, check=True, capture_output=True
    )
    port = free_port()
    proc = subprocess.Popen(
        [*cmd, "serve", "--port", str(port), "--update-feeds", "60"],
        env=env, cwd=root, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 90
        assert proc.stderr is not None
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line.rstrip())
            if line.startswith("feeds: "):
                break
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert "Updating 1 feed(s) now and every 60 minutes" in lines
    assert (
        f"feeds: Pacific Wire: Science ({base}/atom.xml): 2 new, 0 already in the store, 0 already seen, 0 failed"
        in lines
    )
    assert not any("Traceback" in line for line in lines)
