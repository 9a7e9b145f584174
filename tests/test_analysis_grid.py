"""UTM projection and the aligned grid of square cells."""

from __future__ import annotations

import numpy as np
import pytest

from cs360lib.analysis import Grid, project, utm_crs
from cs360lib.analysis.grid import unproject
from cs360lib.errors import AnalysisInputError


def test_utm_zone_of_the_data():
    assert utm_crs([39.95], [-75.16]) == "EPSG:32618"  # Philadelphia
    assert utm_crs([38.64], [-90.24]) == "EPSG:32615"  # the sample department
    assert utm_crs([-33.87], [151.21]) == "EPSG:32756"  # Sydney, south of the equator
    with pytest.raises(AnalysisInputError):
        utm_crs([np.nan], [np.nan])


def test_projection_round_trip_and_metric_distances():
    lat, lon = np.array([39.95, 39.96]), np.array([-75.16, -75.16])
    x, y = project(lat, lon, "EPSG:32618")
    assert y[1] - y[0] == pytest.approx(1110, rel=0.01)  # 0.01 degree of latitude
    la, lo = unproject(x, y, "EPSG:32618")
    np.testing.assert_allclose(la, lat, atol=1e-9)
    np.testing.assert_allclose(lo, lon, atol=1e-9)


def test_grid_is_aligned_and_locates_points():
    crs = "EPSG:32618"
    x = np.array([480_010.0, 480_740.0, 481_499.0])
    y = np.array([4_420_020.0, 4_420_260.0, 4_420_760.0])
    lat, lon = unproject(x, y, crs)
    g = Grid.covering(lat, lon, 250, crs=crs)
    assert (g.x0, g.y0) == (480_000.0, 4_420_000.0)
    assert (g.n_cols, g.n_rows) == (6, 4)
    cells = g.locate(lat, lon)
    assert list(cells) == [0, 1 * 6 + 2, 3 * 6 + 5]
    assert g.locate(np.array([np.nan, 10.0]), np.array([np.nan, 10.0])).tolist() == [-1, -1]
    geo = g.cells(cells)
    assert list(geo["x"]) == [480_125.0, 480_625.0, 481_375.0]
    assert (geo["lat_min"] < geo["lat"]).all() and (geo["lon"] < geo["lon_max"]).all()


def test_grid_refuses_bad_sizes():
    with pytest.raises(AnalysisInputError, match="positive"):
        Grid.covering([39.9, 40.0], [-75.2, -75.1], -5)
    with pytest.raises(AnalysisInputError, match="cells"):
        Grid.covering([39.0, 41.0], [-76.0, -74.0], 1)
