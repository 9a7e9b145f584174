"""Problem analysis of the chosen problem (notebook 03): where, when and how it repeats.

The figures are checked against independent pandas computations on the sample department, and
the published copies against the engagement's publishing rules.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

import cs360lib as cs
from cs360lib.config.publishing import Publishing
from cs360lib.errors import PlanError
from cs360lib.publish.charts import chart_to_svg
from cs360lib.publish.publication import publish_result
from cs360lib.steps import problem_analysis

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture(scope="module")
def sample() -> tuple[cs.Engagement, dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # the sample's deprecated publishing keys
        engagement = cs.Engagement.load(SAMPLES / "engagement.yml")
    loaded = cs.load_engagement(engagement)
    return engagement, {name: loaded[name] for name in loaded}


@pytest.fixture(scope="module")
def robberies(sample) -> pd.DataFrame:
    """The problem's events, selected here independently of the library."""
    _, sources = sample
    incidents = sources["incidents"].data
    keep = (incidents["offense"].astype(str) == "Street robbery") & (
        incidents["occurred_at"] < pd.Timestamp("2025-01-01")
    )
    return incidents[keep & (incidents["occurred_at"] >= pd.Timestamp("2020-01-01"))]


@pytest.fixture(scope="module")
def where(sample) -> problem_analysis.ProblemPlaces:
    return problem_analysis.places(*sample, n_boot=99)


def test_where_the_sample_problem_concentrates(sample, robberies, where) -> None:
    truth = json.loads((SAMPLES / "truth.json").read_text())["concentration"]
    per_block = robberies["address"].value_counts()
    blocks = sample[1]["incidents"].data["address"].dropna().nunique()
    assert where.place == "address" and where.n_places == blocks
    assert where.n_events == len(robberies) and where.n_places_with_events == len(per_block)
    row = where.to_frame().set_index("measure").loc["top 10% of places"]
    k = int(row["places"])
    assert k == max(1, round(0.10 * blocks)) or k == int(0.10 * blocks) + 1
    assert row["events"] == per_block.sort_values(ascending=False).head(k).sum()
    # the planted transit-hub blocks lead the target offense
    hub = set(truth["transit_hub_blocks"])
    assert hub <= set(where.top["address"].head(len(hub) + 1))
    assert where.n_hot > 0 and where.hot_share is not None and where.cells is not None
    assert "hot spots" in where.summary() and f"{len(robberies):,} events" in where.summary()
    assert chart_to_svg(where.chart()).lstrip().startswith("<svg")


@pytest.mark.parametrize(
    ("precision", "lat", "decimals"),
    [
        ("block", 0.0, 3),
        ("block", 38.6, 2),  # 0.001 degree of longitude is 87 m there
        ("grid:100", 0.0, 3),
        ("grid:500", 0.0, 2),
        ("grid:5000", 45.0, 1),
        ("beat", 0.0, None),
        ("district", 38.6, None),
    ],
)
def test_map_decimals_are_never_finer_than_the_precision(precision, lat, decimals) -> None:
    assert problem_analysis.map_decimals(precision, lat) == decimals
    if decimals is not None:
        step = 111_320 * math.cos(math.radians(lat)) * 10.0**-decimals
        assert step >= problem_analysis.precision_metres(precision)
        assert step / 10 < problem_analysis.precision_metres(precision)  # the finest allowed


def test_cells_finer_than_the_precision_are_merged_on_the_published_map(sample) -> None:
    engagement, sources = sample
    fine = engagement.model_copy(
        update={"analysis": engagement.analysis.model_copy(update={"cell_size": 60.0})}
    )
    where = problem_analysis.places(fine, sources, n_boot=19)
    copy = publish_result(where, Publishing(location_precision="block")).result
    cells = [d for d in copy.chart().to_dict()["datasets"].values() if "lat_min" in d[0]][0]
    widths = pd.DataFrame(cells).eval("lon_max - lon_min")
    assert (widths * 111_320 * math.cos(math.radians(38.6)) >= 100 - 1e-6).all()
    analyst = [d for d in where.chart().to_dict()["datasets"].values() if "lat_min" in d[0]][0]
    assert len(analyst) > len(cells)  # the analyst's map keeps the 60 m cells


