"""Smoke test of benchmarks/run.py: five synthetic articles, tiny chunks, every pipeline in-process.

It checks the report's shape and that its figures are sane (positive throughputs, p95 >= p50,
re-ingest embeds nothing, the added article is found), not how fast anything is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import corpora, figures
from benchmarks import report as bench_report
from benchmarks import run as bench
from evals.report import percentile
from tests.conftest import FakeLLM, make_config

TOPICS = [
    (
        "zorvath",
        "Zorvath",
        "The harbour of Zorvath reopened after the storm",
        "harbour",
        "Captain Ilse Marrow",
    ),
    ("quellan", "Quellan", "Quellan valley vineyards report a record harvest", "vineyard", "Tomas Gravel"),
    ("brenmoor", "Brenmoor", "Brenmoor council approves a new tram line", "tram", "Mayor Odile Fenwick"),
    ("sattara", "Sattara", "Sattara observatory spots a new comet", "comet", "Dr Ravi Okonjo"),
    ("velmont", "Velmont", "Velmont marathon won by a local teacher", "marathon", "Greta Lindqvist"),
]


def _article(i: int, slug: str, place: str, title: str, thing: str, person: str) -> dict[str, Any]:
    sentences = [
        f"{person} said on Monday that the {thing} in {place} drew large crowds this season.",
        f"Officials in {place} expect the {thing} to bring more visitors next year.",
        f"Local shops near the {thing} reported busy weekends and longer opening hours.",
        f"The regional paper in {place} has followed the {thing} story since the spring.",
        f"Residents told reporters the {thing} had changed daily life in {place}.",
    ]
    return {
        "id": f"syn{i:02d}{slug}",
        "url": f"https://example.org/{slug}",
        "title": title,
        "published": f"2023-09-0{i + 1}",
        "authors": [],
        "text": " ".join(sentences * 4),
    }


def _question(i: int, slug: str, place: str, thing: str, person: str) -> dict[str, Any]:
    return {
        "id": f"q{i}",
        "date": "2023-09-30",
        "source": "synthetic",
        "question": f"Who spoke about the {thing} in {place}?",
        "choices": [person, "Someone else"],
        "answer": person,
        "search_results": [f"syn{i:02d}{slug}"],
        "answer_in_search_results": True,
    }


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("bench")
    data = root / "data"
    data.mkdir()
    articles = [_article(i, *t) for i, t in enumerate(TOPICS)]
    questions = [_question(i, t[0], t[1], t[3], t[4]) for i, t in enumerate(TOPICS)]
    corpora.write_jsonl(articles, data / "articles.jsonl")
    corpora.write_jsonl(questions, data / "questions.jsonl")
    out = root / "out"
    argv = [
        "--data", str(data), "--articles", "5", "--scales", "1,2", "--questions", "4",
        "--answers", "0", "--raw-chunks", "8", "--chunk-size", "64", "--chunk-overlap", "8",
        "--in-process", "--no-serve", "--no-cold", "--out", str(out), "--workdir", str(root / "work"),
    ]  # fmt: skip
    assert bench.main(argv) == 0
    result: dict[str, Any] = json.loads((out / "results.json").read_text())
    result["_root"] = str(root)
    return result


def test_report_has_the_machine_and_settings(report: dict[str, Any]) -> None:
    meta = report["meta"]
    assert meta["machine"]["nproc"] >= 1 and meta["machine"]["ram_gb"] > 0
    assert len(meta["load_start"]) == 3 and len(meta["load_end"]) == 3
    assert meta["settings"]["chunk_size"] == 64 and meta["settings"]["articles"] == 5
    assert set(report["runs"]) == {"1x", "2x"}
    assert {"targets", "growth", "comparison"} <= set(report)
    assert (Path(report["out"]) / "results.md").read_text().startswith("# Benchmark results")


@pytest.mark.parametrize("kind", ["ours", "li_chunks", "li_defaults"])
def test_every_pipeline_reports_sane_figures(report: dict[str, Any], kind: str) -> None:
    r = report["runs"]["1x"][kind]
    assert "error" not in r, r.get("error")
    assert r["network_attempts"] == []
    ingest, raw, retrieval = r["ingest"], r["raw"], r["retrieval"]
    assert ingest["articles"] == 5 and ingest["chunks"] > 0
    for key in ("wall_s", "chunks_per_s", "tokens_per_s", "embed_s", "peak_rss_mb"):
        assert ingest[key] > 0, key
    assert 0 <= ingest["outside_embedding_share"] < 1
    assert raw["tokens_per_s"] > 0 and raw["chunks_per_s"] > 0
    assert r["efficiency"]["ingest_vs_raw"] > 0
    assert retrieval["n"] == 4
    assert retrieval["p95_ms"] >= retrieval["p50_ms"] > 0
    assert retrieval["recall_n"] == 5 and 0 <= retrieval["recall_at_5"] <= 1


def test_ours_reingest_single_add_and_scaling(report: dict[str, Any]) -> None:
    one, two = report["runs"]["1x"]["ours"], report["runs"]["2x"]["ours"]
    assert one["reingest"]["embedded"] == 0 and one["reingest"]["unchanged"] == 5
    assert one["single_add"]["found_rank"] is not None and one["single_add"]["total_ms"] > 0
    assert one["retrieval"]["recall_at_5"] == 1.0  # each synthetic answer sits in its own article
    assert two["ingest"]["articles"] == 10 and two["ingest"]["chunks"] > one["ingest"]["chunks"]
    assert two["store"]["docs"] == 11  # 10 articles and the one added
    assert report["growth"]["ingest_wall_s"] is not None
    # llama-index's defaults cut 1024-token chunks: fewer chunks than with our 64-token ones.
    assert report["runs"]["1x"]["li_defaults"]["ingest"]["chunks"] < one["ingest"]["chunks"]


def test_answer_timings_with_a_fake_model(report: dict[str, Any]) -> None:
    from bot.service import Bot

    home = Path(report["_root"]) / "work" / "1x" / "ours"
    bot = Bot(make_config(home, chunk_size=64, chunk_overlap=8), llm=FakeLLM("Captain Ilse Marrow said so."))
    questions = [_question(0, *[TOPICS[0][i] for i in (0, 1, 3, 4)])]
    got = figures.measure_answers(bot, questions, "Which comet was spotted?")
    assert got["n"] == 1 and got["model"] == "fake"
    assert got["first_token"]["n"] == 1
    assert 0 < got["first_token"]["p50_ms"] <= got["total"]["p50_ms"]


def test_helpers() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert bench_report.growth_exponent([1, 2, 4], [10, 20, 40]) == pytest.approx(1.0)
    base = [{"id": "a", "text": "One."}, {"id": "b", "text": "Two."}]
    scaled = corpora.scaled_corpus(base, 3)
    assert [a["id"] for a in scaled] == ["a", "b", "a-copy1", "b-copy1", "a-copy2", "b-copy2"]
    assert scaled[2]["text"].startswith("One.") and scaled[2]["text"] != "One."
    questions = [{"search_results": ["b", "x"]}, {"search_results": ["a"]}]
    assert [a["id"] for a in corpora.select_articles(base + [{"id": "c", "text": "3"}], questions, 2)] == [
        "b",
        "a",
    ]
    chart = bench_report.ascii_chart("t", [1, 2], [1.0, 2.0], "s")
    assert "|" in chart or "╂" in chart


def test_resume_runs_only_the_missing_pipeline(report: dict[str, Any]) -> None:
    root = Path(report["_root"])
    out = root / "out"
    saved = json.loads((out / "results.json").read_text())
    ours_before = saved["runs"]["1x"]["ours"]
    del saved["runs"]["1x"]["li_defaults"]
    (out / "results.json").write_text(json.dumps(saved))
    argv = [
        "--data", str(root / "data"), "--articles", "5", "--scales", "1,2", "--questions", "4",
        "--answers", "0", "--raw-chunks", "8", "--chunk-size", "64", "--chunk-overlap", "8",
        "--in-process", "--no-serve", "--no-cold", "--out", str(out), "--workdir", str(root / "work"),
        "--resume", "--pipelines", "li_defaults",
    ]  # fmt: skip
    assert bench.main(argv) == 0
    resumed = json.loads((out / "results.json").read_text())
    assert resumed["runs"]["1x"]["ours"] == ours_before  # kept, not measured again
    assert "ingest" in resumed["runs"]["1x"]["li_defaults"]  # measured now
    assert "li_chunks" in resumed["runs"]["1x"] and "ours" in resumed["runs"]["2x"]
    assert len(resumed["meta"]["resumed"]) == 1
    with pytest.raises(SystemExit, match="unknown pipeline"):
        bench.main([*argv[:-1], "li_nonsense"])
