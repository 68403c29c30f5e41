"""Whether the model's phrase answers the question: the checks between extract and compose.

Each check stops one way a phrase the excerpts hold can still be a wrong answer, seen on the gold
set and RealTimeQA: the phrase is in a sentence about something else ("Zakharova" for "who was
released"), names only a nationality ("Israeli"), only a speaker ("Zakharova said"), does not fill
the role asked ("Abu Marzouk" for "the prime minister of Israel"), describes someone else, or is not
of the asked kind. A failed check is a reason, kept in the answer's notes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.answering.answertype import unmentioned_days, why_not_an_answer
from bot.answering.asked import (
    RELEVANT_MIN,
    TYPED_KINDS,
    about_question,
    about_reporting,
    asks_for_a_thing,
    asks_for_several,
    asks_for_several_roles,
    described_name,
    describes,
    fills_role,
    only_a_speaker,
    role_head,
    role_words,
    without_attribution,
)
from bot.answering.candidates import (
    LIST_BREAK,
    Candidate,
    as_written,
    complete_name,
    expand_to_list,
    join_names,
    names_something,
    people_in,
)
from bot.answering.cite import is_refusal
from bot.answering.extract import (
    Span,
    byline,
    clean_phrase,
    copied_run,
    cut_at_echo,
    found_text,
    locate,
    next_sentence,
    trim_echo,
    whole_words,
)
from bot.answering.nationality import asks_nationality, nationality_problem
from bot.answering.predicate import says_most, says_predicate
from bot.answering.query import Query, expected_kind
from bot.answering.titled import post_holder, titles_of
from bot.language.lexicon import STOPWORDS
from bot.language.text import content_words, key_terms, normalise

if TYPE_CHECKING:
    from bot.answering.excerpts import Excerpt
    from bot.backends.llm import LLM, Message
    from bot.types import Passage


def verified_span(
    q: Query,
    raw: str,
    chosen: Candidate | None,
    excerpts: list[Excerpt],
    passages: list[Passage],
    wider: list[Excerpt] | None = None,
) -> tuple[Span | None, str]:
    """The model's phrase as a Span that answers the question, or None and why not.

    ``wider``: more of the passages' best sentences, where a phrase the excerpts lack may stand."""
    phrase = clean_phrase(raw)
    if is_refusal(phrase):
        return None, "the model said it does not know"
    if chosen is not None:
        span: Span | None = Span(chosen.text, chosen.passage, chosen.start, chosen.end)
    else:
        trimmed = trim_echo(q.text, trim_echo(q.asked, phrase))
        if asks_for_a_thing(q.asked):
            trimmed = cut_at_echo(q.asked, trimmed)  # "Israel and Hamas must strictly comply ..."
        if not trimmed:
            return None, f"the model's phrase {phrase!r} only restates the question"
        span = locate(trimmed, excerpts, passages, q.text)
        if span is None and wider:
            span = locate(trimmed, wider, passages, q.text)
        if span is None:  # the words it copied, without its paraphrase around them
            run = copied_run(trimmed, [*excerpts, *(wider or [])], passages, q.asked)
            span = locate(run, [*excerpts, *(wider or [])], passages, q.text) if run else None
    if span is None:
        return None, f"the model's phrase is not in what it read: {phrase!r}"
    top = max(excerpts, key=lambda x: x.score) if excerpts else None  # excerpts are in reading order
    problem = _why_not(q, span, passages, top)
    if problem:
        return None, f"the model's phrase {span.text!r} {problem}"
    sentence = span.sentence(passages)
    if q.original.kind not in TYPED_KINDS and not span.from_byline:
        span.text = as_written(span.text, sentence)  # not "Israeli Foreign Ministry Spokeswoman ..."
        span.text = complete_name(whole_words(span.text, sentence), sentence)  # "Donald Trump", not "Trump"
    if asks_for_several(q.asked) and not span.from_byline:
        # "Which Russians were released?": only the names the nationality stands before (q25).
        span.text = expand_to_list(span.text, _people_part(sentence, asked_demonym(q.asked)))
    name = described_name(q.text)
    if name and (asks_for_several_roles(q.asked) or asks_for_several_roles(q.text)) and not span.from_byline:
        span.text = _every_post(name, span.text, sentence)  # "What positions does he hold?": both
    return span, ""


def _every_post(name: str, phrase: str, sentence: str) -> str:
    """The model's one post widened to every post the sentence writes for the name, when it is one."""
    titles = titles_of(name, sentence)
    said = normalise(phrase)
    if len(titles) >= 2 and any(normalise(t) in said or said in normalise(t) for t in titles):
        return join_names(titles)
    return phrase


