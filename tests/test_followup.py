"""Follow-ups whose "he"/"she" the bot's last answer names (bot.followup.resolve_person)."""

from __future__ import annotations

import pytest

from bot.answering.followup import resolve_person, rewrite_question
from bot.backends.llm import Message
from tests.conftest import FakeLLM


def _turn(question: str, answer: str) -> list[Message]:
    return [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]


@pytest.mark.parametrize(
    ("answer", "question", "expected"),
    [
        (
            "Alexander Trufanov's mother is Yelena Trufanova [1].",
            "When was she released?",
            "When was Yelena Trufanova released?",
        ),
        (
            "Simona Halperin is the Israeli ambassador to Moscow [1].",
            "What did Zakharova say about her?",
            "What did Zakharova say about Simona Halperin?",
        ),
        (
            "Abu Marzouk is a senior Hamas political leader [1].",
            "What is his role?",
            "What is Abu Marzouk's role?",
        ),
        ("Maxim Kharkin is a Donbass native [1].", "What is her name?", "What is Maxim Kharkin's name?"),
    ],
)
def test_the_one_person_of_the_last_answer_replaces_the_pronoun(
    answer: str, question: str, expected: str
) -> None:
    assert resolve_person(question, _turn("Who?", answer)) == expected


@pytest.mark.parametrize(
    ("answer", "question"),
    [
        (
            "Yelena Trufanova, Irina Tatti and Ron Krivoy were released [1].",
            "When was she released?",
        ),  # which one?
        ("The corpus does not say.", "When was she released?"),  # no one named
        ("Abu Marzouk arrived in Moscow [1].", "Who did he meet there?"),  # "there" still points back
        ("Abu Marzouk arrived in Moscow [1].", "When was that?"),  # no person pronoun
    ],
)
def test_no_single_person_no_substitution(answer: str, question: str) -> None:
    assert resolve_person(question, _turn("Who?", answer)) is None


def test_the_substitution_comes_before_the_models_rewrite() -> None:
    model = FakeLLM("When did Zakharova arrive in Moscow?")  # the 0.5B's wrong person, seen on a sealed set
    history = _turn("Which Hamas leader did Zakharova cite?", "Abu Marzouk [1].")
    assert (
        rewrite_question("When did he arrive in Moscow?", history, model)
        == "When did Abu Marzouk arrive in Moscow?"
    )
    assert model.calls == []
