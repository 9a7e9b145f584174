"""Personal data planted in Sampleton, so that "nothing personal is published" can be tested.

Real police and partner data hold victims' names, home addresses, phone numbers and the
candid words of named people. Sampleton plants fake ones where real data have them, and
records every planted string in ``truth.json`` under ``personal`` (a test searches every
stakeholder report for each of them) and where they are under ``personal_planted``:

- **incidents**: an extra ``victim_name`` column that the engagement does not map (unmapped
  source columns are personal and never published), filled for some robberies and assaults
  from a pool of fake names; a ``narrative`` column (mapped as free text) with a short
  block-level description of every incident and, for a few, a victim's or witness's name,
  phone number, exact address and a related report number; and a few **broken rows** (no
  offense, no date) that the loader rejects, so that the intake's set-aside rows carry
  personal data into the analyst report;
- **interviews**: sentences appended to some answers that name people (by full name, by a
  title and surname only, after "my name is"), give phone numbers, e-mail addresses and
  exact home addresses.

All names are invented; phone numbers use the 555-01XX range reserved for fiction (North
American Numbering Plan) and e-mail addresses the domains reserved for examples (RFC 2606).
Everything is drawn from the ``personal`` random stream, appended after the others, so every
other part of the department is unchanged by it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cs360lib.datasets.sampleton.offenses import GROUPS, OFFENSES

VICTIM_NAMES = [
    "Gloria Whitaker", "Desmond Pryce", "Lucia Fernandez", "Brenda Kowalski",
    "Harold Nakamura", "Yolanda Castellanos", "Terrence Abernathy", "Marisol Oyelaran",
    "Dmitri Szymanski", "Ingrid Lindqvist", "Kwame Mensah-Boateng", "Rosalyn Vukovic",
    "Anthony Marchetti", "Priya Raghunathan", "Cornelius Featherstone", "Beatriz Quintanilla",
    "Wendell Okoro", "Svetlana Petrenko", "Jamal Whitlock", "Evangeline Broussard",
]  # fmt: skip
"""Fake victim names (first names from the SSA baby-name records, surnames unusual enough that
no report would contain them by chance)."""

VICTIM_SHARE = 0.04
"""Share of robberies and assaults whose row carries a ``victim_name``."""

_PERSON_GROUPS = [GROUPS.index(g) for g in ("Robbery", "Assault")]

# (narrative, planted strings): a victim's or witness's name, phone, exact address, report no.
NARRATIVES: list[tuple[str, list[str]]] = [
    ("Victim Gloria Whitaker, 58, was pushed to the ground near the bus bays and her purse "
     "was taken.", ["Gloria Whitaker"]),
    ("Caller Desmond Pryce, 314-555-0166, reported two males fighting outside the store.",
     ["Desmond Pryce", "314-555-0166"]),
    ("Witness Lucia Fernandez saw the suspect run toward Main St and 7th St.",
     ["Lucia Fernandez"]),
    ("Complainant Brenda Kowalski says her former partner keeps calling her at 314-555-0191.",
     ["Brenda Kowalski", "314-555-0191"]),
    ("Victim Harold Nakamura was followed home to 1417 Harbor Ave Apt 3B and threatened.",
     ["Harold Nakamura", "1417 Harbor Ave Apt 3B"]),
    ("Yolanda Castellanos of 2208 Cedar Avenue reported her phone taken at knifepoint.",
     ["Yolanda Castellanos", "2208 Cedar Avenue"]),
    ("Victim Terrence Abernathy can be reached at terrence.abernathy@example.com for "
     "follow-up.", ["Terrence Abernathy", "terrence.abernathy@example.com"]),
    ("Suspect described by Marisol Oyelaran, who lives at 915 Grand Ave.",
     ["Marisol Oyelaran", "915 Grand Ave"]),
    ("Same suspect as in report 2021-004512; victim Dmitri Szymanski identified him.",
     ["2021-004512", "Dmitri Szymanski"]),
    ("Ingrid Lindqvist (cell 314.555.0123) was struck with a bottle outside 1730 Lake Ave.",
     ["Ingrid Lindqvist", "314.555.0123", "1730 Lake Ave"]),
]  # fmt: skip
"""Planted offense narratives and the personal strings each holds."""

BROKEN_ROWS: list[tuple[str, str, str, list[str]]] = [
    ("offense", "Kwame Mensah-Boateng",
     "Victim Kwame Mensah-Boateng, 1102 Birch Ave, phone 314-555-0148, reported a stolen "
     "wallet; offense code not entered.",
     ["Kwame Mensah-Boateng", "1102 Birch Ave", "314-555-0148"]),
    ("offense", "Rosalyn Vukovic",
     "Rosalyn Vukovic reported a neighbour dispute; call back at rvukovic@example.net.",
     ["Rosalyn Vukovic", "rvukovic@example.net"]),
    ("occurred_at", "Anthony Marchetti",
     "Anthony Marchetti, 640 Foundry Ave, reported his bicycle stolen; date not recorded.",
     ["Anthony Marchetti", "640 Foundry Ave"]),
]  # fmt: skip
"""Incident rows the loader rejects: (the required column left empty, victim name, narrative,
planted strings). Their original values, personal data included, are in ``.rejected``."""

INTERVIEW_SENTENCES: list[tuple[str, list[str]]] = [
    ("You can reach me at 314-555-0142 in the evenings.", ["314-555-0142"]),
    ("Email me at dana.whitfield@example.org and I will forward our notes.",
     ["dana.whitfield@example.org"]),
    ("Talk to Marcus Delgado, he lives at 1520 Harbor Ave Apt 2 and keeps a log.",
     ["Marcus Delgado", "1520 Harbor Ave Apt 2"]),
    ("Officer Kowalczyk knows every merchant on the avenue.", ["Kowalczyk"]),
    ("Pastor Adeyemi can gather people after the Sunday service.", ["Adeyemi"]),
    ("My name is Rosalind, and I have lived here forty years.", ["Rosalind"]),
    ("Ask Tamika Johnson at 2212 Cedar Avenue, she chairs the block club.",
     ["Tamika Johnson", "2212 Cedar Avenue"]),
    ("Sgt. Okonkwo has the patrol schedules for the district.", ["Okonkwo"]),
    ("Ms. Trevino at the library keeps the sign-in sheets of the meetings.", ["Trevino"]),
    ("Jerome Baptiste runs the merchants' group chat; write to jbaptiste@example.net.",
     ["Jerome Baptiste", "jbaptiste@example.net"]),
    ("Call Esperanza Villalobos on 314-555-0187 about the youth program.",
     ["Esperanza Villalobos", "314-555-0187"]),
    ("Councilwoman Hargreave asked us to send her office the numbers.", ["Hargreave"]),
]  # fmt: skip
"""Sentences appended to interview answers and the personal strings each holds. Some names
are found only by the scrubber's context rules (a title or rank, "my name is")."""

