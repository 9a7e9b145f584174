"""The evaluation-design assistant: the strongest design the data support, and how long to wait.

Eck (2002) sets out the designs a problem-solving team can use to judge a response, from the
weakest to the strongest: a **pre-post** comparison (one measure before, one after), a
pre-post **with a comparison group**, an **interrupted time series** (many measures before and
after, so that trends, seasons and regression to the mean are not mistaken for an effect), and
an interrupted time series **with a comparison group** (which also rules out a change that
happened everywhere at the same time). :func:`evaluation_design` recommends, for each response
of the engagement, the strongest design its data can support:

- a time series needs enough periods before the start (``min_pre_periods``, 12 by default:
  Wagner, Soumerai, Zhang and Ross-Degnan 2002 recommend at least 12 points before and after;
  seasonal terms are fitted only with two years or more);
- a comparison group needs a comparison area with events before the start whose trend is
  like the target's. The trend difference is tested on the pre-period series of both areas
  with a quasi-Poisson regression (log counts on time, area and their interaction, with a
  shared seasonal term when there are two years): a difference significant at ``alpha`` rules
  the comparison out (Lopez Bernal, Cummins and Gasparrini 2018, on controls in interrupted
  time series). The test has little power on short series: "similar" means "no evidence of a
  different trend", and the summary gives the estimate and its interval.

It then says how long the response must run before the review can detect the hoped-for change
(the response's ``expected_change``, a rate ratio) with 80% power: for time-series designs by
simulation with :func:`cs360lib.evaluate.power_its` on the target's pre-period series (the
single-series power is an approximation for the comparison design, usually on the cautious
side: a comparison series that shares the target's trend helps estimate it); for pre-post
designs with the exact power of the rate-ratio test (:func:`cs360lib.evaluate.power_rate_ratio`),
which assumes Poisson counts and so is optimistic for overdispersed crime counts.

The counts come from the caller (``counts``: one row per period and area, as
:mod:`cs360lib.data.series` writes them) or, when not given, are made from the engagement's
problem and areas by a temporary helper.

References
----------
Eck, J. E. (2002). *Assessing Responses to Problems: An Introductory Guide for Police
Problem-Solvers*. Problem-Oriented Guides for Police, Problem-Solving Tools Series No. 1.
COPS Office.
Lopez Bernal, J., Cummins, S., & Gasparrini, A. (2018). The use of controls in interrupted
time series studies of public health interventions. *International Journal of Epidemiology*,
47(6), 2082-2093.
Wagner, A. K., Soumerai, S. B., Zhang, F., & Ross-Degnan, D. (2002). Segmented regression
analysis of interrupted time series studies in medication use research. *Journal of Clinical
Pharmacy and Therapeutics*, 27(4), 299-309.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import altair as alt
import numpy as np
import pandas as pd

from cs360lib.config.engagement import Engagement, Response
from cs360lib.data.loaders import LoadResult
from cs360lib.errors import PlanError
from cs360lib.evaluate import power_rate_ratio
from cs360lib.publish.aggregate import time_blocks
from cs360lib.publish.charts import count_axis
from cs360lib.publish.results import Counts, Result, say_count
from cs360lib.publish.tables import presentation_table
from cs360lib.steps._engagement import PERIOD_FREQ, area_period_counts
from cs360lib.steps.design_duration import first_length_reaching, its_duration, say_duration
from cs360lib.steps.design_trend import TrendDifference, trend_difference

if TYPE_CHECKING:  # pragma: no cover
    from cs360lib.publish.tables import PresentationTable

__all__ = [
    "DEFAULT_CHANGE",
    "DESIGNS",
    "MIN_PRE_PERIODS",
    "POST_PERIODS",
    "PRACTICAL_PERIODS",
    "EvaluationDesign",
    "TrendDifference",
    "evaluation_design",
    "first_length_reaching",
    "recommended_designs",
    "trend_difference",
]

DESIGNS: tuple[tuple[str, str], ...] = (
    ("its_comparison", "Interrupted time series with a comparison group"),
    ("its", "Interrupted time series"),
    ("pre_post_comparison", "Pre-post with a comparison group"),
    ("pre_post", "Pre-post"),
)
"""Eck's (2002) evaluation designs, strongest first: id and name."""

