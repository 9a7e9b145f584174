"""Shared helpers for evaluation result objects: effect tables, recorded warnings, wording."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import special
from statsmodels.tools import sm_exceptions

__all__ = [
    "NOT_CONVERGED",
    "amount",
    "change_phrase",
    "change_words",
    "critical_value",
    "describe_difference",
    "describe_ratio",
    "effect_table",
    "interval_words",
    "pct",
    "plain_warning",
    "recording_warnings",
    "signed_change",
]


NOT_CONVERGED = (
    "The model fit did not converge: the estimation stopped before it settled, so the "
    "estimates and their intervals may be unreliable"
)
"""Start of the sentence recorded when a fit did not converge."""


def plain_warning(category: type[Warning], message: str) -> str:
    """Say in plain words what a warning raised during a model fit means.

    Parameters
    ----------
    category : type of Warning
        The warning class (statsmodels' ``ConvergenceWarning``, ``RuntimeWarning``...).
    message : str
        The warning's own text (one or more, ``"; "``-separated), kept at the end for analysts.

    Returns
    -------
    str
        One sentence.
    """
    return f"{_meaning(category)} (statsmodels: {message.strip().rstrip('.')})."


def _meaning(category: type[Warning]) -> str:
    if issubclass(category, sm_exceptions.ConvergenceWarning | sm_exceptions.IterationLimitWarning):
        return NOT_CONVERGED
    if issubclass(category, sm_exceptions.PerfectSeparationWarning):
        return (
            "Some periods are fitted exactly (for example no events at all in one segment): an "
            "estimate sits at the edge of what the data allow and its interval is not reliable"
        )
    if issubclass(
        category, sm_exceptions.HessianInversionWarning | sm_exceptions.SingularMatrixWarning
    ):
        return (
            "The model's information matrix could not be inverted, so its standard errors and "
            "intervals may be unreliable"
        )
    if issubclass(category, RuntimeWarning):
        return (
            "A numerical problem occurred while fitting the model; the data may be too sparse "
            "or too extreme for it"
        )
    return "The model reported a problem"


class recording_warnings:  # noqa: N801 - used like a function: `with recording_warnings() as notes`
    """Record the model and numerical warnings raised in a block, as plain sentences.

    statsmodels' model warnings (``ConvergenceWarning``, ``PerfectSeparationWarning``,
    ``HessianInversionWarning``...) and ``RuntimeWarning`` (overflow, division by zero in a
    degenerate fit) are turned into sentences (:func:`plain_warning`), one per meaning with the
    distinct original messages joined, for the result's ``.warnings``; nothing is ignored. Any
    other warning (deprecations...) is issued again after the block, so it reaches the usual
    filters. (A class rather than a generator: it wraps every fit of a power simulation.)

    Examples
    --------
    >>> with recording_warnings() as notes:  # doctest: +SKIP
    ...     results = model.fit()
    >>> notes  # filled when the block ends  # doctest: +SKIP
    """

    def __init__(self) -> None:
        self.messages: list[str] = []
        self._catcher = warnings.catch_warnings(record=True)
        self._caught: list[warnings.WarningMessage] = []

    def __enter__(self) -> list[str]:
        self._caught = self._catcher.__enter__()
        warnings.simplefilter("always")
        return self.messages

    def __exit__(self, *exc: object) -> None:
        self._catcher.__exit__(*exc)
        if not self._caught:
            return
        grouped: dict[str, tuple[type[Warning], list[str]]] = {}
        for item in self._caught:
            if issubclass(item.category, sm_exceptions.ModelWarning | RuntimeWarning):
                category, texts = grouped.setdefault(_meaning(item.category), (item.category, []))
                if str(item.message) not in texts:
                    texts.append(str(item.message))
            else:
                warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
        self.messages.extend(
            plain_warning(category, "; ".join(t.strip().rstrip(".") for t in texts))
            for category, texts in grouped.values()
        )


_EXP_MAX = 709.0
"""Largest argument of ``exp`` that stays a finite float."""


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
        if np.max(vals[3]) < _EXP_MAX:
            vals += [np.exp(est), np.exp(vals[2]), np.exp(vals[3])]
        else:  # a bound too large for a float is infinite: summaries say so in words, and the
            with np.errstate(over="ignore"):  # fit's warnings name the cause (quasi-separation)
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


TIMES_FROM = 10.0
"""Ratios from this size on are said as "N times as high" (a change above +900% is unreadable
as a percentage; no summary prints one above 1,000%)."""


def change_words(ratio: float, digits: int = 0) -> str:
    """Say a ratio as a change: ``"12% lower"``, ``"35% higher"``, ``"14 times as high"``.

    Parameters
    ----------
    ratio : float
        A ratio >= 0 (``inf`` is said as "without limit higher").
    digits : int
        Decimals of the percentage.

    Returns
    -------
    str
        Never a percentage above 900% (larger ratios are "N times as high"), "inf" or "nan".
    """
    if np.isnan(ratio):
        return "a change that cannot be estimated"
    if not np.isfinite(ratio):
        return "higher without a limit the data can set"
    if ratio >= TIMES_FROM:
        return f"{ratio:,.0f} times as high" if ratio >= 100 else f"{ratio:,.1f} times as high"
    if ratio < 1:
        if 0 < ratio and round((1 - ratio) * 100, digits) >= 100:
            return "over 99% lower"
        return f"{pct(1 - ratio, digits)} lower"
    return f"{pct(ratio - 1, digits)} higher"


def change_phrase(ratio: float, reference: str) -> str:
    """Say a ratio against a reference, e.g. "12% lower than before".

    The rules of :func:`change_words` apply; large ratios read "14 times as high as before".
    """
    words = change_words(ratio)
    joint = "as" if words.endswith("times as high") else "than"
    return f"{words} {joint} {reference}"


def signed_change(ratio: float, digits: int = 1) -> str:
    """Say a ratio as a signed percentage (``"+3.1%"``, ``"-45.0%"``), ``"x14"`` from 10 on."""
    if np.isnan(ratio):
        return "an amount that cannot be estimated"
    if not np.isfinite(ratio):
        return "an unlimited amount"
    if ratio >= TIMES_FROM:
        return f"x{ratio:,.0f}"
    return f"{(ratio - 1) * 100:+.{digits}f}%"


def describe_ratio(ratio: float, low: float, high: float, level: int) -> tuple[str, bool]:
    """Describe a rate ratio and its interval in words.

    Returns the sentence fragment and whether the interval excludes no change (ratio 1). An
    upper bound the data cannot set (infinite, e.g. after quasi-separation) is said in words;
    ratios of 10 or more are said as "N times as high", never as a percentage.
    """
    clear = bool(high < 1 or low > 1)

    def _bound(r: float) -> str:
        return change_words(r)

    head = change_phrase(ratio, "expected")
    upper = f" to {_bound(high)}" if np.isfinite(high) else f", {NO_UPPER_LIMIT}"
    text = f"{head} ({level}% interval: from {_bound(low)}{upper})"
    return text, clear


NO_UPPER_LIMIT = "with no upper limit that the data can set"
"""Said instead of an infinite upper bound (never "inf")."""


def amount(x: float, spec: str = ",.0f") -> str:
    """Format a number for a sentence; an undefined value is said in words, never "nan"."""
    if np.isnan(x):
        return "an amount that cannot be estimated"
    if not np.isfinite(x):
        return "an unlimited amount" if x > 0 else "an unlimited negative amount"
    return format(x, spec)


def interval_words(low: float, high: float, spec: str = ",.0f", unit: str = "") -> str:
    """Say an interval: ``"14 to 126"``, or ``"from 14, with no upper limit ..."`` when unbounded.

    Parameters
    ----------
    low, high : float
        Bounds (``high`` may be infinite, ``low`` finite).
    spec : str
        Format of the numbers.
    unit : str
        Text right after each number (e.g. ``"%"``).

    Returns
    -------
    str
    """
    if np.isfinite(high):
        return f"{amount(low, spec)}{unit} to {amount(high, spec)}{unit}"
    return f"from {amount(low, spec)}{unit}, {NO_UPPER_LIMIT}"


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
