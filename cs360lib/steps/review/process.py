"""Process evaluation: was each response carried out as planned.

A response that did not happen cannot have worked, so the review looks at the actions log
before any impact result (Eck 2002, "process evaluation" before "impact evaluation"; Durlak
and DuPre 2008: the level of implementation changes the outcomes a programme reaches). For
each response of the plan, the log says which actions were taken, by which owner, when, where
and how much (dosage), against what the plan says (``responses[i]``: ``owner``, ``start``,
``area``, ``planned``).

**The fidelity rule** (:func:`fidelity`), stated here and in the result's summary:

- **not implemented**: no action of the response is logged up to the review date, or a
  dosage is planned and none of the planned units was delivered at all;
- **implemented**: actions are logged and (1) every planned unit was delivered to at least
  :data:`FIDELITY_SHARE` (80%) of the amount planned to date, (2) the first action came no
  later than one analysis period after the planned start, (3) at least 80% of the actions whose
  area the log gives were in the target area, and (4) every planned owner logged at least one
  action;
- **partly implemented**: actions are logged but one of (1) to (4) fails (each failure is
  given as a reason);
- **not recorded**: the engagement has no actions log: whether the response was carried out
  cannot be told (it is neither called implemented nor not implemented).

80% is the usual threshold of "high fidelity" in implementation research (Borrelli 2011,
treatment fidelity in public health trials: 80-100% adherence); Durlak and DuPre (2008) found
positive results at implementation levels around 60%, so a "partly implemented" response may
still work, and the review never calls it ineffective.

References
----------
Borrelli, B. (2011). The assessment, monitoring, and enhancement of treatment fidelity in
public health clinical trials. *Journal of Public Health Dentistry*, 71(s1), S52-S63.
Durlak, J. A., & DuPre, E. P. (2008). Implementation matters: a review of research on the
influence of implementation on program outcomes. *American Journal of Community Psychology*,
41(3-4), 327-350.
Eck, J. E. (2002). *Assessing Responses to Problems: An Introductory Guide for Police
Problem-Solvers*. COPS Office, Problem-Solving Tools Series No. 1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import altair as alt
import numpy as np
import pandas as pd

from cs360lib.config.engagement import Engagement, Response
from cs360lib.data.loaders import LoadResult
from cs360lib.data.periods import to_periods
from cs360lib.publish.aggregate import MAX_BARS, time_blocks
from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table
from cs360lib.steps.plan import match_owners
from cs360lib.steps.review._common import (
    date_text,
    norm,
    response_end,
    review_date,
    same_name,
)

if TYPE_CHECKING:  # pragma: no cover
    from pandas.io.formats.style import Styler

__all__ = [
    "FIDELITY_SHARE",
    "VERDICTS",
    "ProcessEvaluation",
    "fidelity",
    "planned_to_date",
    "process_evaluation",
]

FIDELITY_SHARE = 0.8
"""Share of the planned dosage (and of the actions in the target area) from which a response
counts as implemented (Borrelli 2011: 80% adherence or more is high fidelity)."""

VERDICTS: tuple[str, ...] = (
    "implemented",
    "partly implemented",
    "not implemented",
    "not recorded",
)
"""The fidelity verdicts, from the best."""

_FRAME_COLUMNS = [
    "response",
    "start",
    "end",
    "reviewed_to",
    "verdict",
    "reasons",
    "actions",
    "first_action",
    "last_action",
    "late_days",
    "owners_planned",
    "owners_logged",
    "owners_missing",
    "areas_logged",
    "in_target",
    "periods_active",
    "periods",
    "dosage_share",
]
_UNIT_DAYS = {"week": 7.0, "month": 365.25 / 12, "year": 365.25}
_PERIOD_DAYS = {"week": 7, "month": 31, "day": 1}
_SPLIT = re.compile(r"\s*(?:;|,|&|\+|/|\band\b|\bwith\b)\s*", re.IGNORECASE)
_VERDICT_COLOURS = alt.Scale(
    domain=list(VERDICTS), range=["#1a9850", "#fdae61", "#d73027", "#bdbdbd"]
)


def planned_to_date(dosage: float, per: str, start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Return the dosage planned from a response's start to a date.

    Parameters
    ----------
    dosage : float
        The planned amount (``planned[i].dosage``).
    per : {"total", "week", "month", "year"}
        ``total``: the amount itself; otherwise the amount per unit of time.
    start, end : pandas.Timestamp
        First and last day of the response covered by the review (both included).

    Returns
    -------
    float
        ``dosage`` for a total; else ``dosage`` times the days from ``start`` to ``end``
        (inclusive) over the days of the unit (a month is 365.25 / 12 days).
    """
    if per == "total":
        return float(dosage)
    days = max((end - start).days + 1, 0)
    return float(dosage) * days / _UNIT_DAYS[per]


