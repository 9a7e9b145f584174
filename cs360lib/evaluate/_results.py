"""Shared helpers for evaluation result objects: effect tables and plain-language wording."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["effect_table", "critical_value", "describe_ratio", "describe_difference", "pct"]


def critical_value(alpha: float, df: float | None) -> float:
    """Two-sided critical value: normal when ``df`` is None, else Student t with ``df``."""
    if df is None or not np.isfinite(df):
        return float(stats.norm.ppf(1 - alpha / 2))
    return float(stats.t.ppf(1 - alpha / 2, df))


def _pvalue(z: np.ndarray, df: float | None) -> np.ndarray:
    if df is None or not np.isfinite(df):
        return 2 * stats.norm.sf(np.abs(z))
    return 2 * stats.t.sf(np.abs(z), df)


def effect_table(
    params: np.ndarray,
    cov: np.ndarray,
    contrasts: Mapping[str, np.ndarray],
    *,
    df: float | None,
    alpha: float,
    log_link: bool,
) -> pd.DataFrame:
    """Estimates, standard errors, intervals and p values of linear combinations of parameters.

    Parameters
    ----------
    params, cov : numpy.ndarray
        Parameter vector and its covariance matrix.
    contrasts : mapping of str to numpy.ndarray
        One weight vector per row of the table.
    df : float or None
        Degrees of freedom for t intervals; None for normal intervals.
    alpha : float
        One minus the confidence level.
    log_link : bool
        Add exponentiated ``ratio``, ``ratio_low`` and ``ratio_high`` columns.

    Returns
    -------
    pandas.DataFrame
    """
    names = list(contrasts)
    L = np.vstack([contrasts[n] for n in names])
    est = L @ params
    se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", L, cov, L), 0.0))
    crit = critical_value(alpha, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se
    out = pd.DataFrame(
        {
            "estimate": est,
            "se": se,
            "ci_low": est - crit * se,
            "ci_high": est + crit * se,
            "p_value": _pvalue(z, df),
        },
        index=pd.Index(names, name="term"),
    )
    if log_link:
        out["ratio"] = np.exp(out["estimate"])
        out["ratio_low"] = np.exp(out["ci_low"])
        out["ratio_high"] = np.exp(out["ci_high"])
    return out


def pct(x: float, digits: int = 0) -> str:
    """Format a proportion as a percentage without a sign."""
    return f"{abs(x) * 100:.{digits}f}%"


def _num(x: float) -> str:
    ax = abs(x)
    if ax >= 100:
        return f"{x:,.0f}"
    if ax >= 10:
        return f"{x:,.1f}"
    return f"{x:,.2f}"


def describe_ratio(ratio: float, low: float, high: float, level: int) -> tuple[str, bool]:
    """Describe a rate ratio and its interval in words.

    Returns the sentence fragment and whether the interval excludes no change (ratio 1).
    """
    clear = bool(high < 1 or low > 1)
    direction = "lower" if ratio < 1 else "higher"
    size = pct(ratio - 1)

    def _bound(r: float) -> str:
        return f"{pct(r - 1)} {'lower' if r < 1 else 'higher'}"

    text = (
        f"{size} {direction} than expected ({level}% interval: from {_bound(low)} "
        f"to {_bound(high)})"
    )
    return text, clear


def describe_difference(est: float, low: float, high: float, level: int, unit: str) -> tuple[
    str, bool
]:
    """Describe an additive change and its interval in words."""
    clear = bool(high < 0 or low > 0)
    direction = "lower" if est < 0 else "higher"
    text = (
        f"{_num(abs(est))} {unit} {direction} than expected ({level}% interval: "
        f"{_num(low)} to {_num(high)})"
    )
    return text, clear


def verdict(clear: bool, what: str) -> str:
    """Plain-language statement of whether an interval rules out no effect."""
    if clear:
        return f"The interval does not include zero change, so the {what} is statistically clear."
    return (
        f"The interval includes no change, so we cannot be confident the {what} is real: it may "
        "be chance variation."
    )
