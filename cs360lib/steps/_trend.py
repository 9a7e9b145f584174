"""The trend comparison of the evaluation-design assistant (:mod:`cs360lib.steps.design`).

Does a comparison area's count series share the target's trend before the start? A
quasi-Poisson regression of both pre-period series on time, area and their interaction (with a
shared seasonal term from two years of data) tests the interaction (Lopez Bernal, Cummins and
Gasparrini 2018, on controls in interrupted time series). Reached as
``design.trend_difference``.

References
----------
Lopez Bernal, J., Cummins, S., & Gasparrini, A. (2018). The use of controls in interrupted
time series studies of public health interventions. *International Journal of Epidemiology*,
47(6), 2082-2093.
"""

from __future__ import annotations

import warnings as _warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from scipy import stats

from cs360lib.errors import PlanError

__all__ = ["TrendDifference", "trend_difference"]

_PER_YEAR = {"month": 12.0, "week": 52.0}
"""Periods in a year, per analysis period."""


@dataclass(frozen=True)
class TrendDifference:
    """The pre-period trend of a target against its comparison area.

    Attributes
    ----------
    ratio, low, high : float
        Ratio of the target's yearly trend to the comparison's (1 = parallel) and its 95%
        interval.
    p_value : float
        Wald test of no difference (quasi-Poisson scale).
    periods : int
        Periods of each series used.
    seasonal : bool
        Whether a shared seasonal term was fitted.
    warnings : list of str
        Fit warnings.
    """

    ratio: float
    low: float
    high: float
    p_value: float
    periods: int
    seasonal: bool
    warnings: list[str]


def trend_difference(
    target: Sequence[float] | np.ndarray,
    comparison: Sequence[float] | np.ndarray,
    *,
    period: str = "month",
    seasonal: bool | None = None,
) -> TrendDifference:
    """Test whether two pre-period count series share a trend.

    Fits ``log E[y] = a + b t + c g + d t g`` (plus one shared sine-cosine pair per year when
    ``seasonal``) to both series by Poisson regression with a Pearson chi-square scale
    (quasi-Poisson), and tests ``d = 0``. ``exp(d * periods_per_year)`` is the ratio of the
    yearly trends (Lopez Bernal, Cummins and Gasparrini 2018).

    Parameters
    ----------
    target, comparison : sequence of float, shape (n,)
        Counts per period before the start, aligned (same periods, oldest first).
    period : {"month", "week"}
        The period of the counts (for the yearly ratio and the seasonal term).
    seasonal : bool, optional
        Fit the seasonal pair; default when there are at least two years of periods.

    Returns
    -------
    TrendDifference

    Raises
    ------
    PlanError
        For series of different lengths, fewer than 4 periods, or a series without events.
    """
    y1 = np.asarray(target, dtype=float)
    y0 = np.asarray(comparison, dtype=float)
    if y1.shape != y0.shape or y1.ndim != 1:
        raise PlanError("the target and comparison series must have the same periods")
    n = len(y1)
    if n < 4:
        raise PlanError(f"{n} periods before the start: at least 4 are needed to compare trends")
    if y1.sum() == 0 or y0.sum() == 0:
        raise PlanError("a series without events before the start has no trend to compare")
    per_year = _PER_YEAR[period]
    if seasonal is None:
        seasonal = n >= 2 * per_year
    t = np.tile(np.arange(n, dtype=float), 2)
    g = np.repeat([1.0, 0.0], n)
    columns = [np.ones(2 * n), t, g, t * g]
    if seasonal:
        columns += [np.sin(2 * np.pi * t / per_year), np.cos(2 * np.pi * t / per_year)]
    X = np.column_stack(columns)
    y = np.concatenate([y1, y0])
    with _warnings.catch_warnings(record=True) as caught:
        _warnings.simplefilter("always")
        fit = sm.GLM(y, X, family=sm.families.Poisson()).fit(scale="X2")
    notes = [f"Comparing the trends before the start: {w.message}" for w in caught]
    d, se = float(fit.params[3]), float(fit.bse[3])
    z = stats.norm.ppf(0.975)
    return TrendDifference(
        ratio=float(np.exp(d * per_year)),
        low=float(np.exp((d - z * se) * per_year)),
        high=float(np.exp((d + z * se) * per_year)),
        p_value=float(2 * stats.norm.sf(abs(d / se))) if se > 0 else 1.0,
        periods=n,
        seasonal=bool(seasonal),
        warnings=notes,
    )
