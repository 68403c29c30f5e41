"""evals/small_to_big.py: windows map back to the chunks around them, and the window-backed vector
view scores a chunk the same way whether it is found by ``query`` or asked for by ``vectors``."""

from __future__ import annotations

import numpy as np

from bot.index.exact import ExactIndex
from evals.small_to_big import WindowSearch, WindowVectors, build_windows

TEXT = " ".join(f"Sentence number {i} is here." for i in range(12))


def _chunks() -> tuple[list[str], dict[str, tuple[str, int, int]]]:
    # Three overlapping chunks of one article, cut at sentence seams except the middle one's end.
    seams = [s for s in range(len(TEXT)) if TEXT.startswith("Sentence", s)]
    spans = {
        "d#0": ("d", 0, seams[5]),
        "d#1": ("d", seams[4], seams[8] + 9),
        "d#2": ("d", seams[7], len(TEXT)),
    }
    return list(spans), spans


def test_every_window_maps_to_the_chunks_holding_most_of_it() -> None:
    ids, spans = _chunks()
    w = build_windows(2, 2, ids, spans, {"d": TEXT}, {"d": "Title"})
    assert len(w.texts) == 6 and all(t.startswith("Title\nSentence") for t in w.texts)
    credited: dict[int, set[str]] = {}
    for win, row in zip(w.pair_window, w.pair_chunk, strict=True):
        credited.setdefault(int(win), set()).add(ids[row])
    assert sorted(credited) == list(range(6))  # no window left without its passage
    assert credited[0] == {"d#0"}
    assert credited[2] == {"d#0", "d#1"}  # sentences 4-5: in both overlapping chunks
    assert credited[5] == {"d#2"}
    assert {c for cs in credited.values() for c in cs} == set(ids)
    last = build_windows(5, 5, ids, spans, {"d": TEXT}, {"d": ""})
    assert last.texts[-1].endswith("Sentence number 11 is here.")  # the tail is never dropped


def test_window_view_scores_chunks_consistently() -> None:
    ids, spans = _chunks()
    w = build_windows(1, 1, ids, spans, {"d": TEXT}, {"d": ""})
    rng = np.random.default_rng(0)
    windows = ExactIndex.from_vectors(
        [str(i) for i in range(len(w.texts))], rng.standard_normal((len(w.texts), 8))
    )
    chunks = ExactIndex.from_vectors(ids, rng.standard_normal((len(ids), 8)))
    search = WindowSearch(ids, w, windows.matrix)
    q = rng.standard_normal(8).astype(np.float32)
    q /= np.linalg.norm(q)
    best, sims = search.chunk_scores(q)
    for row in range(len(ids)):  # a chunk's score is its best credited window's similarity
        members = [int(x) for x, c in zip(w.pair_window, w.pair_chunk, strict=True) if c == row]
        assert best[row] == np.float32(max(sims[m] for m in members))
    for mode in ("window", "mixed"):
        view = WindowVectors(chunks, chunks, search, mode)  # type: ignore[arg-type]
        hits = view.query(q, 3)
        assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
        found = dict(hits)
        own = chunks.matrix @ q
        for row, cid in enumerate(ids):
            expected = best[row] if mode == "window" else (best[row] + own[row]) / 2
            assert abs(found[cid] - float(expected)) < 1e-5
        # A candidate found by keywords only is scored by dot(query, vector): the same score.
        for cid, vec in view.vectors(ids).items():
            assert abs(float(np.dot(q, vec)) - found[cid]) < 1e-5
