"""What the problem analysis steps share: the problem's events, the place column, wording.

Private to :mod:`cs360lib.steps.problem_analysis` and :mod:`cs360lib.steps.problem_repeats`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from cs360lib.config.engagement import Engagement
from cs360lib.data.loaders import LoadResult
from cs360lib.errors import AnalysisInputError, PlanError

from ._engagement import problem_events

__all__ = ["PLACE_COLUMNS", "closing_lines", "place_column", "place_noun", "the_problem"]

PLACE_COLUMNS: tuple[str, ...] = ("address", "beat", "district")
"""Place columns tried in order: the block address first (the unit of place-based policing,
Weisburd 2015), then the beat and the district."""


def the_problem(
    engagement: Engagement, sources: Mapping[str, LoadResult]
) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """Return the problem's source name, its events in the analysis window, and every row of it.

    Raises
    ------
    PlanError
        When the engagement has no problem, its source did not load, or no row matches the
        problem's filter in the window (the message names the filter and the window).
    """
    name, events = problem_events(engagement, sources)
    if events.empty:
        problem = engagement.problem
        window = engagement.analysis
        raise PlanError(
            f"{engagement.path}: no {name} row matches the problem's filter "
            f"{problem.filter if problem else {}} between {window.start or 'the first row'} "
            f"and {window.end or 'the last row'}: check problem.filter (the values are "
            "matched exactly) and analysis.start/end"
        )
    return name, events, sources[name].data


def place_column(events: pd.DataFrame, place: str | None) -> str:
    """Return the place column: ``place`` when the events have it, else the finest they have.

    Raises
    ------
    AnalysisInputError
        For a ``place`` the events lack, or events with none of :data:`PLACE_COLUMNS`.
    """
    if place is not None:
        if place not in events.columns:
            raise AnalysisInputError(
                f"place column {place!r} is not in the events; they have {list(events.columns)}"
            )
        return place
    for column in PLACE_COLUMNS:
        if column in events.columns and events[column].notna().any():
            return column
    raise AnalysisInputError(
        "the problem's events have none of the place columns address, beat or district: map "
        "one of them in the source's mapping"
    )


def place_noun(place: str) -> str:
    """Plural noun of a place column (``address`` -> ``blocks``)."""
    return {"address": "blocks", "beat": "beats", "district": "districts"}.get(place, "places")


def closing_lines(warnings: list[str], missing: list[str]) -> list[str]:
    """Return what the data lack, then the other warnings, as the last lines of a summary."""
    return [*missing, *(f"Warning: {w}" for w in warnings if w not in missing)]
