"""Loaders: map, coerce, validate and quarantine source rows into typed canonical frames.

``load(kind, source, mapping)`` is the one entry point. Every source row ends
up either in ``LoadResult.data`` (typed, validated against the kind's schema)
or in ``LoadResult.rejected`` (its file, its 1-based row number, every original
value as text and a plain reason), so ``rows_read == len(data) + len(rejected)``
always holds. Coercion runs on Arrow arrays (pyarrow.compute), so large files
stay fast and typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pandera.pandas as pa_schema
import pyarrow as pa
import pyarrow.compute as pc

from cs360lib.mapping import Mapping, read_mapping
from cs360lib.readers import (
    LoadError,
    RawTable,
    SourceNotFoundError,
    read_files,
    resolve_files,
)
from cs360lib.schemas import KEYS, column_types, required_columns, schema_for

if TYPE_CHECKING:
    from cs360lib.engagement import Engagement

__all__ = [
    "LoadError",
    "LoadResult",
    "SourceNotFoundError",
    "load",
    "load_actions",
    "load_arrests",
    "load_calls",
    "load_engagement",
    "load_incidents",
    "load_interviews",
    "load_partner_metrics",
    "load_stakeholders",
    "load_survey",
]

STRING = pd.StringDtype("pyarrow")
EARLIEST = pd.Timestamp("1900-01-01")
ROBUST_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%m/%d/%y",
    "%Y%m%d",
)
"""Formats tried, in order, for a datetime column that has no format in its mapping.

Dates are read month-first (US exports); day-first sources must give a format.
"""

_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_INTEGER = r"^[+-]?\d+(\.0*)?$"
_UNDECODABLE = "__undecodable__"


@dataclass
class LoadResult:
    """What a loader read: the typed rows, the rejected rows and how many were read.

    Attributes
    ----------
    kind : str
        Kind of source.
    data : pandas.DataFrame
        Validated rows with the kind's canonical columns (typed), the mapping's
        extra columns, and ``source_file`` / ``source_row`` for lineage.
    rejected : pandas.DataFrame
        Rows that failed: ``source_file``, ``source_row``, ``reason``, then every
        original source column as text (``raw_line`` for lines that could not be parsed).
    problems : pandas.DataFrame
        One row per problem found (``source_file``, ``source_row``, ``column``,
        ``problem``, ``value``); a rejected row may have several.
    duplicates : pandas.DataFrame
        Keys that occur more than once in ``data``: the key columns, ``count`` and
        ``source_rows``.
    rows_read : int
        Source rows read (``len(data) + len(rejected)``).
    files : list of str
        Files read.
    mapping : str
        Name of the mapping used.
    """

    kind: str
    data: pd.DataFrame
    rejected: pd.DataFrame
    problems: pd.DataFrame
    duplicates: pd.DataFrame
    rows_read: int
    files: list[str] = field(default_factory=list)
    mapping: str = "identity"
    key: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.rows_read != len(self.data) + len(self.rejected):  # pragma: no cover - invariant
            raise AssertionError(
                f"loader invariant broken: {self.rows_read} read, {len(self.data)} kept, "
                f"{len(self.rejected)} rejected"
            )

    @property
    def source(self) -> str:
        """Short description of the files read."""
        if len(self.files) == 1:
            return self.files[0]
        return f"{len(self.files)} files in {Path(self.files[0]).parent}" if self.files else ""

    @property
    def repeat_rows(self) -> int:
        """Rows of ``data`` that repeat a key seen on an earlier row."""
        if self.duplicates.empty:
            return 0
        return int(self.duplicates["count"].sum() - len(self.duplicates))

    def rejected_by_reason(self) -> pd.DataFrame:
        """Count the problems by column and problem.

        Returns
        -------
        pandas.DataFrame
            Columns ``column``, ``problem``, ``rows``, ``example_rows``, ``example_values``,
            most frequent first.
        """
        if self.problems.empty:
            return pd.DataFrame(
                columns=["column", "problem", "rows", "example_rows", "example_values"]
            )
        grouped = self.problems.groupby(["column", "problem"], sort=False, observed=True)
        table = grouped.agg(
            rows=("source_row", "size"),
            example_rows=("source_row", lambda s: ", ".join(str(v) for v in s.head(10))),
            example_values=("value", lambda s: ", ".join(repr(v) for v in pd.unique(s)[:5])),
        ).reset_index()
        return table.sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)

    def summary(self) -> str:
        """Describe the load in a few plain sentences.

        Returns
        -------
        str
            Rows read, kept and rejected, the main reasons, and duplicate keys.
        """
        lines = [
            f"{self.kind} from {self.source} (mapping: {self.mapping}): "
            f"{self.rows_read:,} rows read, {len(self.data):,} loaded, "
            f"{len(self.rejected):,} rejected."
        ]
        for row in self.rejected_by_reason().head(5).itertuples():
            lines.append(
                f"  - {row.rows:,} rows: {row.column}: {row.problem} (rows {row.example_rows})"
            )
        if not self.duplicates.empty:
            lines.append(
                f"  {len(self.duplicates):,} values of {'/'.join(self.key)} occur more than once "
                f"({self.repeat_rows:,} repeat rows; see .duplicates)."
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:  # pragma: no cover - display helper
        return "<pre>" + self.summary() + "</pre>"


def load(
    kind: str,
    source: str | Path | list[str | Path],
    mapping: Mapping | dict[str, Any] | str | Path | None = None,
    *,
    strict: bool = False,
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
        Raise a :class:`LoadError` listing every problem instead of quarantining rows.

    Returns
    -------
    LoadResult
        ``.data``, ``.rejected``, ``.rows_read``, ``.summary()``.

    Raises
    ------
    SourceNotFoundError
        If the source matches no file.
    LoadError
        If a file cannot be read, a required column is absent, or (with
        ``strict=True``) any row fails. The message names the file, the columns,
        up to 10 row numbers and example values.
    """
    schema_for(kind)
    spec = read_mapping(mapping)
    spec.check_kind(kind)
    files = resolve_files(source, spec.read.files)
    raw = read_files(files, spec.read)
    return _Loader(kind, spec, raw).run(strict=strict)


