"""The data criteria on real Philadelphia incidents, checked against independent pandas/scipy sums.

Every offense group of 2022 gets frequency, harm, trend (against 2021) and concentration over
the city's blocks; a few are recomputed here from the raw rows without the library's code.
The speed (the whole column in well under 30 seconds) is measured in
``benchmarks/bench_prioritize.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from cs360lib import load
from cs360lib.steps.prioritize.criteria import category_criteria
from cs360lib.steps.prioritize.harm import guideline_days, load_harm_table

PHILADELPHIA = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "real"
    / "philadelphia_incidents"
)

pytestmark = pytest.mark.real


@pytest.fixture(scope="module")
def source():
    if not PHILADELPHIA.is_dir():
        pytest.skip(f"real data not present: {PHILADELPHIA}")
    files = [str(PHILADELPHIA / f"incidents_{year}_*.csv.gz") for year in (2021, 2022)]
    return load("incidents", files, mapping="philadelphia_incidents")


@pytest.fixture(scope="module")
def criteria(source):
    return category_criteria(
        source,
        name="philadelphia",
        column="offense_group",
        harm_table=load_harm_table(),
        as_of="2022-12-31",
    ).set_index("category")


def _gini(counts: np.ndarray) -> float:
    """Gini as one minus twice the area under the Lorenz curve (trapezoids), by hand."""
    x = np.sort(counts.astype(float))
    lorenz = np.concatenate([[0.0], np.cumsum(x) / x.sum()])
    area = np.sum((lorenz[1:] + lorenz[:-1]) / 2) / x.size
    return 1.0 - 2.0 * area


def test_every_offense_group_of_the_year_has_the_four_data_criteria(source, criteria) -> None:
    year = source.data[source.data["occurred_at"].dt.year == 2022]
    assert set(criteria.index) == set(source.data["offense_group"].dropna().astype(str))
    assert criteria.loc[year["offense_group"].dropna().astype(str).unique(), "events"].notna().all()
    for column in ("frequency", "harm", "trend", "concentration"):
        assert criteria[column].notna().all(), column
    assert criteria["not_computed"].eq("").all()
    assert criteria["events"].sum() == len(year)


@pytest.mark.parametrize("group", ["Robbery", "Theft", "Homicide", "Burglary"])
def test_a_few_groups_match_independent_computations(source, criteria, group: str) -> None:
    data = source.data
    rows = data[data["offense_group"] == group]
    now = rows[rows["occurred_at"].dt.year == 2022]
    before = rows[rows["occurred_at"].dt.year == 2021]
    got = criteria.loc[group]
    assert got["events"] == len(now) and got["previous"] == len(before)
    assert got["frequency"] == len(now)
    expected = stats.binomtest(len(now), len(now) + len(before), 0.5)
    assert got["p_value"] == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)
    assert got["rate_ratio"] == pytest.approx(len(now) / len(before))
    # harm by hand: each offense label's US guideline level, midpoint of its range in days
    levels = {
        "Robbery Firearm": 25,
        "Robbery No Firearm": 20,
        "Thefts": 6,
        "Theft from Vehicle": 6,
        "Homicide - Criminal": 38,
        "Homicide - Gross Negligence": 18,
        "Burglary Residential": 17,
        "Burglary Non-Residential": 12,
    }
    by_offense = now["offense"].value_counts()
    harm = sum(
        n * (0.0 if "Justifiable" in label else guideline_days(levels[label]))
        for label, n in by_offense.items()
    )
    assert got["harm"] == pytest.approx(harm)
    two_years = data[data["occurred_at"].dt.year.isin([2021, 2022])]
    blocks = two_years["address"].dropna().astype(str).unique()
    counts = now["address"].dropna().astype(str).value_counts().reindex(blocks, fill_value=0)
    gini = _gini(counts.to_numpy())
    assert got["gini"] == pytest.approx(gini, abs=1e-9)
    events, places = counts.sum(), counts.size
    assert got["concentration"] == pytest.approx(1 - max(1, places / events) * (1 - gini), abs=1e-9)
    k = int(np.floor(0.1 * places + 0.5))
    top10 = np.sort(counts.to_numpy())[::-1][:k].sum() / events
    assert got["top10_share"] == pytest.approx(top10)
