"""Adapt: continue, adjust or replace each response, by stated rules, as a narrative.

CompStat360's fourth step closes the cycle: the Problem-Solving Team decides, from police and
community measures together, whether each response goes on as it is (**continue**), goes on
changed (**adjust**: more dosage, another place or time, another partner, a better measure)
or gives way to another response (**replace**). Eck (2002, table 4) reads the process and the
impact evaluation together: a response that was not implemented cannot be judged, and one that
was implemented but shows no effect calls for a change. The review proposes a decision by the
first of these rules that applies (:data:`RULES`):

1. **not implemented** (the actions log shows it was not carried out): *adjust*: carry it out
   as planned (or plan what the owners can deliver) before judging it. It is never called
   ineffective and never replaced on this evidence;
2. **partly implemented**: *adjust*: deliver the rest of the plan before judging it;
3. an outcome clearly **worse** and none clearly better: *replace*;
4. an outcome clearly **better**, but another clearly worse or **displacement** to the nearby
   area: *adjust* (keep what works, change what harms);
5. an outcome clearly **better**, none worse, no displacement: *continue*;
6. **no clear change**, and the intervals still include the hoped-for change
   (``expected_change``; 0.8 when the plan gives none): *continue* and review again with more
   data (the review cannot yet tell);
7. **no clear change**, and the hoped-for change is ruled out: *adjust* (the effect, if any, is
   smaller than hoped);
8. **no clear change**, and no count outcome to compare the hoped-for change with (survey
   scores only): *continue* and review again with more data;
9. **no outcome measure** with a result: *continue*, and add an outcome measure.

"Outcome" means the response's outcome measures (police and partner) judged by the impact
review; "clearly" means their interval excludes no change (:mod:`cs360lib.steps.review._common`).
A response whose actions log is missing ("not recorded") is judged by rules 3 to 8, and the
narrative says that its delivery could not be checked.

The team has the last word: a decision written in the engagement file (``review.decisions``,
with its reason) replaces the proposed one; both are kept, with the rule, in the result and in
the lessons-learned log.

References
----------
Eck, J. E. (2002). *Assessing Responses to Problems: An Introductory Guide for Police
Problem-Solvers*. COPS Office, Problem-Solving Tools Series No. 1 (table 4: interpreting
results of process and impact evaluations).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from cs360lib.config.engagement import Engagement, Response
from cs360lib.publish.charts import count_axis
from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table
from cs360lib.steps.design import DEFAULT_CHANGE
from cs360lib.steps.review._common import date_text
from cs360lib.steps.review.impact import Impact
from cs360lib.steps.review.process import ProcessEvaluation

if TYPE_CHECKING:  # pragma: no cover
    from pandas.io.formats.style import Styler

__all__ = ["RULES", "Decisions", "decide", "propose"]

RULES: dict[str, tuple[str, str]] = {
    "not_implemented": (
        "adjust",
        "it was not carried out, so the review cannot say whether it works: carry it out as "
        "planned, or plan what its owners can deliver, before judging it",
    ),
    "partly_implemented": (
        "adjust",
        "it was carried out only in part: deliver the rest of the plan before judging it",
    ),
    "worse": (
        "replace",
        "an outcome is clearly worse since it began and no outcome is clearly better",
    ),
    "better_with_harm": (
        "adjust",
        "an outcome is clearly better, but another is clearly worse or the problem moved "
        "nearby: keep what works and change what harms",
    ),
    "better": (
        "continue",
        "an outcome is clearly better, no outcome is clearly worse and the problem did not clearly "
        "move nearby",
    ),
    "too_early": (
        "continue",
        "no outcome changed clearly yet, but the intervals still include the hoped-for change: "
        "keep it going and review again with more data",
    ),
    "too_small": (
        "adjust",
        "no outcome changed clearly and the hoped-for change is ruled out: the effect, if any, "
        "is smaller than hoped",
    ),
    "unclear": (
        "continue",
        "no outcome changed clearly yet, and no outcome is a count the hoped-for change can be "
        "compared with: keep it going and review again with more data",
    ),
    "no_outcome": (
        "continue",
        "no outcome measure has a result yet: keep it going and add an outcome measure",
    ),
}
"""The rules, in the order they are tried: id -> (decision, why)."""

_COLOURS = alt.Scale(
    domain=["continue", "adjust", "replace"], range=["#1a9850", "#fdae61", "#d73027"]
)


def _hoped_for_kept(rows: pd.DataFrame, expected: float) -> bool | None:
    """Whether a count outcome's interval includes the hoped-for rate ratio (None: none)."""
    side = "lower" if expected < 1 else "higher"
    counts = rows[(rows["scale"] == "ratio") & (rows["better"] == side)]
    if counts.empty:
        return None
    inside = (counts["low"] <= expected) & (expected <= counts["high"])
    return bool(inside.any())


