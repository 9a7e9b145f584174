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

import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from ._design import (
    COUNT_FAMILIES,
    EvaluationInputError,
    ITSData,
    ITSDesign,
    build_design,
    prepare_its_data,
)
from ._results import critical_value, describe_difference, describe_ratio, effect_table

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

__all__ = ["ITSResult", "its", "newey_west_lags"]

_CHART_MAX_PERIODS = 1000


def newey_west_lags(n: int) -> int:
    """Newey-West (1994) rule of thumb for the HAC lag length: ``floor(4 (n/100)^(2/9))``."""
    return max(1, int(np.floor(4 * (n / 100.0) ** (2.0 / 9.0))))


# --------------------------------------------------------------------------------------------
# fitting core (arrays in, statsmodels results out): used by its(), power_its() and benchmarks
# --------------------------------------------------------------------------------------------


@dataclass
class _Fit:
    results: Any  # statsmodels results
    params: np.ndarray  # regression coefficients (no NB alpha)
    cov: np.ndarray  # their covariance (HAC when requested)
    df: float | None  # t degrees of freedom, None for normal intervals
    scale: float  # dispersion used for the standard errors
    pearson_chi2: float
    df_resid: float


def _fit_arrays(
    y: np.ndarray,
    X: np.ndarray,
    *,
    family: str,
    offset: np.ndarray | None = None,
    hac_lags: int | None = None,
    groups: np.ndarray | None = None,
) -> _Fit:
    """Fit the ITS regression on prepared arrays.

    ``offset`` is on the log scale. ``groups`` (contiguous blocks) keeps HAC lags inside groups.
    """
    n, k = X.shape
    cov_type = "nonrobust"
    cov_kwds: dict[str, Any] | None = None
    if hac_lags:
        if groups is None:
            cov_type = "HAC"
            cov_kwds = {"maxlags": int(hac_lags), "use_correction": True}
        else:
            cov_type = "hac-panel"
            cov_kwds = {"groups": groups, "maxlags": int(hac_lags), "use_correction": "hac"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if family == "gaussian":
            res = sm.OLS(y, X).fit(cov_type=cov_type, cov_kwds=cov_kwds, use_t=True)
            mu = X @ res.params
            chi2 = float(np.sum((y - mu) ** 2))
            return _Fit(
                res,
                np.asarray(res.params),
                np.asarray(res.cov_params()),
                float(n - k),
                float(res.scale),
                chi2,
                float(n - k),
            )
        if family in ("poisson", "quasipoisson"):
            model = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset)
            scale = "X2" if (family == "quasipoisson" and not hac_lags) else None
            if cov_type == "nonrobust":
                res = model.fit(scale=scale)
            else:
                res = model.fit(cov_type=cov_type, cov_kwds=cov_kwds)
            params = np.asarray(res.params)
            mu = np.exp(X @ params if offset is None else X @ params + offset)
            chi2 = float(np.sum((y - mu) ** 2 / mu))
            if cov_type == "nonrobust":  # what cov_params() returns, without its overhead
                cov = np.asarray(res.normalized_cov_params) * float(res.scale)
            else:
                cov = np.asarray(res.cov_params())
            return _Fit(
                res,
                params,
                cov,
                None if not hac_lags else float(n - k),
                float(res.scale) if scale else 1.0,
                chi2,
                float(n - k),
            )
        # negative binomial (NB2), alpha by maximum likelihood
        start = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit()
        model = sm.NegativeBinomial(y, X, loglike_method="nb2", offset=offset)
        sp = np.append(start.params, 0.1)
        fit_kw: dict[str, Any] = {"start_params": sp, "disp": 0, "maxiter": 300}
        if cov_type != "nonrobust":
            fit_kw.update(cov_type=cov_type, cov_kwds=cov_kwds)
        try:
            res = model.fit(method="newton", **fit_kw)
            if not np.all(np.isfinite(res.bse)):
                raise np.linalg.LinAlgError
        except (np.linalg.LinAlgError, ValueError):
            res = model.fit(method="bfgs", **fit_kw)
        params = np.asarray(res.params)[:k]
        cov = np.asarray(res.cov_params())[:k, :k]
        mu = np.exp(X @ params + (0 if offset is None else offset))
        alpha_nb = float(np.asarray(res.params)[k])
        chi2 = float(np.sum((y - mu) ** 2 / (mu + alpha_nb * mu**2)))
        return _Fit(
            res, params, cov, None if not hac_lags else float(n - k), 1.0, chi2, float(n - k)
        )


