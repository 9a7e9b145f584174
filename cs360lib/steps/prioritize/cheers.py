"""The CHEERS gate: is each candidate a problem in the sense of problem-oriented policing.

Clarke and Eck (2005, *Crime Analysis for Problem Solvers in 60 Small Steps*, step 14) define
a problem by six elements, CHEERS. The worksheet answers each from the evidence it has:

- **Community**: members of the public experience it: a stakeholder raised it in the scanning
  interviews, or the records hold events of it;
- **Harmful**: it does harm, not merely break a rule: its categories carry a harm weight above
  zero (unknown when the harm table has none);
- **Expectation**: the public expects something to be done: a stakeholder outside the
  department raised it, or people called the police about it (calls for service of the same
  kind in the window);
- **Events**: it is made of discrete events: the measure counts events (or a partner's count)
  and there was at least one in the window;
- **Recurring**: the events recur: at least :data:`RECURRING_MONTHS` of the window's 12 months
  have events (a chronic problem);
- **Similarity**: the events are alike: they concentrate on places (the top 10% of places
  hold at least :data:`SIMILAR_PLACES` of them, twice what an even spread gives) or share one
  category (at least :data:`SIMILAR_CATEGORY` of them).

Each element is ``pass``, ``fail`` or ``unknown`` (the evidence is missing) with its evidence
in words. A candidate that fails an element is kept in every table with the reason, and is not
ranked; one with an unknown element is ranked if its criteria can be computed.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from cs360lib.publish.aggregate import first_of, shown_title
from cs360lib.publish.results import Result, is_shown
from cs360lib.publish.tables import PresentationTable, presentation_table
from cs360lib.steps.prioritize.criteria import Criteria

__all__ = [
    "ELEMENTS",
    "RECURRING_MONTHS",
    "SIMILAR_CATEGORY",
    "SIMILAR_PLACES",
    "Cheers",
    "cheers",
]

ELEMENTS: dict[str, str] = {
    "community": "Community",
    "harmful": "Harmful",
    "expectation": "Expectation",
    "events": "Events",
    "recurring": "Recurring",
    "similarity": "Similarity",
}
"""The six CHEERS elements (Clarke and Eck 2005, step 14)."""

RECURRING_MONTHS = 6
"""Fewest months of the 12 with events for a problem to recur (half the year)."""

SIMILAR_PLACES = 0.20
"""Least share of events on the top 10% of places for them to be alike in place."""

SIMILAR_CATEGORY = 0.50
"""Least share of events in one category for them to be alike in kind."""


@dataclass(frozen=True)
class Cheers(Result):
    """The CHEERS answers of every candidate kept by the group.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per candidate and element: ``id``, ``label``, ``element`` (label),
        ``outcome`` (``pass``, ``fail``, ``unknown``), ``evidence``.
    """

    frame: pd.DataFrame
    labels = {
        "id": "ID",
        "label": "Candidate",
        "element": "Element",
        "outcome": "Answer",
        "evidence": "Evidence",
    }
    # the evidence states counts of events and of stakeholders in words
    count_columns = ()
    privacy = {"evidence": "internal"}

    def to_frame(self) -> pd.DataFrame:
        """Return one row per candidate and element.

        Returns
        -------
        pandas.DataFrame
            ``id``, ``label``, ``element``, ``outcome``, ``evidence``.
        """
        return self.frame.copy()

    def wide(self) -> pd.DataFrame:
        """Return one row per candidate with each element's answer.

        Returns
        -------
        pandas.DataFrame
            ``id``, ``label``, one column per element, ``gate`` (``pass`` when every element
            passes, ``fail`` when one fails, ``unknown`` when none fails but the evidence
            cannot answer one: unknown is not yes) and ``reason`` (the failed elements with
            their evidence).
        """
        table = self.frame.pivot(index=["id", "label"], columns="element", values="outcome")
        table = table.reindex(columns=list(ELEMENTS.values())).reset_index()
        order = list(dict.fromkeys(self.frame["id"]))
        table = table.set_index("id").loc[order].reset_index()
        failed, unknown = self.failed(), self.unknown()
        table["gate"] = [
            "fail" if cid in failed else "unknown" if cid in unknown else "pass"
            for cid in table["id"]
        ]
        table["reason"] = [self.reason(cid) for cid in table["id"]]
        return table

    def table(self) -> PresentationTable:
        """Return one row per candidate: each element's answer, the gate and why it fails.

        Returns
        -------
        cs360lib.publish.tables.PresentationTable
            :meth:`wide` without the id. The evidence behind each answer is in
            :meth:`to_frame` (and the chart's tooltips); on a published copy the reasons
            name the failed elements only (the evidence is not published).
        """
        wide = self.wide().drop(columns="id")
        labels = {"label": "Candidate", "gate": "CHEERS", "reason": "Why it fails"}
        if not wide["reason"].astype(bool).any():
            wide = wide.drop(columns="reason")
        notes = self.publication.notes if self.publication is not None else ()
        return presentation_table(wide, labels=labels, notes=notes)

    def failed(self) -> dict[str, str]:
        """Return the candidates that fail an element, with the reason.

        Returns
        -------
        dict of str to str
            Candidate id -> the failed elements and their evidence.
        """
        out = {}
        fails = self.frame[self.frame["outcome"] == "fail"]
        for cid, group in fails.groupby("id", sort=False):
            out[str(cid)] = "; ".join(
                f"{r.element}: {r.evidence}" if is_shown(r.evidence) else str(r.element)
                for r in group.itertuples()
            )
        return out

    def unknown(self) -> list[str]:
        """Return the candidates that fail no element but have one the evidence cannot answer.

        Returns
        -------
        list of str
            Candidate ids, in the order of the frame. They are ranked (nothing rules them
            out) but do not meet all six elements.
        """
        failed = self.failed()
        open_ = self.frame[self.frame["outcome"] == "unknown"]["id"]
        return [str(c) for c in dict.fromkeys(open_) if str(c) not in failed]

    def reason(self, candidate_id: str) -> str:
        """Return why a candidate fails the gate (empty when it passes)."""
        return self.failed().get(candidate_id, "")

    def summary(self) -> str:
        """Say which candidates pass the gate and why the others fail.

        Returns
        -------
        str
            Counts, then one line per failing candidate.
        """
        ids = list(dict.fromkeys(self.frame["id"]))
        failed, unknown = self.failed(), self.unknown()
        meet = len(ids) - len(failed) - len(unknown)
        lines = [
            f"{meet} of {len(ids)} candidates meet all six CHEERS tests of a problem "
            "(Community, Harmful, Expectation, Events, Recurring, Similarity; Clarke and Eck "
            "2005)."
        ]
        if unknown:
            lines.append(
                f"{len(unknown)} fail no test but are unknown on some: the evidence cannot "
                "answer them (shown as unknown in the table). They are ranked, and the group "
                "should check those tests before it chooses one."
            )
        labels = dict(zip(self.frame["id"], self.frame["label"], strict=False))
        if failed:
            lines.append(f"{len(failed)} fail a test and are not ranked:")
        for cid, why in failed.items():
            lines.append(f"- {labels[cid]} is not ranked: {why}")
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Grid of candidates by element, coloured by the answer.

        Returns
        -------
        altair.Chart
            One cell per candidate and element, for the first
            :data:`~cs360lib.publish.aggregate.MAX_BARS` candidates (the title says so when
            there are more; the table lists all).
        """
        shown, left_out = first_of(self.frame, by="id")
        title = shown_title(
            "CHEERS: is each candidate a problem?",
            shown=shown["id"].nunique(),
            left_out=left_out,
            what="candidates listed first",
        )
        return (
            alt.Chart(shown, title=title)
            .mark_rect()
            .encode(
                x=alt.X("element:N", title=None, sort=list(ELEMENTS.values())),
                y=alt.Y("label:N", title=None, sort=list(dict.fromkeys(shown["label"]))),
                color=alt.Color(
                    "outcome:N",
                    title="Answer",
                    scale=alt.Scale(
                        domain=["pass", "fail", "unknown"], range=["#54a24b", "#e45756", "#bab0ac"]
                    ),
                ),
                tooltip=["label", "element", "outcome", "evidence"],
            )
        )


def _answers(row: pd.Series, raised_any: int, facts: object) -> dict[str, tuple[str, str]]:
    """Answer the six elements for one candidate (``row`` of the criteria frame)."""
    events = row["events"]
    measured = pd.notna(events)
    out: dict[str, tuple[str, str]] = {}
    if raised_any:
        out["community"] = ("pass", f"raised by {raised_any} stakeholders in the interviews")
    elif measured and events > 0:
        out["community"] = ("pass", f"{events:,.0f} events recorded in 12 months")
    elif measured:
        out["community"] = ("fail", "no stakeholder raised it and no event was recorded")
    else:
        out["community"] = ("unknown", "not raised in the interviews and not measured in data")
    harm = row["harm"]
    if pd.notna(harm) and measured and events > 0:
        if harm > 0:
            out["harmful"] = ("pass", f"{harm / events:,.0f} days of harm per event on average")
        else:
            out["harmful"] = ("fail", "its categories carry no harm (weight 0)")
    else:
        out["harmful"] = ("unknown", "no harm weight (see the criteria)")
    calls = row["calls"]
    if row["raised"] > 0:
        out["expectation"] = (
            "pass",
            f"{row['raised']} stakeholders outside the department raised it",
        )
    elif pd.notna(calls) and calls > 0:
        out["expectation"] = ("pass", f"{calls:,.0f} calls for service about it in 12 months")
    elif pd.notna(calls) or row["interviewed"] > 0:
        out["expectation"] = (
            "fail",
            "no stakeholder outside the department raised it and no one called about it",
        )
    else:
        out["expectation"] = ("unknown", "no interviews and no calls for service")
    if not measured:
        for element in ("events", "recurring", "similarity"):
            out[element] = ("unknown", "not measured in data")
        return out
    if events > 0:
        out["events"] = ("pass", f"{events:,.0f} discrete events in 12 months")
    else:
        out["events"] = ("fail", "no event in the 12 months")
    months = getattr(facts, "months_with_events", 0)
    if months >= RECURRING_MONTHS:
        out["recurring"] = ("pass", f"events in {months} of the 12 months")
    else:
        out["recurring"] = ("fail", f"events in only {months} of the 12 months")
    top10 = row["top10_share"]
    category = facts.top_category_share() if facts is not None else 0.0
    if pd.notna(top10) and top10 >= SIMILAR_PLACES:
        out["similarity"] = (
            "pass",
            f"{top10:.0%} of the events on the top 10% of places ({row['place']})",
        )
    elif category >= SIMILAR_CATEGORY:
        out["similarity"] = ("pass", f"{category:.0%} of the events are of one kind")
    elif pd.notna(top10):
        out["similarity"] = (
            "fail",
            f"events spread over places ({top10:.0%} on the top 10%) and kinds",
        )
    else:
        out["similarity"] = ("unknown", "the events have no place to compare")
    return out


def cheers(criteria: Criteria) -> Cheers:
    """Answer the six CHEERS elements for every candidate (see the module docstring).

    Parameters
    ----------
    criteria : Criteria
        The criteria and their details (:func:`.criteria.compute_criteria`).

    Returns
    -------
    Cheers
        One row per candidate and element.
    """
    scan = criteria.candidates.scanning
    rows = []
    for row in criteria.frame.to_dict("records"):
        cid = row["id"]
        candidate = criteria.candidates.get(cid)
        raised_any = len(scan.raisers(candidate.concern))
        facts = criteria.candidates.facts.get(cid)
        for element, (outcome, evidence) in _answers(pd.Series(row), raised_any, facts).items():
            rows.append(
                {
                    "id": cid,
                    "label": row["label"],
                    "element": ELEMENTS[element],
                    "outcome": outcome,
                    "evidence": evidence,
                }
            )
    frame = pd.DataFrame(rows, columns=["id", "label", "element", "outcome", "evidence"])
    return Cheers(frame, warnings=[])
