"""A why question answered with the reason clause of the sentence that says what it asks."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering.excerpts import Excerpt
from bot.answering.extract import Span
from bot.answering.query import Query
from bot.answering.reasons import asks_why, reason_span, reasons_in, why_answer
from bot.language.text import content_words
from bot.service import Bot
from bot.types import Passage
from tests.conftest import FakeLLM, make_config

PROMPTED = (
    "Commenting on the process of releasing hostages in Gaza, the diplomat pointed to the fact that "
    '"concrete results that were achieved in the course of work in this priority humanitarian area" '
    "prompted the Israeli leadership to change its negative perception of Russia's interaction with Hamas."
)
REPLACED = (
    'At the same time, she noted that in general, the earlier criticism from the Israeli side "has been '
    "replaced by a more pragmatic approach due to the increased interest in using Russia's mediation "
    'potential to solve the problem."'
)
COMPATRIOTS = (
    "She emphasized that Russia will continue to press for the speedy return not only of compatriots "
    "Alexander Trufanov and Donbass native Maxim Kharkin, but also of all other hostages."
)
COMPLY = (
    '"To this end, Israel and Hamas must strictly comply with the agreements reached within the framework of '
    "the agreement on the cessation of hostilities in the Gaza Strip, both at the current and subsequent "
    'stages of its implementation," the spokeswoman said.'
)
FATE = (
    '"After all, the fate of all hostages remaining in Gaza, as well as the release of Palestinian prisoners '
    'from Israeli jails, depends on this," she emphasized.'
)
MEETING = (
    "Zakharova also cited a statement made by senior Hamas political leader Abu Marzouk on February 3 upon "
    "his arrival in Moscow for a meeting with Deputy Foreign Minister Mikhail Bogdanov."
)
DECISION = (
    '"He explicitly said that the decision to include Alexander Trufanov in the list of persons to be '
    "exchanged for Palestinian prisoners during the implementation of the first phase of the ceasefire "
    "agreement in the Gaza Strip, concluded between Hamas and Israel in January 2025, was made at Russia's "
    "request and as a sign of gratitude for our country's unwavering position in support of a just solution "
    'to the Palestinian issue," the diplomat pointed out.'
)
RELEASE = (
    'She also recalled that during the so-called humanitarian pause in November 2023, "in the same '
    'exceptional order" at Russia\'s request, "Russians Yelena Trufanova, Irina Tatti (Alexander '
    "Trufanov's mother and grandmother), Ron Krivoy, as well as elderly Israeli Holocaust survivor Yaffa "
    'Adar were released."'
)
SENTENCES = [PROMPTED, REPLACED, COMPATRIOTS, COMPLY, FATE, MEETING, DECISION, RELEASE]
TEXT = " ".join(SENTENCES)
TITLE = "Zakharova: Israeli ambassador's assessment of Russia's role in Gaza hostage releases is biased"
P = Passage("d#0", "d", TEXT, 0, len(TEXT), title=TITLE, source="TASS", published="2025-02-10")

GRATITUDE = (
    "at Russia's request and as a sign of gratitude for our country's unwavering position in support of a "
    "just solution to the Palestinian issue"
)
RESULTS = "concrete results that were achieved in the course of work in this priority humanitarian area"
MEDIATION = "due to the increased interest in using Russia's mediation potential to solve the problem"
BECAUSE_FATE = (
    "because the fate of all hostages remaining in Gaza, as well as the release of Palestinian prisoners "
    "from Israeli jails, depends on this"
)


def ranked(question: str) -> list[Excerpt]:
    """The sentences by the share of the question's words they hold (a stand-in for the ranker)."""
    asked = set(content_words(question))
    out = []
    for s in SENTENCES:
        at = TEXT.index(s)
        out.append(Excerpt(0, at, at + len(s), len(asked & set(content_words(s))) / max(len(asked), 1)))
    return sorted(out, key=lambda x: -x.score)


