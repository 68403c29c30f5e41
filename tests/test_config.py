"""Configuration: read once from BOT_* variables; bad values fail with the variable's name."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from bot.backends.llm import LLMUnavailable, make_llm
from bot.config import Config, ConfigError


def test_env_overrides_defaults(tmp_path: Path) -> None:
    env = {"BOT_HOME": str(tmp_path), "BOT_TOP_K": "7", "BOT_REFUSAL_THRESHOLD": "0.4", "BOT_LLM": "none"}
    config = Config.from_env(env=env)
    assert (config.home, config.top_k, config.refusal_threshold, config.llm) == (tmp_path, 7, 0.4, "none")
    assert config.chroma_dir == tmp_path / "chroma"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BOT_TOP_K": "many"}, "BOT_TOP_K"),
        ({"BOT_CHUNK_SIZE": "50", "BOT_CHUNK_OVERLAP": "60"}, "BOT_CHUNK_OVERLAP"),
        ({"BOT_TOP_K": "0"}, "BOT_TOP_K"),
        ({"BOT_MAX_UPLOAD_MB": "-1"}, "BOT_MAX_UPLOAD_MB"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Config.from_env(env=env)


def test_openai_key_is_only_used_for_openai_servers() -> None:
    env = {"OPENAI_API_KEY": "sk-secret"}
    assert Config.from_env(env={**env, "BOT_LLM": "openai"}).llm_api_key == "sk-secret"
    assert Config.from_env(env={**env, "BOT_LLM": "ollama"}).llm_api_key == ""
    assert Config.from_env(env=env).llm_api_key == ""


def test_unknown_llm_is_an_error_not_a_fallback() -> None:
    with pytest.raises(LLMUnavailable, match="llamacpp"):
        make_llm(Config.from_env(env={"BOT_LLM": "gpt-4"}))
    assert make_llm(Config.from_env(env={"BOT_LLM": "none"})) is None


def test_llama_index_cannot_fall_back_to_openai() -> None:
    """The default install has no llama-index OpenAI integration, so its Settings defaults raise.

    The bare ``openai`` client may be installed (the test extra has it, for the chat API's tests):
    llama-index falls back only through its integration packages, which must stay absent."""
    for module in ("llama_index.llms.openai", "llama_index.embeddings.openai"):
        assert not _installed(module), module
    from llama_index.core import Settings

    with pytest.raises(ImportError):
        _ = Settings.embed_model


def test_missing_gguf_file_is_a_clear_error(tmp_path: Path) -> None:
    config = Config.from_env(env={"BOT_LLM_MODEL": str(tmp_path / "nope.gguf")})
    with pytest.raises(LLMUnavailable, match="no model file"):
        make_llm(config)


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def test_to_env_round_trips(tmp_path: Path) -> None:
    config = Config.from_env(
        env={"BOT_HOME": str(tmp_path), "BOT_TOP_K": "7", "BOT_CATALOG_URL": "postgresql://x@h/db"}
    )
    assert Config.from_env(env=config.to_env()) == config
