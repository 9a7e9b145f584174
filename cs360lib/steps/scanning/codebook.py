"""Codebooks: the concerns that scanning responses are coded against, as validated YAML.

A codebook lists **concerns**. Each has an ``id`` (snake_case), a ``label`` for reports,
a ``definition`` written for human coders, the ``phrases`` that signal it (plain words,
inflected automatically, see :mod:`.patterns`), optional regular-expression
``patterns``, ``exclude`` phrases and ``exclude_patterns`` that cancel a match (``flu
shot`` is not gun violence), and optionally how the concern is **measured** in data
(``measure: {source: incidents, filter: {offense_group: [Robbery]}}``), which the
prioritization step uses. The coding method (explicit, documented rules that a person
can audit and override) follows the directed content analysis of Hsieh and Shannon
(2005, "Three approaches to qualitative content analysis", *Qualitative Health
Research* 15(9)) with a codebook kept as MacQueen et al. recommend (1998, "Codebook
development for team-based qualitative analysis", *Cultural Anthropology Methods*
10(2)): label, definition, when to use, when not to use.

The package ships two codebooks: ``default`` (public-safety concerns heard in CS360
scanning interviews) and ``data`` (kinds of data partners hold, for the data
inventory). An engagement's own codebook either replaces the default (a complete file)
or extends it::

    extends: default          # or a path to another codebook, relative to this file
    remove: [youth]           # drop concerns
    concerns:
      - id: robbery           # an existing id: the fields given replace the default's
        measure: {source: incidents, filter: {offense: [Street robbery]}}
      - id: scooter_theft     # a new id: a complete entry
        label: Scooter theft
        definition: ...
        phrases: [scooter theft, stolen scooter]

Every problem (invalid regular expression, duplicate id, a concern with nothing to
match, an unknown key) raises :class:`~cs360lib.errors.CodebookError` naming the file,
the concern and the pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from cs360lib.data.schemas import SCHEMAS
from cs360lib.errors import CodebookError
from cs360lib.steps.scanning.negation import DEFAULT_WINDOW
from cs360lib.steps.scanning.patterns import phrase_regex, wrap

__all__ = [
    "Codebook",
    "CompiledCodebook",
    "Concern",
    "Measure",
    "Negation",
    "data_codebook",
    "default_codebook",
    "load_codebook",
    "shipped_codebooks",
]

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_SHIPPED = "cs360lib.steps.scanning"


class Measure(BaseModel):
    """How a concern is measured in data: a source kind and a filter on its columns.

    Attributes
    ----------
    source : str
        A kind of source (``incidents``, ``calls``, ``arrests``, ``partner_metrics``...).
    filter : dict of str to list of str
        Canonical column of the kind -> accepted values (``{offense_group: [Robbery]}``);
        a row must match every column given.
    note : str, optional
        What the measure leaves out, for the reader.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    filter: dict[str, list[str]] = Field(default_factory=dict)
    note: str | None = None

    @field_validator("source")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in SCHEMAS:
            raise ValueError(f"unknown source kind {value!r}; use one of {sorted(SCHEMAS)}")
        return value

    @model_validator(mode="after")
    def _known_columns(self) -> Measure:
        columns = list(SCHEMAS[self.source].to_schema().columns)
        unknown = [c for c in self.filter if c not in columns]
        if unknown:
            raise ValueError(
                f"filter column(s) {unknown} are not columns of {self.source!r}; "
                f"use {', '.join(columns)}"
            )
        return self


