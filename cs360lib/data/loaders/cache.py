"""Load each source once per ``cs360 run``: loaded sources kept as Parquet in the run folder.

``cs360 run`` loads every source as a pre-flight; without a cache every notebook of the run
loads them all again. With one, the pre-flight writes each :class:`LoadResult` into a folder
of the run (:class:`LoadCache`, one sub-folder per source holding Parquet files of its tables
and a JSON file of the rest) and tells every notebook kernel where that folder is through
the environment variable :data:`CACHE_ENV`, set only in the kernels the runner starts.
:func:`~cs360lib.data.loaders.sources.load_engagement` then takes each source from the cache
when its key matches, and loads it directly otherwise. A notebook run alone (plain
papermill, JupyterLab) has no such variable and loads directly, as before.

The key of a source (:func:`source_key`) is the sha256 of everything its load depends on:
the kind, the sha256 of every input file's content (with its path), the resolved mapping (its
full validated form, so an inline mapping and a mapping file count alike), the time zone, the
``strict`` flag and :func:`loader_version`, a digest of the library's loader, schema and
mapping code. A changed file, mapping or library therefore gives another key and is never
served from an older entry.

Each lookup of a kernel is appended to ``events.jsonl`` in the cache folder (source, key,
hit or miss, and the notebook named by :data:`NOTEBOOK_ENV`), which the runner records in
the run's manifest.

The format: Parquet (Apache Parquet via :mod:`pyarrow`, with pandas' own schema metadata,
so categoricals, time-zone-aware datetimes, nullable integers and string columns come back
with their dtypes); object columns that hold lists (``differing_columns``, ``source_rows``
of the duplicate-key table) are restored as lists.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import fields
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cs360lib.config.mapping import Mapping, read_mapping
from cs360lib.data.cache_env import CACHE_ENV, NOTEBOOK_ENV
from cs360lib.data.loaders.pipeline import load
from cs360lib.data.loaders.result import LoadResult
from cs360lib.data.readers import resolve_files

__all__ = [
    "CACHE_ENV",
    "NOTEBOOK_ENV",
    "LoadCache",
    "active_cache",
    "file_sha256",
    "load_source",
    "loader_version",
    "source_key",
]

EVENTS_FILE = "events.jsonl"
"""File of the cache folder that lists every lookup, one JSON object per line."""

FRAMES = ("data", "rejected", "problems", "duplicates", "adjustments")
"""The tables of a :class:`LoadResult`, each kept as one Parquet file."""

WRITE_ROWS = 262_144
"""Rows per Parquet row group when a table is stored (a slice is converted at a time)."""

_CODE_PACKAGES = ("data", "config")
"""Packages of the library whose code decides what a load returns (see :func:`loader_version`)."""


@functools.cache
def loader_version() -> str:
    """Digest of the library code that decides what a load returns.

    Returns
    -------
    str
        sha256 hex digest of ``cs360lib/__init__.py`` (the version) and of every ``.py``
        and ``.yml`` file of ``cs360lib/data`` and ``cs360lib/config`` (loaders, readers,
        schemas, shipped mappings, mapping and engagement models), in path order. Computed
        once per process.
    """
    root = Path(__file__).resolve().parents[2]
    sha = hashlib.sha256((root / "__init__.py").read_bytes())  # holds ``__version__``
    for package in _CODE_PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.suffix in (".py", ".yml") and path.is_file():
                sha.update(str(path.relative_to(root)).encode())
                sha.update(path.read_bytes())
    return sha.hexdigest()


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Return the sha256 hex digest of a file's content (read in 1 MiB chunks).

    Parameters
    ----------
    path : path
        The file.

    Returns
    -------
    str
        64 hex digits.
    """
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def source_key(
    kind: str,
    files: list[Path],
    mapping: Mapping,
    *,
    timezone: str | None,
    strict: bool = False,
) -> str:
    """Return the cache key of one source: the sha256 of all its load depends on.

    Parameters
    ----------
    kind : str
        Kind of source.
    files : list of Path
        The files the source reads (as :func:`~cs360lib.data.readers.resolve_files` lists
        them, in order).
    mapping : Mapping
        The resolved mapping.
    timezone : str or None
        The engagement's time zone.
    strict : bool, default False
        The ``strict`` flag of the load.

    Returns
    -------
    str
        64 hex digits; equal for two loads only when kind, file contents and paths,
        mapping, time zone, ``strict`` and :func:`loader_version` are all equal.
    """
    parts = {
        "loader": loader_version(),
        "kind": kind,
        "files": [[str(Path(f).resolve()), file_sha256(f)] for f in files],
        "mapping": json.loads(mapping.model_dump_json()),
        "timezone": timezone,
        "strict": strict,
    }
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class LoadCache:
    """A folder of loaded sources, one sub-folder per key.

    Parameters
    ----------
    folder : path
        The cache folder (created when the first entry is written).

    Notes
    -----
    An entry is written into a temporary sub-folder and renamed to its key when complete,
    so a reader never sees half an entry; an entry that cannot be read is a miss.
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"LoadCache({str(self.folder)!r})"

    def path(self, key: str) -> Path:
        """Return the sub-folder of one key."""
        return self.folder / key

    def get(self, key: str) -> LoadResult | None:
        """Return the cached load of a key, or ``None`` when there is none.

        Parameters
        ----------
        key : str
            A key from :func:`source_key`.

        Returns
        -------
        LoadResult or None
            Equal to the load that was stored (same tables, dtypes and counts); ``None``
            when the key is not cached or its entry cannot be read.
        """
        entry = self.path(key)
        meta_file = entry / "meta.json"
        if not meta_file.is_file():
            return None
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
            frames = {name: _read_frame(entry, name, meta["frames"][name]) for name in FRAMES}
        except (OSError, ValueError, KeyError, pa.ArrowException):
            return None
        scalars = meta["result"]
        scalars["key"] = tuple(scalars["key"])
        return LoadResult(**frames, **scalars)

    def put(self, key: str, result: LoadResult) -> Path:
        """Store a load under its key (an existing entry is kept: same key, same load).

        Parameters
        ----------
        key : str
            A key from :func:`source_key`.
        result : LoadResult
            The load.

        Returns
        -------
        Path
            The entry's folder.
        """
        entry = self.path(key)
        if (entry / "meta.json").is_file():
            return entry
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:12]}-", dir=self.folder))
        try:
            frames = {name: _write_frame(tmp, name, getattr(result, name)) for name in FRAMES}
            scalars = {
                f.name: getattr(result, f.name) for f in fields(result) if f.name not in FRAMES
            }
            scalars["key"] = list(scalars["key"])
            meta = {"frames": frames, "result": scalars}
            (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
            try:
                os.rename(tmp, entry)
            except OSError:  # written meanwhile by another process: same key, same load
                if not (entry / "meta.json").is_file():
                    raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return entry

    def record(self, source: str, key: str, *, hit: bool) -> None:
        """Append one lookup to :data:`EVENTS_FILE` (never raises).

        Parameters
        ----------
        source : str
            Name of the source in the engagement.
        key : str
            Its key.
        hit : bool
            Whether the cache held it.
        """
        event = {
            "notebook": os.environ.get(NOTEBOOK_ENV),
            "source": source,
            "key": key,
            "hit": hit,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(self.folder / EVENTS_FILE, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(event) + "\n")

    def events(self, notebook: str | None = None) -> list[dict[str, Any]]:
        """Return the lookups recorded so far, of one notebook or of all.

        Parameters
        ----------
        notebook : str, optional
            Keep only the lookups of the kernel that ran this notebook.

        Returns
        -------
        list of dict
            ``notebook``, ``source``, ``key``, ``hit``, ``at`` (UTC, ISO 8601), in order.
        """
        path = self.folder / EVENTS_FILE
        if not path.is_file():
            return []
        found = []
        for line in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError):
                event = json.loads(line)
                if notebook is None or event.get("notebook") == notebook:
                    found.append(event)
        return found


def active_cache() -> LoadCache | None:
    """Return the cache named by :data:`CACHE_ENV`, or ``None`` (load directly).

    Returns
    -------
    LoadCache or None
        ``None`` outside ``cs360 run``, which sets the variable only in its kernels.
    """
    folder = os.environ.get(CACHE_ENV)
    return LoadCache(folder) if folder else None


def load_source(
    name: str,
    kind: str,
    path: str | Path | list[str | Path],
    mapping: Mapping | dict[str, Any] | str | Path | None,
    *,
    timezone: str | None = None,
    strict: bool = False,
    cache: LoadCache | None = None,
) -> LoadResult:
    """Load one source, from the cache when it holds the source's current key.

    Parameters
    ----------
    name : str
        Name of the source in the engagement (recorded with the lookup).
    kind, path, mapping, timezone, strict
        As for :func:`~cs360lib.data.loaders.pipeline.load`.
    cache : LoadCache, optional
        Where to look; ``None`` loads directly. On a miss the source is loaded and stored,
        so the next notebook of the run finds it.

    Returns
    -------
    LoadResult
        Equal to ``load(kind, path, mapping, strict=strict, timezone=timezone)``.

    Raises
    ------
    SourceNotFoundError, LoadError
        As :func:`~cs360lib.data.loaders.pipeline.load`.
    """
    if cache is None:
        return load(kind, path, mapping, strict=strict, timezone=timezone)
    spec = read_mapping(mapping)
    key = source_key(
        kind, resolve_files(path, spec.read.files), spec, timezone=timezone, strict=strict
    )
    cached = cache.get(key)
    cache.record(name, key, hit=cached is not None)
    if cached is not None:
        return cached
    result = load(kind, path, spec, strict=strict, timezone=timezone)
    with contextlib.suppress(OSError, ValueError, pa.ArrowException):  # a cache that
        cache.put(key, result)  # cannot be written only costs the next notebook a load
    return result


# --------------------------------------------------------------------------- internals


def _write_frame(folder: Path, name: str, frame: pd.DataFrame) -> dict[str, Any]:
    """Write one table as Parquet; return what :func:`_read_frame` needs to restore it.

    Parquet keeps pandas' dtypes in its schema metadata, except four things restored on
    reading: object columns holding lists (read back as arrays), other object columns
    (read back as Arrow strings or numbers), Python-backed string columns, and categoricals
    without a category (read back as object).
    """
    lists, objects, python_strings, categoricals = [], [], [], {}
    for column in frame.columns:
        dtype = frame[column].dtype
        if pd.api.types.is_object_dtype(dtype):
            values = frame[column].dropna()
            is_list = len(values) > 0 and values.map(lambda v: isinstance(v, list)).all()
            (lists if is_list else objects).append(str(column))
        elif isinstance(dtype, pd.StringDtype) and dtype.storage == "python":
            python_strings.append(str(column))
        elif isinstance(dtype, pd.CategoricalDtype) and len(dtype.categories) == 0:
            categoricals[str(column)] = [str(dtype.categories.dtype), bool(dtype.ordered)]
    # Written in slices of WRITE_ROWS rows (one Parquet row group each), so that storing a
    # large table holds one slice in Arrow next to the frame, not a second copy of it all.
    schema = pa.Schema.from_pandas(frame, preserve_index=False)
    with pq.ParquetWriter(folder / f"{name}.parquet", schema) as writer:
        for start in range(0, max(len(frame), 1), WRITE_ROWS):
            part = frame.iloc[start : start + WRITE_ROWS]
            writer.write_table(pa.Table.from_pandas(part, schema=schema, preserve_index=False))
    return {
        "lists": lists,
        "objects": objects,
        "python_strings": python_strings,
        "empty_categoricals": categoricals,
    }


def _read_frame(folder: Path, name: str, meta: dict[str, Any]) -> pd.DataFrame:
    table = pq.read_table(folder / f"{name}.parquet")
    lists = {c: table.column(c).to_pylist() for c in meta["lists"]}
    objects = {c: table.column(c).to_pylist() for c in meta["objects"]}
    # self_destruct frees each Arrow column once it is converted and split_blocks keeps
    # one block per column, so the kernel never holds the table and the frame in full.
    frame = table.to_pandas(types_mapper=_ARROW_STRINGS.get, self_destruct=True, split_blocks=True)
    del table
    for column, values in lists.items():
        frame[column] = [v if v is None else list(v) for v in values]
    for column, values in objects.items():  # None for a missing value, as the loaders write it
        frame[column] = pd.Series(values, dtype=object)
    for column in meta["python_strings"]:
        frame[column] = frame[column].astype(pd.StringDtype("python"))
    for column, (categories, ordered) in meta["empty_categoricals"].items():
        empty = pd.Index([], dtype=categories)
        frame[column] = frame[column].astype(pd.CategoricalDtype(empty, ordered=ordered))
    return frame


_ARROW_STRINGS = {
    pa.string(): pd.StringDtype("pyarrow"),
    pa.large_string(): pd.StringDtype("pyarrow"),
}
"""Strings are read as the loaders make them (Arrow-backed ``string``)."""