def fidelity(
    *,
    actions: int,
    delivered_any: bool,
    dosage_shares: Mapping[str, float],
    late_days: float,
    late_limit: int,
    in_target: float,
    missing_owners: list[str],
    recorded: bool = True,
) -> tuple[str, list[str]]:
    """Apply the fidelity rule (see the module docstring).

    Parameters
    ----------
    actions : int
        Actions of the response logged up to the review date.
    delivered_any : bool
        Whether any planned unit was delivered at all (True when nothing is planned).
    dosage_shares : mapping of str to float
        Planned unit -> delivered / planned to date.
    late_days : float
        Days from the planned start to the first action (negative: before; NaN: no action).
    late_limit : int
        Days of delay tolerated (one analysis period).
    in_target : float
        Share of the actions with a logged area that were in the target area (NaN when it
        cannot be judged).
    missing_owners : list of str
        Planned owners without a logged action.
    recorded : bool, default True
        False when the engagement has no actions log.

    Returns
    -------
    verdict : str
        One of :data:`VERDICTS`.
    reasons : list of str
        Why, in plain words (empty for "implemented").
    """
    if not recorded:
        return "not recorded", [
            "the engagement has no actions log, so whether the response was carried out cannot "
            "be told"
        ]
    if actions == 0:
        return "not implemented", ["no action of this response is logged"]
    if not delivered_any:
        units = ", ".join(dosage_shares)
        return "not implemented", [f"no part of the planned dosage ({units}) was delivered"]
    reasons = []
    for unit, share in dosage_shares.items():
        if share < FIDELITY_SHARE:
            reasons.append(
                f"only {share:.0%} of the {unit} planned to date were delivered (at least "
                f"{FIDELITY_SHARE:.0%} counts as delivered as planned)"
            )
    if np.isfinite(late_days) and late_days > late_limit:
        reasons.append(f"the first action came {late_days:.0f} days after the planned start")
    if np.isfinite(in_target) and in_target < FIDELITY_SHARE:
        reasons.append(f"only {in_target:.0%} of the actions were in the target area")
    if missing_owners:
        reasons.append(f"no action is logged by {', '.join(missing_owners)}")
    return ("partly implemented" if reasons else "implemented"), reasons


