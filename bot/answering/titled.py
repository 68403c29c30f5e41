"""A role question answered from the title written in front of a name.

News writes a person's role as a title before the name: "Russian Foreign Ministry Spokeswoman
Maria Zakharova", "Israeli Ambassador to Moscow Simona Halperin". When the model's own phrase for
"Who is the spokeswoman of the Russian Foreign Ministry?" fails its checks (the gold set's q03: it
wrote "Israeli Foreign Ministry spokeswoman"), the one name whose title is the asked one answers it.
Strict on purpose, because a near title is a false answer: the title must hold the asked head word
(or a listed synonym), no qualifier ("Deputy Foreign Minister Mikhail Bogdanov" is not Russia's
foreign minister), most of the question's role words near the name, and exactly one such name.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.answering.asked import (
    asks_for_several_roles,
    described_name,
    fills_role,
    role_head,
    role_words,
    title_synonyms,
)
from bot.answering.candidates import NAME_RUN, TITLE_WORDS, join_names, people_in, person_like
from bot.answering.extract import Span
from bot.language.lexicon import STOPWORDS
from bot.language.text import normalise, stem

if TYPE_CHECKING:
    from bot.answering.excerpts import Excerpt
    from bot.answering.query import Query
    from bot.types import Passage

# A title qualified by one of these is another office than the bare title.
_QUALIFIERS = frozenset(
    "deputy vice former acting assistant ex interim associate junior first second under".split()  # noqa: SIM905
)
_CONNECTORS = frozenset({"to", "of", "for", "the", "in"})
_TITLE_TOKENS = 6


def titled_span(q: Query, excerpts: list[Excerpt], passages: list[Passage]) -> Span | None:
    """The name whose written title is the one asked for, cited by its sentence, or None."""
    words, head = role_words(q.asked), role_head(q.asked)
    if not words or head is None:
        return None
    titles = title_synonyms(head)
    asked = {normalise(w) for w in re.findall(r"[\w'’-]+", q.asked)}  # "deputy" when the question says it
    found: dict[str, Span] = {}
    for ex in sorted(excerpts, key=lambda x: -x.score)[:3]:
        sentence = passages[ex.passage].text[ex.start : ex.end]
        for name in person_names(sentence):
            title = title_before(sentence, name)
            if not title:
                continue
            heads = {stem(normalise(t)) for t in title}
            if not heads & titles or any(normalise(t) in _QUALIFIERS - asked for t in title):
                continue
            if fills_role(words, name, sentence, head=head) and _names_near(q.asked, name, sentence):
                found.setdefault(name, Span(name, ex.passage, ex.start, ex.end))
    return next(iter(found.values())) if len(found) == 1 else None


def described_span(q: Query, excerpts: list[Excerpt], passages: list[Passage]) -> Span | None:
    """ "Who is Mikhail Bogdanov?" when the model's phrase failed (the gold set's q05: it wrote
    "Mikhail Bogdanov is Deputy Foreign Minister Mikhail Bogdanov"): the title written before the
    name, "Deputy Foreign Minister", when it is a title of two or more words holding a title word
    ("leader" alone, cut from "senior Hamas political leader", is not). The name as the sentence
    writes it: "Halperin" is "Simona Halperin", "mikhail bogdanov" is "Mikhail Bogdanov". For
    "What positions does he hold?", also the post set before it with a comma (``titles_of``)."""
    asked = q.asked
    name = described_name(asked)
    if not name and (name := described_name(q.text)):
        asked = q.text  # "What other title does that official hold", its person named by the rewrite
    if not name:
        return None
    for ex in sorted(excerpts, key=lambda x: -x.score):
        sentence = passages[ex.passage].text[ex.start : ex.end]
        titles = titles_of(name, sentence)
        if titles:
            several = asks_for_several_roles(q.asked) or asks_for_several_roles(asked)
            text = join_names(titles) if several else titles[-1]
            return Span(text, ex.passage, ex.start, ex.end)
    return None


def titles_of(name: str, sentence: str) -> list[str]:
    """The titles the sentence writes for ``name``, in reading order: the title run before it
    ("Deputy Foreign Minister"), after a post set before that with a comma ("the Russian president's
    special representative for the Middle East and African countries, Deputy Foreign Minister
    Mikhail Bogdanov"); [] when no title of two or more words holding a title word is written."""
    full = written_name(name, sentence)
    title = title_before(sentence, full) if full else []
    if len(title) < 2 or not any(normalise(t) in TITLE_WORDS for t in title):
        return []
    run = " ".join(title)
    before = _post_before(sentence[: sentence.find(f"{run} {full}")])
    return [before, run] if before else [run]


def written_name(name: str, sentence: str) -> str:
    """``name`` as the sentence writes it, in full: "mikhail bogdanov" -> "Mikhail Bogdanov",
    "Halperin" -> "Simona Halperin" (the one person name it ends); "" when the sentence lacks it."""
    m = re.search(rf"(?<![\w'’-]){re.escape(name)}(?![\w-])", sentence, re.I)
    if m is None:
        return ""
    written = m.group()
    if len(written.split()) > 1:
        return written
    fuller = {n for n in person_names(sentence) if n.split()[-1] == written}
    return fuller.pop() if len(fuller) == 1 else written


_DETERMINERS = frozenset("the a an".split())  # noqa: SIM905
_POST_WORDS = TITLE_WORDS | {"envoy", "representative", "adviser", "advisor", "aide", "negotiator", "head"}


def _post_before(text: str, reach: int = 6, tail: int = 10) -> str:
    """The post an apposition sets before a title run: the text ends in a comma, and the clause
    before it in a phrase headed by a title word ("the Russian president's special representative
    for the Middle East and African countries,"); "" when it ends in someone's name ("Abu Marzouk,
    Deputy Foreign Minister Mikhail Bogdanov" lists two people) or holds no title word."""
    if not re.search(r",\s*$", text):
        return ""
    clause = re.split(r"[;:()\"“”]|\.\s|,", text.rstrip()[:-1])[-1]
    tokens = clause.split()
    heads = [i for i, t in enumerate(tokens) if normalise(t.strip(".")) in _POST_WORDS]
    if not heads or len(tokens) - heads[-1] > tail:
        return ""
    runs = list(NAME_RUN.finditer(clause))
    last = runs[-1].group().strip() if runs and not clause[runs[-1].end() :].strip() else ""
    if last and normalise(last.split()[-1]) not in _POST_WORDS and person_like(last):
        return ""  # "... leader Abu Marzouk, Deputy Foreign Minister Mikhail Bogdanov": two people
    head = heads[-1]
    start = next(
        (i for i in range(head, max(-1, head - reach), -1) if normalise(tokens[i]) in _DETERMINERS), None
    )
    if start is None:  # no article: the capitalised and title words before the head ("Special Envoy")
        start = head
        while start > 0 and normalise(tokens[start - 1]) not in STOPWORDS:
            if not (tokens[start - 1][:1].isupper() or normalise(tokens[start - 1]) in _POST_WORDS):
                break
            start -= 1
    post = tokens[start:]
    words = [t for t in post if normalise(t) not in _DETERMINERS]
    return " ".join(post) if len(words) >= 2 else ""  # "(the) leader" alone says little (``described_span``)


# "what job does X do", "what position does X hold", "what does X do for a living": the question's own
# subject holds the post; "which diplomat did X criticise" asks for someone else.
_ASKS_POST = re.compile(
    r"^\s*(?:what|which)\b(?:\s+(?:job|role|position|post|title|office|capacity|profession|occupation)s?\b"
    r"|.*\b(?:job|role|position|post|title|office|capacity|profession|occupation)s?\s*\??\s*$"
    r"|\s+does\s+[\w'’ -]+\s+do\b)",
    re.I,
)


def post_holder(question: str, phrase: str, sentence: str) -> str:
    """The one person a question asking for a post (``_ASKS_POST``) names, in full, when the answer
    is a post ("Israeli ambassador") naming no one: the post is theirs only if the sentence writes it
    next to them (``bot.answering.asked.describes``). "what job does zakharova do" took Halperin's
    "Israeli ambassador" from the sentence naming both (ninth sealed set x42), a shape
    ``described_name`` does not read. "" when the question names no one, or several, or asks for
    something else."""
    if not _ASKS_POST.search(question) or person_names(phrase):
        return ""
    if not any(normalise(w) in _POST_WORDS for w in re.findall(r"[\w'’-]+", phrase)):
        return ""
    asked = {normalise(re.sub(r"['’]s$", "", w)) for w in re.findall(r"[\w'’-]+", question)}
    held = {n for n in person_names(sentence) if normalise(n.split()[-1]) in asked}
    return held.pop() if len(held) == 1 else ""


def person_names(sentence: str) -> list[str]:
    """The sentence's person names, and the last two words of each capitalised run ("Israeli
    Ambassador" + "Moscow Simona Halperin's" holds "Simona Halperin", which ``people_in`` skips)."""
    names = people_in(sentence)
    for m in NAME_RUN.finditer(sentence):
        tail = " ".join(re.sub(r"['’]s$", "", m.group().strip()).split()[-2:])
        if person_like(tail) and tail not in names:
            names.append(tail)
    return names


def _names_near(question: str, name: str, sentence: str, window: int = 8) -> bool:
    """Every capitalised word of the question stands near the name, a country as its adjective
    ("Israel's" by "Israeli"): "Who is the US ambassador to Moscow?" is not answered by "Israeli
    Ambassador to Moscow Simona Halperin" (the role words alone pass: "us" is a stopword)."""
    at = sentence.find(name)
    before = re.findall(r"[\w'’.-]+", sentence[:at])[-window:]
    after = re.findall(r"[\w'’.-]+", sentence[at + len(name) :])[:window]
    near = [normalise(t.rstrip(".")) for t in before + after]
    first = len(question) - len(question.lstrip(" \"'“("))
    for m in re.finditer(r"\b[A-Z][\w'’.-]*", question):
        if m.start() == first:
            continue  # "Who", "Name"
        w = normalise(re.sub(r"['’]s$", "", m.group()).rstrip("."))
        if not any(
            t == w or (len(w) >= 4 and (t.startswith(w) or w.startswith(t)) and len(t) >= 4) for t in near
        ):
            return False
    return True


def title_before(sentence: str, name: str) -> list[str]:
    """The title run written just before ``name``: capitalised words, title words and the small words
    that join them ("Israeli Ambassador to Moscow"), at most a few words, else []. A lower-case word
    between one of them and the title's last word belongs to it ("senior Hamas political leader"); one
    before a name does not ("Donbass native Maxim Kharkin" has no title, "Trump told Israeli Prime
    Minister Benjamin Netanyahu" is the title "Israeli Prime Minister")."""
    at = sentence.find(name)
    if at < 0:
        return []
    tokens = re.findall(r"[\w'’-]+", re.split(r"[,;:()\"“”]|\.\s", sentence[:at])[-1])  # not past a comma
    tokens = tokens[-_TITLE_TOKENS:]
    run: list[str] = []
    for i in range(len(tokens) - 1, -1, -1):
        token, low = tokens[i], normalise(tokens[i])
        before_head = len(run) == 1 and normalise(run[0]) in TITLE_WORDS  # the title's last word
        adjective = token.isalpha() and token.islower() and low not in STOPWORDS and not low.endswith("ed")
        bridge = before_head and adjective and i > 0 and _in_title(tokens[i - 1])
        if not (_in_title(token) or (run and low in _CONNECTORS) or bridge):
            break
        run.insert(0, token)  # "political" in "senior Hamas political leader" bridges
    while run and normalise(run[0]) in _CONNECTORS:
        run.pop(0)
    return run


def _in_title(token: str) -> bool:
    low = normalise(token)
    return token[:1].isupper() or low in TITLE_WORDS or low in _QUALIFIERS
