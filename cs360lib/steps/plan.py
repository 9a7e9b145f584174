"""The response plan: who owns each response, what it is for, where, when and how it is measured.

A Problem-Solving Team's responses are owned by partners as often as by the police, and each
is judged against measures chosen before it starts (CompStat360; Eck 2002). The engagement
file holds the plan (``responses:``, see ``docs/engagement.md``); :func:`response_plan` checks
it against the data and the community map and lays it out:

- **owners** must be organisations of the community map (the stakeholders roster's
  ``organisation``, or a ``stakeholder_id``); several owners are joined by ``;``, ``,``,
  ``and``, ``&`` or ``with`` (:func:`match_owners`);
- the **target, comparison and displacement areas** must occur in the problem's source and
  must not share records; where the data have coordinates, the comparison area should not touch
  the target (diffusion of benefits or displacement would contaminate it) and the displacement
  area should (displacement moves mostly to nearby places: Bowers and Johnson 2003; Guerette
  and Bowers 2009). Without coordinates, adjacency comes from the areas' ``adjacent_to``;
- each response's **measures** are metrics of the engagement, with at least one outcome.

Problems the engagement file alone shows (an unknown area or metric, areas that share values)
are :class:`~cs360lib.errors.EngagementError` when it loads; the ones that need the data or the
roster raise :class:`~cs360lib.errors.PlanError` here, all of them in one message.

References
----------
Bowers, K. J., & Johnson, S. D. (2003). Measuring the geographical displacement and diffusion
of benefit effects of crime prevention activity. *Journal of Quantitative Criminology*, 19(3),
275-301.
Eck, J. E. (2002). *Assessing Responses to Problems: An Introductory Guide for Police
Problem-Solvers*. Problem-Oriented Guides for Police, Problem-Solving Tools Series No. 1.
COPS Office.
Guerette, R. T., & Bowers, K. J. (2009). Assessing the extent of crime displacement and
diffusion of benefits: a review of situational crime prevention evaluations. *Criminology*,
47(4), 1331-1368.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

import altair as alt
import pandas as pd

from cs360lib.config.engagement import Engagement, Response
from cs360lib.data.columns import distinct_text
from cs360lib.data.loaders import LoadResult
from cs360lib.errors import PlanError
from cs360lib.publish.aggregate import first_of, shown_title
from cs360lib.publish.results import Result
from cs360lib.publish.tables import PresentationTable, presentation_table
from cs360lib.steps._areas import ADJACENT_METRES, Footprints, footprints
from cs360lib.steps._engagement import area_mask, roster

__all__ = ["ADJACENT_METRES", "ResponsePlan", "match_owners", "response_plan"]

_JOIN = re.compile(r"\s*(?:;|,|&|\+|/|\band\b|\bwith\b)\s*", re.IGNORECASE)
_BREAK = re.compile(r"\s*(?:;|,|&|\+|/|\bwith\b)\s*", re.IGNORECASE)


def match_owners(text: str, people: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Read the owners of a response from its ``owner`` text, against the community map.

    The text is read from the left: at each point the longest organisation of the roster
    (case and spacing ignored, an optional leading "the") or a stakeholder id is taken, then
    a joining word (``;``, ``,``, ``and``, ``&``, ``+``, ``/``, ``with``). Longest first, so
    "State Probation and Parole" is one organisation, not two.

    Parameters
    ----------
    text : str
        The response's ``owner`` (``"Public Works Department with Eastgate Merchants
        Association"``).
    people : pandas.DataFrame
        The stakeholders roster (``organisation``, ``stakeholder_id``).

    Returns
    -------
    owners : list of str
        Organisations found, as the roster writes them, each once.
    unknown : list of str
        Pieces of the text that are no organisation of the roster.
    """
    names: dict[str, str] = {}
    for org, sid in zip(
        people["organisation"].astype("string").fillna(""),
        people["stakeholder_id"].astype("string").fillna("")
        if "stakeholder_id" in people
        else [""] * len(people),
        strict=True,
    ):
        if org.strip():
            names.setdefault(" ".join(org.split()), org.strip())
            if sid.strip():
                names.setdefault(sid.strip(), org.strip())
    patterns = [
        (
            re.compile(r"(?:the\s+)?" + r"\s+".join(map(re.escape, key.split())) + r"(?!\w)", re.I),
            org,
        )
        for key, org in sorted(names.items(), key=lambda kv: -len(kv[0]))
    ]
    owners: list[str] = []
    unknown: list[str] = []
    pos, text = 0, text.strip()
    while pos < len(text):
        join = _JOIN.match(text, pos)
        if join and join.end() > pos:
            pos = join.end()
            continue
        for pattern, org in patterns:
            hit = pattern.match(text, pos)
            if hit:
                if org not in owners:
                    owners.append(org)
                pos = hit.end()
                break
        else:
            stop = _BREAK.search(text, pos)
            end = stop.start() if stop and stop.start() > pos else len(text)
            unknown.append(text[pos:end].strip())
            pos = end
    return owners, [u for u in unknown if u]


