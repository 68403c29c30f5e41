"""End to end on the bundled corpus: real embedder, real Chroma in a temp dir, real answer model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.answering.answerer import UNVERIFIED_TEXT
from bot.config import Config
from bot.service import Bot
from bot.types import BotError
from tests.conftest import CORPUS, NOVEMBER_NAMES, FakeLLM, make_config

QUESTION = "Who was released in November 2023?"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_search_finds_the_november_passage(corpus_bot_extractive: Bot) -> None:
    found = corpus_bot_extractive.search(QUESTION, k=3)
    assert "November 2023" in found.passages[0].text
    assert any(r.kind == "mention" for r in found.date_ranges)
    text = corpus_bot_extractive.catalog.text(found.passages[0].doc_id) or ""
    p = found.passages[0]
    assert text[p.start : p.end] == p.text  # offsets open the exact passage


def test_extractive_answer_quotes_the_supporting_sentence(corpus_bot_extractive: Bot) -> None:
    answer = corpus_bot_extractive.ask(QUESTION)
    assert answer.mode == "extractive" and not answer.refused
    for name in NOVEMBER_NAMES:
        assert name in answer.text
    quote = answer.citations[0].to_dict()["quote"]
    shown = answer.text.split("“", 1)[1].split("”", 1)[0].strip("… ")
    assert "November 2023" in quote and shown in quote  # the answering clause of the cited sentence
    assert len(shown) <= 200


@pytest.mark.slow
def test_composed_answer_names_all_four_with_a_correct_citation(corpus_bot: Bot) -> None:
    """The question the project exists for, with the bundled model: one composed sentence."""
    answer = corpus_bot.ask(QUESTION)
    assert answer.mode == "composed", answer.to_dict()
    for name in NOVEMBER_NAMES:
        assert name in answer.text, answer.text
    assert answer.text.endswith("[1].") and len(answer.text) < 150
    cited = answer.to_dict()["citations"][0]
    assert "November 2023" in cited["quote"] and cited["quote"] in cited["text"]
    assert all(name in cited["quote"] for name in NOVEMBER_NAMES)


@pytest.mark.slow
def test_off_corpus_question_is_refused(corpus_bot: Bot) -> None:
    answer = corpus_bot.ask("Who won the 2023 Rugby World Cup?")
    assert answer.refused and answer.citations == []


def test_reingest_embeds_nothing_and_update_replaces_chunks(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    _write(folder / "a.md", "# Alpha\n\nThe Zorblat festival opened in Tallinn on 3 March 2024.")
    bot = Bot(make_config(tmp_path / "store"), llm=None)
    assert [r.status for r in bot.ingest([folder])] == ["added"]
    embedded = bot.indexer.embedded_chunks
    assert [r.status for r in bot.ingest([folder])] == ["unchanged"]
    assert bot.indexer.embedded_chunks == embedded  # nothing re-embedded
    _write(folder / "a.md", "# Alpha\n\nThe Zorblat festival moved to Tartu in April 2024.")
    assert [r.status for r in bot.ingest([folder])] == ["updated"]
    n_docs, n_chunks = bot.catalog.count()
    assert (n_docs, n_chunks, bot.vectors.count()) == (1, 1, 1)
    top = bot.search("Where did the Zorblat festival move?").passages[0]
    assert "Tartu" in top.text


def test_remove_makes_a_document_unretrievable(tmp_path: Path) -> None:
    bot = Bot(make_config(tmp_path / "store"), llm=None)
    bot.ingest([CORPUS])
    _write(tmp_path / "z.md", "# Zorblat\n\nThe Zorblat festival opened in Tallinn on 3 March 2024.")
    bot.ingest([tmp_path / "z.md"])
    assert any(p.doc_id == "z" for p in bot.search("Zorblat festival Tallinn").passages)
    assert bot.remove("z")
    assert all(p.doc_id != "z" for p in bot.search("Zorblat festival Tallinn").passages)
    assert bot.vectors.count() == bot.catalog.count()[1]
    assert not bot.remove("z")


def test_store_refuses_another_chunking(tmp_path: Path) -> None:
    built = make_config(tmp_path / "s", chunk_size=120, chunk_overlap=20)  # e.g. an older default
    Bot(built, llm=None).ingest([CORPUS])
    other = Bot(make_config(tmp_path / "s"), llm=None)  # today's defaults
    with pytest.raises(BotError, match="reindex") as refused:
        other.ingest([CORPUS])
    with pytest.raises(BotError, match="reindex"):
        other.search("Who was released in November 2023?")  # searching is refused as well
    # The message names the exact command that rebuilds the store, and the settings that keep it
    # as built; those settings, given as they are written, open it.
    message = str(refused.value)
    assert f"`bot --home {built.home} reindex`" in message
    assert "BOT_CHUNK_SIZE=120 BOT_CHUNK_OVERLAP=20 in the environment" in message
    assert "BOT_CHUNK_TITLE" not in message and "BOT_EMBEDDER" not in message
    env = {"BOT_CHUNK_SIZE": "120", "BOT_CHUNK_OVERLAP": "20"}
    kept = Bot(Config.from_env(env=env, home=built.home, cache_dir=built.cache_dir), llm=None)
    assert kept.search("Who was released in November 2023?").passages


def test_no_network_during_ingest_and_ask(tmp_path: Path, no_network: list[object]) -> None:
    bot = Bot(make_config(tmp_path / "store"), llm=FakeLLM("Yaffa Adar was released in November 2023."))
    bot.ingest([CORPUS])
    answer = bot.ask(QUESTION)
    assert "Yaffa Adar" in answer.text and answer.citations
    assert no_network == []


def test_unsupported_sentence_is_dropped_and_markers_verified(corpus_home: Path) -> None:
    reply = "Yaffa Adar was released in November 2023 [4]. The Eiffel Tower is in Paris [1]."
    bot = Bot(make_config(corpus_home), llm=FakeLLM(reply))
    answer = bot.ask(QUESTION)
    assert "Eiffel" not in answer.text
    assert "Yaffa Adar" in answer.text
    numbers = {c.n for c in answer.citations}
    assert numbers == {1} and "[4]" not in answer.text
    retrieved = {p.chunk_id for p in answer.passages}
    assert all(c.passage.chunk_id in retrieved for c in answer.citations)


def test_wrong_subject_is_not_cited(corpus_home: Path) -> None:
    """The small model once said 'Zakharova was released': names must occur in the quoted sentence."""
    bot = Bot(make_config(corpus_home), llm=FakeLLM("Zakharova was released in November 2023."))
    answer = bot.ask(QUESTION)
    assert "Zakharova was released" not in answer.text
    assert answer.mode == "extractive"


def test_model_refusal_with_no_quote_of_the_asked_kind_is_refused(corpus_home: Path) -> None:
    """The article names the ambassador but never says when she was appointed: no date, no answer."""
    bot = Bot(make_config(corpus_home), llm=FakeLLM("I don't know."))
    answer = bot.ask("When was Simona Halperin appointed ambassador?")
    assert answer.refused and answer.text == "The corpus does not say." and not answer.citations
    assert "does not know" in (answer.refusal_reason or "")


def test_model_refusal_is_overridden_by_a_quote_that_answers(corpus_home: Path) -> None:
    """The 0.5B model says "I don't know" with the answer in front of it; for a "what did X say"
    question the quoted clause still answers."""
    bot = Bot(make_config(corpus_home), llm=FakeLLM("I don't know."))
    answer = bot.ask("What did Zakharova say about Simona Halperin's assessment?")
    assert answer.mode == "extractive" and "biased" in answer.text
    c = answer.citations[0]
    assert "biased" in c.passage.text[c.quote_start : c.quote_end]


def test_a_date_question_is_not_answered_with_a_quote(corpus_home: Path) -> None:
    """When the model picks no date, a quoted sentence holding some date is not the answer: such
    quotes were rarely right on RealTimeQA and answered questions the corpus cannot answer."""
    answer = Bot(make_config(corpus_home), llm=FakeLLM("I don't know.")).ask(
        "When did Abu Marzouk arrive in Moscow?"
    )
    assert answer.refused and not answer.citations


def test_made_up_answer_without_a_quote_of_the_asked_kind_is_refused(corpus_home: Path) -> None:
    """Before answer typing, the fallback quoted the release sentence for 'How old is Yaffa Adar?'."""
    bot = Bot(make_config(corpus_home), llm=FakeLLM("Yaffa Adar is 65 years old."))
    answer = bot.ask("How old is Yaffa Adar?")
    assert answer.refused and not answer.citations
    assert any("65 years old" in note for note in answer.notes)  # what the model said is kept
    assert answer.to_dict()["refusal_reason"].startswith("No verified answer: the model's phrase")
    assert answer.text == UNVERIFIED_TEXT  # the model claimed something: not "the corpus does not say"


def test_answer_that_restates_the_question_is_set_aside(corpus_home: Path) -> None:
    question = "Which countries brokered the January 2025 ceasefire agreement between Hamas and Israel?"
    reply = "Hamas and Israel brokered the January 2025 ceasefire agreement between Hamas and Israel."
    answer = Bot(make_config(corpus_home), llm=FakeLLM(reply)).ask(question)
    assert answer.mode not in ("generated", "composed")
    assert any("restates the question" in note or "not in what it read" in note for note in answer.notes)


def test_question_about_someone_the_corpus_never_names_is_refused(corpus_home: Path) -> None:
    reply = "Vladimir Putin said the hostages were released at Russia's request."
    answer = Bot(make_config(corpus_home), llm=FakeLLM(reply)).ask(
        "What did Vladimir Putin say about the release of the hostages?"
    )
    assert answer.refused
    assert any("putin" in note for note in answer.notes)


def test_second_phase_is_not_supported_by_the_first(corpus_home: Path) -> None:
    """Ordinals are checked like numbers: the article speaks only of the ceasefire's first phase."""
    reply = "The second phase of the Gaza ceasefire agreement will begin in January 2025."
    answer = Bot(make_config(corpus_home), llm=FakeLLM(reply)).ask(
        "When will the second phase of the Gaza ceasefire agreement begin?"
    )
    assert answer.refused


