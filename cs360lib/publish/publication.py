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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cs360lib.config.publishing import LocationPrecision, Publishing
from cs360lib.data.schemas import LINEAGE_LABELS, SCHEMAS, kind_info
from cs360lib.errors import PrivacyError
from cs360lib.publish.tables import humanize

if TYPE_CHECKING:  # pragma: no cover
    from cs360lib.publish.privacy import Scrubber
    from cs360lib.publish.results import Counts, Result

# The privacy library (scipy's linear programming, the address parser, Presidio) loads only when
# a frame needs it: registering the rules (setup_notebook) and publishing a table with nothing
# to hide stay light.
SECONDARY_MARKER = "x"
"""Marker of a cell hidden to protect another (as in :mod:`cs360lib.publish.privacy`)."""
TOTAL_LABEL = "Total"
"""Label of the margins in suppressed tables (as in :mod:`cs360lib.publish.privacy`)."""


def primary_marker(min_count: int) -> str:
    """Return the marker of a hidden small count, e.g. ``"<5"`` (as the privacy library)."""
    return f"<{min_count}"


__all__ = [
    "LINEAGE",
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
_MEASURE = "_measure"
_OTHER = "_other"
_ROW = "_row"


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

    specs = list(counts) if counts is not None else _inferred_counts(out, classes, not_counts)
    _check_counts(columns, specs)
    out, regrouped = _regroup(out, specs, dropped)
    if regrouped:
        changed = True

    shown = out.copy()
    totals: dict[str, object] = {}
    hidden = 0
    markers_used: set[str] = set()
    n = publishing.min_count
    if publishing.hides_counts:
        for spec in specs:
            result = _suppress_spec(out, spec, n)
            for column, (hide, marks) in result.cells.items():
                if hide.any():
                    hidden += int(hide.sum())
                    markers_used.update(m for m in marks[hide] if isinstance(m, str))
                    shown[column] = shown[column].astype(object)
                    shown.loc[hide, column] = marks[hide]
                    out[column] = _with_missing(out[column], hide)
            totals.update(result.totals)
            hidden += sum(1 for v in result.totals.values() if isinstance(v, str))
            markers_used.update(v for v in result.totals.values() if isinstance(v, str))
    else:
        for spec in specs:
            if not set(spec.by) - set(spec.total_dims):
                for column in (*spec.columns, *([spec.total] if spec.total else [])):
                    totals[column] = int(pd.to_numeric(out[column]).sum())
    if hidden:
        changed = True
        notes.insert(0, _suppression_note(n, markers_used, specs))
    shown = shown.drop(columns=[c for c in withheld if c in shown.columns])
    if withheld:
        left_out = [c for c in dict.fromkeys(withheld) if c in columns]
        if left_out:
            what = ", ".join(names.get(c, humanize(c)) for c in left_out)
            notes.append(f"Not published: {what} (in the analyst report).")
    return Publication(
        frame=out,
        shown=shown.reset_index(drop=True),
        note=" ".join(notes),
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
        A result object (its class declares :attr:`~Result.counts` and
        :attr:`~Result.privacy`).
    rules : Publishing or PublishingContext, optional
        Default: the rules registered for the kernel.

    Returns
    -------
    PublishedResult
        ``result`` is the input itself when nothing changed, the rebuilt copy
        (:meth:`Result.with_frame`) otherwise, or None for record-level frames and results
        that cannot be rebuilt.
    """
    frame = result.to_frame()
    publication = publish_frame(
        frame,
        rules,
        counts=getattr(result, "counts", None),
        privacy=getattr(result, "privacy", None),
        labels=getattr(result, "labels", None),
    )
    if publication.records:
        return PublishedResult(None, publication)
    if not publication.changed:
        return PublishedResult(result, publication)
    rebuild = getattr(result, "with_frame", None)
    copy = rebuild(publication.frame, publication) if callable(rebuild) else None
    return PublishedResult(copy, publication)


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


def _inferred_counts(
    frame: pd.DataFrame, classes: Mapping[str, str], not_counts: Iterable[str] = ()
) -> list[Counts]:
    """Every whole-number column that is public: a count, with a total over the rows."""
    from cs360lib.publish.results import Counts

    skip = {str(c) for c in not_counts}
    specs = []
    for column in frame.columns:
        if column in skip:
            continue
        dtype = frame[column].dtype
        if classes.get(column, "public") != "public" or pd.api.types.is_bool_dtype(dtype):
            continue
        if pd.api.types.is_integer_dtype(dtype) and frame[column].notna().all():
            specs.append(Counts((column,), by=(_ROW,)))
    return specs


def _check_counts(columns: Sequence[str], specs: Sequence[Counts]) -> None:
    for spec in specs:
        wanted = [*spec.columns, *spec.by, *([spec.total] if spec.total else [])]
        missing = [c for c in wanted if c != _ROW and c not in columns]
        if missing:
            raise PrivacyError(
                f"declared count columns {missing} are not in the frame; its columns are "
                f"{list(columns)}"
            )


def _regroup(
    frame: pd.DataFrame, specs: Sequence[Counts], dropped: Sequence[str]
) -> tuple[pd.DataFrame, bool]:
    """Add count rows up again when generalization merged their dimensions."""
    declared = [s for s in specs if _ROW not in s.by]
    if not declared:
        return frame, False
    by = {tuple(s.by) for s in declared}
    if len(by) != 1:
        needs = any(set(s.by) & set(dropped) for s in declared)
        if needs:
            raise PrivacyError(
                "count tables over different dimensions cannot be added up again after "
                f"generalizing locations ({sorted(by)}); publish them as separate results"
            )
        return frame, False
    dims = [d for d in next(iter(by)) if d in frame.columns]
    if not dims:
        return frame, False
    if len(dims) == len(declared[0].by) and not frame.duplicated(dims).any():
        return frame, False
    values = list(
        dict.fromkeys(c for s in declared for c in (*s.columns, *([s.total] if s.total else [])))
    )
    grouped = (
        frame.groupby(dims, sort=False, dropna=False, observed=True)[values].sum().reset_index()
    )
    return grouped, True


@dataclass
class _SpecResult:
    cells: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    totals: dict[str, object] = field(default_factory=dict)


def _whole(frame: pd.DataFrame, column: str) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | (values < 0) | (values.fillna(0) % 1 != 0)
    if bad.any():
        rows = list(np.flatnonzero(bad.to_numpy())[:5])
        raise PrivacyError(
            f"count column {column!r} must hold whole numbers >= 0; rows {rows} hold "
            f"{[frame[column].iloc[i] for i in rows]}"
        )
    return values.to_numpy(dtype=np.int64)


def _suppress_spec(frame: pd.DataFrame, spec: Counts, n: int) -> _SpecResult:
    """Suppress one declared count table; return per-column hidden masks and markers."""
    from cs360lib.publish.results import Counts

    out = _SpecResult()
    if len(spec.columns) > 1 and spec.total is None:
        for column in spec.columns:
            rates = {r: c for r, c in spec.rates.items() if c == column}
            part = _suppress_spec(
                frame, Counts((column,), spec.by, totals=spec.totals, rates=rates), n
            )
            out.cells.update(part.cells)
            out.totals.update(part.totals)
        return out
    rows = len(frame)
    by = [d for d in spec.by if d == _ROW or d in frame.columns]
    total_dims = [d for d in spec.total_dims if d in by]
    group_dims = [d for d in by if d not in total_dims]
    measures = list(spec.columns)
    parts = {m: _whole(frame, m) for m in measures}
    if spec.total is not None:
        whole = _whole(frame, spec.total)
        other = whole - sum(parts.values())
        if (other < 0).any():
            row = int(np.flatnonzero(other < 0)[0])
            raise PrivacyError(
                f"row {row}: the parts {measures} add up to more than {spec.total!r}"
            )
        parts[_OTHER] = other
    table_dims = [*total_dims, *([_MEASURE] if spec.total is not None else [])]
    labels = {
        d: (np.array([str(i) for i in range(rows)], dtype=object) if d == _ROW else
            frame[d].astype(str).to_numpy(dtype=object))
        for d in by
    }  # fmt: skip
    shown_cols = [*spec.columns, *([spec.total] if spec.total else [])]
    marks = {c: np.full(rows, None, dtype=object) for c in shown_cols}
    hide = {c: np.zeros(rows, dtype=bool) for c in shown_cols}
    if group_dims:
        keys = pd.DataFrame({d: labels[d] for d in group_dims})
        positions = list(keys.groupby(group_dims, sort=False).indices.values())
    else:
        positions = [np.arange(rows)]
    for where in positions:
        where = np.asarray(where)
        values = np.concatenate([parts[m][where] for m in parts])
        if not ((values >= 1) & (values < n)).any():
            if not group_dims:
                out.totals.update(_plain_totals(parts, spec))
            continue
        if not table_dims:  # every row stands alone: primary suppression only
            for column in spec.columns:
                small = (parts[column][where] >= 1) & (parts[column][where] < n)
                hide[column][where[small]] = True
                marks[column][where[small]] = primary_marker(n)
            continue
        long = _long(where, labels, total_dims, parts, spec.total is not None)
        from cs360lib.publish.privacy import suppress_counts

        table = suppress_counts(long, n, dims=table_dims, count="count", margins=True)
        published = table.table()
        mask = table.mask
        lookup: dict[tuple[str, ...], tuple[object, bool]] = {}
        for key, value, hidden in zip(
            published[table_dims].itertuples(index=False, name=None),
            published["count"],
            mask["count"] if isinstance(mask, pd.DataFrame) else mask,
            strict=True,
        ):
            lookup[tuple(key)] = (value, bool(hidden))
        for i in where:
            base = tuple(labels[d][i] for d in total_dims)
            for column in shown_cols:
                measure = (
                    () if spec.total is None else (TOTAL_LABEL if column == spec.total else column,)
                )
                value, hidden = lookup[base + measure]
                if hidden:
                    hide[column][i] = True
                    marks[column][i] = value
        if not group_dims:
            grand = tuple(TOTAL_LABEL for _ in total_dims)
            for column in shown_cols:
                measure = (
                    () if spec.total is None else (TOTAL_LABEL if column == spec.total else column,)
                )
                value, _hidden = lookup[grand + measure]
                out.totals[column] = value
    for column in shown_cols:
        out.cells[column] = (hide[column], marks[column])
    for rate, column in spec.rates.items():
        if rate not in frame.columns:
            continue
        hidden_rate = hide[column].copy()
        rate_marks = marks[column].copy()
        if spec.total is not None:
            denominator = hide[spec.total] & ~hidden_rate
            hidden_rate |= denominator
            rate_marks[denominator] = SECONDARY_MARKER
        out.cells[rate] = (hidden_rate, rate_marks)
    return out


def _plain_totals(parts: Mapping[str, np.ndarray], spec: Counts) -> dict[str, object]:
    totals: dict[str, object] = {c: int(parts[c].sum()) for c in spec.columns}
    if spec.total is not None:
        totals[spec.total] = int(sum(p.sum() for p in parts.values()))
    return totals


def _long(
    where: np.ndarray,
    labels: Mapping[str, np.ndarray],
    dims: Sequence[str],
    parts: Mapping[str, np.ndarray],
    measured: bool,
) -> pd.DataFrame:
    frames = []
    for measure, values in parts.items():
        piece = {d: labels[d][where] for d in dims}
        if measured:
            piece[_MEASURE] = measure
        piece["count"] = values[where]
        frames.append(pd.DataFrame(piece))
        if not measured:
            break
    return pd.concat(frames, ignore_index=True)


def _with_missing(values: pd.Series, hide: np.ndarray) -> pd.Series:
    if pd.api.types.is_integer_dtype(values.dtype):
        values = values.astype("Int64")
    elif pd.api.types.is_float_dtype(values.dtype):
        values = values.astype("Float64")
    else:
        values = values.astype(object)
    return values.mask(pd.Series(hide, index=values.index))


def _suppression_note(n: int, markers: set[str], specs: Sequence[Counts]) -> str:
    parts = []
    if primary_marker(n) in markers:
        parts.append(
            f"{primary_marker(n)}: a count from 1 to {n - 1}, hidden to protect the people "
            "concerned."
        )
    if SECONDARY_MARKER in markers:
        parts.append(
            f"{SECONDARY_MARKER}: hidden as well, so that the small counts cannot be worked "
            "out from the totals."
        )
    if any(s.total for s in specs) and parts:
        parts.append("Totals include the hidden counts.")
    return " ".join(parts)


def _location_note(precision: LocationPrecision) -> str:
    if precision.level == "block":
        return "Addresses are given as hundred blocks and points on a 100 m grid."
    if precision.level == "grid":
        return f"Points are given on a {precision.grid_metres} m grid; addresses are not published."
    if precision.level == "beat":
        return "Places are given by beat and district; addresses and points are not published."
    return "Places are given by district only."
