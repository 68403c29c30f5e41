"""What the model reads: each sentence once, and a second reading when the first one fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering.excerpts import SentenceScorer
from bot.backends.llm import Message
from bot.config import ConfigError
from bot.service import Bot
from bot.types import Passage
from tests.conftest import FakeLLM, HashEmbedder, make_config

SHARED = "The council voted on the tram line to the airport after a long debate about its cost."


def test_a_sentence_in_two_overlapping_chunks_is_read_once() -> None:
    first = Passage("d#0", "d", "Riverside debated for years. " + SHARED, 0, 80, title="Tram")
    second = Passage("d#1", "d", SHARED + " Work starts next spring at the depot.", 60, 140, title="Tram")
    ranked = SentenceScorer(HashEmbedder()).rank("When does work on the tram line start?", [first, second])
    texts = [[first, second][ex.passage].text[ex.start : ex.end] for ex in ranked]
    assert sorted(texts) == sorted(set(texts))
    assert texts.count(SHARED) == 1
    shared = next(ex for ex in ranked if [first, second][ex.passage].text[ex.start : ex.end] == SHARED)
    assert shared.passage == 0  # kept where the better-ranked passage has it


ARTICLE = """---
id: riverside-tram
title: Riverside tram line to the airport
source: Riverside Herald
published: 2024-03-10
---
RIVERSIDE, March 10. The Riverside city council approved the tram line to the airport after years of debate about the tram line and the airport.
Council members who approved the tram line to the airport said the airport link would ease traffic for commuters.
Opponents of the airport tram line had argued that buses would serve the airport more cheaply.
The final vote, held on March 3, 2024, passed by nine votes to four in the council chamber.
"""
QUESTION = "When did the Riverside council approve the tram line to the airport?"


@pytest.fixture(scope="module")
def tram_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("tram")
    (home / "tram.md").write_text(ARTICLE, encoding="utf-8")
    bot = Bot(make_config(home / "store"), llm=None)
    assert [r.status for r in bot.ingest([home / "tram.md"])] == ["added"]
    bot.catalog.close()
    return home / "store"


def _reads_the_date(messages: list[Message]) -> str:
    """A model that answers only from what it is shown: the date if its sentence is there."""
    return "March 3, 2024" if "March 3, 2024" in messages[-1]["content"] else "I don't know."


def _excerpt_lines(messages: list[Message]) -> set[str]:
    blocks = messages[-1]["content"].split("News article excerpts:")[1].split("Question:")[0]
    return {line for line in blocks.splitlines() if line and not line.startswith("Excerpt ")}


def test_without_a_second_look_the_unread_date_is_refused(tram_home: Path) -> None:
    llm = FakeLLM(reply_fn=_reads_the_date)
    answer = Bot(make_config(tram_home, context_sentences=1), llm=llm).ask(QUESTION)
    assert answer.refused, answer.text
    assert len(llm.calls) == 1 and "March 3, 2024" not in llm.calls[0][-1]["content"]


def test_a_second_look_reads_the_next_sentences_and_composes_the_answer(tram_home: Path) -> None:
    llm = FakeLLM(reply_fn=_reads_the_date)
    config = make_config(tram_home, context_sentences=1, second_looks=3)
    answer = Bot(config, llm=llm).ask(QUESTION)
    assert answer.mode == "composed", answer.notes
    assert "March 3, 2024" in answer.text and answer.text.endswith("[1].")
    assert "March 3, 2024" in answer.citations[0].to_dict()["quote"]
    assert 2 <= len(llm.calls) <= 4  # it stopped at the reading that answered
    readings = [_excerpt_lines(call) for call in llm.calls]
    assert all(a.isdisjoint(b) for i, a in enumerate(readings) for b in readings[i + 1 :])
    assert any("read the next 1 sentences" in n for n in answer.notes)
    assert len(answer.model_context) == len(llm.calls)  # every sentence it read, for the evals


def test_an_answer_from_the_first_reading_is_not_read_again(tram_home: Path) -> None:
    llm = FakeLLM(reply_fn=_reads_the_date)
    answer = Bot(make_config(tram_home, context_sentences=4, second_looks=1), llm=llm).ask(QUESTION)
    assert answer.mode == "composed" and len(llm.calls) == 1


def test_second_looks_is_bounded() -> None:
    with pytest.raises(ConfigError, match="BOT_SECOND_LOOKS"):
        make_config(Path("/nonexistent"), second_looks=9)
