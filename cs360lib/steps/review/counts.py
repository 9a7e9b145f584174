"""Count measures: the impact of a response on a measure counted by period and area.

A count measure is a metric of the plan counted from an event source (incidents, calls,
arrests) or a partner metric (EMS overdose calls, 311 complaints), through
:func:`cs360lib.data.series.count_series` (zero-filled, coverage flags honoured). For each
response it names, the review uses the design the plan chose (``responses[i].design``) or the
evaluation-design assistant's recommendation (:func:`cs360lib.steps.design.recommended_designs`):

- **interrupted time series** (``its``) of the measure in the target area, and with a
  comparison area (``its_comparison``) a **controlled** one: the target and comparison series
  as a panel, the effect being the target's change relative to the comparison's (Linden 2015;
  Lopez Bernal, Cummins and Gasparrini 2018). A lasting response is a step at its start; the
  plan states its hoped-for change as a rate ratio, i.e. a **level change**, so the impact model
  is a level change on the pre-period trend (``slope_change=False``), chosen before looking at
  the data (Lopez Bernal, Cummins and Gasparrini 2017, "choose the impact model a priori").
  Seasonality: one Fourier pair when the series has two complete years before the start. A
  **recurring** response (``recurring: true``) is on only during its logged actions: daily
  counts with an on/off indicator for the days of each action and day-of-week, month and year
  effects (the pooled effect of all episodes; Phalen et al. 2020);
- **pre-post** (``pre_post``): the exact conditional rate-ratio test of the counts before and
  since the start (:func:`cs360lib.evaluate.rate_ratio_test`); with a comparison area
  (``pre_post_comparison``) the ratio of the two areas' rate ratios with its Wald interval on
  the log scale (``1/T0 + 1/T1 + 1/C0 + 1/C1``, Poisson counts);
- **WDD** (Wheeler and Ratcliffe 2018) of the target against the comparison (control) area
  and, with a displacement area, of the displacement area against the same control, on equal
  windows before and since the start (the last periods before it, as many as have passed
  since), with the overdispersion-robust variance (:func:`cs360lib.evaluate.wdd`);
- the **displacement area** gets the same design as the target: more of the measure there is
  displacement, less is a diffusion of benefits (Guerette and Bowers 2009).

Which areas a measure can be counted in: a metric whose ``area`` is the response's target area
is counted in the response's comparison and displacement areas as well; a metric whose filter
selects the target area's values on some column (``{area: [E2]}`` for a target ``beat E2``)
is counted with those values replaced by the other areas' values, when the source has them.
Otherwise the measure is evaluated in its own area alone.

References
----------
Guerette, R. T., & Bowers, K. J. (2009). Assessing the extent of crime displacement and
diffusion of benefits. *Criminology*, 47(4), 1331-1368.
Linden, A. (2015). Conducting interrupted time-series analysis for single- and multiple-group
comparisons. *Stata Journal*, 15(2), 480-500.
Lopez Bernal, J., Cummins, S., & Gasparrini, A. (2017). Interrupted time series regression for
the evaluation of public health interventions: a tutorial. *Int J Epidemiol*, 46(1), 348-355.
Lopez Bernal, J., Cummins, S., & Gasparrini, A. (2018). The use of controls in interrupted time
series studies of public health interventions. *Int J Epidemiol*, 47(6), 2082-2093.
Phalen, P., et al. (2020). Baltimore Ceasefire 365. *Am J Public Health*, 110(4), 554-559.
Wheeler, A. P., & Ratcliffe, J. H. (2018). A simple weighted displacement difference test to
evaluate place based crime interventions. *Crime Science*, 7(11).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from cs360lib.config.engagement import Area, Engagement, Metric, Response
from cs360lib.data.columns import distinct_text
from cs360lib.data.coverage import SourceCoverage, source_coverage
from cs360lib.data.loaders import LoadResult
from cs360lib.data.periods import to_periods
from cs360lib.data.series import count_series
from cs360lib.errors import Cs360Error, SeriesError
from cs360lib.evaluate import ITS, ITSResult, WDDResult, rate_ratio_test, wdd
from cs360lib.evaluate._results import change_words
from cs360lib.steps.review._common import (
    change_direction,
    date_text,
    mark_of,
    ratio_interval_words,
    response_end,
)

__all__ = [
    "NOUNS",
    "CountAnalysis",
    "count_analyses",
    "count_sentence",
    "episodes_of",
    "ratio_of_rate_ratios",
]

SEASONAL_YEARS = 2
"""Complete years before the start needed for a seasonal term (Bhaskaran et al. 2013 advise
several years; below two the seasonal and level terms cannot be told apart)."""

NOUNS: dict[str, str] = {"incidents": "crimes", "calls": "calls", "arrests": "arrests"}
"""What one unit of a count measure is, by its source's kind (else "events")."""

