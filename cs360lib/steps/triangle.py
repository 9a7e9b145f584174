"""The problem analysis triangle worksheet: who offends, against whom, where, and who can act.

Crime happens when an offender and a suitable target or victim meet at a place, and nobody
able to control the situation acts. The **problem analysis triangle** (Eck 2003; Clarke and Eck
2005, step 8) puts the three sides of a problem in an inner triangle (offenders, victims or
targets, places) and, around it, the three kinds of **controllers** who can act on each side:
**handlers** know the offenders and influence them (parents, probation officers, coaches,
youth workers), **guardians** protect the targets and victims (neighbours, staff, ambassadors,
patrol), and **managers** are responsible for the places (owners, landlords, transit operators,
public works). A side with no controller able to act is a gap the Problem-Solving Team must fill
before its responses can work (Scott, Eck, Knutsson and Goldstein 2008, on controllers and the
responses they can make).

:func:`problem_triangle` builds the worksheet from the community map (the stakeholders roster,
its ``levers`` column) and, when given, the problem's events: for each side, what the data say
(where the events concentrate, repeat victims, arrests), the partners who can act as its
controller, who of them sits on the team, and the gaps. :func:`worksheet` does the same from an
engagement and its loaded sources, for a notebook section.

References
----------
Clarke, R. V., & Eck, J. E. (2005). *Crime Analysis for Problem Solvers in 60 Small Steps*,
step 8, "Use the problem analysis triangle". COPS Office.
Eck, J. E. (2003). Police problems: the complexity of problem theory, research and evaluation.
In J. Knutsson (ed.), *Problem-Oriented Policing: From Innovation to Mainstream*, Crime
Prevention Studies 15, 79-113.
Scott, M. S., Eck, J. E., Knutsson, J., & Goldstein, H. (2008). Problem-oriented policing and
environmental criminology. In R. Wortley & L. Mazerolle (eds.), *Environmental Criminology and
Crime Analysis*, 221-246. Willan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from cs360lib.analysis import concentration, repeat_victims
from cs360lib.config.engagement import Engagement
from cs360lib.data.loaders import LoadResult
from cs360lib.errors import AnalysisInputError, PlanError
from cs360lib.publish.results import Result, is_shown
from cs360lib.publish.tables import presentation_table
from cs360lib.steps._engagement import problem_events, roster, source_of_kind
from cs360lib.steps.stakeholders import DEFAULT_TEAMS, community_map

if TYPE_CHECKING:  # pragma: no cover
    from cs360lib.publish.tables import PresentationTable

__all__ = ["QUESTIONS", "SIDES", "TriangleWorksheet", "problem_triangle", "worksheet"]

SIDES: tuple[tuple[str, str, str], ...] = (
    ("offenders", "Offenders", "handler"),
    ("targets", "Victims or targets", "guardian"),
    ("places", "Places", "manager"),
)
"""The sides of the problem analysis triangle: id, label, and the lever of the community map
(its controller) that acts on it (Eck 2003)."""

QUESTIONS: dict[str, str] = {
    "offenders": (
        "Who commits these offences, and who knows them well enough to influence them "
        "(family, probation and parole, youth workers, employers)?"
    ),
    "targets": (
        "What makes these victims or targets attractive or unprotected, and who is there to "
        "watch over them (staff, neighbours, ambassadors, patrol)?"
    ),
    "places": (
        "What about these places lets the offences happen, and who owns, runs or maintains "
        "them (owners, landlords, transit operators, public works)?"
    ),
}
"""The worksheet's guiding question for each side (after Clarke and Eck 2005, step 8)."""

_LEVER_PLURAL = {"handler": "handlers", "guardian": "guardians", "manager": "managers"}


