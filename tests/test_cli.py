"""The command line: one-line errors with a non-zero exit, nothing half-written, JSON shapes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import CORPUS


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in list(os.environ):
        if key.startswith("BOT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("BOT_LLM", "none")
    return tmp_path / "store"


def run(home: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--home", str(home), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_help_is_instant_and_lists_commands() -> None:
    done = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, timeout=20)
    assert done.returncode == 0
    for command in ("ingest", "feeds", "ask", "search", "docs", "remove", "serve", "eval", "reindex"):
        assert command in done.stdout
    # Heavy libraries stay unimported: --help must not pay for them.
    probe = "import sys, bot.cli; print(any(m.startswith(('chromadb','llama_index','gradio')) for m in sys.modules))"
    assert (
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip()
        == "False"
    )


def test_ingest_ask_docs_remove(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(home, "ingest", str(CORPUS), capsys=capsys)
    assert code == 0 and "added" in out
    code, out, _ = run(home, "ask", "--json", "Who was released in November 2023?", capsys=capsys)
    data = json.loads(out)
    assert code == 0 and not data["refused"] and "Yaffa Adar" in data["answer"]
    assert data["citations"][0]["doc_id"] == "tass-2025-02-10-zakharova-hostages"
    code, out, _ = run(home, "ask", "How old is Yaffa Adar?", capsys=capsys)
    assert code == 0 and out.startswith("The corpus does not say.") and "holds no age" in out
    code, out, _ = run(home, "docs", capsys=capsys)
    assert "tass-2025-02-10-zakharova-hostages" in out
    code, out, _ = run(home, "search", "Abu Marzouk Moscow", "-k", "2", "--json", capsys=capsys)
    rows = json.loads(out)
    assert len(rows) == 2 and {"score", "start", "end", "text", "doc_id"} <= set(rows[0])
    assert run(home, "remove", "tass-2025-02-10-zakharova-hostages", capsys=capsys)[0] == 0
    code, _, err = run(home, "remove", "tass-2025-02-10-zakharova-hostages", capsys=capsys)
    assert code == 1 and "no document" in err


def test_search_reads_queries_from_stdin(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(home, "ingest", str(CORPUS), capsys=capsys)
    monkeypatch.setattr(sys, "stdin", io.StringIO("Who is Abu Marzouk?\n\nWho is Yaffa Adar?\n"))
    code, out, _ = run(home, "search", "-", "-k", "1", capsys=capsys)
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [x["query"] for x in lines] == ["Who is Abu Marzouk?", "Who is Yaffa Adar?"]
    assert "Yaffa Adar" in lines[1]["results"][0]["text"]


@pytest.mark.parametrize("question", ["", "   ", "x" * 100_000])
def test_bad_question_is_one_line_error(
    home: Path, capsys: pytest.CaptureFixture[str], question: str
) -> None:
    code, _, err = run(home, "ask", question, capsys=capsys)
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1


def test_bad_files_are_reported_and_the_rest_ingested(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.md").write_text("# Good\n\nThe Zorblat festival opened in Tallinn.", encoding="utf-8")
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (folder / "latin1.txt").write_bytes("caf\xe9 au lait".encode("latin-1"))
    (folder / "slides.pptx").write_bytes(b"PK\x03\x04")
    code, out, err = run(home, "ingest", str(folder), capsys=capsys)
    assert code == 0 and "added: good" in out
    for name, reason in [
        ("empty.txt", "empty"),
        ("binary.txt", "binary"),
        ("latin1.txt", "UTF-8"),
        ("slides.pptx", "unsupported"),
    ]:
        assert any(name in line and reason in line for line in err.splitlines()), (name, err)
    code, out, _ = run(home, "docs", "--json", capsys=capsys)
    assert [d["doc_id"] for d in json.loads(out)] == ["good"]


def test_missing_path_is_an_error(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(home, "ingest", "/no/such/file.md", capsys=capsys)
    assert code == 1 and "no such file" in err


def test_unwritable_store_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    code, _, err = run(blocker / "store", "docs", capsys=capsys)
    assert code == 1 and "not writable" in err and "Traceback" not in err