@dataclass(frozen=True)
class ProcessEvaluation(Result):
    """Was each response carried out as planned? (the review's first section).

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per response: ``response``, ``start``, ``end`` (planned; NaT while it runs),
        ``reviewed_to``, ``verdict`` (:data:`VERDICTS`), ``reasons`` (``;``-joined),
        ``actions`` (logged up to the review date), ``first_action``, ``last_action``,
        ``late_days`` (first action after the planned start), ``owners_planned``,
        ``owners_logged``, ``owners_missing`` (``;``-joined), ``areas_logged``, ``in_target``
        (share of actions with an area that were in the target area), ``periods_active`` and
        ``periods`` (analysis periods of the response with an action, and all of them),
        ``dosage_share`` (the lowest delivered / planned share over the planned units).
    dosage : pandas.DataFrame
        One row per response and dosage unit (planned or logged): ``response``, ``unit``,
        ``per``, ``planned`` (to date; NaN when not planned), ``delivered``, ``share``,
        ``actions``.
    actions : pandas.DataFrame
        The logged actions of the responses (the actions log's columns) with ``in_target``.
    other_actions : pandas.DataFrame
        Actions whose ``response`` is not a response of the plan (``response``, ``actions``).
    as_of : pandas.Timestamp
        The review date.
    period : str
        The analysis period (``month`` or ``week``) of the timeline.
    """

    frame: pd.DataFrame
    dosage: pd.DataFrame
    actions: pd.DataFrame
    other_actions: pd.DataFrame
    as_of: pd.Timestamp
    period: str
    # actions the team logged, days and periods: the work of the responses' owners, not counts
    # of people or of the public's events
    count_columns = ()
    privacy = {"response": "public"}  # the plan's names of its responses, not free text
    labels = {
        "response": "Response",
        "start": "Planned start",
        "end": "Planned end",
        "reviewed_to": "Reviewed to",
        "verdict": "Carried out?",
        "reasons": "Why",
        "actions": "Actions logged",
        "first_action": "First action",
        "last_action": "Last action",
        "late_days": "Days late",
        "owners_planned": "Owners planned",
        "owners_logged": "Owners who logged actions",
        "owners_missing": "Planned owners without an action",
        "areas_logged": "Areas logged",
        "in_target": "Share in the target area",
        "periods_active": "Periods with an action",
        "periods": "Periods of the response",
        "dosage_share": "Lowest share of planned dosage delivered",
        "unit": "Unit",
        "per": "Planned per",
        "planned": "Planned to date",
        "delivered": "Delivered",
        "share": "Share delivered",
    }

    def to_frame(self) -> pd.DataFrame:
        """Return one row per response (a copy)."""
        return self.frame.copy()

    def verdict(self, response: str) -> str:
        """Return the fidelity verdict of one response (by name)."""
        row = self.frame.loc[self.frame["response"] == response]
        if row.empty:
            raise KeyError(f"{response!r} is not a response of the plan")
        return str(row["verdict"].iloc[0])

    def summary(self) -> str:
        """Say, per response, whether it was carried out as planned, and by which rule.

        Returns
        -------
        str
            One paragraph per response (verdict, actions, owners, when, where, dosage against
            the plan), the rule, then actions logged for no planned response and warnings.
        """
        if self.frame.empty:
            return "\n".join(
                [
                    "The plan has no response to review: write `responses:` first.",
                    *self.warning_lines(),
                ]
            )
        lines = []
        for r in self.frame.itertuples():
            lines.append(f"{r.response}: {r.verdict}.")
            if r.verdict == "not recorded":
                lines.append(f"- {r.reasons}.")
                continue
            if r.actions == 0:
                lines.append(
                    f"- No action of this response is logged between its planned start "
                    f"({date_text(r.start)}) and {date_text(r.reviewed_to)}: it was not carried "
                    "out, so the review cannot say whether it works (it is not called "
                    "ineffective)."
                )
                continue
            lines.append(
                f"- {r.actions:,} actions logged from {date_text(r.first_action)} to "
                f"{date_text(r.last_action)}"
                + (f" by {r.owners_logged.replace(';', ',')}" if r.owners_logged else "")
                + f"; planned start {date_text(r.start)}."
            )
            if np.isfinite(r.in_target):
                lines.append(
                    f"- {r.in_target:.0%} of the actions with an area were in the target area."
                )
            lines.append(
                f"- Actions in {r.periods_active} of the {r.periods} {self.period}s of the "
                "response."
            )
            mine = self.dosage[self.dosage["response"] == r.response]
            for d in mine.itertuples():
                if pd.notna(d.planned):
                    lines.append(
                        f"- {d.delivered:,.0f} {d.unit} delivered of {d.planned:,.0f} planned to "
                        f"date ({d.share:.0%})."
                    )
                else:
                    lines.append(f"- {d.delivered:,.0f} {d.unit} delivered (no amount planned).")
            if r.reasons:
                lines.append(f"- Why not fully as planned: {r.reasons}.")
            if r.verdict == "partly implemented":
                lines.append(
                    "- A response carried out only in part is reported as such: its results "
                    "below are not a verdict on the response as planned."
                )
        lines.append(
            f"Rule: implemented when every planned unit reached {FIDELITY_SHARE:.0%} of the "
            f"amount planned to date, the first action came within one {self.period} of the "
            f"planned start, {FIDELITY_SHARE:.0%} of the actions were in the target area and "
            "every planned owner logged an action; not implemented when nothing (or no part of the "
            "planned dosage) was delivered; partly implemented otherwise."
        )
        for o in self.other_actions.itertuples():
            lines.append(
                f"- {o.actions:,} action(s) name the response {o.response!r}, which is not in "
                "the plan: check its name in the actions log or add it to `responses:`."
            )
        return "\n".join([*lines, *self.warning_lines()])

    def table(self) -> Styler:
        """Return the main columns as a presentation table (response, verdict, actions, dosage).

        Returns
        -------
        pandas.io.formats.style.Styler
        """
        keep = [
            "response",
            "verdict",
            "actions",
            "first_action",
            "owners_logged",
            "in_target",
            "dosage_share",
            "reasons",
        ]
        shown = self.frame[keep].copy()
        for column in ("in_target", "dosage_share"):
            shown[column] = [f"{v:.0%}" if pd.notna(v) else "–" for v in shown[column]]
        return presentation_table(shown, labels=self.labels)

    def chart(self) -> alt.LayerChart:
        """Draw the timeline of the actions against each response's period.

        Returns
        -------
        altair.LayerChart
            One row per action (the :data:`~cs360lib.publish.aggregate.MAX_BARS` most
            frequent, the others together), one mark per analysis period with an action
            (darker for more dosage), over a band for each response's period coloured by its
            verdict, with a rule at the planned start.
        """
        acts = self.actions
        if self.frame.empty:
            note = pd.DataFrame({"text": ["No response in the plan: write responses: first"]})
            return alt.layer(alt.Chart(note).mark_text(size=13).encode(text="text:N")).properties(
                width=560, height=60, title="No response to review"
            )
        spans = self.frame.assign(
            stop=self.frame["end"].fillna(self.frame["reviewed_to"]).clip(upper=self.as_of)
        )[["response", "start", "stop", "verdict"]]
        band = (
            alt.Chart(spans)
            .mark_rect(opacity=0.15)
            .encode(
                x=alt.X("start:T", title=None),
                x2="stop:T",
                color=alt.Color("verdict:N", title="carried out?", scale=_VERDICT_COLOURS),
                tooltip=["response", alt.Tooltip("start:T", title="planned start"), "verdict"],
            )
        )
        start = alt.Chart(spans).mark_rule(strokeDash=[4, 3]).encode(x="start:T")
        if acts.empty:
            return alt.layer(band, start).properties(
                width=560, height=60, title="No action logged for the responses"
            )
        label = acts["response"].astype(str) + ": " + acts["action"].astype(str)
        cells = acts.assign(
            label=label,
            period=to_periods(acts["start"], self.period),
            dose=pd.to_numeric(acts.get("dosage"), errors="coerce"),
        )
        ranked = cells["label"].value_counts(sort=True)
        order = list(ranked.index)
        if len(ranked) > MAX_BARS:
            order = [*ranked.index[: MAX_BARS - 1], f"{len(ranked) - MAX_BARS + 1:,} other actions"]
            cells["label"] = cells["label"].where(cells["label"].isin(order), order[-1])
        grid = (
            cells.groupby(["label", "period"], sort=False)
            .agg(actions=("label", "size"), dosage=("dose", "sum"))
            .reset_index()
        )
        grid, block = time_blocks(
            grid, order="period", by=("label",), aggregations={"actions": "sum", "dosage": "sum"}
        )
        days = _PERIOD_DAYS[self.period] * block
        grid = grid.assign(stop=grid["period"] + pd.Timedelta(days=days))
        marks = (
            alt.Chart(grid)
            .mark_rect()
            .encode(
                x="period:T",
                x2="stop:T",
                y=alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=360)),
                opacity=alt.Opacity("actions:Q", title="actions", legend=None),
                tooltip=[
                    "label",
                    alt.Tooltip("period:T", title="from"),
                    "actions",
                    alt.Tooltip("dosage:Q", format=",.0f"),
                ],
            )
        )
        return alt.layer(band, start, marks).properties(
            width=560, title="Actions logged against each response's period"
        )


