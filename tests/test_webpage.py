"""bot.documents.html: news pages through trafilatura with our dates; the extraction comparison holds."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.documents.html import (
    article_from_html,
    clean_author,
    dateline_published,
    decode_page,
    parse_html_classic,
    url_doc_id,
)
from bot.documents.read import load_path
from bot.types import DocumentError

PAGES = Path(__file__).resolve().parents[1] / "evals" / "extraction"


@pytest.mark.parametrize("page", sorted(p.stem for p in PAGES.glob("*.html")))
def test_every_hand_built_page_reads_clean(page: str) -> None:
    gold = json.loads((PAGES / f"{page}.json").read_text())
    [article] = load_path(PAGES / f"{page}.html")
    assert (article.title, article.published) == (gold["title"], gold["published"])
    for paragraph in gold["body"]:
        assert paragraph in article.text
    assert article.text.count("\n\n") <= len(gold["body"])  # at most one stray block (the promo on 05)


def test_the_old_reader_is_kept_for_comparison() -> None:
    old = parse_html_classic((PAGES / "02-jsonld-comments.html").read_text(), PAGES / "02.html")
    assert "trainfan88" in old.text and old.published is None  # comments kept, JSON-LD missed


def test_dateline_year_comes_from_the_page_guess() -> None:
    text = "MOSCOW, March 14. /WNA/. Talks were held.\n\nThe last round was in December 2024."
    assert dateline_published(text, "2025-03-13") == "2025-03-14"
    assert dateline_published(text, None, today=date(2026, 1, 1)) == "2024-03-14"  # the text's latest year
    assert dateline_published("MOSCOW, Dec. 31 (Reuters) - x", "2025-01-01") == "2024-12-31"
    assert dateline_published("No dateline here. 2024.", "2025-01-01") is None


def test_author_and_ids() -> None:
    assert clean_author("Reporting by Ahmad Ghaddar; Editing by Susan Fenton") == "Ahmad Ghaddar"
    assert clean_author("By MARI YAMAGUCHI") == "MARI YAMAGUCHI"
    doc_id = url_doc_id("https://www.riversideherald.example/local/2024/09/tram-line-airport")
    assert doc_id.startswith("riversideherald-example-local-2024-09-tram-line-airport-") and len(doc_id) <= 69


def test_fetched_bytes_are_decoded_by_header_then_utf8_then_meta() -> None:
    assert decode_page("Café".encode("cp1252"), "windows-1252", "u") == "Café"
    assert decode_page("Café".encode(), "", "u") == "Café"
    assert decode_page(b"<meta charset='windows-1252'><p>Caf\xe9</p>", "", "u").endswith("Café</p>")
    assert decode_page(b"<p>\xff broken", "no-such-charset", "u").endswith("broken")
    with pytest.raises(DocumentError, match="empty page"):
        decode_page(b"  ", "", "u")


def test_json_ld_graph_and_broken_json_ld() -> None:
    html = (
        '<html><head><script type="application/ld+json">{broken</script>'
        '<script type="application/ld+json">{"@graph": [{"@type": "WebPage"}, '
        '{"@type": "NewsArticle", "datePublished": "2023-06-01T10:00:00Z"}]}</script></head>'
        "<body><p>Short body.</p></body></html>"
    )
    article = article_from_html(html, "x.html", stem="x", doc_id="x", url="https://site.example/x")
    assert article.published == "2023-06-01" and article.url == "https://site.example/x"
