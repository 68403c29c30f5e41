"""The answering clause chosen by the model among those of the sentences it read (BOT_QUOTE_CLAUSES)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering.clauses import MAX_CLAUSE_CHARS, clauses
from bot.answering.extract import DONT_KNOW
from bot.backends.llm import Message
from bot.language.text import content_words
from bot.service import Bot
from tests.conftest import FakeLLM, make_config

SENTENCE = (
    "The Russian side, in its months-long negotiations with representatives of the Palestinian movement "
    "through all available channels, insistently sought the speedy return of all compatriots."
)


def test_the_clauses_are_short_verbatim_and_say_more_than_the_question() -> None:
    question = "during months of talks with the palestinian movement, what was russia pushing for"
    found = clauses(SENTENCE, set(content_words(question)))
    texts = [c.text for c in found]
    assert "insistently sought the speedy return of all compatriots" in texts
    assert all(SENTENCE[c.start : c.end] == c.text for c in found)
    assert all(len(c.text) <= MAX_CLAUSE_CHARS and len(c.text.split()) >= 3 for c in found)
    # a clause of only the question's words restates it: never offered
    assert not any(set(content_words(t)) <= set(content_words(question)) for t in texts)
    assert len(texts) == len({t.lower() for t in texts})


ARTICLE = """---
id: riverside-tram
title: Riverside tram line to the airport
source: Riverside Herald
published: 2024-03-10
---
RIVERSIDE, March 10. The Riverside city council approved the tram line to the airport after years of debate.
Council members who approved the tram line to the airport said the new link would ease traffic for commuters on the ring road every morning.
Opponents had argued that buses would serve the airport more cheaply.
"""
QUESTION = "What did the council members say the tram line would do?"


@pytest.fixture(scope="module")
def tram_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("tram")
    (home / "tram.md").write_text(ARTICLE, encoding="utf-8")
    bot = Bot(make_config(home / "store"), llm=None)
    assert [r.status for r in bot.ingest([home / "tram.md"])] == ["added"]
    bot.catalog.close()
    return home / "store"


class ClauseReader(FakeLLM):
    """Writes a phrase that is nowhere in the excerpts; among given clauses picks ``wanted``'s."""

    def __init__(self, wanted: str) -> None:
        super().__init__("blue whales migrate south")
        self.wanted = wanted
        self.options: list[str] = []

    def choose(self, messages: list[Message], options: list[str], max_tokens: int) -> str | None:
        self.calls.append(messages)
        self.options = options
        fitting = [o for o in options if self.wanted in o]
        return min(fitting, key=len) if fitting else None


def test_the_chosen_clause_is_the_answer_cited_to_its_exact_span(tram_home: Path) -> None:
    llm = ClauseReader("ease traffic")
    answer = Bot(make_config(tram_home, quote_clauses=1), llm=llm).ask(QUESTION)
    assert answer.mode == "extractive" and not answer.refused, answer.notes
    quote = answer.citations[0].to_dict()["quote"]
    assert "ease traffic" in quote and len(quote) < 100
    assert answer.text == f"“{quote}” [1]"
    assert quote in ARTICLE and "Council members who approved" not in quote
    assert llm.options[-1] == DONT_KNOW


def test_without_clause_choice_the_whole_sentence_is_quoted(tram_home: Path) -> None:
    answer = Bot(make_config(tram_home), llm=ClauseReader("ease traffic")).ask(QUESTION)
    assert answer.mode == "extractive" and "Council members who approved" in answer.text


def test_when_the_model_does_not_know_among_the_clauses_the_bot_refuses(tram_home: Path) -> None:
    answer = Bot(make_config(tram_home, quote_clauses=1), llm=ClauseReader(DONT_KNOW)).ask(QUESTION)
    assert answer.refused and "does not know" in (answer.refusal_reason or "")
