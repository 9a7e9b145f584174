"""The engagement file: one department's CS360 engagement, typed and validated.

See ``docs/engagement.md`` for the format. The file is validated whole when it
loads: every key, every source's mapping (resolved and checked against the
source's kind), the names that sections refer to, and the columns that filters
and areas name. All problems of one file are reported at once, in one
:class:`~cs360lib.errors.EngagementError` that lists each ``key.path: message``.

Paths inside the file are resolved relative to the file, never to the current
directory: :meth:`Engagement.load` passes the file's folder to the validators in
pydantic's validation context.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from cs360lib.config._base import _STATE, _VALUE_ISSUE, _Issue, _issues, _Strict
from cs360lib.config._known import _Known
from cs360lib.config.catalogue import catalogue
from cs360lib.config.keys import EXTRA_FORBIDDEN, keys_at, unknown_key_message
from cs360lib.config.mapping import Mapping, MappingError, mapping_data, validate_mapping
from cs360lib.config.prioritization import Prioritization
from cs360lib.config.publishing import Publishing
from cs360lib.config.responses import Response
from cs360lib.config.review import Review
from cs360lib.config.scanning import ScanningSettings
from cs360lib.data.readers import resolve_files
from cs360lib.data.schemas import SCHEMAS, column_types
from cs360lib.errors import EngagementError

GOALS: dict[str, str] = {g.id: g.name for g in catalogue().goals.values()}
"""CS360 goals a metric can serve, by key (dimensions 1, 2 and 3), from the metrics catalogue
(:mod:`cs360lib.config.catalogue`)."""

DIMENSIONS: dict[str, int] = {goal: catalogue().dimension_of(goal) for goal in GOALS}
"""The CS360 dimension of each goal."""

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
"""An engagement id: lower-case letters, digits and dashes, starting with a letter or digit."""

TEAM_CODE = re.compile(r"^[A-Z][A-Z0-9_-]*$")
"""A team code of the roster's ``team`` column (``AT``, ``PST``, ``PST2``): an upper-case
letter, then upper-case letters, digits, ``_`` or ``-`` (``+`` joins the codes of a member of
several teams)."""

_PENDING_CONTEXT: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "cs360_engagement_context", default=None
)
"""Context of the :meth:`Engagement.model_validate` call under way (pydantic calls a custom
``__init__`` without it)."""


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
        if not SLUG_PATTERN.match(value):
            raise ValueError(f"{value!r} is not a slug (lower-case letters, digits and dashes)")
        return value


class Source(_Strict):
    """One data source of the engagement.

    Its mapping is resolved (inline dict, YAML file relative to the engagement file,
    or shipped name) and checked against its kind when the engagement loads; the
    result is kept in :attr:`resolved_mapping`, so loaders do not resolve it again.

    Attributes
    ----------
    kind : str
        One of the kinds of :data:`cs360lib.data.schemas.SCHEMAS`.
    path : Path or list of Path
        The source's files, folders or globs, absolute once loaded from a file.
    mapping : dict, str or None
        The mapping as written in the engagement file.
    """

    kind: str
    path: Path | list[Path]
    mapping: dict[str, Any] | str | None = None
    _mapping: Mapping = PrivateAttr(default_factory=lambda: Mapping(name="identity"))

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in SCHEMAS:
            raise ValueError(f"unknown kind {value!r}; expected one of {sorted(SCHEMAS)}")
        return value

    @field_validator("path")
    @classmethod
    def _resolve_path(cls, value: Path | list[Path], info: ValidationInfo) -> Path | list[Path]:
        root = _root(info)
        if root is None:
            return value
        if isinstance(value, list):
            return [p if p.is_absolute() else root / p for p in value]
        return value if value.is_absolute() else root / value

    @model_validator(mode="after")
    def _resolve_mapping(self, info: ValidationInfo) -> Source:
        try:
            name, data, file = mapping_data(self.mapping, base=_root(info))
        except MappingError as error:
            raise _issues([_Issue(("mapping",), str(error), self.mapping)]) from None
        spec, problems = validate_mapping(name, data, kind=self.kind, file=file)
        if problems or spec is None:
            if isinstance(self.mapping, dict):  # the keys are in the engagement file itself
                found = [
                    _Issue(("mapping", *key), message, self.mapping) for key, message in problems
                ]
            else:
                found = [
                    _Issue(("mapping",), f"in {name}: {'.'.join(map(str, key))}: {message}", name)
                    for key, message in problems
                ]
            raise _issues(found)
        self._mapping = spec
        return self

    @property
    def resolved_mapping(self) -> Mapping:
        """The validated mapping of the source (the identity mapping when none is given)."""
        return self._mapping

    def columns(self) -> list[str]:
        """List the columns a loaded source of this kind has.

        Returns
        -------
        list of str
            The kind's canonical columns (schema order), then the mapping's ``extra`` columns.
        """
        return list(column_types(self.kind)) + list(self._mapping.extra)


DEFAULT_MAX_REJECTED_SHARE = 0.5
"""Largest share of a source's rows that may be rejected before the source counts as unusable.

