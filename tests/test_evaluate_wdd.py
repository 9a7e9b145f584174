"""Tests for cs360lib.evaluate.wdd: the weighted displacement difference test."""

from __future__ import annotations

import altair as alt
import numpy as np
import pytest
from scipy import stats

from cs360lib.evaluate import EvaluationInputError, wdd, wdd_harm


def test_wdd_paper_example() -> None:
    # Wheeler & Ratcliffe (2018), worked example
    res = wdd((308, 318), (207, 110), (150, 140), (178, 157))
    t = res.total
    assert t["estimate"] == -118
    assert round(t["se"], 2) == 39.60
    assert round(t["z"], 2) == -2.98
    assert (round(t["ci_low"]), round(t["ci_high"])) == (-196, -40)
    assert res.frame.loc["local", "estimate"] == -107
    assert res.frame.loc["displacement", "estimate"] == -11
    assert t["p_value"] == pytest.approx(2 * stats.norm.sf(118 / np.sqrt(1568)))
    assert "118 fewer" in res.summary() and "statistically clear" in res.summary()
    assert isinstance(res.chart(), alt.LayerChart)
    assert list(res.to_frame().index) == ["local", "displacement", "total"]


def test_wdd_without_displacement_and_weights() -> None:
    res = wdd((20, 20), (20, 10))
    assert res.frame.loc["local", "estimate"] == -10
    assert res.frame.loc["displacement", "se"] == 0
    # 9 post months scaled to 12: weights multiply counts, variance by w^2
    w = wdd((100, 80), (90, 45), time_weights=(1, 12 / 9))
    assert w.total["estimate"] == pytest.approx(45 * 12 / 9 - 90 - (80 * 12 / 9 - 100))
    assert w.total["se"] ** 2 == pytest.approx(90 + 100 + (45 + 80) * (12 / 9) ** 2)


def test_wdd_harm() -> None:
    a = wdd((308, 318), (207, 110))
    b = wdd((50, 52), (40, 30))
    h = wdd_harm([a, b], weights=[1.0, 5.0], names=["theft", "assault"])
    assert h.total["estimate"] == pytest.approx(a.total["estimate"] + 5 * b.total["estimate"])
    assert h.total["se"] == pytest.approx(np.sqrt(a.total["se"] ** 2 + 25 * b.total["se"] ** 2))
    assert list(h.frame.index) == ["theft", "assault", "total"]
    h2 = wdd_harm([-107, -12], se=[30.7, 13.4], weights=[1, 5])
    assert h2.total["estimate"] == -167
    assert "harm-weighted" in h2.summary()


def test_wdd_bad_input() -> None:
    with pytest.raises(EvaluationInputError, match="control pre count"):
        wdd((-1, 3), (4, 5))
    with pytest.raises(EvaluationInputError, match="pair"):
        wdd((1, 2, 3), (4, 5))
    with pytest.raises(EvaluationInputError, match="area_weights"):
        wdd((1, 2), (4, 5), area_weights=(1, 1))
    with pytest.raises(ValueError, match="same"):
        wdd_harm([1.0, 2.0], se=[1.0], weights=[1, 1])