def _make_kind_loader(kind: str):  # noqa: ANN202 - returns a documented function
    def loader(
        source: str | Path | list[str | Path],
        mapping: Mapping | dict[str, Any] | str | Path | None = None,
        *,
        strict: bool = False,
    ) -> LoadResult:
        return load(kind, source, mapping, strict=strict)

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


def load_engagement(engagement: Engagement, *, strict: bool = False) -> dict[str, LoadResult]:
    """Load every source of an engagement.

    Parameters
    ----------
    engagement : Engagement
        A loaded engagement file.
    strict : bool, default False
        Passed on to :func:`load`.

    Returns
    -------
    dict of str to LoadResult
        One result per source name, in the file's order.

    Raises
    ------
    LoadError
        If a source cannot be loaded; the message names the engagement file and the source.
    """
    results = {}
    for name, source in engagement.sources.items():
        try:
            spec = read_mapping(source.mapping, base=engagement.root)
            results[name] = load(source.kind, source.path, spec, strict=strict)
        except LoadError as error:
            kind = type(error)
            raise kind(
                f"{engagement.path}: source {name!r}: {error}",
                file=error.file,
                problems=error.problems,
            ) from error
    return results


class _Loader:
    """One load: the raw table, the mapping, and the problems found so far."""

    def __init__(self, kind: str, mapping: Mapping, raw: RawTable):
        self.kind = kind
        self.mapping = mapping
        self.raw = raw
        self.types = column_types(kind)
        self.n = raw.table.num_rows
        self.names = [n for n in raw.table.column_names if n != _UNDECODABLE]
        self.problem_rows: list[np.ndarray] = []
        self.problem_columns: list[str] = []
        self.problem_texts: list[str] = []
        self.problem_values: list[np.ndarray] = []
        self.flagged: dict[str, np.ndarray] = {}
        short = [Path(f).name for f in raw.file_names]
        self.labels = short if len(set(short)) == len(short) else list(raw.file_names)
        self.label_of = dict(zip(raw.file_names, self.labels, strict=True))
        self.originals: dict[str, pa.Array] = {}

    # -- problems ---------------------------------------------------------------------
    def flag(self, mask: np.ndarray, column: str, problem: str, values: pa.Array | None) -> None:
        """Record a problem for the rows where ``mask`` is true."""
        positions = np.flatnonzero(mask)
        if positions.size == 0:
            return
        if values is None:
            shown = np.full(positions.size, None, dtype=object)
        else:
            taken = values.take(pa.array(positions))
            if not pa.types.is_string(taken.type):
                taken = pc.cast(taken, pa.string())
            shown = np.asarray(taken.to_pylist(), dtype=object)
        self.flag_at(positions, column, problem, shown)

    def flag_at(self, positions: np.ndarray, column: str, problem: str, shown: np.ndarray) -> None:
        """Record a problem for the rows at ``positions`` with the values shown."""
        if positions.size == 0:
            return
        self.problem_rows.append(positions)
        self.problem_columns.append(column)
        self.problem_texts.append(problem)
        self.problem_values.append(shown)
        if column not in self.flagged:
            self.flagged[column] = np.zeros(self.n, dtype=bool)
        self.flagged[column][positions] = True

    def rejected_mask(self) -> np.ndarray:
        """Rows with at least one problem so far."""
        mask = np.zeros(self.n, dtype=bool)
        for rows in self.problem_rows:
            mask[rows] = True
        return mask

    # -- steps --------------------------------------------------------------------------
    def run(self, *, strict: bool) -> LoadResult:
        self.check_columns()
        if _UNDECODABLE in self.raw.table.column_names:
            marker = self.raw.table.column(_UNDECODABLE).combine_chunks()
            mask = np.asarray(pc.is_valid(marker))
            self.flag(
                mask,
                "(file)",
                "text is not valid in the declared encoding "
                f"{self.mapping.read.encoding!r}; set read.encoding in the mapping "
                "(e.g. cp1252)",
                marker,
            )
        arrays = self.build_columns()
        frame = self.to_frame(arrays)
        self.validate(frame)
        key = tuple(self.mapping.key or [k for k in KEYS[self.kind] if k in frame.columns])
        if self.mapping.duplicates == "reject_exact":
            self.flag_exact_duplicates()
        elif self.mapping.duplicates == "reject_key" and key:
            self.flag_key_duplicates(frame, key, self.rejected_mask())
        rejected_mask = self.rejected_mask()
        problems = self.problem_frame()
        if strict and (rejected_mask.any() or self.raw.bad_lines):
            raise self.strict_error(problems)
        data = frame.loc[~rejected_mask].reset_index(drop=True) if rejected_mask.any() else frame
        duplicates = _duplicate_keys(data, key) if key else _empty_duplicates(key)
        rejected = self.rejected_frame(rejected_mask, problems)
        return LoadResult(
            kind=self.kind,
            data=data,
            rejected=rejected,
            problems=problems.drop(columns="_position"),
            duplicates=duplicates,
            rows_read=self.raw.rows_read,
            files=self.raw.file_names,
            mapping=self.mapping.name,
            key=key,
        )

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

    def source_array(self, name: str) -> pa.Array:
        return self.raw.table.column(name).combine_chunks()

    def build_columns(self) -> dict[str, pa.Array]:
        arrays: dict[str, pa.Array] = {}
        for canonical, kind in self.types.items():
            array = self.build_column(canonical, kind)
            if array is not None:
                arrays[canonical] = array
        for canonical in self.mapping.extra:
            text = self.text(canonical, self.source_array(self.mapping.extra[canonical]))
            arrays[canonical] = text
        return arrays

    def build_column(self, canonical: str, kind: str) -> pa.Array | None:
        spec = self.mapping
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
        if len(arrays) > 1:
            cleaned = [self.text(canonical, a) for a in arrays]
            value = pc.coalesce(*cleaned)
            original = pc.coalesce(*[_as_text(a) for a in arrays])
            return self.convert(canonical, kind, original, value)
        if kind in ("string", "category") and _few_distinct(original, always=kind == "category"):
            # Clean the distinct values once instead of every row (areas, offense names...).
            encoded = pc.dictionary_encode(original)
            cleaned = self.text(canonical, encoded.dictionary)
            self.originals[canonical] = original
            if kind == "category":
                return pa.DictionaryArray.from_arrays(encoded.indices, cleaned)
            return pc.take(cleaned, encoded.indices)
        return self.convert(canonical, kind, original, self.text(canonical, original))

    def text(self, canonical: str, array: pa.Array) -> pa.Array:
        """Apply strip, clean, missing and values to a source array (as text)."""
        spec = self.mapping
        if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
            if (
                canonical not in spec.clean
                and canonical not in spec.values
                and canonical not in spec.missing
            ):
                return array
            array = _as_text(array)
        array = pc.utf8_trim_whitespace(array)
        array = pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)
        for operation in spec.clean.get(canonical, []):
            array = _clean(array, str(operation))
        if canonical in spec.missing:
            tokens = pa.array([str(v) for v in spec.missing[canonical]], pa.string())
            array = pc.if_else(
                pc.is_in(array, value_set=tokens), pa.scalar(None, pa.string()), array
            )
        if canonical in spec.values:
            array = _recode(array, {str(k): v for k, v in spec.values[canonical].items()})
        return array

    def convert(self, canonical: str, kind: str, original: pa.Array, value: pa.Array) -> pa.Array:
        self.originals[canonical] = original
        if kind in ("string", "category"):
            return _as_text(value)
        if kind == "float":
            return self.to_number(canonical, original, value, integer=False)
        if kind == "int":
            return self.to_number(canonical, original, value, integer=True)
        return self.to_datetime(canonical, original, value, self.mapping.formats.get(canonical))

    def to_number(
        self, canonical: str, original: pa.Array, value: pa.Array, *, integer: bool
    ) -> pa.Array:
        if pa.types.is_floating(value.type) or pa.types.is_integer(value.type):
            numbers = pc.cast(value, pa.float64())
        else:
            try:
                numbers = pc.cast(value, pa.float64())
            except pa.ArrowInvalid:
                numbers = None
        if numbers is None:
            good = pc.match_substring_regex(value, _NUMBER)
            bad = np.asarray(pc.and_kleene(pc.is_valid(value), pc.invert(good)).fill_null(False))
            self.flag(bad, canonical, "is not a number", original)
            numbers = pc.cast(pc.if_else(good, value, pa.scalar(None, pa.string())), pa.float64())
        finite = pc.is_finite(numbers)
        self.flag(
            np.asarray(pc.invert(finite).fill_null(False)),
            canonical,
            "is not a finite number",
            original,
        )
        if integer:
            whole = pc.equal(pc.floor(numbers), numbers)
            self.flag(
                np.asarray(pc.invert(whole).fill_null(False)),
                canonical,
                "is not a whole number",
                original,
            )
        numbers = self.bounded(canonical, numbers, original)
        return pc.cast(numbers, pa.int64(), safe=False) if integer else numbers

    def bounded(self, canonical: str, array: pa.Array, original: pa.Array) -> pa.Array:
        bounds = self.mapping.bounds.get(canonical)
        if not bounds:
            return array
        low, high = (list(bounds) + [None, None])[:2]
        for limit, compare, word in (
            (low, pc.less, "before" if _is_time(array) else "below"),
            (high, pc.greater, "after" if _is_time(array) else "above"),
        ):
            if limit is None:
                continue
            threshold = _ts(pd.Timestamp(limit)) if _is_time(array) else pa.scalar(float(limit))
            mask = compare(array, threshold)
            self.flag(
                np.asarray(mask.fill_null(False)),
                canonical,
                f"is {word} the allowed {limit}",
                original,
            )
        return array

    def to_datetime(
        self, canonical: str, original: pa.Array, value: pa.Array, fmt: str | None
    ) -> pa.Array:
        if pa.types.is_timestamp(value.type) or pa.types.is_date(value.type):
            parsed = (
                pc.cast(value, pa.timestamp("ns"))
                if not pa.types.is_timestamp(value.type)
                else value
            )
            if getattr(parsed.type, "tz", None):
                parsed = pc.local_timestamp(parsed)
            parsed = pc.cast(parsed, pa.timestamp("ns"))
        else:
            parsed = _parse_datetimes(value, fmt)
            failed = np.asarray(
                pc.and_kleene(pc.is_valid(value), pc.is_null(parsed)).fill_null(False)
            )
            how = f"format {fmt}" if fmt else "any known date format"
            self.flag(failed, canonical, f"is not a date/time in {how}", original)
        return self.sane_times(canonical, parsed, original)

    def sane_times(self, canonical: str, parsed: pa.Array, original: pa.Array) -> pa.Array:
        if canonical not in self.mapping.bounds:
            latest = pd.Timestamp.now().normalize() + pd.Timedelta(days=2)
            early = pc.less(parsed, _ts(EARLIEST))
            late = pc.greater(parsed, _ts(latest))
            self.flag(np.asarray(early.fill_null(False)), canonical, "is before 1900", original)
            self.flag(np.asarray(late.fill_null(False)), canonical, "is in the future", original)
            return parsed
        return self.bounded(canonical, parsed, original)

    def datetime_from_parts(self, canonical: str) -> pa.Array:
        parts = self.mapping.datetimes[canonical]
        date_original = self.source_array(parts.date)
        date_text = self.text(canonical, date_original)
        fmt = self.mapping.formats.get(canonical)
        date_only = _parse_datetimes(date_text, fmt)
        failed = np.asarray(
            pc.and_kleene(pc.is_valid(date_text), pc.is_null(date_only)).fill_null(False)
        )
        how = f"format {fmt}" if fmt else "any known date format"
        self.flag(
            failed, canonical, f"date part ({parts.date}) is not a date in {how}", date_original
        )
        offsets = {}
        if parts.hour:
            offsets["hour"] = self.hour_seconds(canonical, parts.hour)
        if parts.time:
            offsets["time"] = self.time_seconds(canonical, parts.time)
        if not offsets:
            return self.sane_times(canonical, date_only, date_original)
        order = sorted(offsets, key=lambda name: name != parts.prefer)
        offset = pc.coalesce(*[offsets[name] for name in order])
        timeless = np.asarray(
            pc.and_kleene(pc.is_valid(date_only), pc.is_null(offset)).fill_null(False)
        )
        if parts.missing_time == "reject":
            columns = " and ".join(c for c in (parts.hour, parts.time) if c)
            self.flag(
                timeless & ~self.flagged.get(canonical, np.zeros(self.n, dtype=bool)),
                canonical,
                f"has a date but no time of day ({columns} empty); set "
                "missing_time: midnight in the mapping to keep such rows at 00:00",
                date_original,
            )
        offset_ns = pc.multiply(pc.cast(offset.fill_null(0), pa.int64()), 1_000_000_000)
        combined = pc.cast(pc.add(pc.cast(date_only, pa.int64()), offset_ns), pa.timestamp("ns"))
        return self.sane_times(canonical, combined, date_original)

    def hour_seconds(self, canonical: str, column: str) -> pa.Array:
        """Seconds after midnight from an hour column (0-23); invalid hours are flagged."""
        hour_text = pc.utf8_trim_whitespace(_as_text(self.source_array(column)))
        hour_text = pc.if_else(pc.equal(hour_text, ""), pa.scalar(None, pa.string()), hour_text)
        good = pc.match_substring_regex(hour_text, _INTEGER)
        hours = pc.cast(pc.if_else(good, hour_text, pa.scalar(None, pa.string())), pa.float64())
        in_range = pc.and_(pc.greater_equal(hours, 0), pc.less_equal(hours, 23))
        bad = np.asarray(
            pc.and_kleene(pc.is_valid(hour_text), pc.invert(in_range).fill_null(True)).fill_null(
                False
            )
        )
        self.flag(bad, canonical, f"hour part ({column}) is not an hour from 0 to 23", hour_text)
        hours = pc.if_else(in_range, hours, pa.scalar(None, pa.float64()))
        return pc.multiply(pc.cast(hours, pa.int64()), 3600)

    def time_seconds(self, canonical: str, column: str) -> pa.Array:
        """Seconds after midnight from an HH:MM[:SS] column; invalid times are flagged."""
        time_text = pc.utf8_trim_whitespace(_as_text(self.source_array(column)))
        time_text = pc.if_else(pc.equal(time_text, ""), pa.scalar(None, pa.string()), time_text)
        seconds = _parse_time_of_day(time_text)
        bad = np.asarray(
            pc.and_kleene(pc.is_valid(time_text), pc.is_null(seconds)).fill_null(False)
        )
        self.flag(
            bad,
            canonical,
            f"time part ({column}) is not a time of day (HH:MM or HH:MM:SS)",
            time_text,
        )
        return seconds

    def which(self, canonical: str) -> pa.Array:
        labels = self.mapping.which[canonical]
        result = pa.nulls(self.n, pa.string())
        for column in reversed([c for c in labels if c != "default"]):
            present = pc.is_valid(self.text(canonical, _as_text(self.source_array(column))))
            result = pc.if_else(present, pa.scalar(labels[column], pa.string()), result)
        if "default" in labels:
            result = pc.fill_null(result, pa.scalar(labels["default"], pa.string()))
        return result

    def to_frame(self, arrays: dict[str, pa.Array]) -> pd.DataFrame:
        columns = {}
        for name, array in arrays.items():
            kind = self.types.get(name, "string")
            if kind == "category":
                series = pd.Series(pd.Categorical.from_codes(*_codes(array)), name=name)
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
        frame = pd.DataFrame(columns)
        frame["source_file"] = pd.Categorical.from_codes(self.raw.files, categories=self.labels)
        frame["source_row"] = self.raw.rows
        return frame

    def validate(self, frame: pd.DataFrame) -> None:
        schema = schema_for(self.kind).to_schema()
        try:
            schema.validate(frame, lazy=True)
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
                    source = _as_text(self.originals[column]).take(pa.array(positions))
                    shown = np.asarray(source.to_pylist(), dtype=object)
                else:
                    shown = np.asarray(
                        [None if pd.isna(v) else str(v) for v in group["failure_case"]],
                        dtype=object,
                    )
                if check == "not_nullable" and column in self.flagged:
                    keep = ~self.flagged[column][positions]
                    positions, shown = positions[keep], shown[keep]
                self.flag_at(positions, str(column), _describe_check(str(check)), shown)

    def flag_exact_duplicates(self) -> None:
        columns = {n: _as_text(self.source_array(n)) for n in self.names}
        frame = pd.DataFrame({n: pd.arrays.ArrowStringArray(a) for n, a in columns.items()})
        repeated = frame.duplicated(keep="first").to_numpy()
        if not repeated.any():
            return
        first = frame.drop_duplicates(keep="first")
        positions = first.index.to_numpy()
        earlier = frame.merge(
            first.assign(_row=self.raw.rows[positions], _file=self.raw.files[positions]),
            how="left",
            on=list(frame.columns),
        )
        several = len(self.labels) > 1
        text = pa.array(
            [
                f"row {int(r)}" + (f" of {self.labels[int(f)]}" if several else "")
                for r, f in zip(earlier["_row"], earlier["_file"], strict=True)
            ],
            pa.string(),
        )
        self.flag(repeated, "(row)", "is an exact duplicate of an earlier row", text)

    def flag_key_duplicates(
        self, frame: pd.DataFrame, key: tuple[str, ...], already: np.ndarray
    ) -> None:
        keys = frame[list(key)]
        repeated = keys.duplicated(keep="first").to_numpy() & ~already
        shown = pa.array(keys.astype(str).agg("/".join, axis=1).tolist(), pa.string())
        self.flag(repeated, "/".join(key), "repeats the key of an earlier row", shown)

    def problem_frame(self) -> pd.DataFrame:
        if not self.problem_rows and not self.raw.bad_lines:
            return pd.DataFrame(
                {
                    "source_file": pd.Series(dtype=object),
                    "source_row": pd.Series(dtype="int64"),
                    "column": pd.Series(dtype=object),
                    "problem": pd.Series(dtype=object),
                    "value": pd.Series(dtype=object),
                    "_position": pd.Series(dtype="int64"),
                }
            )
        rows = np.concatenate(self.problem_rows) if self.problem_rows else np.array([], np.int64)
        counts = [r.size for r in self.problem_rows]
        frame = pd.DataFrame(
            {
                "source_file": [self.labels[i] for i in self.raw.files[rows]],
                "source_row": self.raw.rows[rows],
                "column": np.repeat(self.problem_columns, counts) if counts else [],
                "problem": np.repeat(self.problem_texts, counts) if counts else [],
                "value": np.concatenate(self.problem_values) if self.problem_values else [],
                "_position": rows,
            }
        )
        if self.raw.bad_lines:
            bad = pd.DataFrame(
                {
                    "source_file": [self.label_of[b.file] for b in self.raw.bad_lines],
                    "source_row": [b.row if b.row is not None else -1 for b in self.raw.bad_lines],
                    "column": "(line)",
                    "problem": [b.reason for b in self.raw.bad_lines],
                    "value": [b.text for b in self.raw.bad_lines],
                    "_position": -1,
                }
            )
            frame = pd.concat([frame, bad], ignore_index=True)
        return frame.sort_values(["source_file", "source_row"], kind="stable").reset_index(
            drop=True
        )

    def rejected_frame(self, mask: np.ndarray, problems: pd.DataFrame) -> pd.DataFrame:
        positions = np.flatnonzero(mask)
        if positions.size == 0 and not self.raw.bad_lines:
            head = {"source_file": [], "source_row": np.array([], dtype=np.int64), "reason": []}
            empty = {name: pd.Series([], dtype=STRING) for name in self.names}
            return pd.DataFrame({**head, **empty}).astype({"source_file": object, "reason": object})
        originals = self.raw.table.select(self.names).take(pa.array(positions, pa.int64()))
        text = pa.table([_as_text(c.combine_chunks()) for c in originals.columns], names=self.names)
        values = text.to_pandas(types_mapper={pa.string(): STRING}.get)
        reasons = (
            problems[problems["_position"] >= 0]
            .assign(
                text=lambda f: [
                    _reason(c, v, p)
                    for c, v, p in zip(f["column"], f["value"], f["problem"], strict=True)
                ]
            )
            .groupby("_position")["text"]
            .agg("; ".join)
        )
        head = pd.DataFrame(
            {
                "source_file": [self.labels[i] for i in self.raw.files[positions]],
                "source_row": self.raw.rows[positions],
                "reason": reasons.reindex(positions).to_numpy(),
            }
        )
        rejected = pd.concat([head, values], axis=1)
        if self.raw.bad_lines:
            bad = pd.DataFrame(
                {
                    "source_file": [self.label_of[b.file] for b in self.raw.bad_lines],
                    "source_row": [b.row if b.row is not None else -1 for b in self.raw.bad_lines],
                    "reason": [b.reason for b in self.raw.bad_lines],
                    "raw_line": [b.text for b in self.raw.bad_lines],
                }
            )
            rejected = pd.concat([rejected, bad], ignore_index=True)
        rejected["source_row"] = rejected["source_row"].astype("int64")
        return rejected.sort_values(["source_file", "source_row"], kind="stable").reset_index(
            drop=True
        )

    def strict_error(self, problems: pd.DataFrame) -> LoadError:
        labelled = set(problems["source_file"])
        files = [path for path, label in self.label_of.items() if label in labelled]
        count = (
            problems["_position"].nunique()
            - int((problems["_position"] < 0).any())
            + int((problems["_position"] < 0).sum())
        )
        lines = [f"{', '.join(files)}: {count} rows fail to load as {self.kind}:"]
        grouped = problems.groupby(["column", "problem"], sort=False)
        for (column, problem), group in grouped:
            rows = ", ".join(str(r) for r in group["source_row"].head(10))
            more = " ..." if len(group) > 10 else ""
            examples = ", ".join(_quote(v) for v in pd.unique(group["value"])[:5])
            lines.append(
                f"  column {column}: {problem}: {len(group)} rows (rows {rows}{more}); "
                f"examples: {examples}"
            )
        return LoadError(
            "\n".join(lines), file=", ".join(files), problems=problems.drop(columns="_position")
        )