def propose(
    response: Response, verdict: str, rows: pd.DataFrame, displacement: bool
) -> tuple[str, str]:
    """Apply :data:`RULES` to one response.

    Parameters
    ----------
    response : Response
        The response (its ``expected_change``).
    verdict : str
        Its fidelity verdict (:data:`cs360lib.steps.review.process.VERDICTS`).
    rows : pandas.DataFrame
        The judging rows of its outcome measures (impact table rows: ``mark``, ``scale``,
        ``better``, ``low``, ``high``).
    displacement : bool
        Whether a displacement area shows clear displacement.

    Returns
    -------
    rule : str
        The id of the rule that applied (a key of :data:`RULES`).
    decision : str
        ``continue``, ``adjust`` or ``replace``.
    """
    if verdict == "not implemented":
        rule = "not_implemented"
    elif verdict == "partly implemented":
        rule = "partly_implemented"
    else:
        judged = rows[rows["mark"].isin(["better", "worse", "no clear change"])]
        better = int((judged["mark"] == "better").sum())
        worse = int((judged["mark"] == "worse").sum())
        if judged.empty:
            rule = "no_outcome"
        elif worse and not better:
            rule = "worse"
        elif better and (worse or displacement):
            rule = "better_with_harm"
        elif better:
            rule = "better"
        else:
            kept = _hoped_for_kept(judged, response.expected_change or DEFAULT_CHANGE)
            rule = {True: "too_early", False: "too_small", None: "unclear"}[kept]
    return rule, RULES[rule][0]