_PLANTED_THEMES = ("police_community_relations", "data_available", "areas_for_improvement")
"""Themes whose answers receive a planted sentence (the public-safety answers, which carry the
planted concerns, are left as they are)."""

_NARRATIVE_TEMPLATES = {
    "Robbery": "{offense} reported on the {address}; property taken from the victim.",
    "Burglary": "{offense} reported on the {address}; entry forced, items missing.",
    "Theft": "{offense} reported on the {address}.",
    "Theft from vehicle": "{offense} reported on the {address}; window broken.",
    "Assault": "{offense} reported on the {address}; the victim was treated at the scene.",
    "Motor vehicle theft": "{offense} reported on the {address}.",
    "Vandalism": "{offense} reported on the {address}; damage to property.",
    "Drug offense": "{offense} on the {address}; on-view stop.",
}
"""Narrative of incidents without planted data, by offense group (block level only)."""


@dataclass
class Planted:
    """Where the personal data were planted.

    Attributes
    ----------
    values : list of str
        Every planted personal string, as written in the files.
    detail : dict
        Per source, where they are: incident ids of planted narratives and broken rows,
        interview ids and questions of planted answers with their strings.
    rejected : dict of str to int
        Rows the loader will reject, by kind.
    """

    values: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)


def plant_personal(
    rng: np.random.Generator, frames: dict[str, pd.DataFrame]
) -> tuple[dict[str, pd.DataFrame], Planted]:
    """Plant personal data in the incidents and the interviews.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``personal`` child generator.
    frames : dict of str to pandas.DataFrame
        The department's frames; ``incidents`` and ``interviews`` are replaced by copies.

    Returns
    -------
    tuple of (dict, Planted)
        The frames with the planted data, and what was planted where.
    """
    out = dict(frames)
    planted = Planted()
    out["incidents"] = _incidents(rng, frames["incidents"], planted)
    out["interviews"] = _interviews(rng, frames["interviews"], planted)
    planted.values = list(dict.fromkeys(planted.values))
    return out, planted


