"""The OpenAI-compatible chat API, driven by the official ``openai`` client against real servers.

Fast tests run the API app under uvicorn in a thread on a loopback port (extractive answers, no
answer model); the slow one starts `bot serve --api` as a subprocess and checks the web page is
still served beside the API.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.service import Bot
from bot.ui.api import ApiRequestError, conversation
from tests.conftest import CORPUS, NOVEMBER_NAMES, make_config
from tests.test_chroma_server import free_port

openai = pytest.importorskip("openai")
ROOT = Path(__file__).resolve().parents[1]
NOVEMBER = "Who was released in November 2023?"
KEY = "test-key"


@pytest.fixture(scope="module")
def api_bot(tmp_path_factory: pytest.TempPathFactory) -> Bot:
    bot = Bot(make_config(tmp_path_factory.mktemp("api-store")), llm=None)
    assert [r.status for r in bot.ingest([CORPUS])] == ["added"]
    return bot


@pytest.fixture(scope="module")
def api_url(api_bot: Bot) -> Iterator[str]:
    import uvicorn

    from bot.ui.api import build_api

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(build_api(api_bot, KEY), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def client(api_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=api_url, api_key=KEY, max_retries=0)


def test_models_lists_newsbot(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["newsbot"]


def test_completion_keeps_markers_and_carries_citations(client: openai.OpenAI, api_bot: Bot) -> None:
    resp = client.chat.completions.create(model="newsbot", messages=[{"role": "user", "content": NOVEMBER}])
    text = resp.choices[0].message.content or ""
    assert "[1]" in text and any(name in text for name in NOVEMBER_NAMES)
    assert resp.choices[0].finish_reason == "stop"
    citations = (resp.model_extra or {})["citations"]
    assert citations and citations[0]["n"] == 1
    for c in citations:
        assert {"doc_id", "title", "source", "published", "url", "start", "end", "quote"} <= set(c)
        article = api_bot.catalog.text(c["doc_id"])
        assert article is not None and article[c["start"] : c["end"]] == c["text"]
        assert article[c["quote_start"] : c["quote_end"]] == c["quote"] and c["quote"]


def test_stream_sends_the_same_answer_and_then_the_citations(client: openai.OpenAI) -> None:
    whole = client.chat.completions.create(model="newsbot", messages=[{"role": "user", "content": NOVEMBER}])
    stream = client.chat.completions.create(
        model="newsbot", messages=[{"role": "user", "content": NOVEMBER}], stream=True
    )
    got = list(stream)
    assert got[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in got)
    assert text == whole.choices[0].message.content
    assert len(got) > 3  # word by word
    assert got[-1].choices[0].finish_reason == "stop"
    assert (got[-1].model_extra or {})["citations"] == (whole.model_extra or {})["citations"]


def test_follow_up_uses_the_history(client: openai.OpenAI) -> None:
    first = client.chat.completions.create(model="newsbot", messages=[{"role": "user", "content": NOVEMBER}])
    messages = [
        {"role": "system", "content": "ignored"},
        {"role": "user", "content": NOVEMBER},
        {"role": "assistant", "content": first.choices[0].message.content or ""},
        {"role": "user", "content": [{"type": "text", "text": "Where was Yaffa Adar held?"}]},
    ]
    resp = client.chat.completions.create(model="newsbot", messages=messages)  # type: ignore[arg-type]
    assert resp.choices[0].message.content


def test_a_wrong_key_is_refused(api_url: str) -> None:
    bad = openai.OpenAI(base_url=api_url, api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()
    with pytest.raises(openai.AuthenticationError):
        bad.chat.completions.create(model="newsbot", messages=[{"role": "user", "content": NOVEMBER}])


def test_a_request_without_a_user_question_is_a_400(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="last message must be a non-empty user message"):
        client.chat.completions.create(model="newsbot", messages=[{"role": "assistant", "content": "hi"}])


def test_conversation_takes_the_last_user_turn() -> None:
    q, history = conversation([{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
                               {"role": "user", "content": "c"}])  # fmt: skip
    assert q == "c" and history == [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]
    with pytest.raises(ApiRequestError):
        conversation([])


@pytest.mark.slow
def test_bot_serve_api_beside_the_web_page(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update({"BOT_HOME": str(tmp_path / "home"), "BOT_LLM": "none", "BOT_API_KEY": KEY})
    refused = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--api", "--host", "0.0.0.0", "--no-auth"],
        cwd=ROOT, env={**env, "BOT_API_KEY": ""}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert refused.returncode == 1 and "BOT_API_KEY" in refused.stderr
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--api", "--port", str(port), "--ingest", str(CORPUS)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            try:
                with urllib.request.urlopen(url + "/", timeout=2) as page:
                    assert page.status == 200 and b"<html" in page.read().lower()
                    break
            except OSError:
                time.sleep(0.5)
        client = openai.OpenAI(base_url=url + "/v1", api_key=KEY, max_retries=0)
        resp = client.chat.completions.create(
            model="newsbot", messages=[{"role": "user", "content": NOVEMBER}]
        )
        assert "November 2023" in str((resp.model_extra or {})["citations"])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
