"""What ranking options by likelihood costs (``BOT_LLM_CHOOSE=likelihood``, bot.backends.likelihood).

Scores 1 and then 11 date options after the same extraction prompt, twice each, with the bundled
model; the difference over 10 is the cost of one option (the prompt is read in both).

    .venv/bin/python benchmarks/likelihood_cost.py
"""

from __future__ import annotations

import time

from bot.backends.llamacpp import LlamaCppLLM
from bot.backends.llm import make_llm
from bot.config import Config

MESSAGES = [
    {
        "role": "system",
        "content": "Answer with the shortest exact phrase copied from the news excerpts that answers the "
        "question. If the excerpts do not answer it, say: I don't know.",
    },
    {
        "role": "user",
        "content": "Today is 2025-02-20.\n\nNews article excerpts:\n\nExcerpt 1: Zakharova on Halperin (TASS, "
        "February 10, 2025)\nShe also recalled that during the so-called humanitarian pause in November 2023, "
        "at Russia's request, Russians Yelena Trufanova, Irina Tatti, Ron Krivoy, as well as elderly Israeli "
        "Holocaust survivor Yaffa Adar were released. Zakharova also cited a statement made by senior Hamas "
        "political leader Abu Marzouk on February 3 upon his arrival in Moscow.\n\n"
        "Question: When did Abu Marzouk arrive in Moscow?",
    },
]
OPTIONS = [
    "February 3", "November 2023", "February 10, 2025", "2025", "February", "2023", "I don't know",
    "January 2025", "February 20", "November", "February 3, 2025",
]  # fmt: skip


def main() -> int:
    llm = make_llm(Config.from_env())
    if not isinstance(llm, LlamaCppLLM):
        raise SystemExit("this measures the llama.cpp back end (BOT_LLM=llamacpp)")
    prompt = llm.prompt_tokens(MESSAGES)  # type: ignore[arg-type]
    times: dict[int, list[float]] = {1: [], 11: []}
    for n in (1, 11, 1, 11):
        t0 = time.perf_counter()
        llm.option_scores(MESSAGES, OPTIONS[:n])  # type: ignore[arg-type]
        times[n].append((time.perf_counter() - t0) * 1e3)
    one, eleven = min(times[1]), min(times[11])
    print(f"prompt {len(prompt)} tokens; 1 option {one:.0f} ms, 11 options {eleven:.0f} ms (best of 2)")
    print(f"per option: {(eleven - one) / 10:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