MIN_PRE_PERIODS = 12
"""Fewest periods before the start for a time-series design (Wagner et al. 2002)."""

DEFAULT_CHANGE = 0.8
"""Hoped-for rate ratio assumed for a response without ``expected_change`` (a 20% drop)."""

POST_PERIODS: dict[str, tuple[int, ...]] = {
    "month": (3, 6, 9, 12, 18, 24, 30, 36, 48, 60, 84, 120),
    "week": (13, 26, 39, 52, 78, 104, 130, 156, 208, 260, 364, 520),
}
"""Follow-up lengths searched for the required duration, per analysis period (up to ten years,
so that a small or noisy problem gets a duration, however long, rather than none)."""

PRACTICAL_PERIODS: dict[str, int] = {"month": 36, "week": 156}
"""The longest follow-up a response can usually wait for (three years). A longer required
duration is stated with the ways to learn sooner (Eck 2002: a larger area, a larger change,
or more measures), and is not drawn on the series chart."""

_PER_YEAR = {"month": 12.0, "week": 52.0}
_LABELS = dict(DESIGNS)


@dataclass(frozen=True)
class EvaluationDesign(Result):
    """The recommended evaluation design of each response, and how long it must run.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per response: ``response``, ``design`` (id of :data:`DESIGNS`),
        ``design_label``, ``target``, ``comparison`` (empty when none), ``start`` (the first
        period under the response), ``pre_periods``,
        ``pre_events`` (target, before the start), ``pre_mean`` (per period),
        ``comparison_pre_events``, ``trend_ratio`` / ``trend_low`` / ``trend_high`` (ratio of
        the yearly pre-trends, target over comparison, and its 95% interval), ``trend_p``,
        ``similar_trend`` (True, False, or None when not tested), ``expected_change`` (the
        rate ratio used), ``assumed_change`` (True when the response has none and
        :data:`DEFAULT_CHANGE` was used), ``required_periods`` (None when no length tried
        reaches the power), ``power_at_required``, ``review_from`` (the start plus the
        required periods), ``post_periods_in_data`` (periods after the start already in the
        counts).
    designs : pandas.DataFrame
        One row per response and design of :data:`DESIGNS`: ``response``, ``design``,
        ``design_label``, ``rank`` (1 strongest), ``supported``, ``recommended``, ``reason``.
    power : pandas.DataFrame
        One row per response and follow-up length evaluated: ``response``, ``post_periods``,
        ``power``, ``method`` (``power_its`` or ``power_rate_ratio``).
    series : pandas.DataFrame
        The counts used: ``period``, ``area``, ``count``.
    period : str
        ``month`` or ``week``.
    target_power : float
        The power asked for.
    """

    frame: pd.DataFrame
    designs: pd.DataFrame
    power: pd.DataFrame
    series: pd.DataFrame
    period: str
    target_power: float
    labels = {
        "response": "Response",
        "design_label": "Recommended design",
        "target": "Target area",
        "comparison": "Comparison area",
        "pre_periods": "Periods before the start",
        "pre_events": "Events before the start",
        "pre_mean": "Events per period before",
        "comparison_pre_events": "Comparison events before",
        "trend_ratio": "Trend ratio (target / comparison, a year)",
        "trend_low": "Trend ratio from",
        "trend_high": "Trend ratio to",
        "trend_p": "Trend difference p",
        "similar_trend": "Similar trend",
        "expected_change": "Hoped-for rate ratio",
        "assumed_change": "Rate ratio assumed",
        "required_periods": "Periods needed",
        "power_at_required": "Power then",
        "review_from": "Review from",
        "post_periods_in_data": "Periods after the start in the data",
    }
    # events before the start, and the series the chart draws (complementary suppression
    # along each area's periods: its total before the start is in the table)
    count_columns = (
        Counts(
            ("pre_events", "comparison_pre_events"),
            by=("response",),
            totals=(),
            rates={"pre_mean": "pre_events"},
        ),
    )
    count_tables = {"series": (Counts(("count",), by=("area", "period"), totals=("period",)),)}
    privacy = {"area": "public"}

    def to_frame(self) -> pd.DataFrame:
        """Return the recommendation of each response (a copy)."""
        return self.frame.copy()

    def table(self) -> PresentationTable:
        """Return the main columns as a presentation table.

        Returns
        -------
        cs360lib.publish.tables.PresentationTable
            Response, recommended design, periods and events before the start, whether the
            trends are similar, the hoped-for rate ratio, the periods needed and the review
            date. On a published copy, hidden counts show their marker.
        """
        keep = [
            "response",
            "design_label",
            "pre_periods",
            "pre_events",
            "similar_trend",
            "expected_change",
            "required_periods",
            "review_from",
        ]
        notes = self.publication.notes if self.publication is not None else ()
        source = self.publication.shown if self.publication is not None else self.frame
        shown = source[[c for c in keep if c in source.columns]].copy()
        shown["similar_trend"] = (
            shown["similar_trend"].map({True: "yes", False: "no"}).fillna("not tested")
        )
        shown["required_periods"] = shown["required_periods"].map(
            lambda v: f"{int(v)} {self.period}s" if pd.notna(v) else "more than tried"
        )
        return presentation_table(shown, labels=self.labels, notes=notes)

    def summary(self) -> str:
        """Explain the recommended design and the required duration in plain language.

        Returns
        -------
        str
            Per response: the design and why the stronger ones are out of reach, the trend
            comparison, and how many periods the response must run before the review.
        """
        lines = []
        unit = self.period
        for i, r in enumerate(self.frame.itertuples()):
            label = r.design_label.lower()
            article = "an" if label[0] in "aeiou" else "a"
            lines.append(
                f"{r.response}: the strongest design the data support is {article} {label} "
                f"({r.pre_periods} {unit}s before the start, "
                f"{say_count(self.shown('pre_events', i))} events in {r.target})."
            )
            stronger = self.designs[
                (self.designs["response"] == r.response) & ~self.designs["supported"]
            ]
            for d in stronger.itertuples():
                if d.rank < self._rank(r.design):
                    lines.append(f"- Not {d.design_label.lower()}: {d.reason}")
            if pd.notna(r.trend_ratio):
                lines.append(
                    f"- Before the start, the target's trend over a year was "
                    f"{r.trend_ratio:.2f} times the comparison's (95% interval "
                    f"{r.trend_low:.2f} to {r.trend_high:.2f}; p = {r.trend_p:.2f}): "
                    + ("similar." if r.similar_trend else "different.")
                )
            change = (
                f"{abs(r.expected_change - 1):.0%} {'drop' if r.expected_change < 1 else 'rise'}"
            )
            assumed = " (assumed: the plan states no hoped-for change)" if r.assumed_change else ""
            if pd.isna(r.required_periods):
                tried = int(
                    self.power.loc[self.power["response"] == r.response, "post_periods"].max()
                )
                lines.append(
                    f"- Even {tried} {unit}s after the start would not detect a {change}{assumed} "
                    f"{self.target_power:.0%} of the time: plan a longer follow-up, a larger "
                    "area, or expect a larger change."
                )
            else:
                lines.append(
                    f"- To detect a {change}{assumed} {self.target_power:.0%} of the time, the "
                    f"response must run about {say_duration(int(r.required_periods), unit)}: "
                    f"review from {r.review_from:%B %Y}."
                )
                if r.required_periods > PRACTICAL_PERIODS[unit]:
                    lines.append(
                        "- That is longer than the "
                        f"{PRACTICAL_PERIODS[unit] / _PER_YEAR[unit]:.0f} years most responses can "
                        "wait. To learn sooner, widen "
                        "the target area, add measures of the same harm, or plan for a larger "
                        "change; until then, an earlier review can still show a clear change, but "
                        "no clear change will not mean that the response failed."
                    )
            if r.post_periods_in_data:
                lines.append(
                    f"- {int(r.post_periods_in_data)} {unit}s after the start are already in "
                    "the data."
                )
        return "\n".join([*lines, *self.warning_lines()])

    def _rank(self, design: str) -> int:
        return [d for d, _ in DESIGNS].index(design) + 1

    def chart(self) -> alt.LayerChart:
        """Draw the target and comparison series, with each response's start and review date.

        Returns
        -------
        altair.LayerChart
            Counts per period of every area used (one line each), a solid rule at each
            response's start and a dashed rule where the review can detect the hoped-for
            change (when that is within :data:`PRACTICAL_PERIODS`; a later date is only stated
            in the summary, so that the series keeps its width). A series too long to draw
            point by point is drawn in blocks of periods
            (:func:`~cs360lib.publish.aggregate.time_blocks`, counts added up).
        """
        series, block = time_blocks(
            self.series, order="period", by=["area"], aggregations={"count": "sum"}
        )
        unit = self.period if block == 1 else f"{block} {self.period}s"
        lines = (
            alt.Chart(series)
            .mark_line(point=False)
            .encode(
                x=alt.X("period:T", title=None),
                y=alt.Y("count:Q", title=f"events per {unit}", axis=count_axis()),
                color=alt.Color("area:N", title="area"),
                tooltip=["area", alt.Tooltip("period:T"), "count"],
            )
        )
        marks = []
        for r in self.frame.itertuples():
            marks.append({"date": r.start, "what": f"{r.response}: start", "kind": "start"})
            if pd.notna(r.review_from) and r.required_periods <= PRACTICAL_PERIODS[self.period]:
                marks.append(
                    {"date": r.review_from, "what": f"{r.response}: review", "kind": "review"}
                )
        rules = (
            alt.Chart(pd.DataFrame(marks))
            .mark_rule()
            .encode(
                x="date:T",
                strokeDash=alt.StrokeDash(
                    "kind:N",
                    title=None,
                    scale=alt.Scale(domain=["start", "review"], range=[[1, 0], [5, 4]]),
                ),
                tooltip=["what", alt.Tooltip("date:T")],
            )
        )
        hidden = bool(pd.to_numeric(self.series["count"], errors="coerce").isna().any())
        title: str | alt.TitleParams = (
            "The series the review will use, with the start and review dates"
        )
        if hidden:  # a gap must not read as a period without events
            title = alt.TitleParams(
                title,
                subtitle="A gap is a period whose count is hidden in this report (a small "
                f"count); a {self.period} with no event is drawn at 0.",
            )
        return alt.layer(lines, rules).properties(width=600, title=title)


