"""What a question asks for, and whether a phrase or sentence gives it.

Shape tests on the question ("Who was released ...?" may take a list, "Who is Abu Marzouk?" asks
for a description, "Who is the prime minister of Israel?" for a name next to a role), and the
checks a phrase must pass against them: it stands next to the name it describes, next to the
role's words, in a sentence about the question, and is more than a speaker ("Zakharova said").
``bot.answering.extract`` and ``bot.answering.candidates`` find the phrases these tests judge.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.answering.answertype import GENERIC_WORDS, HOW_PUT, matches_term
from bot.answering.query import expected_kind
from bot.answering.roleshapes import ANY_NAME, DESCRIBE, DESCRIBE_SHAPES, DESCRIBED_AS, IN_CAPACITY, ROLE
from bot.language.lexicon import STOPWORDS
from bot.language.text import content_words, key_terms, normalise, stem

TYPED_KINDS = ("date", "number", "age", "duration")  # kinds answered by a typed candidate
RELEVANT_MIN = 0.4  # share of the question's own words the phrase's sentence must hold


def about_reporting(question: str) -> bool:
    """ "Which news agency reported ...", "On what date did TASS report ...", "Which outlet carried
    the story?": the byline answers these, and only these (an article's date is not the date of the
    events it reports). An attribution ("..., according to the report?") is not a question about
    the report: "When does the second phase start, according to the report?" asks for the phase's
    date, and was answered with the article's (held-out set)."""
    return bool(_REPORTING_QUESTION.search(without_attribution(question, sources=True)))


_REPORT_NOUN = r"(?:report|article|story|piece|dispatch|item|text|news|excerpt|coverage)s?"
_ON_WHAT = r"(?:\s+(?:on|about|of)\s+(?:the\s+)?[\w'’-]+)?"  # "the story on Halperin"
_REPORTING_QUESTION = re.compile(
    r"\b(?:report\w*|publish\w*|publication|agency|outlet|newspaper|wrote|written|byline|dateline|news source|"
    r"(?:news|wire|press) service|wire)\b|"
    # "Which agency carried this story", "Who ran the piece", "When was the story put out"
    r"\b(?:carr(?:y|ies|ied|ying)|ran|runs?|running|put(?:s|ting)? out|broke|break(?:s|ing)?)\s+"
    rf"(?:the |this |that |its |their |a |an )?(?:[\w'’-]+\s+)?{_REPORT_NOUN}\b|"
    rf"\b{_REPORT_NOUN}(?:\s+(?:on|about|of)\s+(?:the\s+)?[\w'’-]+)?\s+(?:was |were |is |first )?"
    rf"(?:carried|run|put out|broken)\b|\bdate\s+of\s+(?:the |this |that )?{_REPORT_NOUN}\b|"
    # "on what date did the piece come out", "when did the story first appear"
    rf"\b{_REPORT_NOUN}{_ON_WHAT}\s+(?:first\s+)?(?:(?:c[oa]me|comes|coming|went|go|goes)\s+out|appear(?:s|ed)?)\b",
    re.I,
)

# Attributions name where the question's fact is written, not what is asked: "..., according to the
# report?", "per the article", "the story says ...", "as reported", "in this story".
_REPORTERS = r"(?:agency|agencies|outlet|newspaper|paper|media|wire|(?:news|wire|press) service)"
_THE = r"(?:the|this|that|these|a|an|today['’]s|their|its)\s+"
_ABOUT_THE_REPORT = re.compile(
    r",?\s*\b(?:"
    rf"according\s+to\s+(?:{_THE})?(?:(?:new|latest|same|original|news|wire)\s+)?(?:{_REPORTERS}|{_REPORT_NOUN})|"
    rf"per\s+(?:{_THE})?{_REPORT_NOUN}|"
    rf"as\s+(?:{_THE}{_REPORT_NOUN}\s+(?:says|said|puts it|put it|notes|noted|states|stated|reports)|"
    r"(?:(?:was|were|is|it\s+was)\s+)?reported(?!\s+by\b))"
    r")\b,?",
    re.I,
)
# "in this story", "the article calls": where the words stand, which a restating sentence keeps
# ("Which Russian officials are named in the article?").
_IN_THE_REPORT = re.compile(
    r",?\s*\b(?:"
    rf"(?:in|from)\s+{_THE}(?:news\s+)?{_REPORT_NOUN}|"
    rf"(?:(?:does|did|do)\s+)?{_THE}{_REPORT_NOUN}\s+(?:says?|said|states?|stated|claims?|claimed|"
    r"calls?|called|describes?(?:\s+as)?|described(?:\s+as)?|puts it|put it|notes?|noted)"
    r")\b,?",
    re.I,
)
# ... and to a named source or outlet: "according to TASS", "per Reuters", "as reported by TASS".
_CAPITALISED = r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*"
_ABOUT_A_SOURCE = re.compile(
    r",?\s*\b(?:"
    rf"(?i:according\s+to)\s+(?:(?i:the)\s+)?(?:(?i:news\s+)?(?i:agency|outlet|newspaper|media|wire)\s*)?"
    rf"(?:{_CAPITALISED})?|"
    rf"(?i:per)\s+{_CAPITALISED}|"
    rf"(?i:as\s+reported\s+by)\s+(?:(?i:the)\s+)?(?:(?i:news\s+)?(?i:agency|outlet|newspaper|media)\s*)?"
    rf"(?:{_CAPITALISED})?|"
    rf"(?i:as)\s+{_CAPITALISED}\s+(?i:reported|reports|wrote|writes)"
    r")(?![\w'’-]),?",
)


