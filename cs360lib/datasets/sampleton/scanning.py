"""Scanning material of Sampleton: the stakeholder roster (community map) and the interviews.

The roster names organisations and roles, never persons. The interviews answer the four
CS360 scanning themes; the planted concern of every public-safety answer is returned next
to the frame (it is not a column of ``interviews.csv``) and recorded in ``truth.json`` by
:mod:`.truth`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cs360lib.datasets.sampleton.city import HUB_NAME, TARGET_BEAT
from cs360lib.datasets.sampleton.params import DEPARTMENT

# id, organisation, role, sector, team, levers, data held, sharing terms
STAKEHOLDERS: list[tuple[str, str, str, str, str, str, str, str]] = [
    ("S01", DEPARTMENT, "Chief of police", "department", "AT", "manager",
     "Incidents, calls for service, arrests", "Open data (block level)"),
    ("S02", f"{DEPARTMENT} - East District", "District commander", "department", "AT+PST",
     "guardian;manager", "Patrol deployment and directed patrol logs", "Internal"),
    ("S03", f"{DEPARTMENT} - Crime Analysis Unit", "Crime analyst", "department", "AT+PST", "",
     "Incidents, calls for service, arrests, geocoded hot spots", "Internal"),
    ("S04", f"{DEPARTMENT} - East District", "Patrol sergeant", "department", "PST", "guardian",
     "Field interview notes", "Internal"),
    ("S05", f"{DEPARTMENT} - Investigations", "Robbery detective", "department", "PST", "handler",
     "Robbery case files and suspect patterns", "Internal"),
    ("S06", "Regional Transit Authority Police", "Transit police lieutenant",
     "other_law_enforcement", "PST", "guardian;manager", "Transit incidents and CCTV footage",
     "MOU"),
    ("S07", "County Sheriff's Office", "Undersheriff", "other_law_enforcement", "AT", "guardian",
     "Jail bookings", "MOU"),
    ("S08", "State Probation and Parole", "Probation supervisor", "other_law_enforcement", "PST",
     "handler", "Supervision caseloads by area", "Aggregate only"),
    ("S09", "County EMS", "EMS operations chief", "other_law_enforcement", "AT", "",
     "EMS overdose and assault calls by district", "Aggregate only"),
    ("S10", "Office of the Mayor", "Deputy mayor for public safety", "government", "AT",
     "manager", "City budget and program data", "Open"),
    ("S11", "Public Works Department", "Street lighting supervisor", "government", "PST",
     "manager", "Streetlight inventory and repair orders", "Open"),
    ("S12", "City 311 Call Center", "311 data manager", "government", "PST", "",
     "311 service requests (streetlights, dumping, graffiti)", "Open"),
    ("S13", "County Public Health Department", "Epidemiologist", "government", "AT", "",
     "Overdose deaths and hospital visits", "Aggregate only"),
    ("S14", "City Council - Ward 5", "Council member's chief of staff", "government", "AT",
     "manager", "Constituent complaints", "Aggregate only"),
    ("S15", "Eastgate Merchants Association", "Association president", "community", "PST",
     "guardian;manager", "Member business incident logs", "Aggregate only"),
    ("S16", "Eastgate Neighborhood Association", "Block captain coordinator", "community", "PST",
     "guardian", "Resident safety walk notes", "Open"),
    ("S17", "First Street Baptist Church", "Pastor", "community", "AT", "handler",
     "None recorded", "Not applicable"),
    ("S18", "Sampleton Youth Outreach Center", "Program director", "community", "PST", "handler",
     "Program attendance", "Aggregate only"),
    ("S19", "Westside Tenants Union", "Organizer", "community", "none", "guardian",
     "Housing complaints", "Aggregate only"),
    ("S20", "Harm Reduction Coalition", "Outreach coordinator", "community", "none", "handler",
     "Naloxone distribution counts", "Aggregate only"),
    ("S21", "Sampleton Community College", "Campus safety director", "community", "none",
     "guardian;manager", "Campus incident log", "MOU"),
    ("S22", "Regional Transit Authority", "Station operations manager", "government", "PST",
     "manager", "Ridership by station and hour", "MOU"),
]  # fmt: skip

QUESTIONS = {
    "public_safety_concerns": "What are the most pressing public safety concerns in your area?",
    "police_community_relations": "How would you describe the relationship between the police "
    "and the community?",
    "data_available": "What data does your organisation hold that could help understand or "
    "address these problems?",
    "areas_for_improvement": "What should the department and its partners do better?",
}
FOLLOW_UP = "Is there anything else about public safety in your area we should know?"

TOP_CONCERN = "transit_robbery"
CONCERNS: dict[str, dict[str, Any]] = {
    "transit_robbery": {
        "keywords": ["robbery", "robbed", "transit"],
        "label": f"Street robbery around the {HUB_NAME} (beat {TARGET_BEAT})",
        "texts": [
            f"People are being robbed walking to and from the {HUB_NAME} after dark; the "
            "streetlights on Main St are out.",
            "Street robbery around the bus bays at Main St and 7th St is what everyone talks "
            "about. Riders are afraid to wait there at night.",
            "We hear about phone snatching and robbery near the Eastgate transit hub, mostly in "
            "the evening when the block is dark.",
            "Robbery near the transit center. Broken lighting makes the walk from the bus stop "
            "feel unsafe.",
            "Commuters getting robbed between the transit center and the parking lots on 7th St.",
        ],
    },
    "drug_market": {
        "keywords": ["drug"],
        "label": "Open-air drug market at Cedar Ave and 14th St",
        "texts": [
            "Drug dealing on the corner of Cedar Ave and 14th St, day and night.",
            "The drug market at Cedar and 14th keeps families off the street.",
        ],
    },
    "overdoses": {
        "keywords": ["overdose"],
        "label": "Overdoses in the West district",
        "texts": [
            "Overdoses are up in the West district; we find people in doorways.",
            "We keep responding to overdose calls around the shelters.",
        ],
    },
    "vehicle_breakins": {
        "keywords": ["break-in"],
        "label": "Car break-ins",
        "texts": [
            "Car break-ins in the parking areas near the shops.",
            "Every week someone on the block reports a car break-in.",
        ],
    },
    "speeding": {
        "keywords": ["speeding"],
        "label": "Speeding on Grand Ave",
        "texts": [
            "Speeding on Grand Ave near the schools.",
            "Drag racing and speeding at night on the avenues.",
        ],
    },
}
CONCERN_SHARES = {"drug_market": 0.35, "overdoses": 0.25, "vehicle_breakins": 0.22,
                  "speeding": 0.18}  # fmt: skip
TOP_CONCERN_SHARE = 0.55  # share of public-safety answers naming the planted top concern

RELATIONS = {
    "department": [
        "Officers know the merchants on Main St, but residents rarely call us unless it is "
        "serious.",
        "We have good contacts with the associations; trust is lower among young people.",
    ],
    "other_law_enforcement": [
        "We work with the police on cases, but information sharing is slow.",
        "Relations are professional; the community sees us as separate from the city police.",
    ],
    "government": [
        "Residents tell the council they want to see officers who walk and talk, not only cars.",
        "Trust varies a lot by neighbourhood; the East side feels ignored.",
    ],
    "community": [
        "Many neighbours do not report crime because nothing happens afterwards.",
        "People like the officers they know, but stops on the avenues cause distrust.",
        "Trust is low; people want to be asked, not told.",
    ],
}
IMPROVEMENTS = [
    "Fix the lighting around the transit center and keep it fixed.",
    "Put foot patrol and ambassadors at the transit hub in the evening.",
    "Share data with partners every month, not once a year.",
    "Follow up with victims and tell them what happened with their case.",
    "Offer information in Spanish and other languages.",
    "Meet with residents regularly and report back on what was done.",
]
INTERVIEWED = ["S02", "S03", "S04", "S05", "S06", "S08", "S09", "S10", "S11", "S12", "S13",
               "S14", "S15", "S16", "S17", "S18", "S19", "S20", "S21", "S22"]  # fmt: skip


THEMES = list(QUESTIONS)
"""The four CS360 scanning themes, in the order of ``QUESTIONS``."""
SECTORS = ["department", "other_law_enforcement", "government", "community"]
"""Stakeholder sectors of the roster."""
INTERVIEW_COLUMNS = ["interview_id", "stakeholder_id", "sector", "role", "theme", "question",
                     "response", "interviewed_on"]  # fmt: skip
"""Columns of ``interviews.csv``."""


def stakeholders() -> pd.DataFrame:
    """Return the stakeholder roster (community map).

    Returns
    -------
    pandas.DataFrame
        One row per organisation of ``STAKEHOLDERS``: ``stakeholder_id``, ``organisation``,
        ``role``, ``sector``, ``team`` (AT, PST, AT+PST or none), ``levers`` (handler,
        guardian, manager of the problem analysis triangle; missing when none),
        ``data_held``, ``sharing_terms``.
    """
    cols = ["stakeholder_id", "organisation", "role", "sector", "team", "levers", "data_held",
            "sharing_terms"]  # fmt: skip
    out = pd.DataFrame(STAKEHOLDERS, columns=cols)
    out["levers"] = out["levers"].replace("", None)
    return out


def simulate_interviews(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.Series]:
    """Draw the scanning interviews, one row per answer, and the concern each answer names.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``interviews`` child generator.

    Returns
    -------
    tuple of (pandas.DataFrame, pandas.Series)
        The interviews (columns ``INTERVIEW_COLUMNS``): one answer per theme for each
        stakeholder of ``INTERVIEWED``, plus a public-safety follow-up in about half of
        them; ``TOP_CONCERN_SHARE`` of the public-safety answers name ``TOP_CONCERN``, the
        others a concern drawn from ``CONCERN_SHARES``. And, aligned with the rows, the
        key of ``CONCERNS`` each answer names (``None`` for the other themes).
    """
    roster = {s[0]: s for s in STAKEHOLDERS}
    n = len(INTERVIEWED)
    follow = rng.random(n) < 0.5
    n_safety = n + int(follow.sum())
    n_top = int(np.ceil(TOP_CONCERN_SHARE * n_safety))
    others = list(CONCERN_SHARES)
    rest = rng.choice(len(others), size=n_safety - n_top, p=list(CONCERN_SHARES.values()))
    concern = np.array([TOP_CONCERN] * n_top + [others[k] for k in rest], dtype=object)
    concern = concern[rng.permutation(n_safety)]
    day0 = np.datetime64("2022-09-12")
    dates = np.sort(day0 + rng.integers(0, 95, size=n).astype("timedelta64[D]"))
    rows: list[dict[str, Any]] = []
    k = 0
    for i, sid in enumerate(INTERVIEWED):
        _, org, role, sector, *_rest = roster[sid]
        data_held = roster[sid][6]
        iid = f"INT-{i + 1:03d}"
        base = {"interview_id": iid, "stakeholder_id": sid, "sector": sector, "role": role,
                "interviewed_on": dates[i]}  # fmt: skip
        texts = CONCERNS[concern[k]]["texts"]
        rows.append({**base, "theme": "public_safety_concerns", "concern": concern[k],
                     "question": QUESTIONS["public_safety_concerns"],
                     "response": texts[rng.integers(len(texts))]})  # fmt: skip
        k += 1
        rel = RELATIONS[sector]
        rows.append({**base, "theme": "police_community_relations", "concern": None,
                     "question": QUESTIONS["police_community_relations"],
                     "response": rel[rng.integers(len(rel))]})  # fmt: skip
        rows.append({**base, "theme": "data_available", "concern": None,
                     "question": QUESTIONS["data_available"],
                     "response": f"We hold: {data_held.lower()}."})  # fmt: skip
        rows.append({**base, "theme": "areas_for_improvement", "concern": None,
                     "question": QUESTIONS["areas_for_improvement"],
                     "response": IMPROVEMENTS[rng.integers(len(IMPROVEMENTS))]})  # fmt: skip
        if follow[i]:
            texts = CONCERNS[concern[k]]["texts"]
            rows.append({**base, "theme": "public_safety_concerns", "concern": concern[k],
                         "question": FOLLOW_UP,
                         "response": texts[rng.integers(len(texts))]})  # fmt: skip
            k += 1
    frame = pd.DataFrame(rows)
    frame["interviewed_on"] = frame["interviewed_on"].astype("datetime64[s]")
    return frame[INTERVIEW_COLUMNS], frame["concern"]