@dataclass(frozen=True)
class Decisions(Result):
    """The decision for each response, with the evidence and the narrative.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per response: ``response``, ``fidelity``, ``rule`` (a key of :data:`RULES`),
        ``proposed``, ``decision`` (the team's when it overrode the proposal),
        ``decided_by`` (``rules`` or ``team``), ``reason`` (the rule's, or the team's),
        ``rule_reason``, ``team_by`` (who decided, as written), ``better``, ``worse``,
        ``no_clear_change`` (outcome measures by mark), ``displacement`` (clear displacement
        nearby), ``evidence`` (the judging sentences, one a line) and ``narrative`` (the
        response's paragraph for a community member).
    as_of : pandas.Timestamp
        The review date.
    """

    frame: pd.DataFrame
    as_of: pd.Timestamp
    count_columns = ()  # numbers of the plan's measures by mark, not counts of people or events
    privacy = {"response": "public"}
    labels = {
        "response": "Response",
        "fidelity": "Carried out?",
        "proposed": "Proposed by the rules",
        "decision": "Decision",
        "decided_by": "Decided by",
        "reason": "Why",
        "better": "Outcomes better",
        "worse": "Outcomes worse",
        "no_clear_change": "Outcomes with no clear change",
        "displacement": "Displacement nearby",
    }

    def to_frame(self) -> pd.DataFrame:
        """Return one row per response (a copy)."""
        return self.frame.copy()

    def table(self) -> Styler:
        """Return the decisions as a presentation table.

        Returns
        -------
        pandas.io.formats.style.Styler
            Response, carried out, outcome marks, displacement, proposed, decision, who and
            why.
        """
        keep = [
            "response",
            "fidelity",
            "better",
            "worse",
            "no_clear_change",
            "displacement",
            "proposed",
            "decision",
            "decided_by",
            "reason",
        ]
        shown = self.frame[keep].assign(
            displacement=self.frame["displacement"].map({True: "yes", False: "no"})
        )
        return presentation_table(shown, labels=self.labels)

    def summary(self) -> str:
        """Return the narrative: per response what was done, what changed and what next.

        Returns
        -------
        str
            One paragraph per response (see :attr:`frame` ``narrative``), then the rules the
            proposals follow.
        """
        if self.frame.empty:
            return "\n".join(
                [
                    "The plan has no response to decide on: write `responses:` first.",
                    *self.warning_lines(),
                ]
            )
        lines = [p for text in self.frame["narrative"] for p in (text, "")]
        lines.append(
            "How the decisions are proposed: the first rule that applies, in this order: "
            + "; ".join(f"{i}. {d}: {why}" for i, (d, why) in enumerate(RULES.values(), start=1))
            + ". The team can replace a proposal in the engagement file (its review decisions), "
            "with its reason."
        )
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.LayerChart:
        """Draw the decision for each response, with its outcome marks.

        Returns
        -------
        altair.LayerChart
            One row per response (at most 40): stacked bars of its outcome measures by mark,
            and the decision written at the end, coloured continue / adjust / replace.
        """
        f = self.frame.head(40)
        if f.empty:
            f = pd.DataFrame(
                {
                    "response": ["no response in the plan"],
                    "better": [0],
                    "worse": [0],
                    "no_clear_change": [0],
                    "decision": [""],
                }
            )
        long = f.melt(
            id_vars=["response"],
            value_vars=["better", "worse", "no_clear_change"],
            var_name="mark",
            value_name="measures",
        ).replace({"mark": {"no_clear_change": "no clear change"}})
        bars = (
            alt.Chart(long)
            .mark_bar()
            .encode(
                y=alt.Y("response:N", title=None, axis=alt.Axis(labelLimit=320)),
                x=alt.X("measures:Q", title="outcome measures", axis=count_axis()),
                color=alt.Color(
                    "mark:N",
                    title="outcome",
                    scale=alt.Scale(
                        domain=["better", "worse", "no clear change"],
                        range=["#1a9850", "#d73027", "#9e9e9e"],
                    ),
                ),
                tooltip=["response", "mark", "measures"],
            )
        )
        text = (
            alt.Chart(f.assign(total=f[["better", "worse", "no_clear_change"]].sum(axis=1)))
            .mark_text(align="left", dx=6, fontWeight="bold")
            .encode(
                y="response:N",
                x="total:Q",
                text="decision:N",
                color=alt.Color("decision:N", scale=_COLOURS, legend=None),
            )
        )
        return alt.layer(bars, text).properties(width=420, title="Decision for each response")


def _plan_text(response: Response, engagement: Engagement) -> str:
    area = engagement.areas.get(response.area)
    where = f" in {response.area} ({area.column} {', '.join(area.values)})" if area else ""
    owners = f", owned by {response.owner}" if response.owner else ""
    hoped = ""
    if response.expected_change is not None:
        ratio = response.expected_change
        hoped = f"; the team hoped for a {abs(ratio - 1):.0%} {'drop' if ratio < 1 else 'rise'}"
    end = f" to {date_text(response.end)}" if response.end else ""
    return f"Planned{owners}, from {date_text(response.start)}{end}{where}{hoped}."


def _done_text(row: pd.Series, process: ProcessEvaluation) -> str:
    verdict = row["verdict"]
    if verdict == "not recorded":
        return (
            "What was done: the engagement has no actions log, so the review could not check "
            "whether it was carried out as planned."
        )
    if verdict == "not implemented":
        return (
            f"What was done: it was not carried out ({row['reasons']}). Its measures are shown "
            "in the impact section, but they are not a verdict on this response: a response "
            "that did not happen cannot be judged."
        )
    dose = process.dosage[
        (process.dosage["response"] == row["response"]) & process.dosage["planned"].notna()
    ]
    amounts = "; ".join(
        f"{d.delivered:,.0f} {d.unit} of {d.planned:,.0f} planned ({d.share:.0%})"
        for d in dose.itertuples()
    )
    owners = len([o for o in str(row["owners_logged"]).split(";") if o.strip()])
    text = (
        f"What was done: {verdict} ({row['actions']:,} actions by {owners} "
        f"organisation{'s' if owners != 1 else ''} from {date_text(row['first_action'])} to "
        f"{date_text(row['last_action'])}" + (f"; {amounts}" if amounts else "") + ")."
    )
    if verdict == "partly implemented":
        text += f" Not fully as planned: {row['reasons']}."
    return text


