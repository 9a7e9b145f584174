"""The CS360 metrics catalogue and the check of an engagement's measures against it.

CompStat360 asks an agency to collect **at least one measure per goal** of the dimensions it
works in, and to mix outputs and outcomes, police and partner sources (National Policing
Institute and Vera Institute of Justice, the CompStat360 model; ``DESIGN.md``). The catalogue
of dimensions, goals and indicators is data shipped with the library
(:mod:`cs360lib.config.catalogue`, ``cs360lib/config/metrics.yml``); an engagement's
``metrics`` pick indicators from it (``indicator: crime_rates``) or add their own (a ``goal``
without an indicator).

- :func:`metrics_catalogue`: the catalogue as a result (a table to choose from).
- :func:`measures`: the engagement's metrics with their goal, dimension, type and provider.
- :func:`metrics_check`: which goals of the chosen dimensions have no measure, and whether
  every measure comes from the police alone.

Who provides a measure (police or partner) is the metric's ``provider`` when written, else
read from its source's kind (:data:`KIND_PROVIDER`); for the ``actions`` log, which records
police and partner work alike, from the indicator's usual source, else the police.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from cs360lib.config.catalogue import catalogue
from cs360lib.config.engagement import Engagement
from cs360lib.errors import EngagementError
from cs360lib.publish.charts import count_axis
from cs360lib.publish.results import NumbersAsComputed, Result

__all__ = [
    "DEFAULT_DIMENSIONS",
    "KIND_PROVIDER",
    "MetricsCatalogue",
    "MetricsCheck",
    "measures",
    "metrics_catalogue",
    "metrics_check",
]

KIND_PROVIDER: dict[str, str] = {
    "incidents": "police",
    "calls": "police",
    "arrests": "police",
    "survey": "partner",
    "partner_metrics": "partner",
    "interviews": "partner",
    "stakeholders": "partner",
}
"""Who provides the data of each kind: the department's records, or its partners (community
surveys, 311, public health, interviews). The ``actions`` log holds both and is not listed."""

DEFAULT_DIMENSIONS: tuple[int, ...] = (1, 2)
"""Dimensions checked for an engagement that names none and has no metric yet: the two a
Problem-Solving Team measures its problem in (crime; community and governmental partners)."""

_PROVIDER_COLOURS = alt.Scale(domain=["police", "partner"], range=["#4c78a8", "#f58518"])


@dataclass(frozen=True)
class MetricsCatalogue(NumbersAsComputed, Result):
    """The CS360 catalogue of dimensions, goals and indicators.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per indicator (see :meth:`cs360lib.config.catalogue.Catalogue.to_frame`).
    """

    frame: pd.DataFrame
    labels = {
        "dimension": "Dimension",
        "dimension_name": "Dimension name",
        "goal": "Goal as written in the engagement file",
        "goal_name": "Goal",
        "indicator": "Indicator as written in the engagement file",
        "indicator_name": "Indicator",
        "type": "Type",
        "source": "Usual source",
        "description": "What it measures",
        "examples": "Example measures",
    }
    count_columns = ()  # the catalogue holds no counts
    privacy = {"goal": "internal", "indicator": "internal"}  # the engagement file's ids

    def to_frame(self) -> pd.DataFrame:
        """Return the catalogue, one row per indicator (a copy)."""
        return self.frame.copy()

    def summary(self) -> str:
        """Describe the catalogue in plain language.

        Returns
        -------
        str
            Dimensions, goals and indicators counted, and the rule: one measure per goal.
        """
        f = self.frame
        lines = [
            f"The CS360 catalogue holds {len(f)} indicators for {f['goal'].nunique()} goals in "
            f"{f['dimension'].nunique()} dimensions: {int((f['type'] == 'outcome').sum())} "
            f"outcomes and {int((f['type'] == 'output').sum())} outputs; "
            f"{int((f['source'] == 'partner').sum())} usually come from partners.",
            "CS360 asks for at least one measure per goal of the dimensions the engagement "
            "works in, mixing outputs and outcomes, police and partner data.",
        ]
        for (dim, name), goals in f.groupby(["dimension", "dimension_name"], sort=False):
            lines.append(f"- Dimension {dim}, {name}: " + "; ".join(goals["goal_name"].unique()))
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Draw the indicators per goal, coloured by their usual source.

        Returns
        -------
        altair.Chart
            One horizontal bar per goal (in catalogue order), stacked police and partner.
        """
        f = self.frame.assign(label=self.frame["goal_name"].str.split(" \\(").str[0])
        counts = f.groupby(["dimension", "label", "source"], sort=False).size().reset_index()
        counts = counts.rename(columns={0: "indicators"})
        axis = count_axis(int(counts.groupby("label")["indicators"].sum().max()))
        return (
            alt.Chart(counts, title="The CS360 catalogue: indicators per goal")
            .mark_bar()
            .encode(
                y=alt.Y(
                    "label:N",
                    title=None,
                    sort=list(dict.fromkeys(f["label"])),
                    axis=alt.Axis(labelLimit=320),
                ),
                x=alt.X("indicators:Q", title="indicators", axis=axis),
                color=alt.Color("source:N", title="usual source", scale=_PROVIDER_COLOURS),
                tooltip=["dimension", "label", "source", "indicators"],
            )
            .properties(width=420)
        )


