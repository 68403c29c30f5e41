"""The optional LLM judge of gold answers: llama-index's Faithfulness and Correctness evaluators.

Why it is separate and off by default: a 0.5B model grading itself says little, so the judge runs
only when a stronger model is named (``BOT_EVAL_JUDGE_MODEL``, read into ``Config.eval_judge_model``)
and it must differ from the model being evaluated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.types import BotError
from evals.gold import GoldRow
from evals.matching import strip_markers

if TYPE_CHECKING:
    from bot.backends.llm import LLM
    from bot.config import Config


def make_judge(config: Config, judge_model: str) -> LLM:
    """The judge: a named model on the configured back end, never the model being evaluated."""
    from bot.backends.llm import make_llm

    if judge_model == config.llm_model:
        raise BotError("BOT_EVAL_JUDGE_MODEL must name a stronger model than the one being evaluated")
    llm = make_llm(config.with_(llm_model=judge_model))
    if llm is None:
        raise BotError("BOT_EVAL_JUDGE_MODEL needs an answer-model back end (BOT_LLM is none)")
    return llm


def judge_gold(rows: list[GoldRow], items: Sequence[dict[str, Any]], judge: LLM) -> None:
    """llama-index Faithfulness (answer vs the gold quotes) and Correctness (vs the gold answer, /5).

    A 0.5B model grading itself says little, so this runs only with a named, different judge model.
    """
    from llama_index.core.evaluation import CorrectnessEvaluator, FaithfulnessEvaluator

    from evals.baselines import make_llama_index_llm

    adapter = make_llama_index_llm(judge, 256)
    faithful, correct = FaithfulnessEvaluator(llm=adapter), CorrectnessEvaluator(llm=adapter)
    by_id = {i["id"]: i for i in items}
    for row in rows:
        item = by_id[row.id]
        if not row.answerable or row.refused:
            continue
        question, answer = item["question"], strip_markers(row.answer)
        contexts = [g["quote"] for g in item["gold_passages"]]
        f = faithful.evaluate(query=question, response=answer, contexts=contexts)
        c = correct.evaluate(query=question, response=answer, reference=item["answer"])
        row.judge = {"faithfulness": float(bool(f.passing)), "correctness": float(c.score or 0.0) / 5.0}
