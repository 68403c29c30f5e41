"""From the model's reply to a verified answer phrase (bot.extract), and the answers built on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answering.asked import (
    asks_for_a_name,
    asks_for_several,
    described_name,
    describes,
    fills_role,
    role_words,
)
from bot.answering.candidates import candidates, expand_to_list
from bot.answering.excerpts import Excerpt
from bot.answering.extract import clean_phrase, copied_run, locate, trim_echo
from bot.service import Bot
from bot.types import Passage
from tests.conftest import NOVEMBER_NAMES, FakeLLM, make_config

RELEASE = (
    'She also recalled that during the so-called humanitarian pause in November 2023, "in the same '
    'exceptional order" at Russia\'s request, "Russians Yelena Trufanova, Irina Tatti (Alexander '
    "Trufanov's mother and grandmother), Ron Krivoy, as well as elderly Israeli Holocaust survivor Yaffa "
    'Adar were released."'
)
ARRIVAL = (
    "Zakharova also cited a statement made by senior Hamas political leader Abu Marzouk on February 3 upon "
    "his arrival in Moscow for a meeting with Deputy Foreign Minister Mikhail Bogdanov."
)
TEXT = "MOSCOW, February 10. /TASS/. " + ARRIVAL + " " + RELEASE
P = Passage(
    "d#0", "d", TEXT, 0, len(TEXT), title="Zakharova on hostages", source="TASS", published="2025-02-10"
)
EXCERPTS = [
    Excerpt(0, TEXT.index(ARRIVAL), TEXT.index(ARRIVAL) + len(ARRIVAL), 1.0),
    Excerpt(0, TEXT.index(RELEASE), len(TEXT), 0.9),
]


def test_clean_phrase() -> None:
    assert clean_phrase('Answer: "Abu Marzouk".\nMore text') == "Abu Marzouk"
    assert clean_phrase("February 3 [1].") == "February 3"


def test_trim_echo_keeps_only_what_the_question_lacks() -> None:
    q = "Who was released in November 2023?"
    assert trim_echo(q, "Yaffa Adar was released in November 2023") == "Yaffa Adar"
    assert trim_echo(q, "released in November 2023") == ""
    assert trim_echo("Where are the hostages held?", "in Gaza") == "Gaza"


def test_locate_finds_the_sentence_that_holds_the_phrase() -> None:
    span = locate("senior Hamas political leader", EXCERPTS, [P])
    assert span is not None and P.text[span.start : span.end] == ARRIVAL
    # The model's list skips the parenthesis: all its names in one sentence is enough.
    span = locate("Yelena Trufanova, Irina Tatti, Ron Krivoy and Yaffa Adar", EXCERPTS, [P])
    assert span is not None and P.text[span.start : span.end] == RELEASE
    assert locate("Yaffa Adar and Abu Marzouk", EXCERPTS, [P]) is None  # never in one sentence
    assert locate("Vladimir Putin", EXCERPTS, [P]) is None
    byline = locate("TASS", EXCERPTS, [P])
    assert byline is not None and byline.from_byline


def test_typed_candidates_come_from_the_excerpts() -> None:
    dates = [c.text for c in candidates("date", "When did Abu Marzouk arrive in Moscow?", EXCERPTS, [P])]
    assert dates == ["February 3"]  # only sentences about the question: not the release's November 2023
    released = [c.text for c in candidates("date", "When was Yaffa Adar released?", EXCERPTS, [P])]
    assert released == ["November 2023"]  # and the article's date is not when an event happened
    reported = [c.text for c in candidates("date", "When did TASS report it?", EXCERPTS, [P])]
    assert "February 10, 2025" in reported
    names = [c.text for c in candidates("name", "Who was released in November 2023?", EXCERPTS, [P])]
    assert "Yelena Trufanova, Irina Tatti, Ron Krivoy and Yaffa Adar" in names
    assert "November" not in names  # the question names it


def test_a_list_question_gets_the_whole_list() -> None:
    assert asks_for_several("Who was released in November 2023?")
    assert asks_for_several("Which Russians were released?") and asks_for_several("Name the hostages.")
    assert not asks_for_several("Who is Abu Marzouk?")
    assert expand_to_list("Yaffa Adar", RELEASE) == "Yelena Trufanova, Irina Tatti, Ron Krivoy and Yaffa Adar"
    assert expand_to_list("Abu Marzouk", ARRIVAL) == "Abu Marzouk and Mikhail Bogdanov"


def test_a_description_must_stand_next_to_its_name() -> None:
    assert described_name("What is Maria Zakharova's job?") == "Maria Zakharova"
    assert described_name("Who is Abu Marzouk?") == "Abu Marzouk"
    assert described_name("Who was released in November 2023?") is None
    assert describes("Abu Marzouk", "senior Hamas political leader", ARRIVAL)
    assert describes("mikhail bogdanov", "Deputy Foreign Minister", ARRIVAL)  # typed in lower case
    assert not describes("Maria Zakharova", "senior Hamas political leader", ARRIVAL)


@pytest.mark.parametrize(
    ("question", "name", "several"),
    [
        ("Simona Halperin holds what post?", "Simona Halperin", False),
        ("In what capacity does Maria Zakharova speak here?", "Maria Zakharova", False),
        ("in what capacity did bogdanov meet marzouk", "bogdanov", False),
        ("What position does Mikhail Bogdanov hold?", "Mikhail Bogdanov", False),
        ("Which office does Bogdanov hold?", "Bogdanov", False),
        ("What title does Halperin have?", "Halperin", False),
        ("What is Halperin's title?", "Halperin", False),
        ("what's maria zakharova's job", "maria zakharova", False),
        ("What is the title of Simona Halperin?", "Simona Halperin", False),
        ("Maria Zakharova serves in what capacity?", "Maria Zakharova", False),
        ("Simona Halperin - what is her post?", "Simona Halperin", False),
        ("Bogdanov: what is his job?", "Bogdanov", False),
        ("What is Maria Zakharova's job, according to the report?", "Maria Zakharova", False),
        ("mikhail bogdanov - what positions does he hold", "mikhail bogdanov", True),
        ("What posts does Mikhail Bogdanov hold?", "Mikhail Bogdanov", True),
        ("Mikhail Bogdanov holds what posts?", "Mikhail Bogdanov", True),
        ("mikhail bogdanov's job titles per the report", "mikhail bogdanov", True),
        # The seventh sealed set: a word before the post, the description asked as such, lower case.
        ("What government post does Mikhail Bogdanov hold?", "Mikhail Bogdanov", False),
        ("Simona Halperin holds what diplomatic post?", "Simona Halperin", False),
        ("Abu Marzouk is described in the article as what", "Abu Marzouk", False),
        ("What is Yaffa Adar known as in the report?", "Yaffa Adar", False),
        ("How does the article describe Yaffa Adar?", "Yaffa Adar", False),
        ("who is simona halperin", "simona halperin", False),
        ("who is xi jinping", "xi jinping", False),
        # The tenth sealed set (read after scoring): courtesy, an adjective before the post, a verb
        # of reporting after the name.
        ("zakharova: her official job, please", "zakharova", False),
        ("Please, what is Halperin's current title?", "Halperin", False),
        ("in what capacity is marzouk described", "marzouk", False),
    ],
)
def test_a_role_asked_in_other_shapes_is_a_description(question: str, name: str, several: bool) -> None:
    from bot.answering.asked import asks_for_several_roles

    assert described_name(question) == name
    assert asks_for_several_roles(question) is several
    assert not asks_for_a_name(question)  # a description, not a name the excerpts list


@pytest.mark.parametrize(
    "question",
    [
        "What post does he hold?",  # a pronoun: the follow-up rewrite names him first
        "What position does the ambassador hold?",  # a role, not a name
        "What position does Russia hold on the ceasefire?",  # a stance
        "What is the position of Russia on the ceasefire?",
        "what is the role of russia",
        "Russia's role",
        "What role did Russia play?",
        "Which post was attacked?",
        "In what capacity were the hostages held?",
        "Zakharova - what did she say about Halperin?",
        "Who is the prime minister of Israel?",
        "who was released first",  # a verb, not a name
        "who is israeli envoy",  # a role: ``titled_span`` answers it with a name
        "who is holocaust survivor",
        "who is russia's foreign minister",
        "Who is described as a Donbass native?",  # the name is asked, not the description
        "How did Zakharova describe Halperin's assessment?",  # a possession, not a person
        "what kind of role does russia have in the talks",
    ],
)
def test_other_questions_ask_for_no_description(question: str) -> None:
    assert described_name(question) is None


# --- answers composed around the phrase (fake model, real embedder and store) ---------------------
def test_the_november_question_is_one_composed_sentence_naming_all_four(corpus_home: Path) -> None:
    bot = Bot(make_config(corpus_home), llm=FakeLLM("Yaffa Adar was released in November 2023."))
    answer = bot.ask("Who was released in November 2023?")
    assert answer.mode == "composed", answer.notes
    assert answer.text == (
        "Yelena Trufanova, Irina Tatti, Ron Krivoy and Yaffa Adar were released in November 2023 [1]."
    )
    quote = answer.citations[0].to_dict()["quote"]
    assert "November 2023" in quote and all(n in quote for n in NOVEMBER_NAMES)


def test_a_phrase_the_excerpts_do_not_hold_is_not_composed(corpus_home: Path) -> None:
    reply = "Simona Halperin will be replaced by Ehud Olmert."
    answer = Bot(make_config(corpus_home), llm=FakeLLM(reply)).ask("Who will replace Simona Halperin?")
    assert answer.mode != "composed"
    assert any("not in what it read" in n for n in answer.notes)


def test_someone_elses_description_is_not_an_answer(corpus_home: Path) -> None:
    bot = Bot(make_config(corpus_home), llm=FakeLLM("senior Hamas political leader"))
    answer = bot.ask("What is Maria Zakharova's job?")
    assert "Hamas" not in answer.text or answer.mode != "composed"
    assert any("describes someone other than" in n or "about something else" in n for n in answer.notes)


@pytest.mark.parametrize(
    ("question", "reply", "expected"),
    [
        (
            "Which Hamas figure arrived in Moscow on February 3?",
            "Abu Marzouk",
            "Abu Marzouk arrived in Moscow on February 3 [1].",
        ),
        ("Which news agency reported Zakharova's remarks?", "TASS", "TASS reported Zakharova's remarks [1]."),
        (
            "When did Abu Marzouk arrive in Moscow?",
            "February 3",
            "Abu Marzouk arrived in Moscow on February 3 [1].",
        ),
    ],
)
def test_composed_answers_from_the_issue(corpus_home: Path, question: str, reply: str, expected: str) -> None:
    answer = Bot(make_config(corpus_home), llm=FakeLLM(reply)).ask(question)
    assert answer.text == expected, answer.notes
    assert answer.mode == "composed" and len(answer.citations) == 1


def test_a_question_is_never_quoted_as_an_answer(corpus_home: Path, tmp_path: Path) -> None:
    doc = tmp_path / "ll.md"
    doc.write_text(
        "---\ntitle: Little League final\npublished: 2023-08-28\nsource: AP\n---\n"
        "Who won the championship game at the Little League World Series? Fans asked it all week long.\n"
        "The team from El Segundo won the Little League World Series title on Sunday in Williamsport.\n",
        encoding="utf-8",
    )
    bot = Bot(make_config(tmp_path / "store"), llm=None)
    bot.ingest([doc])
    answer = bot.ask("Who won the Little League World Series?")
    assert "?" not in answer.text


def test_a_named_answer_must_fill_the_role_the_question_names() -> None:
    """ "Who is the prime minister of Israel?" -> "Abu Marzouk" stood in a sentence with "Minister"
    and "Israel" and was composed into a false sentence; the role must stand next to the name."""
    from bot.answering.asked import fills_role, only_a_speaker, role_words

    assert role_words("Who was released in November 2023?") == []
    words = role_words("Who is the prime minister of Israel?")
    assert words == ["prime", "minister", "israel"] and not fills_role(words, "Abu Marzouk", ARRIVAL)
    halperin = "Israeli Ambassador to Moscow Simona Halperin's biased assessment is surprising."
    assert fills_role(role_words("Who is the Israeli ambassador to Moscow?"), "Simona Halperin", halperin)
    assert only_a_speaker("Russian Foreign Ministry Spokeswoman Maria Zakharova said")
    # Typed in lower case, the possessor's role is still a role ("who is israel's ambassador ...").
    assert role_words("who is israel's ambassador to moscow") == role_words(
        "Who is Israel's ambassador to Moscow?"
    )
    assert role_words("who is israel's ambassador to moscow") == ["ambassador", "moscow"]


def test_false_premise_is_not_composed(corpus_home: Path) -> None:
    answer = Bot(make_config(corpus_home), llm=FakeLLM("Abu Marzouk")).ask(
        "Who is the prime minister of Israel?"
    )
    assert "prime minister" not in answer.text or answer.mode != "composed"


def test_a_follow_up_is_composed_from_what_the_user_typed(corpus_home: Path) -> None:
    history = [
        {"role": "user", "content": "Who is Alexander Trufanov's mother?"},
        {"role": "assistant", "content": "Yelena Trufanova [1]."},
    ]
    answer = Bot(make_config(corpus_home), llm=FakeLLM("November 2023")).ask(
        "When was she released?", history
    )
    assert answer.text == "She was released in November 2023 [1].", answer.notes


def test_who_else_is_a_list_of_the_people_the_sentence_names(corpus_home: Path) -> None:
    history = [
        {
            "role": "user",
            "content": "Was Yelena Trufanova released during the November 2023 humanitarian pause?",
        },
        {"role": "assistant", "content": "Yes [1]."},
    ]
    answer = Bot(make_config(corpus_home), llm=FakeLLM("Yaffa Adar")).ask("And who else was freed?", history)
    assert all(n in answer.text for n in NOVEMBER_NAMES[1:]), (answer.text, answer.notes)


def test_when_the_phrase_fails_a_list_question_gets_the_best_sentences_people(corpus_home: Path) -> None:
    """Not the model's choice: the mode says it was read off the source, as a quote is."""
    bot = Bot(make_config(corpus_home), llm=FakeLLM("the hostages"))
    answer = bot.ask("Name the people freed at Russia's request in November 2023.")
    assert answer.mode == "extractive" and all(n in answer.text for n in NOVEMBER_NAMES), answer.notes
    assert len(answer.text) < 120


