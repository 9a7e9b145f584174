"""Fitting core of the segmented regression: arrays in, statsmodels results and warnings out.

Used by :func:`cs360lib.evaluate.its`, :func:`cs360lib.evaluate.power_its` and the benchmarks,
so it works on prepared numpy arrays and spends its time in statsmodels. Every warning raised
by a fit is recorded on the fit (:attr:`Fit.warnings`) in plain words, and three problems that
statsmodels does not always announce are checked explicitly: an optimizer that stopped before
converging, fitted means of practically zero (quasi-separation, e.g. no events at all after the
response) and a negative binomial dispersion at its lower boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import statsmodels.api as sm

from ._results import NOT_CONVERGED, recording_warnings

__all__ = ["Fit", "ar1_adjust", "fit_arrays", "newey_west_lags"]

SEPARATION_MEAN = 1e-6
"""A fitted mean below this (for a period with no events) marks quasi-separation."""

NB_ALPHA_BOUNDARY = 1e-4
"""A negative binomial dispersion below this is at its lower boundary (a Poisson model)."""


def newey_west_lags(n: int) -> int:
    """Newey-West (1994) rule of thumb for the HAC lag length: ``floor(4 (n/100)^(2/9))``."""
    return max(1, int(np.floor(4 * (n / 100.0) ** (2.0 / 9.0))))


@dataclass
class Fit:
    """A fitted segmented regression.

    Attributes
    ----------
    results : statsmodels results
        The statsmodels results object.
    params, cov : numpy.ndarray
        Regression coefficients (without the negative binomial alpha) and their covariance
        (HAC or AR(1) sandwich when requested).
    df : float or None
        Degrees of freedom of t intervals; None for normal intervals.
    scale : float
        Dispersion used for the standard errors.
    pearson_chi2, df_resid : float
        Pearson chi-square and residual degrees of freedom.
    warnings : list of str
        What went wrong in the fit, in plain words (empty for a clean fit).
    """

    results: Any
    params: np.ndarray
    cov: np.ndarray
    df: float | None
    scale: float
    pearson_chi2: float
    df_resid: float
    warnings: list[str] = field(default_factory=list)


def fit_arrays(
    y: np.ndarray,
    X: np.ndarray,
    *,
    family: str,
    offset: np.ndarray | None = None,
    hac_lags: int | None = None,
    groups: np.ndarray | None = None,
) -> Fit:
    """Fit the ITS regression on prepared arrays and record what went wrong.

    Parameters
    ----------
    y : numpy.ndarray
        Outcome, shape ``(n,)``.
    X : numpy.ndarray
        Design matrix, shape ``(n, k)``.
    family : {"gaussian", "poisson", "quasipoisson", "negbin"}
        Model family (see :func:`cs360lib.evaluate.its`).
    offset : numpy.ndarray, optional
        Log offset, shape ``(n,)``.
    hac_lags : int, optional
        Newey-West lags; ``groups`` (contiguous blocks) keeps them inside groups.
    groups : numpy.ndarray, optional
        Group codes of a panel.

    Returns
    -------
    Fit
        With :attr:`Fit.warnings` holding every warning of the fit in plain words.

    Raises
    ------
    numpy.linalg.LinAlgError, ValueError
        When statsmodels cannot fit the model at all.
    """
    cov_type = "nonrobust"
    cov_kwds: dict[str, Any] | None = None
    if hac_lags:
        if groups is None:
            cov_type = "HAC"
            cov_kwds = {"maxlags": int(hac_lags), "use_correction": True}
        else:
            cov_type = "hac-panel"
            cov_kwds = {"groups": groups, "maxlags": int(hac_lags), "use_correction": "hac"}
    if family == "negbin":
        fit, mu = _fit_negbin(y, X, offset, cov_type, cov_kwds, hac_lags)
    else:
        with recording_warnings() as messages:
            fit, mu = _fit_glm(y, X, family, offset, cov_type, cov_kwds, hac_lags)
        fit.warnings = messages
    fit.warnings.extend(_unannounced_problems(fit, y, mu, family))
    return fit


def _fit_glm(
    y: np.ndarray,
    X: np.ndarray,
    family: str,
    offset: np.ndarray | None,
    cov_type: str,
    cov_kwds: dict[str, Any] | None,
    hac_lags: int | None,
) -> tuple[Fit, np.ndarray]:
    n, k = X.shape
    if family == "gaussian":
        res = sm.OLS(y, X).fit(cov_type=cov_type, cov_kwds=cov_kwds, use_t=True)
        mu = X @ res.params
        chi2 = float(np.sum((y - mu) ** 2))
        fit = Fit(
            res,
            np.asarray(res.params),
            np.asarray(res.cov_params()),
            float(n - k),
            float(res.scale),
            chi2,
            float(n - k),
        )
        return fit, mu
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
    fit = Fit(
        res,
        params,
        cov,
        None if not hac_lags else float(n - k),
        float(res.scale) if scale else 1.0,
        chi2,
        float(n - k),
    )
    return fit, mu


def _fit_negbin(
    y: np.ndarray,
    X: np.ndarray,
    offset: np.ndarray | None,
    cov_type: str,
    cov_kwds: dict[str, Any] | None,
    hac_lags: int | None,
) -> tuple[Fit, np.ndarray]:
    """NB2 regression, alpha by maximum likelihood: Newton first, BFGS when Newton fails.

    Only the warnings of the fit that is kept are recorded (a failed Newton attempt's are not
    about the reported estimates).
    """
    n, k = X.shape
    with recording_warnings() as messages:
        start = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit()
        model = sm.NegativeBinomial(y, X, loglike_method="nb2", offset=offset)
    sp = np.append(start.params, 0.1)
    fit_kw: dict[str, Any] = {"start_params": sp, "disp": 0, "maxiter": 300}
    if cov_type != "nonrobust":
        fit_kw.update(cov_type=cov_type, cov_kwds=cov_kwds)
    res = None
    with recording_warnings() as newton:
        try:
            res = model.fit(method="newton", **fit_kw)
            if not np.all(np.isfinite(res.bse)):
                res = None
        except (np.linalg.LinAlgError, ValueError):
            res = None
    if res is None:
        with recording_warnings() as bfgs:
            res = model.fit(method="bfgs", **fit_kw)
        kept = bfgs
    else:
        kept = newton
    messages.extend(m for m in kept if m not in messages)
    params = np.asarray(res.params)[:k]
    try:
        cov = np.asarray(res.cov_params())[:k, :k]
    except ValueError:  # the Hessian could not be inverted: no standard errors
        cov = np.full((k, k), np.nan)
    mu = np.exp(X @ params + (0 if offset is None else offset))
    alpha_nb = float(np.asarray(res.params)[k])
    chi2 = float(np.sum((y - mu) ** 2 / (mu + alpha_nb * mu**2)))
    fit = Fit(
        res,
        params,
        cov,
        None if not hac_lags else float(n - k),
        1.0,
        chi2,
        float(n - k),
        warnings=messages,
    )
    return fit, mu


def _unannounced_problems(fit: Fit, y: np.ndarray, mu: np.ndarray, family: str) -> list[str]:
    """Problems statsmodels may not warn about: non-convergence, separation, NB boundary."""
    found = []
    res = fit.results
    if family != "gaussian":
        if family == "negbin":
            converged = (getattr(res, "mle_retvals", None) or {}).get("converged", True)
        else:
            converged = getattr(res, "converged", True)
        if not converged and not any(m.startswith(NOT_CONVERGED) for m in fit.warnings):
            found.append(NOT_CONVERGED + ".")
        if mu.min() < SEPARATION_MEAN and np.any((y == 0) & (mu < SEPARATION_MEAN)):
            found.append(
                "Some periods with no events are fitted as practically zero (for example no "
                "events at all after the response): an estimate sits at the edge of what the "
                "data allow (quasi-separation), so it and its interval are not reliable."
            )
    if family == "negbin":
        alpha = float(np.asarray(res.params)[-1])
        if alpha < NB_ALPHA_BOUNDARY:
            found.append(
                "The negative binomial dispersion was estimated at its lower boundary (0): the "
                "counts vary no more than a Poisson model assumes, so this is in effect a Poisson "
                "fit."
            )
    return found


def ar1_adjust(
    fit: Fit,
    y: np.ndarray,
    X: np.ndarray,
    *,
    family: str,
    offset: np.ndarray | None,
    groups: np.ndarray | None,
) -> tuple[Fit, float]:
    """Replace the covariance by a sandwich with AR(1)-correlated errors.

    The lag-1 autocorrelation of the Pearson residuals (within groups) is corrected for its
    small-sample downward bias, ``rho + (1 + 3 rho)/n + k/n`` (Kendall's bias of the sample
    autocorrelation plus the bias induced by the k fitted parameters), and clipped to
    ``[0, 0.95]``. The covariance is ``A^-1 B A^-1`` with ``A`` the expected information and
    ``B = X' S R S X`` where ``S`` holds the score scale times the residual standard deviation
    and ``R`` the AR(1) correlation matrix (block diagonal by group).

    Returns
    -------
    tuple of (Fit, float)
        The fit with the sandwich covariance (its warnings kept) and the corrected rho.
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
    return replace(fit, cov=cov, df=float(n - k), warnings=list(fit.warnings)), rho
