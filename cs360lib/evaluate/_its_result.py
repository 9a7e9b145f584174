"""The result of an interrupted time series evaluation: effects, counterfactual, words, chart.

:class:`ITSResult` is what :meth:`cs360lib.evaluate.ITS.fit` and :func:`cs360lib.evaluate.its`
return. It follows the library's result contract (:class:`cs360lib.publish.results.Result`);
the counterfactual, the impact, the episodes and the residual diagnostics are computed on first
access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table

from ._data import COUNT_FAMILIES, SeriesData
from ._design import ITSDesign
from ._diagnostics import diagnostics_frame, pearson_residuals
from ._fit import Fit
from ._impact import counterfactual_frame, episodes_frame, impact_frame
from ._its_chart import its_chart
from ._its_summary import its_summary
from ._quality import ExactComparison
from ._results import effect_table
from ._terms import Intervention

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

    from cs360lib.publish.tables import PresentationTable

    from .its import ITS

__all__ = ["ITSResult"]

_TERMS = {
    "baseline": "Level at the start",
    "pre_trend": "Trend before",
    "level_change": "Change in level",
    "slope_change": "Change in trend",
    "post_trend": "Trend after",
}


@dataclass(frozen=True)
class ITSResult(Result):
    """Result of :meth:`ITS.fit` / :func:`its`: effects, counterfactual, impact and words.

    Attributes
    ----------
    effects : pandas.DataFrame
        (Computed on first access.) One row per effect with ``estimate``, ``se``,
        ``ci_low``, ``ci_high``, ``p_value`` and,
        for log-link families, ``ratio``, ``ratio_low`` and ``ratio_high`` (rate ratios). Rows:
        ``baseline``, ``pre_trend``; per step ``level_change``, ``slope_change``,
        ``post_trend`` (prefixed ``NAME_`` for named interventions); per indicator its name
        (the rate ratio while it is on); per control its name (per unit); in a panel the same
        with ``diff_`` (treated minus comparison).
    fit : statsmodels results or None
        The statsmodels results (``.model`` is its model), carrying the same covariance as
        ``effects`` (``fit.summary()``, ``fit.bse`` and ``fit.cov_params()`` agree with it).
        None when the exact comparison was used.
    method : {"model", "exact"}
        ``"exact"`` when a segment had too few events for the model and the rates were compared
        with the exact conditional test (``exact`` holds it).
    cov : str
        Covariance used: ``"ar1"``, ``"model"`` or ``"hac"`` (None for the exact comparison).
    ar1_rho : float or None
        The latent lag-1 autocorrelation estimated for ``cov="ar1"``.
    interventions : tuple of Intervention
        The intervention terms.
    notes : tuple of str
        How times were read and periods assigned.
    n_pre, n_post : int
        Periods of the evaluated series without and under the response.
    """

    fit: Any
    family: str
    outcome: str
    time: str
    alpha: float
    n_pre: int
    n_post: int
    intervention: str
    method: str
    cov: str | None
    hac_lags: int | None
    ar1_rho: float | None
    seasonal: tuple[tuple[float, int], ...]
    slope_change: bool
    panel: bool
    treated_label: Any
    interventions: tuple[Intervention, ...]
    notes: tuple[str, ...]
    calendar: tuple[str, ...]
    controls: tuple[str, ...]
    exact: ExactComparison | None = field(repr=False)
    _effects: pd.DataFrame | None = field(repr=False)
    _data: SeriesData = field(repr=False)
    _design: ITSDesign = field(repr=False)
    _fit: Fit | None = field(repr=False)

    # ---- construction ------------------------------------------------------------------------
    @classmethod
    def _common(cls, spec: ITS) -> dict[str, Any]:
        first = spec.interventions[0]
        text = (
            first.start_text
            if len(spec.interventions) == 1 and first.kind == "step"
            else ", ".join(i.name for i in spec.interventions)
        )
        return {
            "family": spec.family,
            "outcome": spec.data.outcome,
            "time": spec.data.time,
            "n_pre": spec.n_pre,
            "n_post": spec.n_post,
            "intervention": text,
            "seasonal": tuple(spec.design.seasonal),
            "slope_change": bool(spec.settings["slope_change"]),
            "panel": spec.data.panel,
            "treated_label": spec.treated_label,
            "interventions": tuple(spec.interventions),
            "notes": tuple(spec.notes),
            "calendar": spec.settings["calendar"],
            "controls": spec.settings["controls"],
            "_data": spec.data,
            "_design": spec.design,
        }

    @classmethod
    def from_fit(cls, spec: ITS, fit: Fit, *, alpha: float, warnings: list[str]) -> ITSResult:
        """Build the result of a model fit (the effects table is made on first access)."""
        return cls(
            _effects=None,
            fit=fit.results,
            alpha=alpha,
            method="model",
            cov=fit.cov_type,
            hac_lags=fit.hac_lags,
            ar1_rho=fit.process.rho if fit.process is not None else None,
            exact=None,
            _fit=fit,
            warnings=warnings,
            **cls._common(spec),
        )

    @classmethod
    def from_exact(
        cls, spec: ITS, exact: ExactComparison, *, alpha: float, warnings: list[str]
    ) -> ITSResult:
        """Build the result of the exact comparison (a segment with too few events)."""
        test = exact.test
        first = spec.interventions[0]
        row = (
            first.name
            if first.kind == "indicator"
            else ("level_change" if first.legacy else f"{first.name}_level_change")
        )
        with np.errstate(divide="ignore"):
            logs = np.log([test.ratio, test.ci_low, test.ci_high])
        base = test.pre / test.pre_exposure
        effects = pd.DataFrame(
            {
                "estimate": [np.log(base) if base > 0 else -np.inf, logs[0]],
                "se": [np.nan, np.nan],
                "ci_low": [np.nan, logs[1]],
                "ci_high": [np.nan, logs[2]],
                "p_value": [np.nan, test.p_value],
                "ratio": [base, test.ratio],
                "ratio_low": [np.nan, test.ci_low],
                "ratio_high": [np.nan, test.ci_high],
            },
            index=pd.Index(["baseline", row], name="term"),
        )
        return cls(
            _effects=effects,
            fit=None,
            alpha=alpha,
            method="exact",
            cov=None,
            hac_lags=None,
            ar1_rho=None,
            exact=exact,
            _fit=None,
            warnings=[*warnings, *test.warnings],
            **cls._common(spec),
        )

    # ---- basic access ------------------------------------------------------------------------
    @cached_property
    def effects(self) -> pd.DataFrame:
        """The effects table (see the class attributes)."""
        if self._effects is not None:
            return self._effects
        f = self._fit
        return effect_table(
            f.params,
            f.cov,
            self._design.contrasts,
            df=f.df,
            alpha=self.alpha,
            log_link=self.log_link,
        )

    @property
    def model(self) -> Any:
        """The statsmodels model object (None for the exact comparison)."""
        return None if self.fit is None else self.fit.model

    @property
    def log_link(self) -> bool:
        """Whether effects are on the log scale (count families)."""
        return self.family in COUNT_FAMILIES

    @property
    def level(self) -> int:
        """Confidence level in percent."""
        return round(100 * (1 - self.alpha))

    @property
    def autocorrelation(self) -> str | None:
        """``"ar1"`` when the latent AR(1) covariance was used (the older keyword's value)."""
        return "ar1" if self.cov == "ar1" else None

    @property
    def seasonality(self) -> int:
        """Number of Fourier pairs fitted (all seasonal periods together)."""
        return int(sum(p for _, p in self.seasonal))

    @property
    def period(self) -> float | None:
        """Seasonal period of the (first) Fourier terms; None without seasonality."""
        return self.seasonal[0][0] if self.seasonal else None

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

    def effect_label(self, term: str) -> str:
        """Human name of a row of the effects table."""
        if term.startswith("diff_"):
            return f"Treated minus comparison: {self.effect_label(term[5:]).lower()}"
        if term in _TERMS:
            return _TERMS[term]
        kind, name = self._design.kinds.get(term, ("", None))
        if kind == "indicator":
            return f"While {name} is on"
        if kind == "control":
            return f"Per unit of {term}"
        for suffix, words in _TERMS.items():
            if name and term == f"{name}_{suffix}":
                return f"{words} ({name})"
        return term

    def table(self) -> PresentationTable:
        """Return the effects as a presentation table, with the effects named in words.

        Returns
        -------
        cs360lib.publish.tables.PresentationTable
            One row per effect; in a panel the ``diff_`` rows read "Treated minus comparison:".
        """
        frame = self.effects.rename(index=self.effect_label)
        return presentation_table(
            frame,
            labels=self.labels,
            caption=f"{self.outcome}: effects with {self.level}% intervals",
        )

    # ---- predictions --------------------------------------------------------------------------
    @cached_property
    def counterfactual(self) -> pd.DataFrame:
        """Per period of the evaluated series: observed, fitted and what would have happened.

        Columns: ``time``, ``post`` (under the response), ``observed``, ``fitted``,
        ``counterfactual`` (the model's expectation with the response terms switched off),
        ``cf_low``/``cf_high`` (its **confidence interval**: parameter uncertainty only) and
        ``pred_low``/``pred_high`` (the **prediction interval** of the count that would have
        been recorded: parameter uncertainty plus the outcome's own variation).
        """
        return counterfactual_frame(self)

    @cached_property
    def impact(self) -> pd.DataFrame:
        """Actual against counterfactual over the periods under the response.

        Rows ``average`` (per period) and ``cumulative`` (the total). Columns: ``actual``,
        ``predicted`` (expected without the response), ``predicted_low``/``predicted_high``
        (**prediction interval of the realised counterfactual**: what would have been recorded
        without the response, with the outcome's own variation, dispersion and, under
        ``cov="ar1"``, autocorrelation), ``mean_low``/``mean_high`` (**confidence interval of
        the expected counterfactual**: parameter uncertainty only), ``abs_effect`` (actual
        minus predicted) and ``rel_effect`` (actual / predicted - 1), each with ``_low`` and
        ``_high`` bounds from the prediction interval. Quote the prediction interval for
        "crimes averted"; see docs/evaluate.md.
        """
        return impact_frame(self)

    @cached_property
    def episodes(self) -> pd.DataFrame:
        """Per episode of each intervention: observed against what would have happened.

        For a recurring response, each run of consecutive periods under its indicator; for a
        step, its segment. See :func:`cs360lib.evaluate._impact.episodes_frame` for columns.
        The pooled effect (the indicator's rate ratio) is in :attr:`effects`.
        """
        return episodes_frame(self)

    # ---- diagnostics --------------------------------------------------------------------------
    @cached_property
    def residuals(self) -> np.ndarray:
        """Pearson residuals of all rows (sorted by group and period); empty for ``exact``."""
        if self._fit is None:
            return np.empty(0)
        return pearson_residuals(self._fit, self._data.y, self.family)

    @cached_property
    def diagnostics(self) -> pd.DataFrame:
        """Residual autocorrelation and dispersion checks (empty for the exact comparison).

        Rows: ``durbin_watson``, ``lag1_autocorrelation``, ``ljung_box``, ``breusch_godfrey``
        (gaussian single series), ``dispersion`` (or ``residual_variance``) and, with
        ``cov="ar1"``, ``latent_ar1`` (the estimated latent correlation). Columns
        ``statistic``, ``p_value``, ``lags`` and ``note``.
        """
        return diagnostics_frame(self)

    @property
    def autocorrelated(self) -> bool:
        """Whether the Ljung-Box or Breusch-Godfrey test flags residual autocorrelation (5%)."""
        dg = self.diagnostics
        if dg.empty:
            return False
        ps = dg.loc[dg.index.isin(["ljung_box", "breusch_godfrey"]), "p_value"]
        return bool((ps < 0.05).any())

    # ---- chart and summary -----------------------------------------------------------------
    def chart(self, *, title: str | None = None, width: int = 600, height: int = 300) -> alt.Chart:
        """ITS chart: observations, fitted model, dashed counterfactual with its band, the start.

        Long series are averaged into blocks (at most 1,000 points per layer), the comparison
        groups' line too, so that any input stays far below Altair's row limit.

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
        return its_chart(self, title=title, width=width, height=height)

    def summary(self) -> str:
        """Plain-language summary a community member can read.

        Effects are called statistically clear only when their interval excludes no change;
        percentages above 1,000% are said as "times as high", and an unbounded interval in
        words, never "inf" or "nan".
        """
        return its_summary(self)

    def __repr__(self) -> str:
        return (
            f"ITSResult(family={self.family!r}, outcome={self.outcome!r}, method={self.method!r},"
            f" cov={self.cov!r}, n_pre={self.n_pre}, n_post={self.n_post}, panel={self.panel})"
        )
