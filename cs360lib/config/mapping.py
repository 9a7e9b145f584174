"""Column mappings: how the columns of one source file become a canonical table.

A mapping is data, not code (see ``docs/mappings.md``). It can be given as a
dict, as a path to a YAML file, or as the name of a mapping shipped in
``cs360lib/mappings/``.
"""

from __future__ import annotations

import re
import zoneinfo
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from cs360lib.config.keys import EXTRA_FORBIDDEN, keys_at, unknown_key_message
from cs360lib.data.schemas import SCHEMAS, column_types
from cs360lib.errors import MappingError

SHIPPED_DIR = Path(__file__).resolve().parents[1] / "data" / "mappings"
"""Folder of the mappings shipped with the library."""

CLEAN_OPERATIONS = (
    "strip",
    "upper",
    "lower",
    "title",
    "float_id",
    "zero_pad",
    "split",
    "prefix_strip",
    "suffix_strip",
    "extract",
    "replace",
)
"""Names of the text operations a mapping's ``clean`` section may use."""

_ARGUMENTS = {
    "zero_pad": "zero_pad:WIDTH",
    "split": "split:SEPARATOR:INDEX",
    "prefix_strip": "prefix_strip:TEXT",
    "suffix_strip": "suffix_strip:TEXT",
    "extract": "extract:REGEX",
    "replace": "replace:OLD:NEW",
}
"""Operations that need an argument, with their written form."""

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")

Key = tuple[str | int, ...]
"""A key path inside a mapping, e.g. ``("read", "sep")``; ``()`` is the whole mapping."""

Problem = tuple[Key, str]
"""One problem of a mapping: its key path and what is wrong there."""


def check_operation(operation: str) -> None:
    """Check one ``clean`` operation and its argument.

    Parameters
    ----------
    operation : str
        ``name`` or ``name:argument`` (see ``docs/mappings.md``).

    Raises
    ------
    ValueError
        If the name is unknown, a needed argument is missing or malformed, or an
        ``extract`` pattern is not a regular expression with a group that Arrow's RE2
        engine accepts (RE2 has no look-around and no back-references).
    """
    name, colon, argument = str(operation).partition(":")
    if name not in CLEAN_OPERATIONS:
        raise ValueError(
            f"unknown operation {operation!r}; expected one of {list(CLEAN_OPERATIONS)}"
        )
    if name in _ARGUMENTS and (not colon or argument == ""):
        raise ValueError(f"{operation!r} needs an argument: write {_ARGUMENTS[name]}")
    if name not in _ARGUMENTS and colon:
        raise ValueError(f"{operation!r}: {name} takes no argument")
    if name == "zero_pad" and not argument.isdigit():
        raise ValueError(f"{operation!r}: the width must be a whole number (zero_pad:5)")
    if name == "split":
        separator, _, index = argument.rpartition(":")
        if not separator or not index.isdigit():
            raise ValueError(f"{operation!r}: write split:SEPARATOR:INDEX (split:T:0)")
    if name == "replace" and ":" not in argument:
        raise ValueError(f"{operation!r}: write replace:OLD:NEW (replace:,:.)")
    if name == "replace" and argument.partition(":")[0] == "":
        raise ValueError(f"{operation!r}: the text to replace is empty")
    if name == "extract":
        try:
            groups = re.compile(argument).groups
            pc.match_substring_regex(pa.array([""], pa.string()), argument)  # RE2 compiles it
        except (re.error, pa.ArrowInvalid) as error:
            raise ValueError(f"{operation!r}: not a usable regular expression: {error}") from None
        if groups < 1:
            raise ValueError(
                f"{operation!r}: the pattern needs a (group): the text it captures is kept"
            )


def check_timezone(value: str) -> str:
    """Check an IANA time zone name (``America/Chicago``) against the zoneinfo database.

    Parameters
    ----------
    value : str
        Time zone name.

    Returns
    -------
    str
        The name, unchanged.

    Raises
    ------
    ValueError
        If the standard library's :mod:`zoneinfo` does not know the name.
    """
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}; give an IANA name such as America/Chicago, "
            "America/New_York or UTC"
        ) from None
    return value


class ReadOptions(BaseModel):
    """Options for reading a source file.

    ``skip_rows`` lines come before the column names; ``extra_header_rows`` rows follow them
    and are not data (a Qualtrics export writes two: the question texts and the
    ``ImportId`` row; SurveyMonkey one: the answer types). Both are skipped; data rows are
    numbered from the first row after them.
    """

    model_config = ConfigDict(extra="forbid")

    files: str | None = None
    encoding: str = "utf-8"
    sep: str = ","
    skip_rows: int = Field(default=0, ge=0)
    extra_header_rows: int = Field(default=0, ge=0)
    sheet: str | int = 0

    @field_validator("sep")
    @classmethod
    def _one_character(cls, value: str) -> str:
        value = "\t" if value in ("\\t", "tab") else value
        if len(value) != 1:
            raise ValueError(f"separator must be a single character, got {value!r}")
        return value


