"""What would have happened without the response: counterfactual, impact and episodes.

Two kinds of interval are reported, under their own names:

- the **confidence interval of the expected counterfactual** (``cf_low``/``cf_high`` per period,
  ``mean_low``/``mean_high`` in the impact table): the uncertainty of the model's parameters
  only (the covariance of the effects table, delta method on the log scale);
- the **prediction interval of the realised counterfactual** (``pred_low``/``pred_high`` per
  period, ``predicted_low``/``predicted_high`` in the impact table): the counts that would have
  been recorded without the response also vary around their expectation, under the fitted
  family and dispersion and, with ``cov="ar1"``, the latent AR(1) correlation between periods.
  This is the interval for "crimes averted" (observed minus what would have happened), as in
  CausalImpact (Brodersen et al. 2015).

Prediction intervals of counts take the negative binomial with the predictive mean and variance
(parameter variance plus the outcome's variance, inflated by ``(t/z)^2`` when intervals use t:
the variance is estimated, as in the classical prediction interval of a regression, which uses
t on the whole prediction variance); gaussian ones are ``mean +/- t sqrt(variance)``. With the
exact comparison the counterfactual rate is the rate without the response: its confidence
interval is Garwood's exact Poisson interval and its prediction interval the Jeffreys-prior
Poisson predictive (a negative binomial).

References
----------
Brodersen, K. H., Gallusser, F., Koehler, J., Remy, N., & Scott, S. L. (2015). Inferring causal
impact using Bayesian structural time-series models. *Annals of Applied Statistics*, 9(1),
247-274.
Garwood, F. (1936). Fiducial limits for the Poisson distribution. *Biometrika*, 28, 437-442.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import special, stats

from ._ar1 import sum_variance
from ._results import critical_value

if TYPE_CHECKING:  # pragma: no cover
    from ._its_result import ITSResult

__all__ = ["counterfactual_frame", "episodes_frame", "impact_frame", "response_rows"]


def count_interval(
    mean: np.ndarray | float, var: np.ndarray | float, alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    """Central interval of a count with this mean and variance (negative binomial, or Poisson).

    Parameters
    ----------
    mean, var : array-like
        Predictive mean and variance.
    alpha : float
        One minus the coverage.

    Returns
    -------
    tuple of numpy.ndarray
        Lower and upper quantiles (whole counts).
    """
    mean = np.atleast_1d(np.asarray(mean, dtype=float))
    var = np.broadcast_to(np.asarray(var, dtype=float), mean.shape)
    lo = np.empty_like(mean)
    hi = np.empty_like(mean)
    over = var > mean * (1 + 1e-9)
    if over.any():
        m, v = mean[over], var[over]
        n = m**2 / (v - m)
        p = m / v
        lo[over] = stats.nbinom.ppf(alpha / 2, n, p)
        hi[over] = stats.nbinom.isf(alpha / 2, n, p)
    if (~over).any():
        lo[~over] = stats.poisson.ppf(alpha / 2, mean[~over])
        hi[~over] = stats.poisson.isf(alpha / 2, mean[~over])
    return lo, hi


def response_rows(res: ITSResult) -> np.ndarray:
    """Rows of the evaluated series under the response (from the first step, or an indicator on).

    Returns
    -------
    numpy.ndarray
        Boolean mask over the series' rows (time order).
    """
    d = res._data
    keys = d.keys[d.series_mask]
    on = np.zeros(len(keys), dtype=bool)
    for iv in res.interventions:
        if iv.kind == "step":
            on |= keys >= iv.key
        else:
            on |= iv.share[d.series_mask] > 0
    return on


class _Prediction:
    """Means and variances of the counterfactual along the evaluated series."""

    def __init__(self, res: ITSResult) -> None:
        self.res = res
        d = res._data
        m = d.series_mask
        self.gaussian = not res.log_link
        self.crit = critical_value(res.alpha, res._fit.df if res._fit else None)
        self.inflate = (self.crit / special.ndtri(1 - res.alpha / 2)) ** 2
        if res.exact is not None:
            self._exact(res)
            return
        f, design = res._fit, res._design
        self.X_cf = design.X_cf[m]
        log_off = np.log(d.offset[m]) if d.offset is not None else 0.0
        eta_cf = self.X_cf @ f.params + log_off
        eta = design.X[m] @ f.params + log_off
        se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", self.X_cf, f.cov, self.X_cf), 0.0))
        self.cov = f.cov
        if self.gaussian:
            self.fitted, self.mean = eta, eta_cf
            self.mean_low, self.mean_high = eta_cf - self.crit * se, eta_cf + self.crit * se
            self.var_par = se**2
            sigma2 = f.pearson_chi2 / f.df_resid
            self.base = np.full(len(eta), sigma2)
            self.var_noise = np.full(len(eta), f.process.s2) if f.process is not None else self.base
        else:
            self.fitted, self.mean = np.exp(eta), np.exp(eta_cf)
            with np.errstate(over="ignore"):
                self.mean_low = np.exp(eta_cf - self.crit * se)
                self.mean_high = np.exp(eta_cf + self.crit * se)
            self.var_par = (self.mean * se) ** 2
            mu = self.mean
            phi = max(1.0, f.pearson_chi2 / f.df_resid) if res.family == "quasipoisson" else 1.0
            if res.family == "negbin":
                self.base = mu + f.nb_alpha * mu**2
            else:
                self.base = phi * mu
            self.var_noise = mu + f.process.s2 * mu**2 if f.process is not None else self.base
        self.process = f.process

    def _exact(self, res: ITSResult) -> None:
        d = res._data
        m = d.series_mask
        ex = res.exact.test
        expo = d.offset[m] if d.offset is not None else np.ones(int(m.sum()))
        rate0 = ex.pre / ex.pre_exposure
        rate1 = ex.post / ex.post_exposure
        on = response_rows(res)
        self.exposure = expo
        self.fitted = np.where(on, rate1, rate0) * expo
        self.mean = rate0 * expo
        a = res.alpha
        lo = stats.chi2.ppf(a / 2, 2 * ex.pre) / 2 if ex.pre > 0 else 0.0
        hi = stats.chi2.ppf(1 - a / 2, 2 * ex.pre + 2) / 2
        self.mean_low = lo / ex.pre_exposure * expo
        self.mean_high = hi / ex.pre_exposure * expo
        self.X_cf = None
        self.process = None

    # ---- intervals ---------------------------------------------------------------------------
    def exact_predictive(self, exposure: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Jeffreys-prior Poisson predictive interval for counts over ``exposure``."""
        ex = self.res.exact.test
        e = np.atleast_1d(np.asarray(exposure, dtype=float))
        p = ex.pre_exposure / (ex.pre_exposure + e)
        a = self.res.alpha
        return stats.nbinom.ppf(a / 2, ex.pre + 0.5, p), stats.nbinom.isf(a / 2, ex.pre + 0.5, p)

    def per_period(self) -> tuple[np.ndarray, np.ndarray]:
        """Prediction interval of each period's realised counterfactual."""
        if self.res.exact is not None:
            return self.exact_predictive(self.exposure)
        var = (self.var_par + self.var_noise) * self.inflate
        if self.gaussian:
            sd = np.sqrt(self.var_par + self.var_noise)
            return self.mean - self.crit * sd, self.mean + self.crit * sd
        return count_interval(self.mean, var, self.res.alpha)

    def total(self, rows: np.ndarray) -> dict[str, float]:
        """Return the counterfactual total over ``rows`` (a series mask), with both intervals."""
        res = self.res
        S = float(self.mean[rows].sum())
        if res.exact is not None:
            e = float(self.exposure[rows].sum())
            ex = res.exact.test
            lo = float(self.mean_low[rows].sum())
            hi = float(self.mean_high[rows].sum())
            p_lo, p_hi = self.exact_predictive(e)
            return {
                "S": S,
                "mean_low": lo,
                "mean_high": hi,
                "pred_low": float(p_lo[0]),
                "pred_high": float(p_hi[0]),
                "pre": ex.pre,
            }
        Xr = self.X_cf[rows]
        if self.gaussian:
            g = Xr.sum(axis=0)
        else:
            g = self.mean[rows] @ Xr
        var_par = float(g @ self.cov @ g)
        noise = sum_variance(self.mean, rows, self.process, gaussian=self.gaussian, base=self.base)
        if self.gaussian:
            half_m = self.crit * np.sqrt(var_par)
            half_p = self.crit * np.sqrt(var_par + noise)
            return {
                "S": S,
                "mean_low": S - half_m,
                "mean_high": S + half_m,
                "pred_low": S - half_p,
                "pred_high": S + half_p,
            }
        se_log = np.sqrt(var_par) / S if S > 0 else 0.0
        with np.errstate(over="ignore"):
            m_lo, m_hi = S * np.exp(-self.crit * se_log), S * np.exp(self.crit * se_log)
        p_lo, p_hi = count_interval(S, (var_par + noise) * self.inflate, res.alpha)
        return {
            "S": S,
            "mean_low": float(m_lo),
            "mean_high": float(m_hi),
            "pred_low": float(p_lo[0]),
            "pred_high": float(p_hi[0]),
        }


