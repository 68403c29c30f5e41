"""The shapes of a question that asks for someone's description or post ("Who is Abu Marzouk?",
"Simona Halperin holds what post?", "in what capacity is marzouk described").

Only the patterns: ``bot.answering.asked.described_name`` tries them in order. Kept apart because
each sealed set brought a new shape, and the list outgrew the module that reads it.
"""

from __future__ import annotations

import re

ROLE = r"(?:job(?: title)?|role|position|title|post|office|profession|occupation|capacity|function|rank)"
ROLES = rf"(?:{ROLE}|job titles|jobs|roles|positions|titles|posts|offices|professions|occupations|functions|ranks)"
POSTS = r"(?:job(?: title)?|title|post|office|profession|occupation|rank)s?"
CAP_NAME = r"[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*)*?"
ANY_NAME = r"[\w'’.-]+(?: [\w'’.-]+){0,3}?"
NOW = r"(?:\s+(?:here|now|currently|today|in\s+(?:the\s+)?(?:article|report|story|text)))?"
HOLD = r"(?:hold|have|occupy|fill|serve in|carry)"
KIND = r"(?:(?!(?:is|was|are|were|does|did|do)\b)[\w'’-]+ ){0,2}?"  # "what government post", "official role"
# Before a possessive's post only words that qualify a post: "zakharova's official job", not
# "Israel's official position" (a stance) or "Qatar's mediating role" (a part).
POST_ADJ = r"(?:(?:official|current|full|formal|exact|present|actual|diplomatic|government) ){0,2}"
DESCRIBE = re.compile(
    r"^\W*(?i:who|what) (?:is|was|are|were) ([A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*)*?)(?:['’]s (?i:job|role|"
    r"position|title|post|profession|occupation))?\W*$"
)
# The same question in other shapes ("Simona Halperin holds what post?", "In what capacity does Maria
# Zakharova speak here?", "What positions does Mikhail Bogdanov hold?"), typed in lower case too.
DESCRIBE_SHAPES = [
    re.compile(p, re.I)
    for p in (
        rf"^\W*what(?:['’]s| is| was| are| were) (?P<name>{ANY_NAME})['’]s? {POST_ADJ}(?P<role>{ROLES})\W*$",
        # not "the position of Russia on ...", "the role of Russia": a stance or a part, not a post
        rf"^\W*what (?:is|was|are|were) (?:the )?(?P<role>{POSTS}) (?:of|held by) (?P<name>{ANY_NAME})\W*$",
        rf"^\W*(?:what|which) {KIND}(?P<role>{ROLES}) (?:does|did|do) (?P<name>{ANY_NAME}) {HOLD}{NOW}\W*$",
        rf"^\W*(?P<name>{ANY_NAME}) (?:holds?|has|had|held|occupies|occupied|fills|filled) (?:what|which) "
        rf"{KIND}(?P<role>{ROLES}){NOW}\W*$",
        rf"^\W*(?P<name>{ANY_NAME}) (?:is|was|serves?|served|acts?|acted|speaks?|spoke|works?|worked|"
        rf"appears?|appeared) (?:in|as) (?:what|which) {KIND}(?P<role>{ROLES}){NOW}\W*$",
        rf"^\W*(?P<name>{ANY_NAME}) (?:serves?|served|acts?|acted|works?|worked) as what{NOW}\W*$",
        rf"^\W*(?P<name>{ANY_NAME})['’]s? (?P<role>{ROLES}) (?:is|was|are|were) (?:what|which)\W*$",
        rf"^\W*(?P<name>{ANY_NAME})['’]s {POST_ADJ}(?P<role>{POSTS})\W*$",  # "mikhail bogdanov's job titles"
        rf"^\W*in (?:what|which) (?P<role>{ROLES}) (?:does|did|is|was|has|had) (?P<name>{ANY_NAME}) "
        r"(?:speak|spoke|talk|comment|act|serve|appear|meet|attend|write|sign|travel|visit|say|work|describ|"
        r"mention|name|list|identif|present|cite|introduc|refer|quot)\w*\b.*$",
    )
]
IN_CAPACITY = re.compile(
    rf"^\W*in (?:what|which) (?P<role>{ROLES}) (?:does|did|is|was|has|had) (?P<name>{CAP_NAME}) [a-z].*$"
)
# The description itself asked ("Abu Marzouk is described in the article as what", "What is Yaffa Adar
# known as?", "How does the article describe Yaffa Adar?"), and "who is simona halperin" in lower case.
CALLED = r"(?:described|referred to|identified|characteri[sz]ed|portrayed|presented|labell?ed|termed|dubbed|called|known)"
CALL = r"(?:describe|refer to|identify|characteri[sz]e|portray|present|label|term|call)"
BY = r"(?: by [\w'’.-]+(?: [\w'’.-]+){0,2}?)?"  # "... described by Zakharova as what"
DESCRIBED_AS = [
    re.compile(p, re.I)
    for p in (
        rf"^\W*(?P<name>{ANY_NAME}) (?:is|was|are|were|gets|got) {CALLED}{BY} as (?:what|who|how)\W*$",
        rf"^\W*(?:what|how) (?:is|was|are|were) (?P<name>{ANY_NAME}) {CALLED}(?: as)?{BY}\W*$",
        rf"^\W*(?:how|what) (?:does|did|do) (?:the |this )?[\w'’.-]+(?: [\w'’.-]+){{0,2}}? {CALL} "
        rf"(?P<name>{ANY_NAME})(?: as)?\W*$",
        r"^\W*who (?:is|was) (?P<name>[\w'’.-]+(?: [\w'’.-]+){1,2})\W*$",  # capitalised: ``DESCRIBE``
    )
]
