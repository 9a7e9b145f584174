"""Location generalization: hundred blocks, intersections, grid cells, areas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cs360lib.config.publishing import LocationPrecision
from cs360lib.errors import PrivacyError
from cs360lib.publish.privacy import (
    generalize_address,
    generalize_addresses,
    generalize_locations,
    snap_coordinates,
)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("1234 Elm Street Apt 5", "1200 block of Elm St"),
        ("1234 Elm St, Boston, MA 02125", "1200 block of Elm St"),
        ("45 N. Main Street", "0 block of N Main St"),
        ("87 Washington St Unit 2B", "0 block of Washington St"),
        ("1234-1236 Elm Street", "1200 block of Elm St"),
        ("1600 PENNSYLVANIA AVE NW", "1600 block of PENNSYLVANIA AVE NW"),
        ("350 5th Avenue", "300 block of 5th Ave"),
        ("5 Martin Luther King Jr Blvd #3", "0 block of Martin Luther King Jr Blvd"),
        ("2215 Cedar Avenue", "2200 block of Cedar Ave"),
    ],
)
def test_exact_addresses_become_hundred_blocks(address, expected):
    assert generalize_address(address) == expected


@pytest.mark.parametrize(
    "address",
    [
        "Main St & 7th St",
        "Main St and 7th St",
        "W 63rd St & S Halsted St",
        "MAIN ST / 7TH ST",
        "100 block of Harbor Ave",
        "1200 block of Elm St",
        "100 BLOCK OF HARBOR AVE",
        "N00 block of STREET",
        "21XX N CLARK ST",
        "3XX W MAIN ST",
        "Harbor Ave",
    ],
)
def test_intersections_blocks_and_streets_pass_unchanged(address):
    assert generalize_address(address) == address


def test_sample_data_block_addresses_pass_unchanged():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "data" / "samples" / "incidents.csv.gz"
    addresses = pd.read_csv(path, usecols=["address"])["address"].drop_duplicates()
    generalized = generalize_addresses(addresses)
    assert (generalized.astype(object) == addresses.astype(object)).all()


def test_missing_and_unrecognisable_addresses():
    assert generalize_address(None) is None
    assert generalize_address(float("nan")) is None
    assert generalize_address("P.O. Box 12") is None  # a number that could point at a person
    out = generalize_addresses(pd.Series(["1234 Elm St", None, "1234 Elm St"], name="address"))
    assert out.tolist()[0] == "1200 block of Elm St" and pd.isna(out.tolist()[1])
    assert out.name == "address" and str(out.dtype).startswith("string")


@given(
    number=st.integers(0, 99999),
    street=st.sampled_from(["Elm", "Main", "Harbor", "Martin Luther King Jr", "5th", "Grand"]),
    kind=st.sampled_from(["Street", "St", "Avenue", "Ave", "Blvd", "Road", "Dr"]),
    unit=st.sampled_from(["", " Apt 5", " Unit 2B", " #3"]),
)
def test_property_no_house_number_survives(number, street, kind, unit):
    out = generalize_address(f"{number} {street} {kind}{unit}")
    assert out is not None
    assert out.startswith(f"{number // 100 * 100} block of {street} ")
    assert "Apt" not in out and "Unit" not in out and "#" not in out


def test_snap_coordinates_to_cell_centres():
    lat = np.array([38.67861, 38.67862, 38.6790, np.nan])
    lon = np.array([-90.22759, -90.22758, -90.2270, 1.0])
    slat, slon = snap_coordinates(lat, lon, 100)
    assert slat[0] == slat[1] and slon[0] == slon[1]
    assert np.isnan(slat[3]) and np.isnan(slon[3])
    # the published point is within half a cell diagonal of the true one
    metres_lat = (slat[:3] - lat[:3]) * 111_320
    metres_lon = (slon[:3] - lon[:3]) * 111_320 * np.cos(np.radians(lat[:3]))
    assert (np.hypot(metres_lat, metres_lon) <= 100 / np.sqrt(2) + 1).all()


@given(
    lat=st.floats(-60, 70),
    lon=st.floats(-179, 179),
    metres=st.sampled_from([100, 250, 1000]),
)
def test_property_snapping_is_idempotent_and_close(lat, lon, metres):
    slat, slon = snap_coordinates([lat], [lon], metres)
    again = snap_coordinates(slat, slon, metres)
    assert np.allclose(again[0], slat) and np.allclose(again[1], slon)
    dy = (slat[0] - lat) * 111_320
    dx = (slon[0] - lon) * 111_320 * np.cos(np.radians(slat[0]))
    assert np.hypot(dx, dy) <= metres / np.sqrt(2) * 1.01 + 0.01


def test_snapping_finer_than_a_block_is_refused():
    with pytest.raises(PrivacyError, match="finer than a block"):
        snap_coordinates([38.6], [-90.2], 50)


@pytest.fixture
def records():
    return pd.DataFrame(
        {
            "offense": ["Robbery", "Theft"],
            "district": ["East", "West"],
            "beat": ["E2", "W1"],
            "address": ["1234 Elm Street Apt 5", "Main St & 7th St"],
            "lat": [38.67861, 38.62041],
            "lon": [-90.22759, -90.27761],
        }
    )


def test_frame_at_block_precision(records):
    out = generalize_locations(records, "block")
    assert out.address.tolist() == ["1200 block of Elm St", "Main St & 7th St"]
    assert list(out.columns) == list(records.columns)
    assert (out.lat != records.lat).all()
    assert records.address[0] == "1234 Elm Street Apt 5"  # the input is not changed


def test_frame_at_grid_precision_drops_addresses(records):
    out = generalize_locations(records, LocationPrecision("grid", 500))
    assert "address" not in out.columns and {"lat", "lon", "beat"} <= set(out.columns)
    near = generalize_locations(records, "grid:100")
    assert not np.allclose(out[["lat", "lon"]].to_numpy(), near[["lat", "lon"]].to_numpy())


def test_frame_at_beat_and_district_precision(records):
    beat = generalize_locations(records, "beat")
    assert list(beat.columns) == ["offense", "district", "beat"]
    district = generalize_locations(records, "district")
    assert list(district.columns) == ["offense", "district"]


def test_frame_bad_precision_is_a_privacy_error(records):
    with pytest.raises(PrivacyError, match="finer than a block"):
        generalize_locations(records, "grid:10")