# -- Arrow helpers --------------------------------------------------------------------------------


def _as_text(array: pa.Array) -> pa.Array:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_string(array.type):
        return array
    if pa.types.is_dictionary(array.type):
        return pc.cast(array, pa.string())
    if pa.types.is_null(array.type):
        return pa.nulls(len(array), pa.string())
    return pc.cast(array, pa.string())


def _ts(value: pd.Timestamp, unit: str = "ns") -> pa.Scalar:
    return pa.scalar(value.to_pydatetime(), pa.timestamp(unit))


def _is_time(array: pa.Array) -> bool:
    return pa.types.is_timestamp(array.type)


def _reason(column: str, value: object, problem: str) -> str:
    if column == "(row)":
        return f"{problem} ({value})"
    if column == "(file)":
        return f"{problem} (columns {value})"
    return f"{column} {_quote(value)} {problem}"


def _quote(value: object) -> str:
    return (
        "(empty)"
        if value is None or (isinstance(value, float) and np.isnan(value))
        else repr(value)
    )


def _few_distinct(array: pa.Array, *, always: bool, sample: int = 20_000) -> bool:
    """Whether a text column has few distinct values (judged on its first rows)."""
    if not pa.types.is_string(array.type) or len(array) == 0:
        return False
    if always:
        return True
    head = array.slice(0, sample)
    return len(pc.unique(head)) < 0.2 * len(head)


