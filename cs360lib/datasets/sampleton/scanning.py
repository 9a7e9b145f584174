"""Scanning material of Sampleton: the stakeholder roster (community map) and the interviews.

The roster names organisations and roles, never persons; its teams have planted gaps
against the recommended composition (``ROSTER_GAPS``). The interviews answer the four
CS360 scanning themes; the codes of every public-safety answer (concerns raised, concerns
negated, against the default codebook) are returned next to the frame (they are not
columns of ``interviews.csv``) and recorded in ``truth.json`` (:func:`interview_truth`,
:func:`roster_truth`).
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
     "Nothing recorded", "Not applicable"),
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
    ("S23", f"{DEPARTMENT} - West District", "Narcotics lieutenant", "department", "PST2",
     "handler", "Drug complaints and search warrant returns", "Internal"),
    ("S24", f"{DEPARTMENT} - West District", "Patrol officer", "department", "PST2",
     "guardian", "Field contact cards", "Internal"),
]  # fmt: skip

TEAMS = {"AT": "Advisory Team", "PST": "Transit Robbery Problem-Solving Team",
         "PST2": "Cedar Ave Drug Market Team"}  # fmt: skip
"""Display names of the roster's team codes (the engagement's ``teams:``)."""

ROSTER_GAPS: dict[str, list[tuple[str, str]]] = {
    "AT": [("department", "mid-level supervisor"), ("other_law_enforcement", "US Attorney")],
    "PST": [],
    "PST2": [("department", "analyst"),
             ("other_law_enforcement", "relevant agencies (EMS, probation and parole, ...)"),
             ("government", "relevant government partners"),
             ("community", "representatives of relevant community groups")],
}  # fmt: skip
"""Planted gaps of the roster against the recommended composition of ``DESIGN.md`` (the
roles of ``cs360lib.steps.stakeholders.RECOMMENDED``), per team: (sector, role). The Advisory
Team has no mid-level supervisor and no US Attorney; the drug market team (``PST2``) is two
West District officers with no analyst and nobody from outside the department."""
NO_EXTERNAL_MEMBER = ["PST2"]
"""Teams planted without any member from outside the department."""

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
# Each public-safety answer is written with the codes a human coder gives it against the
# default codebook's definitions (cs360lib/steps/scanning/codebooks/default.yml): the
# concerns it raises and the concerns it mentions only to deny them (negated). Some raise
# two concerns; the ``uncovered`` ones raise a concern no default entry covers (stray dogs,
# phone scams: the emergent themes to find).
CONCERNS: dict[str, dict[str, Any]] = {
    "transit_robbery": {
        "label": f"Street robbery around the {HUB_NAME} (beat {TARGET_BEAT})",
        "texts": [
            (f"People are being robbed walking to and from the {HUB_NAME} after dark; the "
             "streetlights on Main St are out.", ["robbery", "lighting_environment"], []),
            ("Street robbery around the bus bays at Main St and 7th St is what everyone talks "
             "about. Riders are afraid to wait there at night.", ["robbery"], []),
            ("We hear about phone snatching and robbery near the Eastgate transit hub, mostly "
             "in the evening when the block is dark.", ["robbery", "lighting_environment"], []),
            ("Robbery near the transit center. Broken lighting makes the walk from the bus "
             "stop feel unsafe.", ["robbery", "lighting_environment"], []),
            ("Commuters getting robbed between the transit center and the garages on 7th St.",
             ["robbery"], []),
            ("Speeding is not a problem here; the robberies by the bus bays are.", ["robbery"],
             ["traffic_safety"]),
            ("Robberies at the bus bays; people want to see officers on foot patrol there in "
             "the evening.", ["robbery", "police_visibility"], []),
        ],
    },
    "drug_market": {
        "label": "Open-air drug market at Cedar Ave and 14th St",
        "texts": [
            ("Drug dealing on the corner of Cedar Ave and 14th St, day and night.",
             ["drug_markets"], []),
            ("The drug market at Cedar and 14th keeps families off the street.",
             ["drug_markets"], []),
            ("Dealers at Cedar Ave and 14th St, and people overdosing in the doorways nearby.",
             ["drug_markets", "overdoses"], []),
            ("Gun violence is not a problem on our side of town; drug dealing at Cedar and 14th "
             "is.", ["drug_markets"], ["gun_violence"]),
        ],
    },
    "overdoses": {
        "label": "Overdoses in the West district",
        "texts": [
            ("Overdoses are up in the West district; we find people in doorways.",
             ["overdoses"], []),
            ("We keep responding to overdose calls around the shelters.",
             ["overdoses", "homelessness_mental_health"], []),
            ("Fentanyl overdoses among people living in the encampment under the bridge.",
             ["overdoses", "homelessness_mental_health"], []),
        ],
    },
    "vehicle_breakins": {
        "label": "Car break-ins",
        "texts": [
            ("Car break-ins in the parking areas near the shops.", ["vehicle_crime"], []),
            ("Every week someone on the block reports a car break-in.", ["vehicle_crime"], []),
            ("Burglary is not the issue on our street; car break-ins are, every weekend.",
             ["vehicle_crime"], ["burglary_theft"]),
        ],
    },
    "speeding": {
        "label": "Speeding on Grand Ave",
        "texts": [
            ("Speeding on Grand Ave near the schools.", ["traffic_safety"], []),
            ("Drag racing and speeding at night on the avenues.", ["traffic_safety"], []),
            ("Cars speeding past the crosswalk on Grand Ave; a pedestrian was hit last month.",
             ["traffic_safety"], []),
        ],
    },
    "uncovered": {
        "label": "Concerns the default codebook does not cover (stray dogs, phone scams)",
        "texts": [
            ("Stray dogs roam the river trail and people are scared to walk there.", [], []),
            ("Scam calls targeting older residents; several lost their savings.", [], []),
            ("Loose dogs in the park by the river chase children on their way home.", [], []),
            ("Phone scams aimed at seniors who live alone.", [], []),
            ("We don't have shootings here anymore; what scares people are the loose dogs.",
             [], ["gun_violence"]),
        ],
    },
}  # fmt: skip
"""Planted concerns of the public-safety answers: a label and the answers that name it, each
as (text, concerns coded, concerns mentioned but negated) with default-codebook concern ids."""
CONCERN_CODES = {"transit_robbery": "robbery", "drug_market": "drug_markets",
                 "overdoses": "overdoses", "vehicle_breakins": "vehicle_crime",
                 "speeding": "traffic_safety", "uncovered": None}  # fmt: skip
"""The default-codebook concern every answer of a planted concern raises (None: not covered)."""
CONCERN_SHARES = {"drug_market": 0.26, "overdoses": 0.2, "vehicle_breakins": 0.16,
                  "speeding": 0.14, "uncovered": 0.24}  # fmt: skip
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


def _quotas(n: int) -> dict[str, int]:
    """Split ``n`` answers between the concerns of ``CONCERN_SHARES`` (largest remainders)."""
    exact = np.array(list(CONCERN_SHARES.values())) * n
    counts = np.floor(exact).astype(int)
    extra = np.argsort(-(exact - counts), kind="stable")[: n - int(counts.sum())]
    counts[extra] += 1
    return dict(zip(CONCERN_SHARES, counts.tolist(), strict=True))


def simulate_interviews(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw the scanning interviews, one row per answer, and the codes each answer carries.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``interviews`` child generator.

    Returns
    -------
    tuple of (pandas.DataFrame, pandas.DataFrame)
        The interviews (columns ``INTERVIEW_COLUMNS``): one answer per theme for each
        stakeholder of ``INTERVIEWED``, plus a public-safety follow-up in about half of
        them; ``TOP_CONCERN_SHARE`` of the public-safety answers (rounded up) name
        ``TOP_CONCERN``, the others the concerns of ``CONCERN_SHARES`` in those shares
        (largest remainders), in a random order. Each planted concern's answers go
        through its texts in a random order, so every kind of answer (two concerns, a
        negated mention, an uncovered concern) occurs once a concern has enough answers.
        And, aligned with the rows: ``response_id`` (``INTERVIEW/NN``, the order of the
        answer in its interview, as :func:`cs360lib.steps.scanning.code_responses` numbers
        them), ``planted`` (the key of ``CONCERNS``, None for the other themes),
        ``concerns`` and ``negated`` (lists of default-codebook concern ids).
    """
    roster = {s[0]: s for s in STAKEHOLDERS}
    n = len(INTERVIEWED)
    follow = rng.random(n) < 0.5
    n_safety = n + int(follow.sum())
    n_top = int(np.ceil(TOP_CONCERN_SHARE * n_safety))
    quota = _quotas(n_safety - n_top)
    concern = np.array([TOP_CONCERN] * n_top + [c for c, q in quota.items() for _ in range(q)],
                       dtype=object)  # fmt: skip
    concern = concern[rng.permutation(n_safety)]
    order = {c: rng.permutation(len(CONCERNS[c]["texts"])) for c in CONCERNS}
    used = dict.fromkeys(CONCERNS, 0)
    day0 = np.datetime64("2022-09-12")
    dates = np.sort(day0 + rng.integers(0, 95, size=n).astype("timedelta64[D]"))
    rows: list[dict[str, Any]] = []
    k = 0

    def safety(base: dict[str, Any], question: str) -> dict[str, Any]:
        nonlocal k
        planted = concern[k]
        texts = CONCERNS[planted]["texts"]
        text, codes, negated = texts[order[planted][used[planted] % len(texts)]]
        used[planted] += 1
        k += 1
        return {**base, "theme": "public_safety_concerns", "question": question,
                "response": text, "planted": planted, "concerns": list(codes),
                "negated": list(negated)}  # fmt: skip

    for i, sid in enumerate(INTERVIEWED):
        _, org, role, sector, *_rest = roster[sid]
        data_held = roster[sid][6]
        iid = f"INT-{i + 1:03d}"
        base = {"interview_id": iid, "stakeholder_id": sid, "sector": sector, "role": role,
                "interviewed_on": dates[i]}  # fmt: skip
        rows.append(safety(base, QUESTIONS["public_safety_concerns"]))
        rel = RELATIONS[sector]
        rows.append({**base, "theme": "police_community_relations",
                     "question": QUESTIONS["police_community_relations"],
                     "response": rel[rng.integers(len(rel))]})  # fmt: skip
        rows.append({**base, "theme": "data_available",
                     "question": QUESTIONS["data_available"],
                     "response": f"We hold: {data_held.lower()}."})  # fmt: skip
        rows.append({**base, "theme": "areas_for_improvement",
                     "question": QUESTIONS["areas_for_improvement"],
                     "response": IMPROVEMENTS[rng.integers(len(IMPROVEMENTS))]})  # fmt: skip
        if follow[i]:
            rows.append(safety(base, FOLLOW_UP))
    frame = pd.DataFrame(rows)
    frame["interviewed_on"] = frame["interviewed_on"].astype("datetime64[s]")
    position = frame.groupby("interview_id").cumcount() + 1
    labels = pd.DataFrame(
        {
            "response_id": frame["interview_id"] + "/" + position.map("{:02d}".format),
            "planted": frame["planted"].astype(object).where(frame["planted"].notna(), None),
            "concerns": frame["concerns"].map(lambda v: v if isinstance(v, list) else []),
            "negated": frame["negated"].map(lambda v: v if isinstance(v, list) else []),
        }
    )
    return frame[INTERVIEW_COLUMNS], labels


