"""Canonical schemas: one pandera ``DataFrameModel`` per kind of source.

Every loader maps a source file onto one of these schemas. Column names are
plain snake_case and are referenced as class attributes (``Incidents.occurred_at``
is the string ``"occurred_at"``). Columns typed ``Optional[...]`` may be absent
from a source; all other columns are required and may not be empty.

Types used across the kinds:

- ``string``: Arrow-backed string (``string[pyarrow]``).
- ``category``: pandas categorical (areas, codes with few distinct values).
- ``datetime``: ``datetime64[ns]``, naive local time of the department.
- ``float`` / ``Int64``: numbers; ``Int64`` is the nullable integer.

Use :func:`columns_table` for a table of every kind's columns (the docs are
generated from it with ``python -m cs360lib.data.schemas``).
"""

from __future__ import annotations

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
"""Team membership: Advisory Team, Problem-Solving Team, both, or neither."""

LEVERS = ["handler", "guardian", "manager"]
"""Problem analysis triangle controllers a stakeholder can act as."""


def _string(*, nullable: bool = True, description: str, **checks: object) -> object:
    return pa.Field(nullable=nullable, dtype_kwargs=STRING, description=description, **checks)


class _Base(pa.DataFrameModel):
    class Config:
        strict = False
        coerce = False


class Incidents(_Base):
    """Crime reports (incidents), one row per reported incident."""

    incident_id: Series[pd.StringDtype] = _string(
        nullable=False, description="Report or complaint number (kept as text)."
    )
    occurred_at: Series[pd.Timestamp] = pa.Field(
        nullable=False, description="When the incident occurred (local time)."
    )
    offense: Series[pd.StringDtype] = _string(
        nullable=False, description="Offense description or code as the department records it."
    )
    offense_group: Series[pd.StringDtype] | None = _string(
        description="Broader offense group (e.g. UCR Part 1 category) used for trends."
    )
    district: Series[pd.CategoricalDtype] | None = pa.Field(
        nullable=True, description="Police district (text; leading zeros kept)."
    )
    beat: Series[pd.CategoricalDtype] | None = pa.Field(
        nullable=True, description="Beat, post, PSA or sector within the district."
    )
    address: Series[pd.StringDtype] | None = _string(
        description="Block-level address (never an exact house number in reports)."
    )
    lat: Series[float] | None = pa.Field(
        nullable=True, ge=-90, le=90, description="Latitude (WGS84); missing when not geocoded."
    )
    lon: Series[float] | None = pa.Field(
        nullable=True, ge=-180, le=180, description="Longitude (WGS84); missing when not geocoded."
    )


class Calls(_Base):
    """Calls for service (CAD), one row per call."""

    call_id: Series[pd.StringDtype] = _string(nullable=False, description="CAD event number.")
    received_at: Series[pd.Timestamp] = pa.Field(
        nullable=False, description="When the call was received."
    )
    call_type: Series[pd.StringDtype] = _string(
        nullable=False, description="Call type (original or final, as mapped)."
    )
    priority: Series[pd.StringDtype] | None = _string(description="Dispatch priority.")
    disposition: Series[pd.StringDtype] | None = _string(description="How the call was closed.")
    source: Series[pd.StringDtype] | None = _string(
        description="How the call came in (911, phone, on-view, ...)."
    )
    area: Series[pd.CategoricalDtype] | None = pa.Field(
        nullable=True, description="District, sector or beat of the call."
    )
    address: Series[pd.StringDtype] | None = _string(description="Block-level address.")
    dispatched_at: Series[pd.Timestamp] | None = pa.Field(
        nullable=True, description="When the first unit was dispatched."
    )
    arrived_at: Series[pd.Timestamp] | None = pa.Field(
        nullable=True, description="When the first unit arrived."
    )
    cleared_at: Series[pd.Timestamp] | None = pa.Field(
        nullable=True, description="When the call was cleared."
    )
    lat: Series[float] | None = pa.Field(nullable=True, ge=-90, le=90, description="Latitude.")
    lon: Series[float] | None = pa.Field(nullable=True, ge=-180, le=180, description="Longitude.")


