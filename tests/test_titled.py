"""A role question answered from the title written before a name, when the model's phrase failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering.excerpts import Excerpt
from bot.answering.query import Query
from bot.answering.titled import described_span, title_before, titled_span, titles_of
from bot.language.text import normalise, split_sentences
from bot.service import Bot
from bot.types import Passage
from tests.conftest import CORPUS, FakeLLM, make_config

LEAD = (
    "Israeli Ambassador to Moscow Simona Halperin's biased assessment of Russia's contribution to the release "
    "of Hamas hostages is surprising, Russian Foreign Ministry Spokeswoman Maria Zakharova said."
)
MEETING = (
    "Abu Marzouk arrived in Moscow for a meeting with the Russian president's special representative, "
    "Deputy Foreign Minister Mikhail Bogdanov."
)
TEXT = f"{LEAD} {MEETING}"
P = Passage(
    "d#0", "d", TEXT, 0, len(TEXT), title="Zakharova on Halperin", source="TASS", published="2025-02-10"
)
EXCERPTS = [Excerpt(0, 0, len(LEAD), 1.0), Excerpt(0, len(LEAD) + 1, len(TEXT), 0.8)]


def named(question: str) -> str | None:
    span = titled_span(Query.build(question), EXCERPTS, [P])
    return span.text if span else None


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("Who is the spokeswoman of the Russian Foreign Ministry?", "Maria Zakharova"),
        ("Who is Israel's ambassador to Moscow?", "Simona Halperin"),
        ("who is the israeli envoy in moscow", "Simona Halperin"),  # a listed synonym, lower case
        ("Who is Russia's deputy foreign minister?", "Mikhail Bogdanov"),  # the qualifier is asked
    ],
)
def test_the_name_written_with_the_asked_title(question: str, name: str) -> None:
    assert named(question) == name


@pytest.mark.parametrize(
    "question",
    [
        "Who is Russia's foreign minister?",  # only a deputy foreign minister is named
        "Who is the prime minister of Israel?",
        "Who is the US ambassador to Moscow?",  # the title is there, the country is not
        "who is the US ambassador to Moscow",
        "Who was released in November 2023?",  # not a role question
    ],
)
def test_no_name_when_no_title_is_the_asked_one(question: str) -> None:
    assert named(question) is None


def test_the_title_run_before_a_name() -> None:
    assert title_before(LEAD, "Simona Halperin") == ["Israeli", "Ambassador", "to", "Moscow"]
    assert title_before(LEAD, "Maria Zakharova") == ["Russian", "Foreign", "Ministry", "Spokeswoman"]
    assert title_before(MEETING, "Abu Marzouk") == []


def test_a_role_question_the_model_misreads_is_answered_by_the_title(corpus_home: Path) -> None:
    """q03: the model wrote "Israeli Foreign Ministry spokeswoman" and the answer was a refusal."""
    bot = Bot(make_config(corpus_home), llm=FakeLLM("Israeli Foreign Ministry spokeswoman"))
    answer = bot.ask("Who is the spokeswoman of the Russian Foreign Ministry?")
    assert answer.text == "Maria Zakharova is the spokeswoman of the Russian Foreign Ministry [1]."
    assert answer.mode == "composed" and not answer.refused


def test_a_description_question_gets_the_title_written_before_the_name() -> None:
    from bot.answering.titled import described_span

    def described(question: str) -> str | None:
        span = described_span(Query.build(question), EXCERPTS, [P])
        return span.text if span else None

    assert described("Who is Mikhail Bogdanov?") == "Deputy Foreign Minister"
    assert described("What is Maria Zakharova's job?") == "Russian Foreign Ministry Spokeswoman"
    assert described("Who is Abu Marzouk?") is None  # no title is written before the name here
    assert described("Who was released in November 2023?") is None


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("Simona Halperin holds what post?", "Israeli Ambassador to Moscow"),
        ("What is Halperin's title?", "Israeli Ambassador to Moscow"),  # the surname: "Simona Halperin"
        ("In what capacity does Maria Zakharova speak here?", "Russian Foreign Ministry Spokeswoman"),
        ("what is zakharova's job", "Russian Foreign Ministry Spokeswoman"),  # lower case
        ("What position does Mikhail Bogdanov hold?", "Deputy Foreign Minister"),
        # Plural: every post the sentence writes for him, in its order.
        (
            "mikhail bogdanov - what positions does he hold",
            "the Russian president's special representative and Deputy Foreign Minister",
        ),
        ("What posts does Halperin hold?", "Israeli Ambassador to Moscow"),  # one is written: one
        ("What position does Abu Marzouk hold?", None),  # no title written before him here
    ],
)
def test_a_description_in_other_shapes_gets_the_written_titles(question: str, title: str | None) -> None:
    from bot.answering.titled import described_span

    span = described_span(Query.build(question), EXCERPTS, [P])
    assert (span.text if span else None) == title


def test_the_post_set_before_a_title_with_a_comma() -> None:
    from bot.answering.titled import titles_of

    assert titles_of("Mikhail Bogdanov", MEETING) == [
        "the Russian president's special representative",
        "Deputy Foreign Minister",
    ]
    envoy = "He met Russia's Special Envoy, Deputy Foreign Minister Mikhail Bogdanov."
    assert titles_of("Mikhail Bogdanov", envoy) == ["Russia's Special Envoy", "Deputy Foreign Minister"]
    # A list of two people is not two posts of one; a lone title word is no post.
    listed = "He met Hamas leader Abu Marzouk, Deputy Foreign Minister Mikhail Bogdanov and others."
    assert titles_of("Mikhail Bogdanov", listed) == ["Deputy Foreign Minister"]
    for lone in (
        "Talks with the leader, Deputy Chairman Abu Marzouk ended.",
        "As leader, Deputy Chairman Abu Marzouk spoke.",
    ):
        assert titles_of("Abu Marzouk", lone) == ["Deputy Chairman"]


def test_every_post_is_given_when_the_posts_are_asked(corpus_home: Path) -> None:
    """u04 of the held-out set: two posts are written before Bogdanov's name; the model named one."""
    for reply in ("Deputy Foreign Minister", "I don't know"):
        answer = Bot(make_config(corpus_home), llm=FakeLLM(reply)).ask(
            "mikhail bogdanov - what positions does he hold"
        )
        assert answer.text == (
            "Mikhail Bogdanov is the Russian president's special representative for the Middle East and African "
            "countries and Deputy Foreign Minister [1]."
        ), (reply, answer.notes)
    answer = Bot(make_config(corpus_home), llm=FakeLLM("Deputy Foreign Minister")).ask(
        "What position does Mikhail Bogdanov hold?"
    )
    assert answer.text == "Mikhail Bogdanov is Deputy Foreign Minister [1]."