def _codes(array: pa.Array) -> tuple[np.ndarray, list[str]]:
    """Categorical codes and sorted categories of a text or dictionary array.

    The dictionary may hold nulls and repeated values (after cleaning); both are merged.
    """
    if not pa.types.is_dictionary(array.type):
        array = pc.dictionary_encode(_as_text(array))
    values = array.dictionary.to_pylist()
    categories = sorted({v for v in values if v is not None})
    position = {category: i for i, category in enumerate(categories)}
    remap = np.array([position.get(v, -1) for v in values] + [-1], dtype=np.int32)
    indices = array.indices.fill_null(len(values)).to_numpy(zero_copy_only=False)
    return remap[indices], categories


def _clean(array: pa.Array, operation: str) -> pa.Array:
    name, _, argument = operation.partition(":")
    if name == "strip":
        return pc.utf8_trim_whitespace(array)
    if name == "upper":
        return pc.utf8_upper(array)
    if name == "lower":
        return pc.utf8_lower(array)
    if name == "title":
        return pc.utf8_title(array)
    if name == "float_id":
        integral = pc.match_substring_regex(array, r"^-?\d+\.0*$")
        return pc.if_else(integral, pc.replace_substring_regex(array, r"\.0*$", ""), array)
    if name == "zero_pad":
        digits = pc.match_substring_regex(array, r"^\d+$")
        return pc.if_else(digits, pc.utf8_lpad(array, width=int(argument), padding="0"), array)
    if name == "split":
        separator, _, index = argument.rpartition(":")
        parts = pc.split_pattern(array, pattern=separator)
        lengths = pc.list_value_length(parts)
        position = int(index)
        safe = pc.if_else(pc.greater(lengths, position), parts, pa.scalar(None, parts.type))
        return pc.utf8_trim_whitespace(
            pc.list_element(safe.fill_null([""] * (position + 1)), position)
        )
    if name == "prefix_strip":
        prefix = argument
        starts = pc.starts_with(array, pattern=prefix)
        return pc.if_else(starts, pc.utf8_slice_codeunits(array, start=len(prefix)), array)
    raise ValueError(f"unknown clean operation {operation!r}")  # pragma: no cover - validated


