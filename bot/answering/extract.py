"""Extract: the core of an answer is a phrase the model copies from the excerpts it reads.

Why: asked for a sentence, the bundled 0.5B writes ones that mostly fail verification (it pins a
fact on the wrong person: "Zakharova was released in November 2023"), and the bot then pasted a
whole article sentence instead. Asked for "the shortest exact phrase copied from the excerpts", it
points at the right words far more often, and a phrase can be checked strictly: every name, number
and most content words of it must stand in one sentence of the excerpts (or in the article's
byline, for "which agency reported ..."). ``bot.answering.compose`` then sets the phrase in a sentence.

Here: locating the phrase, the runs the model copied, trimming the question's echo, bylines. What
the question asks for is tested in ``bot.answering.asked``; the dates, numbers and names the model
may choose from are listed by ``bot.answering.candidates``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot.answering.answertype import GENERIC_WORDS
from bot.answering.asked import about_question, about_reporting
from bot.language.lexicon import is_demonym
from bot.language.text import content_words, key_terms, normalise, split_sentences

if TYPE_CHECKING:
    from bot.answering.excerpts import Excerpt
    from bot.types import Passage

EXTRACT_PROMPT = (
    "Answer with the shortest exact phrase copied from the news excerpts that answers the question. "
    "If the excerpts do not answer it, say: I don't know."
)
MAX_SPAN_WORDS = 40  # longer than this is a passage, not a phrase
CONTENT_MIN = 0.8  # share of the phrase's content words that must stand in its sentence
DONT_KNOW = "I don't know"


@dataclass
class Span:
    """A verified answer phrase and the sentence (or byline) that holds it."""

    text: str
    passage: int  # index into the passages
    start: int  # the supporting sentence inside passages[passage].text
    end: int
    from_byline: bool = False
    # The article's headline holds it ("Iran prisoner swap: 5 Americans released in deal"), not a
    # sentence of its text: start = end = 0, and the citation opens the passage under that headline.
    from_title: bool = False

    def sentence(self, passages: list[Passage]) -> str:
        """What holds the phrase: its sentence, or the headline."""
        p = passages[self.passage]
        return p.title if self.from_title else p.text[self.start : self.end]


def clean_phrase(raw: str) -> str:
    """The model's reply reduced to its phrase: first line, no quotes, labels or final full stop."""
    line = next((x for x in raw.strip().splitlines() if x.strip()), "")
    line = re.sub(r"^\s*(?:answer|the answer is)\s*[:\-]\s*", "", line, flags=re.I)
    line = re.sub(r"\s*\[\d+(?:\s*,\s*\d+)*\]", "", line)
    first = split_sentences(line)[:1]
    line = line[first[0][0] : first[0][1]] if first else line
    return line.strip().strip("\"'“”‘’*").rstrip(".").strip().strip("\"'“”‘’*").strip()


def byline(p: Passage) -> str:
    """The facts an article states outside its text: source and date (a reader's "who reported")."""
    parts = [p.source]
    if p.published:
        try:
            day = date.fromisoformat(p.published)
            parts.append(f"{day:%B} {day.day}, {day.year}")
        except ValueError:
            parts.append(p.published)
    return ", ".join(x for x in parts if x)


def found_text(passages: list[Passage]) -> str:
    """Everything retrieved for a question, bylines spelled out: a month the question names is
    matched by an article published in it, not only by one whose text writes the month."""
    return "\n".join(dict.fromkeys(f"{p.title} {byline(p)}\n{p.text}" for p in passages))


def locate(phrase: str, excerpts: list[Excerpt], passages: list[Passage], question: str = "") -> Span | None:
    """The excerpt sentence that holds the phrase, or None when no single sentence does.

    Exact containment is too strict (the model writes "Yelena Trufanova, Irina Tatti, Ron Krivoy and
    Yaffa Adar" for a sentence that puts a parenthesis and "as well as elderly ..." between them), so
    a phrase is held by a sentence when all its names and numbers and most of its content words are
    in it. The byline (source, date) counts for a phrase naming only those.
    """
    if not phrase or len(phrase.split()) > MAX_SPAN_WORDS:
        return None
    names = key_terms(phrase)
    content = set(content_words(phrase))
    if not names and not content:
        return None
    best: tuple[float, Span] | None = None
    with_byline = about_reporting(question) or not question
    for ex in excerpts:
        p = passages[ex.passage]
        for start, end, is_byline in _units(p, ex, with_byline):
            text = byline(p) if is_byline else p.text[start:end]
            score = _holds(phrase, names, content, text)
            if score is not None and question:
                score += about_question(question, phrase, f"{p.title} {text}")
            if score is not None and (best is None or score > best[0]):
                best = (score, Span(phrase, ex.passage, start, end, is_byline))
    return best[1] if best else _in_headline(phrase, names, content, excerpts, passages)


