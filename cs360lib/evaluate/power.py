"""Simulation power analysis for interrupted time series designs, and a series simulator."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from cs360lib.publish.results import Result

from ._design import (
    COUNT_FAMILIES,
    EvaluationInputError,
    build_design,
    fourier_terms,
    prepare_its_data,
)
from ._fit import ar1_adjust, fit_arrays

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

__all__ = ["ITSPowerResult", "power_its", "simulate_counts", "simulate_its"]


def simulate_counts(
    mu: np.ndarray,
    *,
    dispersion: float = 1.0,
    autocorrelation: float = 0.0,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw overdispersed, autocorrelated counts with given means.

    Counts are Poisson given a gamma multiplier with mean 1 whose variance makes
    ``Var(y_t) = dispersion * mu_t`` (a quasi-Poisson scale). The multipliers are linked over time
    by a Gaussian copula with an AR(1) latent process of lag-1 correlation ``autocorrelation``.

    Parameters
    ----------
    mu : numpy.ndarray
        Expected counts, shape ``(n,)`` or ``(reps, n)`` (time on the last axis).
    dispersion : float
        Variance-to-mean ratio (1 is Poisson).
    autocorrelation : float
        Lag-1 correlation of the latent AR(1) process (0 to < 1).
    rng : numpy.random.Generator
        Random generator (seeded by the caller).

    Returns
    -------
    numpy.ndarray
        Integer counts (as floats) with the shape of ``mu``.
    """
    mu = np.asarray(mu, dtype=float)
    if dispersion < 1:
        raise EvaluationInputError(f"dispersion must be >= 1, not {dispersion}")
    if not 0 <= autocorrelation < 1:
        raise EvaluationInputError(f"autocorrelation must be in [0, 1), not {autocorrelation}")
    if dispersion == 1:
        return rng.poisson(mu).astype(float)
    z = rng.standard_normal(mu.shape)
    if autocorrelation > 0:
        r = autocorrelation
        s = np.sqrt(1 - r**2)
        for t in range(1, mu.shape[-1]):
            z[..., t] = r * z[..., t - 1] + s * z[..., t]
    shape = mu / (dispersion - 1)
    g = stats.gamma.ppf(stats.norm.cdf(z), shape, scale=1.0 / shape)
    return rng.poisson(mu * g).astype(float)


def simulate_its(
    *,
    n_pre: int,
    n_post: int,
    level: float,
    effect: float = 0.0,
    trend: float = 0.0,
    seasonal_amplitude: float = 0.0,
    period: float = 12.0,
    dispersion: float = 1.0,
    autocorrelation: float = 0.0,
    start: str | pd.Timestamp | None = "2020-01-01",
    seed: int | None = 0,
) -> pd.DataFrame:
    """Simulate one monthly count series with a planted level change (for training and tests).

    Parameters
    ----------
    n_pre, n_post : int
        Periods before and from the intervention.
    level : float
        Expected count in the first period (before seasonality).
    effect : float
        Planted relative level change from the intervention on (-0.2 = 20% drop).
    trend : float
        Relative change per period (0.01 = +1% a period).
    seasonal_amplitude : float
        Relative amplitude of one sinusoid with ``period``.
    period : float
        Seasonal period.
    dispersion, autocorrelation : float
        See :func:`simulate_counts`.
    start : str or Timestamp or None
        First month (monthly dates in the ``month`` column); None gives ``month = 1, 2, ...``.
    seed : int or None
        Seed of the random generator.

    Returns
    -------
    pandas.DataFrame
        Columns ``month``, ``count``, ``expected`` and ``post``; ``attrs["intervention"]`` holds
        the first post period.
    """
    n = n_pre + n_post
    t = np.arange(n, dtype=float)
    post = (t >= n_pre).astype(float)
    log_mu = (
        np.log(level)
        + np.log1p(trend) * t
        + np.log1p(seasonal_amplitude * np.sin(2 * np.pi * t / period))
        + np.log1p(effect) * post
    )
    mu = np.exp(log_mu)
    y = simulate_counts(
        mu, dispersion=dispersion, autocorrelation=autocorrelation, rng=np.random.default_rng(seed)
    )
    month = pd.date_range(start, periods=n, freq="MS") if start is not None else np.arange(1, n + 1)
    out = pd.DataFrame(
        {"month": month, "count": y.astype(np.int64), "expected": mu, "post": post > 0}
    )
    out.attrs["intervention"] = month[n_pre]
    return out


