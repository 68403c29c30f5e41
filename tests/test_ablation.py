"""evals/ablation.py on five synthetic articles: every step runs against a real store and the
figures it prints are the ones it measured (no model is loaded: the ablation is retrieval only)."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.service import Bot
from tests.conftest import make_config
from tests.test_benchmark_smoke import TOPICS, _article, _question

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evals"))
import ablation  # noqa: E402


@pytest.fixture(scope="module")
def rtqa(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("ablation")
    data, home = root / "data", root / "home"
    data.mkdir()
    articles = [_article(i, *t) for i, t in enumerate(TOPICS)]
    questions = [_question(i, t[0], t[1], t[3], t[4]) for i, t in enumerate(TOPICS)]
    (data / "articles.jsonl").write_text("".join(json.dumps(a) + "\n" for a in articles))
    (data / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions))
    Bot(make_config(home), llm=None).ingest([data / "articles.jsonl"])
    return data, home


def test_every_step_is_measured_and_written(
    rtqa: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, home = rtqa
    out = tmp_path / "ablation.json"
    assert ablation.main(["--home", str(home), "--data", str(data), "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert list(report["steps"]) == [s.name for s in ablation.STEPS]
    assert report["meta"]["articles"] == 5 and report["meta"]["questions"] == 5
    bm25s_row = "BM25 only, bm25s (stemmed, title + chunk)"
    if importlib.util.find_spec("bm25s") is None or importlib.util.find_spec("Stemmer") is None:
        assert "not installed" in report["steps"].pop(bm25s_row)["skipped"]
    for name, figures in report["steps"].items():
        q, g = figures["realtimeqa"], figures["gold"]
        assert q["n"] == 5 and 0 <= q["recall@1"] <= q["recall@5"] <= q["recall@10"] <= 1
        assert q["p95_ms"] >= q["p50_ms"] > 0
        assert g["n"] > 30 and 0 <= g["hit@1"] <= g["hit@3"] <= 1
        bare = name.startswith(("dense only", "BM25 only"))
        assert (g["refusal_accuracy"] is None) == bare  # only the pipeline has a gate
    # Each question names its article's place and person: every search finds it in the top 5.
    assert all(f["realtimeqa"]["recall@5"] == 1.0 for f in report["steps"].values())
    # On a handful of chunks HNSW visits every one: exact and approximate dense search agree.
    hnsw, exact = (
        report["steps"]["dense only (Chroma top-k)"],
        report["steps"]["dense only, exact cosine (numpy)"],
    )
    assert exact["realtimeqa"]["recall@1"] == hnsw["realtimeqa"]["recall@1"]
    assert exact["gold"]["hit@3"] == hnsw["gold"]["hit@3"] and exact["gold"]["mrr"] == pytest.approx(
        hnsw["gold"]["mrr"]
    )
    # The shipped pipeline's gate refuses some of the gold set's off-corpus questions.
    assert report["steps"][ablation.STEPS[-1].name]["gold"]["refusal_accuracy"] > 0
    # The as-of table: the synthetic questions carry no time expression, so the quiz date changes
    # nothing for them, and every setting finds every answer.
    as_of = report["as_of"]
    assert as_of["types"] == {
        "reporting period": 0,
        "relative event date": 0,
        "absolute date": 0,
        "no time expression": 5,
    }
    for name, _, _ in ablation.AS_OF_SETTINGS:
        assert as_of[name]["all"] == {"n": 5, "recall@5": 1.0, "recall@10": 1.0}
    printed = capsys.readouterr().out
    assert all(s.name in printed for s in ablation.STEPS)
    assert "What the quiz date buys" in printed
    assert out.with_suffix(".md").read_text().strip() in printed


def test_a_missing_bm25s_skips_its_row_and_says_why(
    rtqa: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, home = rtqa
    monkeypatch.setattr(ablation, "bm25s_search", lambda bot: None)
    monkeypatch.setattr(
        ablation, "STEPS", [s for s in ablation.STEPS if "bm25s" in s.name or "FTS5" in s.name]
    )
    out = tmp_path / "ablation.json"
    assert ablation.main(["--home", str(home), "--data", str(data), "--out", str(out)]) == 0
    steps = json.loads(out.read_text())["steps"]
    assert steps["BM25 only, bm25s (stemmed, title + chunk)"] == {
        "skipped": "bm25s and PyStemmer are not installed (pip install -e '.[evals]')"
    }
    assert steps["BM25 only (FTS5)"]["realtimeqa"]["recall@5"] == 1.0  # the other rows still run
    assert "skipped: bm25s and PyStemmer are not installed" in out.with_suffix(".md").read_text()


def test_bm25s_baseline_ranks_by_stemmed_words(rtqa: tuple[Path, Path]) -> None:
    pytest.importorskip("bm25s")
    pytest.importorskip("Stemmer")
    _, home = rtqa
    bot = Bot(make_config(home), llm=None)
    search = ablation.bm25s_search(bot)
    assert search is not None
    # "festivals" stems to the title's and text's "festival"; the word occurs in one article only.
    thing, place = TOPICS[0][3], TOPICS[0][1]
    passages, support = search(f"{thing}s {place}", 3, None)
    assert support is None and passages and passages[0].doc_id.startswith("syn00")
    assert search("the of and", 3, None) == ([], None)  # stopwords only: nothing to match


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which college sport set a world record for attendance this week?", "reporting period"),
        ("How many astronauts recently arrived at the International Space Station?", "reporting period"),
        ("Hurricane Idalia made landfall Wednesday in which state?", "relative event date"),
        ("Where will next month's Republican presidential debate take place?", "relative event date"),
        ("Who did Governor John Carney endorse for the next Delaware governor in 2024?", "absolute date"),
        ("Which substance is being reviewed for possible reclassification?", "no time expression"),
    ],
)
def test_question_types_for_the_as_of_table(question: str, kind: str) -> None:
    assert ablation.question_type(question, date(2023, 9, 8)) == kind


def test_a_store_without_articles_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="holds no articles"):
        ablation.main(["--home", str(tmp_path / "empty"), "--data", str(tmp_path)])
