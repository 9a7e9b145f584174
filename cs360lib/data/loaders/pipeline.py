"""The load pipeline: read, map, coerce, validate, quarantine.

``load(kind, source, mapping)`` is the one entry point. Every source row ends
up either in ``LoadResult.data`` (typed, validated against the kind's schema)
or in ``LoadResult.rejected`` (its file, its 1-based row number, every original
value as text and a plain reason), so ``rows_read == len(data) + len(rejected)``
always holds. Only a problem of a required column (see
:func:`~cs360lib.data.schemas.required_columns`) or of the whole row rejects it; a
value of an optional column that cannot be read is set missing and recorded in
``.problems``. The steps live in their own modules: :mod:`cs360lib.data.readers` and
:mod:`.unpivot` (read, and reshape a wide file), :mod:`.datetimes` (dates, times and
time zones), :mod:`.coercion` (cleaning, numbers, codes), :mod:`.points` (point text and
projected coordinates), :mod:`.problems` (what failed and the rejected table),
:mod:`.packed` (the source text, held compressed while the typed columns are built one at
a time) and :mod:`.result` (the result object).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa_schema
import pyarrow as pa
import pyarrow.compute as pc

from cs360lib.config.mapping import Mapping, check_timezone, read_mapping
from cs360lib.data.loaders.coercion import (
    LOSSY_OPERATIONS,
    bounded,
    clean,
    codes,
    few_distinct,
    recode,
    to_number,
)
from cs360lib.data.loaders.datetimes import (
    hour_seconds,
    parse_datetimes,
    resolve_local_times,
    sane_times,
    time_seconds,
    to_datetime,
)
from cs360lib.data.loaders.duplicate_rows import DuplicateRowFlags
from cs360lib.data.loaders.packed import PackedArray, release_memory, same_array
from cs360lib.data.loaders.points import read_point
from cs360lib.data.loaders.problems import (
    SUPERSEDED,
    UNDECODABLE,
    ProblemLog,
    as_text,
    describe_check,
)
from cs360lib.data.loaders.result import LoadResult, duplicate_keys, empty_duplicates
from cs360lib.data.loaders.unpivot import unpivot
from cs360lib.data.readers import RawTable, read_files, resolve_files
from cs360lib.data.schemas import KEYS, column_types, required_columns, schema_for
from cs360lib.errors import LoadError

PAIRED = {"lat": "lon", "lon": "lat"}
"""Columns that only mean something together: one set missing makes the other missing."""

PACK_FROM = 16 * 2**20
"""Bytes of raw source text from which a load keeps it compressed (:meth:`_Loader.pack_raw`).

Below it (every file of the shipped sample) compressing saves little memory and costs about a
third of the load's time, so the text stays as read."""

__all__ = [
    "load",
    "load_actions",
    "load_arrests",
    "load_calls",
    "load_incidents",
    "load_interviews",
    "load_partner_metrics",
    "load_stakeholders",
    "load_survey",
]