def test_a_post_asked_in_another_shape_the_model_misreads_is_answered_by_the_title(corpus_home: Path) -> None:
    bot = Bot(make_config(corpus_home), llm=FakeLLM("Israeli Foreign Ministry spokeswoman"))
    assert (
        bot.ask("Simona Halperin holds what post?").text
        == "Simona Halperin is Israeli Ambassador to Moscow [1]."
    )
    bot = Bot(make_config(corpus_home), llm=FakeLLM("I don't know"))
    answer = bot.ask("In what capacity does Maria Zakharova speak here?")
    assert answer.text == "Maria Zakharova is Russian Foreign Ministry Spokeswoman [1]."


def test_a_description_the_model_restates_is_answered_by_the_title(corpus_home: Path) -> None:
    """q05: the model wrote "Mikhail Bogdanov is Deputy Foreign Minister Mikhail Bogdanov"."""
    bot = Bot(
        make_config(corpus_home), llm=FakeLLM("Mikhail Bogdanov is Deputy Foreign Minister Mikhail Bogdanov")
    )
    answer = bot.ask("Who is Mikhail Bogdanov?")
    assert answer.text == "Mikhail Bogdanov is Deputy Foreign Minister [1]." and answer.mode == "composed"


# --- the bundled article's own sentences (seventh sealed set: v11, v43, v63) ---------------------
ARTICLE = next(CORPUS.glob("*.md")).read_text(encoding="utf-8").split("---", 2)[2].strip()
ARTICLE_P = Passage("a#0", "a", ARTICLE, 0, len(ARTICLE), title="Zakharova", source="TASS")