@dataclass(frozen=True)
class ITSPowerResult(Result):
    """Result of :func:`power_its`.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per number of post periods: ``post_periods``, ``power`` (share of simulated
        evaluations whose interval excludes no change, in the planted direction),
        ``power_low``/``power_high`` (95% Wilson interval of the simulation estimate),
        ``mean_ratio`` (mean estimated rate ratio) and ``coverage`` (share of intervals that
        contain the planted ratio).
    required_post_periods : int or None
        The fewest post periods in the table reaching the target power, None if none does.
    settings : dict
        The level, trend, seasonality, dispersion and autocorrelation used in the simulation.
    warnings : list of str
        Warnings of the fits (of the pre series, and how many simulated fits had each one).
    """

    frame: pd.DataFrame
    required_post_periods: int | None
    target_power: float
    effect: float
    settings: dict[str, Any] = field(default_factory=dict)
    labels = {
        "post_periods": "Periods after the start",
        "power": "Power",
        "power_low": "Power from",
        "power_high": "Power to",
        "mean_ratio": "Mean rate ratio",
        "coverage": "Interval coverage",
        "n_fitted": "Simulated fits",
    }
    count_columns = ()  # periods and simulation sizes, not counts of events or people

    def to_frame(self) -> pd.DataFrame:
        """Return the power table (a copy)."""
        return self.frame.copy()

    def chart(self) -> alt.Chart:
        """Power against the number of post periods, with the target as a dashed rule."""
        import altair as alt

        base = alt.Chart(self.frame).encode(
            x=alt.X("post_periods:Q", title="periods after the response starts")
        )
        band = base.mark_area(opacity=0.2).encode(
            y=alt.Y("power_low:Q", scale=alt.Scale(domain=[0, 1]), title="power"), y2="power_high:Q"
        )
        line = base.mark_line(point=True).encode(y="power:Q")
        rule = (
            alt.Chart(pd.DataFrame({"y": [self.target_power]}))
            .mark_rule(strokeDash=[4, 3])
            .encode(y="y:Q")
        )
        return alt.layer(band, line, rule).properties(
            title=f"Chance of detecting a {abs(self.effect):.0%} change", width=500
        )

    def summary(self) -> str:
        """Plain-language summary."""
        s = self.settings
        change = f"{abs(self.effect):.0%} {'drop' if self.effect < 0 else 'rise'}"
        first = (
            f"If the response causes a {change} in a series that averages about "
            f"{s['level']:.0f} per period before it (with {s['n_pre']} periods of history), "
        )
        if self.required_post_periods is None:
            best = self.frame.iloc[-1]
            if not np.isfinite(best["power"]):
                text = (
                    first + "no simulated evaluation could be fitted, so the chance of detecting "
                    "it cannot be estimated; check the level and the number of periods."
                )
            else:
                text = (
                    first + f"even {int(best['post_periods'])} periods after the start would "
                    f"detect it only {best['power']:.0%} of the time, below the "
                    f"{self.target_power:.0%} target. Consider a longer follow-up, a larger area "
                    "or a larger expected effect."
                )
        else:
            row = self.frame.loc[self.frame["post_periods"] == self.required_post_periods].iloc[0]
            text = (
                first + f"about {self.required_post_periods} periods after the start are needed "
                f"to detect it {row['power']:.0%} of the time (target "
                f"{self.target_power:.0%}). Shorter follow-ups are more likely to miss a real "
                "effect. These figures come from simulation "
                f"({s['n_sims']} runs per row, seed {s['seed']})."
            )
        return "\n".join([text, *self.warning_lines()])


def _estimate_pre(
    pre: Any,
    time: str | None,
    outcome: str | None,
    seasonality: int,
    period: float | None,
) -> dict[str, Any]:
    """Estimate level, trend, seasonal terms, dispersion and autocorrelation of a pre-series."""
    if isinstance(pre, pd.DataFrame):
        if time is None or outcome is None:
            raise EvaluationInputError("with a DataFrame `pre`, give `time` and `outcome`")
        frame = pre
    else:
        arr = np.asarray(pre, dtype=float)
        if arr.ndim != 1:
            raise EvaluationInputError("`pre` must be a 1-d series of counts or a DataFrame")
        frame = pd.DataFrame({"period": np.arange(len(arr)), "count": arr})
        time, outcome = "period", "count"
    if len(frame) < 4:
        raise EvaluationInputError(f"`pre` has {len(frame)} periods; at least 4 are needed")
    if time not in frame.columns:
        raise EvaluationInputError(f"column time={time!r} not found in `pre`")
    # the ITS checks (NaNs, counts, gaps...), with the last period as a pseudo intervention
    last = frame[time].max()
    d = prepare_its_data(
        frame,
        time=time,
        outcome=outcome,
        intervention=last,
        family="quasipoisson",
        offset=None,
        group=None,
        treated=None,
        slope_change=False,
    )
    y, t = d.y, d.t
    if period is None and seasonality:
        period = d.tindex.default_period
        if period is None:
            raise EvaluationInputError("seasonality needs `period`")
    X = np.column_stack([np.ones_like(t), t, fourier_terms(t, seasonality, period or 12.0)])
    if len(y) - X.shape[1] < 3:
        raise EvaluationInputError(
            f"too few pre periods ({len(y)}) to estimate level, trend and seasonality"
        )
    f = fit_arrays(y, X, family="quasipoisson")
    mu = np.exp(X @ f.params)
    r = (y - mu) / np.sqrt(mu)
    rho = float(np.sum(r[1:] * r[:-1]) / np.sum(r**2))
    return {
        "n_pre": len(y),
        "log_intercept": float(f.params[0]),
        "log_trend": float(f.params[1]),
        "fourier": np.asarray(f.params[2:]),
        "period": float(period or 12.0),
        "dispersion": float(max(1.0, f.pearson_chi2 / f.df_resid)),
        "autocorrelation": float(min(max(rho, 0.0), 0.9)),
        "level": float(mu[-1]),
        "warnings": [f"Fitting the series before the response: {w}" for w in f.warnings],
    }


