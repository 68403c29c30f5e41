"""Other languages (Russian at least): the language kept per document (detected when absent),
Russian datelines and dates, and keyword search that stems Russian on both catalog back ends.

tests/data/ru/metro-line.txt is a news-like TASS-style story written for these tests: a title line,
then the dateline "МОСКВА, 5 ноября. /ТАСС/." and no front matter at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bot.documents.fields import parse_dateline
from bot.documents.read import load_path
from bot.index.catalog import Catalog, open_catalog
from bot.language.dates import find_date_mentions, parse_question_dates, strip_date_expressions
from bot.language.stems import detect_language, stems
from bot.service import Bot
from bot.types import Article, Chunk
from tests.conftest import make_config

RU = Path(__file__).parent / "data" / "ru" / "metro-line.txt"


def test_detected_language_and_russian_dateline() -> None:
    [a] = load_path(RU)
    assert (a.language, a.place, a.source, a.published) == ("ru", "Москва", "ТАСС", "2023-11-05")
    assert a.title == "Большая кольцевая линия: в Москве открыли последние станции"


def test_given_language_wins_and_latin_text_stays_english(tmp_path: Path) -> None:
    f = tmp_path / "x.md"
    f.write_text("---\nlanguage: uk\n---\nКИЇВ, 5 листопада. Текст новини.\n", encoding="utf-8")
    assert load_path(f)[0].language == "uk"
    assert detect_language("Київ і Харків: їхні нові мости є символом") == "uk"
    assert detect_language("LONDON (Reuters) - Oil prices rose on Monday.") == "en"
    assert detect_language("Le président a annoncé lundi") == "en"  # scripts only: Latin is English


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("МОСКВА, 5 ноября. /ТАСС/. Текст", {"place": "Москва", "month": 11, "day": 5, "source": "ТАСС"}),
        (
            "МОСКВА, 5 ноя — РИА Новости. Текст",
            {"place": "Москва", "month": 11, "day": 5, "source": "РИА Новости"},
        ),
        (
            "КИЕВ, 12 декабря (Интерфакс) - Текст",
            {"place": "Киев", "month": 12, "day": 12, "source": "Интерфакс"},
        ),
        (
            "НЬЮ-ЙОРК, 1 марта 2024 года. /ТАСС/. x",
            {"place": "Нью-Йорк", "month": 3, "day": 1, "year": 2024, "source": "ТАСС"},
        ),
        ("МОСКВА — Президент заявил", {}),  # a bare place and dash is no dateline (as in English)
        ("Президент России заявил", {}),
    ],
)
def test_russian_datelines(line: str, expected: dict[str, object]) -> None:
    assert parse_dateline(line) == expected


def test_russian_dates_in_questions_and_passages() -> None:
    as_of = date(2023, 11, 20)
    [r] = parse_question_dates("Что открыли 5 ноября 2023 года?", as_of)
    assert (r.start, r.end, r.text) == (date(2023, 11, 5), date(2023, 11, 5), "5 ноября 2023 года")
    [r] = parse_question_dates("Какие станции открыли в ноябре?", as_of)
    assert (r.start, r.end) == (date(2023, 11, 1), date(2023, 11, 30))
    [r] = parse_question_dates("Что построили в феврале 2018 года?", as_of)
    assert (r.start, r.end) == (date(2018, 2, 1), date(2018, 2, 28))
    assert strip_date_expressions("Что открыли 5 ноября 2023 года?") == "Что открыли?"
    text = RU.read_text(encoding="utf-8")
    spans = {text[s:e]: (lo, hi) for s, e, lo, hi in find_date_mentions(text, date(2023, 11, 5))}
    assert spans["5 ноября"] == (date(2023, 11, 5), date(2023, 11, 5))
    assert spans["феврале 2018 года"] == (date(2018, 2, 1), date(2018, 2, 28))
    # English is unchanged
    [r] = parse_question_dates("What opened on November 5, 2023?", as_of)
    assert r.start == date(2023, 11, 5)


def test_stems_join_the_forms_of_a_word() -> None:
    assert stems("новой линии") == stems("новая линия")
    assert stems("станции Reuters 2023") == "станц reuters 2023"


@pytest.fixture
def catalog(tmp_path: Path, catalog_url: str) -> Iterator[Catalog]:
    cat = open_catalog(make_config(tmp_path / "home", catalog_url=catalog_url))
    yield cat
    cat.close()


def test_keyword_search_stems_russian(catalog: Catalog) -> None:
    [ru] = load_path(RU)
    catalog.put(ru, "h-ru", [Chunk(ru.doc_id, 0, 0, len(ru.text), ru.text)])
    en = Article(text="The new tram line opened on Sunday, the mayor said.", title="Tram", doc_id="tram")
    catalog.put(en, "h-en", [Chunk("tram", 0, 0, len(en.text), en.text)])
    # none of these forms is in the text ("пассажиров", "бюджету", "строительство" are): only stems match
    question = "Пассажиры, бюджет и стоимость строительства?"
    assert not {w.lower() for w in ("Пассажиры", "бюджет", "строительства")} & set(ru.text.lower().split())
    hits = catalog.keyword_search(question, 5)
    assert hits and hits[0][0] == "metro-line#0"
    assert [c for c, _ in catalog.keyword_search("When did the tram line open?", 5)] == ["tram#0"]
    assert catalog.keyword_search("трамвай", 5) == []
    assert catalog.remove("metro-line")
    assert catalog.keyword_search("кольцевой линии", 5) == []


def test_end_to_end_russian_question_finds_the_russian_article(tmp_path: Path) -> None:
    bot = Bot(make_config(tmp_path / "store"), llm=None)
    bot.ingest([RU, Path(__file__).parent / "data" / "wire"])
    found = bot.search("Сколько стоило строительство Большой кольцевой линии?", k=3)
    assert found.passages[0].doc_id == "metro-line"
    assert "700 млрд рублей" in found.passages[0].text
    assert {d.doc_id: d for d in bot.docs()}["metro-line"].published == "2023-11-05"


def test_query_words_keep_short_i_and_drop_russian_function_words() -> None:
    from bot.index.catalog import query_terms
    from bot.language.text import normalise

    # "й" is a letter, not "и" with an accent (folding it broke stemming: "большои"); Latin still folds
    assert normalise("Большой Café") == "большой cafe"
    assert query_terms("Какую ставку установил Центральный банк в мае?") == [
        "ставку", "установил", "центральный", "банк", "мае",
    ]  # fmt: skip
