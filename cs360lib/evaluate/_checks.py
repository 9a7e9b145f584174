"""Checks of the inputs of the count tests: counts, exposures, pairs, alpha and alternatives."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cs360lib.errors import EvaluationInputError

__all__ = [
    "ALTERNATIVES",
    "STATSMODELS_ALTERNATIVE",
    "check_alpha",
    "check_alternative",
    "count",
    "pair",
    "positive",
]

ALTERNATIVES = ("two-sided", "greater", "less")
"""Names of the alternative hypotheses."""
STATSMODELS_ALTERNATIVE = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}
"""The same names as ``statsmodels.stats.rates`` spells them."""


def pair(name: str, value: Sequence[float] | None) -> tuple[float, float]:
    """Check a ``(pre, post)`` pair of counts; ``None`` is ``(0, 0)``."""
    if value is None:
        return 0.0, 0.0
    try:
        pre, post = (float(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise EvaluationInputError(
            f"{name} must be a (pre, post) pair of counts, got {value!r}"
        ) from exc
    for label, v in (("pre", pre), ("post", post)):
        if not np.isfinite(v) or v < 0:
            raise EvaluationInputError(f"{name} {label} count must be a number >= 0, got {v!r}")
    return pre, post


def count(name: str, value: float) -> int:
    """Check a whole count >= 0."""
    try:
        f = float(value)
    except (TypeError, ValueError) as exc:
        raise EvaluationInputError(f"{name} must be a count, got {value!r}") from exc
    if not np.isfinite(f) or f < 0 or f != round(f):
        raise EvaluationInputError(f"{name} must be a whole count >= 0, got {value!r}")
    return int(round(f))


def positive(name: str, value: float) -> float:
    """Check a number > 0 (an exposure, a ratio)."""
    try:
        f = float(value)
    except (TypeError, ValueError) as exc:
        raise EvaluationInputError(f"{name} must be a positive number, got {value!r}") from exc
    if not np.isfinite(f) or f <= 0:
        raise EvaluationInputError(f"{name} must be > 0, got {value!r}")
    return f


def check_alpha(alpha: float) -> None:
    """Check that ``alpha`` lies strictly between 0 and 1."""
    if not 0 < alpha < 1:
        raise EvaluationInputError(f"alpha must be between 0 and 1, not {alpha!r}")


def check_alternative(alternative: str) -> None:
    """Check the name of the alternative hypothesis."""
    if alternative not in ALTERNATIVES:
        raise EvaluationInputError(
            f"alternative must be one of {ALTERNATIVES}, not {alternative!r}"
        )
