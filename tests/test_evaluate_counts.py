"""Tests for cs360lib.evaluate.counts: E-test, rate-ratio test and its power."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from cs360lib.evaluate import (
    EvaluationInputError,
    e_test,
    power_rate_ratio,
    rate_ratio_test,
)


def test_e_test_published_values() -> None:
    # Krishnamoorthy & Thomson (2004): two-sided p values reproduce the published ones
    assert round(e_test(0, 3).p_value, 3) == 0.088
    assert round(e_test(6, 2).p_value, 3) == 0.175
    # the one-sided version does not: 0.087 for (6, 2)
    assert round(e_test(6, 2, alternative="greater").p_value, 3) == 0.087


def test_e_test_agrees_with_scipy() -> None:
    for k1, k2, n1, n2 in [(10, 20, 1, 2), (3, 15, 2, 3), (30, 12, 1, 1)]:
        ours = e_test(k1, k2, n1, n2).p_value
        ref = stats.poisson_means_test(k1, n1, k2, n2).pvalue
        assert ours == pytest.approx(ref, rel=1e-6)
    r = e_test(6, 2)
    assert r.to_frame()["rate1"].iloc[0] == 6
    assert "could easily happen by chance" in r.summary()
    r.chart().to_dict()


def test_e_test_bad_input() -> None:
    with pytest.raises(EvaluationInputError, match="k1 must be a whole count"):
        e_test(2.5, 3)
    with pytest.raises(EvaluationInputError, match="n2 must be > 0"):
        e_test(2, 3, 1, 0)


def test_rate_ratio_test() -> None:
    r = rate_ratio_test(40, 25, pre_exposure=12, post_exposure=12)
    assert r.ratio == pytest.approx(25 / 40)
    assert r.p_value == pytest.approx(stats.binomtest(25, 65, 0.5).pvalue)
    assert r.ci_low < r.ratio < r.ci_high
    assert r.ci_low < 1 < r.ci_high and "could be chance" in r.summary()
    # exact interval: inverse of the Clopper-Pearson interval for the binomial proportion
    ci = stats.binomtest(25, 65).proportion_ci(0.95, method="exact")
    assert r.ci_low == pytest.approx(ci.low / (1 - ci.low))
    strong = rate_ratio_test(60, 12, pre_exposure=12, post_exposure=6, alternative="less")
    assert strong.ratio == pytest.approx((12 / 6) / (60 / 12))
    assert strong.p_value == pytest.approx(stats.binom.cdf(12, 72, 6 / 18))
    assert strong.p_value < 0.05
    r.chart().to_dict()
    with pytest.raises(EvaluationInputError):
        rate_ratio_test(0, 0)


def test_power_rate_ratio_matches_simulation() -> None:
    res = power_rate_ratio(20, [0.5, 1.0], alpha=0.05)
    p_half, p_null = res.frame["power"]
    rng = np.random.default_rng(11)
    pre = rng.poisson(20, 4000)
    post = rng.poisson(10, 4000)
    sim = np.mean(
        [stats.binomtest(b, a + b, 0.5).pvalue <= 0.05 for a, b in zip(pre, post, strict=True)]
    )
    assert p_half == pytest.approx(sim, abs=0.025)
    assert p_null <= 0.05  # exact test is conservative
    assert "0.50 times" in res.summary()
    res.chart().to_dict()
    more = power_rate_ratio(80, 0.5)
    assert more.frame["power"].iloc[0] > p_half


def test_e_test_is_statsmodels_etest_also_for_a_nonzero_difference() -> None:
    from statsmodels.stats.rates import etest_poisson_2indep

    r = e_test(6, 2, d=0.5, alternative="greater")
    stat, p = etest_poisson_2indep(6, 1, 2, 1, value=0.5, method="wald", compare="diff",
                                   alternative="larger")  # fmt: skip
    assert r.statistic == pytest.approx(stat) and r.p_value == pytest.approx(p, rel=1e-9)
    assert r.warnings == []


def test_rate_ratio_with_no_events_before_is_said_in_words() -> None:
    r = rate_ratio_test(0, 7)
    assert r.ratio == np.inf and r.ci_high == np.inf
    text = r.summary()
    assert "no events before" in text and "inf" not in text
    assert r.warnings == []  # the infinite ratio is expected, not a problem of the test
