"""Loaders: typing, quarantine, strict errors and the no-silent-loss invariant on broken input."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pandas as pd
import pytest

import cs360lib as cs
from cs360lib.data.loaders import LoadError, SourceNotFoundError, load

HEADER = "incident_id,occurred_at,offense,offense_group,district,beat,address,lat,lon"
GOOD_ROWS = [
    "A1,2023-01-05 10:15:00,Robbery - street,Robbery,01,E2,100 block of Main St,41.10,-87.60",
    "A2,2023-01-06 22:40:00,Theft from auto,Theft,02,W1,200 block of Oak Ave,41.11,-87.61",
    "A3,2023-02-01 03:05:00,Burglary - residential,Burglary,02,W2,300 block of Elm St,,",
    "A4,2023-02-11 14:00:00,Simple assault,Assault,03,N1,400 block of Pine St,41.12,-87.62",
]


def write(path: Path, lines: list[str], *, encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def assert_invariant(result: cs.LoadResult) -> None:
    assert result.rows_read == len(result.data) + len(result.rejected)


@pytest.fixture
def good_csv(tmp_path: Path) -> Path:
    return write(tmp_path / "incidents.csv", [HEADER, *GOOD_ROWS])


def test_clean_file_loads_typed(good_csv: Path) -> None:
    result = load("incidents", good_csv)
    assert_invariant(result)
    assert result.rows_read == 4 and result.rejected.empty
    data = result.data
    assert str(data["incident_id"].dtype) == "string"
    assert data["incident_id"].dtype.storage == "pyarrow"
    assert str(data["occurred_at"].dtype) == "datetime64[ns]"
    assert isinstance(data["district"].dtype, pd.CategoricalDtype)
    assert list(data["district"].astype(str)) == ["01", "02", "02", "03"]  # leading zeros kept
    assert data.loc[2, ["lat", "lon"]].isna().all()
    assert data["occurred_at"].iloc[0] == pd.Timestamp("2023-01-05 10:15:00")
    assert list(data["source_row"]) == [1, 2, 3, 4]
    assert "4 rows read, 4 loaded, 0 rejected" in result.summary()


def test_load_kind_helpers_match_load(good_csv: Path) -> None:
    pd.testing.assert_frame_equal(
        cs.load_incidents(good_csv).data, load("incidents", good_csv).data
    )


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", ["incident_id,offense", "1,Robbery"])
    with pytest.raises(LoadError) as info:
        load("incidents", path)
    message = str(info.value)
    assert "x.csv" in message and "occurred_at" in message and "incident_id" in message
    assert isinstance(info.value, ValueError)


def test_unparseable_dates_are_quarantined_with_reason(tmp_path: Path) -> None:
    rows = [
        *GOOD_ROWS,
        "B1,2023-02-30 10:00:00,Robbery,Robbery,01,E2,,,",
        "B2,yesterday,Theft,Theft,01,E2,,,",
    ]
    result = load("incidents", write(tmp_path / "d.csv", [HEADER, *rows]))
    assert_invariant(result)
    assert list(result.rejected["source_row"]) == [5, 6]
    assert list(result.rejected["incident_id"]) == ["B1", "B2"]
    assert list(result.rejected["occurred_at"]) == [
        "2023-02-30 10:00:00",
        "yesterday",
    ]  # original text
    assert result.rejected["reason"].str.contains("occurred_at").all()
    assert result.rejected["reason"].str.contains("not a date").all()
    by_reason = result.rejected_by_reason()
    assert by_reason.loc[0, "column"] == "occurred_at" and by_reason.loc[0, "rows"] == 2


def test_strict_raises_one_error_listing_columns_rows_and_examples(tmp_path: Path) -> None:
    rows = list(GOOD_ROWS)
    rows += [f"C{i},not a date,Theft,Theft,01,E2,,," for i in range(12)]
    rows += ["D1,2023-01-01 00:00:00,Theft,Theft,01,E2,,95,-87"]
    path = write(tmp_path / "s.csv", [HEADER, *rows])
    with pytest.raises(LoadError) as info:
        load("incidents", path, strict=True)
    message = str(info.value)
    assert "s.csv" in message
    assert "column occurred_at" in message and "column lat" in message
    assert "rows 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 ..." in message  # at most 10 row numbers
    assert "'not a date'" in message and "'95'" in message
    # 12 bad dates, the latitude 95, and its longitude set missing with it (a point needs both).
    problems = info.value.problems
    assert problems is not None and len(problems) == 14
    assert list(problems["outcome"]).count("set missing") == 2
    assert (
        "column lat: is not a latitude (it must be between -90 and 90) (the value would be set missing)"
        in message
    )


def test_empty_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(LoadError, match="empty.csv: the file is empty"):
        load("incidents", path)


def test_header_only_gives_zero_rows(tmp_path: Path) -> None:
    result = load("incidents", write(tmp_path / "h.csv", [HEADER]))
    assert result.rows_read == 0 and result.data.empty and result.rejected.empty
    assert list(result.data.columns[:3]) == ["incident_id", "occurred_at", "offense"]


def test_wrong_separator_gets_a_hint(tmp_path: Path) -> None:
    lines = [HEADER.replace(",", ";"), *(row.replace(",", ";") for row in GOOD_ROWS)]
    path = write(tmp_path / "semi.csv", lines)
    with pytest.raises(LoadError, match="';'-separated; set read.sep"):
        load("incidents", path)
    result = load("incidents", path, {"read": {"sep": ";"}})
    assert len(result.data) == 4


def test_non_utf8_bytes_are_quarantined_not_mangled(tmp_path: Path) -> None:
    rows = [*GOOD_ROWS, "E1,2023-03-01 12:00:00,Caf\xe9 robbery,Robbery,01,E2,,,"]
    path = write(tmp_path / "latin.csv", [HEADER, *rows], encoding="latin-1")
    result = load("incidents", path)
    assert_invariant(result)
    assert len(result.data) == 4 and len(result.rejected) == 1
    rejected = result.rejected.iloc[0]
    assert rejected["source_row"] == 5
    assert "encoding" in rejected["reason"] and "offense" in rejected["reason"]
    assert rejected["offense"] == "Caf\\xe9 robbery"  # the byte is shown, not replaced
    fixed = load("incidents", path, {"read": {"encoding": "latin-1"}})
    assert fixed.rejected.empty and fixed.data["offense"].iloc[4] == "Café robbery"


def test_byte_order_mark_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join([HEADER, *GOOD_ROWS]) + "\n").encode())
    result = load("incidents", path)
    assert result.rejected.empty and result.data["incident_id"].iloc[0] == "A1"


def test_truncated_last_line_is_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "trunc.csv"
    path.write_text("\n".join([HEADER, *GOOD_ROWS, "A5,2023-03-01 1"]))  # no final newline
    result = load("incidents", path)
    assert_invariant(result)
    assert result.rows_read == 5 and len(result.data) == 4
    line = result.rejected.iloc[0]
    assert line["source_row"] == 5 and line["raw_line"] == "A5,2023-03-01 1"
    assert "fields" in line["reason"]


def test_extra_field_in_the_middle_keeps_row_numbers(tmp_path: Path) -> None:
    rows = [GOOD_ROWS[0], GOOD_ROWS[1] + ",extra", GOOD_ROWS[2], GOOD_ROWS[3]]
    result = load("incidents", write(tmp_path / "mid.csv", [HEADER, *rows]))
    assert list(result.data["source_row"]) == [1, 3, 4]
    assert list(result.rejected["source_row"]) == [2]


def test_duplicate_ids_are_reported_and_optionally_rejected(tmp_path: Path) -> None:
    rows = [*GOOD_ROWS, GOOD_ROWS[0], GOOD_ROWS[1].replace("Theft from auto", "Theft - other")]
    path = write(tmp_path / "dup.csv", [HEADER, *rows])
    kept = load("incidents", path)
    assert len(kept.data) == 6
    duplicates = kept.duplicates.set_index("incident_id")
    assert duplicates.loc["A1", "count"] == 2 and duplicates.loc["A1", "source_rows"] == [1, 5]
    assert "2 values of incident_id occur more than once" in kept.summary()

    exact = load("incidents", path, {"duplicates": "reject_exact"})
    assert_invariant(exact)
    assert list(exact.rejected["source_row"]) == [5]
    assert "exact duplicate" in exact.rejected["reason"].iloc[0]
    assert "row 1" in exact.rejected["reason"].iloc[0]

    by_key = load("incidents", path, {"duplicates": "reject_key"})
    assert list(by_key.rejected["source_row"]) == [5, 6]
    assert by_key.duplicates.empty


def test_gzip_glob_and_folder_sources(tmp_path: Path) -> None:
    folder = tmp_path / "monthly"
    folder.mkdir()
    for i, row in enumerate(GOOD_ROWS):
        with gzip.open(folder / f"inc_{i}.csv.gz", "wt") as handle:
            handle.write(HEADER + "\n" + row + "\n")
    from_folder = load("incidents", folder, {"read": {"files": "inc_*.csv.gz"}})
    from_glob = load("incidents", str(folder / "inc_*.csv.gz"))
    from_list = load("incidents", sorted(folder.glob("*.gz")))
    for result in (from_folder, from_glob, from_list):
        assert result.rows_read == 4 and len(result.files) == 4
        assert list(result.data["source_file"].astype(str)) == [f"inc_{i}.csv.gz" for i in range(4)]


def test_parquet_and_excel_sources(tmp_path: Path, good_csv: Path) -> None:
    frame = pd.read_csv(good_csv, dtype=str)
    frame.to_parquet(tmp_path / "inc.parquet")
    frame.to_excel(tmp_path / "inc.xlsx", index=False)
    typed = frame.assign(
        occurred_at=pd.to_datetime(frame["occurred_at"]), lat=frame["lat"].astype(float)
    )
    typed.to_parquet(tmp_path / "typed.parquet")
    for name in ("inc.parquet", "inc.xlsx", "typed.parquet"):
        result = load("incidents", tmp_path / name)
        assert result.rejected.empty, name
        assert result.data["occurred_at"].iloc[1] == pd.Timestamp("2023-01-06 22:40")
        assert list(result.data["district"].astype(str)) == ["01", "02", "02", "03"]


def test_missing_source_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError, match="nope.csv: no such file"):
        load("incidents", tmp_path / "nope.csv")
    with pytest.raises(SourceNotFoundError, match="no file matches"):
        load("incidents", str(tmp_path / "*.csv"))


def test_mapping_features(tmp_path: Path) -> None:
    path = write(
        tmp_path / "src.csv",
        [
            "DC_KEY,DATE,HOUR,CODE,DIST,PSA,IN_OUT,Y,X,SECTOR,DISTRICT,TYPE",
            "201819001299.00000000,2018-01-05,14,820,1,A,I,0,0,,,THEFT: PETTY",
            "201819001300.00000000,2018-01-05,7,1811,12,2,Outside,39.95,-75.16,121,12,ASSAULT: SIMPLE",
            "201819001301.00000000,2018-01-06,24,460,3,1,O,39.9,-75.1,,3,BURGLARY: HOME",
            "201819001302.00000000,1963-01-06,1,460,3,1,O,39.9,-75.1,,,BURGLARY: HOME",
        ],
    )
    mapping = {
        "kind": "incidents",
        "columns": {
            "incident_id": "DC_KEY",
            "offense": "TYPE",
            "offense_group": "TYPE",
            "district": "DIST",
            "beat": ["SECTOR", "DISTRICT", "PSA"],
            "lat": "Y",
            "lon": "X",
        },
        "extra": {"iucr": "CODE", "inside_outside": "IN_OUT", "beat_level": "SECTOR"},
        "datetimes": {"occurred_at": {"date": "DATE", "hour": "HOUR"}},
        "formats": {"occurred_at": "%Y-%m-%d"},
        "clean": {
            "incident_id": ["float_id"],
            "district": ["zero_pad:2"],
            "iucr": ["zero_pad:4"],
            "offense_group": ["split:::0", "title"],
        },
        "values": {"inside_outside": {"I": "inside", "O": "outside", "Outside": "outside"}},
        "missing": {"lat": ["0"], "lon": ["0"]},
        "bounds": {"occurred_at": ["2014-01-01", None]},
    }
    result = load("incidents", path, mapping)
    assert_invariant(result)
    data = result.data
    assert list(data["incident_id"]) == ["201819001299", "201819001300"]
    assert list(data["district"].astype(str)) == ["01", "12"]
    assert list(data["iucr"]) == ["0820", "1811"]
    assert list(data["offense_group"]) == ["Theft", "Assault"]
    assert list(data["beat"].astype(str)) == ["A", "121"]
    assert list(data["inside_outside"]) == ["inside", "outside"]
    assert data["occurred_at"].tolist() == [
        pd.Timestamp("2018-01-05 14:00"),
        pd.Timestamp("2018-01-05 07:00"),
    ]
    assert data["lat"].isna().iloc[0] and data["lat"].iloc[1] == 39.95
    reasons = dict(zip(result.rejected["source_row"], result.rejected["reason"], strict=True))
    assert "hour part (HOUR)" in reasons[3] and "'24'" in reasons[3]
    assert "before the allowed 2014-01-01" in reasons[4]


def test_constants_which_and_time_parts(tmp_path: Path) -> None:
    path = write(
        tmp_path / "survey.csv",
        [
            "START_DATE,AREA,DISTRICT,SECTOR,SAFETY",
            "01/01/2020,,,,61.2",
            "01/01/2020,2,,,55",
            "02/01/2020,2,7,712,",
            "02/01/2020,2,7,,58",
        ],
    )
    mapping = {
        "columns": {
            "period": "START_DATE",
            "area": ["SECTOR", "DISTRICT", "AREA"],
            "score": "SAFETY",
        },
        "constants": {"item": "safety", "scale": "0-100", "respondent_group": "all"},
        "which": {
            "area_level": {
                "SECTOR": "sector",
                "DISTRICT": "district",
                "AREA": "area",
                "default": "city",
            }
        },
    }
    result = load("survey", path, mapping)
    assert_invariant(result)
    assert list(result.data["area"]) == ["2", "7"]
    assert list(result.data["area_level"]) == ["area", "district"]
    assert list(result.data["item"]) == ["safety", "safety"]
    assert result.data["period"].tolist() == [
        pd.Timestamp("2020-01-01"),
        pd.Timestamp("2020-02-01"),
    ]
    reasons = list(result.rejected["reason"])
    assert reasons[0].startswith("area (empty) is missing") and reasons[1].startswith(
        "score (empty) is missing"
    )

    calls = write(
        tmp_path / "calls.csv",
        [
            "id,d,t,type",
            "1,9/9/17,23:45:00,ROBBERY",
            "2,9/10/17,7:05,THEFT",
            "3,9/10/17,25:00,THEFT",
        ],
    )
    loaded = load(
        "calls",
        calls,
        {
            "columns": {"call_id": "id", "call_type": "type"},
            "datetimes": {"received_at": {"date": "d", "time": "t"}},
        },
    )
    assert loaded.data["received_at"].tolist() == [
        pd.Timestamp("2017-09-09 23:45"),
        pd.Timestamp("2017-09-10 07:05"),
    ]
    assert "time part (t)" in loaded.rejected["reason"].iloc[0]


def test_mapping_errors_name_the_key(tmp_path: Path, good_csv: Path) -> None:
    with pytest.raises(cs.MappingError, match="not columns of kind 'incidents'"):
        load("incidents", good_csv, {"columns": {"offence": "offense"}})
    with pytest.raises(cs.MappingError, match="clean.incident_id: unknown operation"):
        load("incidents", good_csv, {"clean": {"incident_id": ["shout"]}})
    with pytest.raises(cs.MappingError, match="written for kind 'calls'"):
        load("incidents", good_csv, {"kind": "calls"})
    with pytest.raises(cs.MappingError, match="neither a YAML file nor a shipped mapping"):
        load("incidents", good_csv, "no_such_mapping")
    with pytest.raises(ValueError, match="unknown kind 'crimes'"):
        load("crimes", good_csv)


def test_other_kinds_check_their_vocabularies(tmp_path: Path) -> None:
    path = write(
        tmp_path / "interviews.csv",
        [
            "interview_id,stakeholder_id,sector,theme,response",
            "I1,S1,community,public_safety_concerns,Robberies near the bus hub",
            "I2,S2,church,public_safety_concerns,Speeding",
            "I3,S3,government,weather,Potholes",
        ],
    )
    result = load("interviews", path)
    assert_invariant(result)
    assert list(result.rejected["source_row"]) == [2, 3]
    assert "sector 'church' is not one of" in result.rejected["reason"].iloc[0]
    assert "theme 'weather' is not one of" in result.rejected["reason"].iloc[1]


def test_invariant_holds_under_random_corruption(tmp_path: Path) -> None:
    """Fuzz: damage random cells and lines; every row must be kept or rejected, never lost."""
    rng = random.Random(360)
    damages = [
        "",
        "not a date",
        "2023-13-45 00:00:00",
        "abc",
        "95",
        "\u00e9\u00e8",
        "1e999",
        '"',
        ",,",
    ]
    for trial in range(40):
        lines = [HEADER]
        for i in range(30):
            fields = GOOD_ROWS[i % 4].split(",")
            fields[0] = f"R{i}"
            if rng.random() < 0.3:
                fields[rng.randrange(len(fields))] = rng.choice(damages)
            line = ",".join(fields)
            if rng.random() < 0.05:
                line = line[: rng.randrange(1, len(line))]
            lines.append(line)
        path = write(tmp_path / f"fuzz{trial}.csv", lines)
        try:
            result = load("incidents", path)
        except LoadError:
            continue  # a whole-file error is explicit, not a silent loss
        assert_invariant(result)
        rows = set(result.data["source_row"]) | set(result.rejected["source_row"])
        assert result.rows_read == len(rows), f"trial {trial}: row numbers collide or go missing"


def test_date_plus_hour_with_time_fallback_and_missing_time(tmp_path: Path) -> None:
    path = write(
        tmp_path / "parts.csv",
        [
            "id,date,hour,time,type",
            "1,2021-03-01,14,14:37:00,Theft",  # hour preferred: 14:00
            "2,2021-03-01,,18:37:00,Theft",  # no hour: the time fills in
            "3,2021-03-01,,,Theft",  # no time of day at all
            "4,2021-03-01,9,00:00:00,Homicide",  # time is a placeholder; the hour is used
        ],
    )
    mapping = {
        "columns": {"incident_id": "id", "offense": "type"},
        "datetimes": {"occurred_at": {"date": "date", "hour": "hour", "time": "time"}},
    }
    result = load("incidents", path, mapping)
    assert_invariant(result)
    assert result.data["occurred_at"].tolist() == [
        pd.Timestamp("2021-03-01 14:00"),
        pd.Timestamp("2021-03-01 18:37"),
        pd.Timestamp("2021-03-01 09:00"),
    ]
    assert list(result.rejected["source_row"]) == [3]
    assert "no time of day (hour and time empty)" in result.rejected["reason"].iloc[0]
    mapping["datetimes"]["occurred_at"]["missing_time"] = "midnight"
    midnight = load("incidents", path, mapping)
    assert midnight.rejected.empty
    assert midnight.data["occurred_at"].iloc[2] == pd.Timestamp("2021-03-01 00:00")
    mapping["datetimes"]["occurred_at"]["prefer"] = "time"
    by_time = load("incidents", path, mapping)
    assert by_time.data["occurred_at"].iloc[0] == pd.Timestamp("2021-03-01 14:37")


def test_lineage_is_consistent_across_data_rejected_problems_and_duplicates(tmp_path: Path) -> None:
    for month, rows in (
        ("01", GOOD_ROWS[:2]),
        ("02", [GOOD_ROWS[0], "Z9,never,Theft,Theft,01,E2,,,"]),
    ):
        write(tmp_path / f"inc_{month}.csv", [HEADER, *rows])
    result = load("incidents", str(tmp_path / "inc_*.csv"))
    assert set(result.data["source_file"].astype(str)) == {"inc_01.csv", "inc_02.csv"}
    assert list(result.rejected["source_file"]) == ["inc_02.csv"]
    assert list(result.problems.columns) == [
        "source_file",
        "source_row",
        "column",
        "problem",
        "value",
        "outcome",
    ]
    assert list(result.problems["source_file"]) == ["inc_02.csv"]
    assert list(result.problems["outcome"]) == ["rejected"]
    duplicate = result.duplicates.iloc[0]
    assert duplicate["incident_id"] == "A1" and duplicate["source_rows"] == [1, 1]
    assert duplicate["source_files"] == ["inc_01.csv", "inc_02.csv"]
    exact = load("incidents", str(tmp_path / "inc_*.csv"), {"duplicates": "reject_exact"})
    reasons = exact.rejected.set_index("source_row")["reason"]
    assert reasons[1] == "is an exact duplicate of an earlier row (row 1 of inc_01.csv)"
    with pytest.raises(LoadError) as info:
        load("incidents", str(tmp_path / "inc_*.csv"), strict=True)
    assert str(tmp_path / "inc_02.csv") in str(info.value)  # the strict message gives the full path


# --------------------------------------------------------------------------------------------
# Optional values that cannot be read are set missing; only required columns reject the row.


def test_optional_values_that_cannot_be_read_keep_their_row(tmp_path: Path) -> None:
    path = write(
        tmp_path / "calls.csv",
        [
            "call_id,received_at,call_type,priority,arrived_at,lat,lon",
            "C1,2024-01-05 10:00:00,THEFT,2,2024-01-05 10:12:00,41.88,-87.63",
            "C2,2024-01-05 11:00:00,THEFT,2,soon,95,-87.63",  # bad arrival, latitude 95
            "C3,not a date,THEFT,2,,41.88,-87.63",  # the required received_at
            "C4,2024-01-05 12:00:00,,1,,41.88,abc",  # no call type; bad longitude
        ],
    )
    result = load("calls", path)
    assert_invariant(result)
    assert list(result.data["call_id"]) == ["C1", "C2"]
    assert list(result.rejected["source_row"]) == [3, 4]
    kept = result.data.set_index("call_id")
    assert pd.isna(kept.loc["C2", "arrived_at"])
    assert pd.isna(kept.loc["C2", "lat"]) and pd.isna(kept.loc["C2", "lon"])  # a point needs both
    assert kept.loc["C1", "lat"] == 41.88
    problems = result.problems.set_index(["source_row", "column"])
    assert problems.loc[(2, "arrived_at"), "outcome"] == "set missing"
    assert problems.loc[(2, "arrived_at"), "value"] == "soon"
    assert (
        problems.loc[(2, "lat"), "problem"] == "is not a latitude (it must be between -90 and 90)"
    )
    assert problems.loc[(2, "lon"), "outcome"] == "set missing"
    assert problems.loc[(3, "received_at"), "outcome"] == "rejected"
    assert problems.loc[(4, "call_type"), "outcome"] == "rejected"
    # A bad optional value on a row rejected for another reason: listed, with the row's fate.
    assert problems.loc[(4, "lon"), "outcome"] == "rejected"
    assert "lon 'abc' is not a number" in result.rejected.set_index("source_row").loc[4, "reason"]
    assert result.values_set_missing == 3
    by_reason = result.rejected_by_reason()
    assert set(by_reason["column"]) == {"received_at", "call_type", "lon"}  # rows 3, 4
    assert set(result.missing_by_reason()["column"]) == {"arrived_at", "lat", "lon"}
    summary = result.summary()
    assert "4 rows read, 2 loaded, 2 rejected" in summary
    assert "3 values could not be read and were set missing (their rows are kept)" in summary


def test_schema_checks_of_optional_columns_set_missing(tmp_path: Path) -> None:
    stakeholders = write(
        tmp_path / "map.csv",
        [
            "stakeholder_id,organisation,sector,team",
            "S1,Block club,community,PST",
            "S2,Church,community,choir",  # team is optional: set missing
            "S3,Council,parliament,AT",  # sector is required: rejected
        ],
    )
    result = load("stakeholders", stakeholders)
    assert_invariant(result)
    assert list(result.data["stakeholder_id"]) == ["S1", "S2"]
    assert pd.isna(result.data["team"].iloc[1])
    assert list(result.rejected["source_row"]) == [3]
    arrests = write(
        tmp_path / "arrests.csv",
        ["arrest_id,arrested_at,charge,age", "A1,2024-01-05,THEFT,150", "A2,2024-01-05,THEFT,31"],
    )
    loaded = load("arrests", arrests)
    assert loaded.rejected.empty and loaded.data["age"].isna().tolist() == [True, False]
    assert (
        loaded.problems["problem"].iloc[0]
        == "is not an age in years (it must be between 0 and 120)"
    )


def test_the_column_reference_says_what_required_means() -> None:
    from cs360lib.data.schema_docs import columns_markdown
    from cs360lib.data.schemas import required_columns

    text = columns_markdown()
    flat = " ".join(text.split())
    assert "a row whose required value is missing or cannot be read is rejected" in flat
    assert "An optional value that cannot be read" in flat and "is set missing" in flat
    assert required_columns("calls") == ["call_id", "received_at", "call_type"]
    assert "| `call_type` | Call type | string | yes |" in text


# --------------------------------------------------------------------------------------------
# Revised records: keep the latest version of each key.


CAD_HEADER = "event,received,type,disposition,updated"
CAD_MAPPING = {
    "columns": {
        "call_id": "event",
        "received_at": "received",
        "call_type": "type",
        "disposition": "disposition",
    },
    "extra": {"updated_at": "updated"},
    "duplicates": "keep_latest",
    "order_by": "updated_at",
}


def test_keep_latest_counts_each_call_once_with_its_latest_disposition(tmp_path: Path) -> None:
    path = write(
        tmp_path / "cad.csv",
        [
            CAD_HEADER,
            "E1,2024-01-05 10:00,ROBBERY,PENDING,2024-01-05 10:05",
            "E2,2024-01-05 10:30,THEFT,REPORT TAKEN,2024-01-05 11:00",
            "E1,2024-01-05 10:00,ROBBERY,ARREST MADE,2024-01-05 13:40",
            "E3,2024-01-05 11:00,DISTURBANCE,PENDING,2024-01-05 11:02",
            "E1,2024-01-05 10:00,ROBBERY,ON SCENE,2024-01-05 10:20",  # written after, older
            "E3,2024-01-05 11:00,DISTURBANCE,GONE ON ARRIVAL,2024-01-05 11:02",  # same time
        ],
    )
    mapping = CAD_MAPPING
    result = load("calls", path, mapping)
    assert_invariant(result)
    data = result.data.set_index("call_id")
    assert len(data) == 3 and data.index.is_unique  # each call once
    assert data.loc["E1", "disposition"] == "ARREST MADE"
    assert data.loc["E2", "disposition"] == "REPORT TAKEN"
    assert data.loc["E3", "disposition"] == "GONE ON ARRIVAL"  # a tie: the later row wins
    assert result.duplicates.empty
    rejected = result.rejected.set_index("source_row")
    assert list(rejected.index) == [1, 4, 5]
    assert rejected["reason"].str.startswith("superseded by a later version of the same key").all()
    assert rejected.loc[1, "reason"].endswith("(E1: kept row 3)")
    assert rejected.loc[4, "reason"].endswith("(E3: kept row 6)")
    assert (result.problems["outcome"] == "superseded").all()
    # Superseded versions are not faults: strict loads the file.
    assert len(load("calls", path, mapping, strict=True).data) == 3
    with pytest.raises(cs.MappingError, match="needs order_by"):
        load("calls", path, {**mapping, "order_by": None})


def test_duplicate_report_tells_revisions_from_exact_copies(tmp_path: Path) -> None:
    rows = [*GOOD_ROWS, GOOD_ROWS[0], GOOD_ROWS[1].replace("Theft from auto", "Theft - other")]
    result = load("incidents", write(tmp_path / "dup.csv", [HEADER, *rows]))
    table = result.duplicates.set_index("incident_id")
    assert table.loc["A1", "differing_columns"] == []  # an exact copy
    assert table.loc["A2", "differing_columns"] == ["offense"]
    summary = result.summary()
    assert "1 of them differ in their values (mostly offense)" in summary
    assert "1 are exact copies" in summary


def test_keep_latest_orders_us_dates_as_dates_not_as_text(tmp_path: Path) -> None:
    path = write(
        tmp_path / "cad.csv",
        [
            CAD_HEADER,
            "E1,1/5/2024 09:00,ROBBERY,PENDING,1/5/2024 9:05",
            "E1,1/5/2024 09:00,ROBBERY,CLOSED,1/10/2024 8:00",  # "1/10" < "1/5" as text
            "E1,1/5/2024 09:00,ROBBERY,ON SCENE,1/5/2024 9:30",
        ],
    )
    mapping = CAD_MAPPING
    result = load("calls", path, mapping)
    assert list(result.data["disposition"]) == ["CLOSED"]
    assert list(result.rejected["source_row"]) == [1, 3]