class PartsSpec(BaseModel):
    """A datetime built from a date column plus an hour column, a time column, or both.

    With both, the ``prefer`` one is used and the other fills its gaps. A row with a
    date but no time of day is rejected unless ``missing_time`` is ``"midnight"``.
    """

    model_config = ConfigDict(extra="forbid")

    date: str
    hour: str | None = None
    time: str | None = None
    prefer: Literal["hour", "time"] = "hour"
    missing_time: Literal["reject", "midnight"] = "reject"


class PointSpec(BaseModel):
    """Coordinates that are not two WGS84 columns: one text column, or projected x and y.

    Either ``column`` (with its ``layout`` and the ``order`` of its two numbers) or
    ``x`` and ``y``; ``crs`` says which coordinate reference system the numbers are in
    (WGS84 longitude/latitude by default), and they are transformed to WGS84 with pyproj.
    The result is the kind's ``lat`` and ``lon`` columns.

    Attributes
    ----------
    column : str or None
        Source column holding both numbers.
    layout : {"pair", "wkt", "geojson"} or None
        How the column writes a point: ``(41.88, -87.63)`` or ``41.88 -87.63`` (Socrata's
        location text is a pair), ``POINT (-87.63 41.88)`` (OGC WKT), or a GeoJSON Point.
    order : {"lat_lon", "lon_lat", "y_x", "x_y"} or None
        Which number comes first in ``column``; GeoJSON is always ``lon_lat`` (RFC 7946).
    x, y : str or None
        Source columns of the easting/longitude and northing/latitude.
    crs : str
        Coordinate reference system of the numbers (``EPSG:4326``, ``EPSG:3435``, ...).
    missing : list of str
        Source texts that mean "no point".
    """

    model_config = ConfigDict(extra="forbid")

    column: str | None = None
    layout: Literal["pair", "wkt", "geojson"] | None = None
    order: Literal["lat_lon", "lon_lat", "y_x", "x_y"] | None = None
    x: str | None = None
    y: str | None = None
    crs: str = "EPSG:4326"
    missing: list[str] = Field(default_factory=list)

    @field_validator("crs")
    @classmethod
    def _known_crs(cls, value: str) -> str:
        from pyproj import CRS
        from pyproj.exceptions import CRSError

        try:
            CRS.from_user_input(value)
        except CRSError as error:
            raise ValueError(f"unknown coordinate reference system {value!r}: {error}") from None
        return value

    @model_validator(mode="after")
    def _one_form(self) -> PointSpec:
        if self.column is not None:
            if self.x is not None or self.y is not None:
                raise ValueError("give either column (one text column) or x and y, not both")
            if self.layout is None:
                raise ValueError("a point column needs its layout: pair, wkt or geojson")
            if self.order is None:
                raise ValueError(
                    "a point column needs the order of its numbers: lat_lon (Socrata's "
                    "'(41.88, -87.63)') or lon_lat (WKT 'POINT (-87.63 41.88)', GeoJSON)"
                )
            if self.layout == "geojson" and self.order in ("lat_lon", "y_x"):
                raise ValueError(
                    "GeoJSON coordinates are always longitude then latitude (RFC 7946): "
                    "set order: lon_lat"
                )
        elif self.x is None or self.y is None:
            raise ValueError("give column (one text column) or both x and y")
        elif self.layout is not None or self.order is not None:
            raise ValueError("layout and order describe a point column; x and y need neither")
        return self

    def sources(self) -> list[str]:
        """Return the source columns the point is read from."""
        return [self.column] if self.column is not None else [str(self.x), str(self.y)]

    @property
    def lat_first(self) -> bool:
        """Whether the point column writes latitude (y) before longitude (x)."""
        return self.order in ("lat_lon", "y_x")


