"""Small text tools shared by retrieval, reranking and citation checks: sentences and key terms.

A regex splitter rather than NLTK's punkt: it must return exact character spans (citations open
``text[start:end]``) and run in microseconds per passage on every question.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.language.lexicon import STOPWORDS

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sen",
        "rep",
        "gov",
        "gen",
        "col",
        "lt",
        "sgt",
        "st",
        "jr",
        "sr",
        "inc",
        "ltd",
        "co",
        "corp",
        "vs",
        "etc",
        "no",
        "nos",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "u.n",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
    ]
)
_SENTENCE_END = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+|$)|\n+""")


# "[1]", "[1, 2]": the citation markers of an answer, stripped before its words are checked.
CITATION_MARKERS = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_WORD = re.compile(r"[^\W_](?:[\w'’\-.]*[^\W_])?")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of sentences in ``text`` (whitespace trimmed), robust to abbreviations and quotes."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if match.group().startswith(".") and _is_abbreviation(text, match.start()):
            continue
        if not text[start:end].strip():
            start = end
            continue
        spans.append(_trim(text, start, end))
        start = end
    if text[start:].strip():
        spans.append(_trim(text, start, len(text)))
    return spans


def _is_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"([\w.]+)$", text[max(0, dot - 12) : dot])
    if not word:
        return False
    token = word.group(1).lower()
    if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):  # "J. Smith", not "February 3."
        return True
    after = text[dot + 1 : dot + 3]
    return bool(re.match(r"\s[a-z0-9]", after))  # "... approx. five" continues the sentence


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def normalise(text: str) -> str:
    """Lower case, accents and typographic quotes folded: for matching names and answers."""
    if text.isascii():  # nothing to fold; the per-character pass below was most of a search's time
        return text.lower()
    if len(text) <= 64:  # names, normalised token by token again for every passage: cache them
        return _fold_short(text)
    return _fold(text)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    if "\u0306" in text:  # Cyrillic й is a letter of its own, not и with an accent: keep it
        text = re.sub("([иИ])\u0306", lambda m: "й" if m[1] == "и" else "Й", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').lower()


_fold_short = lru_cache(maxsize=16384)(_fold)


def words(text: str) -> list[str]:
    return [w.strip(".'’-") for w in _WORD.findall(normalise(text))]


def content_words(text: str) -> list[str]:
    """Words minus stopwords, with a light plural/possessive strip, for overlap measures."""
    return list(_content_words(text))


@lru_cache(maxsize=8192)
def _content_words(text: str) -> tuple[str, ...]:
    # Cached: reranking, diversity and the refusal gate each look at the same candidate passages.
    return tuple(stem(w) for w in words(text) if w not in STOPWORDS and len(w) >= 2)


def stem(word: str) -> str:
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def key_terms(text: str) -> set[str]:
    """Names and numbers: the words an answer sentence must share with its source to be supported."""
    terms = set()
    for match in re.finditer(r"\b\d[\d,.]*\b|\b[A-Z][\w'’\-]+", text):
        token = match.group()
        at_start = match.start() == 0 or text[match.start() - 2 : match.start()].strip() in {
            ".",
            "!",
            "?",
            "",
        }
        # A capital after a sentence start is not evidence of a name.
        if at_start and not token[0].isdigit() and normalise(token) in STOPWORDS:
            continue
        terms.add(stem(normalise(token).rstrip(".,")))
    return {t for t in terms if t and t not in STOPWORDS}
