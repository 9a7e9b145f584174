"""Titles and unique roles: what still points at one person once the name is gone.

A scrubbed name can still identify: "Councilwoman [name]" in a city with one councilwoman for
the ward, "Ask [name], she chairs the block club" on a street with one block club. Quotes in
a public report must not let a neighbour recognise the speaker or the person spoken of (UK
Data Service, *Anonymisation of qualitative data*, which asks to replace "the chair of the
X residents' association" by a general description; Saunders, Kitzinger and Kitzinger 2015,
"Anonymising interview data: challenges and compromise in practice", *Qualitative Research*
15(5), 616-632: occupational and organisational roles are the indirect identifiers that most
often give a participant away). Two rules, applied by :class:`~.scrub.Scrubber`:

1. **A title attached to a scrubbed name goes with it** (:func:`title_before`): ``Councilwoman
   Reyes``, ``Sgt. Maria Gonzalez`` and ``Pastor Grace Okafor`` all become ``[name]``. Kinship
   words after a possessive (``my brother [name]``) stay: they point at nobody.
2. **A unique role is generalised** (:func:`find_roles`): the organisation that makes a role
   unique, after a leadership word (``chairs the block club``, ``the president of the
   Eastgate Merchants Association``, ``the owner of the corner store on Grand Ave``), is
   replaced by what kind of organisation it is: ``[a local group]``, ``[a local business]``,
   ``[a local congregation]`` or ``[a local school]``. The role word stays, so the sentence
   still reads (``she chairs [a local group]``); there are many of each.

Role words without an organisation (``the pastor says``, ``the district commander``) are left
alone: the engagement's quotes name the speaker's sector, and such words are common to many
people. The phrases are measured with the rest of the scrubber on the evaluation set
(``tests/fixtures/privacy/scrub_sentences.yml``; ``docs/privacy.md``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from cs360lib.publish.privacy.names import ABBREVIATED_TITLES, STREET_WORDS, TITLES

__all__ = ["GENERAL", "KINSHIP", "RoleSpan", "find_roles", "title_before"]

KINSHIP = frozenset(
    "aunt auntie uncle grandma grandpa granny nana brother sister father mother cousin".split()
)
"""Titles that are also kinship words: kept after a possessive (``my brother [name]``)."""

_POSSESSIVES = r"(?:my|his|her|our|their|your|a|an)"

LEADING_NOUNS = (
    "president vice-president chair chairwoman chairman chairperson co-chair head director "
    "leader founder co-founder owner co-owner manager proprietor principal pastor priest "
    "imam rabbi minister captain coordinator treasurer secretary organizer organiser "
    "superintendent commander"
).split()
"""Role nouns that are unique within an organisation (``the president of ...``)."""

LEADING_VERBS = (
    "chairs chaired co-chairs heads headed leads led runs ran founded started owns owned "
    "manages managed directs directed coordinates coordinated organizes organized organises "
    "organised pastors captains"
).split()
"""Verbs that give their subject a unique role in the organisation after them."""

GENERAL: dict[str, str] = {
    "business": "[a local business]",
    "faith": "[a local congregation]",
    "school": "[a local school]",
    "group": "[a local group]",
}
"""What a unique organisation is generalised to, by kind."""

_KINDS: dict[str, tuple[str, ...]] = {
    "business": (
        "store shop market restaurant bar cafe deli grocery bodega pharmacy salon barbershop "
        "garage laundromat liquor motel hotel business company firm diner bakery gym"
    ).split(),
    "faith": (
        "church congregation parish mosque temple synagogue ministry ministries chapel"
    ).split(),
    "school": "school academy college university daycare".split(),
    "group": (
        "club association council committee board watch alliance union coalition league "
        "program programme pantry center centre group chapter lodge society foundation "
        "organization organisation nonprofit network team patrol pta hoa shelter"
    ).split(),
}

_ORG_NOUN = {noun: kind for kind, nouns in _KINDS.items() for noun in nouns}


@dataclass(frozen=True)
class RoleSpan:
    """An organisation that makes a role unique.

    Attributes
    ----------
    start, end : int
        Character offsets of the organisation (the role word before it is kept).
    text : str
        The organisation as written (``the block club``).
    replacement : str
        What it is replaced by (a value of :data:`GENERAL`).
    """

    start: int
    end: int
    text: str
    replacement: str


@lru_cache(maxsize=1)
def _title_re() -> re.Pattern[str]:
    words = sorted((t for t in TITLES if t not in ABBREVIATED_TITLES), key=len, reverse=True)
    full = "|".join(w.replace(" ", r"\s+") for w in words)
    short = "|".join(ABBREVIATED_TITLES)
    return re.compile(rf"\b(?:(?:{short})\.?|(?:{full}))\s+$", re.IGNORECASE)


def title_before(text: str, start: int) -> int:
    """Return where the titles right before a name start (``start`` when there are none).

    Parameters
    ----------
    text : str
        The text.
    start : int
        Where a scrubbed name starts.

    Returns
    -------
    int
        The start of the first of the titles that directly precede the name (``Deputy
        Chief`` in ``Deputy Chief Harris``); a kinship word after a possessive (``my
        brother``) is not a title here.
    """
    pattern = _title_re()
    while True:
        match = pattern.search(text, 0, start)
        if match is None or match.end() != start:
            return start
        word = match.group().strip().rstrip(".").lower()
        before = text[: match.start()]
        if word in KINSHIP and re.search(rf"\b{_POSSESSIVES}\s+$", before, re.IGNORECASE):
            return start
        start = match.start()


_WORD = r"[A-Za-z][\w'’&.-]*"
_INNER = (
    r"(?!(?:and|or|but|nor|the|a|an|to|with|for|from|that|who|which|whose|is|was|are|were|"
    r"of|in|on|at|by|as|when|where|while|if|then)\b)"
)
"""Words that end an organisation's name: what follows them is another phrase."""
_STREET = "|".join(STREET_WORDS)
_CALENDAR = (
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)days?|january|february|march|april|may|june|"
    r"july|august|september|october|november|december|weekends?|night|nights|christmas)\b"
)
_PLACE = (
    rf"(?:\s+(?:on|at|off|near|in)\s+(?:the\s+)?(?!{_CALENDAR})(?:\[address\]|(?-i:(?:[A-Z0-9][\w'’.-]*\s+){{0,3}}"
    rf"(?:(?i:{_STREET})\b\.?|[A-Z][\w'’.-]*))))?"
)
"""A place after the organisation (``on Grand Ave``, ``at St. Mary's``): capitalised words,
or a street, or a scrubbed address."""


