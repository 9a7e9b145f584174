"""Fitting core of the segmented regression: arrays in, statsmodels results and warnings out.

Used by :func:`cs360lib.evaluate.its`, :func:`cs360lib.evaluate.power_its` and the benchmarks,
so it works on prepared numpy arrays and spends its time in statsmodels. Every warning raised
by a fit is recorded on the fit (:attr:`Fit.warnings`) in plain words, and three problems that
statsmodels does not always announce are checked explicitly: an optimizer that stopped before
converging, fitted means of practically zero (quasi-separation, e.g. no events at all after the
response) and a negative binomial dispersion at its lower boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import statsmodels.api as sm

from ._ar1 import AR1Moments, LatentAR1
from ._results import NOT_CONVERGED, recording_warnings

__all__ = ["COV_TYPES", "Fit", "fit_arrays", "newey_west_lags"]

COV_TYPES = ("model", "ar1", "hac")
"""Covariance choices of :meth:`cs360lib.evaluate.ITS.fit`."""

COV_DESCRIPTIONS = {
    "model": "model-based",
    "ar1": "latent AR(1) sandwich (Zeger 1988)",
    "hac": "Newey-West HAC",
}

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
    cov_type : str
        ``"model"``, ``"ar1"`` or ``"hac"``.
    process : LatentAR1 or None
        The latent AR(1) process estimated for ``cov_type="ar1"``.
    mu : numpy.ndarray
        Fitted means (fitted values for the gaussian family), with the offset.
    hac_lags : int or None
        Newey-West lags used (``cov_type="hac"``).
    nb_alpha : float
        The negative binomial dispersion (0 for the other families).
    """

    results: Any
    params: np.ndarray
    cov: np.ndarray
    df: float | None
    scale: float
    pearson_chi2: float
    df_resid: float
    warnings: list[str] = field(default_factory=list)
    cov_type: str = "model"
    process: LatentAR1 | None = None
    mu: np.ndarray | None = field(default=None, repr=False)
    hac_lags: int | None = None
    nb_alpha: float = 0.0


