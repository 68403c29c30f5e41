"""The part of a quoted sentence that answers: what follows the words it shares with the question.

Why: when the model's phrase fails its checks, a "what" or "why" question is answered with the best
sentence quoted. Over the gold and sealed sets 16 such quotes held the answer but ran past the
scorer's bound: "The Russian Foreign Ministry spokeswoman recalled that the Russian side, in its
months-long negotiations with representatives of the Palestinian movement through all available
channels, insistently sought the speedy return of all compatriots." for "during months of talks with
the palestinian movement, what was russia pushing for". A question repeats the words of the sentence
that lead up to its answer; the answer is what comes after them ("through all available channels,
insistently sought the speedy return of all compatriots"), or, when they end the sentence, what
comes before. The citation still opens the whole sentence.

Tried first and dropped (session 17): the 0.5B choosing among the sentence's clauses under a grammar
(or "I don't know"). It picked the first clause it read ("Russian Foreign Ministry Spokeswoman Maria
Zakharova said") more often than the answering one: gold 43 -> 42 right, sixth sealed set 25 -> 23.
"""

from __future__ import annotations

import re

from bot.language.text import content_words, stem

ANSWER_CHARS = 150  # a quote longer than this is cut to the part that answers
MIN_ANSWER_WORDS = 3  # and two of them lower-case content words: names and "said" say nothing
# Where a part may begin: after punctuation, or at a word that opens a clause, a phrase of reason,
# purpose or manner ("that", "because", "due to", "with requests to") or what someone said.
_OPENERS = (
    "that|which|who|whom|because|due to|as a|as they|but|while|with|through|for|after|before|when|to|"
    "said|says|noted|added|stressed|emphasized|explained|recalled|pointed"
)
PUNCTUATION_BREAK = r"[,;:()\u2014\"“”]+\s*"  # where a clause ends (also ``cite.best_clause``)
_BREAK = re.compile(rf"{PUNCTUATION_BREAK}|\s+(?=(?:{_OPENERS})\b)")
_WORD = re.compile(r"[^\W_][\w'’-]*")
CLAUSE_EDGES = ' ,;:()\u2014"“”'  # stripped off a clause's ends (also ``cite.best_clause``)
_TRIM = CLAUSE_EDGES + "'"


def answer_part(sentence: str, question: str) -> str:
    """``sentence`` cut to the part after the segment sharing most words with the question (the
    last such segment), within ``ANSWER_CHARS``; the part before it when nothing follows."""
    if len(sentence) <= ANSWER_CHARS:
        return sentence
    cuts = sorted({0, len(sentence)} | {m.end() for m in _BREAK.finditer(sentence)})
    segments = list(zip(cuts, cuts[1:], strict=False))
    asked = _stems(question)
    shared = [len(_stems(sentence[a:b]) & asked) for a, b in segments]
    if not any(shared):
        return sentence
    anchor = max(range(len(segments)), key=lambda i: (shared[i], i))
    a, end = segments[anchor]
    # from just after the anchor's last repeated word: "said the new link | would ease traffic"
    start = _after_last_repeated(sentence, a, end, asked)
    for _, b in segments[anchor + 1 :]:
        if b - start > ANSWER_CHARS:
            break
        end = b
    if not _says_something(sentence[start:end]):  # "…, Spokeswoman Maria Zakharova said."
        start = end = segments[anchor][0]
        for a, _ in reversed(segments[:anchor]):
            if end - a > ANSWER_CHARS:
                break
            start = a
    piece = sentence[start:end].strip(_TRIM).rstrip(".")
    if not _says_something(piece) or len(piece) > ANSWER_CHARS:
        return sentence  # no shorter part says something: the whole sentence, as before
    return ("… " if start > 0 else "") + piece + (" …" if end < len(sentence.rstrip(" .")) else "")


def _stems(text: str) -> set[str]:
    return {stem(w) for w in content_words(text)}


def _says_something(piece: str) -> bool:
    plain = [m.group() for m in _WORD.finditer(piece) if m.group()[:1].islower() and content_words(m.group())]
    return len(piece.split()) >= MIN_ANSWER_WORDS and len(plain) >= 2


def _after_last_repeated(sentence: str, a: int, b: int, asked: set[str]) -> int:
    """Just after the last word of ``sentence[a:b]`` the question repeats; or, when lower-case words
    describe it ("Halperin's biased assessment"), at the first of them: they say what was asked."""
    words = list(_WORD.finditer(sentence, a, b))
    last = max((i for i, m in enumerate(words) if _stems(m.group()) & asked), default=None)
    if last is None:
        return b
    first = last
    while first > 0 and _describes(words[first - 1].group()) and not _stems(words[first - 1].group()) & asked:
        first -= 1
    return words[first].start() if first < last else words[last].end()


def _describes(word: str) -> bool:
    return word[:1].islower() and not word.endswith(("'s", "’s")) and bool(content_words(word))