@dataclass(frozen=True)
class ResponsePlan(Result):
    """The engagement's response plan, checked against the data and the community map.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per response: ``response``, ``owners`` (organisations of the community map,
        ``;``-separated), ``owner_sectors``, ``objectives`` (``;``-separated), ``start``,
        ``end`` (NaT while it runs), ``target``, ``comparison``, ``displacement`` (area names,
        empty when none), ``measures`` (metric names, ``;``-separated), ``outcome_measures``
        (count), ``expected_change`` (rate ratio, NaN when not set).
    areas : pandas.DataFrame
        One row per response and pair of its areas: ``response``, ``role`` (``comparison``
        or ``displacement``), ``area``, ``target``, ``adjacent`` (True, False, or None when
        unknown), ``distance_m`` (between the footprints; NaN without coordinates),
        ``basis`` (``coordinates``, ``engagement`` or ``unknown``), ``finding`` (plain
        language, empty when the pair is as it should be).
    horizon : datetime.date
        Where the timeline of a running response ends (the analysis end, or a year after the
        last start).
    places : dict of str to str
        Each area's name -> what it covers (``"beat E1, E3"``), for the summary.
    """

    frame: pd.DataFrame
    areas: pd.DataFrame
    horizon: dt.date
    places: dict[str, str]
    labels = {
        "response": "Response",
        "owners": "Owners",
        "owner_sectors": "Owner sectors",
        "objectives": "Objectives",
        "start": "Start",
        "end": "End",
        "target": "Target area",
        "comparison": "Comparison area",
        "displacement": "Displacement area",
        "measures": "Measures",
        "outcome_measures": "Outcome measures",
        "expected_change": "Hoped-for rate ratio",
    }
    count_columns = ()  # counts of measures, not of people or events

    def to_frame(self) -> pd.DataFrame:
        """Return the plan, one row per response (a copy)."""
        return self.frame.copy()

    def table(self) -> PresentationTable:
        """Return the plan as a page-wide table: who, when, where, how it is measured.

        The objectives and the names of the measures are long text, said in the summary;
        the table gives the owners, dates, areas, the number of measures and the hoped-for
        change, one row per response.

        Returns
        -------
        cs360lib.publish.tables.PresentationTable
        """
        keep = [
            "response",
            "owners",
            "start",
            "end",
            "target",
            "comparison",
            "displacement",
            "outcome_measures",
            "expected_change",
        ]
        out = self.frame[keep].copy()
        out["owners"] = out["owners"].astype(str).str.replace(";", "; ", regex=False)
        out["measures"] = [
            len([m for m in str(v).split(";") if m.strip()]) for v in self.frame["measures"]
        ]
        out = out[[*keep[:7], "measures", *keep[7:]]]
        notes = self.publication.notes if self.publication is not None else ()
        labels = {**self.labels, "measures": "Measures (named in the summary)"}
        return presentation_table(out, labels=labels, notes=notes)

    def summary(self) -> str:
        """Describe the plan in plain language.

        Returns
        -------
        str
            One paragraph per response (owners, dates, areas, measures, hoped-for change),
            the findings on its areas, then the warnings.
        """
        if self.frame.empty:
            return "\n".join(
                [
                    "No response is planned yet: write the responses under `responses:` in the "
                    "engagement file (owner, objectives, dates, areas, measures).",
                    *self.warning_lines(),
                ]
            )
        lines = [f"The plan holds {len(self.frame)} response(s)."]
        for r in self.frame.itertuples():
            end = "still running" if pd.isna(r.end) else f"until {r.end:%d %B %Y}"
            owners = r.owners.replace(";", ", ") or "no owner named"
            text = (
                f"- {r.response}: owned by {owners}; from {r.start:%d %B %Y}, {end}; "
                f"in {self._where(r.target)}"
            )
            if r.comparison:
                text += f", compared with {self._where(r.comparison)}"
            if r.displacement:
                text += f", watching {self._where(r.displacement)} for displacement"
            if r.measures:
                text += f"; measured by {r.measures.replace(';', ', ')}"
            if pd.notna(r.expected_change):
                text += f"; the team hopes for a {_change_text(r.expected_change)}"
            lines.append(text + ".")
            if r.objectives:
                lines.append("  Objectives: " + r.objectives.replace(";", "; ") + ".")
        for f in self.areas.itertuples():
            if f.finding:
                lines.append(f"- {f.response}: {f.finding}")
        return "\n".join([*lines, *self.warning_lines()])

    def _where(self, area: str) -> str:
        return f"{area} ({self.places[area]})" if area in self.places else area

    def chart(self) -> alt.Chart:
        """Draw the timeline of the responses, running ones up to the horizon.

        Returns
        -------
        altair.Chart
            One bar per response, coloured by whether it has ended or is still running, with
            its owners in the tooltip: the first :data:`~cs360lib.publish.aggregate.MAX_BARS`
            responses of the plan (the title says so when it has more; the table lists all).
        """
        f = self.frame
        bars = pd.DataFrame(
            {
                "response": f["response"],
                "start": pd.to_datetime(f["start"]),
                "end": pd.to_datetime(f["end"]).fillna(pd.Timestamp(self.horizon)),
                "status": f["end"].isna().map({True: "running", False: "ended"}),
                "owners": f["owners"].str.replace(";", ", "),
                "target": f["target"],
            }
        )
        bars, left_out = first_of(bars, by="response")
        title = shown_title(
            "Response plan: who does what, when",
            shown=len(bars),
            left_out=left_out,
            what="responses listed first",
        )
        return (
            alt.Chart(bars, title=title)
            .mark_bar(height=18)
            .encode(
                y=alt.Y("response:N", title=None, axis=alt.Axis(labelLimit=320)),
                x=alt.X("start:T", title=None),
                x2="end:T",
                color=alt.Color(
                    "status:N",
                    title=None,
                    scale=alt.Scale(domain=["ended", "running"], range=["#4c78a8", "#72b7b2"]),
                ),
                tooltip=["response", "owners", "target", "start:T", "end:T", "status"],
            )
            .properties(width=560)
        )


