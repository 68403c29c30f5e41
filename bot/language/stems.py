"""Which language a document is in, and the word stems keyword search uses for it.

Detection is by script: a text whose letters are mostly Cyrillic is Russian (Ukrainian when it
has the letters Russian lacks: і ї є ґ), anything else keeps the project's default, English.
Why not a statistical detector (langdetect, fastText): the only language-specific behaviour the
bot has besides English is Russian (stemming here, dates in bot.dates, datelines in
bot.documents), so telling Cyrillic from Latin is all a label can change today; a Latin-script
text keeps "en", which is also what every document ingested before detection existed got, so no
stored document's content hash moves. A ``language`` given in front matter, JSONL or a page's
``<html lang>`` always wins.

Stemming: SQLite's FTS5 Porter stemmer is English-only (Cyrillic words pass through unstemmed,
so "ноябре" would not find "ноября"). Russian texts are therefore also indexed as Snowball stems
(NLTK's pure-Python RussianStemmer; NLTK is already installed with llama-index-core and needs no
data files for Snowball), and a question with Cyrillic words is stemmed the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

DEFAULT = "en"
STEMMED = {"ru": "russian", "uk": "russian"}  # languages indexed as Snowball stems (and which stemmer)
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LETTER = re.compile(r"[^\W\d_]")
_UKRAINIAN = re.compile(r"[іїєґІЇЄҐ]")
_WORD = re.compile(r"\w+")


def has_cyrillic(text: str) -> bool:
    return _CYRILLIC.search(text) is not None


def detect_language(text: str) -> str:
    """ "ru" (or "uk") when most letters of the first 2,000 characters are Cyrillic, else "en"."""
    sample = text[:2000]
    letters = len(_LETTER.findall(sample))
    cyrillic = len(_CYRILLIC.findall(sample))
    if letters and cyrillic / letters > 0.5:
        return "uk" if len(_UKRAINIAN.findall(sample)) >= 3 else "ru"
    return DEFAULT


@lru_cache(maxsize=4)
def _stemmer(name: str) -> Any:
    # NLTK's package import costs ~2 s, paid only by a process that meets a Russian text or question.
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer(name)


def stems(text: str, language: str = "ru") -> str:
    """The text's words, lowercased and stemmed for ``language`` (Latin words pass unchanged),
    joined by spaces: what the stemmed keyword index holds."""
    stemmer = _stemmer(STEMMED.get(language, "russian"))
    return " ".join(stemmer.stem(w) if has_cyrillic(w) else w for w in _WORD.findall(text.lower()))
