"""How the answer's phrase is picked: the model chooses among the excerpts' names when
``BOT_CHOOSE_NAMES=1`` (measured worse on both eval sets, so off by default), and writes freely
otherwise. A fake model whose choice is its scripted reply stands in for the real one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.config import Config, ConfigError
from bot.service import Bot
from tests.conftest import CORPUS, FakeLLM, make_config

AS_OF = date(2025, 2, 20)
QUESTION = "Which Hamas leader arrived in Moscow on February 3?"


class CountingLLM(FakeLLM):
    """Records which path was taken: a choice among options, or free writing."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.offered: list[list[str]] = []
        self.streamed = 0

    def choose(self, messages, options, max_tokens):  # type: ignore[no-untyped-def]
        self.offered.append(options)
        return super().choose(messages, options, max_tokens)

    def stream(self, messages, max_tokens):  # type: ignore[no-untyped-def]
        self.streamed += 1
        yield from super().stream(messages, max_tokens)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("store")
    Bot(make_config(home), llm=None).ingest([CORPUS])
    return home


def test_names_are_chosen_from_the_excerpts_when_asked_for(store: Path) -> None:
    llm = CountingLLM("Abu Marzouk")
    answer = Bot(make_config(store, choose_names=1), llm=llm).ask(QUESTION, as_of=AS_OF)
    assert llm.offered and "Abu Marzouk" in llm.offered[0] and llm.offered[0][-1] == "I don't know"
    assert llm.streamed == 0 and "Abu Marzouk" in answer.text and answer.citations


def test_no_fitting_name_falls_back_to_what_the_model_writes(store: Path) -> None:
    llm = CountingLLM("I don't know.")
    answer = Bot(make_config(store, choose_names=1), llm=llm).ask(QUESTION, as_of=AS_OF)
    assert llm.offered and llm.streamed == 1 and answer.refused


def test_by_default_the_model_writes_the_phrase(store: Path) -> None:
    llm = CountingLLM("Abu Marzouk")
    answer = Bot(make_config(store), llm=llm).ask(QUESTION, as_of=AS_OF)
    assert not llm.offered and llm.streamed == 1 and "Abu Marzouk" in answer.text


def test_choice_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="BOT_LLM_CHOOSE"):
        Config.from_env(env={"BOT_LLM_CHOOSE": "sampled"})
    with pytest.raises(ConfigError, match="BOT_CHOOSE_NAMES"):
        Config.from_env(env={"BOT_CHOOSE_NAMES": "2"})
