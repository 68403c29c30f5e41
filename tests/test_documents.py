"""Tests for bot.documents: every format, every error, and the bundled corpus file."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import pytest

from bot.documents.fields import parse_dateline
from bot.documents.jsonl import iter_jsonl
from bot.documents.read import SUPPORTED_SUFFIXES, iter_folder, load_path
from bot.types import Article, DocumentError

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_fc55d0fe8842ee86.txt"
CORPUS_DOC = ROOT / "corpus" / "tass-2025-02-10-zakharova-russia-hostage-release.md"
# The public benchmark lives outside the repository; the Makefile points at it when it is there.
REALTIMEQA = Path(os.environ.get("NEWSBOT_BENCHMARK_DATA") or "/nonexistent") / "articles.jsonl"


def write(path: Path, content: str | bytes) -> Path:
    """Write exact bytes (no newline translation), so tests control every character."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def load_one(path: Path) -> Article:
    articles = load_path(path)
    assert len(articles) == 1
    return articles[0]


def reason(path: Path) -> str:
    with pytest.raises(DocumentError) as info:
        load_path(path)
    assert info.value.origin == str(path)
    return info.value.reason


def seed_text() -> str:
    return SEED.read_bytes().decode("utf-8").replace("\r\n", "\n").removesuffix("\n")


