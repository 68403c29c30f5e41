"""Words every stage needs the same way: month and weekday names, number words, ordinals, stopwords.

One table each, so "Sept." or "ноября" is a month to the question parser, the passage date finder,
the dateline reader and the answer checks alike. Modules build their own regular expressions from
these tables (each needs a different shape), but never their own copy of the words.
"""

from __future__ import annotations

MONTH_NAMES = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
MONTH_ABBREVIATIONS: dict[str, int] = dict(
    jan=1, feb=2, mar=3, apr=4, jun=6, jul=7, aug=8, sep=9, sept=9, oct=10, nov=11, dec=12
)
# English month names and abbreviations -> month number.
MONTHS: dict[str, int] = {name: i + 1 for i, name in enumerate(MONTH_NAMES)} | MONTH_ABBREVIATIONS
# Russian month names in the forms a date takes: nominative ("ноябрь 2023"), genitive ("5 ноября",
# "ноября 2023 года") and prepositional ("в ноябре").
RU_MONTH_STEMS = [
    "январ",
    "феврал",
    "март",
    "апрел",
    "ма",
    "июн",
    "июл",
    "август",
    "сентябр",
    "октябр",
    "ноябр",
    "декабр",
]
RU_MONTH_NAMES: dict[str, int] = {}  # every form above -> month number
RU_MONTH_GENITIVE: dict[str, int] = {}  # "5 ноября": the form datelines use
for _i, _stem in enumerate(RU_MONTH_STEMS, 1):
    _forms = (
        ("й", "я", "е")
        if _stem == "ма"
        else ("ь", "я", "е")
        if _stem[-1] == "р" or _stem[-1] == "л" or _stem[-1] == "н"
        else ("", "а", "е")
    )
    RU_MONTH_NAMES.update({_stem + f: _i for f in _forms})
    RU_MONTH_GENITIVE[_stem + _forms[1]] = _i
# The short forms Russian datelines use ("МОСКВА, 5 ноя — РИА Новости.").
RU_MONTH_ABBREVIATIONS: dict[str, int] = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "июн": 6, "июл": 7,
    "авг": 8, "сен": 9, "сент": 9, "окт": 10, "ноя": 11, "дек": 12,
}  # fmt: skip
# Month names that are also common English words ("she may go", "a protest march").
AMBIGUOUS_MONTHS = frozenset({"may", "march"})
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
QUANTITY_WORDS: dict[str, int] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "few": 3,
    "a few": 3,
    "couple of": 2,
    "a couple of": 2,
    "a couple": 2,
    "several": 5,
}
# Ordinal words and numerals -> number ("the second week of May").
ORDINAL_NUMBERS: dict[str, int] = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
}
# Ordinals are numbers too: "the second phase" is not supported by a passage about the first.
ORDINALS = frozenset(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split()  # noqa: SIM905
)

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "last",
        "many",
        "may",
        "me",
        "more",
        "most",
        "much",
        "my",
        "new",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "said",
        "same",
        "say",
        "says",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
    ]
)

# Russian function words (the Snowball list's most frequent), so a Russian question's keyword query
# and word-coverage feature count its content words only, as the English list does for English.
_RU_FUNCTION_WORDS = (
    "и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее её мне "
    "было вот от меня еще ещё нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него "
    "до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы "
    "тебя их чем была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому "
    "этого какой совсем ним здесь этом один почти мой тем чтобы нее сейчас были куда зачем всех никогда "
    "можно при наконец два об другой хоть после над больше тот через эти нас про всего них какая много "
    "разве три эту моя впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда "
    "конечно всю между сколько какие каком какую какое каких"
)
STOPWORDS = STOPWORDS | frozenset(_RU_FUNCTION_WORDS.split())


_DEMONYMS_IN_I = frozenset(
    """israeli iraqi pakistani saudi somali yemeni kuwaiti omani bahraini qatari emirati bangladeshi
    afghani nepali thai azerbaijani uzbeki""".split()  # noqa: SIM905
)


def is_demonym(word: str) -> bool:
    """ "Russians", "Israeli", "Chinese": a nationality before a name, not part of it."""
    w = word.lower().strip(".,;:!?\"'“”()").removesuffix("s")
    return (w.endswith(("ian", "ese", "ish")) and len(w) > 4) or w in _DEMONYMS_IN_I
