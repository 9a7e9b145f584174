"""Offline maps: aggregated points, snapped cells, the precision hook."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import pytest

from cs360lib.analysis import cell_map, point_map
from cs360lib.analysis.maps import point_counts
from cs360lib.errors import AnalysisInputError
from cs360lib.publish.charts import MAX_ROWS, chart_to_svg


def test_points_are_counted_per_rounded_location():
    pts = point_counts([39.95012, 39.95014, 39.9602], [-75.16001, -75.16004, -75.17], 3)
    assert list(pts["events"]) == [2, 1]
    assert (pts["precision"] == 3).all()


def test_points_are_coarsened_until_they_fit():
    rng = np.random.default_rng(0)
    lat, lon = rng.uniform(39.9, 40.1, 50_000), rng.uniform(-75.3, -75.0, 50_000)
    pts = point_counts(lat, lon)
    assert len(pts) <= MAX_ROWS and pts["events"].sum() == 50_000
    assert pts["precision"].iloc[0] < 4


def test_point_map_renders_without_tiles():
    chart = point_map([39.95, 39.96], [-75.16, -75.17], precision=3)
    spec = chart.to_dict()
    assert "url" not in str(spec).lower()
    assert "<svg" in chart_to_svg(chart)


def _cells() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lat_min": [39.9501, 39.9524],
            "lat_max": [39.9523, 39.9546],
            "lon_min": [-75.1601, -75.1601],
            "lon_max": [-75.1572, -75.1572],
            "events": [3, 4],
            "z": [1.0, 3.0],
            "category": ["Not significant", "Hot spot, 99% confidence"],
        }
    )


def _class_map(cells: pd.DataFrame, precision: int | None = None) -> alt.Chart:
    """A hot-spot map: cells coloured by class, merged cells taking the class of the largest z."""
    return cell_map(
        cells,
        "category",
        title="Hot spots",
        value_title="Cell",
        categories=["Hot spot, 99% confidence", "Not significant"],
        colors=["#b2182b", "#f0f0f0"],
        rank="z",
        tooltip=[("events", "Events")],
        precision=precision,
    )


def test_precision_snaps_and_merges_cells():
    chart = _class_map(_cells(), precision=2)
    rows = [r for v in chart.to_dict()["datasets"].values() for r in v]
    assert len(rows) == 1  # both cells fall in one 0.01-degree rectangle
    assert rows[0]["category"] == "Hot spot, 99% confidence" and rows[0]["events"] == 7
    quant = cell_map(_cells(), "events", title="t", value_title="Events")
    assert "<svg" in chart_to_svg(quant)


def test_cell_map_errors():
    with pytest.raises(AnalysisInputError, match="precision"):
        cell_map(_cells(), "events", title="t", value_title="v", precision=9)
    with pytest.raises(AnalysisInputError, match="no cells"):
        cell_map(_cells().iloc[:0], "events", title="t", value_title="v")


def test_more_cells_than_altair_takes_are_merged_into_blocks():
    side, step = 80, 0.0025  # 6,400 cells of 0.0025 degrees
    i = np.arange(side * side)
    cells = pd.DataFrame(
        {
            "lat_min": 41.80 + (i // side) * step,
            "lat_max": 41.80 + (i // side + 1) * step,
            "lon_min": -87.70 + (i % side) * step,
            "lon_max": -87.70 + (i % side + 1) * step,
            "events": 1,
            "z": 0.0,
            "category": "Not significant",
        }
    )
    cells.loc[side + 1, ["z", "category"]] = [4.0, "Hot spot, 99% confidence"]
    chart = _class_map(cells)
    spec = chart.to_dict()
    (rows,) = spec["datasets"].values()
    blocks = pd.DataFrame(rows)
    assert len(blocks) == 1_600 <= MAX_ROWS  # 2 x 2 cells per block
    assert blocks["events"].sum() == 6_400 and set(blocks["events"]) == {4}
    assert np.allclose(blocks["lat_max"] - blocks["lat_min"], 2 * step)
    hot = blocks[blocks["category"] == "Hot spot, 99% confidence"]
    assert len(hot) == 1 and np.isclose(hot["lat_min"].iloc[0], 41.80)  # the block of cell 81
    assert spec["title"]["subtitle"] == "6,400 cells drawn as 1,600 blocks of 2 x 2 cells"
    assert "<svg" in chart_to_svg(chart)
