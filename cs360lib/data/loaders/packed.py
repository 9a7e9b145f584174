"""Source text held compressed while a load builds its typed columns.

A load needs the original text of a source column long after it has converted it: the
rejected rows keep every original value, and a failed schema check shows the value as
the file had it. Which rows that will be is only known at the end of the load, so the
loader keeps every source column, but compressed once its typed column is built
(:class:`PackedArray`): raw text compresses about four times with Zstandard (a
scale-50 sample's incidents: 201 MiB of text in 47 MiB, in 0.3 s), so a load no longer
holds the whole raw text table next to the typed columns it builds from it
(``docs/performance.md``, "Memory").

The compression is Arrow's own IPC format with ``zstd`` buffer compression
(:class:`pyarrow.ipc.IpcWriteOptions`), which keeps any Arrow type (text, dictionary,
numbers of a Parquet file, nulls) exactly.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc

import numpy as np
import pyarrow as pa

__all__ = ["PackedArray", "release_memory", "same_array"]

CODEC = "zstd"
"""Buffer compression of the packed arrays (Arrow IPC supports ``lz4`` and ``zstd``)."""


class PackedArray:
    """An Arrow array kept compressed in memory; unpacked (or taken from) on demand.

    Parameters
    ----------
    array : pyarrow.Array or pyarrow.ChunkedArray
        Any array; it is written as Arrow IPC record batches (one per chunk, so a chunked
        column is never combined into a copy first) with ``zstd``-compressed buffers, so
        ``unpack()`` returns an equal array (same type, values and nulls) in one piece.

    Attributes
    ----------
    type : pyarrow.DataType
        Type of the array.
    nbytes : int
        Bytes held (the compressed stream).
    """

    __slots__ = ("_stream", "_length", "type")

    def __init__(self, array: pa.Array | pa.ChunkedArray) -> None:
        schema = pa.schema([pa.field("values", array.type)])
        chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
        sink = pa.BufferOutputStream()
        options = pa.ipc.IpcWriteOptions(compression=CODEC)
        with pa.ipc.new_stream(sink, schema, options=options) as writer:
            for chunk in chunks:
                writer.write_batch(pa.record_batch([chunk], schema=schema))
        self._stream = sink.getvalue()
        self._length = len(array)
        self.type = array.type

    def __len__(self) -> int:
        return self._length

    def __repr__(self) -> str:
        return f"PackedArray({self.type}, {self._length} values, {self.nbytes} bytes)"

    @property
    def nbytes(self) -> int:
        """Bytes of the compressed stream."""
        return self._stream.size

    def unpack(self) -> pa.Array:
        """Return the array, decompressed (a new array each call).

        Returns
        -------
        pyarrow.Array
            Equal to the array that was packed.
        """
        column = pa.ipc.open_stream(self._stream).read_all().column(0)
        if column.num_chunks == 1:
            return column.chunk(0)
        if column.num_chunks == 0:
            return pa.array([], self.type)
        return column.combine_chunks()

    def take(self, indices: pa.Array | np.ndarray) -> pa.Array:
        """Return the values at ``indices`` (0-based positions), like :meth:`pyarrow.Array.take`.

        Parameters
        ----------
        indices : pyarrow.Array or numpy.ndarray of int, shape (k,)
            Positions to take.

        Returns
        -------
        pyarrow.Array
            The ``k`` values, of the packed type.
        """
        return self.unpack().take(indices)


def same_array(a: pa.Array, b: pa.Array) -> bool:
    """Tell whether two arrays are the same memory (one is a view of the other's buffers).

    Parameters
    ----------
    a, b : pyarrow.Array
        Arrays to compare.

    Returns
    -------
    bool
        True when both have the same type, length, offset and buffers (by address), so
        that holding either keeps the same memory alive.
    """
    if a is b:
        return True
    if a.type != b.type or len(a) != len(b) or a.offset != b.offset:
        return False
    first, second = a.buffers(), b.buffers()
    return len(first) == len(second) and all(
        (x is None and y is None) or (x is not None and y is not None and x.address == y.address)
        for x, y in zip(first, second, strict=True)
    )


def release_memory(*, collect: bool = True) -> None:
    """Give the memory of freed arrays and frames back to the operating system.

    Neither allocator returns freed memory at once: Arrow's pool (mimalloc here) keeps
    freed pages for reuse, and glibc's ``malloc`` keeps freed heap memory (numpy and
    pandas allocate there) below its top. Within one load that memory is reused, but an
    allocation of the other allocator cannot use it, so a load that frees raw text in
    one and allocates typed columns in the other grows by both. This collects garbage,
    releases the Arrow pool's unused memory (:meth:`pyarrow.MemoryPool.release_unused`)
    and, on glibc, calls ``malloc_trim(0)`` (``man 3 malloc_trim``).

    Parameters
    ----------
    collect : bool, default True
        Run the garbage collector first (``gc.collect()``: about 0.1 s once a session has
        imported the library; the rest costs well under a millisecond). The loader frees
        its arrays by reference counting and calls this with ``collect=False`` after
        every column.
    """
    if collect:
        gc.collect()
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # not glibc (macOS, musl)
        ctypes.CDLL("libc.so.6").malloc_trim(0)
