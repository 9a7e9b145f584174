"""The shipped mappings (cs360lib/mappings/*.yml) on the real open data sets.

The data lives outside the repo, in ``../shared/data/real/<folder>/`` (see the SOURCE.md of
each folder). Every expected count below was checked independently with plain pandas
(``pd.read_csv(..., dtype=str, keep_default_na=False)``) before it was hard-coded, and the
quirk tests recompute their expectation from the raw file with pandas where that is cheap.
Philadelphia (736,033 rows in 60 files) is loaded once per module and its tests are ``slow``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest
import yaml

import cs360lib
from cs360lib.config.mapping import read_mapping, shipped_mappings
from cs360lib.data.schemas import SCHEMAS, column_types

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
MAPPINGS = Path(cs360lib.__file__).resolve().parent / "data" / "mappings"
STRING = pd.StringDtype("pyarrow")


class Expected(NamedTuple):
    kind: str
    folder: str
    rows_read: int
    loaded: int
    rejected: int
    duplicate_keys: int  # keys that occur more than once in .data
    repeat_rows: int  # rows beyond the first of each repeated key


EXPECTED: dict[str, Expected] = {
    # 84 repeat rows = 83 keys: 82 pairs plus one key (202203022221) seen three times.
    "philadelphia_incidents": Expected(
        "incidents", "philadelphia_incidents", 736_033, 736_033, 0, 83, 84
    ),
    "chicago_crimes": Expected("incidents", "chicago_crimes_sample", 25_000, 25_000, 0, 0, 0),
    # 152 rows without a date + 97 rows dated 1963-2013.
    "baltimore_part1_crime": Expected(
        "incidents", "baltimore_part1_crime", 340_300, 340_051, 249, 0, 0
    ),
    # One row per victim: 4,546 repeat rows over 2,763 incident keys. SOURCE.md says 21,407
    # rows; the file has 21,408 (pandas and csv agree; its per-year counts sum to 21,408).
    "nypd_shootings": Expected("incidents", "nypd_shootings", 21_408, 21_408, 0, 2_763, 4_546),
    "sf_calls": Expected("calls", "sf_calls_for_service", 24_833, 24_833, 0, 0, 0),
    # One mapping for every item and group (unpivot): 6,587 rows x 68 score columns = 447,916
    # cells, 120,560 empty (skipped), 327,356 long rows. The 70 exact duplicate wide rows give
    # 2,224 duplicate scores (rejected); 3 city-level (period, area) keys repeat with
    # different scores in all 34 items x groups where both are filled: 102 keys.
    "chicago_police_sentiment": Expected(
        "survey", "chicago_police_sentiment", 327_356, 325_132, 2_224, 102, 102
    ),
    "allegheny_overdoses": Expected(
        "partner_metrics", "allegheny_fatal_overdoses", 7_478, 7_478, 0, 0, 0
    ),
    "baltimore_arrests": Expected("arrests", "baltimore_arrests", 173_197, 173_197, 0, 0, 0),
    # SOURCE.md says 221 rows; the file has 222 (its last line has no newline).
    "seattle_calls": Expected("calls", "seattle_calls_for_service_sample", 222, 222, 0, 0, 0),
    # One row per complaint and bias motive: 2,406 rows, 2,200 complaint ids.
    "nypd_hate_crimes": Expected("incidents", "nypd_hate_crimes", 2_406, 2_406, 0, 139, 206),
    "memphis_robberies": Expected("incidents", "memphis_robberies", 2_245, 2_245, 0, 0, 0),
}

SLOW = {"philadelphia_incidents"}


def _folder(name: str) -> Path:
    if not REAL.is_dir():
        pytest.skip("../shared/data/real not present: real-data tests need the shared data folder")
    folder = REAL / EXPECTED[name].folder
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    return folder


def _raw(path: Path, **kwargs: object) -> pd.DataFrame:
    """Read a source file the independent way: every value as text, nothing as NA."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kwargs)


@pytest.fixture(scope="module")
def loaded():
    """Load each shipped mapping's data set at most once per module."""
    from cs360lib.data.loaders import load

    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            cache[name] = load(EXPECTED[name].kind, _folder(name), name)
        return cache[name]

    return get


def _rows(result) -> pd.DataFrame:
    """The loaded rows indexed by (source_file, source_row) for joins with a raw read."""
    data = result.data.copy()
    data["source_file"] = data["source_file"].astype(str)
    return data.set_index(["source_file", "source_row"])


