"""A local GGUF model run in-process by llama-cpp-python (the default: bundled Qwen2.5-Coder 0.5B)."""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.backends.bundled import resolve_model_path
from bot.backends.llm import LLM, LLMUnavailable, Message

if TYPE_CHECKING:
    from bot.config import Config


class LlamaCppLLM(LLM):
    def __init__(
        self,
        model_path: Path,
        threads: int,
        context_tokens: int = 4096,
        *,
        threads_batch: int = 0,
        batch: int = 512,
        ubatch: int = 512,
        flash_attn: bool = False,
        choose_by: str = "greedy",
    ) -> None:
        """``threads`` generate tokens, ``threads_batch`` (0 = ``threads``) read the prompt."""
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise LLMUnavailable("llama-cpp-python is not installed: pip install 'newsbot[local]'") from exc
        self.name = model_path.stem
        # llama.cpp prints its load log to stderr from C; keep the CLI output clean.
        with contextlib.redirect_stderr(io.StringIO()):
            try:
                self._llm: Any = Llama(
                    model_path=str(model_path),
                    n_ctx=context_tokens,
                    n_threads=threads,
                    n_threads_batch=threads_batch or threads,
                    n_batch=batch,
                    n_ubatch=ubatch,
                    flash_attn=flash_attn,
                    verbose=False,
                )
            except ValueError as exc:
                raise LLMUnavailable(f"cannot load the model {model_path}: {exc}") from exc
        self.choose_by = choose_by
        # One llama.cpp context serves one generation at a time.
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Config) -> LlamaCppLLM:
        path = resolve_model_path(config.llm_model, config.cache_dir, config.llm_quant)
        return cls(
            path,
            config.llm_threads or config.threads,
            config.llm_context_tokens,
            threads_batch=config.llm_threads_batch or config.llm_threads or config.threads,
            batch=config.llm_batch,
            ubatch=config.llm_ubatch,
            flash_attn=bool(config.llm_flash_attn),
            choose_by=config.llm_choose,
        )

    def _chat(self, messages: list[Message], max_tokens: int, **extra: Any) -> Any:
        """A deterministic chat completion from an empty context; the caller holds the lock.

        llama-cpp-python reuses the previous prompt's cached prefix and evaluates the rest from a
        different offset, which changes the logits slightly: the same question got "Simona Halperin
        [1]" after one question and "Zakharova [1]" after another. An answer must not depend on what
        someone asked before, so every generation starts from an empty context (it costs re-reading
        the ~40-token system prompt).
        """
        self._llm.reset()
        return self._llm.create_chat_completion(
            messages=list(messages), max_tokens=max_tokens, temperature=0.0, top_k=1, seed=0, **extra
        )

    def choose(self, messages: list[Message], options: list[str], max_tokens: int) -> str | None:
        """A GBNF grammar whose only sentences are the options: the model picks by its own preference."""
        from llama_cpp import LlamaGrammar

        if not options:
            return None
        if self.choose_by == "likelihood":
            return self.most_likely(messages, options)
        alternatives = " | ".join(_gbnf_literal(o) for o in dict.fromkeys(options))
        grammar = LlamaGrammar.from_string(f"root ::= {alternatives}", verbose=False)
        with self._lock:
            out = self._chat(messages, max_tokens, grammar=grammar)
        text = str(out["choices"][0]["message"].get("content") or "")
        return text if text in options else None

    def most_likely(self, messages: list[Message], options: list[str]) -> str:
        """The option the model finds likeliest as its whole reply (bot.backends.likelihood)."""
        from bot.backends.likelihood import option_logprobs

        unique = list(dict.fromkeys(options))
        with self._lock:
            scores = option_logprobs(self._llm, messages, unique)
        return unique[max(range(len(unique)), key=scores.__getitem__)]

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        with self._lock:
            # repeat_penalty: the 0.5B model otherwise loops on a name at temperature 0.
            chunks = self._chat(messages, max_tokens, repeat_penalty=1.1, stream=True)
            for chunk in chunks:
                piece = chunk["choices"][0].get("delta", {}).get("content")
                if piece:
                    yield piece


def _gbnf_literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'
