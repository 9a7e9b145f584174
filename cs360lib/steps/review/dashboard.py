"""The joint dashboard: police and community measures side by side for each CS360 goal.

CompStat360 asks a Problem-Solving Team to judge its responses on police *and* partner
measures, at least one per goal of the dimensions it works in, so that no one can present
the police numbers alone. The dashboard puts, for every goal the plan's measures serve (in the
catalogue's order; every goal :func:`cs360lib.steps.metrics.metrics_check` checks when no
measure has a result yet), each measure's judging row of the impact review next to the others:
before and since the start, the change with its interval, and the one mark of
:mod:`cs360lib.steps.review._common` (better / worse / no clear change). A goal with no police
or no partner measure says so on that side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import altair as alt
import numpy as np
import pandas as pd

from cs360lib.config.engagement import Engagement
from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table
from cs360lib.steps.metrics import metrics_check
from cs360lib.steps.review._common import MARK_COLOURS, MARKS
from cs360lib.steps.review.impact import Impact

if TYPE_CHECKING:  # pragma: no cover
    from pandas.io.formats.style import Styler

__all__ = ["PROVIDERS", "Dashboard", "dashboard"]

PROVIDERS: tuple[str, ...] = ("police", "partner")
"""The two sides of the dashboard: the department's records and its partners' data."""

_COLUMNS = [
    "dimension",
    "goal",
    "goal_name",
    "provider",
    "response",
    "measure",
    "type",
    "scale",
    "before",
    "after",
    "change",
    "estimate",
    "low",
    "high",
    "rel_change",
    "rel_low",
    "rel_high",
    "mark",
    "sentence",
]


def _value(value: float, scale: str, period: str, when: str = "") -> str:
    if not np.isfinite(value):
        return "–"
    if scale == "points":
        return f"{value:.1f} points"
    return f"{value:,.1f} a {period}{when}"


def _change(row: pd.Series) -> str:
    if row["scale"] == "ratio":
        return (
            f"rate ratio {row['estimate']:.2f} ({row['low']:.2f} to "
            + ("no upper limit" if not np.isfinite(row["high"]) else f"{row['high']:.2f}")
            + ")"
        )
    if row["scale"] in ("points", "difference"):
        unit = " points" if row["scale"] == "points" else ""
        return f"{row['estimate']:+.1f}{unit} ({row['low']:+.1f} to {row['high']:+.1f})"
    return "–"


@dataclass(frozen=True)
class Dashboard(Result):
    """Police and community measures side by side for each CS360 goal of the plan.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per goal, provider and measure (``response`` and ``measure`` empty for a goal
        with no measure from that provider): ``dimension``, ``goal``, ``goal_name``,
        ``provider`` (:data:`PROVIDERS`), ``response``, ``measure``, ``type``, ``scale``,
        ``before`` and ``after`` (text with units), ``change`` (the estimate and its interval
        in words), ``estimate``, ``low``, ``high``, ``rel_change``/``rel_low``/``rel_high``
        (percentages), ``mark`` (:data:`~cs360lib.steps.review._common.MARKS`, or ``no
        measure``) and ``sentence``.
    dimensions : tuple of int
        The CS360 dimensions of the engagement's measures (as the metrics check reads them).
    """

    frame: pd.DataFrame
    dimensions: tuple[int, ...]
    count_columns = ()  # changes and marks of measures; their counts are in the impact table
    privacy = {"response": "public", "sentence": "public"}
    labels = {
        "goal_name": "CS360 goal",
        "provider": "Data from",
        "response": "Response",
        "measure": "Measure",
        "before": "Before",
        "after": "Since the start",
        "change": "Change (interval)",
        "mark": "Mark",
    }

    def to_frame(self) -> pd.DataFrame:
        """Return the dashboard's rows (a copy)."""
        return self.frame.copy()

    def table(self) -> Styler:
        """Return the dashboard as a presentation table (goal, data from, measure, mark).

        Returns
        -------
        pandas.io.formats.style.Styler
        """
        keep = ["goal_name", "provider", "measure", "before", "after", "change", "mark"]
        return presentation_table(self.frame[keep], labels=self.labels)

    def counts(self) -> dict[str, int]:
        """Return how many measures got each mark (goals without a measure left out)."""
        measured = self.frame[self.frame["measure"] != ""]
        return {
            m: int((measured["mark"] == m).sum()) for m in MARKS if (measured["mark"] == m).any()
        }

    def summary(self) -> str:
        """Say, goal by goal, what the police and the partner measures show.

        Returns
        -------
        str
            The tally of marks, then per goal one line per side (police, partner) with each
            measure's before, since, change and mark, or "no measure".
        """
        counts = self.counts()
        if not counts:
            lines = ["No measure of the plan has a result yet."]
        else:
            lines = ["At a glance: " + ", ".join(f"{n} {m}" for m, n in counts.items()) + "."]
        for (goal_name,), rows in self.frame.groupby(["goal_name"], sort=False):
            lines.append(f"{goal_name}:")
            for provider in PROVIDERS:
                mine = rows[rows["provider"] == provider]
                who = "Police" if provider == "police" else "Partners and community"
                if mine.empty or (mine["measure"] == "").all():
                    lines.append(f"- {who}: no measure.")
                    continue
                for r in mine.itertuples():
                    when = (
                        f"{r.before}, {r.after}"
                        if r.after.endswith("on its days")
                        else f"{r.before} before, {r.after} since"
                    )
                    lines.append(f"- {who}: {r.measure}: {when}; {r.change}: {r.mark}.")
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.FacetChart:
        """Draw every measure's change by goal, police and partners side by side.

        Returns
        -------
        altair.FacetChart
            Two columns (police, partners), one row per measure grouped by goal, a point and
            interval bar per measure (percentage change from before) coloured by its mark;
            "no measure" written where a goal has none from that side.
        """
        f = self.frame.copy()
        f["label"] = np.where(
            f["measure"] == "",
            f["goal_name"].str.split(" \\(").str[0] + ": no measure",
            f["goal_name"].str.split(" \\(").str[0] + ": " + f["measure"],
        )
        f = f.head(200)
        data = f.assign(
            low=f["rel_low"].clip(lower=-100, upper=300),
            high=f["rel_high"].clip(lower=-100, upper=300),
            x0=0.0,
            note=np.where(f["measure"] == "", "no measure", ""),
        )[["label", "provider", "rel_change", "low", "high", "mark", "x0", "note"]]
        colour = alt.Color(
            "mark:N",
            title="mark",
            scale=alt.Scale(
                domain=[*MARK_COLOURS, "no measure"], range=[*MARK_COLOURS.values(), "#ffffff"]
            ),
        )
        y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=360))
        base = alt.Chart()
        bars = base.mark_rule().encode(
            y=y, x=alt.X("low:Q", title="change from before (%)"), x2="high:Q", color=colour
        )
        points = base.mark_point(filled=True, size=60).encode(
            y=y, x="rel_change:Q", color=colour, tooltip=["label", "provider", "mark"]
        )
        notes = base.mark_text(align="left", color="#d55e00").encode(y=y, x="x0:Q", text="note:N")
        zero = base.mark_rule(strokeDash=[4, 3], color="#555").encode(x="x0:Q")
        return (
            alt.layer(zero, bars, points, notes, data=data)
            .properties(width=300)
            .facet(column=alt.Column("provider:N", title=None, sort=list(PROVIDERS)))
            .resolve_scale(y="independent")
            .properties(title="Police and community measures, by CS360 goal")
        )