RECORDS: dict[str, str] = {
    "crimes": "crimes in the police incident records",
    "calls": "calls for service",
    "arrests": "arrests in the police arrest records",
}
"""What a count sentence says it counted, by noun (:data:`NOUNS`): two measures of one
problem from different sources (street robberies, robbery calls) can have the same count,
and the reader must see that they are two records."""

_PER_YEAR = {"month": 12, "week": 52}
_VERDICT = {
    "better": "a clear improvement",
    "worse": "a clear worsening",
    "higher": "clearly higher",
    "lower": "clearly lower",
    "no clear change": "no clear change: the interval includes no change",
}


@dataclass
class CountAnalysis:
    """The rows and fitted models of one count measure for one response.

    Attributes
    ----------
    rows : list of dict
        Rows of the impact table (see :class:`cs360lib.steps.review.impact.Impact`).
    models : dict of str to ITSResult or WDDResult
        The fitted models by analysis (``its``, ``controlled_its``, ``displacement``, ``wdd``).
    series : pandas.DataFrame
        The counts used: ``period``, ``area`` (role), ``count``.
    notes : list of str
        What could not be done and why.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    models: dict[str, Any] = field(default_factory=dict)
    series: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)


def episodes_of(actions: pd.DataFrame, response: str) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Return the date ranges of a recurring response's logged actions.

    Parameters
    ----------
    actions : pandas.DataFrame
        The actions log (``response``, ``start``, ``end``).
    response : str
        The response's name.

    Returns
    -------
    list of (Timestamp, Timestamp)
        ``(start, end)`` of each action (``end`` = ``start`` for a one-day action), in time
        order, both ends included.
    """
    mine = actions[
        actions["response"].astype("string").str.casefold().str.split().str.join(" ")
        == " ".join(response.split()).casefold()
    ]
    ends = mine["end"] if "end" in mine.columns else mine["start"]
    ranges = sorted(
        (pd.Timestamp(s).normalize(), pd.Timestamp(e if pd.notna(e) else s).normalize())
        for s, e in zip(mine["start"], ends, strict=True)
    )
    return ranges


def _place(area: Area) -> str:
    return f"{area.column} {', '.join(area.values)}"


def _role_filters(
    engagement: Engagement, response: Response, metric: Metric, data: pd.DataFrame
) -> tuple[dict[str, dict[str, Any]], dict[str, str], list[str]]:
    """Return the areas (or filters) each role of the measure is counted in, and places."""
    roles = {"comparison": response.comparison, "displacement": response.displacement}
    areas = engagement.areas
    notes: list[str] = []
    if metric.area is not None:
        if metric.area != response.area:
            return (
                {"target": {"area": areas[metric.area]}},
                {"target": _place(areas[metric.area])},
                notes,
            )
        found = {"target": {"area": areas[response.area]}}
        places = {"target": _place(areas[response.area])}
        for role, name in roles.items():
            if name is None:
                continue
            if areas[name].column in data.columns:
                found[role] = {"area": areas[name]}
                places[role] = _place(areas[name])
            else:
                notes.append(
                    f"{metric.name}: the {role} area uses {areas[name].column!r}, which "
                    f"{metric.source} does not have: no {role} series."
                )
        return found, places, notes
    target = areas.get(response.area)
    wanted = set(target.values) if target is not None else set()
    column = next(
        (c for c, values in metric.filter.items() if wanted and set(values) == wanted), None
    )
    if column is None:
        where = ", ".join(f"{c} {', '.join(v)}" for c, v in metric.filter.items()) or "everywhere"
        return {"target": {}}, {"target": where}, notes
    found = {"target": {}}
    places = {"target": f"{column} {', '.join(metric.filter[column])}"}
    present = set(distinct_text(data[column])) if column in data.columns else set()
    for role, name in roles.items():
        if name is None:
            continue
        values = [v for v in areas[name].values if v in present]
        if values:
            found[role] = {"filter": {**metric.filter, column: values}}
            places[role] = f"{column} {', '.join(values)}"
        else:
            notes.append(
                f"{metric.name}: no row of {metric.source} has {column} = "
                f"{', '.join(areas[name].values)} (the {role} area): no {role} series."
            )
    return found, places, notes