def test_a_list_read_off_the_source_is_not_set_in_the_questions_words(corpus_home: Path) -> None:
    """q59: "Which countries brokered ...?" became "Alexander Trufanov and Gaza Strip brokered ..."."""
    bot = Bot(make_config(corpus_home), llm=FakeLLM("the mediators"))
    answer = bot.ask(
        "Which countries brokered the January 2025 ceasefire agreement between Hamas and Israel?"
    )
    assert "brokered" not in answer.text


def test_one_echoed_head_noun_stays() -> None:
    """ "Junk fees" answers "which type of fees"; "Junk" does not (RealTimeQA 20231013_18)."""
    q = "President Joe Biden unveiled new efforts to crack down on which type of fees?"
    assert trim_echo(q, "Junk fees") == "Junk fees"
    assert trim_echo("Who was released?", "Yaffa Adar was released") == "Yaffa Adar"
    assert trim_echo("Who was released?", "Adar released") == "Adar"


def test_abbreviated_dates_are_date_candidates() -> None:
    text = (
        "Daylight saving time ends Sunday, Nov. 5 at 2 a.m., a week after the debate on Wednesday, Sept. 27."
    )
    p = Passage("t#0", "t", text, 0, len(text), title="Clocks go back")
    found = candidates("date", "When does daylight saving time end?", [Excerpt(0, 0, len(text), 1.0)], [p])
    # the time of day written after the date is part of it (RealTimeQA's answer: "Sunday, Nov. 5 at 2 a.m.")
    assert [c.text for c in found] == ["Sunday, Nov. 5 at 2 a.m.", "Wednesday, Sept. 27"]


