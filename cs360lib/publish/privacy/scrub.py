"""Scrub free text before it is published: names, phones, emails, addresses, case numbers.

Interview answers and offense narratives are published only after :func:`scrub_text` (or a
:class:`Scrubber`) has replaced, in place and keeping the rest of the sentence:

=================  ==================  =====================================================
found              replaced by         how it is found
=================  ==================  =====================================================
people's names     ``[name]``, or the  :mod:`cs360lib.publish.privacy.names`: known names
                   person's role       (roster, name columns), titles, cues, SSA first names
phone numbers      ``[phone]``         Presidio's ``PhoneRecognizer`` (Google's
                                       ``phonenumbers``, any format a person would read as
                                       a North American number)
email addresses    ``[email]``         Presidio's ``EmailRecognizer`` (public-suffix check
                                       from ``tldextract``'s bundled list, never fetched)
street addresses   ``[address]``       a Presidio pattern: house number, street name and
                                       street type (hundred blocks such as ``1200 block of
                                       Elm St`` and intersections are kept)
case numbers       ``[case number]``   Presidio patterns: ``case``/``report``/``CCN``/``RD``
                                       ... followed by an id, and report-number formats
                                       (``2021-004512``, ``21-123456``, ``JB123456``), plus
                                       the engagement's own ids (``known_ids``)
unique roles       its kind, e.g.      :mod:`cs360lib.publish.privacy.roles`: the
                   [a local group],    organisation after a leadership word (``chairs the
                   [a local business]  block club``, ``the owner of the corner store on
                                       Grand Ave``)
=================  ==================  =====================================================

A title attached to a scrubbed name goes with it (``Councilwoman Reyes`` becomes ``[name]``),
so that the title does not point at the person (:func:`~.roles.title_before`).

Microsoft Presidio (analyzer and anonymizer) runs with its no-op NLP engine: no spaCy
model is loaded or downloaded. Its regional and pattern recognizers need none; names come
from our own recognizer, plugged into Presidio per call. Presidio and the name list load on
first use (a few seconds), so ``import cs360lib`` stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pandas as pd

from cs360lib.publish.privacy.names import STREET_WORDS, TITLES, find_names
from cs360lib.publish.privacy.roles import GENERAL, find_roles, title_before

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine
    from presidio_anonymizer import AnonymizerEngine

__all__ = ["TAGS", "Finding", "Scrubber", "scrub_text"]

TAGS: dict[str, str] = {
    "name": "[name]",
    "phone": "[phone]",
    "email": "[email]",
    "address": "[address]",
    "case number": "[case number]",
    "role": GENERAL["group"],
}
"""What each kind of personal data is replaced by (a known person with a role: the role; a
unique role's organisation: its kind, :data:`~cs360lib.publish.privacy.roles.GENERAL`)."""

_KINDS = {
    "PERSON": "name",
    "KNOWN_PERSON": "name",
    "PHONE_NUMBER": "phone",
    "EMAIL_ADDRESS": "email",
    "STREET_ADDRESS": "address",
    "CASE_NUMBER": "case number",
}

_CASE_CUES = (
    r"case|report|incident|complaint|ccn|cad|event|file|ref|reference|docket|citation|"
    r"arrest|booking|rd|ir|cb|control"
)
CASE_NUMBER_PATTERNS: tuple[tuple[str, str, float], ...] = (
    (
        "case number after a cue word",
        rf"(?i:\b(?:{_CASE_CUES})(?:\s*(?:number|num|no\.?|#))?\s*[:#]?\s*)"
        r"(?:[A-Z]{1,3}[-\s]?)?\d[\dA-Z]*(?:-[\dA-Z]+)*\b(?<=\d{4}|[\dA-Z]{5}\b)",
        0.85,
    ),
    ("year-sequence report number", r"\b(?:19|20)\d{2}-\d{5,8}\b", 0.8),
    ("two-digit-year report number", r"\b\d{2}-\d{5,8}\b", 0.7),
    ("court case number", r"\b(?:19|20)\d{2}\s+[A-Z]{1,4}\d?\s+\d{4,8}\b", 0.75),
    ("letters and digits report number", r"\b[A-Z]{1,2}\d{6,10}\b", 0.7),
)
"""Presidio patterns for police report and case numbers: (name, regex, score)."""

_TYPES = "|".join(sorted({w for w in STREET_WORDS if len(w) > 1}, key=len, reverse=True))
_DIRECTIONS = r"(?:[NSEW]\.?|NE|NW|SE|SW|North|South|East|West)"
_UNIT = r"(?:,?\s+(?i:apt|apartment|unit|suite|ste|fl|floor|rm|room)\.?\s*#?\s*[\w-]+|\s*#\s*\w+)?"
_LOWER_SKIP = (
    r"(?!(?:the|a|an|and|or|but|then|than|with|for|into|onto|this|that|my|your|our|their|"
    r"his|her|its|some|no|more|less|other|same|down|up|of|on|in|at|across|over|from|to|by|"
    r"blocks?|minutes?|houses?|doors?|miles?|feet|yards?|times?|people|kids|cars?|floors?|"
    r"stories|years?|months?|weeks?|days?|hours?)\b)"
)
ADDRESS_PATTERNS: tuple[tuple[str, str, float], ...] = (
    (
        "house number, street and type",
        r"\b\d{1,6}[A-Za-z]?(?:-\d{1,6}[A-Za-z]?)?(?!\s+(?i:block)\b)"
        rf"(?:\s+{_DIRECTIONS})?"
        r"(?:\s+(?:[A-Z][A-Za-z'’.-]*|\d+(?i:st|nd|rd|th))){1,4}"
        rf"\s+(?i:{_TYPES})\b(?:\s+{_DIRECTIONS}\b)?{_UNIT}",
        0.85,
    ),
    (
        "house number, lower-case street and type",
        rf"\b\d{{1,6}}(?:\s+{_LOWER_SKIP}[a-z]+){{1,2}}"
        r"\s+(?:street|avenue|road|boulevard|drive|lane|court|place|terrace)\b",
        0.6,
    ),
)
"""Presidio patterns for exact street addresses: (name, regex, score)."""


_URL = re.compile(r"(?:https?://|www\.)[^\s)\]>\"']+", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """A piece of personal data found in a text.

    Attributes
    ----------
    start, end : int
        Character offsets.
    kind : str
        ``"name"``, ``"phone"``, ``"email"``, ``"address"``, ``"case number"`` or
        ``"role"`` (the organisation that makes a role unique).
    text : str
        The text found.
    replacement : str
        What it is replaced by (a tag of :data:`TAGS`, or a known person's role).
    """

    start: int
    end: int
    kind: str
    text: str
    replacement: str


@lru_cache(maxsize=1)
def _engines() -> tuple[AnalyzerEngine, AnonymizerEngine]:
    """Build Presidio's analyzer (pattern recognizers, no NLP model) and anonymizer once."""
    import tldextract
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    from presidio_analyzer.predefined_recognizers import EmailRecognizer, PhoneRecognizer
    from presidio_anonymizer import AnonymizerEngine

    offline = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)

    class OfflineEmailRecognizer(EmailRecognizer):
        """Presidio's email recognizer with the public-suffix list bundled, never fetched."""

        def validate_result(self, pattern_text: str) -> bool:  # noqa: D102
            return offline(pattern_text).fqdn != ""

    registry = RecognizerRegistry(
        supported_languages=["en"], global_regex_flags=re.DOTALL | re.MULTILINE
    )
    registry.add_recognizer(OfflineEmailRecognizer())
    # leniency 0 (POSSIBLE): fictional 555 numbers are still numbers a reader can dial
    registry.add_recognizer(PhoneRecognizer(supported_regions=("US",), leniency=0))
    for entity, patterns in (
        ("CASE_NUMBER", CASE_NUMBER_PATTERNS),
        ("STREET_ADDRESS", ADDRESS_PATTERNS),
    ):
        registry.add_recognizer(
            PatternRecognizer(
                supported_entity=entity,
                patterns=[Pattern(name, regex, score) for name, regex, score in patterns],
                global_regex_flags=re.DOTALL | re.MULTILINE,
            )
        )
    engine = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
    engine.load()
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
    return analyzer, AnonymizerEngine()


def _name_recognizer(known: Iterable[str]) -> Any:
    from presidio_analyzer import EntityRecognizer, RecognizerResult

    names = list(known)

    class NameRecognizer(EntityRecognizer):
        """People's names: known names, titles, cues and SSA first names (see names.py)."""

        def load(self) -> None:  # noqa: D102
            return None

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list:  # noqa: D102
            results = []
            for span in find_names(text, names):
                entity = "KNOWN_PERSON" if span.known else "PERSON"
                results.append(RecognizerResult(entity, span.start, span.end, 0.9))
            return results

    return NameRecognizer(supported_entities=["PERSON", "KNOWN_PERSON"], name="cs360 names")


class Scrubber:
    """Replace personal data in free text by tags or roles (reusable across many texts).

    Parameters
    ----------
    known_names : iterable of str, or mapping of str to str, default ()
        Names always scrubbed (the stakeholder roster, mapped name columns). A mapping gives
        each name the role it is replaced by (``{"Grace Okafor": "the pastor"}``); names
        without a role become ``[name]``.
    known_ids : iterable of str, default ()
        Ids always scrubbed as ``[case number]`` (e.g. the incident ids of the engagement).
    kinds : iterable of str, optional
        Kinds to scrub (keys of :data:`TAGS`); default all.

    Examples
    --------
    >>> scrubber = Scrubber({"Grace Okafor": "the pastor"})
    >>> scrubber.scrub("Grace Okafor said to call 410-555-0143.")  # doctest: +SKIP
    'the pastor said to call [phone].'
    """

    def __init__(
        self,
        known_names: Iterable[str] | Mapping[str, str] = (),
        *,
        known_ids: Iterable[str] = (),
        kinds: Iterable[str] | None = None,
    ) -> None:
        if isinstance(known_names, Mapping):
            self.roles = {" ".join(k.split()).lower(): v for k, v in known_names.items() if v and k}
            names = [str(k) for k in known_names]
        else:
            self.roles = {}
            names = [str(k) for k in known_names]
        self.known_names = [n for n in (" ".join(x.split()) for x in names) if n]
        self.known_ids = sorted({str(i).strip() for i in known_ids if str(i).strip()}, key=len)
        self.kinds = set(TAGS) if kinds is None else set(kinds)
        unknown = self.kinds - set(TAGS)
        if unknown:
            raise ValueError(f"unknown kinds {sorted(unknown)}; expected some of {list(TAGS)}")

    def find(self, text: str) -> list[Finding]:
        """Find the personal data in a text, without changing it.

        Parameters
        ----------
        text : str
            Free text.

        Returns
        -------
        list of Finding
            Non-overlapping findings in text order (overlaps resolved as the anonymizer does:
            the longer or higher-scoring one wins).
        """
        if not isinstance(text, str) or not text.strip():
            return []
        results = self._analyze(text)
        links = [m.span() for m in _URL.finditer(text)]
        findings = []
        for result in results:
            inside = any(a <= result.start and result.end <= b for a, b in links)
            if inside and result.entity_type != "EMAIL_ADDRESS":
                continue  # digits and words inside a web address are not personal data
            if result.entity_type == "PHONE_NUMBER" and not _phone_shaped(
                text[result.start : result.end]
            ):
                continue  # "2018 -160, 2019 -166": a list of years, not a phone number
            kind = _KINDS[result.entity_type]
            start = result.start
            replacement = self._tag(result, text)
            if kind == "name":  # "Councilwoman [name]" still points at her: the title goes too
                start = title_before(text, result.start)
                replacement = TAGS["name"] if start < result.start else replacement
            piece = text[start : result.end]
            findings.append(Finding(start, result.end, kind, piece, replacement))
        if "role" in self.kinds:
            findings = _with_roles(text, findings)
        return findings

    def scrub(self, text: str) -> str:
        """Return the text with its personal data replaced (the rest of the sentence kept).

        Parameters
        ----------
        text : str
            Free text; a non-string (None, NaN) is returned unchanged.

        Returns
        -------
        str
            The scrubbed text.
        """
        if not isinstance(text, str) or not text.strip():
            return text
        out = []
        position = 0
        for finding in self.find(text):
            out.append(text[position : finding.start])
            out.append(finding.replacement)
            position = finding.end
        out.append(text[position:])
        return "".join(out)

    def scrub_series(self, texts: pd.Series) -> pd.Series:
        """Scrub a column of free text (missing values stay missing).

        Parameters
        ----------
        texts : pandas.Series
            Text values.

        Returns
        -------
        pandas.Series
            Same index and name, the scrubbed texts.
        """
        unique = pd.unique(texts.dropna())
        mapping = {value: self.scrub(str(value)) for value in unique}
        return texts.map(mapping).astype(texts.dtype if texts.dtype == "string" else object)

    # -- internals -------------------------------------------------------------------------
    def _analyze(self, text: str) -> list[Any]:
        from presidio_analyzer import PatternRecognizer
        from presidio_anonymizer import ConflictResolutionStrategy
        from presidio_anonymizer.entities import OperatorConfig

        analyzer, anonymizer = _engines()
        ad_hoc = [_name_recognizer(self.known_names)]
        if self.known_ids:
            ad_hoc.append(
                PatternRecognizer(
                    supported_entity="CASE_NUMBER",
                    deny_list=self.known_ids,
                    name="known ids",
                    deny_list_score=0.95,
                )
            )
        wanted = [e for e, kind in _KINDS.items() if kind in self.kinds]
        results = analyzer.analyze(
            text=text,
            language="en",
            entities=wanted,
            ad_hoc_recognizers=ad_hoc,
            score_threshold=0.3,
        )
        # the anonymizer resolves overlaps; keep its spans (it reports them in its items)
        operators = {e: OperatorConfig("keep") for e in wanted}
        kept = anonymizer.anonymize(
            text=text,
            analyzer_results=results,
            operators=operators,
            conflict_resolution=ConflictResolutionStrategy.MERGE_SIMILAR_OR_CONTAINED,
        )
        spans = sorted((item.start, item.end, item.entity_type) for item in kept.items)
        by_span = {(r.start, r.end, r.entity_type): r for r in results}
        out = []
        last = -1
        for start, end, entity in spans:
            if start < last:  # partial overlaps: the earlier span wins
                continue
            result = by_span.get((start, end, entity))
            if result is None:
                from presidio_analyzer import RecognizerResult

                result = RecognizerResult(entity, start, end, 1.0)
            out.append(result)
            last = end
        return out

    def _tag(self, result: Any, text: str) -> str:
        titled = re.search(r"\b[A-Za-z]+\.?\s+$", text[: result.start])
        after_title = titled is not None and _is_title(titled.group().strip())
        if result.entity_type == "KNOWN_PERSON" and self.roles and not after_title:
            piece = " ".join(text[result.start : result.end].split()).lower()
            for name, role in self.roles.items():
                if piece == name or piece in name.split():
                    return role
        return TAGS[_KINDS[result.entity_type]]


def _with_roles(text: str, findings: list[Finding]) -> list[Finding]:
    """Add the organisations that make a role unique; they absorb findings inside them."""
    roles = []
    for role in find_roles(text):
        inside = [f for f in findings if role.start <= f.start and f.end <= role.end]
        crossing = [
            f for f in findings if f not in inside and f.start < role.end and role.start < f.end
        ]
        if crossing:  # a name or an address across its edge: keep those, they are scrubbed
            continue
        roles.append(Finding(role.start, role.end, "role", role.text, role.replacement))
        findings = [f for f in findings if f not in inside]
    return sorted([*findings, *roles], key=lambda f: f.start)


def _phone_shaped(text: str) -> bool:
    """Whether a phone candidate has the digits of a dialable number.

    Ten digits (eleven with a leading 1) for a North American number, seven written as
    ``555-0143`` for a local one, and 10 to 15 after a ``+`` for an international one.
    """
    digits = re.sub(r"\D", "", text)
    if text.lstrip().startswith("+"):
        return 10 <= len(digits) <= 15
    if len(digits) == 10 or (len(digits) == 11 and digits[0] == "1"):
        return True
    return len(digits) == 7 and re.fullmatch(r"\d{3}[-.\s]\d{4}", text.strip()) is not None


def _is_title(word: str) -> bool:
    return word.rstrip(".").lower() in TITLES


@lru_cache(maxsize=8)
def _default(names: tuple[str, ...], ids: tuple[str, ...]) -> Scrubber:
    return Scrubber(names, known_ids=ids)


def scrub_text(
    text: str,
    known_names: Iterable[str] | Mapping[str, str] = (),
    *,
    known_ids: Iterable[str] = (),
) -> str:
    """Replace names, phone numbers, emails, street addresses and case numbers in a text.

    Parameters
    ----------
    text : str
        Free text (an interview answer, a narrative). Non-strings are returned unchanged.
    known_names : iterable of str, or mapping of str to str, default ()
        Names always scrubbed; a mapping replaces each by its role (see :class:`Scrubber`).
    known_ids : iterable of str, default ()
        Ids always scrubbed as ``[case number]``.

    Returns
    -------
    str
        The text with ``[name]`` (or the role), ``[phone]``, ``[email]``, ``[address]`` and
        ``[case number]`` in place of what was found; everything else unchanged.

    Examples
    --------
    >>> scrub_text("Call Maria Lopez at (410) 555-0143 about case 2021-004512.")  # doctest: +SKIP
    'Call [name] at [phone] about [case number].'
    """
    if isinstance(known_names, Mapping):
        return Scrubber(known_names, known_ids=known_ids).scrub(text)
    return _default(tuple(known_names), tuple(known_ids)).scrub(text)
