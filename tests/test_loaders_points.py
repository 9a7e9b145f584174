"""Loaders, points: one-column coordinates (Socrata, WKT, GeoJSON) and projected x/y."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from cs360lib.config.mapping import MappingError
from cs360lib.data.loaders import load

BASE = {"columns": {"incident_id": "id", "occurred_at": "when", "offense": "type"}}

# Three landmarks with well-known WGS84 coordinates (latitude, longitude).
LANDMARKS = {
    "willis_tower": (41.878876, -87.635915),
    "ohare_airport": (41.974162, -87.907321),
    "midway_airport": (41.786776, -87.752188),
}


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    return path


def points_file(tmp_path: Path, layout: str, texts: list[str]) -> Path:
    rows = [[str(i), "2024-01-05 10:00", "THEFT", text] for i, text in enumerate(texts, 1)]
    return write_rows(tmp_path / f"{layout}.csv", ["id", "when", "type", "location"], rows)


@pytest.mark.parametrize(
    ("layout", "order", "write"),
    [
        ("pair", "lat_lon", lambda lat, lon: f"({lat}, {lon})"),  # Socrata location text
        ("pair", "lon_lat", lambda lat, lon: f"{lon} {lat}"),
        ("wkt", "lon_lat", lambda lat, lon: f"POINT ({lon} {lat})"),
        ("wkt", "lat_lon", lambda lat, lon: f"POINT({lat} {lon})"),  # some GIS write y x
        (
            "geojson",
            "lon_lat",
            lambda lat, lon: json.dumps({"type": "Point", "coordinates": [lon, lat]}),
        ),
    ],
)
def test_point_layouts_give_latitude_and_longitude(tmp_path, layout, order, write) -> None:
    texts = [write(lat, lon) for lat, lon in LANDMARKS.values()]
    path = points_file(tmp_path, layout, texts)
    mapping = {**BASE, "point": {"column": "location", "layout": layout, "order": order}}
    result = load("incidents", path, mapping)
    assert result.rejected.empty and result.problems.empty
    expected = np.array(list(LANDMARKS.values()))
    assert np.allclose(result.data[["lat", "lon"]].to_numpy(), expected, atol=1e-9)


def test_state_plane_feet_match_pyproj_on_three_known_points(tmp_path: Path) -> None:
    """Chicago's X/Y are NAD83 / Illinois East in US survey feet (EPSG:3435)."""
    forward = Transformer.from_crs("EPSG:4326", "EPSG:3435", always_xy=True)
    inverse = Transformer.from_crs("EPSG:3435", "EPSG:4326", always_xy=True)
    rows = []
    for i, (lat, lon) in enumerate(LANDMARKS.values(), 1):
        x, y = forward.transform(lon, lat)
        rows.append([str(i), "2024-01-05 10:00", "THEFT", f"{x:.3f}", f"{y:.3f}"])
    path = write_rows(tmp_path / "xy.csv", ["id", "when", "type", "X", "Y"], rows)
    mapping = {**BASE, "point": {"x": "X", "y": "Y", "crs": "EPSG:3435"}}
    result = load("incidents", path, mapping)
    assert result.rejected.empty
    # Agrees with pyproj's own inverse of the written numbers ...
    lon, lat = inverse.transform([float(r[3]) for r in rows], [float(r[4]) for r in rows])
    assert np.allclose(result.data["lat"], lat, atol=1e-12)
    assert np.allclose(result.data["lon"], lon, atol=1e-12)
    # ... and with the landmarks themselves (1 mm of rounding in feet is ~1e-8 degrees).
    expected = np.array(list(LANDMARKS.values()))
    assert np.allclose(result.data[["lat", "lon"]].to_numpy(), expected, atol=1e-7)
    # Feet that are not in Illinois fall outside the mapping's bounds after conversion.
    bounded = load(
        "incidents", path, {**mapping, "bounds": {"lat": [41.80, 42.1], "lon": [-88.0, -87.5]}}
    )
    assert bounded.rejected.empty  # coordinates are optional: the row stays
    assert bounded.data["lat"].isna().tolist() == [False, False, True]  # Midway is at 41.787
    assert bounded.data["lon"].isna().tolist() == [False, False, True]  # a point needs both


def test_malformed_coordinates_keep_the_row_and_report_the_problem(tmp_path: Path) -> None:
    texts = [
        "(41.878876, -87.635915)",
        "(41.9, north)",  # malformed
        "",  # not geocoded
        "(0.0, 0.0)",  # a geocoder's failed match ("null island")
        "(95.0, -87.6)",  # latitude out of range after reading
    ]
    path = points_file(tmp_path, "pair", texts)
    mapping = {**BASE, "point": {"column": "location", "layout": "pair", "order": "lat_lon"}}
    result = load("incidents", path, mapping)
    assert result.rows_read == 5 and len(result.data) == 5 and result.rejected.empty
    assert result.data["lat"].notna().tolist() == [True, False, False, False, False]
    assert result.data["lon"].notna().tolist() == [True, False, False, False, False]
    problems = result.problems
    assert (problems["outcome"] == "set missing").all()
    malformed = problems[problems["source_row"] == 2].iloc[0]
    assert malformed["column"] == "lat, lon"
    assert malformed["value"] == "(41.9, north)"
    assert "is not a point in layout pair" in malformed["problem"]
    out_of_range = problems[problems["source_row"] == 5]
    assert list(out_of_range["column"]) == ["lat", "lon"]
    assert set(problems["source_row"]) == {2, 5}  # empty and (0, 0) are missing, not problems
    summary = result.summary()
    assert "3 values could not be read and were set missing (their rows are kept)" in summary


def test_wkt_empty_and_x_y_text(tmp_path: Path) -> None:
    path = points_file(tmp_path, "wkt", ["POINT EMPTY", "POINT Z (-87.6 41.8 180)", "LINESTRING"])
    mapping = {**BASE, "point": {"column": "location", "layout": "wkt", "order": "lon_lat"}}
    result = load("incidents", path, mapping)
    assert result.data["lat"].tolist()[1] == pytest.approx(41.8)
    assert list(result.problems["source_row"]) == [3]  # EMPTY is a missing point, not a fault


def test_point_mapping_errors_name_the_key() -> None:
    from cs360lib.config.mapping import read_mapping

    with pytest.raises(MappingError, match="order of its numbers"):
        read_mapping({"point": {"column": "location", "layout": "pair"}})
    with pytest.raises(MappingError, match="RFC 7946"):
        read_mapping({"point": {"column": "g", "layout": "geojson", "order": "lat_lon"}})
    with pytest.raises(MappingError, match="unknown coordinate reference system"):
        read_mapping({"point": {"x": "X", "y": "Y", "crs": "EPSG:99999999"}})
    with pytest.raises(MappingError, match="either column"):
        read_mapping({"point": {"column": "c", "x": "X", "y": "Y", "layout": "wkt"}})
    with pytest.raises(MappingError, match="do not map them under columns"):
        read_mapping({"columns": {"lat": "Y"}, "point": {"x": "X", "y": "Y"}})
    with pytest.raises(MappingError, match="point.missing"):
        read_mapping({"missing": {"lat": ["0"]}, "point": {"x": "X", "y": "Y"}})
    mapping = read_mapping({"point": {"x": "X", "y": "Y"}})
    with pytest.raises(MappingError, match="does not have"):
        mapping.check_kind("survey")
