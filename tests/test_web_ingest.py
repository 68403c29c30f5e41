"""`bot ingest https://...`: pages from a real local server into the store (real embedder, no answer model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from bot.service import Bot
from bot.ui.cli import main
from tests.conftest import make_config
from tests.web_server import LOOPBACK, page, serve_page


@pytest.fixture
def bot(tmp_path: Path) -> Bot:
    # Fetching and storing pages needs no meaning in the vectors: the registered hash embedder.
    config = make_config(
        tmp_path / "store", fetch_allow_networks=LOOPBACK, fetch_timeout=2.0, embedder="hash"
    )
    return Bot(config, llm=None)


def test_a_page_by_url_is_clean_text_with_its_metadata(web: HTTPServer, bot: Bot) -> None:
    url = serve_page(web, "/local/tram", page("02-jsonld-comments"))
    [result] = bot.ingest_urls([url])
    assert result.status == "added" and result.origin == url
    assert result.title == "City council approves new tram line to the airport"  # no "| The Riverside Herald"
    doc = bot.catalog.doc(result.doc_id)
    assert doc is not None
    assert doc.url == "https://www.riversideherald.example/local/2024/09/tram-line-airport"  # canonical kept
    assert (doc.published, doc.source, doc.origin) == ("2024-09-18", "The Riverside Herald", url)
    text = bot.catalog.text(result.doc_id) or ""
    assert text.startswith("The Riverside city council voted 7 to 2")
    for junk in (
        "Sign up for our free newsletter",
        "trainfan88",
        "Most read",
        "Facebook",
        "All rights reserved",
    ):
        assert junk not in text
    found = bot.search("tram line to the airport cost", k=1)
    assert found.passages[0].doc_id == result.doc_id


def test_the_dateline_dates_a_page_without_date_markup(web: HTTPServer, bot: Bot) -> None:
    url = serve_page(web, "/oil", page("04-wire-reuters-style"))
    [result] = bot.ingest_urls([url])
    record = json.loads(json.dumps(bot.catalog.doc(result.doc_id).to_dict()))  # type: ignore[union-attr]
    assert record["published"] == "2024-03-04"  # "LONDON, March 4 (Reuters) -", not a related story's date
    assert record["source"] == "Reuters"


def test_a_bad_url_fails_alone_and_the_batch_goes_on(web: HTTPServer, bot: Bot) -> None:
    good = serve_page(web, "/moon", page("06-ap-dateline-microdata"))
    web.expect_request("/gone").respond_with_data("no", status=404)
    web.expect_request("/file.pdf").respond_with_data(b"%PDF-1.4", content_type="application/pdf")
    urls = [web.url_for("/gone"), "http://10.0.0.7/news", good, web.url_for("/file.pdf"), "not a url"]
    results = {r.origin: r for r in bot.ingest_urls(urls)}  # one result per URL (added ones come last)
    assert [results[u].status for u in urls] == ["failed", "failed", "added", "failed", "failed"]
    reasons = [results[u].reason for u in urls if results[u].status == "failed"]
    assert reasons == [
        "HTTP 404 NOT FOUND",
        "refused: 10.0.0.7 is a private address (10.0.0.7); add it to BOT_FETCH_ALLOW_NETWORKS to allow it",
        "not a web page (content type application/pdf)",
        "not an http(s) URL",
    ]
    assert bot.catalog.count()[0] == 1


def test_the_same_page_again_is_skipped_unless_its_text_changed(web: HTTPServer, bot: Bot) -> None:
    html = page("03-og-time-byline")
    url = serve_page(web, "/forest", html)
    [first] = bot.ingest_urls([url])
    embedded = bot.indexer.embedded_chunks
    [again] = bot.ingest_urls([url])
    assert again.status == "unchanged" and again.doc_id == first.doc_id
    # Another URL for the same page (its canonical link is the first URL): the same document.
    alias = serve_page(
        web, "/amp/forest", html.replace("<head>", f'<head><link rel="canonical" href="{url}">')
    )
    [same] = bot.ingest_urls([alias])
    assert same.doc_id == first.doc_id and same.status == "unchanged"
    assert bot.indexer.embedded_chunks == embedded  # nothing embedded twice
    web.clear()
    serve_page(web, "/forest", html.replace("390 million years", "393 million years"))
    [changed] = bot.ingest_urls([url])
    assert (changed.status, changed.doc_id) == ("updated", first.doc_id)
    assert "393 million" in (bot.catalog.text(first.doc_id) or "")
    assert bot.catalog.count()[0] == 1


def test_a_fetched_page_survives_reindex(web: HTTPServer, bot: Bot) -> None:
    from bot.index.reindex import reindex

    url = serve_page(web, "/lavrov", page("01-agency-dateline"))
    [result] = bot.ingest_urls([url])
    before = bot.catalog.doc(result.doc_id)
    bot.catalog.close()
    web.clear()  # the page is gone from the web: the kept record rebuilds it
    report = reindex(bot.config)
    assert report.rebuilt == 1 and not report.changed and not report.missing
    rebuilt = Bot(bot.config, llm=None)
    after = rebuilt.catalog.doc(result.doc_id)
    assert after is not None and before is not None
    assert (after.content_hash, after.url, after.origin) == (before.content_hash, before.url, url)


def test_cli_ingests_urls_and_a_url_list(
    web: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_FETCH_ALLOW_NETWORKS", LOOPBACK)
    monkeypatch.setenv("BOT_LLM", "none")
    monkeypatch.setenv("BOT_EMBEDDER", "hash")
    a = serve_page(web, "/a", page("05-live-blog-div-soup"))
    b = serve_page(web, "/b", page("01-agency-dateline"))
    web.expect_request("/broken").respond_with_data("err", status=500)
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# today's reading\n{b}\n\n{web.url_for('/broken')}\n")
    code = main(["--home", str(tmp_path / "store"), "ingest", a, "--urls", str(listing)])
    out, err = capsys.readouterr()
    assert code == 0
    assert out.count("added: ") == 2 and "Storm Ciarán" in out and "Lavrov meets Egyptian" in out
    assert f"failed: {web.url_for('/broken')}: HTTP 500 INTERNAL SERVER ERROR" in err.splitlines()
    assert "Traceback" not in err


def test_cli_refuses_loopback_unless_configured(
    web: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BOT_FETCH_ALLOW_NETWORKS", raising=False)
    monkeypatch.setenv("BOT_EMBEDDER", "hash")
    url = serve_page(web, "/a", page("05-live-blog-div-soup"))
    assert main(["--home", str(tmp_path / "store"), "ingest", url]) == 1
    assert "is a loopback address" in capsys.readouterr().err


# --- web chat: "Add by URL" -------------------------------------------------------------------------
def test_web_chat_adds_pages_by_url_each_with_its_own_result(web: HTTPServer, bot: Bot) -> None:
    from bot.ui.handlers import WebChat
    from tests.test_app import result_rows

    good = serve_page(web, "/tram", page("02-jsonld-comments"))
    text = f"{good}\nhttp://169.254.169.254/latest/meta-data/\n  file:///etc/passwd "
    results, box, table, _ = WebChat(bot).add_urls(text, "")
    rows = {row[0]: row for row in result_rows(results)}
    assert rows[good][1:3] == ["added", "City council approves new tram line to the airport"]
    assert rows["http://169.254.169.254/latest/meta-data/"][1] == "failed"
    assert "link-local address" in rows["http://169.254.169.254/latest/meta-data/"][5]
    assert rows["file:///etc/passwd"][1:] == ["failed", "", "", "–", "not an http(s) URL"]
    assert box == "" and "City council approves" in table
    empty, box, _, _ = WebChat(bot).add_urls("   ", "")
    assert result_rows(empty)[0][5] == "paste one or more http(s) URLs first"


def test_add_by_url_through_the_page_api(
    web: HTTPServer, bot: Bot, no_network: list[tuple[object, ...]]
) -> None:
    from gradio_client import Client

    from tests.test_app import result_rows, serve

    url = serve_page(web, "/moon", page("06-ap-dateline-microdata"))
    with serve(bot) as app:
        results, box, table, _ = Client(app, verbose=False).predict(
            f"{url} http://10.0.0.1/", "", api_name="/add_urls"
        )
    rows = result_rows(str(results))
    assert [r[1] for r in rows] == ["added", "failed"] and "private address" in rows[1][5]
    assert "<script" not in str(results) and "Japan&#39;s moon lander" in str(table)
    assert no_network == []  # the private address was refused, never connected to
