"""Publication: what of a table or a result the stakeholder report may show.

:func:`publish_frame` applies the engagement's publishing rules
(:class:`cs360lib.config.publishing.Publishing`) to a frame before anything of it is
published, in this order:

1. **Record-level rows are never published.** A frame that carries lineage columns
   (``source_file``, ``source_row``: loaded or rejected records) is not published at all.
2. **Personal columns** (the schema's ``personal`` columns, columns a result or a mapping
   declares personal, e.g. example rows and raw values) and columns a result declares
   ``internal`` are emptied in the published numbers and left out of the published table.
3. **Locations** (the schema's ``location`` columns: addresses, coordinates; and beats at
   ``district`` precision) are generalized to ``location_precision``
   (:func:`cs360lib.publish.privacy.generalize_locations`); a count table whose rows become
   the same place (two addresses of one hundred block) is added up again.
4. **Free text** (the schema's ``text`` columns and mapped extra columns declared ``text``)
   passes the scrubber with the engagement's known names
   (:class:`cs360lib.publish.privacy.Scrubber`), or is left out when ``quotes`` is false.
5. **Counts** (declared by :class:`cs360lib.publish.results.Counts`, or every whole-number
   column when nothing is declared) are suppressed with ``min_count``: primary and
   complementary suppression with :func:`cs360lib.publish.privacy.suppress_counts`
   (Hundepool et al. 2012, *Statistical Disclosure Control*, ch. 4-5); rates of hidden
   counts are hidden.

:func:`publish_result` does the same for a :class:`~cs360lib.publish.results.Result` and
rebuilds the result from the published numbers, so that its summary and chart are drawn from
them. The column classes come from :func:`column_classes`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import pandas as pd

from cs360lib.config.publishing import LocationPrecision, Publishing
from cs360lib.data.schemas import LINEAGE_LABELS, SCHEMAS, kind_info
from cs360lib.errors import PrivacyError
from cs360lib.publish.count_tables import (
    SECONDARY_MARKER,
    Counts,
    check_counts,
    inferred_counts,
    primary_marker,
    regroup,
    suppress_declared,
    with_missing,
)

if TYPE_CHECKING:  # pragma: no cover
    from cs360lib.publish.privacy import Scrubber
    from cs360lib.publish.results import Result

__all__ = [
    "LINEAGE",
    "Counts",
    "Publication",
    "PublishedResult",
    "PublishingContext",
    "column_classes",
    "publish_frame",
    "publish_result",
]

LINEAGE = tuple(LINEAGE_LABELS)
"""Columns that mark a frame as record-level (every loaded or rejected row carries them)."""

MAPPING_CLASSES = ("public", "personal", "location", "text", "name")
"""Publishing classes a mapping may give its extra columns (``name``: personal, and its
values are names the scrubber always removes from free text)."""

RESULT_CLASSES = (*MAPPING_CLASSES, "internal")
"""Publishing classes a result may give its columns (:attr:`Result.privacy`); ``internal``:
not personal, but shown in the analyst report only because it would give a hidden count away
(a total of loaded and rejected rows next to the loaded rows another table adds up)."""

_STRICTNESS = {"public": 0, "text": 1, "location": 2, "internal": 3, "personal": 4, "name": 4}


@dataclass
class PublishingContext:
    """The publishing rules of an engagement and what the scrubber must know.

    Parameters
    ----------
    rules : Publishing
        The engagement's ``publishing`` section.
    known_names : iterable of str, or callable returning one
        Names always scrubbed from free text (the roster's names, mapped name columns). A
        callable is called once, on the first text to scrub (reading name columns can take
        a second; most reports scrub nothing).
    columns : mapping of str to str
        Publishing class of the engagement's mapped extra columns (``narrative: text``);
        extra columns without a class are personal.
    """

    rules: Publishing = field(default_factory=Publishing)
    known_names: Iterable[str] | Callable[[], Iterable[str]] = ()
    columns: Mapping[str, str] = field(default_factory=dict)
    _names: tuple[str, ...] | None = field(default=None, init=False, repr=False)
    _scrubber: Scrubber | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def names(self) -> tuple[str, ...]:
        """Return the known names (calling the provider once).

        Returns
        -------
        tuple of str
            Distinct names, longest first.
        """
        with self._lock:
            if self._names is None:
                source = self.known_names() if callable(self.known_names) else self.known_names
                unique = {" ".join(str(n).split()) for n in source if str(n).strip()}
                self._names = tuple(sorted(unique, key=lambda n: (-len(n), n)))
            return self._names

    def scrubber(self) -> Scrubber:
        """Return the engagement's scrubber (built on first use).

        Returns
        -------
        Scrubber
            With :meth:`names` as known names.
        """
        if self._scrubber is None:
            from cs360lib.publish.privacy import Scrubber

            self._scrubber = Scrubber(self.names())
        return self._scrubber


@dataclass(frozen=True)
class Publication:
    """What a stakeholder report may show of one frame, and what was withheld.

    Attributes
    ----------
    frame : pandas.DataFrame
        The published numbers: the input's columns (less location columns the precision
        drops), hidden counts and rates missing (``pd.NA``), personal values missing,
        locations generalized, free text scrubbed. Build charts from this.
    shown : pandas.DataFrame
        The published table: as ``frame`` without personal columns, with the marker of each
        hidden count (``"<5"``, ``"x"``) in its cell.
    note : str
        Footnote: what the markers mean, which columns are not published and how locations
        are given ("" when nothing was withheld).
    notes : tuple of str
        The sentences of ``note`` other than the explanation of the markers, for the
        published table's footnotes (a presentation table explains the markers it shows
        itself: :func:`cs360lib.publish.tables.suppression_note`).
    parts : mapping of str to Publication
        For a result, the publication of each of its other count tables
        (:attr:`Result.count_tables`) and of each result it holds that declares its counts
        (``Coverage.categories``), by attribute name.
    copies : mapping of str to object
        The published value of each of those attributes that changed (a frame, or the
        published copy of a result; None when nothing of it may be published), for
        :meth:`Result.with_frame`.
    totals : mapping of str to object
        For count columns whose totals run over every dimension: the published grand total
        (a number, or a marker when hidden).
    hidden : int
        Number of hidden cells (counts and rates, totals included).
    withheld : tuple of str
        Columns left out of ``shown`` (personal, free text without quotes, locations finer
        than the precision).
    changed : bool
        Whether anything differs from the input (False: the input may be published as is).
    records : bool
        True for record-level frames: nothing of them is published.
    rules : Publishing
        The rules applied.
    """

    frame: pd.DataFrame
    shown: pd.DataFrame
    note: str
    totals: Mapping[str, object]
    hidden: int
    withheld: tuple[str, ...]
    changed: bool
    records: bool
    rules: Publishing
    notes: tuple[str, ...] = ()
    parts: Mapping[str, Publication] = field(default_factory=dict)
    copies: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class PublishedResult:
    """A result's publication and the result rebuilt from it.

    Attributes
    ----------
    result : Result or None
        The published copy (the input itself when nothing changed), or None when nothing of
        it may be published or it cannot be rebuilt from a frame.
    publication : Publication
        The published table and what was withheld.
    """

    result: Result | None
    publication: Publication


def as_context(rules: Publishing | PublishingContext | None) -> PublishingContext:
    """Return a publishing context for rules given in any form.

    Parameters
    ----------
    rules : Publishing, PublishingContext or None
        None means the rules registered for the kernel
        (:func:`cs360lib.publish.display.use_publishing`), else the safe defaults.

    Returns
    -------
    PublishingContext
    """
    if isinstance(rules, PublishingContext):
        return rules
    if isinstance(rules, Publishing):
        return PublishingContext(rules)
    if rules is None:
        from cs360lib.publish.display import current_context

        return current_context()
    raise PrivacyError(f"expected Publishing rules, got {type(rules).__name__}")


def _schema_classes() -> dict[str, str]:
    classes: dict[str, str] = {}
    for kind in SCHEMAS:
        for column, privacy in kind_info(kind).privacy.items():
            if _STRICTNESS[privacy] > _STRICTNESS.get(classes.get(column, "public"), 0):
                classes[column] = privacy
            classes.setdefault(column, privacy)
    return classes


def column_classes(
    columns: Iterable[object],
    declared: Mapping[str, str] | None = None,
    engagement: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Give every column its publishing class.

    Parameters
    ----------
    columns : iterable
        Column names of a frame.
    declared : mapping of str to str, optional
        Classes declared by the result (:attr:`Result.privacy`); they win.
    engagement : mapping of str to str, optional
        Classes of the engagement's mapped extra columns (:attr:`PublishingContext.columns`).

    Returns
    -------
    dict of str to str
        ``"public"``, ``"personal"``, ``"location"``, ``"text"``, ``"name"`` or
        ``"internal"`` per column.
        Canonical columns get the class of their schema (the strictest when kinds differ:
        ``response`` is free text in interviews); other columns are public.

    Raises
    ------
    PrivacyError
        If a declared class is unknown.
    """
    schema = _schema_classes()
    out = {}
    for column in columns:
        name = str(column)
        cls = (declared or {}).get(name) or (engagement or {}).get(name) or schema.get(name)
        cls = cls or "public"
        if cls not in RESULT_CLASSES:
            raise PrivacyError(
                f"column {name!r}: unknown publishing class {cls!r}; expected one of "
                f"{list(RESULT_CLASSES)}"
            )
        out[name] = cls
    return out


