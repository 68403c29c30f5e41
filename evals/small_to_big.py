"""Small-to-big retrieval (issue 18): search short sentence windows, return the passage around them.

A 200-token chunk's one vector averages eight or so sentences; a question usually matches one of
them. This prototype embeds windows of ``w`` consecutive sentences of every stored article (the
article's title in front when the store indexes titles, as its chunks are embedded), searches them
by exact cosine, and maps each window hit back to the stored chunks it lies in (a window that
straddles two overlapping chunks credits both), keeping each chunk's best window. The returned
passage is the stored chunk, so the answer model reads what it reads today.

In the same run, on the same store and questions (RealTimeQA's answerable ones, each question's
quiz date as the as-of where the shipped pipeline uses it, as ``evals/ablation.py`` does):

- dense over chunks: exact cosine over the store's chunk vectors (the ablation's "exact" row);
- small-to-big, ``w`` = each of ``--windows``: the same search over windows;
- the shipped pipeline, and the shipped pipeline with the window search as its dense side: the
  candidate pool's dense list and the reranker's dense feature become each chunk's best window
  similarity ("window"), or the mean of that and the chunk's own similarity ("mixed").

Figures: answer recall@1/3/5/10 on all questions and per quiz month (the id's YYYYMM prefix), and
the cost: windows embedded and the embedder's CPU seconds. Window vectors are cached in
``--cache`` (keyed by the store's chunk spans, the window size and the embedder), so a re-run
embeds nothing. Opening a store writes its lock file: run this on a copy of a shared store.

    PYTHONPATH=. .venv/bin/python evals/small_to_big.py --home <copy of the small store> \\
        --data ../shared/benchmarks/realtimeqa-2023q4 --cache /var/tmp/s8-s2b --out s2b.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.answering.rerank import make_reranker  # noqa: E402
from bot.answering.retrieve import Retriever  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.index.exact import ExactIndex  # noqa: E402
from bot.index.records import embed_text  # noqa: E402
from bot.index.vectors import VectorStore  # noqa: E402
from bot.language.text import split_sentences  # noqa: E402
from bot.service import Bot  # noqa: E402
from bot.types import Passage  # noqa: E402
from evals.baselines import passages_for  # noqa: E402
from evals.matching import hit_at_k  # noqa: E402
from evals.realtimeqa import KS, answer_rank, choose_questions, load_jsonl  # noqa: E402
from evals.report import git_state, markdown_table, write_report  # noqa: E402

PART = 1024  # windows embedded and saved at a time


@dataclass
class Windows:
    """Sentence windows of every article and the chunks each lies in: ``pairs`` holds one
    (window row, chunk row) per credit, chunk rows indexing ``chunk_ids``."""

    size: int
    stride: int
    texts: list[str] = field(default_factory=list)
    pair_window: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    pair_chunk: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


def build_windows(
    size: int,
    stride: int,
    chunk_ids: list[str],
    spans: dict[str, tuple[str, int, int]],
    texts: dict[str, str],
    titles: dict[str, str],
) -> Windows:
    """Windows of ``size`` sentences starting every ``stride`` sentences, per article (so a window
    never mixes two articles). A window is credited to every chunk holding at least half of it, and always to
    the chunk holding most of it: a window cut by a chunk seam still maps to the passage around it."""
    by_doc: dict[str, list[tuple[int, int, int]]] = {}
    for row, cid in enumerate(chunk_ids):
        doc_id, start, end = spans[cid]
        by_doc.setdefault(doc_id, []).append((start, end, row))
    out = Windows(size, stride)
    wins: list[int] = []
    chunks: list[int] = []
    for doc_id in sorted(by_doc):
        text = texts[doc_id]
        sentences = split_sentences(text)
        for i in range(0, len(sentences), stride):
            group = sentences[i : i + size]
            ws, we = group[0][0], group[-1][1]
            overlaps = [(min(we, ce) - max(ws, cs), row) for cs, ce, row in by_doc[doc_id]]
            overlaps = [(o, row) for o, row in overlaps if o > 0]
            if not overlaps:
                continue
            best = max(o for o, _ in overlaps)
            credited = [row for o, row in overlaps if o == best or 2 * o >= we - ws]
            w = len(out.texts)
            out.texts.append(embed_text(titles[doc_id], text[ws:we]))
            wins += [w] * len(credited)
            chunks += credited
            if i + size >= len(sentences):
                break  # the last window reached the article's end
    out.pair_window = np.asarray(wins, np.int64)
    out.pair_chunk = np.asarray(chunks, np.int64)
    return out


def embed_cached(bot: Bot, windows: Windows, cache: Path) -> tuple[np.ndarray, float, bool]:
    """The windows' unit vectors, from ``cache`` when the same texts were embedded before; the
    CPU seconds of embedding them (this process, all threads; summed over interrupted runs) and
    whether the cache served them all. Each block of ``PART`` windows is saved as it is done, so
    a run stopped on a busy machine resumes where it stopped."""
    key = hashlib.sha256(
        json.dumps([bot.embedder.name, windows.texts], ensure_ascii=False).encode()
    ).hexdigest()[:16]
    path = cache / f"windows-w{windows.size}s{windows.stride}-{key}.npy"
    if path.exists():
        meta = json.loads(path.with_suffix(".json").read_text())
        return np.load(path), float(meta["embed_cpu_s"]), True
    parts_dir = cache / f"{path.stem}.parts"
    parts_dir.mkdir(parents=True, exist_ok=True)
    parts = []
    cpu = 0.0
    for i in range(0, len(windows.texts), PART):
        part = parts_dir / f"{i:07d}.npy"
        if part.exists():
            parts.append(np.load(part))
            cpu += float(json.loads(part.with_suffix(".json").read_text())["embed_cpu_s"])
            continue
        cpu0 = _cpu()
        vectors = np.asarray(bot.embedder.embed(windows.texts[i : i + PART]), np.float32)
        spent = _cpu() - cpu0
        np.save(part, vectors)
        part.with_suffix(".json").write_text(json.dumps({"embed_cpu_s": spent}))
        parts.append(vectors)
        cpu += spent
        print(f"  {path.stem}: {i + len(vectors)}/{len(windows.texts)} embedded", file=sys.stderr)
    matrix = ExactIndex.from_vectors([str(i) for i in range(len(windows.texts))], np.vstack(parts)).matrix
    np.save(path, matrix)
    path.with_suffix(".json").write_text(json.dumps({"windows": len(windows.texts), "embed_cpu_s": cpu}))
    return matrix, cpu, False


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class WindowSearch:
    """Exact cosine over windows; a chunk's score is its best window's similarity."""

    def __init__(self, chunk_ids: list[str], windows: Windows, matrix: np.ndarray) -> None:
        self.chunk_ids = chunk_ids
        self.windows = windows
        self.matrix = matrix
        self.by_chunk: dict[int, np.ndarray] = {}
        order = np.argsort(windows.pair_chunk, kind="stable")
        rows, starts = np.unique(windows.pair_chunk[order], return_index=True)
        for row, members in zip(rows, np.split(windows.pair_window[order], starts[1:]), strict=True):
            self.by_chunk[int(row)] = members

    def chunk_scores(self, qvec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(best window similarity per chunk row, -inf where a chunk has no window; window sims)."""
        q = np.asarray(qvec, np.float32)
        sims = self.matrix @ (q / max(float(np.linalg.norm(q)), 1e-12))
        best = np.full(len(self.chunk_ids), -np.inf, np.float32)
        np.maximum.at(best, self.windows.pair_chunk, sims[self.windows.pair_window])
        return best, sims

    def top(self, qvec: np.ndarray, k: int) -> list[tuple[str, float]]:
        best, _ = self.chunk_scores(qvec)
        k = min(k, len(best))
        top = np.argpartition(-best, k - 1)[:k]
        order = top[np.lexsort((top, -best[top]))]
        return [(self.chunk_ids[i], float(best[i])) for i in order if np.isfinite(best[i])]


