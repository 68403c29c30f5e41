"""RealTimeQA, side by side: our pipeline and the systems it is measured against, same chunks, same models.

A comparison is only fair when every system reads the same store: BM25 alone is the catalog's FTS5
index, dense alone is the Chroma collection, and llama-index's default query engine is built over
that very collection with our embedder and our answer model behind llama-index's interfaces. The
answer model is wrapped in a ``CustomLLM`` so nothing in llama-index can reach for its global
``Settings`` (whose default resolves to OpenAI when that integration is installed): every component
gets its model passed explicitly, and ``Settings`` is never touched. The benchmark authors' own
published predictions are scored with the same matching, on the questions they cover.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.types import BotError, Passage
from evals.evaluate import (
    MODEL_MODES,
    contains_answer,
    hit_at_k,
    is_short_answer,
    log_line,
    looks_refused,
    model_label,
    partial_answer,
    results_dir,
    run_meta,
    spread,
    strip_markers,
)
from evals.report import ascii_bars, fmt_ms, histogram, markdown_table, mean, percentile, svg_bars

if TYPE_CHECKING:
    from llama_index.core.llms import CustomLLM

    from bot.backends.llm import LLM
    from bot.config import Config
    from bot.service import Bot

CONTEXT_WINDOW = 4096  # the bundled models run with n_ctx 4096 (Config.llm_context_tokens)
KS = (1, 3, 5, 10)


@dataclass
class SystemRun:
    """What one system did for one question: the chunks it ranked, and its answer if it answers."""

    passages: list[Passage]
    answer: str | None = None
    refused: bool = False
    context: list[str] = field(default_factory=list)  # the texts the answer model was shown
    timings_ms: dict[str, float] = field(default_factory=dict)
    mode: str | None = None  # ours: "generated", "extractive" (quoted) or "refused"


# --- retrieval-only baselines --------------------------------------------------------------------
def bm25_only(bot: Bot, question: str, k: int) -> SystemRun:
    """The catalog's BM25 (SQLite FTS5) on the raw question: no fusion, rerank, dates or dedup."""
    t0 = time.perf_counter()
    hits = bot.catalog.keyword_search(question, k)
    ms = (time.perf_counter() - t0) * 1e3
    return SystemRun(passages_for(bot, hits), timings_ms={"retrieve": ms})


def dense_only(bot: Bot, question: str, k: int) -> SystemRun:
    """Chroma cosine top-k of the question's embedding: what a plain vector RAG retrieves."""
    t0 = time.perf_counter()
    hits = bot.vectors.query(bot.embedder.embed([question])[0], k)
    ms = (time.perf_counter() - t0) * 1e3
    return SystemRun(passages_for(bot, hits), timings_ms={"retrieve": ms})


def passages_for(bot: Bot, hits: list[tuple[str, float]]) -> list[Passage]:
    """Chunk ids (best first) to passages with their text, cut from the article as citations are."""
    spans = bot.catalog.chunk_spans([cid for cid, _ in hits])
    texts: dict[str, str] = {}
    out = []
    for cid, score in hits:
        if cid not in spans:
            continue
        doc_id, start, end = spans[cid]
        if doc_id not in texts:
            texts[doc_id] = bot.catalog.text(doc_id) or ""
        out.append(Passage(cid, doc_id, texts[doc_id][start:end], start, end, score=float(score)))
    return out


