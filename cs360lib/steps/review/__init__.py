"""Lessons learned (CS360 step 4): was each response carried out, did it work, what next.

One module per concern, one call per section of notebook 04:

- :mod:`.process`: process evaluation from the actions log (actions, owners, when, where,
  dosage against the plan, the fidelity verdict) -> :class:`ProcessEvaluation`;
- :mod:`.counts` and :mod:`.survey`: the impact of a response on a count measure (ITS,
  controlled ITS, WDD, pre-post) and on a survey score (change in the mean, by area and group,
  difference in differences) -> :class:`SurveyChange`;
- :mod:`.impact`: every measure of the plan with the design the plan chose (or the design
  assistant's recommendation), one sentence each -> :class:`Impact`;
- :mod:`.dashboard`: police and community measures side by side for each CS360 goal ->
  :class:`Dashboard`;
- :mod:`.adapt`: continue, adjust or replace by stated rules, the team's overrides, the
  narrative -> :class:`Decisions`;
- :mod:`.log`: the lessons-learned log, appended at each review, and what earlier cycles tried
  -> :class:`LogEntry`, :class:`PreviousCycles`.

:func:`review` runs the first five in one call (for scripts and tests); the notebook calls them
one per section. See ``docs/review.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cs360lib.config.engagement import Engagement
from cs360lib.data.loaders import LoadResult
from cs360lib.steps.review._common import MARKS, better_direction, mark_of, review_date
from cs360lib.steps.review.adapt import RULES, Decisions, decide, propose
from cs360lib.steps.review.dashboard import PROVIDERS, Dashboard, dashboard
from cs360lib.steps.review.impact import ANALYSES, Impact, impact, response_designs
from cs360lib.steps.review.log import (
    LogEntry,
    PreviousCycles,
    log_path,
    previous_cycles,
    read_log,
    record,
)
from cs360lib.steps.review.process import (
    FIDELITY_SHARE,
    VERDICTS,
    ProcessEvaluation,
    fidelity,
    planned_to_date,
    process_evaluation,
)
from cs360lib.steps.review.survey import SurveyChange, mean_change, survey_change

__all__ = [
    "ANALYSES",
    "FIDELITY_SHARE",
    "MARKS",
    "PROVIDERS",
    "RULES",
    "VERDICTS",
    "Dashboard",
    "Decisions",
    "Impact",
    "LogEntry",
    "PreviousCycles",
    "ProcessEvaluation",
    "Review",
    "SurveyChange",
    "better_direction",
    "dashboard",
    "decide",
    "fidelity",
    "impact",
    "log_path",
    "mark_of",
    "mean_change",
    "planned_to_date",
    "previous_cycles",
    "process_evaluation",
    "propose",
    "read_log",
    "record",
    "response_designs",
    "review",
    "review_date",
    "survey_change",
]


@dataclass(frozen=True)
class Review:
    """The lessons-learned review of an engagement, section by section.

    Attributes
    ----------
    process : ProcessEvaluation
        Was each response carried out as planned?
    impact : Impact
        Did each measure change? (its ``survey`` attribute holds the survey by area and group)
    dashboard : Dashboard
        Police and community measures by CS360 goal.
    decisions : Decisions
        Continue, adjust or replace, with the narrative.
    """

    process: ProcessEvaluation
    impact: Impact
    dashboard: Dashboard
    decisions: Decisions


def review(
    engagement: Engagement,
    sources: Mapping[str, LoadResult],
    *,
    as_of: object = None,
    alpha: float = 0.05,
) -> Review:
    """Run the review's sections in one call (the log is not written: see :func:`record`).

    Parameters
    ----------
    engagement : Engagement
        The engagement.
    sources : mapping of str to LoadResult
        Its loaded sources (``load_engagement``).
    as_of : date-like, optional
        The review date (default :func:`review_date`).
    alpha : float, default 0.05
        One minus the confidence level of every interval.

    Returns
    -------
    Review
        The process evaluation, the impact, the dashboard and the decisions.
    """
    as_of = as_of if as_of is not None else review_date(engagement, sources)
    process = process_evaluation(engagement, sources, as_of=as_of)
    effects = impact(engagement, sources, as_of=as_of, alpha=alpha, process=process)
    return Review(
        process=process,
        impact=effects,
        dashboard=dashboard(engagement, effects),
        decisions=decide(engagement, process, effects),
    )