def _counts(
    source: LoadResult,
    *,
    name: str,
    metric: Metric,
    spec: dict[str, Any],
    period: str,
    start: Any,
    end: pd.Timestamp,
    coverage: SourceCoverage,
    notes: list[str],
) -> pd.Series:
    """Count one role's series; flagged periods at its edges are left out, inside refused."""
    kwargs: dict[str, Any] = {"filter": spec.get("filter", metric.filter)}
    if "area" in spec:
        kwargs["areas"] = {"role": spec["area"]}
    series = count_series(
        source,
        name=name,
        period=period,
        start=start,
        end=end,
        coverage=coverage,
        gaps="missing",
        **kwargs,
    )
    counts = series.counts.set_index("period")["count"]
    known = counts.notna().to_numpy()
    if known.all():
        return counts
    if not known.any():
        raise SeriesError(f"{name}: every period of the series is flagged: nothing to count")
    first, last = np.flatnonzero(known)[[0, -1]]
    if not known[first : last + 1].all():
        inside = counts.index[first : last + 1][~known[first : last + 1]]
        raise SeriesError(
            f"{name}: {len(inside)} period(s) inside the series are flagged (no data, or a "
            f"category structurally absent), from {inside[0]:%Y-%m-%d} to {inside[-1]:%Y-%m-%d}; "
            "choose analysis.start and analysis.end without them"
        )
    flagged = series.flags[series.flags["handled"] == "missing"]
    why = "; ".join(dict.fromkeys(flagged["detail"].astype(str)))[:300]
    notes.append(
        f"{metric.name}: {int((~known).sum())} flagged {period}(s) at the edge of the series "
        f"are left out ({why})."
    )
    return counts.iloc[first : last + 1]


def _long(parts: Mapping[str, pd.Series]) -> pd.DataFrame:
    frames = [
        pd.DataFrame({"period": s.index, "area": role, "count": s.to_numpy()})
        for role, s in parts.items()
    ]
    return pd.concat(frames, ignore_index=True)


def _integral(values: pd.Series) -> bool:
    v = values.dropna().to_numpy(dtype=float)
    return bool(len(v)) and bool(np.all(v >= 0)) and bool(np.allclose(v, np.round(v)))


def _its_row(
    res: ITSResult,
    *,
    term: str,
    analysis: str,
    role: str,
    on: np.ndarray,
    observed: np.ndarray,
) -> dict[str, Any]:
    row = res.effects.loc[term]
    gaussian = not res.log_link
    imp = res.impact.loc["cumulative"]
    est = float(row["estimate"] if gaussian else row["ratio"])
    low = float(row["ci_low"] if gaussian else row["ratio_low"])
    high = float(row["ci_high"] if gaussian else row["ratio_high"])
    return {
        "analysis": analysis,
        "role": role,
        "scale": "difference" if gaussian else "ratio",
        "periods_before": int((~on).sum()),
        "periods_after": int(on.sum()),
        "before": float(observed[~on].mean()) if (~on).any() else np.nan,
        "after": float(observed[on].mean()) if on.any() else np.nan,
        "estimate": est,
        "low": low,
        "high": high,
        "p_value": float(row["p_value"]),
        "actual": float(imp["actual"]),
        "expected": float(imp["predicted"]),
        "expected_low": float(imp["predicted_low"]),
        "expected_high": float(imp["predicted_high"]),
        "direction": change_direction(low, high, 0.0 if gaussian else 1.0),
    }


