"""Exact search (bot.exact) and the HNSW-vs-exact eval (evals/ann.py) on a tiny real store."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.index.exact import ExactIndex
from bot.index.vectors import ChromaStore
from bot.service import Bot
from tests.conftest import make_config
from tests.test_benchmark_smoke import TOPICS, _article, _question

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "evals"))
import ann  # noqa: E402


def test_exact_index_returns_the_true_top_k_in_order() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 8)).astype(np.float32) * 3  # not unit rows: the index normalises
    ids = [f"c{i}" for i in range(50)]
    index = ExactIndex.from_vectors(ids, vectors)
    q = rng.normal(size=8).astype(np.float32)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sims = unit @ (q / np.linalg.norm(q))
    expected = [f"c{i}" for i in np.argsort(-sims)[:7]]
    got = index.query(q, 7)
    assert [cid for cid, _ in got] == expected
    assert got[0][1] == pytest.approx(float(sims.max()), abs=1e-5)
    assert len(index.query(q, 500)) == 50 and index.query(q, 0) == []


def test_exact_index_rejects_mismatched_ids() -> None:
    with pytest.raises(ValueError, match="2 ids for 3 vectors"):
        ExactIndex.from_vectors(["a", "b"], np.zeros((3, 4), dtype=np.float32))


@pytest.fixture(scope="module")
def rtqa(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("ann")
    data, home = root / "data", root / "home"
    data.mkdir()
    articles = [_article(i, *t) for i, t in enumerate(TOPICS)]
    questions = [_question(i, t[0], t[1], t[3], t[4]) for i, t in enumerate(TOPICS)]
    (data / "articles.jsonl").write_text("".join(json.dumps(a) + "\n" for a in articles))
    (data / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions))
    Bot(make_config(home), llm=None).ingest([data / "articles.jsonl"])
    return data, home


def test_all_vectors_reads_every_chunk_across_pages(rtqa: tuple[Path, Path]) -> None:
    _, home = rtqa
    store = ChromaStore.from_config(make_config(home))
    ids, matrix = store.all_vectors(batch=2)  # pages of 2: the paging loop runs several times
    assert len(ids) == len(set(ids)) == store.count() == len(matrix)
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-4)
    first = store.vectors([ids[0]])[ids[0]]
    assert np.allclose(matrix[0], first)


def _digest(home: Path) -> str:
    h = hashlib.sha256()
    for f in sorted((home / "chroma").rglob("*")):
        if f.is_file():
            h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()


def test_ann_eval_measures_every_setting_and_leaves_the_store_alone(
    rtqa: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, home = rtqa
    before = _digest(home)
    out = tmp_path / "ann.json"
    argv = ["--home", str(home), "--data", str(data), "--ef", "10,100", "--build", "16x4", "--scale", "100"]
    assert ann.main([*argv, "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    rows = report["rows"]
    assert list(rows) == [
        "exact (numpy)",
        "HNSW store's index, ef_search 10",
        "HNSW store's index, ef_search 100",
        "HNSW rebuilt c16/M4, ef_search 10",
        "HNSW rebuilt c16/M4, ef_search 100",
    ]
    assert rows["exact (numpy)"]["overlap@10"] == 1.0
    # A handful of chunks: HNSW visits them all and finds the exact neighbours.
    assert all(r["overlap@40"] == 1.0 and r["recall@5"] == 1.0 for r in rows.values())
    assert all(r["p95_ms"] >= r["p50_ms"] > 0 for r in rows.values())
    assert report["exact_scaled"][0]["rows"] == 100
    assert out.with_suffix(".md").read_text().strip() in capsys.readouterr().out
    # ef was changed and collections were built on a copy: the store given is byte-for-byte the same.
    assert _digest(home) == before
    config = make_config(home)
    assert (
        ann.fresh_client(config).get_collection(config.collection).configuration_json["hnsw"]["ef_search"]
        == 100
    )
    assert len(ann.fresh_client(config).list_collections()) == 1
