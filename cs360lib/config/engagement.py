"""The engagement file: one department's CS360 engagement, typed and validated.

See ``docs/engagement.md`` for the format. Paths inside the file are resolved
relative to the file, never to the current directory.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cs360lib.config.publishing import Publishing
from cs360lib.data.readers import resolve_files
from cs360lib.data.schemas import SCHEMAS
from cs360lib.errors import EngagementError

GOALS: dict[str, str] = {
    "prevent_crime": "Prevent crime",
    "interrupt_crime": "Interrupt crime",
    "solve_crime": "Solve crime",
    "promising_practices": "Implement and assess promising practices",
    "shared_responsibility": "Shared responsibility for outcomes",
    "equitable_practices": "Equitable and accessible practices",
    "trust": "Trust between community and police",
    "community_factors": "Understand factors affecting the community",
    "organisation": "Organisational health (officer safety, wellbeing, complaints, use of force)",
}
"""CS360 goals a metric can serve, by key (dimensions 1, 2 and 3)."""

DIMENSIONS: dict[str, int] = {
    "prevent_crime": 1,
    "interrupt_crime": 1,
    "solve_crime": 1,
    "promising_practices": 1,
    "shared_responsibility": 2,
    "equitable_practices": 2,
    "trust": 2,
    "community_factors": 2,
    "organisation": 3,
}
"""The CS360 dimension of each goal."""

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Info(_Strict):
    """Who the engagement is for."""

    id: str
    name: str
    department: str = ""
    timezone: str | None = None
    contact_role: str = ""

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(f"{value!r} is not a slug (lower-case letters, digits and dashes)")
        return value


class Source(_Strict):
    """One data source of the engagement."""

    kind: str
    path: Path | list[Path]
    mapping: dict[str, Any] | str | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in SCHEMAS:
            raise ValueError(f"unknown kind {value!r}; expected one of {sorted(SCHEMAS)}")
        return value


class Analysis(_Strict):
    """The time frame and unit of the analysis."""

    period: Literal["month", "week"] = "month"
    start: dt.date | None = None
    end: dt.date | None = None


class Area(_Strict):
    """A named area: the values of one column of the source."""

    column: str
    values: list[str]

    @field_validator("values", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return [str(v) for v in value] if isinstance(value, list) else value


class Problem(_Strict):
    """The problem chosen in prioritization."""

    title: str
    statement: str = ""
    source: str = "incidents"
    filter: dict[str, list[str]] = Field(default_factory=dict)


class Response(_Strict):
    """A response of the Problem-Solving Team."""

    name: str
    owner: str = ""
    start: dt.date
    end: dt.date | None = None
    area: str = "target"
    description: str = ""


class Metric(_Strict):
    """A measure the PST follows; police and partner sources alike."""

    name: str
    goal: str
    type: Literal["outcome", "output"] = "outcome"
    source: str
    filter: dict[str, list[str]] = Field(default_factory=dict)
    area: str | None = None

    @field_validator("goal")
    @classmethod
    def _known_goal(cls, value: str) -> str:
        if value not in GOALS:
            raise ValueError(f"unknown goal {value!r}; expected one of {list(GOALS)}")
        return value

    @property
    def dimension(self) -> int:
        """The CS360 dimension of the metric's goal."""
        return DIMENSIONS[self.goal]


