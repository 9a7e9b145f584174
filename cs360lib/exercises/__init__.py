"""Self-checks for the workshop notebooks: ``cs.exercises.check("02.1", answer)``.

A workshop notebook (``notebooks/workshop/``, built by ``cs360 workshop build``) runs the real
CS360 notebook's cells and adds exercises. Its setup cell calls :func:`use` with the
engagement and its sources; then, for each exercise::

    cs.exercises.ask("02.1")             # the question, for this department
    answer = ...                         # the learner's answer
    cs.exercises.check("02.1", answer)   # right or wrong, and a hint; never the solution

Answers are checked by value with tolerances (:mod:`.judging`), against expected answers
computed from the engagement's data with the library (:mod:`.catalogue`). An unset answer
(``...`` or ``None``) gets "not answered yet" and a hint, never a traceback.
"""

from __future__ import annotations

from typing import Any

from cs360lib.exercises.catalogue import EXERCISES, LEVERS
from cs360lib.exercises.core import (
    STATUSES,
    CheckResult,
    Exercise,
    Question,
    WorkshopContext,
    current,
    lookup,
    run_check,
    use,
)
from cs360lib.exercises.judging import AnswerFormatError

__all__ = [
    "EXERCISES",
    "LEVERS",
    "STATUSES",
    "AnswerFormatError",
    "CheckResult",
    "Exercise",
    "Question",
    "WorkshopContext",
    "ask",
    "check",
    "current",
    "expected",
    "use",
]


def check(key: str, answer: Any, *, context: WorkshopContext | None = None) -> CheckResult:
    """Check a learner's answer to one exercise.

    Parameters
    ----------
    key : str
        The exercise, ``"SS.N"`` (``"02.1"``); :data:`EXERCISES` lists them.
    answer : object
        The learner's answer: a value (number, share, True/False, a choice) or the result of
        a library call, as the exercise asks. ``...``, None or blank text is "not answered
        yet".
    context : WorkshopContext, optional
        The engagement to check against; default the one set by :func:`use`.

    Returns
    -------
    CheckResult
        Status ``correct``, ``wrong`` (with a hint), ``not answered`` (with a hint),
        ``unavailable`` (the engagement's data cannot support the exercise, with the reason),
        ``not set up`` (the setup cell has not run) or ``unknown`` (no such exercise). It
        never contains the expected answer.
    """
    found = lookup(key, EXERCISES)
    if isinstance(found, CheckResult):
        return found
    return run_check(found, answer, context if context is not None else current())


def ask(key: str, *, context: WorkshopContext | None = None) -> Question:
    """Return the question of one exercise, written for this engagement's data.

    Parameters
    ----------
    key : str
        The exercise (``"01.1"``).
    context : WorkshopContext, optional
        Default the one set by :func:`use`.

    Returns
    -------
    Question
        Shown as markdown in a notebook. When the setup cell has not run, or the data cannot
        support the exercise, the question says so instead.
    """
    found = lookup(key, EXERCISES)
    if isinstance(found, CheckResult):
        return Question(str(key), found.message)
    ctx = context if context is not None else current()
    if ctx is None:
        return Question(found.key, "run the notebook from the top first (the setup cell).")
    try:
        subject = found.subject(ctx) if found.subject is not None else ""
        return Question(found.key, found.question(ctx), subject)
    except Exception as error:  # noqa: BLE001 - a question must show, whatever the data
        return Question(found.key, f"this exercise cannot be asked on this engagement: {error}")


def expected(key: str, context: WorkshopContext) -> Any:
    """Return the expected answer of one exercise on one engagement (for trainers and tests).

    Parameters
    ----------
    key : str
        The exercise.
    context : WorkshopContext
        The engagement (:func:`use` returns one).

    Returns
    -------
    object
        The value the check compares with; for "write the call" exercises, the library's own
        result (for ``03.2``, the response whose comparison area is to be chosen).

    Raises
    ------
    KeyError
        For an unknown exercise.
    cs360lib.errors.Cs360Error
        When the engagement's data cannot support the exercise.
    """
    return EXERCISES[key].expected(context)