def _ar1_adjust(
    fit: _Fit,
    y: np.ndarray,
    X: np.ndarray,
    *,
    family: str,
    offset: np.ndarray | None,
    groups: np.ndarray | None,
) -> tuple[_Fit, float]:
    """Replace the covariance by a sandwich with AR(1)-correlated errors.

    The lag-1 autocorrelation of the Pearson residuals (within groups) is corrected for its
    small-sample downward bias, ``rho + (1 + 3 rho)/n + k/n`` (Kendall's bias of the sample
    autocorrelation plus the bias induced by the k fitted parameters), and clipped to
    ``[0, 0.95]``. The covariance is ``A^-1 B A^-1`` with ``A`` the expected information and
    ``B = X' S R S X`` where ``S`` holds the score scale times the residual standard deviation
    and ``R`` the AR(1) correlation matrix (block diagonal by group).
    """
    n, k = X.shape
    b = fit.params
    if family == "gaussian":
        mu = X @ b
        sd = np.full(n, np.sqrt(fit.scale))
        a = np.ones(n)
        w = np.ones(n)
    else:
        mu = np.exp(X @ b + (0 if offset is None else offset))
        if family == "negbin":
            al = float(np.asarray(fit.results.params)[k])
            sd = np.sqrt(mu + al * mu**2)
            a = 1.0 / (1.0 + al * mu)
        else:
            phi = fit.pearson_chi2 / fit.df_resid if family == "quasipoisson" else 1.0
            sd = np.sqrt(phi * mu)
            a = np.ones(n)
        w = a * mu
    r = (y - mu) / sd
    g = np.zeros(n, dtype=np.int64) if groups is None else np.asarray(groups)
    same = g[1:] == g[:-1]
    r1 = float(np.sum(r[1:][same] * r[:-1][same]) / np.sum(r**2))
    n_eff = n / max(1, len(np.unique(g)))
    rho = float(np.clip(r1 + (1 + 3 * r1) / n_eff + k / n, 0.0, 0.95))
    A = X.T @ (X * w[:, None])
    Ai = np.linalg.inv(A)
    Z = X * (a * sd)[:, None]
    B = np.zeros((k, k))
    for gv in np.unique(g):
        ix = np.flatnonzero(g == gv)
        lag = np.abs(np.subtract.outer(np.arange(len(ix)), np.arange(len(ix))))
        Zg = Z[ix]
        B += Zg.T @ (rho**lag) @ Zg
    cov = Ai @ B @ Ai
    return _Fit(
        fit.results, fit.params, cov, float(n - k), fit.scale, fit.pearson_chi2, fit.df_resid
    ), rho


# --------------------------------------------------------------------------------------------
# result object
# --------------------------------------------------------------------------------------------