def test_json_shape(corpus_bot_extractive: Bot) -> None:
    data = json.loads(json.dumps(corpus_bot_extractive.ask(QUESTION).to_dict()))
    assert {"question", "answer", "refused", "citations", "timings_ms"} <= set(data)
    fields = {"n", "doc_id", "title", "source", "published", "url", "text", "start", "end"}
    assert data["citations"] and fields <= set(data["citations"][0])
    assert data["citations"][0]["published"] == "2025-02-10"
    assert data["citations"][0]["source"] == "TASS"


@pytest.mark.parametrize("question", ["", "   \n\t", "x" * 100_000])
def test_bad_questions_are_refused_with_a_message(corpus_bot_extractive: Bot, question: str) -> None:
    with pytest.raises(BotError):
        corpus_bot_extractive.ask(question)


def test_reporting_date_is_backed_by_the_articles_date_but_an_event_date_is_not(corpus_home: Path) -> None:
    """The text never says "February 10"; the article's date does, for when TASS reported it only."""
    answer = Bot(make_config(corpus_home), llm=FakeLLM("February 10, 2025")).ask(
        "On what date did TASS report Zakharova's remarks about Simona Halperin?"
    )
    assert answer.mode == "composed" and "February 10" in answer.text and answer.citations
    event = "Yelena Trufanova was released on February 10, 2025."
    answer = Bot(make_config(corpus_home), llm=FakeLLM(event)).ask("When was Yelena Trufanova released?")
    assert "February 10" not in answer.text


def test_write_style_keeps_only_supported_sentences(corpus_home: Path) -> None:
    """BOT_ANSWER_STYLE=generate (larger models): the model's own sentences, each verified."""
    reply = "Abu Marzouk arrived in Moscow on February 3. He was born in Cairo in 1951."
    bot = Bot(make_config(corpus_home, answer_style="generate"), llm=FakeLLM(reply))
    answer = bot.ask("When did Abu Marzouk arrive in Moscow?")
    assert answer.mode == "generated" and answer.text == "Abu Marzouk arrived in Moscow on February 3 [1]."
    assert any("Cairo" in note for note in answer.notes)


def test_model_context_is_the_excerpts_the_model_read(corpus_home: Path) -> None:
    """The eval's "in context" figure is measured on these, not on the whole retrieved passages."""
    llm = FakeLLM("Yaffa Adar was released in November 2023.")
    answer = Bot(make_config(corpus_home), llm=llm).ask(QUESTION)
    assert answer.model_context and len(answer.model_context) <= 3
    prompt = llm.calls[-1][-1]["content"]
    assert all(
        text in prompt and any(text in p.text for p in answer.passages) for text in answer.model_context
    )
