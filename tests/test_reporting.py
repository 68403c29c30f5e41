"""Questions about the reporting itself (which agency, on what date) are answered from the article's
own source and publication date, without the model, and only when the article holds the question's
names."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.answering.asked import about_reporting, without_attribution
from bot.answering.query import Query
from bot.answering.reporting import asks_for_the_dateline, asks_for_the_source, reporting_span
from bot.service import Bot
from bot.types import Passage
from tests.conftest import CORPUS, FakeLLM, make_config

DATELINE = "MOSCOW, February 10. /TASS/. Zakharova said Halperin's assessment was biased."
LATER = "She also recalled that four hostages were released in November 2023. Bogdanov met Marzouk."


def passages() -> list[Passage]:
    body = dict(doc_id="tass-1", title="Zakharova on Halperin", source="TASS", published="2025-02-10")
    return [
        Passage("tass-1#1", text=LATER, start=400, end=480, **body),  # type: ignore[arg-type]
        Passage("tass-1#0", text=DATELINE, start=0, end=80, **body),  # type: ignore[arg-type]
    ]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which news agency reported Zakharova's remarks?", "TASS"),
        ("What outlet published the story on Halperin?", "TASS"),
        ("Who reported that Zakharova criticised Halperin?", "TASS"),
        ("On what date did TASS report Zakharova's remarks?", "February 10, 2025"),
        ("When was the report on Halperin published?", "February 10, 2025"),
        # An attribution does not hide a question about the reporting.
        ("Which agency reported Zakharova's remarks, according to the article?", "TASS"),
        ("When was the report on Halperin published, according to TASS?", "February 10, 2025"),
        # Other reporting verbs: a story is carried, run, put out, broken.
        ("Which agency carried this story?", "TASS"),
        ("which agency carried this story", "TASS"),
        ("What news service ran the story on Halperin?", "TASS"),
        ("Who carried the story about Zakharova?", "TASS"),
        ("Which outlet put out the report on Halperin?", "TASS"),
        ("What network broke the story on Halperin?", "TASS"),
        ("When did TASS carry the story on Halperin?", "February 10, 2025"),
        ("When was the story on Halperin put out?", "February 10, 2025"),
        # twelfth sealed set (read after its scoring): a report that came out, a dateline that gives
        ("on what date did the piece on halperin come out", "February 10, 2025"),
        ("When did the story about Zakharova first appear?", "February 10, 2025"),
    ],
)
def test_source_and_date_come_from_the_article(question: str, expected: str) -> None:
    span = reporting_span(Query.build(question), passages())
    assert span is not None and span.text == expected and span.from_byline
    assert (span.passage, span.start) == (1, 0)  # cited by the dateline sentence of the first chunk
    assert DATELINE[span.start : span.end] == DATELINE  # the dateline, the source tag and the lead


@pytest.mark.parametrize(
    "question",
    [
        "Which news agency reported Putin's remarks on Halperin?",  # a name the article does not hold
        "When were the hostages released?",  # a date, but not of the reporting
        "Which hostages were released according to the report?",  # about the report, not its source
        "Who is the Israeli ambassador?",
    ],
)
def test_other_questions_are_left_to_the_model(question: str) -> None:
    assert reporting_span(Query.build(question), passages()) is None


def test_an_article_without_the_field_gives_no_answer() -> None:
    bare = [Passage("x#0", "x", DATELINE, 0, 80, title="Zakharova on Halperin", source="", published=None)]
    assert reporting_span(Query.build("Which agency reported Zakharova's remarks?"), bare) is None
    assert reporting_span(Query.build("When was the report on Halperin published?"), bare) is None


@pytest.mark.parametrize(
    "question",
    [
        # held-out set: the phase's date was answered with the article's
        "When does the second phase of the Gaza ceasefire start, according to the report?",
        "According to the article, when did Marzouk arrive in Moscow?",
        "When did Marzouk arrive in Moscow, per the report?",
        "When, according to TASS, did Marzouk arrive in Moscow?",
        "When did Marzouk arrive in Moscow, as reported by TASS?",
        "When did Marzouk arrive in Moscow, as TASS reported?",
        "When were the hostages released, as reported?",
        "When does the report say Marzouk arrived in Moscow?",
        "When did Bogdanov meet Marzouk in this story?",
        "When were the hostages released, according to the news agency?",
        "Which hostages does the story say were released?",
    ],
)
def test_an_attribution_is_not_a_question_about_the_report(question: str) -> None:
    assert not about_reporting(question)
    assert reporting_span(Query.build(question), passages()) is None


def test_attributions_are_removed_and_the_rest_kept() -> None:
    assert (
        without_attribution("When does the phase start, according to the report?")
        == "When does the phase start?"
    )
    assert without_attribution("Per the article, who was freed?") == "who was freed?"
    assert without_attribution("Who was freed, according to TASS?") == "Who was freed, according to TASS?"
    assert without_attribution("Who was freed, according to TASS?", sources=True) == "Who was freed?"
    assert (
        without_attribution("Who is named in the article?", in_text=False) == "Who is named in the article?"
    )
    assert without_attribution("When was the report published?") == "When was the report published?"


@pytest.mark.parametrize(
    "question",
    [
        "When did the Red Cross carry the hostages out?",  # carried, but not a story
        "Who ran for president in 2024?",
        "When were the hostages released?",  # "released" is this corpus' event, not a reporting verb
        "Which hostages were released in November 2023?",
        "Where did the ceasefire talks run?",
    ],
)
def test_reporting_verbs_need_a_report(question: str) -> None:
    assert not about_reporting(question) and not asks_for_the_source(question)


def test_source_questions_are_recognised() -> None:
    assert asks_for_the_source("Which wire service carried the report?")
    assert not asks_for_the_source("Which species is in danger, according to a new report?")


def test_the_bot_answers_without_asking_the_model(tmp_path: Path) -> None:
    llm = FakeLLM("Zakharova")
    bot = Bot(make_config(tmp_path / "store"), llm=llm)
    bot.ingest([CORPUS])
    answer = bot.ask(
        "Which news agency reported Zakharova's remarks about Halperin?", as_of=date(2025, 2, 20)
    )
    assert answer.text == "TASS reported Zakharova's remarks about Halperin [1]." and not llm.calls
    quote = answer.citations[0]
    assert (
        quote.passage.source == "TASS" and "/TASS/" in quote.passage.text[quote.quote_start : quote.quote_end]
    )


def test_a_question_without_names_needs_the_article_s_subject_words() -> None:
    assert reporting_span(Query.build("Which agency reported the hostage releases?"), passages()) is not None
    assert reporting_span(Query.build("Which agency reported the earthquake damage?"), passages()) is None
    assert reporting_span(Query.build("When did the hostages come out?"), passages()) is None


@pytest.mark.parametrize(
    "question",
    [
        "Which city is the report on Halperin datelined?",
        "Where was the story about Zakharova filed from?",
        "What city is given in the dateline",  # no name: the words about the report alone
    ],
)
def test_the_dateline_place_comes_from_the_article(question: str) -> None:
    span = reporting_span(Query.build(question), passages())
    assert span is not None and span.text == "Moscow" and (span.passage, span.start) == (1, 0)


def test_no_dateline_no_place() -> None:
    plain = [
        Passage(
            "x#0", "x", LATER, 0, 80, title="Zakharova on Halperin", source="TASS", published="2025-02-10"
        )
    ]
    assert reporting_span(Query.build("Which city is the report on Halperin datelined?"), plain) is None
    assert not asks_for_the_dateline("Where did Marzouk arrive, according to the report?")
    assert not asks_for_the_dateline("Where were the hostages sent from?")  # sent, but not a report
    assert asks_for_the_dateline("Where was the article sent from?")
    assert asks_for_the_dateline("Where was the story filed from, according to TASS?")


def test_an_attributed_date_question_is_answered_from_the_text_not_the_byline(corpus_home: Path) -> None:
    """ "..., according to the report?" was answered with the article's date (held-out set)."""
    for question in [
        "When did Abu Marzouk arrive in Moscow, according to the report?",
        "Per the article, when did Abu Marzouk arrive in Moscow?",
    ]:
        answer = Bot(make_config(corpus_home), llm=FakeLLM("February 3")).ask(
            question, as_of=date(2025, 2, 20)
        )
        assert answer.text == "Abu Marzouk arrived in Moscow on February 3 [1].", (question, answer.notes)


