"""evals/fusion.py: the fits recover known weights, folds are by quiz month, the reranker scores with
exactly the features the fit sees, and a whole run on a tiny real store reports both folds."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from bot.answering.query import Query
from bot.answering.rerank import FEATURES, HeuristicReranker, Weights, candidate_features
from bot.service import Bot
from tests.conftest import make_config
from tests.test_benchmark_smoke import TOPICS, _article, _question

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evals"))
import fusion  # noqa: E402

TRUE = np.array([0.6, 0.1, 0.3, 0.0, 0.2, -0.15])  # in FEATURES order; one weight negative


def _pools(offsets: bool, n_questions: int = 300, seed: int = 1) -> list[fusion.Pool]:
    """Synthetic questions whose candidates hold the answer with probability sigmoid(score), the
    score linear in the features with weights TRUE (times 8, so the labels carry signal)."""
    rng = np.random.default_rng(seed)
    pools = []
    for i in range(n_questions):
        x = rng.uniform(0, 1, size=(30, len(FEATURES)))
        shift = rng.normal(0, 3) if offsets else -2.0  # a question-wide offset the ranker must ignore
        y = rng.uniform(size=30) < 1 / (1 + np.exp(-(8 * x @ TRUE - 4 + shift)))
        pools.append(fusion.Pool(f"q{i}", "2023-09", x, y))
    return pools


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_pairwise_fit_recovers_known_weights_despite_question_offsets() -> None:
    w = fusion.fit_pairwise(_pools(offsets=True))
    assert _cosine(w, TRUE) > 0.97
    assert w[FEATURES.index("published")] < 0 < w[FEATURES.index("date")]  # signs, not only direction


def test_pointwise_fit_recovers_known_weights() -> None:
    w = fusion.fit_pointwise(_pools(offsets=False))
    assert _cosine(w, TRUE) > 0.97


def test_fits_are_on_the_raw_feature_scale() -> None:
    """Standardising is internal: a feature stored ten times larger gets a tenth of the weight."""
    pools = _pools(offsets=True, n_questions=150)
    scaled = [fusion.Pool(p.qid, p.month, p.x * np.array([10, 1, 1, 1, 1, 1]), p.y) for p in pools]
    a, b = fusion.fit_pairwise(pools), fusion.fit_pairwise(scaled)
    assert b[0] == pytest.approx(a[0] / 10, rel=1e-6) and b[1:] == pytest.approx(a[1:], rel=1e-6)


def test_pairwise_needs_a_question_with_both_labels() -> None:
    pool = fusion.Pool("q", "2023-09", np.ones((3, len(FEATURES))), np.zeros(3, dtype=bool))
    with pytest.raises(ValueError, match="no question has both"):
        fusion.fit_pairwise([pool])


def test_folds_are_by_quiz_month() -> None:
    # The quiz of 1 September asks about 31 August: it belongs to September.
    assert fusion.quiz_month({"id": "20230901_0", "date": "2023-08-31"}) == "2023-09"
    assert fusion.quiz_month({"id": "x", "date": "2023-10-05"}) == "2023-10"
    questions = [{"id": "20230901_0", "date": "2023-08-31"}, {"id": "20231006_1", "date": "2023-09-29"}]
    assert fusion.month_folds(questions) == [("2023-09", "2023-10"), ("2023-10", "2023-09")]
    with pytest.raises(SystemExit, match="exactly two months"):
        fusion.month_folds([*questions, {"id": "20231103_0", "date": "2023-11-02"}])


def test_as_weights_keeps_ratios_at_the_hand_set_total() -> None:
    w = fusion.as_weights([2.0, 0.0, 1.0, 0.0, -1.0, 0.0])
    total = sum(abs(v) for v in Weights().as_tuple())
    assert sum(abs(v) for v in w.as_tuple()) == pytest.approx(total, abs=1e-3)
    assert w.dense == pytest.approx(2 * w.coverage, abs=1e-3) and w.date == pytest.approx(
        -w.coverage, abs=1e-3
    )


def test_the_rule_for_changing_the_defaults() -> None:
    hand = [{"recall@5": 0.5, "recall@10": 0.6}, {"recall@5": 0.6, "recall@10": 0.7}]
    assert fusion.better([{"recall@5": 0.55, "recall@10": 0.6}, {"recall@5": 0.6, "recall@10": 0.7}], hand)
    # better on average, but one fold worse: no
    assert not fusion.better(
        [{"recall@5": 0.7, "recall@10": 0.8}, {"recall@5": 0.58, "recall@10": 0.7}], hand
    )
    assert not fusion.better(hand, hand)  # equal is not better


def test_reranker_scores_are_the_weighted_features_the_fit_sees() -> None:
    """The shipped scorer and the fit's features cannot drift apart: score = weights · features."""
    from bot.types import Passage

    texts = [
        "Zentrix Corp was fined on October 24 by the regulator.",
        "The harbour reopened after the storm, the mayor said.",
        "Regulators said Zentrix would appeal the fine next month.",
    ]
    passages = []
    for i, t in enumerate(texts):
        p = Passage(f"c{i}", f"d{i}", t, 0, len(t), f"title {i}", "src", "", "2023-10-2" + str(i + 4))
        p.scores = {"dense": 0.2 + 0.1 * i, "bm25": 3.0 - i}
        passages.append(p)
    query = Query.build("Which company was fined on October 24?", as_of=date(2023, 10, 27))
    assert query.keywords == "Which company was fined?" and [r.kind for r in query.date_ranges] == ["mention"]
    weights = Weights(dense=0.3, bm25=0.2, coverage=0.1, names=0.25, date=0.4, published=0.05)
    features = {p.chunk_id: f for p, f in zip(passages, candidate_features(query, passages), strict=True)}
    assert features["c0"]["date"] == 1.0 and features["c0"]["bm25"] == 1.0
    ranked = HeuristicReranker(weights).rerank(query, passages)
    for p in ranked:
        expected = sum(w * features[p.chunk_id][f] for f, w in zip(FEATURES, weights.as_tuple(), strict=True))
        assert p.score == pytest.approx(expected)


