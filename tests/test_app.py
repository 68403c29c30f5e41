"""The web chat, running, driven over HTTP by gradio_client (the way a browser's page talks to it).

A scripted FakeLLM stands in for the model where the page's logic is the point (streaming, the
final answer replacing the streamed words, sources, uploads, escaping); one slow test asks the real
model. The store is a temp copy of the bundled corpus, so uploads and deletes touch nothing else.
"""

from __future__ import annotations

import html
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client, handle_file

from bot.backends.llm import Message
from bot.service import Bot
from bot.types import Answer, BotError, Citation, Passage
from bot.ui.cli import main as cli_main
from bot.ui.handlers import Conversation, WebChat, safe_name
from bot.ui.render import answer_html, esc, highlighted
from bot.ui.web import build_app, launch_options, resolve_auth
from tests.conftest import CORPUS, NOVEMBER_NAMES, FakeLLM, make_config

NOVEMBER = "Who was released in November 2023?"
NOVEMBER_REPLY = "Yelena Trufanova, Irina Tatti, Ron Krivoy and Yaffa Adar were released in November 2023."
ZORBLAT_TEXT = """Zorblat festival returns to Tallinn

TALLINN, February 20. The Zorblat festival of light puppetry will open in Tallinn on 3 March 2024,
its organisers said.
About 40 puppet troupes from twelve countries are expected to perform in the old town over four nights.
Festival director Kadri Vasar said tickets would go on sale on 25 February.
"""
HOSTILE_ARTICLE = """---
title: "Council report <img src=x onerror=window.__xss=1> <script>window.__xss=7</script>"
source: "Evil <b>Wire</b>"
published: 2024-05-06
---
The Quixotl council met in Riga on 4 May 2024. <script>window.__xss=2</script>
The Quixotl council approved a budget of 7 million euros for tram repairs. <img src=x onerror="window.__xss=3"
>
Observers posted ![tracker](http://evil.example/x.png) and [a link](javascript:window.__xss=4), \
${window.__xss=5} and {{constructor.constructor('window.__xss=6')()}}.
"""
HOSTILE_REPLY = "The Quixotl council approved a budget of 7 million euros for tram repairs."


def scripted(messages: list[Message]) -> str:
    """A model that answers the test questions correctly and rewrites follow-ups sensibly."""
    if messages[0]["content"].startswith("Rewrite"):
        return "When were Yelena Trufanova and the others released?"
    question = messages[-1]["content"].rsplit("Question:", 1)[-1]
    if question.strip().startswith("When") and "released" in question:
        return "in November 2023"
    if "November 2023" in question:
        return NOVEMBER_REPLY
    if "mother" in question:
        return "Yelena Trufanova"
    if "Zorblat festival" in question:
        return "The Zorblat festival of light puppetry will open in Tallinn on 3 March 2024."
    if "Zorblat congress" in question:
        return "The chair of the Zorblat congress is Maris Oolberg."
    if "Quixotl" in question:
        return HOSTILE_REPLY
    return "I don't know."


# --- helpers ---------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serve(bot: Bot, **launch: Any) -> Iterator[str]:
    demo = build_app(bot)
    _, url, _ = demo.launch(
        server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True, **launch
    )
    try:
        yield url
    finally:
        demo.close()


def message_html(message: dict[str, Any]) -> str:
    content = message["content"]
    return content if isinstance(content, str) else "".join(part.get("text", "") for part in content)


def visible_text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def ask(client: Client, question: str) -> tuple[str, list[str]]:
    """The final answer's HTML and every streamed version of it, as the page received them."""
    job = client.submit(question, api_name="/ask")
    job.result()
    shown = [message_html(out[0][-1]) for out in job.outputs()]
    return shown[-1], shown


def upload(client: Client, *paths: Path) -> str:
    results, _, _, _ = client.predict([handle_file(str(p)) for p in paths], "", api_name="/upload")
    return str(results)


def result_rows(markup: str) -> list[list[str]]:
    """The upload results table: file, result, title, ID, chunks, reason."""
    rows = re.findall(r"<tr[^>]*>((?:<td>.*?</td>)+)</tr>", markup)
    return [[html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row)] for row in rows]


def search(client: Client, query: str) -> str:
    return str(client.predict(query, 5, api_name="/search"))


# --- fixtures --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def app_bot(tmp_path_factory: pytest.TempPathFactory) -> Bot:
    home = tmp_path_factory.mktemp("app-store")
    bot = Bot(make_config(home, max_upload_mb=1.0), llm=FakeLLM(reply_fn=scripted))
    assert [r.status for r in bot.ingest([CORPUS])] == ["added"]
    return bot