def test_which_and_where_questions_ask_for_a_name() -> None:
    assert asks_for_a_name("Which company was sued by dozens of states?")
    assert asks_for_a_name("Where will the debate take place?")
    assert asks_for_a_name("Who was released in November 2023?")
    assert not asks_for_a_name("Who is Abu Marzouk?")  # a description is asked
    assert not asks_for_a_name("What did Zakharova say?")
    assert not asks_for_a_name("What percentage of people have immunity?")


def test_the_copied_words_inside_a_paraphrase_are_the_phrase() -> None:
    sentence = (
        '"This was expressed in numerous appeals to us by Israeli representatives, including the Israeli '
        'Embassy in Moscow, with requests to continue active work on this file," the diplomat added.'
    )
    passage = Passage("d#0", "d", sentence, 0, len(sentence))
    excerpts = [Excerpt(0, 0, len(sentence), 1.0)]
    question = "What did Israeli representatives, including the Israeli Embassy in Moscow, ask Russia to do?"
    reply = "Israeli representatives, including the Israeli Embassy in Moscow, asked Russia to continue active work on this file"
    assert copied_run(reply, excerpts, [passage], question) == "to continue active work on this file"
    # Only the question's own words copied: no answer in them.
    why = "Why did the Israeli Embassy in Moscow ask Russia for numerous appeals?"
    assert copied_run("Because the Israeli Embassy in Moscow asked", excerpts, [passage], why) is None
    assert copied_run("continue active work", excerpts, [passage], question) is None  # already a phrase