class Arrests(_Base):
    """Arrests, one row per arrestee and arrest."""

    arrest_id: Series[pd.StringDtype] = _string(nullable=False, description="Arrest number.")
    arrested_at: Series[pd.Timestamp] = pa.Field(
        nullable=False, description="Arrest date and time."
    )
    charge: Series[pd.StringDtype] = _string(nullable=False, description="Most serious charge.")
    charge_group: Series[pd.StringDtype] | None = _string(description="Broader charge group.")
    incident_id: Series[pd.StringDtype] | None = _string(
        description="Related incident number, when known."
    )
    district: Series[pd.CategoricalDtype] | None = pa.Field(
        nullable=True, description="District of the arrest."
    )
    beat: Series[pd.CategoricalDtype] | None = pa.Field(
        nullable=True, description="Beat or post of the arrest."
    )
    age: Series[pd.Int64Dtype] | None = pa.Field(
        nullable=True, ge=0, le=120, description="Age of the arrestee in years."
    )
    sex: Series[pd.CategoricalDtype] | None = pa.Field(
        nullable=True, description="Sex of the arrestee as recorded."
    )
    race: Series[pd.CategoricalDtype] | None = pa.Field(
        nullable=True, description="Race of the arrestee as recorded."
    )
    address: Series[pd.StringDtype] | None = _string(description="Block-level address.")
    lat: Series[float] | None = pa.Field(nullable=True, ge=-90, le=90, description="Latitude.")
    lon: Series[float] | None = pa.Field(nullable=True, ge=-180, le=180, description="Longitude.")


class Survey(_Base):
    """Community survey responses or area scores, one row per period, area, item and group."""

    period: Series[pd.Timestamp] = pa.Field(
        nullable=False, description="Start of the survey period (e.g. the month)."
    )
    area: Series[pd.StringDtype] = _string(
        nullable=False, description="Area the score describes (city, district, sector...)."
    )
    item: Series[pd.StringDtype] = _string(
        nullable=False, description="Survey item or index (e.g. safety, trust)."
    )
    score: Series[float] = pa.Field(nullable=False, description="Score or mean response.")
    scale: Series[pd.StringDtype] | None = _string(
        description="Scale of the score (e.g. '0-100', '1-5 agree')."
    )
    respondent_group: Series[pd.StringDtype] | None = _string(
        description="Respondent group ('all' or a demographic group)."
    )
    area_level: Series[pd.StringDtype] | None = _string(
        description="Geographic level of `area` (city, area, district, sector)."
    )
    respondents: Series[pd.Int64Dtype] | None = pa.Field(
        nullable=True, ge=0, description="Number of respondents behind the score."
    )


class Interviews(_Base):
    """Scanning interviews, one row per question answered."""

    interview_id: Series[pd.StringDtype] = _string(nullable=False, description="Interview id.")
    stakeholder_id: Series[pd.StringDtype] = _string(
        nullable=False, description="Stakeholder id (see the stakeholders kind); no names."
    )
    sector: Series[pd.StringDtype] = _string(
        nullable=False, isin=SECTORS, description=f"Stakeholder sector: one of {SECTORS}."
    )
    role: Series[pd.StringDtype] | None = _string(
        description="Role of the person interviewed (e.g. pastor, patrol sergeant)."
    )
    theme: Series[pd.StringDtype] = _string(
        nullable=False, isin=THEMES, description=f"CS360 scanning theme: one of {THEMES}."
    )
    question: Series[pd.StringDtype] | None = _string(description="Question asked.")
    response: Series[pd.StringDtype] = _string(nullable=False, description="Response text.")
    interviewed_on: Series[pd.Timestamp] | None = pa.Field(
        nullable=True, description="Date of the interview."
    )


class PartnerMetrics(_Base):
    """Data from external stakeholders (EMS, 311, public health...), one row per value."""

    partner: Series[pd.StringDtype] = _string(
        nullable=False, description="Organisation that supplied the data."
    )
    metric: Series[pd.StringDtype] = _string(nullable=False, description="What is measured.")
    period: Series[pd.Timestamp] = pa.Field(
        nullable=False, description="Start of the period the value covers."
    )
    area: Series[pd.StringDtype] | None = _string(description="Area the value covers.")
    value: Series[float] = pa.Field(nullable=False, description="The value.")
    unit: Series[pd.StringDtype] | None = _string(description="Unit (count, rate per 1,000...).")


class Stakeholders(_Base):
    """The community map: who can act on the problem and who holds which data."""

    stakeholder_id: Series[pd.StringDtype] = _string(nullable=False, description="Stakeholder id.")
    organisation: Series[pd.StringDtype] = _string(
        nullable=False, description="Organisation or group."
    )
    role: Series[pd.StringDtype] | None = _string(
        description="Role of the contact person (never the name)."
    )
    sector: Series[pd.StringDtype] = _string(
        nullable=False, isin=SECTORS, description=f"Sector: one of {SECTORS}."
    )
    team: Series[pd.StringDtype] | None = _string(
        isin=TEAMS, description=f"Team membership: one of {TEAMS}."
    )
    levers: Series[pd.StringDtype] | None = _string(
        description=f"Problem-triangle levers controlled, ';'-separated from {LEVERS}."
    )
    data_held: Series[pd.StringDtype] | None = _string(
        description="Data the stakeholder holds that could help."
    )
    sharing_terms: Series[pd.StringDtype] | None = _string(
        description="Terms under which the data can be shared (open, MOU, aggregate only...)."
    )


