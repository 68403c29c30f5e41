"""What a question asks for, and whether a phrase or sentence gives it.

Shape tests on the question ("Who was released ...?" may take a list, "Who is Abu Marzouk?" asks
for a description, "Who is the prime minister of Israel?" for a name next to a role), and the
checks a phrase must pass against them: it stands next to the name it describes, next to the
role's words, in a sentence about the question, and is more than a speaker ("Zakharova said").
``bot.answering.extract`` and ``bot.answering.candidates`` find the phrases these tests judge.
"""

from __future__ import annotations

import re

from bot.answering.answertype import GENERIC_WORDS, matches_term
from bot.answering.query import expected_kind
from bot.language.text import content_words, key_terms, normalise, stem

TYPED_KINDS = ("date", "number", "age", "duration")  # kinds answered by a typed candidate
RELEVANT_MIN = 0.4  # share of the question's own words the phrase's sentence must hold


def about_reporting(question: str) -> bool:
    """ "Which news agency reported ...", "On what date did TASS report ...": the byline answers these,
    and only these (an article's date is not the date of the events it reports)."""
    return bool(_REPORTING_QUESTION.search(question))


_REPORTING_QUESTION = re.compile(
    r"\b(?:report\w*|publish\w*|agency|outlet|newspaper|wrote|written|byline|dateline|news source)\b", re.I
)


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
    for run in _name_runs(question):  # "Biden" in the sentence stands for "President Joe Biden"
        if run[-1] in present:
            hits.update({w: True for w in run if w in hits})
    others = [w for w in wanted if w not in names]
    if others and not any(hits[w] for w in others):
        return 0.0  # the names, but not what the question says of them ("released", "arrive")
    return sum(hits.values()) / len(wanted)


_CAPITALISED_RUN = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)+")


def _name_runs(question: str) -> list[list[str]]:
    """The question's multi-word names as its content words ("President Joe Biden" -> president,
    joe, biden): news names a person in full once and by the surname after that."""
    runs = [content_words(m.group()) for m in _CAPITALISED_RUN.finditer(question)]
    return [list(r) for r in runs if len(r) >= 2]


# "Who is the prime minister of Israel?", and "Who is Israel's ambassador there?": the role is asked
# of a possessor (a name with "'s", capitalised or not: "who is russia's foreign minister" is the
# same question), so the phrase must stand next to the role's words too.
_ROLE_QUESTION = re.compile(
    r"^\W*(?i:who) (?i:is|was|are|were) (?:(?i:the|a|an)|(?:[\w.-]+\s+){0,3}[\w.-]+['’]s) (.+?)\W*$"
)


def role_words(question: str) -> list[str]:
    """ "Who is the prime minister of Israel?" -> its description's words (the phrase must stand
    next to them: "Deputy Foreign Minister Mikhail Bogdanov" is not a prime minister of Israel)."""
    m = _ROLE_QUESTION.match(question.strip())
    if not m or all(t[:1].isupper() for t in m.group(1).split()):
        return []  # "Who is Abu Marzouk?" asks for a description (``describes``), not a name
    return [w for w in dict.fromkeys(content_words(m.group(1))) if w not in GENERIC_WORDS]


def role_head(question: str) -> str | None:
    """The title a role question asks for: "minister" of "Who is Russia's foreign minister?",
    "ambassador" of "Who is the Israeli ambassador to Moscow?" (the last word before "of", "to", ...)."""
    m = _ROLE_QUESTION.match(question.strip())
    if not m or not role_words(question):
        return None
    before = re.split(r"\b(?:of|to|in|at|for|from|on|with|there)\b", m.group(1), flags=re.I)[0].split()
    head = content_words(before[-1]) if before else ()
    return head[0] if head else None