# -- the whole pipeline ------------------------------------------------------------------------


def publish_frame(
    frame: pd.DataFrame,
    rules: Publishing | PublishingContext | None = None,
    *,
    counts: Sequence[Counts] | None = None,
    privacy: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    not_counts: Iterable[str] = (),
) -> Publication:
    """Apply the publishing rules to a frame (see the module docstring for the steps).

    Parameters
    ----------
    frame : pandas.DataFrame
        A table to publish (a result's ``to_frame()``, or any frame shown with ``cs.show``).
    rules : Publishing or PublishingContext, optional
        Default: the rules registered for the kernel (``setup_notebook``), else the safe
        defaults (``min_count`` 5, hundred blocks).
    counts : sequence of Counts, optional
        The count columns and their dimensions. None: every whole-number column that is not
        personal, a location or free text is a count, with a total over its rows.
    privacy : mapping of str to str, optional
        Publishing class of non-canonical columns (``"personal"`` for record-level detail).
    labels : mapping of str to str, optional
        Human labels of the columns, used in the note.
    not_counts : iterable of str, default ()
        Whole-number columns known not to be counts (a chart's axis of weeks), left out of
        the inferred counts when ``counts`` is None.

    Returns
    -------
    Publication
        The published numbers and table, with the note.

    Raises
    ------
    PrivacyError
        If a declared count column is missing, holds values that are not whole numbers
        >= 0, its parts exceed its ``total``, or its dimensions do not identify the rows.
    """
    ctx = as_context(rules)
    publishing = ctx.rules
    columns = [str(c) for c in frame.columns]
    if any(c in LINEAGE for c in columns):
        empty = frame.iloc[0:0]
        return Publication(
            frame=empty,
            shown=empty,
            note="Record-level rows are not published; they are in the analyst report.",
            totals={},
            hidden=0,
            withheld=tuple(columns),
            changed=True,
            records=True,
            rules=publishing,
        )
    out = frame.copy()
    out.columns = columns
    classes = column_classes(columns, privacy, ctx.columns)
    names = dict(labels or {})
    notes: list[str] = []
    withheld: list[str] = []
    changed = False

    personal = [c for c, k in classes.items() if k in ("personal", "name", "internal")]
    text = [c for c, k in classes.items() if k == "text"]
    if text and not publishing.quotes:
        personal += text
        notes.append("Free text is not published (publishing rule quotes: false).")
        text = []
    for column in personal:
        withheld.append(column)
        out[column] = pd.Series(pd.NA, index=out.index, dtype=object)
        changed = True

    out, dropped, moved = _generalize(out, classes, publishing.location_precision)
    if dropped or moved:
        changed = True
        notes.append(_location_note(publishing.location_precision))
    withheld += dropped

    for column in text:
        before = out[column]
        if before.dropna().map(lambda v: isinstance(v, str)).any():
            after = ctx.scrubber().scrub_series(before.astype(object))
            if not after.fillna("").equals(before.astype(object).fillna("")):
                changed = True
            out[column] = after

    specs = list(counts) if counts is not None else inferred_counts(out, classes, not_counts)
    check_counts(columns, specs)
    out, regrouped = regroup(out, specs, dropped)
    if regrouped:
        changed = True

    shown = out.copy()
    totals: dict[str, object] = {}
    hidden = 0
    markers_used: set[str] = set()
    n = publishing.min_count
    if publishing.hides_counts:
        for spec in specs:
            result = suppress_declared(out, spec, n)
            for column, (hide, marks) in result.cells.items():
                if hide.any():
                    hidden += int(hide.sum())
                    markers_used.update(m for m in marks[hide] if isinstance(m, str))
                    shown[column] = shown[column].astype(object)
                    shown.loc[hide, column] = marks[hide]
                    out[column] = with_missing(out[column], hide)
            totals.update(result.totals)
            hidden += sum(1 for v in result.totals.values() if isinstance(v, str))
            markers_used.update(v for v in result.totals.values() if isinstance(v, str))
    else:
        for spec in specs:
            if not set(spec.by) - set(spec.total_dims):
                for column in (*spec.columns, *([spec.total] if spec.total else [])):
                    totals[column] = int(pd.to_numeric(out[column]).sum())
    markers = ""
    if hidden:
        from cs360lib.publish.tables import suppression_note

        changed = True
        order = [primary_marker(n), SECONDARY_MARKER]
        markers = suppression_note([m for m in order if m in markers_used])
        if markers and any(s.total for s in specs):
            notes.insert(0, "Totals include the hidden counts.")
    shown = shown.drop(columns=[c for c in withheld if c in shown.columns])
    if withheld:
        left_out = [c for c in dict.fromkeys(withheld) if c in columns]
        if left_out:
            from cs360lib.publish.tables import humanize

            what = ", ".join(names.get(c, humanize(c)) for c in left_out)
            notes.append(f"Not published: {what} (in the analyst report).")
    return Publication(
        frame=out,
        shown=shown.reset_index(drop=True),
        note=" ".join([markers, *notes]).strip(),
        notes=tuple(notes),
        totals=totals,
        hidden=hidden,
        withheld=tuple(dict.fromkeys(withheld)),
        changed=changed,
        records=False,
        rules=publishing,
    )