@dataclass(frozen=True)
class TriangleWorksheet(Result):
    """The problem analysis triangle worksheet.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per side, in the order of :data:`SIDES`: ``side``, ``side_label``,
        ``controller`` (the lever: handler, guardian, manager), ``question``, ``facts`` (what
        the data say, plain language), ``partners`` (organisations able to act, ``;``-separated),
        ``n_partners``, ``on_team`` (those on the team), ``n_on_team``, ``gap`` (nobody can
        act), ``team_gap`` (nobody on the team can act).
    controllers : pandas.DataFrame
        One row per side and partner able to act: ``side``, ``controller``,
        ``stakeholder_id``, ``organisation``, ``role``, ``sector``, ``on_team`` (bool).
    team : str
        Display name of the team whose membership is counted.
    """

    frame: pd.DataFrame
    controllers: pd.DataFrame
    team: str
    labels = {
        "side_label": "Side",
        "controller": "Who can act",
        "question": "Question for the team",
        "facts": "What the data say",
        "partners": "Partners able to act",
        "n_partners": "Partners",
        "on_team": "On the team",
        "n_on_team": "Partners on the team",
        "gap": "Gap",
        "team_gap": "Gap on the team",
    }
    # partners are organisations of the community map; the facts state counts of events,
    # victims and people arrested in words
    count_columns = ()
    privacy = {"facts": "internal"}

    @property
    def gaps(self) -> list[str]:
        """Sides with nobody able to act (ids of :data:`SIDES`)."""
        return self.frame.loc[self.frame["gap"], "side"].tolist()

    @property
    def team_gaps(self) -> list[str]:
        """Sides on which partners can act but none of them sits on the team."""
        return self.frame.loc[self.frame["team_gap"] & ~self.frame["gap"], "side"].tolist()

    def to_frame(self) -> pd.DataFrame:
        """Return the worksheet, one row per side.

        Returns
        -------
        pandas.DataFrame
            See :attr:`frame` (a copy).
        """
        return self.frame.copy()

    def table(self) -> PresentationTable:
        """Return the worksheet as a presentation table (side, controller, facts, partners).

        Returns
        -------
        cs360lib.publish.tables.PresentationTable
            The side, who can act, what the data say, the partners and those on the team,
            and the gap flags written as words. On a published copy, what the data say is
            left out (it states counts; the analyst report has it) and noted.
        """
        f = self.frame
        shown = pd.DataFrame(
            {
                "side_label": f["side_label"],
                "controller": f["controller"].map(lambda c: _LEVER_PLURAL[c].capitalize()),
                "facts": f["facts"],
                "partners": f["partners"].str.replace(";", ", "),
                "on_team": f["on_team"].str.replace(";", ", "),
                "gap": [
                    "nobody can act" if g else ("nobody on the team" if t else "")
                    for g, t in zip(f["gap"], f["team_gap"], strict=True)
                ],
            }
        )
        if self.publication is not None:
            withheld = [c for c in self.publication.withheld if c in shown.columns]
            return presentation_table(
                shown.drop(columns=withheld), labels=self.labels, notes=self.publication.notes
            )
        return presentation_table(shown, labels=self.labels)

    def summary(self) -> str:
        """Describe the triangle and its gaps in plain language.

        Returns
        -------
        str
            One line per side (who can act, how many on the team, what the data say), then
            the gaps and what to do about them.
        """
        lines = []
        for r in self.frame.itertuples():
            who = _LEVER_PLURAL[r.controller]
            if r.gap:
                text = f"- {r.side_label}: no partner on the community map can act as {who}."
            else:
                text = (
                    f"- {r.side_label}: {r.n_partners} partner(s) can act as {who} "
                    f"({r.n_on_team} on the {self.team})."
                )
            if is_shown(r.facts) and r.facts:
                text += f" {r.facts}"
            lines.append(text)
        if self.gaps:
            labels = [self._label(s).lower() for s in self.gaps]
            lines.append(
                "Gap: nobody can act on the side of " + " and ".join(labels) + ". Find a "
                "partner who can (add them to the stakeholders roster with their lever) before "
                "choosing responses for that side."
            )
        if self.team_gaps:
            labels = [self._label(s).lower() for s in self.team_gaps]
            lines.append(
                f"Nobody on the {self.team} can act on the side of "
                + " and ".join(labels)
                + ": invite one of the partners listed."
            )
        if not self.gaps and not self.team_gaps:
            lines.append(f"Every side has a partner able to act, on the {self.team}.")
        return "\n".join(["The problem analysis triangle:", *lines, *self.warning_lines()])

    def _label(self, side: str) -> str:
        return dict(zip(self.frame["side"], self.frame["side_label"], strict=True))[side]

    def chart(self) -> alt.LayerChart:
        """Draw the triangle: the three sides, with who can act on each and the gaps in red.

        Returns
        -------
        altair.LayerChart
            The triangle (offenders on the left side, victims or targets on the right, places
            at the bottom, as in Clarke and Eck 2005, step 8), each side labelled with its
            controllers: how many partners can act and how many sit on the team; a side is
            green when someone on the team can act, orange when only partners off the team
            can, red when nobody can.
        """
        corners = pd.DataFrame(
            {"x": [0.0, 0.5, 1.0, 0.0], "y": [0.0, 0.866, 0.0, 0.0], "order": [0, 1, 2, 3]}
        )
        # (mark on the side, label next to it, text alignment)
        where = {
            "offenders": (0.25, 0.433, 0.19, 0.47, "right"),
            "targets": (0.75, 0.433, 0.81, 0.47, "left"),
            "places": (0.5, 0.0, 0.5, -0.1, "center"),
        }
        rows = []
        for r in self.frame.itertuples():
            x, y, lx, ly, align = where[r.side]
            status = "gap" if r.gap else ("not on the team" if r.team_gap else "covered")
            who = _LEVER_PLURAL[r.controller].capitalize()
            rows.append(
                {
                    "x": x,
                    "y": y,
                    "lx": lx,
                    "ly": ly,
                    "align": align,
                    "side": r.side_label,
                    "who": f"{who}: {r.n_partners} ({r.n_on_team} on the team)",
                    "status": status,
                    "partners": r.partners.replace(";", ", ") or "none",
                }
            )
        labels = pd.DataFrame(rows)
        sx = alt.Scale(domain=[-0.75, 1.75])
        sy = alt.Scale(domain=[-0.3, 0.95])
        colour = alt.Color(
            "status:N",
            title=None,
            scale=alt.Scale(
                domain=["covered", "not on the team", "gap"],
                range=["#009e73", "#e69f00", "#d55e00"],
            ),
        )
        layers: list[alt.Chart] = [
            alt.Chart(corners)
            .mark_line(color="#555555", strokeWidth=2)
            .encode(
                x=alt.X("x:Q", scale=sx, axis=None),
                y=alt.Y("y:Q", scale=sy, axis=None),
                order="order:Q",
            ),
            alt.Chart(labels)
            .mark_point(filled=True, size=160)
            .encode(
                x=alt.X("x:Q", scale=sx),
                y=alt.Y("y:Q", scale=sy),
                color=colour,
                tooltip=["side", "who", "partners"],
            ),
        ]
        for align in ("right", "left", "center"):
            part = labels[labels["align"] == align]
            text = alt.Chart(part).encode(x=alt.X("lx:Q", scale=sx), y=alt.Y("ly:Q", scale=sy))
            layers.append(
                text.mark_text(align=align, fontWeight="bold", fontSize=13, dy=-9).encode(
                    text="side:N"
                )
            )
            layers.append(
                text.mark_text(align=align, fontSize=12, dy=9).encode(text="who:N", color=colour)
            )
        return alt.layer(*layers).properties(
            width=600,
            height=320,
            title="Problem analysis triangle: who can act on each side",
            view=alt.ViewBackground(stroke=None),
        )


