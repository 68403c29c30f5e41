"""Extract: the core of an answer is a phrase the model copies from the excerpts it reads.

Why: asked for a sentence, the bundled 0.5B writes ones that mostly fail verification (it pins a
fact on the wrong person: "Zakharova was released in November 2023"), and the bot then pasted a
whole article sentence instead. Asked for "the shortest exact phrase copied from the excerpts", it
points at the right words far more often, and a phrase can be checked strictly: every name, number
and most content words of it must stand in one sentence of the excerpts (or in the article's
byline, for "which agency reported ..."). ``bot.answering.compose`` then sets the phrase in a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot.answering.answertype import GENERIC_WORDS, matches_term
from bot.answering.query import expected_kind
from bot.language.lexicon import MONTH_NAMES, WEEKDAYS
from bot.language.text import content_words, key_terms, normalise, split_sentences, stem

if TYPE_CHECKING:
    from bot.answering.excerpts import Excerpt
    from bot.types import Passage

EXTRACT_PROMPT = (
    "Answer with the shortest exact phrase copied from the news excerpts that answers the question. "
    "If the excerpts do not answer it, say: I don't know."
)
MAX_SPAN_WORDS = 40  # longer than this is a passage, not a phrase
CONTENT_MIN = 0.8  # share of the phrase's content words that must stand in its sentence


@dataclass
class Span:
    """A verified answer phrase and the sentence (or byline) that holds it."""

    text: str
    passage: int  # index into the passages
    start: int  # the supporting sentence inside passages[passage].text
    end: int
    from_byline: bool = False


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


def about_reporting(question: str) -> bool:
    """ "Which news agency reported ...", "On what date did TASS report ...": the byline answers these,
    and only these (an article's date is not the date of the events it reports)."""
    return bool(_REPORTING_QUESTION.search(question))


_REPORTING_QUESTION = re.compile(
    r"\b(?:report\w*|publish\w*|agency|outlet|newspaper|wrote|written|byline|dateline|news source)\b", re.I
)


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
    return best[1] if best else None


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


# --- typed candidates: what a "who", "when", "where", "how many" question can be answered with ------
@dataclass
class Candidate:
    text: str
    passage: int
    start: int  # the sentence that holds it, inside passages[passage].text
    end: int


# Words that head a name run but are not the name: titles, ministries, demonyms ("Russians Yelena
# Trufanova", "Foreign Ministry Spokeswoman Maria Zakharova" also yield "Yelena Trufanova", ...).
_TITLE_WORDS = frozenset(
    """president minister ministry foreign deputy spokeswoman spokesman spokesperson ambassador prime
    secretary general senator governor chairman chairwoman ceo director leader king queen prince pope
    judge justice mayor commander chief officer representative speaker sen rep gov gen mr mrs ms dr
    senior former acting interim vice state national federal house senate""".split()  # noqa: SIM905
)
_NAME_RUN = re.compile(
    r"\b[A-Z][\w'’\-]*(?:\s+(?:[A-Z][\w'’\-]*|(?:of|de|al|bin|van|von|la|le|da)\b(?=\s+[A-Z])))*"
)
_MONTH = (
    "(?:"
    + "|".join(m.capitalize() for m in MONTH_NAMES)
    + r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.)"
)
_DATE_SPAN = re.compile(
    rf"\b(?:{_MONTH}(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+\d{{4}})?|\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?|"
    r"(?:(?:"
    + "|".join(d.capitalize() for d in WEEKDAYS)
    + r")(?:,?\s+"
    + _MONTH
    + r"\s+\d{1,2}\b)?)|(?:19|20)\d\d)\b"
)
_NUMBER_SPAN = re.compile(
    r"(?:\$|€|£)?\b\d[\d,.]*(?:\s*(?:%|percent|per cent|million|billion|thousand|trillion))?"
    r"(?:\s+(?:[a-z]+))?|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|"
    r"hundreds?|thousands?|millions?)\s+[a-z]+"
)
MAX_CANDIDATES = 24


