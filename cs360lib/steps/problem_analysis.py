"""Problem analysis of the chosen problem: where, when, and how it repeats (notebook 03).

Once the problem is chosen, the Problem-Solving Team asks where its events concentrate, when
they happen, and whether they repeat at the same places or near them. Each question is one
call on the engagement and its loaded sources, and returns a result built for publication:
its frame holds aggregate counts that it declares (:attr:`Result.count_columns`), so that the
stakeholder report hides small counts, and its summary and chart are drawn from those
published numbers.

- :func:`places`: concentration of the problem's events over places (the 80-20 table of the
  POP Center and Esri's 80-20 tool, with the Gini and generalized Gini: Eck, Lee, O and
  Martinez 2017; Bernasco and Steenbeek 2017), the places with the most events, and the
  Getis-Ord Gi* hot cells on a grid (false discovery rate controlled) drawn as a map no finer
  than the engagement's ``location_precision``.
- :func:`times`: events by hour and day of the week, and the seasonal index of each calendar
  month (Ratcliffe 2004, *Hot spot detective*; Boba Santos 2017, *Crime Analysis with Crime
  Mapping*, ch. 9).
- :func:`repeats` (from :mod:`cs360lib.steps.problem_repeats`): repeat locations (repeat
  rate, time to repeat; Farrell and Pease 1993) and the near-repeat test (Knox test with
  Monte Carlo significance, as in Ratcliffe's Near Repeat Calculator).

The methods are those of :mod:`cs360lib.analysis`; this module reads the engagement (the
problem's filter and window, the grid cell size, the publishing rules) and shapes their
results for the two reports. An engagement without coordinates still runs: concentration
and repeats by block address (or beat), and the summary says what the map and the
near-repeat test would need.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cs360lib.analysis import concentration, hotspots
from cs360lib.analysis._format import count_text
from cs360lib.analysis.hotspots import CATEGORIES, CATEGORY_COLORS
from cs360lib.analysis.maps import cell_map
from cs360lib.analysis.time_patterns import WEEKDAYS, hour_weekday, seasonality
from cs360lib.config.engagement import Engagement
from cs360lib.config.publishing import LocationPrecision
from cs360lib.data.loaders import LoadResult
from cs360lib.data.schemas import kind_info
from cs360lib.errors import AnalysisInputError
from cs360lib.publish.charts import count_axis
from cs360lib.publish.results import Counts, Result, is_shown, say_count
from cs360lib.publish.tables import presentation_table

from ._problem import PLACE_COLUMNS, closing_lines, place_column, place_noun, the_problem
from .problem_repeats import ProblemRepeats, repeats

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

    from cs360lib.publish.publication import Publication
    from cs360lib.publish.tables import PresentationTable

__all__ = [
    "PLACE_COLUMNS",
    "ProblemPlaces",
    "ProblemRepeats",
    "ProblemTimes",
    "map_decimals",
    "precision_metres",
    "places",
    "repeats",
    "times",
]

TOP_PLACES = 10
"""Places with the most events drawn and listed."""

_METRES_PER_DEGREE = 111_320.0
"""Length of one degree of latitude, metres (the equirectangular approximation of the
privacy module)."""


def precision_metres(precision: LocationPrecision | str) -> int | None:
    """Return the finest distance a published location may resolve, metres.

    Parameters
    ----------
    precision : LocationPrecision or str
        The engagement's ``publishing.location_precision``.

    Returns
    -------
    int or None
        ``block``: 100 (the 100 m grid of the privacy rules, docs/privacy.md); ``grid:N``: N;
        ``beat`` and ``district``: None (no coordinates are published).
    """
    level = LocationPrecision.parse(precision)
    if level.level in ("beat", "district"):
        return None
    return 100 if level.level == "block" else int(level.grid_metres or 100)


def map_decimals(precision: LocationPrecision | str, lat: float = 0.0) -> int | None:
    """Return the decimal places a published map may keep in its coordinates.

    Parameters
    ----------
    precision : LocationPrecision or str
        The engagement's ``publishing.location_precision``.
    lat : float, default 0
        Latitude of the map, degrees: a degree of longitude is ``cos(lat)`` times shorter
        than at the equator, so the step of both coordinates is kept at least
        :func:`precision_metres` long.

    Returns
    -------
    int or None
        The most decimals (at most 3) whose step in longitude is at least
        :func:`precision_metres` (``block`` at the equator: 3, about 111 m; at 38.6 degrees:
        2, as 0.001 degree of longitude is only 87 m there); None at ``beat`` or ``district``
        (no map is published).
    """
    metres = precision_metres(precision)
    if metres is None:
        return None
    degree = _METRES_PER_DEGREE * math.cos(math.radians(min(abs(lat), 89.0)))
    return max(0, min(3, math.floor(math.log10(degree / metres))))


# ----------------------------------------------------------------------------------- where


@dataclass(frozen=True)
class ProblemPlaces(Result):
    """Where the problem's events concentrate: 80-20 table, top places, hot cells.

    Attributes
    ----------
    frame : pandas.DataFrame
        The 80-20 table: one row per ``measure`` ("top 10% of blocks", "blocks holding 50%
        of events"), ``places`` (how many), ``places_share``, ``events`` (on them, a
        count) and ``events_share``.
    top : pandas.DataFrame
        The :data:`TOP_PLACES` places with the most events: ``rank``, the place column
        (``address``, ``beat`` or ``district``) and ``events``.
    cells : pandas.DataFrame or None
        The grid cells with events or a significant class: ``cell, lat_min, lat_max,
        lon_min, lon_max, events, z, category``; None without coordinates (or, on a
        published copy, when the location precision allows no map).
    place : str
        The place column.
    n_places, n_places_with_events, n_events : int
        Places (zeros included), places with at least one event, events placed.
    gini, generalized_gini : float
        Gini and generalized Gini of the events over the places.
    gini_interval, generalized_gini_interval : tuple of float or None
        Bootstrap 95% intervals.
    cell_size : float
        Side of the grid cells, metres.
    n_cells, n_hot : int
        Cells of the study area; significant hot cells.
    hot_share : float or None
        Share of the mapped events in hot cells (None without coordinates).
    missing : list of str
        What the data lack and which analysis it stops.
    """

    frame: pd.DataFrame
    top: pd.DataFrame
    cells: pd.DataFrame | None
    place: str
    n_places: int
    n_places_with_events: int
    n_events: int
    gini: float
    generalized_gini: float
    gini_interval: tuple[float, float] | None
    generalized_gini_interval: tuple[float, float] | None
    cell_size: float
    n_cells: int = 0
    n_hot: int = 0
    hot_share: float | None = None
    missing: list[str] = dataclasses.field(default_factory=list)
    labels = {
        "measure": "Places",
        "places": "Number of places",
        "places_share": "Share of places",
        "events": "Events",
        "events_share": "Share of events",
    }
    count_columns = (
        Counts(("events",), by=("measure",), totals=(), rates={"events_share": "events"}),
    )
    count_tables = {
        "top": (Counts(("events",), by=("rank",), totals=()),),
        "cells": (Counts(("events",), by=("cell",), totals=()),),
    }

    def to_frame(self) -> pd.DataFrame:
        """Return the 80-20 table (a copy)."""
        return self.frame.copy()

    def table(self) -> PresentationTable:
        """Return the 80-20 table in words, shares as percentages.

        Returns
        -------
        cs360lib.publish.tables.PresentationTable
            On a published copy, hidden counts show their marker and their share is blank.
        """
        source = self.publication.shown if self.publication is not None else self.frame
        noun = place_noun(self.place)
        out = pd.DataFrame(
            {
                "measure": [m.replace("places", noun) for m in self.frame["measure"]],
                "places": self.frame["places"].to_numpy(),
                "places_share": [f"{v:.1%}" for v in self.frame["places_share"]],
                "events": source["events"].to_numpy(),
                "events_share": [
                    f"{v:.1%}" if is_shown(v) else "–" for v in self.frame["events_share"]
                ],
            }
        )
        notes = self.publication.notes if self.publication is not None else ()
        labels = {**self.labels, "places": f"Number of {noun}", "places_share": f"Share of {noun}"}
        return presentation_table(out, labels=labels, notes=notes)

    def with_frame(self, frame: pd.DataFrame, publication: Publication) -> Result | None:
        """Rebuild from the published numbers; no map when the precision allows none."""
        copies = dict(publication.copies)
        if map_decimals(publication.rules.location_precision) is None:
            copies["cells"] = None
        return dataclasses.replace(self, frame=frame, publication=publication, **copies)

    def _row(self, measure: str) -> int:
        return int(np.flatnonzero(self.frame["measure"].to_numpy() == measure)[0])

    def summary(self) -> str:
        """Say how concentrated the events are, and where the hot cells are.

        Returns
        -------
        str
            The share of events on the top 10% of places, how few places hold half of them,
            the Gini, and the hot cells; counts as published.
        """
        noun = place_noun(self.place)
        top10, half = self._row("top 10% of places"), self._row("places holding 50% of events")
        share = self.frame["events_share"].iloc[top10]
        share_words = f"{share:.0%} of the events" if is_shown(share) else "a hidden share"
        text = (
            f"{count_text(self.n_events, 'event')} of the problem fell on "
            f"{self.n_places_with_events:,} of {self.n_places:,} {noun}. The top 10% of {noun} "
            f"({self.frame['places'].iloc[top10]:,}) hold {share_words} "
            f"({say_count(self.shown('events', top10))}), and half of all events happen on "
            f"{self.frame['places'].iloc[half]:,} {noun}. "
            "The Gini coefficient, from 0 (every place has the same number of events) to 1 "
            f"(all events in one place), is {self.gini:.2f}{_interval(self.gini_interval)}"
        )
        if self.n_places > self.n_events:
            text += (
                f"; with more {noun} than events the generalized Gini (Bernasco and Steenbeek "
                f"2017) is the fairer measure: {self.generalized_gini:.2f}"
                f"{_interval(self.generalized_gini_interval)}"
            )
        lines = [text + "."]
        if self.hot_share is not None:
            size = f"{self.cell_size:g} m"
            if self.n_hot:
                lines.append(
                    f"On a grid of {size} cells, {count_text(self.n_hot, 'cell')} "
                    f"{'is a hot spot' if self.n_hot == 1 else 'are hot spots'} (Getis-Ord Gi*, "
                    "allowing for the number of cells tested): each, with its neighbours, has "
                    "clearly more events than the average cell, and together they hold "
                    f"{self.hot_share:.0%} of the events."
                )
            else:
                lines.append(
                    f"On a grid of {size} cells no cell is a clear hot spot once the number "
                    "of cells tested is allowed for."
                )
        if self.publication is not None and self.cells is None and self.hot_share is not None:
            lines.append(
                "The map of the hot cells is in the analyst report: this report's location "
                "precision publishes no coordinates."
            )
        return "\n\n".join([*lines, *closing_lines(self.warnings, self.missing)])

    def chart(self) -> alt.TopLevelMixin:
        """Bars of the places with the most events, beside the map of hot cells.

        Returns
        -------
        altair.TopLevelMixin
            On a published copy a hidden count is a missing bar, and the map shows no place
            finer than the location precision: cells at least :func:`precision_metres` wide
            are drawn as they are (each is an area that size), finer cells are snapped to
            :func:`map_decimals` and merged; no map at all at beat or district.
        """
        import altair as alt

        noun = place_noun(self.place)
        top = self.top
        if self.place in top.columns:
            label = top[self.place].astype("string").fillna("(not published)")
        else:
            label = "#" + top["rank"].astype(str)
        bars = (
            alt.Chart(
                pd.DataFrame({"place": label, "events": top["events"], "rank": top["rank"]}),
                title=f"The {len(top)} {noun} with the most events",
            )
            .mark_bar()
            .encode(
                y=alt.Y("place:N", sort=alt.SortField("rank"), title=None),
                x=alt.X("events:Q", title="Events", axis=count_axis()),
                tooltip=[alt.Tooltip("place:N", title="Place"), alt.Tooltip("events:Q")],
            )
            .properties(width=260)
        )
        if self.cells is None or self.cells.empty:
            return bars
        decimals = None
        rules = self.publication.rules.location_precision if self.publication else None
        if rules is not None and self.cell_size < (precision_metres(rules) or 0):
            lat = float((self.cells["lat_min"].mean() + self.cells["lat_max"].mean()) / 2)
            decimals = map_decimals(rules, lat)  # cells finer than the precision: snapped
        used = [c for c in CATEGORIES if c in set(self.cells["category"])]
        hot_map = cell_map(
            self.cells,
            "category",
            title=f"Hot spots ({self.cell_size:g} m cells, Gi*, false discovery rate controlled)",
            value_title="Cell",
            categories=used,
            colors=[CATEGORY_COLORS[CATEGORIES.index(c)] for c in used],
            rank="z",
            tooltip=[("category", "Class")],
            precision=decimals,
        )
        return alt.hconcat(bars, hot_map)


def _interval(ci: tuple[float, float] | None) -> str:
    return "" if ci is None else f" (95% interval {ci[0]:.2f} to {ci[1]:.2f})"


def places(
    engagement: Engagement,
    sources: Mapping[str, LoadResult],
    *,
    place: str | None = None,
    n_boot: int = 999,
    alpha: float = 0.05,
    seed: int = 0,
) -> ProblemPlaces:
    """Analyse where the chosen problem's events happen.

    Parameters
    ----------
    engagement : Engagement
        The engagement: its ``problem`` (source and filter), ``analysis`` window and
        ``analysis.cell_size`` (metres).
    sources : mapping of str to LoadResult
        Its loaded sources (``cs.load_engagement``).
    place : str, optional
        Place column; by default the first of :data:`PLACE_COLUMNS` the events have. Every
        value of it in the whole source (any offense) is a place that could have had an
        event, so places without one count as zeros.
    n_boot : int, default 999
        Bootstrap resamples of the Gini intervals.
    alpha : float, default 0.05
        False discovery rate of the hot cells.
    seed : int, default 0
        Seed of the bootstrap.

    Returns
    -------
    ProblemPlaces

    Raises
    ------
    PlanError
        When the engagement has no problem, its source did not load, or no event matches the
        problem in the analysis window.
    AnalysisInputError
        When the events have no place column.
    """
    name, events, every = the_problem(engagement, sources)
    column = place_column(events, place)
    known = every[column].dropna().unique() if column in every.columns else None
    conc = concentration(events, place=column, places=known, n_boot=n_boot, seed=seed)
    counted = conc.to_frame()
    top = counted.head(TOP_PLACES)[["rank", column, "events"]].reset_index(drop=True)
    eighty = conc.eighty_twenty()[["measure", "places", "places_share", "events"]].copy()
    eighty["events_share"] = eighty["events"] / max(conc.n_events, 1)
    notes, missing = list(conc.warnings), []
    cells, n_cells, n_hot, hot_share = None, 0, 0, None
    size = engagement.analysis.cell_size
    located = events[["lat", "lon"]].dropna() if {"lat", "lon"} <= set(events.columns) else None
    if located is None or len(located[(located["lat"] != 0) | (located["lon"] != 0)]) < 3:
        missing.append(
            f"The {name} have no usable coordinates (lat/lon), so there is no hot-spot map: "
            "geocode the source or map its latitude and longitude columns to lat and lon."
        )
    else:
        area = every[["lat", "lon"]] if {"lat", "lon"} <= set(every.columns) else None
        hot = hotspots(events, cell_size=size, study_area=area, alpha=alpha)
        notes += hot.warnings
        c = hot.cells
        keep = (c["events"] > 0) | c["significant"]
        cells = c.loc[
            keep, ["cell", "lat_min", "lat_max", "lon_min", "lon_max", "events", "z", "category"]
        ].reset_index(drop=True)
        hot_cells = hot.hot_cells()
        n_cells, n_hot = len(c), len(hot_cells)
        hot_share = float(hot_cells["events"].sum()) / max(hot.n_events, 1)
    return ProblemPlaces(
        frame=eighty,
        top=top,
        cells=cells,
        place=column,
        n_places=conc.n_places,
        n_places_with_events=conc.n_places_with_events,
        n_events=conc.n_events,
        gini=conc.gini,
        generalized_gini=conc.generalized_gini,
        gini_interval=conc.gini_interval,
        generalized_gini_interval=conc.generalized_gini_interval,
        cell_size=size,
        n_cells=n_cells,
        n_hot=n_hot,
        hot_share=hot_share,
        missing=missing,
        warnings=[*notes, *missing],
    )


# ------------------------------------------------------------------------------------ when


@dataclass(frozen=True)
class ProblemTimes(Result):
    """When the problem's events happen: hour by day of the week, and the seasons.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per day of the week and hour: ``weekday``, ``hour`` (0-23), ``events``.
    months : pandas.DataFrame
        One row per calendar month: ``month`` (name), ``events``, ``days`` (days of data),
        ``daily_rate`` and ``index`` (daily rate over the overall daily rate).
    n_events : int
        Events counted.
    peak_hour, busiest_hours, busiest_day, quietest_day : str
        The busiest hour of the week ("Fridays 21:00-22:00"), the busiest hour of the day
        over the week, the busiest and quietest days.
    busiest_day_share, evening_share : float
        Share of the events on the busiest day, and between 18:00 and midnight.
    n_months : int
        Complete months behind the seasonal index.
    """

    frame: pd.DataFrame
    months: pd.DataFrame
    n_events: int
    peak_hour: str
    busiest_hours: str
    busiest_day: str
    quietest_day: str
    busiest_day_share: float
    evening_share: float
    n_months: int
    labels = {"weekday": "Day", "hour": "Hour", "events": "Events"}
    count_columns = (Counts(("events",), by=("weekday", "hour"), totals=()),)
    count_tables = {
        "months": (
            Counts(
                ("events",),
                by=("month",),
                totals=(),
                rates={"daily_rate": "events", "index": "events"},
            ),
        )
    }

    def to_frame(self) -> pd.DataFrame:
        """Return the counts by day of the week and hour (a copy)."""
        return self.frame.copy()

    def table(self) -> PresentationTable:
        """Return the counts with one row per day and one column per hour (``00`` to ``23``).

        Returns
        -------
        cs360lib.publish.tables.PresentationTable
            On a published copy, hidden counts show their marker.
        """
        source = self.publication.shown if self.publication is not None else self.frame
        wide = source.pivot(index="weekday", columns="hour", values="events")
        wide = wide.reindex(list(WEEKDAYS))
        wide.columns = [f"{int(h):02d}" for h in wide.columns]
        notes = self.publication.notes if self.publication is not None else ()
        return presentation_table(
            wide.reset_index(names="weekday").astype(object), labels=self.labels, notes=notes
        )

    def summary(self) -> str:
        """Say when the events happen, in words.

        Returns
        -------
        str
            The busiest hour and day, the evening share, and the busiest and quietest months.
        """
        lines = [
            f"Of {count_text(self.n_events, 'event')}, the busiest hour of the week was "
            f"{self.peak_hour} and the busiest hour of the day, over the week, "
            f"{self.busiest_hours}. The busiest day was {self.busiest_day} "
            f"({self.busiest_day_share:.0%} of events) and the quietest {self.quietest_day}; "
            f"{self.evening_share:.0%} happened between 18:00 and midnight."
        ]
        index = self.months.dropna(subset=["index"])
        if len(index) >= 2 and self.n_months >= 12:
            hi, lo = index.loc[index["index"].idxmax()], index.loc[index["index"].idxmin()]
            lines.append(
                f"Over {self.n_months} complete months, the busiest calendar month was "
                f"{hi['month']}, {abs(hi['index'] - 1):.0%} above an average month, and the "
                f"quietest {lo['month']}, {abs(1 - lo['index']):.0%} below (events per day, "
                "so short months compare fairly)."
            )
        elif self.n_months < 12:
            lines.append(
                "Less than a year of complete months: no seasonal pattern can be read yet."
            )
        return "\n\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.TopLevelMixin:
        """Heat map of events by hour and day, above the seasonal index of each month.

        Returns
        -------
        altair.TopLevelMixin
            A hidden count (published copy) leaves its cell blank and its month without a bar.
        """
        import altair as alt

        heat = (
            alt.Chart(self.frame, title="Events by hour of the day and day of the week")
            .mark_rect()
            .encode(
                x=alt.X("hour:O", title="Hour of the day"),
                y=alt.Y("weekday:N", sort=list(WEEKDAYS), title=None),
                color=alt.Color("events:Q", title="Events", scale=alt.Scale(scheme="blues")),
                tooltip=[
                    alt.Tooltip("weekday:N", title="Day"),
                    alt.Tooltip("hour:O", title="Hour"),
                    alt.Tooltip("events:Q", title="Events"),
                ],
            )
            .properties(width=480, height=170)
        )
        months = self.months.dropna(subset=["index"])
        if months.empty:
            return heat
        season = (
            alt.Chart(months[["month", "index"]], title="Seasonal index (1 = an average month)")
            .mark_bar()
            .encode(
                x=alt.X("month:N", sort=list(self.months["month"]), title=None),
                y=alt.Y("index:Q", title="Events per day / average"),
            )
            .properties(width=480, height=140)
        )
        rule = alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(strokeDash=[4, 3]).encode(y="y:Q")
        return alt.vconcat(heat, season + rule)


def times(engagement: Engagement, sources: Mapping[str, LoadResult]) -> ProblemTimes:
    """Analyse when the chosen problem's events happen.

    Parameters
    ----------
    engagement : Engagement
        The engagement (its ``problem`` and ``analysis`` window).
    sources : mapping of str to LoadResult
        Its loaded sources.

    Returns
    -------
    ProblemTimes

    Raises
    ------
    PlanError
        When the engagement has no problem or no event matches it in the window.
    AnalysisInputError
        When the problem's source has no event time.
    """
    name, events, _ = the_problem(engagement, sources)
    time = kind_info(engagement.sources[name].kind).time
    if time is None or time not in events.columns:
        raise AnalysisInputError(f"{name} has no event time: the problem cannot be timed")
    week = hour_weekday(events, time_col=time)
    counts = week.counts
    frame = week.to_frame()[["weekday", "hour", "events"]]
    by_day = counts.sum(axis=1)
    total = max(int(by_day.sum()), 1)
    seasons = seasonality(events, time_col=time)
    by_hour = counts.sum(axis=0).to_numpy()
    k = int(np.argmax(counts.to_numpy().ravel()))
    peak = f"{WEEKDAYS[k // 24]}s {k % 24:02d}:00-{(k % 24 + 1) % 24:02d}:00"
    h = int(np.argmax(by_hour))
    return ProblemTimes(
        frame=frame,
        months=seasons.index.copy(),
        n_events=week.n_events,
        peak_hour=peak,
        busiest_hours=f"{h:02d}:00-{(h + 1) % 24:02d}:00",
        busiest_day=str(by_day.idxmax()),
        quietest_day=str(by_day.idxmin()),
        busiest_day_share=float(by_day.max()) / total,
        evening_share=float(counts.to_numpy()[:, 18:24].sum()) / total,
        n_months=len(seasons.monthly),
        warnings=[*week.warnings, *seasons.warnings],
    )
