"""Community survey measures: the change in the mean score, with its interval.

A survey measure (perceived safety, trust in police) is a score per period, area, item and
respondent group, each the mean answer of some respondents. The review compares the mean
score before the response with the mean since it began:

- **the change in the mean**: the respondent-weighted mean of the periods under the response
  minus that of the periods before (weights are the ``respondents`` column; equal weights, and
  a note, when the survey has none). It is the coefficient of ``post`` in a weighted least
  squares regression of the period scores on a constant and ``post``; its standard error is
  Newey-West (HAC, Bartlett kernel, ``floor(4 (n/100)^(2/9))`` lags; Newey and West 1994)
  because period scores are autocorrelated (some providers publish rolling or smoothed
  estimates), but never below the classical WLS standard error: HAC errors run narrow on
  the few dozen periods of a survey (about 92% coverage of a 95% interval on 48 iid months,
  tests/test_review_survey.py), and the larger of the two is the guard Angrist and Pischke
  (2009, section 8.2) recommend; t intervals on n - 2 degrees of freedom. With mildly
  autocorrelated scores (AR(1) 0.3) the 95% interval covers about 89% of the time; with
  strongly smoothed scores (AR(1) 0.5 or more) it runs narrow (about 85% on 60 months), a
  known limit of HAC errors in short series (Kiefer and Vogelsang 2005);
- **by area and by group**: the same for every area at the measured area's level (every
  district, so that a change "elsewhere" is visible too) and for every respondent group of the
  measured areas;
- **a difference in differences** against comparison areas when they are surveyed: the
  response's comparison area when it is an area of the survey, else the other areas at the
  same level. Per period, the difference between the measured and the comparison areas' means
  (weighted by ``1 / (1/n_target + 1/n_comparison)``, the inverse of the variance of a
  difference of two means) is regressed on ``post`` the same way (Angrist and Pischke 2009,
  ch. 5: difference in differences on aggregated data).

A change is **clear** when its interval excludes zero.

References
----------
Angrist, J. D., & Pischke, J.-S. (2009). *Mostly Harmless Econometrics*. Princeton UP.
Kiefer, N. M., & Vogelsang, T. J. (2005). A new asymptotic theory for heteroskedasticity-
autocorrelation robust tests. *Econometric Theory*, 21(6), 1130-1164.
Newey, W. K., & West, K. D. (1994). Automatic lag selection in covariance matrix estimation.
*Review of Economic Studies*, 61(4), 631-653.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import altair as alt
import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from cs360lib.config.engagement import Engagement, Metric, Response
from cs360lib.data.loaders import LoadResult
from cs360lib.data.series import filter_mask
from cs360lib.evaluate import newey_west_lags
from cs360lib.publish.aggregate import MAX_BARS
from cs360lib.publish.charts import PANEL_HEADER, message_chart
from cs360lib.publish.count_tables import Counts
from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table
from cs360lib.steps.review._common import (
    MARK_COLOURS,
    better_direction,
    change_direction,
    mark_of,
    natural_sorted,
    response_end,
    review_date,
)

if TYPE_CHECKING:  # pragma: no cover
    from pandas.io.formats.style import Styler

__all__ = ["MIN_PERIODS", "SurveyChange", "mean_change", "survey_change"]

MIN_PERIODS = 2
"""Fewest periods on each side of the start for a change with an interval."""

ALL_GROUP = "all"
"""The ``respondent_group`` of the whole sample (as the survey kind writes it)."""

_COLUMNS = [
    "response",
    "measure",
    "item",
    "analysis",
    "area",
    "respondent_group",
    "comparison",
    "before",
    "after",
    "change",
    "low",
    "high",
    "p_value",
    "periods_before",
    "periods_after",
    "respondents_before",
    "respondents_after",
    "weights",
    "direction",
    "mark",
]


@dataclass(frozen=True)
class MeanChange:
    """A change in a mean score with its interval (see :func:`mean_change`)."""

    before: float
    after: float
    change: float
    low: float
    high: float
    p_value: float
    periods_before: int
    periods_after: int


def mean_change(
    scores: Sequence[float] | np.ndarray,
    weights: Sequence[float] | np.ndarray,
    post: Sequence[bool] | np.ndarray,
    *,
    alpha: float = 0.05,
) -> MeanChange | None:
    """Estimate the change of a weighted mean score after a start, with a HAC interval.

    Parameters
    ----------
    scores : array-like, shape (n,)
        One score per period, in time order.
    weights : array-like, shape (n,)
        Weight of each period (its respondents; ones for equal weights).
    post : array-like of bool, shape (n,)
        True for the periods under the response.
    alpha : float, default 0.05
        One minus the confidence level.

    Returns
    -------
    MeanChange or None
        Weighted means before and after, their difference with its ``1 - alpha`` interval
        (WLS of the scores on ``post``; the larger of the Newey-West and the classical
        standard error; t on n - 2 df) and the p value; None with fewer than
        :data:`MIN_PERIODS` periods on a side.
    """
    y = np.asarray(scores, dtype=float)
    w = np.asarray(weights, dtype=float)
    d = np.asarray(post, dtype=bool)
    n1 = int(d.sum())
    n0 = len(d) - n1
    if n0 < MIN_PERIODS or n1 < MIN_PERIODS:
        return None
    X = np.column_stack([np.ones(len(y)), d.astype(float)])
    model = sm.WLS(y, X, weights=w)
    hac = model.fit(cov_type="HAC", cov_kwds={"maxlags": newey_west_lags(len(y))})
    classical = model.fit()
    se = max(float(hac.bse[1]), float(classical.bse[1]))
    estimate = float(classical.params[1])
    t = float(stats.t.ppf(1 - alpha / 2, len(y) - 2))
    low, high = estimate - t * se, estimate + t * se
    p_value = float(2 * stats.t.sf(abs(estimate) / se, len(y) - 2)) if se > 0 else 0.0
    before = float(np.average(y[~d], weights=w[~d]))
    after = float(np.average(y[d], weights=w[d]))
    return MeanChange(
        before=before,
        after=after,
        change=after - before,
        low=float(low),
        high=float(high),
        p_value=p_value,
        periods_before=n0,
        periods_after=n1,
    )


@dataclass(frozen=True)
class SurveyChange(Result):
    """Change of community survey scores since each response began, by area and group.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per response, survey measure and analysis: ``response``, ``measure``,
        ``item``, ``analysis`` (``measure``: the measure as the plan defines it; ``area``: one
        area at the measured level; ``group``: one respondent group of the measured areas;
        ``difference in differences``: the measured areas against ``comparison``), ``area``,
        ``respondent_group``, ``comparison``, ``before``, ``after`` (weighted means, NaN for a
        difference in differences), ``change``, ``low``, ``high`` (in score points),
        ``p_value``, ``periods_before``, ``periods_after``, ``respondents_before``,
        ``respondents_after``, ``weights`` (``respondents`` or ``equal``), ``direction``
        (``higher``, ``lower`` or empty when the interval includes zero) and ``mark``.
    scale : dict of str to str
        The scale of each item (``"0-100"``), when the survey gives it.
    alpha : float
        One minus the confidence level.
    """

    frame: pd.DataFrame
    scale: dict[str, str]
    alpha: float = 0.05
    # respondents over all the periods before and since the start (each row stands alone)
    count_columns = (
        Counts(
            ("respondents_before", "respondents_after"),
            by=("response", "measure", "analysis", "area", "respondent_group", "comparison"),
            totals=(),
        ),
    )
    privacy = {"response": "public", "area": "public"}
    labels = {
        "response": "Response",
        "measure": "Measure",
        "item": "Survey item",
        "analysis": "Comparison made",
        "area": "Area",
        "respondent_group": "Respondents",
        "comparison": "Compared with",
        "before": "Before",
        "after": "Since the start",
        "change": "Change (points)",
        "low": "Interval from",
        "high": "Interval to",
        "p_value": "P value",
        "periods_before": "Periods before",
        "periods_after": "Periods since",
        "respondents_before": "Respondents before",
        "respondents_after": "Respondents since",
        "weights": "Weighted by",
        "direction": "Clear change",
        "mark": "Mark",
    }

    def to_frame(self) -> pd.DataFrame:
        """Return every change (a copy)."""
        return self.frame.copy()

    def table(self) -> Styler:
        """Return the changes as a presentation table.

        Returns
        -------
        pandas.io.formats.style.Styler
            Measure, comparison made, area, group, before, since, change and interval, mark.
        """
        keep = [
            "measure",
            "analysis",
            "area",
            "respondent_group",
            "comparison",
            "before",
            "after",
            "change",
            "low",
            "high",
            "mark",
        ]
        return presentation_table(self.frame[keep], labels=self.labels, precision=1)

    def summary(self) -> str:
        """Say how each survey measure changed, by area and group, in plain language.

        Returns
        -------
        str
            Per measure: the change with its interval, the difference in differences, then the
            areas and groups with a clear change and those without.
        """
        f = self.frame
        if f.empty:
            return "\n".join(
                [
                    "No survey measure to review: no response names a survey metric.",
                    *self.warning_lines(),
                ]
            )
        level = round(100 * (1 - self.alpha))
        lines = []
        for (response, measure), rows in f.groupby(["response", "measure"], sort=False):
            lines.append(f"{measure} ({response}):")
            for r in rows[rows["analysis"] == "measure"].itertuples():
                lines.append(f"- {survey_sentence(r, level)}")
            for r in rows[rows["analysis"] == "difference in differences"].itertuples():
                lines.append(f"- {did_sentence(r, level)}")
            for what in ("area", "group"):
                part = rows[rows["analysis"] == what]
                if part.empty:
                    continue
                key = "area" if what == "area" else "respondent_group"
                clear = part[part["direction"] != ""]
                flat = part[part["direction"] == ""]
                if len(clear):
                    lines.append(
                        f"- Clear change by {what}: "
                        + "; ".join(
                            f"{getattr(r, key)} {r.change:+.1f} points ({r.low:+.1f} to "
                            f"{r.high:+.1f})"
                            for r in clear.itertuples()
                        )
                        + "."
                    )
                if len(flat):
                    lines.append(
                        f"- No clear change by {what}: "
                        + ", ".join(str(v) for v in flat[key])
                        + "."
                    )
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Draw each change with its interval, by area and group, coloured by its mark.

        Returns
        -------
        altair.Chart
            One point and interval bar per row (at most the
            :data:`~cs360lib.publish.aggregate.MAX_BARS` rows of each measure with the
            largest changes), a rule at no change, one panel per measure (the first 12).
        """
        title = "Survey scores: change since the response began"
        f = self.frame.copy()
        if f.empty:
            return message_chart("No survey measure has a change to show.", title=title)
        f["label"] = np.select(
            [f["analysis"] == "group", f["analysis"] == "difference in differences"],
            [
                f["area"] + ", " + f["respondent_group"],
                f["area"] + " against " + f["comparison"],
            ],
            default=f["area"],
        )
        f["label"] = (
            f["analysis"].str.replace("difference in differences", "diff.-in-diff.")
            + ": "
            + f["label"]
        )
        f = (
            f.assign(size=f["change"].abs())
            .sort_values(["measure", "size"], ascending=[True, False])
            .groupby("measure", sort=False)
            .head(MAX_BARS)
        )
        f = f[f["measure"].isin(f["measure"].drop_duplicates().head(_MAX_PANELS))]
        base = alt.Chart(f[["measure", "label", "change", "low", "high", "mark"]])
        y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=320))
        colour = alt.Color(
            "mark:N",
            title="mark",
            scale=alt.Scale(domain=list(MARK_COLOURS), range=list(MARK_COLOURS.values())),
        )
        bars = base.mark_rule().encode(
            y=y, x=alt.X("low:Q", title="change (points)"), x2="high:Q", color=colour
        )
        points = base.mark_point(filled=True).encode(
            y=y,
            x="change:Q",
            color=colour,
            tooltip=["measure", "label", "change", "low", "high", "mark"],
        )
        zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 3]).encode(x="x:Q")
        return (
            alt.layer(zero, bars, points)
            .properties(width=420)
            .facet(row=alt.Row("measure:N", title=None, header=PANEL_HEADER), data=base.data)
            .properties(title=title)
        )


