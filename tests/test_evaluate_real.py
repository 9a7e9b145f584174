"""cs360lib.evaluate on real data: the Baltimore Ceasefire 365 weekends (Phalen et al. 2020).

Baltimore's Part 1 crime file (../shared/data/real/baltimore_part1_crime, see its SOURCE.md)
has no shootings (code 9S) and no homicides (1A) at all in 2014, a whole year of structural
zeros. The daily series of shootings and homicides from 2015 on, with the nine ceasefire
weekends (Friday to Sunday) as an on/off indicator and day-of-week, month and year effects,
should give about half as many on ceasefire days: Phalen, Bridgeford, Gant, Kivisto, Ray &
Fitzgerald (2020), "Baltimore Ceasefire 365: Estimated impact of a recurring community-led
ceasefire on gun violence", American Journal of Public Health 110(4), 554-559, report a 52%
reduction. A single-date fit at the first weekend on the data from 2014, by contrast, is driven
by the missing year and must say so.

The daily series is built here with pandas (``cs360lib.data.series`` builds count series from
events; this test keeps to the frame of counts that ``its`` takes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cs360lib.evaluate import ITS, its

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
FOLDER = DATA / "baltimore_part1_crime"
CODES = ("9S", "1A")  # shootings and homicides (firearm homicide codes 1A; SOURCE.md)
LAST_DAY = "2021-06-30"  # July 2021 is partial (SOURCE.md)


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    path = FOLDER / "baltimore_p1crime_2014_2021.csv.gz"
    if not path.exists():
        pytest.skip(f"real data {path} is absent (needs ../shared/data/real)")
    raw = pd.read_csv(path, usecols=["CrimeDateT", "CrimeCode"], dtype=str)
    raw = raw[raw["CrimeCode"].isin(CODES)]
    raw = raw.assign(day=pd.to_datetime(raw["CrimeDateT"], errors="coerce")).dropna(subset=["day"])
    return raw[(raw["day"] >= "2014-01-01") & (raw["day"] <= LAST_DAY)]


@pytest.fixture(scope="module")
def weekends() -> list[tuple[str, str]]:
    frame = pd.read_csv(FOLDER / "ceasefire_weekends.csv", dtype=str)
    return list(zip(frame["friday"], frame["sunday"], strict=True))


def _daily(events: pd.DataFrame, first: str) -> pd.DataFrame:
    days = pd.date_range(first, LAST_DAY, freq="D")
    counts = events.groupby("day").size().reindex(days, fill_value=0)
    return pd.DataFrame({"day": days, "shootings": counts.to_numpy()})


def _vanished(events: pd.DataFrame) -> pd.DataFrame:
    """Months in which a code is absent while present elsewhere (runs of 3 months or more).

    The intake's vanished-category flag (issue 8), computed here from the events.
    """
    months = pd.period_range("2014-01", LAST_DAY[:7], freq="M")
    rows = []
    for code in CODES:
        counts = (
            events.loc[events["CrimeCode"] == code, "day"]
            .dt.to_period("M")
            .value_counts()
            .reindex(months, fill_value=0)
        )
        zero = counts.to_numpy() == 0
        run_id = np.cumsum(np.r_[True, zero[1:] != zero[:-1]])
        for rid in np.unique(run_id[zero]):
            run = np.flatnonzero(run_id == rid)
            if len(run) >= 3:
                for i in run:
                    rows.append(
                        {
                            "source": "part1",
                            "category": code,
                            "flag": "vanished",
                            "period": months[i].start_time,
                            "end": months[i].end_time.normalize(),
                        }
                    )
    return pd.DataFrame(rows)


@pytest.mark.real
def test_ceasefire_weekends_halve_shootings(
    events: pd.DataFrame, weekends: list[tuple[str, str]]
) -> None:
    daily = _daily(events, "2015-01-01")
    on = np.zeros(len(daily), dtype=int)
    for friday, sunday in weekends:
        on |= ((daily["day"] >= friday) & (daily["day"] <= sunday)).to_numpy()
    daily["ceasefire"] = on
    assert daily["ceasefire"].sum() == 27
    spec = ITS(
        daily,
        time="day",
        outcome="shootings",
        intervention="ceasefire",
        calendar=["dow", "month", "year"],
    )
    res = spec.fit()
    assert res.cov == "ar1"  # the default for a long series
    row = res.effects.loc["ceasefire"]
    assert 0.40 <= row["ratio"] <= 0.65, row
    assert row["ratio_high"] < 1  # the 95% interval excludes no change
    assert "statistically clear" in res.summary()
    assert res.warnings == []
    # the weekends as date ranges give the same pooled effect, and one row per weekend
    by_ranges = its(
        daily,
        time="day",
        outcome="shootings",
        interventions={"ceasefire": weekends},
        calendar=["dow", "month", "year"],
    )
    np.testing.assert_allclose(by_ranges.effects.loc["ceasefire"], row)
    episodes = by_ranges.episodes
    assert len(episodes) == 9 and (episodes["periods"] == 3).all()
    assert episodes["observed"].sum() == daily.loc[on > 0, "shootings"].sum()
    imp = res.impact.loc["cumulative"]
    assert imp["predicted_low"] <= imp["predicted"] <= imp["predicted_high"]
    assert imp["actual"] < imp["predicted"]


@pytest.mark.real
def test_a_single_date_fit_on_the_missing_year_is_warned_about(
    events: pd.DataFrame, weekends: list[tuple[str, str]]
) -> None:
    flags = _vanished(events)
    flagged_2014 = flags[flags["period"].dt.year == 2014]
    assert set(flagged_2014["category"]) == set(CODES) and len(flagged_2014) == 24
    daily = _daily(events, "2014-01-01")
    res = its(
        daily,
        time="day",
        outcome="shootings",
        intervention=weekends[0][0],
        coverage=flags,
    )
    zero_run = [w for w in res.warnings if "starts with 365 periods without any event" in w]
    assert zero_run and "2014-01-01 to 2014-12-31" in zero_run[0]
    coverage = [w for w in res.warnings if "data checks flag" in w]
    assert coverage and "part1 9S vanished: 12 period(s), 2014-01-01 to 2014-12-31" in coverage[0]
    text = res.summary()
    for warning in zero_run + coverage:
        assert f"Warning: {warning}" in text
