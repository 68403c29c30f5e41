"""Answer typing (bot.answering.answertype): what a question asks for, and whether an answer supplies it."""

from __future__ import annotations

import pytest

from bot.answering.answertype import (
    adds_information,
    may_hold_answer,
    missing_subject,
    supplies_kind,
    why_not_an_answer,
)
from bot.answering.followup import rewrite_question
from bot.answering.query import expected_kind
from bot.backends.llm import LLM, Message


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How old is Yaffa Adar?", "age"),
        ("How long was Ron Krivoy held captive?", "duration"),
        ("When was Simona Halperin appointed?", "date"),
        ("On what date was he released?", "date"),
        ("In which year did it start?", "date"),
        ("How many hostages remain in Gaza?", "number"),
        ("How much did it cost?", "number"),
        ("Who is the Israeli ambassador to Moscow?", "name"),
        ("What is the population of the Gaza Strip?", "number"),
        ("Name one Israeli official who appealed to Russia.", "name"),
        ("What is the name of the Israeli ambassador?", "name"),
        ("Of those released, how many does the article call Russians?", "number"),
        ("In total, how many hostages were freed?", "number"),
        ("What was the number of hostages freed in November 2023?", "number"),
        ("What's the total number of people released?", "number"),
        ("Give the number of hostages released in November 2023.", "number"),
        ("Count the hostages released in November 2023.", "number"),
        ("What caused the number of hostages to rise?", None),  # a number is mentioned, not asked
        ("A number of hostages were freed; who were they?", "name"),
        ("Name the hostages freed in November 2023.", None),  # a list: read off the source
        ("Why was Trufanov included?", None),
        ("What did Zakharova say?", None),
        # the question word last, as typed in a chat (tenth sealed set y58 got a name for a "when")
        ("krivoy was freed when", "date"),
        ("kharkin comes from where", "place"),
        ("the hostages were freed by whom", "name"),
        # a request for a date (y12 "tell me the month and year of ..." was answered with the year alone)
        ("tell me the month and year of the so-called humanitarian pause", "date"),
        ("the month and year of the pause", "date"),
        ("the day after, who spoke", None),  # "the day" here is no request for one
    ],
)
def test_expected_kind(question: str, kind: str | None) -> None:
    assert expected_kind(question) == kind


@pytest.mark.parametrize(
    ("question", "answer", "ok"),
    [
        ("How old is Yaffa Adar?", "Yaffa Adar, 85, was released.", True),
        ("How old is Yaffa Adar?", "The 85-year-old was released.", True),
        ("How old is Yaffa Adar?", "Yaffa Adar was released in November 2023 [1].", False),
        ("How many hostages remain?", "Some 59 hostages remain.", True),
        ("How many hostages remain?", "Dozens of hostages remain.", True),
        ("How many hostages remain?", "The fate of the hostages depends on it [2].", False),  # not the 2
        ("How many hostages remain?", "The agreement was reached in January 2025.", False),  # a year
        ("How many of the 3 were freed?", "All 3 were freed.", False),  # the question's own number
        ("When did he arrive?", "He arrived on February 3.", True),
        ("When did he arrive?", "He arrived last week.", True),
        ("When did he arrive?", "He arrived in Moscow.", False),
        ("When were they released in November 2023?", "In November 2023.", True),  # dates may repeat
        ("At what time did the blast happen?", "The blast happened at 3 p.m. local time.", True),
        ("At what time did the blast happen?", "The blast happened near the port.", False),
        ("How long was he held?", "He was held for 50 days.", True),
        ("How long was he held?", "He was held by Hamas.", False),
        ("Who is the ambassador?", "Simona Halperin is the ambassador.", True),
        ("Who is Simona Halperin?", "Simona Halperin is an ambassador.", False),  # no new name
        ("Why was he included?", "At Russia's request.", True),  # no checkable kind
    ],
)
def test_supplies_kind(question: str, answer: str, ok: bool) -> None:
    assert supplies_kind(question, answer) is ok


def test_restating_the_question_adds_nothing_but_yes_no_questions_may() -> None:
    q = "Which countries brokered the agreement between Hamas and Israel?"
    assert not adds_information(q, "Hamas and Israel brokered the agreement.")
    assert adds_information(q, "Egypt and Qatar brokered it.")
    assert adds_information("Was Yaffa Adar released?", "Yaffa Adar was released.")


FOUND = (
    "Zakharova: Russia's contribution to release of hostages 2025-02-10\n"
    "Israeli Ambassador to Moscow Simona Halperin's assessment is surprising, said Deputy Foreign "
    "Minister Mikhail Bogdanov. The first phase of the ceasefire agreement was concluded in January 2025."
)


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("What did Vladimir Putin say about the hostages?", ["putin", "vladimir"]),
        ("When will the second phase begin?", ["second"]),
        ("What did Zakharova say about Ukraine?", ["ukraine"]),
        ("Who is Israel's ambassador?", []),  # "Israel" matches "Israeli"
        ("Name the hostages released in 2025.", []),  # a capitalised first word is not a name
        ("What did the article report about Bogdanov?", []),
        ("Who is the chief rabbi of Haifa?", ["haifa"]),
        ("Who is the chief rabbi there?", ["chief", "rabbi"]),  # every other word absent
    ],
)
def test_missing_subject(question: str, missing: list[str]) -> None:
    assert missing_subject(question, FOUND) == missing


