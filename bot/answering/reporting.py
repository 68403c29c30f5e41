"""Questions about the reporting itself, answered from the article's own metadata.

"Which news agency reported Zakharova's remarks?" and "On what date did TASS report ...?" ask for
facts the article states outside its sentences: its source and its publication date. The small
model often wrote the right one ("TASS", "February 10, 2025"), but its phrase then stood in the
dateline, a sentence that shares no words with the question, and the check refused it (issue 14:
"Which news agency reported Zakharova's remarks?" was refused). Those facts need no model: they are
read off the best-ranked article, when that article holds the question's names, and cited by its
first sentence, beside which the sources list shows the source and date.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from bot.answering.answertype import GENERIC_WORDS, matches_term
from bot.answering.asked import about_reporting, without_attribution
from bot.answering.extract import Span
from bot.language.text import content_words, key_terms, split_sentences

if TYPE_CHECKING:
    from bot.answering.query import Query
    from bot.types import Passage

_SOURCE_QUESTION = re.compile(
    r"\b(?:which|what)\s+(?:[\w'’-]+\s+){0,2}?(?:agency|outlet|newspaper|news source|publication|wire service|"
    r"media|broadcaster|paper|(?:news|press) service|service|network|channel|station|website|site)\b(?!\s+date)|"
    r"^\W*who\s+(?:first\s+)?(?:reported|published|wrote|carried|ran|put out|broke)\b",
    re.I,
)


def asks_for_the_source(question: str) -> bool:
    """ "Which news agency reported ...", "What outlet published ...", "Who reported ...?", "Which
    agency carried this story?", "What news service ran ...?" (not "Which site was hit, according
    to the report?": the attribution is not what is asked, ``about_reporting``)."""
    return about_reporting(question) and bool(
        _SOURCE_QUESTION.search(without_attribution(question, sources=True))
    )


_DATELINE_QUESTION = re.compile(
    r"\bdatelin\w*|\b(?:filed|reported|published)\s+from\b|"
    # "written from", "sent from" only of a report: "Where were the hostages sent from?" is not one
    r"\b(?:report|article|story|dispatch|piece)s?\b.*\b(?:written|sent)\s+from\b|"
    r"\b(?:which|what)\s+(?:city|town|place)\b.*\b(?:report|article|story|dispatch)\w*\s+(?:\w+\s+)?(?:filed|written|sent)\b",
    re.I,
)
# "MOSCOW, February 10. /TASS/." or "WASHINGTON (AP) —": the place a wire story was filed from.
_DATELINE_PLACE = re.compile(r"^\W*([A-Z][A-Z.'-]+(?:[ -][A-Z][A-Z.'-]+){0,3})\s*(?:,|\(|—|–|-\s)")


def asks_for_the_dateline(question: str) -> bool:
    """ "Which city is the report datelined?", "Where was the story filed from?"."""
    return bool(_DATELINE_QUESTION.search(without_attribution(question, sources=True)))


def asks_for_the_date_reported(q: Query) -> bool:
    """ "On what date did TASS report ...?", "When was the report on ... published?"."""
    return q.original.kind == "date" and about_reporting(q.text)


def reporting_span(q: Query, passages: list[Passage]) -> Span | None:
    """The best-ranked article's source or publication date as the answer, or None.

    None when the question asks for something else, when the article lacks the field, or when it
    does not hold the question's names (a report about someone else answers nothing about them).
    """
    if not passages:
        return None
    if asks_for_the_dateline(q.text):
        field = "dateline"
    elif asks_for_the_source(q.text):
        field = "source"
    elif asks_for_the_date_reported(q):
        field = "published"
    else:
        return None
    top = passages[0]
    # The article's own first chunk, when retrieved, starts with the dateline that the citation shows.
    index = next((i for i, p in enumerate(passages) if p.doc_id == top.doc_id and p.start == 0), 0)
    p = passages[index]
    values = {
        "source": p.source,
        "published": _spelled_date(p.published),
        "dateline": _dateline_place(p.text),
    }
    value = values[field]
    lead = _dateline_and_lead(p.text)
    article = " ".join(x.text for x in passages if x.doc_id == top.doc_id)
    if not value or lead is None or not _about(q, f"{p.title} {article}"):
        return None
    return Span(value, index, *lead, from_byline=True)


_REPORTING_WORDS = frozenset(
    """report reported reporting publish published publication wrote written write story article news
    agency outlet newspaper paper source media wire service broadcaster date day first dateline datelined
    filed sent city town place carry carried ran run put out broke break piece dispatch item press
    network channel station website site give given show shown name named list listed state stated
    mention mentioned come came appear appeared""".split()  # noqa: SIM905
)


def _about(q: Query, text: str) -> bool:
    """The article holds every name of the question; a question without names, half of its words
    but those about reporting ("Which outlet published the hostage story?": "hostage", not "story")."""
    present = set(content_words(text)) | key_terms(text)
    names = q.names - GENERIC_WORDS
    if names:
        return all(matches_term(t, present) for t in names)
    others = [w for w in q.words if w not in q.names and w not in GENERIC_WORDS and w not in _REPORTING_WORDS]
    return not others or sum(matches_term(w, present) for w in others) >= len(others) / 2


def _dateline_and_lead(text: str, lead_words: int = 6) -> tuple[int, int] | None:
    """The passage's opening up to its first full sentence: "MOSCOW, February 10. /TASS/. Israeli
    Ambassador ... said." (the splitter cuts the dateline into fragments that alone show no source)."""
    sentences = split_sentences(text)[:3]
    if not sentences:
        return None
    end = next((e for s, e in sentences if len(text[s:e].split()) >= lead_words), sentences[-1][1])
    return sentences[0][0], end


def _dateline_place(text: str) -> str:
    """ "MOSCOW, February 10." -> "Moscow"; "" when the passage does not open with a dateline."""
    m = _DATELINE_PLACE.match(text)
    return m.group(1).strip(" .").title() if m else ""


def _spelled_date(published: str | None) -> str:
    try:
        day = date.fromisoformat(published or "")
    except ValueError:
        return ""
    return f"{day:%B} {day.day}, {day.year}"