def _facts_places(events: pd.DataFrame | None, place: str) -> str:
    if events is None or events.empty or place not in events.columns:
        return ""
    try:
        conc = concentration(events, place=place, shares=(0.1,), n_boot=0)
    except AnalysisInputError:
        return ""
    top = conc.eighty_twenty().iloc[0]
    noun = "blocks" if place == "address" else f"{place}s"
    return (
        f"{conc.n_events:,} events fell on {conc.n_places_with_events:,} {noun}; the busiest "
        f"{top['places_share']:.0%} of them ({int(top['places']):,}) hold "
        f"{top['events_share']:.0%} of the events."
    )


def _facts_targets(events: pd.DataFrame | None, victim: str | None) -> str:
    if events is None or events.empty:
        return ""
    if victim is None or victim not in events.columns:
        return (
            "The events carry no victim id, so repeat victimisation cannot be measured (bring "
            "one in through the mapping's `extra` columns)."
        )
    try:
        rep = repeat_victims(events, victim=victim)
    except AnalysisInputError as error:
        return f"Repeat victims could not be measured: {error}."
    return (
        f"{rep.n_repeat_keys:,} of {rep.n_keys:,} victims ({rep.repeat_rate:.0%}) were hit "
        "more than once."
    )


def _facts_offenders(
    events: pd.DataFrame | None, arrests: pd.DataFrame | None, offender: str | None
) -> str:
    if events is None or events.empty or arrests is None or "incident_id" not in arrests:
        return ""
    if "incident_id" not in events.columns:
        return ""
    ids = set(events["incident_id"].dropna().astype(str))
    linked = arrests[arrests["incident_id"].astype("string").isin(ids).fillna(False)]
    solved = linked["incident_id"].astype(str).nunique()
    text = (
        f"{len(linked):,} arrests were made for {solved:,} of the {len(ids):,} events "
        f"({solved / len(ids):.0%}); no arrest is linked to the others."
    )
    if offender is not None and offender in linked.columns and len(linked):
        per = linked[offender].dropna().astype(str).value_counts()
        text += f" {int((per > 1).sum()):,} of {len(per):,} people were arrested more than once."
    return text