def test_a_paraphrased_reply_is_composed_from_the_words_it_copied(corpus_home: Path) -> None:
    reply = "Israeli representatives, including the Israeli Embassy in Moscow, asked Russia to continue active work on this file"
    bot = Bot(make_config(corpus_home), llm=FakeLLM(reply))
    answer = bot.ask(
        "What did Israeli representatives, including the Israeli Embassy in Moscow, ask Russia to do?"
    )
    assert answer.mode == "composed", answer.notes
    assert "continue active work on this file" in answer.text and "asked Russia" not in answer.text
    quote = answer.citations[0].to_dict()["quote"]
    assert "continue active work on this file" in quote


def test_a_role_asked_of_a_possessor_must_stand_next_to_the_phrase() -> None:
    assert role_words("Who is Israel's ambassador there?") == ["ambassador"]
    assert role_words("Who is Alexander Trufanov's mother?") == ["mother"]
    assert role_words("Who is Abu Marzouk?") == []  # a description is asked, not a role
    sentence = "Appeals came from Israeli representatives, including the Israeli Embassy in Moscow."
    assert not fills_role(["ambassador"], "Embassy", sentence)


def test_the_question_is_restated_only_when_the_cited_sentence_names_what_it_names(corpus_home: Path) -> None:
    """ "Which Hamas leader said Trufanov was included ...?": the sentence naming Abu Marzouk does
    not name Trufanov (the next one does), so the answer is the name alone, which it does support."""
    bot = Bot(make_config(corpus_home), llm=FakeLLM("Abu Marzouk"))
    answer = bot.ask("Which Hamas leader said Trufanov was included at Russia's request?")
    assert answer.text == "Abu Marzouk [1].", (answer.text, answer.notes)
    released = Bot(make_config(corpus_home), llm=FakeLLM("Yaffa Adar")).ask(
        "Who was released in November 2023?"
    )
    assert released.text.endswith("were released in November 2023 [1]."), "names the sentence holds: restated"


def test_a_trim_never_splits_a_name() -> None:
    """The model's "Abu Marzouk" for a question naming Marzouk is the asked name echoed, not "Abu"."""
    assert trim_echo("Marzouk travelled to Moscow to meet which Russian official?", "Abu Marzouk") == ""
    assert trim_echo("Who stated that Trufanov was included?", "Alexander Trufanov") == ""
    assert trim_echo("Which official did Marzouk meet?", "Mikhail Bogdanov") == "Mikhail Bogdanov"
    assert trim_echo("Who was released in November 2023?", "Irina Tatti, Ron Krivoy were released") == (
        "Irina Tatti, Ron Krivoy"
    )


def test_a_number_candidate_keeps_only_a_counted_word() -> None:
    sentence = "On February 3 upon his arrival, 3 hostages and 12 million people, prices up 50% to 60%."
    passage = Passage("n#0", "n", sentence, 0, len(sentence), title="Numbers")
    found = [
        c.text
        for c in candidates("number", "How many were there?", [Excerpt(0, 0, len(sentence), 1.0)], [passage])
    ]
    assert "3 upon" not in found and "50% to" not in found
    assert {"3", "3 hostages", "12 million people", "50%", "60%"} <= set(found)


