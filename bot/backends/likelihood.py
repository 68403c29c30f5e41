"""Ranking given answers by the model's own likelihood, reading the prompt once (issue 14 (b)).

Grammar-constrained decoding (``LlamaCppLLM.choose``'s greedy path) commits on the first token: of
"Kevin McCarthy" and "Patrick McHenry" the one whose first word piece the model prefers wins, even
when the model, reading the whole phrase, finds the other far likelier. Scoring each option as a
whole — log P(option, then end of turn | prompt) — asks the model about the complete answer. The
prompt is evaluated once and its KV cache kept; each option is one small batch decoded after it
(the cache past the prompt is dropped between options), so ten options cost about one short
generation, not ten prompts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def option_logprobs(llama: Any, prompt: Sequence[int], options: Sequence[str]) -> list[float]:
    """log P(option followed by the end of the turn | the chat's tokens ``prompt``), per option.

    ``prompt`` is the chat rendered by the model's template up to where the reply begins
    (``LlamaCppLLM.prompt_tokens``). The caller holds the model's lock. The context is reset first,
    so the scores never depend on an earlier question (the reason ``LlamaCppLLM._chat`` resets too).
    """
    end = llama.token_eos()
    llama.reset()
    llama.eval(list(prompt))
    n_past = llama.n_tokens
    vocab = llama.n_vocab()
    first = log_softmax(np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(vocab,)).copy())
    scores = []
    for option in options:
        tokens = llama.tokenize(option.encode(), add_bos=False, special=False)
        if not tokens:
            scores.append(float("-inf"))
            continue
        # Logits after each option token predict the next one, the last predicts the end of turn.
        llama._ctx.kv_cache_seq_rm(-1, n_past, -1)
        llama._batch.set_batch(batch=tokens, n_past=n_past, logits_all=True)
        llama._ctx.decode(llama._batch)
        rows = log_softmax(
            np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(len(tokens) * vocab,)).reshape(-1, vocab)
        )
        following = [*tokens[1:], end]
        scores.append(float(first[tokens[0]] + rows[np.arange(len(tokens)), following].sum()))
    llama._ctx.kv_cache_seq_rm(-1, n_past, -1)
    llama.n_tokens = n_past
    return scores
