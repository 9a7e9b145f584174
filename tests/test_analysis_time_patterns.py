"""Time patterns: hour by weekday, seasonal index, aoristic weighting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cs360lib.analysis import aoristic, hour_weekday, seasonality
from cs360lib.errors import AnalysisInputError
from cs360lib.publish.charts import chart_to_svg


def test_hour_weekday_counts_by_hand():
    when = pd.to_datetime(["2024-03-04 10:15", "2024-03-04 10:59", "2024-03-10 23:00"])
    res = hour_weekday(pd.DataFrame({"occurred_at": when}))
    assert res.counts.loc["Monday", 10] == 2  # 4 March 2024 was a Monday
    assert res.counts.loc["Sunday", 23] == 1
    assert res.n_events == 3
    f = res.to_frame()
    assert len(f) == 168 and f["share"].sum() == pytest.approx(1)
    assert list(res.table().data.columns[:3]) == ["Day", "00", "01"]
    assert "Mondays 10:00-11:00" in res.summary()


def test_many_events_at_midnight_are_flagged():
    rng = np.random.default_rng(0)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, 200), unit="D")
    minutes = pd.to_timedelta(rng.integers(1, 24 * 60, 200), unit="min")
    when = pd.Series(days + minutes)
    when.iloc[:40] = when.iloc[:40].dt.normalize()
    res = hour_weekday(pd.DataFrame({"occurred_at": when}))
    assert any("exactly 00:00" in w for w in res.warnings)
    clean = hour_weekday(pd.DataFrame({"occurred_at": pd.Series(days + minutes)}))
    assert not clean.warnings


def test_seasonal_index_by_hand():
    # 2 full years; 2 events a day in July, 1 a day otherwise
    days = pd.date_range("2022-01-01", "2023-12-31", freq="D")
    per_day = np.where(days.month == 7, 2, 1)
    when = np.repeat(days, per_day) + pd.Timedelta(hours=12)
    res = seasonality(pd.DataFrame({"occurred_at": when}))
    overall = per_day.sum() / len(days)
    idx = res.to_frame().set_index("month")["index"]
    assert idx["July"] == pytest.approx(2 / overall)
    assert idx["January"] == pytest.approx(1 / overall)
    assert len(res.monthly) == 24 and not res.warnings
    assert "July" in res.summary() and "nan" not in res.summary().lower()
    assert "<svg" in chart_to_svg(res.chart())


def test_partial_months_are_left_out_and_short_data_warned():
    when = pd.date_range("2024-01-15", "2024-04-10", freq="6h")
    res = seasonality(pd.DataFrame({"occurred_at": when}))
    assert list(res.monthly["month"].dt.month) == [2, 3]
    assert res.index.set_index("month").loc["January", "days"] == 0
    assert any("two years" in w for w in res.warnings)
    assert res.table().data["Seasonal index"].iloc[0] == "not available"
    with pytest.raises(AnalysisInputError, match="no complete month"):
        seasonality(pd.DataFrame({"occurred_at": pd.date_range("2024-01-03", periods=5)}))


def test_aoristic_weights_by_hand():
    ev = pd.DataFrame(
        {
            # Monday 4 March 2024 10:30 to 12:15
            "occurred_at": pd.to_datetime(["2024-03-04 10:30"]),
            "occurred_to": pd.to_datetime(["2024-03-04 12:15"]),
        }
    )
    r = aoristic(ev, end_col="occurred_to")
    w = r.weighted.loc["Monday"]
    assert w[10] == w[11] == w[12] == pytest.approx(1 / 3)
    assert r.naive.loc["Monday", 10] == 1
    p = aoristic(ev, end_col="occurred_to", method="proportional").weighted.loc["Monday"]
    assert (p[10], p[11], p[12]) == pytest.approx((30 / 105, 60 / 105, 15 / 105))


def test_aoristic_wraps_the_week_and_folds_long_windows():
    ev = pd.DataFrame(
        {
            # Sunday 22:00 to Monday 01:30, and a 3-week window
            "occurred_at": pd.to_datetime(["2024-03-10 22:00", "2024-03-04 00:00"]),
            "occurred_to": pd.to_datetime(["2024-03-11 01:30", "2024-03-25 00:00"]),
        }
    )
    r = aoristic(ev, end_col="occurred_to")
    assert r.weighted.to_numpy().sum() == pytest.approx(2)
    # brute force: every hour touched, equal shares
    expect = np.zeros(168)
    for s, e in zip(ev["occurred_at"], ev["occurred_to"], strict=True):
        hours = pd.date_range(s.floor("h"), e.floor("h"), freq="h")
        np.add.at(expect, (hours.dayofweek * 24 + hours.hour).to_numpy(), 1 / len(hours))
    np.testing.assert_allclose(r.weighted.to_numpy().ravel(), expect)
    assert r.n_windows == 2


def test_aoristic_against_a_minute_by_minute_count():
    rng = np.random.default_rng(2)
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 60 * 24 * 90, 300), "min")
    end = start + pd.to_timedelta(rng.integers(0, 60 * 30, 300), "min")
    ev = pd.DataFrame({"occurred_at": start, "occurred_to": end})
    r = aoristic(ev, end_col="occurred_to", method="proportional")
    expect = np.zeros(168)
    for s, e in zip(start, end, strict=True):
        minutes = pd.date_range(s, e, freq="min", inclusive="left") if e > s else [s]
        minutes = pd.DatetimeIndex(minutes)
        np.add.at(expect, (minutes.dayofweek * 24 + minutes.hour).to_numpy(), 1 / len(minutes))
    np.testing.assert_allclose(r.weighted.to_numpy().ravel(), expect, atol=1e-9)


def test_aoristic_reports_odd_windows_and_compares_in_words():
    rng = np.random.default_rng(1)
    start = pd.Timestamp("2024-01-01 08:00") + pd.to_timedelta(rng.integers(0, 90, 200), "D")
    ev = pd.DataFrame({"occurred_at": start, "occurred_to": start + pd.Timedelta(hours=9)})
    ev.loc[0, "occurred_to"] = ev.loc[0, "occurred_at"] - pd.Timedelta(hours=1)
    ev.loc[1, "occurred_to"] = ev.loc[1, "occurred_at"] + pd.Timedelta(days=40)
    ev.loc[2, "occurred_to"] = pd.NaT
    r = aoristic(ev, end_col="occurred_to", max_window="7D")
    assert any("end before they start" in w for w in r.warnings)
    assert any("longer than 7 days" in w for w in r.warnings)
    assert r.weighted.to_numpy().sum() == pytest.approx(199)
    text = r.summary()
    assert "08:00-09:00" in text and "aoristic" in text
    assert "nan" not in text.lower()
    assert list(r.table().data.columns) == [
        "Hour",
        "At the start time",
        "Spread over the window (aoristic)",
    ]
    assert "<svg" in chart_to_svg(r.chart())


def test_aoristic_errors():
    ev = pd.DataFrame({"occurred_at": pd.to_datetime(["2024-01-01"])})
    with pytest.raises(AnalysisInputError, match="no column 'occurred_to'"):
        aoristic(ev, end_col="occurred_to")
    ev["occurred_to"] = "tomorrow"
    with pytest.raises(AnalysisInputError, match="not date-times"):
        aoristic(ev, end_col="occurred_to")
    ev["occurred_to"] = ev["occurred_at"]
    with pytest.raises(AnalysisInputError, match="method"):
        aoristic(ev, end_col="occurred_to", method="median")
