"""Harm weights: how much harm one event of a category does, in days of imprisonment.

Counting crimes as if they were equal lets a thousand shopliftings outweigh ten robberies.
A crime harm index weights each event by the seriousness of its offense: the Cambridge Crime
Harm Index (Sherman, Neyroud and Neyroud 2016) uses the days of imprisonment that the
sentencing guideline of England and Wales recommends as the starting point for a first
offender; Ratcliffe (2015) built the same kind of index for Philadelphia from the
Pennsylvania sentencing guidelines.

The shipped default table (``tables/harm_default.yml``) does the same with the US
Sentencing Commission's Guidelines Manual: each entry names a Chapter 2 guideline and its base
offense level (plus a specific offense characteristic where the category names one, such as a
firearm), and its weight is the midpoint of that level's guideline range for a first offender
(Criminal History Category I) in the Sentencing Table, in days::

    weight = (low + high) / 2 * 365.25 / 12

with ``low`` and ``high`` in months (:data:`SENTENCING_TABLE`). The table's own text states
its derivation, source and limits; an engagement swaps it for another YAML file of the same
format or edits single categories (``prioritization.harm`` in the engagement file).

**Matching.** A category (an offense, an offense group, a call type, a partner metric) takes
the weight of the first entry whose pattern (a case-insensitive regular expression, searched
anywhere in the text) matches it; the engagement's own ``weights`` (exact names, any case) are
looked up first. A category that no entry matches has **no** weight: the worksheet never
guesses one, and marks the candidates that need it "not scored" with the names to add.

References
----------
Ratcliffe, J. H. (2015). Towards an index for harm-focused policing. *Policing: A Journal of
Policy and Practice*, 9(2), 164-182. https://doi.org/10.1093/police/pau032
Sherman, L., Neyroud, P. W., & Neyroud, E. (2016). The Cambridge Crime Harm Index: measuring
total harm from crime based on sentencing guidelines. *Policing: A Journal of Policy and
Practice*, 10(3), 171-183. https://doi.org/10.1093/police/paw003
United States Sentencing Commission (2023). *Guidelines Manual*, Chapter 5, Part A
(Sentencing Table) and Chapter 2 (offense conduct).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import yaml

from cs360lib.errors import PrioritizationError
from cs360lib.publish.aggregate import MAX_BARS, shown_title, top_with_other
from cs360lib.publish.results import NumbersAsComputed, Result

__all__ = [
    "DAYS_PER_MONTH",
    "SENTENCING_TABLE",
    "HarmEntry",
    "HarmTable",
    "HarmWeights",
    "guideline_days",
    "load_harm_table",
]

SENTENCING_TABLE: dict[int, tuple[int, int]] = {
    **{level: (0, 6) for level in range(1, 9)},
    9: (4, 10),
    10: (6, 12),
    11: (8, 14),
    12: (10, 16),
    13: (12, 18),
    14: (15, 21),
    15: (18, 24),
    16: (21, 27),
    17: (24, 30),
    18: (27, 33),
    19: (30, 37),
    20: (33, 41),
    21: (37, 46),
    22: (41, 51),
    23: (46, 57),
    24: (51, 63),
    25: (57, 71),
    26: (63, 78),
    27: (70, 87),
    28: (78, 97),
    29: (87, 108),
    30: (97, 121),
    31: (108, 135),
    32: (121, 151),
    33: (135, 168),
    34: (151, 188),
    35: (168, 210),
    36: (188, 235),
    37: (210, 262),
    38: (235, 293),
    39: (262, 327),
    40: (292, 365),
    41: (324, 405),
}
"""Guideline range (months) of each offense level for Criminal History Category I (US
Sentencing Commission, Guidelines Manual, Chapter 5 Part A). Levels 42 and 43 reach life
imprisonment and have no midpoint: an entry for them must give its weight directly."""

DAYS_PER_MONTH = 365.25 / 12
"""Days in a month of a sentence (a Julian year over twelve)."""

_KEYS = {"label", "level", "weight", "guideline", "patterns"}
_TABLE_KEYS = {"name", "unit", "source", "derivation", "entries"}


def guideline_days(level: int) -> float:
    """Harm weight of an offense level: the midpoint of its first-offender range, in days.

    Parameters
    ----------
    level : int
        Offense level from 1 to 41.

    Returns
    -------
    float
        ``(low + high) / 2 * 365.25 / 12``.

    Raises
    ------
    PrioritizationError
        For a level outside 1 to 41.

    Examples
    --------
    >>> round(guideline_days(20), 1)  # robbery: 33 to 41 months
    1126.2
    """
    if level not in SENTENCING_TABLE:
        raise PrioritizationError(
            f"offense level {level!r} has no guideline range with a midpoint (levels 1 to 41); "
            "give the entry a weight instead"
        )
    low, high = SENTENCING_TABLE[level]
    return (low + high) / 2 * DAYS_PER_MONTH


@dataclass(frozen=True)
class HarmEntry:
    """One entry of a harm table.

    Attributes
    ----------
    label : str
        What the entry covers (``"Robbery with a firearm"``).
    weight : float
        Harm of one event, in the table's unit (days).
    guideline : str
        Where the weight comes from (the guideline section and level, or "set in the
        engagement file").
    level : int or None
        Offense level the weight was derived from.
    patterns : tuple of str
        Regular expressions that select the categories it covers.
    """

    label: str
    weight: float
    guideline: str = ""
    level: int | None = None
    patterns: tuple[str, ...] = ()

    def matches(self, category: str) -> bool:
        """Return True if the entry covers ``category`` (one pattern is found in it)."""
        return any(re.search(p, category, re.IGNORECASE) for p in self.patterns)


@dataclass(frozen=True)
class HarmTable:
    """A harm-weight table: entries tried in order, and the engagement's own weights first.

    Attributes
    ----------
    name, unit, source, derivation : str
        What the table is, its unit (``days``), where its numbers come from and how.
    entries : tuple of HarmEntry
        Tried in order; the first match gives the weight.
    overrides : mapping of str to float
        Category -> weight, from the engagement file; looked up first (without regard to
        case).
    path : Path or None
        The YAML file it was read from (None for the shipped default or a dict).
    """

    name: str
    unit: str
    source: str
    derivation: str
    entries: tuple[HarmEntry, ...]
    overrides: Mapping[str, float] = field(default_factory=dict)
    path: Path | None = None
    _found: dict[str, HarmEntry | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def lookup(self, category: object) -> HarmEntry | None:
        """Return the entry that weights ``category``, or None when the table has none.

        Parameters
        ----------
        category : object
            An offense, offense group, call type or metric (compared as text).

        Returns
        -------
        HarmEntry or None
            The engagement's own weight for that exact name, else the first entry whose
            pattern matches; None when nothing matches (never a guessed weight).
        """
        if category is None or (isinstance(category, float) and pd.isna(category)):
            return None
        text = str(category).strip()
        if text not in self._found:  # the table is frozen: a category's answer never changes
            self._found[text] = self._lookup(text)
        return self._found[text]

    def _lookup(self, text: str) -> HarmEntry | None:
        own = {k.strip().casefold(): v for k, v in self.overrides.items()}.get(text.casefold())
        if own is not None:
            return HarmEntry(text, float(own), "set in the engagement file (its harm weights)")
        for entry in self.entries:
            if entry.matches(text):
                return entry
        return None

    def weights(self, categories: Iterable[object]) -> dict[str, float | None]:
        """Return the weight of each category (None where the table has none).

        Parameters
        ----------
        categories : iterable
            Category names.

        Returns
        -------
        dict of str to float or None
            Category -> weight.
        """
        out: dict[str, float | None] = {}
        for category in categories:
            entry = self.lookup(category)
            out[str(category)] = None if entry is None else entry.weight
        return out

    def with_weights(self, weights: Mapping[str, float] | None) -> HarmTable:
        """Return a copy with the engagement's own weights (exact names) added.

        Parameters
        ----------
        weights : mapping of str to float, optional
            Category -> weight (>= 0).

        Returns
        -------
        HarmTable
        """
        merged = {**self.overrides, **{k.strip(): float(v) for k, v in (weights or {}).items()}}
        return HarmTable(
            self.name, self.unit, self.source, self.derivation, self.entries, merged, self.path
        )

    def to_frame(self) -> pd.DataFrame:
        """Return the table, one row per entry (the engagement's weights first).

        Returns
        -------
        pandas.DataFrame
            ``label``, ``weight``, ``level``, ``guideline``, ``patterns`` (``; ``-joined).
        """
        rows = [
            {"label": k, "weight": v, "level": None, "guideline": "engagement file", "patterns": ""}
            for k, v in self.overrides.items()
        ]
        rows += [
            {
                "label": e.label,
                "weight": e.weight,
                "level": e.level,
                "guideline": e.guideline,
                "patterns": "; ".join(e.patterns),
            }
            for e in self.entries
        ]
        return pd.DataFrame(rows, columns=["label", "weight", "level", "guideline", "patterns"])


def _entry(raw: Any, index: int, where: str) -> HarmEntry:
    if not isinstance(raw, Mapping):
        raise PrioritizationError(f"{where}: entries[{index}] must be a mapping, got {raw!r}")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise PrioritizationError(
            f"{where}: entries[{index}] has unknown key(s) {unknown}; use {sorted(_KEYS)}"
        )
    label = raw.get("label")
    if not label:
        raise PrioritizationError(f"{where}: entries[{index}] needs a label")
    patterns = raw.get("patterns") or []
    if isinstance(patterns, str):
        patterns = [patterns]
    if not patterns:
        raise PrioritizationError(f"{where}: entries[{index}] ({label}) needs patterns")
    for pattern in patterns:
        try:
            re.compile(str(pattern))
        except re.error as error:
            raise PrioritizationError(
                f"{where}: entries[{index}] ({label}): pattern {pattern!r} is not a regular "
                f"expression ({error})"
            ) from None
    level, weight = raw.get("level"), raw.get("weight")
    if weight is None and level is None:
        raise PrioritizationError(
            f"{where}: entries[{index}] ({label}) needs a level (1 to 41) or a weight"
        )
    if weight is None:
        if isinstance(level, bool) or not isinstance(level, int):
            raise PrioritizationError(
                f"{where}: entries[{index}] ({label}): level must be a whole number, got {level!r}"
            )
        weight = guideline_days(level)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
        raise PrioritizationError(
            f"{where}: entries[{index}] ({label}): weight must be a number >= 0, got {weight!r}"
        )
    return HarmEntry(
        label=str(label),
        weight=float(weight),
        guideline=str(raw.get("guideline", "")),
        level=level if isinstance(level, int) else None,
        patterns=tuple(str(p) for p in patterns),
    )


def load_harm_table(
    table: str | Path | Mapping[str, Any] | HarmTable = "default",
    *,
    weights: Mapping[str, float] | None = None,
) -> HarmTable:
    """Read a harm-weight table.

    Parameters
    ----------
    table : str, Path, mapping or HarmTable, default "default"
        ``"default"`` (the shipped table), a YAML file, a mapping of the same format, or a
        table already read. The format: ``name``, ``unit``, ``source``, ``derivation`` and
        ``entries``, each entry a ``label``, ``patterns`` and either a ``level`` (1 to 41,
        converted by :func:`guideline_days`) or a ``weight``, with its ``guideline``.
    weights : mapping of str to float, optional
        The engagement's own weights by exact category name, looked up first.

    Returns
    -------
    HarmTable

    Raises
    ------
    PrioritizationError
        For a missing file, YAML that is not a table, an unknown key, an entry without a
        label, patterns, or a level or weight, a bad regular expression or a negative weight;
        the message names the file and the entry.
    """
    if isinstance(table, HarmTable):
        return table.with_weights(weights)
    path: Path | None = None
    if isinstance(table, Mapping):
        data, where = dict(table), "harm table"
    elif str(table) == "default":
        text = resources.files("cs360lib.steps.prioritize").joinpath("tables/harm_default.yml")
        data, where = yaml.safe_load(text.read_text(encoding="utf-8")), "default harm table"
    else:
        path = Path(table)
        if not path.is_file():
            raise PrioritizationError(f"harm table {path} not found")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise PrioritizationError(f"{path}: not valid YAML: {error}") from None
        where = str(path)
    if not isinstance(data, Mapping) or not isinstance(data.get("entries"), list):
        raise PrioritizationError(f"{where}: expected a mapping with a list of entries")
    unknown = sorted(set(data) - _TABLE_KEYS)
    if unknown:
        raise PrioritizationError(
            f"{where}: unknown key(s) {unknown}; a harm table has {sorted(_TABLE_KEYS)}"
        )
    entries = tuple(_entry(raw, i, where) for i, raw in enumerate(data["entries"]))
    result = HarmTable(
        name=str(data.get("name", where)),
        unit=str(data.get("unit", "days")),
        source=str(data.get("source", "")).strip(),
        derivation=str(data.get("derivation", "")).strip(),
        entries=entries,
        path=path,
    )
    return result.with_weights(weights)


@dataclass(frozen=True)
class HarmWeights(NumbersAsComputed, Result):
    """The harm table a worksheet used, for the reader: its entries, derivation and source.

    Attributes
    ----------
    harm_table : HarmTable
        The table (with the engagement's own weights).
    """

    harm_table: HarmTable
    labels = {
        "label": "Category",
        "weight": "Harm weight (days)",
        "level": "Offense level",
        "guideline": "Guideline",
        "patterns": "Offense-name patterns",
    }
    count_columns = ()  # weights in days of imprisonment, not counts
    privacy = {"patterns": "internal"}  # regular expressions: for the analyst

    def to_frame(self) -> pd.DataFrame:
        """Return the table's entries (see :meth:`HarmTable.to_frame`).

        Returns
        -------
        pandas.DataFrame
            ``label``, ``weight``, ``level``, ``guideline``, ``patterns``.
        """
        return self.harm_table.to_frame()

    def summary(self) -> str:
        """State what the table is, how its weights were derived and where they come from.

        Returns
        -------
        str
            Name, unit, derivation, source and the engagement's own weights.
        """
        t = self.harm_table
        lines = [f"Harm weights: {t.name} (in {t.unit})."]
        if t.derivation:
            lines.append(f"Derivation: {t.derivation}")
        if t.source:
            lines.append(f"Source: {t.source}")
        if t.overrides:
            lines.append(
                "Set in the engagement file: "
                + ", ".join(f"{k} = {v:g}" for k, v in t.overrides.items())
                + "."
            )
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Dot plot of the weight of each entry (log scale).

        A dot, not a bar: on a log scale a bar has no zero to start from, and its length
        would not be proportional to the weight (Cleveland and McGill's dot chart).

        Returns
        -------
        altair.Chart
            One dot per entry with a weight above zero: the
            :data:`~cs360lib.publish.aggregate.MAX_BARS` heaviest (the title says so when
            the table has more; the table lists all).
        """
        frame = self.to_frame()
        frame = frame[frame["weight"] > 0]
        shown = top_with_other(frame, label="label", rank="weight", n=MAX_BARS)
        title = shown_title(
            "Harm weight of one event (days, log scale)",
            shown=len(shown),
            left_out=len(frame) - len(shown),
            what="heaviest entries",
        )
        return (
            alt.Chart(shown, title=title)
            .mark_circle(size=70, opacity=1)
            .encode(
                y=alt.Y("label:N", title=None, sort="-x"),
                x=alt.X("weight:Q", title="days", scale=alt.Scale(type="log", zero=False)),
                tooltip=["label", alt.Tooltip("weight:Q", format=",.0f"), "guideline"],
            )
        )