# --------------------------------------------------------------------------------------------
# every YAML in cs360lib/mappings/


def test_every_shipped_mapping_is_tested_here():
    assert sorted(shipped_mappings()) == sorted(EXPECTED)


@pytest.mark.parametrize("path", sorted(MAPPINGS.glob("*.yml")), ids=lambda p: p.stem)
def test_shipped_yaml_parses_and_names_canonical_columns(path):
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(spec, dict)
    kind = spec["kind"]
    assert kind in SCHEMAS
    assert spec.get("description"), "a shipped mapping says what it is for"
    canonical = set(column_types(kind))
    produced = set()
    for section in ("columns", "datetimes", "constants", "which"):
        names = set(spec.get(section) or {})
        assert names <= canonical, f"{section}: {sorted(names - canonical)} not in {kind}"
        produced |= names
    extra = set(spec.get("extra") or {})
    assert not extra & canonical
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in extra)
    for section in ("formats", "clean", "values", "missing", "bounds"):
        assert set(spec.get(section) or {}) <= produced | extra, section
    assert spec.get("duplicates", "keep") in {"keep", "reject_exact", "reject_key"}
    for name in spec.get("key") or []:
        assert name in produced | extra
    # The library's own validation agrees.
    mapping = read_mapping(path.stem)
    mapping.check_kind(kind)
    assert mapping.kind == kind


# --------------------------------------------------------------------------------------------
# counts, the invariant and the schema's dtypes, for every shipped mapping


def _check_dtypes(result) -> None:
    data = result.data
    for column, simple in column_types(result.kind).items():
        if column not in data:
            continue
        dtype = data[column].dtype
        if simple == "string":
            assert dtype == STRING, (column, dtype)
        elif simple == "category":
            assert isinstance(dtype, pd.CategoricalDtype), (column, dtype)
        elif simple == "datetime":
            assert dtype == np.dtype("datetime64[ns]"), (column, dtype)
        elif simple == "float":
            assert dtype == np.dtype("float64"), (column, dtype)
        elif simple == "int":
            assert dtype == pd.Int64Dtype(), (column, dtype)
    spec = read_mapping(result.mapping)
    for column in spec.extra:
        assert data[column].dtype == STRING, (column, data[column].dtype)
    assert {"source_file", "source_row"} <= set(data.columns)
    head = ["source_file", "source_row"] + (["source_column"] if result.value_columns else [])
    assert list(result.rejected.columns[: len(head) + 1]) == [*head, "reason"]


@pytest.mark.real
@pytest.mark.parametrize(
    "name",
    [pytest.param(name, marks=[pytest.mark.slow] if name in SLOW else []) for name in EXPECTED],
)
def test_counts_invariant_and_dtypes(loaded, name):
    expected = EXPECTED[name]
    result = loaded(name)
    assert result.rows_read == len(result.data) + len(result.rejected)
    assert result.rows_read == expected.rows_read
    assert len(result.data) == expected.loaded
    assert len(result.rejected) == expected.rejected
    assert len(result.duplicates) == expected.duplicate_keys
    repeats = (
        int(result.duplicates["count"].sum() - len(result.duplicates))
        if len(result.duplicates)
        else 0
    )
    assert repeats == expected.repeat_rows
    assert result.rejected["reason"].notna().all()
    # Every source row (every cell, after an unpivot) is accounted for exactly once.
    lineage = ["source_file", "source_row"] + (["source_column"] if result.value_columns else [])
    rows = pd.concat(
        [result.data[lineage].astype(str), result.rejected[lineage].astype(str)],
        ignore_index=True,
    )
    assert len(rows) == result.rows_read
    assert not rows.duplicated().any()
    _check_dtypes(result)


# --------------------------------------------------------------------------------------------
# Philadelphia incidents (slow: 60 files, 736k rows)


@pytest.fixture(scope="module")
def philly_raw():
    """The columns the quirk tests need, read independently with pandas."""
    folder = _folder("philadelphia_incidents")
    frames = []
    for path in sorted(folder.glob("incidents_*.csv.gz")):
        frame = _raw(path, usecols=["dc_key", "dc_dist", "dispatch_date", "hour", "point_x"])
        frame["source_file"] = path.name
        frame["source_row"] = np.arange(1, len(frame) + 1)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True).set_index(["source_file", "source_row"])