def _why_not(q: Query, span: Span, passages: list[Passage], top: Excerpt | None) -> str | None:
    p = passages[span.passage]
    sentence = span.sentence(passages)
    reporting = span.from_byline or about_reporting(q.text)
    context = f"{p.title} {byline(p)} {sentence}" if reporting else f"{p.title} {sentence}"
    if span.from_title:
        context = f"{p.title} {p.text}"  # a headline is short: the story under it is what it is about
    best = (
        top is not None
        and not span.from_title
        and top.passage == span.passage
        and top.start <= span.start < top.end
    )
    # A paraphrase ("mom" for "mother") misses every word but the names: the sentence retrieval and
    # sentence ranking put first may still be the one, if it holds the question's names.
    if about_question(q.text, span.text, context) < RELEVANT_MIN and not (
        best and about_question(q.text, span.text, context, names_only=True) >= RELEVANT_MIN
    ):
        return "stands in a sentence about something else"
    continued = "" if span.from_title else _continued(passages, span.passage, span.end)
    if not span.from_byline and not says_predicate(q.text, f"{sentence} {continued}"):
        return "stands in a sentence that does not say what the question asks of its names"
    if (
        q.original.kind in TYPED_KINDS
        and not span.from_byline
        and not says_most(q.text, f"{sentence} {continued}")
    ):
        return "stands in a sentence that says little of what the question asks happened then"
    # "who landed in moscow on feb 3 ...?" answered from Halperin's sentence, which writes no date
    # (ninth sealed set x54): a day the question names must stand in the answer's sentence or byline.
    if days := unmentioned_days(q.asked, f"{sentence} {continued} {byline(p)}"):
        return f"stands in a sentence that does not write {days[0]}"
    if q.original.kind == "name" and not described_name(q.asked) and not names_something(span.text):
        return "names no one"
    if only_a_speaker(span.text):
        return "names a speaker, not what was said"
    if asks_nationality(q.asked) and not span.from_byline:
        problem = nationality_problem(q.text, span.text, sentence)
        if problem:
            return problem  # "Israeli" for Ron Krivoy, listed after "Russians"
    if not fills_role(role_words(q.asked), span.text, sentence, head=role_head(q.asked)):
        return f"does not stand for {q.asked!r}"
    name = described_name(q.text) or post_holder(q.text, span.text, sentence)
    if name and not span.from_byline and not describes(name, span.text, sentence):
        return f"describes someone other than {name}"
    found = found_text(passages)
    # The kind comes from what the user asked ("When was she released?" wants a date); the subject
    # from the standalone question ("she" is Yelena Trufanova).
    problem = why_not_an_answer(q.original, span.text, found)
    if problem and problem.startswith("is about what nothing found") and q.asked != q.text:
        problem = why_not_an_answer(q, span.text, found)
    return f"was set aside: it {problem}" if problem else None


_PRONOUN_START = re.compile(r"^\W*(?:he|she|they|it|his|her|their)\b", re.I)


def _continued(passages: list[Passage], index: int, end: int) -> str:
    """The next sentence when it goes on about the same person ("... Abu Marzouk arrived in Moscow.
    He said that ..."): what the question says of a name may stand there."""
    following = next_sentence(passages, index, end)
    if following is None:
        return ""
    i, start, stop = following
    text = passages[i].text[start:stop]
    return text if _PRONOUN_START.match(text) else ""


_PEOPLE = re.compile(
    r"^\W*(?:and )?who\b|\b(?:people|persons|hostages|relatives|officials|prisoners|russians|israelis|names?)\b",
    re.I,
)


def listed_span(q: Query, excerpts: list[Excerpt], passages: list[Passage]) -> Span | None:
    """For "Who was freed ...?" when the model's phrase failed: the people the best sentence lists,
    if it is about the question (an extractive answer: the model did not choose them)."""
    if not asks_for_several(q.asked) or not _PEOPLE.search(q.asked):
        return None
    for ex in sorted(excerpts, key=lambda x: -x.score)[:2]:
        p = passages[ex.passage]
        sentence = p.text[ex.start : ex.end]
        people = people_in(sentence)
        if len(people) >= 2 and about_question(q.text, " ".join(people), sentence) >= RELEVANT_MIN:
            return Span(expand_to_list(people[0], sentence), ex.passage, ex.start, ex.end)
    return None


