"""The terms of an evaluation model: interventions, seasonality, calendar effects, controls.

An intervention is either a **step** (the response starts on a date and stays: a level change
and, optionally, a change in trend from the first period wholly under it) or an **indicator**
(a temporary or recurring response: on in some periods, off in others; its coefficient is the
rate ratio while it is on). Indicators come from a 0/1 column (or a share between 0 and 1),
a boolean ``pandas.Series`` aligned with the data, or a list of ``(start, end)`` date ranges
(both ends included; a period partly inside the ranges gets the share of its days inside).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tsa.deterministic import Fourier

from cs360lib.errors import EvaluationInputError

from ._data import SeriesData, check_missing, numeric_column
from ._time import (
    TimeIndex,
    as_timestamp,
    day_shares,
    first_period_from,
    first_period_starts_at,
    first_period_under,
    rows_text,
)

__all__ = [
    "CALENDAR_TERMS",
    "Intervention",
    "calendar_columns",
    "fourier_terms",
    "parse_interventions",
    "parse_seasonality",
]

CALENDAR_TERMS = ("dow", "month", "quarter", "year")
"""Calendar fixed effects that ``calendar=`` accepts."""

#: Minimum number of periods before the first step and after each step.
MIN_PRE = 3
MIN_POST = 1
MIN_POST_SLOPE = 2

RESERVED = frozenset({"baseline", "pre_trend", "level_change", "slope_change", "post_trend"})
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Intervention:
    """One intervention term of the model.

    Attributes
    ----------
    name : str
        Name of the intervention (effects are named after it).
    kind : {"step", "indicator"}
        A lasting step (level and optional trend change) or an on/off indicator.
    key : float or None
        Step: the period key of the first period wholly under the response.
    share : numpy.ndarray or None
        Indicator: the share of each (sorted) row's period under the response, 0 to 1.
    slope_change : bool
        Step: whether the trend may change from the step on.
    legacy : bool
        The single step of ``intervention=``: effects keep the names ``level_change``,
        ``slope_change`` and ``post_trend``.
    start_text : str
        Step: the label of its first period (for summaries).
    notes : tuple of str
        How the start was assigned to a period (a start inside a period).
    """

    name: str
    kind: str
    key: float | None = None
    share: np.ndarray | None = field(default=None, repr=False)
    slope_change: bool = True
    legacy: bool = False
    start_text: str = ""
    notes: tuple[str, ...] = ()


def _is_ranges(value: Any) -> bool:
    if isinstance(value, pd.DataFrame):
        return True
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        return False
    return len(value) > 0 and all(
        isinstance(v, Sequence) and not isinstance(v, str | bytes) and len(v) == 2 for v in value
    )


def _ranges(value: Any, name: str) -> list[tuple[Any, Any]]:
    if isinstance(value, pd.DataFrame):
        if not {"start", "end"} <= set(value.columns):
            raise EvaluationInputError(
                f"intervention {name!r}: a frame of date ranges needs columns 'start' and 'end'; "
                f"it has {', '.join(map(str, value.columns))}"
            )
        return list(zip(value["start"], value["end"], strict=True))
    return [tuple(v) for v in value]


def _indicator_values(
    values: pd.Series, frame: pd.DataFrame, data: SeriesData, name: str, what: str
) -> np.ndarray:
    if isinstance(values.index, pd.Index) and not values.index.equals(frame.index):
        missing = frame.index.difference(values.index)
        if len(missing):
            raise EvaluationInputError(
                f"intervention {name!r}: the indicator Series has no value for rows "
                f"{rows_text(missing)} of the data; align it with the data's index"
            )
        values = values.reindex(frame.index)
    values = pd.Series(values.to_numpy(), index=frame.index)
    check_missing(values, what, frame.index)
    arr = numeric_column(values, what, frame.index)
    bad = (arr < 0) | (arr > 1)
    if bad.any():
        raise EvaluationInputError(
            f"intervention {name!r}: indicator {what!r} must be 0/1 (or a share of the period "
            f"between 0 and 1); rows {rows_text(frame.index[bad])} hold e.g. {arr[bad][0]:g}"
        )
    share = arr[data.order]
    if data.panel:  # an indicator is a function of time: the treated group's values
        by_key = dict(zip(data.keys[data.series_mask], share[data.series_mask], strict=True))
        share = np.array([by_key.get(k, 0.0) for k in data.keys])
    return share


def _one(
    name: str,
    value: Any,
    frame: pd.DataFrame,
    data: SeriesData,
    *,
    slope_change: bool,
    timezone: str | None,
    legacy: bool,
) -> Intervention:
    if isinstance(value, pd.Timestamp | np.datetime64 | pd.Period | int | float):
        # a start date or a value of a numeric time column: a step (the common case)
        return _step(name, value, data, slope_change=slope_change, timezone=timezone, legacy=legacy)
    if isinstance(value, pd.Series):
        share = _indicator_values(value, frame, data, name, str(value.name or name))
        return Intervention(name, "indicator", share=share)
    if isinstance(value, str) and value in frame.columns:
        share = _indicator_values(frame[value], frame, data, name, value)
        return Intervention(name, "indicator", share=share)
    if isinstance(value, Mapping):
        unknown = set(value) - {"start", "end", "slope_change"}
        if unknown or "start" not in value:
            raise EvaluationInputError(
                f"intervention {name!r}: a mapping needs 'start' and may have 'end' and "
                f"'slope_change'; got keys {sorted(map(str, value))}"
            )
        if value.get("end") is not None:
            value = [(value["start"], value["end"])]
        else:
            return _step(
                name,
                value["start"],
                data,
                slope_change=bool(value.get("slope_change", slope_change)),
                timezone=timezone,
                legacy=legacy,
            )
    if _is_ranges(value):
        if not data.tindex.dated:
            raise EvaluationInputError(
                f"intervention {name!r}: date ranges need a time column of dates; with numeric "
                "time give an indicator column"
            )
        share = day_shares(
            data.tindex, data.keys, _ranges(value, name), name=name, timezone=timezone
        )
        return Intervention(name, "indicator", share=share)
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        raise EvaluationInputError(
            f"intervention {name!r}: give one start date, an indicator column, or a list of "
            f"(start, end) date ranges; got {_short(value)}"
        )
    if isinstance(value, str) and not data.tindex.dated:
        raise EvaluationInputError(
            f"intervention={value!r} is neither a column of the data nor a value of the numeric "
            f"time column {data.time!r}"
        )
    return _step(name, value, data, slope_change=slope_change, timezone=timezone, legacy=legacy)


def _step(
    name: str,
    value: Any,
    data: SeriesData,
    *,
    slope_change: bool,
    timezone: str | None,
    legacy: bool,
) -> Intervention:
    """Make a lasting step from the first period wholly under a response starting at ``value``."""
    what = "intervention" if legacy else f"intervention {name!r}"
    notes = []
    try:
        if data.tindex.dated:
            ts = as_timestamp(value, name=what, timezone=timezone)
            key = first_period_from(data.tindex, ts)
            if not first_period_starts_at(data.tindex, key, ts):
                notes.append(
                    f"The response began on {ts:%Y-%m-%d}; the first period wholly under it, "
                    f"{data.tindex.label_of(key)}, is the first period counted as after it."
                )
        else:
            key = first_period_under(data.tindex, value, name=what, timezone=timezone)
    except EvaluationInputError as exc:
        if isinstance(value, str):
            raise EvaluationInputError(
                f"{what}={_short(value)} is neither a column of the data nor a date; "
                f"time column {data.time!r} holds dates ({exc})"
            ) from exc
        raise
    return Intervention(
        name,
        "step",
        key=key,
        slope_change=slope_change,
        legacy=legacy,
        start_text=data.tindex.label_of(key),
        notes=tuple(notes),
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_interventions(
    intervention: Any,
    interventions: Any,
    frame: pd.DataFrame,
    data: SeriesData,
    *,
    slope_change: bool,
    timezone: str | None,
) -> list[Intervention]:
    """Read ``intervention=`` (one) or ``interventions=`` (several, named) into terms.

    Raises
    ------
    EvaluationInputError
        For both or neither given, bad names, unreadable dates, indicators outside [0, 1], an
        indicator that is never (or always) on, or steps outside the data.
    """
    if intervention is not None and interventions is not None:
        raise EvaluationInputError(
            "give the response as `intervention=` (one start date, indicator column or list of "
            "date ranges) or as `interventions=` (several, by name), not both"
        )
    if intervention is None and interventions is None:
        return []  # a specification of the series alone (e.g. for power_its)
    if intervention is not None:
        if isinstance(intervention, pd.Series):
            name = str(intervention.name) if intervention.name is not None else "response"
        elif isinstance(intervention, str) and intervention in frame.columns:
            name = intervention
        else:
            name = "response"
        items = [(name, intervention, True)]
    elif isinstance(interventions, Mapping):
        items = [(str(k), v, False) for k, v in interventions.items()]
    elif isinstance(interventions, Sequence) and not isinstance(interventions, str | bytes):
        items = [(f"response_{i + 1}", v, False) for i, v in enumerate(interventions)]
    else:
        raise EvaluationInputError(
            "interventions= must map names to start dates, indicator columns or date ranges "
            f"(e.g. {{'ceasefire': 'ceasefire_day'}}), not {_short(interventions)}"
        )
    if not items:
        raise EvaluationInputError("interventions= is empty")
    names = [n for n, _, _ in items]
    clash = sorted(set(names) & RESERVED)
    if clash or len(set(names)) != len(names) or any(n.startswith("diff_") for n in names):
        raise EvaluationInputError(
            f"intervention names must be distinct, must not start with 'diff_' and must not be "
            f"{sorted(RESERVED)}; got {names}"
        )
    out = [
        _one(n, v, frame, data, slope_change=slope_change, timezone=timezone, legacy=legacy)
        for n, v, legacy in items
    ]
    _check_placement(out, data)
    return out


def _check_placement(items: list[Intervention], data: SeriesData) -> None:
    tindex = data.tindex
    steps = sorted((i for i in items if i.kind == "step"), key=lambda i: i.key)
    if data.panel:
        tk = data.keys[data.series_mask]
        lo, hi = float(tk.min()), float(tk.max())

        def below(key: float) -> int:
            return int(np.count_nonzero(tk < key))

    else:  # one series: its keys are lo, lo + 1, ..., hi (sorted, no gaps), counted directly
        lo, hi = float(data.keys[0]), float(data.keys[-1])

        def below(key: float) -> int:
            return min(max(math.ceil(key - lo), 0), int(hi - lo) + 1)

    for i in steps:
        label = "intervention" if i.legacy else f"intervention {i.name!r}"
        if i.key <= lo or i.key > hi:
            raise EvaluationInputError(
                f"{label} (period {tindex.label_of(i.key)}) is outside the data or leaves no "
                f"period before it: {data.time!r} runs from {tindex.label_of(lo)} to "
                f"{tindex.label_of(hi)}"
            )
    if steps:
        first = steps[0]
        n_pre = below(first.key)
        if n_pre < MIN_PRE:
            raise EvaluationInputError(
                f"too few periods around intervention {tindex.label_of(first.key)} in "
                f"{data.time!r}: {n_pre} before; need at least {MIN_PRE} before the response"
            )
    for a, b in zip(steps, [*steps[1:], None], strict=False):
        nxt = b.key if b is not None else hi + 1
        n_after = below(nxt) - below(a.key)
        need = MIN_POST_SLOPE if a.slope_change else MIN_POST
        if n_after < need:
            where = f"before the next one ({tindex.label_of(b.key)})" if b else "after it"
            raise EvaluationInputError(
                f"too few periods around intervention {tindex.label_of(a.key)} in "
                f"{data.time!r}: {below(a.key)} before and {n_after} {where}; need "
                f"at least {need} after (slope_change={a.slope_change})"
            )
    for i in items:
        if i.kind != "indicator":
            continue
        s = i.share[data.series_mask]
        if not (s > 0).any():
            raise EvaluationInputError(
                f"intervention {i.name!r} is never on in the data ({data.time!r} runs from "
                f"{tindex.label_of(lo)} to {tindex.label_of(hi)})"
            )
        if (s > 0).all():
            raise EvaluationInputError(
                f"intervention {i.name!r} is on in every period: there is no period without "
                "the response to compare with"
            )


# --------------------------------------------------------------------------------------------
# seasonality
# --------------------------------------------------------------------------------------------


def parse_seasonality(
    seasonality: int | Mapping[float, int], period: float | None, tindex: TimeIndex, time: str
) -> list[tuple[float, int]]:
    """Normalise ``seasonality`` to a list of ``(period, pairs)``.

    Raises
    ------
    EvaluationInputError
        Bad numbers of pairs, a missing period, or more pairs than the period allows.
    """
    if isinstance(seasonality, Mapping):
        if period is not None:
            raise EvaluationInputError(
                "give the seasonal periods as the keys of `seasonality` (e.g. {7: 2, 365.25: 3}), "
                "not also `period`"
            )
        items = [(p, k) for p, k in seasonality.items()]
    else:
        items = [(period, seasonality)]
    out = []
    for per, pairs in items:
        if isinstance(pairs, bool) or pairs is None or pairs < 0 or int(pairs) != pairs:
            raise EvaluationInputError(
                f"seasonality must be a whole number >= 0 of sine/cosine pairs, not {pairs!r}"
            )
        if not pairs:
            continue
        per = per or tindex.default_period
        if not per:
            raise EvaluationInputError(
                f"seasonality={pairs} needs `period` (e.g. 12 for monthly data) because the "
                f"spacing of {time!r} does not imply one"
            )
        if float(per) <= 2:
            raise EvaluationInputError(f"a seasonal period must be more than 2 periods, not {per}")
        if 2 * int(pairs) >= float(per):
            raise EvaluationInputError(f"seasonality={pairs} pairs is too many for period={per}")
        out.append((float(per), int(pairs)))
    return out


def fourier_terms(
    t: np.ndarray, pairs: int, period: float, *, consecutive: bool = False
) -> np.ndarray:
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
        Seasonal period in periods (12 for months, 52 for weeks, 365.25 for days).
    consecutive : bool
        ``t`` is known to be ``0, 1, ..., n - 1`` (a single series): the terms are the cached
        table itself (read-only), without checking ``t``.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, 2 * pairs)``, columns ``sin1, cos1, sin2, cos2, ...``.

    Raises
    ------
    EvaluationInputError
        If ``2 * pairs`` exceeds ``period`` or ``t`` holds other than whole numbers from 0.
    """
    if pairs <= 0:
        return np.empty((len(t), 0))
    if consecutive:
        return _fourier_table(len(t), int(pairs), float(period))
    index = np.asarray(t).astype(np.intp)
    if index.min() < 0 or not bool((index == t).all()):
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


