"""The problem analysis triangle worksheet: controllers from the community map, and the gaps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cs360lib as cs
from cs360lib.errors import PlanError
from cs360lib.steps import triangle

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "engagement.yml"


def _roster(rows: list[tuple[str, str, str, str, str | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["stakeholder_id", "organisation", "sector", "team", "levers"]
    )
    frame["role"] = "member"
    return frame.astype("string")


ROSTER = _roster(
    [
        ("S1", "Police - East District", "department", "PST", "guardian;manager"),
        ("S2", "Probation and Parole", "other_law_enforcement", "none", "handler"),
        ("S3", "Transit Authority", "government", "PST", "manager"),
        ("S4", "Crime Analysis Unit", "department", "PST", None),
    ]
)


def _events(n_per_place: dict[str, int]) -> pd.DataFrame:
    rows = [
        (f"R{i}-{k}", pd.Timestamp("2023-01-01") + pd.Timedelta(days=k), place)
        for i, (place, n) in enumerate(n_per_place.items())
        for k in range(n)
    ]
    return pd.DataFrame(rows, columns=["incident_id", "occurred_at", "address"])


def test_controllers_act_on_their_side_and_gaps_are_named() -> None:
    sheet = triangle.problem_triangle(ROSTER)
    frame = sheet.to_frame().set_index("side")
    assert frame["controller"].to_dict() == {
        "offenders": "handler",
        "targets": "guardian",
        "places": "manager",
    }
    assert frame.loc["places", "partners"] == "Police - East District;Transit Authority"
    assert frame.loc["places", ["n_partners", "n_on_team"]].tolist() == [2, 2]
    # probation can act on offenders but is not on the team: a team gap, not a gap
    assert frame.loc["offenders", ["n_partners", "n_on_team"]].tolist() == [1, 0]
    assert sheet.gaps == [] and sheet.team_gaps == ["offenders"]
    assert "Nobody on the Problem-Solving Team can act on the side of offenders" in sheet.summary()
    who = sheet.controllers
    assert set(who.loc[who["side"] == "places", "stakeholder_id"]) == {"S1", "S3"}
    assert "1 partners have no lever recorded." in sheet.warnings
    assert sheet.to_frame()["partners"].str.contains("Crime Analysis Unit").sum() == 0


def test_a_side_with_nobody_able_to_act_is_a_gap() -> None:
    roster = ROSTER[ROSTER["stakeholder_id"] != "S2"]
    sheet = triangle.problem_triangle(roster)
    assert sheet.gaps == ["offenders"]
    row = sheet.to_frame().set_index("side").loc["offenders"]
    assert row["gap"] and row["partners"] == "" and row["n_partners"] == 0
    assert "Gap: nobody can act on the side of offenders" in sheet.summary()


def test_facts_from_the_events_match_a_direct_count() -> None:
    counts = {"100 block of A St": 12, "200 block of A St": 5, "300 block of B St": 2}
    counts.update({f"{k}00 block of C St": 1 for k in range(1, 18)})
    events = _events(counts)
    arrests = pd.DataFrame(
        {
            "arrest_id": ["A1", "A2", "A3", "A4"],
            "incident_id": ["R0-0", "R0-0", "R1-3", "X-9"],
            "person": ["P1", "P1", "P2", "P3"],
        }
    )
    sheet = triangle.problem_triangle(ROSTER, events=events, arrests=arrests, offender="person")
    facts = sheet.to_frame().set_index("side")["facts"]
    per_place = events["address"].value_counts()
    top = int(np.ceil(0.1 * len(per_place)))
    share = per_place.iloc[:top].sum() / len(events)
    assert facts["places"] == (
        f"{len(events)} events fell on {len(per_place)} blocks; the busiest 10% of them "
        f"({top}) hold {share:.0%} of the events."
    )
    assert facts["offenders"] == (
        f"3 arrests were made for 2 of the {len(events)} events ({2 / len(events):.0%}); no "
        "arrest is linked to the others. 1 of 2 people were arrested more than once."
    )
    assert "no victim id" in facts["targets"]
    events["victim_id"] = ["V1", "V1"] + [f"V{i}" for i in range(2, len(events))]
    sheet = triangle.problem_triangle(ROSTER, events=events, victim="victim_id")
    assert (
        sheet.to_frame()
        .set_index("side")
        .loc["targets", "facts"]
        .startswith(f"1 of {len(events) - 1} victims")
    )


def test_a_roster_without_levers_is_refused() -> None:
    with pytest.raises(PlanError, match="no `levers` column"):
        triangle.problem_triangle(ROSTER.drop(columns="levers"))
    with pytest.raises(PlanError, match="roster is empty"):
        triangle.problem_triangle(ROSTER.iloc[0:0])


def test_the_sample_worksheet() -> None:
    engagement = cs.Engagement.load(SAMPLE)
    sources = cs.load_engagement(engagement)
    sheet = triangle.worksheet(engagement, sources)
    roster = sources["stakeholders"].data
    assert sheet.gaps == [] and sheet.team_gaps == []
    frame = sheet.to_frame().set_index("side")
    for side, lever in (("offenders", "handler"), ("targets", "guardian"), ("places", "manager")):
        able = roster["levers"].fillna("").str.contains(lever)
        assert frame.loc[side, "n_partners"] == int(able.sum())
    robberies = sources["incidents"].data
    robberies = robberies[robberies["offense"] == "Street robbery"]
    assert frame.loc["places", "facts"].startswith(f"{len(robberies):,} events fell on")