@pytest.mark.real
@pytest.mark.slow
def test_philadelphia_ids_districts_and_known_row(loaded):
    data = loaded("philadelphia_incidents").data
    assert len(data["source_file"].cat.categories) == 60
    # dc_key "201819001299.00000000" -> "201819001299"
    assert data["incident_id"].str.fullmatch(r"\d{12}").all()
    first = data[(data["source_file"] == "incidents_2018_01.csv.gz") & (data["source_row"] == 1)]
    row = first.iloc[0]
    assert row["incident_id"] == "201819001299"
    assert row["occurred_at"] == pd.Timestamp("2018-01-06 18:00")  # dispatch_date + hour 18
    assert row["district"] == "19"
    assert row["offense"] == "Homicide - Criminal"
    assert row["offense_group"] == "Homicide"
    assert row["lat"] == pytest.approx(39.97280664)
    assert row["lon"] == pytest.approx(-75.21639708)
    # Leading zeros kept, PSA 'A' kept.
    districts = data["district"].value_counts()
    assert districts["01"] == 12_690
    assert "1" not in districts.index
    assert set(data["district"].cat.categories) == {
        "01", "02", "03", "05", "06", "07", "08", "09", "12", "14", "15", "16", "17", "18",
        "19", "22", "24", "25", "26", "35", "39", "77",
    }  # fmt: skip
    assert data["beat"].value_counts()["A"] == 3_207
    assert data["beat"].isna().sum() == 370
    assert data["offense_group"].notna().all()
    assert data["occurred_at"].min().normalize() == pd.Timestamp("2017-12-31")
    assert data["occurred_at"].max().normalize() == pd.Timestamp("2022-12-31")


@pytest.mark.real
@pytest.mark.slow
def test_philadelphia_datetime_from_date_and_hour_on_every_row(loaded, philly_raw):
    data = _rows(loaded("philadelphia_incidents"))
    raw = philly_raw.loc[data.index]
    has_hour = raw["hour"] != ""
    expected = pd.to_datetime(raw.loc[has_hour, "dispatch_date"], format="%Y-%m-%d") + (
        pd.to_timedelta(raw.loc[has_hour, "hour"].astype(int), unit="h")
    )
    assert (data.loc[has_hour, "occurred_at"] == expected).all()
    # The day is always dispatch_date, never the UTC day of dispatch_date_time.
    days = pd.to_datetime(raw["dispatch_date"], format="%Y-%m-%d")
    assert (data["occurred_at"].dt.normalize() == days).all()
    assert (~has_hour).sum() == 1_603  # see docs/real_data.md: no hour on these rows


@pytest.mark.real
@pytest.mark.slow
def test_philadelphia_missing_coordinates_and_duplicate_keys(loaded, philly_raw):
    result = loaded("philadelphia_incidents")
    data = _rows(result)
    no_point = philly_raw.loc[data.index, "point_x"] == ""
    assert no_point.sum() == 2_974
    assert data["lat"].isna().equals(no_point)
    assert data["lon"].isna().equals(no_point)
    # Duplicate dc_keys: reported, kept, and the same as a plain pandas count.
    keys = philly_raw["dc_key"].str.replace(r"\.0+$", "", regex=True)
    counts = keys.value_counts()
    repeated = counts[counts > 1]
    dups = result.duplicates.set_index("incident_id")["count"]
    assert dups.sort_index().to_dict() == repeated.sort_index().to_dict()
    assert dups["202203022221"] == 3
    assert int(result.data["incident_id"].isin(dups.index).sum()) == 167
    assert "84 repeat rows" in result.summary()


# --------------------------------------------------------------------------------------------
# Chicago crimes sample


