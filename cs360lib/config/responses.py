"""A response of the Problem-Solving Team and its plan, as the engagement file writes it.

See ``docs/engagement.md`` (Responses). The checks that need the rest of the file (the areas
and metrics a response names, areas that share values) are made here with what the engagement
has validated so far; the ones that need the data or the community map are made by
:func:`cs360lib.steps.plan.response_plan`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from cs360lib.config._base import _Issue, _issues, _Strict, known_in

__all__ = ["ROLE_DEFAULTS", "Response"]

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
    description: str = ""

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
