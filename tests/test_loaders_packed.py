"""PackedArray: source text held compressed during a load, returned exactly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from cs360lib.config.engagement import Engagement
from cs360lib.data.loaders import pipeline
from cs360lib.data.loaders.packed import PackedArray, release_memory, same_array
from cs360lib.data.loaders.pipeline import load
from cs360lib.data.loaders.result import LoadResult

ARRAYS = {
    "text with nulls": pa.array(["a", None, "", 'Ünïcode, quoted "x"', "a"] * 50),
    "dictionary": pa.array(["north", "south", None, "north"] * 50).dictionary_encode(),
    "integers": pa.array([1, None, -3, 2**40] * 50, pa.int64()),
    "floats": pa.array([1.5, 1e300, None, -0.0] * 50),
    "timestamps": pa.array(
        [dt.datetime(2024, 3, 10, 2, 30), None] * 50, pa.timestamp("ns", tz="America/Chicago")
    ),
    "all null": pa.nulls(7),
    "empty": pa.array([], pa.string()),
    "a slice": pa.array([str(i) for i in range(1000)]).slice(10, 20),
}


@pytest.mark.parametrize("name", list(ARRAYS))
def test_unpack_returns_an_equal_array(name: str) -> None:
    array = ARRAYS[name]
    packed = PackedArray(array)
    back = packed.unpack()
    assert back.type == array.type and len(packed) == len(array)
    assert back.equals(array)
    assert packed.type == array.type and "PackedArray(" in repr(packed)


def test_take_matches_the_array_and_text_compresses() -> None:
    text = pa.array([f"2024-01-{1 + i % 28:02d} 10:{i % 60:02d}:00" for i in range(50_000)])
    packed = PackedArray(text)
    positions = np.array([0, 49_999, 17, 17], dtype=np.int64)
    assert packed.take(pa.array(positions)).equals(text.take(pa.array(positions)))
    assert packed.take(positions).to_pylist() == [text[int(i)].as_py() for i in positions]
    assert packed.nbytes < text.nbytes / 4  # dates as text compress many times


def test_same_array_tells_a_view_from_a_copy() -> None:
    array = pa.array(["x", "y", None])
    view = pa.chunked_array([array]).chunk(0)
    copy = pa.concat_arrays([array])
    assert same_array(array, view)
    assert not same_array(array, copy)
    assert not same_array(array, array.slice(1))
    assert not same_array(array, pa.array([1, 2, 3]))


def test_release_memory_runs_with_and_without_collecting() -> None:
    release_memory()
    release_memory(collect=False)


def test_a_chunked_column_is_packed_by_chunks_and_unpacked_in_one_piece() -> None:
    chunked = pa.chunked_array([pa.array(["a", None]), pa.array([], pa.string()), pa.array(["b"])])
    back = PackedArray(chunked).unpack()
    assert isinstance(back, pa.Array) and back.equals(chunked.combine_chunks())
    empty = PackedArray(pa.chunked_array([], pa.string())).unpack()
    assert isinstance(empty, pa.Array) and len(empty) == 0 and empty.type == pa.string()


SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "engagement.yml"


def _load_all(engagement: Engagement) -> dict[str, LoadResult]:
    return {
        name: load(s.kind, s.path, s.resolved_mapping, timezone=engagement.info.timezone)
        for name, s in engagement.sources.items()
    }


def test_a_packed_load_equals_a_load_as_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every table of every sample source is the same whether its text is packed or not."""
    engagement = Engagement.load(SAMPLE)
    as_read = _load_all(engagement)  # the sample's files are under PACK_FROM
    monkeypatch.setattr(pipeline, "PACK_FROM", 0)
    packed = _load_all(engagement)
    assert sum(len(r.rejected) for r in as_read.values()) > 0  # rejected rows' text compared
    assert sum(len(r.problems) for r in as_read.values()) > 0
    for name, expected in as_read.items():
        got = packed[name]
        for table in ("data", "rejected", "problems", "duplicates", "adjustments"):
            pd.testing.assert_frame_equal(getattr(got, table), getattr(expected, table))
        assert (got.rows_read, got.files, got.key) == (
            expected.rows_read,
            expected.files,
            expected.key,
        )


def test_packed_and_as_read_agree_on_every_kind_of_fault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rejected rows, values set missing and failed checks show the same original text."""
    path = tmp_path / "incidents.csv"
    path.write_text(
        "incident_id,occurred_at,offense,lat,lon,district,note\n"
        "1,2024-01-05 10:00,Theft,41.88,-87.63,North,ok\n"
        "2,not a date,Theft,41.88,-87.63,North,bad date: rejected\n"
        "3,2024-01-06 11:30,,41.9,-87.6,South,no offense: rejected\n"
        "4,2024-01-07 12:00,Robbery,95.5,-87.6,South,latitude out of range\n"
        "5,2024-01-08 13:15,Burglary,abc,-87.6,,latitude not a number\n"
        ",2024-01-09 14:00,Theft,41.8,-87.7,West,no id: rejected\n"
    )
    as_read = load("incidents", path)
    monkeypatch.setattr(pipeline, "PACK_FROM", 0)
    packed = load("incidents", path)
    assert len(as_read.rejected) >= 3 and (as_read.problems["outcome"] == "set missing").any()
    for table in ("data", "rejected", "problems", "duplicates", "adjustments"):
        pd.testing.assert_frame_equal(getattr(packed, table), getattr(as_read, table))