def cap_seasonality(
    seasonal: list[tuple[float, int]], n_reference: int, *, before: bool
) -> tuple[list[tuple[float, int]], list[str]]:
    """Cap Fourier pairs by complete cycles of the reference periods, with warnings.

    Parameters
    ----------
    seasonal : list of (period, pairs)
        Requested seasonal terms.
    n_reference : int
        Periods the seasonal pattern is learnt from: those before the first step, or the whole
        series when the response is an indicator only.
    before : bool
        Whether the reference periods are those before the response (for the wording).

    Returns
    -------
    tuple of (list of (period, pairs), list of str)
        The capped terms (periods with no complete cycle dropped) and warnings.
    """
    out, notes = [], []
    where = "before the response" if before else "in the series"
    for per, pairs in seasonal:
        cycles = math.floor(n_reference / per + 1e-9)
        use = min(pairs, cycles)
        if use < pairs:
            notes.append(
                f"The {n_reference} periods {where} hold {cycles} complete seasonal "
                f"cycle(s) of {per:g} periods, so the seasonal pattern was fitted with {use} "
                f"sine/cosine pair(s) instead of {pairs}"
                + (" (none: seasonality was left out)" if use == 0 else "")
                + "."
            )
        elif cycles < 2:
            notes.append(
                f"The seasonal pattern (period {per:g}) is estimated from less than two "
                f"complete cycles {where} ({n_reference} periods): it is hard to tell from "
                "the trend and the response, and the estimated effect may be biased."
            )
        if use:
            out.append((per, use))
    return out, notes