def candidates(kind: str, question: str, excerpts: list[Excerpt], passages: list[Passage]) -> list[Candidate]:
    """The phrases of the asked kind in the excerpt sentences, in reading order, without repeats and
    without what the question already names."""
    asked = {normalise(w) for w in re.findall(r"[\w'’\-]+", question)}
    out: dict[str, Candidate] = {}
    for ex in sorted(excerpts, key=lambda x: -x.score):  # the best-matching sentence's phrases first
        p = passages[ex.passage]
        for s, e in split_sentences(p.text[ex.start : ex.end]):
            start, end = s + ex.start, e + ex.start
            relevant = about_question(question, "", f"{p.title} {p.text[start:end]}") >= RELEVANT_MIN
            for text in _phrases(kind, p.text[start:end]):
                if not relevant or {normalise(w) for w in re.findall(r"[\w'’\-]+", text)} <= asked:
                    continue
                out.setdefault(normalise(text), Candidate(text, ex.passage, start, end))
        if kind == "date" and p.published and about_reporting(question):
            first = split_sentences(p.text)[:1]
            if first:  # the article's own date answers "when was it reported"
                out.setdefault(
                    normalise(byline(p)), Candidate(byline(p).split(", ", 1)[-1], ex.passage, *first[0])
                )
    return list(out.values())[:MAX_CANDIDATES]


def _phrases(kind: str, sentence: str) -> list[str]:
    if kind == "date":
        return [m.group() for m in _DATE_SPAN.finditer(sentence)]
    if kind in ("number", "age", "duration"):
        return [m.group().strip() for m in _NUMBER_SPAN.finditer(sentence)]
    people = people_in(sentence)
    return ([_join(people)] if len(people) >= 2 else []) + _names(sentence)


def _names(sentence: str) -> list[str]:
    """Capitalised runs, and each run without its leading titles and demonyms."""
    found: list[str] = []
    for m in _NAME_RUN.finditer(sentence):
        run = m.group().strip()
        at_start = not sentence[: m.start()].strip()
        tokens = run.split()
        if at_start and len(tokens) == 1 and normalise(tokens[0]) in _STARTERS:
            continue
        core = tokens[:]
        while len(core) > 1 and (normalise(core[0]) in _TITLE_WORDS or _demonym(core[0])):
            core = core[1:]
        for variant in (" ".join(tokens), " ".join(core)):
            if variant and normalise(variant) not in _STARTERS and variant not in found:
                found.append(variant)
    return found


_STARTERS = frozenset(
    """the a an he she it they we i this that these those his her their its in on at as but and or
    after before when while if so yet also however meanwhile according""".split()  # noqa: SIM905
)


def _person_like(name: str) -> bool:
    """Two or three capitalised words, none a title or demonym, not a possessive: "Irina Tatti"."""
    tokens = name.split()
    return (
        2 <= len(tokens) <= 3
        and not name.endswith(("'s", "’s"))
        and not any(normalise(t) in _TITLE_WORDS or _demonym(t) for t in tokens)
    )


_DEMONYMS_IN_I = frozenset(
    """israeli iraqi pakistani saudi somali yemeni kuwaiti omani bahraini qatari emirati bangladeshi
    afghani nepali thai azerbaijani uzbeki""".split()  # noqa: SIM905
)


def _demonym(word: str) -> bool:
    """ "Russians", "Israeli", "Chinese": a nationality before a name, not part of it."""
    w = normalise(word).removesuffix("s")
    return (w.endswith(("ian", "ese", "ish")) and len(w) > 4) or w in _DEMONYMS_IN_I


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --- from the model's reply to a verified phrase ---------------------------------------------------
DONT_KNOW = "I don't know"
TYPED_KINDS = ("date", "number", "age", "duration")


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
        tokens = tokens[: len(tokens) - tail]
    lead = 0
    while lead < len(tokens) - 1 and echoed(tokens[lead]):
        lead += 1  # "Abu Marzouk is senior Hamas political leader" -> "senior Hamas political leader"
    return " ".join(tokens[lead:]).strip(" ,;:")


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