def counterfactual_frame(res: ITSResult) -> pd.DataFrame:
    """Per period of the evaluated series: observed, fitted, counterfactual and its intervals."""
    d = res._data
    m = d.series_mask
    pred = _Prediction(res)
    p_lo, p_hi = pred.per_period()
    return pd.DataFrame(
        {
            "time": d.labels[m],
            "post": response_rows(res),
            "observed": d.y[m],
            "fitted": pred.fitted,
            "counterfactual": pred.mean,
            "cf_low": pred.mean_low,
            "cf_high": pred.mean_high,
            "pred_low": p_lo,
            "pred_high": p_hi,
        }
    )


def _effect_row(actual: float, t: dict[str, float], div: float) -> dict[str, float]:
    S, lo, hi = t["S"], t["pred_low"], t["pred_high"]
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "actual": actual / div,
            "predicted": S / div,
            "predicted_low": lo / div,
            "predicted_high": hi / div,
            "mean_low": t["mean_low"] / div,
            "mean_high": t["mean_high"] / div,
            "abs_effect": (actual - S) / div,
            "abs_effect_low": (actual - hi) / div,
            "abs_effect_high": (actual - lo) / div,
            "rel_effect": actual / S - 1 if S > 0 else np.nan,
            "rel_effect_low": actual / hi - 1 if hi > 0 else np.nan,
            "rel_effect_high": actual / lo - 1 if lo > 0 else np.inf,
        }