def metrics_catalogue() -> MetricsCatalogue:
    """Return the CS360 metrics catalogue as a result, to choose indicators from.

    Returns
    -------
    MetricsCatalogue
        One row per indicator: dimension, goal, indicator, type (output or outcome), usual
        source (police or partner), description and example measures.
    """
    return MetricsCatalogue(frame=catalogue().to_frame())


def measures(engagement: Engagement) -> pd.DataFrame:
    """List an engagement's metrics with what the catalogue says of them.

    Parameters
    ----------
    engagement : Engagement
        The engagement (its ``metrics`` and ``sources``).

    Returns
    -------
    pandas.DataFrame
        One row per metric: ``name``, ``indicator`` (empty for the engagement's own),
        ``indicator_name``, ``goal``, ``goal_name``, ``dimension``, ``type``, ``provider``
        (police or partner, see the module docstring), ``source``.
    """
    cat = catalogue()
    goals, indicators = cat.goals, cat.indicators
    rows = []
    for m in engagement.metrics:
        indicator = indicators.get(m.indicator or "")
        kind = engagement.sources[m.source].kind if m.source in engagement.sources else ""
        provider = m.provider or KIND_PROVIDER.get(kind)
        if provider is None:
            provider = indicator.source if indicator is not None else "police"
        rows.append(
            {
                "name": m.name,
                "indicator": m.indicator or "",
                "indicator_name": indicator.name if indicator is not None else "",
                "goal": m.goal,
                "goal_name": goals[m.goal].name,
                "dimension": m.dimension,
                "type": m.type,
                "provider": provider,
                "source": m.source,
            }
        )
    columns = ["name", "indicator", "indicator_name", "goal", "goal_name", "dimension"]
    return pd.DataFrame(rows, columns=[*columns, "type", "provider", "source"])


@dataclass(frozen=True)
class MetricsCheck(NumbersAsComputed, Result):
    """The check of an engagement's measures: one measure per goal, police and partner data.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per goal of the chosen dimensions, in catalogue order: ``dimension``,
        ``dimension_name``, ``goal``, ``goal_name``, ``measures`` (count), ``names``
        (``;``-separated), ``outcomes``, ``outputs``, ``police``, ``partner``, ``covered``.
    measures : pandas.DataFrame
        The engagement's metrics (see :func:`measures`).
    dimensions : tuple of int
        The dimensions checked.
    chosen : bool
        True when the engagement named its dimensions (``dimensions:``), False when they were
        read from its metrics.
    """

    frame: pd.DataFrame
    measures: pd.DataFrame
    dimensions: tuple[int, ...]
    chosen: bool
    labels = {
        "dimension": "Dimension",
        "dimension_name": "Dimension name",
        "goal": "Goal as written in the engagement file",
        "goal_name": "Goal",
        "measures": "Measures",
        "names": "Measure names",
        "outcomes": "Outcomes",
        "outputs": "Outputs",
        "police": "Police data",
        "partner": "Partner data",
        "covered": "Has a measure",
    }
    count_columns = ()  # counts of the engagement's measures, not of people or events
    privacy = {"goal": "internal"}  # the engagement file's id of the goal

    @property
    def gaps(self) -> list[str]:
        """Goals of the chosen dimensions with no measure (goal ids, catalogue order)."""
        return self.frame.loc[~self.frame["covered"], "goal"].tolist()

    @property
    def police_only(self) -> bool:
        """True when there are measures and every one comes from the police."""
        return bool(len(self.measures)) and bool((self.measures["provider"] == "police").all())

    @property
    def passed(self) -> bool:
        """True when every goal has a measure and not all measures come from the police."""
        return not self.gaps and bool(len(self.measures)) and not self.police_only

    def to_frame(self) -> pd.DataFrame:
        """Return the per-goal check (a copy)."""
        return self.frame.copy()

    def summary(self) -> str:
        """Say which goals lack a measure and whether partners provide any.

        Returns
        -------
        str
            The verdict, the goals without a measure, the police/partner and output/outcome
            mix, and measures serving goals outside the dimensions checked.
        """
        m = self.measures
        dims = " and ".join(str(d) for d in self.dimensions)
        how = "chosen in the engagement" if self.chosen else "those of its metrics"
        lines = [f"Measures checked against the goals of CS360 dimension(s) {dims} ({how})."]
        if not len(m):
            lines.append("The engagement has no metrics yet: every goal needs at least one.")
        elif not self.gaps:
            lines.append(f"Every one of the {len(self.frame)} goals has at least one measure.")
        else:
            names = self.frame.set_index("goal")["goal_name"]
            lines.append(
                f"{len(self.gaps)} of {len(self.frame)} goals have no measure yet (CS360 asks "
                "for at least one per goal):"
            )
            lines += [f"- {names[g]} (dimension {self._dimension(g)})" for g in self.gaps]
        if len(m):
            police = int((m["provider"] == "police").sum())
            outcomes = int((m["type"] == "outcome").sum())
            lines.append(
                f"Of {len(m)} measures, {police} come from the police and {len(m) - police} "
                f"from partners; {outcomes} are outcomes and {len(m) - outcomes} outputs."
            )
            if self.police_only:
                lines.append(
                    "Every measure comes from the police alone: CS360 asks for partner measures "
                    "too (a community survey, 311 requests, public health or partner records)."
                )
            if outcomes in (0, len(m)):
                kind = "outcomes" if outcomes else "outputs"
                lines.append(
                    f"All measures are {kind}: CS360 asks for a mix of outputs (what was done) "
                    "and outcomes (what changed)."
                )
            outside = m[~m["dimension"].isin(self.dimensions)]
            if len(outside):
                lines.append(
                    f"{len(outside)} measure(s) serve goals outside the dimensions checked: "
                    + "; ".join(outside["name"])
                    + "."
                )
        if self.passed:
            lines.append("The measures meet the CS360 rule.")
        return "\n".join([*lines, *self.warning_lines()])

    def _dimension(self, goal: str) -> int:
        return int(self.frame.set_index("goal").loc[goal, "dimension"])

    def chart(self) -> alt.LayerChart:
        """Draw the measures per goal, police and partner, marking the goals without one.

        Returns
        -------
        altair.LayerChart
            One horizontal bar per goal of the chosen dimensions (stacked police and partner
            measures), and "no measure" written on the goals without one.
        """
        f = self.frame.assign(label=self.frame["goal_name"].str.split(" \\(").str[0])
        order = f["label"].tolist()
        axis = count_axis(int(f["measures"].max()))
        long = f.melt(
            id_vars=["label", "dimension"],
            value_vars=["police", "partner"],
            var_name="provider",
            value_name="count",
        )
        bars = (
            alt.Chart(long)
            .mark_bar()
            .encode(
                y=alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=320)),
                x=alt.X("count:Q", title="measures", axis=axis),
                color=alt.Color("provider:N", title="data from", scale=_PROVIDER_COLOURS),
                tooltip=["dimension", "label", "provider", "count"],
            )
        )
        gaps = (
            alt.Chart(f[~f["covered"]].assign(text="no measure", x=0))
            .mark_text(align="left", dx=4, color="#d55e00", fontWeight="bold")
            .encode(y=alt.Y("label:N", sort=order), x="x:Q", text="text:N")
        )
        return alt.layer(bars, gaps).properties(
            width=420, title="CS360 measures per goal (at least one per goal)"
        )