class Actions(_Base):
    """The response log: what was done, by whom, where and how much."""

    action_id: Series[pd.StringDtype] = _string(nullable=False, description="Action id.")
    response: Series[pd.StringDtype] = _string(
        nullable=False, description="Response (strategy) the action belongs to."
    )
    action: Series[pd.StringDtype] = _string(nullable=False, description="What was done.")
    owner: Series[pd.StringDtype] = _string(
        nullable=False, description="Organisation responsible (police or partner)."
    )
    start: Series[pd.Timestamp] = pa.Field(nullable=False, description="Start date.")
    end: Series[pd.Timestamp] | None = pa.Field(
        nullable=True, description="End date (empty while ongoing)."
    )
    area: Series[pd.StringDtype] | None = _string(description="Area where it happened.")
    dosage: Series[float] | None = pa.Field(
        nullable=True, ge=0, description="Amount delivered (hours, visits, lights fixed...)."
    )
    dosage_unit: Series[pd.StringDtype] | None = _string(description="Unit of the dosage.")


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

KEYS: dict[str, tuple[str, ...]] = {
    "incidents": ("incident_id",),
    "calls": ("call_id",),
    "arrests": ("arrest_id",),
    "survey": ("period", "area", "item", "respondent_group"),
    "interviews": ("interview_id", "question"),
    "partner_metrics": ("partner", "metric", "period", "area"),
    "stakeholders": ("stakeholder_id",),
    "actions": ("action_id",),
}
"""Columns that identify a row of each kind, used to report duplicate keys."""


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


def column_types(kind: str) -> dict[str, str]:
    """Return the canonical columns of a kind with their simple type names.

    Parameters
    ----------
    kind : str
        Kind of source.

    Returns
    -------
    dict of str to str
        Column name to one of ``string``, ``category``, ``datetime``, ``float``, ``int``.
    """
    schema = schema_for(kind).to_schema()
    types = {}
    for name, column in schema.columns.items():
        text = str(column.dtype)
        if text.startswith("string"):
            types[name] = "string"
        elif text == "category":
            types[name] = "category"
        elif text.startswith("datetime"):
            types[name] = "datetime"
        elif text == "Int64":
            types[name] = "int"
        elif text.startswith("float"):
            types[name] = "float"
        else:  # pragma: no cover - guarded by tests over every schema
            raise TypeError(f"{kind}.{name}: unsupported schema dtype {text}")
    return types


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
    schema = schema_for(kind).to_schema()
    return [name for name, column in schema.columns.items() if column.required]


def columns_table() -> pd.DataFrame:
    """Describe every kind's columns in one table.

    Returns
    -------
    pandas.DataFrame
        Columns ``kind``, ``column``, ``type``, ``required``, ``description``.
    """
    rows = []
    for kind, model in SCHEMAS.items():
        schema = model.to_schema()
        types = column_types(kind)
        for name, column in schema.columns.items():
            rows.append(
                {
                    "kind": kind,
                    "column": name,
                    "type": types[name],
                    "required": bool(column.required),
                    "description": column.description or "",
                }
            )
    return pd.DataFrame(rows)


def columns_markdown() -> str:
    """Render :func:`columns_table` as Markdown, one section per kind.

    Returns
    -------
    str
        Markdown text.
    """
    table = columns_table()
    parts = [
        "# Canonical columns by kind",
        "",
        "Generated by `python -m cs360lib.data.schemas`.",
        "",
        "A **required** column must come from every source of its kind (else the whole file",
        "is refused), and a row whose required value is missing or cannot be read is",
        "rejected: it goes to `.rejected` with its reason. An optional value that cannot be",
        "read (a malformed coordinate, a bad arrival time, a value outside its allowed",
        "range) is set missing instead: the row is kept and the problem is listed in",
        "`.problems` (outcome `set missing`) and in the load's summary.",
        "",
    ]
    for kind, rows in table.groupby("kind", sort=False):
        parts += [f"## `{kind}`", "", (schema_for(kind).__doc__ or "").strip(), ""]
        parts += ["| column | type | required | description |", "|---|---|---|---|"]
        for row in rows.itertuples():
            required = "yes" if row.required else ""
            parts.append(f"| `{row.column}` | {row.type} | {required} | {row.description} |")
        parts.append("")
    return "\n".join(parts)


if __name__ == "__main__":  # pragma: no cover
    print(columns_markdown())