def count_analyses(
    engagement: Engagement,
    sources: Mapping[str, LoadResult],
    response: Response,
    metric: Metric,
    *,
    design: str,
    better: str | None,
    as_of: pd.Timestamp,
    actions: pd.DataFrame | None,
    coverages: dict[tuple[str, str], SourceCoverage],
    alpha: float = 0.05,
) -> CountAnalysis:
    """Evaluate one count measure of one response with the response's design.

    Parameters
    ----------
    engagement : Engagement
        The engagement (areas, analysis window and period).
    sources : mapping of str to LoadResult
        Its loaded sources.
    response : Response
        The response.
    metric : Metric
        The measure (an event source or a partner metric).
    design : str
        The design to use (an id of :data:`cs360lib.config.responses.DESIGN_IDS`).
    better : {"lower", "higher"} or None
        Which way is better for the measure.
    as_of : pandas.Timestamp
        The review date.
    actions : pandas.DataFrame or None
        The actions log (the episodes of a recurring response).
    coverages : dict
        Cache of each source's coverage by ``(source, period)`` (filled as needed).
    alpha : float, default 0.05
        One minus the confidence level.

    Returns
    -------
    CountAnalysis
        Rows for the impact table (primary first), the fitted models and notes. A measure
        that cannot be counted or fitted gets a note (with the library's message) and no row.
    """
    out = CountAnalysis()
    source = sources[metric.source]
    period = "day" if response.recurring else engagement.analysis.period
    stop = as_of if response.recurring else response_end(response, as_of)
    key = (metric.source, period)
    if key not in coverages:
        coverages[key] = source_coverage(
            source.data, kind=source.kind, name=metric.source, period=period
        )
    specs, places, notes = _role_filters(engagement, response, metric, source.data)
    out.notes += notes
    parts: dict[str, pd.Series] = {}
    for role, spec in specs.items():
        try:
            parts[role] = _counts(
                source,
                name=metric.source,
                metric=metric,
                spec=spec,
                period=period,
                start=engagement.analysis.start,
                end=stop,
                coverage=coverages[key],
                notes=out.notes,
            )
        except Cs360Error as error:
            if role == "target":
                out.notes.append(f"{metric.name}: cannot be counted: {error}")
                return out
            out.notes.append(f"{metric.name}: no {role} series: {error}")
    common = parts["target"].index
    for s in parts.values():
        common = common.intersection(s.index)
    parts = {role: s.reindex(common) for role, s in parts.items()}
    out.series = _long(parts)
    if response.recurring:
        if actions is None:
            out.notes.append(
                f"{metric.name}: a recurring response needs the actions log for its episodes."
            )
            return out
        ranges = episodes_of(actions, response.name)
        if not ranges:
            out.notes.append(
                f"{metric.name}: no action of {response.name} is logged, so there is no episode "
                "to evaluate (see the process evaluation)."
            )
            return out
        intervention: Any = ranges
        on = np.zeros(len(common), dtype=bool)
        for a, b in ranges:
            on |= np.asarray((common >= a) & (common <= b))
    else:
        first = to_periods(pd.Series([pd.Timestamp(response.start)]), period).iloc[0]
        if first < pd.Timestamp(response.start):
            first = first + (
                pd.DateOffset(months=1) if period == "month" else pd.Timedelta(weeks=1)
            )
        intervention = pd.Timestamp(first)
        on = np.asarray(common >= first)
    if on.sum() == 0 or (~on).sum() == 0:
        out.notes.append(
            f"{metric.name}: the series has no period {'before' if on.all() else 'since'} the "
            f"start of {response.name}: nothing to compare."
        )
        return out
    family = "quasipoisson" if all(_integral(s) for s in parts.values()) else "gaussian"
    n_pre = int((~on).sum()) if not response.recurring else 0
    kw: dict[str, Any] = {"family": family, "slope_change": False}
    if response.recurring:
        kw["calendar"] = ["dow", "month", "year"]
    elif n_pre >= SEASONAL_YEARS * _PER_YEAR[period]:
        kw["seasonality"] = 1
    comparison = "comparison" in parts
    term = "response" if response.recurring else "response_level_change"
    wanted = (
        design
        if not (design.endswith("comparison") and not comparison)
        else design.removesuffix("_comparison")
    )
    if wanted != design:
        out.notes.append(
            f"{metric.name}: the {design.replace('_', ' ')} design needs the measure in the "
            "comparison area, which it cannot be counted in: evaluated without a comparison."
        )
    base = {"design": wanted, "period": period, "noun": NOUNS.get(source.kind, "events")}
    roles = [r for r in ("target", "displacement") if r in parts]
    for role in roles:
        observed = parts[role].to_numpy(dtype=float)
        tag = "" if role == "target" else "displacement_"
        try:
            if wanted.startswith("its"):
                single = _fit(out.series, role, None, intervention, kw, alpha)
                out.models[f"{tag}its"] = single
                row = _its_row(
                    single, term=term, analysis="its", role=role, on=on, observed=observed
                )
                rows = [row]
                if wanted == "its_comparison":
                    panel = _fit(out.series, role, "comparison", intervention, kw, alpha)
                    out.models[f"{tag}controlled_its"] = panel
                    rows.insert(
                        0,
                        _its_row(
                            panel,
                            term=f"diff_{term}",
                            analysis="controlled_its",
                            role=role,
                            on=on,
                            observed=observed,
                        ),
                    )
            else:
                rows = [_pre_post(parts, role, on, wanted, alpha)]
        except Cs360Error as error:
            out.notes.append(f"{metric.name}: the {role} series could not be evaluated: {error}")
            if role == "target":
                return out
            continue
        for i, row in enumerate(rows):
            row.update(base)
            row["primary"] = role == "target" and i == 0
            row["mark"] = mark_of(row.pop("direction"), better)
            row["places"] = places
            row["sentence"] = count_sentence(metric.name, row, response, engagement.analysis.period)
            out.rows.append(row)
    if comparison and not response.recurring and wanted != "pre_post":
        out.rows += _wdd_rows(parts, on, out, metric, response, better, base, places, alpha)
    return out