def _in_headline(
    phrase: str, names: set[str], content: set[str], excerpts: list[Excerpt], passages: list[Passage]
) -> Span | None:
    """The headline of an article the model read, when no sentence holds the phrase: news states
    its main fact there, and the model reads it above the article's sentences. On RealTimeQA the
    headlines over what the model read held the answer for 26 of 92 questions, 4 of them where no
    sentence it read did ("Which gymnast won a record eighth national title?": "Simone Biles sets
    the standard ..."). It is checked like a sentence (``bot.answering.verify``)."""
    for ex in sorted(excerpts, key=lambda x: -x.score):
        title = passages[ex.passage].title or ""
        if title and _holds(phrase, names, content, title) is not None:
            return Span(phrase, ex.passage, 0, 0, from_title=True)
    return None


MIN_RUN_WORDS = 3


def copied_run(phrase: str, excerpts: list[Excerpt], passages: list[Passage], question: str) -> str | None:
    """The longest run of the phrase's words (at least 3) that an excerpt sentence writes verbatim and
    that says something the question does not.

    Why: the 0.5B often wraps the words it copied in its own paraphrase of the question ("Israeli
    representatives ... asked Russia to continue active work on this file" for a sentence that says
    "with requests to continue active work on this file"). The paraphrase fails ``locate``; the
    copied words are the answer. A run of only the question's words ("negative perception of
    Russia's interaction with Hamas" for "Why did ... change its negative perception ...?") is not.
    """
    tokens = phrase.split()
    if len(tokens) <= MIN_RUN_WORDS:
        return None
    sentences = [normalise(passages[ex.passage].text[ex.start : ex.end]) for ex in excerpts]
    asked = {normalise(w) for w in re.findall(r"[\w'’\-]+", question)} | set(content_words(question))
    for size in range(len(tokens) - 1, MIN_RUN_WORDS - 1, -1):
        for i in range(len(tokens) - size + 1):
            run = " ".join(tokens[i : i + size]).strip(" ,;:\"'“”")
            new = [w for w in content_words(run) if w not in asked and w not in GENERIC_WORDS]
            if new and any(re.search(rf"(?<![\w]){re.escape(normalise(run))}(?![\w])", t) for t in sentences):
                return run
    return None


def _units(p: Passage, ex: Excerpt, with_byline: bool) -> list[tuple[int, int, bool]]:
    """The excerpt's sentences, and the article's byline (cited by the passage's first sentence)."""
    units: list[tuple[int, int, bool]] = [
        (s + ex.start, e + ex.start, False) for s, e in split_sentences(p.text[ex.start : ex.end])
    ]
    first = split_sentences(p.text)[:1]
    if first and with_byline:
        units.append((first[0][0], first[0][1], True))
    return units


def _holds(phrase: str, names: set[str], content: set[str], text: str) -> float | None:
    have_names = key_terms(text) | set(content_words(text))
    if not names <= have_names:
        return None
    have = set(content_words(text))
    share = len(content & have) / len(content) if content else 1.0
    if share < CONTENT_MIN:
        return None
    exact = normalise(phrase) in normalise(text)
    return share + (0.5 if exact else 0.0)


def trim_echo(question: str, phrase: str) -> str:
    """The phrase without the words it repeats from the question at either end: the model often
    answers "Who was released ...?" with "Yaffa Adar was released in November 2023"."""
    asked = {normalise(w) for w in re.findall(r"[\w'’\-]+", question)}
    tokens = phrase.split()

    def echoed(token: str) -> bool:
        w = normalise(token.strip(".,;:!?\"'“”()"))
        return not w or w in asked or w in _ECHO_GLUE

    tail = 0
    while tail < len(tokens) and echoed(tokens[len(tokens) - 1 - tail]):
        tail += 1
    # One echoed head noun stays: "Junk fees" answers "Which type of fees ...?", "Junk" does not.
    if not (tail == 1 and tail < len(tokens) and normalise(tokens[-1]) in _asked_noun(question)):
        keep = len(tokens) - tail
        while 0 < keep < len(tokens) and _one_name(tokens[keep - 1], tokens[keep]):
            keep -= 1  # "Abu Marzouk" for "... Marzouk ...?" is the asked name, not "Abu"
        tokens = tokens[:keep]
    lead = 0
    while (
        lead < len(tokens) - 1
        and echoed(tokens[lead])
        and not _modifies(tokens[lead], tokens[lead + 1], echoed)
    ):
        lead += 1  # "Abu Marzouk is senior Hamas political leader" -> "senior Hamas political leader"
    while 0 < lead < len(tokens) and _one_name(tokens[lead - 1], tokens[lead]):
        lead += 1
    return " ".join(tokens[lead:]).strip(" ,;:")


