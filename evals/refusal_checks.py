"""Which check refused what: per refusal reason, how many right and wrong model phrases it set aside.

Why: the refusal rules were added one sealed set at a time; whether a check earns its keep shows only
over all sets together. For each refused (or quoted) item of `bot eval` runs, the first note names
the check and the model's phrase it set aside. On an answerable item the phrase counts as right when
it holds one string of every `must_include` group (a false refusal the check caused), otherwise
wrong; on an item to refuse, the check did its job.

    python evals/refusal_checks.py evals/gold.jsonl=RUN_DIR evals/sealed10.jsonl=RUN_DIR2 ...

RUN_DIR is the `--out` folder of `bot eval --no-floor --gold FILE --out RUN_DIR`.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path

_PHRASE_LAST = re.compile(r"the model's phrase (is not in what it read): (['\"])(.*)\2$", re.S)
_PHRASE_FIRST = re.compile(r"the model's phrase (['\"])(.*?)\1 (.*)$", re.S)


def check_and_phrase(note: str) -> tuple[str, str]:
    """The check a note names (its quoted values blanked) and the model's phrase it set aside."""
    if m := _PHRASE_LAST.match(note):
        return m.group(1), m.group(3)
    if m := _PHRASE_FIRST.match(note):
        return re.sub(r"'[^']*'|\"[^\"]*\"", "X", m.group(3))[:80], m.group(2)
    return re.sub(r"'[^']*'|\"[^\"]*\"", "X", note)[:80], ""


def holds_gold(phrase: str, item: dict) -> bool:
    text = " ".join(phrase.lower().replace("’", "'").split())
    groups = item.get("must_include") or []
    return bool(phrase) and all(any(a.lower() in text for a in group) for group in groups)


def tally(pairs: list[tuple[Path, Path]]) -> dict[str, list]:
    """check -> [right phrases refused, wrong phrases refused, items to refuse refused, right ids]."""
    out: dict[str, list] = defaultdict(lambda: [0, 0, 0, []])
    for gold_path, run_dir in pairs:
        items = {d["id"]: d for d in map(json.loads, gold_path.read_text().splitlines()) if d}
        results = json.loads(next(run_dir.glob("*/results.json")).read_text())
        for row in results["rows"] if isinstance(results, dict) else results:
            if not row["refused"] and row["mode"] != "extractive":
                continue
            check, phrase = check_and_phrase((row.get("notes") or ["(refused before the model)"])[0])
            item, counts = items[row["id"]], out[check]
            if not item["answerable"]:
                counts[2] += 1
            elif holds_gold(phrase, item):
                counts[0] += 1
                counts[3].append(f"{gold_path.stem}:{row['id']}")
            else:
                counts[1] += 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", nargs="+", help="GOLD.jsonl=RUN_DIR")
    args = parser.parse_args()
    pairs = [(Path(g), Path(r)) for g, r in (p.split("=", 1) for p in args.pairs)]
    print("| check | right phrase refused | wrong phrase refused | to refuse, refused | right ones |")
    print("|---|---|---|---|---|")
    for check, (right, wrong, refused, ids) in sorted(tally(pairs).items(), key=lambda kv: -sum(kv[1][:3])):
        print(f"| {check} | {right} | {wrong} | {refused} | {' '.join(ids)} |")


if __name__ == "__main__":
    main()
