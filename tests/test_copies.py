"""Wire copies (bot.copies): detection at ingest, links in both catalogs, one story per group in
retrieval, "also published by" in the sources, and no stale group after a changed re-ingest.

tests/data/wire holds an agency story (01), two outlets' edited copies of it (02: no dateline,
"per cent", a trimmed ending and a credit line; 03: another dateline, "%", a currency aside and a
"Read more" line) and the agency's follow-up on the same strike (04), which is not a copy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.config import Config
from bot.index.catalog import Catalog, open_catalog
from bot.index.copies import PERMS, band_keys, fingerprint, jaccard, shingles, signature
from bot.service import Bot
from bot.types import Article, Chunk
from bot.ui.terminal import format_citation
from tests.conftest import make_config

WIRE = Path(__file__).parent / "data" / "wire"
ORIGINAL, HERALD, COAST, FOLLOW_UP = (
    "wire-agency-copper-strike",
    "herald-chile-copper-strike",
    "coasttimes-cerro-alto-strike",
    "wire-agency-copper-strike-talks",
)


def _texts() -> dict[str, str]:
    from bot.documents.read import load_path

    return {a.doc_id: a.text for f in sorted(WIRE.glob("*.md")) for a in load_path(f, 10**7)}


# --- the fingerprint --------------------------------------------------------------------------------
def test_signature_is_datasketchs_legacy_minhash() -> None:
    datasketch = pytest.importorskip("datasketch")  # in the test extra (scipy: not in the default install)
    items = shingles(_texts()[ORIGINAL])
    m = datasketch.MinHash(num_perm=PERMS, scheme="legacy")
    m.update_batch([s.encode() for s in items])
    assert np.array_equal(m.hashvalues, signature(items))


def test_edited_copies_are_similar_and_the_follow_up_is_not() -> None:
    texts = _texts()
    sets = {k: shingles(v) for k, v in texts.items()}
    for copy in (HERALD, COAST):
        assert jaccard(sets[ORIGINAL], sets[copy]) >= 0.55, copy
        # LSH: a copy shares at least one band key with the original, so ingest finds it
        assert set(fingerprint(texts[copy]).keys) & set(fingerprint(texts[ORIGINAL]).keys)
    assert jaccard(sets[ORIGINAL], sets[FOLLOW_UP]) < 0.05
    assert not set(fingerprint(texts[FOLLOW_UP]).keys) & set(fingerprint(texts[ORIGINAL]).keys)


def test_fingerprint_of_an_empty_text_has_no_keys() -> None:
    assert fingerprint("").keys == [] and shingles("...") == set()
    assert len(band_keys(signature({"a b c d e"}))) == 32


# --- the catalog, both back ends ----------------------------------------------------------------------
@pytest.fixture
def catalog(tmp_path: Path, catalog_url: str) -> Iterator[Catalog]:
    cat = open_catalog(make_config(tmp_path / "home", catalog_url=catalog_url))
    yield cat
    cat.close()


def _put(catalog: Catalog, doc_id: str, text: str, digest: str, source: str = "Wire") -> None:
    a = Article(text=text, title=f"title {doc_id}", doc_id=doc_id, source=source, published="2024-05-14")
    catalog.put(a, digest, [Chunk(doc_id, 0, 0, len(text), text)])


def test_catalog_links_are_symmetric_and_never_stale(catalog: Catalog) -> None:
    _put(catalog, "a", "story one", "ha", "Agency")
    _put(catalog, "b", "story one again", "hb", "Herald")
    assert catalog.set_copies("a", "ha", [11, 12], [])
    assert catalog.copy_candidates([12, 99], exclude="b") == ["a"]
    assert catalog.set_copies("b", "hb", [12, 13], [("a", "ha", 0.8)])
    got = catalog.copies_of(["a", "b"])
    assert [(c.doc_id, c.source, c.similarity) for c in got["a"]] == [("b", "Herald", 0.8)]
    assert [c.doc_id for c in got["b"]] == ["a"]
    assert catalog.copies_of(["a"], min_similarity=0.9) == {}
    # A link written for content a document no longer holds is refused ...
    assert not catalog.set_copies("a", "old-hash", [1], [("b", "hb", 0.9)])
    # ... and re-putting a document with new text drops its links (and band keys) at once
    _put(catalog, "a", "a different story", "ha2", "Agency")
    assert catalog.copies_of(["a", "b"]) == {}
    assert catalog.copy_candidates([11, 12]) == ["b"]
    # a link verified on a partner's old text is not read once the partner changed (a racing worker)
    assert catalog.set_copies("b", "hb", [12], [("a", "ha", 0.8)])
    assert catalog.copies_of(["a", "b"]) == {}
    assert catalog.set_copies("b", "hb", [12], [("a", "ha2", 0.7)])
    assert [c.doc_id for c in catalog.copies_of(["b"])["b"]] == ["a"]
    assert catalog.remove("a")
    assert catalog.copies_of(["b"]) == {} and catalog.copy_candidates([11, 12, 13]) == ["b"]


# --- end to end: real embedder, real Chroma in a temp dir ----------------------------------------------
@pytest.fixture(scope="module")
def wire_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    bot = Bot(make_config(tmp_path_factory.mktemp("wire") / "store"), llm=None)
    yield bot
    bot.catalog.close()


def test_ingest_finds_the_copies_and_retrieval_keeps_one(wire_bot: Bot) -> None:
    results = {r.doc_id: r for r in wire_bot.ingest([WIRE])}
    assert {r.status for r in results.values()} == {"added"}
    assert results[ORIGINAL].copy_of == []  # first in the folder
    assert results[HERALD].copy_of == [ORIGINAL]
    assert sorted(results[COAST].copy_of) == sorted([ORIGINAL, HERALD])
    assert results[FOLLOW_UP].copy_of == []
    # every copy keeps its own record and metadata
    assert {d.doc_id: d.source for d in wire_bot.docs()}[COAST] == "Coast Times"

    found = wire_bot.search("How many workers went on strike at the Cerro Alto mine?", k=5)
    stories = [p.doc_id for p in found.passages]
    copies = {ORIGINAL, HERALD, COAST}
    assert len({d for d in stories if d in copies}) == 1, stories  # one article stands for the story
    assert FOLLOW_UP in stories  # the follow-up is another story, still retrieved
    best = next(p for p in found.passages if p.doc_id in copies)
    assert sorted(c["doc_id"] for c in best.also) == sorted(copies - {best.doc_id})
    assert {c["source"] for c in best.also} <= {"Pacific Wire", "The Daily Herald", "Coast Times"}

    # without the feature the copies take the top-k (what it is for)
    plain = Bot(wire_bot.config.with_(copy_threshold=0.0), llm=None)
    assert (
        len(
            {p.doc_id for p in plain.search("How many workers went on strike at Cerro Alto?", k=5).passages}
            & copies
        )
        >= 2
    )


def test_sources_say_also_published_by(wire_bot: Bot) -> None:
    answer = wire_bot.ask("What pay rise is the Cerro Alto union asking for?")
    assert answer.citations, answer.text
    data = json.loads(json.dumps(answer.to_dict()))
    cited = data["citations"][0]
    assert cited["also_published_by"], cited
    assert all({"doc_id", "source", "url", "published"} <= set(c) for c in cited["also_published_by"])
    shown = format_citation(answer.citations[0])
    assert "also published by" in shown
    from bot.ui.render import sources_html

    assert "Also published by" in sources_html(answer.citations, 1)


def test_bot_search_prints_also_published_by(wire_bot: Bot, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.ui.cli import main

    code = main(["--home", str(wire_bot.config.home), "search", "Cerro Alto union pay rise", "-k", "2"])
    assert code == 0
    assert "also published by" in capsys.readouterr().out


def test_a_changed_copy_leaves_its_group(wire_bot: Bot, tmp_path: Path) -> None:
    changed = tmp_path / "02-copy-daily-herald.md"
    original = (WIRE / "02-copy-daily-herald.md").read_text(encoding="utf-8")
    head, _, _ = original.partition("About 2,300 workers")
    changed.write_text(
        head + "The Herald's own reporting: the city's new tram line opened on Saturday after three "
        "years of work, and 40,000 people rode it on its first weekend, the transport authority said.\n",
        encoding="utf-8",
    )
    [result] = wire_bot.ingest([changed])
    assert result.status == "updated" and result.copy_of == []
    groups = wire_bot.catalog.copies_of([ORIGINAL, HERALD, COAST])
    assert HERALD not in groups
    assert sorted(c.doc_id for c in groups[ORIGINAL]) == [COAST]
    # back to the copy's text: it joins again
    [again] = wire_bot.ingest([WIRE / "02-copy-daily-herald.md"])
    assert again.status == "updated" and sorted(again.copy_of) == sorted([ORIGINAL, COAST])


def test_relink_finds_copies_in_a_store_built_without_detection(tmp_path: Path) -> None:
    config: Config = make_config(tmp_path / "store", copy_threshold=0.0)
    bot = Bot(config, llm=None)
    bot.ingest([WIRE])
    assert bot.catalog.copies_of([ORIGINAL]) == {}
    later = Bot(config.with_(copy_threshold=0.5), llm=None)
    n_docs, n_links = later.indexer.link_copies()
    assert n_docs == 4 and n_links == 3  # three copy pairs, each found once (by the later document)
    assert sorted(c.doc_id for c in later.catalog.copies_of([ORIGINAL])[ORIGINAL]) == sorted([HERALD, COAST])


def test_bad_threshold_is_a_clear_error() -> None:
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match="BOT_COPY_THRESHOLD"):
        Config.from_env(env={"BOT_COPY_THRESHOLD": "1.5"})


@pytest.mark.slow
def test_a_postgres_catalog_made_before_copies_gets_their_tables(pg_url: str, tmp_path: Path) -> None:
    import psycopg

    config = make_config(tmp_path / "home", catalog_url=pg_url)
    open_catalog(config).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:  # as a database from the previous version
        conn.execute("DROP TABLE copy_links")
        conn.execute("DROP TABLE copy_bands")
    catalog = open_catalog(config)
    try:
        _put(catalog, "a", "story", "ha")
        assert catalog.set_copies("a", "ha", [7], [])
        assert catalog.copy_candidates([7]) == ["a"]
    finally:
        catalog.close()