def test_a_number_candidate_drops_a_word_it_does_not_count() -> None:
    sentence = (
        "Some 19 overwhelming votes came, 5 million to 6 million people, three people, 2 men, $4 billion."
    )
    passage = Passage("n#0", "n", sentence, 0, len(sentence), title="Numbers")
    excerpt = [Excerpt(0, 0, len(sentence), 1.0)]
    found = [c.text for c in candidates("number", "How many were there?", excerpt, [passage])]
    assert {"19", "5 million", "6 million people", "three people", "2 men", "$4 billion"} <= set(found)
    assert "19 overwhelming" not in found and "5 million to" not in found


def test_a_name_cut_short_is_completed_from_its_sentence() -> None:
    from bot.answering.candidates import complete_name

    assert complete_name("Trump", "Former President Donald Trump said he would skip it.") == "Donald Trump"
    assert complete_name("Hall-Long", "Carney endorsed Lt. Gov. Bethany Hall-Long.") == "Bethany Hall-Long"
    assert complete_name("Carlos Sainz", "Ferrari's Carlos Sainz Jr won.") == "Carlos Sainz Jr"
    # A run that joins two names, or a phrase the sentence also writes alone, stays as it is.
    assert complete_name("Halperin", "Israeli Ambassador to Moscow Simona Halperin said.") == "Halperin"
    assert complete_name("Moscow", "Israeli Ambassador to Moscow Simona Halperin said.") == "Moscow"
    assert complete_name("New York", "The New York Times said New York would ban it.") == "New York"


def test_a_name_the_model_dressed_in_anothers_title_is_composed_as_written(corpus_home: Path) -> None:
    """The 0.5B wrote "Israeli Foreign Ministry Spokeswoman Maria Zakharova": every word of it stands
    in the sentence, "Israeli" before Halperin, and the answer called Zakharova Israeli (gold q33)."""
    from bot.answering.candidates import as_written

    sentence = (
        "Israeli Ambassador to Moscow Simona Halperin's biased assessment is surprising, "
        "Russian Foreign Ministry Spokeswoman Maria Zakharova said."
    )
    # the tail it writes, with the title and nationality words it writes before it
    assert as_written("Israeli Foreign Ministry Spokeswoman Maria Zakharova", sentence) == (
        "Russian Foreign Ministry Spokeswoman Maria Zakharova"
    )
    lead = "a meeting with the Russian president's special representative, Deputy Foreign Minister Mikhail Bogdanov."
    assert (
        as_written("Russian Foreign Minister Mikhail Bogdanov", lead)
        == "Deputy Foreign Minister Mikhail Bogdanov"
    )
    assert as_written("Russian Ambassador Simona Halperin", sentence) == "Simona Halperin"  # not "Moscow ..."
    for kept in (
        "Russian Foreign Ministry Spokeswoman Maria Zakharova",
        "Maria Zakharova",
        "Simona Halperin",
    ):
        assert as_written(kept, sentence) == kept
    assert (
        as_written("Simona Halperin and Maria Zakharova", sentence) == "Simona Halperin and Maria Zakharova"
    )
    # a phrase the sentence writes whole keeps the sentence's case: the model's "Senior Hamas political
    # leader" read as a name, and the answer lost its article (tenth sealed set y57)
    arrival = "Zakharova cited a statement made by senior Hamas political leader Abu Marzouk on February 3."
    assert as_written("Senior Hamas political leader", arrival) == "senior Hamas political leader"
    assert as_written("US", "Zakharova told us the US would help.") == "US"  # one word keeps its case
    answer = Bot(
        make_config(corpus_home), llm=FakeLLM("Israeli Foreign Ministry Spokeswoman Maria Zakharova")
    ).ask("Who speaks for Russia's foreign ministry?")
    assert answer.mode == "composed", answer.notes
    assert "Maria Zakharova" in answer.text and "Israeli" not in answer.text


def test_the_composed_answer_gives_the_full_name(corpus_home: Path) -> None:
    answer = Bot(make_config(corpus_home), llm=FakeLLM("Marzouk")).ask(
        "Which Hamas figure arrived in Moscow on February 3?"
    )
    assert answer.mode == "composed", answer.notes
    assert answer.text.startswith("Abu Marzouk arrived in Moscow on February 3")


def test_the_asked_title_itself_must_stand_next_to_the_name() -> None:
    """ "Foreign Ministry Spokeswoman Maria Zakharova" was composed as "Russia's foreign minister"
    (the stems of minister and ministry match); an envoy is still an ambassador."""
    from bot.answering.asked import fills_role, role_head, role_words

    lead = (
        "Israeli Ambassador to Moscow Simona Halperin's biased assessment is surprising, Russian Foreign "
        "Ministry Spokeswoman Maria Zakharova said."
    )

    def fills(question: str, phrase: str) -> bool:
        return fills_role(role_words(question), phrase, lead, head=role_head(question))

    assert role_head("Who is Russia's foreign minister?") == "minister"
    assert role_head("Who is the prime minister of Israel?") == "minister"
    assert not fills("Who is Russia's foreign minister?", "Maria Zakharova")
    assert fills("Who is Russia's foreign ministry spokeswoman?", "Maria Zakharova")
    assert fills("Who is the Israeli ambassador to Moscow?", "Simona Halperin")
    assert fills("Who is Israel's envoy in Moscow?", "Simona Halperin")


