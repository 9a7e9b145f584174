"""Design terms of cs360lib.evaluate.ITS: steps, indicators, controls, calendar, seasonality.

Series are simulated with a known truth (seeded) so each term's estimate can be checked
against what was planted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cs360lib.evaluate import ITS, EvaluationInputError, its, simulate_counts


def _daily(n: int = 1200, seed: int = 0, start: str = "2018-01-01") -> pd.DataFrame:
    """A daily count series with weekday and yearly patterns, and a planted recurring response.

    Weekends run 30% higher; a yearly wave of +/-20%; the response is on for three-day
    episodes every 60 days and multiplies the rate by 0.6 while on; a control (temperature)
    adds 1% per degree.
    """
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, periods=n, freq="D")
    t = np.arange(n)
    weekend = (days.dayofweek >= 5).astype(float)
    temperature = 15 + 10 * np.sin(2 * np.pi * (t - 100) / 365.25) + rng.normal(0, 3, n)
    on = ((t % 60) < 3) & (t > 200)
    log_mu = (
        np.log(6)
        + 0.3 * weekend
        + 0.2 * np.sin(2 * np.pi * t / 365.25)
        + 0.01 * (temperature - 15)
        + np.log(0.6) * on
    )
    y = simulate_counts(np.exp(log_mu), nb_alpha=0.05, rng=rng)
    return pd.DataFrame(
        {"day": days, "count": y.astype(int), "on": on.astype(int), "temperature": temperature}
    )


@pytest.fixture(scope="module")
def daily() -> pd.DataFrame:
    return _daily()


def test_indicator_column_is_the_pooled_rate_ratio(daily: pd.DataFrame) -> None:
    res = its(
        daily,
        time="day",
        outcome="count",
        intervention="on",
        calendar=["dow"],
        seasonality={365.25: 1},
        controls=["temperature"],
    )
    row = res.effects.loc["on"]
    assert row["ratio_low"] < 0.6 < row["ratio_high"] and row["ratio_high"] < 1
    temp = res.effects.loc["temperature"]
    assert temp["ratio_low"] < 1.01 < temp["ratio_high"]
    assert {"slope_change", "level_change"}.isdisjoint(res.effects.index)
    assert res.n_post == int(daily["on"].sum())
    assert "While on was on" in res.summary() and "statistically clear" in res.summary()
    # several seasonal periods at once: weekly and yearly Fourier terms
    both = its(daily, time="day", outcome="count", intervention="on", seasonality={7: 2, 365.25: 2})
    assert {"sin1_7", "cos2_7", "sin1_365.25"} <= set(both._design.names)
    assert both.effects.loc["on", "ratio_high"] < 1


def test_indicator_from_ranges_series_or_column_agree(daily: pd.DataFrame) -> None:
    on_days = daily.loc[daily["on"] > 0, "day"]
    runs = (on_days.diff() != pd.Timedelta(days=1)).cumsum()
    ranges = [(g.iloc[0], g.iloc[-1]) for _, g in on_days.groupby(runs)]
    kw = dict(time="day", outcome="count", calendar=["dow"])
    by_column = its(daily, intervention="on", **kw)
    by_ranges = its(daily, intervention=ranges, **kw)
    by_series = its(daily, intervention=daily["on"].astype(bool).rename("on"), **kw)
    frame = pd.DataFrame(ranges, columns=["start", "end"])
    by_frame = its(daily, interventions={"on": frame}, **kw)
    expected = by_column.effects.loc["on"]
    for res, name in [(by_ranges, "response"), (by_series, "on"), (by_frame, "on")]:
        np.testing.assert_allclose(res.effects.loc[name], expected)


def test_episodes_table(daily: pd.DataFrame) -> None:
    res = its(daily, time="day", outcome="count", intervention="on", calendar=["dow"])
    ep = res.episodes
    assert len(ep) == daily["on"].diff().eq(1).sum()
    assert (ep["periods"] == 3).all() and list(ep["episode"]) == list(range(1, len(ep) + 1))
    assert ep["observed"].sum() == daily.loc[daily["on"] > 0, "count"].sum()
    assert (ep["expected_low"] <= ep["expected"]).all()
    assert (ep["expected"] <= ep["expected_high"]).all()
    np.testing.assert_allclose(ep["ratio"], ep["observed"] / ep["expected"])
    assert ep["expected"].sum() == pytest.approx(res.impact.loc["cumulative", "predicted"])
    # weekly data: a three-day episode covers part of a week, counted by its share
    weekly = (
        daily.set_index("day")
        .resample("W-SUN", label="left", closed="left")
        .agg({"count": "sum", "on": "mean"})
        .reset_index()
    )
    weekly = weekly.iloc[1:-1]  # whole weeks only
    week_res = its(weekly, time="day", outcome="count", intervention="on")
    assert week_res.interventions[0].share.max() <= 1
    assert 0 < week_res.effects.loc["on", "ratio"] < 1


def test_several_steps_named_after_the_interventions() -> None:
    rng = np.random.default_rng(3)
    months = pd.date_range("2016-01-01", periods=96, freq="MS")
    t = np.arange(96)
    mu = 50 * np.exp(-0.2 * (t >= 36) - 0.3 * (t >= 66))
    df = pd.DataFrame({"month": months, "n": simulate_counts(mu, nb_alpha=0.01, rng=rng)})
    res = its(
        df,
        time="month",
        outcome="n",
        interventions={"patrols": "2019-01-01", "lighting": {"start": "2021-07-01"}},
        slope_change=False,
    )
    e = res.effects
    assert list(e.index) == [
        "baseline",
        "pre_trend",
        "patrols_level_change",
        "lighting_level_change",
    ]
    assert (
        e.loc["patrols_level_change", "ratio_low"]
        < np.exp(-0.2)
        < e.loc["patrols_level_change", "ratio_high"]
    )
    assert (
        e.loc["lighting_level_change", "ratio_low"]
        < np.exp(-0.3)
        < e.loc["lighting_level_change", "ratio_high"]
    )
    assert res.table().data.iloc[2, 0] == "Change in level (patrols)"
    text = res.summary()
    assert "(patrols) began" in text and "(lighting) began" in text
    # with slope terms: each step has its own change in trend and post-trend
    slopes = its(df, time="month", outcome="n", interventions=["2019-01-01", "2021-07-01"])
    assert {"response_1_slope_change", "response_2_post_trend"} <= set(slopes.effects.index)
    post2 = slopes.effects.loc["response_2_post_trend", "estimate"]
    parts = slopes.effects.loc[["pre_trend", "response_1_slope_change", "response_2_slope_change"]]
    assert post2 == pytest.approx(parts["estimate"].sum())


def test_temporary_intervention_as_a_start_and_end() -> None:
    rng = np.random.default_rng(8)
    weeks = pd.date_range("2019-01-07", periods=150, freq="W-MON")
    on = (weeks >= "2020-03-02") & (weeks <= "2020-08-31")
    mu = 20 * np.exp(np.log(0.7) * on)
    df = pd.DataFrame({"week": weeks, "n": simulate_counts(mu, nb_alpha=0.02, rng=rng)})
    res = its(
        df,
        time="week",
        outcome="n",
        interventions={"surge": {"start": "2020-03-02", "end": "2020-09-06"}},
    )
    row = res.effects.loc["surge"]
    assert row["ratio_low"] < 0.7 < row["ratio_high"] < 1
    assert res.n_post == int(on.sum())
    assert len(res.episodes) == 1


def test_fit_carries_the_effects_covariance_for_every_choice(daily: pd.DataFrame) -> None:
    spec = ITS(daily, time="day", outcome="count", intervention="on", calendar=["dow"])
    assert spec.default_cov() == "ar1"
    for cov in ("ar1", "model", "hac"):
        res = spec.fit(cov)
        j = res.fit.model.exog_names.index("on")
        assert res.fit.bse[j] == pytest.approx(res.effects.loc["on", "se"])
        low, high = np.asarray(res.fit.conf_int())[j]
        assert low == pytest.approx(res.effects.loc["on", "ci_low"])
        assert high == pytest.approx(res.effects.loc["on", "ci_high"])
        assert "on" in res.fit.summary().as_text()
        assert res.cov == cov
    assert spec.fit("ar1").ar1_rho is not None
    with pytest.raises(EvaluationInputError, match="cov must be one of"):
        spec.fit("newey")
    with pytest.raises(EvaluationInputError, match="hac_lags goes with cov='hac'"):
        spec.fit("ar1", hac_lags=2)


def test_calendar_and_collinear_terms_are_refused_by_name() -> None:
    months = pd.date_range("2018-01-01", periods=48, freq="MS")
    df = pd.DataFrame({"month": months, "n": np.arange(48) % 9 + 10})
    with pytest.raises(EvaluationInputError, match=r"'dow' needs day periods"):
        ITS(df, time="month", outcome="n", intervention="2020-01-01", calendar=["dow"])
    with pytest.raises(EvaluationInputError, match="calendar terms must be among"):
        ITS(df, time="month", outcome="n", intervention="2020-01-01", calendar=["weekday"])
    with pytest.raises(EvaluationInputError, match="cannot be told apart.*year"):
        ITS(df, time="month", outcome="n", intervention="2020-01-01", calendar=["year"])
    with pytest.raises(EvaluationInputError, match="control column 'c' is constant"):
        ITS(df.assign(c=1.0), time="month", outcome="n", intervention="2020-01-01", controls=["c"])
    with pytest.raises(EvaluationInputError, match="control column 'x' not found"):
        ITS(df, time="month", outcome="n", intervention="2020-01-01", controls=["x"])


def test_bad_interventions_are_refused_by_name(daily: pd.DataFrame) -> None:
    kw = dict(time="day", outcome="count")
    with pytest.raises(EvaluationInputError, match="not both"):
        ITS(daily, intervention="on", interventions={"a": "on"}, **kw)
    with pytest.raises(EvaluationInputError, match="never on"):
        ITS(daily.assign(off=0), intervention="off", **kw)
    with pytest.raises(EvaluationInputError, match="on in every period"):
        ITS(daily.assign(all_on=1), intervention="all_on", **kw)
    with pytest.raises(EvaluationInputError, match="must be 0/1.*rows 4"):
        ITS(daily.assign(bad=np.where(daily.index == 4, 2, 0)), intervention="bad", **kw)
    with pytest.raises(EvaluationInputError, match="must be distinct"):
        ITS(daily, interventions={"baseline": "on"}, **kw)
    with pytest.raises(EvaluationInputError, match="range 1 ends"):
        ITS(daily, intervention=[("2019-05-03", "2019-05-01")], **kw)
    with pytest.raises(EvaluationInputError, match="'ceasefire_day' is neither a column"):
        ITS(daily, intervention="ceasefire_day", **kw)
    # no response: a description of the series (for power_its), which cannot be fitted
    spec = ITS(daily, **kw)
    with pytest.raises(EvaluationInputError, match="no response to evaluate"):
        spec.fit()


def test_panel_with_an_indicator() -> None:
    rng = np.random.default_rng(5)
    days = pd.date_range("2020-01-01", periods=400, freq="D")
    on = (np.arange(400) % 50 < 4) & (np.arange(400) > 100)
    frames = []
    for area, ratio in (("target", 0.5), ("other", 1.0), ("third", 1.0)):
        mu = 8 * np.exp(np.log(ratio) * on)
        frames.append(
            pd.DataFrame(
                {"day": days, "area": area, "n": simulate_counts(mu, rng=rng), "on": on.astype(int)}
            )
        )
    panel = pd.concat(frames, ignore_index=True)
    res = its(panel, time="day", outcome="n", intervention="on", group="area", treated="target")
    row = res.effects.loc["diff_on"]
    assert row["ratio_low"] < 0.5 < row["ratio_high"] < 1
    assert res.effects.loc["on", "ratio_low"] < 1 < res.effects.loc["on", "ratio_high"]
    assert "relative to the comparison" in res.summary()