def pdf_bytes(text: str | None, title: str | None = None) -> bytes:
    """A minimal one-page PDF (Helvetica text, or an empty page for text=None) with correct xref."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode() if text else b""
    info = f"<< /Title ({title}) >>".encode() if title else b"<< >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        info,
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


# --- datelines -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "MOSCOW, February 10. /TASS/. Israeli Ambassador",
            {"place": "Moscow", "month": 2, "day": 10, "source": "TASS"},
        ),
        (
            "WASHINGTON, Jan. 5 (Reuters) - The",
            {"place": "Washington", "month": 1, "day": 5, "source": "Reuters"},
        ),
        ("LONDON (AP) — Prime Minister", {"place": "London", "source": "AP"}),
        ("KYIV, Ukraine (AP) — Drones", {"place": "Kyiv", "source": "AP"}),
        (
            "NEW YORK, Feb 10, 2024 (Reuters) - x",
            {"place": "New York", "month": 2, "day": 10, "year": 2024, "source": "Reuters"},
        ),
        ("ST. LOUIS, March 3 — Storms", {"place": "St. Louis", "month": 3, "day": 3}),
        ("BEIJING, Sept. 3 (Xinhua) -- x", {"place": "Beijing", "month": 9, "day": 3, "source": "Xinhua"}),
        ("(CNN) — A judge", {"source": "CNN"}),
        ("Israeli Ambassador to Moscow said", {}),
        ("COVID-19 — what we know", {}),
        ("US stocks fell (sharply) - analysts", {}),
        ("", {}),
    ],
)
def test_parse_dateline(text: str, expected: dict) -> None:
    assert parse_dateline(text) == expected


# --- the seed and the bundled corpus file ------------------------------------------------------------


def test_seed_txt_gets_place_source_and_date_from_its_dateline() -> None:
    article = load_one(SEED)
    assert (article.place, article.source, article.published) == ("Moscow", "TASS", "2025-02-10")
    assert article.title == "000 fc55d0fe8842ee86"  # first line is the dateline paragraph
    assert article.doc_id == "000-fc55d0fe8842ee86"
    assert article.text == seed_text()
    assert article.origin == str(SEED)


def test_corpus_file_body_is_exactly_the_seed_text() -> None:
    article = load_one(CORPUS_DOC)
    assert article.text == seed_text()
    assert article.doc_id == "tass-2025-02-10-zakharova-hostages"
    assert (article.source, article.place, article.published, article.language) == (
        "TASS",
        "Moscow",
        "2025-02-10",
        "en",
    )
    assert article.url == ""
    assert article.title.startswith("Zakharova:")


def test_corpus_file_survives_an_editor_adding_a_final_newline_or_crlf(tmp_path: Path) -> None:
    raw = CORPUS_DOC.read_bytes()
    assert load_one(write(tmp_path / "a.md", raw + b"\n")).text == seed_text()
    assert load_one(write(tmp_path / "b.md", raw.replace(b"\n", b"\r\n"))).text == seed_text()


# --- Markdown with front matter -------------------------------------------------------------------


FRONT = (
    "---\nid: my-doc\ntitle: A  title\nsource: TASS\nplace: Moscow\npublished: 2025-02-10\n"
    "url: https://tass.com/x\nauthors: [Ann, Bob]\n---\n"
)


def test_front_matter_fields_and_exact_body(tmp_path: Path) -> None:
    body = "First  line\twith  odd spacing.\n\n  Indented.\n"
    article = load_one(write(tmp_path / "doc.md", FRONT + "\n" + body))
    assert article.text == "First  line\twith  odd spacing.\n\n  Indented."  # one leading \n and final \n go
    assert article.title == "A title"
    assert (article.doc_id, article.source, article.place) == ("my-doc", "TASS", "Moscow")
    assert article.published == "2025-02-10" and isinstance(article.published, str)
    assert article.url == "https://tass.com/x" and article.authors == ["Ann", "Bob"]


def test_front_matter_only_one_leading_newline_is_stripped(tmp_path: Path) -> None:
    article = load_one(write(tmp_path / "doc.md", FRONT + "\n\nBody."))
    assert article.text == "\nBody."


def test_front_matter_minimal_derives_title_id_and_source(tmp_path: Path) -> None:
    front = "---\nurl: https://www.example.com/a/b\npublished: '2024-03-01T10:00:00Z'\n---\n"
    text = front + "# The Heading\n\nBody."
    article = load_one(write(tmp_path / "Some_File-Name.markdown", text))
    assert article.title == "The Heading"
    assert article.doc_id == "some-file-name"
    assert article.source == "example.com"
    assert article.published == "2024-03-01"
    assert article.text == "# The Heading\n\nBody."


def test_crlf_and_bom_are_normalised_before_parsing(tmp_path: Path) -> None:
    text = "\ufeff" + FRONT.replace("\n", "\r\n") + "Line one.\r\nLine two."
    article = load_one(write(tmp_path / "doc.md", text))
    assert article.text == "Line one.\nLine two."
    assert article.doc_id == "my-doc"


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("published: not a date\n", "published is not a valid date"),
        ("published: 2025-02-30\n", "invalid date"),
        ("published: '2025-13-01'\n", "published is not a valid date"),
        ("title: [unclosed\n", "bad YAML front matter"),
        ("- a list\n- not fields\n", "bad YAML front matter"),
        ("publised: 2025-02-10\n", "unknown front matter field 'publised'"),
        ("authors: {a: 1}\n", "authors"),
        ("title: {a: 1}\n", "field 'title' must be text"),
        ("id: has space\n", "must not contain spaces"),
    ],
)
def test_bad_front_matter_is_an_error(tmp_path: Path, front: str, expected: str) -> None:
    assert expected in reason(write(tmp_path / "doc.md", f"---\n{front}---\nBody."))


def test_unclosed_front_matter_is_an_error(tmp_path: Path) -> None:
    assert "no closing '---'" in reason(write(tmp_path / "doc.md", "---\ntitle: x\nBody."))


def test_front_matter_with_empty_body_is_empty(tmp_path: Path) -> None:
    assert reason(write(tmp_path / "doc.md", FRONT + "\n   \n")) == "empty document"


# --- plain text -----------------------------------------------------------------------------------


def test_plain_text_title_from_first_line_and_dateline_on_the_next(tmp_path: Path) -> None:
    text = "# Storm hits coast\n\nWASHINGTON, Jan. 5 (Reuters) - A storm in 2023 and again in 2024.\n"
    article = load_one(write(tmp_path / "storm.md", text))
    assert article.title == "Storm hits coast"
    assert (article.place, article.source, article.published) == ("Washington", "Reuters", "2024-01-05")
    assert article.text == text[:-1]


def test_year_is_latest_mentioned_not_in_the_future(tmp_path: Path) -> None:
    text = "LONDON, March 3 (AP) - Plans for 2099 were made in 2021."
    assert load_one(write(tmp_path / "x.txt", text)).published == "2021-03-03"


def test_dateline_without_any_year_leaves_published_empty(tmp_path: Path) -> None:
    article = load_one(write(tmp_path / "x.txt", "LONDON (AP) — Nothing dated here.\nMore."))
    assert article.published is None and article.place == "London" and article.source == "AP"
    assert article.title == "x"


def test_long_first_line_gives_file_name_title(tmp_path: Path) -> None:
    article = load_one(write(tmp_path / "long_story-name.txt", "word " * 60))
    assert article.title == "long story name"
    assert article.published is None and article.place == ""


def test_slug_is_ascii_and_at_most_80_chars(tmp_path: Path) -> None:
    article = load_one(write(tmp_path / ("Ünïcode Story " + "x" * 100 + ".txt"), "Title\nBody"))
    assert article.doc_id.startswith("unicode-story-x") and len(article.doc_id) == 80
    assert load_one(write(tmp_path / "Россия.txt", "Title\nBody")).doc_id.startswith("doc-")


def test_txt_starting_with_dashes_is_not_front_matter(tmp_path: Path) -> None:
    text = "---\nJust a rule, then text."
    assert load_one(write(tmp_path / "x.txt", text)).text == text


# --- HTML -----------------------------------------------------------------------------------------


HTML = """<!doctype html><html lang="en-GB"><head>
<title>  Big   News </title>
<meta property="article:published_time" content="2024-05-06T08:00:00+00:00">
<meta property="og:site_name" content="The Paper">
<meta name="author" content="Jane Roe">
<link rel="canonical" href="https://www.paper.example/big-news">
<style>p { color: red }</style><script>var x = "SCRIPT";</script>
</head><body>
<header><a href="/">Home</a></header><nav>MENU</nav>
<article><h1>Big News</h1>
<p>First   paragraph
spans lines.</p><p>Second&nbsp;paragraph.<br>After break.</p>
<aside>ADVERT</aside><noscript>NOSCRIPT</noscript></article>
<footer>FOOTER</footer></body></html>"""


def test_html_readable_text_and_metadata(tmp_path: Path) -> None:
    article = load_one(write(tmp_path / "page.html", HTML))
    assert article.text == "Big News\n\nFirst paragraph spans lines.\n\nSecond paragraph.\n\nAfter break."
    for junk in ("SCRIPT", "MENU", "ADVERT", "FOOTER", "NOSCRIPT", "Home", "color"):
        assert junk not in article.text
    assert article.title == "Big News"
    assert article.published == "2024-05-06"
    assert article.url == "https://www.paper.example/big-news"
    assert article.source == "The Paper"
    assert article.authors == ["Jane Roe"] and article.language == "en"
    assert article.doc_id == "page"


def test_html_fallbacks_h1_time_and_og_url(tmp_path: Path) -> None:
    html = (
        '<html><head><meta property="og:url" content="https://www.site.example/a"></head><body>'
        '<h1>Only  heading</h1><time datetime="2023-11-02">Nov 2</time><div>Text.</div></body></html>'
    )
    article = load_one(write(tmp_path / "a.htm", html))
    assert article.title == "Only heading"
    assert article.published == "2023-11-02"
    assert article.url == "https://www.site.example/a" and article.source == "site.example"


def test_html_without_text_is_an_error(tmp_path: Path) -> None:
    html = "<html><head><title>T</title></head><body><script>x()</script><nav>n</nav></body></html>"
    assert reason(write(tmp_path / "a.html", html)) == "no readable text in the HTML"


def test_html_in_declared_legacy_charset(tmp_path: Path) -> None:
    html = '<html><head><meta charset="windows-1252"></head><body><p>Caf\xe9 cr\xe8me</p></body></html>'
    assert load_one(write(tmp_path / "a.html", html.encode("cp1252"))).text == "Café crème"


# --- PDF ------------------------------------------------------------------------------------------


def test_pdf_text_and_metadata_title(tmp_path: Path) -> None:
    article = load_one(write(tmp_path / "report.pdf", pdf_bytes("Hello PDF world", title="Report Title")))
    assert "Hello PDF world" in article.text
    assert article.title == "Report Title" and article.doc_id == "report"


def test_pdf_title_from_file_name(tmp_path: Path) -> None:
    assert load_one(write(tmp_path / "annual_report.pdf", pdf_bytes("Some text"))).title == "annual report"


def test_pdf_without_text_is_scanned(tmp_path: Path) -> None:
    assert reason(write(tmp_path / "scan.pdf", pdf_bytes(None))) == "no extractable text (scanned PDF?)"


def test_broken_pdf_is_an_error(tmp_path: Path) -> None:
    assert reason(write(tmp_path / "bad.pdf", b"this is not a pdf at all")).startswith("not a readable PDF")
    assert reason(write(tmp_path / "empty.pdf", b"")) == "empty document"


# --- JSONL ----------------------------------------------------------------------------------------


def record(**fields: object) -> str:
    return json.dumps(fields)


def test_jsonl_records(tmp_path: Path) -> None:
    lines = [
        record(
            id="abc",
            title="T1",
            text="Text one.",
            published="2023-08-30",
            url="https://www.usatoday.com/x",
            authors=["A"],
        ),
        record(title="T2", text="Text two.", published=None, url="https://news.example/y", source="Wire"),
        "",
        record(text="Untitled first line\nmore", published="2023-01-02T03:04:05Z"),
    ]
    path = write(tmp_path / "a.jsonl", "\n".join(lines) + "\n")
    items = list(iter_jsonl(path))
    assert all(isinstance(a, Article) for a in items) and len(items) == 3
    one, two, three = items
    assert (one.doc_id, one.source, one.published, one.authors) == (
        "abc",
        "usatoday.com",
        "2023-08-30",
        ["A"],
    )
    assert one.origin == f"{path}:1" and three.origin == f"{path}:4"
    assert two.source == "Wire" and two.published is None and len(two.doc_id) == 16
    assert three.title == "Untitled first line" and three.published == "2023-01-02"
    assert load_path(path) == items


def test_jsonl_doc_id_is_a_stable_hash(tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", record(title="T", text="x", url="https://a.example/p") + "\n")
    first = next(iter_jsonl(path))
    assert isinstance(first, Article)
    assert first.doc_id == next(iter_jsonl(path)).doc_id and len(first.doc_id) == 16


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"title": "no text"}', "record has no text"),
        (b'{"title": "t", "text": "   "}', "record has no text"),
        (b'{"text": "t", "published": "yesterday"}', "published is not a valid date"),
        (b'{"text": "caf\xe9"}', "not valid UTF-8 text"),
    ],
)
def test_jsonl_bad_line_is_reported_and_the_rest_load(tmp_path: Path, line: bytes, expected: str) -> None:
    good = record(title="Good", text="Good text.").encode()
    path = write(tmp_path / "a.jsonl", b"\n".join([good, line, good]))
    items = list(iter_jsonl(path))
    assert [type(i) for i in items] == [Article, DocumentError, Article]
    error = items[1]
    assert isinstance(error, DocumentError)
    assert error.origin == f"{path}:2" and expected in error.reason
    with pytest.raises(DocumentError) as info:
        load_path(path)
    assert info.value.origin == f"{path}:2"


def test_jsonl_utf8_error_names_the_file_byte(tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", b'{"text": "ok"}\n{"text": "caf\xe9"}\n')
    error = list(iter_jsonl(path))[1]
    assert isinstance(error, DocumentError) and error.reason == "not valid UTF-8 text (byte 28)"


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"", "empty document"), (b"\n  \n", "empty document"), (b"\x00\x01\x02", "binary file, not text")],
)
def test_jsonl_whole_file_errors(tmp_path: Path, content: bytes, expected: str) -> None:
    path = write(tmp_path / "a.jsonl", content)
    items = list(iter_jsonl(path))
    assert len(items) == 1 and isinstance(items[0], DocumentError)
    assert (items[0].origin, items[0].reason) == (str(path), expected)


def test_iter_jsonl_missing_file_yields_error(tmp_path: Path) -> None:
    (error,) = list(iter_jsonl(tmp_path / "missing.jsonl"))
    assert isinstance(error, DocumentError) and error.reason == "no such file"


@pytest.mark.skipif(not REALTIMEQA.exists(), reason="realtimeqa benchmark data not present")
def test_real_data_smoke(tmp_path: Path) -> None:
    with REALTIMEQA.open("rb") as f:
        head = b"".join(itertools.islice(f, 50))
    items = list(iter_jsonl(write(tmp_path / "head.jsonl", head)))
    assert len(items) == 50 and all(isinstance(a, Article) for a in items)
    originals = [json.loads(line) for line in head.splitlines()]
    for article, original in zip(items, originals, strict=True):
        assert isinstance(article, Article)
        assert article.doc_id == original["id"] and article.text == original["text"]
        assert article.title and article.source and article.published == original["published"]


# --- errors common to all files --------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    assert reason(tmp_path / "nope.txt") == "no such file"


def test_directory_passed_to_load_path(tmp_path: Path) -> None:
    assert reason(tmp_path) == "is a folder, not a file"


def test_unsupported_suffix(tmp_path: Path) -> None:
    got = reason(write(tmp_path / "a.docx", "x"))
    assert got.startswith("unsupported format '.docx'; supported: ")
    assert all(s in got for s in SUPPORTED_SUFFIXES)
    assert "(no file extension)" in reason(write(tmp_path / "Makefile", "x"))


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    assert load_one(write(tmp_path / "a.TXT", "Title\nBody")).title == "Title"


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n", b"\xef\xbb\xbf\n"])
def test_empty_documents(tmp_path: Path, content: bytes) -> None:
    assert reason(write(tmp_path / "a.txt", content)) == "empty document"


def test_binary_file(tmp_path: Path) -> None:
    assert reason(write(tmp_path / "a.txt", b"GIF89a\x00\x01\x02")) == "binary file, not text"
    assert reason(write(tmp_path / "b.md", "hi".encode("utf-16"))) == "UTF-16 text; save it as UTF-8"


def test_invalid_utf8_names_the_byte(tmp_path: Path) -> None:
    assert reason(write(tmp_path / "a.txt", b"caf\xe9 au lait")) == "not valid UTF-8 text (byte 3)"


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "a.txt", "text")

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)  # chmod does not stop root, which CI may be
    assert reason(path) == "permission denied"


# --- folders --------------------------------------------------------------------------------------


def test_iter_folder_reports_bad_files_and_loads_the_rest(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", "Bee\nBody b.")
    write(tmp_path / "a.md", FRONT + "Body a.")
    write(tmp_path / "sub" / "c.html", "<p>See</p>")
    write(tmp_path / "sub" / "bad.txt", b"\x00\x00")
    write(tmp_path / "notes.docx", "x")
    write(tmp_path / "README.md", "# Readme")
    write(tmp_path / ".hidden.txt", "secret")
    write(tmp_path / ".git" / "x.txt", "secret")
    write(tmp_path / "feed.jsonl", record(text="one") + "\n{oops\n" + record(text="two") + "\n")
    got = [(p.relative_to(tmp_path).as_posix(), r) for p, r in iter_folder(tmp_path)]
    names = [name for name, _ in got]
    assert names == ["a.md", "b.txt", "feed.jsonl", "feed.jsonl", "notes.docx", "sub/bad.txt", "sub/c.html"]
    results = dict(got[:2] + got[4:])
    assert [a.doc_id for a in results["a.md"]] == ["my-doc"]
    assert results["b.txt"][0].title == "Bee"
    assert [a.text for a in got[2][1]] == ["one", "two"]
    assert isinstance(got[3][1], DocumentError) and got[3][1].origin.endswith("feed.jsonl:2")
    assert isinstance(results["notes.docx"], DocumentError)
    assert results["notes.docx"].reason.startswith("unsupported format '.docx'")
    assert isinstance(results["sub/bad.txt"], DocumentError)
    assert results["sub/bad.txt"].reason == "binary file, not text"
    assert results["sub/c.html"][0].text == "See"


def test_iter_folder_on_missing_or_file_path_raises(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="no such folder"):
        list(iter_folder(tmp_path / "missing"))
    with pytest.raises(DocumentError, match="not a folder"):
        list(iter_folder(write(tmp_path / "a.txt", "x")))
