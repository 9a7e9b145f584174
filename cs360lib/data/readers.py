"""Readers: turn source files (CSV, gzip CSV, Parquet, Excel) into raw Arrow tables.

A reader never interprets values. CSV and Excel columns are read as text;
Parquet columns keep their stored types. Every row keeps its file and its
1-based data-row number (the header is not counted), and every line the CSV
parser cannot split into the header's number of fields is kept as a
:class:`BadLine` rather than dropped.
"""

from __future__ import annotations

import csv
import glob as globbing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from cs360lib.config.mapping import ReadOptions
from cs360lib.errors import LoadError, SourceNotFoundError

CSV_SUFFIXES = (".csv", ".txt", ".tsv", ".csv.gz", ".txt.gz", ".tsv.gz", ".csv.bz2", ".gz")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass
class BadLine:
    """A CSV line that could not be split into the header's fields."""

    file: str
    row: int | None
    text: str
    reason: str


@dataclass
class RawTable:
    """Rows of one or more files, untouched, with their provenance.

    Attributes
    ----------
    table : pyarrow.Table
        Source columns (text for CSV and Excel).
    files : numpy.ndarray
        Index into ``file_names`` for every row.
    rows : numpy.ndarray
        1-based data-row number of every row within its file.
    file_names : list of str
        The files read, in order.
    bad_lines : list of BadLine
        Lines the parser could not read.
    cell_columns : numpy.ndarray or None
        For a table made long by an ``unpivot`` (see :mod:`cs360lib.data.loaders.unpivot`):
        for every row, the index into ``value_columns`` of the wide column its cell came
        from; ``None`` for a table as read.
    value_columns : list of str
        The wide value columns of an unpivot (empty otherwise).
    wide_rows : int or None
        Rows of the wide table before an unpivot (``None`` otherwise).
    cells_skipped : int
        Empty cells of the wide value columns that made no row.
    """

    table: pa.Table
    files: np.ndarray
    rows: np.ndarray
    file_names: list[str]
    bad_lines: list[BadLine] = field(default_factory=list)
    cell_columns: np.ndarray | None = None
    value_columns: list[str] = field(default_factory=list)
    wide_rows: int | None = None
    cells_skipped: int = 0

    @property
    def rows_read(self) -> int:
        """Number of source rows, including the lines that could not be parsed."""
        return self.table.num_rows + len(self.bad_lines)


def resolve_files(source: str | Path | list[str | Path], pattern: str | None = None) -> list[Path]:
    """Expand a source into the list of files it names.

    Parameters
    ----------
    source : str, Path or list
        A file, a folder (its files matching ``pattern``), a glob, or a list of those.
    pattern : str, optional
        Glob used inside a folder; by default every CSV, Parquet and Excel file.

    Returns
    -------
    list of Path
        Files in sorted order within each item.

    Raises
    ------
    SourceNotFoundError
        If an item matches no file.
    """
    items = source if isinstance(source, (list, tuple)) else [source]
    files: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = (
                sorted(path.glob(pattern))
                if pattern
                else sorted(p for p in path.iterdir() if _is_data_file(p))
            )
            if not found:
                raise SourceNotFoundError(
                    f"{path}: folder has no data files matching {pattern or 'csv/parquet/excel'}",
                    file=str(path),
                )
            files += found
        elif path.is_file():
            files.append(path)
        elif any(ch in str(item) for ch in "*?["):
            found = sorted(Path(p) for p in globbing.glob(str(item)))
            if not found:
                raise SourceNotFoundError(f"{item}: no file matches this pattern", file=str(item))
            files += found
        else:
            raise SourceNotFoundError(f"{path}: no such file or folder", file=str(path))
    return files


def _is_data_file(path: Path) -> bool:
    name = path.name.lower()
    return path.is_file() and name.endswith(CSV_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES)