def power_its(
    pre: Any = None,
    *,
    time: str | None = None,
    outcome: str | None = None,
    effect: float = -0.2,
    post_periods: Sequence[int] = (6, 12, 18, 24, 36),
    level: float | None = None,
    n_pre: int | None = None,
    trend: float = 0.0,
    seasonal_amplitude: float = 0.0,
    seasonality: int = 0,
    period: float | None = None,
    dispersion: float = 1.0,
    autocorrelation: float = 0.0,
    family: str = "quasipoisson",
    hac_lags: int | None = None,
    ar1_errors: bool = False,
    slope_change: bool = False,
    n_sims: int = 300,
    alpha: float = 0.05,
    power: float = 0.8,
    seed: int = 0,
) -> ITSPowerResult:
    """How many post-intervention periods are needed to detect a relative change, by simulation.

    Each replication simulates the pre period and ``post_periods`` periods with the planted
    relative level change, fits the ITS model (:func:`its` with the same ``family``,
    ``seasonality`` and ``hac_lags``) and counts a detection when the level-change interval
    excludes no change and lies on the planted side.

    Parameters
    ----------
    pre : DataFrame, Series or array, optional
        The pre-period series. When given, its level (fitted count at the last pre period),
        trend, seasonal Fourier terms (``seasonality`` pairs), dispersion (Pearson chi2/df,
        at least 1) and lag-1 autocorrelation are estimated from it and override the parameters.
    time, outcome : str, optional
        Columns of ``pre`` when it is a DataFrame.
    effect : float
        Relative level change to detect (-0.2 = a 20% drop).
    post_periods : sequence of int
        Numbers of post periods to evaluate.
    level : float, optional
        Expected count per period at the end of the pre period (when ``pre`` is not given).
    n_pre : int, optional
        Number of pre periods (when ``pre`` is not given).
    trend : float
        Relative change per period (0.01 = +1% a period).
    seasonal_amplitude : float
        Relative amplitude of an annual sinusoid (0.2 = +/-20%), with ``period``.
    seasonality : int
        Fourier pairs in the fitted model (and estimated from ``pre``). Defaults to 1 when
        ``seasonal_amplitude`` is set.
    period : float, optional
        Seasonal period (12 for monthly data).
    dispersion : float
        Variance-to-mean ratio of the counts (1 = Poisson).
    autocorrelation : float
        Lag-1 autocorrelation of the latent noise (see :func:`simulate_counts`).
    family : str
        Model family for the analysis (a count family).
    hac_lags : int, optional
        HAC lags for the analysis.
    ar1_errors : bool
        Analyse with ``autocorrelation="ar1"`` standard errors (recommended when
        ``autocorrelation`` is material).
    slope_change : bool
        Whether the analysis model includes a slope-change term (the planted change is a step).
    n_sims : int
        Replications per row.
    alpha : float
        Significance level.
    power : float
        Target power for ``required_post_periods``.
    seed : int
        Seed: the result is reproducible.

    Returns
    -------
    ITSPowerResult
    """
    if family not in COUNT_FAMILIES:
        raise EvaluationInputError(
            f"power_its simulates counts: family must be one of {COUNT_FAMILIES}"
        )
    if not -1 < effect or effect == 0:
        raise EvaluationInputError(f"effect must be a non-zero relative change > -1, not {effect}")
    posts = sorted({int(p) for p in post_periods})
    if not posts or posts[0] < (2 if slope_change else 1):
        raise EvaluationInputError("post_periods must be positive whole numbers")
    if hac_lags and ar1_errors:
        raise EvaluationInputError("use either hac_lags or ar1_errors, not both")
    if n_sims < 10:
        raise EvaluationInputError("n_sims must be at least 10")
    if pre is not None:
        est = _estimate_pre(pre, time, outcome, seasonality, period)
    else:
        if level is None or n_pre is None:
            raise EvaluationInputError("give either `pre` or both `level` and `n_pre`")
        if level <= 0 or n_pre < 3:
            raise EvaluationInputError("level must be > 0 and n_pre at least 3")
        per = float(period or 12.0)
        if seasonal_amplitude and not seasonality:
            seasonality = 1
        lt = float(np.log1p(trend))
        # level is at the last pre period; amplitude enters as a sine of that relative size
        four = np.zeros(2 * seasonality)
        if seasonality:
            four[0] = seasonal_amplitude
        est = {
            "n_pre": int(n_pre),
            "log_intercept": float(np.log(level) - lt * (n_pre - 1)),
            "log_trend": lt,
            "fourier": four,
            "period": per,
            "dispersion": float(dispersion),
            "autocorrelation": float(autocorrelation),
            "level": float(level),
            "warnings": [],
        }
    if est["dispersion"] < 1 or not 0 <= est["autocorrelation"] < 1:
        raise EvaluationInputError("dispersion must be >= 1 and autocorrelation in [0, 1)")
    rng = np.random.default_rng(seed)
    npre = est["n_pre"]
    crit = stats.norm.ppf(1 - alpha / 2)
    rows = []
    problems: Counter[str] = Counter()
    attempted = 0
    for npost in posts:
        n = npre + npost
        t = np.arange(n, dtype=float)
        post = (t >= npre).astype(float)
        since = np.where(post > 0, t - npre, 0.0)
        sea = fourier_terms(t, len(est["fourier"]) // 2, est["period"])
        log_mu = est["log_intercept"] + est["log_trend"] * t + sea @ est["fourier"]
        mu = np.exp(log_mu + np.log1p(effect) * post)
        design = build_design(
            t, post, since, slope_change=slope_change, seasonality=seasonality, period=est["period"]
        )
        ys = simulate_counts(
            np.broadcast_to(mu, (n_sims, n)),
            dispersion=est["dispersion"],
            autocorrelation=est["autocorrelation"],
            rng=rng,
        )
        hits = 0
        covered = 0
        ratios = []
        ok = 0
        j = design.index["level"]
        for y in ys:
            if np.ptp(y) == 0:
                continue
            attempted += 1
            try:
                f = fit_arrays(y, design.X, family=family, hac_lags=hac_lags)
                problems.update(_gist(w) for w in f.warnings)
                if ar1_errors:
                    f, _ = ar1_adjust(f, y, design.X, family=family, offset=None, groups=None)
            except (ValueError, np.linalg.LinAlgError):
                continue
            b, se = f.params[j], float(np.sqrt(f.cov[j, j]))
            if not np.isfinite(se):
                continue
            c = crit if f.df is None else stats.t.ppf(1 - alpha / 2, f.df)
            lo, hi = b - c * se, b + c * se
            ok += 1
            ratios.append(np.exp(b))
            truth = np.log1p(effect)
            covered += int(lo <= truth <= hi)
            hits += int(hi < 0) if effect < 0 else int(lo > 0)
        p = hits / ok if ok else np.nan
        wl, wh = _wilson(hits, ok, alpha=0.05)
        rows.append(
            {
                "post_periods": npost,
                "power": p,
                "power_low": wl,
                "power_high": wh,
                "mean_ratio": float(np.mean(ratios)) if ratios else np.nan,
                "coverage": covered / ok if ok else np.nan,
                "n_fitted": ok,
            }
        )
    table = pd.DataFrame(rows)
    reach = table.loc[table["power"] >= power, "post_periods"]
    settings = {k: v for k, v in est.items() if k not in ("fourier", "warnings")}
    settings.update(
        n_sims=n_sims,
        seed=seed,
        family=family,
        hac_lags=hac_lags,
        ar1_errors=ar1_errors,
        alpha=alpha,
        seasonality=seasonality,
    )
    notes = list(est["warnings"])
    notes += [
        f"In {count:,} of {attempted:,} simulated evaluations: {message}"
        for message, count in problems.most_common()
    ]
    return ITSPowerResult(
        table,
        int(reach.iloc[0]) if len(reach) else None,
        power,
        effect,
        settings,
        warnings=notes,
    )


def _gist(warning: str) -> str:
    """Drop statsmodels' own wording from a fit warning, so that like warnings count together."""
    return warning.split(" (statsmodels:")[0].rstrip(".") + "."


def _wilson(k: int, n: int, *, alpha: float) -> tuple[float, float]:
    """Wilson score interval of a simulated proportion (Wilson 1927), via statsmodels."""
    if n == 0:
        return np.nan, np.nan
    low, high = proportion_confint(k, n, alpha=alpha, method="wilson")
    return float(low), float(high)
