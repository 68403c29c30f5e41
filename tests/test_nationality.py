"""A nationality question answered from the demonym that governs the asked name's list."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering.excerpts import Excerpt
from bot.answering.nationality import (
    adjective,
    asked_person,
    asks_nationality,
    governing_demonym,
    nationality_problem,
    nationality_span,
)
from bot.answering.predicate import predicate_words
from bot.answering.query import Query
from bot.service import Bot
from bot.types import Passage
from tests.conftest import FakeLLM, make_config

RELEASE = (
    'She also recalled that during the so-called humanitarian pause in November 2023, "in the same '
    'exceptional order" at Russia\'s request, "Russians Yelena Trufanova, Irina Tatti (Alexander '
    "Trufanov's mother and grandmother), Ron Krivoy, as well as elderly Israeli Holocaust survivor Yaffa "
    'Adar were released."'
)
LEAD = (
    "Israeli Ambassador to Moscow Simona Halperin's biased assessment of Russia's contribution to the release "
    "of Hamas hostages is surprising, Russian Foreign Ministry Spokeswoman Maria Zakharova said."
)
MEETING = (
    "Zakharova also cited a statement made by senior Hamas political leader Abu Marzouk on February 3 upon "
    "his arrival in Moscow for a meeting with the Russian president's special representative for the Middle "
    "East and African countries, Deputy Foreign Minister Mikhail Bogdanov."
)
COMPATRIOTS = (
    "She emphasized that Russia will continue to press for the speedy return not only of compatriots "
    "Alexander Trufanov and Donbass native Maxim Kharkin, but also of all other hostages."
)
TEXT = f"{LEAD} {COMPATRIOTS} {MEETING} {RELEASE}"
P = Passage(
    "d#0", "d", TEXT, 0, len(TEXT), title="Zakharova on hostages", source="TASS", published="2025-02-10"
)
# Ranked as a question about the released would rank them: the list first.
RANKED = [
    Excerpt(0, TEXT.index(s), TEXT.index(s) + len(s), score)
    for s, score in ((RELEASE, 1.0), (COMPATRIOTS, 0.8), (LEAD, 0.6), (MEETING, 0.5))
]


def nationality(question: str) -> str | None:
    span = nationality_span(Query.build(question), RANKED, [P])
    return span.text if span else None


@pytest.mark.parametrize(
    ("name", "demonym"),
    [
        ("Yelena Trufanova", "Russian"),  # "Russians" stands right before her
        ("Irina Tatti", "Russian"),
        ("Ron Krivoy", "Russian"),  # the nearest demonym, "Israeli", comes after him
        ("Yaffa Adar", "Israeli"),  # "as well as" ends the Russians' list
        ("Alexander Trufanov", ""),  # inside another's description, in parentheses
    ],
)
def test_the_demonym_before_the_list_holding_the_name(name: str, demonym: str) -> None:
    assert governing_demonym(RELEASE, name) == demonym


def test_a_demonym_before_a_title_or_a_common_noun() -> None:
    assert governing_demonym(LEAD, "Simona Halperin") == "Israeli"  # "Israeli Ambassador to Moscow"
    assert governing_demonym(LEAD, "Maria Zakharova") == "Russian"
    assert governing_demonym(MEETING, "Mikhail Bogdanov") == ""  # "African countries, Deputy ..."
    assert governing_demonym(MEETING, "Abu Marzouk") == ""
    assert governing_demonym(COMPATRIOTS, "Maxim Kharkin") == ""  # "compatriots" is no demonym


def test_a_demonym_in_apposition_after_the_name() -> None:
    assert governing_demonym("Ron Krivoy, a Russian citizen, was freed.", "Ron Krivoy") == "Russian"
    assert governing_demonym("Yaffa Adar (Israeli) was freed.", "Yaffa Adar") == "Israeli"
    assert governing_demonym("Ron Krivoy, the Israeli side said, was freed.", "Ron Krivoy") == ""


def test_demonyms_as_adjectives() -> None:
    assert [adjective(w) for w in ("Russians", "Israelis", "Chinese", "British", "israeli")] == [
        "Russian",
        "Israeli",
        "Chinese",
        "British",
        "Israeli",
    ]


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("Ron Krivoy: what nationality does the article give him", "Russian"),
        ("What nationality is Ron Krivoy?", "Russian"),
        ("What is Ron Krivoy's nationality?", "Russian"),
        ("what nationality is ron krivoy", "Russian"),  # lower case: the sentence writes the name
        ("What is the nationality of Krivoy, per the report?", "Russian"),  # the surname alone
        ("What nationality is Yaffa Adar?", "Israeli"),
        ("Which citizenship does Yelena Trufanova hold?", "Russian"),
        ("Is Irina Tatti Russian or Israeli?", "Russian"),
        ("Is Yaffa Adar a Russian or an Israeli?", "Israeli"),
    ],
)
def test_a_nationality_question_gets_the_governing_demonym(question: str, answer: str) -> None:
    assert asks_nationality(question)
    assert nationality(question) == answer


@pytest.mark.parametrize(
    "question",
    [
        "What nationality is Alexander Trufanov?",  # "compatriots", and "Trufanov's" in parentheses
        "What nationality is Mikhail Bogdanov?",  # only "African countries" stands before him
        "Is Irina Tatti American or Israeli?",  # the governing one is neither offered
        "What nationality were the hostages released in November 2023?",  # no one named
        "What nationality is Sergei Lavrov?",  # not in the sentences
    ],
)
def test_no_nationality_when_no_demonym_governs_the_name(question: str) -> None:
    assert nationality(question) is None


@pytest.mark.parametrize(
    "question",
    [
        "Who was released in November 2023?",
        "Which Russians were released?",
        "Is Irina Tatti free now?",
        "Who besides Ron Krivoy holds Russian citizenship?",  # a name is asked
        "When did Yaffa Adar get her citizenship?",
    ],
)
def test_other_questions_ask_no_nationality(question: str) -> None:
    assert not asks_nationality(question)


def test_the_nationality_asked_for_is_no_predicate() -> None:
    """ "What is Ron Krivoy's nationality?" was refused: no sentence holds the word "nationality"."""
    assert predicate_words("What is Ron Krivoy's nationality?") == []
    assert predicate_words("Which citizenship does Yelena Trufanova hold?") == []


def test_the_asked_person_is_one_the_sentence_names() -> None:
    assert asked_person("Ron Krivoy: what nationality does the article give him", RELEASE) == "Ron Krivoy"
    assert asked_person("What nationality is Trufanov?", RELEASE) == "Alexander Trufanov"  # not Trufanova
    assert asked_person("Are Ron Krivoy and Yaffa Adar Russian?", RELEASE) == ""  # two people


def test_the_models_nearest_demonym_is_refused() -> None:
    question = "Ron Krivoy: what nationality does the article give him"
    assert nationality_problem(question, "Israeli", RELEASE)  # the model's answer (u27)
    assert nationality_problem(question, "Russian", RELEASE) is None
    assert nationality_problem(question, "Russians", RELEASE) is None
    assert nationality_problem("What nationality is Alexander Trufanov?", "Russian", RELEASE)
    assert (
        nationality_problem("What nationality is Abu Marzouk?", "Israeli", RELEASE) is None
    )  # not named there


def test_a_nationality_question_is_answered_with_the_governing_demonym(corpus_home: Path) -> None:
    """u27: the model wrote "Israeli", the demonym nearest Ron Krivoy; the article lists him among "Russians"."""
    bot = Bot(make_config(corpus_home), llm=FakeLLM("Israeli"))
    for question in (
        "Ron Krivoy: what nationality does the article give him",
        "What is Ron Krivoy's nationality?",
    ):
        answer = bot.ask(question)
        assert answer.text == "Russian [1]." and answer.mode == "composed", (question, answer.notes)
        assert "Russians Yelena Trufanova" in answer.citations[0].to_dict()["quote"]
    answer = bot.ask("What nationality is Yaffa Adar?")
    assert answer.text == "Israeli [1]."


def test_a_nationality_the_article_does_not_give_is_not_composed(corpus_home: Path) -> None:
    answer = Bot(make_config(corpus_home), llm=FakeLLM("Russian")).ask(
        "What nationality is Mikhail Bogdanov?"
    )
    assert answer.text != "Russian [1].", answer.notes


def test_where_someone_is_from_is_read_off_native(corpus_home: Path) -> None:
    """v70 of the seventh sealed set: "what region is Maxim Kharkin from" got the model's "Israel";
    the sentence writes "Donbass native Maxim Kharkin". A town in Donbass is not written (v21)."""
    from bot.answering.nationality import origin_of

    assert origin_of("John Smith, a native of Ohio, said", "John Smith") == "Ohio"
    bot = Bot(make_config(corpus_home), llm=FakeLLM("Israel"))
    answer = bot.ask("what region is Maxim Kharkin from")
    assert "Donbass" in answer.text and answer.citations, (answer.text, answer.notes)
    assert "Israel" not in answer.text
    assert bot.ask("Which town in Donbass does Maxim Kharkin come from?").refused


def test_origin_questions_in_other_shapes(corpus_home: Path) -> None:
    """w21 of the eighth sealed set: "kharkin is a native of which region" (after its scoring)."""
    bot = Bot(make_config(corpus_home), llm=FakeLLM("Israel"))
    assert bot.ask("kharkin is a native of which region").text.startswith("Donbass")
    assert bot.ask("Maxim Kharkin hails from which region?").text.startswith("Donbass")
