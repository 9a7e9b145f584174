"""Simulation power analysis for interrupted time series designs, and a series simulator.

:func:`power_its` takes the analysis as an :class:`~cs360lib.evaluate.ITS` specification (on
the series before the response: family, seasonality, slope change) and the data-generating
side as a :class:`Scenario` (the effect to detect, and any of level, trend, seasonality,
dispersion and autocorrelation that should not be estimated from the series). The older call
with keywords (``power_its(pre, effect=..., level=..., ...)``) still works and builds the same
two objects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from cs360lib.errors import EvaluationInputError
from cs360lib.publish.results import Result

from ._data import COUNT_FAMILIES
from ._design import segmented_columns
from ._fit import COV_TYPES, fit_arrays
from ._its_chart import block_average
from ._results import change_words, critical_value
from ._terms import fourier_terms
from .its import AR1_MIN_PERIODS, ITS

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

__all__ = ["ITSPowerResult", "Scenario", "power_its", "simulate_counts", "simulate_its"]


def simulate_counts(
    mu: np.ndarray,
    *,
    dispersion: float = 1.0,
    autocorrelation: float = 0.0,
    nb_alpha: float | None = None,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw overdispersed, autocorrelated counts with given means.

    Counts are Poisson given a gamma multiplier with mean 1, whose variance makes
    ``Var(y_t) = dispersion * mu_t`` (a quasi-Poisson scale) or, with ``nb_alpha``,
    ``Var(y_t) = mu_t + nb_alpha * mu_t^2`` (a negative binomial NB2). The multipliers are linked
    over time by a Gaussian copula with an AR(1) latent process of lag-1 correlation
    ``autocorrelation`` (Zeger's 1988 parameter-driven model).

    Parameters
    ----------
    mu : numpy.ndarray
        Expected counts, shape ``(n,)`` or ``(reps, n)`` (time on the last axis).
    dispersion : float
        Variance-to-mean ratio (1 is Poisson).
    autocorrelation : float
        Lag-1 correlation of the latent AR(1) process (0 to < 1).
    nb_alpha : float or array-like, optional
        NB2 dispersion instead of ``dispersion``; an array of shape ``(reps, 1)`` gives each
        replication its own.
    rng : numpy.random.Generator
        Random generator (seeded by the caller).

    Returns
    -------
    numpy.ndarray
        Integer counts (as floats) with the shape of ``mu``.

    Raises
    ------
    EvaluationInputError
        ``dispersion`` below 1, ``nb_alpha`` below 0 or ``autocorrelation`` outside [0, 1).
    """
    mu = np.asarray(mu, dtype=float)
    if dispersion < 1:
        raise EvaluationInputError(f"dispersion must be >= 1, not {dispersion}")
    if not 0 <= autocorrelation < 1:
        raise EvaluationInputError(f"autocorrelation must be in [0, 1), not {autocorrelation}")
    if nb_alpha is not None:
        alpha = np.asarray(nb_alpha, dtype=float)
        if np.any(alpha < 0):
            raise EvaluationInputError(f"nb_alpha must be >= 0, not {nb_alpha}")
        shape = np.broadcast_to(1.0 / np.maximum(alpha, 1e-12), mu.shape)
    elif dispersion == 1:
        return rng.poisson(mu).astype(float)
    else:
        shape = mu / (dispersion - 1)
    z = rng.standard_normal(mu.shape)
    if autocorrelation > 0:
        r = autocorrelation
        s = np.sqrt(1 - r**2)
        for t in range(1, mu.shape[-1]):
            z[..., t] = r * z[..., t - 1] + s * z[..., t]
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

        base = alt.Chart(block_average(self.frame, first=())).encode(
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
            title=f"Chance of detecting a change to {change_words(1 + self.effect)}", width=500
        )

    def summary(self) -> str:
        """Plain-language summary."""
        s = self.settings
        change = f"change to {change_words(1 + self.effect)}"
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


