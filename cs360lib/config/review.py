"""The ``review:`` section of an engagement file: the team's decisions and the lessons log.

The lessons-learned review (notebook 04, :mod:`cs360lib.steps.review`) proposes for each
response a decision (continue, adjust or replace) by stated rules from the evidence. The
Problem-Solving Team has the last word: a decision written here, with its reason, replaces the
proposed one, and both are recorded in the lessons-learned log. See ``docs/review.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from cs360lib.config._base import _Issue, _issues, _Strict, known_in

__all__ = ["DECISIONS", "DEFAULT_LOG", "DecisionOverride", "Review"]

DECISIONS: tuple[str, ...] = ("continue", "adjust", "replace")
"""What the review may decide for a response (CompStat360 step 4, review and adapt)."""

DEFAULT_LOG = "lessons_learned.yml"
"""The lessons-learned log's file name when ``review.log`` is not given (next to the
engagement file)."""


class DecisionOverride(_Strict):
    """The team's own decision for one response, replacing the proposed one.

    Attributes
    ----------
    response : str
        The response's name (one of ``responses``).
    decision : {"continue", "adjust", "replace"}
        The team's decision.
    reason : str
        Why, in words a community member can read (required: an override without a reason is
        refused).
    by : str
        Who decided: a team or a role (never a person's name), e.g. ``Problem-Solving Team``.
    """

    response: str
    decision: Literal["continue", "adjust", "replace"]
    reason: str
    by: str = ""

    @field_validator("reason")
    @classmethod
    def _has_reason(cls, value: str) -> str:
        text = " ".join(value.split())
        if not text:
            raise ValueError(
                "give the reason for the team's decision: it is recorded in the lessons-learned "
                "log and read by the next cycle"
            )
        return text


class Review(_Strict):
    """What the lessons-learned review reads from the engagement file.

    Attributes
    ----------
    log : Path or None
        The lessons-learned log (YAML), relative to the engagement file; default
        :data:`DEFAULT_LOG` next to it. Appended at each review, never rewritten.
    decisions : list of DecisionOverride
        The team's decisions that replace the proposed ones, at most one per response.
    """

    log: Path | None = None
    decisions: list[DecisionOverride] = Field(default_factory=list)

    @field_validator("log")
    @classmethod
    def _resolve_log(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        context = info.context
        root = context.get("root") if isinstance(context, dict) else None
        if value is None or root is None or value.is_absolute():
            return value
        return root / value

    @field_validator("log")
    @classmethod
    def _yaml_file(cls, value: Path | None) -> Path | None:
        if value is not None and value.suffix.lower() not in (".yml", ".yaml"):
            raise ValueError(
                f"{str(value)!r} is not a YAML file: the lessons-learned log is written as YAML "
                "(e.g. lessons_learned.yml)"
            )
        return value

    @field_validator("decisions", mode="before")
    @classmethod
    def _as_list(cls, value: Any) -> Any:
        return [] if value is None else value

    @model_validator(mode="after")
    def _known_responses(self, info: ValidationInfo) -> Review:
        found = []
        seen: dict[str, int] = {}
        known = known_in(info)
        for i, override in enumerate(self.decisions):
            if override.response in seen:
                found.append(
                    _Issue(
                        ("decisions", i, "response"),
                        f"already has a decision in decisions.{seen[override.response]}: "
                        "one decision per response",
                        override.response,
                        value_first=True,
                    )
                )
            seen.setdefault(override.response, i)
            if known is not None:
                found += known.response_issues(("decisions", i, "response"), override.response)
        if found:
            raise _issues(found)
        return self