def survey_sentence(r: object, level: int) -> str:
    """Say a survey change in one sentence (a row of :attr:`SurveyChange.frame`)."""
    where = (
        _and(r.area)
        if r.respondent_group in ("", ALL_GROUP)
        else f"{_and(r.area)}, {r.respondent_group}"
    )
    verdict = {
        "better": "a clear improvement",
        "worse": "a clear worsening",
        "higher": "clearly higher",
        "lower": "clearly lower",
    }.get(r.mark, "no clear change: the interval includes zero")
    return (
        f"{r.item} in {where}: {r.before:.1f} before the response and {r.after:.1f} since it "
        f"began, a change of {r.change:+.1f} points ({level}% interval {r.low:+.1f} to "
        f"{r.high:+.1f}): {verdict}."
    )


def did_sentence(r: object, level: int) -> str:
    """Say a difference in differences of survey scores in one sentence."""
    verdict = {
        "better": "a clear improvement relative to them",
        "worse": "a clear worsening relative to them",
        "higher": "clearly higher relative to them",
        "lower": "clearly lower relative to them",
    }.get(r.mark, "no clear difference from them")
    return (
        f"Against {_and(r.comparison)}, the change in {_and(r.area)} was {r.change:+.1f} points "
        f"({level}% interval {r.low:+.1f} to {r.high:+.1f}): {verdict}."
    )