# --- llama-index's default pipeline --------------------------------------------------------------
def make_llama_index_llm(llm: LLM, max_tokens: int = 200) -> CustomLLM:
    """Our answer model behind llama-index's LLM interface (one user turn per prompt).

    Built in a function so llama-index is imported only when a baseline or a judge needs it. The
    adapter records when its first token arrived, so the baseline's first-token latency is measured
    the same way as ours.
    """
    from llama_index.core.base.llms.types import CompletionResponse, CompletionResponseGen, LLMMetadata
    from llama_index.core.llms import CustomLLM
    from llama_index.core.llms.callbacks import llm_completion_callback
    from pydantic import PrivateAttr

    class BotLLM(CustomLLM):
        _inner: Any = PrivateAttr()
        _max_tokens: int = PrivateAttr()
        _first_token_at: float | None = PrivateAttr(default=None)
        _calls: int = PrivateAttr(default=0)

        def __init__(self, inner: LLM, max_tokens: int) -> None:
            super().__init__()
            self._inner = inner
            self._max_tokens = max_tokens

        @property
        def first_token_at(self) -> float | None:
            """perf_counter() when the last call's first piece arrived."""
            return self._first_token_at

        @property
        def calls(self) -> int:
            return self._calls

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(
                context_window=CONTEXT_WINDOW,
                num_output=self._max_tokens,
                model_name=getattr(self._inner, "name", "bot-llm"),
                is_chat_model=False,
            )

        def _pieces(self, prompt: str) -> Iterator[str]:
            self._calls += 1
            self._first_token_at = None
            for piece in self._inner.stream([{"role": "user", "content": prompt}], self._max_tokens):
                if self._first_token_at is None:
                    self._first_token_at = time.perf_counter()
                yield piece

        @llm_completion_callback()
        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
            return CompletionResponse(text="".join(self._pieces(prompt)))

        @llm_completion_callback()
        def stream_complete(
            self, prompt: str, formatted: bool = False, **kwargs: Any
        ) -> CompletionResponseGen:
            def gen() -> CompletionResponseGen:
                text = ""
                for piece in self._pieces(prompt):
                    text += piece
                    yield CompletionResponse(text=text, delta=piece)

            return gen()

    return BotLLM(llm, max_tokens)


# What llama-index's prompt shows of a chunk's metadata: what a reader of the excerpt would want
# (our prompt shows the same three). Offsets, day numbers, chunk index, ids and URL are excluded from
# its LLM view, as a user configuring ``excluded_llm_metadata_keys`` would.
LLM_METADATA = ("title", "source", "published")


class LlamaIndexDefault:
    """``VectorStoreIndex.from_vector_store(...).as_query_engine()`` with llama-index's defaults.

    Defaults kept on purpose (similarity_top_k=2, "compact" synthesis, its own QA prompt): this is
    the pipeline a user gets by following llama-index's starter example, pointed at our collection
    and our models. Two things are set on equal terms with ours: its QA prompt starts with the
    question's date, as ours does ("Today is ..."), and the chunks' bookkeeping metadata is kept out
    of the prompt (``LLM_METADATA``).
    """

    def __init__(self, bot: Bot) -> None:
        from llama_index.core import VectorStoreIndex
        from llama_index.vector_stores.chroma import ChromaVectorStore

        if bot.llm is None:
            raise ValueError("the llama-index baseline needs an answer model")
        collection = bot.vectors.chroma_collection  # type: ignore[attr-defined]  # the very same collection
        self.llm = make_llama_index_llm(bot.llm, bot.config.llm_max_tokens)
        index = VectorStoreIndex.from_vector_store(
            ChromaVectorStore(chroma_collection=collection), embed_model=bot.embedder.as_llama_index()
        )
        self.engine = index.as_query_engine(llm=self.llm, node_postprocessors=[_metadata_filter()])
        self.bot = bot

    def set_date(self, day: date | None) -> None:
        """The question's date at the head of llama-index's own QA prompt (as ours gets it)."""
        from llama_index.core.prompts import PromptTemplate
        from llama_index.core.prompts.default_prompts import DEFAULT_TEXT_QA_PROMPT_TMPL

        head = f"Today is {day.isoformat()}.\n" if day else ""
        self.engine.update_prompts(
            {"response_synthesizer:text_qa_template": PromptTemplate(head + DEFAULT_TEXT_QA_PROMPT_TMPL)}
        )

    def prompt_preview(self) -> str:
        """The QA template in use (tests check the date and metadata rules reach the prompt)."""
        prompts = self.engine.get_prompts()
        return str(prompts["response_synthesizer:text_qa_template"].get_template())

    def run(self, question: str, as_of: date | None = None) -> SystemRun:
        self.set_date(as_of)
        t0 = time.perf_counter()
        response = self.engine.query(question)
        total = (time.perf_counter() - t0) * 1e3
        text = str(getattr(response, "response", "") or "")
        nodes = getattr(response, "source_nodes", [])
        passages = [_from_node(self.bot, n) for n in nodes]
        timings = {"total": total}
        first = getattr(self.llm, "first_token_at", None)
        if first is not None:
            timings["first_token"] = (first - t0) * 1e3
        context = [_llm_view(n) for n in nodes]
        return SystemRun(passages, text, looks_refused(text), context=context, timings_ms=timings)


