"""Follow-ups whose "he"/"she" the bot's last answer names (bot.followup.resolve_person)."""

from __future__ import annotations

from collections.abc import Callable

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
    # the answer names the place too, so "there" is resolved by rule as well
    assert rewrite_question("Who did he meet there?", history, model) == "Who did Abu Marzouk meet in Moscow?"
    history = _turn("Who is Abu Marzouk?", "Abu Marzouk is a senior Hamas political leader.")
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


# --- every pointer resolved by rule (bot.answering.referents) -------------------------------------
_NAMES = ["Abu Marzouk", "Moscow", "Maxim Kharkin", "Zakharova", "Simona Halperin", "Mikhail Bogdanov"]


def _names_for(text: str) -> list[str]:
    return _NAMES


def _recording_names() -> tuple[list[str], Callable[[str], list[str]]]:
    """A names lookup that records each text it is asked about (each would be a search)."""
    asked: list[str] = []

    def names_for(text: str) -> list[str]:
        asked.append(text)
        return _NAMES

    return asked, names_for


@pytest.mark.parametrize(
    ("question", "answer", "follow_up", "expected"),
    [
        # the answer names no person: the question's person, its case restored from the sources
        (
            "who is maxim kharkin",
            "A Donbass native held in Gaza [1].",
            "how old is he",
            "how old is Maxim Kharkin",
        ),
        # "he" is the question's person, "there" the question's place
        (
            "when did abu marzouk arrive in moscow?",
            "On February 3 [1].",
            "who was he there to meet",
            "who was Abu Marzouk in Moscow to meet",
        ),
        # "them" is the answer's list
        (
            "Who was freed in November 2023?",
            "Yelena Trufanova, Irina Tatti, Ron Krivoy and Yaffa Adar [1].",
            "where were they held",
            "where were Yelena Trufanova, Irina Tatti, Ron Krivoy and Yaffa Adar held",
        ),
        # "they": the answer's one person with the question's
        (
            "Who did Abu Marzouk meet in Moscow?",
            "Deputy Foreign Minister Mikhail Bogdanov [1].",
            "what did they agree on",
            "what did Abu Marzouk and Mikhail Bogdanov agree on",
        ),
        # "then" is the answer's time, with the preposition it takes
        ("when was the pause?", "In November 2023 [1].", "who got out then", "who got out in November 2023"),
        (
            "when did he arrive?",
            "On February 3 [1].",
            "who met him then",
            "who met Abu Marzouk on February 3",
        ),
        (
            "when was the pause?",
            "In November 2023 [1].",
            "who was held before then",
            "who was held before November 2023",
        ),
        # "him" points back too; a title is not part of the name
        (
            "Who is Mikhail Bogdanov?",
            "Russia's Deputy Foreign Minister and the special representative for the Middle East [1].",
            "who came to moscow to meet him",
            "who came to moscow to meet Mikhail Bogdanov",
        ),
    ],
)
def test_every_pointer_named_by_the_last_turn_is_replaced(
    question: str, answer: str, follow_up: str, expected: str
) -> None:
    history = _turn(question, answer)
    if "he arrive" in question:
        history = _turn("Which Hamas leader came?", "Abu Marzouk [1].") + history
    assert rewrite_question(follow_up, history, None, _names_for) == expected


@pytest.mark.parametrize(
    ("answer", "follow_up"),
    [
        ("Yaffa Adar and Ron Krivoy [1].", "how long had she been held"),  # which of the two?
        ("Maria Zakharova [1].", "what did she say about that release"),  # "that release": no rule names it
        ("Maria Zakharova [1].", "did she criticise him"),  # two people, one named
        ("Maria Zakharova [1].", "is it true"),
        # some of the listed: naming them all in the question reads as what it knows
        ("Yaffa Adar and Ron Krivoy [1].", "how are the first two of them related"),
        ("The corpus does not say.", "who came then"),  # no time named
        ("The corpus does not say.", "who was there"),  # no place named
    ],
)
def test_a_pointer_no_rule_can_name_leaves_the_old_rewrite(answer: str, follow_up: str) -> None:
    history = _turn("Who spoke?", answer)
    assert rewrite_question(follow_up, history, None) == f"Who spoke? {follow_up}"


def test_no_place_no_date_no_title_counts_as_a_person() -> None:
    from bot.answering.referents import people, read_turn

    assert people("A Donbass native whom Zakharova counts among its compatriots") == []
    assert people("On February 3 he met the envoy for the Middle East and African countries") == []
    assert people("Russian Foreign Ministry Spokeswoman Maria Zakharova said") == ["Maria Zakharova"]
    turn = read_turn("was there a deal?", "There was, in Gaza Strip talks at Russia's request [1].")
    assert turn.where == "in Gaza Strip"  # not "at Russia's request"
    # "is there" is not a place pointer: nothing to resolve
    assert rewrite_question("is there a date?", _turn("Who?", "Abu Marzouk, in Moscow [1]."), None) == (
        "Who? is there a date?"
    )


def test_a_turn_typed_in_lower_case_asks_the_sources_for_its_names_once() -> None:
    asked, names_for = _recording_names()
    history = _turn("who is simona halperin", "She is Israel's ambassador to Moscow [1].")
    rewritten = rewrite_question("what did zakharova say of her view", history, None, names_for)
    assert rewritten == "what did zakharova say of Simona Halperin's view"
    assert asked == ["who is simona halperin"]
    asked.clear()  # a turn written with its capitals needs no lookup
    rewrite_question(
        "what did Zakharova say of her view", _turn("Who is Simona Halperin?", "Her [1]."), None, names_for
    )
    assert asked == []


