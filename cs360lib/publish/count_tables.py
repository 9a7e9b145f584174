"""Declared count tables of a result, and their suppression for the stakeholder report.

A result says which columns of its frame are counts, and over which dimensions, with
:class:`Counts` (``Result.count_columns``). :func:`suppress_declared` turns each declaration into
the count tables of :mod:`cs360lib.publish.privacy` and suppresses them with ``min_count``:
small counts hidden (primary suppression), then enough other cells that no hidden count can be
worked out from the totals readers know (complementary suppression; Hundepool et al. 2012,
*Statistical Disclosure Control*, Wiley, ch. 4-5). Used by :mod:`cs360lib.publish.publication`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cs360lib.errors import PrivacyError

__all__ = [
    "SECONDARY_MARKER",
    "TOTAL_LABEL",
    "Counts",
    "check_counts",
    "inferred_counts",
    "primary_marker",
    "regroup",
    "suppress_declared",
    "with_missing",
]

_MEASURE = "_measure"
_OTHER = "_other"
_ROW = "_row"

# The markers of the privacy library, repeated here so that the library (scipy's linear
# programming, the address parser, Presidio) loads only when a frame needs it: registering the
# rules (setup_notebook) and publishing a table with nothing to hide stay light.
SECONDARY_MARKER = "x"
"""Marker of a cell hidden to protect another (as in :mod:`cs360lib.publish.privacy`)."""
TOTAL_LABEL = "Total"
"""Label of the margins in suppressed tables (as in :mod:`cs360lib.publish.privacy`)."""


def primary_marker(min_count: int) -> str:
    """Return the marker of a hidden small count, e.g. ``"<5"`` (as the privacy library)."""
    return f"<{min_count}"


@dataclass(frozen=True)
class Counts:
    """Declare which columns of a result's frame are counts, and over which dimensions.

    A result lists one or more of these in :attr:`Result.count_columns`. In the stakeholder report
    the declared counts are suppressed with the engagement's ``min_count``
    (:func:`cs360lib.publish.privacy.suppress_counts`: small counts hidden, then enough other
    cells that no hidden count can be worked out from the totals), rates of hidden counts are
    hidden, and the chart and summary are drawn from the suppressed numbers.

    Parameters
    ----------
    columns : tuple of str
        Count columns (whole numbers >= 0). Several columns without ``total`` are
        suppressed as separate tables.
    by : tuple of str
        Dimension columns: each row of the frame is one combination of them.
    total : str, optional
        Column holding, in each row, the total that ``columns`` are parts of (e.g.
        ``rows_read`` for ``loaded`` and ``rejected``). It is published and suppressed with
        its parts; when the parts do not add up to it, the remainder is a hidden part (so
        ``missing`` of ``rows`` protects the rows that are not missing too).
    totals : tuple of str, optional
        Dimensions of ``by`` over which totals are known to readers (shown in this or
        another table, or in the summary): cells along them are protected against
        subtraction from those totals. Default: every dimension of ``by``. ``()`` when no
        total is published (each row stands alone). The other dimensions of ``by`` split the
        frame into separate tables (e.g. one table of months per source). A count may be
        missing (a thing not counted): it counts as 0 in the totals.
    rates : mapping of str to str, optional
        Rate or percentage column -> the count column it is computed from; hidden wherever
        that count, or ``total``, is hidden.
    estimates : bool, default False
        The columns are estimated counts that need not be whole (events in 12 months scaled
        up from 11 months with data): each is hidden when above 0 and below ``min_count``.
        Rows must stand alone (``totals=()``, no ``total``): only primary suppression.

    Examples
    --------
    >>> Counts(("loaded", "rejected"), by=("source",), total="rows_read",
    ...        rates={"rejected_pct": "rejected"})  # doctest: +ELLIPSIS
    Counts(columns=('loaded', 'rejected'), by=('source',), total='rows_read', ...)
    """

    columns: tuple[str, ...]
    by: tuple[str, ...]
    total: str | None = None
    totals: tuple[str, ...] | None = None
    rates: Mapping[str, str] = field(default_factory=dict)
    estimates: bool = False

    def __post_init__(self) -> None:
        for name in ("columns", "by"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise TypeError(f"Counts.{name} must be a tuple of column names, not a string")
        unknown = [d for d in (self.totals or ()) if d not in self.by]
        if unknown:
            raise ValueError(f"Counts.totals {unknown} are not dimensions of by={self.by}")
        stray = [c for c in self.rates.values() if c not in self.columns]
        if stray:
            raise ValueError(f"Counts.rates refer to {stray}, which are not count columns")
        if not self.columns:
            raise ValueError("Counts needs at least one count column")
        if self.estimates and (self.totals != () or self.total is not None):
            raise ValueError("estimated counts need totals=() and no total (rows stand alone)")

    @property
    def total_dims(self) -> tuple[str, ...]:
        """Dimensions over which totals are published (``totals``, default every ``by``)."""
        return self.by if self.totals is None else self.totals


def inferred_counts(
    frame: pd.DataFrame, classes: Mapping[str, str], not_counts: Iterable[str] = ()
) -> list[Counts]:
    """List every public whole-number column as a count with a total over the rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        The frame to publish.
    classes : mapping of str to str
        Publishing class of each column (only ``public`` columns can be counts).
    not_counts : iterable of str, default ()
        Whole-number columns known not to be counts.

    Returns
    -------
    list of Counts
        One 1-D table with a total per column (columns with missing values are left out).
    """
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


def check_counts(columns: Sequence[str], specs: Sequence[Counts]) -> None:
    """Check that every declared column is in the frame.

    Raises
    ------
    PrivacyError
        Naming the missing columns and the frame's columns.
    """
    for spec in specs:
        wanted = [*spec.columns, *spec.by, *([spec.total] if spec.total else [])]
        missing = [c for c in wanted if c != _ROW and c not in columns]
        if missing:
            raise PrivacyError(
                f"declared count columns {missing} are not in the frame; its columns are "
                f"{list(columns)}"
            )


def regroup(
    frame: pd.DataFrame, specs: Sequence[Counts], dropped: Sequence[str]
) -> tuple[pd.DataFrame, bool]:
    """Add count rows up again when generalizing locations merged their dimensions.

    Returns
    -------
    tuple of (pandas.DataFrame, bool)
        The frame (only the dimensions and counts when added up) and whether it was.

    Raises
    ------
    PrivacyError
        If count tables over different dimensions would have to be added up.
    """
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


def _whole(frame: pd.DataFrame, column: str, *, missing_ok: bool = False) -> np.ndarray:
    """Return a count column as integers (0 where missing, when ``missing_ok``).

    A missing count is a thing not counted (a source that could not be read, a candidate
    that cannot be measured): nothing to hide, and nothing in any total.
    """
    values = pd.to_numeric(frame[column], errors="coerce")
    missing = frame[column].isna().to_numpy() if missing_ok else np.zeros(len(frame), bool)
    bad = (values.isna() & ~missing) | (values < 0) | (values.fillna(0) % 1 != 0)
    if bad.any():
        rows = list(np.flatnonzero(bad.to_numpy())[:5])
        raise PrivacyError(
            f"count column {column!r} must hold whole numbers >= 0; rows {rows} hold "
            f"{[frame[column].iloc[i] for i in rows]}"
        )
    return values.fillna(0).to_numpy(dtype=np.int64)


def suppress_declared(frame: pd.DataFrame, spec: Counts, n: int) -> _SpecResult:
    """Suppress one declared count table (primary and complementary suppression).

    Parameters
    ----------
    frame : pandas.DataFrame
        The frame (after locations were generalized).
    spec : Counts
        The declaration.
    n : int
        ``min_count``.

    Returns
    -------
    _SpecResult
        Per count, total and rate column: where it is hidden and its marker; the published
        grand totals when the totals run over every dimension.

    Raises
    ------
    PrivacyError
        If counts are not whole numbers >= 0 or parts exceed their total. A count may be
        missing (a thing not counted): it stays missing, counts as 0 in the totals and hides
        nothing.
    """
    if spec.estimates:
        return _suppress_estimates(frame, spec, n)
    out = _SpecResult()
    if len(spec.columns) > 1 and spec.total is None:
        for column in spec.columns:
            rates = {r: c for r, c in spec.rates.items() if c == column}
            part = suppress_declared(
                frame,
                Counts(
                    (column,), spec.by, totals=spec.totals, rates=rates, estimates=spec.estimates
                ),
                n,
            )
            out.cells.update(part.cells)
            out.totals.update(part.totals)
        return out
    rows = len(frame)
    by = [d for d in spec.by if d == _ROW or d in frame.columns]
    total_dims = [d for d in spec.total_dims if d in by]
    group_dims = [d for d in by if d not in total_dims]
    measures = list(spec.columns)
    parts = {m: _whole(frame, m, missing_ok=True) for m in measures}
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
        if spec.total is not None:
            hidden_rate |= hide[spec.total]
        # a rate is not a small count: it shows the marker of a cell hidden with another
        rate_marks = np.where(hidden_rate, SECONDARY_MARKER, None).astype(object)
        out.cells[rate] = (hidden_rate, rate_marks)
    return out


def _suppress_estimates(frame: pd.DataFrame, spec: Counts, n: int) -> _SpecResult:
    """Primary suppression of estimated counts: hide values above 0 and below ``n``."""
    out = _SpecResult()
    marker = primary_marker(n)
    for column in spec.columns:
        numbers = pd.to_numeric(frame[column], errors="coerce")
        if (numbers < 0).any() or (numbers.isna() & frame[column].notna()).any():
            raise PrivacyError(f"estimated count column {column!r} must hold numbers >= 0")
        hide = ((numbers > 0) & (numbers < n)).to_numpy(dtype=bool)
        out.cells[column] = (hide, np.where(hide, marker, None).astype(object))
    for rate, column in spec.rates.items():
        if rate in frame.columns:
            hide = out.cells[column][0]
            out.cells[rate] = (hide, np.where(hide, SECONDARY_MARKER, None).astype(object))
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


def with_missing(values: pd.Series, hide: np.ndarray) -> pd.Series:
    """Return the values with the hidden ones missing (nullable dtype)."""
    if pd.api.types.is_integer_dtype(values.dtype):
        values = values.astype("Int64")
    elif pd.api.types.is_float_dtype(values.dtype):
        values = values.astype("Float64")
    else:
        values = values.astype(object)
    return values.mask(pd.Series(hide, index=values.index))