class Concern(BaseModel):
    """One code of a codebook (see the module docstring for the fields)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    label: str
    definition: str
    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    exclude_patterns: list[str] = Field(default_factory=list)
    measure: Measure | None = None

    @field_validator("phrases", "exclude", mode="before")
    @classmethod
    def _numbers_as_text(cls, value: object) -> object:
        # YAML reads `311` and `911` as numbers; they are phrases all the same.
        if isinstance(value, list):
            return [
                str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
                for v in value
            ]
        return value

    @field_validator("id")
    @classmethod
    def _snake(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"concern id {value!r} must be snake_case (a-z, 0-9, _)")
        return value

    @field_validator("label", "definition")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    def fragments(self) -> list[str]:
        """Return the regular-expression fragments that code this concern.

        Returns
        -------
        list of str
            One per phrase (with inflections) and one per pattern, without word boundaries.
        """
        return [phrase_regex(p) for p in self.phrases] + list(self.patterns)

    def exclusion_fragments(self) -> list[str]:
        """Return the fragments that cancel a mention of this concern.

        Returns
        -------
        list of str
            One per exclusion phrase and exclusion pattern.
        """
        return [phrase_regex(p) for p in self.exclude] + list(self.exclude_patterns)


class Negation(BaseModel):
    """Negation settings: ``enabled`` (default true) and the word ``window`` (default 5)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    window: int = Field(default=DEFAULT_WINDOW, ge=1, le=20)