class Engagement(_Strict):
    """One department's engagement, loaded from its YAML file.

    Attributes
    ----------
    info : Info
        Id, name and department (the ``engagement:`` section).
    sources : dict of str to Source
        Data sources with paths resolved against the file's folder.
    path : Path
        The engagement file (absolute).
    """

    info: Info = Field(alias="engagement")
    sources: dict[str, Source]
    analysis: Analysis = Field(default_factory=Analysis)
    problem: Problem | None = None
    areas: dict[str, Area] = Field(default_factory=dict)
    responses: list[Response] = Field(default_factory=list)
    metrics: list[Metric] = Field(default_factory=list)
    publishing: Publishing = Field(default_factory=Publishing)
    path: Path = Path("engagement.yml")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _default_kinds(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("sources"), dict):
            sources = {}
            for name, source in data["sources"].items():
                if isinstance(source, dict) and "kind" not in source:
                    source = {"kind": name, **source}
                sources[name] = source
            data = {**data, "sources": sources}
        return data

    @model_validator(mode="after")
    def _references(self) -> Engagement:
        if self.problem and self.problem.source not in self.sources:
            raise ValueError(f"problem.source {self.problem.source!r} is not a source name")
        for i, response in enumerate(self.responses):
            if response.area not in self.areas:
                raise ValueError(f"responses.{i}.area {response.area!r} is not a name in areas")
            if response.end and response.end < response.start:
                raise ValueError(
                    f"responses.{i}: end {response.end} is before start {response.start}"
                )
        for i, metric in enumerate(self.metrics):
            if metric.source not in self.sources:
                raise ValueError(f"metrics.{i}.source {metric.source!r} is not a source name")
            if metric.area and metric.area not in self.areas:
                raise ValueError(f"metrics.{i}.area {metric.area!r} is not a name in areas")
        if self.analysis.start and self.analysis.end and self.analysis.end < self.analysis.start:
            raise ValueError("analysis.end is before analysis.start")
        return self

    # -- convenience ------------------------------------------------------------------------
    @property
    def id(self) -> str:
        """The engagement id (a slug)."""
        return self.info.id

    @property
    def name(self) -> str:
        """The engagement's display name."""
        return self.info.name

    @property
    def root(self) -> Path:
        """The folder of the engagement file; relative paths start here."""
        return self.path.parent

    def input_files(self) -> list[Path]:
        """List every data file the engagement reads.

        Returns
        -------
        list of Path
            Files of all sources (globs and folders expanded), plus mapping YAML files.

        Raises
        ------
        EngagementError
            If a source matches no file.
        """
        files: list[Path] = []
        for name, source in self.sources.items():
            try:
                files += resolve_files(source.path, _glob_of(source.mapping, self.root))
            except FileNotFoundError as error:
                raise EngagementError(f"{self.path}: sources.{name}.path: {error}") from None
            if isinstance(source.mapping, str) and source.mapping.endswith((".yml", ".yaml")):
                files.append((self.root / source.mapping).resolve())
        return files

    @classmethod
    def load(cls, path: str | Path) -> Engagement:
        """Read and validate an engagement file.

        Parameters
        ----------
        path : str or Path
            The ``engagement.yml`` file.

        Returns
        -------
        Engagement
            The validated engagement, with source paths resolved against the file's folder.

        Raises
        ------
        EngagementError
            If the file is missing, is not YAML, or a key is missing or invalid; the
            message names the file and the key.
        """
        path = Path(path).expanduser().resolve()
        if not path.is_file():
            raise EngagementError(f"{path}: engagement file not found")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise EngagementError(f"{path}: not valid YAML: {error}") from None
        if not isinstance(data, dict):
            raise EngagementError(f"{path}: expected a YAML mapping at the top level")
        if "path" in data:
            raise EngagementError(f"{path}: 'path' is not a key of an engagement file")
        try:
            engagement = cls.model_validate({**data, "path": path})
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in issue['loc']) or '(top level)'}: {issue['msg']}"
                for issue in error.errors()
            )
            raise EngagementError(f"{path}: {problems}") from None
        for source in engagement.sources.values():
            source.path = _resolve(source.path, path.parent)
        return engagement


def _resolve(value: Path | list[Path], base: Path) -> Path | list[Path]:
    if isinstance(value, list):
        return [p if p.is_absolute() else (base / p) for p in value]
    return value if value.is_absolute() else base / value


def _glob_of(mapping: dict[str, Any] | str | None, base: Path) -> str | None:
    from cs360lib.config.mapping import read_mapping

    if mapping is None:
        return None
    return read_mapping(mapping, base=base).read.files