def _recode(array: pa.Array, table: dict[str, Any]) -> pa.Array:
    encoded = pc.dictionary_encode(array)
    dictionary = [
        (str(table[v]) if table.get(v) is not None else None) if v in table else v
        for v in encoded.dictionary.to_pylist()
    ]
    return pc.take(pa.array(dictionary, pa.string()), encoded.indices)


def _parse_datetimes(text: pa.Array, fmt: str | None) -> pa.Array:
    """Parse text into ``timestamp[ns]``; unparseable values become null."""
    text = _as_text(text)
    if fmt:
        parsed = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
        return pc.cast(_reject_day_overflow(text, parsed, fmt), pa.timestamp("ns"))
    return _parse_robust(text)


def _day_pattern(fmt: str) -> str | None:
    """Translate a strptime format into a regex that captures the day of the month."""
    pieces = {
        "%Y": r"\d{4}",
        "%y": r"\d{2}",
        "%m": r"\d{1,2}",
        "%d": r"(?P<day>\d{1,2})",
        "%H": r"\d{1,2}",
        "%I": r"\d{1,2}",
        "%M": r"\d{1,2}",
        "%S": r"\d{1,2}",
        "%p": r"[AaPp][Mm]",
        "%%": "%",
    }
    if "%d" not in fmt:
        return None
    out, i = "^", 0
    while i < len(fmt):
        token = fmt[i : i + 2]
        if token in pieces:
            out += pieces[token]
            i += 2
        elif fmt[i] == "%":
            return None
        else:
            out += re.escape(fmt[i])
            i += 1
    return out


