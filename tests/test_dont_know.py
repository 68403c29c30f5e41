"""When the model says "I don't know" to a date or number question whose answer its sentences hold.

Six of the seventh sealed set's 13 false refusals were such "I don't know"s. Its pick with that
option withdrawn is kept only under stricter checks than a first pick: the sentence must name every
name of the question, not only as an owner ("Alexander Trufanov's mother"), and say what was asked.
"""

from __future__ import annotations

from pathlib import Path

from bot.answering.extract import DONT_KNOW
from bot.answering.verify import owners_only
from bot.backends.llm import Message
from bot.service import Bot
from tests.conftest import FakeLLM, make_config

RELEASED = (
    'She also recalled that during the so-called humanitarian pause in November 2023, "in the same '
    "exceptional order\" at Russia's request, \"Russians Yelena Trufanova, Irina Tatti (Alexander Trufanov's "
    'mother and grandmother), Ron Krivoy, as well as elderly Israeli Holocaust survivor Yaffa Adar were released."'
)


class DontKnowFirst(FakeLLM):
    """Says "I don't know" whenever it may; otherwise takes the first option (the best sentence's)."""

    def __init__(self) -> None:
        super().__init__("I don't know.")
        self.offers: list[list[str]] = []

    def choose(self, messages: list[Message], options: list[str], max_tokens: int) -> str | None:
        self.calls.append(messages)
        self.offers.append(options)
        return DONT_KNOW if DONT_KNOW in options else (options[0] if options else None)


def test_a_date_the_model_would_not_give_is_taken_when_its_sentence_names_the_asked_person(
    corpus_home: Path,
) -> None:
    llm = DontKnowFirst()
    answer = Bot(make_config(corpus_home), llm=llm).ask("When was Yaffa Adar let go")
    assert not answer.refused, answer.notes
    assert "November 2023" in answer.text
    cited = answer.citations[0]
    assert "Yaffa Adar were released" in cited.passage.text[cited.quote_start : cited.quote_end]
    assert any("does not know" in note for note in answer.notes)
    assert DONT_KNOW in llm.offers[0] and DONT_KNOW not in llm.offers[1]  # asked again without it


def test_a_date_of_someone_named_only_as_an_owner_is_still_refused(corpus_home: Path) -> None:
    """The sentence dates the release of "Alexander Trufanov's mother and grandmother", not his."""
    answer = Bot(make_config(corpus_home), llm=DontKnowFirst()).ask(
        "On what date was Alexander Trufanov actually freed?"
    )
    assert answer.refused, answer.text


def test_a_first_pick_of_i_dont_know_with_no_options_asks_nothing_more(corpus_home: Path) -> None:
    llm = DontKnowFirst()
    answer = Bot(make_config(corpus_home), llm=llm).ask("How old is Yaffa Adar?")
    assert answer.refused
    assert all(DONT_KNOW in offer for offer in llm.offers)


def test_owners_only_reads_the_possessive() -> None:
    assert owners_only("On what date was Alexander Trufanov freed?", RELEASED) == ["Trufanov"]
    assert owners_only("In what year were Trufanov's mother and grandmother freed?", RELEASED) == []
    assert owners_only("When was Yaffa Adar let go?", RELEASED) == []


def test_a_question_naming_a_year_nothing_mentions_gets_no_list_read_off_the_sources(
    corpus_home: Path,
) -> None:
    """v35: the list of November 2023's released was quoted for "November 2024"."""
    answer = Bot(make_config(corpus_home), llm=FakeLLM("Ron Krivoy")).ask(
        "Who was freed during the humanitarian pause of November 2024?"
    )
    assert answer.refused
    assert any("2024" in note for note in answer.notes)
    same = Bot(make_config(corpus_home), llm=FakeLLM("Ron Krivoy")).ask(
        "Who was freed during the humanitarian pause of November 2023?"
    )
    assert not same.refused and "Ron Krivoy" in same.text


def test_an_owner_may_be_who_did_it(corpus_home: Path) -> None:
    """Gold q45: "Simona Halperin's biased assessment of Russia's contribution" says who criticised
    it; a rule setting aside names written only as owners refused it (tried and reverted)."""
    answer = Bot(make_config(corpus_home), llm=FakeLLM("Simona Halperin")).ask(
        "Who criticised Russia's contribution to the hostage releases?"
    )
    assert not answer.refused and "Simona Halperin" in answer.text, answer.notes


def test_a_day_of_a_month_nothing_found_writes_is_a_false_premise(corpus_home: Path) -> None:
    """w07 of the eighth sealed set: "january" and "3" each stand somewhere ("January 2025",
    "February 3"), so the word check let "on january 3" pass and a quote answered it."""
    from bot.answering.answertype import unmentioned_days

    found = "Abu Marzouk on February 3 upon his arrival. It began Oct. 7 and ended 27th September."
    assert unmentioned_days("what did marzouk state on january 3", found) == ["January 3"]
    assert unmentioned_days("What happened on October 7?", found) == []  # "Oct. 7"
    assert unmentioned_days("on 27 September", found) == []
    assert unmentioned_days("What happened in January 2025?", found) == []
    bot = Bot(make_config(corpus_home), llm=FakeLLM("a sign of gratitude"))
    refused = bot.ask("what did marzouk state on january 3 about trufanov")
    assert refused.refused and "January 3" in refused.text
    assert "January 3" not in bot.ask("What did Abu Marzouk say on February 3 about Trufanov?").text
