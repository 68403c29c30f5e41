"""`bot eval` from an installed wheel, run outside the checkout: the default gold run must find the
gold set, the thresholds and the bundled corpus inside the installed packages, not beside a checkout.

The wheel is built from a copy of the sources (so the checkout gets no build/ folder), installed
with ``pip --target`` into a temporary folder, and run with that folder alone on PYTHONPATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SOURCES = ("pyproject.toml", "README.md", "bot", "evals", "corpus")


def copy_sources(dest: Path) -> Path:
    """What the wheel is built from, symlinks kept (evals/corpus points at the top-level corpus/)."""
    ignore = shutil.ignore_patterns("__pycache__", "results", "*.pyc")
    dest.mkdir()
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(src, dest / name)
    return dest


def pip(*args: str, cwd: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.slow
def test_bot_eval_runs_the_gold_set_from_an_installed_wheel(tmp_path: Path) -> None:
    src = copy_sources(tmp_path / "src")
    dist, site, outside = tmp_path / "dist", tmp_path / "site", tmp_path / "elsewhere"
    outside.mkdir()
    pip("wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(src), cwd=src)
    wheel = next(dist.glob("newsbot-*.whl"))
    pip("install", "--no-deps", "-q", "--target", str(site), str(wheel), cwd=outside)
    shutil.rmtree(src)  # nothing of the sources is left to fall back on

    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(PYTHONPATH=str(site), BOT_LLM="none", HOME=str(tmp_path / "home"))
    env.pop("XDG_DATA_HOME", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], cwd=outside, env=env, capture_output=True, text=True, timeout=600
        )

    where = run("-c", "import bot, evals; print(bot.__file__); print(evals.__file__)")
    assert where.returncode == 0, where.stderr
    assert all(Path(line).is_relative_to(site) for line in where.stdout.split()), where.stdout

    proc = run("-m", "bot", "eval", "--no-floor", "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (results,) = (tmp_path / "out").glob("*/results.json")
    report = json.loads(results.read_text())
    gold = (ROOT / "evals" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(report["rows"]) == sum(bool(line.strip()) for line in gold)  # the whole gold set ran
    assert report["summary"]["hit@1"] > 0.5  # on the bundled corpus, ingested from the wheel
    assert report["meta"]["llm_model"] == "no-llm"