def asks_for_several(question: str) -> bool:
    """ "Who was released", "Which Russians were ...", "Name the hostages": the answer may be a list."""
    q = question.lower()
    return bool(
        re.match(r"^\W*(?:name|list)\b", q)
        or re.match(r"^\W*who (?:was|were|else|have|has)\b", q)
        or re.search(r"\bwho else\b", q)
        or re.match(r"^\W*(?:which|what) (?:[\w'’-]+ ){0,3}?[\w'’-]+s (?:were|are|have|did)\b", q)
        or re.search(r"\bwhich (?:people|persons|hostages|relatives|officials|countries|ones)\b", q)
    )


def asks_for_a_name(question: str) -> bool:
    """ "Who ...", "Where ...", "Which company ...": the answer is a name the excerpts write (not
    "Who is X?", which asks for a description)."""
    if described_name(question):
        return False
    return expected_kind(question) in ("name", "place") or bool(
        re.search(
            r"\b(?:which|what) (?!(?:is|was|are|were|did|does|do|has|have|had|will|would|can|could)\b)"
            r"[a-z]+\b",
            question,
            re.I,
        )
        and expected_kind(question) is None
    )


def asks_for_a_thing(question: str) -> bool:
    """A name, place, date, number, age or duration: a phrase answers it, a quoted sentence does not."""
    return asks_for_a_name(question) or expected_kind(question) in TYPED_KINDS


def people_in(sentence: str) -> list[str]:
    """The person-like names of a sentence, in order ("Yelena Trufanova", "Irina Tatti", ...)."""
    return [n for n in _names(sentence) if _person_like(n)]


def expand_to_list(phrase: str, sentence: str) -> str:
    """A name the model chose, widened to the list of people it stands in, in that sentence."""
    people = people_in(sentence)
    named = [n for n in people if normalise(n) in normalise(phrase) or normalise(phrase) in normalise(n)]
    if not named or len(people) < 2:
        return phrase
    return _join(people)


_DESCRIBE = re.compile(
    r"^\W*(?i:who|what) (?:is|was|are|were) ([A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*)*?)(?:['’]s (?i:job|role|"
    r"position|title|post|profession|occupation))?\W*$"
)


def described_name(question: str) -> str | None:
    """ "Who is Abu Marzouk?", "What is Maria Zakharova's job?": the name whose description is asked."""
    m = _DESCRIBE.match(question.strip())
    return m.group(1) if m else None


def _without_name(name: str, phrase: str) -> str:
    """ "Mikhail Bogdanov is the senior Hamas political leader" -> "senior Hamas political leader"."""
    words = {normalise(w) for w in name.split()}
    tokens = phrase.split()
    while tokens and (normalise(tokens[0].strip(",")) in words | _COPULA):
        tokens.pop(0)
    return " ".join(tokens).strip(" ,")


_COPULA = frozenset("is was are were the a an".split())  # noqa: SIM905


def names_something(phrase: str) -> bool:
    """A "who" answer holds a name, not only a nationality or a title ("Israeli", "spokeswoman")."""
    return any(
        not _demonym(t) and normalise(t) not in _TITLE_WORDS and t[:1].isupper()
        for t in re.findall(r"[\w'’-]+", phrase)
    )


