"""Writing Sampleton: byte-stable CSV files, ``truth.json`` and the ``engagement.yml`` text.

The same frames always give the same bytes: datetimes are formatted without locale or
time zone, gzip headers carry no timestamp or file name, and nothing records a date or a
version.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cs360lib.datasets.sampleton.city import (
    COMPARISON_BEAT,
    DISPLACEMENT_BEATS,
    HUB_NAME,
    TARGET_BEAT,
)
from cs360lib.datasets.sampleton.offenses import TARGET_OFFENSE
from cs360lib.datasets.sampleton.params import DEPARTMENT, RESPONSE_NAME, RESPONSE_START
from cs360lib.datasets.sampleton.scanning import TEAMS

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
"""strptime format of written date-times."""
DATE_FORMAT = "%Y-%m-%d"
"""strptime format of written dates."""

DATETIME_COLUMNS = {
    "incidents": {"occurred_at": DATETIME_FORMAT},
    "calls": {
        c: DATETIME_FORMAT for c in ("received_at", "dispatched_at", "arrived_at", "cleared_at")
    },  # fmt: skip
    "arrests": {"arrested_at": DATETIME_FORMAT},
    "survey": {"period": DATE_FORMAT},
    "interviews": {"interviewed_on": DATE_FORMAT},
    "partner_metrics": {"period": DATE_FORMAT},
    "stakeholders": {},
    "actions": {"start": DATE_FORMAT, "end": DATE_FORMAT},
}
"""strptime format of every datetime column written, by kind."""

EXTRA_COLUMNS = {"incidents": {"narrative": "text"}}
"""Extra source columns the sample engagement maps, with their publishing class. The
incidents' ``victim_name`` column is deliberately left unmapped: unmapped columns are
personal and never published."""

FILES = {
    "incidents": "incidents.csv.gz",
    "calls": "calls.csv.gz",
    "arrests": "arrests.csv.gz",
    "survey": "survey.csv",
    "interviews": "interviews.csv",
    "partner_metrics": "partner_metrics.csv",
    "stakeholders": "stakeholders.csv",
    "actions": "actions.csv",
}
"""File name of every kind in a generated department folder."""


def _datetime_text(values: np.ndarray, fmt: str) -> np.ndarray:
    """Format datetimes as ``DATETIME_FORMAT`` or ``DATE_FORMAT`` text (vectorised; NaT -> None)."""
    unit = {DATETIME_FORMAT: "s", DATE_FORMAT: "D"}[fmt]
    values = np.asarray(values).astype(f"datetime64[{unit}]")
    text = np.datetime_as_string(values, unit=unit).astype("S")
    if unit == "s":
        table = text.view(np.uint8).reshape(len(text), -1).copy()
        table[:, 10] = ord(" ")  # ISO 'T' -> ' '
        text = table.view(text.dtype).ravel()
    out = text.astype(str).astype(object)
    out[np.isnat(values)] = None
    return out


def write_csv(frame: pd.DataFrame, path: Path, formats: dict[str, str]) -> None:
    """Write CSV (gzip without timestamp or file name when ``path`` ends in ``.gz``).

    Rows are formatted and written in chunks so that large scales stay within memory.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows to write (all columns, no index).
    path : Path
        File to write; its folder must exist.
    formats : dict of str to str
        Datetime column -> ``DATETIME_FORMAT`` or ``DATE_FORMAT`` (missing -> empty field).
    """

    def body(text: io.TextIOWrapper) -> None:
        chunk = 200_000
        for i, lo in enumerate(range(0, max(len(frame), 1), chunk)):
            part = frame.iloc[lo : lo + chunk].copy(deep=False)
            for col, fmt in formats.items():
                if pd.api.types.is_datetime64_any_dtype(part[col].dtype):
                    part[col] = _datetime_text(part[col].to_numpy(), fmt)
            part.to_csv(text, index=False, header=i == 0, lineterminator="\n")

    with open(path, "wb") as raw:
        if path.name.endswith(".gz"):
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as gz:
                with io.TextIOWrapper(gz, encoding="utf-8", newline="") as text:
                    body(text)
        else:
            with io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
                body(text)


def write_department(out: Path, frames: dict[str, pd.DataFrame], truth: dict[str, Any]) -> Path:
    """Write every source of ``FILES``, ``truth.json`` and ``engagement.yml`` into ``out``.

    Parameters
    ----------
    out : Path
        Existing folder; files of the same names are overwritten, others left alone.
    frames : dict of str to pandas.DataFrame
        The frame of every kind of ``FILES``.
    truth : dict
        What was planted (JSON-serialisable, no NaN).

    Returns
    -------
    Path
        Path of the written ``engagement.yml``.
    """
    for kind, name in FILES.items():
        write_csv(frames[kind], out / name, DATETIME_COLUMNS[kind])
    (out / "truth.json").write_text(
        json.dumps(truth, indent=1, allow_nan=False) + "\n", encoding="utf-8"
    )
    path = out / "engagement.yml"
    path.write_text(engagement_yaml(), encoding="utf-8")
    return path


def _yaml_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def engagement_yaml() -> str:
    """Text of the sample department's ``engagement.yml`` (format of ``docs/engagement.md``).

    Returns
    -------
    str
        Engagement, sources with inline mappings that give the written datetime formats,
        analysis period, the problem, the areas, the response, the metrics, the team
        names and the publishing rules.
    """

    def mapping(kind: str) -> str:
        formats = DATETIME_COLUMNS[kind]
        if not formats:
            return " null"
        lines = "".join(f"\n        {c}: {json.dumps(f)}" for c, f in formats.items())
        extra = ""
        if kind in EXTRA_COLUMNS:
            columns = EXTRA_COLUMNS[kind]
            extra = "\n      extra:" + "".join(f"\n        {c}: {c}" for c in columns)
            extra += "\n      privacy:" + "".join(
                f"\n        {c}: {cls}" for c, cls in columns.items()
            )
        return "\n      formats:" + lines + extra

    teams = "\n".join(f"  {code}: {name}" for code, name in TEAMS.items())
    sources = "\n".join(
        f"  {kind}:\n    kind: {kind}\n    path: {FILES[kind]}\n    mapping:{mapping(kind)}"
        for kind in FILES
    )
    return f"""\
