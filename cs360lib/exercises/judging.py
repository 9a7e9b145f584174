"""Reading a learner's answer as a value: numbers, shares, yes/no and choices.

Self-checks compare values, never the text of an answer: ``0.25``, ``"0.25"`` and ``25``
(read as a percentage where a share is asked) are the same answer, and ``"Guardians"`` is
the choice ``guardian``. Each reader returns the value, or raises :class:`AnswerFormatError`
with a sentence that says what form of answer the exercise expects (it never names the
expected value).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

from cs360lib.errors import Cs360Error

__all__ = [
    "AnswerFormatError",
    "as_bool",
    "as_choice",
    "as_number",
    "as_share",
    "close",
    "is_unset",
]

_TRUE = {"yes", "y", "true", "t", "1"}
_FALSE = {"no", "n", "false", "f", "0"}


class AnswerFormatError(Cs360Error):
    """An answer that cannot be read as the kind of value the exercise asks for."""


def is_unset(answer: Any) -> bool:
    """Return True for an answer the learner has not given yet.

    Parameters
    ----------
    answer : object
        The learner's answer.

    Returns
    -------
    bool
        True for ``...`` (the placeholder of the learner notebooks), ``None`` and blank text.
    """
    if answer is None or answer is Ellipsis:
        return True
    return isinstance(answer, str) and not answer.strip()


def as_number(answer: Any) -> float:
    """Read an answer as a finite number.

    Parameters
    ----------
    answer : int, float, numpy number or str
        A number, or text that reads as one (``"1,234"`` too). True and False are not numbers.

    Returns
    -------
    float

    Raises
    ------
    AnswerFormatError
        When the answer is not a finite number.
    """
    value: float | None = None
    if isinstance(answer, bool):
        value = None
    elif isinstance(answer, numbers.Real):
        value = float(answer)
    elif isinstance(answer, str):
        try:
            value = float(answer.strip().rstrip("%").replace(",", ""))
        except ValueError:
            value = None
    if value is None or not math.isfinite(value):
        raise AnswerFormatError(
            f"this exercise asks for a number (for example 12 or 0.35); got {answer!r}"
        )
    return value


def as_share(answer: Any) -> tuple[float, bool]:
    """Read an answer as a share between 0 and 1, accepting a percentage.

    Parameters
    ----------
    answer : number or str
        A share (0.42), or a percentage (42, ``"42%"``): a number above 1 and at most 100 is
        read as a percentage.

    Returns
    -------
    share : float
        The share, between 0 and 1.
    was_percent : bool
        True when the answer was read as a percentage.

    Raises
    ------
    AnswerFormatError
        When the answer is not a number, is negative or above 100.
    """
    percent = isinstance(answer, str) and answer.strip().endswith("%")
    value = as_number(answer)
    if value < 0 or value > 100:
        raise AnswerFormatError(
            f"this exercise asks for a share between 0 and 1 (or a percentage); got {answer!r}"
        )
    if percent or value > 1:
        return value / 100.0, True
    return value, False


def as_bool(answer: Any) -> bool:
    """Read a yes/no answer.

    Parameters
    ----------
    answer : bool, numpy bool or str
        True/False, or text such as ``"yes"``, ``"no"``, ``"true"``.

    Returns
    -------
    bool

    Raises
    ------
    AnswerFormatError
        When the answer is not a yes or a no.
    """
    if isinstance(answer, bool):
        return answer
    if getattr(getattr(answer, "dtype", None), "kind", "") == "b":  # a numpy bool scalar
        return bool(answer)
    if isinstance(answer, str):
        text = answer.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise AnswerFormatError(f"this exercise asks for True or False (yes or no); got {answer!r}")


def as_choice(answer: Any, choices: Iterable[str]) -> str:
    """Read an answer as one of a few choices.

    Parameters
    ----------
    answer : str
        A choice, in any case, singular or plural (``"Guardians"`` is ``guardian``), or the
        letter of the choice in the order given (``"b"``).
    choices : iterable of str
        The choices, lower case.

    Returns
    -------
    str
        The choice.

    Raises
    ------
    AnswerFormatError
        When the answer is none of the choices.
    """
    options = list(choices)
    if isinstance(answer, str):
        text = answer.strip().lower().rstrip(".")
        letters = {chr(ord("a") + i): c for i, c in enumerate(options)}
        for candidate in (text, text[:-1] if text.endswith("s") else text):
            if candidate in options:
                return candidate
        if text in letters:
            return letters[text]
    raise AnswerFormatError(f"this exercise asks for one of {', '.join(options)}; got {answer!r}")


def close(value: float, expected: float, tolerance: float) -> bool:
    """Return True when ``value`` is within ``tolerance`` (absolute) of ``expected``.

    Parameters
    ----------
    value, expected : float
    tolerance : float
        Absolute tolerance, in the unit of the values.

    Returns
    -------
    bool
    """
    return abs(value - expected) <= tolerance + 1e-12
