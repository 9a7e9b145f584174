"""Loaders, dates and times: UTC offsets converted to local time, the daylight-saving rule."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pandas as pd
import pytest

from cs360lib.data.loaders import LoadError, load

CHICAGO = "America/Chicago"


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def wall_time(instant_utc: str, zone: str = CHICAGO) -> pd.Timestamp:
    """The local wall time of a UTC instant, computed by the standard library alone."""
    moment = dt.datetime.fromisoformat(instant_utc).replace(tzinfo=dt.UTC)
    return pd.Timestamp(moment.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None))


def test_utc_marked_times_land_at_the_local_wall_time(tmp_path: Path) -> None:
    """ArcGIS and REST exports give UTC: an evening incident in Chicago stays on its day."""
    path = write(
        tmp_path / "arcgis.csv",
        [
            "incident_id,occurred_at,offense",
            "A1,2024-01-06T03:15:00.000Z,Robbery",  # 21:15 on 5 January in Chicago
            "A2,2024/01/05 05:30:00+00,Theft",  # 23:30 on 4 January
            "A3,2024-07-04T02:00:00 UTC,Theft",  # 21:00 on 3 July (daylight time)
            "A4,2024-01-05 09:00:00,Theft",  # no offset: local time already
        ],
    )
    result = load("incidents", path, timezone=CHICAGO)
    assert result.rejected.empty
    times = result.data.set_index("incident_id")["occurred_at"]
    assert times["A1"] == wall_time("2024-01-06T03:15:00") == pd.Timestamp("2024-01-05 21:15")
    assert times["A1"].date() == dt.date(2024, 1, 5)  # the evening incident keeps its day
    assert times["A2"] == wall_time("2024-01-05T05:30:00") == pd.Timestamp("2024-01-04 23:30")
    assert times["A3"] == wall_time("2024-07-04T02:00:00") == pd.Timestamp("2024-07-03 21:00")
    assert times["A4"] == pd.Timestamp("2024-01-05 09:00")  # naive local times are not moved
    assert str(result.data["occurred_at"].dtype) == "datetime64[ns]"  # stored naive
    assert result.timezone == CHICAGO
    summary = result.summary()
    assert "3 values of occurred_at carried a UTC offset and were converted to America/Chicago" in (
        summary
    )
    adjustments = result.adjustments.set_index("column")
    assert adjustments.loc["occurred_at", "values"] == 3


def test_offsets_that_change_with_daylight_saving_load_every_row(tmp_path: Path) -> None:
    """-06:00 in winter and -05:00 in summer in one file: pandas alone refuses such a column."""
    lines = ["incident_id,occurred_at,offense"]
    expected = {}
    for i, (text, utc) in enumerate(
        [
            ("2024-01-15T23:30:00-06:00", "2024-01-16T05:30:00"),
            ("2024-07-15T23:30:00-05:00", "2024-07-16T04:30:00"),
            ("2024-03-10T01:59:00-0600", "2024-03-10T07:59:00"),
            ("2024-03-10T03:00:00-0500", "2024-03-10T08:00:00"),
            ("2024-11-03T01:30:00-05:00", "2024-11-03T06:30:00"),  # first 01:30
            ("2024-11-03T01:30:00-06:00", "2024-11-03T07:30:00"),  # second 01:30
        ]
    ):
        lines.append(f"C{i},{text},Theft")
        expected[f"C{i}"] = wall_time(utc)
    result = load("incidents", write(tmp_path / "offsets.csv", lines), timezone=CHICAGO)
    assert result.rows_read == 6 and len(result.data) == 6 and result.rejected.empty
    times = result.data.set_index("incident_id")["occurred_at"]
    for key, value in expected.items():
        assert times[key] == value, key
    assert times["C0"] == pd.Timestamp("2024-01-15 23:30")  # written local time, unchanged
    assert times["C4"] == times["C5"] == pd.Timestamp("2024-11-03 01:30")


def test_offsets_without_a_time_zone_refuse_the_whole_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / "utc.csv",
        [
            "id,reported,type",
            "1,2024-01-06T03:15:00Z,Theft",
            "2,2024-01-06T04:15:00Z,Theft",
            "3,2024-01-06T05:15:00-06:00,Theft",
        ],
    )
    mapping = {"columns": {"incident_id": "id", "occurred_at": "reported", "offense": "type"}}
    with pytest.raises(LoadError) as info:
        load("incidents", path, mapping)
    message = str(info.value)
    assert "utc.csv" in message and "column 'reported' (occurred_at)" in message
    assert "'2024-01-06T03:15:00Z', '2024-01-06T04:15:00Z'" in message  # two examples
    assert "timezone" in message and "info.timezone" in message  # which key to set
    # The mapping's time zone works, and wins over the engagement's.
    with_zone = load("incidents", path, {**mapping, "timezone": CHICAGO}, timezone="Asia/Tokyo")
    assert with_zone.timezone == CHICAGO
    assert with_zone.data["occurred_at"].iloc[0] == pd.Timestamp("2024-01-05 21:15")


def test_unreadable_offsets_are_quarantined_like_bad_dates(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bad.csv",
        [
            "call_id,received_at,call_type,arrived_at",
            "1,2024-01-05 10:00:00 +25:00,THEFT,",
            "2,2024-01-05 10:00 CST,THEFT,",
            "3,2024-01-05T10:00:00-06:00,THEFT,2024-01-05 10:20 EST",
            "4,2024-01-05 10:00 PM,THEFT,",  # not a known layout
        ],
    )
    result = load("calls", path, timezone=CHICAGO)
    assert result.rows_read == len(result.data) + len(result.rejected)
    assert list(result.rejected["source_row"]) == [1, 2, 4]  # the required received_at
    reasons = result.rejected.set_index("source_row")["reason"]
    assert reasons[[1, 2]].str.contains("UTC offset or time zone that cannot be read").all()
    # "PM" is not read as a zone name: an unknown layout is a bad date, not a bad offset.
    assert "is not a date/time in any known date format" in reasons[4]
    kept = result.data.set_index("call_id")
    assert kept.loc["3", "received_at"] == pd.Timestamp("2024-01-05 10:00")
    assert pd.isna(kept.loc["3", "arrived_at"])  # an optional value: set missing, row kept
    missing = result.problems[result.problems["outcome"] == "set missing"]
    assert list(missing["column"]) == ["arrived_at"]
    assert missing["value"].iloc[0] == "2024-01-05 10:20 EST"


def test_spring_forward_gap_and_fall_back_repeat_follow_the_documented_rule(
    tmp_path: Path,
) -> None:
    """02:30 does not exist on 10 March 2024 in Chicago; 01:30 occurs twice on 3 November."""
    path = write(
        tmp_path / "dst.csv",
        [
            "incident_id,occurred_at,offense",
            "G1,2024-03-10 02:30:00,Theft",
            "G2,2024-03-10 02:00:00,Theft",
            "R1,2024-11-03 01:30:00,Theft",
            "N1,2024-03-10 03:30:00,Theft",
        ],
    )
    result = load("incidents", path, timezone=CHICAGO)
    assert result.rejected.empty
    times = result.data.set_index("incident_id")["occurred_at"]
    # PEP 495, fold=0: a gap time is read with the offset before the change (CST, -6),
    # which is the same instant as one hour later in daylight time.
    zone = zoneinfo.ZoneInfo(CHICAGO)
    expected = dt.datetime(2024, 3, 10, 2, 30, tzinfo=zone).astimezone(dt.UTC).astimezone(zone)
    assert times["G1"] == pd.Timestamp(expected.replace(tzinfo=None))
    assert times["G1"] == pd.Timestamp("2024-03-10 03:30")
    assert times["G2"] == pd.Timestamp("2024-03-10 03:00")
    assert times["R1"] == pd.Timestamp("2024-11-03 01:30")  # kept as written
    assert times["N1"] == pd.Timestamp("2024-03-10 03:30")
    adjustments = dict(
        zip(result.adjustments["adjustment"], result.adjustments["values"], strict=True)
    )
    gap = next(k for k in adjustments if "did not exist" in k)
    repeat = next(k for k in adjustments if "occurred twice" in k)
    assert adjustments[gap] == 2 and adjustments[repeat] == 1
    summary = result.summary()
    assert "2 values of occurred_at did not exist in America/Chicago" in summary
    assert "1 value of occurred_at occurred twice" in summary
    # Without a time zone nothing is known about daylight saving: the times stay as written.
    plain = load("incidents", path)
    assert plain.data["occurred_at"].iloc[0] == pd.Timestamp("2024-03-10 02:30")
    assert plain.adjustments.empty and plain.timezone is None


def test_date_and_time_parts_follow_the_rule_too(tmp_path: Path) -> None:
    path = write(
        tmp_path / "parts.csv",
        ["id,date,time,type", "1,03/10/2024,02:15,THEFT", "2,03/11/2024,02:15,THEFT"],
    )
    mapping = {
        "columns": {"call_id": "id", "call_type": "type"},
        "datetimes": {"received_at": {"date": "date", "time": "time"}},
    }
    result = load("calls", path, mapping, timezone=CHICAGO)
    assert result.data["received_at"].tolist() == [
        pd.Timestamp("2024-03-10 03:15"),
        pd.Timestamp("2024-03-11 02:15"),
    ]


def test_typed_parquet_times_with_a_zone_are_converted(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "incident_id": ["P1", "P2"],
            "occurred_at": pd.to_datetime(["2024-01-06 03:15", "2024-07-04 02:00"]).tz_localize(
                "UTC"
            ),
            "offense": ["Theft", "Theft"],
        }
    )
    frame.to_parquet(tmp_path / "typed.parquet")
    with pytest.raises(LoadError, match="no time zone is known"):
        load("incidents", tmp_path / "typed.parquet")
    result = load("incidents", tmp_path / "typed.parquet", timezone=CHICAGO)
    assert result.data["occurred_at"].tolist() == [
        pd.Timestamp("2024-01-05 21:15"),
        pd.Timestamp("2024-07-03 21:00"),
    ]


def test_a_format_with_percent_z_and_an_unknown_zone(tmp_path: Path) -> None:
    path = write(
        tmp_path / "fmt.csv",
        ["incident_id,occurred_at,offense", "F1,05.01.2024 22:00 +0100,Theft"],
    )
    mapping = {"formats": {"occurred_at": "%d.%m.%Y %H:%M %z"}, "timezone": "Europe/Berlin"}
    result = load("incidents", path, mapping)
    assert result.data["occurred_at"].iloc[0] == pd.Timestamp("2024-01-05 22:00")
    with pytest.raises(LoadError, match="unknown time zone 'Mars/Olympus'"):
        load("incidents", path, timezone="Mars/Olympus")
