"""Interrupted time series (segmented regression) evaluation of a response.

The model for a single series with period number ``t`` (0 at the first period), intervention
period ``t0`` and ``post = 1[t >= t0]`` is::

    g(E[y_t]) = b0 + b1 t + b2 post + b3 post (t - t0) [+ Fourier terms] [+ log(offset_t)]

``b0`` is the baseline (the level at the first period), ``b1`` the pre-intervention trend,
``b2`` the level change at the intervention, ``b3`` the slope change and ``b1 + b3`` the
post-intervention trend. With ``group``/``treated`` the comparison groups are pooled and the
treated group gets interaction terms (Linden 2015, Stata ``itsa``), whose coefficients are the
``diff_*`` effects (treated minus comparison).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._design import (
    COUNT_FAMILIES,
    EvaluationInputError,
    ITSDesign,
    build_design,
    prepare_its_data,
)
from ._fit import ar1_adjust, fit_arrays, newey_west_lags
from ._its_result import ITSResult
from ._results import effect_table

__all__ = ["ITSResult", "its", "newey_west_lags"]


def _contrasts(design: ITSDesign, panel: bool, slope_change: bool) -> dict[str, np.ndarray]:
    k = len(design.names)

    def vec(*terms: str) -> np.ndarray:
        v = np.zeros(k)
        for t in terms:
            v[design.index[t]] = 1.0
        return v

    out = {
        "baseline": vec("const"),
        "pre_trend": vec("trend"),
        "level_change": vec("level"),
    }
    if slope_change:
        out["slope_change"] = vec("slope")
        out["post_trend"] = vec("trend", "slope")
    if panel:
        out["diff_baseline"] = vec("z")
        out["diff_pre_trend"] = vec("z_trend")
        out["diff_level_change"] = vec("z_level")
        if slope_change:
            out["diff_slope_change"] = vec("z_slope")
            out["diff_post_trend"] = vec("z_trend", "z_slope")
    return out


def its(
    data: pd.DataFrame,
    *,
    time: str,
    outcome: str,
    intervention: Any,
    family: str = "quasipoisson",
    offset: str | None = None,
    seasonality: int = 0,
    period: float | None = None,
    slope_change: bool = True,
    hac_lags: int | str | None = None,
    autocorrelation: str | None = None,
    group: str | None = None,
    treated: Any = None,
    alpha: float = 0.05,
) -> ITSResult:
    """Interrupted time series evaluation by segmented regression.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per period; with ``group``, a stacked panel with one row per group and period.
    time : str
        Column of periods: dates (monthly, weekly, ... spacing is inferred) or evenly spaced
        numbers. Every period between the first and the last needs a row.
    outcome : str
        Column of the outcome: counts for the count families, any number for ``"gaussian"``.
    intervention : date or number
        The first period under the response (a date, or a value of ``time``). A date inside a
        period (e.g. 2023-04-15 for monthly data) selects the period that contains it.
    family : {"quasipoisson", "poisson", "negbin", "gaussian"}
        ``"gaussian"`` is OLS; ``"poisson"`` a Poisson GLM; ``"quasipoisson"`` the same with
        standard errors scaled by the Pearson chi-square / df dispersion; ``"negbin"`` an NB2
        regression with the dispersion estimated by maximum likelihood. Count families use a log
        link, so effects are also reported as rate ratios.
    offset : str, optional
        Population (or exposure) column, used as a log offset (count families only): the model is
        then for the rate per unit of population.
    seasonality : int
        Number of Fourier sine/cosine pairs; 0 for none.
    period : float, optional
        Seasonal period in time steps (12 monthly, 52 weekly). Inferred from date spacing when
        omitted.
    slope_change : bool
        Include a change in trend after the intervention. ``False`` fits a level change on a
        common underlying trend (the Lopez Bernal et al. 2017 tutorial model).
    hac_lags : int or "auto", optional
        Newey-West (HAC) standard errors with this many lags (Bartlett kernel, n/(n-k) small-sample
        scaling, t intervals with n-k degrees of freedom: the Stata ``newey`` convention). In a
        panel the lags never cross group boundaries. ``"auto"`` uses ``floor(4 (n/100)^(2/9))``.
        Available for every family (for quasi-Poisson the HAC sandwich replaces the dispersion
        scaling). In short series it under-covers (see docs/evaluate.md); prefer
        ``autocorrelation="ar1"`` when the diagnostics show residual autocorrelation.
    autocorrelation : {None, "ar1"}
        ``"ar1"`` replaces the standard errors by a sandwich that assumes AR(1)-correlated
        errors, with the residual lag-1 autocorrelation estimated and corrected for its
        small-sample bias (t intervals with n-k df). In simulations of short monthly series it
        keeps interval coverage near the nominal level under moderate autocorrelation, where
        Newey-West (``hac_lags``) under-covers (see docs/evaluate.md). Cannot be combined with
        ``hac_lags``.
    group : str, optional
        Column naming the group of each row of a panel.
    treated : object, optional
        The value of ``group`` for the treated group; all other groups are pooled as the
        comparison (Linden 2015).
    alpha : float
        One minus the confidence level of the intervals.

    Returns
    -------
    ITSResult
        Effects table at ``.effects``; counterfactual, impact and diagnostics are computed on
        first access.

    Raises
    ------
    EvaluationInputError
        A :class:`ValueError` naming the column and the offending rows or periods: missing
        columns, NaNs, negative or non-integer counts, duplicate or missing periods, a constant
        series, an intervention outside the data, too few periods before or after it.

    Notes
    -----
    ``effects`` rows: ``baseline`` (level at the first period), ``pre_trend``,
    ``level_change``, ``slope_change`` and ``post_trend`` (pre_trend + slope_change, with its own
    standard error); without ``slope_change`` only the first three. In a panel these describe the
    pooled comparison groups and ``diff_*`` the treated group minus the comparison.
    For count families ``ratio`` is the exponentiated estimate (the rate ratio; for
    ``baseline`` the baseline rate per unit of offset).

    Examples
    --------
    >>> res = its(df, time="month", outcome="burglaries", intervention="2023-06-01",
    ...           seasonality=2)  # doctest: +SKIP
    >>> res.effects.loc["level_change", ["ratio", "ratio_low", "ratio_high"]]  # doctest: +SKIP
    """
    if not 0 < alpha < 1:
        raise EvaluationInputError(f"alpha must be between 0 and 1, not {alpha!r}")
    if seasonality < 0 or int(seasonality) != seasonality:
        raise EvaluationInputError(f"seasonality must be a whole number >= 0, not {seasonality!r}")
    if offset is not None and family == "gaussian":
        raise EvaluationInputError(
            "offset is a log offset for the count families; with family='gaussian' model a rate "
            "column directly"
        )
    d = prepare_its_data(
        data,
        time=time,
        outcome=outcome,
        intervention=intervention,
        family=family,
        offset=offset,
        group=group,
        treated=treated,
        slope_change=slope_change,
    )
    if seasonality:
        period = period or d.tindex.default_period
        if not period:
            raise EvaluationInputError(
                f"seasonality={seasonality} needs `period` (e.g. 12 for monthly data) because "
                f"the spacing of {time!r} does not imply one"
            )
        if 2 * seasonality >= period:
            raise EvaluationInputError(
                f"seasonality={seasonality} pairs is too many for period={period}"
            )
    n_series = len(d.y) if d.treated is None else int(d.treated.sum())
    if hac_lags == "auto":
        hac_lags = newey_west_lags(n_series)
    elif hac_lags is not None and (int(hac_lags) != hac_lags or int(hac_lags) < 0):
        raise EvaluationInputError(
            f"hac_lags must be a whole number >= 0 or 'auto', not {hac_lags!r}"
        )
    hac = int(hac_lags) if hac_lags else None
    if autocorrelation not in (None, "ar1"):
        raise EvaluationInputError(
            f"autocorrelation must be None or 'ar1', not {autocorrelation!r}"
        )
    if autocorrelation and hac:
        raise EvaluationInputError("use either hac_lags or autocorrelation='ar1', not both")
    design = build_design(
        d.t,
        d.post,
        d.t_since,
        slope_change=slope_change,
        seasonality=int(seasonality),
        period=period,
        treated=d.treated,
    )
    n, k = design.X.shape
    if n - k < 2:
        raise EvaluationInputError(
            f"too few periods ({n}) for a model with {k} parameters; use fewer seasonal terms "
            "or more data"
        )
    fit = fit_arrays(
        d.y,
        design.X,
        family=family,
        offset=None if d.offset is None else np.log(d.offset),
        hac_lags=hac,
        groups=d.groups,
    )
    rho = None
    if autocorrelation == "ar1":
        fit, rho = ar1_adjust(
            fit,
            d.y,
            design.X,
            family=family,
            offset=None if d.offset is None else np.log(d.offset),
            groups=d.groups,
        )
    if not np.all(np.isfinite(np.diag(fit.cov))):
        raise EvaluationInputError(
            f"the model for {outcome!r} could not be estimated (singular design: e.g. all zero "
            "counts in one segment, or counts too sparse for this family: try "
            "family='quasipoisson')." + "".join(f" {w}" for w in fit.warnings)
        )
    effects = effect_table(
        fit.params,
        fit.cov,
        _contrasts(design, d.treated is not None, slope_change),
        df=fit.df,
        alpha=alpha,
        log_link=family in COUNT_FAMILIES,
    )
    return ITSResult(
        effects=effects,
        fit=fit.results,
        family=family,
        outcome=outcome,
        time=time,
        alpha=alpha,
        n_pre=d.n_pre,
        n_post=d.n_post,
        intervention=d.intervention_label,
        hac_lags=hac,
        autocorrelation=autocorrelation,
        ar1_rho=rho,
        seasonality=int(seasonality),
        period=period,
        slope_change=slope_change,
        panel=d.treated is not None,
        treated_label=treated,
        _data=d,
        _design=design,
        _fit=fit,
        warnings=list(fit.warnings),
    )