def _reject_day_overflow(text: pa.Array, parsed: pa.Array, fmt: str) -> pa.Array:
    """Null out dates such as 30 February, which Arrow's strptime rolls into March."""
    pattern = _day_pattern(fmt)
    if pattern is None or parsed.null_count == len(parsed):
        return parsed
    candidates = np.flatnonzero(np.asarray(pc.less_equal(pc.day(parsed), 3).fill_null(False)))
    if candidates.size == 0:
        return parsed
    index = pa.array(candidates)
    written = pc.struct_field(pc.extract_regex(text.take(index), pattern), "day")
    wrong = np.asarray(pc.not_equal(pc.cast(written, pa.int64()), pc.day(parsed.take(index))))
    if not wrong.any():
        return parsed
    mask = np.zeros(len(parsed), dtype=bool)
    mask[candidates[wrong]] = True
    return pc.if_else(pa.array(mask), pa.scalar(None, parsed.type), parsed)


def _parse_robust(text: pa.Array) -> pa.Array:
    """Try the formats of ``ROBUST_FORMATS`` in turn, then ISO 8601 with offsets."""
    result = pa.nulls(len(text), pa.timestamp("s"))
    low = _ts(EARLIEST, "s")
    remaining = text
    for candidate in ROBUST_FORMATS:
        if remaining.null_count == len(remaining):
            break
        parsed = pc.strptime(remaining, format=candidate, unit="s", error_is_null=True)
        parsed = _reject_day_overflow(remaining, parsed, candidate)
        parsed = pc.if_else(pc.less(parsed, low), pa.scalar(None, pa.timestamp("s")), parsed)
        result = pc.coalesce(result, parsed)
        remaining = pc.if_else(pc.is_valid(parsed), pa.scalar(None, pa.string()), remaining)
    result = pc.cast(result, pa.timestamp("ns"))
    if remaining.null_count < len(remaining):
        leftovers = pd.Series(remaining.to_pandas(), dtype=object)
        mask = leftovers.notna().to_numpy()
        parsed = pd.to_datetime(leftovers[mask], format="ISO8601", errors="coerce", utc=False)
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_localize(None)
        parsed = parsed.astype("datetime64[ns]")
        extra = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
        extra[mask] = parsed.to_numpy()
        result = pc.coalesce(result, pa.array(extra, pa.timestamp("ns"), from_pandas=True))
    return result


