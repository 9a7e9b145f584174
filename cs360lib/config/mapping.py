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
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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


class ReadOptions(BaseModel):
    """Options for reading a source file."""

    model_config = ConfigDict(extra="forbid")

    files: str | None = None
    encoding: str = "utf-8"
    sep: str = ","
    skip_rows: int = Field(default=0, ge=0)
    sheet: str | int = 0
    dtypes: dict[str, str] = Field(default_factory=dict)

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
            the kind does not have (an unknown column should go in ``extra``).
        """
        if self.kind is not None and self.kind != kind:
            raise MappingError(
                f"mapping {self.name}: written for kind {self.kind!r}, used to load {kind!r}"
            )
        known = set(column_types(kind))
        produced = set(self.columns) | set(self.datetimes) | set(self.constants) | set(self.which)
        unknown = sorted(produced - known)
        if unknown:
            raise MappingError(
                f"mapping {self.name}: {unknown} are not columns of kind {kind!r} "
                f"(known: {sorted(known)}); put other columns under 'extra'"
            )
        clash = sorted(set(self.extra) & known)
        if clash:
            raise MappingError(
                f"mapping {self.name}: extra columns {clash} clash with canonical columns"
            )
        for section in ("formats", "clean", "values", "missing", "bounds"):
            names = set(getattr(self, section)) - self.canonical_sources() - known
            if names:
                raise MappingError(
                    f"mapping {self.name}: {section} names {sorted(names)}, "
                    f"which are neither columns of kind {kind!r} nor extra columns"
                )


def shipped_mappings() -> list[str]:
    """List the names of the mappings shipped with the library.

    Returns
    -------
    list of str
        File stems in ``cs360lib/mappings/``.
    """
    return sorted(path.stem for path in SHIPPED_DIR.glob("*.yml"))


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
        message names the mapping and the offending key.
    """
    if mapping is None:
        return Mapping(name="identity")
    if isinstance(mapping, Mapping):
        return mapping
    name = "inline"
    if isinstance(mapping, (str, Path)):
        text = str(mapping)
        path = Path(text)
        if base is not None and not path.is_absolute():
            path = base / path
        if path.suffix in (".yml", ".yaml") or path.exists():
            if not path.exists():
                raise MappingError(f"mapping file {path} does not exist")
            name = str(path)
        elif (SHIPPED_DIR / f"{text}.yml").exists():
            path = SHIPPED_DIR / f"{text}.yml"
            name = text
        else:
            raise MappingError(
                f"mapping {text!r} is neither a YAML file nor a shipped mapping "
                f"(shipped: {shipped_mappings()})"
            )
        try:
            mapping = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            raise MappingError(f"mapping {name}: not valid YAML: {error}") from None
        if not isinstance(mapping, dict):
            raise MappingError(f"mapping {name}: expected a YAML mapping at the top level")
    if not isinstance(mapping, dict):
        raise MappingError(f"a mapping must be a dict, a YAML path or a name, got {type(mapping)}")
    data = {"name": name, **mapping} if "name" not in mapping else dict(mapping)
    if data.get("kind") is not None and data["kind"] not in SCHEMAS:
        raise MappingError(f"mapping {name}: unknown kind {data['kind']!r}")
    try:
        return Mapping.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in issue['loc'])}: {issue['msg']}" for issue in error.errors()
        )
        raise MappingError(f"mapping {name}: {problems}") from None
