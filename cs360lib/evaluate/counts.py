"""Tests on aggregate crime counts: the E-test, an exact rate-ratio test and its power.

The weighted displacement difference test lives in :mod:`cs360lib.evaluate.wdd` (re-exported
here, where it used to be).

References
----------
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

from cs360lib.errors import EvaluationInputError
from cs360lib.publish.results import Result

from ._checks import (
    STATSMODELS_ALTERNATIVE,
    check_alpha,
    check_alternative,
    count,
    positive,
)
from ._its_chart import block_average
from ._results import change_phrase, recording_warnings
from .wdd import WDDResult, wdd, wdd_harm

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

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
    k1, k2 = count("k1", k1), count("k2", k2)
    n1, n2 = positive("n1", n1), positive("n2", n2)
    check_alternative(alternative)
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
            alternative=STATSMODELS_ALTERNATIVE[alternative],
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
            text = (
                f"The rate after the response was {change_phrase(self.ratio, 'before')} "
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
    pre, post = count("pre", pre), count("post", post)
    e0, e1 = positive("pre_exposure", pre_exposure), positive("post_exposure", post_exposure)
    positive("null_ratio", null_ratio)
    check_alternative(alternative)
    check_alpha(alpha)
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
                alternative=STATSMODELS_ALTERNATIVE[alternative],
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

        frame = block_average(self.frame.sort_values("ratio"), first=())  # long inputs
        line = (
            alt.Chart(frame)
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
    mu0 = positive("expected_pre", expected_pre)
    e0, e1 = positive("pre_exposure", pre_exposure), positive("post_exposure", post_exposure)
    check_alpha(alpha)
    check_alternative(alternative)
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
