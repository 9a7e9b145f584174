"""Repeats of the chosen problem at the same places and near them (notebook 03).

:func:`repeats` measures repeat locations (how many places had more than one event, the share
of events that repeat, the time to repeat; Farrell and Pease 1993) with
:func:`cs360lib.analysis.repeats`, and runs the near-repeat test (the Knox test with Monte
Carlo significance of Ratcliffe's Near Repeat Calculator) with
:func:`cs360lib.analysis.near_repeat`. Its result declares the pairs of events it counts, so
the stakeholder report hides small ones. Reached as ``problem_analysis.repeats``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cs360lib.analysis import near_repeat
from cs360lib.analysis import repeats as repeat_places
from cs360lib.analysis._format import count_text
from cs360lib.analysis.near_repeat import comparison_text
from cs360lib.config.engagement import Engagement
from cs360lib.data.loaders import LoadResult
from cs360lib.data.schemas import kind_info
from cs360lib.errors import AnalysisInputError
from cs360lib.publish.results import Counts, Result, is_shown
from cs360lib.publish.tables import presentation_table

from ._problem import closing_lines, place_column, place_noun, the_problem

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

    from cs360lib.publish.tables import PresentationTable

__all__ = ["ProblemRepeats", "repeats"]


@dataclass(frozen=True)
class ProblemRepeats(Result):
    """Repeats at the same place, and near repeats (the Knox test).

    Attributes
    ----------
    frame : pandas.DataFrame or None-free frame
        One row per distance band and time band of the Knox test: ``space_band``,
        ``time_band``, ``observed`` (pairs of events), ``expected`` (pairs with no
        space-time interaction), ``ratio`` and ``p_value``, ``significant``. Empty (no
        rows) without coordinates.
    place : str
        The place column of the repeat analysis.
    n_places, n_repeat_places : int
        Places with an event, and with more than one.
    repeat_event_share : float
        Share of the events that came after an earlier one at the same place.
    median_days : float or None
        Median days from an event to the next at the same place.
    within_month : float or None
        Share of the repeats within 30 days.
    n_events, n_pairs, permutations : int
        Events and pairs of the Knox test; permutations behind its p-values.
    method : {"monte carlo", "normal"}
        How its p-values were found (:func:`cs360lib.analysis.near_repeat.knox_table`).
    alpha : float
        Level at which a band is called significant.
    space_order, time_order : tuple of str
        The bands, in order.
    missing : list of str
        What the data lack and which analysis it stops.
    """

    frame: pd.DataFrame
    place: str
    n_places: int
    n_repeat_places: int
    repeat_event_share: float
    median_days: float | None
    within_month: float | None
    n_events: int
    n_pairs: int
    permutations: int
    alpha: float
    space_order: tuple[str, ...] = ()
    time_order: tuple[str, ...] = ()
    missing: list[str] = dataclasses.field(default_factory=list)
    method: str = "monte carlo"
    labels = {
        "space_band": "Distance between events",
        "time_band": "Time between events",
        "observed": "Pairs",
        "expected": "Pairs expected",
        "ratio": "Knox ratio",
        "p_value": "p-value",
        "significant": "More than chance",
    }
    count_columns = (
        Counts(
            ("observed",), by=("space_band", "time_band"), totals=(), rates={"ratio": "observed"}
        ),
    )

    def to_frame(self) -> pd.DataFrame:
        """Return the Knox table (a copy)."""
        return self.frame.copy()

    def table(self) -> PresentationTable:
        """Return the Knox ratios as the Near Repeat Calculator shows them.

        Returns
        -------
        cs360lib.publish.tables.PresentationTable
            One row per distance band, one column per time band: the ratio of pairs observed
            to pairs expected, ``*`` for a clear excess; "none expected" where no pair could
            fall, and on a published copy "–" where the pairs are too few to publish.
        """
        if self.frame.empty:
            return presentation_table(
                pd.DataFrame({"note": ["No near-repeat test: the events have no coordinates."]})
            )
        cells = [
            _knox_cell(r, e, s)
            for r, e, s in zip(
                self.frame["ratio"], self.frame["expected"], self.frame["significant"], strict=True
            )
        ]
        wide = (
            self.frame.assign(cell=cells)
            .pivot(index="space_band", columns="time_band", values="cell")
            .reindex(index=list(self.space_order), columns=list(self.time_order))
        )
        wide.columns = [str(c) for c in wide.columns]
        notes = self.publication.notes if self.publication is not None else ()
        return presentation_table(
            wide.reset_index(names="space_band").astype(object), labels=self.labels, notes=notes
        )

    def summary(self) -> str:
        """Say how often the problem repeats at a place, and whether near repeats stand out.

        Returns
        -------
        str
            The repeat rate and time to repeat, then the near-repeat pattern (or its absence).
        """
        noun = place_noun(self.place)
        text = (
            f"{self.n_repeat_places:,} of the {self.n_places:,} {noun} with an event "
            f"({self.n_repeat_places / max(self.n_places, 1):.0%}) had more than one, and "
            f"{self.repeat_event_share:.0%} of all events came after an earlier one at the "
            "same place."
        )
        if self.median_days is not None:
            text += f" Half of the repeats came within {self.median_days:.0f} days"
            if self.within_month is not None:
                text += f", and {self.within_month:.0%} within a month"
            text += ": the time to act after a first event is short."
        lines = [text]
        if not self.frame.empty:
            near = self.frame[
                self.frame["significant"]
                & ~self.frame["space_band"].str.startswith("More")
                & ~self.frame["time_band"].str.startswith("More")
            ]
            base = (
                f"Near repeats: the {self.n_pairs:,} pairs of the {self.n_events:,} located "
                "events were compared, by distance and time apart, with "
                f"{comparison_text(self.method, self.permutations)}. "
            )
            if near.empty:
                lines.append(
                    base + "No distance and time band holds clearly more pairs than chance: "
                    "no sign of a near-repeat pattern."
                )
            else:
                closeness = [
                    (self.space_order.index(s), self.time_order.index(t))
                    for s, t in zip(near["space_band"], near["time_band"], strict=True)
                ]
                best = near.iloc[min(range(len(near)), key=closeness.__getitem__)]
                lines.append(
                    base + f"{count_text(len(near), 'band')} hold clearly more pairs than chance "
                    f"(p at most {self.alpha:g}), the closest {str(best['space_band']).lower()} "
                    f"and {best['time_band']} apart: after an event, nearby places run a raised "
                    "risk for a short time, which a quick response (warning neighbours, a "
                    "patrol) can use."
                )
        return "\n\n".join([*lines, *closing_lines(self.warnings, self.missing)])

    def chart(self) -> alt.TopLevelMixin:
        """Heat map of the Knox ratios; a significant band is marked with ``*``.

        Returns
        -------
        altair.TopLevelMixin
            Hidden pair counts (published copy) leave their band blank. Without coordinates,
            a note.
        """
        import altair as alt

        if self.frame.empty:
            note = pd.DataFrame({"text": ["No near-repeat test: the events have no coordinates"]})
            return alt.Chart(note).mark_text(size=13).encode(text="text:N")
        f = self.frame[["space_band", "time_band", "ratio", "significant"]].copy()
        f["ratio"] = pd.to_numeric(f["ratio"], errors="coerce").replace([np.inf, -np.inf], np.nan)
        f["label"] = [
            f"{r:.2f}{'*' if s else ''}" if pd.notna(r) else ""
            for r, s in zip(f["ratio"], f["significant"], strict=True)
        ]
        base = alt.Chart(
            f, title="Near repeats: pairs observed / pairs expected (* more than chance)"
        )
        base = base.properties(width=100 * len(self.time_order), height=30 * len(self.space_order))
        x = alt.X("time_band:N", sort=list(self.time_order), title="Time between events")
        y = alt.Y("space_band:N", sort=list(self.space_order), title="Distance between events")
        heat = base.mark_rect().encode(
            x=x,
            y=y,
            color=alt.Color(
                "ratio:Q",
                title="Knox ratio",
                scale=alt.Scale(scheme="redblue", domainMid=1, reverse=True),
            ),
        )
        return heat + base.mark_text(fontSize=11).encode(x=x, y=y, text="label:N")


def _knox_cell(ratio: object, expected: float, significant: bool) -> str:
    if not expected:
        return "none expected"
    if not is_shown(ratio) or not np.isfinite(float(ratio)):  # type: ignore[arg-type]
        return "–"
    return f"{float(ratio):.2f}{'*' if significant else ''}"  # type: ignore[arg-type]


def repeats(
    engagement: Engagement,
    sources: Mapping[str, LoadResult],
    *,
    place: str | None = None,
    space_bands: Sequence[float] = (100, 200, 300, 400, 500),
    time_bands: Sequence[float] = (14, 28, 42, 56),
    permutations: int = 99,
    alpha: float = 0.05,
    seed: int = 0,
) -> ProblemRepeats:
    """Analyse repeats of the chosen problem at the same places and near them.

    Parameters
    ----------
    engagement : Engagement
        The engagement (its ``problem`` and ``analysis`` window).
    sources : mapping of str to LoadResult
        Its loaded sources.
    place : str, optional
        Place column of the repeat analysis; by default the finest of address, beat and
        district the events have.
    space_bands, time_bands : sequence of float
        Knox bands, metres and days (the Near Repeat Calculator's defaults of 100 m and 14
        days, five and four bands).
    permutations : int, default 99
        Monte Carlo permutations of the Knox test.
    alpha : float, default 0.05
        Level at which a band is significant.
    seed : int, default 0
        Seed of the permutations.

    Returns
    -------
    ProblemRepeats

    Raises
    ------
    PlanError
        When the engagement has no problem or no event matches it in the window.
    AnalysisInputError
        When the events have no place column.
    """
    name, events, _ = the_problem(engagement, sources)
    column = place_column(events, place)
    time = kind_info(engagement.sources[name].kind).time
    rep = repeat_places(events, by=column, time_col=time)
    gaps = rep.gaps
    notes, missing = list(rep.warnings), []
    frame = pd.DataFrame(
        columns=[
            "space_band",
            "time_band",
            "observed",
            "expected",
            "ratio",
            "p_value",
            "significant",
        ]
    )
    n_events = n_pairs = 0
    method = "monte carlo"
    space_order: tuple[str, ...] = ()
    time_order: tuple[str, ...] = ()
    try:
        near = near_repeat(
            events,
            space_bands=space_bands,
            time_bands=time_bands,
            permutations=permutations,
            seed=seed,
            alpha=alpha,
            time_col=time,
        )
    except AnalysisInputError:
        missing.append(
            f"The {name} have no usable coordinates (lat/lon), so there is no near-repeat "
            "test: geocode the source or map its latitude and longitude columns to lat and lon."
        )
    else:
        notes += near.warnings
        frame = near.to_frame()[list(frame.columns)]
        n_events, n_pairs, method = near.n_events, near.n_pairs, near.method
        space_order, time_order = tuple(near.ratio.index), tuple(near.ratio.columns)
    return ProblemRepeats(
        frame=frame,
        place=column,
        n_places=rep.n_keys,
        n_repeat_places=rep.n_repeat_keys,
        repeat_event_share=rep.repeat_event_share,
        median_days=rep.median_days_to_repeat,
        within_month=float((gaps <= 30).mean()) if len(gaps) else None,
        n_events=n_events,
        n_pairs=n_pairs,
        permutations=permutations,
        alpha=alpha,
        space_order=space_order,
        time_order=time_order,
        missing=missing,
        method=method,
        warnings=[*notes, *missing],
    )