def _design_rows(
    response: Response,
    *,
    n_pre: int,
    pre_events: int,
    comparison: str | None,
    comparison_events: int,
    similar: bool | None,
    min_pre_periods: int,
    unit: str,
    trend_note: str,
) -> list[dict[str, object]]:
    its = n_pre >= min_pre_periods
    if comparison is None:
        comp_ok, comp_reason = False, "the response has no comparison area."
    elif comparison_events == 0:
        comp_ok, comp_reason = (
            False,
            f"the comparison area {comparison!r} has no events before the start.",
        )
    elif similar is False:
        comp_ok, comp_reason = (
            False,
            "the comparison area's trend before the start differs from the target's "
            f"({trend_note}).",
        )
    else:
        comp_ok, comp_reason = True, ""
    short = (
        f"only {n_pre} {unit}s before the start; a time series needs at least {min_pre_periods}."
    )
    rows = []
    for rank, (design, label) in enumerate(DESIGNS, start=1):
        if design == "its_comparison":
            ok = its and comp_ok and similar is True
            reason = (
                short
                if not its
                else comp_reason or ("the trends could not be compared." if similar is None else "")
            )
        elif design == "its":
            ok, reason = its, "" if its else short
        elif design == "pre_post_comparison":
            ok, reason = comp_ok, comp_reason
        else:
            ok, reason = pre_events > 0, ""
        rows.append(
            {
                "response": response.name,
                "design": design,
                "design_label": label,
                "rank": rank,
                "supported": bool(ok),
                "recommended": False,
                "reason": reason if not ok else "",
            }
        )
    for row in rows:
        if row["supported"]:
            row["recommended"] = True
            break
    return rows