@dataclass(frozen=True)
class Scenario:
    """The series a power analysis simulates: the effect to detect and how the counts behave.

    Fields left as None are estimated from the series of the :class:`~cs360lib.evaluate.ITS`
    specification given to :func:`power_its` (its periods before the response); without a
    specification, ``level`` and ``n_pre`` are required and the others default to no trend,
    no season, Poisson counts and no autocorrelation.

    Attributes
    ----------
    effect : float
        Relative level change to detect (-0.2 = a 20% drop).
    level : float, optional
        Expected count per period at the end of the pre period.
    n_pre : int, optional
        Number of periods before the response.
    trend : float, optional
        Relative change per period (0.01 = +1% a period).
    seasonal_amplitude : float, optional
        Relative amplitude of a seasonal sinusoid (0.2 = +/-20%) with ``period``.
    period : float, optional
        Seasonal period (12 for monthly data).
    dispersion : float, optional
        Variance-to-mean ratio of the counts (1 = Poisson).
    autocorrelation : float, optional
        Lag-1 correlation of the latent process (:func:`simulate_counts`).
    """

    effect: float = -0.2
    level: float | None = None
    n_pre: int | None = None
    trend: float | None = None
    seasonal_amplitude: float | None = None
    period: float | None = None
    dispersion: float | None = None
    autocorrelation: float | None = None


@dataclass
class _Generator:
    """Log-linear mean (intercept, trend, Fourier terms) and noise of the simulated series."""

    n_pre: int
    log_intercept: float
    log_trend: float
    fourier: np.ndarray
    period: float
    dispersion: float
    autocorrelation: float
    level: float
    warnings: list[str] = field(default_factory=list)


def _from_spec(spec: ITS) -> _Generator:
    """Estimate level, trend, seasonal terms, dispersion and autocorrelation of a spec's series."""
    d = spec.data
    if d.panel or spec.settings["controls"] or spec.settings["calendar"]:
        raise EvaluationInputError(
            "power_its simulates one series with a single step: the specification must not "
            "have a comparison group, controls or calendar effects"
        )
    if spec.family not in COUNT_FAMILIES:
        raise EvaluationInputError(
            f"power_its simulates counts: family must be one of {COUNT_FAMILIES}"
        )
    if any(i.kind != "step" for i in spec.interventions) or len(spec.interventions) > 1:
        raise EvaluationInputError("power_its simulates a single step, not indicators")
    if d.offset is not None:
        raise EvaluationInputError("power_its does not simulate an offset; leave it out")
    pre, _ = spec._segments
    y, t = d.y[pre], d.t[pre]
    if len(y) < 4:
        raise EvaluationInputError(
            f"the series has {len(y)} periods before the response; at least 4 are needed"
        )
    seasonal = list(spec.design.seasonal)
    four = [fourier_terms(t, pairs, per) for per, pairs in seasonal]
    X = np.column_stack([np.ones_like(t), t, *four])
    if len(y) - X.shape[1] < 3:
        raise EvaluationInputError(
            f"too few pre periods ({len(y)}) to estimate level, trend and seasonality"
        )
    f = fit_arrays(y, X, family="quasipoisson")
    mu = np.exp(X @ f.params)
    r = (y - mu) / np.sqrt(mu)
    rho = float(np.sum(r[1:] * r[:-1]) / np.sum(r**2))
    per = seasonal[0][0] if seasonal else float(d.tindex.default_period or 12.0)
    return _Generator(
        n_pre=len(y),
        log_intercept=float(f.params[0]),
        log_trend=float(f.params[1]),
        fourier=np.asarray(f.params[2:]),
        period=per,
        dispersion=float(max(1.0, f.pearson_chi2 / f.df_resid)),
        autocorrelation=float(min(max(rho, 0.0), 0.9)),
        level=float(mu[-1]),
        warnings=[
            *(f"Describing the series before the response: {w}" for w in spec.warnings),
            *(f"Fitting the series before the response: {w}" for w in f.warnings),
        ],
    )


