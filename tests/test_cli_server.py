"""The command line asking a running `bot serve` over loopback (bot.ui.cli_server, cli_client, discovery).

The fast tests run the loopback service in this process on a store with the hash embedder and
the scripted model, and drive ``bot.ui.cli.main`` against it; the slow one starts a real
``bot serve`` process and runs ``bot ingest`` and ``bot ask`` as new processes beside it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Config
from bot.service import Bot
from bot.ui.cli import main
from bot.ui.cli_server import CliService
from bot.ui.discovery import differing_settings, read_record, record_path, remove_record, write_record
from tests.conftest import CORPUS, ROOT, ScriptedLLM

ARTICLE = (
    "# Harbour council backs railway budget\n\n"
    "The Eastport harbour council voted on 3 March 2025 to back a budget for the coastal railway. "
    "The council is chaired by Mirela Vostok, who proposed the budget.\n"
)
QUESTION = "Who chairs the Eastport harbour council?"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI's environment: only the BOT_* set here; returns the store folder."""
    for key in list(os.environ):
        if key.startswith("BOT_"):
            monkeypatch.delenv(key)
    home = tmp_path / "store"
    monkeypatch.setenv("BOT_HOME", str(home))
    monkeypatch.setenv("BOT_EMBEDDER", "hash")
    monkeypatch.setenv("BOT_LLM", "scripted")
    monkeypatch.setattr(ScriptedLLM, "reply_text", "Mirela Vostok [1]")
    return home


@pytest.fixture
def service(env: Path) -> Iterator[CliService]:
    """The loopback service on a Bot built from the same environment, as `bot serve` builds it."""
    bot = Bot.open()
    bot.warm_up()
    started = CliService(bot).start("http://127.0.0.1:1/")
    try:
        yield started
    finally:
        started.stop()