@pytest.fixture(scope="module")
def app_url(app_bot: Bot) -> Iterator[str]:
    with serve(app_bot) as url:
        yield url


@pytest.fixture
def client(app_url: str) -> Client:
    """A fresh client is a fresh browser session: its own chat history."""
    return Client(app_url, verbose=False)


# --- chat ------------------------------------------------------------------------------------------
def test_answer_streams_then_the_verified_answer_replaces_it(
    client: Client, no_network: list[tuple[object, ...]]
) -> None:
    final, shown = ask(client, NOVEMBER)
    streamed = [s for s in shown if "nb-cursor" in s]
    assert len(streamed) >= 5, "the answer should arrive word by word"
    assert "Searching the documents" in shown[0]
    draft = re.search(r'<div class="nb-answer nb-draft nb-cursor">(.*?)</div>', streamed[-1])
    assert draft and visible_text(draft.group(1)).startswith("Yelena Trufanova, Irina Tatti")
    assert "checked against the sources" in streamed[-1], "the streamed text is marked as a draft"
    text = visible_text(final)
    assert all(name in text for name in NOVEMBER_NAMES)
    assert "nb-cursor" not in final
    assert 'href="#src-1-1"' in final and 'id="src-1-1"' in final, "[1] links to its source"
    mark = re.search(r"<mark>(.*?)</mark>", final)
    assert mark and "November 2023" in visible_text(mark.group(1))
    assert "TASS" in text and "2025-02-10" in text
    assert no_network == []


def test_follow_up_is_rewritten_and_the_note_shows_it(client: Client) -> None:
    ask(client, NOVEMBER)
    final, _ = ask(client, "When was that?")
    note = re.search(r'<div class="nb-note">Searched for: (.*?)</div>', final)
    assert note and "Yelena Trufanova" in visible_text(note.group(1))
    assert 'id="src-2-1"' in final, "source anchors are unique per answer"


def test_a_compound_question_gets_one_cited_sentence_per_part(client: Client) -> None:
    final, shown = ask(client, "Who is Alexander Trufanov's mother and when was she released?")
    assert any("Part 2 of 2" in s for s in shown), "the page says which part it is answering"
    text = visible_text(final)
    assert "Yelena Trufanova" in text and "She was released in November 2023" in text, text
    assert 'href="#src-1-1"' in final and 'href="#src-1-2"' in final, "each part cites its own source"
    note = re.search(r'<div class="nb-note">Searched for: (.*?)</div>', final)
    assert note and "When was Yelena Trufanova released?" in visible_text(note.group(1))


def test_refusal_is_shown_plainly(client: Client) -> None:
    final, _ = ask(client, "What is the boiling point of liquid nitrogen?")
    assert "The corpus does not say." in visible_text(final)
    assert "nb-refused" in final and "nb-sources" not in final


def test_a_bad_question_gives_a_short_message(client: Client) -> None:
    final, _ = ask(client, "   ")
    assert "nb-error" in final and "question is empty" in final