def describes(name: str, phrase: str, sentence: str, gap: int = 3) -> bool:
    """The phrase stands next to the name in the sentence (apposition: "senior Hamas political leader
    Abu Marzouk", "Irina Tatti (Alexander Trufanov's ... grandmother)"), or names it itself. A
    description a few words away belongs to someone else ("Zakharova also cited ... senior Hamas
    political leader Abu Marzouk")."""
    phrase = _without_name(name, phrase)
    if not phrase:
        return True  # the phrase is the name itself, as the sentence gives it
    text = normalise(sentence)
    at = text.find(normalise(phrase))
    if at < 0:
        return False
    surname = normalise(name.split()[-1])
    before = re.findall(r"[\w'’-]+", text[:at])
    after = re.findall(r"[\w'’-]+", text[at + len(normalise(phrase)) :])
    near = before[-gap:] + after[:gap]
    return any(w.startswith(surname) for w in near)


RELEVANT_MIN = 0.4  # share of the question's own words the phrase's sentence must hold


def about_question(question: str, phrase: str, sentence: str, names_only: bool = False) -> float:
    """Share of the question's words (not the phrase's, not generic ones) the sentence holds.

    A phrase the excerpts hold is not yet an answer: "Zakharova" stands in many sentences, but not
    in one that says who was released. Paraphrases count through shared stems ("arrived"/"arrival").
    """
    own = set(content_words(phrase))
    wanted = [w for w in dict.fromkeys(content_words(question)) if w not in own and w not in GENERIC_WORDS]
    if not wanted:
        return 1.0
    present = set(content_words(sentence)) | key_terms(sentence)
    names = key_terms(question)  # a name matches only itself: "Trufanova" is not "Trufanov"
    if names_only:
        wanted = [w for w in wanted if w in names]
        return sum(w in present for w in wanted) / len(wanted) if wanted else 0.0
    hits = {w: (w in present) if w in names else matches_term(w, present) for w in wanted}
    others = [w for w in wanted if w not in names]
    if others and not any(hits[w] for w in others):
        return 0.0  # the names, but not what the question says of them ("released", "arrive")
    return sum(hits.values()) / len(wanted)


# "Who is the prime minister of Israel?", and "Who is Israel's ambassador there?": the role is asked
# of a possessor (a name with "'s"), so the phrase must stand next to the role's words too.
_ROLE_QUESTION = re.compile(
    r"^\W*(?i:who) (?i:is|was|are|were) (?:(?i:the|a|an)|(?:[A-Z][\w.-]*\s+)*[A-Z][\w.-]*['’]s) (.+?)\W*$"
)


def role_words(question: str) -> list[str]:
    """ "Who is the prime minister of Israel?" -> its description's words (the phrase must stand
    next to them: "Deputy Foreign Minister Mikhail Bogdanov" is not a prime minister of Israel)."""
    m = _ROLE_QUESTION.match(question.strip())
    if not m or all(t[:1].isupper() for t in m.group(1).split()):
        return []  # "Who is Abu Marzouk?" asks for a description (``describes``), not a name
    return [w for w in dict.fromkeys(content_words(m.group(1))) if w not in GENERIC_WORDS]


def fills_role(words: list[str], phrase: str, sentence: str, window: int = 8) -> bool:
    """Most of the role's words stand within a few words of the phrase in the sentence."""
    if not words:
        return True
    tokens = [stem(normalise(t)) for t in re.findall(r"[\w'’-]+", sentence)]
    target = [stem(normalise(t)) for t in re.findall(r"[\w'’-]+", phrase)]
    for i in range(len(tokens) - len(target) + 1):
        if tokens[i : i + len(target)] == target:
            near = set(content_words(" ".join(tokens[max(0, i - window) : i + len(target) + window])))
            if sum(matches_term(w, near) for w in words) >= max(1, round(0.6 * len(words))):
                return True
    return False


_SPEECH_END = re.compile(
    r"\b(?:said|says|noted|added|stated|emphasi[sz]ed|pointed out|explained|recalled)\W*$", re.I
)


def only_a_speaker(phrase: str) -> bool:
    """ "Maria Zakharova said" answers who spoke, never what was said."""
    return bool(_SPEECH_END.search(phrase))