def _parse_time_of_day(text: pa.Array) -> pa.Array:
    """Parse ``HH:MM`` or ``HH:MM:SS`` text into seconds after midnight (null if invalid)."""
    match = pc.extract_regex(text, r"^(?P<h>\d{1,2}):(?P<m>\d{2}):?(?P<s>\d{2})?$")
    hours = pc.cast(pc.struct_field(match, "h"), pa.int64(), safe=False)
    minutes = pc.cast(pc.struct_field(match, "m"), pa.int64(), safe=False)
    seconds_text = pc.struct_field(match, "s")
    seconds = pc.cast(pc.if_else(pc.equal(seconds_text, ""), "0", seconds_text), pa.int64())
    total = pc.add(pc.add(pc.multiply(hours, 3600), pc.multiply(minutes, 60)), seconds)
    valid = pc.and_(
        pc.less_equal(hours, 23), pc.and_(pc.less_equal(minutes, 59), pc.less_equal(seconds, 59))
    )
    return pc.if_else(valid, total, pa.scalar(None, pa.int64()))


def _describe_check(check: str) -> str:
    if check == "not_nullable":
        return "is missing (required)"
    if check.startswith("isin("):
        return f"is not one of {check[5:-1]}"
    if check.startswith("greater_than_or_equal_to("):
        return f"is below {check[25:-1]}"
    if check.startswith("less_than_or_equal_to("):
        return f"is above {check[22:-1]}"
    if check == "field_uniqueness" or check.startswith("unique"):
        return "repeats a value that must be unique"
    return f"fails check {check}"


