"""The ``prioritization:`` section of an engagement file: the priority worksheet's settings.

Every key is optional; without the section the worksheet runs on its defaults (every
criterion weighted the same, the shipped harm table, the candidates found in the scanning
interviews and the department's data). See ``docs/engagement.md`` and ``docs/prioritize.md``.

.. code-block:: yaml

    prioritization:
      population: 318000            # residents: frequency becomes a rate per 1,000 a year
      as_of: 2024-12-31             # last day of the 12-month window (default: the data's
                                    # last complete month, per source)
      weights: {harm: 2, community: 2}   # criterion -> weight (others keep 1; 0 leaves one out)
      harm:
        table: default              # the shipped table, or a YAML file (relative to this file)
        weights: {Street robbery: 1126}  # category -> harm weight (days), on top of the table
      sensitivity: {concentration: 20, draws: 2000, seed: 0}
      data_candidates: 5            # offense groups / call types taken by harm and by rise
      candidates:
        add:
          - id: transit_robbery
            label: Street robbery around the Eastgate Transit Center
            source: incidents       # a source of this file
            filter: {offense: [Street robbery]}
            concern: robbery        # the scanning concern it answers (community concern)
            partners: [S06, S15]    # stakeholder ids with levers on it (feasibility)
            data: [transit_data]    # kinds of the data codebook that measure it
        drop: [vehicle_crime]       # candidate ids to leave out (shown as dropped)

Weights are validated here (a number >= 0 for a known criterion, not all zero); references
to sources and columns are checked by :class:`cs360lib.config.engagement.Engagement`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from cs360lib.errors import PrioritizationError

__all__ = [
    "CRITERIA",
    "CRITERION_LABELS",
    "DEFAULT_CONCENTRATION",
    "CandidateEdits",
    "CandidateSpec",
    "HarmSettings",
    "Prioritization",
    "SensitivitySettings",
    "resolve_weights",
    "weight_problems",
]

CRITERIA: tuple[str, ...] = (
    "frequency",
    "harm",
    "trend",
    "concentration",
    "community",
    "feasibility",
    "data",
)
"""The criteria of the priority worksheet, in display order (see ``steps.prioritize.criteria``)."""

CRITERION_LABELS: dict[str, str] = {
    "frequency": "Frequency",
    "harm": "Harm",
    "trend": "Trend",
    "concentration": "Concentration",
    "community": "Community concern",
    "feasibility": "Feasibility",
    "data": "Data availability",
}
"""Human label of each criterion."""

DEFAULT_CONCENTRATION = 20.0
"""Dirichlet concentration of the weight perturbation: a weight ``w`` (of weights summing to 1)
varies with standard deviation ``sqrt(w (1 - w) / (c + 1))``, about 0.09 for ``w = 0.2``."""

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def weight_problems(weights: Mapping[str, Any]) -> list[str]:
    """List what is wrong with a set of weights.

    Parameters
    ----------
    weights : mapping of str to number
        Criterion -> weight.

    Returns
    -------
    list of str
        One sentence per problem: an unknown criterion (with the known ones), a weight that
        is not a number, negative or not finite; empty when the weights are usable.
    """
    problems = []
    for name, value in weights.items():
        if name not in CRITERIA:
            problems.append(f"{name!r} is not a criterion; the criteria are {', '.join(CRITERIA)}")
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"the weight of {name} must be a number, got {value!r}")
        elif not math.isfinite(float(value)) or float(value) < 0:
            problems.append(f"the weight of {name} must be a number >= 0, got {value!r}")
    return problems


def resolve_weights(weights: Mapping[str, Any] | None = None) -> dict[str, float]:
    """Complete and check a set of weights.

    Criteria not named keep the default weight 1 (every criterion counts the same unless the
    group says otherwise); a weight of 0 leaves a criterion out of the score.

    Parameters
    ----------
    weights : mapping of str to number, optional
        Criterion -> weight (any scale: only their ratios matter).

    Returns
    -------
    dict of str to float
        A weight for every criterion of :data:`CRITERIA`, in order.

    Raises
    ------
    PrioritizationError
        For an unknown criterion, a weight that is not a number >= 0, or weights that are
        all zero; the message lists every problem and the criteria.
    """
    given = dict(weights or {})
    problems = weight_problems(given)
    full = {c: float(given.get(c, 1.0)) for c in CRITERIA} if not problems else {}
    if not problems and sum(full.values()) <= 0:
        problems.append("the weights are all zero: give at least one criterion a weight > 0")
    if problems:
        raise PrioritizationError("weights: " + "; ".join(problems))
    return full


class CandidateSpec(_Strict):
    """A candidate problem added by the group in the engagement file.

    Attributes
    ----------
    id : str
        Identifier (letters, digits, ``_`` and ``-``), unique among the candidates.
    label : str
        How the problem is named in the worksheet.
    source : str
        The engagement source that counts it (incidents, calls, arrests or partner metrics).
    filter : dict of str to list of str
        Column of the source -> accepted values.
    concern : str, optional
        The scanning concern (codebook id) it answers: its community concern is the share
        of external stakeholders who raised that concern.
    partners : list of str
        Stakeholder ids (roster) who hold a lever on it, besides those found by the map.
    data : list of str
        Kinds of the data codebook that measure it (``transit_data``...).
    note : str
        Why the group added it.
    """

    id: str
    label: str
    source: str
    filter: dict[str, list[str]] = Field(default_factory=dict)
    concern: str | None = None
    partners: list[str] = Field(default_factory=list)
    data: list[str] = Field(default_factory=list)
    note: str = ""

    @field_validator("id")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(
                f"{value!r} is not an identifier: use letters, digits, '_' and '-' "
                "(e.g. transit_robbery)"
            )
        return value

    @field_validator("filter", mode="before")
    @classmethod
    def _filter_text(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {
            column: [str(v) for v in values] if isinstance(values, list) else [str(values)]
            for column, values in value.items()
        }

    @field_validator("partners", "data", mode="before")
    @classmethod
    def _as_list(cls, value: Any) -> Any:
        if isinstance(value, str | int):
            return [str(value)]
        return [str(v) for v in value] if isinstance(value, list) else value


class CandidateEdits(_Strict):
    """Candidates the group adds to or drops from the worksheet."""

    add: list[CandidateSpec] = Field(default_factory=list)
    drop: list[str] = Field(default_factory=list)

    @field_validator("add")
    @classmethod
    def _unique(cls, value: list[CandidateSpec]) -> list[CandidateSpec]:
        seen: set[str] = set()
        twice = sorted({c.id for c in value if c.id in seen or seen.add(c.id)})
        if twice:
            raise ValueError(f"candidate ids must be unique; repeated: {', '.join(twice)}")
        return value

    @field_validator("drop", mode="before")
    @classmethod
    def _drop_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value] if isinstance(value, list) else value


class HarmSettings(_Strict):
    """Which harm-weight table the worksheet uses, and the group's edits to it.

    Attributes
    ----------
    table : str or Path
        ``"default"`` (the shipped table, derived from the US Sentencing Guidelines; see
        ``cs360lib.steps.prioritize.harm``) or a YAML file of the same format, relative to
        the engagement file.
    weights : dict of str to float
        Category (offense, offense group, call type, metric; matched without regard to case)
        -> harm weight in the table's unit; checked before the table's own entries.
    """

    table: str | Path = "default"
    weights: dict[str, float] = Field(default_factory=dict)

    @field_validator("table")
    @classmethod
    def _resolve(cls, value: str | Path, info: ValidationInfo) -> str | Path:
        if isinstance(value, str) and value == "default":
            return value
        path = Path(value)
        root = info.context.get("root") if isinstance(info.context, dict) else None
        if not path.is_absolute() and root is not None:
            path = Path(root) / path
        if root is not None and not path.is_file():
            raise ValueError(f"harm table {str(value)!r} not found (looked for {path})")
        return path

    @field_validator("weights")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in value.items() if not math.isfinite(v) or v < 0}
        if bad:
            raise ValueError(f"harm weights must be numbers >= 0; got {bad}")
        return value


class SensitivitySettings(_Strict):
    """How the weights are perturbed in the sensitivity analysis.

    Attributes
    ----------
    concentration : float
        Dirichlet concentration ``c`` (> 0): the weights are drawn from
        ``Dirichlet(c * w)`` around the chosen weights ``w`` (summing to 1); larger is
        tighter (see :data:`DEFAULT_CONCENTRATION`).
    draws : int
        Number of weight draws (at least 100).
    seed : int
        Seed of the draws, so a report is reproducible.
    """

    concentration: float = Field(default=DEFAULT_CONCENTRATION, gt=0)
    draws: int = Field(default=2000, ge=100, le=200_000)
    seed: int = 0


class Prioritization(_Strict):
    """The ``prioritization:`` section of an engagement file (see the module docstring).

    Attributes
    ----------
    population : int, optional
        Residents of the jurisdiction; frequency is then a rate per 1,000 residents a year.
    as_of : date, optional
        Last day of the 12-month window of the data criteria.
    weights : dict of str to float
        Criterion -> weight; criteria not named weigh 1 (see :func:`resolve_weights`).
    harm : HarmSettings
        The harm-weight table and the group's edits.
    sensitivity : SensitivitySettings
        Dirichlet perturbation settings.
    data_candidates : int
        How many offense groups (and call types) are taken from the data by total harm, and
        how many by clearest rise.
    candidates : CandidateEdits
        Candidates added and dropped by the group.
    """

    population: int | None = Field(default=None, gt=0)
    as_of: dt.date | None = None
    weights: dict[str, float] = Field(default_factory=dict)
    harm: HarmSettings = Field(default_factory=HarmSettings)
    sensitivity: SensitivitySettings = Field(default_factory=SensitivitySettings)
    data_candidates: int = Field(default=5, ge=0, le=50)
    candidates: CandidateEdits = Field(default_factory=CandidateEdits)

    @field_validator("weights", mode="before")
    @classmethod
    def _weights(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        problems = weight_problems(value)
        if problems:
            raise ValueError("; ".join(problems))
        if value and all(float(v) == 0 for v in value.values()) and len(value) == len(CRITERIA):
            raise ValueError("the weights are all zero: give at least one criterion a weight > 0")
        return value

    def resolved_weights(self) -> dict[str, float]:
        """Return a weight for every criterion (see :func:`resolve_weights`).

        Returns
        -------
        dict of str to float
            Criterion -> weight, in the order of :data:`CRITERIA`.
        """
        return resolve_weights(self.weights)
