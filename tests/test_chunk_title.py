"""BOT_CHUNK_TITLE: a store indexes each chunk with or without its article's title (issue 18's
sweep), and a store built one way refuses a configuration of the other, as for chunk sizes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.config import Config, ConfigError
from bot.index.catalog import StoreError, open_catalog
from bot.index.ingest import Indexer
from bot.index.records import store_identity
from bot.index.vectors import ChromaStore
from bot.types import Article
from tests.conftest import HashEmbedder, make_config

TITLE = "Zanzibar ferry operator fined"
TEXT = (
    "The regulator fined the operator after an inspection found expired life jackets. "
    "Passengers had complained for months about overcrowded crossings. "
    "The company said it would appeal the decision in court next week."
)


class RecordingEmbedder(HashEmbedder):
    """The hash embedder, keeping every text it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        return super().embed(texts)


def _indexer(config: Config, embedder: HashEmbedder) -> Indexer:
    return Indexer(config, open_catalog(config), ChromaStore.from_config(config), embedder)


def _ingest(config: Config) -> tuple[Indexer, RecordingEmbedder]:
    embedder = RecordingEmbedder()
    indexer = _indexer(config, embedder)
    results = indexer.ingest_articles([(Article(TEXT, TITLE, "doc-1"), None)])
    assert [r.status for r in results] == ["added"]
    return indexer, embedder


@pytest.mark.parametrize("title", [1, 0])
def test_embedder_sees_the_title_only_when_the_store_indexes_it(tmp_path: Path, title: int) -> None:
    indexer, embedder = _ingest(make_config(tmp_path / "s", embedder="hash", chunk_title=title))
    assert embedder.seen, "nothing was embedded"
    chunk_texts = [TEXT[s:e] for _, s, e in indexer.catalog.chunk_spans(indexer.catalog.chunk_ids()).values()]
    if title:
        assert all(t.startswith(TITLE + "\n") for t in embedder.seen)
    else:
        assert not any(t.startswith(TITLE) for t in embedder.seen)
        assert sorted(embedder.seen) == sorted(chunk_texts)  # the chunk's own text, nothing added
    # The keyword index follows: a word of the title alone finds the chunk only with the title.
    assert bool(indexer.catalog.keyword_search("Zanzibar", 5)) == bool(title)
    assert indexer.catalog.keyword_search("jackets", 5)  # the body is indexed either way
    indexer.catalog.close()


@pytest.mark.parametrize(("built", "opened"), [(1, 0), (0, 1)])
def test_a_store_refuses_the_other_title_setting(tmp_path: Path, built: int, opened: int) -> None:
    home = tmp_path / "s"
    indexer, _ = _ingest(make_config(home, embedder="hash", chunk_title=built))
    indexer.catalog.close()
    with pytest.raises(StoreError, match=r"`bot --home .+ reindex`"):
        _indexer(make_config(home, embedder="hash", chunk_title=opened), HashEmbedder())
    again = _indexer(make_config(home, embedder="hash", chunk_title=built), HashEmbedder())  # its own: fine
    assert again.catalog.count() == (1, len(again.catalog.chunk_ids()))
    again.catalog.close()


def test_title_setting_is_validated_and_read_from_the_environment(tmp_path: Path) -> None:
    assert Config.from_env(env={"BOT_CHUNK_TITLE": "0"}, home=tmp_path).chunk_title == 0
    default = Config.from_env(env={}, home=tmp_path)
    assert default.chunk_title == 1
    # Stores built before the setting existed (with the title) keep their identity: no reindex asked.
    chunks = f"{default.chunk_size}/{default.chunk_overlap}"
    assert store_identity(default, HashEmbedder()) == f"embedder=hash-384 chunks={chunks}"
    with pytest.raises(ConfigError, match="BOT_CHUNK_TITLE"):
        Config.from_env(env={"BOT_CHUNK_TITLE": "2"}, home=tmp_path)