class WindowVectors(VectorStore):
    """The store's vectors as the shipped retriever reads them, with the window search as its
    dense side: ``query`` ranks chunks by their best window ("window") or by the mean of that and
    the chunk's own similarity ("mixed"); ``vectors`` returns, for the query last asked, a vector
    whose dot product with it is that same score (the retriever scores keyword-only candidates so)."""

    def __init__(self, inner: VectorStore, chunks: ExactIndex, search: WindowSearch, mode: str) -> None:
        self.inner, self.chunks, self.search, self.mode = inner, chunks, search, mode
        self.row = {cid: i for i, cid in enumerate(chunks.ids)}
        self._last_sims: np.ndarray | None = None

    def query(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        best, self._last_sims = self.search.chunk_scores(vector)
        if self.mode == "mixed":
            q = np.asarray(vector, np.float32)
            own = self.chunks.matrix @ (q / max(float(np.linalg.norm(q)), 1e-12))
            best = np.where(np.isfinite(best), (best + own) / 2, own)
        k = min(k, len(best))
        top = np.argpartition(-best, k - 1)[:k]
        order = top[np.lexsort((top, -best[top]))]
        return [(self.chunks.ids[i], float(best[i])) for i in order]

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        assert self._last_sims is not None, "query() first: the window chosen depends on the query"
        out = {}
        for cid in ids:
            row = self.row.get(cid)
            if row is None:
                continue
            own = self.chunks.matrix[row]
            members = self.search.by_chunk.get(row)
            if members is None:
                out[cid] = own
                continue
            window = self.search.matrix[members[int(np.argmax(self._last_sims[members]))]]
            out[cid] = (window + own) / 2 if self.mode == "mixed" else window
        return out

    def add(self, ids: list[str], vectors: np.ndarray, texts: list[str], metas: list[dict[str, Any]]) -> None:
        raise NotImplementedError("read-only view")

    def delete_doc(self, doc_id: str) -> None:
        raise NotImplementedError("read-only view")

    def count(self) -> int:
        return self.inner.count()

    def all_vectors(self, batch: int = 5000) -> tuple[list[str], np.ndarray]:
        return self.inner.all_vectors(batch)

    def doc_ids(self) -> set[str]:
        return self.inner.doc_ids()


def recall(ranks: Sequence[int | None]) -> dict[str, float]:
    return {f"recall@{k}": hit_at_k(list(ranks), k) for k in KS}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--home", type=Path, required=True, help="a store of the RealTimeQA articles (a copy)")
    p.add_argument("--data", type=Path, required=True, help="RealTimeQA folder (questions.jsonl)")
    p.add_argument(
        "--windows",
        default="2x2",
        help="window shapes, comma-separated SIZExSTRIDE in sentences (2x2: pairs, not overlapping)",
    )
    p.add_argument("--cache", type=Path, required=True, help="folder for the window vectors")
    p.add_argument("--out", type=Path, help="JSON results file")
    args = p.parse_args(argv)

    config = Config.from_env(home=args.home, llm="none")
    bot = Bot(config, llm=None)
    questions = choose_questions(load_jsonl(args.data / "questions.jsonl"), None)
    chunk_index = ExactIndex.from_store(bot.vectors)
    chunk_ids = chunk_index.ids
    spans = bot.catalog.chunk_spans(chunk_ids)
    if len(spans) != len(chunk_ids):
        raise SystemExit(f"{len(chunk_ids) - len(spans)} vectors have no catalog record")
    docs = {d.doc_id: d for d in bot.catalog.docs_by_ids({s[0] for s in spans.values()})}
    texts = {doc_id: bot.catalog.text(doc_id) or "" for doc_id in docs}
    titles = {doc_id: d.title if config.chunk_title else "" for doc_id, d in docs.items()}

    searches: dict[str, Any] = {}
    cost: dict[str, Any] = {}
    for shape in args.windows.split(","):
        size, stride = (int(x) for x in shape.split("x"))
        windows = build_windows(size, stride, chunk_ids, spans, texts, titles)
        t0 = time.time()
        matrix, cpu, cached = embed_cached(bot, windows, args.cache)
        name = f"{size}x{stride}"
        cost[name] = {
            "windows": len(windows.texts),
            "credits": len(windows.pair_chunk),
            "embed_cpu_s": round(cpu),
            "embed_wall_s": None if cached else round(time.time() - t0),
            "from_cache": cached,
        }
        print(f"{name}: {json.dumps(cost[name])}", file=sys.stderr)
        searches[name] = WindowSearch(chunk_ids, windows, matrix)

    def ranked(vectors: VectorStore) -> Retriever:
        return Retriever(config, bot.catalog, vectors, bot.embedder, make_reranker(config))

    systems: dict[str, Any] = {"dense over chunks (exact cosine)": lambda q, qv, d: chunk_index.query(qv, 10)}
    for name, s in searches.items():
        systems[f"small-to-big, windows {name} (sentences x stride)"] = lambda q, qv, d, s=s: s.top(qv, 10)
    shipped = {"shipped pipeline (chunk vectors)": ranked(bot.vectors)}
    for name, s in searches.items():
        for mode in ("window", "mixed"):
            label = f"shipped pipeline, dense = {'best window' if mode == 'window' else 'mean(chunk, best window)'}"
            shipped[f"{label}, {name}"] = ranked(WindowVectors(bot.vectors, chunk_index, s, mode))

    rows: dict[str, dict[str, list[int | None]]] = {}
    for q in questions:
        as_of = date.fromisoformat(q["date"])
        qvec = bot.embedder.embed([q["question"]])[0]
        month = q["id"][:6]
        for name, fn in systems.items():
            passages = passages_for(bot, fn(q["question"], qvec, as_of))
            rows.setdefault(name, {}).setdefault(month, []).append(answer_rank(passages, q["answer"]))
        for name, retriever in shipped.items():
            found: list[Passage] = retriever.search(retriever.query_for(q["question"], as_of), k=10).passages
            rows.setdefault(name, {}).setdefault(month, []).append(answer_rank(found, q["answer"]))

    sha, _ = git_state()
    report: dict[str, Any] = {
        "meta": {
            "started": datetime.now().isoformat(timespec="seconds"),
            "git": sha,
            "store": str(args.home),
            "chunks": len(chunk_ids),
            "articles": len(docs),
            "questions": len(questions),
            "load": [round(x, 2) for x in os.getloadavg()],
        },
        "cost": cost,
        "systems": {},
    }
    for name, by_month in rows.items():
        every = [r for ranks in by_month.values() for r in ranks]
        report["systems"][name] = {
            "all": {"n": len(every), **recall(every)},
            **{m: {"n": len(r), **recall(r)} for m, r in sorted(by_month.items())},
        }
    text = render(report)
    print(text)
    write_report(args.out, report, text)
    return 0


def render(report: dict[str, Any]) -> str:
    months = sorted({m for s in report["systems"].values() for m in s if m != "all"})
    head = ["system", "R@1", "R@3", "R@5", "R@10"] + [f"{m} (n) R@5 / R@10" for m in months]
    body = []
    for name, s in report["systems"].items():
        a = s["all"]
        cells = [name] + [f"{a[f'recall@{k}']:.3f}" for k in KS]
        cells += [f"({s[m]['n']}) {s[m]['recall@5']:.3f} / {s[m]['recall@10']:.3f}" for m in months]
        body.append(cells)
    m = report["meta"]
    cost = "; ".join(
        f"{k}: {v['windows']} windows, {v['embed_cpu_s']} embed CPU-s" for k, v in report["cost"].items()
    )
    return (
        f"Small-to-big on {m['store']} ({m['articles']} articles, {m['chunks']} chunks), "
        f"{m['questions']} questions, git {m['git']}, load {m['load']}. Cost: {cost}.\n\n"
        + markdown_table(head, body)
    )


if __name__ == "__main__":
    sys.exit(main())