@pytest.mark.real
def test_chicago_codes_restored(loaded):
    result = loaded("chicago_crimes")
    raw = _raw(_folder("chicago_crimes") / "chicago_crimes_sample_25k.csv")
    data = result.data.sort_values("source_row")
    assert (data["source_row"].to_numpy() == np.arange(1, len(raw) + 1)).all()
    # IUCR: '820' -> '0820', '143A' unchanged; independent: str.zfill(4).
    assert (raw["iucr"].str.len() == 3).sum() == 15_237
    assert (data["iucr"].to_numpy() == raw["iucr"].str.zfill(4).to_numpy()).all()
    assert data["iucr"].str.len().eq(4).all()
    assert data.loc[data["source_row"] == 2, "iucr"].item() == "0820"
    assert data.loc[data["source_row"] == 1, "iucr"].item() == "143A"
    # FBI code: '6' -> '06', '08B' unchanged.
    assert (data["fbi_code"].to_numpy() == raw["fbi_code"].str.zfill(2).to_numpy()).all()
    assert {"06", "08B", "01A", "26"} <= set(data["offense_group"])
    assert "6" not in set(data["offense_group"])
    # Beat and district are text categories, as written.
    assert (data["beat"].astype(str).to_numpy() == raw["beat"].to_numpy()).all()
    assert (data["district"].astype(str).to_numpy() == raw["district"].to_numpy()).all()
    assert data["record_id"].str.fullmatch(r"\d+").all()


@pytest.mark.real
def test_chicago_dates_m_d_yyyy(loaded):
    data = loaded("chicago_crimes").data.set_index("source_row")
    assert data.loc[1, "occurred_at"] == pd.Timestamp("2017-07-19 13:45")  # "7/19/2017 13:45"
    assert data.loc[1, "incident_id"] == "JA354631"
    raw = _raw(_folder("chicago_crimes") / "chicago_crimes_sample_25k.csv")
    expected = pd.to_datetime(raw["date"], format="%m/%d/%Y %H:%M")
    assert (data.sort_index()["occurred_at"].to_numpy() == expected.to_numpy()).all()
    assert data["occurred_at"].dt.year.value_counts().to_dict() == {
        2017: 9_122,
        2018: 9_163,
        2019: 6_715,
    }


@pytest.mark.real
@pytest.mark.parametrize(
    "point",
    [
        {"x": "x_coordinate", "y": "y_coordinate", "crs": "EPSG:3435"},  # State Plane feet
        {"column": "location", "layout": "pair", "order": "lat_lon"},  # "(41.768, -87.684)"
    ],
    ids=["state_plane", "socrata_location"],
)
def test_chicago_points_agree_with_the_portal_latitude_and_longitude(point):
    """The portal's own WGS84 columns are the independent truth for its X/Y and location."""
    from cs360lib.data.loaders import load

    folder = _folder("chicago_crimes")
    spec = yaml.safe_load((MAPPINGS / "chicago_crimes.yml").read_text(encoding="utf-8"))
    spec["columns"] = {k: v for k, v in spec["columns"].items() if k not in ("lat", "lon")}
    result = load("incidents", folder, {**spec, "point": point})
    assert result.rejected.empty and result.problems.empty
    data = result.data.sort_values("source_row")
    raw = _raw(folder / "chicago_crimes_sample_25k.csv")
    # The portal writes 8-9 decimals: agreement to 1e-8 degrees (about 1 mm).
    assert np.abs(data["lat"].to_numpy() - pd.to_numeric(raw["latitude"]).to_numpy()).max() < 1e-8
    assert np.abs(data["lon"].to_numpy() - pd.to_numeric(raw["longitude"]).to_numpy()).max() < 1e-8


# --------------------------------------------------------------------------------------------
# Baltimore Part 1 crime


@pytest.mark.real
def test_baltimore_rejects_exactly_undated_and_junk_years(loaded):
    result = loaded("baltimore_part1_crime")
    raw = _raw(_folder("baltimore_part1_crime") / "baltimore_p1crime_2014_2021.csv.gz")
    dates = pd.to_datetime(raw["CrimeDateT"].replace("", None), format="%Y-%m-%d")
    no_date = set(raw.index[dates.isna()] + 1)
    junk = set(raw.index[dates < "2014-01-01"] + 1)
    assert len(no_date) == 152
    assert len(junk) == 97
    rejected = result.rejected.set_index("source_row")
    assert set(rejected.index) == no_date | junk
    assert rejected.loc[sorted(no_date), "reason"].str.contains("occurred_at").all()
    assert rejected.loc[sorted(no_date), "reason"].str.contains("missing").all()
    assert rejected.loc[sorted(junk), "reason"].str.contains("2014-01-01").all()
    # Original values are kept as text under the truncated source names.
    assert rejected.loc[340_204, "CrimeDateT"] == "2013-12-23"
    assert {"Descriptio", "Inside_Out", "Neighborho", "Total_Inci"} <= set(rejected.columns)


