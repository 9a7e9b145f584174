"""PackedArray: source text held compressed during a load, returned exactly."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from cs360lib.data.loaders.packed import PackedArray, release_memory, same_array

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