def impact_frame(res: ITSResult) -> pd.DataFrame:
    """Average and cumulative actual against counterfactual under the response."""
    d = res._data
    rows = response_rows(res)
    actual = float(d.y[d.series_mask][rows].sum())
    total = _Prediction(res).total(rows)
    n = int(rows.sum())
    out = {
        "average": _effect_row(actual, total, n),
        "cumulative": _effect_row(actual, total, 1),
    }
    return pd.DataFrame.from_dict(out, orient="index")


def _runs(on: np.ndarray) -> list[tuple[int, int]]:
    """Start and end positions (inclusive) of the runs of True."""
    edges = np.diff(np.concatenate([[0], on.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def episodes_frame(res: ITSResult) -> pd.DataFrame:
    """One row per episode of each intervention: observed against what would have happened.

    An episode is a run of consecutive periods under an indicator, or the periods from a step
    to the next step (or the end). Columns: ``intervention``, ``episode``, ``start``, ``end``
    (time labels), ``periods``, ``observed``, ``expected`` (counterfactual total),
    ``expected_low``/``expected_high`` (prediction interval of the realised counterfactual),
    ``ratio`` (observed / expected) and ``ratio_low``/``ratio_high`` (observed over the
    prediction bounds: how unusual the episode was against what would have happened).
    """
    d = res._data
    m = d.series_mask
    keys = d.keys[m]
    labels = d.labels[m]
    y = d.y[m]
    pred = _Prediction(res)
    steps = sorted((i for i in res.interventions if i.kind == "step"), key=lambda i: i.key)
    rows = []
    for iv in res.interventions:
        if iv.kind == "step":
            later = [s.key for s in steps if s.key > iv.key]
            stop = min(later) if later else keys.max() + 1
            runs = _runs((keys >= iv.key) & (keys < stop))
        else:
            runs = _runs(iv.share[m] > 0)
        for number, (a, b) in enumerate(runs, start=1):
            sel = np.zeros(len(keys), dtype=bool)
            sel[a : b + 1] = True
            t = pred.total(sel)
            obs = float(y[sel].sum())
            with np.errstate(divide="ignore", invalid="ignore"):
                rows.append(
                    {
                        "intervention": iv.name,
                        "episode": number,
                        "start": labels[a],
                        "end": labels[b],
                        "periods": b - a + 1,
                        "observed": obs,
                        "expected": t["S"],
                        "expected_low": t["pred_low"],
                        "expected_high": t["pred_high"],
                        "ratio": obs / t["S"] if t["S"] > 0 else np.nan,
                        "ratio_low": obs / t["pred_high"] if t["pred_high"] > 0 else np.nan,
                        "ratio_high": obs / t["pred_low"] if t["pred_low"] > 0 else np.inf,
                    }
                )
    columns = [
        "intervention",
        "episode",
        "start",
        "end",
        "periods",
        "observed",
        "expected",
        "expected_low",
        "expected_high",
        "ratio",
        "ratio_low",
        "ratio_high",
    ]
    return pd.DataFrame(rows, columns=columns)