def cut_at_echo(question: str, phrase: str, run: int = 3) -> str:
    """The phrase up to where it starts repeating the question, three or more of its words in a
    row: "Israel and Hamas must strictly comply with the agreements reached within ..." answers
    "Which two parties must strictly comply with the agreements reached?" with "Israel and Hamas"
    (seventh sealed set, v66: the whole clause shared no word with the question but its echo, so
    its sentence looked to be about something else). The phrase itself when nothing is cut or
    nothing of its own is left before the echo."""
    asked = {normalise(w) for w in re.findall(r"[\w'’\-]+", question)} - _ECHO_GLUE
    tokens = phrase.split()
    words = [normalise(t.strip(".,;:!?\"'“”()")) for t in tokens]
    for i in range(1, len(tokens)):
        if words[i] not in asked:
            continue
        j, held = i, 0
        while j < len(tokens) and (words[j] in asked or words[j] in _ECHO_GLUE):
            held += words[j] in asked
            j += 1
        start = i
        while start > 0 and words[start - 1] in _ECHO_GLUE:
            start -= 1  # "... Irina Tatti were released in ...": "were" goes with the echo
        if start > 0 and _one_name(tokens[start - 1], tokens[start]):
            continue  # "Abu" of "Abu Marzouk's talks ...": the asked name, not a new one (ninth set, x50)
        head = [w for w in words[:start] if w and w not in asked]
        # What is left must name someone or something ("She recalled that" names no one: t14).
        if held >= run and head and key_terms(" ".join(tokens[:start])):
            return " ".join(tokens[:start]).strip(" ,;:")
    return phrase


def whole_words(phrase: str, sentence: str) -> str:
    """The phrase as the sentence writes it, to the ends of its words: "UFOs" for the model's "UFO"
    (RealTimeQA 20231020_17: "UFO" is not the answer "UFOs"), unchanged when not written there."""
    if not phrase or re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", sentence, re.I):
        return phrase  # written as it is somewhere ("Trufanov" beside "Trufanova")
    m = re.search(rf"(?<![\w-]){re.escape(phrase)}[\w’'-]*", sentence, re.I)
    if m is None or m.group()[len(phrase) :].startswith(("'", "’")):
        return phrase  # "Russia" of "Russia's": the owner's name, not a longer word
    return m.group() if phrase[:1].isupper() == m.group()[:1].isupper() else phrase[:1] + m.group()[1:]


def _modifies(word: str, following: str, echoed: Callable[[str], bool]) -> bool:
    """An asked nationality before the new name it qualifies: "Israeli" of "Israeli Embassy"."""
    return is_demonym(word) and following[:1].isupper() and not echoed(following)


def _one_name(left: str, right: str) -> bool:
    """Two neighbouring words of one capitalised name ("Abu Marzouk"), which no trim may split; a
    nationality before a name is not of it ("Israeli Embassy" answers "Which Israeli institution":
    gold q43 was trimmed to nothing)."""
    return left[:1].isupper() and right[:1].isupper() and left[-1:].isalnum() and not is_demonym(left)


def _asked_noun(question: str) -> set[str]:
    """The words naming what a "which ..." question asks for: "which type of fees" -> {"fees"}."""
    m = re.search(
        r"\b(?:which|what)\s+(?:(?:kind|type|sort)s?\s+of\s+)?((?:[\w'’-]+\s+){0,2}[\w'’-]+)", question, re.I
    )
    if not m:
        return set()
    words = m.group(1).split()
    for i, w in enumerate(words):
        if re.fullmatch(_AUX_WORDS, w.lower()):
            words = words[:i]
            break
    return {normalise(w) for w in words}


_AUX_WORDS = r"is|was|are|were|has|have|had|will|would|can|could|did|does|do|\w+ed"
_ECHO_GLUE = frozenset("is was are were be been has have had the a an to of in on at by".split())  # noqa: SIM905


def next_sentence(passages: list[Passage], index: int, end: int) -> tuple[int, int, int] | None:
    """The sentence after the one ending at ``end`` in ``passages[index]``: (its passage, start,
    end), in this chunk or the next retrieved chunk of the same article (a chunk may end with the
    sentence: "... Abu Marzouk arrived in Moscow." and the next one starts "He explicitly said ...")."""
    p = passages[index]
    at = p.start + end  # in the article
    later = sorted(
        (x for x in passages if x.doc_id == p.doc_id and p.start < x.start <= at + 3 < x.end + 3),
        key=lambda x: x.start,
    )
    for x in [p, *later]:
        following = next(((s, e) for s, e in split_sentences(x.text) if x.start + s >= at), None)
        if following is not None:
            return passages.index(x), *following
    return None
