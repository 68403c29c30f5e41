"""A false premise in the title or nationality a question gives a person (bot.answering.premise),
read against the bundled TASS article: it writes "Israeli Ambassador to Moscow Simona Halperin",
"Russian Foreign Ministry Spokeswoman Maria Zakharova" and "Deputy Foreign Minister Mikhail Bogdanov"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.answering.premise import mistitled
from bot.documents.read import load_path
from bot.service import Bot
from bot.types import Passage
from tests.conftest import CORPUS, ROOT, FakeLLM, make_config

ARTICLES = [a for f in sorted(CORPUS.glob("*.md")) for a in load_path(f, 10**7)]
PASSAGES = [Passage(f"{a.doc_id}#0", a.doc_id, a.text, 0, len(a.text), title=a.title) for a in ARTICLES]


def test_the_foreign_minister_premise_is_refused_with_the_written_title() -> None:
    # the seventh sealed set's v05: answered "Because she is biased [1]."
    reason = mistitled(
        "Why does Israel's foreign minister Simona Halperin doubt Russia's contribution to the hostage releases?",
        PASSAGES,
    )
    assert (
        reason == 'the sources call Simona Halperin "Israeli Ambassador to Moscow", never "foreign minister"'
    )


def test_an_ambassador_of_another_country_is_refused() -> None:
    # v08: the only ambassador the article writes is Israeli
    reason = mistitled("why did zakharova call the american ambassador's assessment biased", PASSAGES)
    assert reason == 'the sources write "Israeli ambassador", never "american ambassador"'


@pytest.mark.parametrize(
    "question",
    [
        # possessive and lower case
        "why does israel's foreign minister simona halperin doubt russia's contribution to the hostage releases",
        "WHY DOES ISRAEL'S FOREIGN MINISTER SIMONA HALPERIN DOUBT RUSSIA'S CONTRIBUTION?",
        "What did Prime Minister Simona Halperin say about Russia?",
        "what did prime minister halperin say about russia",  # the surname alone
        # another nationality for the person, before the name or in apposition after it (t50)
        "What did Russian ambassador Simona Halperin say?",
        "Why did Simona Halperin, the US ambassador to Russia, criticise Moscow's role in the hostage releases?",
        "What did Israeli spokeswoman Maria Zakharova say about the ambassador?",
        # a title no one holds: another country's, another post's place, only a deputy's
        "Why did Zakharova call the US ambassador's assessment biased?",
        "why did zakharova call the us ambassador's assessment biased",
        "What did the British envoy say about Russia's role?",
        "What is the name of the Israeli foreign ministry spokeswoman quoted in the article?",  # u37
        "what did israel's ambassador to washington say about russia's part in the hostage releases",  # u69
        "who is russia's foreign minister per the report",  # u30: only a Deputy Foreign Minister
        "What did foreign minister Mikhail Bogdanov tell Abu Marzouk?",
    ],
)
def test_a_title_or_nationality_the_sources_contradict_is_a_false_premise(question: str) -> None:
    assert mistitled(question, PASSAGES)


@pytest.mark.parametrize(
    "question",
    [
        # the article's own titles, in its words and others'
        "Who is the Israeli ambassador to Moscow?",
        "Who is the Israeli ambassador?",
        "Who is Israel's envoy in Moscow whose view of Russia's role Zakharova criticised?",
        "What is the name of Israel's envoy to Moscow?",
        "in which city is halperin posted as israel's envoy",
        "What did Israeli Ambassador to Moscow Simona Halperin assess?",
        "What did Halperin, Israel's ambassador to Moscow, say?",
        "Why did Ambassador Halperin's assessment surprise Zakharova?",
        "what did russia's foreign ministry spokeswoman zakharova say about halperin",
        "What did spokesperson Zakharova say?",
        "What did the Russian spokeswoman suggest doing with the ambassador's assessment?",
        "Why must Israel and Hamas strictly comply with the agreements, according to the spokeswoman?",
        "When did the Hamas political leader Abu Marzouk arrive in Moscow?",
        "What did Hamas chief Abu Marzouk say?",  # "chief" for "leader"
        "Whom did Deputy Foreign Minister Mikhail Bogdanov meet?",
        "what did russia's deputy foreign minister mikhail bogdanov discuss",
        "bogdanov is the special representative of which russian president - name him",
        "What did Israeli representatives, including the Israeli Embassy in Moscow, ask Russia to do?",
        "What did Russia's Foreign Ministry say about the Israeli ambassador earlier this month?",
        "Who speaks for the Russian Foreign Ministry in this report?",
        # asking for the title, not assuming it
        "What is Simona Halperin's job?",
        "Simona Halperin holds what post?",
        "What government post does Mikhail Bogdanov hold?",
        "Is Simona Halperin Israel's foreign minister?",
        "Is the ambassador Israeli or American?",
        # no person, no nationality: nothing to contradict
        "What did the ambassador in question say?",
        "Who is the president of Russia?",
    ],
)
def test_titles_the_sources_write_or_that_are_asked_for_are_no_premise(question: str) -> None:
    assert mistitled(question, PASSAGES) is None


def _gold_answerable() -> list[str]:
    rows = [
        json.loads(line) for line in (ROOT / "evals" / "gold.jsonl").read_text().splitlines() if line.strip()
    ]
    return [r["question"] for r in rows if r["answerable"]]


@pytest.mark.parametrize("question", _gold_answerable())
def test_no_answerable_gold_question_is_refused_as_mistitled(question: str) -> None:
    assert mistitled(question, PASSAGES) is None
    assert mistitled(question.lower(), PASSAGES) is None


def test_a_possessor_that_is_no_country_gives_no_nationality() -> None:
    # "Zakharova's": a person's possessive is not a nationality to set against "Israeli"
    assert mistitled("What did Zakharova's ambassador say?", PASSAGES) is None


def test_the_passages_decide_not_the_article() -> None:
    lead = PASSAGES[0].text.split("\n")[0]
    one = [Passage("d#0", "d", lead, 0, len(lead))]  # Halperin and Zakharova, no one else
    assert mistitled("What did Russian ambassador Simona Halperin say?", one)
    assert mistitled("What did foreign minister Mikhail Bogdanov say?", one) is None  # not in these passages
    assert mistitled("What did the ambassador say?", []) is None


def test_the_chat_refuses_a_mistitled_why_question_and_says_why(corpus_home: Path) -> None:
    """v05: composed "Because she is biased [1]." before the check was wired in."""
    bot = Bot(make_config(corpus_home), llm=FakeLLM("Because she is biased"))
    answer = bot.ask(
        "Why does Israel's foreign minister Simona Halperin doubt Russia's contribution to the hostage releases?"
    )
    assert answer.refused and not answer.citations
    assert "foreign minister" in answer.text and "Ambassador" in answer.text
    same = bot.ask(
        "Why does Israeli Ambassador Simona Halperin doubt Russia's contribution to the hostage releases?"
    )
    assert "never" not in same.text
