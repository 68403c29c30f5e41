"""The llama.cpp back end's own logic, with a fake ``Llama`` (the real model is exercised end to end
in test_core and test_evaluate)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.backends.llamacpp import LlamaCppLLM


class FakeLlama:
    """Records calls; answers depend on whether the context still holds the previous prompt,
    which is how llama.cpp's prefix reuse can change a reply."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.cached = 0

    def reset(self) -> None:
        self.calls.append("reset")
        self.cached = 0

    def create_chat_completion(self, messages: list[dict[str, str]], **kwargs: Any) -> Any:
        self.calls.append("complete")
        reply = "cold" if self.cached == 0 else "warm"
        self.cached += 1
        assert kwargs["temperature"] == 0.0 and kwargs["stream"] is True
        yield {"choices": [{"delta": {"role": "assistant"}}]}
        yield {"choices": [{"delta": {"content": reply}}]}


def make(fake: FakeLlama) -> LlamaCppLLM:
    llm = LlamaCppLLM.__new__(LlamaCppLLM)  # skip loading a GGUF file
    import threading

    llm._llm, llm._lock, llm.name = fake, threading.Lock(), "fake"
    return llm


def test_every_generation_starts_from_an_empty_context() -> None:
    fake = FakeLlama()
    llm = make(fake)
    question = [{"role": "user", "content": "Who was released?"}]
    first = llm.complete(question, 10)  # type: ignore[arg-type]
    llm.complete([{"role": "user", "content": "Something else entirely"}], 10)  # type: ignore[list-item]
    again = llm.complete(question, 10)  # type: ignore[arg-type]
    assert first == again == "cold"
    assert fake.calls == ["reset", "complete"] * 3


def test_stream_skips_empty_deltas() -> None:
    assert list(make(FakeLlama()).stream([{"role": "user", "content": "q"}], 5)) == ["cold"]


def test_speed_settings_reach_the_llama_constructor(tmp_path: Any, monkeypatch: Any) -> None:
    import llama_cpp

    from bot.config import Config

    seen: dict[str, Any] = {}

    class RecordingLlama:
        def __init__(self, **kwargs: Any) -> None:
            seen.update(kwargs)

    monkeypatch.setattr(llama_cpp, "Llama", RecordingLlama)
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    env = {
        "BOT_LLM_MODEL": str(gguf),
        "BOT_THREADS": "2",
        "BOT_LLM_THREADS": "1",
        "BOT_LLM_BATCH": "256",
        "BOT_LLM_UBATCH": "128",
        "BOT_LLM_FLASH_ATTN": "1",
    }
    LlamaCppLLM.from_config(Config.from_env(env=env))
    assert (seen["n_threads"], seen["n_threads_batch"]) == (1, 1)
    assert (seen["n_batch"], seen["n_ubatch"], seen["flash_attn"]) == (256, 128, True)
    seen.clear()
    LlamaCppLLM.from_config(Config.from_env(env={"BOT_LLM_MODEL": str(gguf), "BOT_THREADS": "2"}))
    assert (seen["n_threads"], seen["n_threads_batch"], seen["n_batch"], seen["n_ubatch"]) == (2, 2, 512, 512)
    assert seen["flash_attn"] is False


def test_quant_applies_to_bundled_models_only(tmp_path: Any) -> None:
    from bot.backends.bundled import resolve_model_path
    from bot.backends.llm import LLMUnavailable
    from bot.config import Config, ConfigError

    gguf = tmp_path / "own.gguf"
    gguf.write_bytes(b"GGUF")
    assert resolve_model_path(str(gguf), tmp_path) == gguf
    with pytest.raises(LLMUnavailable, match="bundled models only"):
        resolve_model_path(str(gguf), tmp_path, "q4_0")
    with pytest.raises(ConfigError, match="BOT_LLM_QUANT"):
        Config.from_env(env={"BOT_LLM_QUANT": "q5_1"})


def test_the_config_accepts_exactly_the_conversions_there_are() -> None:
    """The config cannot import the back end (layers), so its list is a copy: kept equal here."""
    from bot.backends.bundled import QUANTS
    from bot.config import LLM_QUANTS, Config

    assert set(LLM_QUANTS) == set(QUANTS)
    for quant in QUANTS:
        assert Config.from_env(env={"BOT_LLM_QUANT": quant}).llm_quant == quant


def test_a_converted_copy_is_reused_while_its_source_is_the_same(tmp_path: Any, monkeypatch: Any) -> None:
    import llama_cpp

    from bot.backends.bundled import ensure_quantized

    source = tmp_path / "m.gguf"
    source.write_bytes(b"GGUF source")
    made: list[bytes] = []

    def fake_quantize(src: bytes, dst: bytes, params: Any) -> int:
        made.append(src)
        with open(dst, "wb") as out:
            out.write(b"GGUF q4_0")
        return 0

    monkeypatch.setattr(llama_cpp, "llama_model_quantize", fake_quantize)
    first = ensure_quantized(source, "a" * 64, "q4_0")
    assert first == tmp_path / "m.q4_0.gguf" and first.read_bytes() == b"GGUF q4_0"
    assert ensure_quantized(source, "a" * 64, "q4_0") == first and len(made) == 1
    ensure_quantized(source, "b" * 64, "q4_0")  # another source: converted again
    assert len(made) == 2 and not list(tmp_path.glob("*.tmp"))