def _duplicate_keys(data: pd.DataFrame, key: tuple[str, ...]) -> pd.DataFrame:
    columns = [k for k in key if k in data.columns]
    if not columns or data.empty:
        return _empty_duplicates(key)
    if len(columns) == 1 and isinstance(data[columns[0]].dtype, pd.StringDtype):
        values = pa.array(data[columns[0]].array)
        if values.null_count == 0 and len(values) > 1:
            increasing = pc.all(pc.greater(values.slice(1), values.slice(0, len(values) - 1)))
            if increasing.as_py():  # sorted strictly ascending, so every key is unique
                return _empty_duplicates(key)
        if len(pc.unique(values)) == len(values):
            return _empty_duplicates(key)
    mask = data.duplicated(subset=columns, keep=False)
    if not mask.any():
        return _empty_duplicates(key)
    several = data["source_file"].nunique() > 1
    repeated = data.loc[mask, [*columns, "source_row", "source_file"]]
    grouped = repeated.groupby(columns, observed=True, dropna=False, sort=True)
    table = grouped["source_row"].agg(count="size", source_rows=list).reset_index()
    if several:
        files = grouped["source_file"].agg(lambda s: [str(v) for v in s]).reset_index(drop=True)
        table["source_files"] = files.to_numpy()
    return table


def _empty_duplicates(key: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(columns=[*key, "count", "source_rows"])