@pytest.mark.real
def test_baltimore_zero_coordinates_inside_outside_and_dates(loaded):
    data = loaded("baltimore_part1_crime").data
    raw = _raw(_folder("baltimore_part1_crime") / "baltimore_p1crime_2014_2021.csv.gz")
    assert (raw["Latitude"] == "0").all()
    assert data["lat"].isna().all()
    assert data["lon"].isna().all()
    # Inside_Out: I/O and Inside/Outside unified.
    kept = raw.iloc[data["source_row"].to_numpy() - 1]
    expected = kept["Inside_Out"].map(
        {"I": "inside", "Inside": "inside", "O": "outside", "Outside": "outside", "": None}
    )
    assert set(data["inside_outside"].dropna()) == {"inside", "outside"}
    got = data["inside_outside"].astype(object).where(data["inside_outside"].notna(), None)
    assert (got.to_numpy() == expected.to_numpy()).all()
    assert data["inside_outside"].isna().sum() == (kept["Inside_Out"] == "").sum()
    # No time of day: every occurred_at is a midnight, inside 2014-01-01 .. 2021-07-14.
    assert (data["occurred_at"] == data["occurred_at"].dt.normalize()).all()
    assert data["occurred_at"].min() >= pd.Timestamp("2014-01-01")
    assert data["occurred_at"].max() == pd.Timestamp("2021-07-14")
    assert data["occurred_at"].dt.year.value_counts()[2017] == 52_169
    assert (data.loc[data["offense"] == "SHOOTING", "crime_code"] == "9S").all()
    assert (raw["CrimeCode"] == "1A").sum() == 1_913
    assert (data["crime_code"] == "1A").sum() == (kept["CrimeCode"] == "1A").sum() == 1_873
    assert data["district"].isna().all()


# --------------------------------------------------------------------------------------------
# NYPD shootings


@pytest.mark.real
def test_nypd_shootings_dates_and_victim_rows(loaded):
    result = loaded("nypd_shootings")
    data = result.data.set_index("source_row").sort_index()
    raw = _raw(_folder("nypd_shootings") / "NYPD_Shooting_Incident_Data__Historic_.csv")
    # "9/9/17" + "3:57:00" -> 2017-09-09 03:57
    assert data.loc[1, "incident_id"] == "169180023"
    assert data.loc[1, "occurred_at"] == pd.Timestamp("2017-09-09 03:57:00")
    expected = pd.to_datetime(
        raw["OCCUR_DATE"] + " " + raw["OCCUR_TIME"], format="%m/%d/%y %H:%M:%S"
    )
    assert (data["occurred_at"].to_numpy() == expected.to_numpy()).all()
    assert data["occurred_at"].min() == pd.Timestamp("2006-01-01 02:00")
    assert data["occurred_at"].max() == pd.Timestamp("2019-09-30 13:49")
    assert data["incident_id"].str.fullmatch(r"\d+").all()
    # One row per victim: all kept, repeated keys reported.
    assert data["incident_id"].nunique() == 16_862 == 21_408 - 4_546
    dups = result.duplicates.set_index("incident_id")["count"]
    assert dups["173354054"] == 18
    assert (data["offense"] == "Shooting - murder").sum() == 4_081
    assert (data["offense_group"] == "Shooting").all()
    assert data["district"].notna().all()
    # Perpetrator fields: UNKNOWN and the impossible '224' / '940' became missing.
    assert set(data["perp_age_group"].dropna()) == {"<18", "18-24", "25-44", "45-64", "65+"}
    assert data["perp_age_group"].isna().sum() == 7_218 + 3_156 + 2


# --------------------------------------------------------------------------------------------
# San Francisco and Seattle calls