# --------------------------------------------------------------------------------------------
# calendar fixed effects and controls
# --------------------------------------------------------------------------------------------

_CALENDAR_NEEDS = {
    "dow": ("day",),
    "month": ("day", "week", "month"),
    "quarter": ("day", "week", "month"),
    "year": ("day", "week", "month", "quarter"),
}


def calendar_columns(
    calendar: Sequence[str], data: SeriesData
) -> tuple[list[np.ndarray], list[str]]:
    """Build dummy columns (first level dropped) of calendar fixed effects of each period.

    Raises
    ------
    EvaluationInputError
        Unknown terms, or a term the spacing cannot carry (``"dow"`` needs daily periods).
    """
    if isinstance(calendar, str):
        calendar = [calendar]
    cols: list[np.ndarray] = []
    names: list[str] = []
    for term in calendar:
        if term not in CALENDAR_TERMS:
            raise EvaluationInputError(
                f"calendar terms must be among {CALENDAR_TERMS}, not {term!r}"
            )
        if data.tindex.kind not in _CALENDAR_NEEDS[term]:
            raise EvaluationInputError(
                f"calendar term {term!r} needs {' or '.join(_CALENDAR_NEEDS[term])} periods; "
                f"{data.time!r} holds {data.tindex.kind} periods"
            )
        days = data.starts.astype("datetime64[D]")
        if term == "dow":
            values = (days.astype(np.int64) + 3) % 7
            label = list(_WEEKDAYS)
        elif term == "month":
            values = days.astype("datetime64[M]").astype(np.int64) % 12
            label = [f"{m:02d}" for m in range(1, 13)]
        elif term == "quarter":
            values = days.astype("datetime64[M]").astype(np.int64) % 12 // 3
            label = [f"Q{q}" for q in range(1, 5)]
        else:
            values = days.astype("datetime64[Y]").astype(np.int64)
            label = [str(1970 + y) for y in range(int(values.max()) + 1)]
        levels = np.unique(values)
        for level in levels[1:]:
            cols.append((values == level).astype(float))
            names.append(f"{term}[{label[int(level)]}]")
    return cols, names


def control_columns(
    controls: Sequence[str], frame: pd.DataFrame, data: SeriesData
) -> dict[str, np.ndarray]:
    """Numeric control columns (covariates), sorted like the data.

    Raises
    ------
    EvaluationInputError
        Missing, non-numeric, NaN or constant columns.
    """
    if isinstance(controls, str):
        controls = [controls]
    out = {}
    for col in controls:
        if col not in frame.columns:
            raise EvaluationInputError(
                f"control column {col!r} not found in data; available columns: "
                f"{', '.join(map(str, frame.columns))}"
            )
        check_missing(frame[col], col, frame.index)
        arr = numeric_column(frame[col], col, frame.index)[data.order]
        if np.ptp(arr) == 0:
            raise EvaluationInputError(
                f"control column {col!r} is constant ({arr[0]:g}): it cannot be told apart from "
                "the baseline level"
            )
        if col in RESERVED or col.startswith("diff_"):
            raise EvaluationInputError(f"control column name {col!r} is reserved; rename it")
        out[col] = arr
    return out