def interview_truth(frame: pd.DataFrame, labels: pd.DataFrame) -> dict[str, Any]:
    """Describe what the interviews plant, for ``truth.json["interviews"]``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The interviews as written (before personal data are planted: those go only into
        answers of the other themes).
    labels : pandas.DataFrame
        The codes of each row (:func:`simulate_interviews`).

    Returns
    -------
    dict
        Counts by theme and sector; the planted top concern; ``labels``: one entry per
        public-safety answer (``response_id``, ``stakeholder_id``, ``sector``, ``planted``,
        ``concerns``, ``negated``); ``stakeholders_by_concern``: distinct stakeholders who
        raised each default-codebook concern in a public-safety answer; the answers with
        two concerns, with a negated mention, and uncovered.
    """
    safety = (frame["theme"] == "public_safety_concerns").to_numpy()
    coded = pd.concat([frame[["stakeholder_id", "sector"]], labels], axis=1)[safety]
    entries = [
        {"response_id": r.response_id, "stakeholder_id": r.stakeholder_id, "sector": r.sector,
         "planted": r.planted, "concerns": r.concerns, "negated": r.negated}
        for r in coded.itertuples()
    ]  # fmt: skip
    raised = coded.explode("concerns").dropna(subset=["concerns"])
    people = raised.groupby("concerns")["stakeholder_id"].nunique().sort_values(ascending=False)
    planted = labels["planted"].dropna()
    return {
        "interviews": len(INTERVIEWED),
        "rows": len(frame),
        "by_theme": {t: int((frame["theme"] == t).sum()) for t in THEMES},
        "by_sector": {s: int(frame.loc[safety, "sector"].eq(s).sum()) for s in SECTORS},
        "interviews_by_sector": {
            s: int(frame.drop_duplicates("interview_id")["sector"].eq(s).sum()) for s in SECTORS
        },
        "top_concern": TOP_CONCERN,
        "top_concern_label": CONCERNS[TOP_CONCERN]["label"],
        "top_concern_code": CONCERN_CODES[TOP_CONCERN],
        "concern_counts": {c: int((planted == c).sum()) for c in CONCERNS},
        "concern_codes": CONCERN_CODES,
        "concern_labels": {c: CONCERNS[c]["label"] for c in CONCERNS},
        "codebook": "default (cs360lib/steps/scanning/codebooks/default.yml)",
        "labels_cover": "the public_safety_concerns answers; ids as code_responses numbers them",
        "labels": entries,
        "stakeholders_by_concern": {str(c): int(v) for c, v in people.items()},
        "two_concerns": [e["response_id"] for e in entries if len(e["concerns"]) > 1],
        "negated_mentions": [e["response_id"] for e in entries if e["negated"]],
        "uncovered": [e["response_id"] for e in entries if not e["concerns"]],
        "interviewed_from": str(frame["interviewed_on"].min().date()),
        "interviewed_to": str(frame["interviewed_on"].max().date()),
    }


def roster_truth(roster: pd.DataFrame) -> dict[str, Any]:
    """Describe what the roster plants, for ``truth.json["stakeholders"]``.

    Parameters
    ----------
    roster : pandas.DataFrame
        The roster (:func:`stakeholders`).

    Returns
    -------
    dict
        Rows, counts by sector and team, the team display names, and the planted gaps
        of the composition check: ``missing_roles`` (per team, a list of ``{sector,
        role}``) and ``no_external_member`` (team codes).
    """
    return {
        "rows": len(roster),
        "by_sector": roster["sector"].value_counts().sort_index().to_dict(),
        "by_team": roster["team"].value_counts().sort_index().to_dict(),
        "teams": TEAMS,
        "missing_roles": {
            team: [{"sector": sector, "role": role} for sector, role in gaps]
            for team, gaps in ROSTER_GAPS.items()
        },
        "no_external_member": NO_EXTERNAL_MEMBER,
    }