def _incidents(rng: np.random.Generator, incidents: pd.DataFrame, planted: Planted) -> pd.DataFrame:
    frame = incidents.copy()
    n = len(frame)
    offense = frame["offense"].astype(str)
    group = frame["offense_group"].astype(str)
    narrative = np.empty(n, dtype=object)
    for name, template in _NARRATIVE_TEMPLATES.items():
        rows = (group == name).to_numpy()
        narrative[rows] = [
            template.format(offense=o, address=a)
            for o, a in zip(offense[rows], frame["address"].astype(str)[rows], strict=True)
        ]
    codes = np.array([GROUPS.index(o.group) for o in OFFENSES])
    off_index = {o.name: i for i, o in enumerate(OFFENSES)}
    person = np.isin(codes[offense.map(off_index).to_numpy()], _PERSON_GROUPS)
    victim = np.full(n, None, dtype=object)
    candidates = np.flatnonzero(person)
    named = candidates[rng.random(len(candidates)) < VICTIM_SHARE]
    victim[named] = rng.choice(VICTIM_NAMES, size=len(named))
    k = min(len(NARRATIVES), len(candidates))  # a tiny department has few robberies
    chosen = np.sort(rng.choice(candidates, size=k, replace=False))
    ids = []
    for row, (text, values) in zip(chosen, NARRATIVES[:k], strict=True):
        narrative[row] = text
        victim[row] = values[0] if values[0] in VICTIM_NAMES else victim[row]
        planted.values += values
        ids.append(str(frame["incident_id"].iloc[row]))
    frame["victim_name"] = victim
    frame["narrative"] = narrative
    planted.values += [v for v in VICTIM_NAMES if v in set(victim[victim != None])]  # noqa: E711
    frame, broken = _broken_rows(rng, frame, planted)
    planted.rejected["incidents"] = len(broken)
    planted.detail["incidents"] = {
        "columns": {
            "victim_name": "extra column, not mapped: personal, never published",
            "narrative": "extra column, mapped as free text (privacy: text)",
        },
        "narrative_ids": ids,
        "rejected_ids": broken,
        "victim_names": int(pd.notna(frame["victim_name"]).sum()),
    }
    return frame


def _broken_rows(
    rng: np.random.Generator, frame: pd.DataFrame, planted: Planted
) -> tuple[pd.DataFrame, list[str]]:
    k = min(len(BROKEN_ROWS), len(frame))
    positions = np.sort(rng.choice(len(frame), size=k, replace=False))
    broken = frame.iloc[positions].copy()
    ids = []
    for i, (empty, _victim, _text, values) in enumerate(BROKEN_ROWS[:k]):
        year = pd.Timestamp(broken["occurred_at"].iloc[i]).year
        ids.append(f"{year}-{900001 + i}")
        column = broken.columns.get_loc(empty)
        broken.iloc[i, column] = None
        planted.values += values
    broken["incident_id"] = ids
    broken["victim_name"] = [row[1] for row in BROKEN_ROWS[:k]]
    broken["narrative"] = [row[2] for row in BROKEN_ROWS[:k]]
    # each broken row goes right after the row it was copied from
    order = np.argsort(np.r_[np.arange(len(frame)), positions + 0.5], kind="stable")
    return pd.concat([frame, broken], ignore_index=True).iloc[order].reset_index(drop=True), ids


def _interviews(
    rng: np.random.Generator, interviews: pd.DataFrame, planted: Planted
) -> pd.DataFrame:
    frame = interviews.copy()
    eligible = np.flatnonzero(frame["theme"].isin(_PLANTED_THEMES).to_numpy())
    rows = np.sort(rng.choice(eligible, size=len(INTERVIEW_SENTENCES), replace=False))
    order = rng.permutation(len(INTERVIEW_SENTENCES))
    responses = frame["response"].to_numpy(dtype=object).copy()
    where = []
    for row, k in zip(rows, order, strict=True):
        sentence, values = INTERVIEW_SENTENCES[k]
        responses[row] = f"{responses[row]} {sentence}"
        planted.values += values
        where.append(
            {
                "interview_id": str(frame["interview_id"].iloc[row]),
                "question": str(frame["question"].iloc[row]),
                "values": values,
            }
        )
    frame["response"] = responses
    planted.detail["interviews"] = where
    return frame
