"""Shared helpers of evaluation results: recorded warnings and wording without "inf"."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from cs360lib.evaluate._results import (
    NOT_CONVERGED,
    describe_ratio,
    interval_words,
    recording_warnings,
)


def test_model_warnings_are_recorded_once_in_plain_words() -> None:
    with recording_warnings() as notes:
        warnings.warn(
            "Maximum Likelihood optimization failed to converge.", ConvergenceWarning, stacklevel=1
        )
        warnings.warn(
            "Maximum Likelihood optimization failed to converge.", ConvergenceWarning, stacklevel=1
        )
        np.log(np.array([0.0]))  # a RuntimeWarning: divide by zero
    assert len(notes) == 2
    assert notes[0].startswith(NOT_CONVERGED)
    assert "statsmodels: Maximum Likelihood optimization failed to converge" in notes[0]
    assert "numerical problem" in notes[1] and "divide by zero" in notes[1]


def test_other_warnings_are_not_swallowed() -> None:
    with pytest.warns(DeprecationWarning, match="old API"):
        with recording_warnings() as notes:
            warnings.warn("old API", DeprecationWarning, stacklevel=1)
    assert notes == []


def test_unbounded_intervals_are_said_in_words() -> None:
    text, clear = describe_ratio(1e-10, 1e-12, np.inf, 95)
    assert "no upper limit" in text and "inf" not in text and not clear
    assert interval_words(14.2, 126.4) == "14 to 126"
    assert "no upper limit" in interval_words(14.2, np.inf)
    text, _ = describe_ratio(2.7, 0.02, 316.7, 95)
    assert "317 times as high" in text