_COUNTED_PEOPLE = frozenset(
    """people persons hostages captives prisoners detainees compatriots citizens nationals children women
    men relatives officials names individuals representatives diplomats members leaders survivors
    soldiers civilians residents victims""".split()  # noqa: SIM905
)
_COUNT_WORDS = "zero one two three four five six seven eight nine ten eleven twelve".split()  # noqa: SIM905
# "How many people ...", "In total, how many hostages ...", "What was the number of hostages freed",
# "how many of the hostages ...": the word after the count is what is counted.
_COUNT_OF = re.compile(
    r"\b(?:how\s+many|number\s+of|^\W*count)\s+(?:(?:of|the|those|these|all)\s+){0,2}([\w'’-]+)(?:\s+([\w'’-]+))?",
    re.I,
)
# "Russians", "Israeli", "Chinese": a capitalised word with a nationality's ending.
_DEMONYM = r"[A-Z][\w'’-]*(?:ans?|is|i|ese|ish)"
_DEMONYM_WORD = re.compile(rf"^{_DEMONYM}$")
# "how many does the article call Russians", "how many were Russian (citizens)", "how many are
# described as Israelis": the nationality is said of the counted, not before them.
_DEMONYM_SAID = re.compile(
    r"\b(?i:were|are|was|is|be|call|calls|called|(?:describe[sd]?|name[sd]?|identif(?:y|ies|ied)|list(?:s|ed)?)"
    rf"\s+as)\s+(?:(?i:a|an|as)\s+)?({_DEMONYM})\b"
)
# "how many were freed": no noun, but a verb said of people the sentence may list.
_SAID_OF_PEOPLE = re.compile(
    r"\b(?:were|was|have been|had been|got)\s+(?:\w+ed|freed|let go|set free|taken)\b", re.I
)


def counted_people(question: str) -> tuple[str, str] | None:
    """What a count question counts, when it is people: (the noun, the nationality asked or "").

    "How many people were released ...?" -> ("people", ""); "Of those released, how many does the
    article call Russians?" -> ("", "Russians"); "What was the number of hostages freed ...?" ->
    ("hostages", ""); "How many days did the pause last?" -> None (days are not people)."""
    m = _COUNT_OF.search(question)
    if m is None or expected_kind(question) != "number":
        return None
    first, second = m.group(1), m.group(2) or ""
    if _DEMONYM_WORD.match(first):  # "How many Russians", "how many Russian citizens"
        return (second if second.lower() in _COUNTED_PEOPLE else "", first)
    said = _DEMONYM_SAID.search(question[m.start(1) :])
    if first.lower() in _COUNTED_PEOPLE:
        return first, said.group(1) if said else ""  # "how many of the hostages were Russian"
    if first.lower() not in STOPWORDS and first.lower() not in _NOUNLESS:
        return None  # "How many days ...", "how many times ..."
    if said:
        return "", said.group(1)
    noun = next((w for w in re.findall(r"[\w'’-]+", question) if w.lower() in _COUNTED_PEOPLE), "")
    if noun or _SAID_OF_PEOPLE.search(question):
        return noun, ""  # "Of the hostages released, how many ...", "In total, how many were freed"
    return None


_NOUNLESS = frozenset("total altogether overall in all".split())  # noqa: SIM905


def counted_span(q: Query, excerpts: list[Excerpt], passages: list[Passage]) -> Span | None:
    """ "How many people were released in November 2023?" when the best sentence names them but never
    counts them: the count of the people it lists, shown with their names ("Four: Yelena Trufanova,
    ...") so the reader checks the count against the citation. A nationality counts only the names
    it stands before ("Russians A, B and C, as well as Israeli D" holds three Russians); the
    question's own names are not counted ("How many compatriots does Zakharova name ...?").

    The sentence must hold enough of the question's words (a listed synonym counts: "freed" for
    "released"), but not the counted noun: the names are the "hostages" ("What was the number of
    hostages freed ...?" of "A, B and C were released")."""
    counted = counted_people(q.asked)
    if counted is None:
        return None
    noun, demonym = counted
    asked = {n.lower() for n in key_terms(q.text)}
    for ex in sorted(excerpts, key=lambda x: -x.score)[:2]:
        sentence = passages[ex.passage].text[ex.start : ex.end]
        part = _people_part(sentence, demonym)
        people = _listed_run(part, [n for n in people_in(part) if not set(n.lower().split()) & asked])
        if not 2 <= len(people) < len(_COUNT_WORDS):
            continue
        if about_question(q.text, " ".join([*people, noun]), sentence, synonyms=True) >= RELEVANT_MIN:
            count = _COUNT_WORDS[len(people)].title()
            return Span(f"{count}: {join_names(people)}", ex.passage, ex.start, ex.end)
    return None