def test_fitted_weights_are_configuration_and_bad_ones_are_named(tmp_path: Path) -> None:
    """A fitted set is tried with BOT_RERANK_WEIGHTS; the rest keep their defaults; a typo is an error."""
    from bot.config import Config, ConfigError

    config = Config.from_env({"BOT_HOME": str(tmp_path), "BOT_RERANK_WEIGHTS": "dense=0.61, bm25=0,names=0"})
    weights = HeuristicReranker.from_config(config).weights
    assert (weights.dense, weights.bm25, weights.names) == (0.61, 0.0, 0.0)
    assert weights.coverage == Weights().coverage and weights.date == Weights().date
    for bad in ("dense=high", "dense"):  # the syntax, when the configuration is read
        with pytest.raises(ConfigError, match=f"'{bad}' is not feature=number"):
            Config.from_env({"BOT_HOME": str(tmp_path), "BOT_RERANK_WEIGHTS": bad})
    unknown = Config.from_env({"BOT_HOME": str(tmp_path), "BOT_RERANK_WEIGHTS": "cosine=0.5"})
    with pytest.raises(
        ConfigError, match="'cosine=0.5'.*features: dense, bm25"
    ):  # where the reranker is built
        HeuristicReranker.from_config(unknown)


@pytest.fixture(scope="module")
def rtqa(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("fusion")
    data, home = root / "data", root / "home"
    data.mkdir()
    articles = [_article(i, *t) for i, t in enumerate(TOPICS)]
    questions = []
    for i, t in enumerate(TOPICS):
        q = _question(i, t[0], t[1], t[3], t[4])
        q["id"] = f"2023{'09' if i % 2 else '10'}0{i + 1}_0"  # two quiz months
        questions.append(q)
    (data / "articles.jsonl").write_text("".join(json.dumps(a) + "\n" for a in articles))
    (data / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions))
    Bot(make_config(home), llm=None).ingest([data / "articles.jsonl"])
    return data, home


def test_a_run_reports_both_folds_beside_the_hand_set_weights(
    rtqa: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, home = rtqa
    out = tmp_path / "fusion.json"
    assert fusion.main(["--home", str(home), "--data", str(data), "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["meta"]["months"] == {
        "2023-09": {"questions": 2, "with_answer": 2, "pool_mean": report["meta"]["chunks"]},
        "2023-10": {"questions": 3, "with_answer": 3, "pool_mean": report["meta"]["chunks"]},
    }  # a store smaller than the candidate count: every chunk is in every pool
    folds = {(r["model"], r["train"], r["test"]) for r in report["rows"]}
    assert ("pairwise", "2023-09", "2023-10") in folds and ("pairwise", "2023-10", "2023-09") in folds
    assert len(report["rows"]) == 6
    hand = [r for r in report["rows"] if r["model"].startswith("hand")]
    assert all(r["weights"] == dict(zip(FEATURES, Weights().as_tuple(), strict=True)) for r in hand)
    # Each question names its article's place and person: every weighting finds it in the top 5.
    assert all(r["scores"]["recall@5"] == 1.0 for r in report["rows"])
    assert {r["scores"]["n"] for r in report["rows"] if r["test"] == "2023-10"} == {3}
    printed = capsys.readouterr().out
    assert out.with_suffix(".md").read_text().strip() in printed
