"""The place analysis of a problem in one call: concentration, repeats, hot spots, near repeats.

:func:`place_analysis` runs every place method of this package on one set of events (the
chosen problem's incidents over a window) and collects the results. It works with what the
data hold: without coordinates it still measures concentration and repeats by block
address (or by beat or district when there is no address) and says, in ``missing`` and in
the summary, which analyses need what the data lack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from cs360lib.errors import AnalysisInputError
from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table

from ._input import check_frame, in_window, located, time_column
from .concentration import ConcentrationResult, concentration
from .hotspots import HotspotResult, hotspots
from .near_repeat import NearRepeatResult, near_repeat
from .repeats import RepeatResult, repeats

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

    from cs360lib.publish.tables import PresentationTable

__all__ = ["PLACE_COLUMNS", "PlaceAnalysis", "place_analysis"]

PLACE_COLUMNS: tuple[str, ...] = ("address", "beat", "district")
"""Place columns tried in order when none is named: the finest the data have."""


@dataclass(frozen=True)
class PlaceAnalysis(Result):
    """Result of :func:`place_analysis`.

    Attributes
    ----------
    place : str
        The place column used for concentration and repeats.
    concentration : ConcentrationResult
    repeats : RepeatResult or None
        Repeat locations; None when the place is a beat or district (too coarse).
    hotspots : HotspotResult or None
        None when the events have no coordinates.
    near_repeats : NearRepeatResult or None
        None when the events have no coordinates.
    missing : list of str
        What the data lack and which analyses it stops, in plain language.
    warnings : list of str
        The warnings of every part, and ``missing`` (keyword-only).
    """

    place: str
    concentration: ConcentrationResult
    repeats: RepeatResult | None = None
    hotspots: HotspotResult | None = None
    near_repeats: NearRepeatResult | None = None
    missing: list[str] = field(default_factory=list)
    labels = {"part": "Analysis", "measure": "Measure", "value": "Value"}

    def to_frame(self) -> pd.DataFrame:
        """Key figures: one row per measure (``part, measure, value``)."""
        c, r = self.concentration, self.repeats
        rows = [
            ("concentration", "events", c.n_events),
            ("concentration", f"places ({self.place})", c.n_places),
            ("concentration", "places with events", c.n_places_with_events),
            ("concentration", "share of events on the top 10% of places", _top10(c)),
            ("concentration", "gini", c.gini),
            ("concentration", "generalized gini", c.generalized_gini),
        ]
        if r is not None:
            rows += [
                ("repeats", "repeat rate", r.repeat_rate),
                ("repeats", "share of events that are repeats", r.repeat_event_share),
            ]
        if self.hotspots is not None:
            h = self.hotspots
            rows += [
                ("hot spots", "cells", len(h.cells)),
                ("hot spots", "hot cells", len(h.hot_cells())),
                ("hot spots", "share of events in hot cells", _hot_share(h)),
            ]
        if self.near_repeats is not None:
            rows.append(("near repeats", "significant bands", len(self.near_repeats.near_cells())))
        return pd.DataFrame(rows, columns=["part", "measure", "value"])

    def table(self) -> PresentationTable:
        """Return the key figures (shares and Gini to 2 decimals, counts whole)."""
        f = self.to_frame()
        f["value"] = [
            f"{v:.2f}" if isinstance(v, float) and not float(v).is_integer() else f"{int(v):,}"
            for v in f["value"]
        ]
        f["part"] = f["part"].str.capitalize()
        return presentation_table(f, labels=self.labels)

    def summary(self) -> str:
        """Join the summaries of every part (each with its warnings), then say what is missing.

        Returns
        -------
        str
            Paragraphs; a warning of this result that no part reported comes last.
        """
        parts = [p for p in self._parts() if p is not None]
        told = {w for p in parts for w in p.warnings} | set(self.missing)
        lines = zip(self.warnings, self.warning_lines(), strict=True)
        rest = [line for w, line in lines if w not in told]
        return "\n\n".join([*(p.summary() for p in parts), *self.missing, *rest])

    def _parts(self) -> tuple[Result | None, ...]:
        return (self.concentration, self.repeats, self.hotspots, self.near_repeats)

    def chart(self, *, precision: int | None = None) -> alt.VConcatChart:
        """Stack the charts of every part (maps follow ``precision``)."""
        import altair as alt

        charts: list[object] = [self.concentration.chart()]
        if self.repeats is not None:
            charts.append(self.repeats.chart())
        if self.hotspots is not None:
            charts.append(self.hotspots.chart(precision=precision))
        if self.near_repeats is not None:
            charts.append(self.near_repeats.chart())
        return alt.vconcat(*charts).resolve_scale(color="independent")


def _top10(c: ConcentrationResult) -> float:
    t = c.eighty_twenty()
    row = t.loc[t["measure"] == "top 10% of places"]
    if row.empty:
        k = max(1, round(0.1 * c.n_places))
        return float(c.counts.iloc[:k].sum() / c.n_events)
    return float(row["events_share"].iloc[0])


def _hot_share(h: HotspotResult) -> float:
    return float(h.hot_cells()["events"].sum() / max(h.n_events, 1))


def _place_column(events: pd.DataFrame, place: str | None) -> tuple[str, list[str]]:
    if place is not None:
        return place, []
    for col in PLACE_COLUMNS:
        if col in events.columns and events[col].notna().any():
            missing = []
            if col != "address":
                missing.append(
                    f"The events have no block address, so concentration is measured by {col}, "
                    "a much coarser unit, and repeat locations cannot be found: map the "
                    "source's block or address column to `address` for block-level results."
                )
            return col, missing
    raise AnalysisInputError(
        "the events have none of the place columns address, beat or district: map one of "
        "them, or pass place= with the name of a column that locates an event"
    )


def place_analysis(
    events: pd.DataFrame,
    *,
    place: str | None = None,
    places: Sequence[object] | pd.Index | None = None,
    cell_size: float = 250.0,
    study_area: pd.DataFrame | None = None,
    space_bands: Sequence[float] = (100, 200, 300, 400, 500),
    time_bands: Sequence[float] = (14, 28, 42, 56),
    permutations: int = 99,
    n_boot: int = 999,
    alpha: float = 0.05,
    seed: int = 0,
    start: object = None,
    end: object = None,
    time_col: str | None = None,
) -> PlaceAnalysis:
    """Run the place analysis of a problem: concentration, repeats, hot spots, near repeats.

    Parameters
    ----------
    events : pandas.DataFrame
        The problem's events (filtered to its offenses) as the loaders produce them.
    place : str, optional
        Place column for concentration and repeats; by default the first of
        :data:`PLACE_COLUMNS` the events have.
    places : sequence, optional
        Every place that could have had an event (see :func:`concentration`).
    cell_size : float, default 250
        Side of the hot-spot grid cells, metres.
    study_area : pandas.DataFrame, optional
        Points whose cells make up the hot-spot study area (see :func:`hotspots`).
    space_bands, time_bands : sequence of float
        Near-repeat bands, metres and days (see :func:`near_repeat`).
    permutations : int, default 99
        Near-repeat permutations.
    n_boot : int, default 999
        Bootstrap resamples for the Gini intervals.
    alpha : float, default 0.05
        Level (false discovery rate for hot spots) of every test.
    seed : int, default 0
        Seed of the bootstrap and the permutations.
    start, end : date-like, optional
        Window on the event time.
    time_col : str, optional
        Event-time column; by default the kind's own.

    Returns
    -------
    PlaceAnalysis

    Raises
    ------
    AnalysisInputError
        For a window without events or events with no place column at all.
    """
    events = check_frame(events)
    tcol = time_column(events, time_col)
    events = in_window(events, tcol, start, end)
    col, missing = _place_column(events, place)
    conc = concentration(events, place=col, places=places, n_boot=n_boot, seed=seed)
    rep = (
        None
        if col in PLACE_COLUMNS[1:]
        else repeats(events, by=col, time_col=tcol, start=start, end=end)
    )
    hot = near = None
    try:
        located(events, minimum=3)
    except AnalysisInputError:
        missing.append(
            "The events have no usable coordinates (lat/lon), so there is no hot-spot map and "
            "no near-repeat test: geocode the source or map its latitude and longitude columns "
            "to lat and lon."
        )
    else:
        hot = hotspots(events, cell_size=cell_size, study_area=study_area, alpha=alpha)
        near = near_repeat(
            events,
            space_bands=space_bands,
            time_bands=time_bands,
            permutations=permutations,
            seed=seed,
            alpha=alpha,
            time_col=tcol,
        )
    notes = list(conc.warnings)
    for part in (rep, hot, near):
        if part is not None:
            notes += part.warnings
    return PlaceAnalysis(
        place=col,
        concentration=conc,
        repeats=rep,
        hotspots=hot,
        near_repeats=near,
        missing=missing,
        warnings=list(dict.fromkeys([*notes, *missing])),
    )