class UnpivotSpec(BaseModel):
    """Wide to long: value columns become rows (one per non-empty cell).

    The identifier columns (every column not unpivoted) repeat on each row; the new
    column ``name`` holds the wide column's header and ``value`` its cell, and every
    field of the column's entry in ``names`` becomes a column too.

    Attributes
    ----------
    columns : list of str
        Columns to unpivot, by name.
    match : str or None
        Regular expression selecting more columns to unpivot by name (searched).
    names : dict of str to dict
        Column name to the values of new columns (question text to ``theme``,
        ``trust_age_18_24`` to ``item`` and ``respondent_group``); its keys are unpivoted
        too, and when it is given every unpivoted column needs an entry.
    name : str
        New column holding the unpivoted column's header.
    value : str
        New column holding the cell.
    """

    model_config = ConfigDict(extra="forbid")

    columns: list[str] = Field(default_factory=list)
    match: str | None = None
    names: dict[str, dict[str, Any]] = Field(default_factory=dict)
    name: str = "column"
    value: str = "value"

    @field_validator("match")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as error:
                raise ValueError(f"not a regular expression: {error}") from None
        return value

    @model_validator(mode="after")
    def _something(self) -> UnpivotSpec:
        if not self.columns and self.match is None and not self.names:
            raise ValueError("say which columns to unpivot: columns, match or names")
        fields = {field for entry in self.names.values() for field in entry}
        clash = sorted(fields & {self.name, self.value})
        if clash:
            raise ValueError(f"names fields {clash} clash with the name/value columns")
        if self.name == self.value:
            raise ValueError("name and value must be different column names")
        return self


