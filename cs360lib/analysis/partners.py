"""Partner data beside police data, area by area, over the same period.

CS360 asks the Problem-Solving Team to look at the problem through partners' data too
(EMS runs, 311 requests, public-health counts). Partner point data are counted in the
same grid cells by :func:`cs360lib.analysis.hotspots.hotspots` (its ``partners``
argument); this module puts them side by side with police events by *area* (beat,
district, named area) for the same window: point sources are counted by their own area
column, and aggregate partner metrics (the ``partner_metrics`` kind: one value per
metric, period and area) are summed over the periods that start inside the window.

The rank correlation between the police count and each partner measure across areas
(Spearman) says whether the places that trouble the police also trouble the partner.

References
----------
Spearman, C. (1904). The proof and measurement of association between two things. *American
Journal of Psychology*, 15(1), 72-101.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from cs360lib.errors import AnalysisInputError
from cs360lib.publish.aggregate import top_with_other
from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table

from ._input import area_names, check_columns, check_frame, in_window, time_column

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

    from cs360lib.publish.tables import PresentationTable

__all__ = ["AreaCountsResult", "area_counts"]


def _sum_or_missing(values: pd.Series) -> float:
    """Add up the values of the areas drawn as one "other" bar; missing when none has data."""
    return float(values.sum(min_count=1))


_COUNT_UNITS = {"", "count", "counts", "number", "calls", "events", "requests", "runs"}


@dataclass(frozen=True)
class AreaCountsResult(Result):
    """Result of :func:`area_counts`.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per area: ``area``, ``events`` and one column per partner source or metric.
    measures : tuple of str
        The partner columns, in order.
    correlations : pandas.DataFrame
        Spearman rank correlation of ``events`` with each partner measure across areas
        (``measure, rho, p_value, areas``); empty with fewer than 5 areas.
    """

    frame: pd.DataFrame
    measures: tuple[str, ...]
    correlations: pd.DataFrame
    labels = {"area": "Area", "events": "Police events"}

    def to_frame(self) -> pd.DataFrame:
        """Return the per-area table (see the ``frame`` attribute)."""
        return self.frame.copy()

    def table(self) -> PresentationTable:
        """Return one row per area, most police events first ("no data": the partner has none)."""
        f = self.frame.sort_values("events", ascending=False, kind="stable")
        out = pd.DataFrame({"area": f["area"], "events": f["events"]}).reset_index(drop=True)
        for m in self.measures:
            out[m] = [
                "no data" if pd.isna(v) else f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"
                for v in f[m]
            ]
        return presentation_table(out, labels=self.labels)

    def summary(self) -> str:
        """Plain-language summary of how the partner measures line up with police events."""
        top = self.frame.sort_values("events", ascending=False).iloc[0]
        text = f"The area with the most police events is {top['area']} ({int(top['events']):,})."
        for r in self.correlations.itertuples(index=False):
            strength = (
                "closely" if abs(r.rho) >= 0.7 else "somewhat" if abs(r.rho) >= 0.4 else "hardly"
            )
            direction = "the same" if r.rho >= 0 else "the opposite"
            text += (
                f" Across {r.areas} areas, {r.measure} {strength} follows {direction} pattern "
                f"(rank correlation {r.rho:.2f})."
            )
        if self.correlations.empty and self.measures:
            text += " Too few areas to say whether the partner data follow the same pattern."
        return "\n".join([text, *self.warning_lines()])

    def chart(self, *, title: str | None = None) -> alt.Chart:
        """Bars per area for police events and each partner measure, side by side.

        With more than :data:`~cs360lib.publish.aggregate.MAX_BARS` areas, the areas with the
        most police events are drawn and the others are added up in one last bar
        (:func:`~cs360lib.publish.aggregate.top_with_other`).
        """
        import altair as alt

        cols = ["events", *self.measures]
        frame = self.frame.sort_values("events", ascending=False, kind="stable")
        frame = top_with_other(
            frame,
            label="area",
            rank="events",
            other={c: _sum_or_missing for c in cols},
            other_label="{count:,} other areas",
        )
        long = frame.melt(id_vars="area", value_vars=cols, var_name="measure")
        long["measure"] = long["measure"].replace({"events": "Police events"})
        order = list(frame["area"])
        return (
            alt.Chart(long, title=title or "Police and partner data by area")
            .mark_bar()
            .encode(
                y=alt.Y("area:N", sort=order, title=None),
                x=alt.X("value:Q", title=None),
                column=alt.Column("measure:N", title=None),
                tooltip=[alt.Tooltip("value:Q", title="Value", format=",.1f")],
            )
            .resolve_scale(x="independent")
            .properties(width=160)
        )


def area_counts(
    events: pd.DataFrame,
    *,
    area: str = "beat",
    partners: Mapping[str, pd.DataFrame] | None = None,
    partner_area: str | Mapping[str, str] = "area",
    partner_metrics: pd.DataFrame | None = None,
    start: object = None,
    end: object = None,
    time_col: str | None = None,
) -> AreaCountsResult:
    """Police events and partner data per area over the same window.

    Parameters
    ----------
    events : pandas.DataFrame
        Police events (incidents, calls) as the loaders produce them.
    area : str, default "beat"
        Area column of ``events``.
    partners : mapping of str to pandas.DataFrame, optional
        Partner point sources (one row per event, with a time column and an area column),
        counted per area; one output column per name.
    partner_area : str or mapping of str to str, default "area"
        Area column of each partner source (one name for all, or per source name).
    partner_metrics : pandas.DataFrame, optional
        Aggregate partner data (``metric, period, area, value`` and optionally ``unit``):
        summed per metric and area over periods starting inside the window, or averaged
        when the unit is a rate or a score.
    start, end : date-like, optional
        The window, applied to every source.
    time_col : str, optional
        Event-time column of ``events``; by default the kind's own.

    Returns
    -------
    AreaCountsResult

    Raises
    ------
    AnalysisInputError
        For missing columns, a window without police events, or partner data with no row
        in the window.
    """
    events = check_frame(events)
    check_columns(events, [area])
    events = in_window(events, time_column(events, time_col), start, end)
    notes: list[str] = []
    col = events[area]
    names = area_names(col)
    n_no_area = int(col.isna().sum())
    if n_no_area:
        notes.append(f"{n_no_area:,} police events have no {area} and are not counted")
    frame = pd.DataFrame({"area": names})
    counts = col.dropna().astype(str).value_counts()
    frame["events"] = counts.reindex(names, fill_value=0).to_numpy()
    measures: list[str] = []
    for name, source in (partners or {}).items():
        source = check_frame(source, name)
        acol = partner_area if isinstance(partner_area, str) else partner_area.get(name, "area")
        check_columns(source, [acol], name)
        source = in_window(source, time_column(source, None, name), start, end, name)
        values = source[acol].astype("string")
        outside = ~values.isin(names) & values.notna()
        if outside.any() or values.isna().any():
            notes.append(
                f"{int(outside.sum() + values.isna().sum()):,} {name} rows have no area among "
                f"the police {area} values and are not counted"
            )
        frame[name] = values.value_counts().reindex(names, fill_value=0).to_numpy()
        measures.append(name)
    if partner_metrics is not None:
        measures += _metrics(partner_metrics, frame, names, area, start, end, notes)
    correlations = _correlations(frame, measures)
    return AreaCountsResult(frame, tuple(measures), correlations, warnings=notes)


def _metrics(
    pm: pd.DataFrame,
    frame: pd.DataFrame,
    names: list[str],
    area: str,
    start: object,
    end: object,
    notes: list[str],
) -> list[str]:
    pm = check_frame(pm, "partner_metrics")
    check_columns(pm, ["metric", "period", "area", "value"], "partner_metrics")
    pm = in_window(pm, time_column(pm, "period", "partner_metrics"), start, end, "partner_metrics")
    areas = pm["area"].astype("string")
    other = ~areas.isin(names)
    if other.any():
        examples = ", ".join(sorted(areas[other].dropna().unique())[:3])
        notes.append(
            f"{int(other.sum()):,} partner_metrics rows cover areas that are not police "
            f"{area} values (e.g. {examples}) and are left out"
        )
    pm = pm.loc[~other.to_numpy()]
    out: list[str] = []
    units = pm["unit"].astype("string").str.lower().fillna("") if "unit" in pm else None
    for metric, rows in pm.groupby(pm["metric"].astype(str), sort=True):
        unit = set(units.loc[rows.index]) if units is not None else {""}
        how = "sum" if unit <= _COUNT_UNITS else "mean"
        if how == "mean":
            notes.append(f"{metric} is a rate or score ({', '.join(sorted(unit))}): averaged")
        values = rows.groupby(rows["area"].astype(str))["value"].agg(how)
        frame[metric] = values.reindex(names).to_numpy(dtype=float)
        out.append(str(metric))
    if not out:
        raise AnalysisInputError(
            "partner_metrics has no row for the police areas in the window: check the area "
            "names and the dates"
        )
    return out


def _correlations(frame: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    rows = []
    for m in measures:
        ok = frame[m].notna() & frame["events"].notna()
        if ok.sum() < 5 or frame.loc[ok, m].nunique() < 2 or frame.loc[ok, "events"].nunique() < 2:
            continue
        res = stats.spearmanr(frame.loc[ok, "events"], frame.loc[ok, m])
        if np.isfinite(res.statistic):
            rows.append(
                {
                    "measure": m,
                    "rho": float(res.statistic),
                    "p_value": float(res.pvalue),
                    "areas": int(ok.sum()),
                }
            )
    return pd.DataFrame(rows, columns=["measure", "rho", "p_value", "areas"])