@dataclass(frozen=True)
class _Choice:
    """What the design of one response rests on (shared by the assistant and the review)."""

    response: str
    first_post: pd.Timestamp
    target: pd.DataFrame
    pre: pd.DataFrame
    n_pre: int
    pre_events: int
    comparison: str | None
    comp_events: int
    trend: TrendDifference | None
    similar: bool | None
    rows: list[dict[str, object]]
    notes: list[str]

    @property
    def design(self) -> str:
        return next(str(r["design"]) for r in self.rows if r["recommended"])


def _design_series(
    engagement: Engagement,
    sources: Mapping[str, LoadResult] | None,
    counts: pd.DataFrame | None,
) -> tuple[set[str], pd.DataFrame]:
    """Return the target and comparison areas of the responses, and their counts per period."""
    roles = {n for r in engagement.responses for n in (r.area, r.comparison) if n is not None}
    if counts is None:
        if sources is None:
            raise PlanError("give the loaded sources or a frame of counts per period and area")
        counts = area_period_counts(engagement, sources, sorted(roles))
    missing = {"period", "area", "count"} - set(counts.columns)
    if missing:
        raise PlanError(
            f"counts needs the columns period, area and count; it lacks {sorted(missing)}"
        )
    absent = sorted(roles - set(counts["area"].astype(str)))
    if absent:
        raise PlanError(f"counts has no rows for the area(s) {absent} that the responses use")
    series = counts.assign(period=pd.to_datetime(counts["period"]), area=counts["area"].astype(str))
    return roles, _with_zero_periods(series, PERIOD_FREQ[engagement.analysis.period])


