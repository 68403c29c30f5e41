"""The command line: one-line errors with a non-zero exit, nothing half-written, JSON shapes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.config import Config
from bot.index.vectors import ChromaStore
from bot.ui.cli import main
from tests.conftest import CORPUS, ROOT


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
    probe = "import sys, bot.ui.cli; print(any(m.startswith(('chromadb','llama_index','gradio')) for m in sys.modules))"
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
    # No sentence says how old anyone is: the quote fallback finds none to quote.
    assert code == 0 and out.startswith("The corpus does not say.") and "says what was asked" in out
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


# --- start-up cost: what a command imports and loads ------------------------------------------------
# Each of these costs a cold `bot` process time before any work starts (docs/latency.md).
WEB_AND_UI = ["gradio", "fastapi", "uvicorn", "trafilatura", "feedparser", "bs4"]
WEB_AND_UI += ["bot.ui.web", "bot.ui.handlers", "bot.ui.render", "bot.ui.api"]
WEB_AND_UI += ["bot.documents.fetch", "bot.documents.html", "bot.feeds"]
NOT_FOR_QUERIES = [*WEB_AND_UI, "llama_index", "llama_cpp", "nltk", "tiktoken"]

# Runs the CLI entry in a fresh interpreter, counting embedder loads, and reports on its last line.
PROBE = """
import json, sys
import bot.backends.minilm as minilm
loads = []
init = minilm.MiniLMEmbedder.__init__
def counting(self, *args, **kwargs):
    loads.append(1)
    init(self, *args, **kwargs)
minilm.MiniLMEmbedder.__init__ = counting
from bot.ui.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "loads": len(loads), "modules": sorted(sys.modules)}))
"""


def probe_cli(*argv: str) -> tuple[int, int, set[str], str]:
    """(exit code, embedder loads, modules imported, output) of one CLI run in a new process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=300, cwd=ROOT, env=env
    )
    *output, report = done.stdout.strip().splitlines()
    data = json.loads(report)
    return data["code"], data["loads"], set(data["modules"]), "\n".join(output)


def imported(modules: set[str], names: list[str]) -> list[str]:
    return [n for n in names if any(m == n or m.startswith(n + ".") for m in modules)]


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [["search", "Abu Marzouk Moscow", "-k", "2"], ["ask", "--no-llm", "Who was released in November 2023?"]],
)
def test_queries_start_without_web_ui_or_llama_index(corpus_home: Path, command: list[str]) -> None:
    code, loads, modules, out = probe_cli("--home", str(corpus_home), *command)
    assert code == 0 and ("Abu Marzouk" in out or "Yaffa Adar" in out), out
    assert imported(modules, NOT_FOR_QUERIES) == []
    assert loads == 1  # retrieval, the refusal gate and sentence scoring share one embedder
    assert "chromadb" in modules and "onnxruntime" in modules  # the probe sees real imports


@pytest.mark.slow
def test_file_ingest_starts_without_web_or_ui(tmp_path: Path) -> None:
    code, loads, modules, out = probe_cli("--home", str(tmp_path / "store"), "ingest", str(CORPUS))
    assert code == 0 and "added" in out
    assert imported(modules, WEB_AND_UI) == []
    assert loads == 1
    assert "llama_index" in modules  # its sentence splitter makes the chunks: needed here only


def test_a_query_only_store_never_builds_the_llama_index_writer(config: Config) -> None:
    """Querying goes straight to the Chroma collection: the llama-index writer (and its ~1.3 s
    import in a new process) is built on the first write only."""
    store = ChromaStore.from_config(config)
    assert store.query(np.ones(384, dtype=np.float32), 3) == []
    assert store.count() == 0 and "_li" not in store.__dict__
    store.add(["c1"], np.ones((1, 384), dtype=np.float32), ["text"], [{"doc_id": "d1"}])
    assert "_li" in store.__dict__ and [i for i, _ in store.query(np.ones(384, dtype=np.float32), 3)] == [
        "c1"
    ]