# Sampleton: a synthetic department generated by cs360lib.datasets.sampleton.make_department.
# What was planted in these data is recorded in truth.json next to this file.
engagement:
  id: sampleton-pd
  name: {DEPARTMENT} CS360 engagement
  department: {DEPARTMENT}
  timezone: America/Chicago
  contact_role: Crime analysis unit

sources:
{sources}

analysis:
  period: month
  start: 2020-01-01
  end: 2024-12-31

problem:
  title: Street robbery around the {HUB_NAME}
  statement: >
    Street robberies of people on foot around the {HUB_NAME} (Main St and 7th St, beat
    {TARGET_BEAT}) are the most common public safety concern of the scanning interviews. They
    happen mostly in the evening, on a few dark blocks next to the bus bays.
  source: incidents
  filter: {{offense: [{TARGET_OFFENSE}]}}

areas:
  target: {{column: beat, values: {_yaml_list([TARGET_BEAT])}}}
  displacement: {{column: beat, values: {_yaml_list(DISPLACEMENT_BEATS)}}}
  comparison: {{column: beat, values: {_yaml_list([COMPARISON_BEAT])}}}

responses:
  - name: {RESPONSE_NAME}
    owner: Public Works Department with Eastgate Merchants Association
    objectives:
      - Fewer street robberies of people on foot around the transit hub in the evening
      - Residents feel safer around the transit hub and trust the police more
    start: {RESPONSE_START}
    end: null
    area: target
    measures:
      - Street robberies in the target beat
      - Robbery calls for service in the target beat
      - Streetlight outage complaints in the target beat (311)
      - Perceived safety in the East district
      - Trust in police in the East district
    expected_change: 0.7
    planned:
      - {{dosage: 100, unit: officer hours, per: month}}
      - {{dosage: 150, unit: ambassador hours, per: month}}
    description: >
      Streetlight repairs and LED upgrades, CCTV at the bus bays, evening safety ambassadors
      and directed foot patrol around the transit hub (see actions.csv).

metrics:
  - name: Street robberies in the target beat
    goal: prevent_crime
    type: outcome
    source: incidents
    filter: {{offense: [{TARGET_OFFENSE}]}}
    area: target
  - name: Robbery calls for service in the target beat
    goal: interrupt_crime
    type: outcome
    source: calls
    filter: {{call_type: [Robbery], area: [{TARGET_BEAT}]}}
  - name: Robbery arrests
    goal: solve_crime
    type: output
    source: arrests
    filter: {{charge_group: [Robbery]}}
  - name: Directed foot patrol hours at the transit hub
    goal: promising_practices
    type: output
    source: actions
    filter: {{dosage_unit: [officer hours]}}
  - name: Streetlight outage complaints in the target beat (311)
    goal: community_factors
    type: outcome
    source: partner_metrics
    filter: {{metric: [Streetlight outage complaints], area: [{TARGET_BEAT}]}}
  - name: Perceived safety in the East district
    goal: trust
    type: outcome
    source: survey
    filter: {{item: [safety], area: [East]}}
  - name: Trust in police in the East district
    goal: trust
    type: outcome
    source: survey
    filter: {{item: [trust], area: [East]}}
  - name: Safety ambassador hours at the transit hub
    indicator: community_volunteers
    source: actions
    filter: {{dosage_unit: [ambassador hours]}}
  - name: Robbery arrests by race and age
    indicator: enforcement_demographics
    source: arrests
    filter: {{charge_group: [Robbery]}}

teams:
{teams}

publishing:
  min_count: 5
  location_precision: block
  quotes: true
  stakeholder_reports: all
"""