_LIST_GAP = re.compile(r"^\s*(?:,|,?\s+and\b|,?\s+(?:as well as|along with|together with)\b)", re.I)


def _listed_run(text: str, people: list[str]) -> list[str]:
    """The longest run of names that the text joins as a list ("A, B (C's mother), D as well as
    elderly E"), not names that only share a sentence ("Marzouk ... for a meeting with ... Bogdanov")."""
    best: list[str] = []
    run: list[str] = []
    end = 0
    for name in people:
        at = text.find(name, end)
        if at < 0:
            continue
        gap = re.sub(r"\([^)]*\)", "", text[end:at])
        if run and _LIST_GAP.match(gap) and len(re.findall(r"\w+", gap)) <= 8:
            run.append(name)
        else:
            run = [name]
        best = run if len(run) > len(best) else best
        end = at + len(name)
    return list(best)


_DEMONYM_ASKED = re.compile(r"\b(?i:which|what|how many)\s+([A-Z][\w'’-]*(?:ans|is|ese|ish))\b")


def asked_demonym(question: str) -> str:
    """ "Which Russians ...", "How many Israelis ...": the nationality asked about, or ""."""
    m = _DEMONYM_ASKED.search(question)
    return m.group(1) if m else ""


def _people_part(sentence: str, demonym: str) -> str:
    """The sentence from the nationality asked about to where others join the list ("" if it is absent)."""
    if not demonym:
        return sentence
    at = re.search(rf"\b{re.escape(demonym.rstrip('s'))}s?\b", sentence, re.I)
    if at is None:
        return ""
    rest = sentence[at.end() :]
    cut = LIST_BREAK.search(rest)
    return rest[: cut.start()] if cut else rest


def unsupported_names(question: str, span: Span, passages: list[Passage]) -> list[str]:
    """The question's names and numbers the cited sentence does not hold.

    The composed sentence restates the question around the phrase, so it claims the question's
    premise; its one citation must hold that premise too. "Abu Marzouk said Trufanov was included at
    Russia's request [2]" cited a sentence naming Abu Marzouk but not Trufanov (the next one does):
    true, but its citation did not show it, and the same restating turns a false premise ("When did
    Mikhail Bogdanov travel to Gaza ...?") into a claim. With a name missing, the answer is the
    phrase alone. The byline answers "which agency reported ..." and is not checked here.
    """
    if span.from_byline:
        return []
    sentence = span.sentence(passages)
    present = key_terms(sentence) | set(content_words(sentence))
    asked = without_attribution(question)  # "Per the article, when ...": "Per" is no name
    return sorted(t for t in key_terms(asked) if t not in present)


_CAPITALISED = re.compile(r"(?<![\w'’-])[A-Z][\w-]+(?![\w-])(?!['’]s\b)")


def owners_only(question: str, sentence: str) -> list[str]:
    """The question's names (not written as owners there) that the sentence writes only as owners:
    "Alexander Trufanov's mother ... were released" says nothing of Trufanov's own release."""
    body = question.lstrip(" \"'“(")
    first = body.split(" ", 1)[0]
    names = {m.group() for m in _CAPITALISED.finditer(body) if m.start() > len(first)}
    return sorted(name for name in names if _only_as_owner(name, sentence))


def _only_as_owner(name: str, sentence: str) -> bool:
    held = re.findall(rf"(?<![\w-]){re.escape(name)}(?![\w-])(['’]s\b)?", sentence, re.I)
    return bool(held) and all(owner for owner in held)


def pick_despite_dont_know(
    llm: LLM,
    max_tokens: int,
    q: Query,
    messages: list[Message],
    options: list[Candidate],
    excerpts: list[Excerpt],
    passages: list[Passage],
    wider: list[Excerpt],
) -> Span | None:
    """The model's pick among the dates or numbers when "I don't know" is not on offer, kept only
    when its sentence holds every name of the question, none of them only as an owner, and says
    what was asked. "When was Yaffa Adar let go": it did not know, although the sentence naming her
    release says "in November 2023" (seventh sealed set: 6 of its 13 false refusals were such "I
    don't know"s). "Alexander Trufanov's mother ... were released in November 2023" does not say
    when Trufanov was freed. The prompt is the one just read, so llama.cpp reuses it."""
    pick = llm.choose(messages, [c.text for c in options], max_tokens)
    chosen = next((c for c in options if c.text == pick), None)
    if pick is None or chosen is None:
        return None
    span, _ = verified_span(q, pick, chosen, excerpts, passages, wider)
    if span is None:
        return None
    sentence = span.sentence(passages)
    if unsupported_names(q.text, span, passages) or owners_only(q.text, sentence):
        return None
    return span