def read_files(files: list[Path], options: ReadOptions) -> RawTable:
    """Read several files into one raw table (columns are united by name).

    Parameters
    ----------
    files : list of Path
        Files to read.
    options : ReadOptions
        Reader options from the mapping.

    Returns
    -------
    RawTable
        All rows of all files.
    """
    parts = [read_file(path, options) for path in files]
    if len(parts) == 1:
        return parts[0]
    tables = [part.table for part in parts]
    names: list[str] = []
    for table in tables:
        names += [name for name in table.column_names if name not in names]
    aligned = []
    for table in tables:
        columns = []
        for name in names:
            if name in table.column_names:
                columns.append(table.column(name))
            else:
                columns.append(pa.nulls(table.num_rows, pa.string()))
        aligned.append(pa.table(columns, names=names))
    try:
        combined = pa.concat_tables(aligned, promote_options="permissive")
    except pa.ArrowInvalid as error:
        raise LoadError(
            f"files {[str(f) for f in files]} have incompatible column types: {error}"
        ) from None
    offsets = np.cumsum([0] + [len(part.file_names) for part in parts])
    return RawTable(
        table=combined,
        files=np.concatenate([part.files + offsets[i] for i, part in enumerate(parts)]),
        rows=np.concatenate([part.rows for part in parts]),
        file_names=[name for part in parts for name in part.file_names],
        bad_lines=[line for part in parts for line in part.bad_lines],
    )


def read_file(path: Path, options: ReadOptions) -> RawTable:
    """Read one file into a raw table.

    Parameters
    ----------
    path : Path
        CSV (optionally gzip or bz2), Parquet or Excel file.
    options : ReadOptions
        Reader options.

    Returns
    -------
    RawTable
        The file's rows.

    Raises
    ------
    LoadError
        If the file is empty or cannot be read at all.
    """
    name = path.name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        try:
            table = pq.read_table(path)
        except (OSError, pa.ArrowException) as error:
            raise LoadError(
                f"{path}: not a readable Parquet file: {error}", file=str(path)
            ) from None
        return _whole(table, path)
    if name.endswith(EXCEL_SUFFIXES):
        try:
            frame = pd.read_excel(
                path,
                sheet_name=options.sheet,
                dtype=str,
                skiprows=[
                    *range(options.skip_rows),
                    *range(
                        options.skip_rows + 1, options.skip_rows + 1 + options.extra_header_rows
                    ),
                ],
                keep_default_na=False,
            )
        except (OSError, ValueError, KeyError) as error:
            raise LoadError(
                f"{path}: not a readable Excel sheet {options.sheet!r}: {error}", file=str(path)
            ) from None
        frame.columns = [str(c).strip() for c in frame.columns]
        table = pa.Table.from_pandas(frame.replace("", None), preserve_index=False)
        return _whole(table, path)
    return _read_csv(path, options)


def _whole(table: pa.Table, path: Path) -> RawTable:
    names = [str(n).lstrip("\ufeff").strip() for n in table.column_names]
    table = table.rename_columns(names)
    return RawTable(
        table=table,
        files=np.zeros(table.num_rows, dtype=np.int32),
        rows=np.arange(1, table.num_rows + 1, dtype=np.int64),
        file_names=[str(path)],
    )


UTF8_BOM = b"\xef\xbb\xbf"
"""The UTF-8 byte-order mark (Excel's "CSV UTF-8" and many portals write it)."""

OTHER_BOMS = {
    b"\xff\xfe\x00\x00": "utf-32",
    b"\x00\x00\xfe\xff": "utf-32",
    b"\xff\xfe": "utf-16",
    b"\xfe\xff": "utf-16",
}
"""Byte-order marks of UTF-16 and UTF-32 text (Excel's "Unicode text" is UTF-16)."""


def _header(path: Path, options: ReadOptions) -> list[str]:
    """Read the header row (after ``skip_rows`` lines) without parsing the rest of the file.

    A UTF-8 byte-order mark is dropped whatever the declared encoding (decoded as
    cp1252 it would read ``ï»¿`` and become part of the first column's name). A UTF-16
    or UTF-32 mark under another declared encoding is an error naming the encoding to set.
    """
    with pa.input_stream(str(path), compression="detect") as stream:
        head = stream.read(1 << 20)
    if not head.strip():
        raise LoadError(f"{path}: the file is empty (no header row)", file=str(path))
    declared = options.encoding.lower().replace("_", "-")
    for mark, family in OTHER_BOMS.items():
        if head.startswith(mark) and not declared.startswith(family):
            raise LoadError(
                f"{path}: the file starts with a {family.upper()} byte-order mark but the "
                f"mapping declares encoding {options.encoding!r}; set read.encoding: {family} "
                'in the mapping (Excel\'s "Unicode text" export is UTF-16 and tab-separated: '
                "also set read.sep: tab)",
                file=str(path),
            )
    if head.startswith(UTF8_BOM):
        head = head[len(UTF8_BOM) :]
    encoding = "utf-8-sig" if _arrow_encoding(options.encoding) == "utf8" else options.encoding
    text = head.decode(encoding, errors="replace")
    lines = text.splitlines()
    if len(lines) <= options.skip_rows or not lines[options.skip_rows].strip():
        raise LoadError(
            f"{path}: no header row after skipping {options.skip_rows} lines", file=str(path)
        )
    row = next(csv.reader([lines[options.skip_rows]], delimiter=options.sep))
    return [name.lstrip("\ufeff").strip() for name in row]