@pytest.mark.real
def test_sf_calls_picks_user_fields_by_name(loaded):
    result = loaded("sf_calls")
    data = result.data.set_index("source_row").sort_index()
    raw = _raw(_folder("sf_calls") / "sf_police_calls_geocoded.csv.gz")
    assert raw.columns[0] == "Loc_name"  # the geocoder's columns come first
    assert data.loc[1, "call_id"] == "161100690"
    assert data.loc[1, "received_at"] == pd.Timestamp("2016-04-19 07:45")
    # The AM/PM timestamp agrees with the date-only + HH:MM pair on every row.
    pair = pd.to_datetime(raw["USER_Call_"] + " " + raw["USER_Call1"], format="%Y-%m-%d %H:%M")
    assert (data["received_at"].to_numpy() == pair.to_numpy()).all()
    assert data["received_at"].dt.year.value_counts().to_dict() == {
        2019: 20_933,
        2016: 3_767,
        2020: 68,
        2018: 65,
    }
    assert data["disposition"].isna().sum() == 2_045  # "Not recorded"
    assert "Not recorded" not in set(data["disposition"].dropna())
    assert data["address"].str.contains("Block Of|/", regex=True).mean() > 0.5
    assert data["area"].isna().sum() == 8_155
    assert data["lat"].between(37.6, 37.9).all()
    geocoder = {"Match_addr", "LongLabel", "Place_addr", "StAddr"}
    assert not geocoder & set(data.columns)


@pytest.mark.real
def test_seattle_calls_times_and_final_type(loaded):
    data = loaded("seattle_calls").data
    assert data["arrived_at"].isna().sum() == 36
    assert not data["final_call_type"].str.startswith("--").any()
    assert data["call_id"].str.fullmatch(r"\d{13}").all()
    response = (data["arrived_at"] - data["received_at"]).dropna()
    assert (response >= pd.Timedelta(0)).all()
    row = data.set_index("source_row").loc[1]
    assert row["received_at"] == pd.Timestamp("2023-11-04 18:08:26")  # 11/04/2023 6:08:26 PM


# --------------------------------------------------------------------------------------------
# Chicago police sentiment


SENTIMENT_IDS = ["ORG_LEVEL", "CITY", "AREA", "DISTRICT", "SECTOR", "START_DATE", "END_DATE"]


@pytest.fixture(scope="module")
def sentiment_long():
    """The sentiment file made long the independent way: pandas melt, empty cells dropped."""
    raw = _raw(_folder("chicago_police_sentiment") / "Police_Sentiment_Scores.csv")
    scores = [c for c in raw.columns if c not in SENTIMENT_IDS]
    raw["source_row"] = np.arange(1, len(raw) + 1)
    long = raw.melt(
        id_vars=[*SENTIMENT_IDS, "source_row"],
        value_vars=scores,
        var_name="source_column",
        value_name="cell",
    )
    long = long[long["cell"].str.strip() != ""]
    return raw, scores, long.set_index(["source_row", "source_column"]).sort_index()


@pytest.mark.real
def test_sentiment_unpivot_accounts_for_every_cell(loaded, sentiment_long):
    result = loaded("chicago_police_sentiment")
    raw, scores, long = sentiment_long
    assert len(scores) == 68 and len(result.value_columns) == 68
    assert result.wide_rows == len(raw) == 6_587
    assert result.rows_read == len(long) == 327_356
    assert result.cells_skipped == len(raw) * 68 - len(long) == 120_560
    # Every non-empty cell is exactly one loaded or rejected row, under its wide row and column.
    seen = pd.concat(
        [
            result.data[["source_row", "source_column"]].astype({"source_column": str}),
            result.rejected[["source_row", "source_column"]],
        ]
    )
    assert not seen.duplicated().any()
    assert set(map(tuple, seen.to_numpy())) == set(long.index)
    # The rejected cells are exactly the cells that repeat an earlier row's cell.
    duplicated = long.reset_index().duplicated(subset=[*SENTIMENT_IDS, "source_column", "cell"])
    expected = set(
        map(tuple, long.reset_index()[duplicated][["source_row", "source_column"]].to_numpy())
    )
    assert set(map(tuple, result.rejected[["source_row", "source_column"]].to_numpy())) == expected
    assert result.rejected["reason"].str.contains("exact duplicate").all()
    assert "120,560 empty cells were skipped" in result.summary()
    # Scores, items and groups.
    data = result.data.set_index(["source_row", "source_column"]).sort_index()
    assert np.allclose(data["score"], pd.to_numeric(long.loc[data.index, "cell"]))
    assert set(data["item"]) == {"safety", "trust", "listen", "respect"}
    assert data["respondent_group"].nunique() == 17  # all + 5 race, 3 age, 2 sex, 3 + 3
    assert data.loc[(1, "T_LISTEN_SEX_FEMALE"), ["item", "respondent_group"]].tolist() == [
        "listen",
        "sex_female",
    ]
    assert data.loc[(1, "T_AGE_LOW"), ["item", "respondent_group"]].tolist() == ["trust", "age_low"]