def _fit(
    series: pd.DataFrame,
    treated: str,
    control: str | None,
    intervention: Any,
    kw: dict[str, Any],
    alpha: float,
) -> ITSResult:
    if control is None:
        data = series[series["area"] == treated]
        return ITS(
            data, time="period", outcome="count", interventions={"response": intervention}, **kw
        ).fit(alpha=alpha)
    data = series[series["area"].isin([treated, control])]
    return ITS(
        data,
        time="period",
        outcome="count",
        interventions={"response": intervention},
        group="area",
        treated=treated,
        **kw,
    ).fit(alpha=alpha)


def ratio_of_rate_ratios(
    pre: float, post: float, comparison_pre: float, comparison_post: float, *, alpha: float = 0.05
) -> tuple[float, float, float, float]:
    """Compare the change of a target area's count with a comparison area's change.

    Parameters
    ----------
    pre, post : float
        The target area's counts before and since the start (over equal windows of the two
        areas; the windows' lengths cancel).
    comparison_pre, comparison_post : float
        The comparison area's counts over the same windows.
    alpha : float, default 0.05
        One minus the confidence level.

    Returns
    -------
    estimate : float
        ``(post / pre) / (comparison_post / comparison_pre)``.
    low, high : float
        Its Wald interval on the log scale, standard error
        ``sqrt(1/pre + 1/post + 1/comparison_pre + 1/comparison_post)`` (four independent
        Poisson counts; Rothman, Greenland and Lash 2008, *Modern Epidemiology*, ch. 14).
    p_value : float
        Two-sided, of no difference between the two areas' changes.

    Raises
    ------
    Cs360Error
        When a count is zero (the log ratio and its variance are undefined).
    """
    counts = (pre, post, comparison_pre, comparison_post)
    if min(counts) <= 0:
        raise _NoEstimate("a zero count on one side: the ratio of rate ratios has no interval")
    log_r = float(np.log(post * comparison_pre / (pre * comparison_post)))
    se = float(np.sqrt(sum(1 / c for c in counts)))
    z = float(stats.norm.ppf(1 - alpha / 2))
    return (
        float(np.exp(log_r)),
        float(np.exp(log_r - z * se)),
        float(np.exp(log_r + z * se)),
        float(2 * stats.norm.sf(abs(log_r) / se)),
    )