def cli(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_record_is_private_to_the_store_owner_and_names_the_store(env: Path) -> None:
    config = Config.from_env()
    config.home.mkdir(parents=True)
    record = write_record(config, 12345, "http://127.0.0.1:7860/")
    path = record_path(config)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_record(config) == record and record.home == str(config.home.resolve())
    assert differing_settings(record, config, answers=True) == []
    other = config.with_(top_k=3, llm="none")
    assert differing_settings(record, other, answers=True) == ["BOT_LLM", "BOT_TOP_K"]
    assert differing_settings(record, other, answers=False) == ["BOT_TOP_K"]  # search reads no model
    assert differing_settings(record, config.with_(threads=1, port=1), answers=True) == []
    replaced = write_record(config, 999, "http://127.0.0.1:7861/")  # a second server took over
    remove_record(config, record)
    assert read_record(config) == replaced  # the first does not remove the second's record
    remove_record(config, replaced)
    assert not path.exists()


def test_ingest_then_ask_go_through_the_running_server(
    service: CliService, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "harbour.md"
    article.write_text(ARTICLE, encoding="utf-8")
    assert service.record is not None
    used = f"using the bot serve running on http://127.0.0.1:1/ (pid {os.getpid()})"
    code, out, err = cli("ingest", str(article), capsys=capsys)
    assert code == 0 and "added: harbour" in out and used in err
    assert service.bot.catalog.doc("harbour") is not None  # written by the server's own Bot
    code, out, err = cli("ask", "--json", QUESTION, capsys=capsys)
    answer = json.loads(out)
    assert code == 0 and used in err and answer["citations"][0]["doc_id"] == "harbour"
    assert "Mirela Vostok" in answer["answer"]
    code, out, err = cli("search", "--json", "-k", "1", "Eastport harbour council railway", capsys=capsys)
    assert code == 0 and used in err and json.loads(out)[0]["doc_id"] == "harbour"
    # The same answer, printed the same way, as a process that works alone prints it.
    code, served, _ = cli("ask", QUESTION, capsys=capsys)
    code_here, here, err_here = cli("ask", "--local", QUESTION, capsys=capsys)
    assert code == code_here == 0 and served == here and "using the bot serve" not in err_here
    # A user error comes back as the same one-line error.
    code, _, err = cli("ask", "   ", capsys=capsys)
    assert code == 1 and err.splitlines()[-1].startswith("error: ")


def test_relative_paths_are_reported_as_given(
    service: CliService, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "harbour.md").write_text(ARTICLE, encoding="utf-8")
    (folder / "empty.txt").write_text("")
    monkeypatch.chdir(tmp_path)
    code, out, _ = cli("ingest", "--json", "docs", capsys=capsys)
    origins = {json.loads(line)["origin"] for line in out.splitlines()}
    assert code == 0 and origins == {os.path.join("docs", "harbour.md"), os.path.join("docs", "empty.txt")}


def test_other_settings_or_local_work_in_this_process(
    service: CliService, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_TOP_K", "2")
    code, _, err = cli("search", "anything", capsys=capsys)
    assert code == 0 and "runs with other settings (BOT_TOP_K); working here" in err
    monkeypatch.delenv("BOT_TOP_K")
    code, _, err = cli("search", "--local", "anything", capsys=capsys)
    assert code == 0 and err == ""
    monkeypatch.setenv("BOT_CLI_SERVER", "off")
    code, _, err = cli("search", "anything", capsys=capsys)
    assert code == 0 and err == ""


def test_an_ingest_here_while_a_server_runs_says_the_server_will_miss_it(
    service: CliService, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "harbour.md"
    article.write_text(ARTICLE, encoding="utf-8")
    code, out, err = cli("ingest", "--local", str(article), capsys=capsys)
    assert code == 0 and "added: harbour" in out
    assert "will not find what is ingested here until it restarts" in err


def test_remove_goes_through_the_server_and_reindex_refuses_beside_it(
    service: CliService, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "harbour.md"
    article.write_text(ARTICLE, encoding="utf-8")
    assert cli("ingest", str(article), capsys=capsys)[0] == 0
    used = f"using the bot serve running on http://127.0.0.1:1/ (pid {os.getpid()})"
    code, out, err = cli("remove", "harbour", "nosuch", capsys=capsys)
    assert code == 1 and out == "removed: harbour\n" and used in err
    assert err.splitlines()[-1] == "error: no document 'nosuch' (see `bot docs`)"
    assert service.bot.catalog.doc("harbour") is None  # removed by the server's own Bot
    code, out_here, err_here = cli("remove", "--local", "nosuch", capsys=capsys)
    assert code == 1 and err_here.splitlines()[-1] == err.splitlines()[-1] and used not in err_here
    assert "keeps the removed documents' vectors in its searches until it restarts" in err_here
    code, out, err = cli("reindex", capsys=capsys)
    assert code == 1 and out == "" and err.startswith("error: a bot serve is running on this store")
    assert len(err.splitlines()) == 1


def test_only_the_token_holder_is_served(service: CliService) -> None:
    record = service.record
    assert record is not None
    url = f"http://127.0.0.1:{record.port}"
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        request = urllib.request.Request(url + "/search", data=b'{"query": "x"}', headers=headers)
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=5)
        assert caught.value.code == 401
    request = urllib.request.Request(url + "/status", headers={"Authorization": f"Bearer {record.token}"})
    with urllib.request.urlopen(request, timeout=5) as resp:
        assert json.loads(resp.read())["home"] == record.home
    # Loopback only, whatever address the page is served on.
    with socket.socket() as s, pytest.raises(OSError):
        s.settimeout(2)
        s.connect((_non_loopback_address(), record.port))


def _non_loopback_address() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # UDP: no packet is sent; picks the outgoing interface
            address = str(s.getsockname()[0])
        except OSError:
            pytest.skip("no non-loopback interface")
    if address.startswith("127."):
        pytest.skip("no non-loopback interface")
    return address


def test_a_dead_server_is_reported_and_its_record_removed(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = Config.from_env()
    Bot.open().catalog  # noqa: B018 - the store exists, as a server would have left it
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    write_record(config, 1, "http://127.0.0.1:7860/")
    record_path(config).write_text(
        record_path(config).read_text().replace(f'"pid": {os.getpid()}', f'"pid": {dead.pid}')
    )
    code, _, err = cli("search", "anything", capsys=capsys)
    assert code == 0 and f"(pid {dead.pid}) is not running; working here" in err
    assert not record_path(config).exists()


def test_a_server_that_does_not_answer_is_left_after_a_short_wait(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A live process whose port accepts connections but never replies (a stopped server)."""
    config = Config.from_env()
    Bot.open().catalog  # noqa: B018
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        write_record(config, silent.getsockname()[1], "http://127.0.0.1:7860/")
        code, _, err = cli("search", "anything", capsys=capsys)
    assert code == 0 and "did not answer" in err and "working here" in err


# --- a real `bot serve` and CLI processes ---------------------------------------------------------
@pytest.mark.slow
def test_an_article_ingested_by_one_process_is_answered_by_the_next_through_bot_serve(
    tmp_path: Path,
) -> None:
    from tests.test_app import free_port

    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update({"BOT_HOME": str(tmp_path / "home"), "BOT_LLM": "none", "BOT_THREADS": "1"})
    article = tmp_path / "harbour.md"
    article.write_text(ARTICLE, encoding="utf-8")
    log = tmp_path / "serve.log"
    record = tmp_path / "home" / "serve.json"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(free_port()), "--ingest", str(CORPUS)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def bot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    try:
        deadline = time.monotonic() + 240
        while not record.exists():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.5)
        used = "using the bot serve running on http://127.0.0.1:"
        done = bot("ingest", str(article))
        assert done.returncode == 0 and "added: harbour" in done.stdout and used in done.stderr, done.stderr
        done = bot("ask", "--json", "What did the Eastport harbour council vote to back?")
        answer = json.loads(done.stdout)
        assert done.returncode == 0 and used in done.stderr, done.stderr
        assert answer["citations"] and answer["citations"][0]["doc_id"] == "harbour", answer
        assert "coastal railway" in answer["answer"]  # quoted: no answer model in this test
        # A stopped server: the CLI waits a moment, says so and answers alone.
        os.kill(proc.pid, signal.SIGSTOP)
        try:
            done = bot("search", "--json", "-k", "1", "Eastport harbour council")
        finally:
            os.kill(proc.pid, signal.SIGCONT)
        assert done.returncode == 0 and "did not answer" in done.stderr, done.stderr
        assert json.loads(done.stdout)[0]["doc_id"] == "harbour"
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert not record.exists()  # a server that stops removes its record