def _planned_owners(response: Response, roster: pd.DataFrame | None) -> list[str]:
    """Return the owners a response names, read against the community map if there is one."""
    if not response.owner.strip():
        return []
    if roster is not None and "organisation" in roster.columns:
        owners, unknown = match_owners(response.owner, roster)
        return owners + unknown
    return [p for p in (s.strip() for s in _SPLIT.split(response.owner)) if p]


def _source(engagement: Engagement, sources: Mapping[str, LoadResult], kind: str) -> str | None:
    names = [n for n, s in engagement.sources.items() if s.kind == kind and n in sources]
    return names[0] if names else None


def process_evaluation(
    engagement: Engagement,
    sources: Mapping[str, LoadResult],
    *,
    as_of: object = None,
) -> ProcessEvaluation:
    """Evaluate whether each response was carried out as planned, from the actions log.

    Parameters
    ----------
    engagement : Engagement
        The engagement: its responses (owner, start, end, area, ``planned`` dosage), areas
        and ``analysis.period``.
    sources : mapping of str to LoadResult
        Its loaded sources (``load_engagement``): the ``actions`` log and, when there is
        one, the ``stakeholders`` roster (to read the planned owners).
    as_of : date-like, optional
        The review date (default :func:`~cs360lib.steps.review._common.review_date`).

    Returns
    -------
    ProcessEvaluation
        Per response: actions, owners, when, where, dosage against the plan and the fidelity
        verdict (see the module docstring); a timeline chart.
    """
    as_of = pd.Timestamp(as_of) if as_of is not None else review_date(engagement, sources)
    period = engagement.analysis.period
    name = _source(engagement, sources, "actions")
    roster_name = _source(engagement, sources, "stakeholders")
    roster = sources[roster_name].data if roster_name else None
    log = sources[name].data if name else None
    warnings: list[str] = []
    if log is None:
        warnings.append(
            "The engagement has no actions log (a source of kind actions): add one to say what "
            "was done, by whom, when, where and how much."
        )
        log = pd.DataFrame(columns=["response", "action", "owner", "start"])
    log = log[log["start"] <= as_of + pd.Timedelta(days=1)]
    rows, dosage_rows, kept = [], [], []
    known_values = {str(v) for a in engagement.areas.values() for v in a.values}
    planned_names = {norm(r.name) for r in engagement.responses}
    for response in engagement.responses:
        start = pd.Timestamp(response.start)
        stop = response_end(response, as_of)
        mine = log[log["response"].astype("string").map(norm) == norm(response.name)].copy()
        target = engagement.areas.get(response.area)
        values = {str(v) for v in target.values} if target is not None else set()
        areas = mine["area"].astype("string") if "area" in mine.columns else None
        if areas is not None and areas.notna().any():
            given = areas.dropna()
            judged = bool(set(given) & known_values)
            in_target = float(given.isin(values).mean()) if judged else np.nan
            mine["in_target"] = areas.isin(values).where(areas.notna())
        else:
            in_target = np.nan
            mine["in_target"] = pd.NA
        kept.append(mine.assign(response=response.name))
        owners_planned = _planned_owners(response, roster)
        owners_logged = list(dict.fromkeys(mine["owner"].dropna().astype(str)))
        missing = [o for o in owners_planned if not any(same_name(o, g) for g in owners_logged)]
        units = (
            mine["dosage_unit"].astype("string").map(norm, na_action="ignore")
            if "dosage_unit" in mine.columns
            else pd.Series(pd.NA, index=mine.index, dtype="string")
        )
        doses = (
            pd.to_numeric(mine["dosage"], errors="coerce")
            if "dosage" in mine.columns
            else pd.Series(np.nan, index=mine.index)
        )
        shares: dict[str, float] = {}
        delivered_any = not response.planned
        for plan in response.planned:
            sel = units == norm(plan.unit)
            delivered = float(doses[sel.fillna(False)].sum())
            planned = planned_to_date(plan.dosage, plan.per, start, stop)
            share = delivered / planned if planned > 0 else np.nan
            shares[plan.unit] = share
            delivered_any |= delivered > 0
            dosage_rows.append(
                {
                    "response": response.name,
                    "unit": plan.unit,
                    "per": plan.per,
                    "planned": planned,
                    "delivered": delivered,
                    "share": share,
                    "actions": int(sel.fillna(False).sum()),
                }
            )
        planned_units = {norm(p.unit) for p in response.planned}
        for unit, group in mine.groupby(units.fillna(""), sort=False):
            if not unit or unit in planned_units:
                continue
            dosage_rows.append(
                {
                    "response": response.name,
                    "unit": str(group["dosage_unit"].iloc[0]),
                    "per": "",
                    "planned": np.nan,
                    "delivered": float(doses[group.index].sum()),
                    "share": np.nan,
                    "actions": len(group),
                }
            )
        first = mine["start"].min() if len(mine) else pd.NaT
        last_end = mine["end"].max() if "end" in mine.columns and len(mine) else pd.NaT
        last = (
            max(x for x in (mine["start"].max(), last_end) if pd.notna(x)) if len(mine) else pd.NaT
        )
        late = float((first - start).days) if pd.notna(first) else np.nan
        verdict, reasons = fidelity(
            actions=len(mine),
            delivered_any=delivered_any,
            dosage_shares=shares,
            late_days=late,
            late_limit=_PERIOD_DAYS[period],
            in_target=in_target,
            missing_owners=missing,
            recorded=name is not None,
        )
        grid = pd.period_range(start, stop, freq="M" if period == "month" else "W-SUN")
        active = set(to_periods(mine["start"], period)) if len(mine) else set()
        rows.append(
            {
                "response": response.name,
                "start": start,
                "end": pd.Timestamp(response.end) if response.end else pd.NaT,
                "reviewed_to": stop,
                "verdict": verdict,
                "reasons": "; ".join(reasons) if verdict != "implemented" else "",
                "actions": len(mine),
                "first_action": first,
                "last_action": last,
                "late_days": late,
                "owners_planned": "; ".join(owners_planned),
                "owners_logged": "; ".join(owners_logged),
                "owners_missing": "; ".join(missing),
                "areas_logged": "; ".join(sorted(set(areas.dropna()))) if areas is not None else "",
                "in_target": in_target,
                "periods_active": sum(1 for p in grid if p.start_time in active),
                "periods": len(grid),
                "dosage_share": min(shares.values()) if shares else np.nan,
            }
        )
    other = log[~log["response"].astype("string").map(norm).isin(planned_names)]
    other_actions = (
        other.groupby(other["response"].astype(str), sort=True)
        .size()
        .rename("actions")
        .reset_index()
        if len(other)
        else pd.DataFrame(columns=["response", "actions"])
    )
    columns = ["response", "unit", "per", "planned", "delivered", "share", "actions"]
    actions = pd.concat(kept, ignore_index=True) if kept else log.iloc[:0]
    return ProcessEvaluation(
        frame=pd.DataFrame(rows, columns=_FRAME_COLUMNS),
        dosage=pd.DataFrame(dosage_rows, columns=columns),
        actions=actions,
        other_actions=other_actions,
        as_of=as_of,
        period=period,
        warnings=warnings,
    )
