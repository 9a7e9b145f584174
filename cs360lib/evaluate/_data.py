"""Checking an evaluation's input frame and turning it into sorted numpy arrays.

Everything downstream (design, fit, simulations) works on the arrays of :class:`SeriesData`,
so that fitting many series spends its time in the model fit and not in pandas bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cs360lib.errors import EvaluationInputError

from ._time import NAIVE_NS, ParsedTime, TimeIndex, infer_kind, parse_time, rows_text

__all__ = [
    "COUNT_FAMILIES",
    "FAMILIES",
    "SeriesData",
    "check_columns",
    "numeric_column",
    "prepare_data",
]

COUNT_FAMILIES = ("poisson", "quasipoisson", "negbin")
FAMILIES = ("gaussian", *COUNT_FAMILIES)


@dataclass
class SeriesData:
    """A validated series or panel, as arrays sorted by group, then period.

    Attributes
    ----------
    y : numpy.ndarray
        Outcome, shape ``(n,)``.
    offset : numpy.ndarray or None
        Exposure (e.g. population), > 0; used on the log scale.
    treated : numpy.ndarray or None
        1.0 for rows of the treated group of a panel.
    groups : numpy.ndarray or None
        Group codes (contiguous blocks) of a panel.
    keys : numpy.ndarray
        Period keys (:class:`TimeIndex` keys); ``t = keys - keys.min()``.
    starts, labels : numpy.ndarray
        First day of each row's period and the time labels as given (converted to local time).
    order : numpy.ndarray
        Positions of the rows in the input frame.
    """

    y: np.ndarray
    offset: np.ndarray | None
    treated: np.ndarray | None
    groups: np.ndarray | None
    group_values: np.ndarray | None
    keys: np.ndarray
    t: np.ndarray
    starts: np.ndarray
    labels: np.ndarray
    tindex: TimeIndex
    order: np.ndarray
    outcome: str
    time: str
    notes: list[str] = field(default_factory=list)

    @property
    def panel(self) -> bool:
        """Whether this is a treated-versus-comparison panel."""
        return self.treated is not None

    _series_mask: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def series_mask(self) -> np.ndarray:
        """Rows of the evaluated series (the treated group of a panel, else every row).

        Made on first access and kept (read-only).
        """
        mask = self._series_mask
        if mask is None:
            mask = np.ones(len(self.y), dtype=bool) if self.treated is None else self.treated > 0
            mask.flags.writeable = False
            self._series_mask = mask
        return mask

    @property
    def n_series(self) -> int:
        """Number of rows of the evaluated series (periods of the treated group of a panel)."""
        return len(self.y) if self.treated is None else int(np.count_nonzero(self.series_mask))

    def span(self, mask: np.ndarray) -> str:
        """Human label of the periods of the series rows in ``mask`` (first to last)."""
        k = self.keys[mask]
        if len(k) == 0:
            return "no periods"
        return self.tindex.span(float(k.min()), float(k.max()))


def check_columns(data: pd.DataFrame, columns: dict[str, str | None]) -> None:
    """Check that ``data`` is a frame holding the named columns (role -> column)."""
    if not isinstance(data, pd.DataFrame):
        raise EvaluationInputError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    present = set(data.columns)
    missing = [
        f"{role}={col!r}" for role, col in columns.items() if col is not None and col not in present
    ]
    if missing:
        raise EvaluationInputError(
            f"column(s) not found in data: {', '.join(missing)}; "
            f"available columns: {', '.join(map(str, data.columns))}"
        )


def _isna(arr: np.ndarray) -> np.ndarray:
    kind = arr.dtype.kind
    if kind == "f":
        return np.isnan(arr)
    if kind in "iub":
        return np.zeros(len(arr), dtype=bool)
    if kind in "mM":
        return np.isnat(arr)
    return np.asarray(pd.isna(arr), dtype=bool)


def check_missing(series: pd.Series, col: str, index: pd.Index) -> None:
    """Refuse missing values in a column, naming the rows (``index`` the frame's labels)."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype):
        if dtype.kind in "iub":
            return  # numpy integers and booleans cannot be missing
        na = _isna(series.values)  # a numpy column's own array (what to_numpy() gives)
    else:
        na = _isna(series.to_numpy())
    if na.any():
        raise EvaluationInputError(
            f"column {col!r} has missing values (NaN) in rows {rows_text(index[na])}; "
            "fill or drop those periods explicitly before evaluating"
        )


def numeric_column(series: pd.Series, col: str, index: pd.Index) -> np.ndarray:
    """Return a column as finite floats, or raise naming the non-numeric or infinite rows."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iufb":
        arr = series.values.astype(float)  # a copy, as float
    elif pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        arr = series.to_numpy(dtype=float)
    else:
        try:
            arr = pd.to_numeric(series, errors="raise").to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            bad = pd.to_numeric(series, errors="coerce").isna().to_numpy()
            raise EvaluationInputError(
                f"column {col!r} must be numeric; non-numeric values in rows "
                f"{rows_text(index[bad])} (e.g. {series[bad].iloc[0]!r})"
            ) from exc
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return arr  # whole numbers are finite
    inf = ~np.isfinite(arr)
    if inf.any():
        raise EvaluationInputError(
            f"column {col!r} has infinite values in rows {rows_text(index[inf])}"
        )
    return arr


def _check_counts(
    data: pd.DataFrame, y: np.ndarray, outcome: str, family: str, *, whole: bool = False
) -> None:
    """Refuse negative or fractional counts (``whole``: the column's dtype is an integer)."""
    neg = y < 0
    if neg.any():
        raise EvaluationInputError(
            f"column {outcome!r} has negative counts in rows {rows_text(data.index[neg])}; "
            f"family={family!r} needs counts >= 0"
        )
    if whole:
        return  # integers (numpy integer dtypes) are whole numbers
    frac = y != np.round(y)
    if frac.any():
        raise EvaluationInputError(
            f"column {outcome!r} has non-integer values in rows {rows_text(data.index[frac])} "
            f"(e.g. {y[frac][0]:g}); family={family!r} needs whole counts. For rates, model "
            "the counts with `offset=` the population, or use family='gaussian'"
        )


def prepare_data(
    data: pd.DataFrame,
    *,
    time: str,
    outcome: str,
    family: str,
    offset: str | None = None,
    group: str | None = None,
    treated: Any = None,
    timezone: str | None = None,
    label: str | None = None,
) -> SeriesData:
    """Validate an evaluation frame and turn it into sorted arrays.

    Raises
    ------
    EvaluationInputError
        Naming the column and the offending rows or periods: missing columns, NaNs, negative
        or non-integer counts, unreadable times, duplicate or missing periods, a constant
        series.
    """
    if family not in FAMILIES:
        raise EvaluationInputError(f"family must be one of {FAMILIES}, not {family!r}")
    if offset is None and group is None and treated is None and timezone is None and label is None:
        regular = _regular_series(data, time, outcome, family)
        if regular is not None:
            return regular
    check_columns(data, {"time": time, "outcome": outcome, "offset": offset, "group": group})
    if (group is None) != (treated is None):
        raise EvaluationInputError("give both `group` and `treated` (or neither)")
    if offset is not None and family == "gaussian":
        raise EvaluationInputError(
            "offset is a log offset for the count families; with family='gaussian' model a rate "
            "column directly"
        )
    if len(data) == 0:
        raise EvaluationInputError("data has no rows")
    columns = {col: data[col] for col in (time, outcome, offset, group) if col is not None}
    for col, series in columns.items():
        check_missing(series, col, data.index)
    y = numeric_column(columns[outcome], outcome, data.index)
    if family != "gaussian":
        ydtype = columns[outcome].dtype
        whole = isinstance(ydtype, np.dtype) and ydtype.kind in "iub"
        _check_counts(data, y, outcome, family, whole=whole)
    off = None
    if offset is not None:
        off = numeric_column(columns[offset], offset, data.index)
        bad = off <= 0
        if bad.any():
            raise EvaluationInputError(
                f"offset column {offset!r} must be > 0 (it is used on the log scale); "
                f"rows {rows_text(data.index[bad])}"
            )
    parsed = parse_time(columns[time], name=time, timezone=timezone, label=label)
    tindex = parsed.tindex
    keys = tindex.keys(parsed.starts)
    if not tindex.dated:
        off_grid = np.abs(keys - np.round(keys)) > 1e-8
        if off_grid.any():
            raise EvaluationInputError(
                f"time column {time!r} is not evenly spaced (step {tindex.step:g}); irregular "
                f"values in rows {rows_text(data.index[off_grid])}"
            )
        keys = np.round(keys)
    gcodes, guniq = _groups(columns.get(group), group, treated, len(data))
    if group is None and _consecutive(keys):
        # the common case: one series, sorted, one row per period and no gaps (so nothing for
        # the sort or the duplicate and gap checks to find)
        order = np.arange(len(keys))
    else:
        order = np.lexsort((keys, gcodes))
        _check_periods(data, parsed, keys, gcodes, guniq, order, time, group)
    keys_s, g_s = keys[order], gcodes[order]
    treated_rows = None
    if guniq is not None:
        treated_rows = (g_s == list(guniq).index(treated)).astype(float)
    y_s = y[order]
    series_y = y_s[treated_rows > 0] if treated_rows is not None else y_s
    if series_y.max() == series_y.min():  # np.ptp == 0 (the values are finite)
        raise EvaluationInputError(
            f"column {outcome!r} is constant ({series_y[0]:g} in every period"
            + (f" of group {treated!r}" if group else "")
            + "); there is no variation to evaluate"
        )
    return SeriesData(
        y=y_s,
        offset=None if off is None else off[order],
        treated=treated_rows,
        groups=g_s if group is not None else None,
        group_values=None if guniq is None else np.asarray(guniq)[g_s],
        keys=keys_s,
        t=keys_s - keys_s.min(),
        starts=parsed.starts[order],
        labels=parsed.labels[order],
        tindex=tindex,
        order=order,
        outcome=outcome,
        time=time,
        notes=list(parsed.notes),
    )


def _regular_series(data: Any, time: str, outcome: str, family: str) -> SeriesData | None:
    """Return the arrays of the common case in a few array operations (None otherwise).

    A single series whose time column holds naive datetimes of consecutive daily, monthly,
    quarterly or yearly periods in order and whose outcome is a numpy integer column (counts
    >= 0 for the count families) that is not constant: nothing for the full checks to refuse,
    and the same arrays as they give (:func:`prepare_data`). Anything else (missing columns,
    other types, NaT, weeks, unsorted, duplicate or missing periods, bad counts) returns None,
    and the full checks run and raise their errors.
    """
    if not isinstance(data, pd.DataFrame) or type(time) is not str or type(outcome) is not str:
        return None
    if time == outcome:
        return None
    try:
        tcol, ycol = data[time], data[outcome]
    except KeyError:  # a missing column: said by the full checks
        return None
    if type(tcol) is not pd.Series or type(ycol) is not pd.Series:  # e.g. duplicate names
        return None
    ydtype = ycol.dtype
    if tcol.dtype != NAIVE_NS or not isinstance(ydtype, np.dtype) or ydtype.kind not in "iu":
        return None
    labels = tcol.values  # the column's own datetime64[ns] array
    if len(labels) < 2:
        return None
    counts = ycol.values
    low = counts.min()
    if (family != "gaussian" and low < 0) or low == counts.max():
        return None
    days = labels.astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    keys = months.view(np.int64).astype(float)
    if bool((months.astype("datetime64[D]") == days).all()) and _consecutive(keys):
        # first days of consecutive months are 28 to 31 days apart: monthly for infer_kind
        kind = "month"
    else:
        kind = infer_kind(days.view(np.int64))  # NaT makes the keys below non-consecutive
        if kind == "week":  # week labels need the start/end reading of parse_time
            return None
        keys = TimeIndex(kind).keys(days)
        if not _consecutive(keys):
            return None
    y = counts.astype(float)
    return SeriesData(
        y=y,
        offset=None,
        treated=None,
        groups=None,
        group_values=None,
        keys=keys,
        t=keys - keys[0],
        starts=days,
        labels=labels.copy(),
        tindex=_TIME_INDEX[kind],
        order=np.arange(len(y)),
        outcome=outcome,
        time=time,
        notes=[],
    )


_TIME_INDEX = {kind: TimeIndex(kind) for kind in ("day", "month", "quarter", "year")}
"""The (immutable) time indexes of the quick path, made once."""


def _consecutive(keys: np.ndarray) -> bool:
    return bool((keys[1:] - keys[:-1] == 1).all())


def _groups(
    gcol: pd.Series | None, group: str | None, treated: Any, n: int
) -> tuple[np.ndarray, Any]:
    if gcol is None:
        return np.zeros(n, dtype=np.int64), None
    if treated not in set(gcol.unique()):
        raise EvaluationInputError(
            f"treated={treated!r} is not a value of the group column {group!r}; "
            f"groups include {rows_text(pd.unique(gcol))}"
        )
    if gcol.nunique() < 2:
        raise EvaluationInputError(
            f"group column {group!r} has only the treated group; a comparison needs at "
            "least one other group"
        )
    return pd.factorize(gcol, sort=True)


def _check_periods(
    data: pd.DataFrame,
    parsed: ParsedTime,
    keys: np.ndarray,
    gcodes: np.ndarray,
    guniq: Any,
    order: np.ndarray,
    time: str,
    group: str | None,
) -> None:
    tindex = parsed.tindex
    keys_s, g_s = keys[order], gcodes[order]
    same = (np.diff(keys_s) == 0) & (np.diff(g_s) == 0)
    if same.any():
        dup_rows = data.index[order[1:][same]]
        raise EvaluationInputError(
            f"time column {time!r} has duplicate periods "
            f"({rows_text(tindex.label_of(k) for k in keys_s[1:][same])}) in rows "
            f"{rows_text(dup_rows)}"
            + (f" within a group of {group!r}" if group else "")
            + "; aggregate to one row per period first"
        )
    for g in np.unique(g_s):
        kg = keys_s[g_s == g]
        n_full = int(kg[-1] - kg[0]) + 1
        if n_full != len(kg):
            missing = np.setdiff1d(np.arange(kg[0], kg[-1] + 1), kg)
            where = f" for group {guniq[g]!r}" if guniq is not None else ""
            hint = "every period needs a row (fill true zeros with 0, do not leave gaps)"
            if len(missing) > len(kg):
                hint = (
                    "most periods are missing: check that the time column was read correctly "
                    "(its spacing looks "
                    f"{'daily' if tindex.kind == 'day' else tindex.kind + 'ly'})"
                )
            raise EvaluationInputError(
                f"time column {time!r} has missing periods{where}: "
                f"{rows_text(tindex.label_of(k) for k in missing)}; {hint}"
            )
