"""evals/refusal_checks.py: the check a refusal note names, and whether the phrase it set aside was right."""

from __future__ import annotations

import json
from pathlib import Path

from evals.refusal_checks import check_and_phrase, tally


def test_the_check_and_the_phrase_are_read_off_either_note_shape() -> None:
    assert check_and_phrase("the model's phrase 'Moscow' stands in a sentence about something else") == (
        "stands in a sentence about something else",
        "Moscow",
    )
    assert check_and_phrase("the model's phrase is not in what it read: \"Halperin's view\"") == (
        "is not in what it read",
        "Halperin's view",
    )
    assert check_and_phrase("the sources call 'X' 'Y', never 'Z'")[0] == "the sources call X X, never X"


def test_a_refused_right_phrase_counts_against_its_check(tmp_path: Path) -> None:
    gold = tmp_path / "set.jsonl"
    items = [
        {"id": "a", "answerable": True, "must_include": [["Donbass"]]},
        {"id": "b", "answerable": True, "must_include": [["Donbass"]]},
        {"id": "c", "answerable": False, "must_include": []},
        {"id": "d", "answerable": True, "must_include": [["Moscow"]]},
    ]
    gold.write_text("\n".join(json.dumps(i) for i in items) + "\n")
    note = "the model's phrase {!r} stands in a sentence about something else"
    rows = [
        {"id": "a", "refused": True, "mode": "refused", "notes": [note.format("Donbass native")]},
        {"id": "b", "refused": True, "mode": "refused", "notes": [note.format("Moscow")]},
        {"id": "c", "refused": True, "mode": "refused", "notes": [note.format("Gaza")]},
        {"id": "d", "refused": False, "mode": "composed", "notes": []},  # answered: not counted
    ]
    (tmp_path / "run" / "x").mkdir(parents=True)
    (tmp_path / "run" / "x" / "results.json").write_text(json.dumps({"rows": rows}))
    counts = tally([(gold, tmp_path / "run")])
    assert counts["stands in a sentence about something else"] == [1, 1, 1, ["set:a"]]
    assert len(counts) == 1