def _metadata_filter() -> Any:
    from llama_index.core.postprocessor.types import BaseNodePostprocessor
    from llama_index.core.schema import NodeWithScore, QueryBundle

    class KeepReaderMetadata(BaseNodePostprocessor):
        def _postprocess_nodes(
            self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
        ) -> list[NodeWithScore]:
            for n in nodes:
                n.node.excluded_llm_metadata_keys = [k for k in n.node.metadata if k not in LLM_METADATA]
            return nodes

    return KeepReaderMetadata()


def _llm_view(scored: Any) -> str:
    from llama_index.core.schema import MetadataMode

    return str(scored.node.get_content(metadata_mode=MetadataMode.LLM))


def _from_node(bot: Bot, scored: Any) -> Passage:
    node = scored.node
    meta = node.metadata or {}
    doc_id = str(meta.get("doc_id") or "")
    return Passage(
        node.node_id, doc_id, node.get_content(), int(meta.get("start") or 0), int(meta.get("end") or 0),
        str(meta.get("title") or ""), score=float(scored.score or 0.0),
    )  # fmt: skip


# --- the RealTimeQA harness -----------------------------------------------------------------
SYSTEMS = ("bm25", "dense", "ours", "ours, no model", "llama-index")


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def choose_questions(questions: Sequence[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """The answerable subset (gold answer inside its own search results), spread over the quarter."""
    return spread([q for q in questions if q.get("answer_in_search_results")], limit)


def default_store(bot_home: Path, wanted: set[str] | None) -> Path:
    """Beside the user's store, never inside it; a ``--small`` selection gets a store of its own
    (named by a hash of its article ids), so runs of two models on the same questions share one
    store and neither has to remove the other's articles."""
    if wanted is None:
        return bot_home.parent / "newsbot-realtimeqa"
    digest = hashlib.sha256(" ".join(sorted(wanted)).encode()).hexdigest()[:10]
    return bot_home.parent / f"newsbot-realtimeqa-small-{digest}"


def prepare_rtqa_store(bot: Bot, articles: Path, wanted: set[str] | None, log: Callable[[str], None]) -> None:
    """Ingest the benchmark articles (all, or only ``wanted``) into the bot's own store.

    Re-runs are cheap: ingest skips unchanged articles by hash. A store given with ``--home`` that
    holds other articles keeps them (they are reported), so a small run there is not "small".
    """
    import tempfile

    if wanted is None:
        results = bot.ingest([articles], progress=sys.stderr.isatty())
    else:
        extra = {d.doc_id for d in bot.docs()} - wanted
        if extra:
            log(f"note: the store also holds {len(extra)} articles outside this selection")
        with tempfile.TemporaryDirectory() as tmp:
            subset = Path(tmp) / "realtimeqa-articles.jsonl"
            with articles.open(encoding="utf-8") as src, subset.open("w", encoding="utf-8") as out:
                out.writelines(line for line in src if json.loads(line)["id"] in wanted)
            results = bot.ingest([subset], progress=sys.stderr.isatty())
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    n_docs, n_chunks = bot.catalog.count()
    log(f"store {bot.config.home}: {n_docs} articles, {n_chunks} chunks ({counts})")


def answer_rank(passages: Sequence[Passage], gold: str) -> int | None:
    """1-based rank of the first passage holding the gold answer string (None: not retrieved)."""
    return next((i for i, p in enumerate(passages, 1) if contains_answer(p.text, gold)), None)


def run_realtimeqa(
    bot: Bot, questions: Sequence[dict[str, Any]], log: Callable[[str], None]
) -> list[dict[str, Any]]:
    """Every system on every question, same store, models and date; one row per question."""
    from bot.answering.answerer import Answerer

    bot.warm_up()
    li = LlamaIndexDefault(bot) if bot.llm is not None else None
    floor = Answerer(bot.config, bot.retriever, None, bot.embedder) if bot.llm is not None else None
    k = max(KS)
    rows = []
    for q in questions:
        question, gold, as_of = q["question"], q["answer"], date.fromisoformat(q["date"])
        runs: dict[str, SystemRun] = {
            "bm25": bm25_only(bot, question, k),
            "dense": dense_only(bot, question, k),
        }
        t0 = time.perf_counter()
        found = bot.search(question, k=k, as_of=as_of)
        t1 = time.perf_counter()
        answer = bot.ask(question, as_of=as_of)
        t2 = time.perf_counter()
        runs["ours"] = _our_run(found.passages, answer, (t1 - t0) * 1e3, (t2 - t1) * 1e3)
        if floor is not None:
            quoted = floor.ask(question, as_of=as_of)
            runs["ours, no model"] = _our_run(found.passages, quoted, None, quoted.timings_ms.get("total"))
        if li is not None:
            runs["llama-index"] = li.run(question, as_of)
        row: dict[str, Any] = {"id": q["id"], "date": q["date"], "question": question, "gold": gold}
        row["short"] = is_short_answer(gold)
        for name, run in runs.items():
            row[name] = _score_run(run, gold)
        rows.append(row)
        log(
            f"{q['id']} gold={gold!r:28.28} ours={'✓' if row['ours']['correct'] else '✗'} "
            f"{answer.mode[:4]} rank={row['ours']['rank']} "
            f"li={'✓' if row.get('llama-index', {}).get('correct') else '✗'} "
            f"{runs['ours'].timings_ms['total'] / 1e3:4.1f}s  {strip_markers(answer.text)[:70]!r}"
        )
    return rows


def _our_run(
    passages: list[Passage], answer: Any, retrieve_ms: float | None, total_ms: float | None
) -> SystemRun:
    given = {"retrieve": retrieve_ms, "total": total_ms}
    timings = {k: v for k, v in given.items() if v is not None}
    if "first_token" in answer.timings_ms:
        timings["first_token"] = answer.timings_ms["first_token"]
    return SystemRun(passages, answer.text, answer.refused, answer.model_context, timings, answer.mode)


def _score_run(run: Any, gold: str) -> dict[str, Any]:
    """One scoring rule for every system: right when the gold string is in the answer, whatever its
    refusal flag; a refusal is an answer whose every sentence refuses (``looks_refused``)."""
    out: dict[str, Any] = {
        "rank": answer_rank(run.passages, gold),
        "n_passages": len(run.passages),
        "timings_ms": {k: round(v, 1) for k, v in run.timings_ms.items()},
    }
    if run.answer is not None:
        text = strip_markers(run.answer)
        out.update(
            answer=run.answer,
            refused=looks_refused(text),
            correct=contains_answer(text, gold),
            partial=partial_answer(text, gold),
            context_hit=any(contains_answer(t, gold) for t in run.context),
            model_written=run.mode is None or run.mode in MODEL_MODES,
        )
    if run.mode:
        out["mode"] = run.mode
    return out


def summarise_realtimeqa(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per system: on all chosen questions, and without the short answers (the README's pitfall)."""
    long_rows = [r for r in rows if not r["short"]]
    out: dict[str, Any] = {"n": len(rows), "short_answers": len(rows) - len(long_rows), "systems": {}}
    for name in SYSTEMS:
        if not rows or name not in rows[0]:
            continue
        out["systems"][name] = {
            "all": _system_figures([r[name] for r in rows]),
            "without_short": _system_figures([r[name] for r in long_rows]),
        }
    return out


def _system_figures(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    if not runs:
        return {"n": 0}
    ranks = [r["rank"] for r in runs]
    depth = max(r["n_passages"] for r in runs)  # the system's k: llama-index's default retrieves 2
    fig: dict[str, Any] = {"n": len(runs)}
    for k in KS:
        fig[f"recall@{k}"] = hit_at_k(ranks, k) if k <= max(depth, 1) else None
    if "correct" in runs[0]:
        fig["context_recall"] = mean([float(r["context_hit"]) for r in runs])
        fig["accuracy"] = mean([float(r["correct"]) for r in runs])
        # Only answers the model wrote count here: a quoted sentence is not the model reading.
        fig["accuracy_when_in_context"] = mean(
            [float(r["correct"] and r["model_written"]) for r in runs if r["context_hit"]]
        )
        fig["model_written"] = sum(bool(r["model_written"]) for r in runs)
        fig["model_written_right"] = sum(bool(r["model_written"] and r["correct"]) for r in runs)
        fig["partial_not_exact"] = sum(bool(r["partial"]) and not r["correct"] for r in runs)
        fig["refusals"] = sum(bool(r["refused"]) for r in runs)
    modes = sorted({r["mode"] for r in runs if r.get("mode")})
    if modes:  # how often our answer was the model's, a verbatim quote, or a refusal, and how right
        fig["by_mode"] = {
            m: {
                "n": sum(r.get("mode") == m for r in runs),
                "correct": sum(bool(r.get("correct")) for r in runs if r.get("mode") == m),
            }
            for m in modes
        }
    for key in ("retrieve", "total", "first_token"):
        vals = [r["timings_ms"][key] for r in runs if key in r["timings_ms"]]
        if vals:
            fig[f"{key}_ms_p50"] = percentile(vals, 50)
            fig[f"{key}_ms_p95"] = percentile(vals, 95)
    return fig


def published_figures(
    data: Path, questions: Sequence[dict[str, Any]], rows: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """The benchmark authors' systems, scored like ours: on every answerable question they cover,
    and on the ones of this run, beside our pipeline and llama-index on those same questions."""
    path = data / "published_baselines.jsonl"
    if not path.exists():
        return {}
    preds: dict[str, dict[str, str]] = {}
    for rec in load_jsonl(path):
        preds.setdefault(rec["system"], {})[rec["id"]] = rec.get("prediction") or ""
    gold = {q["id"]: q["answer"] for q in questions if q.get("answer_in_search_results")}
    ours = {r["id"]: r for r in rows}
    out: dict[str, Any] = {}
    for system, by_id in sorted(preds.items()):
        covered = [i for i in gold if i in by_id]
        in_run = [i for i in covered if i in ours]
        out[system] = {
            "covered": len(covered),
            "accuracy_covered": mean([float(contains_answer(by_id[i], gold[i])) for i in covered]),
            "in_run": len(in_run),
            "accuracy_in_run": mean([float(contains_answer(by_id[i], gold[i])) for i in in_run]),
        }
    in_run = [i for i in gold if i in ours and any(i in p for p in preds.values())]
    for name in ("ours", "llama-index"):
        if in_run and name in ours[in_run[0]]:
            out[f"this run: {name}"] = {
                "in_run": len(in_run),
                "accuracy_in_run": mean([float(ours[i][name]["correct"]) for i in in_run]),
            }
    return out


def realtimeqa_tables(s: dict[str, Any], published: dict[str, Any]) -> str:
    parts = []
    for subset, title in (
        ("all", "all chosen answerable questions"),
        ("without_short", "without short answers"),
    ):
        header = [
            "system",
            "n",
            *(f"R@{k}" for k in KS),
            "ctx recall",
            "accuracy",
            "acc | in ctx",
            "model-written (right)",
            "partial",
            "refusals",
            "retrieve p50/p95",
            "first token p50/p95",
            "total p50/p95",
        ]
        rows = []
        for name, figs in s["systems"].items():
            f = figs[subset]
            rows.append(
                (
                    name,
                    f["n"],
                    *(f.get(f"recall@{k}") for k in KS),
                    f.get("context_recall"),
                    f.get("accuracy"),
                    f.get("accuracy_when_in_context"),
                    f"{f['model_written']} ({f['model_written_right']})" if "model_written" in f else "—",
                    f.get("partial_not_exact", "—"),
                    f.get("refusals", "—"),
                    *(
                        f"{fmt_ms(f.get(f'{key}_ms_p50'))} / {fmt_ms(f.get(f'{key}_ms_p95'))}"
                        for key in ("retrieve", "first_token", "total")
                    ),
                )
            )
        parts.append(f"**{title}**\n\n" + markdown_table(header, rows))
        modes = s["systems"].get("ours", {}).get(subset, {}).get("by_mode")
        if modes:
            parts.append(
                "ours by answer mode: "
                + ", ".join(f"{m} {v['n']} ({v['correct']} right)" for m, v in modes.items())
            )
    if published:
        rows = [
            (name, v.get("covered", "—"), v.get("accuracy_covered"), v["in_run"], v["accuracy_in_run"])
            for name, v in published.items()
        ]
        parts.append(
            "**published baselines** (answerable questions they cover; gold string in the prediction)\n\n"
            + markdown_table(
                ["system", "covered", "accuracy", "covered in this run", "accuracy in this run"], rows
            )
        )
    return "\n\n".join(parts)


def cmd_realtimeqa(args: argparse.Namespace, config: Config, out_base: Path) -> int:
    from bot.service import Bot

    data: Path | None = args.data
    if data is None:
        raise BotError(
            "--benchmark realtimeqa needs --data DIR (the folder with questions.jsonl, articles.jsonl)"
        )
    if not (data / "questions.jsonl").exists() or not (data / "articles.jsonl").exists():
        raise BotError(f"{data} holds no RealTimeQA data (questions.jsonl, articles.jsonl): pass --data")
    questions = load_jsonl(data / "questions.jsonl")
    chosen = choose_questions(questions, args.limit)
    wanted = {a for q in chosen for a in q["search_results"]} if args.small else None
    home = getattr(args, "home", None) or default_store(config.home, wanted)
    label = (
        f"realtimeqa_{model_label(config)}"
        + ("_small" if args.small else "")
        + (f"_limit{args.limit}" if args.limit else "")
    )
    meta = run_meta(args, config, home)
    bot = Bot(config.with_(home=home))
    t0 = time.perf_counter()
    prepare_rtqa_store(bot, data / "articles.jsonl", wanted, log_line)
    ingest_s = time.perf_counter() - t0
    rows = run_realtimeqa(bot, chosen, log_line)
    summary = summarise_realtimeqa(rows)
    n_docs, n_chunks = bot.catalog.count()
    summary.update(articles=n_docs, chunks=n_chunks, ingest_s=ingest_s, wall_s=time.perf_counter() - t0)
    published = published_figures(data, questions, rows)
    out = results_dir(out_base, label, meta["git"])
    (out / "results.json").write_text(
        json.dumps(
            {"meta": meta, "summary": summary, "published": published, "rows": rows}, indent=1, default=str
        )
    )
    tables = realtimeqa_tables(summary, published)
    report = [
        f"# RealTimeQA 2023-Q4 — {meta['llm_model']} @ {meta['git']}"
        + (" (dirty tree)" if meta["dirty"] else ""),
        "",
        f"`{meta['command']}` — {meta['started']}; store {home}: {n_docs} articles, {n_chunks} chunks; "
        f"{summary['n']} answerable questions ({summary['short_answers']} with short answers, "
        "matched as whole words).",
        "",
        "R@k: gold answer string in the top-k chunks (— where the system returns fewer). ctx recall: in what "
        "the answer model was shown (ours: its chosen sentences; llama-index: its 2 chunks; a question "
        "ours refuses before any model call counts as not shown). accuracy: in the generated answer. acc | in ctx: accuracy when it was "
        "in the context. partial: most gold words present but not the exact string (not counted correct). "
        "Every answering system gets the question's date: ours as as-of and 'Today is ...' in its prompt, "
        "llama-index as 'Today is ...' at the head of its QA prompt; BM25 and dense retrieval see no date. "
        "One rule for every system: right = gold string in the answer (refusal flag or not); "
        "refusal = every sentence of the answer refuses. acc | in ctx counts model-written answers only.",
        "",
        tables,
        "",
        _realtimeqa_charts(out, summary, rows),
    ]
    (out / "report.md").write_text("\n".join(report) + "\n", encoding="utf-8")
    print(tables)
    print(f"\nresults: {out}")
    return 0


def _realtimeqa_charts(out: Path, summary: dict[str, Any], rows: Sequence[dict[str, Any]]) -> str:
    names = list(summary["systems"])
    figs = {n: summary["systems"][n]["all"] for n in names}
    (out / "systems.svg").write_text(
        svg_bars(
            "Answer recall@5 and accuracy by system",
            names,
            {
                "recall@5": [figs[n].get("recall@5") for n in names],
                "accuracy": [figs[n].get("accuracy") for n in names],
            },
        )
    )
    md = ["## Charts", "", "![systems](systems.svg)", ""]
    latencies = {
        n: [r[n]["timings_ms"]["total"] for r in rows if "total" in r[n]["timings_ms"]] for n in names
    }
    latencies = {n: v for n, v in latencies.items() if v}
    if latencies:
        first = next(iter(latencies))
        bins, counts = histogram([v / 1e3 for v in latencies[first]])
        (out / "latency.svg").write_text(
            svg_bars(f"Answer latency ({first}, questions per bin)", bins, {first: counts})
        )
        md += ["![latency](latency.svg)", ""]
        for n, vals in latencies.items():
            bins, counts = histogram([v / 1e3 for v in vals])
            md += ["```", f"{n}: total latency (questions per bin)", ascii_bars(bins, counts), "```"]
    return "\n".join(md)
