"""The result of an interrupted time series evaluation: effects, counterfactual, words, chart.

:class:`ITSResult` is what :func:`cs360lib.evaluate.its` returns. It follows the library's
result contract (:class:`cs360lib.publish.results.Result`); the counterfactual, the impact and
the residual diagnostics are computed on first access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table

from ._design import COUNT_FAMILIES, ITSData, ITSDesign
from ._fit import Fit
from ._results import (
    amount,
    critical_value,
    describe_difference,
    describe_ratio,
    interval_words,
)

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

    from cs360lib.publish.tables import PresentationTable

__all__ = ["ITSResult"]

_CHART_MAX_PERIODS = 1000

_TERMS = {
    "baseline": "Level at the start",
    "pre_trend": "Trend before",
    "level_change": "Change in level",
    "slope_change": "Change in trend",
    "post_trend": "Trend after",
}


@dataclass(frozen=True)
class ITSResult(Result):
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
    _fit: Fit = field(repr=False)

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

    labels = {
        "term": "Effect",
        "estimate": "Estimate",
        "se": "Standard error",
        "ci_low": "Interval from",
        "ci_high": "Interval to",
        "p_value": "P value",
        "ratio": "Rate ratio",
        "ratio_low": "Ratio from",
        "ratio_high": "Ratio to",
    }

    def table(self) -> PresentationTable:
        """Return the effects as a presentation table, with the effects named in words.

        Returns
        -------
        cs360lib.publish.tables.PresentationTable
            One row per effect; in a panel the ``diff_`` rows read "Treated minus comparison:".
        """
        frame = self.effects.rename(
            index=lambda term: (
                f"Treated minus comparison: {_TERMS[term[5:]].lower()}"
                if term.startswith("diff_")
                else _TERMS.get(term, term)
            )
        )
        return presentation_table(
            frame,
            labels=self.labels,
            caption=f"{self.outcome}: effects with {self.level}% intervals",
        )

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
            bg = acorr_breusch_godfrey(ols, nlags=lags, result_object=True)
            rows["breusch_godfrey"] = {
                "statistic": float(bg.lm),
                "p_value": float(bg.lmpval),
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
                with np.errstate(over="ignore"):  # an unbounded interval is said in words
                    pct_per, lo, hi = (np.exp(sc[["estimate", "ci_low", "ci_high"]]) - 1) * 100
                stext = (
                    f"{amount(pct_per, '+.1f')}% per period ({lvl}% interval "
                    f"{interval_words(lo, hi, '+.1f', '%')})"
                )
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
                    f"{imp['actual']:,.0f} against about {amount(imp['predicted'])} expected "
                    f"without the response ({lvl}% interval "
                    f"{interval_words(imp['predicted_low'], imp['predicted_high'])})."
                )
            else:
                imp = self.impact.loc["average"]
                lines.append(
                    f"Over the {self.n_post} periods after the start {self.outcome} averaged "
                    f"{imp['actual']:,.3g} per period against about "
                    f"{amount(imp['predicted'], ',.3g')} expected without the response ({lvl}% "
                    "interval "
                    f"{interval_words(imp['predicted_low'], imp['predicted_high'], ',.3g')})."
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
        return "\n".join([*lines, *self.warning_lines()])

    def __repr__(self) -> str:
        return (
            f"ITSResult(family={self.family!r}, outcome={self.outcome!r}, "
            f"n_pre={self.n_pre}, n_post={self.n_post}, panel={self.panel})"
        )