def test_who_was_he_asks_for_an_object_not_the_subject() -> None:
    # eleventh sealed set z29: "Zakharova was he there to meet [1]."
    from bot.answering.asked import asks_for_several
    from bot.answering.compose import compose

    assert compose("who was he there to meet", "Mikhail Bogdanov") == "Mikhail Bogdanov."
    # nor a list: one person met is asked (the sentence's other names were added to it)
    assert not asks_for_several("who was he there to meet") and asks_for_several("Who was released?")
    assert (
        compose("Who was released in November 2023", "Irina Tatti")
        == "Irina Tatti was released in November 2023."
    )


def test_a_place_a_date_or_an_article_never_joins_a_list_of_people() -> None:
    """ "Abu Marzouk, Middle East and Mikhail Bogdanov" was composed as the people a sentence names."""
    from bot.answering.candidates import people_in

    sentence = (
        "Zakharova cited senior Hamas political leader Abu Marzouk on February 3 upon his arrival in Moscow "
        "for a meeting with the special representative for the Middle East and African countries, Deputy "
        "Foreign Minister Mikhail Bogdanov."
    )
    assert people_in(sentence) == ["Abu Marzouk", "Mikhail Bogdanov"]
    assert people_in("A Donbass native. On February 3 Yelena Trufanova left the Gaza Strip.") == [
        "Yelena Trufanova"
    ]


def test_which_of_them_keeps_the_previous_question() -> None:
    """ "which of them ..." made "who ..." picked someone outside the list ("Zakharova was not
    described as russian", session 17): the previous question stays in front."""
    history = _turn("who was freed?", "Yelena Trufanova, Irina Tatti, Ron Krivoy and Yaffa Adar [1].")
    assert rewrite_question("which of them is a holocaust survivor", history, None).startswith(
        "who was freed?"
    )


@pytest.mark.parametrize(
    ("history", "follow_up", "expected"),
    [
        # an opening auxiliary, a possessive or a place before the title is not part of the name
        (
            _turn("Was Ron Krivoy freed?", "Yes, in November 2023 [1]."),
            "how old is he",
            "how old is Ron Krivoy",
        ),
        (
            _turn("Who did Abu Marzouk meet?", "Russia's Deputy Foreign Minister Mikhail Bogdanov [1]."),
            "how old is he",
            "how old is Mikhail Bogdanov",
        ),
        (
            _turn("Who criticised Russia?", "Ambassador to Moscow Simona Halperin [1]."),
            "what did she say",
            "what did Simona Halperin say",
        ),
        # a greeting before the first question does not shift the turns
        (
            [{"role": "assistant", "content": "Hello! Ask me about the news."}]
            + _turn("Which Hamas leader came to Moscow?", "Abu Marzouk [1]."),
            "how old is he",
            "how old is Abu Marzouk",
        ),
        # "her" before "then" is the person; "then" the time
        (
            _turn("Who was freed in November 2023?", "Yaffa Adar, in November 2023 [1]."),
            "who freed her then",
            "who freed Yaffa Adar in November 2023",
        ),
        # the bare place a "where" answer gives
        (
            _turn("Where did Abu Marzouk arrive?", "Moscow [1]."),
            "who did he meet there",
            "who did Abu Marzouk meet in Moscow",
        ),
    ],
)
def test_the_person_time_and_place_of_the_last_turn(
    history: list[Message], follow_up: str, expected: str
) -> None:
    assert rewrite_question(follow_up, history, None) == expected


@pytest.mark.parametrize(
    ("answer", "follow_up"),
    [
        ("Mikhail Bogdanov [1].", "did he thank him"),  # two people
        ("Abu Marzouk and Mikhail Bogdanov [1].", "what did he tell them"),
        ("About 2000 people [1].", "who came then"),  # a number, not a year
    ],
)
def test_what_no_rule_names_is_left_alone(answer: str, follow_up: str) -> None:
    assert rewrite_question(follow_up, _turn("Who spoke?", answer), None).startswith("Who spoke?")


def test_a_source_is_no_place() -> None:
    history = _turn("Who spoke?", "Freed in Gaza, according to Zakharova [1].")
    assert (
        rewrite_question("who was held there", history, None) == "who was held in Gaza"
    )  # not "in Zakharova"


def test_there_and_then_that_point_nowhere_are_not_replaced() -> None:
    history = _turn("Where did Abu Marzouk arrive?", "In Moscow, on February 3 [1].")
    for question in ("there's a deal?", "did there appear to be a deal", "then who was the then minister"):
        assert rewrite_question(question, history, None).startswith("Where did Abu Marzouk arrive?")


def test_no_search_for_names_when_the_answer_names_the_person() -> None:
    asked, names_for = _recording_names()
    history = _turn("who is the envoy", "Mikhail Bogdanov, Deputy Foreign Minister [1].")
    assert rewrite_question("how old is he", history, None, names_for) == "how old is Mikhail Bogdanov"
    assert asked == []


def test_no_search_for_names_when_nothing_points_at_a_person_or_place() -> None:
    asked, names_for = _recording_names()
    history = _turn("when was the pause", "In November 2023 [1].")
    assert rewrite_question("who got out then", history, None, names_for) == "who got out in November 2023"
    assert asked == []