def test_a_carried_story_is_answered_from_the_byline(corpus_home: Path) -> None:
    llm = FakeLLM("Zakharova")
    answer = Bot(make_config(corpus_home), llm=llm).ask(
        "which agency carried this story", as_of=date(2025, 2, 20)
    )
    assert answer.text == "TASS carried this story [1]." and not llm.calls


def test_a_byline_question_is_not_refused_for_sharing_no_words_with_the_sentences(tmp_path: Path) -> None:
    """The support gate measures the question's words against the article's sentences; "On what date
    was the TASS report published?" has none of them but every name it asks about is in the article."""
    llm = FakeLLM("I don't know")
    bot = Bot(make_config(tmp_path / "store"), llm=llm)
    bot.ingest([CORPUS])
    for question, expected in [
        ("On what date was the TASS report published?", "February 10, 2025"),
        ("which city is the report datelined", "Moscow"),
    ]:
        answer = bot.ask(question, as_of=date(2025, 2, 20))
        assert not answer.refused and expected in answer.text and answer.citations, question
    assert not llm.calls
    assert bot.ask("When was the report on the Mars landing published?", as_of=date(2025, 2, 20)).refused


def test_the_publication_date_asked_as_a_noun(corpus_home: Path) -> None:
    """w54 of the eighth sealed set: "what is the publication date of the piece" was refused (no date
    kind, no reporting word), and "publication" alone made it a source question."""
    bot = Bot(make_config(corpus_home), llm=FakeLLM("I don't know"))
    assert "February 10, 2025" in bot.ask("what is the publication date of the piece").text
    assert "February 10, 2025" in bot.ask("What is the date of the article?").text
    assert "TASS" in bot.ask("Which publication carried the story?").text
