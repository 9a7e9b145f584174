"""Canonical schemas: one pandera ``DataFrameModel`` per kind of source, and every fact about it.

Every loader maps a source file onto one of these schemas. Column names are
plain snake_case and are referenced as class attributes (``Incidents.occurred_at``
is the string ``"occurred_at"``). Columns typed ``Optional[...]`` may be absent
from a source; all other columns are required and may not be empty.

The schemas are the one place where facts about a kind live; the rest of the library
reads them through :func:`kind_info` (and :func:`column_label`):

- per kind (pandera ``Config.metadata``): the key that identifies a row, the main time
  column, the area columns, whether rows are events (incidents, calls, arrests: a first or
  last period can be partly covered) and the code column that categories are counted by;
- per column (pandera ``Field``): a human label (``title``), a description, the checks with
  their plain-language messages (``error=``, used verbatim in rejected-row reasons) and the
  publishing class (``metadata["privacy"]``, with the reason in ``metadata["why"]``).

Publishing classes (what the publish layer must do before a value leaves the department):

- ``personal``: never published. Names, dates of birth, phone numbers, e-mail addresses and
  the numbers that lead to one person's case (report, call, arrest numbers, the ids of an
  interview or of a person in the stakeholder roster). No canonical column holds a name:
  names stay in the source files and, if mapped, are treated as personal.
- ``location``: exact addresses and coordinates; generalized (hundred block, beat, grid)
  before publishing.
- ``text``: free text written by a person (interview responses, action notes); published only
  after scrubbing names, phone numbers, e-mails, addresses and case numbers.
- ``public``: may be published in aggregate (counts, rates, maps by area), with small counts
  suppressed by the engagement's publishing rules. Demographic columns (age, sex, race of an
  arrestee) are public in this sense only: as counts by group, never next to row-level records.

Types used across the kinds (the annotation of each column):

- ``string``: Arrow-backed string (``string[pyarrow]``).
- ``category``: pandas categorical (areas, codes with few distinct values).
- ``datetime``: ``datetime64[ns]``, naive local time of the department.
- ``float`` / ``int``: numbers; ``int`` is the nullable ``Int64``.

:mod:`cs360lib.data.schema_docs` renders these facts as a table and as ``docs/columns.md``
(``make docs``).
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

STRING = {"storage": "pyarrow"}

SECTORS = ["department", "other_law_enforcement", "government", "community"]
"""Stakeholder sectors of the CS360 community map."""

THEMES = [
    "public_safety_concerns",
    "police_community_relations",
    "data_available",
    "areas_for_improvement",
]
"""The four scanning-interview themes of CS360."""

TEAMS = ["AT", "PST", "AT+PST", "none"]
"""The usual team memberships: Advisory Team, Problem-Solving Team, both, or neither."""

TEAM_PATTERN = r"^(?:none|[A-Z][A-Z0-9_-]*(?:\+[A-Z][A-Z0-9_-]*)*)$"
"""Team membership as written in a roster: ``none`` or upper-case team codes joined with ``+``
(``AT``, ``PST``, ``AT+PST``, ``PST2``: a department may run several Problem-Solving Teams,
named in the engagement's ``teams:``)."""

LEVERS = ["handler", "guardian", "manager"]
"""Problem analysis triangle controllers a stakeholder can act as."""

Privacy = Literal["public", "personal", "location", "text"]
PRIVACY_CLASSES: tuple[str, ...] = ("public", "personal", "location", "text")
"""Publishing classes of a column (see the module docstring)."""

LINEAGE_LABELS: dict[str, str] = {"source_file": "Source file", "source_row": "Row in file"}
"""Labels of the lineage columns every loader adds to ``.data``."""

_SIMPLE_TYPES: dict[type, str] = {
    pd.StringDtype: "string",
    pd.CategoricalDtype: "category",
    pd.Timestamp: "datetime",
    float: "float",
    pd.Int64Dtype: "int",
}

# reasons shared by several columns
_WHY_CASE = "The number leads to the case record and so to the people involved."
_WHY_ADDRESS = "Even a block address can point to a home; publish the hundred block or an area."
_WHY_COORDINATE = "Exact coordinates point to a home; snap them to a coarser grid to publish."
_WHY_DEMOGRAPHIC = "Published only as counts by group (small counts suppressed), never per row."
_WHY_ROSTER = "Points to one person in the department's stakeholder roster."
_WHY_FREE_TEXT = (
    "Free text may name people, addresses and phone numbers; published only after scrubbing."
)


def _column(
    label: str,
    description: str,
    *,
    nullable: bool = True,
    string: bool = False,
    privacy: Privacy = "public",
    why: str = "",
    **checks: Any,
) -> Any:
    """Build a schema field with its label, publishing class and (for strings) Arrow storage."""
    metadata: dict[str, str] = {"privacy": privacy}
    if why:
        metadata["why"] = why
    return pa.Field(
        nullable=nullable,
        title=label,
        description=description,
        dtype_kwargs=STRING if string else None,
        metadata=metadata,
        **checks,
    )


def _text(label: str, description: str, **kwargs: Any) -> Any:
    return _column(label, description, string=True, **kwargs)


def _one_of(values: list[str]) -> dict[str, Any]:
    return {"allowed_values": values, "error": f"is not one of {', '.join(values)}"}


def _latitude(why: str = _WHY_COORDINATE) -> Any:
    return _column(
        "Latitude",
        "Latitude (WGS84); missing when not geocoded.",
        privacy="location",
        why=why,
        in_range={
            "min_value": -90,
            "max_value": 90,
            "error": "is not a latitude (it must be between -90 and 90)",
        },
    )


def _longitude(why: str = _WHY_COORDINATE) -> Any:
    return _column(
        "Longitude",
        "Longitude (WGS84); missing when not geocoded.",
        privacy="location",
        why=why,
        in_range={
            "min_value": -180,
            "max_value": 180,
            "error": "is not a longitude (it must be between -180 and 180)",
        },
    )


def _facts(
    *, key: tuple[str, ...], time: str | None, areas: tuple[str, ...], event: bool, code: str
) -> dict[str, Any]:
    """Kind-level facts for a schema's ``Config.metadata`` (see :class:`KindInfo`)."""
    return {"key": key, "time": time, "areas": areas, "event": event, "code": code}


_NOT_NEGATIVE = {"min_value": 0, "error": "is negative (it must be 0 or more)"}


class _Base(pa.DataFrameModel):
    class Config:
        strict = False
        coerce = False


class Incidents(_Base):
    """Crime reports (incidents), one row per reported incident."""

    incident_id: Series[pd.StringDtype] = _text(
        "Incident number",
        "Report or complaint number (kept as text).",
        nullable=False,
        privacy="personal",
        why=_WHY_CASE,
    )
    occurred_at: Series[pd.Timestamp] = _column(
        "Occurred at", "When the incident occurred (local time).", nullable=False
    )
    offense: Series[pd.StringDtype] = _text(
        "Offense", "Offense description or code as the department records it.", nullable=False
    )
    offense_group: Series[pd.StringDtype] | None = _text(
        "Offense group", "Broader offense group (e.g. UCR Part 1 category) used for trends."
    )
    district: Series[pd.CategoricalDtype] | None = _column(
        "District", "Police district (text; leading zeros kept)."
    )
    beat: Series[pd.CategoricalDtype] | None = _column(
        "Beat", "Beat, post, PSA or sector within the district."
    )
    address: Series[pd.StringDtype] | None = _text(
        "Address",
        "Block-level address (never an exact house number in reports).",
        privacy="location",
        why=_WHY_ADDRESS,
    )
    lat: Series[float] | None = _latitude()
    lon: Series[float] | None = _longitude()

    class Config:
        """Facts about the kind, read by :func:`kind_info`."""

        metadata = _facts(
            key=("incident_id",),
            time="occurred_at",
            areas=("district", "beat"),
            event=True,
            code="offense",
        )


class Calls(_Base):
    """Calls for service (CAD), one row per call."""

    call_id: Series[pd.StringDtype] = _text(
        "Call number",
        "CAD event number.",
        nullable=False,
        privacy="personal",
        why="The CAD number leads to the call record and so to the caller.",
    )
    received_at: Series[pd.Timestamp] = _column(
        "Received at", "When the call was received.", nullable=False
    )
    call_type: Series[pd.StringDtype] = _text(
        "Call type", "Call type (original or final, as mapped).", nullable=False
    )
    priority: Series[pd.StringDtype] | None = _text("Priority", "Dispatch priority.")
    disposition: Series[pd.StringDtype] | None = _text("Disposition", "How the call was closed.")
    source: Series[pd.StringDtype] | None = _text(
        "Call source", "How the call came in (911, phone, on-view, ...)."
    )
    area: Series[pd.CategoricalDtype] | None = _column(
        "Area", "District, sector or beat of the call."
    )
    address: Series[pd.StringDtype] | None = _text(
        "Address", "Block-level address.", privacy="location", why=_WHY_ADDRESS
    )
    dispatched_at: Series[pd.Timestamp] | None = _column(
        "Dispatched at", "When the first unit was dispatched."
    )
    arrived_at: Series[pd.Timestamp] | None = _column("Arrived at", "When the first unit arrived.")
    cleared_at: Series[pd.Timestamp] | None = _column("Cleared at", "When the call was cleared.")
    lat: Series[float] | None = _latitude()
    lon: Series[float] | None = _longitude()

    class Config:
        """Facts about the kind, read by :func:`kind_info`."""

        metadata = _facts(
            key=("call_id",), time="received_at", areas=("area",), event=True, code="call_type"
        )


class Arrests(_Base):
    """Arrests, one row per arrestee and arrest."""

    arrest_id: Series[pd.StringDtype] = _text(
        "Arrest number",
        "Arrest number.",
        nullable=False,
        privacy="personal",
        why="The number identifies one person's arrest record.",
    )
    arrested_at: Series[pd.Timestamp] = _column(
        "Arrested at", "Arrest date and time.", nullable=False
    )
    charge: Series[pd.StringDtype] = _text("Charge", "Most serious charge.", nullable=False)
    charge_group: Series[pd.StringDtype] | None = _text("Charge group", "Broader charge group.")
    incident_id: Series[pd.StringDtype] | None = _text(
        "Incident number",
        "Related incident number, when known.",
        privacy="personal",
        why=_WHY_CASE,
    )
    district: Series[pd.CategoricalDtype] | None = _column("District", "District of the arrest.")
    beat: Series[pd.CategoricalDtype] | None = _column("Beat", "Beat or post of the arrest.")
    age: Series[pd.Int64Dtype] | None = _column(
        "Age",
        "Age of the arrestee in years.",
        why=_WHY_DEMOGRAPHIC,
        in_range={
            "min_value": 0,
            "max_value": 120,
            "error": "is not an age in years (it must be between 0 and 120)",
        },
    )
    sex: Series[pd.CategoricalDtype] | None = _column(
        "Sex", "Sex of the arrestee as recorded.", why=_WHY_DEMOGRAPHIC
    )
    race: Series[pd.CategoricalDtype] | None = _column(
        "Race", "Race of the arrestee as recorded.", why=_WHY_DEMOGRAPHIC
    )
    address: Series[pd.StringDtype] | None = _text(
        "Address", "Block-level address.", privacy="location", why=_WHY_ADDRESS
    )
    lat: Series[float] | None = _latitude()
    lon: Series[float] | None = _longitude()

    class Config:
        """Facts about the kind, read by :func:`kind_info`."""

        metadata = _facts(
            key=("arrest_id",),
            time="arrested_at",
            areas=("district", "beat"),
            event=True,
            code="charge",
        )


class Survey(_Base):
    """Community survey responses or area scores, one row per period, area, item and group."""

    period: Series[pd.Timestamp] = _column(
        "Period", "Start of the survey period (e.g. the month).", nullable=False
    )
    area: Series[pd.StringDtype] = _text(
        "Area", "Area the score describes (city, district, sector...).", nullable=False
    )
    item: Series[pd.StringDtype] = _text(
        "Survey item", "Survey item or index (e.g. safety, trust).", nullable=False
    )
    score: Series[float] = _column("Score", "Score or mean response.", nullable=False)
    scale: Series[pd.StringDtype] | None = _text(
        "Scale", "Scale of the score (e.g. '0-100', '1-5 agree')."
    )
    respondent_group: Series[pd.StringDtype] | None = _text(
        "Respondent group", "Respondent group ('all' or a demographic group)."
    )
    area_level: Series[pd.StringDtype] | None = _text(
        "Area level", "Geographic level of `area` (city, area, district, sector)."
    )
    respondents: Series[pd.Int64Dtype] | None = _column(
        "Respondents", "Number of respondents behind the score.", ge=_NOT_NEGATIVE
    )

    class Config:
        """Facts about the kind, read by :func:`kind_info`."""

        metadata = _facts(
            key=("period", "area", "item", "respondent_group"),
            time="period",
            areas=("area",),
            event=False,
            code="item",
        )


class Interviews(_Base):
    """Scanning interviews, one row per question answered."""

    interview_id: Series[pd.StringDtype] = _text(
        "Interview ID",
        "Interview id.",
        nullable=False,
        privacy="personal",
        why="Points to one interview and, through the roster, to the person interviewed.",
    )
    stakeholder_id: Series[pd.StringDtype] = _text(
        "Stakeholder ID",
        "Stakeholder id (see the stakeholders kind); no names.",
        nullable=False,
        privacy="personal",
        why=_WHY_ROSTER,
    )
    sector: Series[pd.StringDtype] = _text(
        "Sector",
        f"Stakeholder sector: one of {SECTORS}.",
        nullable=False,
        isin=_one_of(SECTORS),
    )
    role: Series[pd.StringDtype] | None = _text(
        "Role",
        "Role of the person interviewed (e.g. pastor, patrol sergeant).",
        why="Reports quote people by role, never by name.",
    )
    theme: Series[pd.StringDtype] = _text(
        "Theme",
        f"CS360 scanning theme: one of {THEMES}.",
        nullable=False,
        isin=_one_of(THEMES),
    )
    question: Series[pd.StringDtype] | None = _text("Question", "Question asked.")
    response: Series[pd.StringDtype] = _text(
        "Response", "Response text.", nullable=False, privacy="text", why=_WHY_FREE_TEXT
    )
    interviewed_on: Series[pd.Timestamp] | None = _column(
        "Interviewed on", "Date of the interview."
    )

    class Config:
        """Facts about the kind, read by :func:`kind_info`."""

        metadata = _facts(
            key=("interview_id", "question"),
            time="interviewed_on",
            areas=(),
            event=False,
            code="theme",
        )


class PartnerMetrics(_Base):
    """Data from external stakeholders (EMS, 311, public health...), one row per value."""

    partner: Series[pd.StringDtype] = _text(
        "Partner", "Organisation that supplied the data.", nullable=False
    )
    metric: Series[pd.StringDtype] = _text("Metric", "What is measured.", nullable=False)
    period: Series[pd.Timestamp] = _column(
        "Period", "Start of the period the value covers.", nullable=False
    )
    area: Series[pd.StringDtype] | None = _text("Area", "Area the value covers.")
    value: Series[float] = _column("Value", "The value.", nullable=False)
    unit: Series[pd.StringDtype] | None = _text("Unit", "Unit (count, rate per 1,000...).")

    class Config:
        """Facts about the kind, read by :func:`kind_info`."""

        metadata = _facts(
            key=("partner", "metric", "period", "area"),
            time="period",
            areas=("area",),
            event=False,
            code="metric",
        )


class Stakeholders(_Base):
    """The community map: who can act on the problem and who holds which data."""

    stakeholder_id: Series[pd.StringDtype] = _text(
        "Stakeholder ID",
        "Stakeholder id.",
        nullable=False,
        privacy="personal",
        why=_WHY_ROSTER,
    )
    organisation: Series[pd.StringDtype] = _text(
        "Organisation", "Organisation or group.", nullable=False
    )
    role: Series[pd.StringDtype] | None = _text(
        "Role",
        "Role of the contact person (never the name).",
        why="Reports name roles, never people.",
    )
    sector: Series[pd.StringDtype] = _text(
        "Sector", f"Sector: one of {SECTORS}.", nullable=False, isin=_one_of(SECTORS)
    )
    team: Series[pd.StringDtype] | None = _text(
        "Team",
        "Team membership: team codes joined with '+' (AT, PST, AT+PST, PST2...) or none.",
        str_matches={
            "pattern": TEAM_PATTERN,
            "error": "is not team codes joined with '+' (AT, PST, AT+PST, PST2) or none",
        },
    )
    levers: Series[pd.StringDtype] | None = _text(
        "Levers", f"Problem-triangle levers controlled, ';'-separated from {LEVERS}."
    )
    data_held: Series[pd.StringDtype] | None = _text(
        "Data held", "Data the stakeholder holds that could help."
    )
    sharing_terms: Series[pd.StringDtype] | None = _text(
        "Sharing terms", "Terms under which the data can be shared (open, MOU, aggregate only...)."
    )

    class Config:
        """Facts about the kind, read by :func:`kind_info`."""

        metadata = _facts(key=("stakeholder_id",), time=None, areas=(), event=False, code="sector")


class Actions(_Base):
    """The response log: what was done, by whom, where and how much."""

    action_id: Series[pd.StringDtype] = _text(
        "Action ID",
        "Action id.",
        nullable=False,
        why="Numbers an entry of the response log, not a person's case.",
    )
    response: Series[pd.StringDtype] = _text(
        "Response", "Response (strategy) the action belongs to.", nullable=False
    )
    action: Series[pd.StringDtype] = _text(
        "Action", "What was done.", nullable=False, privacy="text", why=_WHY_FREE_TEXT
    )
    owner: Series[pd.StringDtype] = _text(
        "Owner", "Organisation responsible (police or partner).", nullable=False
    )
    start: Series[pd.Timestamp] = _column("Start", "Start date.", nullable=False)
    end: Series[pd.Timestamp] | None = _column("End", "End date (empty while ongoing).")
    area: Series[pd.StringDtype] | None = _text("Area", "Area where it happened.")
    dosage: Series[float] | None = _column(
        "Dosage", "Amount delivered (hours, visits, lights fixed...).", ge=_NOT_NEGATIVE
    )
    dosage_unit: Series[pd.StringDtype] | None = _text("Dosage unit", "Unit of the dosage.")

    class Config:
        """Facts about the kind, read by :func:`kind_info`."""

        metadata = _facts(
            key=("action_id",), time="start", areas=("area",), event=False, code="response"
        )


SCHEMAS: dict[str, type[_Base]] = {
    "incidents": Incidents,
    "calls": Calls,
    "arrests": Arrests,
    "survey": Survey,
    "interviews": Interviews,
    "partner_metrics": PartnerMetrics,
    "stakeholders": Stakeholders,
    "actions": Actions,
}
"""Every kind of source, by the name used in ``load(kind, ...)`` and engagement files."""


def schema_for(kind: str) -> type[_Base]:
    """Return the schema class of a kind.

    Parameters
    ----------
    kind : str
        One of the keys of :data:`SCHEMAS`.

    Returns
    -------
    type
        The pandera ``DataFrameModel`` subclass.

    Raises
    ------
    ValueError
        If the kind is unknown; the message lists the known kinds.
    """
    try:
        return SCHEMAS[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}; expected one of {sorted(SCHEMAS)}") from None


# -- the typed accessor ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KindInfo:
    """Every fact about one kind of source, read from its schema.

    Attributes
    ----------
    kind : str
        Name of the kind (``"incidents"``...).
    description : str
        One-line description (the schema's docstring).
    key : tuple of str
        Columns that identify a row (duplicate keys are reported on them).
    time : str or None
        The datetime column that places rows in time (None for the stakeholder map).
    areas : tuple of str
        Columns that place rows in space (coarsest first).
    event : bool
        Whether rows stamp events (incidents, calls, arrests): counts are per period and
        the first or last period can be partly covered.
    code : str
        The column categories are counted by (offense, call type, charge, survey item...).
    columns : tuple of str
        Canonical columns, in schema order.
    required : tuple of str
        Columns a source must provide.
    types : mapping of str to str
        Column to ``"string"``, ``"category"``, ``"datetime"``, ``"float"`` or ``"int"``.
    labels : mapping of str to str
        Column to its human label (``occurred_at`` to ``"Occurred at"``).
    privacy : mapping of str to str
        Column to its publishing class: ``"public"``, ``"personal"``, ``"location"`` or
        ``"text"`` (see the module docstring).
    """

    kind: str
    description: str
    key: tuple[str, ...]
    time: str | None
    areas: tuple[str, ...]
    event: bool
    code: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    types: Mapping[str, str] = field(compare=False)
    labels: Mapping[str, str] = field(compare=False)
    privacy: Mapping[str, str] = field(compare=False)

    @property
    def personal(self) -> tuple[str, ...]:
        """Columns never published (ids of a person's case, ids of a person)."""
        return self._of("personal")

    @property
    def location(self) -> tuple[str, ...]:
        """Exact addresses and coordinates, generalized before publishing."""
        return self._of("location")

    @property
    def free_text(self) -> tuple[str, ...]:
        """Free-text columns, scrubbed before publishing."""
        return self._of("text")

    def _of(self, privacy: str) -> tuple[str, ...]:
        return tuple(c for c in self.columns if self.privacy[c] == privacy)


def _simple_type(model: type[_Base], name: str, annotation: Any) -> str:
    """``Series[X]`` or ``Series[X] | None`` to the simple type name of ``X``."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        (annotation,) = (a for a in args if a is not type(None))
        args = typing.get_args(annotation)
    dtype = args[0] if args else None
    if dtype not in _SIMPLE_TYPES:
        raise TypeError(f"{model.__name__}.{name}: unsupported schema annotation {annotation!r}")
    return _SIMPLE_TYPES[dtype]


@functools.cache
def kind_info(kind: str) -> KindInfo:
    """Return every fact about a kind: key, time, areas, labels, publishing classes...

    Parameters
    ----------
    kind : str
        One of the keys of :data:`SCHEMAS`.

    Returns
    -------
    KindInfo
        Frozen; the same object on every call.

    Raises
    ------
    ValueError
        If the kind is unknown.
    TypeError
        If the schema's metadata name a column the schema lacks, or a column has no label,
        an unknown publishing class or an unsupported type (a programming error, caught by
        the tests).
    """
    model = schema_for(kind)
    schema = model.to_schema()
    meta = dict(model.get_metadata()[model.Config.name]["dataframe"] or {})
    hints = typing.get_type_hints(model)
    columns = tuple(schema.columns)
    facts = {
        "key": tuple(meta.get("key", ())),
        "time": meta.get("time"),
        "areas": tuple(meta.get("areas", ())),
        "code": meta.get("code"),
    }
    named = [*facts["key"], *facts["areas"], facts["code"]]
    if facts["time"] is not None:
        named.append(facts["time"])
    unknown = [c for c in named if c not in columns]
    if unknown or not facts["key"] or facts["code"] is None or "event" not in meta:
        raise TypeError(
            f"{model.__name__}: Config.metadata needs key, time, areas, event and code naming "
            f"its columns; unknown: {unknown}"
        )
    labels, privacy = {}, {}
    for name, column in schema.columns.items():
        info = column.metadata or {}
        if not column.title or info.get("privacy") not in PRIVACY_CLASSES:
            raise TypeError(f"{model.__name__}.{name}: needs a title and a publishing class")
        labels[name] = column.title
        privacy[name] = info["privacy"]
    return KindInfo(
        kind=kind,
        description=(model.__doc__ or "").strip(),
        key=facts["key"],
        time=facts["time"],
        areas=facts["areas"],
        event=bool(meta["event"]),
        code=facts["code"],
        columns=columns,
        required=tuple(name for name, column in schema.columns.items() if column.required),
        types=types.MappingProxyType({n: _simple_type(model, n, hints[n]) for n in columns}),
        labels=types.MappingProxyType(labels),
        privacy=types.MappingProxyType(privacy),
    )


def column_label(kind: str, column: str) -> str:
    """Return the human label of a column of a kind (lineage columns included).

    Parameters
    ----------
    kind : str
        Kind of source.
    column : str
        A canonical column of the kind, or ``source_file`` / ``source_row``.

    Returns
    -------
    str
        E.g. ``column_label("incidents", "occurred_at") == "Occurred at"``.

    Raises
    ------
    KeyError
        If the kind has no such column; the message lists its columns.
    """
    info = kind_info(kind)
    label = info.labels.get(column) or LINEAGE_LABELS.get(column)
    if label is None:
        raise KeyError(f"{kind} has no column {column!r}; its columns are {list(info.columns)}")
    return label


def field_label(kind: str | None, column: str) -> str:
    """Return the label a reader sees for a column: its schema label, else its name in words.

    Unlike :func:`column_label`, never raises: an extra column of a source (``narrative``)
    or a column of an unknown kind is named by its words (``"narrative"``, ``"levers"``).

    Parameters
    ----------
    kind : str or None
        Kind of source (None or an unknown kind: no schema label).
    column : str
        Column name.

    Returns
    -------
    str
        E.g. ``field_label("incidents", "occurred_at") == "Occurred at"``,
        ``field_label("incidents", "narrative") == "Narrative"``.
    """
    if kind in SCHEMAS:
        label = kind_info(kind).labels.get(column) or LINEAGE_LABELS.get(column)
        if label is not None:
            return label
    words = column.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


KEYS: dict[str, tuple[str, ...]] = {kind: kind_info(kind).key for kind in SCHEMAS}
"""Columns that identify a row of each kind, used to report duplicate keys."""


def column_types(kind: str) -> dict[str, str]:
    """Return the canonical columns of a kind with their simple type names.

    Parameters
    ----------
    kind : str
        Kind of source.

    Returns
    -------
    dict of str to str
        Column name to one of ``string``, ``category``, ``datetime``, ``float``, ``int``,
        read from the column annotations.
    """
    return dict(kind_info(kind).types)


def required_columns(kind: str) -> list[str]:
    """Return the columns a source of this kind must provide.

    Parameters
    ----------
    kind : str
        Kind of source.

    Returns
    -------
    list of str
        Required canonical column names, in schema order.
    """
    return list(kind_info(kind).required)
