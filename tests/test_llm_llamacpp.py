"""The llama.cpp back end's own logic, with a fake ``Llama`` (the real model is exercised end to end
in test_core and test_evaluate)."""

from __future__ import annotations

from typing import Any

from bot.llm_llamacpp import LlamaCppLLM


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
