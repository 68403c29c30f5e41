"""Tests for bot.dates: question time expressions, passage date mentions, kinds and stripping."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from bot.language.dates import (
    MENTION,
    OPEN_END,
    OPEN_START,
    PUBLISHED,
    DateRange,
    find_date_mentions,
    overlaps,
    parse_question_dates,
    strip_date_expressions,
)

A = date(2023, 10, 6)  # a Friday
B = date(2026, 11, 25)  # a Wednesday
SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_fc55d0fe8842ee86.txt"
D = date.fromisoformat


def only(question: str, as_of: date) -> DateRange:
    """The single range a question is expected to yield."""
    ranges = parse_question_dates(question, as_of)
    assert len(ranges) == 1, ranges
    return ranges[0]


@pytest.mark.parametrize(
    ("question", "as_of", "start", "end", "text"),
    [
        ("Who was released in November 2023?", A, "2023-11-01", "2023-11-30", "in November 2023"),
        ("What happened November 2023?", B, "2023-11-01", "2023-11-30", "November 2023"),
        ("Who resigned in Nov. 2023?", A, "2023-11-01", "2023-11-30", "in Nov. 2023"),
        ("Who resigned in november of 2023?", A, "2023-11-01", "2023-11-30", "in november of 2023"),
        ("Who won the election in 2023?", B, "2023-01-01", "2023-12-31", "in 2023"),
        ("What happened on February 3?", A, "2023-02-03", "2023-02-03", "on February 3"),
        ("What happened on February 3?", B, "2026-02-03", "2026-02-03", "on February 3"),
        ("What happened on February 3?", D("2026-01-15"), "2025-02-03", "2025-02-03", "on February 3"),
        ("What happened on February 3, 2025?", A, "2025-02-03", "2025-02-03", "on February 3, 2025"),
        ("What happened on 3 February 2025?", A, "2025-02-03", "2025-02-03", "on 3 February 2025"),
        ("What happened on 3rd of February 2025?", A, "2025-02-03", "2025-02-03", "on 3rd of February 2025"),
        ("What happened on 2025-02-03?", A, "2025-02-03", "2025-02-03", "on 2025-02-03"),
        ("What happened on 02/03/2025?", A, "2025-02-03", "2025-02-03", "on 02/03/2025"),
        ("What happened on 13/02/2025?", A, "2025-02-13", "2025-02-13", "on 13/02/2025"),
        ("What did Apple launch last week?", A, "2023-09-25", "2023-10-01", "last week"),
        ("What did Apple launch last week?", B, "2026-11-16", "2026-11-22", "last week"),
        ("Which company announced this week a merger?", A, "2023-10-02", "2023-10-08", "this week"),
        ("Who was fired last month?", A, "2023-09-01", "2023-09-30", "last month"),
        ("Who was fired this month?", B, "2026-11-01", "2026-11-30", "this month"),
        ("Who was elected this year?", B, "2026-01-01", "2026-12-31", "this year"),
        ("Who was elected last year?", B, "2025-01-01", "2025-12-31", "last year"),
        ("What happened yesterday?", A, "2023-10-05", "2023-10-05", "yesterday"),
        ("What happened today?", B, "2026-11-25", "2026-11-25", "today"),
        ("What was announced recently?", A, "2023-09-06", "2023-10-06", "recently"),
        ("What happened in the past 3 days?", A, "2023-10-03", "2023-10-06", "in the past 3 days"),
        ("What happened in the past 10 days?", B, "2026-11-15", "2026-11-25", "in the past 10 days"),
        ("What happened over the past two weeks?", A, "2023-09-22", "2023-10-06", "over the past two weeks"),
        ("What happened in the last 2 months?", A, "2023-08-06", "2023-10-06", "in the last 2 months"),
        ("What changed since March 2024?", B, "2024-03-01", "2026-11-25", "since March 2024"),
        ("What happened before March 2024?", B, "1900-01-01", "2024-02-29", "before March 2024"),
        ("Who ruled until 2020?", B, "1900-01-01", "2020-12-31", "until 2020"),
        ("What happened after 2030?", B, "2031-01-01", OPEN_END.isoformat(), "after 2030"),
        (
            "What happened between March 2023 and June 2023?",
            B,
            "2023-03-01",
            "2023-06-30",
            "between March 2023 and June 2023",
        ),
        ("Who led between 2020 and 2022?", B, "2020-01-01", "2022-12-31", "between 2020 and 2022"),
        ("What happened from March to May 2024?", B, "2024-03-01", "2024-05-31", "from March to May 2024"),
        ("Who won in early 2023?", B, "2023-01-01", "2023-04-30", "in early 2023"),
        ("Who won in mid-2023?", B, "2023-05-01", "2023-08-31", "in mid-2023"),
        ("Who won in late 2023?", B, "2023-09-01", "2023-12-31", "in late 2023"),
        ("Who won in late November 2023?", B, "2023-11-21", "2023-11-30", "in late November 2023"),
        ("What were profits in Q3 2023?", B, "2023-07-01", "2023-09-30", "in Q3 2023"),
        (
            "What were profits in the third quarter of 2023?",
            B,
            "2023-07-01",
            "2023-09-30",
            "in the third quarter of 2023",
        ),
        ("What happened in the summer of 2023?", B, "2023-06-01", "2023-08-31", "in the summer of 2023"),
        ("What happened in the winter of 2023?", B, "2023-12-01", "2024-02-29", "in the winter of 2023"),
        ("What changed in the 2020s?", B, "2020-01-01", "2029-12-31", "in the 2020s"),
        ("What happened last November?", B, "2025-11-01", "2025-11-30", "last November"),
        ("What happened in December?", B, "2025-12-01", "2025-12-31", "in December"),
        ("What happened in May?", A, "2023-05-01", "2023-05-31", "in May"),
        ("What did he say on Monday?", B, "2026-11-23", "2026-11-23", "on Monday"),
        ("What did he say last Friday?", A, "2023-09-29", "2023-09-29", "last Friday"),
        ("What happened two days ago?", A, "2023-10-04", "2023-10-04", "two days ago"),
    ],
)
def test_question_expressions(question: str, as_of: date, start: str, end: str, text: str) -> None:
    found = only(question, as_of)
    assert (found.start, found.end, found.text) == (D(start), D(end), text)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who was released in November 2023?", MENTION),
        ("What did the news say in October 2023?", PUBLISHED),
        ("What was reported last week?", PUBLISHED),
        ("What was reported in 2023 about Gaza?", PUBLISHED),
        ("According to news from September, who resigned?", PUBLISHED),
        ("According to reports in March 2024, who resigned?", PUBLISHED),
        ("What were the headlines in this week's news?", PUBLISHED),
        ("Summarise November 2023's news about Gaza.", PUBLISHED),
        ("Which articles published in January 2025 mention Hamas?", PUBLISHED),
        ("Which company announced this week that it would merge?", PUBLISHED),
        ("Who resigned recently?", PUBLISHED),
        ("What happened this month?", PUBLISHED),
        ("What happened in the past 5 days?", PUBLISHED),
        ("What did Zakharova say on February 3?", MENTION),
        ("Who won the election in 2024?", MENTION),
        ("What happened in Q3 2023?", MENTION),
    ],
)
def test_kind(question: str, kind: str) -> None:
    assert only(question, B).kind == kind


def test_published_only_for_relative_recency() -> None:
    """Recency words yield one "published" range, never an extra "mention" one."""
    assert [r.kind for r in parse_question_dates("What happened last week?", A)] == [PUBLISHED]


@pytest.mark.parametrize(
    "question",
    [
        "What happened before the ceasefire?",  # event-relative: no event date, so nothing
        "Will she may go to the summit?",
        "Why did the protest march turn violent?",
        "Did they march to the square?",
        "Were 4 people hurt?",
        "Which of the 2,733 articles mention Gaza?",
        "Did 2000 people attend?",
        "Did Jan Smith resign?",
        "What did Theresa May say?",
        "What did the February report say about inflation?",
    ],
)
def test_no_false_positives(question: str) -> None:
    assert parse_question_dates(question, A) == []


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("Who was released in November 2023 and who in January 2025?", [MENTION, MENTION]),
        ("What did the news say last week about the strike in May 2024?", [PUBLISHED, MENTION]),
    ],
)
def test_several_in_order(question: str, kinds: list[str]) -> None:
    ranges = parse_question_dates(question, B)
    assert [r.kind for r in ranges] == kinds
    assert [question.index(r.text) for r in ranges] == sorted(question.index(r.text) for r in ranges)


def test_longest_match_wins() -> None:
    assert [r.text for r in parse_question_dates("Who spoke on Monday, February 3, 2025?", A)] == [
        "on Monday, February 3, 2025"
    ]


@pytest.mark.parametrize(
    ("question", "stripped"),
    [
        ("Who was released in November 2023?", "Who was released?"),
        ("In 2023, who won the Nobel Peace Prize?", "who won the Nobel Peace Prize?"),
        ("What did the news say in October 2023 about Gaza?", "What did the news say about Gaza?"),
        ("What was in this week's news about Tesla?", "What was news about Tesla?"),
        ("What happened between March 2023 and June 2023 in Gaza?", "What happened in Gaza?"),
        ("Who resigned, recently?", "Who resigned?"),
        ("What happened before the ceasefire?", "What happened before the ceasefire?"),
        ("She may go   to   the summit", "She may go to the summit"),
    ],
)
def test_strip_date_expressions(question: str, stripped: str) -> None:
    assert strip_date_expressions(question) == stripped


def test_seed_passage_mentions() -> None:
    text = SEED.read_text(encoding="utf-8")
    mentions = find_date_mentions(text, D("2025-02-10"))
    by_text = {text[s:e]: (s, e, lo, hi) for s, e, lo, hi in mentions}
    assert set(by_text) == {"February 10", "February 3", "January 2025", "November 2023"}
    start = text.index("November 2023")
    assert start == 3003
    assert by_text["November 2023"] == (3003, 3016, D("2023-11-01"), D("2023-11-30"))
    january = text.index("January 2025")
    assert by_text["January 2025"] == (january, january + 12, D("2025-01-01"), D("2025-01-31"))
    feb3 = text.index("February 3 ")
    assert by_text["February 3"] == (feb3, feb3 + 10, D("2025-02-03"), D("2025-02-03"))
    assert [m[0] for m in mentions] == sorted(m[0] for m in mentions)


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("They met on December 28.", "2025-01-05", [("December 28", "2024-12-28", "2024-12-28")]),
        ("Elections are due on March 2.", "2025-02-10", [("March 2", "2025-03-02", "2025-03-02")]),
        ("Talks began on March 20.", "2025-02-10", [("March 20", "2024-03-20", "2024-03-20")]),
        ("It was signed last week.", "2025-02-10", [("last week", "2025-02-03", "2025-02-09")]),
        ("He said yesterday that", "2025-02-10", [("yesterday", "2025-02-09", "2025-02-09")]),
        ("The minister said on Monday that", "2025-02-12", [("Monday", "2025-02-10", "2025-02-10")]),
        ("Prices rose in November.", "2025-02-10", [("November", "2024-11-01", "2024-11-30")]),
        ("Prices have risen since 2020.", "2025-02-10", [("2020", "2020-01-01", "2020-12-31")]),
        ("It ran from 2019 to 2021.", "2025-02-10", [("from 2019 to 2021", "2019-01-01", "2021-12-31")]),
        # More than 31 days after publication, so last year's May 1 (the documented rule).
        ("She may go, and they march on May 1.", "2025-02-10", [("May 1", "2024-05-01", "2024-05-01")]),
        ("Of the 2,733 articles, 4 people read 12.", "2025-02-10", []),
        ("It was signed last week, in November 2023.", None, [("November 2023", "2023-11-01", "2023-11-30")]),
    ],
)
def test_find_date_mentions(text: str, published: str | None, expected: list[tuple[str, str, str]]) -> None:
    found = find_date_mentions(text, D(published) if published else None)
    assert [(text[s:e], lo.isoformat(), hi.isoformat()) for s, e, lo, hi in found] == expected


def test_date_range_helpers() -> None:
    found = only("Who was released in November 2023?", A)
    assert found.to_dict() == {
        "start": "2023-11-01",
        "end": "2023-11-30",
        "kind": MENTION,
        "text": "in November 2023",
    }
    assert found.day_numbers() == (date(2023, 11, 1).toordinal(), date(2023, 11, 30).toordinal())
    assert only("before 2000", A).start == OPEN_START


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (("2023-11-01", "2023-11-30"), ("2023-11-30", "2023-12-05"), True),
        (("2023-11-01", "2023-11-30"), ("2023-12-01", "2023-12-05"), False),
        (("2023-11-10", "2023-11-10"), ("2023-11-01", "2023-11-30"), True),
        (("2023-12-01", "2023-12-31"), ("2023-11-01", "2023-11-30"), False),
    ],
)
def test_overlaps(a: tuple[str, str], b: tuple[str, str], expected: bool) -> None:
    assert overlaps(D(a[0]), D(a[1]), D(b[0]), D(b[1])) is expected


_FUZZ_TEXT = (
    "in on since before after between and from to the of last this next past recently week month year "
    "May march March Nov. November 3 31 2023 2,733 99 Q3 early mid- late summer 2020s 02/30/2025 "
    "2025-02-30 13/13/2025 ago few news reported 's , . ? - Monday yesterday 9999 0 Feb 29 1900"
)
_FUZZ_WORDS = _FUZZ_TEXT.split()


def test_random_strings_do_not_crash() -> None:
    """Random word salad and random characters: every result must be a well-formed range."""
    rng = random.Random(20240603)
    alphabet = "abcdefghijklmnopqrstuvwxyz ABCMNQ0123456789/-.,'?"
    for _ in range(400):
        words = " ".join(rng.choice(_FUZZ_WORDS) for _ in range(rng.randint(0, 15)))
        chars = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        for text in (words, chars):
            for found in parse_question_dates(text, B):
                assert found.start <= found.end and found.text in text
            for start, end, lo, hi in find_date_mentions(text, rng.choice([None, A, B])):
                assert 0 <= start < end <= len(text) and lo <= hi
            assert isinstance(strip_date_expressions(text), str)
