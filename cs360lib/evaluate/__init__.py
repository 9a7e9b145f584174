"""Evaluate whether a response worked: interrupted time series, count tests and power.

Functions return result objects in the statsmodels manner that follow the library's result
contract (:class:`cs360lib.publish.results.Result`): ``.to_frame()``, ``.chart()``, ``.table()``,
a plain-language ``.summary()`` and ``.warnings`` (model-fitting warnings, recorded rather than
printed or ignored); nothing is printed or displayed.

- :class:`ITS` (a specification, then ``.fit(cov=...)``) and :func:`its` (both in one call):
  segmented regression with steps, temporary or recurring responses (indicators), controls,
  calendar effects and seasonality; single series or treated-vs-comparison panel.
- :func:`wdd`, :func:`wdd_harm`: weighted displacement difference test (Wheeler & Ratcliffe 2018).
- :func:`e_test`: E-test for two Poisson rates (Krishnamoorthy & Thomson 2004).
- :func:`rate_ratio_test`, :func:`power_rate_ratio`: exact pre/post rate-ratio test and its power.
- :func:`power_its`: simulation power analysis for an ITS design; :func:`simulate_its` makes
  synthetic series with a planted effect.

Bad input raises :class:`EvaluationInputError` (a ``ValueError``) naming the column and rows.
"""

from __future__ import annotations

from cs360lib.errors import EvaluationInputError

from .counts import (
    ETestResult,
    RateRatioPowerResult,
    RateRatioResult,
    e_test,
    power_rate_ratio,
    rate_ratio_test,
)
from .its import ITS, ITSResult, its, newey_west_lags
from .power import ITSPowerResult, Scenario, power_its, simulate_counts, simulate_its
from .wdd import WDDResult, wdd, wdd_harm

__all__ = [
    "ETestResult",
    "EvaluationInputError",
    "ITS",
    "ITSPowerResult",
    "ITSResult",
    "RateRatioPowerResult",
    "RateRatioResult",
    "Scenario",
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