@pytest.mark.real
@pytest.mark.parametrize("item", ["safety", "trust", "listen", "respect"])
def test_sentiment_items_for_all_respondents(loaded, item):
    """The four former per-item mappings, as filters of the one long table."""
    data = loaded("chicago_police_sentiment").data
    data = data[(data["item"] == item) & (data["respondent_group"] == "all")]
    raw = _raw(_folder("chicago_police_sentiment") / "Police_Sentiment_Scores.csv")
    column = {"safety": "SAFETY", "trust": "TRUST", "listen": "T_LISTEN", "respect": "T_RESPECT"}
    exact = raw.duplicated()
    assert exact.sum() == 70
    filled = raw[column[item]] != ""
    # One row per filled cell that is not in a duplicated row (70 citywide duplicates).
    assert set(data["source_row"]) == set(raw.index[filled & ~exact] + 1)
    assert (data["scale"] == "0-100").all()
    kept = raw.iloc[data["source_row"].to_numpy() - 1]
    level = np.select(
        [kept["SECTOR"] != "", kept["DISTRICT"] != "", kept["AREA"] != ""],
        ["sector", "district", "area"],
        "city",
    )
    assert (data["area_level"].to_numpy() == level).all()
    area = kept["SECTOR"].where(
        kept["SECTOR"] != "", kept["DISTRICT"].where(kept["DISTRICT"] != "", kept["AREA"])
    )
    area = area.where(area != "", kept["CITY"])
    assert (data["area"].to_numpy() == area.to_numpy()).all()
    score = pd.to_numeric(kept[column[item]])
    assert np.allclose(data["score"].to_numpy(), score.to_numpy())
    first = "2017-11-01" if item in ("safety", "trust") else "2020-06-01"
    assert data["period"].min() == pd.Timestamp(first)
    assert data["period"].max() == pd.Timestamp("2023-02-01")
    if item in ("listen", "respect"):
        assert len(data) == 3_201  # empty on 3,386 rows (the 70 duplicates among them)


@pytest.mark.real
def test_sentiment_levels_and_known_row(loaded):
    result = loaded("chicago_police_sentiment")
    data = result.data
    safety = data[(data["item"] == "safety") & (data["respondent_group"] == "all")]
    assert safety["area_level"].value_counts().to_dict() == {
        "sector": 4_416,
        "district": 1_408,
        "area": 548,
        "city": 215 - 70,  # the 70 exact duplicates are all citywide rows
    }
    row = safety.set_index("source_row").loc[1]
    assert (row["period"], row["area"], row["area_level"]) == (
        pd.Timestamp("2021-04-01"),
        "1420",
        "sector",
    )
    assert row["score"] == pytest.approx(56.69)
    # The 3 repeated city-level keys differ in their scores (and end dates), not exact copies.
    repeated = result.duplicates
    assert (repeated["area"] == "chicago").all()
    assert repeated["differing_columns"].map(lambda c: "score" in c).all()
    assert repeated["period"].nunique() == 3


# --------------------------------------------------------------------------------------------
# Allegheny County overdoses (partner metrics)


@pytest.mark.real
def test_allegheny_bom_period_and_zip(loaded):
    folder = _folder("allegheny_overdoses")
    path = folder / "fatal_overdoses_2007_2025.csv"
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"  # the quirk is there
    result = loaded("allegheny_overdoses")
    data = result.data.set_index("source_row").sort_index()
    # `_id` was found although the header reads "\ufeff_id".
    assert data["case_id"].notna().all()
    assert data["case_id"].is_unique
    row = data.loc[1]
    assert row["case_id"] == "11530060"
    assert row["period"] == pd.Timestamp("2024-10-28")  # 2024-10-28T16:37:00 -> the day
    assert row["death_at"] == "2024-10-28T16:37:00"
    assert row["area"] == "15227"
    assert (row["partner"], row["metric"], row["value"], row["unit"]) == (
        "Allegheny County Office of the Medical Examiner",
        "fatal accidental overdoses",
        1.0,
        "deaths",
    )
    # ZIP stays text as written: out-of-state ZIPs keep their leading zero ('01220', '08070'),
    # and 4-digit values are not padded into a wrong '0xxxx' ZIP.
    raw = _raw(path, encoding="utf-8-sig")
    expected = raw["incident_zip"].replace({"": None, "ooc": None})
    got = data["area"].astype(object).where(data["area"].notna(), None)
    assert (got.to_numpy() == expected.to_numpy()).all()
    assert {"01220", "08070", "00693"} <= set(data["area"].dropna())
    assert set(data["area"].dropna()[data["area"].dropna().str.len() != 5]) == {
        "1531",
        "1547",
        "1522",
    }
    assert data["area"].isna().sum() == 224 + 1  # empty, and one "ooc"
    # Deaths by year (by death date) as in SOURCE.md.
    by_year = data.groupby(data["period"].dt.year)["value"].sum()
    assert by_year[2017] == 735
    assert by_year[2018] == 427
    assert by_year.sum() == 7_478