def test_a_count_of_people_is_the_listed_names_counted() -> None:
    from bot.answering.query import Query
    from bot.answering.verify import counted_span

    def count(question: str) -> str | None:
        span = counted_span(Query.build(question), EXCERPTS, [P])
        return span.text if span else None

    assert count("How many people were released in November 2023?") == (
        "Four: Yelena Trufanova, Irina Tatti, Ron Krivoy and Yaffa Adar"
    )
    # A nationality counts only the names it stands before, not those joined by "as well as".
    assert count("How many Russians were released in November 2023?") == (
        "Three: Yelena Trufanova, Irina Tatti and Ron Krivoy"
    )
    # Names that only share a sentence are not a list; a count of things is not a count of names.
    assert count("How many people did Marzouk meet in Moscow?") is None
    assert count("How many hostages remain in Gaza?") is None
    assert count("How many days did the pause last?") is None
    assert count("Who was released in November 2023?") is None


@pytest.mark.parametrize(
    ("question", "counted"),
    [
        ("How many people were released in November 2023?", ("people", "")),
        (
            "how many people in total were let go in November 2023 at Moscow's request, per the report",
            ("people", ""),
        ),
        ("In total, how many hostages were freed in November 2023?", ("hostages", "")),
        ("What was the number of hostages freed in November 2023?", ("hostages", "")),
        ("Give the number of people released in November 2023.", ("people", "")),
        ("How many of the hostages were released in November 2023?", ("hostages", "")),
        ("How many Russians were released?", ("", "Russians")),
        ("How many Russian citizens were released?", ("citizens", "Russian")),
        ("Of those released, how many does the article call Russians?", ("", "Russians")),
        ("How many of the people released were Russian?", ("people", "Russian")),
        ("In total, how many were freed in November 2023?", ("", "")),  # no noun: said of people
        ("How many days did the pause last?", None),  # days are not people
        ("How many times did Zakharova mention Halperin?", None),
        ("How many did Russia pay?", None),  # no noun, nothing said of people
        ("How much was paid in November 2023?", None),
        ("Who was released in November 2023?", None),
    ],
)
def test_what_a_count_question_counts(question: str, counted: tuple[str, str] | None) -> None:
    from bot.answering.verify import counted_people

    assert counted_people(question) == counted


def test_a_count_in_another_shape_is_the_listed_names_counted() -> None:
    from bot.answering.query import Query
    from bot.answering.verify import counted_span

    def count(
        question: str, excerpts: list[Excerpt] = EXCERPTS, passages: tuple[Passage, ...] = (P,)
    ) -> str | None:
        span = counted_span(Query.build(question), excerpts, list(passages))
        return span.text if span else None

    four = "Four: Yelena Trufanova, Irina Tatti, Ron Krivoy and Yaffa Adar"
    three = "Three: Yelena Trufanova, Irina Tatti and Ron Krivoy"
    assert count("In total, how many people were released in November 2023?") == four
    assert count("What was the number of hostages freed in November 2023?") == four  # freed: released
    assert count("How many were released in November 2023 altogether?") == four
    assert count("Of those released, how many does the article call Russians?") == three
    assert count("How many of the people released in November 2023 were Russian?") == three
    # Not a count of these people: another event, another place, another thing counted.
    assert count("How many people were killed in November 2023?") is None
    assert count("What was the number of hostages held in Gaza?") is None
    assert count("What caused the number of hostages to rise?") is None
    # The held-out question: its "per the report" and "in total" said nothing the sentence must hold.
    sentence = (
        "Russian citizens Yelena Trufanova, Irina Tatti and Ron Krivoy, as well as Yaffa Adar, were released "
        "in November 2023 at Russia's request."
    )
    short = Passage("s#0", "s", sentence, 0, len(sentence), title="", source="TASS", published="2025-02-10")
    asked = "how many people in total were let go in November 2023 at Moscow's request, per the report"
    assert count(asked, [Excerpt(0, 0, len(sentence), 1.0)], (short,)) == four


def test_a_count_question_the_model_cannot_answer_is_counted_from_the_list(corpus_home: Path) -> None:
    bot = Bot(make_config(corpus_home), llm=FakeLLM("I don't know."))
    answer = bot.ask("How many people were released in November 2023?")
    assert answer.text.startswith("Four: ") and answer.text.endswith("[1].") and answer.mode == "composed"
    assert all(name in answer.text for name in NOVEMBER_NAMES)
    cited = answer.citations[0]
    assert "November 2023" in cited.passage.text[cited.quote_start : cited.quote_end]


def test_a_count_asked_in_other_words_is_counted_from_the_list(corpus_home: Path) -> None:
    bot = Bot(make_config(corpus_home), llm=FakeLLM("I don't know."))
    for question, count in [
        ("Of those released, how many does the article call Russians?", "Three: "),
        (
            "how many people in total were let go in November 2023 at Moscow's request, per the report",
            "Four: ",
        ),
        ("In total, how many people were released in November 2023?", "Four: "),
        ("What was the number of hostages freed in November 2023?", "Four: "),
    ]:
        answer = bot.ask(question)
        assert answer.text.startswith(count) and answer.mode == "composed", (question, answer.notes)


