"""Interrupted time series (segmented regression) evaluation of a response: a model, then a fit.

:class:`ITS` is the specification (data, outcome, interventions and the model's terms), checked
and turned into a design matrix when it is made; :meth:`ITS.fit` chooses the covariance of the
estimates (``cov="model" | "ar1" | "hac"``) and the confidence level and returns an
:class:`ITSResult`. :func:`its` does both in one call.

For a single series with period number ``t`` and one step at ``t0`` the model is::

    g(E[y_t]) = b0 + b1 t + b2 post_t + b3 post_t (t - t0) [+ seasonal, calendar, controls]
                [+ log(offset_t)]

``b2`` is the level change at the response, ``b3`` the change in trend. Several steps add their
own level (and trend) changes; a temporary or recurring response enters as an indicator (the
share of each period under it) whose coefficient is the rate ratio while it is on. With
``group``/``treated`` the comparison groups are pooled and the treated group gets interaction
terms (Linden 2015, Stata ``itsa``), whose coefficients are the ``diff_*`` effects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from cs360lib.errors import EvaluationInputError

from ._data import COUNT_FAMILIES, prepare_data
from ._design import build_design, check_rank
from ._fit import COV_TYPES, fit_arrays, newey_west_lags
from ._its_result import ITSResult
from ._quality import (
    coverage_warnings,
    exact_comparison,
    segments,
    too_few_events,
    zero_run_warnings,
)
from ._terms import (
    calendar_columns,
    cap_seasonality,
    control_columns,
    parse_interventions,
    parse_seasonality,
)

__all__ = ["ITS", "ITSResult", "its", "newey_west_lags"]

AR1_MIN_PERIODS = 24
"""Series at least this long get the latent AR(1) covariance by default (docs/evaluate.md)."""

HAC_MIN_PERIODS = 100
"""Newey-West standard errors from fewer periods are warned about (they under-cover)."""


class ITS:
    """Specification of an interrupted time series evaluation (statsmodels' model, then fit).

    Everything is checked when the specification is made: bad input raises
    :class:`~cs360lib.errors.EvaluationInputError` naming the column and the rows or periods.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per period; with ``group``, a stacked panel with one row per group and period.
        Build a daily, weekly or monthly count series from events first (every period needs a
        row: fill periods without events with 0).
    time : str
        Column of periods: dates (daily, weekly, monthly, quarterly or yearly spacing is
        inferred), ``pandas.Period`` values, ISO date text, or evenly spaced numbers.
    outcome : str
        Column of the outcome: counts for the count families, any number for ``"gaussian"``.
    intervention : object, optional
        One response: a start date (a ``str``, ``Timestamp``, ``pandas.Period``, or a value of a
        numeric time column) for a lasting step; the name of a 0/1 indicator column (or a share
        of the period between 0 and 1), a boolean ``pandas.Series`` aligned with ``data``, or a
        list of ``(start, end)`` date ranges (both ends included) for a temporary or recurring
        response; or a mapping ``{"start": ..., "end": ..., "slope_change": ...}``. A step
        starts at the **first period that lies wholly under the response** (a start inside a
        month makes the next month the first one after it).
    interventions : mapping or sequence, optional
        Several responses, each as for ``intervention``, by name (``{"patrols": "2023-04-01",
        "ceasefire": "ceasefire_day"}``; a list of start dates is named ``response_1``, ...).
        Effects are named after them (``patrols_level_change``, ``ceasefire``).
    family : {"quasipoisson", "poisson", "negbin", "gaussian"}
        ``"gaussian"`` is OLS; ``"poisson"`` a Poisson GLM; ``"quasipoisson"`` the same with
        Pearson-scaled standard errors; ``"negbin"`` an NB2 regression with the dispersion by
        maximum likelihood. Count families use the log link: effects are rate ratios.
    offset : str, optional
        Population (exposure) column, a log offset (count families only).
    seasonality : int or mapping of float to int
        Fourier sine/cosine pairs with ``period``; or several seasonal periods at once as
        ``{period: pairs}`` (e.g. ``{7: 2, 365.25: 3}`` on daily data). Pairs are capped by the
        complete cycles before the response, with a warning under two cycles.
    period : float, optional
        Seasonal period in periods (inferred: 12 monthly, 52 weekly, 4 quarterly, 7 daily).
    slope_change : bool
        Steps may change the trend (default); ``False`` fits level changes on a common trend
        (the Lopez Bernal et al. 2017 tutorial model).
    trend : bool
        Include the linear trend (default).
    controls : sequence of str
        Numeric covariate columns (temperature, population...), entered linearly (on the log
        scale for count families); each gets a row in the effects table.
    calendar : sequence of str
        Calendar fixed effects among ``"dow"`` (daily data), ``"month"``, ``"quarter"`` and
        ``"year"`` (dummy variables, the first level as reference).
    group, treated : optional
        Panel: the group column and the treated group's value; the other groups are pooled as
        the comparison (Linden 2015). Indicators are functions of time (the treated group's
        values).
    timezone : str, optional
        IANA time zone (the engagement's) that time-zone-aware timestamps are converted to
        before periods are formed.
    label : {"start", "end"}, optional
        Whether weekly labels are the weeks' first or last days; detected when omitted
        (Sunday labels, pandas' ``resample("W")``, are read as week ends).
    coverage : object, optional
        The intake's data-quality flags (the coverage result, its flags frame with a ``period``
        column, or a list of ``(start, end)`` ranges): flagged periods inside the evaluation are
        warned about.

    Attributes
    ----------
    warnings : list of str
        Warnings about the data and the specification (zero runs, flagged coverage, capped
        seasonality); the fit adds its own.
    notes : list of str
        How times were read and periods assigned (said in the summary).

    Examples
    --------
    >>> spec = ITS(daily, time="day", outcome="shootings", intervention="ceasefire",
    ...            calendar=["dow", "month", "year"])  # doctest: +SKIP
    >>> res = spec.fit()  # default covariance: latent AR(1) for 24 periods or more
    >>> res.effects.loc["ceasefire", ["ratio", "ratio_low", "ratio_high"]]  # doctest: +SKIP
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        time: str,
        outcome: str,
        intervention: Any = None,
        interventions: Mapping[str, Any] | Sequence[Any] | None = None,
        family: str = "quasipoisson",
        offset: str | None = None,
        seasonality: int | Mapping[float, int] = 0,
        period: float | None = None,
        slope_change: bool = True,
        trend: bool = True,
        controls: Sequence[str] = (),
        calendar: Sequence[str] = (),
        group: str | None = None,
        treated: Any = None,
        timezone: str | None = None,
        label: str | None = None,
        coverage: Any = None,
    ) -> None:
        self.family = family
        self.data = prepare_data(
            data,
            time=time,
            outcome=outcome,
            family=family,
            offset=offset,
            group=group,
            treated=treated,
            timezone=timezone,
            label=label,
        )
        d = self.data
        self.treated_label = treated
        self.interventions = parse_interventions(
            intervention,
            interventions,
            data,
            d,
            slope_change=slope_change,
            timezone=timezone,
        )
        self.notes: list[str] = [*d.notes, *(n for i in self.interventions for n in i.notes)]
        self.warnings: list[str] = []
        pre, post = segments(d, self.interventions)
        steps = [i for i in self.interventions if i.kind == "step"]
        n_ref = int(np.count_nonzero(pre)) if steps else d.n_series
        seasonal, caps = cap_seasonality(
            parse_seasonality(seasonality, period, d.tindex, time), n_ref, before=bool(steps)
        )
        self.warnings.extend(caps)
        self.design = build_design(
            d,
            self.interventions,
            trend=trend,
            seasonal=seasonal,
            calendar=calendar_columns(calendar, d),
            controls=control_columns(controls, data, d),
        )
        check_rank(self.design)
        self.warnings.extend(zero_run_warnings(d, family))
        self.warnings.extend(coverage_warnings(coverage, d, timezone))
        self._segments = (pre, post)
        self._counts = (
            d.n_series,
            int(np.count_nonzero(pre)),
            int(np.count_nonzero(post)),
        )
        self.settings = {
            "slope_change": slope_change,
            "trend": trend,
            "calendar": tuple([calendar] if isinstance(calendar, str) else calendar),
            "controls": tuple([controls] if isinstance(controls, str) else controls),
            "offset": offset,
        }

    # ---- facts -------------------------------------------------------------------------------
    @property
    def n_periods(self) -> int:
        """Periods of the evaluated series (the treated group of a panel)."""
        return self._counts[0]

    @property
    def n_pre(self) -> int:
        """Periods without the response (before the first step, or with every indicator off)."""
        return self._counts[1]

    @property
    def n_post(self) -> int:
        """Periods under the response (from the first step, or partly or wholly on)."""
        return self._counts[2]

    def default_cov(self) -> str:
        """Return the default covariance: ``"ar1"`` from 24 periods, else ``"model"``."""
        return "ar1" if self.n_periods >= AR1_MIN_PERIODS else "model"

    def __repr__(self) -> str:
        names = ", ".join(i.name for i in self.interventions)
        return (
            f"ITS(outcome={self.data.outcome!r}, family={self.family!r}, "
            f"interventions=[{names}], periods={self.n_periods}, panel={self.data.panel})"
        )

    # ---- fit ---------------------------------------------------------------------------------
    def fit(
        self, cov: str | None = None, *, alpha: float = 0.05, hac_lags: int | str | None = None
    ) -> ITSResult:
        """Fit the model and return the result.

        Parameters
        ----------
        cov : {"ar1", "model", "hac"}, optional
            Covariance of the estimates. Default (None or ``"auto"``): ``"ar1"`` for series of
            24 periods or more, else ``"model"`` with a warning. ``"ar1"``: a sandwich for
            a latent AR(1) process (Zeger 1988, moments corrected for the fitted terms; t
            intervals with n - k df), which keeps 95% intervals near nominal coverage in
            autocorrelated, overdispersed series (docs/evaluate.md). ``"model"``: the
            family's own covariance (quasi-Poisson: Pearson-scaled; normal intervals for count
            families, as in the published examples). ``"hac"``: Newey-West (Bartlett kernel,
            n/(n-k) scaling, t intervals, the Stata ``newey`` convention), within groups in a
            panel; warned about under 100 periods, where it under-covers.
        alpha : float
            One minus the confidence level.
        hac_lags : int or "auto", optional
            Newey-West lags for ``cov="hac"`` (default ``"auto"``: ``floor(4 (n/100)^(2/9))``).

        Returns
        -------
        ITSResult

        Raises
        ------
        EvaluationInputError
            Bad settings; segments without enough events where no exact comparison applies
            (several interventions, a panel), naming the periods; a model that cannot be
            estimated.
        """
        if not self.interventions:
            raise EvaluationInputError(
                "this specification has no response to evaluate: give `intervention=` (or "
                "`interventions=`) to fit it; without one it only describes the series (e.g. "
                "for power_its)"
            )
        if not 0 < alpha < 1:
            raise EvaluationInputError(f"alpha must be between 0 and 1, not {alpha!r}")
        cov = self.default_cov() if cov in (None, "auto") else cov
        if cov not in COV_TYPES:
            raise EvaluationInputError(f"cov must be one of {COV_TYPES} or None, not {cov!r}")
        if hac_lags is not None and cov != "hac":
            raise EvaluationInputError("hac_lags goes with cov='hac'")
        warnings = list(self.warnings)
        n = self.n_periods
        lags = None
        if cov == "hac":
            if hac_lags is None or hac_lags == "auto":
                lags = newey_west_lags(n)
            elif isinstance(hac_lags, bool) or int(hac_lags) != hac_lags or int(hac_lags) < 0:
                raise EvaluationInputError(
                    f"hac_lags must be a whole number >= 0 or 'auto', not {hac_lags!r}"
                )
            else:
                lags = int(hac_lags)
            if n < HAC_MIN_PERIODS:
                warnings.append(
                    f"Newey-West standard errors from {n} periods (fewer than "
                    f"{HAC_MIN_PERIODS}) are too small: their 95% intervals covered the truth "
                    "only 74-89% of the time in simulations of such series. Prefer "
                    "cov='ar1' (the default)."
                )
        elif cov == "model" and n < AR1_MIN_PERIODS and self.family != "gaussian":
            warnings.append(
                f"With only {n} periods the period-to-period correlation of the counts cannot "
                "be estimated, so the intervals assume there is none; if the counts run in "
                "streaks, the intervals are too narrow."
            )
        exact = self._exact(alpha)
        if exact is not None:
            return ITSResult.from_exact(self, exact, alpha=alpha, warnings=warnings)
        d, design = self.data, self.design
        fit = fit_arrays(
            d.y,
            design.X,
            family=self.family,
            offset=None if d.offset is None else np.log(d.offset),
            cov=cov,
            hac_lags=lags,
            groups=d.groups,
            names=design.names,
        )
        if not bool(np.isfinite(fit.cov.diagonal()).all()):
            raise EvaluationInputError(
                f"the model for {d.outcome!r} could not be estimated (singular design: e.g. all "
                "zero counts in one segment, or counts too sparse for this family: try "
                "family='quasipoisson')." + "".join(f" {w}" for w in fit.warnings)
            )
        return ITSResult.from_fit(self, fit, alpha=alpha, warnings=[*warnings, *fit.warnings])

    def _exact(self, alpha: float) -> Any:
        """Return the exact comparison when a segment has too few events for the model."""
        d = self.data
        pre, post = self._segments
        problem = too_few_events(d, pre, post, family=self.family)
        if d.panel and problem is None and self.family in COUNT_FAMILIES:
            others = ~d.series_mask
            cpre = others & np.isin(d.keys, d.keys[pre])
            cpost = others & np.isin(d.keys, d.keys[post])
            for mask, where in ((cpre, "before"), (cpost, "under")):
                total = int(d.y[mask].sum())
                if total < 5:
                    raise EvaluationInputError(
                        f"the comparison groups have only {total} events in the periods {where} "
                        f"the response ({d.span(mask)}): too few for a log-link model of "
                        f"{d.outcome!r}; choose busier comparison areas or a longer period"
                    )
        if problem is None:
            return None
        if d.panel or len(self.interventions) > 1:
            raise EvaluationInputError(
                f"{d.outcome!r} has {problem}: a log-link model cannot estimate a rate from "
                "so few events. Use a longer period, a larger area or a broader offence "
                "group, or compare the totals with rate_ratio_test()"
            )
        return exact_comparison(
            d,
            pre,
            post,
            alpha=alpha,
            reason=(
                f"{d.outcome!r} has {problem}: a trend model cannot be fitted to so few events, "
                "so the rates with and without the response were compared with an exact test "
                "(conditional binomial), which does not allow for trend, season or calendar "
                "effects"
            ),
        )


def its(
    data: pd.DataFrame,
    *,
    cov: str | None = None,
    hac_lags: int | str | None = None,
    autocorrelation: str | None = None,
    alpha: float = 0.05,
    **specification: Any,
) -> ITSResult:
    """Interrupted time series evaluation in one call: ``ITS(data, **specification).fit(...)``.

    Parameters
    ----------
    data : pandas.DataFrame
        The series (see :class:`ITS`).
    cov, alpha, hac_lags
        As in :meth:`ITS.fit`. ``hac_lags=L`` (or ``"auto"``) alone means ``cov="hac"``.
    autocorrelation : {None, "ar1"}
        Older keyword: ``"ar1"`` means ``cov="ar1"``; it cannot be combined with ``hac_lags``.
    **specification
        The keywords of :class:`ITS`: ``time``, ``outcome``, ``intervention`` or
        ``interventions``, ``family``, ``offset``, ``seasonality``, ``period``,
        ``slope_change``, ``trend``, ``controls``, ``calendar``, ``group``, ``treated``,
        ``timezone``, ``label``, ``coverage``.

    Returns
    -------
    ITSResult
        Effects table at ``.effects``; counterfactual, impact (with prediction intervals for
        what would have happened), episodes and diagnostics are computed on first access.

    Raises
    ------
    EvaluationInputError
        A :class:`ValueError` naming the column and the offending rows or periods: missing
        columns, NaNs, negative or non-integer counts, duplicate or missing periods, a constant
        series, an intervention outside the data, too few periods before or after it,
        unreadable or day-first dates, terms that cannot be told apart.
    TypeError
        For a keyword that :class:`ITS` does not know.

    Examples
    --------
    >>> res = its(df, time="month", outcome="burglaries", intervention="2023-06-01",
    ...           seasonality=1)  # doctest: +SKIP
    >>> res.effects.loc["level_change", ["ratio", "ratio_low", "ratio_high"]]  # doctest: +SKIP
    >>> res.impact.loc["cumulative", ["predicted", "predicted_low", "predicted_high"]]
    ... # doctest: +SKIP
    """
    if autocorrelation not in (None, "ar1"):
        raise EvaluationInputError(
            f"autocorrelation must be None or 'ar1', not {autocorrelation!r}"
        )
    if autocorrelation and hac_lags is not None:
        raise EvaluationInputError("use either hac_lags or autocorrelation='ar1', not both")
    if autocorrelation:
        if cov not in (None, "ar1"):
            raise EvaluationInputError(f"autocorrelation='ar1' contradicts cov={cov!r}")
        cov = "ar1"
    if hac_lags is not None:
        if cov not in (None, "hac"):
            raise EvaluationInputError(f"hac_lags contradicts cov={cov!r}")
        cov = "hac"
    return ITS(data, **specification).fit(cov, alpha=alpha, hac_lags=hac_lags)