def load(
    kind: str,
    source: str | Path | list[str | Path],
    mapping: Mapping | dict[str, Any] | str | Path | None = None,
    *,
    strict: bool = False,
    timezone: str | None = None,
) -> LoadResult:
    """Load a source of one kind into a validated, typed canonical frame.

    Parameters
    ----------
    kind : str
        One of ``incidents``, ``calls``, ``arrests``, ``survey``, ``interviews``,
        ``partner_metrics``, ``stakeholders``, ``actions``.
    source : str, Path or list
        A CSV (``.csv``, ``.csv.gz``), Parquet or Excel file, a folder, a glob,
        or a list of them; several files are read as one table.
    mapping : Mapping, dict, str or Path, optional
        How source columns map onto canonical ones (see ``docs/mappings.md``).
        ``None`` means the source already uses the canonical names.
    strict : bool, default False
        Raise a :class:`LoadError` listing every problem (rows that would be rejected
        and values that would be set missing) instead of quarantining them.
    timezone : str, optional
        IANA time zone of the department (``America/Chicago``), usually the
        engagement's ``info.timezone``; the mapping's own ``timezone`` wins. Times that
        carry a UTC offset are converted to it; see :mod:`.datetimes`.

    Returns
    -------
    LoadResult
        ``.data``, ``.rejected``, ``.problems``, ``.rows_read``, ``.summary()``.

    Raises
    ------
    SourceNotFoundError
        If the source matches no file.
    LoadError
        If a file cannot be read, a required column is absent, times carry UTC offsets
        and no time zone is known, ``timezone`` is not a known zone, or (with
        ``strict=True``) any value fails. The message names the file, the columns,
        up to 10 row numbers and example values.
    """
    schema_for(kind)
    spec = read_mapping(mapping)
    spec.check_kind(kind)
    if timezone is not None and spec.timezone is None:
        try:
            check_timezone(timezone)
        except ValueError as error:
            raise LoadError(f"load(timezone=...): {error}") from None
    zone = spec.timezone or timezone
    files = resolve_files(source, spec.read.files)
    raw = read_files(files, spec.read)
    if spec.unpivot is not None:
        raw = unpivot(raw, spec.unpivot)
    return _Loader(kind, spec, raw, zone).run(strict=strict)


def _make_kind_loader(kind: str):  # noqa: ANN202 - returns a documented function
    def loader(
        source: str | Path | list[str | Path],
        mapping: Mapping | dict[str, Any] | str | Path | None = None,
        *,
        strict: bool = False,
        timezone: str | None = None,
    ) -> LoadResult:
        return load(kind, source, mapping, strict=strict, timezone=timezone)

    loader.__name__ = f"load_{kind}"
    loader.__qualname__ = loader.__name__
    loader.__doc__ = f"""Load a {kind} source; see :func:`load` for the parameters.

    Parameters
    ----------
    source : str, Path or list
        File, folder, glob or list of them.
    mapping : Mapping, dict, str or Path, optional
        Column mapping.
    strict : bool, default False
        Raise instead of quarantining rows.
    timezone : str, optional
        Time zone of the department (the mapping's own wins).

    Returns
    -------
    LoadResult
        The loaded {kind}.
    """
    return loader


load_incidents = _make_kind_loader("incidents")
load_calls = _make_kind_loader("calls")
load_arrests = _make_kind_loader("arrests")
load_survey = _make_kind_loader("survey")
load_interviews = _make_kind_loader("interviews")
load_partner_metrics = _make_kind_loader("partner_metrics")
load_stakeholders = _make_kind_loader("stakeholders")
load_actions = _make_kind_loader("actions")