A project rule, not a published standard: when more than half of an export cannot be read, what
is left describes the export's faults more than the department's work (issue 8)."""


class Analysis(_Strict):
    """The time frame and unit of the analysis, and how much rejection a source may have.

    Attributes
    ----------
    period : {"month", "week"}
        Time unit of trend and evaluation series.
    start, end : datetime.date or None
        First and last date analysed.
    max_rejected_share : float
        Share of a source's rows, from 0 to 1, that may be rejected; a source that rejects
        more, or that loads no row at all, stops ``cs360 validate`` and ``cs360 run``
        (default :data:`DEFAULT_MAX_REJECTED_SHARE`).
    cell_size : float
        Side of the square grid cells of the hot-spot analysis, metres (50 to 5,000; default
        250: 150-250 m is common for city blocks, Chainey 2014).
    """

    period: Literal["month", "week"] = "month"
    start: dt.date | None = None
    end: dt.date | None = None
    max_rejected_share: float = Field(default=DEFAULT_MAX_REJECTED_SHARE, ge=0.0, le=1.0)
    cell_size: float = Field(default=250.0, ge=50.0, le=5000.0)

    @model_validator(mode="after")
    def _ordered(self) -> Analysis:
        if self.start and self.end and self.end < self.start:
            raise _issues([_Issue(("end",), f"{self.end} is before analysis.start {self.start}")])
        return self


class Area(_Strict):
    """A named area: the values of one column of the source.

    Attributes
    ----------
    column : str
        The column of the sources that holds the area (``beat``, ``district``, ``area``).
    values : list of str
        The values of that column that make up the area (read as text).
    adjacent_to : list of str
        Names of other areas that touch this one, for engagements whose data carry no
        coordinates (with coordinates, adjacency is also found from the data); symmetric.
    """

    column: str
    values: list[str]
    adjacent_to: list[str] = Field(default_factory=list)

    @field_validator("values", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return [str(v) for v in value] if isinstance(value, list) else value

    @field_validator("adjacent_to", mode="before")
    @classmethod
    def _as_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _known_neighbours(self, info: ValidationInfo) -> Area:
        known = _Known.of(info)
        if known is not None:
            found = []
            for i, name in enumerate(self.adjacent_to):
                found += known.area_issues(("adjacent_to", i), name)
            if found:
                raise _issues(found)
        return self


class Problem(_Strict):
    """The problem chosen in prioritization."""

    title: str
    statement: str = ""
    source: str = "incidents"
    filter: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("filter", mode="before")
    @classmethod
    def _filter_as_text(cls, value: Any) -> Any:
        return _filter_text(value)

    @model_validator(mode="after")
    def _references(self, info: ValidationInfo) -> Problem:
        known = _Known.of(info)
        if known is not None:
            found = known.source_issues(("source",), self.source)
            found += known.filter_issues(("filter",), self.filter, self.source)
            if found:
                raise _issues(found)
        return self


class Metric(_Strict):
    """A measure the PST follows; police and partner sources alike.

    Attributes
    ----------
    name : str
        Unique among the engagement's metrics (responses name their measures by it).
    indicator : str or None
        An indicator id of the CS360 metrics catalogue (:mod:`cs360lib.config.catalogue`);
        the metric then takes its goal and type from the indicator unless it says otherwise.
    goal : str
        The CS360 goal the metric serves (a key of :data:`GOALS`); required without an
        indicator, and it must be the indicator's goal with one.
    type : {"outcome", "output"}
        Outcome (what changed) or output (what was done); default the indicator's, else
        ``outcome``.
    provider : {"police", "partner"} or None
        Who provides the data; by default read from the source's kind (incidents, calls
        and arrests are police records; survey, partner metrics and interviews come from
        partners) and, for the actions log, from the indicator.
    better : {"lower", "higher"} or None
        Which way is better, for the review's "better / worse / no clear change" mark. By
        default an outcome counted from events or partner metrics is better lower and a
        survey score better higher; an output has no better direction unless it is written.
    source : str
        The engagement's source it is counted in.
    filter : dict of str to list of str
        Column of the source -> accepted values.
    area : str or None
        A name from ``areas``.
    """

    name: str
    indicator: str | None = None
    goal: str = ""
    type: Literal["outcome", "output"] = "outcome"
    provider: Literal["police", "partner"] | None = None
    better: Literal["lower", "higher"] | None = None
    source: str
    filter: dict[str, list[str]] = Field(default_factory=dict)
    area: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_indicator(cls, data: Any) -> Any:
        if isinstance(data, dict):
            indicator = catalogue().indicators.get(str(data.get("indicator")))
            if indicator is not None:
                if "goal" not in data:
                    data = {**data, "goal": catalogue().goal_of(indicator.id)}
                if "type" not in data:
                    data = {**data, "type": indicator.type}
        return data

    @field_validator("filter", mode="before")
    @classmethod
    def _filter_as_text(cls, value: Any) -> Any:
        return _filter_text(value)

    @field_validator("goal")
    @classmethod
    def _known_goal(cls, value: str) -> str:
        if value and value not in GOALS:
            raise ValueError(f"unknown goal {value!r}; expected one of {list(GOALS)}")
        return value

    @field_validator("indicator")
    @classmethod
    def _known_indicator(cls, value: str | None) -> str | None:
        known = catalogue().indicators
        if value is not None and value not in known:
            close = difflib.get_close_matches(value, list(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"unknown indicator {value!r}{hint}; the indicators of the CS360 catalogue are "
                "listed in docs/engagement.md (cs360lib/config/metrics.yml)"
            )
        return value

    @model_validator(mode="after")
    def _references(self, info: ValidationInfo) -> Metric:
        found = []
        if self.indicator is None and not self.goal:
            found.append(
                _Issue(
                    ("goal",),
                    "give the CS360 goal the metric serves, or an indicator "
                    f"from the catalogue; goals are {list(GOALS)}",
                )
            )
        elif self.indicator is not None:
            home = catalogue().goal_of(self.indicator)
            if self.goal != home:
                found.append(
                    _Issue(
                        ("goal",),
                        f"indicator {self.indicator!r} serves goal {home!r}, not "
                        f"{self.goal!r}: drop the goal or pick another indicator",
                    )
                )
        known = _Known.of(info)
        if known is not None:
            found += known.source_issues(("source",), self.source)
            found += known.filter_issues(("filter",), self.filter, self.source)
            if self.area is not None:
                found += known.area_issues(("area",), self.area, self.source)
        if found:
            raise _issues(found)
        return self

    @property
    def dimension(self) -> int:
        """The CS360 dimension of the metric's goal."""
        return DIMENSIONS[self.goal]


