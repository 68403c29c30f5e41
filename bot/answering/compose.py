"""Compose: a verified answer phrase set in one sentence built from the question's own words.

Why templates and not the model: the model's sentences are what failed verification; a sentence
made of the question's words around a phrase the excerpts hold adds no claim of its own beyond the
question's premise. Only question forms that turn into a statement without guessing are rewritten
("Who was released ...?" -> "X were released ..."); any other question gets the phrase alone
("February 3 [1]."), which is a complete chat answer.
"""

from __future__ import annotations

import re

from bot.answering.asked import described_name, without_attribution
from bot.language.lexicon import MONTH_NAMES, WEEKDAYS
from bot.language.text import content_words

_BE = {"is": "are", "was": "were", "has": "have"}
_AUX = r"is|was|are|were|has|have|had|will|would|can|could|did|does|do"
_PREPOSITIONS = frozenset(
    "on in at during since by before after until from around about between within over early late".split()  # noqa: SIM905
)
_MONTH = r"(?:" + "|".join(MONTH_NAMES) + r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?"
_DAY_DATE = re.compile(
    rf"^(?:{_MONTH}\s+\d{{1,2}}\b|\d{{1,2}}\s+{_MONTH}|(?:{'|'.join(WEEKDAYS)})\b|\d{{4}}-\d\d-\d\d)",
    re.I,
)
_MONTH_YEAR = re.compile(rf"^(?:{_MONTH}(?:\s+\d{{4}})?|\d{{4}})$", re.I)
# Irregular pasts for "When did X <verb> ...?" -> "X <past> ...": the common news verbs.
_IRREGULAR = {
    "begin": "began", "become": "became", "buy": "bought", "come": "came", "do": "did", "find": "found",
    "get": "got", "give": "gave", "go": "went", "have": "had", "hold": "held", "know": "knew",
    "leave": "left", "lose": "lost", "make": "made", "meet": "met", "pay": "paid", "put": "put",
    "run": "ran", "say": "said", "see": "saw", "sell": "sold", "send": "sent", "set": "set",
    "speak": "spoke", "take": "took", "tell": "told", "win": "won", "write": "wrote", "fly": "flew",
    "fall": "fell", "bring": "brought", "build": "built", "choose": "chose", "cut": "cut", "hit": "hit",
    "let": "let", "quit": "quit", "rise": "rose", "shut": "shut", "sign": "signed", "strike": "struck",
    "steal": "stole", "sink": "sank", "break": "broke", "drive": "drove", "eat": "ate", "lead": "led",
}  # fmt: skip


def compose(question: str, phrase: str) -> str:
    """One sentence answering ``question`` with ``phrase`` (no citation marker, ends in a full stop)."""
    # "When did X arrive, according to the report?": the citation says where; the sentence says what
    # ("X arrived in Moscow on February 3", not "X arrived in Moscow, according to the report on ...").
    q = without_attribution(" ".join(question.strip().split()), sources=True, in_text=False)
    q = q.rstrip("?").strip(" ,")
    phrase = phrase.strip()
    if not ends_in_abbreviation(phrase):
        phrase = phrase.rstrip(".")  # "a.m." keeps its full stop ("Sunday, Nov. 5, at 2 a.m.")
    if _COMPOUND.search(q):
        return _finish(phrase)  # "Who ..., and when ...?": a template would restate half of it
    for rule in (_who_is_name, _role_of, _described, _subject_question, _who_did, _when_did, _when_was):
        sentence = rule(q, phrase)
        if sentence:
            return _finish(sentence)
    return _finish(phrase)


_COMPOUND = re.compile(r"(?:,|\band\b|;)\s*(?:who|whom|what|when|where|why|which|how)\b|\?\s*\S", re.I)


_PERSONAL = frozenset("he she it they we i you".split())  # noqa: SIM905
_SUBJECTS = frozenset("the a an he she it they we i you his her their its this that these those".split())  # noqa: SIM905


# AP style abbreviates only these months before a day ("Nov. 5").
_ABBREVIATION_END = re.compile(
    r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:Jr|Sr|Inc|Co|Ltd|Corp|St|Nov|Dec|Oct|Sept|Feb|Jan|Aug)\.)$"
)


def ends_in_abbreviation(text: str) -> bool:
    """Its last full stop is an abbreviation's ("2 a.m.", "U.S.", "Jr."), which a citation marker
    must not split from its letters ("a.m [1].")."""
    return _ABBREVIATION_END.search(text.strip()) is not None