@pytest.mark.slow
@pytest.mark.parametrize("quant", ["q4_0", "iq4_nl"])
def test_a_4_bit_copy_of_the_bundled_model_loads_and_answers(tmp_path: Path, quant: str) -> None:
    """The real conversion (llama.cpp's quantizer, ~20 s): the copy loads and answers the seed question."""
    from bot.backends.bundled import BUNDLED, ensure_joined
    from bot.config import Config
    from bot.service import Bot
    from tests.conftest import CORPUS, _model_cache

    model = BUNDLED["qwen2.5-coder-0.5b"]
    joined = ensure_joined(model, _model_cache())
    cache = tmp_path / "cache"
    (cache / "models").mkdir(parents=True)
    (cache / "models" / joined.name).symlink_to(joined)  # the converted copy is written beside it
    (cache / "models" / joined.with_suffix(".sha256").name).write_text(model.sha256)
    bot = Bot(Config.from_env(env={}, home=tmp_path / "store", cache_dir=cache, llm_quant=quant))
    bot.ingest([CORPUS])
    answer = bot.ask("Who was released in November 2023?", as_of=date(2025, 2, 11))
    assert bot.llm is not None and bot.llm.name.endswith(f".{quant}"), bot.llm_error
    assert (cache / "models" / f"{joined.stem}.{quant}.gguf").stat().st_size < joined.stat().st_size
    assert "Yelena Trufanova" in answer.text and answer.citations, answer


@pytest.fixture(scope="module")
def real_llm() -> LlamaCppLLM:
    from bot.backends.bundled import BUNDLED, ensure_joined
    from tests.conftest import _model_cache

    return LlamaCppLLM(ensure_joined(BUNDLED["qwen2.5-coder-0.5b"], _model_cache()), threads=2)


CHAT = [
    {"role": "system", "content": "Answer the question from the news article excerpts. Be brief."},
    {
        "role": "user",
        "content": "Excerpt 1: Republican Kevin McCarthy was ousted as speaker of the House on Tuesday; "
        "Patrick McHenry was named speaker pro tempore.\n\nQuestion: Which lawmaker was ousted as speaker?",
    },
]


@pytest.mark.slow
def test_likelihood_scores_whole_options_and_leave_no_trace(real_llm: LlamaCppLLM) -> None:
    """The real model: the scores are log-probabilities of the whole option; the answer the model writes
    freely scores above a made-up one; scoring twice, around another question, gives the same numbers,
    and a free answer afterwards is the one it gave before (no cache left behind)."""
    free = real_llm.complete(CHAT, 12)  # type: ignore[arg-type]
    options = ["Kevin McCarthy", "Patrick McHenry", "Tuesday", "Zzqx Blorf"]
    first = real_llm.option_scores(CHAT, options)  # type: ignore[arg-type]
    real_llm.option_scores([{"role": "user", "content": "Name a colour."}], ["Red", "Blue"])
    again = real_llm.option_scores(CHAT, options)  # type: ignore[arg-type]
    assert first == again
    assert all(s < 0 for s in first)
    assert first[3] < min(first[:3]) - 5  # a made-up name is far less likely than any excerpt phrase
    assert "McCarthy" in free and first[0] == max(first)
    real_llm.choose_by = "likelihood"
    assert real_llm.choose(CHAT, options, 12) == "Kevin McCarthy"  # type: ignore[arg-type]
    assert real_llm.complete(CHAT, 12) == free  # type: ignore[arg-type]


@pytest.mark.slow
def test_a_kept_prompt_start_gives_the_same_answer_whatever_came_before(real_llm: Any) -> None:
    """BOT_LLM_PREFIX_CACHE=1 on the real model: the fixed start is read once, not per question,
    and an answer is the same first thing after start-up or after another question."""
    import llama_cpp

    from bot.answering.prompt import SYSTEM_PROMPT

    llm: Any = real_llm
    ask = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {
            "role": "user",
            "content": "Excerpt 1: Ron Krivoy and Yaffa Adar were released.\n\nQuestion: Who was released?",
        },
    ]
    other = [
        ask[0],
        {"role": "user", "content": "Excerpt 1: The Zorblat festival opened in Tallinn.\n\nQuestion: Where?"},
    ]
    start = llm._fixed_start(ask)
    assert 20 < len(start) < 80  # the system prompt and the template's opening, not the user's text
    ctx = llm._llm._ctx.ctx
    llm.prefix_cache = True
    try:
        llm._llm.reset()
        first = llm.complete(ask, 12)
        llm.complete(other, 12)
        llm.most_likely(other, ["Tallinn", "Riga"])  # evaluates a whole prompt in its own way
        assert llm.complete(ask, 12) == first
        llama_cpp.llama_perf_context_reset(ctx)
        again = llm.complete(ask, 12)
        evaluated = llama_cpp.llama_perf_context(ctx).n_p_eval
        full = len(
            llm._llm.tokenize(llm._template(messages=ask).prompt.encode(), add_bos=False, special=True)
        )
    finally:
        llm.prefix_cache = False
    assert again == first
    assert evaluated <= full - len(start)  # the start was not read again
