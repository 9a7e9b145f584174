"""The community map and the composition check of the CS360 teams.

The **community map** lists the partners who can act on a problem, by sector
(department, other law enforcement, government, community) and by the lever they hold
over it, after the problem analysis triangle (Eck, 2003, "Police problems: the
complexity of problem theory, research and evaluation", *Crime Prevention Studies* 15;
Clarke and Eck, 2005, *Crime Analysis for Problem Solvers in 60 Small Steps*, step 8):
**handlers** influence offenders, **guardians** protect victims and targets,
**managers** are responsible for places. It also shows the data each partner holds and
who sits on the Advisory Team (AT) and the Problem-Solving Teams (PST).

The **composition check** holds each team against the recommended composition of the
CompStat360 guide (reproduced in ``DESIGN.md``): for the Advisory Team, the police
executive, command staff, a mid-level supervisor and an analyst; neighbouring agencies
and the US Attorney; the mayor's office, the city council and public health; community
representatives. For a Problem-Solving Team: a mid-level supervisor, an analyst and the
relevant patrol officers or investigators; relevant other agencies; relevant government
partners; community representatives. CS360 requires external stakeholders on every team,
so a team with no external member is flagged.

Team codes in the roster's ``team`` column are joined with ``+`` (``AT+PST``); a code
starting with ``AT`` is an advisory team and any other code (``PST``, ``PST2``) a
problem-solving team. Display names are configurable (``teams={"AT": "Advisory Team",
"PST": "Robbery Working Group"}``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from cs360lib.data.schemas import LEVERS, SECTORS
from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table

if TYPE_CHECKING:  # pragma: no cover
    from cs360lib.publish.publication import Publication
    from cs360lib.publish.tables import PresentationTable

__all__ = [
    "DEFAULT_TEAMS",
    "RECOMMENDED",
    "CommunityMap",
    "Composition",
    "community_map",
    "composition_check",
]

DEFAULT_TEAMS: dict[str, str] = {"AT": "Advisory Team", "PST": "Problem-Solving Team"}
"""Display names of the team codes used in rosters."""

_NONE = {"", "none", "no", "nan", "<na>"}
_SECTOR_NAMES = {
    "department": "Department",
    "other_law_enforcement": "Other law enforcement",
    "government": "Government",
    "community": "Community",
}

# (sector, recommended role, regular expression on "role organisation")
RECOMMENDED: dict[str, list[tuple[str, str, str]]] = {
    "advisory": [
        (
            "department",
            "police executive",
            r"\b(?:chief|commissioner|superintendent|sheriff|director\s+of\s+public\s+safety)\b",
        ),
        (
            "department",
            "command staff",
            r"\b(?:commander|captain|major|deputy\s+chief|assistant\s+chief|inspector)\b",
        ),
        ("department", "mid-level supervisor", r"\b(?:lieutenant|sergeant|supervisor)\b"),
        ("department", "analyst", r"\banalyst\b"),
        (
            "other_law_enforcement",
            "neighbouring agency",
            r"\b(?:sheriff|undersheriff|police|state\s+patrol|marshal|constable)\b",
        ),
        (
            "other_law_enforcement",
            "US Attorney",
            r"\b(?:u\.?\s?s\.?\s+attorney|united\s+states\s+attorney|federal\s+prosecutor)",
        ),
        ("government", "mayor's office", r"\bmayor"),
        ("government", "city council", r"\bcouncil\b"),
        ("government", "public health", r"\b(?:public\s+health|health\s+department|epidemiolog)"),
        ("community", "representatives of key stakeholder groups", r"."),
    ],
    "problem_solving": [
        ("department", "mid-level supervisor", r"\b(?:lieutenant|sergeant|supervisor)\b"),
        ("department", "analyst", r"\banalyst\b"),
        (
            "department",
            "patrol officers or investigators",
            r"\b(?:patrol|officer|detective|investigat|deputy|trooper)",
        ),
        ("other_law_enforcement", "relevant agencies (EMS, probation and parole, ...)", r"."),
        ("government", "relevant government partners", r"."),
        ("community", "representatives of relevant community groups", r"."),
    ],
}
"""Recommended composition of each kind of team (CS360 guide, in ``DESIGN.md``): the
sector, the role and the pattern that recognises it in a roster's role and organisation."""


