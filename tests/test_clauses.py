"""A quoted sentence cut to the part that answers (bot.answering.clauses.answer_part)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering.clauses import ANSWER_CHARS, answer_part
from bot.service import Bot
from tests.conftest import make_config

SENTENCE = (
    "The Russian Foreign Ministry spokeswoman recalled that the Russian side, in its months-long "
    "negotiations with representatives of the Palestinian movement through all available channels, "
    "insistently sought the speedy return of all compatriots."
)


def test_the_answer_is_what_follows_the_words_the_question_repeats() -> None:
    part = answer_part(
        SENTENCE, "during months of talks with the palestinian movement, what was russia pushing for"
    )
    assert part == "… through all available channels, insistently sought the speedy return of all compatriots"
    assert len(part) <= ANSWER_CHARS + 4 and part.strip("… ") in SENTENCE


def test_when_the_repeated_words_end_the_sentence_the_answer_is_what_comes_before() -> None:
    sentence = (
        "Owing to an unusually wet spring, late frosts and a shortage of seasonal pickers from abroad, "
        "farmers in the valley say the apple harvest will be the smallest since records began."
    )
    part = answer_part(sentence, "why will the apple harvest be the smallest since records began")
    assert "wet spring" in part and "smallest" not in part


@pytest.mark.parametrize(
    ("sentence", "question"),
    [
        ("The vote passed by nine votes to four.", "How did the vote go?"),  # short: whole
        (SENTENCE, "What colour is the sky over the sea at dawn?"),  # nothing shared: whole
    ],
)
def test_a_short_or_unrelated_sentence_stays_whole(sentence: str, question: str) -> None:
    assert answer_part(sentence, question) == sentence


ARTICLE = """---
id: riverside-tram-vote
title: Council backs airport tram
source: Valley Courier
published: 2024-03-06
---
RIVERSIDE, March 10. The Riverside city council approved the tram line to the airport after years of debate.
Council members who approved the tram line to the airport on Tuesday evening said the new link would ease traffic for commuters on the ring road every morning.
Opponents had argued that buses would serve the airport more cheaply.
"""


def test_the_quoted_answer_is_the_part_and_the_citation_the_whole_sentence(tmp_path: Path) -> None:
    (tmp_path / "tram.md").write_text(ARTICLE, encoding="utf-8")
    bot = Bot(make_config(tmp_path / "store"), llm=None)
    bot.ingest([tmp_path / "tram.md"])
    answer = bot.ask("What did council members say on Tuesday evening about the new link?")
    assert answer.mode == "extractive", answer.notes
    assert "ease traffic for commuters" in answer.text and "Council members who approved" not in answer.text
    assert answer.citations[0].to_dict()["quote"].startswith("Council members who approved")
