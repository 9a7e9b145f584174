"""The CompStat360 metrics catalogue: dimensions, goals and indicators, shipped as data.

CompStat360 (CS360) measures performance in dimensions, each with goals and named indicators;
an agency collects **at least one measure per goal** of the dimensions it works in, mixing
outputs and outcomes, police and partner sources (National Policing Institute and Vera Institute
of Justice, the CompStat360 model, https://www.compstat360.org; summarised in ``DESIGN.md``).
The catalogue lives in ``cs360lib/config/metrics.yml`` (package data), so that a new indicator
is a line of YAML, not code. Each indicator is tagged ``output`` or ``outcome`` and ``police``
or ``partner`` (where its measures usually come from).

The engagement file refers to it: a metric may pick an indicator by id
(``indicator: crime_rates``) and take its goal and type from it, and ``dimensions: [1, 2]``
names the dimensions whose goals must each have a measure (checked by
:func:`cs360lib.steps.metrics.metrics_check`).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "CATALOGUE_FILE",
    "Catalogue",
    "Dimension",
    "Goal",
    "Indicator",
    "catalogue",
]

CATALOGUE_FILE = "metrics.yml"
"""Name of the catalogue file in the ``cs360lib.config`` package."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Indicator(_Frozen):
    """One CS360 indicator: a thing to measure, with the usual type and source of its measures.

    Attributes
    ----------
    id : str
        Stable id that engagement files use (``crime_rates``).
    name : str
        Display name (``Crime rates``).
    type : {"output", "outcome"}
        ``output``: what was done (patrol hours, referrals); ``outcome``: what changed (crime,
        trust).
    source : {"police", "partner"}
        Where its measures usually come from: the department's records, or a community or
        government partner (surveys, 311, public health).
    description : str
        One sentence.
    examples : list of str
        Measures an engagement might define for it.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    type: Literal["output", "outcome"]
    source: Literal["police", "partner"]
    description: str = ""
    examples: list[str] = Field(default_factory=list)


class Goal(_Frozen):
    """One CS360 goal of a dimension, with its indicators."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    indicators: list[Indicator] = Field(min_length=1)


class Dimension(_Frozen):
    """One CS360 dimension (1, 2 or 3) with its goals."""

    id: int = Field(ge=1)
    name: str
    goals: list[Goal] = Field(min_length=1)


class Catalogue(_Frozen):
    """The CS360 dimensions, goals and indicators.

    Attributes
    ----------
    dimensions : list of Dimension
        In order; goal and indicator ids are unique across the catalogue.
    """

    dimensions: list[Dimension] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Catalogue:
        seen: dict[str, list[str]] = {"dimension": [], "goal": [], "indicator": []}
        for d in self.dimensions:
            seen["dimension"].append(str(d.id))
            for g in d.goals:
                seen["goal"].append(g.id)
                seen["indicator"].extend(i.id for i in g.indicators)
        for what, ids in seen.items():
            twice = sorted({i for i in ids if ids.count(i) > 1})
            if twice:
                raise ValueError(f"{what} ids used twice in the catalogue: {twice}")
        return self

    @property
    def goals(self) -> dict[str, Goal]:
        """Every goal by id, in catalogue order."""
        return {g.id: g for d in self.dimensions for g in d.goals}

    @property
    def indicators(self) -> dict[str, Indicator]:
        """Every indicator by id, in catalogue order."""
        return {i.id: i for d in self.dimensions for g in d.goals for i in g.indicators}

    def dimension_of(self, goal: str) -> int:
        """Return the dimension of a goal.

        Parameters
        ----------
        goal : str
            A goal id (``prevent_crime``).

        Returns
        -------
        int
            The dimension's number.

        Raises
        ------
        KeyError
            For an unknown goal id.
        """
        for d in self.dimensions:
            if any(g.id == goal for g in d.goals):
                return d.id
        raise KeyError(goal)

    def goal_of(self, indicator: str) -> str:
        """Return the goal an indicator belongs to.

        Parameters
        ----------
        indicator : str
            An indicator id (``crime_rates``).

        Returns
        -------
        str
            The goal id (``prevent_crime``).

        Raises
        ------
        KeyError
            For an unknown indicator id.
        """
        for d in self.dimensions:
            for g in d.goals:
                if any(i.id == indicator for i in g.indicators):
                    return g.id
        raise KeyError(indicator)

    def to_frame(self) -> pd.DataFrame:
        """Return the catalogue as one row per indicator.

        Returns
        -------
        pandas.DataFrame
            Columns ``dimension``, ``dimension_name``, ``goal``, ``goal_name``, ``indicator``,
            ``indicator_name``, ``type``, ``source``, ``description``, ``examples``
            (``;``-separated), in catalogue order.
        """
        rows = [
            {
                "dimension": d.id,
                "dimension_name": d.name,
                "goal": g.id,
                "goal_name": g.name,
                "indicator": i.id,
                "indicator_name": i.name,
                "type": i.type,
                "source": i.source,
                "description": i.description,
                "examples": "; ".join(i.examples),
            }
            for d in self.dimensions
            for g in d.goals
            for i in g.indicators
        ]
        return pd.DataFrame(rows)


@cache
def catalogue() -> Catalogue:
    """Read the shipped CS360 metrics catalogue (``cs360lib/config/metrics.yml``).

    Returns
    -------
    Catalogue
        Validated once and cached: the same object on every call.
    """
    text = resources.files("cs360lib.config").joinpath(CATALOGUE_FILE).read_text("utf-8")
    return Catalogue.model_validate(yaml.safe_load(text))
