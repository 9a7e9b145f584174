"""Tests for cs360lib.evaluate.power: power_its and the series simulator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cs360lib.evaluate import (
    ITS,
    EvaluationInputError,
    Scenario,
    power_its,
    simulate_counts,
    simulate_its,
)


def test_power_increases_with_effect_and_is_seeded() -> None:
    kw = dict(level=40, n_pre=36, post_periods=(6, 24), dispersion=1.5, n_sims=120, seed=5)
    small = power_its(effect=-0.1, **kw)
    large = power_its(effect=-0.4, **kw)
    assert (large.frame["power"] > small.frame["power"]).all()
    again = power_its(effect=-0.1, **kw)
    pd.testing.assert_frame_equal(small.frame, again.frame)
    assert large.required_post_periods == 6
    assert large.frame["power"].iloc[0] >= 0.8
    assert "periods after the start are needed" in large.summary()
    assert "below the 80% target" in small.summary() or small.required_post_periods


def test_power_from_pre_series() -> None:
    df = simulate_its(
        n_pre=36, n_post=1, level=30, seasonal_amplitude=0.3, dispersion=2.0, seed=2
    ).iloc[:36]
    res = power_its(
        df,
        time="month",
        outcome="count",
        seasonality=1,
        effect=-0.3,
        post_periods=(12,),
        n_sims=60,
        seed=1,
    )
    s = res.settings
    assert s["n_pre"] == 36
    assert 1.3 < s["dispersion"] < 3.5
    assert 20 < s["level"] < 45
    row = res.frame.iloc[0]
    assert 0.6 < row["mean_ratio"] < 0.8 and row["n_fitted"] == 60
    res.chart().to_dict()
    # an array of counts works too
    arr = power_its(df["count"].to_numpy(), effect=-0.3, post_periods=(12,), n_sims=20)
    assert arr.settings["n_pre"] == 36


def test_power_bad_input() -> None:
    with pytest.raises(EvaluationInputError, match="level"):
        power_its(effect=-0.2)
    with pytest.raises(EvaluationInputError, match="effect"):
        power_its(level=10, n_pre=24, effect=0)
    bad = pd.DataFrame(
        {
            "m": pd.date_range("2020-01-01", periods=12, freq="MS"),
            "y": [1, 2, 3, -1, 2, 3, 4, 2, 1, 2, 3, 2],
        }
    )
    with pytest.raises(EvaluationInputError, match="negative counts in rows 3"):
        power_its(bad, time="m", outcome="y")


def test_simulate_counts_moments() -> None:
    rng = np.random.default_rng(0)
    mu = np.full((20000, 2), 25.0)
    y = simulate_counts(mu, dispersion=2.0, autocorrelation=0.6, rng=rng)
    assert y.mean() == pytest.approx(25, rel=0.02)
    assert y.var() / y.mean() == pytest.approx(2.0, rel=0.05)
    assert np.corrcoef(y[:, 0], y[:, 1])[0, 1] > 0.2
    with pytest.raises(EvaluationInputError):
        simulate_counts(mu, dispersion=0.5, rng=rng)


def test_fit_warnings_of_the_simulations_are_counted_on_the_result() -> None:
    # about one event a period: negative binomial fits of such counts often fail
    res = power_its(level=1.0, n_pre=12, family="negbin", post_periods=(6,), n_sims=30, seed=2)
    assert res.warnings and all(w.startswith("In ") for w in res.warnings)
    assert any("did not converge" in w for w in res.warnings)
    assert all(" of 30 simulated evaluations: " in w for w in res.warnings)
    for warning in res.warnings:
        assert f"Warning: {warning}" in res.summary()
    clean = power_its(level=40, n_pre=24, post_periods=(12,), n_sims=20, seed=1)
    assert clean.warnings == []


def test_power_from_a_specification_and_a_scenario() -> None:
    history = simulate_its(
        n_pre=36, n_post=1, level=30, seasonal_amplitude=0.3, dispersion=2.0, seed=2
    ).iloc[:36]
    spec = ITS(history, time="month", outcome="count", seasonality=1, slope_change=False)
    kw = dict(post_periods=(12, 24), n_sims=40, seed=1)
    new = power_its(spec, Scenario(effect=-0.3), **kw)
    old = power_its(history, time="month", outcome="count", seasonality=1, effect=-0.3, **kw)
    pd.testing.assert_frame_equal(new.frame, old.frame)
    assert new.settings["cov"] == "auto" and new.settings["n_pre"] == 36
    # the scenario overrides what is estimated from the series
    noisy = power_its(spec, Scenario(effect=-0.3, dispersion=4.0, autocorrelation=0.5), **kw)
    assert noisy.settings["dispersion"] == 4.0 and noisy.settings["autocorrelation"] == 0.5
    assert (noisy.frame["power"] <= new.frame["power"]).all()
    # a specification with a response uses the periods before it
    full = simulate_its(n_pre=30, n_post=12, level=30, dispersion=1.5, seed=4)
    fitted = ITS(full, time="month", outcome="count", intervention=full.attrs["intervention"])
    assert power_its(fitted, Scenario(effect=-0.3), **kw).settings["n_pre"] == 30
    with pytest.raises(EvaluationInputError, match="single step"):
        power_its(ITS(full, time="month", outcome="count", calendar=["month"]), Scenario())
    with pytest.raises(EvaluationInputError, match="counts"):
        power_its(ITS(full, time="month", outcome="count", family="gaussian"), Scenario())


def test_power_covariance_follows_the_analysis() -> None:
    kw = dict(level=30, n_pre=36, post_periods=(12,), dispersion=1.5, n_sims=40, seed=3)
    default = power_its(autocorrelation=0.5, **kw)
    model = power_its(autocorrelation=0.5, cov="model", **kw)
    ar1 = power_its(autocorrelation=0.5, ar1_errors=True, **kw)
    pd.testing.assert_frame_equal(default.frame, ar1.frame)  # ar1 from 24 periods, as ITS.fit
    assert model.frame["coverage"].iloc[0] < ar1.frame["coverage"].iloc[0]
    with pytest.raises(EvaluationInputError, match="contradicts"):
        power_its(cov="model", hac_lags=2, **kw)
