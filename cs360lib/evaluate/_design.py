"""Input validation, time indexing and design matrices for interrupted time series.

Everything here works on numpy arrays once the input frame has been checked, so that fitting
many series (simulations, power analysis, benchmarks) spends its time in the model fit and not
in pandas bookkeeping.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tsa.deterministic import Fourier

from cs360lib.errors import EvaluationInputError

__all__ = [
    "EvaluationInputError",
    "ITSDesign",
    "build_design",
    "fourier_terms",
    "prepare_its_data",
]

COUNT_FAMILIES = ("poisson", "quasipoisson", "negbin")
FAMILIES = ("gaussian", *COUNT_FAMILIES)

#: Minimum number of periods before and after the intervention.
MIN_PRE = 3
MIN_POST = 1
MIN_POST_SLOPE = 2


def _rows(labels: Sequence[Any], limit: int = 8) -> str:
    """Format a few row labels or periods for an error message."""
    labels = list(labels)
    shown = ", ".join(str(v) for v in labels[:limit])
    if len(labels) > limit:
        shown += f", ... ({len(labels)} in all)"
    return shown


# --------------------------------------------------------------------------------------------
# time handling
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeIndex:
    """Integer period numbers for a time column.

    Attributes
    ----------
    kind : str
        ``"month"``, ``"quarter"``, ``"year"``, ``"week"``, ``"day"`` or ``"number"``.
    step : float
        For numeric time, the spacing between consecutive periods.
    origin : float
        For numeric time, the value mapped to period key 0.
    """

    kind: str
    step: float = 1.0
    origin: float = 0.0
    day0: int = 0

    @property
    def default_period(self) -> float | None:
        """Seasonal period implied by the spacing (12 for months, 52 for weeks...)."""
        return {"month": 12.0, "quarter": 4.0, "week": 52.0, "day": 7.0}.get(self.kind)

    def keys(self, values: Any) -> np.ndarray:
        """Map time values to integer period keys (consecutive periods differ by 1)."""
        if self.kind == "number":
            arr = np.asarray(values, dtype=float)
            return (arr - self.origin) / self.step
        dt = _as_datetime64(values)
        if self.kind == "month":
            return dt.astype("datetime64[M]").astype(np.int64).astype(float)
        if self.kind == "quarter":
            return np.floor_divide(dt.astype("datetime64[M]").astype(np.int64), 3).astype(float)
        if self.kind == "year":
            return dt.astype("datetime64[Y]").astype(np.int64).astype(float)
        days = dt.astype("datetime64[D]").astype(np.int64).astype(float)
        if self.kind == "week":
            return np.floor((days - self.day0) / 7.0)
        return days

    def label(self, key: float) -> str:
        """Human label of a period key, for error messages."""
        if self.kind == "number":
            value = self.origin + key * self.step
            return f"{value:g}"
        k = int(key)
        if self.kind == "month":
            return f"{1970 + k // 12:04d}-{k % 12 + 1:02d}"
        if self.kind == "quarter":
            return f"{1970 + k // 4:04d}Q{k % 4 + 1}"
        if self.kind == "year":
            return str(1970 + k)
        day = k * 7 + self.day0 if self.kind == "week" else k
        return str(np.datetime64(day, "D"))


def _as_datetime64(values: Any) -> np.ndarray:
    """Datetime values as a naive ``datetime64[ns]`` numpy array (time zones dropped)."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        return values.astype("datetime64[ns]", copy=False)
    if isinstance(values, pd.Series | pd.Index) and isinstance(values.dtype, pd.DatetimeTZDtype):
        values = (
            values.dt.tz_localize(None)
            if isinstance(values, pd.Series)
            else (values.tz_localize(None))
        )
    arr = np.asarray(values)
    if arr.dtype.kind != "M":
        arr = np.asarray(pd.to_datetime(arr))
    return arr.astype("datetime64[ns]")