def reason(question: str) -> str | None:
    span = reason_span(Query.build(question), ranked(question), [P])
    return span.text if span else None


def test_the_reason_clauses_a_sentence_writes() -> None:
    assert [r.text for r in reasons_in(DECISION)] == [GRATITUDE]  # two markers, one clause
    assert [r.text for r in reasons_in(PROMPTED)] == [f"because of {RESULTS}"]  # the subject of "prompted"
    assert [r.text for r in reasons_in(PROMPTED, because_of=False)] == [RESULTS]
    assert [r.text for r in reasons_in(REPLACED)] == [MEDIATION]
    assert [r.text for r in reasons_in(RELEASE)] == ["at Russia's request"]  # up to the quotation
    assert reasons_in(COMPLY) == [] and reasons_in(MEETING) == []  # "for a meeting" is no marker


@pytest.mark.parametrize(
    ("sentence", "clause"),
    [
        (
            "Talks stalled, since the two sides disagreed on the terms.",
            "because the two sides disagreed on the terms",
        ),
        (
            "The meeting was cancelled, as the minister fell ill, officials said.",
            "because the minister fell ill",
        ),
        (
            "Israel opened the crossing in order to let aid trucks through.",
            "in order to let aid trucks through",
        ),
        (
            "The vote was delayed because of heavy snow in the capital.",
            "because of heavy snow in the capital",
        ),
        ("He resigned owing to poor health; his deputy took over.", "owing to poor health"),
        ("The pause was extended at the request of Qatar and Egypt.", "at the request of Qatar and Egypt"),
    ],
)
def test_causal_markers_introduce_the_clause_up_to_its_end(sentence: str, clause: str) -> None:
    assert [r.text for r in reasons_in(sentence)] == [clause]


@pytest.mark.parametrize(
    "sentence",
    [
        "Prices have risen since 2023 across the region.",  # "since" of time
        "He has lived in Moscow since January, officials said.",
        "The fate of the hostages, as well as the prisoners, is at stake.",  # "as well as"
        "But let's leave it, as they say, on her conscience.",
        "This prompted Israel to change its view.",  # a pronoun says no reason
    ],
)
def test_no_reason_where_no_marker_gives_one(sentence: str) -> None:
    assert reasons_in(sentence) == []


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("why was alexander trufanov put on the exchange list", GRATITUDE),  # u39, lower case
        ("Why was Alexander Trufanov included in the list of persons to be exchanged?", GRATITUDE),
        ("According to Abu Marzouk, why was Trufanov put on the list for the prisoner exchange?", GRATITUDE),
        ("For what reason did Hamas put Trufanov on the exchange list?", GRATITUDE),
        (
            "Why did the Israeli leadership change its negative perception of Russia's interaction with Hamas?",
            f"because of {RESULTS}",
        ),
        (
            "What made the Israeli leadership change its negative view of Russia's contacts with Hamas?",
            RESULTS,
        ),
        (
            "What prompted Israel's leadership to drop its negative view of Russia's dealings with Hamas?",
            RESULTS,
        ),
        ("Why must Israel and Hamas strictly comply with the agreements?", BECAUSE_FATE),  # the next sentence
        (
            "According to the spokesperson, why does it matter that Israel and Hamas stick to the agreements?",
            BECAUSE_FATE,
        ),
        ("Why did earlier Israeli criticism give way to a more pragmatic approach?", MEDIATION),
        (
            "Israel's earlier criticism gave way to a more pragmatic approach - for what reason, per Zakharova",
            MEDIATION,
        ),
        ("Why were Yelena Trufanova and Irina Tatti released in November 2023?", "at Russia's request"),
    ],
)
def test_a_why_question_gets_the_reason_clause(question: str, answer: str) -> None:
    assert asks_why(question)
    assert reason(question) == answer