_MAX_PANELS = 12
"""Most measures the survey chart draws, one panel each (the table has them all)."""

LISTED_AREAS = 4
"""Most comparison areas a sentence names; more are said as "the N other areas"."""


def _and(listed: str) -> str:
    """Say a list of areas: ``"Central, West"`` -> ``"Central and West"``."""
    parts = [p.strip() for p in listed.split(",") if p.strip()]
    if len(parts) > LISTED_AREAS:
        return f"the {len(parts)} other areas"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _periods(rows: pd.DataFrame, weighted: bool) -> pd.DataFrame:
    """Weighted mean score and respondents per period of some survey rows."""
    w = rows["respondents"].astype(float) if weighted else pd.Series(1.0, index=rows.index)
    frame = pd.DataFrame({"period": rows["period"], "wy": rows["score"] * w, "w": w})
    per = frame.groupby("period", sort=True).sum()
    return pd.DataFrame({"score": per["wy"] / per["w"], "weight": per["w"]})


def _change_row(
    per: pd.DataFrame,
    first: pd.Timestamp,
    *,
    alpha: float,
    better: str | None,
    **labels: object,
) -> dict[str, object] | None:
    change = mean_change(per["score"], per["weight"], per.index >= first, alpha=alpha)
    if change is None:
        return None
    post = per.index >= first
    direction = change_direction(change.low, change.high, 0.0)
    return {
        **labels,
        "before": change.before,
        "after": change.after,
        "change": change.change,
        "low": change.low,
        "high": change.high,
        "p_value": change.p_value,
        "periods_before": change.periods_before,
        "periods_after": change.periods_after,
        "respondents_before": float(per.loc[~post, "weight"].sum()),
        "respondents_after": float(per.loc[post, "weight"].sum()),
        "direction": direction or "",
        "mark": mark_of(direction, better),
    }