def fit_arrays(
    y: np.ndarray,
    X: np.ndarray,
    *,
    family: str,
    offset: np.ndarray | None = None,
    cov: str = "model",
    hac_lags: int | None = None,
    groups: np.ndarray | None = None,
    names: list[str] | None = None,
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
    cov : {"model", "ar1", "hac"}
        Covariance of the estimates: model-based (quasi-Poisson: Pearson-scaled), the latent
        AR(1) sandwich (:class:`cs360lib.evaluate._ar1.AR1Moments`, t intervals with the
        effective degrees of freedom)
        or Newey-West with ``hac_lags`` lags (t intervals with n - k df).
    hac_lags : int, optional
        Newey-West lags (``cov="hac"``); ``groups`` (contiguous blocks) keeps them inside groups.
    groups : numpy.ndarray, optional
        Group codes of a panel (contiguous blocks).
    names : list of str, optional
        Column names of ``X``, given to the statsmodels model (its ``summary()`` uses them).

    Returns
    -------
    Fit
        With :attr:`Fit.warnings` holding every warning of the fit in plain words. The
        statsmodels results carry the same covariance as :attr:`Fit.cov` (their ``bse``,
        ``summary()`` and ``cov_params()`` agree with the effects table).

    Raises
    ------
    numpy.linalg.LinAlgError, ValueError
        When statsmodels cannot fit the model at all.
    """
    cov_type = "nonrobust"
    cov_kwds: dict[str, Any] | None = None
    hac = cov == "hac"
    if hac:
        lags = int(hac_lags or 0)
        if groups is None:
            cov_type = "HAC"
            cov_kwds = {"maxlags": lags, "use_correction": True}
        else:
            cov_type = "hac-panel"
            cov_kwds = {"groups": groups, "maxlags": lags, "use_correction": "hac"}
    if family == "negbin":
        fit, mu = _fit_negbin(y, X, offset, cov_type, cov_kwds, hac)
    else:
        with recording_warnings() as messages:
            fit, mu = _fit_glm(y, X, family, offset, cov_type, cov_kwds, hac)
        fit.warnings = messages
    fit.warnings.extend(_unannounced_problems(fit, y, mu, family))
    fit.mu = mu
    fit.cov_type = "hac" if hac else "model"
    fit.hac_lags = int(hac_lags or 0) if hac else None
    if cov == "ar1":
        _ar1_covariance(fit, y, X, family, groups)
    _name_columns(fit.results, names, family)
    return fit


def _ar1_covariance(
    fit: Fit, y: np.ndarray, X: np.ndarray, family: str, groups: np.ndarray | None
) -> None:
    """Replace the covariance by the latent AR(1) sandwich, in the fit and its results.

    A fit without finite model-based standard errors is left as it is (it is reported as a
    model that could not be estimated).
    """
    if not np.all(np.isfinite(np.diag(fit.cov))):
        return
    mu = fit.mu
    alpha = fit.nb_alpha if family == "negbin" else 0.0
    weights = 1.0 / (1.0 + alpha * mu) if family == "negbin" else np.ones(len(y))
    moments = AR1Moments(
        y - mu, X, mu, weights=weights, gaussian=family == "gaussian", groups=groups
    )
    process = moments.estimate()
    cov, df = moments.cov(process), moments.effective_df(process)
    fit.cov = cov
    fit.df = df
    fit.cov_type = "ar1"
    fit.process = process
    carry_covariance(fit.results, cov, COV_DESCRIPTIONS["ar1"], df=df)


def carry_covariance(results: Any, cov: np.ndarray, description: str, *, df: float) -> None:
    """Make a statsmodels results object report ``cov``, with t inference on ``df``.

    The results' ``cov_params()``, ``bse``, ``tvalues``, ``pvalues``, ``conf_int()`` and
    ``summary()`` then agree with the effects table (their ``df_resid`` is set to ``df``, the
    effective degrees of freedom). For a negative binomial the dispersion parameter keeps its
    own variance.
    """
    full = cov
    k = cov.shape[0]
    n_params = len(np.asarray(results.params))
    if n_params > k:
        full = np.array(results.cov_params(), dtype=float, copy=True)
        full[:k, :k] = cov
        full[:k, k:] = 0.0
        full[k:, :k] = 0.0
    target = getattr(results, "_results", results)  # statsmodels wraps its results
    target.cov_params_default = full
    target.cov_type = description
    target.cov_kwds = {"description": f"Standard errors: {description}."}
    target.use_t = True
    target.df_resid = df
    target._cache = {}


def _name_columns(results: Any, names: list[str] | None, family: str) -> None:
    if not names:
        return
    data = getattr(results, "_results", results).model.data
    data.xnames = [*names, "alpha"] if family == "negbin" else list(names)


def _fit_glm(
    y: np.ndarray,
    X: np.ndarray,
    family: str,
    offset: np.ndarray | None,
    cov_type: str,
    cov_kwds: dict[str, Any] | None,
    hac: bool,
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
    scale = "X2" if (family == "quasipoisson" and not hac) else None
    if cov_type == "nonrobust":
        res = model.fit(scale=scale)
    else:
        res = model.fit(cov_type=cov_type, cov_kwds=cov_kwds, use_t=True)
    # read the arrays from the results themselves, not through statsmodels' wrapper (which
    # returns the same arrays for array input, at a few microseconds per attribute)
    raw = getattr(res, "_results", res)
    params = np.asarray(raw.params)
    mu = np.exp(X @ params if offset is None else X @ params + offset)
    chi2 = float(((y - mu) ** 2 / mu).sum())
    if cov_type == "nonrobust":  # what cov_params() returns, without its overhead
        cov = np.asarray(raw.normalized_cov_params) * float(raw.scale)
    else:
        cov = np.asarray(res.cov_params())
    fit = Fit(
        res,
        params,
        cov,
        float(n - k) if hac else None,
        float(raw.scale) if scale else 1.0,
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
    hac: bool,
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
        fit_kw.update(cov_type=cov_type, cov_kwds=cov_kwds, use_t=True)
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
        float(n - k) if hac else None,
        1.0,
        chi2,
        float(n - k),
        warnings=messages,
        nb_alpha=alpha_nb,
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
            converged = getattr(getattr(res, "_results", res), "converged", True)
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