def problem_triangle(
    roster: pd.DataFrame,
    *,
    events: pd.DataFrame | None = None,
    arrests: pd.DataFrame | None = None,
    place: str = "address",
    victim: str | None = None,
    offender: str | None = None,
    team: str = "PST",
    teams: Mapping[str, str] | None = None,
) -> TriangleWorksheet:
    """Build the problem analysis triangle worksheet from the community map.

    Parameters
    ----------
    roster : pandas.DataFrame
        The ``stakeholders`` kind: its ``levers`` column (``handler``, ``guardian``,
        ``manager``, ``;``-separated) says who can act on which side, ``team`` who sits on
        which team.
    events : pandas.DataFrame, optional
        The problem's events (incidents filtered to the problem). With them the worksheet
        says where they concentrate (``place`` column, :func:`cs360lib.analysis.concentration`)
        and, with ``victim``, how many victims were hit more than once.
    arrests : pandas.DataFrame, optional
        The ``arrests`` kind; arrests whose ``incident_id`` is one of the events' are counted
        on the offender side.
    place : str, default "address"
        Column naming the place of an event (the block address; ``beat`` without addresses).
    victim : str, optional
        Column of ``events`` with a victim id (brought in through a mapping's ``extra``).
    offender : str, optional
        Column of ``arrests`` with a person id, to count people arrested more than once.
    team : str, default "PST"
        Team code whose membership is counted (``on_team``).
    teams : mapping of str to str, optional
        Team code -> display name (see :func:`cs360lib.steps.stakeholders.community_map`).

    Returns
    -------
    TriangleWorksheet
        One row per side: the facts, who can act, who of them is on the team, the gaps.

    Raises
    ------
    PlanError
        When the roster is empty or has no ``levers`` column (nobody's lever is known, so
        the worksheet would show three false gaps).
    """
    if not isinstance(roster, pd.DataFrame) or roster.empty:
        raise PlanError(
            "the stakeholders roster is empty: the triangle's controllers come from the "
            "community map (load the stakeholders source)"
        )
    if "levers" not in roster.columns:
        raise PlanError(
            "the stakeholders roster has no `levers` column: record for each partner whether it "
            "can act as handler, guardian or manager (';'-separated) to fill the triangle"
        )
    cmap = community_map(roster, teams=teams)
    names = cmap.teams
    team_name = names.get(team, team)
    partners = cmap.partners
    on = partners["teams"].map(lambda t: team_name in t.split(";") if t else False)
    place_facts = _facts_places(events, place)
    facts = {
        "offenders": _facts_offenders(events, arrests, offender),
        "targets": _facts_targets(events, victim),
        "places": place_facts,
    }
    rows, who = [], []
    for side, label, lever in SIDES:
        able = partners["levers"].map(lambda v, lever=lever: lever in v.split(";") if v else False)
        group = partners[able]
        members = group[on[able]]
        for p, member in zip(group.itertuples(), on[able], strict=True):
            who.append(
                {
                    "side": side,
                    "controller": lever,
                    "stakeholder_id": p.stakeholder_id,
                    "organisation": p.organisation,
                    "role": p.role,
                    "sector": p.sector,
                    "on_team": bool(member),
                }
            )
        rows.append(
            {
                "side": side,
                "side_label": label,
                "controller": lever,
                "question": QUESTIONS[side],
                "facts": facts[side],
                "partners": ";".join(dict.fromkeys(group["organisation"])),
                "n_partners": len(group),
                "on_team": ";".join(dict.fromkeys(members["organisation"])),
                "n_on_team": len(members),
                "gap": group.empty,
                "team_gap": members.empty,
            }
        )
    warnings = list(cmap.warnings)
    if team not in names and not on.any():
        warnings.append(
            f"No partner is on team {team!r}; teams in the roster are "
            f"{sorted({t for ts in partners['teams'] for t in ts.split(';') if t})}."
        )
    controllers = pd.DataFrame(
        who,
        columns=[
            "side",
            "controller",
            "stakeholder_id",
            "organisation",
            "role",
            "sector",
            "on_team",
        ],
    )
    return TriangleWorksheet(
        frame=pd.DataFrame(rows), controllers=controllers, team=team_name, warnings=warnings
    )


