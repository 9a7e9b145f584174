"""steps.prioritize.partners: community concern, partners with levers and data holders by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from cs360lib.steps.prioritize.partners import data_relevance, scanning_input
from cs360lib.steps.scanning import default_codebook


class _Loaded:
    def __init__(self, kind: str, data: pd.DataFrame) -> None:
        self.kind, self.data = kind, data


@pytest.fixture(scope="module")
def scanning():
    interviews = pd.DataFrame(
        {
            "interview_id": ["I1", "I2", "I3", "I4", "I5", "I6"],
            "stakeholder_id": ["P1", "P2", "P3", "P4", "P5", "D1"],
            "sector": [
                "community",
                "community",
                "government",
                "community",
                "government",
                "department",
            ],
            "role": ["pastor", "merchant", "planner", "organizer", "clerk", "sergeant"],
            "theme": ["public_safety_concerns"] * 5 + ["public_safety_concerns"],
            "question": ["What worries you?"] * 6,
            "response": [
                "Street robbery at the bus stop worries everyone.",
                "People get robbed near the shops after dark.",
                "Speeding on the avenue is the main problem.",
                "Nothing much, the block is quiet.",
                "Robbery of commuters near the station.",
                "Robbery at the transit hub keeps us busy.",
            ],
        }
    )
    roster = pd.DataFrame(
        {
            "stakeholder_id": ["P1", "P2", "P3", "P4", "P5", "D1", "P6"],
            "organisation": [
                "First Church",
                "Merchants Association",
                "Planning Department",
                "Tenants Union",
                "City Clerk",
                "Police Department",
                "Transit Authority",
            ],
            "role": ["Pastor", "President", "Planner", "Organizer", "Clerk", "Sergeant", "Manager"],
            "sector": [
                "community",
                "community",
                "government",
                "community",
                "government",
                "department",
                "government",
            ],
            "levers": ["handler", "guardian;manager", "manager", "", "", "guardian", "manager"],
            "data_held": [
                "None recorded",
                "Member business incident logs",
                "Permits",
                "Housing complaints",
                "Budget data",
                "Incidents",
                "Robbery reports on buses and CCTV footage",
            ],
            "sharing_terms": ["", "Aggregate only", "Open", "", "Open", "Internal", "MOU"],
        }
    )
    sources = {
        "interviews": _Loaded("interviews", interviews),
        "stakeholders": _Loaded("stakeholders", roster),
    }
    return scanning_input(sources, codebook=default_codebook())


def test_community_concern_is_the_share_of_external_stakeholders(scanning) -> None:
    share, raised, interviewed, text = scanning.community_concern("robbery")
    # 5 external stakeholders interviewed (P1-P5); P1, P2 and P5 raised robbery; D1 is internal
    assert (raised, interviewed) == (3, 5) and share == pytest.approx(3 / 5)
    assert "3 of 5 external stakeholders" in text and "1 in the department" in text
    assert scanning.community_concern(None)[0] == 0.0
    assert scanning.community_concern("traffic_safety")[:2] == (pytest.approx(1 / 5), 1)


def test_partners_with_levers_are_linked_by_what_they_said_do_or_are_named_for(scanning) -> None:
    partners = scanning.partners("robbery", ["Robbery"], named=["P4"]).set_index("stakeholder_id")
    # P1 (handler) and P2 (guardian, manager) raised it; P5 raised it but holds no lever;
    # P6 has a lever and works on robbery (its data); P4 is named but holds no lever;
    # D1 is the department, not a partner
    assert sorted(partners.index) == ["P1", "P2", "P6"]
    assert partners.loc["P1", "why"] == "raised it"
    assert partners.loc["P6", "why"] == "their work covers it"
    assert partners.loc["P2", "levers"] == "guardian;manager"
    assert scanning.partners(None, []).empty


def test_data_holders_are_the_external_holders_of_relevant_kinds(scanning) -> None:
    relevance = data_relevance()
    assert "transit_data" in relevance["robbery"] and "ems_overdose_calls" in relevance["overdoses"]
    holders = scanning.holders("robbery")
    assert set(holders["data_kind"]) <= set(relevance["robbery"])
    assert "D1" not in set(holders["stakeholder_id"])  # internal data is counted from sources
    assert {"P2", "P6"} <= set(holders["stakeholder_id"])  # business logs, transit CCTV
    extra = scanning.holders("robbery", ["code_enforcement"])
    assert "P4" in set(extra["stakeholder_id"])  # housing complaints, when the group names it
