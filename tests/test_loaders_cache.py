"""The load cache of ``cs360 run``: a cached source equals a direct load, and is never stale."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

import cs360lib as cs
from cs360lib.data.loaders import cache as load_cache
from cs360lib.data.loaders import load
from cs360lib.data.loaders.cache import (
    CACHE_ENV,
    NOTEBOOK_ENV,
    LoadCache,
    active_cache,
    load_source,
    source_key,
)
from cs360lib.data.loaders.result import LoadResult
from cs360lib.data.readers import resolve_files
from tests.conftest import sample_copy

HEADER = "incident_id,occurred_at,offense,offense_group,district,beat,address,lat,lon"
MESSY_ROWS = [
    "A1,2023-01-05 10:15:00,Robbery - street,Robbery,01,E2,100 block of Main St,41.10,-87.60",
    # a UTC offset (converted), and a repeated key whose rows differ (duplicates table)
    "A2,2023-01-06T22:40:00-06:00,Theft from auto,Theft,02,W1,200 block of Oak Ave,41.11,-87.61",
    "A2,2023-01-06T22:40:00-06:00,Theft from auto,Theft,02,W1,200 block of Oak Ave,41.11,-87.65",
    "A3,not a date,Burglary - residential,Burglary,02,W2,300 block of Elm St,,",  # rejected
    "A4,2023-02-11 14:00:00,Simple assault,Assault,03,N1,400 block of Pine St,abc,-87.62",
    "A5,2023-03-12 02:30:00,Simple assault,Assault,03,,400 block of Pine St,41.12,-87.62",  # DST
]
ZONE = "America/Chicago"


def assert_same_load(got: LoadResult, expected: LoadResult) -> None:
    """Every field equal: tables with their dtypes, counts, files, mapping, key, zone."""
    assert type(got) is LoadResult
    for f in dataclasses.fields(LoadResult):
        a, b = getattr(got, f.name), getattr(expected, f.name)
        if isinstance(b, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, check_exact=True, obj=f.name)
            assert list(a.dtypes.astype(str)) == list(b.dtypes.astype(str)), f.name
        else:
            assert a == b, f.name
            assert type(a) is type(b), f.name


@pytest.fixture
def messy_csv(tmp_path: Path) -> Path:
    path = tmp_path / "incidents.csv"
    path.write_text("\n".join([HEADER, *MESSY_ROWS]) + "\n", encoding="utf-8")
    return path


def _key(path: Path, mapping: object = None) -> str:
    spec = cs.read_mapping(mapping)
    return source_key("incidents", resolve_files(path), spec, timezone=ZONE)


def test_round_trip_equals_a_direct_load(messy_csv: Path, tmp_path: Path) -> None:
    direct = load("incidents", messy_csv, timezone=ZONE)
    # the load exercises every table: rejected rows, both outcomes of a problem, repeated
    # keys (with list columns) and adjustments
    assert len(direct.rejected) == 1 and set(direct.problems["outcome"]) == {
        "rejected",
        "set missing",
    }
    assert len(direct.duplicates) == 1 and len(direct.adjustments) == 2
    store = LoadCache(tmp_path / "cache")
    key = _key(messy_csv)
    store.put(key, direct)
    assert_same_load(store.get(key), direct)
    assert store.get(key).duplicates["differing_columns"].iloc[0] == ["lon"]


def test_round_trip_keeps_every_dtype(tmp_path: Path) -> None:
    """Dtypes the loaders do not make today but a LoadResult may carry."""
    data = pd.DataFrame(
        {
            "at": pd.to_datetime(["2024-03-10 01:30", None]).tz_localize(ZONE),
            "count": pd.array([3, None], dtype="Int64"),
            "grade": pd.Categorical(["b", None], categories=["a", "b", "c"], ordered=True),
            "none_yet": pd.Categorical([None, None]),
            "label": pd.array(["x", None], dtype=pd.StringDtype("python")),
            "arrow": pd.array(["y", None], dtype=pd.StringDtype("pyarrow")),
            "flag": pd.array([True, None], dtype="boolean"),
            "mixed": [None, "z"],
        }
    )
    rejected = pd.DataFrame({"source_file": ["f.csv"], "source_row": [7], "reason": ["bad"]})
    result = LoadResult(
        kind="incidents",
        data=data,
        rejected=rejected,
        problems=pd.DataFrame(columns=["source_file", "source_row", "column", "value"]),
        duplicates=pd.DataFrame(columns=["id", "count", "source_rows", "differing_columns"]),
        rows_read=3,
        files=["f.csv"],
        mapping="custom",
        key=("id",),
        timezone=ZONE,
        wide_rows=2,
        value_columns=["a", "b"],
        cells_skipped=1,
    )
    store = LoadCache(tmp_path)
    store.put("k", result)
    assert_same_load(store.get("k"), result)


def test_sample_engagement_through_the_cache_equals_a_direct_load(tmp_path: Path) -> None:
    engagement = cs.Engagement.load(sample_copy(tmp_path / "sample"))
    direct = cs.load_engagement(engagement)
    store = LoadCache(tmp_path / "cache")
    first = cs.load_engagement(engagement, cache=store)  # every source missed, then stored
    second = cs.load_engagement(engagement, cache=store)  # every source from the cache
    events = store.events()
    assert [e["hit"] for e in events] == [False] * len(direct) + [True] * len(direct)
    assert [e["source"] for e in events[len(direct) :]] == list(direct)
    for name in direct:
        assert_same_load(first[name], direct[name])
        assert_same_load(second[name], direct[name])
    assert second.unusable == direct.unusable and second.failures == direct.failures
    assert not second["incidents"].rejected.empty  # the sample's rejected rows came along


def test_a_changed_input_file_is_not_served_stale(messy_csv: Path, tmp_path: Path) -> None:
    store = LoadCache(tmp_path / "cache")
    before = load_source("incidents", "incidents", messy_csv, None, timezone=ZONE, cache=store)
    with messy_csv.open("a", encoding="utf-8") as fh:
        fh.write("A6,2023-04-01 09:00:00,Theft - other,Theft,01,E2,1 Main St,41.1,-87.6\n")
    after = load_source("incidents", "incidents", messy_csv, None, timezone=ZONE, cache=store)
    assert [e["hit"] for e in store.events()] == [False, False]
    assert store.events()[0]["key"] != store.events()[1]["key"]
    assert after.rows_read == before.rows_read + 1
    assert_same_load(after, load("incidents", messy_csv, timezone=ZONE))
    # the same bytes again are a hit
    load_source("incidents", "incidents", messy_csv, None, timezone=ZONE, cache=store)
    assert store.events()[-1]["hit"] is True


def test_a_changed_mapping_is_not_served_stale(messy_csv: Path, tmp_path: Path) -> None:
    store = LoadCache(tmp_path / "cache")
    plain = load_source("incidents", "incidents", messy_csv, None, timezone=ZONE, cache=store)
    mapping = {"missing": {"beat": ["E2"]}}
    changed = load_source("incidents", "incidents", messy_csv, mapping, timezone=ZONE, cache=store)
    assert [e["hit"] for e in store.events()] == [False, False]
    assert _key(messy_csv) != _key(messy_csv, mapping)
    assert plain.data["beat"].isna().sum() != changed.data["beat"].isna().sum()
    assert_same_load(changed, load("incidents", messy_csv, mapping, timezone=ZONE))


def test_key_covers_zone_strict_and_loader_code(
    messy_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = cs.read_mapping(None)
    files = resolve_files(messy_csv)
    key = source_key("incidents", files, spec, timezone=ZONE)
    assert key == source_key("incidents", files, spec, timezone=ZONE)
    assert key != source_key("incidents", files, spec, timezone="America/New_York")
    assert key != source_key("incidents", files, spec, timezone=ZONE, strict=True)
    assert key != source_key("calls", files, spec, timezone=ZONE)
    monkeypatch.setattr(load_cache, "loader_version", lambda: "another version of the code")
    assert key != source_key("incidents", files, spec, timezone=ZONE)


def test_loader_version_is_a_digest_of_the_code() -> None:
    version = load_cache.loader_version()
    assert len(version) == 64 and int(version, 16) >= 0


def test_an_unreadable_entry_is_a_miss(messy_csv: Path, tmp_path: Path) -> None:
    store = LoadCache(tmp_path / "cache")
    key = _key(messy_csv)
    entry = store.put(key, load("incidents", messy_csv, timezone=ZONE))
    (entry / "data.parquet").write_bytes(b"not parquet")
    assert store.get(key) is None
    assert store.get("0" * 64) is None
    result = load_source("incidents", "incidents", messy_csv, None, timezone=ZONE, cache=store)
    assert store.events()[-1]["hit"] is False
    assert_same_load(result, load("incidents", messy_csv, timezone=ZONE))


def test_the_environment_names_the_cache_of_a_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engagement = cs.Engagement.load(sample_copy(tmp_path / "sample"))
    monkeypatch.delenv(CACHE_ENV, raising=False)
    assert active_cache() is None  # outside `cs360 run`: load directly
    folder = tmp_path / "run-cache"
    cs.load_engagement(engagement, cache=LoadCache(folder))  # the runner's pre-flight
    monkeypatch.setenv(CACHE_ENV, str(folder))
    monkeypatch.setenv(NOTEBOOK_ENV, "01_scanning")
    assert active_cache().folder == folder
    sources = cs.load_engagement(engagement)
    mine = active_cache().events("01_scanning")
    assert [e["source"] for e in mine] == list(sources) and all(e["hit"] for e in mine)
    lines = (folder / "events.jsonl").read_text().splitlines()
    assert json.loads(lines[-1])["notebook"] == "01_scanning"


def test_a_load_parquet_cannot_hold_is_loaded_directly(
    messy_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    direct = load("incidents", messy_csv, timezone=ZONE)
    odd = dataclasses.replace(direct, data=direct.data.assign(note=[1, "a", 2, "b", 3]))
    monkeypatch.setattr(load_cache, "load", lambda *a, **k: odd)
    store = LoadCache(tmp_path / "cache")
    for _ in range(2):
        got = load_source("incidents", "incidents", messy_csv, None, timezone=ZONE, cache=store)
        assert got is odd
    assert [e["hit"] for e in store.events()] == [False, False]
    assert not [p for p in store.folder.iterdir() if p.name != "events.jsonl"]