def _finish(sentence: str) -> str:
    sentence = sentence.strip()
    return sentence[:1].upper() + sentence[1:] + ("" if sentence.endswith((".", "!", "?")) else ".")


def _plural(phrase: str) -> bool:
    """A list ("X, Y and Z"), not a date's or a number's comma ("February 10, 2025", "1,200")."""
    bare = re.sub(r"\d,\s?\d", "", phrase)
    return bool(re.search(r",|\band\b|&", bare))


def _agree(verb: str, phrase: str) -> str:
    return _BE.get(verb.lower(), verb) if _plural(phrase) else verb


def _who_is_name(q: str, phrase: str) -> str | None:
    """ "Who is Abu Marzouk" -> "Abu Marzouk is a senior Hamas political leader"."""
    m = re.match(r"^(?i:who|what) (is|was|are|were) ([A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*)*)$", q)
    if not m:
        return None
    verb, name = m.groups()
    if _norm(name) in _norm(phrase):
        return phrase  # the phrase already says who: "Abu Marzouk, a senior Hamas leader"
    return f"{name} {verb} {_article(phrase)}"


def _role_of(q: str, phrase: str) -> str | None:
    """ "What is Maria Zakharova's job" -> "Maria Zakharova is a spokeswoman ..."."""
    m = re.match(
        r"^(?i:what) (is|was) ([A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*)*)['’]s (?i:job|role|position|title|post|"
        r"profession|occupation)$",
        q,
    )
    if not m:
        return None
    verb, name = m.groups()
    if _norm(name) in _norm(phrase):
        return phrase
    return f"{name} {verb} {_article(phrase)}"


def _described(q: str, phrase: str) -> str | None:
    """The other shapes of a description question ("Simona Halperin holds what post", "In what
    capacity does Maria Zakharova speak here", "mikhail bogdanov - what positions does he hold") ->
    "Simona Halperin is Israeli Ambassador to Moscow" (a name typed in lower case capitalised)."""
    name = described_name(q)
    if not name:
        return None
    if _norm(name) in _norm(phrase):
        return phrase
    past = re.search(r"\b(?:was|were|did|had|held|served|acted|spoke|worked)\b", q, re.I)
    shown = name if name != name.lower() else " ".join(w[:1].upper() + w[1:] for w in name.split())
    return f"{shown} {'was' if past else 'is'} {_article(phrase)}"


def _article(phrase: str) -> str:
    """ "senior Hamas political leader" -> "a senior Hamas political leader" (a role, not a name)."""
    first = phrase.split(" ", 1)[0]
    if not first[:1].islower() or first in {"a", "an", "the", "his", "her", "their", "its", "one"}:
        return phrase
    return ("an " if first[:1] in "aeiou" else "a ") + phrase


def _subject_question(q: str, phrase: str) -> str | None:
    """ "Who was released in November 2023" -> "<phrase> were released in November 2023";
    "Which Hamas figure arrived in Moscow on February 3" -> "<phrase> arrived in Moscow on ..."."""
    m = re.match(r"^(?:who) (.+)$", q, re.I)
    if m:
        rest = m.group(1)
    else:
        m = re.match(r"^(?:which|what) ((?:[\w'’-]+ ){1,4}?)((?:" + _VERB + r")(?=\s|$).*)$", q, re.I)
        if not m or m.group(1).strip().lower() in {"is", "was", "did", "does", "do"}:
            return None
        rest = m.group(2)
        verb, *after = rest.split(" ")[:2]
        aux = re.fullmatch(_AUX, verb.lower()) is not None
        if aux and after and (after[0][:1].isupper() or after[0].lower() in _SUBJECTS):
            return None  # "Which hostages is Russia pressing to have returned": an object is asked
    first, _, tail = rest.partition(" ")
    if first.lower() in {"did", "does", "do", "will", "would", "can", "could"}:
        return None  # "Who did X meet" asks for an object: ``_who_did`` builds around it
    if first.lower() in _BE and tail.split(" ", 1)[0].lower() in _PERSONAL:
        return None  # "Who was he there to meet": the subject is "he", an object is asked
    if first.lower() in _BE and _restates(tail, phrase):
        return None  # "Who is Israel's ambassador in Moscow": "Ambassador to Moscow Simona Halperin" says it
    return f"{phrase} {_agree(first, phrase)} {tail}".strip()