def publish_result(
    result: Result, rules: Publishing | PublishingContext | None = None
) -> PublishedResult:
    """Publish a result: its frame through :func:`publish_frame`, then rebuild the result.

    Parameters
    ----------
    result : Result
        A result object (its class declares :attr:`~Result.count_columns` and
        :attr:`~Result.privacy`).
    rules : Publishing or PublishingContext, optional
        Default: the rules registered for the kernel.

    Returns
    -------
    PublishedResult
        ``result`` is the input itself when nothing changed, the rebuilt copy
        (:meth:`Result.with_frame`) otherwise, or None for record-level frames and results
        that cannot be rebuilt. The result's other count tables
        (:attr:`Result.count_tables`) and the results it holds that declare their counts are
        published with the same rules (``publication.parts`` and ``publication.copies``); the
        copy is rebuilt when any of them changed.
    """
    frame = result.to_frame()
    privacy = _declared(result, "privacy", Mapping)
    publication = publish_frame(
        frame,
        rules,
        counts=_declared(result, "count_columns", (tuple, list)),
        privacy=privacy,
        labels=getattr(result, "labels", None),
    )
    if publication.records:
        return PublishedResult(None, publication)
    parts: dict[str, Publication] = {}
    copies: dict[str, object] = {}
    tables = _declared(result, "count_tables", Mapping) or {}
    for name, counts in tables.items():  # type: ignore[union-attr]
        part = publish_frame(getattr(result, name), rules, counts=counts, privacy=privacy)
        parts[name] = part
        if part.changed:
            copies[name] = part.frame
    for name, value in _held_results(result):
        held = publish_result(value, rules)
        parts[name] = held.publication
        if held.result is not value:
            copies[name] = held.result
    if parts:
        publication = replace(
            publication, parts=parts, copies=copies, changed=publication.changed or bool(copies)
        )
    fields = _declared(result, "count_fields", (tuple, list)) or ()
    small = [f for f in fields if 0 < int(getattr(result, f)) < publication.rules.min_count]  # type: ignore[union-attr]
    if small and not publication.changed:  # a count outside the frame must not be stated
        publication = replace(publication, changed=True)
    if not publication.changed:
        return PublishedResult(result, publication)
    rebuild = getattr(result, "with_frame", None)
    copy = rebuild(publication.frame, publication) if callable(rebuild) else None
    return PublishedResult(copy, publication)


