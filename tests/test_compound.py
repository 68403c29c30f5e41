"""Two questions in one, answered part by part (bot.compound)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering.compound import join_answers, split_question
from bot.backends.llm import Message
from bot.service import Bot
from bot.types import Answer, Citation, Passage
from tests.conftest import FakeLLM, make_config


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "Who is Alexander Trufanov's mother and when was she released?",
            ["Who is Alexander Trufanov's mother?", "When was she released?"],
        ),
        (
            "Which Israeli institution asked Russia to keep working, and who is Israel's ambassador there?",
            ["Which Israeli institution asked Russia to keep working?", "Who is Israel's ambassador there?"],
        ),
        ("Who was released and when?", ["Who was released and when?"]),  # one event, asked two ways
        ("Who are Irina Tatti and Yaffa Adar?", ["Who are Irina Tatti and Yaffa Adar?"]),  # a list
        (
            "Which countries and which people were involved?",
            ["Which countries and which people were involved?"],
        ),
        ("What did Hamas and Israel agree?", ["What did Hamas and Israel agree?"]),
    ],
)
def test_split_question(question: str, parts: list[str]) -> None:
    assert split_question(question) == parts


def _passage(n: int) -> Passage:
    return Passage(f"d#{n}", "d", f"sentence {n}.", 0, 11, title="t")


def test_join_renumbers_citations_and_keeps_a_refused_part() -> None:
    first = Answer(
        "q1", "A [1].", refused=False, citations=[Citation(1, _passage(1), 0, 11)], mode="composed"
    )
    first.passages = [_passage(1)]
    second = Answer("q2", "The corpus does not say.", refused=True, mode="refused")
    second.refusal_reason = "No passage found answers it."
    both = join_answers("q1 and q2", [first, second])
    assert both.text == "A [1]. The corpus does not say."
    assert not both.refused and both.mode == "composed"
    assert both.refusal_reason == "No passage found answers it."
    third = Answer(
        "q3", "B [1].", refused=False, citations=[Citation(1, _passage(2), 0, 11)], mode="composed"
    )
    joined = join_answers("q1 and q3", [first, third])
    assert joined.text == "A [1]. B [2]."
    assert [c.n for c in joined.citations] == [1, 2]
    assert joined.citations[1].passage.chunk_id == "d#2"
    assert join_answers("x", [second, second]).refused


def test_each_part_is_answered_and_the_second_reads_the_first(corpus_home: Path) -> None:
    """The fake model answers each part from its question; the second part's "she" is the person the
    first part's answer names, so it is searched as "When was Yelena Trufanova released?"."""

    def reply(messages: list[Message]) -> str:
        question = messages[-1]["content"].rsplit("Question:", 1)[-1]
        return "November 2023" if question.strip().startswith("When") else "Yelena Trufanova"

    bot = Bot(make_config(corpus_home), llm=FakeLLM(reply_fn=reply))
    answer = bot.ask("Who is Alexander Trufanov's mother and when was she released?")
    assert "Yelena Trufanova" in answer.text and "November 2023" in answer.text, answer.notes
    assert answer.text.endswith("She was released in November 2023 [2]."), answer.text
    assert len(answer.citations) == 2
    for c in answer.citations:
        assert c.passage.text[c.quote_start : c.quote_end], "each citation opens its supporting sentence"
