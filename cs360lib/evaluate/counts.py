"""Tests on aggregate crime counts: WDD, the E-test, an exact rate-ratio test and its power.

References
----------
Wheeler, A. P., & Ratcliffe, J. H. (2018). A simple weighted displacement difference test to
evaluate place based crime interventions. *Crime Science*, 7(11).
Krishnamoorthy, K., & Thomson, J. (2004). A more powerful test for comparing two Poisson means.
*Journal of Statistical Planning and Inference*, 119, 23-35.
Ng, H. K. T., Gu, K., & Tang, M. L. (2007). A comparative study of tests for the difference of
two Poisson means. *Computational Statistics & Data Analysis*, 51(6), 3085-3099.
Clopper, C. J., & Pearson, E. S. (1934). The use of confidence or fiducial limits illustrated in
the case of the binomial. *Biometrika*, 26(4), 404-413.

The E-test and the exact conditional test are statsmodels' (``statsmodels.stats.rates``), the
exact binomial interval scipy's (``scipy.stats.binomtest(...).proportion_ci``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.rates import etest_poisson_2indep, test_poisson_2indep

from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table

from ._design import EvaluationInputError
from ._results import pct, recording_warnings

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt
    from pandas.io.formats.style import Styler

__all__ = [
    "ETestResult",
    "RateRatioPowerResult",
    "RateRatioResult",
    "WDDResult",
    "e_test",
    "power_rate_ratio",
    "rate_ratio_test",
    "wdd",
    "wdd_harm",
]

_ALTERNATIVES = ("two-sided", "greater", "less")
_STATSMODELS_ALTERNATIVE = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}


def _pair(name: str, value: Sequence[float] | None) -> tuple[float, float]:
    if value is None:
        return 0.0, 0.0
    try:
        pre, post = (float(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise EvaluationInputError(
            f"{name} must be a (pre, post) pair of counts, got {value!r}"
        ) from exc
    for label, v in (("pre", pre), ("post", post)):
        if not np.isfinite(v) or v < 0:
            raise EvaluationInputError(f"{name} {label} count must be a number >= 0, got {v!r}")
    return pre, post


def _count(name: str, value: float) -> int:
    try:
        f = float(value)
    except (TypeError, ValueError) as exc:
        raise EvaluationInputError(f"{name} must be a count, got {value!r}") from exc
    if not np.isfinite(f) or f < 0 or f != round(f):
        raise EvaluationInputError(f"{name} must be a whole count >= 0, got {value!r}")
    return int(round(f))


def _positive(name: str, value: float) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError) as exc:
        raise EvaluationInputError(f"{name} must be a positive number, got {value!r}") from exc
    if not np.isfinite(f) or f <= 0:
        raise EvaluationInputError(f"{name} must be > 0, got {value!r}")
    return f


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise EvaluationInputError(f"alpha must be between 0 and 1, not {alpha!r}")


def _check_alternative(alternative: str) -> None:
    if alternative not in _ALTERNATIVES:
        raise EvaluationInputError(
            f"alternative must be one of {_ALTERNATIVES}, not {alternative!r}"
        )


# --------------------------------------------------------------------------------------------
# WDD
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WDDResult(Result):
    """Result of :func:`wdd` or :func:`wdd_harm`.

    Attributes
    ----------
    frame : pandas.DataFrame
        Rows ``local``, ``displacement`` and ``total`` (for :func:`wdd_harm`, one row per
        component and ``total``), columns ``estimate``, ``se``, ``z``, ``p_value``, ``ci_low``,
        ``ci_high``. Estimates are in crimes (weighted crimes for harm weights): negative means
        fewer crimes in the treated areas than the control trend implies.
    alpha : float
        One minus the confidence level.
    """

    frame: pd.DataFrame
    alpha: float
    harm: bool = False
    labels = {
        "estimate_of": "Estimate of",
        "estimate": "Change in crimes",
        "se": "Standard error",
        "z": "z",
        "p_value": "P value",
        "ci_low": "Interval from",
        "ci_high": "Interval to",
    }

    @property
    def total(self) -> pd.Series:
        """The ``total`` row of the table."""
        return self.frame.loc["total"]

    def to_frame(self) -> pd.DataFrame:
        """Return the estimates table (a copy)."""
        return self.frame.copy()

    def table(self) -> Styler:
        """Return the estimates as a presentation table, one row per area and the total.

        Returns
        -------
        pandas.io.formats.style.Styler
        """
        names = {
            "local": "Treated area",
            "displacement": "Surrounding area (displacement)",
            "total": "Total",
        }
        frame = self.frame.rename(index=lambda r: names.get(r, r)).rename_axis("estimate_of")
        labels = dict(self.labels)
        if self.harm:
            labels["estimate"] = "Change in harm-weighted crimes"
        return presentation_table(frame, labels=labels)

    def chart(self, *, title: str | None = None) -> alt.Chart:
        """Dot-and-interval chart of the estimates with a rule at zero change.

        Returns
        -------
        altair.LayerChart
        """
        import altair as alt

        df = self.frame.reset_index(names="estimate_of")
        base = alt.Chart(df).encode(y=alt.Y("estimate_of:N", sort=None, title=None))
        bars = base.mark_rule(strokeWidth=2).encode(
            x=alt.X("ci_low:Q", title="change in crimes (negative = fewer)"), x2="ci_high:Q"
        )
        dots = base.mark_point(filled=True, size=80).encode(
            x="estimate:Q",
            tooltip=[
                "estimate_of",
                alt.Tooltip("estimate:Q", format=".1f"),
                alt.Tooltip("p_value:Q", format=".3f"),
            ],
        )
        zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(strokeDash=[4, 3]).encode(x="x:Q")
        return alt.layer(bars, dots, zero).properties(
            title=title or "Weighted displacement difference", width=500
        )

    def summary(self) -> str:
        """Plain-language summary of the total estimate."""
        t = self.total
        lvl = round(100 * (1 - self.alpha))
        unit = "harm-weighted crimes" if self.harm else "crimes"
        more_less = "fewer" if t["estimate"] < 0 else "more"
        clear = bool(t["ci_high"] < 0 or t["ci_low"] > 0)
        lines = [
            "Taking the change in the control area into account"
            + ("" if self.harm else " and counting any displacement nearby")
            + f", the response is associated with about {abs(t['estimate']):,.0f} {more_less} "
            f"{unit} ({lvl}% interval {t['ci_low']:,.0f} to {t['ci_high']:,.0f})."
        ]
        if not t["se"] > 0:
            lines.append(
                "The standard errors given are zero, so there is no interval to judge chance by."
            )
        elif clear:
            lines.append(
                "The interval excludes zero, so the change is statistically clear (p = "
                f"{t['p_value']:.3f})."
            )
        else:
            lines.append(
                "The interval includes zero, so the change could be chance variation (p = "
                f"{t['p_value']:.3f})."
            )
        if not self.harm and "displacement" in self.frame.index:
            dsp = self.frame.loc["displacement"]
            if dsp["se"] > 0:
                d_clear = bool(dsp["ci_high"] < 0 or dsp["ci_low"] > 0)
                word = (
                    "fewer (a diffusion of benefits)"
                    if dsp["estimate"] < 0
                    else "more (displacement)"
                )
                lines.append(
                    f"In the surrounding area the estimate is {abs(dsp['estimate']):,.0f} {word}; "
                    + ("this is statistically clear." if d_clear else "its interval includes zero.")
                )
        return "\n".join([*lines, *self.warning_lines()])


def _rows_table(est: dict[str, float], var: dict[str, float], alpha: float) -> pd.DataFrame:
    crit = float(stats.norm.ppf(1 - alpha / 2))
    rows = {}
    for name, e in est.items():
        se = float(np.sqrt(var[name]))
        z = e / se if se > 0 else np.nan
        rows[name] = {
            "estimate": e,
            "se": se,
            "z": z,
            "p_value": float(2 * stats.norm.sf(abs(z))) if se > 0 else np.nan,
            "ci_low": e - crit * se,
            "ci_high": e + crit * se,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def wdd(
    control: Sequence[float],
    treated: Sequence[float],
    disp_control: Sequence[float] | None = None,
    disp_treated: Sequence[float] | None = None,
    *,
    time_weights: Sequence[float] | None = None,
    area_weights: Sequence[float] | None = None,
    alpha: float = 0.05,
) -> WDDResult:
    """Weighted displacement difference test (Wheeler & Ratcliffe 2018).

    Parameters
    ----------
    control, treated : (pre, post) pair of counts
        Crimes in the control and treated areas before and after the response.
    disp_control, disp_treated : (pre, post) pair of counts, optional
        Crimes in the displacement (buffer) area around the treated area and in its control.
    time_weights : (pre, post) pair, optional
        Multipliers for periods of unequal length (e.g. ``(1, 12/9)`` to scale 9 post months to
        the 12 pre months). Default ``(1, 1)``.
    area_weights : 4 numbers, optional
        Multipliers for control, treated, displacement-control and displacement-treated areas
        (e.g. to scale a control area to the treated area's size). Default all 1.
    alpha : float
        One minus the confidence level (the paper's example uses 0.05).

    Returns
    -------
    WDDResult
        ``local = (T1 - T0) - (C1 - C0)``, ``displacement = (D1 - D0) - (DC1 - DC0)`` and
        ``total = local + displacement`` on the weighted counts, with Poisson variances
        ``sum(w^2 * count)``, z, two-sided p value and normal interval.

    Examples
    --------
    >>> r = wdd((308, 318), (207, 110), (150, 140), (178, 157))
    >>> round(r.total["estimate"]), round(r.total["se"], 2), round(r.total["z"], 2)
    (-118, 39.6, -2.98)
    """
    _check_alpha(alpha)
    c, t = _pair("control", control), _pair("treated", treated)
    dc, dt = _pair("disp_control", disp_control), _pair("disp_treated", disp_treated)
    tw = (1.0, 1.0) if time_weights is None else tuple(float(w) for w in time_weights)
    aw = (1.0,) * 4 if area_weights is None else tuple(float(w) for w in area_weights)
    if len(tw) != 2 or len(aw) != 4 or min(*tw, *aw) <= 0:
        raise EvaluationInputError(
            "time_weights must be 2 positive numbers (pre, post) and area_weights 4 positive "
            "numbers (control, treated, disp_control, disp_treated)"
        )

    def est_var(pair: tuple[float, float], a: float) -> tuple[float, float]:
        w0, w1 = a * tw[0], a * tw[1]
        return w1 * pair[1] - w0 * pair[0], w1**2 * pair[1] + w0**2 * pair[0]

    (ec, vc), (et, vt) = est_var(c, aw[0]), est_var(t, aw[1])
    (edc, vdc), (edt, vdt) = est_var(dc, aw[2]), est_var(dt, aw[3])
    est = {"local": et - ec, "displacement": edt - edc}
    var = {"local": vt + vc, "displacement": vdt + vdc}
    est["total"] = est["local"] + est["displacement"]
    var["total"] = var["local"] + var["displacement"]
    if var["local"] == 0:
        raise EvaluationInputError("control and treated counts are all zero; nothing to test")
    return WDDResult(_rows_table(est, var, alpha), alpha)


def wdd_harm(
    estimates: Sequence[float] | Sequence[WDDResult],
    se: Sequence[float] | None = None,
    weights: Sequence[float] | None = None,
    *,
    names: Sequence[str] | None = None,
    alpha: float = 0.05,
) -> WDDResult:
    """Combine several WDD estimates (e.g. one per crime type) with harm weights.

    Following Wheeler's harm-weighted amendment of the WDD: the combined estimate is
    ``sum(w_i * est_i)`` with variance ``sum(w_i^2 * se_i^2)`` (the crime types' counts are
    treated as independent).

    Parameters
    ----------
    estimates : sequence of float or of WDDResult
        WDD total estimates (or WDD results, whose ``total`` rows are used).
    se : sequence of float, optional
        Their standard errors (omit when passing WDD results).
    weights : sequence of float
        Harm weights (e.g. Cambridge Crime Harm Index days of imprisonment), one per estimate.
    names : sequence of str, optional
        Labels of the components (crime types).
    alpha : float
        One minus the confidence level.

    Returns
    -------
    WDDResult
        One row per weighted component and a ``total`` row.
    """
    _check_alpha(alpha)
    items = list(estimates)
    if items and all(isinstance(i, WDDResult) for i in items):
        est = np.array([i.total["estimate"] for i in items], dtype=float)
        ses = np.array([i.total["se"] for i in items], dtype=float)
    else:
        if se is None:
            raise EvaluationInputError("wdd_harm needs `se` when estimates are numbers")
        est = np.asarray(items, dtype=float)
        ses = np.asarray(se, dtype=float)
    if weights is None:
        raise EvaluationInputError("wdd_harm needs `weights`, one per estimate")
    w = np.asarray(weights, dtype=float)
    if not (len(est) == len(ses) == len(w)) or len(est) == 0:
        raise EvaluationInputError(
            f"estimates ({len(est)}), se ({len(ses)}) and weights ({len(w)}) must have the same "
            "non-zero length"
        )
    if np.any(~np.isfinite(est)) or np.any(ses < 0) or np.any(w < 0):
        raise EvaluationInputError("estimates must be finite, se and weights >= 0")
    labels = list(names) if names is not None else [f"component_{i + 1}" for i in range(len(est))]
    e = {lab: float(wi * ei) for lab, wi, ei in zip(labels, w, est, strict=True)}
    v = {lab: float(wi**2 * si**2) for lab, wi, si in zip(labels, w, ses, strict=True)}
    e["total"] = float(np.sum(w * est))
    v["total"] = float(np.sum(w**2 * ses**2))
    return WDDResult(_rows_table(e, v, alpha), alpha, harm=True)


# --------------------------------------------------------------------------------------------
# E-test
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ETestResult(Result):
    """Result of :func:`e_test`.

    Attributes
    ----------
    statistic : float
        The observed standardized difference ``(k1/n1 - k2/n2 - d) / sqrt(k1/n1^2 + k2/n2^2)``.
    p_value : float
        E-test p value (sum of Poisson probabilities under the null, at the restricted rate
        estimates, of outcomes at least as extreme).
    """

    k1: int
    k2: int
    n1: float
    n2: float
    d: float
    statistic: float
    p_value: float
    alternative: str
    labels = {
        "k1": "Events (1)",
        "k2": "Events (2)",
        "n1": "Exposure (1)",
        "n2": "Exposure (2)",
        "rate1": "Rate (1)",
        "rate2": "Rate (2)",
        "d": "Difference tested",
        "statistic": "Statistic",
        "p_value": "P value",
        "alternative": "Alternative",
    }

    def to_frame(self) -> pd.DataFrame:
        """One-row table of inputs, rates, statistic and p value."""
        return pd.DataFrame(
            [
                {
                    "k1": self.k1,
                    "k2": self.k2,
                    "n1": self.n1,
                    "n2": self.n2,
                    "rate1": self.k1 / self.n1,
                    "rate2": self.k2 / self.n2,
                    "d": self.d,
                    "statistic": self.statistic,
                    "p_value": self.p_value,
                    "alternative": self.alternative,
                }
            ]
        )

    def chart(self) -> alt.Chart:
        """Bar chart of the two observed rates."""
        import altair as alt

        df = pd.DataFrame({"sample": ["1", "2"], "rate": [self.k1 / self.n1, self.k2 / self.n2]})
        return alt.Chart(df).mark_bar().encode(x="sample:N", y=alt.Y("rate:Q", title="rate"))

    def summary(self) -> str:
        """Plain-language summary."""
        r1, r2 = self.k1 / self.n1, self.k2 / self.n2
        verdict = (
            "a difference this large would be unusual by chance alone"
            if self.p_value < 0.05
            else "a difference this large could easily happen by chance"
        )
        text = (
            f"The rates were {r1:.3g} and {r2:.3g} per unit of exposure ({self.k1} and "
            f"{self.k2} events). E-test p = {self.p_value:.3f} ({self.alternative}): "
            f"{verdict}."
        )
        return "\n".join([text, *self.warning_lines()])


def e_test(
    k1: int,
    k2: int,
    n1: float = 1,
    n2: float = 1,
    d: float = 0,
    *,
    alternative: str = "two-sided",
    eps: float = 1e-12,
) -> ETestResult:
    """Krishnamoorthy & Thomson (2004) E-test for the difference of two Poisson rates.

    Tests ``H0: lambda1 - lambda2 = d`` (``<= d`` for ``"greater"``, ``>= d`` for ``"less"``)
    from counts ``k1`` in exposure ``n1`` and ``k2`` in exposure ``n2``, with statsmodels'
    ``etest_poisson_2indep`` (Wald statistic, ``compare="diff"``). The null distribution is
    evaluated at the constrained maximum likelihood rates (Ng, Gu & Tang 2007); for ``d = 0``
    they are the pooled rate, exactly as in Krishnamoorthy & Thomson, whose published p values
    it reproduces. For ``d != 0`` K&T use a moment estimate of the rates instead, so p values
    differ slightly (e.g. 0.243 against K&T's 0.242 for k = (6, 2), d = 0.5).

    Parameters
    ----------
    k1, k2 : int
        Observed counts.
    n1, n2 : float
        Exposures (e.g. number of weeks, or area size).
    d : float
        Difference of rates under the null hypothesis.
    alternative : {"two-sided", "greater", "less"}
        The published example p values (0.088 for k = (0, 3), 0.175 for (6, 2)) are two-sided
        (``|T| >= |T_obs|``); ``"greater"`` is the paper's one-sided test of
        ``lambda1 > lambda2 + d``.
    eps : float
        Tail probability ignored when summing over the Poisson outcomes (the outcomes summed
        run up to the ``1 - eps`` quantile of the larger null mean, and at least to 100).

    Returns
    -------
    ETestResult

    Raises
    ------
    EvaluationInputError
        For counts that are not whole numbers >= 0, exposures that are not > 0, an unknown
        ``alternative`` or a non-finite ``d``.

    Examples
    --------
    >>> round(e_test(0, 3).p_value, 3), round(e_test(6, 2).p_value, 3)
    (0.088, 0.175)
    """
    k1, k2 = _count("k1", k1), _count("k2", k2)
    n1, n2 = _positive("n1", n1), _positive("n2", n2)
    _check_alternative(alternative)
    d = float(d)
    if not np.isfinite(d):
        raise EvaluationInputError(f"d must be a finite number, got {d!r}")
    with recording_warnings() as notes:
        # the Poisson grid: up to the eps tail of the larger mean under the null (at the
        # constrained maximum likelihood rates, as the E-test evaluates them)
        null = test_poisson_2indep(k1, n1, k2, n2, value=d, method="score", compare="diff")
        mean = max(n1 * float(null.rates_cmle[0]), n2 * float(null.rates_cmle[1]))
        top = max(int(stats.poisson.isf(eps, mean)) if mean > 0 else 0, 100, k1, k2)
        statistic, p_value = etest_poisson_2indep(
            k1,
            n1,
            k2,
            n2,
            value=d,
            method="wald",
            compare="diff",
            alternative=_STATSMODELS_ALTERNATIVE[alternative],
            y_grid=np.arange(top + 2),
        )
    return ETestResult(
        k1,
        k2,
        n1,
        n2,
        d,
        float(statistic),
        float(min(1.0, p_value)),
        alternative,
        warnings=notes,
    )


# --------------------------------------------------------------------------------------------
# exact rate-ratio test
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateRatioResult(Result):
    """Result of :func:`rate_ratio_test`.

    Attributes
    ----------
    ratio, ci_low, ci_high : float
        Post/pre rate ratio and its exact (Clopper-Pearson based) interval; ``inf`` when there
        were no events before (the summary says so in words).
    p_value : float
        Exact conditional binomial p value.
    """

    pre: int
    post: int
    pre_exposure: float
    post_exposure: float
    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    null_ratio: float
    alternative: str
    alpha: float
    labels = {
        "pre": "Events before",
        "post": "Events after",
        "pre_exposure": "Periods before",
        "post_exposure": "Periods after",
        "pre_rate": "Rate before",
        "post_rate": "Rate after",
        "ratio": "Rate ratio",
        "ci_low": "Interval from",
        "ci_high": "Interval to",
        "p_value": "P value",
        "alternative": "Alternative",
    }

    def to_frame(self) -> pd.DataFrame:
        """One-row table of counts, rates, ratio, interval and p value."""
        return pd.DataFrame(
            [
                {
                    "pre": self.pre,
                    "post": self.post,
                    "pre_exposure": self.pre_exposure,
                    "post_exposure": self.post_exposure,
                    "pre_rate": self.pre / self.pre_exposure,
                    "post_rate": self.post / self.post_exposure,
                    "ratio": self.ratio,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "p_value": self.p_value,
                    "alternative": self.alternative,
                }
            ]
        )

    def chart(self) -> alt.Chart:
        """Bar chart of the pre and post rates."""
        import altair as alt

        df = pd.DataFrame(
            {
                "period": ["before", "after"],
                "rate": [self.pre / self.pre_exposure, self.post / self.post_exposure],
            }
        )
        return (
            alt.Chart(df)
            .mark_bar()
            .encode(x=alt.X("period:N", sort=None), y=alt.Y("rate:Q", title="rate per period"))
        )

    def summary(self) -> str:
        """Plain-language summary."""
        lvl = round(100 * (1 - self.alpha))
        counts = (
            f"{self.post} events in {self.post_exposure:g} periods against {self.pre} in "
            f"{self.pre_exposure:g}"
        )
        clear = self.ci_high < self.null_ratio or self.ci_low > self.null_ratio
        if self.pre == 0:
            text = (
                f"There were no events before the response and {self.post} after ({counts}), "
                "so the change cannot be expressed as a ratio of rates; the interval of the "
                f"ratio runs from {self.ci_low:.2f} with no upper limit (p = {self.p_value:.3f}). "
            )
        else:
            direction = "lower" if self.ratio < 1 else "higher"
            text = (
                f"The rate after the response was {pct(self.ratio - 1)} {direction} than before "
                f"({counts}; rate ratio {self.ratio:.2f}, {lvl}% interval "
                f"{self.ci_low:.2f} to {self.ci_high:.2f}, p = {self.p_value:.3f}). "
            )
        text += (
            "The interval excludes no change, so the difference is statistically clear."
            if clear
            else "The interval includes no change, so the difference could be chance variation."
        )
        text += " A simple before/after comparison does not account for trends or seasonality."
        return "\n".join([text, *self.warning_lines()])


def rate_ratio_test(
    pre: int,
    post: int,
    *,
    pre_exposure: float = 1.0,
    post_exposure: float = 1.0,
    null_ratio: float = 1.0,
    alternative: str = "two-sided",
    alpha: float = 0.05,
) -> RateRatioResult:
    """Exact conditional (binomial) test of a pre/post Poisson rate ratio.

    Given ``N = pre + post``, ``post ~ Binomial(N, p)`` with
    ``p = R e1 / (e0 + R e1)`` where ``R`` is the post/pre rate ratio and ``e0``, ``e1`` the
    exposures; the test of ``R = null_ratio`` is the exact binomial test (statsmodels'
    ``test_poisson_2indep(method="exact-cond")``, two-sided by minimum likelihood as scipy's
    ``binomtest``) and the interval is the two-sided Clopper-Pearson interval for ``p``
    (``scipy.stats.binomtest(...).proportion_ci(method="exact")``) mapped to ``R``.

    Parameters
    ----------
    pre, post : int
        Counts before and after.
    pre_exposure, post_exposure : float
        Length (or population-time) of each period.
    null_ratio : float
        Rate ratio under the null hypothesis.
    alternative : {"two-sided", "greater", "less"}
        ``"less"`` tests for a drop (ratio below ``null_ratio``).
    alpha : float
        One minus the confidence level.

    Returns
    -------
    RateRatioResult

    Raises
    ------
    EvaluationInputError
        For counts that are not whole numbers >= 0 (or both zero), exposures or a null ratio
        that are not > 0, an unknown ``alternative`` or an ``alpha`` outside (0, 1).
    """
    pre, post = _count("pre", pre), _count("post", post)
    e0, e1 = _positive("pre_exposure", pre_exposure), _positive("post_exposure", post_exposure)
    _positive("null_ratio", null_ratio)
    _check_alternative(alternative)
    _check_alpha(alpha)
    n = pre + post
    if n == 0:
        raise EvaluationInputError("pre and post counts are both zero; nothing to test")
    with recording_warnings() as notes:
        # statsmodels divides the two rates for its own ratio: infinite when pre is 0, which
        # the result states in words
        with np.errstate(divide="ignore"):
            test = test_poisson_2indep(
                post,
                e1,
                pre,
                e0,
                value=null_ratio,
                method="exact-cond",
                compare="ratio",
                alternative=_STATSMODELS_ALTERNATIVE[alternative],
            )
        p0 = null_ratio * e1 / (e0 + null_ratio * e1)
        share = stats.binomtest(post, n, p0).proportion_ci(1 - alpha, method="exact")

    def to_ratio(p: float) -> float:
        return float(np.inf) if p >= 1 else float(p / (1 - p) * e0 / e1)

    ratio = (post / e1) / (pre / e0) if pre > 0 else float(np.inf)
    return RateRatioResult(
        pre,
        post,
        e0,
        e1,
        ratio,
        to_ratio(share.low),
        to_ratio(share.high),
        float(test.pvalue),
        float(null_ratio),
        alternative,
        alpha,
        warnings=notes,
    )


@dataclass(frozen=True)
class RateRatioPowerResult(Result):
    """Result of :func:`power_rate_ratio`: exact power for each rate ratio.

    Attributes
    ----------
    frame : pandas.DataFrame
        Columns ``ratio``, ``expected_pre``, ``expected_post`` and ``power``.
    """

    frame: pd.DataFrame
    alpha: float
    alternative: str
    labels = {
        "ratio": "True rate ratio",
        "expected_pre": "Expected before",
        "expected_post": "Expected after",
        "power": "Power",
    }

    def to_frame(self) -> pd.DataFrame:
        """Return the power table (a copy)."""
        return self.frame.copy()

    def chart(self) -> alt.Chart:
        """Power against the true rate ratio, with a rule at 80%."""
        import altair as alt

        line = (
            alt.Chart(self.frame)
            .mark_line(point=True)
            .encode(
                x=alt.X("ratio:Q", title="true rate ratio (after / before)"),
                y=alt.Y("power:Q", scale=alt.Scale(domain=[0, 1])),
            )
        )
        rule = alt.Chart(pd.DataFrame({"y": [0.8]})).mark_rule(strokeDash=[4, 3]).encode(y="y:Q")
        return alt.layer(line, rule).properties(title="Chance of detecting the change")

    def summary(self) -> str:
        """Plain-language summary."""
        parts = [
            f"a change to {r.ratio:.2f} times the rate would be detected {r.power:.0%} of the time"
            for r in self.frame.itertuples()
        ]
        text = (
            "With about {:.0f} events expected before, ".format(self.frame["expected_pre"].iloc[0])
            + "; ".join(parts)
            + f" (exact test, alpha {self.alpha:g}, {self.alternative})."
        )
        return "\n".join([text, *self.warning_lines()])


def _binom_reject(n: int, p0: float, alpha: float, alternative: str) -> np.ndarray:
    """Boolean rejection region over k = 0..n of the exact binomial test (scipy's rules)."""
    k = np.arange(n + 1)
    pmf = stats.binom.pmf(k, n, p0)
    if alternative == "greater":
        pv = stats.binom.sf(k - 1, n, p0)
    elif alternative == "less":
        pv = stats.binom.cdf(k, n, p0)
    else:
        order = np.sort(pmf)
        csum = np.cumsum(order)
        idx = np.searchsorted(order, pmf * (1 + 1e-7), side="right")
        pv = np.minimum(1.0, csum[idx - 1])
    return pv <= alpha


def power_rate_ratio(
    expected_pre: float,
    ratio: float | Sequence[float],
    *,
    pre_exposure: float = 1.0,
    post_exposure: float = 1.0,
    alpha: float = 0.05,
    alternative: str = "two-sided",
) -> RateRatioPowerResult:
    """Exact power of :func:`rate_ratio_test` for small counts.

    Sums over the Poisson distribution of the total count and the binomial distribution of the
    post count given the total, so there is no simulation error.

    Parameters
    ----------
    expected_pre : float
        Expected count in the pre period.
    ratio : float or sequence of float
        True post/pre rate ratio(s) to evaluate.
    pre_exposure, post_exposure : float
        Lengths of the periods; the expected post count is
        ``expected_pre / pre_exposure * post_exposure * ratio``.
    alpha : float
        Significance level.
    alternative : {"two-sided", "greater", "less"}
        As in :func:`rate_ratio_test`.

    Returns
    -------
    RateRatioPowerResult
    """
    mu0 = _positive("expected_pre", expected_pre)
    e0, e1 = _positive("pre_exposure", pre_exposure), _positive("post_exposure", post_exposure)
    _check_alpha(alpha)
    _check_alternative(alternative)
    ratios = np.atleast_1d(np.asarray(ratio, dtype=float))
    if np.any(~np.isfinite(ratios)) or np.any(ratios <= 0):
        raise EvaluationInputError("ratio must be > 0")
    p0 = e1 / (e0 + e1)
    rows = []
    cache: dict[int, np.ndarray] = {}
    for r in ratios:
        mu1 = mu0 / e0 * e1 * r
        tot = mu0 + mu1
        if tot > 20_000:
            raise EvaluationInputError(
                "expected counts above 20,000: use a normal approximation, the exact sum is slow"
            )
        nmax = int(stats.poisson.isf(1e-10, tot)) + 1
        p1 = mu1 / tot
        pn = stats.poisson.pmf(np.arange(nmax + 1), tot)
        power = 0.0
        for n in range(1, nmax + 1):
            if pn[n] < 1e-14:
                continue
            if n not in cache:
                cache[n] = _binom_reject(n, p0, alpha, alternative)
            rej = cache[n]
            power += pn[n] * float(stats.binom.pmf(np.arange(n + 1), n, p1)[rej].sum())
        rows.append({"ratio": float(r), "expected_pre": mu0, "expected_post": mu1, "power": power})
    return RateRatioPowerResult(pd.DataFrame(rows), alpha, alternative)