def _restates(role: str, phrase: str) -> bool:
    """The phrase already carries most of the role the question names (its title before a name)."""
    asked = set(content_words(role))
    return bool(asked) and len(asked & set(content_words(phrase))) * 2 >= len(asked)


# Where the asked noun phrase ends: an auxiliary, a regular past, or an irregular one ("Which Hamas
# leader said Trufanov was included ...": without "said" the noun phrase ran on to "was" and the
# sentence dropped "said Trufanov"). Irregular pasts that are also common nouns (set, cut) are left out.
_NOT_VERBS = frozenset("set cut put hit let quit shut left led ate".split())  # noqa: SIM905
_VERB = "|".join([_AUX, r"\w+ed", *sorted(v for v in _IRREGULAR.values() if v not in _NOT_VERBS)])


def _who_did(q: str, phrase: str) -> str | None:
    """ "Who did he meet there" -> "He met <phrase> there"; a phrase that already starts with the
    verb ("met with Mikhail Bogdanov") keeps its own. Alone, "Met with ... [1]." read as a name and
    dropped who did the meeting (gold q51). Only where the object is all that is missing: a plain
    subject, a verb whose past is known, and nothing after it but a place or a time ("Who did Hamas
    say it would release" or "Who did he meet with in Moscow" get the phrase alone)."""
    m = re.match(r"^(?i:who|whom) did ((?:[A-Z][\w.-]*\s?)+|he|she|they|we|you|i) ([a-z]+)\b ?(.*)$", q)
    if not m or (m.group(2) not in _IRREGULAR and m.group(2) not in _REGULAR):
        return None
    subject, verb, rest = m.group(1).strip(), m.group(2), m.group(3)
    if rest and not _PLACE_OR_TIME.match(rest):
        return None
    past, first = _past(verb), phrase.split(" ", 1)[0].lower()
    if first in {verb, past}:
        phrase, past = phrase[:1].lower() + phrase[1:], ""  # "met with X": the verb is the phrase's own
    elif first in _PREPOSITIONS:
        return None
    return " ".join(x for x in (subject[:1].upper() + subject[1:], past, phrase, rest) if x)


# Verbs of news that take a person as object and form their past with -ed or -d.
_REGULAR = frozenset(
    """thank call name visit help contact appoint accuse blame elect nominate replace invite host
    criticise criticize praise release free arrest kill sign interview fire hire support endorse
    defeat join""".split()  # noqa: SIM905
)
_PLACE_OR_TIME = re.compile(
    r"^(?:there|then|here|today|yesterday|(?:in|on|at|during|after|before|last|this)\b.*)$", re.I
)


def _when_did(q: str, phrase: str) -> str | None:
    """ "When did Abu Marzouk arrive in Moscow" -> "Abu Marzouk arrived in Moscow on February 3"."""
    m = re.match(r"^(?i:when) did ((?:[A-Z][\w'’.-]*\s?)+) ([a-z]+)\b ?(.*)$", q)
    if not m:
        return None
    subject, verb, rest = m.groups()
    return " ".join(x for x in (subject.strip(), _past(verb), rest, _with_preposition(phrase)) if x)


def _when_was(q: str, phrase: str) -> str | None:
    """ "When were Yelena Trufanova and Irina Tatti released" -> "... were released in November 2023"."""
    m = re.match(r"^when (was|were|is|are) (.+) (\w+(?:ed|en))\b ?(.*)$", q, re.I)
    if not m or m.group(3).lower() in _NOT_PARTICIPLES:
        return None
    verb, subject, participle, rest = m.groups()
    return " ".join(x for x in (subject, verb.lower(), participle, rest, _with_preposition(phrase)) if x)


_NOT_PARTICIPLES = frozenset("between even seven eleven often then when open ten women children".split())  # noqa: SIM905


def _past(verb: str) -> str:
    if verb in _IRREGULAR:
        return _IRREGULAR[verb]
    if verb.endswith("e"):
        return verb + "d"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ied"
    return verb + "ed"


def _with_preposition(phrase: str) -> str:
    first = phrase.split(" ", 1)[0].lower()
    if first in _PREPOSITIONS or re.search(r"\bago$", phrase):
        return phrase
    if _DAY_DATE.match(phrase):
        return f"on {phrase}"
    if _MONTH_YEAR.match(phrase):
        return f"in {phrase}"
    return f"on {phrase}" if re.search(r"\d", phrase) else phrase


def _norm(text: str) -> str:
    return text.lower().replace("’", "'")