def decide(engagement: Engagement, process: ProcessEvaluation, impact: Impact) -> Decisions:
    """Propose continue, adjust or replace for each response, apply the team's overrides.

    Parameters
    ----------
    engagement : Engagement
        The engagement (responses and ``review.decisions``).
    process : ProcessEvaluation
        The process evaluation (:func:`cs360lib.steps.review.process.process_evaluation`).
    impact : Impact
        The impact review (:func:`cs360lib.steps.review.impact.impact`).

    Returns
    -------
    Decisions
        Per response: the proposed decision by :data:`RULES`, the team's decision when the
        engagement overrides it, the evidence and the narrative.
    """
    overrides = {o.response: o for o in engagement.review.decisions}
    f = impact.frame
    rows = []
    for response in engagement.responses:
        state = process.frame.set_index("response").loc[response.name]
        state = pd.concat([pd.Series({"response": response.name}), state])
        mine = f[f["response"] == response.name]
        judging = mine[mine["primary"] & (mine["type"] == "outcome")]
        main = mine[mine["primary"]].set_index("measure")["analysis"]
        moved = mine[
            (mine["role"] == "displacement")
            & (mine["mark"] == "worse")
            & (
                (mine["analysis"] == "wdd")
                | (mine["analysis"].to_numpy() == main.reindex(mine["measure"]).to_numpy())
            )
        ]
        displacement = bool(len(moved))
        rule, proposed = propose(response, str(state["verdict"]), judging, displacement)
        override = overrides.get(response.name)
        decision = override.decision if override else proposed
        reason = override.reason if override else RULES[rule][1]
        evidence = [str(s) for s in mine.loc[mine["primary"], "sentence"]]
        evidence += [str(s) for s in moved["sentence"]]
        police = mine[mine["primary"] & (mine["provider"] == "police")]
        partner = mine[
            (mine["primary"] | (mine["analysis"] == "survey_did")) & (mine["provider"] == "partner")
        ]
        paragraph = [
            f"{response.name}",
            _plan_text(response, engagement),
            _done_text(state, process),
        ]
        if state["verdict"] != "not implemented":
            if len(police):
                paragraph.append("What changed in police records: " + " ".join(police["sentence"]))
            nearby = mine[
                (mine["role"] == "displacement")
                & (mine["analysis"].to_numpy() == main.reindex(mine["measure"]).to_numpy())
            ]
            if len(nearby):
                paragraph.append("Nearby: " + " ".join(nearby["sentence"]))
            if len(partner):
                paragraph.append(
                    "What changed for partners and the community: " + " ".join(partner["sentence"])
                )
        paragraph.append(f"Proposed decision: {proposed}, because {RULES[rule][1]}.")
        if override is not None:
            who = f" ({override.by})" if override.by else ""
            same = "confirmed" if override.decision == proposed else "decided instead"
            paragraph.append(
                f"The team{who} {same}: {override.decision}, because {override.reason}"
            )
            if not paragraph[-1].endswith("."):
                paragraph[-1] += "."
        rows.append(
            {
                "response": response.name,
                "fidelity": state["verdict"],
                "rule": rule,
                "proposed": proposed,
                "decision": decision,
                "decided_by": "team" if override else "rules",
                "reason": reason,
                "rule_reason": RULES[rule][1],
                "team_by": override.by if override else "",
                "better": int((judging["mark"] == "better").sum()),
                "worse": int((judging["mark"] == "worse").sum()),
                "no_clear_change": int((judging["mark"] == "no clear change").sum()),
                "displacement": displacement,
                "evidence": "\n".join(evidence),
                "narrative": "\n".join(paragraph),
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        frame = pd.DataFrame(
            columns=[*Decisions.labels, "rule", "rule_reason", "team_by", "evidence", "narrative"]
        )
    return Decisions(
        frame=frame, as_of=impact.as_of, warnings=list(dict.fromkeys(process.warnings))
    )