class Engagement(_Strict):
    """One department's engagement, loaded from its YAML file.

    Validation checks the whole file: besides the type of every key, each source's
    mapping fits its kind, ``problem.source`` and ``metrics[i].source`` name sources,
    responses and metrics name areas, ``problem.filter`` and ``metrics[i].filter``
    name columns of their source's kind (canonical or the mapping's ``extra``), and a
    metric's area column is a column of the metric's source. A check that depends on a
    section with its own errors is made on the part of that section that is valid.

    Attributes
    ----------
    info : Info
        Id, name and department (the ``engagement:`` section).
    sources : dict of str to Source
        Data sources with paths resolved against the file's folder.
    review : Review
        The ``review:`` section: the team's decisions that replace the proposed ones, and
        the lessons-learned log (:mod:`cs360lib.config.review`).
    teams : dict of str to str
        Display names of the team codes of the stakeholder roster (``AT``, ``PST``,
        ``PST2``...), for the community map and the composition check
        (:mod:`cs360lib.steps.stakeholders`); empty: the default names.
    scanning : ScanningSettings
        The codebook and the returned coding sheets of the scanning step (notebook 01).
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
    dimensions: list[int] | None = None
    prioritization: Prioritization | None = None
    teams: dict[str, str] = Field(default_factory=dict)
    scanning: ScanningSettings = Field(default_factory=ScanningSettings)
    publishing: Publishing = Field(default_factory=Publishing)
    review: Review = Field(default_factory=Review)
    path: Path = Path("engagement.yml")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def __init__(self, /, **data: Any) -> None:
        # always a validation context, so that references between sections are checked
        # for an engagement built in code too (its relative paths then stay relative)
        context = _context(_PENDING_CONTEXT.get())
        self.__pydantic_validator__.validate_python(data, self_instance=self, context=context)

    @classmethod
    def model_validate(  # noqa: D102 - pydantic's; the context reaches __init__
        cls, obj: Any, *, context: dict[str, Any] | None = None, **kwargs: Any
    ) -> Engagement:
        token = _PENDING_CONTEXT.set(context)
        try:
            return super().model_validate(obj, context=context, **kwargs)
        finally:
            _PENDING_CONTEXT.reset(token)

    @model_validator(mode="before")
    @classmethod
    def _default_kinds(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict) and isinstance(data.get("sources"), dict):
            sources = {}
            for name, source in data["sources"].items():
                if isinstance(source, dict) and "kind" not in source:
                    source = {"kind": name, **source}
                sources[name] = source
            data = {**data, "sources": sources}
        known = _Known.of(info)
        if known is not None and isinstance(data, dict):
            known.written(data)
        return data

    @field_validator("dimensions")
    @classmethod
    def _known_dimensions(cls, value: list[int] | None) -> list[int] | None:
        known = sorted(set(DIMENSIONS.values()))
        if value is not None:
            unknown = [d for d in value if d not in known]
            if unknown or not value:
                raise ValueError(
                    f"{unknown or value} are not CS360 dimensions; expected a list of {known}"
                )
        return value

    @field_validator("teams")
    @classmethod
    def _team_names(cls, value: dict[str, str]) -> dict[str, str]:
        """Check the team codes and display names (``teams: {AT: Advisory Team}``)."""
        found = []
        for code, name in value.items():
            if not TEAM_CODE.match(code):
                found.append(
                    f"{code!r} is not a team code: an upper-case letter, then upper-case "
                    "letters, digits, _ or - "
                    "(as written in the stakeholder roster's `team` column, e.g. AT, PST2)"
                )
            if not name.strip():
                found.append(f"{code}: the display name is empty; write the team's name")
        if found:
            raise ValueError("; ".join(found))
        return value

    @model_validator(mode="after")
    def _unique_metric_names(self) -> Engagement:
        seen: dict[str, int] = {}
        found = []
        for i, metric in enumerate(self.metrics):
            if metric.name in seen:
                message = (
                    f"is also the name of metrics.{seen[metric.name]}: responses name their "
                    "measures by name, so each metric needs its own"
                )
                found.append(_Issue(("metrics", i, "name"), message, metric.name, True))
            seen.setdefault(metric.name, i)
        if found:
            raise _issues(found)
        return self

    @field_validator("sources", "areas", mode="wrap")
    @classmethod
    def _remember(cls, value: Any, handler: Any, info: ValidationInfo) -> Any:
        """Keep the valid entries of a section for the checks of the sections after it."""
        known = _Known.of(info)
        try:
            valid = handler(value)
        except ValidationError:
            if known is not None and isinstance(value, dict):
                known.valid[info.field_name] = _valid_entries(info.field_name, value, info.context)
            raise
        if known is not None:
            known.valid[info.field_name] = valid
        return valid

    @field_validator("prioritization")
    @classmethod
    def _prioritization_references(
        cls, value: Prioritization | None, info: ValidationInfo
    ) -> Prioritization | None:
        """Check that added candidates name sources of the file and columns of them."""
        known = _Known.of(info)
        if value is None or known is None:
            return value
        found = []
        for i, spec in enumerate(value.candidates.add):
            key = ("candidates", "add", i)
            found += known.source_issues((*key, "source"), spec.source)
            found += known.filter_issues((*key, "filter"), spec.filter, spec.source)
        if found:
            raise _issues(found)
        return value

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

    def input_files(self, *, missing_ok: bool = False) -> list[Path]:
        """List every data file the engagement reads.

        Parameters
        ----------
        missing_ok : bool, default False
            Leave out the sources that match no file instead of raising.

        Returns
        -------
        list of Path
            Files of all sources (globs and folders expanded), plus mapping YAML files.

        Raises
        ------
        EngagementError
            If a source matches no file (unless ``missing_ok``); the message names the
            engagement file and the source.
        """
        files: list[Path] = []
        for name, source in self.sources.items():
            spec = source.resolved_mapping
            try:
                files += resolve_files(source.path, spec.read.files)
            except FileNotFoundError as error:
                if missing_ok:
                    continue
                raise EngagementError(f"{self.path}: sources.{name}.path: {error}") from None
            if spec.file is not None:
                files.append(spec.file)
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
            The validated engagement, with source paths resolved against the file's
            folder and each source's mapping resolved.

        Raises
        ------
        EngagementError
            If the file is missing or is not YAML, or if any key is missing or invalid;
            the message names the file and lists every problem as ``key.path: message``.
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
            return cls.model_validate({**data, "path": path}, context={"root": path.parent})
        except ValidationError as error:
            raise EngagementError(format_problems(path, error)) from None


def format_problems(path: Path, error: ValidationError) -> str:
    """Write every problem of an engagement file as one message.

    Parameters
    ----------
    path : Path
        The engagement file.
    error : pydantic.ValidationError
        The validation errors.

    Returns
    -------
    str
        ``"FILE: key.path: message"`` for one problem; for several, ``"FILE: N problems"``
        followed by one indented ``key.path: message`` line each. An unknown key says
        which known key was probably meant (:func:`cs360lib.config.keys.unknown_key_message`).
    """
    lines = []
    for issue in error.errors():
        key = ".".join(str(part) for part in issue["loc"]) or "(top level)"
        message = issue["msg"].removeprefix("Value error, ")
        if issue["type"] == EXTRA_FORBIDDEN:
            known = keys_at(Engagement, issue["loc"][:-1], hidden=("path",))
            if known is not None:
                message = unknown_key_message(issue["loc"][-1], known)
        lines.append(f"{key} {message}" if issue["type"] == _VALUE_ISSUE else f"{key}: {message}")
    if len(lines) == 1:
        return f"{path}: {lines[0]}"
    return f"{path}: {len(lines)} problems\n" + "\n".join(f"  {line}" for line in lines)


# ------------------------------------------------------------------------------ internals


def _filter_text(value: Any) -> Any:
    """Accept numbers and single values in a filter: ``{beat: 12}`` means ``{beat: ["12"]}``."""
    if not isinstance(value, dict):
        return value
    return {
        column: [str(v) for v in values] if isinstance(values, list) else [str(values)]
        for column, values in value.items()
    }


def _root(info: ValidationInfo) -> Path | None:
    context = info.context
    return context.get("root") if isinstance(context, dict) else None


def _context(context: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return a validation context with a fresh record of what the sections hold."""
    return {**(context or {}), _STATE: _Known()}


def _valid_entries(section: str, raw: dict[str, Any], context: Any) -> dict[str, Any]:
    """Return the entries of a section that are valid on their own."""
    model = Source if section == "sources" else Area
    valid = {}
    for name, entry in raw.items():
        try:
            valid[name] = model.model_validate(entry, context=context)
        except ValidationError:
            continue
    return valid
