"""Evaluate whether a response worked: interrupted time series, count tests and power.

Functions return result objects in the statsmodels manner, each with ``.to_frame()``,
``.chart()`` and a plain-language ``.summary()``; nothing is printed or displayed.

- :func:`its`: segmented regression (single series or treated-vs-comparison panel).
- :func:`wdd`, :func:`wdd_harm`: weighted displacement difference test (Wheeler & Ratcliffe 2018).
- :func:`e_test`: E-test for two Poisson rates (Krishnamoorthy & Thomson 2004).
- :func:`rate_ratio_test`, :func:`power_rate_ratio`: exact pre/post rate-ratio test and its power.
- :func:`power_its`: simulation power analysis for an ITS design.
"""

from __future__ import annotations

from ._design import EvaluationInputError
from .its import ITSResult, its, newey_west_lags

__all__ = [
    "EvaluationInputError",
    "ITSResult",
    "its",
    "newey_west_lags",
]
