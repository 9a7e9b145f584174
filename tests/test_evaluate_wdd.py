"""Tests for cs360lib.evaluate.wdd: the weighted displacement difference test."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
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


def test_unequal_windows_need_time_weights() -> None:
    # 39 months before against 21 after: a "displacement" made by the window lengths alone
    with pytest.raises(
        EvaluationInputError, match=r"differ \(39 and 21.*time_weights=\(1, 1.857\)"
    ):
        wdd((390, 210), (195, 105), windows=(39, 21))
    res = wdd((390, 210), (195, 105), windows=(39, 21), time_weights=(1, 39 / 21))
    assert res.frame.loc["local", "estimate"] == pytest.approx(0)
    assert wdd((20, 20), (20, 10), windows=(12, 12)).frame.loc["local", "estimate"] == -10


def _series(values: list[int], start: str = "2021-01-01") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="MS"))


def test_series_give_totals_windows_and_a_robust_variance() -> None:
    control = _series([30, 25, 41, 28, 35, 22, 31, 36, 29, 33])
    treated = _series([20, 31, 18, 25, 27, 15, 14, 20, 11, 16])
    res = wdd(control, treated, intervention="2021-06-01")
    pairs = wdd((159, 151), (121, 76))
    assert res.frame.loc["local", "estimate"] == pairs.frame.loc["local", "estimate"]
    assert res.variance == "quasi"
    pre = np.array([30, 25, 41, 28, 35])
    scale = np.sum((pre - pre.mean()) ** 2) / pre.mean() / 4
    assert res.dispersion[0] == pytest.approx(max(1.0, scale))
    assert res.frame.loc["local", "se"] > pairs.frame.loc["local", "se"]
    assert "vary more than chance" in res.summary()
    poisson = wdd(control, treated, intervention="2021-06-01", variance="poisson")
    pd.testing.assert_frame_equal(poisson.frame, pairs.frame)
    # a given dispersion for counts given as pairs
    given = wdd((159, 151), (121, 76), dispersion=2.0)
    assert given.frame.loc["local", "se"] ** 2 == pytest.approx(2 * (159 + 151 + 121 + 76))
    with pytest.raises(EvaluationInputError, match="intervention="):
        wdd(control, treated)
    with pytest.raises(EvaluationInputError, match="either as a"):
        wdd(control, (121, 76), intervention="2021-06-01")
    with pytest.raises(EvaluationInputError, match="different windows"):
        wdd(control, treated.iloc[1:], intervention="2021-06-01")
    with pytest.raises(EvaluationInputError, match="variance='quasi' needs"):
        wdd((159, 151), (121, 76), variance="quasi")
    # unequal windows from series: the weights are needed there too
    with pytest.raises(EvaluationInputError, match=r"differ \(3 and 7"):
        wdd(control, treated, intervention="2021-04-01")


@pytest.mark.slow
def test_robust_variance_covers_with_theta_12() -> None:
    # negative binomial counts with size 12 (the sample department's dispersion), 12 months
    # before and after, a 20% drop in the treated area: Poisson variances are too small
    rng = np.random.default_rng(12)
    months = pd.date_range("2019-01-01", periods=24, freq="MS")
    mu_c, mu_t = np.full(24, 30.0), np.r_[np.full(12, 25.0), np.full(12, 20.0)]
    truth = (mu_t[12:].sum() - mu_t[:12].sum()) - (mu_c[12:].sum() - mu_c[:12].sum())
    covered = {"quasi": 0, "poisson": 0}
    reps = 400
    for _ in range(reps):
        c = pd.Series(rng.negative_binomial(12, 12 / (12 + mu_c)), index=months)
        t = pd.Series(rng.negative_binomial(12, 12 / (12 + mu_t)), index=months)
        for variance in covered:
            row = wdd(c, t, intervention=months[12], variance=variance).frame.loc["local"]
            covered[variance] += int(row["ci_low"] <= truth <= row["ci_high"])
    assert covered["quasi"] / reps >= 0.93, covered
    assert covered["poisson"] / reps < 0.85, covered