def _pre_post(
    parts: Mapping[str, pd.Series], role: str, on: np.ndarray, design: str, alpha: float
) -> dict[str, Any]:
    y = parts[role].to_numpy(dtype=float)
    pre, post = float(np.nansum(y[~on])), float(np.nansum(y[on]))
    n0, n1 = int((~on).sum()), int(on.sum())
    row: dict[str, Any] = {
        "role": role,
        "scale": "ratio",
        "periods_before": n0,
        "periods_after": n1,
        "before": pre / n0,
        "after": post / n1,
        "actual": post,
        "expected": pre / n0 * n1,
        "expected_low": np.nan,
        "expected_high": np.nan,
    }
    if design == "pre_post_comparison" and "comparison" in parts:
        c = parts["comparison"].to_numpy(dtype=float)
        c0, c1 = float(np.nansum(c[~on])), float(np.nansum(c[on]))
        estimate, low, high, p_value = ratio_of_rate_ratios(pre, post, c0, c1, alpha=alpha)
        row.update(
            analysis="pre_post_comparison",
            estimate=estimate,
            low=low,
            high=high,
            p_value=p_value,
            expected=pre * c1 / c0,
        )
    else:
        test = rate_ratio_test(
            int(round(pre)), int(round(post)), pre_exposure=n0, post_exposure=n1, alpha=alpha
        )
        row.update(
            analysis="pre_post",
            estimate=test.ratio,
            low=test.ci_low,
            high=test.ci_high,
            p_value=test.p_value,
        )
    row["direction"] = change_direction(row["low"], row["high"], 1.0)
    return row


class _NoEstimate(Cs360Error):
    """A comparison that the counts cannot estimate."""


def _wdd_rows(
    parts: Mapping[str, pd.Series],
    on: np.ndarray,
    out: CountAnalysis,
    metric: Metric,
    response: Response,
    better: str | None,
    base: dict[str, Any],
    places: dict[str, str],
    alpha: float,
) -> list[dict[str, Any]]:
    n1 = int(on.sum())
    pre_idx = np.flatnonzero(~on)
    keep = np.zeros(len(on), dtype=bool)
    keep[on] = True
    keep[pre_idx[-n1:]] = True
    n0 = int((keep & ~on).sum())
    series = {role: s[keep] for role, s in parts.items()}
    first = series["target"].index[np.flatnonzero(on[keep])[0]]
    weights = None if n0 == n1 else (1.0, n0 / n1)
    try:
        res: WDDResult = wdd(
            series["comparison"],
            series["target"],
            series["comparison"] if "displacement" in series else None,
            series.get("displacement"),
            intervention=first,
            time_weights=weights,
            alpha=alpha,
        )
    except Cs360Error as error:
        out.notes.append(f"{metric.name}: no WDD: {error}")
        return []
    out.models["wdd"] = res
    rows = []
    for part, role in (("local", "target"), ("displacement", "displacement")):
        if role not in series:
            continue
        r = res.frame.loc[part]
        direction = change_direction(float(r["ci_low"]), float(r["ci_high"]), 0.0)
        row = {
            **base,
            "analysis": "wdd",
            "role": role,
            "primary": False,
            "scale": "count",
            "periods_before": n0,
            "periods_after": n1,
            "before": float(series[role][~on[keep]].mean()),
            "after": float(series[role][on[keep]].mean()),
            "estimate": float(r["estimate"]),
            "low": float(r["ci_low"]),
            "high": float(r["ci_high"]),
            "p_value": float(r["p_value"]),
            "actual": np.nan,
            "expected": np.nan,
            "expected_low": np.nan,
            "expected_high": np.nan,
            "mark": mark_of(direction, better),
            "places": places,
        }
        row["sentence"] = count_sentence(metric.name, row, response, base["period"])
        rows.append(row)
    return rows


