"""The self-check machinery: the engagement a workshop notebook works on, and the verdicts.

A workshop notebook's setup cell calls :func:`use` with the engagement and its loaded sources;
every later :func:`check` and :func:`ask` work on them. An exercise's expected answer is
computed from that engagement's data with the library (the same call the real notebook
makes), so the checks hold for any department, not only the sample.

The feedback follows the advice of the formative-assessment literature (Shute 2008, "Focus on
formative feedback", Review of Educational Research 78(1)): say whether the answer is right,
point to where the evidence is (a hint), and do not hand over the answer.
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cs360lib.config.engagement import Engagement
from cs360lib.data.loaders.result import LoadResult
from cs360lib.errors import Cs360Error
from cs360lib.exercises.judging import AnswerFormatError, is_unset

__all__ = [
    "STATUSES",
    "CheckResult",
    "Exercise",
    "Question",
    "Verdict",
    "WorkshopContext",
    "current",
    "use",
]

STATUSES = ("correct", "wrong", "not answered", "unavailable", "not set up", "unknown")
"""Every status a check can report."""


@dataclass
class WorkshopContext:
    """The engagement a workshop notebook works on, with the step results computed once.

    Parameters
    ----------
    engagement : Engagement
        The engagement (``cs.setup_notebook``).
    sources : mapping of str to LoadResult
        Its loaded sources (``cs.load_engagement``).
    """

    engagement: Engagement
    sources: Mapping[str, LoadResult]
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def cached(self, name: str, compute: Callable[[], Any]) -> Any:
        """Return the value stored under ``name``, computing it on first use.

        Parameters
        ----------
        name : str
            Cache key (a step result, e.g. ``"worksheet"``).
        compute : callable
            Computes the value; called once per context.

        Returns
        -------
        object
        """
        if name not in self._cache:
            self._cache[name] = compute()
        return self._cache[name]


@dataclass(frozen=True)
class Verdict:
    """What an exercise's judge found.

    Attributes
    ----------
    correct : bool
    message : str
        One or two sentences for the learner; never the expected answer.
    """

    correct: bool
    message: str = ""


@dataclass(frozen=True)
class Exercise:
    """One exercise of the workshop.

    Attributes
    ----------
    key : str
        ``"SS.N"``: the step's two digits and the exercise's number (``"02.1"``).
    title : str
        Short title.
    kind : str
        ``"call"`` (write the library call), ``"number"``, ``"share"``, ``"yes/no"`` or
        ``"choice"``.
    teaches : str
        What the exercise teaches (the facilitator guide lists it).
    hint : str
        Where to look; shown with a wrong or missing answer.
    question : callable
        ``question(context) -> str``: the question for this engagement (markdown).
    expected : callable
        ``expected(context) -> object``: the expected answer, computed from the data.
    judge : callable
        ``judge(context, answer, expected) -> Verdict``.
    subject : callable, optional
        ``subject(context) -> str``: what the question is about when the data choose it
        (the partner of ``01.1``), so that a solution cell can look it up.
    """

    key: str
    title: str
    kind: str
    teaches: str
    hint: str
    question: Callable[[WorkshopContext], str]
    expected: Callable[[WorkshopContext], Any]
    judge: Callable[[WorkshopContext, Any, Any], Verdict]
    subject: Callable[[WorkshopContext], str] | None = None


_MARKS = {
    "correct": "✅",
    "wrong": "❌",
    "not answered": "✏️",
    "unavailable": "⚠️",
    "not set up": "⚠️",
    "unknown": "⚠️",
}


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one self-check, as the notebook shows it.

    Attributes
    ----------
    key : str
        The exercise.
    status : str
        One of :data:`STATUSES`.
    message : str
        What the check found (never the expected answer).
    hint : str
        Where to look (empty for a correct answer).
    """

    key: str
    status: str
    message: str
    hint: str = ""

    @property
    def correct(self) -> bool:
        """True when the answer was accepted."""
        return self.status == "correct"

    def __str__(self) -> str:
        """Return the verdict as plain text."""
        mark = _MARKS.get(self.status, "")
        lines = [f"{mark} Exercise {self.key}: {self.status}. {self.message}"]
        if self.hint:
            lines.append(f"Hint: {self.hint}")
        return "\n".join(line.strip() for line in lines)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """Show the verdict as text and markdown, with a JSON copy that tests read."""
        text = str(self)
        markdown = (
            f"{_MARKS.get(self.status, '')} **Exercise {self.key}: {self.status}.** "
            f"{html.escape(self.message)}"
        )
        if self.hint:
            markdown += f"\n\n*Hint:* {html.escape(self.hint)}"
        return {
            "text/plain": text,
            "text/markdown": markdown,
            "application/json": {"exercise": self.key, "status": self.status},
        }