def test_why_not_an_answer_ignores_citation_markers() -> None:
    assert why_not_an_answer("How many were released?", "Four were released [1].", FOUND) is None
    assert (
        why_not_an_answer("How many were released?", "They were released in Moscow [1].", FOUND)
        == "holds no number"
    )


class _Echo(LLM):
    name = "echo"

    def stream(self, messages: list[Message], max_tokens: int):  # type: ignore[no-untyped-def]
        yield "And who else was freed?"


def test_a_rewrite_that_only_echoes_the_follow_up_is_not_used() -> None:
    history: list[Message] = [
        {"role": "user", "content": "Was Yelena Trufanova released in November 2023?"},
        {"role": "assistant", "content": "Yes."},
    ]
    out = rewrite_question("And who else was freed?", history, _Echo())
    assert "Trufanova" in out and out.endswith("And who else was freed?")


@pytest.mark.parametrize(
    ("question", "sentence", "holds"),
    [
        ("How many people were hurt?", "At least 12 people were hurt in the blast.", True),
        ("How many people were hurt?", "People were hurt in the blast.", False),
        ("Which state did the storm hit?", "The storm hit Florida on Wednesday.", True),
        ("Which state did the storm hit?", "The storm hit the coast on the day.", False),
        ("What did Zakharova say about Halperin?", "Zakharova said Halperin was biased.", False),
    ],
)
def test_may_hold_answer_ranks_sentences_by_the_asked_kind(question: str, sentence: str, holds: bool) -> None:
    assert may_hold_answer(question, sentence) is holds


def test_sentence_with_the_asked_kind_ranks_first() -> None:
    """Same words, same similarity: the one that holds a number is what "how many" wants."""
    import numpy as np

    from bot.answering.excerpts import SentenceScorer
    from bot.types import Passage

    class Flat:
        dim = 2
        symmetric = True  # questions and sentences embedded alike, in one batch

        def embed(self, texts: list[str]) -> np.ndarray:
            return np.ones((len(texts), 2), np.float32) / np.sqrt(2)

    text = "Rescuers said people were hurt in the blast on the pier. Rescuers said 12 people were hurt in the blast."
    ranked = SentenceScorer(Flat()).rank(
        "How many people were hurt in the blast?", [Passage("c", "d", text, 0, len(text))]
    )  # type: ignore[arg-type]
    assert "12" in text[ranked[0].start : ranked[0].end]


def test_where_asks_for_a_place_not_a_date() -> None:
    q = "Where will next month's Republican presidential debate take place?"
    found = "The third Republican debate will take place on Wednesday, Nov. 8 in Miami."
    assert why_not_an_answer(q, "Wednesday", found) == "holds no place"
    assert why_not_an_answer(q, "Miami", found) is None


def test_hedges_are_not_the_subject() -> None:
    """ "Around how many ..." must not require "around" in the passages (RealTimeQA 20231006_10)."""
    q = "Around how many hospital employees went on strike?"
    assert missing_subject(q, "About 75,000 hospital employees went on strike at Kaiser Permanente.") == []


def test_a_hedge_starting_the_question_s_second_sentence_is_not_a_name() -> None:
    """Capitalised after a full stop, "Around" looked like a name the passages must hold."""
    q = "The largest health care strike began this week. Around how many hospital employees walked off the job?"
    found = "More than 75,000 health care workers walked off the job in the largest health care strike."
    assert missing_subject(q, found) == []
    assert missing_subject("The strike began this week. How many Kaiser nurses walked out?", found) == [
        "kaiser"
    ]


def test_a_surname_in_the_sentence_stands_for_the_full_name_in_the_question() -> None:
    """RealTimeQA: "junk fees" for "President Joe Biden unveiled new efforts to crack down on which type
    of fees?" was set aside because its sentence says "Biden", not "President Joe Biden"."""
    from bot.answering.asked import RELEVANT_MIN, about_question

    question = "President Joe Biden unveiled new efforts to crack down on which type of fees?"
    sentence = "Biden said he was cracking down on so-called junk fees at airlines, hotels and banks."
    assert about_question(question, "junk fees", sentence) >= RELEVANT_MIN
    # A first name, or a title alone, is not the person.
    assert about_question(question, "junk fees", "Joe said fees were cut.") < RELEVANT_MIN
    assert about_question(question, "junk fees", "The president spoke about fees.") < RELEVANT_MIN


def test_the_words_that_ask_for_a_description_are_not_what_it_is_about() -> None:
    """y57 "in what capacity is marzouk described": the describing sentence writes neither "capacity"
    nor "described"; the name is what it must hold."""
    from bot.answering.asked import RELEVANT_MIN, about_question

    question = "in what capacity is marzouk described"
    sentence = (
        "Zakharova also cited a statement made by senior Hamas political leader Abu Marzouk on February 3."
    )
    assert about_question(question, "senior Hamas political leader", sentence) >= RELEVANT_MIN
    assert about_question(question, "senior Hamas political leader", "A senior leader spoke.") < RELEVANT_MIN
    # only in a description question: "Who called Putin?" asks what was done
    assert about_question("Who called Putin?", "Joe Biden", "Putin spoke in Moscow on Friday.") < RELEVANT_MIN
