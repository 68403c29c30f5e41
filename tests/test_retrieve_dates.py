"""Questions about when something was reported ("this week") prefer articles published then, but
never lose the others: real embedder, real Chroma and catalog in a temp dir."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.service import Bot
from tests.conftest import make_config

OLD = "Regulators fined Zentrix Corp over its data practices."
NEW = "Regulators fined Zentrix Corp over its data practices, the agency said after a review."


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Bot:
    root = tmp_path_factory.mktemp("dates")
    records = [
        {"id": "old", "title": "Zentrix fined", "published": "2022-03-01", "text": OLD * 3},
        {"id": "new", "title": "Zentrix fined again", "published": "2023-10-24", "text": NEW * 3},
        {
            "id": "other",
            "title": "Harbour reopens",
            "published": "2023-10-25",
            "text": "The harbour reopened.",
        },
    ]
    path = root / "articles.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    b = Bot(make_config(root / "store"), llm=None)
    b.ingest([path])
    return b


def test_this_week_prefers_articles_published_that_week(bot: Bot) -> None:
    question = "Which company did regulators fine over its data practices?"
    undated = bot.search(question, k=3, as_of=date(2023, 10, 27))
    assert undated.passages[0].doc_id == "old"  # the closer wording wins without a period
    found = bot.search(question.replace("?", " this week?"), k=3, as_of=date(2023, 10, 27))
    assert found.passages[0].doc_id == "new"
    assert found.passages[0].scores["published"] == 1.0
    assert "old" in {p.doc_id for p in found.passages}  # preferred, not filtered: nothing is lost
    applied = found.applied_dates()
    assert applied == [
        {"start": "2023-10-23", "end": "2023-10-29", "kind": "published", "text": applied[0]["text"]}
    ]


def test_a_period_nothing_was_published_in_is_not_reported_as_applied(bot: Bot) -> None:
    found = bot.search("Which company did regulators fine this week?", k=3, as_of=date(2021, 6, 2))
    assert {p.doc_id for p in found.passages} >= {"old", "new"}
    assert all(r.kind != "published" for r in found.date_ranges)