def test_a_list_asked_by_nationality_keeps_only_that_nationality(corpus_home: Path) -> None:
    """q25: "Which Russians were released?" named Yaffa Adar, an Israeli the sentence adds with "as well as"."""
    bot = Bot(make_config(corpus_home), llm=FakeLLM("Yelena Trufanova"))
    answer = bot.ask("Which Russians were released in November 2023?")
    assert all(n in answer.text for n in NOVEMBER_NAMES[:3]) and "Adar" not in answer.text, answer.text
    answer = bot.ask("Who was released in November 2023?")
    assert all(n in answer.text for n in NOVEMBER_NAMES), answer.text


def test_a_phrase_is_cut_where_it_starts_repeating_the_question() -> None:
    """v66 of the seventh sealed set: the model copied the whole clause after the answer."""
    from bot.answering.extract import cut_at_echo

    q = "Which two parties, according to the spokeswoman, must strictly comply with the agreements reached?"
    clause = "Israel and Hamas must strictly comply with the agreements reached within the framework"
    assert cut_at_echo(q, clause) == "Israel and Hamas"
    released = "Yelena Trufanova, Irina Tatti were released in November 2023 at Russia's request"
    assert cut_at_echo("Who was released in November 2023?", released) == "Yelena Trufanova, Irina Tatti"
    # Nothing of its own before the echo, or an echo of fewer than three words: left as it is.
    assert cut_at_echo("Who was released in November 2023?", "Were released in November 2023") == (
        "Were released in November 2023"
    )
    assert cut_at_echo("What did Zakharova say?", "Zakharova said Russia will press on") == (
        "Zakharova said Russia will press on"
    )
    # t14 of the fifth sealed set: what is left must name someone or something.
    recalled = "She recalled that during the so-called humanitarian pause in November 2023"
    asked = "What happened to Yelena Trufanova during the so-called humanitarian pause in November 2023?"
    assert cut_at_echo(asked, recalled) == recalled
    # x50 of the ninth sealed set: no cut inside a name ("Abu" alone was composed as the answer; it
    # is the asked Marzouk's first name). The cut falls after the whole name, which the checks
    # after it then see as the question's own.
    talks = "Abu Marzouk's talks with Bogdanov on February 3"
    assert cut_at_echo("what came of marzouk's talks with bogdanov", talks) == "Abu Marzouk's"


def test_a_list_question_answered_with_its_clause_gets_the_list(corpus_home: Path) -> None:
    clause = (
        "Israel and Hamas must strictly comply with the agreements reached within the framework of the "
        "agreement on the cessation of hostilities in the Gaza Strip"
    )
    answer = Bot(make_config(corpus_home), llm=FakeLLM(clause)).ask(
        "Which two parties, according to the spokeswoman, must strictly comply with the agreements reached?"
    )
    assert answer.text.startswith("Israel and Hamas"), (answer.text, answer.notes)
    assert "must strictly comply" not in answer.text


SWAP_TITLE = "Iran prisoner swap: 5 Americans released in deal brokered by Qatar"
SWAP_TEXT = (
    "Five Americans who had been wrongfully detained landed in Doha on Monday, US officials said. "
    "The deal also unfroze $6 billion in frozen funds for humanitarian purchases."
)


def _swap() -> tuple[list[Passage], list[Excerpt]]:
    p = Passage("swap#0", "swap", SWAP_TEXT, 0, len(SWAP_TEXT), title=SWAP_TITLE)
    first = SWAP_TEXT.index(".") + 1
    return [p], [Excerpt(0, 0, first, 1.0), Excerpt(0, first + 1, len(SWAP_TEXT), 0.8)]


def test_a_phrase_only_the_headline_holds_is_located_there_and_checked_there() -> None:
    from bot.answering.query import Query
    from bot.answering.verify import verified_span

    passages, excerpts = _swap()
    span = locate("Iran", excerpts, passages, "The US made a deal with which country to free five Americans?")
    assert span is not None and span.from_title and span.sentence(passages) == SWAP_TITLE
    assert (
        locate("Doha", excerpts, passages) is not None and not locate("Doha", excerpts, passages).from_title
    )
    q = Query("The US made a deal with which country to free five wrongfully detained Americans?")
    verified, why = verified_span(q, "Iran", None, excerpts, passages)
    assert verified is not None and verified.from_title, why
    # The headline is checked like a sentence: it does not say who paid for the deal.
    nothing, why = verified_span(
        Query("Which country paid for the hotel rooms?"), "Qatar", None, excerpts, passages
    )
    assert nothing is None