def _missing(value: object) -> bool:
    """Tell None, NaN and pandas' NA (a loaded roster's empty cell) from a value."""
    return not isinstance(value, str) and bool(pd.isna(value))


def _team_codes(value: object) -> list[str]:
    if _missing(value):
        return []
    text = str(value).strip()
    if text.lower() in _NONE:
        return []
    return [t.strip() for t in re.split(r"[+;,/]", text) if t.strip().lower() not in _NONE]


def _levers(value: object) -> list[str]:
    if _missing(value):
        return []
    return [t.strip().lower() for t in re.split(r"[;,+/]", str(value)) if t.strip()]


def _team_kind(code: str) -> str:
    return "advisory" if code.upper().startswith("AT") else "problem_solving"


@dataclass(frozen=True)
class CommunityMap(Result):
    """Partners by sector, lever, data held and team.

    Attributes
    ----------
    partners : pandas.DataFrame
        One row per stakeholder: ``stakeholder_id``, ``organisation``, ``role``,
        ``sector``, ``levers`` (``;``-separated), ``teams`` (display names,
        ``;``-separated), ``data_held``, ``sharing_terms``.
    grid : pandas.DataFrame
        One row per sector, lever and team membership: ``sector``, ``lever``
        (``no lever recorded`` when empty), ``membership`` (``on a team`` or ``not on a
        team``), ``partners`` (count), ``organisations`` (``;``-separated).
    teams : dict of str to str
        Team code -> display name.

    Its warnings name unknown sectors or levers and stakeholders without a lever.
    """

    partners: pd.DataFrame
    grid: pd.DataFrame
    teams: dict[str, str]
    labels = {
        "organisation": "Organisation",
        "role": "Role",
        "sector": "Sector",
        "levers": "Levers",
        "teams": "Teams",
        "data_held": "Data held",
        "sharing_terms": "Sharing",
    }
    count_columns = ()
    privacy = {"teams": "public", "levers": "public"}

    def to_frame(self) -> pd.DataFrame:
        """Return the partners table (``partners``)."""
        return self.partners.copy()

    def with_frame(self, frame: pd.DataFrame, publication: Publication) -> CommunityMap:
        """Rebuild from the published partners (their roster ids left out).

        Parameters
        ----------
        frame : pandas.DataFrame
            The published ``partners``: organisations and roles, never names.
        publication : Publication
            What was withheld.

        Returns
        -------
        CommunityMap
            The published copy (the grid counts organisations, which the table lists).
        """
        return dataclasses.replace(self, partners=frame, publication=publication)

    def summary(self) -> str:
        """Describe the map in plain language.

        Returns
        -------
        str
            Partners per sector, levers covered, team membership.
        """
        p = self.partners
        per = p["sector"].value_counts()
        lines = [
            f"The community map holds {len(p)} partners: "
            + ", ".join(f"{int(per.get(s, 0))} {_SECTOR_NAMES[s].lower()}" for s in SECTORS)
            + "."
        ]
        for lever in LEVERS:
            n = int(p["levers"].str.contains(lever, regex=False).sum())
            lines.append(f"- {n} can act as {lever}s" + (" (none yet)" if n == 0 else "") + ".")
        on_team = int((p["teams"] != "").sum())
        lines.append(f"{on_team} of {len(p)} partners sit on a team.")
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Sector-by-lever chart of partners, with team membership marked.

        Returns
        -------
        altair.Chart
            Circles sized by the number of partners in each cell, filled for partners on a
            team and hollow otherwise (aggregated: one mark per cell and membership).
        """
        g = self.grid.assign(
            sector_label=self.grid["sector"].map(lambda s: _SECTOR_NAMES.get(s, s))
        )
        return (
            alt.Chart(g, title="Community map: who can act, and who is on a team")
            .mark_point(filled=True, opacity=0.8)
            .encode(
                x=alt.X("sector_label:N", title=None, sort=[_SECTOR_NAMES[s] for s in SECTORS]),
                y=alt.Y(
                    "lever:N",
                    title="lever (problem analysis triangle)",
                    sort=[*LEVERS, "no lever recorded"],
                ),
                xOffset=alt.XOffset("membership:N"),
                size=alt.Size("partners:Q", title="partners"),
                color=alt.Color("membership:N", title=None),
                shape=alt.Shape("membership:N", title=None),
                tooltip=["sector_label", "lever", "membership", "partners", "organisations"],
            )
        )

    def table(self) -> PresentationTable:
        """Return the partners with their sector, levers, teams and data, in words."""
        p = self.partners.assign(
            sector=self.partners["sector"].map(lambda s: _SECTOR_NAMES.get(s, s)),
            levers=self.partners["levers"].str.replace(";", ", "),
            teams=self.partners["teams"].str.replace(";", ", "),
        )
        return presentation_table(p[list(self.labels)].reset_index(drop=True), labels=self.labels)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series("", index=frame.index)
    return frame[column].astype("string").fillna("").astype(str)


def community_map(roster: pd.DataFrame, *, teams: Mapping[str, str] | None = None) -> CommunityMap:
    """Build the community map from the stakeholder roster.

    Parameters
    ----------
    roster : pandas.DataFrame
        The ``stakeholders`` kind (``stakeholder_id``, ``organisation``, ``role``,
        ``sector``, ``team``, ``levers``, ``data_held``, ``sharing_terms``).
    teams : mapping of str to str, optional
        Team code -> display name; default :data:`DEFAULT_TEAMS`. Codes in the roster
        that are not in the mapping are shown as written.

    Returns
    -------
    CommunityMap
        Partners, the sector-by-lever grid and warnings.
    """
    names = {**DEFAULT_TEAMS, **dict(teams or {})}
    warnings: list[str] = []
    sector = _text(roster, "sector")
    bad = sorted(set(sector) - set(SECTORS))
    if bad:
        warnings.append(
            f"{int((~sector.isin(SECTORS)).sum())} partners have a sector that is not one of "
            f"{', '.join(SECTORS)} ({', '.join(map(repr, bad[:5]))}); they are shown apart."
        )
    levers = (
        roster["levers"].map(_levers)
        if "levers" in roster
        else pd.Series([[] for _ in range(len(roster))], index=roster.index)
    )
    unknown = sorted({x for lv in levers for x in lv} - set(LEVERS))
    if unknown:
        warnings.append(
            f"Unknown lever(s) {', '.join(map(repr, unknown))}: use {', '.join(LEVERS)}."
        )
    codes = (
        roster["team"].map(_team_codes)
        if "team" in roster
        else pd.Series([[] for _ in range(len(roster))], index=roster.index)
    )
    partners = pd.DataFrame(
        {
            "stakeholder_id": _text(roster, "stakeholder_id"),
            "organisation": _text(roster, "organisation"),
            "role": _text(roster, "role"),
            "sector": sector,
            "levers": levers.map(lambda v: ";".join(x for x in v if x in LEVERS)),
            "teams": codes.map(lambda v: ";".join(names.get(c, c) for c in v)),
            "data_held": _text(roster, "data_held"),
            "sharing_terms": _text(roster, "sharing_terms"),
        }
    ).reset_index(drop=True)
    no_lever = int((partners["levers"] == "").sum())
    if no_lever:
        warnings.append(f"{no_lever} partners have no lever recorded.")
    rows = []
    for p in partners.itertuples():
        for lever in p.levers.split(";") if p.levers else ["no lever recorded"]:
            rows.append(
                {
                    "sector": p.sector,
                    "lever": lever,
                    "membership": "on a team" if p.teams else "not on a team",
                    "organisation": p.organisation,
                }
            )
    cells = pd.DataFrame(rows, columns=["sector", "lever", "membership", "organisation"])
    grid = (
        cells.groupby(["sector", "lever", "membership"], sort=True)
        .agg(
            partners=("organisation", "size"),
            organisations=("organisation", lambda s: "; ".join(s)),
        )
        .reset_index()
    )
    return CommunityMap(partners=partners, grid=grid, teams=names, warnings=warnings)


@dataclass(frozen=True)
class Composition(Result):
    """The composition check of every team against the recommended composition.

    Attributes
    ----------
    checks : pandas.DataFrame
        One row per team and recommended role: ``team`` (code), ``team_name``,
        ``kind`` (``advisory`` or ``problem_solving``), ``sector``, ``role``, ``present``
        (bool), ``members`` (stakeholder ids filling it, ``;``-separated).
    teams : pandas.DataFrame
        One row per team: ``team``, ``team_name``, ``members``, ``external`` (members
        outside the department), one count column per sector, ``missing`` (recommended
        roles absent), ``flag`` (plain-language problem, empty when none).

    Its warnings name teams with no member or no external member.
    """

    checks: pd.DataFrame
    teams: pd.DataFrame
    labels = {
        "team_name": "Team",
        "members": "Members",
        "external": "External members",
        "missing": "Missing roles",
        "flag": "Flag",
    }
    count_columns = ()
    privacy = {"team": "public", "team_name": "public", "members": "personal"}

    def with_frame(self, frame: pd.DataFrame, publication: Publication) -> Composition:
        """Rebuild from the published checks (the members' roster ids left out).

        Parameters
        ----------
        frame : pandas.DataFrame
            The published ``checks``.
        publication : Publication
            What was withheld.

        Returns
        -------
        Composition
            The published copy: its summary and table name the missing roles and the
            flags, without the number of members of each team.
        """
        return dataclasses.replace(self, checks=frame, publication=publication)

    def missing(self) -> pd.DataFrame:
        """Return the recommended roles that no member fills.

        Returns
        -------
        pandas.DataFrame
            Rows of ``checks`` with ``present`` False.
        """
        return self.checks[~self.checks["present"]].reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        """Return the per-role checks (``checks``)."""
        return self.checks.copy()

    def summary(self) -> str:
        """Describe each team's gaps in plain language.

        Returns
        -------
        str
            One line per team: members, external members, missing roles.
        """
        lines = []
        for t in self.teams.itertuples():
            miss = self.checks[(self.checks["team"] == t.team) & ~self.checks["present"]]
            if self.publication is None:
                text = (
                    f"{t.team_name}: {t.members} members, {t.external} from outside the department"
                )
            else:  # the published copy does not count members
                text = t.team_name + (f" ({t.flag})" if t.flag else "")
            sep = "; " if self.publication is None else ": "
            if len(miss):
                text += (
                    sep
                    + "missing "
                    + ", ".join(
                        f"{r.role} ({_SECTOR_NAMES.get(r.sector, r.sector).lower()})"
                        for r in miss.itertuples()
                    )
                )
            else:
                text += sep + "every recommended role is filled"
            lines.append(text + ".")
        if not lines:
            lines.append("No team is recorded in the roster.")
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Chart of recommended roles filled or missing, per team.

        Returns
        -------
        altair.Chart
            One square per team and role, coloured filled / missing.
        """
        c = self.checks.assign(
            status=self.checks["present"].map({True: "filled", False: "missing"})
        )
        return (
            alt.Chart(c, title="Team composition against the CS360 recommendation")
            .mark_square(size=200)
            .encode(
                x=alt.X("team_name:N", title=None),
                y=alt.Y("role:N", title=None),
                color=alt.Color(
                    "status:N",
                    scale=alt.Scale(domain=["filled", "missing"], range=["#009e73", "#d55e00"]),
                ),
                tooltip=["team_name", "sector", "role", "status", "members"],
            )
        )

    def table(self) -> PresentationTable:
        """Return one row per team: members, external members, missing roles and flag.

        On a published copy: the team, its missing roles and its flag (no member counts).
        """
        columns = list(self.labels)
        if self.publication is not None:
            columns = [c for c in columns if c not in ("members", "external")]
        teams = self.teams[columns].reset_index(drop=True)
        teams["missing"] = teams["missing"].replace("", "none")
        return presentation_table(teams, labels=self.labels)


def composition_check(
    roster: pd.DataFrame,
    *,
    teams: Mapping[str, str] | None = None,
    recommended: Mapping[str, list[tuple[str, str, str]]] | None = None,
) -> Composition:
    """Check the Advisory Team and each Problem-Solving Team against the recommendation.

    Parameters
    ----------
    roster : pandas.DataFrame
        The ``stakeholders`` kind.
    teams : mapping of str to str, optional
        Team code -> display name (default :data:`DEFAULT_TEAMS`). Every code in this
        mapping is checked even when nobody is on it yet (an empty team is flagged), plus
        every code found in the roster.
    recommended : mapping, optional
        Replacement for :data:`RECOMMENDED` (kind -> list of (sector, role, pattern)).

    Returns
    -------
    Composition
        Per-role checks, per-team summary and warnings.
    """
    names = {**DEFAULT_TEAMS, **dict(teams or {})}
    rec = dict(recommended or RECOMMENDED)
    codes = (
        roster["team"].map(_team_codes)
        if "team" in roster
        else pd.Series([[] for _ in range(len(roster))], index=roster.index)
    )
    found = list(dict.fromkeys(c for cs in codes for c in cs))
    all_codes = list(dict.fromkeys([*names.keys(), *found]))
    text = (_text(roster, "role") + " " + _text(roster, "organisation")).str.lower()
    sector = _text(roster, "sector")
    sid = _text(roster, "stakeholder_id")
    checks, summary, warnings = [], [], []
    for code in all_codes:
        name = names.get(code, code)
        kind = _team_kind(code)
        on = codes.map(lambda cs, code=code: code in cs).to_numpy()
        members = int(on.sum())
        external = int((on & (sector != "department").to_numpy()).sum())
        missing = []
        for sec, role, pattern in rec[kind]:
            hit = (
                on & (sector == sec).to_numpy() & text.str.contains(pattern, regex=True).to_numpy()
            )
            present = bool(hit.any())
            if not present:
                missing.append(f"{role} ({_SECTOR_NAMES.get(sec, sec).lower()})")
            checks.append(
                {
                    "team": code,
                    "team_name": name,
                    "kind": kind,
                    "sector": sec,
                    "role": role,
                    "present": present,
                    "members": ";".join(sid[hit]),
                }
            )
        if members == 0:
            flag = "no members recorded"
        elif external == 0:
            flag = "no external member: CS360 requires stakeholders from outside the department"
        else:
            flag = ""
        if flag:
            warnings.append(f"{name}: {flag}.")
        per_sector = {s: int((on & (sector == s).to_numpy()).sum()) for s in SECTORS}
        summary.append(
            {
                "team": code,
                "team_name": name,
                "members": members,
                "external": external,
                **per_sector,
                "missing": "; ".join(missing),
                "flag": flag,
            }
        )
    return Composition(
        checks=pd.DataFrame(
            checks, columns=["team", "team_name", "kind", "sector", "role", "present", "members"]
        ),
        teams=pd.DataFrame(summary),
        warnings=warnings,
    )