def _generator(spec: ITS | None, scenario: Scenario, seasonality: int) -> _Generator:
    """Estimate the generator from ``spec`` (if any), then override it by ``scenario``."""
    s = scenario
    if spec is None:
        if s.level is None or s.n_pre is None:
            raise EvaluationInputError("give either `pre` or both `level` and `n_pre`")
        if s.level <= 0 or s.n_pre < 3:
            raise EvaluationInputError("level must be > 0 and n_pre at least 3")
        lt = float(np.log1p(s.trend or 0.0))
        four = np.zeros(2 * seasonality)
        if seasonality:
            four[0] = s.seasonal_amplitude or 0.0
        return _Generator(
            n_pre=int(s.n_pre),
            log_intercept=float(np.log(s.level) - lt * (s.n_pre - 1)),
            log_trend=lt,
            fourier=four,
            period=float(s.period or 12.0),
            dispersion=float(1.0 if s.dispersion is None else s.dispersion),
            autocorrelation=float(s.autocorrelation or 0.0),
            level=float(s.level),
        )
    gen = _from_spec(spec)
    if s.n_pre is not None and s.n_pre != gen.n_pre:
        raise EvaluationInputError(
            f"the scenario's n_pre ({s.n_pre}) differs from the {gen.n_pre} periods of the series"
        )
    if s.trend is not None:
        gen.log_trend = float(np.log1p(s.trend))
    if s.level is not None:  # keep the trend and season, move the level at the last pre period
        gen.log_intercept += float(np.log(s.level / gen.level))
        gen.level = float(s.level)
    if s.seasonal_amplitude is not None:
        gen.fourier = np.zeros_like(gen.fourier)
        if len(gen.fourier):
            gen.fourier[0] = s.seasonal_amplitude
    if s.period is not None:
        gen.period = float(s.period)
    if s.dispersion is not None:
        gen.dispersion = float(s.dispersion)
    if s.autocorrelation is not None:
        gen.autocorrelation = float(s.autocorrelation)
    return gen


def _pre_spec(pre: Any, time: str | None, outcome: str | None, **kw: Any) -> ITS:
    """Specify a pre-period series given as a frame or an array as an ITS."""
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
    return ITS(frame, time=time, outcome=outcome, **kw)