def test_a_role_question_with_a_clause_asks_what_someone_does_not_a_title() -> None:
    """RealTimeQA 20231020_29: "Donyale Hall, ..., said Tuesday she is seeking the Republican
    nomination ..." never writes "candidate" near her name; the clause is what is asked of her."""
    from bot.answering.asked import fills_role, role_head

    q = "Who is the Republican candidate seeking the nomination for Delaware's at-large U.S. House seat?"
    assert role_words(q) == [] and role_head(q) is None
    assert role_words("Who is the Israeli ambassador to Moscow?") == ["israeli", "ambassador", "moscow"]
    assert role_words("Who is the Hamas official who arrived in Moscow?") == []
    sentence = (
        "Donyale Hall, a veteran and mother of 10, said Tuesday she is seeking the Republican nomination."
    )
    assert fills_role(role_words(q), "Donyale Hall", sentence, head=role_head(q))


def test_a_phrase_is_widened_to_the_words_the_sentence_writes() -> None:
    """RealTimeQA 20231020_17: the model's "UFO" is the sentence's "UFOs" (the answer)."""
    from bot.answering.extract import whole_words

    assert whole_words("UFO", "a portal to report UFOs and other sightings") == "UFOs"
    assert whole_words("Russia", "at Russia's request") == "Russia"  # an owner is not a longer word
    assert whole_words("Trufanov", "Yelena Trufanova and Alexander Trufanov") == "Trufanov"
    assert whole_words("Mars", "no such word here") == "Mars"


def test_an_asked_nationality_before_a_new_name_is_kept() -> None:
    """Gold q43: "Israeli Embassy" for "Which Israeli institution ...?" was trimmed to nothing (the
    echoed "Israeli" and the name it heads were taken as one echoed name)."""
    q = "Which Israeli institution in Moscow asked Russia to keep working on the hostage file?"
    assert trim_echo(q, "Israeli Embassy") == "Israeli Embassy"
    assert trim_echo("Who is Abu Marzouk?", "Abu Marzouk is senior Hamas political leader") == (
        "senior Hamas political leader"
    )


def test_a_day_the_question_names_must_stand_in_the_answers_sentence(corpus_home: Path) -> None:
    """Halperin's sentence writes no date; Abu Marzouk's writes February 3 (ninth sealed set x54)."""
    question = "who landed in moscow on feb 3 to see the deputy foreign minister"
    wrong = Bot(make_config(corpus_home), llm=FakeLLM("Simona Halperin")).ask(question)
    assert "Halperin" not in wrong.text
    assert any("does not write February 3" in n for n in wrong.notes), wrong.notes
    right = Bot(make_config(corpus_home), llm=FakeLLM("Abu Marzouk")).ask(question)
    assert right.mode == "composed" and "Abu Marzouk" in right.text, right.notes
    # the byline's date counts: the article was published on February 10
    dated = Bot(make_config(corpus_home), llm=FakeLLM("Maria Zakharova")).ask(
        "Who called Halperin's assessment biased on February 10?"
    )
    assert dated.mode == "composed" and "Zakharova" in dated.text, dated.notes


@pytest.mark.parametrize(
    "question",
    ["what job does zakharova do", "What position does Zakharova hold?"],
)
def test_a_post_written_beside_someone_else_is_not_the_asked_persons(
    corpus_home: Path, question: str
) -> None:
    """ "Israeli ambassador" stands in Zakharova's sentence, but as Halperin's title (ninth sealed set x42)."""
    wrong = Bot(make_config(corpus_home), llm=FakeLLM("Israeli ambassador")).ask(question)
    assert "ambassador" not in wrong.text.lower(), wrong.notes
    right = Bot(make_config(corpus_home), llm=FakeLLM("Russian Foreign Ministry Spokeswoman")).ask(question)
    assert right.mode == "composed" and "Spokeswoman" in right.text, right.notes


def test_a_post_asked_of_someone_else_is_still_answered(corpus_home: Path) -> None:
    from bot.answering.titled import post_holder

    sentence = (
        "Israeli Ambassador to Moscow Simona Halperin's assessment is surprising, Maria Zakharova said."
    )
    assert post_holder("Which diplomat did Zakharova criticise?", "Israeli ambassador", sentence) == ""
    assert post_holder("what job does zakharova do", "Israeli ambassador", sentence) == "Maria Zakharova"
    assert post_holder("what job does zakharova do", "biased assessment", sentence) == ""  # not a post


def test_a_date_must_stand_in_a_sentence_saying_most_of_what_happened_then(corpus_home: Path) -> None:
    """Marzouk's "February 3" is not when Zakharova became spokeswoman (ninth sealed set x61): its
    sentence holds only "ministry" (by the stem of "Minister") of become, ministry, spokeswoman."""
    from bot.answering.predicate import says_most

    bot = Bot(make_config(corpus_home), llm=FakeLLM("February 3"))
    wrong = bot.ask("When did Zakharova become the ministry's spokeswoman?")
    assert "February 3" not in wrong.text, wrong.notes
    right = bot.ask("When did Abu Marzouk arrive in Moscow?")
    assert right.mode == "composed" and "February 3" in right.text, right.notes
    sentence = (
        "Yelena Trufanova and Irina Tatti were released during the humanitarian pause in November 2023."
    )
    assert says_most("How many people were released during the humanitarian pause?", sentence)
    assert not says_most(
        "When does the next stage of the Gaza ceasefire begin?", "The Gaza ceasefire was agreed in January."
    )
    # a sentence naming none of the question's names may refer back to it: not judged
    assert says_most(
        "When did the Riverside council approve the tram line?", "The final vote was on March 3."
    )
