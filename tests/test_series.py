"""data.series: events become counts, zero-filled inside the covered range, gaps honoured."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cs360lib as cs
from cs360lib import load
from cs360lib.data.series import count_series, filter_mask
from cs360lib.errors import SeriesError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "engagement.yml"
PHILADELPHIA = ROOT.parent / "shared" / "data" / "real" / "philadelphia_incidents"


@pytest.fixture(scope="module")
def sample():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # the sample's deprecated publishing keys
        eng = cs.Engagement.load(SAMPLE)
    return eng, cs.load_engagement(eng)


def _incidents(days: pd.DatetimeIndex, per_day: int, offense: str = "Theft") -> pd.DataFrame:
    rows = [
        (f"{offense}-{d:%Y%m%d}-{k}", d + pd.Timedelta(hours=9), offense, "A1" if k % 2 else "A2")
        for d in days
        for k in range(per_day)
    ]
    return pd.DataFrame(rows, columns=["incident_id", "occurred_at", "offense", "beat"])


def test_sample_days_without_robbery_are_zero_and_no_day_is_past_the_data(sample) -> None:
    _, sources = sample
    incidents = sources["incidents"]
    series = count_series(
        incidents, name="incidents", period="day", by="beat", filter={"offense": ["Street robbery"]}
    )
    data = incidents.data
    robbery = data[data["offense"] == "Street robbery"]
    wide = series.wide()
    assert list(wide.index) == list(pd.date_range("2020-01-01", "2024-12-31", freq="D"))
    assert list(wide.columns) == sorted(data["beat"].dropna().astype(str).unique())
    assert (wide == 0).to_numpy().sum() > 0.8 * wide.size  # most beat-days have none
    expected = robbery.groupby(
        [robbery["occurred_at"].dt.normalize(), robbery["beat"].astype(str)]
    ).size()
    stacked = wide.stack()
    assert stacked[stacked > 0].astype(int).sort_index().equals(expected.sort_index().astype(int))
    assert series.total().sum() == len(robbery)
    assert series.categories == ("Street robbery",)
    later = count_series(
        incidents,
        name="incidents",
        period="day",
        filter={"offense": ["Street robbery"]},
        start="2019-06-01",
        end="2030-01-01",
    )
    assert later.start == pd.Timestamp("2020-01-01") and later.end == pd.Timestamp("2024-12-31")
    assert any("starts on 2020-01-01" in n for n in later.notes)
    assert any("absent, not zero" in n for n in later.notes)


def test_sample_weeks_start_on_monday_and_partial_weeks_are_flagged(sample) -> None:
    _, sources = sample
    weekly = count_series(sources["incidents"], name="incidents", period="week")
    assert set(weekly.counts["period"].dt.dayofweek) == {0}
    partial = weekly.flags[weekly.flags["flag"] == "partial"]
    assert list(partial["period"]) == [pd.Timestamp("2019-12-30"), pd.Timestamp("2024-12-30")]
    assert set(partial["handled"]) == {"reported"}
    dropped = count_series(sources["incidents"], name="incidents", period="week", partial="drop")
    assert (
        dropped.start == pd.Timestamp("2020-01-06")
        and len(dropped.counts) == len(weekly.counts) - 2
    )


def test_sample_named_areas_match_their_beats(sample) -> None:
    eng, sources = sample
    named = count_series(
        sources["incidents"],
        name="incidents",
        areas=eng.areas,
        filter={"offense": ["Street robbery"]},
    )
    beats = count_series(
        sources["incidents"], name="incidents", by="beat", filter={"offense": ["Street robbery"]}
    ).wide()
    wide = named.wide()
    assert list(wide.columns) == ["target", "displacement", "comparison"]
    assert wide["target"].equals(beats["E2"])
    assert wide["displacement"].equals(beats["E1"] + beats["E3"])
    assert named.by == "areas"


def test_sample_partner_metric_by_area_and_its_rules(sample) -> None:
    _, sources = sample
    metrics = sources["partner_metrics"]
    series = count_series(
        metrics, name="partner_metrics", by="area", filter={"metric": ["Overdose calls"]}
    )
    rows = metrics.data[metrics.data["metric"] == "Overdose calls"]
    assert list(series.wide().columns) == sorted(rows["area"].unique())
    assert series.total().sum() == rows["value"].sum()
    with pytest.raises(SeriesError, match="reported by month; it cannot be counted by week"):
        count_series(metrics, name="pm", period="week", filter={"metric": ["Overdose calls"]})
    with pytest.raises(SeriesError, match="selects 2 metrics"):
        count_series(metrics, name="pm")
    holed = metrics.data.drop(rows.index[5])
    with pytest.raises(SeriesError, match="not reported"):
        count_series(
            holed, kind="partner_metrics", by="area", filter={"metric": ["Overdose calls"]}
        )
    missing = count_series(
        holed,
        kind="partner_metrics",
        by="area",
        filter={"metric": ["Overdose calls"]},
        gaps="missing",
    )
    hole = rows.loc[rows.index[5]]
    counts = missing.counts.set_index(["period", "area"])["count"]
    assert np.isnan(counts[(hole["period"], hole["area"])])
    assert counts.isna().sum() == 1


def test_a_flagged_gap_is_refused_unless_the_caller_says_how(tmp_path: Path) -> None:
    days = pd.date_range("2022-01-01", "2022-12-31", freq="D")
    frame = _incidents(days[days.month != 7], 6)
    frame.to_csv(tmp_path / "incidents.csv", index=False)
    source = load("incidents", tmp_path / "incidents.csv")
    with pytest.raises(SeriesError) as error:
        count_series(source, name="incidents", by="beat")
    message = str(error.value)
    assert "incidents" in message and "gap" in message and "in July 2022" in message
    assert "gaps='missing'" in message and "gaps='zero'" in message
    missing = count_series(source, name="incidents", by="beat", gaps="missing")
    july = missing.counts[missing.counts["period"] == pd.Timestamp("2022-07-01")]
    assert july["count"].isna().all() and len(july) == 2
    assert missing.missing_periods == [pd.Timestamp("2022-07-01")]
    assert np.isnan(missing.total()[pd.Timestamp("2022-07-01")])
    zero = count_series(source, name="incidents", gaps="zero")
    assert zero.total()[pd.Timestamp("2022-07-01")] == 0
    assert set(zero.flags.loc[zero.flags["flag"] == "gap", "handled"]) == {"zero"}
    around = count_series(source, name="incidents", end="2022-06-30")  # a window before the gap
    assert around.end == pd.Timestamp("2022-06-01")


def test_a_vanished_category_is_refused_only_where_it_is_counted() -> None:
    days = pd.date_range("2021-01-01", "2023-12-31", freq="D")
    frame = pd.concat(
        [_incidents(days, 5, "Theft"), _incidents(days[days.year > 2021], 2, "Shooting")],
        ignore_index=True,
    )
    with pytest.raises(SeriesError, match="Shooting is absent in 2021"):
        count_series(frame, kind="incidents", filter={"offense": ["Shooting"]})
    with pytest.raises(SeriesError, match="Shooting is absent in 2021"):
        count_series(frame, kind="incidents")  # the total counts shootings too
    theft = count_series(frame, kind="incidents", filter={"offense": ["Theft"]})
    assert theft.flags.empty and theft.total().notna().all()
    shooting = count_series(
        frame, kind="incidents", filter={"offense": ["Shooting"]}, gaps="missing"
    )
    total = shooting.total()
    assert total[total.index.year == 2021].isna().all()
    assert (total[total.index.year > 2021] > 0).all()
    after = count_series(
        frame, kind="incidents", filter={"offense": ["Shooting"]}, start="2022-01-01"
    )
    assert after.flags.empty


def test_bad_requests_get_clear_errors(sample) -> None:
    _, sources = sample
    incidents = sources["incidents"]
    with pytest.raises(SeriesError, match="did you mean 'Street robbery'"):
        count_series(incidents, name="incidents", filter={"offense": ["Street robery"]})
    with pytest.raises(SeriesError, match="'ofense', which is not a column"):
        count_series(incidents, name="incidents", filter={"ofense": ["x"]})
    with pytest.raises(SeriesError, match="by='nope' is not a column"):
        count_series(incidents, name="incidents", by="nope")
    with pytest.raises(SeriesError, match="survey rows are not counts"):
        count_series(sources["survey"], name="survey")
    with pytest.raises(SeriesError, match="holds none of it"):
        count_series(incidents, name="incidents", start="2030-01-01")
    with pytest.raises(ValueError, match="gaps must be one of"):
        count_series(incidents, name="incidents", gaps="ignore")
    mask, notes = filter_mask(incidents.data, {"offense": ["Street robbery", "Nothing"]})
    assert mask.sum() == (incidents.data["offense"] == "Street robbery").sum()
    assert "'Nothing'" in notes[0]
    beat_mask, _ = filter_mask(incidents.data, {"beat": ["E2"]})  # a categorical column
    assert beat_mask.sum() == (incidents.data["beat"] == "E2").sum()


@pytest.fixture(scope="module")
def philadelphia():
    if not PHILADELPHIA.is_dir():
        pytest.skip(f"real data not present: {PHILADELPHIA}")
    return load(
        "incidents", PHILADELPHIA / "incidents_2022_*.csv.gz", mapping="philadelphia_incidents"
    )


@pytest.mark.real
def test_philadelphia_daily_counts_match_pandas_and_stop_at_the_data(philadelphia) -> None:
    data = philadelphia.data
    series = count_series(
        philadelphia,
        name="philadelphia",
        period="day",
        by="district",
        filter={"offense_group": ["Homicide"]},
    )
    first, last = data["occurred_at"].min().normalize(), data["occurred_at"].max().normalize()
    wide = series.wide()
    assert wide.index[0] == first and wide.index[-1] == last
    assert len(wide) == (last - first).days + 1  # every day inside, none outside
    homicides = data[data["offense_group"] == "Homicide"]
    independent = (
        homicides.groupby(
            [homicides["occurred_at"].dt.normalize(), homicides["district"].astype(str)]
        )
        .size()
        .unstack(fill_value=0)
        .reindex(index=wide.index, columns=wide.columns, fill_value=0)
    )
    assert (wide.astype(int).to_numpy() == independent.to_numpy()).all()
    assert (wide == 0).to_numpy().mean() > 0.9  # most district-days have no homicide: zeros


@pytest.mark.real
def test_philadelphia_a_gap_made_in_april_is_refused(philadelphia) -> None:
    data = philadelphia.data
    holed = data[data["occurred_at"].dt.strftime("%Y-%m") != "2022-04"]
    with pytest.raises(SeriesError, match="gap") as error:
        count_series(holed, kind="incidents", name="philadelphia", period="day")
    assert "2022-04-01" in str(error.value)
    missing = count_series(
        holed, kind="incidents", name="philadelphia", period="day", gaps="missing"
    )
    total = missing.total()
    april = total[(total.index >= "2022-04-01") & (total.index <= "2022-04-30")]
    assert april.isna().all() and len(april) == 30
    assert total.drop(april.index).notna().all()
