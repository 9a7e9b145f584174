"""Evaluate whether a response worked: interrupted time series, count tests and power.

Functions return result objects in the statsmodels manner that follow the library's result
contract (:class:`cs360lib.publish.results.Result`): ``.to_frame()``, ``.chart()``, ``.table()``,
a plain-language ``.summary()`` and ``.warnings`` (model-fitting warnings, recorded rather than
printed or ignored); nothing is printed or displayed.

- :func:`its`: segmented regression (single series or treated-vs-comparison panel).
- :func:`wdd`, :func:`wdd_harm`: weighted displacement difference test (Wheeler & Ratcliffe 2018).
- :func:`e_test`: E-test for two Poisson rates (Krishnamoorthy & Thomson 2004).
- :func:`rate_ratio_test`, :func:`power_rate_ratio`: exact pre/post rate-ratio test and its power.
- :func:`power_its`: simulation power analysis for an ITS design; :func:`simulate_its` makes
  synthetic series with a planted effect.

Bad input raises :class:`EvaluationInputError` (a ``ValueError``) naming the column and rows.
"""

from __future__ import annotations

from ._design import EvaluationInputError
from .counts import (
    ETestResult,
    RateRatioPowerResult,
    RateRatioResult,
    e_test,
    power_rate_ratio,
    rate_ratio_test,
)
from .its import ITSResult, its, newey_west_lags
from .power import ITSPowerResult, power_its, simulate_counts, simulate_its
from .wdd import WDDResult, wdd, wdd_harm

__all__ = [
    "ETestResult",
    "EvaluationInputError",
    "ITSPowerResult",
    "ITSResult",
    "RateRatioPowerResult",
    "RateRatioResult",
    "WDDResult",
    "e_test",
    "its",
    "newey_west_lags",
    "power_its",
    "power_rate_ratio",
    "rate_ratio_test",
    "simulate_counts",
    "simulate_its",
    "wdd",
    "wdd_harm",
]