def survey_rows(
    data: pd.DataFrame,
    *,
    engagement: Engagement,
    response: Response,
    metric: Metric,
    source: str,
    better: str | None,
    as_of: pd.Timestamp,
    alpha: float = 0.05,
) -> tuple[list[dict[str, object]], list[str]]:
    """Compute the change of one survey measure for one response (see the module docstring).

    Parameters
    ----------
    data : pandas.DataFrame
        The survey's rows (kind ``survey``).
    engagement : Engagement
        The engagement (its areas).
    response : Response
        The response (start, end, comparison area).
    metric : Metric
        The survey measure (its filter and area).
    source : str
        The survey source's name, for messages.
    better : {"higher", "lower"} or None
        Which way is better.
    as_of : pandas.Timestamp
        The review date.
    alpha : float, default 0.05
        One minus the confidence level.

    Returns
    -------
    rows : list of dict
        Rows of :attr:`SurveyChange.frame`.
    notes : list of str
        What could not be done and why.
    """
    notes: list[str] = []
    stop = response_end(response, as_of)
    data = data[data["period"] <= stop]
    filters = dict(metric.filter)
    groups = data["respondent_group"].astype("string") if "respondent_group" in data else None
    if groups is not None and "respondent_group" not in filters:
        if (groups == ALL_GROUP).any():
            filters["respondent_group"] = [ALL_GROUP]
        elif groups.nunique() > 1:
            notes.append(
                f"{metric.name}: the survey has no '{ALL_GROUP}' respondent group and the metric "
                "names none: the groups are pooled (they may overlap)."
            )
    mask, _ = filter_mask(data, filters, name=source)
    if metric.area is not None:
        spec = engagement.areas[metric.area]
        mask &= data[spec.column].astype("string").isin(spec.values).fillna(False)
    chosen = data[mask]
    weighted = "respondents" in data.columns and data["respondents"].notna().any()
    if not weighted:
        notes.append(
            f"{metric.name}: the survey gives no respondent counts: every period weighs the same."
        )
    if chosen.empty:
        notes.append(
            f"{metric.name}: no survey row matches the measure's filter before {stop:%Y-%m-%d}."
        )
        return [], notes
    first = pd.Timestamp(response.start)
    items = sorted(chosen["item"].astype(str).unique())
    item = " and ".join(items)
    areas = natural_sorted(chosen["area"].astype(str).unique())
    where = ", ".join(areas)
    group = (
        ", ".join(sorted(chosen["respondent_group"].astype(str).unique()))
        if groups is not None
        else ""
    )
    base = {
        "response": response.name,
        "measure": metric.name,
        "item": item,
        "weights": "respondents" if weighted else "equal",
    }
    rows = []
    row = _change_row(
        _periods(chosen, weighted),
        first,
        alpha=alpha,
        better=better,
        **base,
        analysis="measure",
        area=where,
        respondent_group=group,
        comparison="",
    )
    if row is None:
        notes.append(
            f"{metric.name}: fewer than {MIN_PERIODS} survey periods before or since "
            f"{first:%Y-%m-%d}: the change cannot be estimated."
        )
        return [], notes
    rows.append(row)
    same_item = data[data["item"].astype(str).isin(items)]
    if groups is not None and "respondent_group" in filters:
        same_item = same_item[
            same_item["respondent_group"].astype(str).isin(filters["respondent_group"])
        ]
    level = _level_areas(data, chosen)
    for area in level:
        part = same_item[same_item["area"].astype(str) == area]
        found = _change_row(
            _periods(part, weighted),
            first,
            alpha=alpha,
            better=better,
            **base,
            analysis="area",
            area=area,
            respondent_group=group,
            comparison="",
        )
        if found is not None:
            rows.append(found)
    if groups is not None and groups.nunique() > 1:
        pooled = data[data["item"].astype(str).isin(items) & data["area"].astype(str).isin(areas)]
        for name in sorted(pooled["respondent_group"].dropna().astype(str).unique()):
            part = pooled[pooled["respondent_group"].astype(str) == name]
            found = _change_row(
                _periods(part, weighted),
                first,
                alpha=alpha,
                better=better,
                **base,
                analysis="group",
                area=where,
                respondent_group=name,
                comparison="",
            )
            if found is not None:
                rows.append(found)
    comparison = _comparison_areas(engagement, response, data, areas, level)
    if comparison:
        others = same_item[same_item["area"].astype(str).isin(comparison)]
        did = _did_row(
            _periods(chosen, weighted),
            _periods(others, weighted),
            first,
            alpha=alpha,
            better=better,
            **base,
            area=where,
            respondent_group=group,
            comparison=", ".join(comparison),
        )
        if did is not None:
            rows.append(did)
    else:
        notes.append(
            f"{metric.name}: no comparison area is surveyed: no difference in differences."
        )
    return rows, notes