def _arrow_encoding(encoding: str) -> str:
    normalized = encoding.lower().replace("_", "-")
    return "utf8" if normalized in ("utf-8", "utf8", "utf-8-sig") else encoding


def _read_csv(path: Path, options: ReadOptions) -> RawTable:
    names = _header(path, options)
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise LoadError(f"{path}: the header repeats the column names {duplicated}", file=str(path))
    try:
        return _read_csv_as(path, options, names, pa.string())
    except pa.ArrowInvalid as error:
        if "invalid UTF8" not in str(error):
            raise LoadError(f"{path}: cannot be read as CSV: {error}", file=str(path)) from None
    return _read_csv_undecodable(path, options, names)


def _read_csv_as(
    path: Path, options: ReadOptions, names: list[str], kind: pa.DataType, use_threads: bool = True
) -> RawTable:
    bad: list[BadLine] = []

    def keep_bad_line(row: pa_csv.InvalidRow) -> str:
        bad.append(
            BadLine(
                file=str(path),
                row=row.number,
                text=row.text,
                reason=f"line has {row.actual_columns} fields where the header has "
                f"{row.expected_columns} (truncated or extra separator)",
            )
        )
        return "skip"

    read_options = pa_csv.ReadOptions(
        encoding=_arrow_encoding(options.encoding),
        skip_rows=options.skip_rows + 1 + options.extra_header_rows,
        column_names=names,
        use_threads=use_threads,
    )
    parse = pa_csv.ParseOptions(
        delimiter=options.sep,
        invalid_row_handler=keep_bad_line,
        newlines_in_values=True,
    )
    convert = pa_csv.ConvertOptions(
        column_types=dict.fromkeys(names, kind),
        strings_can_be_null=True,
        null_values=[""],
        quoted_strings_can_be_null=True,
    )
    table = pa_csv.read_csv(
        path, read_options=read_options, parse_options=parse, convert_options=convert
    )
    if bad and any(line.row is None for line in bad) and use_threads:
        return _read_csv_as(path, options, names, kind, use_threads=False)
    rows = np.arange(1, table.num_rows + 1, dtype=np.int64)
    if bad:
        for line in bad:
            # Arrow numbers physical lines from 1, header and skipped lines included.
            skipped = 1 + options.skip_rows + options.extra_header_rows
            line.row = int(line.row) - skipped if line.row is not None else None
        bad_rows = np.array(
            sorted(line.row for line in bad if line.row is not None), dtype=np.int64
        )
        positions = np.arange(1, table.num_rows + len(bad_rows) + 1, dtype=np.int64)
        rows = np.setdiff1d(positions, bad_rows)[: table.num_rows]
    return RawTable(
        table=table,
        files=np.zeros(table.num_rows, dtype=np.int32),
        rows=rows,
        file_names=[str(path)],
        bad_lines=bad,
    )


def _read_csv_undecodable(path: Path, options: ReadOptions, names: list[str]) -> RawTable:
    """Read a CSV whose text is not valid in its declared encoding.

    Rows with undecodable bytes are marked in an extra ``__undecodable__``
    column (the names of the offending columns) and their values are shown with
    backslash escapes, so nothing is lost or silently changed.
    """
    raw = _read_csv_as(path, options, names, pa.binary())
    columns = []
    flags: list[list[str]] = [[] for _ in range(raw.table.num_rows)]
    for name in names:
        values = raw.table.column(name).to_pylist()
        decoded = []
        for i, value in enumerate(values):
            if value is None:
                decoded.append(None)
                continue
            try:
                decoded.append(value.decode("utf-8"))
            except UnicodeDecodeError:
                decoded.append(value.decode("utf-8", errors="backslashreplace"))
                flags[i].append(name)
        columns.append(pa.array(decoded, pa.string()))
    marker = pa.array([", ".join(f) if f else None for f in flags], pa.string())
    table = pa.table(columns + [marker], names=names + ["__undecodable__"])
    return RawTable(
        table=table,
        files=raw.files,
        rows=raw.rows,
        file_names=raw.file_names,
        bad_lines=raw.bad_lines,
    )
