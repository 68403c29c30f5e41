"""Compare the two HTML readers on hand-built news pages: text precision/recall, date and title.

Each ``evals/extraction/NAME.html`` is a page laid out like a real news site (menus, cookie banner,
share bar, newsletter box, related stories with their own dates, comments, a "| Site" title
suffix); ``NAME.json`` holds the hand-marked body paragraphs, the headline and the publication
date. "before" is the reader the bot had before trafilatura (``parse_html_classic``), "after" the
one it uses now (``bot.documents.html``). Text scores are over word tokens (multiset overlap): precision =
share of extracted words that are body words, recall = share of body words extracted.

    python evals/extraction.py            # the table (Markdown) on stdout
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.documents.files import decode_html  # noqa: E402
from bot.documents.html import parse_html, parse_html_classic  # noqa: E402
from bot.types import Article  # noqa: E402

PAGES = ROOT / "evals" / "extraction"


def trafilatura_alone(markup: str, path: Path) -> Article:
    """trafilatura's own text, title and date (htmldate), without our markup dates or dateline."""
    from bot.documents.html import paragraphs, trafilatura_extract

    found = trafilatura_extract(markup, "") or {}
    return Article(
        paragraphs(found.get("text") or ""), found.get("title") or "", path.stem, published=found.get("date")
    )


READERS = {
    "before (tag list)": parse_html_classic,
    "trafilatura alone": trafilatura_alone,
    "after (trafilatura + our dates)": parse_html,
}


def tokens(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.lower()))


def score(article: Article, gold: dict) -> dict[str, float]:
    got, want = tokens(article.text), tokens("\n".join(gold["body"]))
    overlap = sum((got & want).values())
    return {
        "precision": overlap / max(1, sum(got.values())),
        "recall": overlap / max(1, sum(want.values())),
        "date": float(article.published == gold["published"]),
        "title": float(article.title == gold["title"]),
    }


def main() -> int:
    pages = sorted(PAGES.glob("*.html"))
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in READERS}
    detail: list[str] = []
    for reader in READERS.values():  # imports and lxml set-up are not what a page costs
        reader(decode_html(pages[0].read_bytes(), str(pages[0])), pages[0])
    for page in pages:
        gold = json.loads(page.with_suffix(".json").read_text())
        markup = decode_html(page.read_bytes(), str(page))
        for name, reader in READERS.items():
            t0 = time.perf_counter()
            article = reader(markup, page)
            ms = (time.perf_counter() - t0) * 1000
            s = score(article, gold) | {"ms": ms}
            rows[name].append(s)
            detail.append(
                f"| {page.stem} | {name.split(' (')[0]} | {s['precision']:.2f} | {s['recall']:.2f} | "
                f"{article.published or '–'} ({gold['published']}) | {article.title[:50]} | {ms:.0f} |"
            )
    print(f"{len(pages)} pages in {PAGES.relative_to(ROOT)}\n")
    print(
        "| reader | text precision | text recall | date right | title right (no site suffix) | ms per page |"
    )
    print("|---|---|---|---|---|---|")
    for name, scores in rows.items():
        n = len(scores)
        mean = {k: sum(s[k] for s in scores) / n for k in scores[0]}
        dates = int(sum(s["date"] for s in scores))
        titles = int(sum(s["title"] for s in scores))
        print(
            f"| {name} | {mean['precision']:.3f} | {mean['recall']:.3f} | {dates} of {n} | "
            f"{titles} of {n} | {mean['ms']:.0f} |"
        )
    print("\n| page | reader | precision | recall | published (gold) | title | ms |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(detail))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