class _Broken:
    """A bot whose answering fails, like a crashed model server."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def stream(self, question: str, history: list[Message]) -> Iterator[Any]:
        raise self.exc
        yield


@pytest.mark.parametrize(
    ("exc", "shown"),
    [
        (BotError("the answer model server did not respond"), "the answer model server did not respond"),
        (RuntimeError("segfault at /secret/path"), "Something went wrong while answering"),
    ],
)
def test_errors_become_a_short_chat_message_not_a_traceback(exc: Exception, shown: str) -> None:
    chat = WebChat(_Broken(exc))  # type: ignore[arg-type]
    *_, (messages, conv, _) = chat.ask("Who?", Conversation())
    last = messages[-1]["content"]
    assert shown in last and "Traceback" not in last and "/secret/path" not in last
    assert conv.history == [], "a failed turn is not passed to the model as history"


def test_refusal_and_extractive_answers_are_labelled() -> None:
    refused = answer_html(Answer("q", "The corpus does not say.", refused=True, mode="refused"), 1)
    assert "nb-refused" in refused and "Sources" not in refused
    passage = Passage("d#0", "d", "One. Two <b>x</b>. Three.", 0, 25, title="T", source="S")
    quoted = Answer("q", "“Two <b>x</b>.” [1] [7]", refused=False, mode="extractive")
    quoted.citations = [Citation(1, passage, 5, 18)]
    shown = answer_html(quoted, 3)
    assert "Quoted from the sources" in shown and "<mark>Two &lt;b&gt;x&lt;/b&gt;.</mark>" in shown
    assert '<a class="nb-cite" href="#src-3-1">[1]</a>' in shown and "&#91;7&#93;" in shown, (
        "only real sources link"
    )


# --- documents -------------------------------------------------------------------------------------
def test_upload_answer_then_delete(client: Client, tmp_path: Path) -> None:
    article = tmp_path / "zorblat-festival.txt"
    article.write_text(ZORBLAT_TEXT)
    results = upload(client, article)
    assert result_rows(results) == [
        ["zorblat-festival.txt", "added", "Zorblat festival returns to Tallinn", "zorblat-festival", "1", ""]
    ], "the doc_id comes from the file's original name"
    final, _ = ask(client, "When does the Zorblat festival open?")
    assert "3 March 2024" in visible_text(final) and "Zorblat festival returns to Tallinn" in visible_text(
        final
    )
    assert "Zorblat festival returns" in str(client.predict("", api_name="/docs")[0])
    assert "added" not in upload(client, article) and "unchanged" in upload(client, article)

    message, table, _ = client.predict("zorblat-festival", "", api_name="/delete")
    assert "Deleted zorblat-festival" in message and "Zorblat" not in table
    assert "Zorblat" not in search(client, "Zorblat festival Tallinn puppetry")
    message, _, _ = client.predict("zorblat-festival", "", api_name="/delete")
    assert "No document" in message


def test_each_uploaded_file_gets_its_own_result(client: Client, tmp_path: Path) -> None:
    (tmp_path / "empty.md").write_text("")
    (tmp_path / "tool.exe").write_bytes(b"MZ\x00\x01")
    (tmp_path / "big.txt").write_text("word " * 260_000)  # 1.3 MB, over this server's 1 MB limit
    results = upload(client, tmp_path / "empty.md", tmp_path / "tool.exe", tmp_path / "big.txt")
    rows = result_rows(results)
    assert [(row[0], row[1]) for row in rows] == [
        ("empty.md", "failed"),
        ("tool.exe", "failed"),
        ("big.txt", "failed"),
    ]
    assert "1.2 MB (the limit is 1 MB a file)" in rows[2][5]
    assert "unsupported" in rows[1][5] and all(row[5] for row in rows)


def test_gradio_refuses_files_over_the_limit_before_they_are_stored(app_bot: Bot, tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("word " * 260_000)
    with (
        serve(app_bot, **launch_options(app_bot.config)) as url,
        pytest.raises(Exception, match="(?i)too large|exceeds|size"),
    ):
        upload(Client(url, verbose=False), tmp_path / "big.txt")


def test_2000_word_upload_is_answerable_at_once(client: Client, tmp_path: Path) -> None:
    article = tmp_path / "zorblat-congress.txt"
    sentences = [
        f"On day {i % 9 + 1} of the Zorblat congress, delegate number {i} from district {i % 17} "
        f"spoke about {['trams', 'bridges', 'schools', 'harbours', 'parks'][i % 5]} for {i % 7 + 2} minutes."
        for i in range(105)
    ]
    sentences.insert(50, "The chair of the Zorblat congress is Maris Oolberg.")
    article.write_text("Zorblat congress in Tartu\n\n" + " ".join(sentences) + "\n")
    assert 1900 <= len(article.read_text().split()) <= 2300
    t0 = time.perf_counter()
    assert "added" in upload(client, article)
    t_ingest = time.perf_counter() - t0
    final, _ = ask(client, "Who is the chair of the Zorblat congress?")
    t_answer = time.perf_counter() - t0
    assert "Maris Oolberg" in visible_text(final) and "Zorblat congress in Tartu" in visible_text(final)
    print(f"\n2,000-word upload: indexed in {t_ingest:.2f} s, answered from it {t_answer:.2f} s after upload")
    client.predict("zorblat-congress", "", api_name="/delete")


def test_document_list_filters(client: Client) -> None:
    table, _ = client.predict("zakharova", api_name="/docs")
    assert "1 of 1 documents" in table and "TASS" in table and "2025-02-10" in table
    table, _ = client.predict("no such thing", api_name="/docs")
    assert "0 of 1 documents" in table and "TASS" not in table


def test_passage_search_shows_what_retrieval_finds(client: Client, app_bot: Bot) -> None:
    found = search(client, "humanitarian pause November 2023")
    expected = app_bot.search("humanitarian pause November 2023", k=5).passages
    assert "Yelena Trufanova" in visible_text(found)
    assert found.count('class="nb-hit"') == len(expected)
    assert "question is empty" in search(client, "  ")


# --- safety ----------------------------------------------------------------------------------------
def test_hostile_document_text_is_escaped_everywhere(client: Client, tmp_path: Path) -> None:
    article = tmp_path / "hostile <img src=x onerror=alert(1)>.md"
    article.write_text(HOSTILE_ARTICLE)
    shown = {"upload": upload(client, article)}
    doc_id = result_rows(shown["upload"])[0][3]
    try:
        shown["search"] = search(client, "Quixotl council budget")
        shown["answer"] = ask(client, "What did the Quixotl council approve?")[0]
        shown["docs"] = str(client.predict("", api_name="/docs")[0])
        assert "Quixotl" in visible_text(shown["search"]) and "Council report" in visible_text(shown["docs"])
        assert "<mark>" in shown["answer"] and "Quixotl" in visible_text(shown["answer"])
        for where, markup in shown.items():
            assert_inert(markup, where)
        assert "&lt;script&gt;" in shown["search"] and "&lt;img" in shown["answer"]
    finally:
        client.predict(doc_id, "", api_name="/delete")


def assert_inert(markup: str, where: str) -> None:
    """No tag from the document survives, and no Markdown image or link syntax is left to render."""
    tags = {t.lower() for t in re.findall(r"<([a-zA-Z]+)", markup)}
    allowed = {"div", "span", "a", "b", "code", "mark", "details", "summary", "table", "tr", "th", "td", "br"}
    assert tags <= allowed, (where, tags - allowed)
    assert not re.search(r"<[^>]*\bon\w+=", markup), where
    assert "<b>Wire" not in markup and "<script" not in markup, where
    for syntax in ("![", "](", "${", "{{"):
        assert syntax not in markup, (where, syntax)


def test_escaping_helpers() -> None:
    assert esc("<script>alert(1)</script>") == "&lt;script&gt;alert&#40;1&#41;&lt;/script&gt;"
    assert esc("![x](http://evil/x.png)") == "&#33;&#91;x&#93;&#40;http://evil/x.png&#41;"
    assert esc("a\n\nb") == "a<br><br>b", "a blank line would end the HTML block and start Markdown"
    assert highlighted("one <b>two</b> three", 4, 14) == "one <mark>&lt;b&gt;two&lt;/b&gt;</mark> three"
    assert highlighted("text", 3, 99) == "text"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../x.md", "x.md"),
        ("..\\..\\evil.txt", "evil.txt"),
        ("/etc/passwd", "passwd"),
        (".bashrc", "bashrc"),
        ("..", "upload.txt"),
        ("a b<c>.md", "a b_c_.md"),
        ("Zürich news.txt", "Zürich news.txt"),
        ("x" * 300 + ".pdf", "x" * 106 + ".pdf"),
    ],
)
def test_upload_names_are_kept_but_made_safe(name: str, expected: str) -> None:
    assert safe_name(name) == expected


def test_another_host_needs_a_password_or_no_auth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BOT_AUTH_USER", raising=False)
    monkeypatch.delenv("BOT_AUTH_PASSWORD", raising=False)
    assert cli_main(["--home", str(tmp_path), "serve", "--host", "0.0.0.0"]) == 1
    err = capsys.readouterr().err
    assert "BOT_AUTH_USER" in err and "--no-auth" in err and "Traceback" not in err

    config = make_config(tmp_path)
    assert resolve_auth("127.0.0.1", config, no_auth=False) is None
    assert resolve_auth("0.0.0.0", config, no_auth=True) is None
    with_auth = make_config(tmp_path, auth_user="ann", auth_password="s3cret")
    assert resolve_auth("0.0.0.0", with_auth, no_auth=False) == ("ann", "s3cret")
    with pytest.raises(BotError, match="both"):
        resolve_auth("0.0.0.0", make_config(tmp_path, auth_user="ann"), no_auth=False)


def test_with_auth_the_page_needs_a_login(app_bot: Bot) -> None:
    with serve(app_bot, auth=("ann", "s3cret")) as url:
        with pytest.raises(Exception):  # noqa: B017 - gradio_client's error type varies by version
            Client(url, verbose=False)
        client = Client(url, auth=("ann", "s3cret"), verbose=False)
        assert "Yelena Trufanova" in visible_text(search(client, "November 2023"))


# --- the real model --------------------------------------------------------------------------------
@pytest.mark.slow
def test_real_model_answers_the_november_question(corpus_bot: Bot) -> None:
    with serve(corpus_bot) as url:
        t0 = time.perf_counter()
        final, shown = ask(Client(url, verbose=False), NOVEMBER)
        elapsed = time.perf_counter() - t0
    assert sum("nb-cursor" in s for s in shown) >= 5, "tokens stream"
    text = visible_text(final)
    assert all(name in text for name in NOVEMBER_NAMES), text
    assert "<mark>" in final and 'href="#src-1-1"' in final
    print(f"\nreal model via gradio_client: full answer in {elapsed:.1f} s")