def test_the_published_map_follows_the_location_precision(where) -> None:
    block = publish_result(where, Publishing(location_precision="block")).result
    assert block.cells is not None and "Hot spots" in chart_to_svg(block.chart())
    district = publish_result(where, Publishing(location_precision="district")).result
    assert district.cells is None
    assert "Hot spots" not in chart_to_svg(district.chart())  # no map, the bars only
    assert "this report's location precision publishes no coordinates" in district.summary()
    assert "700 block of Main St" not in chart_to_svg(district.chart())  # no block at district


def test_the_published_places_hide_small_counts(where) -> None:
    copy = publish_result(where, Publishing(min_count=2000)).result  # above every count
    assert copy.to_frame()["events"].isna().all()
    assert copy.top["events"].isna().all()
    assert copy.cells["events"].fillna(0).eq(0).all()  # zeros are shown: they identify nobody
    assert "a hidden share" in copy.summary() and "1,118" not in copy.summary()


def test_when_the_sample_problem_happens(robberies, sample) -> None:
    when = problem_analysis.times(*sample)
    frame = when.to_frame()
    assert len(frame) == 7 * 24 and frame["events"].sum() == len(robberies) == when.n_events
    t = robberies["occurred_at"]
    friday_21 = int(((t.dt.dayofweek == 4) & (t.dt.hour == 21)).sum())
    assert frame.set_index(["weekday", "hour"]).loc[("Friday", 21), "events"] == friday_21
    assert when.busiest_day == t.dt.day_name().value_counts().idxmax()
    assert when.evening_share == pytest.approx((t.dt.hour >= 18).mean())
    copy = publish_result(when, Publishing(min_count=5)).result
    shown = copy.table().data.drop(columns="Day").to_numpy().ravel()
    numbers = [int(v) for v in shown if str(v).isdigit()]
    assert numbers and all(n == 0 or n >= 5 for n in numbers) and "<5" in set(shown)
    assert chart_to_svg(copy.chart()).lstrip().startswith("<svg")


def test_repeats_and_near_repeats_of_the_sample_problem(robberies, sample) -> None:
    repeat = problem_analysis.repeats(*sample, permutations=19)
    per_block = robberies["address"].value_counts()
    assert repeat.n_places == len(per_block)
    assert repeat.n_repeat_places == int((per_block > 1).sum())
    assert repeat.repeat_event_share == pytest.approx((per_block - 1).sum() / len(robberies))
    knox = repeat.to_frame()
    assert knox["observed"].sum() == repeat.n_pairs
    assert repeat.n_pairs == repeat.n_events * (repeat.n_events - 1) // 2
    table = repeat.table().data
    assert list(table.columns[1:]) == list(repeat.time_order)
    assert "Near repeats" in repeat.summary()


def test_without_coordinates_the_analysis_runs_and_says_what_is_missing(sample) -> None:
    engagement, sources = sample
    frame = sources["incidents"].data.drop(columns=["lat", "lon"])
    bare = {**sources, "incidents": SimpleNamespace(data=frame)}
    where = problem_analysis.places(engagement, bare, n_boot=19)
    assert where.cells is None and where.hot_share is None and where.gini > 0
    assert "no usable coordinates (lat/lon), so there is no hot-spot map" in where.summary()
    repeat = problem_analysis.repeats(engagement, bare)
    assert repeat.frame.empty and repeat.n_repeat_places > 0
    assert "so there is no near-repeat test" in repeat.summary()
    for result in (where, repeat):
        assert chart_to_svg(result.chart()).lstrip().startswith("<svg")
        result.table().to_html()


def test_no_event_of_the_problem_in_the_window_is_a_clear_error(sample) -> None:
    engagement, sources = sample
    later = engagement.model_copy(
        update={"analysis": engagement.analysis.model_copy(update={"start": None})}
    )
    later.analysis.start = pd.Timestamp("2030-01-01").date()
    later.analysis.end = pd.Timestamp("2030-12-31").date()
    for step in (problem_analysis.places, problem_analysis.times, problem_analysis.repeats):
        with pytest.raises(
            PlanError, match="no incidents row matches the problem's filter"
        ) as info:
            step(later, sources)
        assert "between 2030-01-01 and 2030-12-31" in str(info.value)
        assert "check problem.filter" in str(info.value)


def test_an_engagement_without_a_problem_is_a_clear_error(sample) -> None:
    engagement, sources = sample
    unchosen = engagement.model_copy(update={"problem": None})
    with pytest.raises(PlanError, match="no `problem:` section yet"):
        problem_analysis.places(unchosen, sources)