def without_attribution(question: str, sources: bool = False, in_text: bool = True) -> str:
    """The question without its attribution to the report ("according to the report", "per the
    article", "as reported"; with ``in_text`` also "the story says", "in this story"), and with
    ``sources`` without its attribution to a named source too ("according to TASS", "as reported by
    Reuters"): the words that say where the fact is written, not what is asked."""
    text = _ABOUT_THE_REPORT.sub(" ", question)
    if in_text:
        text = _IN_THE_REPORT.sub(" ", text)
    if sources:
        text = _ABOUT_A_SOURCE.sub(" ", text)
    return re.sub(r"\s+([?.!,;:])", r"\1", " ".join(text.split()))


def asks_for_several(question: str) -> bool:
    """ "Who was released", "Which Russians were ...", "Name the hostages": the answer may be a list."""
    q = question.lower()
    return bool(
        re.match(r"^\W*(?:name|list)\b", q)
        # not "who was he there to meet": the subject is "he", one person met is asked
        or re.match(r"^\W*who (?:were|else|have|has)\b", q)
        or re.match(r"^\W*who was\b(?!\s+(?:he|she|it|i|you)\b)", q)
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


# Words that make "who is X" ask for a name by its role ("who is israeli envoy", "who was released").
_ROLE_NOUNS = frozenset(
    """president minister ministry foreign deputy spokeswoman spokesman spokesperson ambassador envoy
    prime secretary senator governor chairman chairwoman ceo director leader head chief king queen prince
    pope judge mayor commander officer representative speaker diplomat official hostage prisoner captive
    survivor native citizen resident victim mother father son daughter wife husband brother sister
    grandmother grandfather relative member man woman""".split()  # noqa: SIM905
)
# "mikhail bogdanov - what positions does he hold", "Halperin: what is her title?"
_NAME_THEN_QUESTION = re.compile(rf"^\W*({ANY_NAME})\s*(?:\s[-–—]|:|,)\s*(.+)$")
_PRONOUNS = re.compile(r"\b(?:(he|she|they|him|them)|(his|her|their))\b", re.I)
_NOT_A_NAME = frozenset(
    "he she it they him her them his its their this that these those the a an who what which".split()  # noqa: SIM905
)


# Courtesy around a request ("zakharova: her official job, please"): no part of what is asked.
_POLITE = re.compile(r"^\W*please\W+|[\s,]*\b(?:please|pls|thanks|thank you)\W*$", re.I)


def described_name(question: str) -> str | None:
    """ "Who is Abu Marzouk?", "What is Maria Zakharova's job?", "Simona Halperin holds what post?",
    "In what capacity does Maria Zakharova speak?", "What positions does Mikhail Bogdanov hold?": the
    name whose description is asked (as the question writes it, lower case included)."""
    found = _description(question)
    return found[0] if found else None


def asks_for_several_roles(question: str) -> bool:
    """ "What positions does Mikhail Bogdanov hold?": a person may hold two posts, and both are asked."""
    found = _description(question)
    return bool(found and found[1])


@lru_cache(maxsize=256)
def _description(question: str) -> tuple[str, bool] | None:
    """The described name, and whether the question asks for its roles in the plural. Cached: since
    ``about_question`` asks it of the same question for every sentence it weighs, a dozen patterns
    would run again per sentence."""
    q = _POLITE.sub("", without_attribution(question.strip()))  # "..., per the report", "..., please"
    m = DESCRIBE.match(q)
    if m:
        return m.group(1), False
    for pattern in [*DESCRIBE_SHAPES, IN_CAPACITY]:
        m = pattern.match(q)
        if m and _a_name(m.group("name")):
            role = m.groupdict().get("role") or "role"
            # "what other title does he hold": every post written, the one already given among them
            other = re.search(r"\b(?:other|another)\b", q, re.I) is not None
            return m.group("name"), other or not re.fullmatch(ROLE, role, re.I)
    plain = without_attribution(question.strip(), in_text=False)  # keeps "does the article describe"
    for text in dict.fromkeys((q, plain)):
        for pattern in DESCRIBED_AS:
            m = pattern.match(text)
            if m and _a_name(m.group("name")) and not _role_like(m.group("name")):
                return m.group("name"), False
    m = _NAME_THEN_QUESTION.match(q)
    if m and _a_name(m.group(1)) and _PRONOUNS.search(m.group(2)):
        name = m.group(1)
        rest = _PRONOUNS.sub(lambda p: name if p.group(1) else f"{name}'s", m.group(2), count=1)
        found = _description(rest)
        return found if found and found[0] == name else None
    return None


def _a_name(words: str) -> bool:
    """A name, not a pronoun or a described role ("he", "the ambassador")."""
    tokens = [normalise(t) for t in words.split()]
    return (
        1 <= len(tokens) <= 4
        and re.sub(r"'s$", "", tokens[0]) not in _NOT_A_NAME  # not "what's maria zakharova"
        and not any(t in STOPWORDS and t != "of" for t in tokens)  # "Russia on the ceasefire"
    )


def _role_like(words: str) -> bool:
    """A role, a possession or a verb, not a bare name: "israeli envoy", "halperin's assessment",
    "released first" (a verb first: "who was released first"; a name may end in "-ing": "xi jinping")."""
    tokens = [normalise(t) for t in words.split()]
    return tokens[0].endswith(("ed", "ing")) or any(
        t.endswith(("'s", "’s")) or stem(t) in _ROLE_NOUNS or t in GENERIC_WORDS for t in tokens
    )


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


def about_question(
    question: str, phrase: str, sentence: str, names_only: bool = False, synonyms: bool = False
) -> float:
    """Share of the question's words (not the phrase's, not generic ones) the sentence holds.

    A phrase the excerpts hold is not yet an answer: "Zakharova" stands in many sentences, but not
    in one that says who was released. Paraphrases count through shared stems ("arrived"/"arrival"),
    and with ``synonyms`` through a listed synonym ("freed"/"released"): only for a check that asks
    more of the sentence than its words (a list of people to count), since a synonym makes more
    sentences look relevant (a heading "... release of hostages" passed "the hostages" for "Name
    the people freed ...").
    """
    question = without_attribution(question)  # "per the report": where it is written, not what is asked
    wanted = _wanted_words(question, phrase)
    if not wanted:
        return 1.0
    present = set(content_words(sentence)) | key_terms(sentence)
    names = key_terms(question)  # a name matches only itself: "Trufanova" is not "Trufanov"
    if names_only:
        wanted = [w for w in wanted if w in names]
        return sum(w in present for w in wanted) / len(wanted) if wanted else 0.0
    hits = {w: (w in present) if w in names else _matches(w, present, synonyms) for w in wanted}
    for run in _name_runs(question):  # "Biden" in the sentence stands for "President Joe Biden"
        if run[-1] in present:
            hits.update({w: True for w in run if w in hits})
    others = [w for w in wanted if w not in names]
    if others and not any(hits[w] for w in others):
        return 0.0  # the names, but not what the question says of them ("released", "arrive")
    return sum(hits.values()) / len(wanted)


def _wanted_words(question: str, phrase: str) -> list[str]:
    """The question's words its answer's sentence must hold: not the phrase's own (an echo of the
    question would match itself), and not, in a description question, the words about the telling
    ("in what capacity is marzouk described": the describing sentence writes neither "capacity" nor
    "described", and y57 was refused), nor "what sort of" (y24)."""
    question = _SORT_OF.sub(r"\1", question)
    own = set(content_words(phrase))
    telling = HOW_PUT if described_name(question) else frozenset()
    return [
        w
        for w in dict.fromkeys(content_words(question))
        if w not in own and w not in GENERIC_WORDS and w not in telling
    ]


_SORT_OF = re.compile(r"\b(what|which) (?:sort|type|kind)s? of\b", re.I)


def _matches(word: str, present: set[str], synonyms: bool) -> bool:
    """A question word in the sentence, by a shared stem or a listed synonym ("freed" / "released")."""
    if matches_term(word, present):
        return True
    return synonyms and any(matches_term(s, present) for s in _EVENT_SYNONYMS.get(word, ()))


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


_DOING = re.compile(r"^\S+.*?\s(?:who|that|\w{3,}ing)\b(?<!\bduring)(?<!\bthing)", re.I)


def role_words(question: str) -> list[str]:
    """ "Who is the prime minister of Israel?" -> its description's words (the phrase must stand
    next to them: "Deputy Foreign Minister Mikhail Bogdanov" is not a prime minister of Israel)."""
    m = _ROLE_QUESTION.match(question.strip())
    if not m or all(t[:1].isupper() for t in m.group(1).split()):
        return []  # "Who is Abu Marzouk?" asks for a description (``describes``), not a name
    if _DOING.search(m.group(1)):
        return []  # "the Republican candidate seeking the nomination ...": what they do, not a title
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


def synonym_table(*groups: str) -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for group in groups:
        words = {stem(w) for w in group.split()}
        for w in words:
            table[w] = words
    return table


# The corpus' events told in other words: "How many hostages were freed" of "... were released".
_EVENT_SYNONYMS = synonym_table("release released freed liberated liberate")
_TITLE_SYNONYMS = synonym_table(
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