@dataclass(frozen=True)
class Question:
    """An exercise's question for this engagement, as the notebook shows it.

    Attributes
    ----------
    key : str
    text : str
        Markdown.
    subject : str
        What the question is about when the data choose it (a partner's organisation), or
        empty.
    """

    key: str
    text: str
    subject: str = ""

    def __str__(self) -> str:
        """Return the question as plain text."""
        return f"Exercise {self.key}: {self.text}"

    def _repr_markdown_(self) -> str:
        return f"**Exercise {self.key}.** {self.text}"


_CURRENT: list[WorkshopContext] = []


def use(engagement: Engagement, sources: Mapping[str, LoadResult]) -> WorkshopContext:
    """Set the engagement that :func:`check` and :func:`ask` work on in this kernel.

    Parameters
    ----------
    engagement : Engagement
        The notebook's engagement (``eng = cs.setup_notebook(...)``).
    sources : mapping of str to LoadResult
        Its loaded sources (``cs.load_engagement(eng)``).

    Returns
    -------
    WorkshopContext
        The context (its step results are computed on first use and kept).
    """
    context = WorkshopContext(engagement, sources)
    _CURRENT[:] = [context]
    return context


def current() -> WorkshopContext | None:
    """Return the context set by :func:`use`, or None before the setup cell ran."""
    return _CURRENT[0] if _CURRENT else None


def lookup(key: Any, exercises: Mapping[str, Exercise]) -> Exercise | CheckResult:
    """Return the exercise ``key``, or a :class:`CheckResult` that says it does not exist."""
    if isinstance(key, str) and key.strip() in exercises:
        return exercises[key.strip()]
    close = difflib.get_close_matches(str(key), list(exercises), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return CheckResult(
        str(key),
        "unknown",
        f"there is no exercise {key!r}; {hint}the exercises are {', '.join(exercises)}.",
    )


def run_check(exercise: Exercise, answer: Any, context: WorkshopContext | None) -> CheckResult:
    """Judge ``answer`` to ``exercise`` on ``context``; never raises for a learner's answer.

    Parameters
    ----------
    exercise : Exercise
    answer : object
        The learner's answer; ``...``, None or blank text is "not answered yet".
    context : WorkshopContext or None
        The engagement; None before the setup cell ran.

    Returns
    -------
    CheckResult
    """
    key = exercise.key
    if is_unset(answer):
        return CheckResult(
            key,
            "not answered",
            "not answered yet: replace the ... with your answer.",
            exercise.hint,
        )
    if context is None:
        return CheckResult(
            key,
            "not set up",
            "the workshop's setup cell has not run in this kernel: run the notebook from the "
            "top (the cell with cs.exercises.use(eng, sources)), then this cell again.",
        )
    try:
        expected = exercise.expected(context)
    except Cs360Error as error:
        return CheckResult(
            key,
            "unavailable",
            f"this exercise cannot be checked on this engagement's data: {error}",
        )
    try:
        verdict = exercise.judge(context, answer, expected)
    except AnswerFormatError as error:
        return CheckResult(key, "wrong", f"{error}.", exercise.hint)
    if verdict.correct:
        return CheckResult(key, "correct", verdict.message or "well done.")
    return CheckResult(key, "wrong", verdict.message or "not right yet.", exercise.hint)
