"""Time alignment in cs360lib.evaluate: time zones, week labels, Period starts, date text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cs360lib.evaluate import ITS, EvaluationInputError, its, simulate_counts


@pytest.fixture(scope="module")
def monthly() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    months = pd.date_range("2018-01-01", periods=60, freq="MS")
    mu = 40 * np.exp(np.log(0.7) * (np.arange(60) >= 36))
    return pd.DataFrame({"month": months, "n": simulate_counts(mu, nb_alpha=0.02, rng=rng)})


def test_aware_times_and_their_naive_local_twin_agree(monthly: pd.DataFrame) -> None:
    base = its(monthly, time="month", outcome="n", intervention="2021-01-01")
    for zone in ("America/Chicago", "Europe/Berlin", "Asia/Tokyo"):
        local = monthly["month"].dt.tz_localize(zone)
        utc = monthly.assign(month=local.dt.tz_convert("UTC"))
        res = its(utc, time="month", outcome="n", intervention="2021-01-01", timezone=zone)
        pd.testing.assert_frame_equal(res.effects, base.effects)
        assert any(f"converted from UTC to {zone}" in n for n in res.notes)
        # a zone's own wall time is kept when no other zone is asked for
        own = its(monthly.assign(month=local), time="month", outcome="n", intervention="2021-01")
        pd.testing.assert_frame_equal(own.effects, base.effects)
    # UTC times off midnight without a time zone: their wall time is not the local month
    berlin_in_utc = monthly.assign(
        month=monthly["month"].dt.tz_localize("Europe/Berlin").dt.tz_convert("UTC")
    )
    with pytest.raises(EvaluationInputError, match="UTC times off midnight.*timezone="):
        its(berlin_in_utc, time="month", outcome="n", intervention="2021-01-01")
    with pytest.raises(EvaluationInputError, match="not a time zone name"):
        its(monthly, time="month", outcome="n", intervention="2021-01-01", timezone="Chicago")


def test_offsets_that_change_with_daylight_saving_are_read(monthly: pd.DataFrame) -> None:
    local = monthly["month"].dt.tz_localize("America/Chicago")
    text = monthly.assign(month=local.map(lambda ts: ts.isoformat()))
    assert text["month"].str.endswith("-06:00").any() and text["month"].str.endswith("-05:00").any()
    res = its(
        text, time="month", outcome="n", intervention="2021-01-01", timezone="America/Chicago"
    )
    base = its(monthly, time="month", outcome="n", intervention="2021-01-01")
    pd.testing.assert_frame_equal(res.effects, base.effects)


def _events_weekly() -> pd.Series:
    rng = np.random.default_rng(4)
    days = pd.date_range("2021-01-04", "2023-12-31", freq="D")
    rate = np.where(days >= "2023-04-10", 3.0, 5.0)
    return pd.Series(rng.poisson(rate), index=days)


def test_week_ends_and_week_starts_give_the_same_first_post_period() -> None:
    daily = _events_weekly()
    by_end = daily.resample("W").sum().rename_axis("week").reset_index(name="n")  # Sunday ends
    by_start = (
        daily.resample("W-MON", closed="left", label="left")
        .sum()
        .rename_axis("week")
        .reset_index(name="n")
    )
    assert (by_end["week"].dt.dayofweek == 6).all()
    assert (by_start["week"].dt.dayofweek == 0).all()
    start = "2023-04-05"  # a Wednesday: the first week wholly under it is 10-16 April
    a = its(by_end, time="week", outcome="n", intervention=start)
    b = its(by_start, time="week", outcome="n", intervention=start)
    assert a.intervention == b.intervention == "week 2023-04-10 to 2023-04-16"
    assert a.n_pre == b.n_pre
    pd.testing.assert_frame_equal(a.effects, b.effects)
    assert any("read as the last day of each week" in n for n in a.notes)
    # declared: Sunday labels that are week starts (US weeks Sunday to Saturday)
    declared = its(by_end, time="week", outcome="n", intervention=start, label="start")
    assert declared.intervention == "week 2023-04-09 to 2023-04-15"
    # weekly periods (pandas Period) are read by their first day
    as_period = by_start.assign(week=by_start["week"].dt.to_period("W-SUN"))
    c = its(as_period, time="week", outcome="n", intervention=pd.Period("2023-04-10", "W-SUN"))
    assert c.intervention == a.intervention
    pd.testing.assert_frame_equal(c.effects, a.effects)


def test_period_interventions(monthly: pd.DataFrame) -> None:
    base = its(monthly, time="month", outcome="n", intervention="2021-01-01")
    res = its(monthly, time="month", outcome="n", intervention=pd.Period("2021-01", "M"))
    pd.testing.assert_frame_equal(res.effects, base.effects)
    # a start during a day: the next day is the first wholly under the response
    days = pd.DataFrame(
        {"day": pd.date_range("2022-01-01", periods=60, freq="D"), "n": np.arange(60) % 7 + 5}
    )
    spec = ITS(days, time="day", outcome="n", intervention="2022-02-01 18:00")
    assert spec.interventions[0].start_text == "2022-02-02"


def test_day_first_text_dates_get_a_message_that_names_the_format(monthly: pd.DataFrame) -> None:
    days = pd.date_range("2022-01-01", periods=90, freq="D")
    df = pd.DataFrame({"date": days.strftime("%d/%m/%Y"), "n": np.arange(90) % 5 + 3})
    with pytest.raises(EvaluationInputError, match=r"day first \(DD/MM/YYYY.*format='%d/%m/%Y'"):
        its(df, time="date", outcome="n", intervention="2022-02-15")
    first_of_month = monthly.assign(month=monthly["month"].dt.strftime("%d.%m.%Y"))
    with pytest.raises(EvaluationInputError, match=r"DD\.MM\.YYYY"):
        its(first_of_month, time="month", outcome="n", intervention="2021-01-01")
    # month first (US) dates are unambiguous once a day passes 12, and are read
    us = df.assign(date=days.strftime("%m/%d/%Y"))
    res = its(us, time="date", outcome="n", intervention="2022-02-15", cov="model")
    iso = its(
        df.assign(date=days), time="date", outcome="n", intervention="2022-02-15", cov="model"
    )
    pd.testing.assert_frame_equal(res.effects, iso.effects)
    ambiguous = pd.DataFrame({"d": ["01/02/2022", "02/03/2022", "03/04/2022"], "n": [1, 2, 3]})
    with pytest.raises(EvaluationInputError, match="cannot be told apart"):
        its(ambiguous, time="d", outcome="n", intervention="2022-03-01")