def _held_results(result: Result) -> list[tuple[str, Result]]:
    """List the results a result holds in its fields that declare their counts."""
    import dataclasses

    if not dataclasses.is_dataclass(result):
        return []
    held = []
    for f in dataclasses.fields(result):
        value = getattr(result, f.name, None)
        if getattr(type(value), "count_columns", None) is not None and callable(
            getattr(value, "to_frame", None)
        ):
            held.append((f.name, value))
    return held


def _declared(result: Result, name: str, kinds: type | tuple[type, ...]) -> object:
    """Read a publishing declaration from a result's class (None when it declares none)."""
    value = getattr(type(result), name, None)
    if value is None:
        return None
    if not isinstance(value, kinds) or isinstance(value, str):
        raise PrivacyError(
            f"{type(result).__name__}.{name} must be a class attribute of type "
            f"{getattr(kinds, '__name__', kinds)}, got {type(value).__name__}"
        )
    return value


# -- steps ---------------------------------------------------------------------------------------


def _generalize(
    frame: pd.DataFrame, classes: Mapping[str, str], precision: LocationPrecision
) -> tuple[pd.DataFrame, list[str], bool]:
    """Generalize location columns; return the frame, dropped columns and whether values moved."""
    location = [c for c, k in classes.items() if k == "location" and c in frame.columns]
    pairs = [("lat", "lon")] if {"lat", "lon"} <= set(location) else []
    paired = {c for pair in pairs for c in pair}
    addresses = [c for c in location if c not in paired]
    beats = [c for c in frame.columns if c == "beat"]
    if not location and not (beats and not precision.keeps_beats):
        return frame, [], False
    from cs360lib.publish.privacy import generalize_locations

    out = generalize_locations(
        frame, precision, addresses=addresses, coordinates=pairs, beats=beats
    )
    dropped = [c for c in frame.columns if c not in out.columns]
    # single coordinates without their pair cannot be snapped: never published
    lone = [c for c in location if c in out.columns and c in ("lat", "lon") and not pairs]
    if lone:
        out = out.drop(columns=lone)
        dropped += lone
    moved = any(
        not out[c].astype(object).fillna("").equals(frame[c].astype(object).fillna(""))
        for c in location
        if c in out.columns
    )
    return out, dropped, moved


def _location_note(precision: LocationPrecision) -> str:
    if precision.level == "block":
        return "Addresses are given as hundred blocks and points on a 100 m grid."
    if precision.level == "grid":
        return f"Points are given on a {precision.grid_metres} m grid; addresses are not published."
    if precision.level == "beat":
        return "Places are given by beat and district; addresses and points are not published."
    return "Places are given by district only."
