"""steps.prioritize.evidence: frequency, harm, trend and concentration against hand-computed values."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cs360lib import load
from cs360lib.data.coverage import source_coverage
from cs360lib.steps.prioritize.evidence import (
    concentration_of,
    event_facts,
    source_window,
    trend_test,
)
from cs360lib.steps.prioritize.harm import load_harm_table

TABLE = {
    "entries": [
        {"label": "Robbery", "weight": 100, "patterns": ["robb"]},
        {"label": "Theft", "weight": 1, "patterns": ["theft"]},
    ]
}


def _rows(offense: str, month: pd.Timestamp, blocks: list[str]) -> list[tuple]:
    """One event per block, spread from the first to the last day of the month."""
    last = month.days_in_month - 1
    step = last / max(len(blocks) - 1, 1)
    return [
        (
            f"{offense[:2]}{month:%Y%m}-{i}",
            month + pd.Timedelta(days=round(i * step), hours=20),
            offense,
            b,
        )
        for i, b in enumerate(blocks)
    ]


def _source(tmp_path: Path, *, hole: bool = False):
    """Two years: robbery 10 a month in 2021, 15 in 2022 (6 on block 1); theft everywhere."""
    blocks = [f"{i}00 block of Elm St" for i in range(1, 11)]
    rows = []
    for month in pd.date_range("2021-01-01", "2022-12-01", freq="MS"):
        rows += _rows("Theft", month, [blocks[i % 10] for i in range(20)])
        if month.year == 2021:
            rows += _rows("Robbery", month, [blocks[i % 10] for i in range(10)])
        elif not (hole and month.month in (4, 5, 6)):
            rows += _rows("Robbery", month, [blocks[0]] * 6 + blocks[1:4] * 3)
    frame = pd.DataFrame(rows, columns=["incident_id", "occurred_at", "offense", "address"])
    frame["occurred_at"] = frame["occurred_at"].dt.strftime("%Y-%m-%d %H:%M")
    path = tmp_path / f"incidents{'_hole' if hole else ''}.csv"
    frame.to_csv(path, index=False)
    return load("incidents", path)


@pytest.fixture()
def source(tmp_path: Path):
    return _source(tmp_path)


def test_frequency_harm_trend_and_concentration_match_hand_values(source) -> None:
    table = load_harm_table(TABLE)
    facts = event_facts(source, name="incidents", filter={"offense": ["Robbery"]}, harm_table=table)
    assert facts.window.describe() == "January 2022 to December 2022"
    assert facts.count == 180 and facts.months == 12 and facts.months_with_events == 12
    assert facts.harm == 180 * 100
    trend = facts.trend
    assert (trend.previous, trend.current) == (120, 180)
    assert trend.ratio == pytest.approx(1.5)
    # the exact conditional test is the binomial test of 180 of 300 events at p0 = 12 / 24
    binomial = stats.binomtest(180, 300, 0.5)
    assert trend.p_value == pytest.approx(binomial.pvalue, rel=1e-9)
    low = binomial.proportion_ci(0.95, method="exact").low
    assert trend.ci_low == pytest.approx(low / (1 - low))
    assert trend.clear_change == pytest.approx(math.log(trend.ci_low)) and trend.clear_change > 0
    spread = facts.concentration
    assert spread.place == "address" and spread.places == 10 and spread.events == 180
    # blocks (ascending) 0 x 6, 36, 36, 36, 72: Gini = 2 * 1584 / (10 * 180) - 11 / 10 = 0.66
    assert spread.gini == pytest.approx(0.66)
    assert spread.generalized_gini == pytest.approx(0.66)  # events outnumber places
    assert spread.top10_share == pytest.approx(72 / 180)  # one block of ten
    assert spread.top_place == "100 block of Elm St"
    assert spread.top_place_share == pytest.approx(0.4)
    assert facts.top_category_share() == 1.0 and not facts.problems


def test_concentration_of_sparse_counts_is_the_generalized_gini() -> None:
    # Bernasco and Steenbeek's lorenzgini example: 10 places, 8 crimes (5, 2, 1)
    top10, g, gg = concentration_of(np.array([5, 2, 1]), 10)
    assert g == pytest.approx(0.8) and gg == pytest.approx(0.75) and top10 == pytest.approx(5 / 8)
    _, _, even = concentration_of(np.array([1, 1, 1, 1]), 4)
    assert even == 0.0


def test_trend_test_is_the_binomial_test_with_unequal_exposures() -> None:
    trend = trend_test(40, 25, 12, 9)
    expected = stats.binomtest(25, 65, 9 / 21)
    assert trend.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    assert trend.ratio == pytest.approx((25 / 9) / (40 / 12))
    assert trend.clear_change == 0.0  # the interval holds 1
    falling = trend_test(400, 200, 12, 12)
    assert falling.clear_change == pytest.approx(math.log(falling.ci_high))
    assert falling.clear_change < 0
    assert "down 50%" in falling.describe() and "inf" not in trend_test(0, 5, 12, 12).describe()


def test_a_vanished_run_is_missing_and_the_year_is_scaled(tmp_path: Path) -> None:
    source = _source(tmp_path, hole=True)
    table = load_harm_table(TABLE)
    facts = event_facts(source, name="incidents", filter={"offense": ["Robbery"]}, harm_table=table)
    assert facts.months == 9
    assert facts.count == pytest.approx(135 * 12 / 9)  # the mean of 9 months, times 12
    assert facts.harm == pytest.approx(135 * 12 / 9 * 100)
    assert facts.trend.current_months == 9 and facts.trend.previous_months == 12
    assert any("3 of the 12 months have no data" in n for n in facts.notes)
    flagged = facts.series.flags
    assert set(flagged.loc[flagged["flag"] == "absent", "handled"]) == {"missing"}


def test_a_category_without_weight_and_a_measure_without_rows(source) -> None:
    table = load_harm_table(
        {"entries": [{"label": "Robbery", "weight": 100, "patterns": ["robb"]}]}
    )
    both = event_facts(
        source, name="incidents", filter={"offense": ["Robbery", "Theft"]}, harm_table=table
    )
    assert both.harm is None and both.unweighted == ("Theft",)
    assert "no harm weight for 'Theft'" in both.problems["harm"]
    assert both.count == 180 + 240  # frequency is still known
    none = event_facts(source, name="incidents", filter={"offense": ["Arson"]}, harm_table=table)
    assert none.count is None and not none.has_data
    assert set(none.problems) == {"frequency", "harm", "trend", "concentration"}
    assert none.problems["frequency"] == "no data: no row of incidents has the offense Arson"
    assert "no row has offense = 'Arson'" in none.notes[0]  # the analyst's message


def test_window_ends_with_the_last_whole_month(source) -> None:
    coverage = source_coverage(source, name="incidents")
    assert source_window(coverage).end == pd.Timestamp("2022-12-01")  # data end on 12-31
    assert source_window(coverage, "2022-11-15").end == pd.Timestamp("2022-10-01")
    assert source_window(coverage, "2022-11-30").end == pd.Timestamp("2022-11-01")
    window = source_window(coverage, "2022-11-30")
    assert window.start == pd.Timestamp("2021-12-01")
    assert list(window.previous_months())[0] == pd.Timestamp("2020-12-01")