def worksheet(
    engagement: Engagement,
    sources: Mapping[str, LoadResult],
    *,
    place: str = "address",
    victim: str | None = None,
    offender: str | None = None,
    team: str = "PST",
) -> TriangleWorksheet:
    """Build the triangle worksheet for an engagement's chosen problem.

    The roster is the engagement's ``stakeholders`` source, the events the problem's source
    filtered by ``problem.filter`` in the ``analysis`` window, the arrests the first
    ``arrests`` source (when there is one).

    Parameters
    ----------
    engagement : Engagement
        The engagement (its ``problem`` section, sources and teams).
    sources : mapping of str to LoadResult
        Its loaded sources (``cs.load_engagement``).
    place, victim, offender, team : see :func:`problem_triangle`.
        A ``place`` column the events do not have falls back to ``beat``.

    Returns
    -------
    TriangleWorksheet

    Raises
    ------
    PlanError
        When the engagement has no stakeholders source or no problem.
    """
    people = roster(engagement, sources)
    _, events = problem_events(engagement, sources)
    try:
        arrests = sources[source_of_kind(engagement, sources, "arrests")].data
    except PlanError:
        arrests = None
    if place not in events.columns and "beat" in events.columns:
        place = "beat"
    return problem_triangle(
        people,
        events=events,
        arrests=arrests,
        place=place,
        victim=victim,
        offender=offender,
        team=team,
        teams=DEFAULT_TEAMS,
    )
