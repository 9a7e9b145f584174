"""Column mappings: how the columns of one source file become a canonical table.

A mapping is data, not code (see ``docs/mappings.md``). It can be given as a
dict, as a path to a YAML file, or as the name of a mapping shipped in
``cs360lib/mappings/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

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
)
"""Names of the text operations a mapping's ``clean`` section may use."""

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")

Key = tuple[str | int, ...]
"""A key path inside a mapping, e.g. ``("read", "sep")``; ``()`` is the whole mapping."""

Problem = tuple[Key, str]
"""One problem of a mapping: its key path and what is wrong there."""


class ReadOptions(BaseModel):
    """Options for reading a source file."""

    model_config = ConfigDict(extra="forbid")

    files: str | None = None
    encoding: str = "utf-8"
    sep: str = ","
    skip_rows: int = Field(default=0, ge=0)
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
    """

    model_config = ConfigDict(extra="forbid")

    kind: str | None = None
    name: str = "inline"
    description: str = ""
    read: ReadOptions = Field(default_factory=ReadOptions)
    columns: dict[str, str | list[str]] = Field(default_factory=dict)
    extra: dict[str, str] = Field(default_factory=dict)
    constants: dict[str, Any] = Field(default_factory=dict)
    datetimes: dict[str, PartsSpec] = Field(default_factory=dict)
    formats: dict[str, str] = Field(default_factory=dict)
    clean: dict[str, list[str]] = Field(default_factory=dict)
    values: dict[str, dict[str, Any]] = Field(default_factory=dict)
    missing: dict[str, list[Any]] = Field(default_factory=dict)
    which: dict[str, dict[str, str]] = Field(default_factory=dict)
    bounds: dict[str, list[Any]] = Field(default_factory=dict)
    duplicates: Literal["keep", "reject_exact", "reject_key"] = "keep"
    key: list[str] | None = None
    _file: Path | None = PrivateAttr(default=None)

    @field_validator("clean")
    @classmethod
    def _known_operations(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for column, operations in value.items():
            for operation in operations:
                name = str(operation).split(":", 1)[0]
                if name not in CLEAN_OPERATIONS:
                    raise ValueError(
                        f"clean.{column}: unknown operation {operation!r}; "
                        f"expected one of {list(CLEAN_OPERATIONS)}"
                    )
        return value

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
        return None, [
            (tuple(issue["loc"]), issue["msg"].removeprefix("Value error, "))
            for issue in error.errors()
        ]
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


def _dotted(key: Key) -> str:
    return ".".join(str(part) for part in key)
