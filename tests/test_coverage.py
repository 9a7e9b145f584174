"""data.coverage and data.periods: gaps, spikes, partial periods and categories that vanish."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cs360lib import load
from cs360lib.data.coverage import (
    category_flags,
    covered_days,
    period_flags,
    source_coverage,
)
from cs360lib.data.periods import describe_run, period_range, to_periods
from cs360lib.steps import intake

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
BALTIMORE = REAL / "baltimore_part1_crime"


def _daily(offense: str, start: str, end: str, per_day: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for day in pd.date_range(start, end, freq="D"):
        for k in range(rng.poisson(per_day)):
            rows.append((f"{offense[:3]}-{day:%Y%m%d}-{k}", day + pd.Timedelta(hours=10), offense))
    return pd.DataFrame(rows, columns=["incident_id", "occurred_at", "offense"])


@pytest.fixture(scope="module")
def vanishing() -> pd.DataFrame:
    """Three years: a steady offense, one never recorded in 2021, a rare one, one with a hole."""
    steady = _daily("Theft", "2021-01-01", "2023-12-31", 8, 1)
    new_code = _daily("Shooting", "2022-01-01", "2023-12-31", 2, 2)
    rare = _daily("Arson", "2021-01-01", "2023-12-31", 0.01, 3)
    holed = _daily("Burglary", "2021-01-01", "2023-12-31", 3, 4)
    holed = holed[holed["occurred_at"].dt.strftime("%Y-%m") != "2022-06"]
    return pd.concat([steady, new_code, rare, holed], ignore_index=True)


def test_periods_are_labelled_by_their_start() -> None:
    times = pd.Series(pd.to_datetime(["2024-01-03 10:00", "2024-01-07 23:00", "2024-01-08 00:30"]))
    assert list(to_periods(times, "week")) == [pd.Timestamp("2024-01-01")] * 2 + [
        pd.Timestamp("2024-01-08")
    ]
    assert list(to_periods(times, "month")) == [pd.Timestamp("2024-01-01")] * 3
    weeks = period_range(pd.Timestamp("2024-01-03"), pd.Timestamp("2024-01-20"), "week")
    assert list(weeks.dayofweek) == [0, 0, 0]  # Mondays
    with pytest.raises(ValueError, match="period must be one of"):
        to_periods(times, "fortnight")


@pytest.mark.parametrize("period", ["day", "month"])
def test_month_and_day_labels_by_numpy_equal_pandas_periods(period) -> None:
    stamps = ["1969-12-15 13:00", "1970-01-01 00:00", "2024-02-29 23:59:59.999", None, "1900-03-31"]
    times = pd.Series(pd.to_datetime(stamps, format="mixed"), index=[5, 3, 1, 9, 7], name="t")
    expected = times.dt.to_period({"day": "D", "month": "M"}[period]).dt.start_time
    pd.testing.assert_series_equal(to_periods(times, period), expected)


def test_describe_run_in_plain_words() -> None:
    ts = pd.Timestamp
    assert describe_run(ts("2014-01-01"), ts("2014-12-01"), "month") == "in 2014"
    assert describe_run(ts("2014-01-01"), ts("2015-12-01"), "month") == "from 2014 to 2015"
    assert describe_run(ts("2016-03-01"), ts("2016-03-01"), "month") == "in March 2016"
    assert describe_run(ts("2019-03-04"), ts("2019-03-04"), "week") == "in the week of 2019-03-04"
    assert (
        describe_run(ts("2019-03-04"), ts("2019-03-06"), "day") == "from 2019-03-04 to 2019-03-06"
    )


def test_covered_days_counts_partial_first_and_last_periods() -> None:
    starts = period_range(pd.Timestamp("2024-01-15"), pd.Timestamp("2024-03-10"), "month")
    days = covered_days(
        starts, "month", pd.Timestamp("2024-01-15 08:00"), pd.Timestamp("2024-03-10")
    )
    assert list(days) == [17.0, 29.0, 10.0]


def test_a_zero_is_a_gap_only_when_the_volume_makes_it_improbable() -> None:
    rng = np.random.default_rng(5)
    days = pd.date_range("2023-01-01", "2023-12-31", freq="D")
    few = pd.Series(np.repeat(days, rng.poisson(2.0, len(days))))  # ordinary empty days
    flags = period_flags(few, "day", events=True, gaps=True)
    assert (flags["rows"] == 0).any()
    assert not (flags["flag"] == "gap").any()
    many = pd.Series(np.repeat(days, 40))
    many = many[many.dt.month != 7]
    monthly = period_flags(many, "month", events=True, gaps=True).set_index("period")["flag"]
    assert monthly[pd.Timestamp("2023-07-01")] == "gap"


def test_category_absent_for_a_year_is_flagged_and_a_rare_one_is_not(vanishing) -> None:
    flags = category_flags(
        vanishing["occurred_at"], vanishing["offense"], "month", column="offense"
    )
    absent = flags[flags["flag"] == "absent"].set_index("category")
    assert "Shooting" in absent.index
    row = absent.loc["Shooting"]
    assert row["start"] == pd.Timestamp("2021-01-01") and row["end"] == pd.Timestamp("2021-12-01")
    assert row["when"] == "in 2021" and row["periods"] == 12 and row["observed"] == 0
    assert 50 < row["expected"] < 70 * 12  # about 2 a day at the rate of 2022
    assert row["p_value"] < 1e-10
    assert "Arson" not in set(flags["category"])  # 11 events in 3 years: zeros are ordinary
    assert "Theft" not in set(flags["category"])


def test_category_drop_in_one_month_is_flagged(vanishing) -> None:
    flags = category_flags(vanishing["occurred_at"], vanishing["offense"], "month")
    drops = flags[flags["flag"] == "drop"]
    assert list(drops["category"]) == ["Burglary"]
    assert drops.iloc[0]["start"] == pd.Timestamp("2022-06-01")
    assert drops.iloc[0]["observed"] == 0 and drops.iloc[0]["expected"] > 60


def test_intake_coverage_names_the_vanished_category(tmp_path: Path, vanishing) -> None:
    frame = vanishing.assign(occurred_at=vanishing["occurred_at"].dt.strftime("%Y-%m-%d %H:%M"))
    frame.to_csv(tmp_path / "incidents.csv", index=False)
    result = intake.coverage({"incidents": load("incidents", tmp_path / "incidents.csv")})
    text = result.summary()
    assert "Shooting is absent in 2021" in text
    assert "Burglary drops in June 2022" in text
    assert "covers every month" not in text
    categories = result.categories.to_frame()
    assert {"source", "category", "flag", "when"} <= set(categories.columns)
    assert "Shooting is absent in 2021" in result.categories.summary()
    result.categories.chart().to_dict()
    assert result.sources["incidents"].code_column == "offense"


def test_a_source_with_no_rows_is_never_called_covered(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("incident_id,occurred_at,offense\n", encoding="utf-8")
    steady = _daily("Theft", "2023-01-01", "2023-12-31", 10, 6)
    steady.assign(occurred_at=steady["occurred_at"].dt.strftime("%Y-%m-%d %H:%M")).to_csv(
        tmp_path / "steady.csv", index=False
    )
    sources = {
        "empty": load("incidents", tmp_path / "empty.csv"),
        "steady": load("incidents", tmp_path / "steady.csv"),
    }
    result = intake.coverage(sources, period="month")
    text = result.summary()
    assert result.empty == ("empty",)
    assert "- empty: no row with a date, so none of its months is covered." in text
    assert "Every source" not in text and "every month is covered" not in text
    assert "Every other source covers every month" in text
    alone = intake.coverage({"empty": sources["empty"]}, period="month")
    assert "Every" not in alone.summary()
    assert "no row with a date" in alone.summary()
    alone.chart().to_dict()


def test_source_coverage_of_a_frame_and_an_unknown_column(vanishing) -> None:
    found = source_coverage(vanishing, kind="incidents", name="x", period="month")
    assert found.first == vanishing["occurred_at"].min() and not found.empty
    assert found.flagged_periods().empty or set(found.flagged_periods()["flag"]) <= {
        "partial",
        "drop",
    }
    assert set(found.category_runs(["Shooting"], flag="absent")["category"]) == {"Shooting"}
    assert found.category_runs(["Shooting"], start=pd.Timestamp("2022-01-01")).empty
    with pytest.raises(ValueError, match="not a column"):
        source_coverage(vanishing, kind="incidents", column="crime_code")
    with pytest.raises(ValueError, match="kind="):
        source_coverage(vanishing)


@pytest.mark.real
def test_baltimore_shootings_and_homicides_are_absent_in_2014() -> None:
    if not BALTIMORE.is_dir():
        pytest.skip(f"real data not present: {BALTIMORE}")
    result = load("incidents", BALTIMORE, mapping="baltimore_part1_crime")
    covered = intake.coverage({"baltimore": result}, period="month")
    absent = covered.categories.to_frame()
    absent = absent[absent["flag"] == "absent"].set_index("category")
    for offense in ("SHOOTING", "MURDER"):
        assert absent.loc[offense, "when"] == "in 2014"
        assert absent.loc[offense, "periods"] == 12
    text = covered.summary()
    assert "SHOOTING is absent in 2014" in text and "MURDER is absent in 2014" in text
    by_code = source_coverage(result, name="baltimore", column="crime_code").categories
    codes = by_code[by_code["flag"] == "absent"].set_index("category")
    assert codes.loc["9S", "when"] == "in 2014" and codes.loc["1A", "when"] == "in 2014"


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_category_table_counts_as_a_crosstab_of_the_codes_as_text(period) -> None:
    from cs360lib.data.coverage import _category_table

    rng = np.random.default_rng(4)
    times = pd.Series(pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 400, 3000), "D"))
    codes = pd.Series(rng.choice(["Burglary", "Theft", "Robbery"], 3000), dtype="string[pyarrow]")
    mixed = pd.Series(rng.choice(np.array([1, "1", "2"], dtype=object), 3000), dtype=object)
    for column in (codes, mixed):
        expected = pd.crosstab(to_periods(times, period), column.astype(str))
        got = _category_table(times, column, period).sort_index().sort_index(axis=1)
        np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())
        assert list(got.index) == list(expected.index)
        assert list(got.columns) == list(expected.columns)
