"""What the engagement's section models share: the strict base model and problem reports.

A problem is reported as one pydantic error per problem, each at its own key path, which
:func:`cs360lib.config.engagement.format_problems` writes as ``key.path: message``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo
from pydantic_core import InitErrorDetails, PydanticCustomError

_ISSUE = "cs360"
_VALUE_ISSUE = "cs360_value"
_STATE = "_cs360_state"
"""Key of the validation context under which an engagement keeps what its sections hold."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Issue(NamedTuple):
    """One problem at a key path; ``value_first`` writes it as ``key 'value' message``."""

    loc: tuple[str | int, ...]
    message: str
    value: Any = None
    value_first: bool = False


def known_in(info: ValidationInfo) -> Any:
    """Return what the sections validated so far hold, or None outside an engagement.

    Parameters
    ----------
    info : pydantic.ValidationInfo
        The validation info of a section model's validator.

    Returns
    -------
    object or None
        The engagement's record of its sections (``cs360lib.config.engagement._Known``).
    """
    context = info.context
    return context.get(_STATE) if isinstance(context, dict) else None


def _issues(found: Iterable[_Issue]) -> ValidationError:
    """One pydantic error with a line per problem, each at its own key path."""
    details = []
    for issue in found:
        if issue.value_first:
            kind, message = _VALUE_ISSUE, f"{issue.value!r} {issue.message}"
        else:
            kind, message = _ISSUE, issue.message
        error = PydanticCustomError(kind, "{message}", {"message": message})
        details.append(InitErrorDetails(type=error, loc=issue.loc, input=issue.value))
    return ValidationError.from_exception_data("Engagement", details)