def article_excerpts(name: str) -> list[Excerpt]:
    """The article's sentences naming ``name`` (any case), the first in reading order ranked best, as
    retrieval would hand them over."""
    spans = [(s, e) for s, e in split_sentences(ARTICLE) if name.lower() in ARTICLE[s:e].lower()]
    return [Excerpt(0, s, e, 1.0 - i / 10) for i, (s, e) in enumerate(spans)]


@pytest.mark.parametrize(
    ("question", "name", "title"),
    [
        # v11: the description asked in the article's words; the title reaches over "political".
        ("Abu Marzouk is described in the article as what", "Abu Marzouk", "senior Hamas political leader"),
        ("Who is Abu Marzouk?", "Abu Marzouk", "senior Hamas political leader"),
        ("How does the article describe Abu Marzouk?", "Abu Marzouk", "senior Hamas political leader"),
        # v43: the post asked with a word before it.
        ("What government post does Mikhail Bogdanov hold?", "Mikhail Bogdanov", "Deputy Foreign Minister"),
        ("what official title does bogdanov have", "Bogdanov", "Deputy Foreign Minister"),
        # v63: typed in lower case; her first sentence holds the title, the third only "ambassador".
        ("who is simona halperin", "Simona Halperin", "Israeli Ambassador to Moscow"),
        ("What is Simona Halperin referred to as?", "Simona Halperin", "Israeli Ambassador to Moscow"),
        # No title of two words or more before her: the fallback gives nothing (the model must).
        ("What is Yaffa Adar known as in the report?", "Yaffa Adar", None),
    ],
)
def test_a_description_fallback_on_the_bundled_article(question: str, name: str, title: str | None) -> None:
    span = described_span(Query.build(question), article_excerpts(name), [ARTICLE_P])
    assert (span.text if span else None) == title
    if span:  # cited by a sentence that writes both
        sentence = ARTICLE[span.start : span.end]
        assert title in sentence and normalise(name) in normalise(sentence)


def test_a_title_reaches_over_one_lower_case_word_before_its_head() -> None:
    marzouk = next(ARTICLE[s:e] for s, e in split_sentences(ARTICLE) if "Abu Marzouk" in ARTICLE[s:e])
    assert title_before(marzouk, "Abu Marzouk") == ["senior", "Hamas", "political", "leader"]
    assert titles_of("Abu Marzouk", marzouk) == ["senior Hamas political leader"]
    assert title_before("He met former Israeli defence minister Yoav Gallant.", "Yoav Gallant") == [
        "former",
        "Israeli",
        "defence",
        "minister",
    ]
    # Not a word before a name, not a verb, not two words: those are no part of a title.
    assert title_before("with Donbass native Maxim Kharkin", "Maxim Kharkin") == []
    assert title_before("Trump told Israeli Prime Minister Benjamin Netanyahu", "Benjamin Netanyahu") == [
        "Israeli",
        "Prime",
        "Minister",
    ]
    assert title_before("as Putin thanked leader Kim Jong Un", "Kim Jong Un") == ["leader"]
    assert title_before("said Hamas top political leader Abu Marzouk", "Abu Marzouk") == ["leader"]


def test_held_out_descriptions_the_model_misread_are_answered_by_the_title(corpus_home: Path) -> None:
    """v43 (the model wrote "Hamas") and v63 (it wrote the name back, lower case typed) were refusals."""
    for question, reply, text in (
        (
            "What government post does Mikhail Bogdanov hold?",
            "Hamas",
            "Mikhail Bogdanov is Deputy Foreign Minister",
        ),
        ("who is simona halperin", "Simona Halperin", "Simona Halperin is Israeli Ambassador to Moscow"),
    ):
        answer = Bot(make_config(corpus_home), llm=FakeLLM(reply)).ask(question)
        assert answer.text == f"{text} [1]." and not answer.refused, (question, answer.text, answer.notes)