def _level_areas(data: pd.DataFrame, chosen: pd.DataFrame) -> list[str]:
    """Return the areas at the measured level (all areas when the survey gives no level)."""
    if "area_level" in data.columns and chosen["area_level"].notna().any():
        levels = set(chosen["area_level"].dropna().astype(str))
        same = data[data["area_level"].astype("string").isin(levels).fillna(False)]
        return natural_sorted(same["area"].astype(str).unique())
    return natural_sorted(data["area"].astype(str).unique())


def _comparison_areas(
    engagement: Engagement,
    response: Response,
    data: pd.DataFrame,
    measured: list[str],
    level: list[str],
) -> list[str]:
    """Return the comparison area when surveyed, else the other areas at the same level."""
    if response.comparison is not None:
        spec = engagement.areas[response.comparison]
        if spec.column == "area":
            values = [v for v in spec.values if v in set(data["area"].astype(str))]
            if values:
                return values
    return [a for a in level if a not in measured]


def _did_row(
    target: pd.DataFrame,
    others: pd.DataFrame,
    first: pd.Timestamp,
    *,
    alpha: float,
    better: str | None,
    **labels: object,
) -> dict[str, object] | None:
    both = target.join(others, how="inner", lsuffix="_t", rsuffix="_c")
    if both.empty:
        return None
    diff = both["score_t"] - both["score_c"]
    weight = 1.0 / (1.0 / both["weight_t"] + 1.0 / both["weight_c"])
    change = mean_change(diff, weight, both.index >= first, alpha=alpha)
    if change is None:
        return None
    direction = change_direction(change.low, change.high, 0.0)
    post = both.index >= first
    return {
        **labels,
        "analysis": "difference in differences",
        "before": np.nan,
        "after": np.nan,
        "change": change.change,
        "low": change.low,
        "high": change.high,
        "p_value": change.p_value,
        "periods_before": change.periods_before,
        "periods_after": change.periods_after,
        "respondents_before": float(both.loc[~post, ["weight_t", "weight_c"]].sum().sum()),
        "respondents_after": float(both.loc[post, ["weight_t", "weight_c"]].sum().sum()),
        "direction": direction or "",
        "mark": mark_of(direction, better),
    }