def _change_text(ratio: float) -> str:
    pct = abs(ratio - 1.0)
    return f"{pct:.0%} {'drop' if ratio < 1 else 'rise'} (rate ratio {ratio:.2f})"


def _adjacency(
    engagement: Engagement, geo: Footprints | None, target: str, other: str
) -> tuple[bool | None, float, str]:
    a, b = engagement.areas[target], engagement.areas[other]
    declared = other in a.adjacent_to or target in b.adjacent_to
    distance = geo.distance(target, other) if geo is not None else float("nan")
    if declared:
        return True, distance, "engagement"
    if geo is not None:
        return distance <= ADJACENT_METRES, distance, "coordinates"
    return None, distance, "unknown"


def _distance_text(metres: float) -> str:
    if metres != metres:  # NaN
        return ""
    return (
        f" (about {metres / 1000:.1f} km apart)" if metres >= 1000 else f" ({metres:.0f} m apart)"
    )


def _pair(
    engagement: Engagement, geo: Footprints | None, response: Response, role: str
) -> dict[str, object]:
    target, other = response.area, getattr(response, role)
    adjacent, distance, basis = _adjacency(engagement, geo, target, other)
    finding = ""
    if role == "comparison" and adjacent:
        finding = (
            f"comparison area {other!r} touches the target {target!r}: benefits can spill "
            "into it, or crime be displaced to it, and the comparison would understate the "
            "effect (Eck 2002). Choose an area further away with similar crime and trend."
        )
    elif role == "displacement" and adjacent is False:
        finding = (
            f"displacement area {other!r} does not touch the target {target!r}"
            f"{_distance_text(distance)}: crime that moves goes mostly to nearby places "
            "(Bowers and Johnson 2003; Guerette and Bowers 2009). Choose the areas around "
            "the target."
        )
    return {
        "response": response.name,
        "role": role,
        "area": other,
        "target": target,
        "adjacent": adjacent,
        "distance_m": distance,
        "basis": basis,
        "finding": finding,
    }


