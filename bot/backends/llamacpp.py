"""A local GGUF model run in-process by llama-cpp-python (the default: bundled Qwen2.5-Coder 0.5B)."""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.backends.bundled import resolve_model_path
from bot.backends.llm import LLM, LLMUnavailable, Message

if TYPE_CHECKING:
    from bot.config import Config


class LlamaCppLLM(LLM):
    prefix_cache = False  # see _chat

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
        prefix_cache: bool = False,
    ) -> None:
        """``threads`` generate tokens, ``threads_batch`` (0 = ``threads``) read the prompt;
        ``prefix_cache`` keeps the fixed start of the prompt in the context between questions."""
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
        self.prefix_cache = prefix_cache
        self._starts: dict[str, list[int]] = {}  # system prompt -> the tokens of the fixed start
        self._held: list[int] | None = None  # the start this class evaluated alone, if still there

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
            prefix_cache=bool(config.llm_prefix_cache),
        )

    def _chat(self, messages: list[Message], max_tokens: int, **extra: Any) -> Any:
        """A deterministic chat completion; the caller holds the lock.

        llama-cpp-python reuses the longest prefix the previous prompt shares with this one and
        evaluates the rest from that offset, which changes the logits slightly: the same question
        got "Simona Halperin [1]" after one question and "Zakharova [1]" after another. An answer
        must not depend on what someone asked before, so every generation starts either from an
        empty context, or (``prefix_cache``) from a context holding exactly the prompt's fixed
        start (the system prompt and the chat template up to the user's text), evaluated on its
        own: the same state whatever came before, so the same answer, without re-reading the
        ~40 tokens of that start for every question.
        """
        start = self._fixed_start(messages) if self.prefix_cache else []
        if start:
            self._hold(start)
        else:
            self._llm.reset()
            self._held = None
        return self._llm.create_chat_completion(
            messages=list(messages), max_tokens=max_tokens, temperature=0.0, top_k=1, seed=0, **extra
        )

    def _hold(self, start: list[int]) -> None:
        """Leave the context holding ``start`` and nothing after it. llama-cpp-python then keeps
        those tokens (the prompt begins with them) and drops the rest of the last prompt."""
        llm = self._llm
        held = self._held == start and llm.n_tokens >= len(start)
        if not held or list(llm.input_ids[: len(start)]) != start:  # gone, or overwritten
            llm.reset()
            llm.eval(start)
            self._held = start
        llm.n_tokens = len(start)

    def _fixed_start(self, messages: list[Message]) -> list[int]:
        """The tokens every prompt with this system message begins with, or [] (no system
        message, or no chat template to find them with)."""
        if len(messages) < 2 or messages[0]["role"] != "system" or messages[1]["role"] != "user":
            return []
        system = messages[0]["content"]
        if system not in self._starts and self._template is not None:
            marker = "\x00user text\x00"
            self._starts[system] = self.prompt_tokens(
                [messages[0], {"role": "user", "content": marker}], until=marker
            )
        return self._starts.get(system, [])

    def prompt_tokens(self, messages: list[Message], until: str | None = None) -> list[int]:
        """The chat as ``create_chat_completion`` renders and tokenises it, ending where the reply
        begins (or, with ``until``, just before that text)."""
        if self._template is None:
            raise LLMUnavailable(f"the model {self.name} has no chat template")
        rendered = self._template(messages=list(messages))
        text = rendered.prompt.split(until)[0] if until else rendered.prompt
        add_bos = not rendered.added_special  # as llama-cpp-python's chat handler tokenizes
        return list(self._llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True))

    @cached_property
    def _template(self) -> Any:
        """The model's own chat template, as ``create_chat_completion`` renders it."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = self._llm.metadata.get("tokenizer.chat_template")
        if not template:
            return None
        eos, bos = self._llm.token_eos(), self._llm.token_bos()
        return Jinja2ChatFormatter(
            template=template,
            eos_token=self._llm.detokenize([eos], special=True).decode() if eos >= 0 else "",
            bos_token=self._llm.detokenize([bos], special=True).decode() if bos >= 0 else "",
            stop_token_ids=[eos],
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
        unique = list(dict.fromkeys(options))
        scores = self.option_scores(messages, unique)
        return unique[max(range(len(unique)), key=scores.__getitem__)]

    def option_scores(self, messages: list[Message], options: list[str]) -> list[float]:
        """log P(option, then end of turn | the chat) for each option, the prompt read once."""
        from bot.backends.likelihood import option_logprobs

        with self._lock:
            self._held = None  # it evaluates its whole prompt at once: the start is not alone
            return option_logprobs(self._llm, self.prompt_tokens(messages), options)

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