def survey_change(
    engagement: Engagement,
    sources: Mapping[str, LoadResult],
    *,
    as_of: object = None,
    alpha: float = 0.05,
) -> SurveyChange:
    """Review every survey measure of the plan: change in the mean, by area and group.

    Parameters
    ----------
    engagement : Engagement
        The engagement: responses and the survey metrics they name.
    sources : mapping of str to LoadResult
        Its loaded sources.
    as_of : date-like, optional
        The review date (default the analysis end, else the data's last date).
    alpha : float, default 0.05
        One minus the confidence level.

    Returns
    -------
    SurveyChange
        See the module docstring for the method.
    """
    as_of = pd.Timestamp(as_of) if as_of is not None else review_date(engagement, sources)
    metrics = {m.name: m for m in engagement.metrics}
    rows, notes, scale = [], [], {}
    for response in engagement.responses:
        for name in response.measures:
            metric = metrics[name]
            kind = engagement.sources[metric.source].kind
            if kind != "survey" or metric.source not in sources:
                continue
            data = sources[metric.source].data
            if "scale" in data.columns:
                for item, value in data.groupby("item")["scale"].first().items():
                    if pd.notna(value):
                        scale[str(item)] = str(value)
            found, why = survey_rows(
                data,
                engagement=engagement,
                response=response,
                metric=metric,
                source=metric.source,
                better=better_direction(metric, kind),
                as_of=as_of,
                alpha=alpha,
            )
            rows += found
            notes += why
    return SurveyChange(
        frame=pd.DataFrame(rows, columns=_COLUMNS), scale=scale, alpha=alpha, warnings=notes
    )
