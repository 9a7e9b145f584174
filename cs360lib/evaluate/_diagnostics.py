"""Residual diagnostics of an ITS fit: autocorrelation and dispersion checks.

Durbin-Watson and lag-1 autocorrelation of the Pearson residuals (within groups), Ljung-Box
(statsmodels ``acorr_ljungbox``) on the evaluated series, Breusch-Godfrey (statsmodels
``acorr_breusch_godfrey``) for a gaussian single series, the Pearson dispersion and, with
``cov="ar1"``, the estimated latent AR(1) process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from ._fit import Fit

if TYPE_CHECKING:  # pragma: no cover
    from ._its_result import ITSResult

__all__ = ["diagnostics_frame", "pearson_residuals"]


def pearson_residuals(fit: Fit, y: np.ndarray, family: str) -> np.ndarray:
    """Pearson residuals ``(y - mu) / sqrt(V(mu))`` (raw residuals for the gaussian family)."""
    mu = fit.mu
    if family == "gaussian":
        return y - mu
    if family == "negbin":
        return (y - mu) / np.sqrt(mu + fit.nb_alpha * mu**2)
    return (y - mu) / np.sqrt(mu)


def diagnostics_frame(res: ITSResult) -> pd.DataFrame:
    """Build the diagnostics table of :attr:`ITSResult.diagnostics`."""
    from statsmodels.stats.diagnostic import acorr_breusch_godfrey, acorr_ljungbox

    columns = ["statistic", "p_value", "lags", "note"]
    if res._fit is None:
        return pd.DataFrame(columns=columns)
    d, f = res._data, res._fit
    r = res.residuals
    same = np.ones(len(r) - 1, dtype=bool) if d.groups is None else d.groups[1:] == d.groups[:-1]
    dw = float(np.sum((np.diff(r)[same]) ** 2) / np.sum(r**2))
    r_tr = r[d.series_mask]
    rho = float(np.sum(r[1:][same] * r[:-1][same]) / np.sum(r**2))
    lags = int(min(res.period or 10, max(1, len(r_tr) // 4)))
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
    if res.family == "gaussian" and not res.panel:
        ols = sm.OLS(d.y, res._design.X).fit()
        bg = acorr_breusch_godfrey(ols, nlags=lags, result_object=True)
        rows["breusch_godfrey"] = {
            "statistic": float(bg.lm),
            "p_value": float(bg.lmpval),
            "lags": lags,
            "note": "small p: residuals are autocorrelated",
        }
    disp = f.pearson_chi2 / f.df_resid
    if res.family == "gaussian":
        rows["residual_variance"] = {
            "statistic": disp,
            "p_value": np.nan,
            "lags": 0,
            "note": "residual sum of squares / df",
        }
    else:
        p_disp = (
            float(stats.chi2.sf(f.pearson_chi2, f.df_resid))
            if res.family in ("poisson", "quasipoisson")
            else np.nan
        )
        rows["dispersion"] = {
            "statistic": disp,
            "p_value": p_disp,
            "lags": 0,
            "note": "Pearson chi2/df; above 1: overdispersed (for Poisson)",
        }
    if f.process is not None:
        rows["latent_ar1"] = {
            "statistic": f.process.rho,
            "p_value": np.nan,
            "lags": 1,
            "note": (
                f"lag-1 correlation of the latent process (variance {f.process.s2:.3g}), "
                "used for the standard errors"
            ),
        }
    return pd.DataFrame.from_dict(rows, orient="index")[columns]