@dataclass
class ITSResult:
    """Result of :func:`its`: effects, counterfactual, impact, diagnostics, chart and summary.

    Attributes
    ----------
    effects : pandas.DataFrame
        One row per effect (``baseline``, ``pre_trend``, ``level_change``, ``slope_change``,
        ``post_trend`` and, in a panel, the ``diff_`` rows) with ``estimate``, ``se``,
        ``ci_low``, ``ci_high``, ``p_value`` and, for log-link families, ``ratio``,
        ``ratio_low`` and ``ratio_high``.
    fit : statsmodels results
        The underlying statsmodels results (``.model`` is its model). When ``hac_lags`` is set the
        results carry the HAC covariance; the ``autocorrelation="ar1"`` covariance is applied to
        ``effects`` only (the statsmodels results keep the model-based one).
    ar1_rho : float or None
        The bias-corrected residual autocorrelation used by ``autocorrelation="ar1"``.
    family, outcome, time : str
        The settings used.
    n_pre, n_post : int
        Periods before and after the intervention (treated series).
    """

    effects: pd.DataFrame
    fit: Any
    family: str
    outcome: str
    time: str
    alpha: float
    n_pre: int
    n_post: int
    intervention: str
    hac_lags: int | None
    autocorrelation: str | None
    ar1_rho: float | None
    seasonality: int
    period: float | None
    slope_change: bool
    panel: bool
    treated_label: Any
    _data: ITSData = field(repr=False)
    _design: ITSDesign = field(repr=False)
    _fit: _Fit = field(repr=False)

    # ---- basic access ------------------------------------------------------------------------
    @property
    def model(self) -> Any:
        """The statsmodels model object."""
        return self.fit.model

    @property
    def log_link(self) -> bool:
        """Whether effects are on the log scale (count families)."""
        return self.family in COUNT_FAMILIES

    @property
    def level(self) -> int:
        """Confidence level in percent."""
        return round(100 * (1 - self.alpha))

    def to_frame(self) -> pd.DataFrame:
        """Return the effects table (a copy)."""
        return self.effects.copy()

    # ---- predictions --------------------------------------------------------------------------
    def _series_mask(self) -> np.ndarray:
        d = self._data
        return d.treated > 0 if d.treated is not None else np.ones(len(d.y), dtype=bool)

    def _linear(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        f = self._fit
        eta = X @ f.params
        se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", X, f.cov, X), 0.0))
        if self._data.offset is not None:
            eta = eta + np.log(self._data.offset[self._series_mask()])
        return eta, se

    @cached_property
    def counterfactual(self) -> pd.DataFrame:
        """Per period of the (treated) series: observed, fitted and the counterfactual.

        Columns: ``time``, ``post`` (bool), ``observed``, ``fitted``, ``counterfactual`` (the
        model's prediction with the response terms switched off) and ``cf_low``/``cf_high`` (its
        confidence interval, from the parameter covariance).
        """
        d = self._data
        m = self._series_mask()
        crit = critical_value(self.alpha, self._fit.df)
        eta, _ = self._linear(self._design.X[m])
        eta_cf, se_cf = self._linear(self._design.X_cf[m])
        if self.log_link:
            fitted, cf = np.exp(eta), np.exp(eta_cf)
            lo, hi = np.exp(eta_cf - crit * se_cf), np.exp(eta_cf + crit * se_cf)
        else:
            fitted, cf = eta, eta_cf
            lo, hi = eta_cf - crit * se_cf, eta_cf + crit * se_cf
        return pd.DataFrame(
            {
                "time": d.time_values[m],
                "post": d.post[m] > 0,
                "observed": d.y[m],
                "fitted": fitted,
                "counterfactual": cf,
                "cf_low": lo,
                "cf_high": hi,
            }
        )

    @cached_property
    def impact(self) -> pd.DataFrame:
        """CausalImpact-style summary of the post period: actual against counterfactual.

        Rows ``average`` (per period) and ``cumulative`` (sum over the post period). Columns
        ``actual``, ``predicted`` (counterfactual), ``predicted_low``/``predicted_high``,
        ``abs_effect`` (actual minus predicted) with ``abs_effect_low``/``abs_effect_high`` and
        ``rel_effect`` (actual / predicted - 1) with ``rel_effect_low``/``rel_effect_high``.

        Notes
        -----
        Intervals reflect the uncertainty of the counterfactual (the model parameters, using the
        same covariance as the effects table, delta method on the log scale for count families);
        the observed post-period total is taken as known.
        """
        m = self._series_mask()
        post = self._data.post[m] > 0
        Xcf = self._design.X_cf[m][post]
        eta_cf, _ = self._linear(self._design.X_cf[m])
        eta_cf = eta_cf[post]
        actual = float(self._data.y[m][post].sum())
        crit = critical_value(self.alpha, self._fit.df)
        if self.log_link:
            cf = np.exp(eta_cf)
            S = float(cf.sum())
            g = cf @ Xcf
            se_log = float(np.sqrt(g @ self._fit.cov @ g)) / S
            s_lo, s_hi = S * np.exp(-crit * se_log), S * np.exp(crit * se_log)
        else:
            S = float(eta_cf.sum())
            g = Xcf.sum(axis=0)
            se = float(np.sqrt(g @ self._fit.cov @ g))
            s_lo, s_hi = S - crit * se, S + crit * se
        n = int(post.sum())
        rows = {}
        for name, div in (("average", n), ("cumulative", 1)):
            rows[name] = {
                "actual": actual / div,
                "predicted": S / div,
                "predicted_low": s_lo / div,
                "predicted_high": s_hi / div,
                "abs_effect": (actual - S) / div,
                "abs_effect_low": (actual - s_hi) / div,
                "abs_effect_high": (actual - s_lo) / div,
                "rel_effect": actual / S - 1 if S else np.nan,
                "rel_effect_low": actual / s_hi - 1 if s_hi > 0 else np.nan,
                "rel_effect_high": actual / s_lo - 1 if s_lo > 0 else np.nan,
            }
        return pd.DataFrame.from_dict(rows, orient="index")

    # ---- diagnostics --------------------------------------------------------------------------
    @cached_property
    def residuals(self) -> np.ndarray:
        """Pearson residuals of all rows (sorted by group and period)."""
        d, f = self._data, self._fit
        eta = self._design.X @ f.params
        if self.family == "gaussian":
            return d.y - eta
        if d.offset is not None:
            eta = eta + np.log(d.offset)
        mu = np.exp(eta)
        if self.family == "negbin":
            a = float(np.asarray(self.fit.params)[-1])
            return (d.y - mu) / np.sqrt(mu + a * mu**2)
        return (d.y - mu) / np.sqrt(mu)

    @cached_property
    def diagnostics(self) -> pd.DataFrame:
        """Residual autocorrelation and dispersion checks.

        Rows: ``durbin_watson`` (about 2 when residuals are independent; within groups in a
        panel), ``lag1_autocorrelation``, ``ljung_box`` (Pearson residuals of the treated series),
        ``breusch_godfrey`` (gaussian single series only) and ``dispersion`` (Pearson chi-square
        / residual df; about 1 for Poisson data, the quasi-Poisson scale). Columns ``statistic``,
        ``p_value``, ``lags`` and ``note``.
        """
        from statsmodels.stats.diagnostic import acorr_breusch_godfrey, acorr_ljungbox

        d, f = self._data, self._fit
        r = self.residuals
        same = (
            np.ones(len(r) - 1, dtype=bool) if d.groups is None else d.groups[1:] == d.groups[:-1]
        )
        dw = float(np.sum((np.diff(r)[same]) ** 2) / np.sum(r**2))
        r_tr = r[self._series_mask()]
        rho = float(np.sum(r[1:][same] * r[:-1][same]) / np.sum(r**2))
        lags = int(min(self.period or 10, max(1, len(r_tr) // 4)))
        lb = acorr_ljungbox(r_tr, lags=[lags])
        rows: dict[str, dict[str, Any]] = {
            "durbin_watson": {
                "statistic": dw,
                "p_value": np.nan,
                "lags": 1,
                "note": "near 2: no lag-1 autocorrelation; below 1.5: positive",
            },
            "lag1_autocorrelation": {
                "statistic": rho,
                "p_value": np.nan,
                "lags": 1,
                "note": "autocorrelation of Pearson residuals",
            },
            "ljung_box": {
                "statistic": float(lb["lb_stat"].iloc[0]),
                "p_value": float(lb["lb_pvalue"].iloc[0]),
                "lags": lags,
                "note": "small p: residuals are autocorrelated",
            },
        }
        if self.family == "gaussian" and not self.panel:
            ols = sm.OLS(d.y, self._design.X).fit()
            with warnings.catch_warnings():  # statsmodels' FutureWarning about the return type
                warnings.simplefilter("ignore", FutureWarning)
                bg = acorr_breusch_godfrey(ols, nlags=lags)
            rows["breusch_godfrey"] = {
                "statistic": float(bg[0]),
                "p_value": float(bg[1]),
                "lags": lags,
                "note": "small p: residuals are autocorrelated",
            }
        disp = f.pearson_chi2 / f.df_resid
        p_disp = (
            float(stats.chi2.sf(f.pearson_chi2, f.df_resid))
            if self.family in ("poisson", "quasipoisson")
            else np.nan
        )
        if self.family == "gaussian":
            rows["residual_variance"] = {
                "statistic": disp,
                "p_value": np.nan,
                "lags": 0,
                "note": "residual sum of squares / df",
            }
        else:
            rows["dispersion"] = {
                "statistic": disp,
                "p_value": p_disp,
                "lags": 0,
                "note": "Pearson chi2/df; above 1: overdispersed (for Poisson)",
            }
        return pd.DataFrame.from_dict(rows, orient="index")

    @property
    def autocorrelated(self) -> bool:
        """Whether the Ljung-Box or Breusch-Godfrey test flags residual autocorrelation (5%)."""
        dg = self.diagnostics
        ps = dg.loc[dg.index.isin(["ljung_box", "breusch_godfrey"]), "p_value"]
        return bool((ps < 0.05).any())

    # ---- chart and summary -----------------------------------------------------------------
    def chart(self, *, title: str | None = None, width: int = 600, height: int = 300) -> alt.Chart:
        """Classic ITS chart: observations, fitted segments, dashed counterfactual, start rule.

        Parameters
        ----------
        title : str, optional
            Chart title; defaults to the outcome name.
        width, height : int
            Size in pixels.

        Returns
        -------
        altair.LayerChart
        """
        import altair as alt

        from cs360lib.publish.charts import PALETTE

        navy, orange, grey = PALETTE[0], PALETTE[1], PALETTE[7]
        cf = self.counterfactual.copy()
        if len(cf) > _CHART_MAX_PERIODS:  # aggregate long series into blocks
            block = int(np.ceil(len(cf) / _CHART_MAX_PERIODS))
            key = np.arange(len(cf)) // block
            cf = cf.groupby(key).agg(
                {
                    "time": "first",
                    "post": "max",
                    "observed": "mean",
                    "fitted": "mean",
                    "counterfactual": "mean",
                    "cf_low": "mean",
                    "cf_high": "mean",
                }
            )
        cf["segment"] = np.where(cf["post"], "after", "before")
        ttype = "T" if pd.api.types.is_datetime64_any_dtype(cf["time"]) else "Q"
        x = alt.X(f"time:{ttype}", title=self.time)
        ytitle = self.outcome
        base = alt.Chart(cf).encode(x=x)
        points = base.mark_point(filled=True, size=30, color=grey).encode(
            y=alt.Y("observed:Q", title=ytitle),
            tooltip=["time", alt.Tooltip("observed:Q", format=",.2f")],
        )
        fitted = base.mark_line(color=navy, strokeWidth=2).encode(y="fitted:Q", detail="segment:N")
        post = cf[cf["post"]]
        band = (
            alt.Chart(post)
            .mark_area(opacity=0.15, color=orange)
            .encode(x=x, y="cf_low:Q", y2="cf_high:Q")
        )
        dashed = (
            alt.Chart(post)
            .mark_line(color=orange, strokeDash=[6, 4], strokeWidth=2)
            .encode(x=x, y="counterfactual:Q")
        )
        first_post = post["time"].iloc[0]
        rule = (
            alt.Chart(pd.DataFrame({"time": [first_post]}))
            .mark_rule(color="black", strokeDash=[2, 2])
            .encode(x=x)
        )
        layers = [band, points, fitted, dashed, rule]
        if self.panel:
            d = self._data
            comp = pd.DataFrame(
                {"time": d.time_values[d.treated == 0], "value": d.y[d.treated == 0]}
            )
            comp = comp.groupby("time", as_index=False)["value"].mean()
            comp_line = alt.Chart(comp).mark_line(color=grey, strokeWidth=1, opacity=0.6)
            layers.insert(1, comp_line.encode(x=x, y="value:Q"))
        subtitle = (
            "dots: observed; solid line: model; dashed: expected without the response "
            "(shaded: its interval); dotted rule: start of the response"
        )
        if self.panel:
            subtitle += "; grey line: comparison groups' mean"
        return alt.layer(*layers).properties(
            title=alt.TitleParams(
                title or f"{self.outcome}: before and after the response", subtitle=subtitle
            ),
            width=width,
            height=height,
        )

    def summary(self) -> str:
        """Plain-language summary a community member can read.

        Effects are called statistically clear only when their interval excludes no change.
        """
        e = self.effects
        lvl = self.level
        pre = "diff_" if self.panel else ""
        lines = []
        who = (
            f"group {self.treated_label} compared with the other groups"
            if self.panel
            else "the series"
        )
        lines.append(
            f"We compared {self.outcome} in {who} over {self.n_pre} periods before and "
            f"{self.n_post} periods after the response began ({self.intervention}), allowing for "
            "the trend before the response"
            + (" and for seasonal patterns" if self.seasonality else "")
            + "."
        )
        lc = e.loc[f"{pre}level_change"]
        if self.log_link:
            text, clear = describe_ratio(lc["ratio"], lc["ratio_low"], lc["ratio_high"], lvl)
        else:
            text, clear = describe_difference(
                lc["estimate"], lc["ci_low"], lc["ci_high"], lvl, f"(in {self.outcome})"
            )
        lines.append(
            (
                "Right after the response began, the treated group's level relative to the "
                "comparison was "
                if self.panel
                else "Right after the response began, the level was "
            )
            + text
            + "."
        )
        lines.append(
            "This immediate change is statistically clear: its interval excludes no change."
            if clear
            else "Its interval includes no change, so this could be chance variation "
            "rather than an effect of the response."
        )
        if self.slope_change:
            sc = e.loc[f"{pre}slope_change"]
            s_clear = bool(sc["ci_high"] < 0 or sc["ci_low"] > 0)
            if self.log_link:
                pct_per = (np.exp(sc["estimate"]) - 1) * 100
                lo, hi = (np.exp(sc["ci_low"]) - 1) * 100, (np.exp(sc["ci_high"]) - 1) * 100
                stext = f"{pct_per:+.1f}% per period ({lvl}% interval {lo:+.1f}% to {hi:+.1f}%)"
            else:
                stext = (
                    f"{sc['estimate']:+.3g} per period ({lvl}% interval "
                    f"{sc['ci_low']:+.3g} to {sc['ci_high']:+.3g})"
                )
            lines.append(
                f"The trend changed by {stext}; "
                + (
                    "this change in trend is statistically clear."
                    if s_clear
                    else "the interval includes no change in trend."
                )
            )
        if not self.panel:
            if self.log_link:
                imp = self.impact.loc["cumulative"]
                lines.append(
                    f"Over the {self.n_post} periods after the start there were "
                    f"{imp['actual']:,.0f} against about {imp['predicted']:,.0f} expected without "
                    f"the response ({lvl}% interval {imp['predicted_low']:,.0f} to "
                    f"{imp['predicted_high']:,.0f})."
                )
            else:
                imp = self.impact.loc["average"]
                lines.append(
                    f"Over the {self.n_post} periods after the start {self.outcome} averaged "
                    f"{imp['actual']:,.3g} per period against about {imp['predicted']:,.3g} "
                    f"expected without the response ({lvl}% interval "
                    f"{imp['predicted_low']:,.3g} to {imp['predicted_high']:,.3g})."
                )
        caveats = []
        if self.autocorrelated and not (self.hac_lags or self.autocorrelation):
            caveats.append(
                "the period-to-period ups and downs are correlated, so these intervals may be too "
                "narrow; refit with autocorrelation='ar1'"
            )
        if self.family == "poisson":
            disp = float(self.diagnostics.loc["dispersion", "statistic"])
            if disp > 1.5:
                caveats.append(
                    f"the counts vary {disp:.1f} times more than a Poisson model assumes; use "
                    "family='quasipoisson'"
                )
        if self.n_pre < 8:
            caveats.append(
                f"only {self.n_pre} periods before the response make the trend uncertain"
            )
        if caveats:
            lines.append("Caution: " + "; ".join(caveats) + ".")
        lines.append("A change at the same time as the response may also come from other events.")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"ITSResult(family={self.family!r}, outcome={self.outcome!r}, "
            f"n_pre={self.n_pre}, n_post={self.n_post}, panel={self.panel})"
        )


# --------------------------------------------------------------------------------------------
# public entry point
# --------------------------------------------------------------------------------------------


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
    fit = _fit_arrays(
        d.y,
        design.X,
        family=family,
        offset=None if d.offset is None else np.log(d.offset),
        hac_lags=hac,
        groups=d.groups,
    )
    rho = None
    if autocorrelation == "ar1":
        fit, rho = _ar1_adjust(
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
            "counts in one segment)"
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
    )
