"""A response of the Problem-Solving Team and its plan, as the engagement file writes it.

See ``docs/engagement.md`` (Responses). The checks that need the rest of the file (the areas
and metrics a response names, areas that share values) are made here with what the engagement
has validated so far; the ones that need the data or the community map are made by
:func:`cs360lib.steps.plan.response_plan`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from cs360lib.config._base import _Issue, _issues, _Strict, known_in

__all__ = ["DESIGN_IDS", "ROLE_DEFAULTS", "PlannedDosage", "Response"]

DESIGN_IDS: tuple[str, ...] = ("its_comparison", "its", "pre_post_comparison", "pre_post")
"""Evaluation designs a response may name (Eck 2002, strongest first); the evaluation-design
assistant (:mod:`cs360lib.steps.design`) recommends one of them when the response names none."""

DesignId = Literal["its_comparison", "its", "pre_post_comparison", "pre_post"]


class PlannedDosage(_Strict):
    """How much of a response is planned, in one unit of the actions log.

    Attributes
    ----------
    dosage : float
        The amount planned (above 0), in ``unit``.
    unit : str
        The unit, as the actions log writes it in ``dosage_unit`` (``officer hours``,
        ``lights repaired``, ``weekends``); compared without regard to case or spacing.
    per : {"total", "week", "month", "year"}
        ``total`` (default): the amount over the whole response; otherwise the amount per
        week, month or year while the response runs (the review multiplies it by the
        response's length up to the review).
    """

    dosage: float = Field(gt=0)
    unit: str = Field(min_length=1)
    per: Literal["total", "week", "month", "year"] = "total"

    @field_validator("unit")
    @classmethod
    def _unit_text(cls, value: str) -> str:
        text = " ".join(value.split())
        if not text:
            raise ValueError("give the unit of the planned dosage (e.g. officer hours)")
        return text


ROLE_DEFAULTS: dict[str, str] = {"comparison": "comparison", "displacement": "displacement"}
"""A response's comparison and displacement areas when it names none: the areas of these
names, when the engagement defines them (write ``comparison: null`` for none)."""


class Response(_Strict):
    """A response of the Problem-Solving Team, with its plan.

    Attributes
    ----------
    name : str
        The response's name (the ``response`` column of the actions log uses it).
    owner : str
        Who owns it: organisations of the community map (the stakeholders roster), joined by
        ``;``, ``,``, ``and``, ``&`` or ``with``; a YAML list is joined with ``"; "``. Checked
        against the roster by :func:`cs360lib.steps.plan.response_plan`.
    objectives : list of str
        What the response is to achieve, one objective a line.
    start, end : date
        First day under the response; last day (None while it runs).
    area : str
        The target area (a name from ``areas``).
    comparison, displacement : str or None
        The comparison area (like the target, without the response) and the displacement
        area (around the target, where crime may move). When the key is absent, the areas
        named ``comparison`` and ``displacement`` are used if the engagement defines them
        (:data:`ROLE_DEFAULTS`); write ``null`` for none.
    measures : list of str
        Names of the engagement's metrics that measure this response.
    expected_change : float or None
        The hoped-for change as a rate ratio (0.8 for a 20% drop); ``"-20%"`` is read as 0.8.
        The evaluation-design assistant uses it for the required duration.
    planned : list of PlannedDosage
        The dosage planned, one entry per unit of the actions log (``{dosage: 300, unit:
        officer hours}``; a single mapping is read as a list of one). The review's process
        evaluation compares the logged dosage with it.
    design : str or None
        The evaluation design the team chose (one of :data:`DESIGN_IDS`); None lets the
        review use the evaluation-design assistant's recommendation.
    recurring : bool
        True for a response that is on only during its logged actions (ceasefire weekends,
        crackdown days): the review evaluates it with an on/off indicator for the days of
        each action (an interrupted time series with episodes), not with a lasting step
        from ``start``.
    description : str
        Free text.
    """

    name: str
    owner: str = ""
    objectives: list[str] = Field(default_factory=list)
    start: dt.date
    end: dt.date | None = None
    area: str = "target"
    comparison: str | None = None
    displacement: str | None = None
    measures: list[str] = Field(default_factory=list)
    expected_change: float | None = None
    planned: list[PlannedDosage] = Field(default_factory=list)
    design: DesignId | None = None
    recurring: bool = False
    description: str = ""

    @field_validator("planned", mode="before")
    @classmethod
    def _planned_list(cls, value: Any) -> Any:
        if value is None:
            return []
        return [value] if isinstance(value, dict) else value

    @field_validator("planned")
    @classmethod
    def _one_entry_per_unit(cls, value: list[PlannedDosage]) -> list[PlannedDosage]:
        units = [p.unit.casefold() for p in value]
        twice = sorted({u for u in units if units.count(u) > 1})
        if twice:
            raise ValueError(
                f"the unit(s) {twice} are planned twice: give one entry per unit of the actions log"
            )
        return value

    @field_validator("owner", mode="before")
    @classmethod
    def _owners_joined(cls, value: Any) -> Any:
        if isinstance(value, list):
            return "; ".join(str(v).strip() for v in value if str(v).strip())
        return "" if value is None else value

    @field_validator("objectives", "measures", mode="before")
    @classmethod
    def _as_list(cls, value: Any) -> Any:
        if value is None:
            return []
        return [value] if isinstance(value, str) else value

    @field_validator("expected_change", mode="before")
    @classmethod
    def _ratio(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip().replace(" ", "")
            if text.endswith("%"):
                try:
                    return 1.0 + float(text[:-1]) / 100.0
                except ValueError:
                    pass
            raise ValueError(
                f"{value!r} is not a change: write a rate ratio (0.8 for a 20% drop) or a "
                "percentage (-20%)"
            )
        return value

    @field_validator("expected_change")
    @classmethod
    def _sensible_ratio(cls, value: float | None) -> float | None:
        if value is not None and (not value > 0 or value == 1):
            raise ValueError(
                f"{value} is not a hoped-for change: a rate ratio above 0 and other than 1 "
                "(0.8 for a 20% drop, 1.1 for a 10% rise)"
            )
        return value

    @model_validator(mode="after")
    def _checked(self, info: ValidationInfo) -> Response:
        found = []
        if self.end and self.end < self.start:
            found.append(_Issue(("end",), f"{self.end} is before start {self.start}"))
        if self.recurring and self.design is not None and not self.design.startswith("its"):
            found.append(
                _Issue(
                    ("design",),
                    "a recurring response is evaluated with an on/off indicator in an "
                    "interrupted time series: write design: its or its_comparison (or leave "
                    "it out)",
                    self.design,
                )
            )
        known = known_in(info)
        if known is not None:
            for role, default in ROLE_DEFAULTS.items():
                written = role in self.model_fields_set
                if not written and default != self.area and known.has_area(default):
                    setattr(self, role, default)
            found += known.area_issues(("area",), self.area)
            for role in ROLE_DEFAULTS:
                name = getattr(self, role)
                if name is None:
                    continue
                if name == self.area:
                    found.append(
                        _Issue(
                            (role,),
                            f"is the response's own area: a {role} area must be another area",
                            name,
                            value_first=True,
                        )
                    )
                    continue
                found += known.area_issues((role,), name)
            found += known.overlap_issues(self)
            for i, measure in enumerate(self.measures):
                found += known.metric_issues(("measures", i), measure)
        if found:
            raise _issues(found)
        return self

    def role_areas(self) -> dict[str, str]:
        """Return the response's areas by role.

        Returns
        -------
        dict of str to str
            ``{"target": area, "comparison": ..., "displacement": ...}``; roles without an
            area are left out.
        """
        roles = {"target": self.area, "comparison": self.comparison}
        roles["displacement"] = self.displacement
        return {role: name for role, name in roles.items() if name is not None}