@lru_cache(maxsize=1)
def _role_re() -> re.Pattern[str]:
    nouns = "|".join(sorted(LEADING_NOUNS, key=len, reverse=True))
    verbs = "|".join(sorted(LEADING_VERBS, key=len, reverse=True))
    orgs = "|".join(sorted(_ORG_NOUN, key=len, reverse=True))
    organisation = (
        rf"(?P<org>(?:the|our|that|this|their|his|her)\s+(?:{_INNER}{_WORD}\s+){{0,5}}?"
        rf"(?P<noun>{orgs})s?\b{_PLACE})"
    )
    return re.compile(
        rf"\b(?:(?:{nouns})\s+of\s+|(?:{verbs})\s+){organisation}",
        re.IGNORECASE,
    )


def find_roles(text: str) -> list[RoleSpan]:
    """Find the organisations that make a role unique in a text.

    Parameters
    ----------
    text : str
        Free text (an interview answer, a note).

    Returns
    -------
    list of RoleSpan
        In text order: the organisation after a leadership noun and ``of`` (``the president
        of the Eastgate Merchants Association``) or a leadership verb (``chairs the block
        club``, ``owns the corner store on Grand Ave``), with a place after it (``on``,
        ``at``, ``near`` ... a street or a capitalised name) included.
    """
    if not isinstance(text, str):
        return []
    spans = []
    for match in _role_re().finditer(text):
        kind = _ORG_NOUN[match.group("noun").lower()]
        start, end = match.span("org")
        end = len(text[:end].rstrip(" ,;:.!?"))
        spans.append(RoleSpan(start, end, text[start:end], GENERAL[kind]))
    return spans