@pytest.mark.parametrize(
    "question",
    [
        "Why was Maxim Kharkin released during the November 2023 humanitarian pause?",  # not in that list
        "Why did Abu Marzouk meet Sergei Lavrov in Moscow?",  # Lavrov is named nowhere
        "Why was Irina Tatti taken hostage?",  # her sentence says she was released
        "Why did Maria Zakharova praise Simona Halperin's assessment?",
        "Why hasn't Hamas freed Maxim Kharkin yet?",
        "Who was released in November 2023?",  # not a why question
    ],
)
def test_no_reason_for_what_no_sentence_gives_one(question: str) -> None:
    assert reason(question) is None


@pytest.mark.parametrize(
    "question",
    [
        "Who explained why the talks stalled?",
        "What did Zakharova say about Halperin?",
        "When did Marzouk arrive?",
    ],
)
def test_other_questions_are_not_why_questions(question: str) -> None:
    assert not asks_why(question)


def _span(phrase: str, sentence: str) -> Span:
    at = TEXT.index(sentence)
    return Span(phrase, 0, at, at + len(sentence))


def test_the_models_phrase_is_widened_or_replaced_by_the_reason() -> None:
    q = Query.build("why was alexander trufanov put on the exchange list")
    best = reason_span(q, ranked(q.text), [P])
    # The model's phrase from the sentence listing those released (u39): the reason clause instead.
    chosen, note = why_answer(q, _span("mother and grandmother", RELEASE), best, [P])
    assert chosen is best and chosen is not None and chosen.text == GRATITUDE and note
    # A part of the reason clause: the whole clause.
    chosen, note = why_answer(q, _span("Russia's request", DECISION), best, [P])
    assert chosen is not None and chosen.text == GRATITUDE and "widened" in note
    # "Russia's request" of another sentence (the 2023 release): the best sentence's reason.
    chosen, _ = why_answer(q, _span("at Russia's request", RELEASE), best, [P])
    assert chosen is not None and chosen.text == GRATITUDE


def test_a_name_alone_answers_no_why() -> None:
    q = Query.build("Why did Abu Marzouk travel to Moscow?")
    chosen, note = why_answer(q, _span("Moscow", MEETING), None, [P])
    assert chosen is None and "names no reason" in note
    phrase = _span("for a meeting with Deputy Foreign Minister Mikhail Bogdanov", MEETING)
    assert why_answer(q, phrase, None, [P]) == (phrase, "")  # no reason found: the model's phrase stands


def test_why_questions_are_answered_with_the_reason_clause(corpus_home: Path) -> None:
    """u39: "Because he was a mother and grandmother [1]." from the sentence listing those released."""
    bot = Bot(make_config(corpus_home), llm=FakeLLM("mother and grandmother"))
    answer = bot.ask("why was alexander trufanov put on the exchange list")
    assert answer.text == f"{GRATITUDE[0].upper()}{GRATITUDE[1:]} [1].", answer.notes
    assert (
        answer.mode == "composed"
        and "to include Alexander Trufanov" in answer.citations[0].to_dict()["quote"]
    )
    # The model knew nothing: the reason clause, before a quoted sentence.
    bot = Bot(make_config(corpus_home), llm=FakeLLM("I don't know."))
    answer = bot.ask("Why must Israel and Hamas strictly comply with the agreements?")
    assert answer.text.startswith("Because the fate of all hostages remaining in Gaza"), answer.notes
    quote = answer.citations[0].to_dict()["quote"]
    assert "strictly comply" in quote and "After all" in quote  # both sentences are cited
    answer = bot.ask(
        "Why did the Israeli leadership change its negative perception of Russia's interaction with Hamas?"
    )
    assert answer.text == f"Because of {RESULTS} [1].", answer.notes
    answer = bot.ask(
        "What made the Israeli leadership change its negative view of Russia's contacts with Hamas?"
    )
    assert answer.text == f"{RESULTS[0].upper()}{RESULTS[1:]} [1].", answer.notes  # was refused