def _with_zero_periods(series: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Give every area every period from the first to the last: a period without a row is 0.

    A frame of counts written by hand (or by another tool) often leaves out the periods with
    no event; drawn as they are, they would be gaps in the line (or joined over), and the
    designs would count them as missing. A zero is a count.
    """
    if series.empty:
        return series.reset_index(drop=True)
    periods = pd.period_range(series["period"].min(), series["period"].max(), freq=freq)
    index = pd.MultiIndex.from_product(
        [sorted(series["area"].unique()), periods.start_time], names=["area", "period"]
    )
    whole = series.groupby(["area", "period"])["count"].sum().reindex(index, fill_value=0)
    return whole.astype(int).reset_index()[["period", "area", "count"]]


def _choose(
    response: Response,
    series: pd.DataFrame,
    unit: str,
    *,
    alpha: float,
    min_pre_periods: int,
) -> _Choice:
    """Choose the strongest design the counts support for one response."""
    start = pd.Timestamp(response.start).to_period("M" if unit == "month" else "W-SUN")
    first_post = start.start_time
    target = series[series["area"] == response.area]
    pre = target[target["period"] < first_post]
    n_pre, pre_events = len(pre), int(pre["count"].sum())
    if n_pre == 0 or pre_events == 0:
        what = "no period" if n_pre == 0 else "no event"
        raise PlanError(
            f"responses[{response.name!r}]: {what} of the target area {response.area!r} "
            f"before the start {response.start}: there is nothing to compare with. Check "
            "the start, the target area and analysis.start"
        )
    comparison = response.comparison
    comp_events, trend, notes = 0, None, []
    if comparison is not None:
        comp = series[(series["area"] == comparison) & (series["period"] < first_post)]
        comp = comp.set_index("period")["count"].reindex(pre["period"], fill_value=0)
        comp_events = int(comp.sum())
        if comp_events and n_pre >= 4:
            trend = trend_difference(pre["count"].to_numpy(), comp.to_numpy(), period=unit)
            notes += trend.warnings
    similar = None if trend is None else trend.p_value >= alpha
    trend_note = (
        f"p = {trend.p_value:.3f}, trend ratio {trend.ratio:.2f} a year"
        if trend is not None
        else ""
    )
    rows = _design_rows(
        response,
        n_pre=n_pre,
        pre_events=pre_events,
        comparison=comparison,
        comparison_events=comp_events,
        similar=similar,
        min_pre_periods=min_pre_periods,
        unit=unit,
        trend_note=trend_note,
    )
    return _Choice(
        response=response.name,
        first_post=first_post,
        target=target,
        pre=pre,
        n_pre=n_pre,
        pre_events=pre_events,
        comparison=comparison,
        comp_events=comp_events,
        trend=trend,
        similar=similar,
        rows=rows,
        notes=notes,
    )


def recommended_designs(
    engagement: Engagement,
    sources: Mapping[str, LoadResult] | None = None,
    *,
    counts: pd.DataFrame | None = None,
    alpha: float = 0.05,
    min_pre_periods: int = MIN_PRE_PERIODS,
) -> pd.DataFrame:
    """Recommend the strongest design for each response, without the power analysis.

    The same choice as :func:`evaluation_design` (same counts, same rules), for callers that
    need the design only (the lessons-learned review uses it when a response names none).

    Parameters
    ----------
    engagement : Engagement
        The engagement: responses, areas, problem and ``analysis.period``.
    sources : mapping of str to LoadResult, optional
        Its loaded sources (used when ``counts`` is not given).
    counts : pandas.DataFrame, optional
        Counts per period and area (``period``, ``area``, ``count``).
    alpha : float, default 0.05
        Significance level of the trend comparison.
    min_pre_periods : int, default :data:`MIN_PRE_PERIODS`
        Fewest periods before the start for a time-series design.

    Returns
    -------
    pandas.DataFrame
        One row per response: ``response``, ``design`` (id of :data:`DESIGNS`),
        ``design_label``, ``reason`` (why the stronger designs are out of reach, ``;``-joined;
        empty when the strongest is supported).

    Raises
    ------
    PlanError
        As :func:`evaluation_design`.
    """
    if not engagement.responses:
        raise PlanError(
            f"{engagement.path}: no response to design an evaluation for; write `responses:`"
        )
    _, series = _design_series(engagement, sources, counts)
    rows = []
    for response in engagement.responses:
        choice = _choose(
            response,
            series,
            engagement.analysis.period,
            alpha=alpha,
            min_pre_periods=min_pre_periods,
        )
        design = choice.design
        rank = [d for d, _ in DESIGNS].index(design) + 1
        reasons = [str(r["reason"]) for r in choice.rows if int(r["rank"]) < rank and r["reason"]]
        rows.append(
            {
                "response": response.name,
                "design": design,
                "design_label": _LABELS[design],
                "reason": "; ".join(dict.fromkeys(reasons)),
            }
        )
    return pd.DataFrame(rows, columns=["response", "design", "design_label", "reason"])


def evaluation_design(
    engagement: Engagement,
    sources: Mapping[str, LoadResult] | None = None,
    *,
    counts: pd.DataFrame | None = None,
    default_change: float = DEFAULT_CHANGE,
    power: float = 0.8,
    alpha: float = 0.05,
    min_pre_periods: int = MIN_PRE_PERIODS,
    post_periods: Sequence[int] | None = None,
    n_sims: int = 300,
    seed: int = 0,
) -> EvaluationDesign:
    """Recommend the strongest evaluation design for each response, and how long it must run.

    Parameters
    ----------
    engagement : Engagement
        The engagement: its responses (start, target, comparison, ``expected_change``), areas,
        problem and ``analysis.period``.
    sources : mapping of str to LoadResult, optional
        Its loaded sources; used to count the problem's events per period and area when
        ``counts`` is not given.
    counts : pandas.DataFrame, optional
        Counts per period and area: ``period`` (period start), ``area`` (names of
        ``engagement.areas``), ``count``; one row per period and area, zeros included.
    default_change : float, default :data:`DEFAULT_CHANGE`
        Rate ratio hoped for when a response gives no ``expected_change`` (a warning says so).
    power : float, default 0.8
        Power the review should have.
    alpha : float, default 0.05
        Significance level of the trend comparison and of the review's test.
    min_pre_periods : int, default :data:`MIN_PRE_PERIODS`
        Fewest periods before the start for a time-series design.
    post_periods : sequence of int, optional
        Follow-up lengths to search (default :data:`POST_PERIODS` of the analysis period).
        Time-series designs search them by bisection (:func:`first_length_reaching`), so
        ``power`` holds only the lengths simulated; pre-post designs evaluate every length.
    n_sims : int, default 300
        Simulations per length for :func:`cs360lib.evaluate.power_its`.
    seed : int, default 0
        Seed of the simulations (the result is reproducible).

    Returns
    -------
    EvaluationDesign
        Per response: the recommended design, the reasons the stronger ones are out of reach,
        the trend comparison, and the periods needed for the power asked.

    Raises
    ------
    PlanError
        When neither ``counts`` nor ``sources`` is given, ``counts`` lacks a column or an
        area the responses use, or a response has no period or no event of its target before
        its start (there is nothing to compare with).
    """
    if not engagement.responses:
        raise PlanError(
            f"{engagement.path}: no response to design an evaluation for; write `responses:`"
        )
    unit = engagement.analysis.period
    roles, series = _design_series(engagement, sources, counts)
    lengths = tuple(post_periods or POST_PERIODS[unit])
    offset = pd.DateOffset(months=1) if unit == "month" else pd.DateOffset(weeks=1)
    rows, design_rows, power_rows, notes = [], [], [], []
    for response in engagement.responses:
        choice = _choose(response, series, unit, alpha=alpha, min_pre_periods=min_pre_periods)
        first_post, target, pre = choice.first_post, choice.target, choice.pre
        n_pre, pre_events, trend = choice.n_pre, choice.pre_events, choice.trend
        comparison, comp_events, similar = choice.comparison, choice.comp_events, choice.similar
        notes += choice.notes
        design_rows += choice.rows
        design = choice.design
        ratio = response.expected_change or default_change
        if response.expected_change is None:
            notes.append(
                f"{response.name}: no expected_change in the engagement; a rate ratio of "
                f"{default_change:.2f} was assumed for the required duration."
            )
        if design.startswith("its"):
            seasonality = 1 if n_pre >= 2 * _PER_YEAR[unit] else 0
            required, table, its_notes = its_duration(
                pre,
                effect=ratio - 1.0,
                lengths=lengths,
                seasonality=seasonality,
                n_sims=n_sims,
                alpha=alpha,
                power=power,
                seed=seed,
            )
            notes += [f"{response.name}: {w}" for w in its_notes]
        else:
            table = pd.concat(
                [
                    power_rate_ratio(
                        pre_events, ratio, pre_exposure=n_pre, post_exposure=m, alpha=alpha
                    )
                    .to_frame()[["power"]]
                    .assign(post_periods=m)
                    for m in lengths
                ],
                ignore_index=True,
            )[["post_periods", "power"]].assign(method="power_rate_ratio")
            reach = table.loc[table["power"] >= power, "post_periods"]
            required = int(reach.iloc[0]) if len(reach) else None
        power_rows.append(table.assign(response=response.name))
        at = (
            float(table.loc[table["post_periods"] == required, "power"].iloc[0])
            if required is not None
            else np.nan
        )
        review = first_post + offset * required if required is not None else pd.NaT
        if response.end is not None and required is not None:
            if pd.Timestamp(response.end) < review - pd.Timedelta(days=1):
                notes.append(
                    f"{response.name} ends on {response.end}, before the {required} {unit}s "
                    "the review needs: extend it, or expect a review that may miss the effect."
                )
        rows.append(
            {
                "response": response.name,
                "design": design,
                "design_label": _LABELS[design],
                "target": response.area,
                "comparison": comparison or "",
                "start": first_post,
                "pre_periods": n_pre,
                "pre_events": pre_events,
                "pre_mean": pre_events / n_pre,
                "comparison_pre_events": comp_events,
                "trend_ratio": trend.ratio if trend else np.nan,
                "trend_low": trend.low if trend else np.nan,
                "trend_high": trend.high if trend else np.nan,
                "trend_p": trend.p_value if trend else np.nan,
                "similar_trend": similar,
                "expected_change": ratio,
                "assumed_change": response.expected_change is None,
                "required_periods": required,
                "power_at_required": at,
                "review_from": review,
                "post_periods_in_data": int((target["period"] >= first_post).sum()),
            }
        )
    power_frame = pd.concat(power_rows, ignore_index=True)[
        ["response", "post_periods", "power", "method"]
    ]
    return EvaluationDesign(
        frame=pd.DataFrame(rows),
        designs=pd.DataFrame(design_rows),
        power=power_frame,
        series=series[series["area"].isin(roles)].reset_index(drop=True),
        period=unit,
        target_power=power,
        warnings=notes,
    )