def power_its(
    pre: Any = None,
    scenario: Scenario | None = None,
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
    cov: str | None = None,
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
    relative level change, fits the ITS model (as :meth:`ITS.fit` would: same family,
    seasonality, slope change and covariance) and counts a detection when the level-change
    interval excludes no change and lies on the planted side.

    Two ways to call it:

    - ``power_its(spec, scenario, post_periods=..., ...)``: ``spec`` an :class:`ITS`
      specification of the series before the response (``ITS(history, time=..., outcome=...,
      seasonality=1)``, no intervention needed; with one, its periods before the first step are
      used) giving the analysis, ``scenario`` a :class:`Scenario` with the effect and any
      settings not to estimate from the series;
    - the older keywords: ``pre`` a frame (with ``time``, ``outcome``), an array of counts, or
      None with ``level`` and ``n_pre``; the remaining keywords describe the scenario and the
      analysis (they are ignored in the first form, except ``post_periods``, ``cov``,
      ``n_sims``, ``alpha``, ``power`` and ``seed``).

    Parameters
    ----------
    pre : ITS, DataFrame, Series or array, optional
        The specification, or the pre-period series: its level (fitted count at the last pre
        period), trend, seasonal Fourier terms, dispersion (Pearson chi2/df, at least 1) and
        lag-1 autocorrelation are estimated from it.
    scenario : Scenario, optional
        The effect to detect and the settings that override the estimates.
    time, outcome : str, optional
        Columns of ``pre`` when it is a DataFrame.
    effect : float
        Relative level change to detect (-0.2 = a 20% drop), when no ``scenario`` is given.
    post_periods : sequence of int
        Numbers of post periods to evaluate.
    level, n_pre, trend, seasonal_amplitude, period, dispersion, autocorrelation
        The scenario, when neither ``scenario`` nor a ``pre`` series gives them (see
        :class:`Scenario`).
    seasonality : int
        Fourier pairs in the fitted model (and estimated from ``pre``). Defaults to 1 when
        ``seasonal_amplitude`` is set.
    family : str
        Model family for the analysis (a count family).
    cov : {"ar1", "model", "hac"}, optional
        Covariance of the analysis; default as :meth:`ITS.fit` (``"ar1"`` from 24 periods).
    hac_lags : int, optional
        Older keyword: HAC lags for the analysis (``cov="hac"``).
    ar1_errors : bool
        Older keyword for ``cov="ar1"``.
    slope_change : bool
        Whether the analysis model includes a slope-change term (the planted change is a step).
    n_sims : int
        Replications per row.
    alpha : float
        Significance level.
    power : float
        Target power for ``required_post_periods``.
    seed : int
        Seed: the result is reproducible. Each length draws from its own stream (seeded by
        ``seed`` and the length), so the power at a length is the same whichever other lengths
        are asked with it.

    Returns
    -------
    ITSPowerResult

    Raises
    ------
    EvaluationInputError
        Bad settings, or a specification that is not a single count series.
    """
    if hac_lags and ar1_errors:
        raise EvaluationInputError("use either hac_lags or ar1_errors, not both")
    if ar1_errors:
        cov = _agree(cov, "ar1")
    if hac_lags:
        cov = _agree(cov, "hac")
    if cov not in (None, "auto", *COV_TYPES):
        raise EvaluationInputError(f"cov must be one of {COV_TYPES} or None, not {cov!r}")
    if isinstance(pre, ITS):
        spec = pre
        scenario = scenario or Scenario(effect=effect)
        fam = spec.family
        seasonal = list(spec.design.seasonal)
        slope = bool(spec.settings["slope_change"])
    else:
        if seasonal_amplitude and not seasonality:
            seasonality = 1
        if family not in COUNT_FAMILIES:
            raise EvaluationInputError(
                f"power_its simulates counts: family must be one of {COUNT_FAMILIES}"
            )
        spec = (
            None
            if pre is None
            else _pre_spec(
                pre, time, outcome, family="quasipoisson", seasonality=seasonality, period=period
            )
        )
        scenario = scenario or Scenario(
            effect=effect,
            level=level if spec is None else None,
            n_pre=n_pre if spec is None else None,
            trend=trend if spec is None else None,
            seasonal_amplitude=seasonal_amplitude if spec is None else None,
            period=period,
            dispersion=dispersion if spec is None else None,
            autocorrelation=autocorrelation if spec is None else None,
        )
        fam = family
        seasonal = (
            list(spec.design.seasonal)
            if spec is not None
            else ([(float(period or 12.0), seasonality)] if seasonality else [])
        )
        slope = slope_change
    eff = scenario.effect
    if not -1 < eff or eff == 0:
        raise EvaluationInputError(f"effect must be a non-zero relative change > -1, not {eff}")
    posts = sorted({int(p) for p in post_periods})
    if not posts or posts[0] < (2 if slope else 1):
        raise EvaluationInputError("post_periods must be positive whole numbers")
    if n_sims < 10:
        raise EvaluationInputError("n_sims must be at least 10")
    gen = _generator(spec, scenario, sum(p for _, p in seasonal))
    if gen.dispersion < 1 or not 0 <= gen.autocorrelation < 1:
        raise EvaluationInputError("dispersion must be >= 1 and autocorrelation in [0, 1)")
    table, notes = _simulate(
        gen, eff, posts, fam, seasonal, slope, cov, hac_lags, n_sims, alpha, seed
    )
    reach = table.loc[table["power"] >= power, "post_periods"]
    settings = {k: v for k, v in vars(gen).items() if k not in ("fourier", "warnings")}
    settings.update(
        n_sims=n_sims,
        seed=seed,
        family=fam,
        cov=cov or "auto",
        hac_lags=hac_lags,
        ar1_errors=ar1_errors,
        alpha=alpha,
        seasonality=sum(p for _, p in seasonal),
    )
    return ITSPowerResult(
        table,
        int(reach.iloc[0]) if len(reach) else None,
        power,
        eff,
        settings,
        warnings=[*gen.warnings, *notes],
    )


def _agree(cov: str | None, wanted: str) -> str:
    if cov not in (None, "auto", wanted):
        raise EvaluationInputError(f"cov={cov!r} contradicts the older keyword for {wanted!r}")
    return wanted


def _simulate(
    gen: _Generator,
    effect: float,
    posts: list[int],
    family: str,
    seasonal: list[tuple[float, int]],
    slope_change: bool,
    cov: str | None,
    hac_lags: int | None,
    n_sims: int,
    alpha: float,
    seed: int,
) -> tuple[pd.DataFrame, list[str]]:
    npre = gen.n_pre
    truth = np.log1p(effect)
    rows = []
    problems: Counter[str] = Counter()
    attempted = 0
    for npost in posts:
        # one stream per length: the power at a length does not depend on the other lengths asked
        rng = np.random.default_rng([seed, npost])
        n = npre + npost
        t = np.arange(n, dtype=float)
        post = (t >= npre).astype(float)
        since = np.where(post > 0, t - npre, 0.0)
        sea = fourier_terms(t, len(gen.fourier) // 2, gen.period)
        log_mu = gen.log_intercept + gen.log_trend * t + sea @ gen.fourier
        mu = np.exp(log_mu + truth * post)
        four = [fourier_terms(t, pairs, per) for per, pairs in seasonal]
        X = np.column_stack([segmented_columns(t, post, since, slope_change=slope_change), *four])
        use = (AR1_MIN_PERIODS <= n and "ar1" or "model") if cov in (None, "auto") else cov
        ys = simulate_counts(
            np.broadcast_to(mu, (n_sims, n)),
            dispersion=gen.dispersion,
            autocorrelation=gen.autocorrelation,
            rng=rng,
        )
        hits = covered = ok = 0
        ratios = []
        for y in ys:
            if np.ptp(y) == 0:
                continue
            attempted += 1
            try:
                f = fit_arrays(y, X, family=family, cov=use, hac_lags=hac_lags)
            except (ValueError, np.linalg.LinAlgError):
                continue
            problems.update(_gist(w) for w in f.warnings)
            b, se = f.params[2], float(np.sqrt(f.cov[2, 2]))
            if not np.isfinite(se):
                continue
            c = critical_value(alpha, f.df)
            lo, hi = b - c * se, b + c * se
            ok += 1
            ratios.append(np.exp(b))
            covered += int(lo <= truth <= hi)
            hits += int(hi < 0) if effect < 0 else int(lo > 0)
        wl, wh = _wilson(hits, ok, alpha=0.05)
        rows.append(
            {
                "post_periods": npost,
                "power": hits / ok if ok else np.nan,
                "power_low": wl,
                "power_high": wh,
                "mean_ratio": float(np.mean(ratios)) if ratios else np.nan,
                "coverage": covered / ok if ok else np.nan,
                "n_fitted": ok,
            }
        )
    notes = [
        f"In {count:,} of {attempted:,} simulated evaluations: {message}"
        for message, count in problems.most_common()
    ]
    return pd.DataFrame(rows), notes


def _gist(warning: str) -> str:
    """Drop statsmodels' own wording from a fit warning, so that like warnings count together."""
    return warning.split(" (statsmodels:")[0].rstrip(".") + "."


def _wilson(k: int, n: int, *, alpha: float) -> tuple[float, float]:
    """Wilson score interval of a simulated proportion (Wilson 1927), via statsmodels."""
    if n == 0:
        return np.nan, np.nan
    low, high = proportion_confint(k, n, alpha=alpha, method="wilson")
    return float(low), float(high)