def metrics_check(engagement: Engagement, *, dimensions: list[int] | None = None) -> MetricsCheck:
    """Check an engagement's metrics: one measure per goal, and partner data as well as police.

    Parameters
    ----------
    engagement : Engagement
        The engagement (its ``metrics``, ``sources`` and ``dimensions``).
    dimensions : list of int, optional
        The dimensions whose goals must each have a measure. Default: the engagement's
        ``dimensions:`` key; without one, the dimensions its metrics serve; with no metric
        either, :data:`DEFAULT_DIMENSIONS`.

    Returns
    -------
    MetricsCheck
        Per goal of the chosen dimensions: its measures (by type and provider) and whether it
        has one; :attr:`MetricsCheck.gaps` lists the goals without, and
        :attr:`MetricsCheck.police_only` says whether every measure comes from the police.

    Raises
    ------
    EngagementError
        For a dimension that is not in the catalogue.
    """
    cat = catalogue()
    table = measures(engagement)
    known = [d.id for d in cat.dimensions]
    chosen = dimensions is not None or engagement.dimensions is not None
    if dimensions is None:
        dimensions = engagement.dimensions
    if dimensions is None:
        dimensions = sorted(set(table["dimension"])) or list(DEFAULT_DIMENSIONS)
    unknown = [d for d in dimensions if d not in known]
    if unknown:
        raise EngagementError(
            f"{engagement.path}: dimensions {unknown} are not CS360 dimensions; the catalogue "
            f"has {known}"
        )
    rows = []
    for d in cat.dimensions:
        if d.id not in dimensions:
            continue
        for g in d.goals:
            mine = table[table["goal"] == g.id]
            rows.append(
                {
                    "dimension": d.id,
                    "dimension_name": d.name,
                    "goal": g.id,
                    "goal_name": g.name,
                    "measures": len(mine),
                    "names": "; ".join(mine["name"]),
                    "outcomes": int((mine["type"] == "outcome").sum()),
                    "outputs": int((mine["type"] == "output").sum()),
                    "police": int((mine["provider"] == "police").sum()),
                    "partner": int((mine["provider"] == "partner").sum()),
                    "covered": len(mine) > 0,
                }
            )
    return MetricsCheck(
        frame=pd.DataFrame(rows),
        measures=table,
        dimensions=tuple(sorted(dimensions)),
        chosen=chosen,
    )
