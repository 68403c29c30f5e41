"""CPU time per prompt token and per generated token of the answer model, per llama.cpp setting.

Run ``.venv/bin/python benchmarks/llm_prompt_cpu.py [--rounds 2] [--prompt FILE.json ...]
'NAME:BOT_LLM_THREADS=1,BOT_LLM_QUANT=q4_0' ...``.

On a shared machine wall times move with the load; the CPU time a single-threaded evaluation takes
does much less, so settings (quantisation, flash attention, batch sizes) can be compared at any
load when every variant runs with ``BOT_LLM_THREADS=1``. All variants are loaded into one process
and evaluated in turn, round after round, on the same prompts: by default the one the bot builds
for the seed question ("Who was released in November 2023?"); ``--prompt`` takes a JSON list of
chat messages instead. For each variant it prints prompt tokens/s and decode tokens/s (wall) and
CPU milliseconds per prompt token and per decoded token (8 single-token steps after the prompt),
medians over rounds and prompts, and llama.cpp's system-info string (the CPU features used).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.measure import load_text, timed_call  # noqa: E402

SEED_QUESTION = "Who was released in November 2023?"
DECODE_STEPS = 8


def main() -> int:
    import llama_cpp
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    from bot.backends.llamacpp import LlamaCppLLM
    from bot.config import Config

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("variants", nargs="+", help="NAME:BOT_X=1,BOT_Y=2 (settings of one variant)")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--prompt", type=Path, action="append", help="a JSON list of chat messages")
    args = p.parse_args()
    prompts = [json.loads(f.read_text()) for f in args.prompt] if args.prompt else [seed_prompt()]
    loaded = []
    for spec in args.variants:
        name, _, assignments = spec.partition(":")
        env = dict(a.split("=", 1) for a in assignments.split(",") if a)
        t = time.perf_counter()
        llm = LlamaCppLLM.from_config(Config.from_env(env=env))._llm
        loaded.append((name, llm, time.perf_counter() - t))
    first = loaded[0][1]
    chat = Jinja2ChatFormatter(
        template=first.metadata["tokenizer.chat_template"], eos_token="<|im_end|>", bos_token=""
    )
    tokens = [first.tokenize(chat(messages=m).prompt.encode(), add_bos=False, special=True) for m in prompts]
    print("system info:", llama_cpp.llama_print_system_info().decode())
    print("prompt tokens:", [len(t) for t in tokens], "; load average before:", load_text())
    results: dict[str, dict[str, list[float]]] = {
        name: {"prompt/s": [], "decode/s": [], "cpu ms/prompt token": [], "cpu ms/decoded token": []}
        for name, _, _ in loaded
    }
    for _ in range(args.rounds):
        for name, llm, _ in loaded:
            for toks in tokens:
                llm.reset()
                wall, cpu = timed_call(lambda toks=toks, llm=llm: llm.eval(toks))
                r = results[name]
                r["prompt/s"].append(len(toks) / wall)
                r["cpu ms/prompt token"].append(cpu * 1e3 / len(toks))
                wall, cpu = timed_call(
                    lambda toks=toks, llm=llm: [llm.eval([toks[-1]]) for _ in range(DECODE_STEPS)]
                )
                r["decode/s"].append(DECODE_STEPS / wall)
                r["cpu ms/decoded token"].append(cpu * 1e3 / DECODE_STEPS)
    print("load average after:", load_text())
    for name, _, load_s in loaded:
        figures = ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in results[name].items())
        print(f"{name}: {figures}; model load {load_s:.2f} s")
    return 0


def seed_prompt() -> list[Any]:
    """The messages the bot gives the model for the seed question on the bundled corpus."""
    from collections.abc import Iterator

    from bot.backends.llm import LLM, Message
    from bot.config import Config
    from bot.service import Bot

    seen: list[list[Message]] = []

    class Recorder(LLM):
        name = "recorder"

        def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
            seen.append(messages)
            yield "I don't know."

        def choose(self, messages: list[Message], options: list[str], max_tokens: int) -> str | None:
            seen.append(messages)
            return None

    with tempfile.TemporaryDirectory(prefix="llm-prompt-") as tmp:
        bot = Bot(Config.from_env(env={}, home=Path(tmp) / "store"), llm=Recorder())
        bot.ingest([ROOT / "corpus"])
        bot.ask(SEED_QUESTION, as_of=date(2025, 2, 20))
    return list(seen[-1])


if __name__ == "__main__":
    raise SystemExit(main())