def _check_areas(
    engagement: Engagement, frame: pd.DataFrame, source: str, response: Response
) -> list[str]:
    """Return the data problems of a response's areas: unknown values, shared records."""
    problems = []
    roles = response.role_areas()
    masks = {}
    for role, name in roles.items():
        area = engagement.areas[name]
        try:
            masks[role] = area_mask(frame, area, name=name, source=source)
        except PlanError as error:
            problems.append(f"responses[{response.name!r}].{role}: {error}")
            continue
        present = set(distinct_text(frame[area.column]))
        missing = [v for v in area.values if v not in present]
        if missing:
            close = difflib.get_close_matches(missing[0], sorted(present), n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(
                f"responses[{response.name!r}].{role}: area {name!r} names {area.column} "
                f"{', '.join(missing)}, which no row of {source} has{hint}; check "
                f"areas.{name}.values"
            )
    for first, second in (("target", "comparison"), ("target", "displacement")):
        if first in masks and second in masks:
            shared = int((masks[first] & masks[second]).sum())
            if shared:
                problems.append(
                    f"responses[{response.name!r}]: the {second} area {roles[second]!r} and the "
                    f"{first} area {roles[first]!r} share {shared:,} rows of {source}: they "
                    "overlap. Areas of one response must not overlap; redraw one of them"
                )
    return problems


def response_plan(engagement: Engagement, sources: Mapping[str, LoadResult]) -> ResponsePlan:
    """Check the engagement's response plan against the community map and the data.

    Parameters
    ----------
    engagement : Engagement
        The engagement (``responses``, ``areas``, ``metrics``, ``problem``).
    sources : mapping of str to LoadResult
        Its loaded sources (``cs.load_engagement``): the stakeholders roster for the owners,
        the problem's source for the areas.

    Returns
    -------
    ResponsePlan
        One row per response, the relations of its areas, and warnings for what the plan
        lacks (an owner, objectives, measures, an outcome measure, a comparison area) or
        cannot check (adjacency without coordinates or ``adjacent_to``).

    Raises
    ------
    PlanError
        For every owner that is not on the community map, every area value that occurs in
        no row of the problem's source, areas of one response that share rows, and an area
        without coordinates when the rest of the source has them; one message lists them all.
    """
    horizon = engagement.analysis.end
    if horizon is None:
        starts = [r.start for r in engagement.responses]
        horizon = (max(starts) if starts else dt.date.today()) + dt.timedelta(days=365)
    columns = list(ResponsePlan.labels)
    pair_columns = ["response", "role", "area", "target", "adjacent", "distance_m", "basis"]
    if not engagement.responses:
        return ResponsePlan(
            frame=pd.DataFrame(columns=columns),
            areas=pd.DataFrame(columns=[*pair_columns, "finding"]),
            horizon=horizon,
            places={},
        )
    people = roster(engagement, sources)
    if engagement.problem is None or engagement.problem.source not in sources:
        raise PlanError(
            f"{engagement.path}: the plan's areas are checked on the problem's source; write "
            "the `problem:` section and load its source first"
        )
    source = engagement.problem.source
    data = sources[source].data
    problems: list[str] = []
    warnings: list[str] = []
    sectors = dict(
        zip(people["organisation"].astype(str), people["sector"].astype(str), strict=False)
    )
    metrics = {m.name: m for m in engagement.metrics}
    rows, pairs = [], []
    for response in engagement.responses:
        owners, unknown = match_owners(response.owner, people)
        for piece in unknown:
            close = difflib.get_close_matches(
                piece, people["organisation"].astype(str).tolist(), n=1, cutoff=0.5
            )
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(
                f"responses[{response.name!r}].owner: {piece!r} is not an organisation of the "
                f"community map{hint}; owners must be on the stakeholders roster (add them to "
                "it, or correct the name)"
            )
        if not response.owner.strip():
            warnings.append(
                f"{response.name}: no owner is named; CS360 responses have an owner on the "
                "community map (write `owner:`)."
            )
        problems += _check_areas(engagement, data, source, response)
        outcome = [m for m in response.measures if metrics[m].type == "outcome"]
        if not response.objectives:
            warnings.append(f"{response.name}: no objectives are written (`objectives:`).")
        if not response.measures:
            warnings.append(
                f"{response.name}: no measures are named; choose the metrics that will show "
                "whether it worked before it starts (`measures:`)."
            )
        elif not outcome:
            warnings.append(
                f"{response.name}: every measure is an output; add an outcome measure (what "
                "should change), not only what was done."
            )
        if response.comparison is None:
            warnings.append(
                f"{response.name}: no comparison area; without one the review cannot rule out "
                "a change that happened everywhere (Eck 2002)."
            )
        rows.append(
            {
                "response": response.name,
                "owners": ";".join(owners),
                "owner_sectors": ";".join(dict.fromkeys(sectors.get(o, "") for o in owners)),
                "objectives": ";".join(response.objectives),
                "start": response.start,
                "end": response.end,
                "target": response.area,
                "comparison": response.comparison or "",
                "displacement": response.displacement or "",
                "measures": ";".join(response.measures),
                "outcome_measures": len(outcome),
                "expected_change": response.expected_change,
            }
        )
    if problems:
        raise PlanError(
            f"{engagement.path}: the response plan does not fit the data or the community map "
            f"({len(problems)} problem(s)):\n" + "\n".join(f"  {p}" for p in problems)
        )
    named = {
        n for r in engagement.responses for n in r.role_areas().values() if n in engagement.areas
    }
    geo = footprints(data, {n: engagement.areas[n] for n in sorted(named)}, source=source)
    for response in engagement.responses:
        for role in ("comparison", "displacement"):
            if getattr(response, role) is not None:
                pairs.append(_pair(engagement, geo, response, role))
    table = pd.DataFrame(pairs, columns=[*pair_columns, "finding"])
    if geo is None and (table["basis"] == "unknown").any():
        warnings.append(
            f"Whether the areas touch was not checked: {source} has no coordinates and the "
            "areas give no `adjacent_to`."
        )
    elif geo is not None and geo.n_missing:
        warnings.append(
            f"{geo.n_missing:,} {source} rows without coordinates were left out of the areas' "
            "footprints."
        )
    frame = pd.DataFrame(rows, columns=columns)
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    frame["expected_change"] = frame["expected_change"].astype(float)
    places = {n: f"{a.column} {', '.join(a.values)}" for n, a in engagement.areas.items()}
    return ResponsePlan(frame=frame, areas=table, horizon=horizon, places=places, warnings=warnings)