class _Loader(DuplicateRowFlags):
    """One load: the raw table, the mapping, and the problems found so far."""

    def __init__(self, kind: str, mapping: Mapping, raw: RawTable, zone: str | None = None):
        self.kind = kind
        self.mapping = mapping
        self.raw = raw
        self.zone = zone
        self.types = column_types(kind)
        self.n = raw.table.num_rows
        optional = (set(self.types) - set(required_columns(kind))) | set(mapping.extra)
        self.log = ProblemLog(kind, raw, optional)
        self.names = self.log.names
        self.originals: dict[str, pa.Array | PackedArray] = {}
        self.point: dict[str, pa.Array] = {}
        self.packed: dict[str, PackedArray] = {}
        self.sources: dict[str, pa.Array] = {}

    # -- steps --------------------------------------------------------------------------
    def run(self, *, strict: bool) -> LoadResult:
        self.check_columns()
        if UNDECODABLE in self.raw.table.column_names:
            marker = self.raw.table.column(UNDECODABLE).combine_chunks()
            mask = np.asarray(pc.is_valid(marker))
            self.log.flag(
                mask,
                "(file)",
                "text is not valid in the declared encoding "
                f"{self.mapping.read.encoding!r}; set read.encoding in the mapping "
                "(e.g. cp1252)",
                marker,
            )
        frame = self.to_frame(self.build_columns())
        self.clear_missing(frame, pair=False)
        self.validate(frame)
        self.clear_missing(frame, pair=True)
        key = tuple(self.mapping.key or [k for k in KEYS[self.kind] if k in frame.columns])
        if self.mapping.duplicates == "reject_exact":
            self.flag_exact_duplicates()
        elif self.mapping.duplicates == "reject_key" and key:
            self.flag_key_duplicates(frame, key, self.log.rejected_mask())
        elif self.mapping.duplicates == "keep_latest" and key:
            self.flag_superseded(frame, key, self.log.rejected_mask())
        rejected_mask = self.log.rejected_mask()
        problems = self.log.problem_frame()
        if strict and (problems["outcome"] != SUPERSEDED).any():
            raise self.log.strict_error(problems[problems["outcome"] != SUPERSEDED])
        rejected = self.log.rejected_frame(
            rejected_mask, problems, self.source_rows(np.flatnonzero(rejected_mask))
        )
        # The rejected rows hold their original text now: the packed source text and the
        # original values are not needed any more, so free them before the kept rows are
        # taken (a column at a time).
        rows_read, files = self.raw.rows_read, self.raw.file_names
        wide_rows, cells_skipped = self.raw.wide_rows, self.raw.cells_skipped
        value_columns = list(self.raw.value_columns)
        self.release_raw()
        data = _keep_rows(frame, ~rejected_mask) if rejected_mask.any() else frame
        del frame
        duplicates = duplicate_keys(data, key) if key else empty_duplicates(key)
        return LoadResult(
            kind=self.kind,
            data=data,
            rejected=rejected,
            problems=problems.drop(columns="_position"),
            duplicates=duplicates,
            rows_read=rows_read,
            files=files,
            mapping=self.mapping.name,
            key=key,
            adjustments=self.log.adjustment_frame(),
            timezone=self.zone,
            wide_rows=wide_rows,
            value_columns=value_columns,
            cells_skipped=cells_skipped,
        )

    def release_raw(self) -> None:
        """Drop the raw table, the packed source text and the original values once used."""
        self.raw.table = self.raw.table.schema.empty_table()
        self.originals.clear()
        self.point.clear()
        self.packed.clear()
        self.sources.clear()

    def source_columns_for(self, canonical: str) -> list[str]:
        if canonical in self.mapping.columns:
            value = self.mapping.columns[canonical]
            return list(value) if isinstance(value, list) else [value]
        if canonical in self.mapping.datetimes:
            parts = self.mapping.datetimes[canonical]
            return [c for c in (parts.date, parts.hour, parts.time) if c]
        if canonical in self.mapping.constants:
            return []
        if canonical in self.mapping.which:
            return [c for c in self.mapping.which[canonical] if c != "default"]
        if canonical in self.mapping.extra:
            return [self.mapping.extra[canonical]]
        if self.mapping.point is not None and canonical in PAIRED:
            return self.mapping.point.sources()
        return [canonical] if canonical in self.names else []

    def check_columns(self) -> None:
        files = ", ".join(self.raw.file_names[:3]) + (
            " ..." if len(self.raw.file_names) > 3 else ""
        )
        missing = []
        required = required_columns(self.kind)
        wanted = list(self.types) + list(self.mapping.extra)
        for canonical in wanted:
            sources = self.source_columns_for(canonical)
            absent = [c for c in sources if c not in self.names]
            produced = canonical in self.mapping.constants or (sources and not absent)
            if canonical in self.mapping.canonical_sources() and absent:
                missing.append(f"{canonical} (source column {', '.join(repr(a) for a in absent)})")
            elif canonical in required and not produced:
                missing.append(f"{canonical} (no source column)")
        if not missing:
            return
        hint = ""
        if len(self.names) == 1 and any(sep in self.names[0] for sep in (";", "\t", "|")):
            guess = next(sep for sep in (";", "\t", "|") if sep in self.names[0])
            hint = (
                f" The header was read as one column {self.names[0]!r}: the file looks "
                f"{guess!r}-separated; set read.sep in the mapping."
            )
        raise LoadError(
            f"{files}: {self.kind} needs columns that are not in the file: {'; '.join(missing)}. "
            f"Columns in the file: {self.names[:40]}.{hint}",
            file=files,
        )

    def bounds(self, canonical: str) -> list | None:
        return self.mapping.bounds.get(canonical)

    def source_array(self, name: str) -> pa.Array:
        """Return a source column as one array, unpacked once per built column."""
        if name not in self.sources:
            self.sources[name] = (
                self.packed[name].unpack()
                if name in self.packed
                else _one_array(self.raw.table.column(name))
            )
        return self.sources[name]

    def pack_raw(self) -> None:
        """Compress every source column of the raw table, one at a time (:mod:`.packed`).

        The raw table keeps a null column in the place of each (same names and row count),
        so its text is freed: the load holds the compressed text (about a quarter of it)
        and unpacks a column while it builds the typed columns that read it. A source of
        less raw text than :data:`PACK_FROM` is left as read.
        """
        if self.raw.table.nbytes < PACK_FROM:
            return
        release_memory(collect=False)  # the reader's parse buffers
        for name in self.raw.table.column_names:
            table = self.raw.table
            i = table.schema.get_field_index(name)
            self.packed[name] = PackedArray(table.column(i))
            self.raw.table = table.set_column(
                i, pa.field(name, pa.null()), pa.nulls(table.num_rows)
            )
            del table
        release_memory(collect=False)

    def column_done(self) -> None:
        """Keep the original values of the built columns packed; drop the unpacked sources.

        An original value that is a source column points to that column's packed copy;
        one computed from several columns (a coalesced list, a point's text) is packed.
        A small source (:data:`PACK_FROM`) is not packed: its values stay as they are.
        """
        if not self.packed:
            self.sources.clear()
            return
        done: dict[int, PackedArray] = {}
        for canonical, original in self.originals.items():
            if not isinstance(original, pa.Array):
                continue
            source = next(
                (
                    n
                    for n, a in self.sources.items()
                    if n in self.packed and same_array(original, a)
                ),
                None,
            )
            if source is not None:
                self.originals[canonical] = self.packed[source]
                continue
            if id(original) not in done:
                done[id(original)] = PackedArray(original)
            self.originals[canonical] = done[id(original)]
        self.sources.clear()
        release_memory(collect=False)

    def source_rows(self, positions: np.ndarray) -> pa.Table:
        """Return every source column's values at ``positions``, as text."""
        if positions.size == 0:  # nothing to unpack
            return pa.table([pa.array([], pa.string()) for _ in self.names], names=self.names)
        at = pa.array(positions, pa.int64())
        columns = []
        for name in self.names:
            values = self.packed[name] if name in self.packed else self.source_array(name)
            columns.append(as_text(values.take(at)))
        return pa.table(columns, names=self.names)

    def build_columns(self) -> dict[str, pa.Array]:
        """Build every typed column from the packed source columns, one column at a time.

        Which rows keep their original text (rejected rows, values that fail a check) is
        known only at the end of the load, so every source column is kept, compressed
        (:meth:`pack_raw`); each is unpacked while the columns that read it are built and
        dropped after, so the load holds the compressed text and the typed columns, not
        the whole raw text table next to every typed column.
        """
        self.pack_raw()
        arrays: dict[str, pa.Array] = {}
        if self.mapping.point is not None:
            sources = [self.source_array(name) for name in self.mapping.point.sources()]
            lat, lon, original = read_point(self.log, self.mapping.point, sources)
            del sources
            for canonical, array in (("lat", lat), ("lon", lon)):
                self.originals[canonical] = original
                self.point[canonical] = bounded(
                    self.log, canonical, array, original, self.bounds(canonical)
                )
            del original
            self.column_done()
        for canonical, kind in self.types.items():
            array = self.build_column(canonical, kind)
            if array is not None:
                arrays[canonical] = array
            del array
            self.column_done()
        for canonical in self.mapping.extra:
            original = self.source_array(self.mapping.extra[canonical])
            lost: list[tuple[str, np.ndarray]] = []
            text = self.text(canonical, original, lost)
            self.flag_lost(canonical, lost, text, original)
            arrays[canonical] = text
            del original, text
            self.column_done()
        return arrays

    def build_column(self, canonical: str, kind: str) -> pa.Array | None:
        spec = self.mapping
        if canonical in self.point:
            return self.point[canonical]
        if canonical in spec.constants:
            array = pa.array([spec.constants[canonical]] * self.n)
            array = pc.cast(array, pa.string()) if kind != "float" else array
            return self.convert(canonical, kind, array, self.text(canonical, array))
        if canonical in spec.datetimes:
            return self.datetime_from_parts(canonical)
        if canonical in spec.which:
            return self.which(canonical)
        sources = self.source_columns_for(canonical)
        if not sources:
            return None
        arrays = [self.source_array(name) for name in sources]
        original = arrays[0]
        lost: list[tuple[str, np.ndarray]] = []
        if len(arrays) > 1:
            cleaned = [self.text(canonical, a, lost) for a in arrays]
            value = pc.coalesce(*cleaned)
            original = pc.coalesce(*[as_text(a) for a in arrays])
            self.flag_lost(canonical, lost, value, original)
            return self.convert(canonical, kind, original, value)
        if kind in ("string", "category") and few_distinct(original, always=kind == "category"):
            # Clean the distinct values once instead of every row (areas, offense names...).
            encoded = pc.dictionary_encode(original)
            cleaned = self.text(canonical, encoded.dictionary, lost)
            self.originals[canonical] = original
            self.flag_lost(canonical, lost, None, original, encoded.indices)
            if kind == "category":
                return pa.DictionaryArray.from_arrays(encoded.indices, cleaned)
            return pc.take(cleaned, encoded.indices)
        value = self.text(canonical, original, lost)
        self.flag_lost(canonical, lost, value, original)
        return self.convert(canonical, kind, original, value)

    def text(
        self, canonical: str, array: pa.Array, lost: list[tuple[str, np.ndarray]] | None = None
    ) -> pa.Array:
        """Apply strip, missing, clean, missing again and values to a source array (as text).

        A value listed under ``missing`` is missing whether it is written so in the
        source or becomes so after cleaning. Every step keeps a missing value missing,
        and text left empty is missing. When ``lost`` is a list, each ``split`` or
        ``extract`` that turns a present value into a missing one appends the
        operation and the mask of those positions to it.
        """
        spec = self.mapping
        if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
            if (
                canonical not in spec.clean
                and canonical not in spec.values
                and canonical not in spec.missing
            ):
                return array
            array = as_text(array)
        array = _blank_to_null(pc.utf8_trim_whitespace(array))
        tokens = None
        if canonical in spec.missing:
            tokens = pa.array([str(v) for v in spec.missing[canonical]], pa.string())
            array = pc.if_else(pc.is_in(array, value_set=tokens), None, array)
        for operation in spec.clean.get(canonical, []):
            before = array
            array = _blank_to_null(clean(array, str(operation)))
            if lost is not None and str(operation).partition(":")[0] in LOSSY_OPERATIONS:
                gone = pc.and_(pc.is_valid(before), pc.is_null(array))
                lost.append((str(operation), np.asarray(gone)))
        if tokens is not None and canonical in spec.clean:
            array = pc.if_else(pc.is_in(array, value_set=tokens), None, array)
        if canonical in spec.values:
            array = recode(array, {str(k): v for k, v in spec.values[canonical].items()})
        return array

    def flag_lost(
        self,
        canonical: str,
        lost: list[tuple[str, np.ndarray]],
        value: pa.Array | None,
        original: pa.Array,
        indices: pa.Array | None = None,
    ) -> None:
        """Record values that a ``split`` or ``extract`` made missing (see :meth:`text`).

        ``indices`` maps rows to the positions of a dictionary that was cleaned instead
        of the rows; ``value`` is the final value, and a value another source column
        filled in (a list of columns) is not a problem.
        """
        for operation, gone in lost:
            if not gone.any():
                continue
            if indices is not None:
                at = indices.fill_null(len(gone)).to_numpy(zero_copy_only=False)
                gone = np.append(gone, False)[at]
            if value is not None:
                gone = gone & np.asarray(pc.is_null(value))
            self.log.flag(
                gone,
                canonical,
                f"gives nothing under clean {operation!r} (no such part, or no match), "
                "so it is missing",
                original,
            )

    def convert(self, canonical: str, kind: str, original: pa.Array, value: pa.Array) -> pa.Array:
        self.originals[canonical] = original
        if kind in ("string", "category"):
            return as_text(value)
        if kind == "float":
            return to_number(
                self.log,
                canonical,
                original,
                value,
                integer=False,
                bounds=self.bounds(canonical),
            )
        if kind == "int":
            return to_number(
                self.log,
                canonical,
                original,
                value,
                integer=True,
                bounds=self.bounds(canonical),
            )
        sources = self.source_columns_for(canonical)
        return to_datetime(
            self.log,
            canonical,
            original,
            value,
            self.mapping.formats.get(canonical),
            self.bounds(canonical),
            zone=self.zone,
            source=sources[0] if sources else None,
        )

    def datetime_from_parts(self, canonical: str) -> pa.Array:
        parts = self.mapping.datetimes[canonical]
        date_original = self.source_array(parts.date)
        date_text = self.text(canonical, date_original)
        fmt = self.mapping.formats.get(canonical)
        date_only = parse_datetimes(date_text, fmt)
        failed = np.asarray(
            pc.and_kleene(pc.is_valid(date_text), pc.is_null(date_only)).fill_null(False)
        )
        how = f"format {fmt}" if fmt else "any known date format"
        self.log.flag(
            failed, canonical, f"date part ({parts.date}) is not a date in {how}", date_original
        )
        offsets = {}
        if parts.hour:
            offsets["hour"] = hour_seconds(
                self.log, canonical, parts.hour, self.source_array(parts.hour)
            )
        if parts.time:
            offsets["time"] = time_seconds(
                self.log, canonical, parts.time, self.source_array(parts.time)
            )
        if not offsets:
            date_only = resolve_local_times(self.log, canonical, date_only, self.zone)
            return sane_times(self.log, canonical, date_only, date_original, self.bounds(canonical))
        order = sorted(offsets, key=lambda name: name != parts.prefer)
        offset = pc.coalesce(*[offsets[name] for name in order])
        timeless = np.asarray(
            pc.and_kleene(pc.is_valid(date_only), pc.is_null(offset)).fill_null(False)
        )
        if parts.missing_time == "reject":
            columns = " and ".join(c for c in (parts.hour, parts.time) if c)
            self.log.flag(
                timeless & ~self.log.flagged.get(canonical, np.zeros(self.n, dtype=bool)),
                canonical,
                f"has a date but no time of day ({columns} empty); set "
                "missing_time: midnight in the mapping to keep such rows at 00:00",
                date_original,
            )
        offset_ns = pc.multiply(pc.cast(offset.fill_null(0), pa.int64()), 1_000_000_000)
        combined = pc.cast(pc.add(pc.cast(date_only, pa.int64()), offset_ns), pa.timestamp("ns"))
        combined = resolve_local_times(self.log, canonical, combined, self.zone)
        return sane_times(self.log, canonical, combined, date_original, self.bounds(canonical))

    def which(self, canonical: str) -> pa.Array:
        labels = self.mapping.which[canonical]
        result = pa.nulls(self.n, pa.string())
        for column in reversed([c for c in labels if c != "default"]):
            present = pc.is_valid(self.text(canonical, as_text(self.source_array(column))))
            result = pc.if_else(present, pa.scalar(labels[column], pa.string()), result)
        if "default" in labels:
            result = pc.fill_null(result, pa.scalar(labels["default"], pa.string()))
        return result

    def to_frame(self, arrays: dict[str, pa.Array]) -> pd.DataFrame:
        columns = {}
        for name in list(arrays):
            array = arrays.pop(name)  # the typed array is freed once its column is built
            kind = self.types.get(name, "string")
            if kind == "category":
                series = pd.Series(pd.Categorical.from_codes(*codes(array)), name=name)
            elif kind == "string":
                series = pd.Series(pd.arrays.ArrowStringArray(array), name=name)
            elif kind == "int":
                series = pd.Series(
                    array.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get), name=name
                )
            elif kind == "datetime":
                series = pd.Series(array.to_numpy(zero_copy_only=False), name=name).astype(
                    "datetime64[ns]"
                )
            else:
                series = pd.Series(array.to_numpy(zero_copy_only=False), name=name, dtype="float64")
            columns[name] = series
            del array, series
        # copy=False: one block per column, no consolidated copy of every column at once.
        frame = pd.DataFrame(columns, copy=False)
        del columns
        frame["source_file"] = pd.Categorical.from_codes(self.raw.files, categories=self.log.labels)
        frame["source_row"] = self.raw.rows
        if self.raw.cell_columns is not None:
            frame["source_column"] = pd.Categorical.from_codes(
                self.raw.cell_columns, categories=self.raw.value_columns
            )
        return frame

    def clear_missing(self, frame: pd.DataFrame, *, pair: bool) -> None:
        """Make missing the optional values whose problems said "set missing".

        With ``pair`` (once the schema has been checked): a coordinate needs both ``lat``
        and ``lon``, so when one is set missing on a kept row, so is the other (recorded
        as a problem of its own).
        """
        masks = {c: self.log.missing_mask(c) for c in frame.columns if c in self.log.optional}
        rejected = self.log.rejected_mask()
        for column, partner in PAIRED.items() if pair else ():
            mask = masks.get(column)
            if mask is None or partner not in frame.columns:
                continue
            other = masks.get(partner)
            orphan = mask & frame[partner].notna().to_numpy() & ~rejected
            if other is not None:
                orphan &= ~other
            if orphan.any():
                self.log.flag(
                    orphan,
                    partner,
                    f"is set missing with {column}, which could not be used (a point needs both)",
                    self.originals.get(partner),
                )
                masks[partner] = orphan if other is None else other | orphan
        for column, mask in masks.items():
            if mask is not None and mask.any():
                frame[column] = frame[column].mask(mask)

    def validate(self, frame: pd.DataFrame) -> None:
        schema = schema_for(self.kind).to_schema()
        try:
            # inplace: pandera otherwise validates a deep copy of the frame; the schemas do
            # not coerce (Config.coerce = False), so in place nothing is changed.
            schema.validate(frame, lazy=True, inplace=True)
        except pa_schema.errors.SchemaErrors as errors:
            cases = errors.failure_cases
            for (column, check), group in cases.groupby(
                ["column", "check"], dropna=False, sort=False
            ):
                if group["index"].isna().any():
                    raise LoadError(
                        f"internal error: {self.kind}.{column} failed {check} for the whole column"
                    ) from None
                positions = group["index"].astype(np.int64).to_numpy()
                if column in self.originals:
                    source = as_text(self.originals[column].take(pa.array(positions)))
                    shown = np.asarray(source.to_pylist(), dtype=object)
                else:
                    shown = np.asarray(
                        [None if pd.isna(v) else str(v) for v in group["failure_case"]],
                        dtype=object,
                    )
                if check == "not_nullable" and column in self.log.flagged:
                    keep = ~self.log.flagged[column][positions]
                    positions, shown = positions[keep], shown[keep]
                self.log.flag_at(positions, str(column), describe_check(str(check)), shown)


def _one_array(column: pa.ChunkedArray) -> pa.Array:
    """Return a column as one array: its only chunk, or its chunks combined (a copy)."""
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def _keep_rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """Return the rows of ``frame`` where ``keep`` is true, renumbered from 0, column by column.

    Equal to ``frame.loc[keep].reset_index(drop=True)``; each column of ``frame`` is
    dropped once its kept rows are taken, so the rows are never held twice in full.
    """
    positions = np.flatnonzero(keep)
    columns = {}
    for name in list(frame.columns):
        columns[name] = frame.pop(name).take(positions).reset_index(drop=True)
    return pd.DataFrame(columns, copy=False)


def _blank_to_null(array: pa.Array) -> pa.Array:
    """Make empty text missing."""
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)