class Codebook(BaseModel):
    """A validated codebook.

    Attributes
    ----------
    name : str
        Name shown in reports.
    description : str
        What the codebook is for and how it was written.
    concerns : list of Concern
        The codes, in report order.
    negation : Negation
        Negation settings.
    facets : dict of str to list of Concern
        Secondary code lists coded alongside the concerns (the data codebook's
        ``geography``, ``frequency`` and ``sharing`` terms); see :meth:`facet`.
    source : str
        File it was read from (``<dict>`` or ``<shipped:NAME>`` otherwise).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "codebook"
    description: str = ""
    concerns: list[Concern]
    negation: Negation = Field(default_factory=Negation)
    facets: dict[str, list[Concern]] = Field(default_factory=dict)
    source: str = "<dict>"
    _compiled: CompiledCodebook | None = PrivateAttr(default=None)

    @property
    def ids(self) -> list[str]:
        """Concern ids in order."""
        return [c.id for c in self.concerns]

    @property
    def labels(self) -> dict[str, str]:
        """Concern id -> label."""
        return {c.id: c.label for c in self.concerns}

    def concern(self, concern_id: str) -> Concern:
        """Return a concern by id.

        Parameters
        ----------
        concern_id : str
            The id.

        Returns
        -------
        Concern
            The concern.

        Raises
        ------
        CodebookError
            If no concern has that id.
        """
        for c in self.concerns:
            if c.id == concern_id:
                return c
        raise CodebookError(
            f"codebook {self.source}: no concern {concern_id!r}; known: {', '.join(self.ids)}"
        )

    def facet(self, name: str) -> Codebook:
        """Return one facet as a codebook of its own (same source, no negation).

        Parameters
        ----------
        name : str
            Facet name (``geography``, ``frequency``, ``sharing`` in the data codebook).

        Returns
        -------
        Codebook
            The facet's entries as concerns, compiled.

        Raises
        ------
        CodebookError
            If the codebook has no such facet.
        """
        if name not in self.facets:
            raise CodebookError(
                f"codebook {self.source} has no facet {name!r}; known: {sorted(self.facets)}"
            )
        book = Codebook(
            name=f"{self.name}: {name}",
            concerns=self.facets[name],
            negation=Negation(enabled=False),
            source=f"{self.source}#{name}",
        )
        book.compile()
        return book

    def measures(self) -> dict[str, Measure]:
        """Return the measure of every concern that names one.

        Returns
        -------
        dict of str to Measure
            Concern id -> measure.
        """
        return {c.id: c.measure for c in self.concerns if c.measure is not None}

    def to_frame(self):  # noqa: ANN201 - pandas imported lazily
        """Return the codebook as a table for coders.

        Returns
        -------
        pandas.DataFrame
            ``id``, ``label``, ``definition``, ``phrases``, ``patterns``, ``exclude``, ``measure``.
        """
        import pandas as pd

        return pd.DataFrame(
            {
                "id": [c.id for c in self.concerns],
                "label": [c.label for c in self.concerns],
                "definition": [c.definition for c in self.concerns],
                "phrases": ["; ".join(c.phrases) for c in self.concerns],
                "patterns": ["; ".join(c.patterns) for c in self.concerns],
                "exclude": ["; ".join(c.exclude + c.exclude_patterns) for c in self.concerns],
                "measure": [
                    ""
                    if c.measure is None
                    else f"{c.measure.source} "
                    + ", ".join(f"{k} in {v}" for k, v in c.measure.filter.items())
                    for c in self.concerns
                ],
            }
        )

    def compile(self) -> CompiledCodebook:
        """Check every pattern and build the matcher (cached on the codebook).

        Returns
        -------
        CompiledCodebook
            The one-pass matcher.

        Raises
        ------
        CodebookError
            Naming the file, the concern and the pattern that is invalid, matches empty
            text or uses a construct that cannot be combined (back-references, named
            groups, inline flags).
        """
        if self._compiled is None or self._compiled.codebook is not self:
            self._compiled = CompiledCodebook(self)
        return self._compiled


def _check_fragment(source: str, concern: str, what: str, text: str, fragment: str) -> None:
    where = f"codebook {source}, concern {concern!r}, {what} {text!r}"
    if re.search(r"\\[1-9]|\(\?P[<=]|\(\?[aiLmsux-]+[):]", fragment):
        raise CodebookError(
            f"{where}: back-references, named groups and inline flags cannot be combined with "
            "the other patterns; rewrite it without them (matching is already case-insensitive)."
        )
    try:
        compiled = re.compile(wrap(fragment), re.IGNORECASE)
    except re.error as exc:
        raise CodebookError(
            f"{where} is not a valid regular expression ({exc}); fix it, or write it as a "
            "plain phrase under `phrases`."
        ) from exc
    if re.fullmatch(fragment, "", re.IGNORECASE) is not None or compiled.pattern == r"\b(?:)\b":
        raise CodebookError(f"{where} matches empty text; every pattern must match some words.")


@dataclass
class CompiledCodebook:
    """A codebook turned into one regular expression, matched in one pass over the text.

    All trigger and exclusion fragments of all concerns form one alternation wrapped in
    word boundaries; exclusions come first and triggers longest first, so that at any
    position the most specific text wins (``car break-in`` before ``break-in``). A
    matched span codes every concern whose own expression matches the whole span, and
    is cancelled for a concern whose exclusion matches it.

    Attributes
    ----------
    codebook : Codebook
        The codebook.
    regex : re.Pattern
        The combined expression.
    """

    codebook: Codebook
    regex: re.Pattern = field(init=False)
    _triggers: dict[str, re.Pattern] = field(init=False, repr=False)
    _exclusions: dict[str, re.Pattern] = field(init=False, repr=False)
    _memo: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(
        init=False, repr=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        cb = self.codebook
        triggers: list[str] = []
        exclusions: list[str] = []
        self._triggers, self._exclusions = {}, {}
        for c in cb.concerns:
            for text, frag in zip(c.phrases + c.patterns, c.fragments(), strict=True):
                _check_fragment(cb.source, c.id, "phrase or pattern", text, frag)
            excl_texts = c.exclude + c.exclude_patterns
            for text, frag in zip(excl_texts, c.exclusion_fragments(), strict=True):
                _check_fragment(cb.source, c.id, "exclusion", text, frag)
            self._triggers[c.id] = re.compile(
                "(?:" + "|".join(f"(?:{f})" for f in c.fragments()) + ")", re.IGNORECASE
            )
            triggers.extend(c.fragments())
            if c.exclusion_fragments():
                self._exclusions[c.id] = re.compile(
                    "(?:" + "|".join(f"(?:{f})" for f in c.exclusion_fragments()) + ")",
                    re.IGNORECASE,
                )
                exclusions.extend(c.exclusion_fragments())
        ordered = sorted(dict.fromkeys(exclusions), key=len, reverse=True) + sorted(
            dict.fromkeys(triggers), key=len, reverse=True
        )
        self.regex = re.compile(wrap("|".join(f"(?:{f})" for f in ordered)), re.IGNORECASE)

    @cached_property
    def baseline_regex(self) -> re.Pattern:
        """One plain alternation of every trigger pattern (the benchmark's baseline)."""
        frags = [f for c in self.codebook.concerns for f in c.fragments()]
        return re.compile(wrap("|".join(f"(?:{f})" for f in frags)), re.IGNORECASE)

    def classify(self, span: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Return the concerns a matched span codes and the concerns it cancels.

        Parameters
        ----------
        span : str
            Text matched by :attr:`regex`.

        Returns
        -------
        tuple
            ``(coded, excluded)``: concern ids whose trigger expression matches the whole
            span and is not cancelled by an exclusion of the same concern; concern ids
            whose exclusion matches the whole span.
        """
        key = " ".join(span.lower().split())
        hit = self._memo.get(key)
        if hit is None:
            excluded = tuple(c for c, rx in self._exclusions.items() if rx.fullmatch(key))
            coded = tuple(
                c for c, rx in self._triggers.items() if c not in excluded and rx.fullmatch(key)
            )
            hit = (coded, excluded)
            self._memo[key] = hit
        return hit


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CodebookError(f"codebook {path} does not exist; check the path.") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CodebookError(f"codebook {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise CodebookError(f"codebook {path} must be a mapping with a `concerns` list.")
    return data


def _shipped_path(name: str) -> Path:
    return Path(str(resources.files(_SHIPPED).joinpath("codebooks").joinpath(f"{name}.yml")))


def shipped_codebooks() -> list[str]:
    """Return the names of the codebooks shipped with the package.

    Returns
    -------
    list of str
        E.g. ``["data", "default"]``.
    """
    folder = Path(str(resources.files(_SHIPPED).joinpath("codebooks")))
    return sorted(p.stem for p in folder.glob("*.yml"))


def _merge(base: dict[str, Any], data: dict[str, Any], source: str) -> dict[str, Any]:
    removed = data.pop("remove", []) or []
    entries = data.pop("concerns", []) or []
    concerns = [dict(c) for c in base.get("concerns", [])]
    known = {c["id"]: i for i, c in enumerate(concerns)}
    for r in removed:
        if r not in known:
            raise CodebookError(f"codebook {source}: `remove` names unknown concern {r!r}.")
    concerns = [c for c in concerns if c["id"] not in set(removed)]
    known = {c["id"]: i for i, c in enumerate(concerns)}
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict) or "id" not in entry:
            raise CodebookError(f"codebook {source}: every concern needs an `id` ({entry!r}).")
        cid = entry["id"]
        if cid in seen:
            raise CodebookError(f"codebook {source}: concern id {cid!r} is given twice.")
        seen.add(cid)
        if cid in known:
            concerns[known[cid]] = {**concerns[known[cid]], **entry}
        else:
            concerns.append(dict(entry))
    merged = {k: v for k, v in base.items() if k not in ("concerns", "source")}
    merged.update(data)
    merged["concerns"] = concerns
    return merged


def _resolve(data: dict[str, Any], path: Path | None, source: str, depth: int = 0) -> dict:
    data = dict(data)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if depth > 5:
        raise CodebookError(f"codebook {source}: `extends` goes more than 5 levels deep.")
    if parent in shipped_codebooks():
        parent_path = _shipped_path(parent)
    else:
        parent_path = Path(parent)
        if not parent_path.is_absolute() and path is not None:
            parent_path = path.parent / parent_path
    base = _resolve(_read_yaml(parent_path), parent_path, str(parent_path), depth + 1)
    return _merge(base, data, source)


def _validate(data: dict[str, Any], source: str) -> Codebook:
    ids = [c.get("id") for c in data.get("concerns", []) or [] if isinstance(c, dict)]
    dupes = sorted({i for i in ids if ids.count(i) > 1 and i is not None})
    if dupes:
        raise CodebookError(
            f"codebook {source}: duplicate concern id(s) {', '.join(map(repr, dupes))}; "
            "each concern needs its own id (to change a concern of the base codebook, "
            "give its id once with the fields to replace)."
        )
    try:
        book = Codebook.model_validate({**data, "source": source})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = list(err["loc"])
            where = ".".join(str(x) for x in loc)
            if len(loc) >= 2 and loc[0] == "concerns" and isinstance(loc[1], int):
                cid = ids[loc[1]] if loc[1] < len(ids) else loc[1]
                where = f"concern {cid!r}, " + ".".join(str(x) for x in loc[2:])
            lines.append(f"- {where}: {err['msg']}")
        raise CodebookError(f"codebook {source} is invalid:\n" + "\n".join(lines)) from exc
    if not book.concerns:
        raise CodebookError(f"codebook {source} has no concerns.")
    for c in book.concerns:
        if not c.phrases and not c.patterns:
            raise CodebookError(
                f"codebook {source}, concern {c.id!r} has no phrases and no patterns; "
                "give at least one, or remove the concern."
            )
        for p in c.phrases + c.exclude:
            if not p.strip():
                raise CodebookError(f"codebook {source}, concern {c.id!r}: an empty phrase.")
    book.compile()
    return book


def load_codebook(
    codebook: Codebook | dict[str, Any] | str | Path | None = None,
    *,
    base: str | Path | None = None,
) -> Codebook:
    """Read and validate a codebook.

    Parameters
    ----------
    codebook : Codebook, dict, str or Path, optional
        A codebook, a dict of its YAML content, the name of a shipped codebook
        (``"default"``, ``"data"``) or a YAML file. ``None`` gives the default.
    base : str or Path, optional
        Folder against which a relative file path (and a dict's ``extends`` path) is read,
        e.g. the folder of the engagement file.

    Returns
    -------
    Codebook
        Validated, with every pattern compiled.

    Raises
    ------
    CodebookError
        If the file is missing or malformed; the message names the file, the concern and
        the pattern.
    """
    if isinstance(codebook, Codebook):
        codebook.compile()
        return codebook
    if codebook is None:
        codebook = "default"
    if isinstance(codebook, dict):
        anchor = Path(base) / "codebook.yml" if base is not None else None
        return _validate(_resolve(codebook, anchor, "<dict>"), "<dict>")
    if isinstance(codebook, str) and codebook in shipped_codebooks():
        return _shipped_codebook(codebook)
    else:
        path = Path(codebook)
        if not path.is_absolute() and base is not None:
            path = Path(base) / path
        source = str(path)
    return _validate(_resolve(_read_yaml(path), path, source), source)


@cache
def _shipped_codebook(name: str) -> Codebook:
    """Read, validate and compile a shipped codebook once per process.

    The shipped files are package data, fixed for the life of the process, and a codebook is
    frozen (its fields cannot be reassigned), so one validated instance with its compiled
    matcher serves every caller: validation checks and compiles some 600 patterns (about 0.3 s),
    and one notebook asks for the default codebook up to nine times.
    """
    path = _shipped_path(name)
    source = f"<shipped:{name}>"
    return _validate(_resolve(_read_yaml(path), path, source), source)


def default_codebook() -> Codebook:
    """Return the shipped public-safety codebook.

    Returns
    -------
    Codebook
        The concerns heard in CS360 scanning interviews (see ``docs/scanning.md``).
    """
    return load_codebook("default")


def data_codebook() -> Codebook:
    """Return the shipped codebook of data kinds partners hold (for the data inventory).

    Returns
    -------
    Codebook
        EMS and overdose calls, 311 requests, code enforcement, school attendance,
        hospital injuries, business and transit data, lighting outages, and police data.
    """
    return load_codebook("data")
