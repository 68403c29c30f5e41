"""The web chat in a real browser: headless Debian Chromium driven by Playwright for Python.

Waits are on locators (gradio keeps a connection open, so the network is never idle). Without
/usr/bin/chromium these tests fail, so CI cannot pass by skipping them; BOT_SKIP_BROWSER=1 skips
them on purpose on a machine without it.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.service import Bot
from tests.conftest import CORPUS, NOVEMBER_NAMES, ROOT, FakeLLM, make_config
from tests.test_app import HOSTILE_ARTICLE, NOVEMBER, scripted, serve

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOT = ROOT / "docs" / "screenshot.png"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("BOT_SKIP_BROWSER") == "1":
            pytest.skip("BOT_SKIP_BROWSER=1 and no /usr/bin/chromium")
        pytest.fail("/usr/bin/chromium is missing: apt-get install -y chromium (or set BOT_SKIP_BROWSER=1)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser: Any, url: str) -> tuple[Any, list[str]]:
    """A page on the app, recording every request that leaves it (there should be none)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(url) else outside.append(r.url))
    page.goto(url)
    return page, outside


def forget_prompt_cache(bot: Bot) -> None:
    """llama.cpp reuses the evaluated prefix of an identical earlier prompt (test_app asks the same
    question in this process); reset it so the timing is what a new question costs."""
    model = getattr(bot.llm, "_llm", None)
    if hasattr(model, "reset"):
        model.reset()


def test_november_question_in_the_browser(browser: Any, corpus_bot: Bot) -> None:
    from playwright.sync_api import expect

    corpus_bot.warm_up()
    forget_prompt_cache(corpus_bot)
    with serve(corpus_bot) as url:
        page, outside = open_page(browser, url)
        box = page.locator("#question textarea")
        box.fill(NOVEMBER)
        t0 = time.perf_counter()
        box.press("Enter")
        page.locator("#chat .nb-answer").first.wait_for(timeout=60_000)
        first_token = time.perf_counter() - t0
        mark = page.locator("#chat .nb-sources mark").first
        mark.wait_for(timeout=120_000)
        full = time.perf_counter() - t0
        answer = page.locator("#chat .nb-answer").last
        for name in NOVEMBER_NAMES:
            expect(answer).to_contain_text(name)
        # One composed sentence, not a pasted quote.
        expect(answer).to_contain_text("were released in November 2023")
        expect(answer).not_to_contain_text("Quoted from the sources")
        expect(mark).to_be_visible()
        expect(mark).to_contain_text("November 2023")
        expect(page.locator("#chat .nb-source summary").first).to_contain_text("TASS")
        page.screenshot(path=str(SCREENSHOT))
        page.locator("#chat a.nb-cite").first.click()
        assert page.url.endswith("#src-1-1"), "[1] leads to its source"
        assert outside == [], "the page loads nothing from outside"
        page.close()
    print(f"\nbrowser: first token {first_token:.2f} s, full answer with sources {full:.2f} s")


def test_refusal_shows_why_in_the_browser(browser: Any, corpus_bot: Bot) -> None:
    """The article never gives Yaffa Adar's age: the real model, allowed only the excerpts' ages or
    "I don't know", says it does not know (or a guess is set aside); the page says why."""
    from playwright.sync_api import expect

    with serve(corpus_bot) as url:
        page, _ = open_page(browser, url)
        box = page.locator("#question textarea")
        box.fill("How old is Yaffa Adar?")
        box.press("Enter")
        refused = page.locator("#chat .nb-refused")
        refused.wait_for(timeout=120_000)
        expect(refused).to_contain_text("The corpus does not say.")
        expect(page.locator("#chat .nb-note").last).to_contain_text(re.compile("does not know|holds no age"))
        expect(page.locator("#chat .nb-sources")).to_have_count(0)
        if shot := os.environ.get("BOT_REFUSAL_SCREENSHOT"):  # for a person to look at
            page.screenshot(path=shot)
        page.close()


def test_hostile_article_executes_nothing(browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    bot = Bot(make_config(tmp_path / "store"), llm=FakeLLM(reply_fn=scripted))
    bot.ingest([CORPUS])
    article = tmp_path / "hostile <img src=x onerror=window.__xss=9>.md"
    article.write_text(HOSTILE_ARTICLE)
    with serve(bot) as url:
        page, outside = open_page(browser, url)
        page.get_by_role("tab", name="Documents").click()
        page.locator("#upload input[type=file]").set_input_files(str(article))
        expect(page.locator("#upload-results")).to_contain_text("added", timeout=60_000)
        expect(page.locator("#docs")).to_contain_text("Council report <img src=x onerror=window.__xss=1>")

        page.locator("#search-query textarea").fill("Quixotl council budget")
        page.locator("#search-button").click()
        hits = page.locator("#search-results .nb-hit")
        hits.first.wait_for(timeout=60_000)
        expect(hits.first).to_contain_text("<script>window.__xss=2</script>")
        expect(hits.first).to_contain_text("![tracker](http://evil.example/x.png)")

        page.get_by_role("tab", name="Chat").click()
        box = page.locator("#question textarea")
        box.fill("What did the Quixotl council approve?")
        box.press("Enter")
        page.locator("#chat .nb-sources mark").first.wait_for(timeout=60_000)
        expect(page.locator("#chat .nb-sources")).to_contain_text('<img src=x onerror="window.__xss=3"')

        page.wait_for_timeout(500)  # let any injected handler (an <img> error) fire
        assert page.evaluate("window.__xss") is None
        assert page.locator("#chat img, #search-results img, #docs img, #upload-results img").count() == 0
        assert outside == [], outside
        page.close()
