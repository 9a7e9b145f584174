"""Shared helpers for evaluation result objects: effect tables and plain-language wording."""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import special

__all__ = ["effect_table", "critical_value", "describe_ratio", "describe_difference", "pct"]


def critical_value(alpha: float, df: float | None) -> float:
    """Two-sided critical value: normal when ``df`` is None, else Student t with ``df``."""
    if df is None or not np.isfinite(df):
        return float(special.ndtri(1 - alpha / 2))
    return float(special.stdtrit(df, 1 - alpha / 2))


def _pvalue(z: np.ndarray, df: float | None) -> np.ndarray:
    if df is None or not np.isfinite(df):
        return 2 * special.ndtr(-np.abs(z))
    return 2 * special.stdtr(df, -np.abs(z))


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
    cols = ["estimate", "se", "ci_low", "ci_high", "p_value"]
    vals = [est, se, est - crit * se, est + crit * se, _pvalue(z, df)]
    if log_link:
        cols += ["ratio", "ratio_low", "ratio_high"]
        vals += [np.exp(est), np.exp(vals[2]), np.exp(vals[3])]
    out = pd.DataFrame(
        np.column_stack(vals), index=_index(tuple(names)), columns=_index(tuple(cols), None)
    )
    return out


@functools.lru_cache(maxsize=64)
def _index(names: tuple[str, ...], name: str | None = "term") -> pd.Index:
    """Shared (immutable) index objects: building a pandas Index is a noticeable cost per fit."""
    return pd.Index(names, name=name)


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


def describe_difference(
    est: float, low: float, high: float, level: int, unit: str
) -> tuple[str, bool]:
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