@pytest.mark.real
def test_allegheny_bom_stripped_in_rejected_columns():
    from cs360lib.data.loaders import load

    folder = _folder("allegheny_overdoses")
    spec = yaml.safe_load((MAPPINGS / "allegheny_overdoses.yml").read_text(encoding="utf-8"))
    spec["bounds"] = {"period": ["2024-01-01", None]}
    result = load("partner_metrics", folder, spec)
    raw = _raw(folder / "fatal_overdoses_2007_2025.csv", encoding="utf-8-sig")
    before = (raw["death_date_and_time"] < "2024").sum()
    assert len(result.rejected) == before == 7_478 - 355 - 130
    assert result.rejected.columns[3] == "_id"
    assert not any(column.startswith("\ufeff") for column in result.rejected.columns)


# --------------------------------------------------------------------------------------------
# The optional data sets


@pytest.mark.real
def test_baltimore_arrests_people_fields(loaded):
    data = loaded("baltimore_arrests").data
    assert data["arrest_id"].is_unique
    assert data["arrest_number"].isna().sum() == 8_090
    assert data["age"].isna().sum() == 86
    assert data["age"].between(14, 100).all()
    assert data["race"].isna().sum() == 3_869 + 39  # 'U' and empty
    assert data["lat"].isna().sum() == 84_147
    assert data["arrested_at"].min() == pd.Timestamp("2014-01-01")
    assert data["arrested_at"].max() == pd.Timestamp("2021-08-07")
    assert data["arrested_at"].dt.year.value_counts()[2014] == 37_798
    # The offense class extracted from the fused "4ECOMMON ASSAULT" (pandas str.extract agrees).
    raw = _raw(_folder("baltimore_arrests") / "baltimore_arrests_2014_2021.csv.gz")
    raw = raw.iloc[data["source_row"].to_numpy() - 1]
    expected = raw["IncidentOf"].str.extract(r"^(\d+)")[0]
    got = data["incident_class"].astype(object).where(data["incident_class"].notna(), None)
    assert (got.fillna("-").to_numpy() == expected.fillna("-").to_numpy()).all()
    assert data["incident_class"].isna().sum() == (raw["IncidentOf"] == "Unknown Offense").sum()
    assert data["incident_class"].isna().sum() == 89_306
    assert (
        data.loc[raw["IncidentOf"].eq("4ECOMMON ASSAULT").to_numpy(), "incident_class"] == "4"
    ).all()


@pytest.mark.real
def test_nypd_hate_crimes_spaces_in_names(loaded):
    result = loaded("nypd_hate_crimes")
    data = result.data
    assert data["incident_id"].str.fullmatch(r"\d{15}").all()
    assert data["incident_id"].nunique() == 2_200
    assert result.duplicates.set_index("incident_id")["count"]["202310912703117"] == 11
    assert data["arrest_id"].notna().sum() == 2_406 - 1_419
    assert (data["occurred_at"] == data["occurred_at"].dt.normalize()).all()
    assert data["bias_motive"].value_counts()["ANTI-ASIAN"] == 317


@pytest.mark.real
def test_memphis_robberies_range(loaded):
    data = loaded("memphis_robberies").data
    assert data["occurred_at"].min() == pd.Timestamp("2019-01-01 01:30")
    assert data["occurred_at"].max() == pd.Timestamp("2019-12-31 15:30")
    assert data["lat"].between(34.9, 35.4).all()
    assert data["lon"].between(-90.2, -89.6).all()