def fills_role(
    words: list[str], phrase: str, sentence: str, window: int = 8, head: str | None = None
) -> bool:
    """Most of the role's words stand within a few words of the phrase in the sentence, and the
    title itself (``head``) as written or by a listed synonym, not by a shared stem: a "Foreign
    Ministry Spokeswoman" is not a "foreign minister" (composed as one in the fifth sealed set)."""
    if not words:
        return True
    tokens = [stem(normalise(t)) for t in re.findall(r"[\w'’-]+", sentence)]
    target = [stem(normalise(t)) for t in re.findall(r"[\w'’-]+", phrase)]
    titles = title_synonyms(head) if head else set()
    for i in range(len(tokens) - len(target) + 1):
        if tokens[i : i + len(target)] == target:
            near = set(content_words(" ".join(tokens[max(0, i - window) : i + len(target) + window])))
            if head and not titles & near:
                continue
            if sum(matches_term(w, near) for w in words) >= max(1, round(0.6 * len(words))):
                return True
    return False


def title_synonyms(head: str) -> set[str]:
    """The stems a title may be written with: "envoy" for "ambassador", "spokesman" for "spokeswoman"."""
    return _TITLE_SYNONYMS.get(head, {head})


def _synonyms(*groups: str) -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for group in groups:
        words = {stem(w) for w in group.split()}
        for w in words:
            table[w] = words
    return table


_TITLE_SYNONYMS = _synonyms(
    "ambassador envoy",
    "spokeswoman spokesman spokesperson",
    "leader head chief",
    "president chairman chairwoman chair",
    "minister secretary",
)


_SPEECH_END = re.compile(
    r"\b(?:said|says|noted|added|stated|emphasi[sz]ed|pointed out|explained|recalled)\W*$", re.I
)


def only_a_speaker(phrase: str) -> bool:
    """ "Maria Zakharova said" answers who spoke, never what was said."""
    return bool(_SPEECH_END.search(phrase))


# "Which Israeli minister thanked ...": the words after "which"/"what" up to the verb describe the
# answer (its kind), not what the question says of it; a verb or auxiliary ends them.
_WH_HEAD = re.compile(r"\b(?:which|what|how many|how much)\b((?:\s+[\w'’-]+){0,4})", re.I)
_HEAD_STOP = re.compile(
    r"^(?:is|was|are|were|be|been|did|does|do|has|have|had|will|would|can|could|should|may|might|"
    r"\w+ed|to|of|in|on|at|for|from|by|with|that|who|which)$",
    re.I,
)
# Verbs a question uses about the article rather than the events ("what nationality does the
# article give him", "how does Zakharova describe ..."): never what the question asks of its names.
_ARTICLE_VERBS = frozenset(
    stem(w)
    for w in "give gives call calls describe describes mention list name per".split()  # noqa: SIM905
)


def predicate_words(question: str) -> list[str]:
    """What the question says of its names: its content words without the names, the generic
    words and the asked kind ("Which Israeli minister thanked Russia for its help?" -> thanked,
    help). A sentence holding none of them does not say it, whatever names it shares: "Maria
    Zakharova thanked Russia for its help" was composed from a sentence holding neither word
    (sixth sealed set)."""
    if described_name(question):
        return []  # "Who is Abu Marzouk?": ``describes`` checks the description
    head: set[str] = set()
    m = _WH_HEAD.search(question)
    if m:
        for token in m.group(1).split():
            if _HEAD_STOP.match(token):
                break
            head.update(content_words(token))
    names = key_terms(question)
    return [
        w
        for w in dict.fromkeys(content_words(question))
        if w not in names and w not in GENERIC_WORDS and w not in head and w not in _ARTICLE_VERBS
    ]


def says_predicate(question: str, text: str) -> bool:
    """``text`` holds one of the question's predicate words (by stem, "freed" for "freed", "arrival"
    for "arrived"), or the question has none."""
    wanted = predicate_words(question)
    present = set(content_words(text)) | key_terms(text)
    return not wanted or any(matches_term(w, present) for w in wanted)