def dashboard(engagement: Engagement, impact: Impact) -> Dashboard:
    """Lay out the impact review by CS360 goal, police and partner measures side by side.

    Parameters
    ----------
    engagement : Engagement
        The engagement (its ``dimensions`` and metrics decide which goals are shown, as in
        :func:`cs360lib.steps.metrics.metrics_check`).
    impact : Impact
        The impact review (:func:`cs360lib.steps.review.impact.impact`).

    Returns
    -------
    Dashboard
        One row per goal, provider and measure; goals without a measure from a side get a
        "no measure" row.
    """
    check = metrics_check(engagement)
    primary = impact.primary()
    period = engagement.analysis.period
    goals = check.frame[["dimension", "goal", "goal_name"]]
    extra = primary[~primary["goal"].isin(goals["goal"])][["dimension", "goal", "goal_name"]]
    goals = pd.concat([goals, extra.drop_duplicates("goal")], ignore_index=True)
    if len(primary):
        goals = goals[goals["goal"].isin(primary["goal"])]
    rows = []
    for goal in goals.itertuples():
        mine = primary[primary["goal"] == goal.goal]
        for provider in PROVIDERS:
            side = mine[mine["provider"] == provider]
            if side.empty:
                rows.append(
                    {
                        "dimension": goal.dimension,
                        "goal": goal.goal,
                        "goal_name": goal.goal_name,
                        "provider": provider,
                        "response": "",
                        "measure": "",
                        "type": "",
                        "scale": "",
                        "before": "–",
                        "after": "–",
                        "change": "–",
                        "mark": "no measure",
                        "sentence": f"No {provider} measure of {goal.goal_name.lower()}.",
                    }
                )
                continue
            for _, r in side.iterrows():
                unit = r["period"] if isinstance(r["period"], str) and r["period"] else period
                episodes = r["timing"] == "episodes"
                off, on = (" on other days", " on its days") if episodes else ("", "")
                rows.append(
                    {
                        "dimension": goal.dimension,
                        "goal": goal.goal,
                        "goal_name": goal.goal_name,
                        "provider": provider,
                        "response": r["response"],
                        "measure": r["measure"],
                        "type": r["type"],
                        "scale": r["scale"],
                        "before": _value(r["before"], r["scale"], unit, off),
                        "after": _value(r["after"], r["scale"], unit, on),
                        "change": _change(r),
                        "estimate": r["estimate"],
                        "low": r["low"],
                        "high": r["high"],
                        "rel_change": r["rel_change"],
                        "rel_low": r["rel_low"],
                        "rel_high": r["rel_high"],
                        "mark": r["mark"],
                        "sentence": r["sentence"],
                    }
                )
    return Dashboard(frame=pd.DataFrame(rows, columns=_COLUMNS), dimensions=check.dimensions)