def _infer_time_index(values: np.ndarray) -> TimeIndex:
    """Work out the spacing of a time column (dates or numbers)."""
    if np.asarray(values).dtype.kind == "M":
        days_all = _as_datetime64(values).astype("datetime64[D]").astype(np.int64)
        uniq = np.unique(days_all)
        if len(uniq) < 2:
            return TimeIndex("month")
        diffs = np.diff(uniq).astype(float)
        sdiff = np.sort(diffs)
        med = float(sdiff[len(sdiff) // 2])
        mind = float(sdiff[0])
        if med < 1.5:
            return TimeIndex("day")
        if med < 10 and mind >= 6.5:
            return TimeIndex("week", day0=int(uniq[0]) % 7)
        if med < 10:
            return TimeIndex("day")
        if med < 45:
            return TimeIndex("month")
        if med < 135:
            return TimeIndex("quarter")
        return TimeIndex("year")
    arr = np.unique(np.asarray(values, dtype=float))
    if len(arr) < 2:
        return TimeIndex("number", 1.0, float(arr[0]) if len(arr) else 0.0)
    diffs = np.diff(arr)
    step = float(np.min(diffs))
    return TimeIndex("number", step=step, origin=float(arr[0]))


def _is_datetime_like(value: Any) -> bool:
    return isinstance(value, pd.Timestamp | np.datetime64) or (
        hasattr(value, "year") and hasattr(value, "month") and not isinstance(value, int | float)
    )


# --------------------------------------------------------------------------------------------
# validated data
# --------------------------------------------------------------------------------------------


@dataclass
class ITSData:
    """A validated ITS series or panel, as arrays sorted by group then period."""

    y: np.ndarray
    t: np.ndarray  # period number, 0 at the first period of the data
    post: np.ndarray  # 1.0 from the intervention period on
    t_since: np.ndarray  # periods since the intervention (0 before it)
    offset: np.ndarray | None
    treated: np.ndarray | None  # 1.0 for the treated group in a panel
    groups: np.ndarray | None  # group codes (contiguous blocks) for HAC
    time_values: np.ndarray  # original time labels
    group_values: np.ndarray | None
    t0: float  # period number of the intervention
    tindex: TimeIndex
    n_pre: int
    n_post: int
    intervention_label: str


def _check_columns(data: pd.DataFrame, columns: dict[str, str | None]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise EvaluationInputError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    missing = [
        f"{role}={col!r}"
        for role, col in columns.items()
        if col is not None and col not in data.columns
    ]
    if missing:
        raise EvaluationInputError(
            f"column(s) not found in data: {', '.join(missing)}; "
            f"available columns: {', '.join(map(str, data.columns))}"
        )


def _isna(series: pd.Series) -> np.ndarray:
    arr = series.to_numpy()
    kind = arr.dtype.kind
    if kind == "f":
        return np.isnan(arr)
    if kind in "iub":
        return np.zeros(len(arr), dtype=bool)
    if kind in "mM":
        return np.isnat(arr)
    return np.asarray(pd.isna(arr), dtype=bool)


def _check_missing(data: pd.DataFrame, col: str) -> None:
    na = _isna(data[col])
    if na.any():
        raise EvaluationInputError(
            f"column {col!r} has missing values (NaN) in rows {_rows(data.index[na])}; "
            "fill or drop those periods explicitly before evaluating"
        )


def _numeric(data: pd.DataFrame, col: str) -> np.ndarray:
    series = data[col]
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        arr = series.to_numpy(dtype=float)
        inf = ~np.isfinite(arr)
        if inf.any():
            raise EvaluationInputError(
                f"column {col!r} has infinite values in rows {_rows(data.index[inf])}"
            )
        return arr
    try:
        arr = pd.to_numeric(data[col], errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        bad = pd.to_numeric(data[col], errors="coerce").isna().to_numpy()
        raise EvaluationInputError(
            f"column {col!r} must be numeric; non-numeric values in rows "
            f"{_rows(data.index[bad])} (e.g. {data[col][bad].iloc[0]!r})"
        ) from exc
    inf = ~np.isfinite(arr)
    if inf.any():
        raise EvaluationInputError(
            f"column {col!r} has infinite values in rows {_rows(data.index[inf])}"
        )
    return arr


def prepare_its_data(
    data: pd.DataFrame,
    *,
    time: str,
    outcome: str,
    intervention: Any,
    family: str,
    offset: str | None,
    group: str | None,
    treated: Any,
    slope_change: bool,
) -> ITSData:
    """Validate an ITS input frame and turn it into arrays.

    Raises
    ------
    EvaluationInputError
        With the column and the offending rows or periods named.
    """
    if family not in FAMILIES:
        raise EvaluationInputError(f"family must be one of {FAMILIES}, not {family!r}")
    _check_columns(data, {"time": time, "outcome": outcome, "offset": offset, "group": group})
    if (group is None) != (treated is None):
        raise EvaluationInputError("give both `group` and `treated` (or neither)")
    if len(data) == 0:
        raise EvaluationInputError("data has no rows")
    for col in (time, outcome, offset, group):
        if col is not None:
            _check_missing(data, col)

    y = _numeric(data, outcome)
    if family in COUNT_FAMILIES:
        neg = y < 0
        if neg.any():
            raise EvaluationInputError(
                f"column {outcome!r} has negative counts in rows {_rows(data.index[neg])}; "
                f"family={family!r} needs counts >= 0"
            )
        frac = y != np.round(y)
        if frac.any():
            raise EvaluationInputError(
                f"column {outcome!r} has non-integer values in rows {_rows(data.index[frac])} "
                f"(e.g. {y[frac][0]:g}); family={family!r} needs whole counts. For rates, model "
                "the counts with `offset=` the population, or use family='gaussian'"
            )
    off = None
    if offset is not None:
        off = _numeric(data, offset)
        bad = off <= 0
        if bad.any():
            raise EvaluationInputError(
                f"offset column {offset!r} must be > 0 (it is used on the log scale); "
                f"rows {_rows(data.index[bad])}"
            )

    tcol = data[time]
    if isinstance(tcol.dtype, pd.PeriodDtype):
        tcol = tcol.dt.to_timestamp()
    if not pd.api.types.is_datetime64_any_dtype(tcol) and not pd.api.types.is_numeric_dtype(tcol):
        try:
            tcol = pd.to_datetime(tcol)
        except (TypeError, ValueError) as exc:
            raise EvaluationInputError(
                f"time column {time!r} must hold dates or numbers; could not parse {tcol.iloc[0]!r}"
            ) from exc
    if isinstance(tcol.dtype, pd.DatetimeTZDtype):
        tcol = tcol.dt.tz_localize(None)
    tarr = tcol.to_numpy()
    tindex = _infer_time_index(tarr)
    keys = tindex.keys(tarr)

    if group is not None:
        gcol = data[group]
        if treated not in set(gcol.unique()):
            raise EvaluationInputError(
                f"treated={treated!r} is not a value of the group column {group!r}; "
                f"groups include {_rows(pd.unique(gcol))}"
            )
        if gcol.nunique() < 2:
            raise EvaluationInputError(
                f"group column {group!r} has only the treated group; a comparison needs at "
                "least one other group"
            )
        gcodes, guniq = pd.factorize(gcol, sort=True)
    else:
        gcodes = np.zeros(len(data), dtype=np.int64)
        guniq = None

    if tindex.kind == "number":
        off_grid = np.abs(keys - np.round(keys)) > 1e-8
        if off_grid.any():
            raise EvaluationInputError(
                f"time column {time!r} is not evenly spaced (step {tindex.step:g}); irregular "
                f"values in rows {_rows(data.index[off_grid])}"
            )
        keys = np.round(keys)

    order = np.lexsort((keys, gcodes))
    keys_s = keys[order]
    g_s = gcodes[order]
    same = (np.diff(keys_s) == 0) & (np.diff(g_s) == 0)
    if same.any():
        dup_rows = data.index[order[1:][same]]
        raise EvaluationInputError(
            f"time column {time!r} has duplicate periods "
            f"({_rows(tindex.label(k) for k in keys_s[1:][same])}) in rows {_rows(dup_rows)}"
            + (f" within a group of {group!r}" if group else "")
            + "; aggregate to one row per period first"
        )
    kmin = keys_s.min()
    for g in np.unique(g_s):
        kg = keys_s[g_s == g]
        full = np.arange(kg[0], kg[-1] + 1)
        if len(full) != len(kg):
            missing = np.setdiff1d(full, kg)
            where = f" for group {guniq[g]!r}" if guniq is not None else ""
            raise EvaluationInputError(
                f"time column {time!r} has missing periods{where}: "
                f"{_rows(tindex.label(k) for k in missing)}; every period needs a row "
                "(fill true zeros with 0, do not leave gaps)"
            )

    # intervention period
    if tindex.kind == "number":
        if _is_datetime_like(intervention) or isinstance(intervention, str):
            raise EvaluationInputError(
                f"intervention={intervention!r} but time column {time!r} is numeric; give a "
                "value of the time column"
            )
        ik = (float(intervention) - tindex.origin) / tindex.step
        if abs(ik - round(ik)) > 1e-8:
            raise EvaluationInputError(
                f"intervention={intervention!r} is not one of the periods of {time!r} "
                f"(values start at {tindex.origin:g} with step {tindex.step:g})"
            )
        ik = float(round(ik))
    else:
        try:
            ts = pd.Timestamp(intervention)
            if ts.tzinfo is not None:
                ts = ts.tz_localize(None)
            ik = float(tindex.keys(np.array([ts.to_datetime64()]))[0])
        except (TypeError, ValueError) as exc:
            raise EvaluationInputError(
                f"intervention={intervention!r} is not a date; time column {time!r} holds dates"
            ) from exc
    treated_mask = (gcodes[order] == list(guniq).index(treated)) if guniq is not None else None
    tk = keys_s[treated_mask] if treated_mask is not None else keys_s
    if ik <= tk.min() or ik > tk.max():
        raise EvaluationInputError(
            f"intervention={intervention!r} (period {tindex.label(ik)}) is outside the data or "
            f"leaves no pre-period: {time!r} runs from {tindex.label(tk.min())} to "
            f"{tindex.label(tk.max())}"
        )
    n_pre = int((tk < ik).sum())
    n_post = int((tk >= ik).sum())
    min_post = MIN_POST_SLOPE if slope_change else MIN_POST
    if n_pre < MIN_PRE or n_post < min_post:
        raise EvaluationInputError(
            f"too few periods around intervention {tindex.label(ik)} in {time!r}: {n_pre} before "
            f"and {n_post} after; need at least {MIN_PRE} before and {min_post} after "
            f"(slope_change={slope_change})"
        )

    y_s = y[order]
    tr_s = treated_mask.astype(float) if treated_mask is not None else None
    series_y = y_s[treated_mask] if treated_mask is not None else y_s
    if np.ptp(series_y) == 0:
        raise EvaluationInputError(
            f"column {outcome!r} is constant ({series_y[0]:g} in every period"
            + (f" of group {treated!r}" if group else "")
            + "); there is no variation to evaluate"
        )
    t = keys_s - kmin
    t0 = ik - kmin
    post = (t >= t0).astype(float)
    return ITSData(
        y=y_s,
        t=t,
        post=post,
        t_since=np.where(post > 0, t - t0, 0.0),
        offset=None if off is None else off[order],
        treated=tr_s,
        groups=g_s if group is not None else None,
        time_values=tarr[order],
        group_values=None if guniq is None else np.asarray(guniq)[g_s],
        t0=t0,
        tindex=tindex,
        n_pre=n_pre,
        n_post=n_post,
        intervention_label=tindex.label(ik),
    )


# --------------------------------------------------------------------------------------------
# design matrices
# --------------------------------------------------------------------------------------------


def fourier_terms(t: np.ndarray, pairs: int, period: float) -> np.ndarray:
    """Fourier sine/cosine columns ``sin(2 pi k t / period), cos(...)`` for ``k = 1..pairs``.

    The terms are statsmodels' :class:`~statsmodels.tsa.deterministic.Fourier` deterministic
    terms (the harmonic seasonal regressors of Bhaskaran et al. 2013, Int J Epidemiol 42(4)),
    evaluated at the period numbers ``t`` (whole numbers from 0; a panel repeats them).

    Parameters
    ----------
    t : numpy.ndarray
        Period numbers, shape ``(n,)``, whole numbers >= 0.
    pairs : int
        Number of sine/cosine pairs (0 for none).
    period : float
        Seasonal period in periods (12 for months, 52 for weeks).

    Returns
    -------
    numpy.ndarray
        Shape ``(n, 2 * pairs)``, columns ``sin1, cos1, sin2, cos2, ...``.

    Raises
    ------
    EvaluationInputError
        If ``2 * pairs`` exceeds ``period`` (the harmonics would repeat) or ``t`` holds other
        than whole numbers from 0.
    """
    if pairs <= 0:
        return np.empty((len(t), 0))
    index = np.asarray(t).astype(np.intp)
    if index.min() < 0 or not np.array_equal(index, t):
        raise EvaluationInputError("Fourier terms need whole period numbers from 0")
    return _fourier_table(int(index.max()) + 1, int(pairs), float(period))[index]


@functools.lru_cache(maxsize=32)
def _fourier_table(n: int, pairs: int, period: float) -> np.ndarray:
    """Fourier terms of periods ``0..n-1`` (cached: power simulations reuse a few designs)."""
    try:
        terms = Fourier(period, order=pairs).in_sample(pd.RangeIndex(n)).to_numpy()
    except ValueError as exc:
        raise EvaluationInputError(
            f"{pairs} seasonal pairs are too many for period={period:g}: {exc}"
        ) from exc
    terms.flags.writeable = False
    return terms


@dataclass(frozen=True)
class ITSDesign:
    """Design matrix of a segmented regression and the meaning of its columns.

    Attributes
    ----------
    X : numpy.ndarray
        Full design matrix.
    X_cf : numpy.ndarray
        The same matrix with the response terms switched off (the counterfactual).
    names : list of str
        Column names.
    index : dict
        Column position of each named term.
    """

    X: np.ndarray
    X_cf: np.ndarray
    names: list[str]
    index: dict[str, int]


def build_design(
    t: np.ndarray,
    post: np.ndarray,
    t_since: np.ndarray,
    *,
    slope_change: bool = True,
    seasonality: int = 0,
    period: float | None = None,
    treated: np.ndarray | None = None,
) -> ITSDesign:
    """Build the segmented-regression design matrix with numpy.

    Columns: ``const, trend, level, slope`` (slope only when ``slope_change``), Fourier pairs, and
    in a panel the treated-group interactions ``z, z_trend, z_level, z_slope`` (Linden's itsa
    parameterisation). The counterfactual matrix zeroes the response terms: ``level``/``slope`` for
    a single series, ``z_level``/``z_slope`` in a panel (the treated group keeps the comparison
    groups' post-intervention changes, as in a difference-in-differences).
    """
    cols = [np.ones_like(t), t, post]
    names = ["const", "trend", "level"]
    if slope_change:
        cols.append(t_since)
        names.append("slope")
    if seasonality:
        if not period:
            raise EvaluationInputError("seasonality needs `period` (e.g. 12 monthly, 52 weekly)")
        four = fourier_terms(t, seasonality, float(period))
        cols.extend(four.T)
        for k in range(1, seasonality + 1):
            names.extend([f"sin{k}", f"cos{k}"])
    if treated is not None:
        cols.extend([treated, treated * t, treated * post])
        names.extend(["z", "z_trend", "z_level"])
        if slope_change:
            cols.append(treated * t_since)
            names.append("z_slope")
    X = np.column_stack(cols)
    index = {n: i for i, n in enumerate(names)}
    X_cf = X.copy()
    off = ("z_level", "z_slope") if treated is not None else ("level", "slope")
    for name in off:
        if name in index:
            X_cf[:, index[name]] = 0.0
    return ITSDesign(X=X, X_cf=X_cf, names=names, index=index)