class Mapping(BaseModel):
    """A validated mapping from source columns to a kind's canonical columns.

    Attributes
    ----------
    kind : str or None
        Kind the mapping produces; ``None`` lets ``load`` decide.
    name : str
        Where the mapping came from (shipped name, file path or ``"inline"``).
    columns : dict
        Canonical name to source column (or list of source columns: first non-empty).
    duplicates : str
        ``keep``, ``reject_exact``, ``reject_key`` or ``keep_latest`` (with ``order_by``).
    timezone : str or None
        IANA time zone of the source's times; wins over the engagement's.
    privacy : dict
        Publishing class of extra columns: ``public``, ``text`` (free text, scrubbed before
        publishing), ``location``, ``personal`` or ``name`` (personal, and its values are
        names always scrubbed from free text). An extra column without one is personal:
        it never reaches a stakeholder report.
    point : PointSpec or None
        ``lat`` and ``lon`` from one text column or projected x/y.
    unpivot : UnpivotSpec or None
        Wide to long before mapping.

    The other sections are described in ``docs/mappings.md``.
    """

    model_config = ConfigDict(extra="forbid")

    kind: str | None = None
    name: str = "inline"
    description: str = ""
    read: ReadOptions = Field(default_factory=ReadOptions)
    columns: dict[str, str | list[str]] = Field(default_factory=dict)
    extra: dict[str, str] = Field(default_factory=dict)
    privacy: dict[str, Literal["public", "personal", "location", "text", "name"]] = Field(
        default_factory=dict
    )
    constants: dict[str, Any] = Field(default_factory=dict)
    datetimes: dict[str, PartsSpec] = Field(default_factory=dict)
    formats: dict[str, str] = Field(default_factory=dict)
    clean: dict[str, list[str]] = Field(default_factory=dict)
    values: dict[str, dict[str, Any]] = Field(default_factory=dict)
    missing: dict[str, list[Any]] = Field(default_factory=dict)
    which: dict[str, dict[str, str]] = Field(default_factory=dict)
    bounds: dict[str, list[Any]] = Field(default_factory=dict)
    duplicates: Literal["keep", "reject_exact", "reject_key", "keep_latest"] = "keep"
    order_by: str | None = None
    key: list[str] | None = None
    timezone: str | None = None
    point: PointSpec | None = None
    unpivot: UnpivotSpec | None = None
    _file: Path | None = PrivateAttr(default=None)

    @field_validator("clean")
    @classmethod
    def _known_operations(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for column, operations in value.items():
            for operation in operations:
                try:
                    check_operation(str(operation))
                except ValueError as error:
                    raise ValueError(f"clean.{column}: {error}") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @model_validator(mode="after")
    def _order_by_with_keep_latest(self) -> Mapping:
        if self.duplicates == "keep_latest" and not self.order_by:
            raise ValueError(
                "duplicates: keep_latest needs order_by: the column that orders the versions "
                "of a key (e.g. a last-updated time); the highest value is kept"
            )
        if self.order_by and self.duplicates != "keep_latest":
            raise ValueError("order_by is only used with duplicates: keep_latest")
        stray = sorted(set(self.privacy) - set(self.extra))
        if stray:
            raise ValueError(
                f"privacy names {stray}, which are not extra columns; give the publishing "
                "class of extra columns only (canonical columns have theirs in the schema)"
            )
        if self.point is not None and ({"lat", "lon"} & set(self.columns)):
            raise ValueError("point produces lat and lon: do not map them under columns too")
        if self.point is not None:
            for section in ("clean", "values", "missing", "formats"):
                if {"lat", "lon"} & set(getattr(self, section)):
                    raise ValueError(
                        f"{section} cannot apply to lat/lon read by point; list the texts that "
                        "mean no point under point.missing"
                    )
        return self

    @field_validator("extra")
    @classmethod
    def _snake_case(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not _SNAKE.match(name):
                raise ValueError(f"extra column name {name!r} is not snake_case")
        return value

    def canonical_sources(self) -> set[str]:
        """Return every canonical or extra column this mapping produces.

        Returns
        -------
        set of str
            Column names produced by ``columns``, ``datetimes``, ``constants``,
            ``which`` and ``extra``.
        """
        return (
            set(self.columns)
            | set(self.datetimes)
            | set(self.constants)
            | set(self.which)
            | set(self.extra)
            | ({"lat", "lon"} if self.point is not None else set())
        )

    @property
    def file(self) -> Path | None:
        """The YAML file the mapping was read from (``None`` for inline and shipped mappings)."""
        return self._file

    def kind_problems(self, kind: str) -> list[Problem]:
        """List every way the mapping does not fit a kind.

        Parameters
        ----------
        kind : str
            Kind being loaded.

        Returns
        -------
        list of (key path, message)
            Empty when the mapping fits: it was written for this kind (or for none), maps
            only onto columns of the kind, its extra columns do not clash with canonical
            ones, and its ``formats``, ``clean``, ``values``, ``missing`` and ``bounds``
            sections name only columns it produces or the kind has.
        """
        problems: list[Problem] = []
        if self.kind is not None and self.kind != kind:
            problems.append((("kind",), f"written for kind {self.kind!r}, used to load {kind!r}"))
        known = set(column_types(kind))
        for section in ("columns", "datetimes", "constants", "which"):
            unknown = sorted(set(getattr(self, section)) - known)
            if unknown:
                problems.append(
                    (
                        (section,),
                        f"{unknown} are not columns of kind {kind!r} (known: {sorted(known)}); "
                        "put other columns under 'extra'",
                    )
                )
        clash = sorted(set(self.extra) & known)
        if clash:
            problems.append((("extra",), f"extra columns {clash} clash with canonical columns"))
        if self.point is not None and not {"lat", "lon"} <= known:
            problems.append((("point",), f"gives lat and lon, which kind {kind!r} does not have"))
        if self.order_by and self.order_by not in self.canonical_sources() | known:
            problems.append(
                (
                    ("order_by",),
                    f"{self.order_by!r} is neither a column of kind {kind!r} nor an extra column",
                )
            )
        for section in ("formats", "clean", "values", "missing", "bounds"):
            names = set(getattr(self, section)) - self.canonical_sources() - known
            if names:
                problems.append(
                    (
                        (section,),
                        f"names {sorted(names)}, which are neither columns of kind {kind!r} "
                        "nor extra columns",
                    )
                )
        return problems

    def check_kind(self, kind: str) -> None:
        """Check that the mapping fits a kind.

        Parameters
        ----------
        kind : str
            Kind being loaded.

        Raises
        ------
        MappingError
            If the mapping was written for another kind, or maps onto a column
            the kind does not have (an unknown column should go in ``extra``); the
            message names the mapping and lists every problem (see :meth:`kind_problems`).
        """
        problems = self.kind_problems(kind)
        if problems:
            raise MappingError(problem_message(self.name, problems))


def shipped_mappings() -> list[str]:
    """List the names of the mappings shipped with the library.

    Returns
    -------
    list of str
        File stems in ``cs360lib/mappings/``.
    """
    return sorted(path.stem for path in SHIPPED_DIR.glob("*.yml"))


def problem_message(name: str, problems: list[Problem]) -> str:
    """Write the problems of one mapping as one message.

    Parameters
    ----------
    name : str
        The mapping's name (shipped name, file path or ``"inline"``).
    problems : list of (key path, message)
        As returned by :func:`validate_mapping` or :meth:`Mapping.kind_problems`.

    Returns
    -------
    str
        ``"mapping NAME: key.path: message; ..."``.
    """
    parts = [f"{_dotted(key)}: {message}" if key else message for key, message in problems]
    return f"mapping {name}: " + "; ".join(parts)


def mapping_data(
    mapping: dict[str, Any] | str | Path | None, *, base: Path | None = None
) -> tuple[str, dict[str, Any], Path | None]:
    """Find and read a mapping without validating it.

    Parameters
    ----------
    mapping : dict, str, Path or None
        A dict, a path to a YAML file, or the name of a shipped mapping. ``None``
        gives the identity mapping (no keys).
    base : Path, optional
        Folder that relative YAML paths are resolved against (the engagement
        file's folder); the current directory when not given.

    Returns
    -------
    name : str
        ``"identity"``, ``"inline"``, the shipped name, or the YAML file's path.
    data : dict
        The mapping's keys, not yet validated.
    file : Path or None
        The user's YAML file, when the mapping came from one (not a shipped mapping).

    Raises
    ------
    MappingError
        If the file does not exist, is not YAML or does not hold a YAML mapping, or
        if a name is neither a file nor a shipped mapping.
    """
    if mapping is None:
        return "identity", {}, None
    if isinstance(mapping, dict):
        return "inline", mapping, None
    if not isinstance(mapping, (str, Path)):
        raise MappingError(f"a mapping must be a dict, a YAML path or a name, got {type(mapping)}")
    text = str(mapping)
    path = Path(text)
    if base is not None and not path.is_absolute():
        path = base / path
    file: Path | None
    if path.suffix in (".yml", ".yaml") or path.exists():
        if not path.exists():
            raise MappingError(f"mapping file {path} does not exist")
        name, file = str(path), path.resolve()
    elif (SHIPPED_DIR / f"{text}.yml").exists():
        path, name, file = SHIPPED_DIR / f"{text}.yml", text, None
    else:
        raise MappingError(
            f"mapping {text!r} is neither a YAML file nor a shipped mapping "
            f"(shipped: {shipped_mappings()})"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise MappingError(f"mapping {name}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise MappingError(f"mapping {name}: expected a YAML mapping at the top level")
    return name, data, file


def validate_mapping(
    name: str, data: dict[str, Any], *, kind: str | None = None, file: Path | None = None
) -> tuple[Mapping | None, list[Problem]]:
    """Validate a mapping's keys and list every problem instead of stopping at the first.

    Parameters
    ----------
    name : str
        The mapping's name, kept on the result (unless the data name themselves).
    data : dict
        The mapping's keys (see :func:`mapping_data`).
    kind : str, optional
        Also check that the mapping fits this kind (:meth:`Mapping.kind_problems`).
    file : Path, optional
        The YAML file it was read from, kept as :attr:`Mapping.file`.

    Returns
    -------
    mapping : Mapping or None
        The validated mapping; ``None`` when its keys do not follow the format.
    problems : list of (key path, message)
        Every problem found; empty when the mapping is valid (and fits ``kind``).
    """
    data = {"name": name, **data} if "name" not in data else dict(data)
    if data.get("kind") is not None and data["kind"] not in SCHEMAS:
        return None, [
            (("kind",), f"unknown kind {data['kind']!r}; expected one of {sorted(SCHEMAS)}")
        ]
    try:
        spec = Mapping.model_validate(data)
    except ValidationError as error:
        return None, [_problem(issue) for issue in error.errors()]
    spec._file = file
    return spec, spec.kind_problems(kind) if kind is not None else []


def read_mapping(
    mapping: Mapping | dict[str, Any] | str | Path | None, *, base: Path | None = None
) -> Mapping:
    """Turn any accepted form of mapping into a validated :class:`Mapping`.

    Parameters
    ----------
    mapping : Mapping, dict, str, Path or None
        A mapping object, a dict, a path to a YAML file, or the name of a
        shipped mapping. ``None`` gives the identity mapping (source columns
        already carry the canonical names).
    base : Path, optional
        Folder that relative YAML paths are resolved against (the engagement
        file's folder).

    Returns
    -------
    Mapping
        The validated mapping.

    Raises
    ------
    MappingError
        If the file is missing, is not YAML, or does not follow the format; the
        message names the mapping and every offending key.
    """
    if isinstance(mapping, Mapping):
        return mapping
    name, data, file = mapping_data(mapping, base=base)
    spec, problems = validate_mapping(name, data, file=file)
    if spec is None or problems:
        raise MappingError(problem_message(name, problems))
    return spec


def _problem(issue: Any) -> Problem:
    """Turn one pydantic error of a mapping into a (key path, message) problem."""
    loc = tuple(issue["loc"])
    if issue["type"] == EXTRA_FORBIDDEN:
        known = keys_at(Mapping, loc[:-1])
        if known is not None:
            return loc, unknown_key_message(loc[-1], known)
    return loc, issue["msg"].removeprefix("Value error, ")


def _dotted(key: Key) -> str:
    return ".".join(str(part) for part in key)