def _crimes(value: float, noun: str) -> str:
    """Say a change in counts: ``-88`` -> ``"88 fewer crimes"``, ``12`` -> ``"12 more crimes"``."""
    if round(value) == 0:
        return "no change" if not noun else f"no change in {noun}"
    word = "fewer" if value < 0 else "more"
    return f"{abs(value):,.0f} {word}" + (f" {noun}" if noun else "")


def count_sentence(measure: str, row: Mapping[str, Any], response: Response, unit: str) -> str:
    """Say one count result in a sentence that agrees with its numbers.

    Parameters
    ----------
    measure : str
        The measure's name.
    row : mapping
        A row of the impact table (``analysis``, ``role``, ``estimate``, ``low``, ``high``,
        ``actual``, ``expected`` and its interval, ``mark``, ``places``, ``period``).
    response : Response
        The response (for its start).
    unit : str
        The analysis period.

    Returns
    -------
    str
        E.g. "Street robberies in the target beat (beat E2): 174 recorded (crimes in the
        police incident records) in the 21 months since 1 April 2023 against about 323
        expected without the response (143 to 579); the rate was 46% lower than expected
        (from 73% lower to 6% higher) relative to the comparison area (beat W2): no clear
        change: the interval includes no change."
    """
    places = row.get("places") or {}
    where = places.get(row["role"], "")
    label = measure if row["role"] == "target" else f"{measure}, displacement area"
    head = f"{label} ({where})" if where else label
    verdict = _VERDICT.get(row["mark"], row["mark"])
    if row["role"] == "displacement":
        verdict = {
            "worse": "clear displacement (more nearby)",
            "better": "a clear diffusion of benefits (less nearby)",
        }.get(row["mark"], verdict if row["mark"] != "no clear change" else "no clear displacement")
    period = row.get("period", unit)
    n1 = int(row["periods_after"])
    since = (
        f"on the {n1:,} days of its actions"
        if response.recurring
        else f"in the {n1:,} {period}s since {date_text(response.start)}"
    )
    analysis = row["analysis"]
    comparison = (
        f"the comparison area ({places['comparison']})"
        if "comparison" in places
        else "the comparison area"
    )
    if analysis == "wdd":
        return (
            f"{head}: the weighted displacement difference against {comparison} is "
            f"{_crimes(row['estimate'], row.get('noun', 'events'))} over {n1:,} {period}s "
            f"(interval from {_crimes(row['low'], '')} to {_crimes(row['high'], '')}): {verdict}."
        )
    counted = ""
    if np.isfinite(row.get("actual", np.nan)) and np.isfinite(row.get("expected", np.nan)):
        band = ""
        if np.isfinite(row.get("expected_low", np.nan)) and np.isfinite(
            row.get("expected_high", np.nan)
        ):
            band = f" ({row['expected_low']:,.0f} to {row['expected_high']:,.0f})"
        records = RECORDS.get(str(row.get("noun", "")))
        counted = (
            f"{row['actual']:,.0f} recorded{f' ({records})' if records else ''} {since} "
            f"against about {row['expected']:,.0f} expected without the response{band}; "
        )
    if row["scale"] == "difference":
        side = "lower" if row["estimate"] < 0 else "higher"
        change = (
            f"the level was {abs(row['estimate']):,.1f} {side} than expected (interval "
            f"{row['low']:,.1f} to {row['high']:,.1f})"
        )
    else:
        change = (
            f"the rate was {change_words(row['estimate'])} than expected "
            f"({ratio_interval_words(row['low'], row['high'])})"
        )
        change = change.replace("times as high than", "times as high as")
    if analysis in ("controlled_its", "pre_post_comparison"):
        change += f" relative to {comparison}"
    elif analysis == "pre_post":
        change = change.replace("than expected", "than before")
    return f"{head}: {counted}{change}: {verdict}."
