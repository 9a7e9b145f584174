import pandas as pd

from cs360lib.steps.scanning.inventory import OTHER, data_inventory

ROSTER = pd.DataFrame(
    {
        "stakeholder_id": ["S1", "S2", "S3", "S4"],
        "organisation": ["County EMS", "City 311", "Church", "Garden club"],
        "role": ["EMS chief", "Data manager", "Pastor", "Chair"],
        "sector": ["other_law_enforcement", "government", "community", "community"],
        "data_held": [
            "EMS overdose calls by district, monthly",
            "311 service requests",
            "None recorded",
            "Seed catalogue",
        ],
        "sharing_terms": ["Aggregate only", "Open data", "Not applicable", ""],
    }
)
INTERVIEWS = pd.DataFrame(
    {
        "interview_id": ["I1", "I2"],
        "stakeholder_id": ["S2", "S9"],
        "sector": ["government", "community"],
        "role": ["Data manager", "Merchant"],
        "theme": ["data_available", "data_available"],
        "response": [
            "We hold streetlight outage reports by address, updated daily.",
            "Our member business incident logs, weekly.",
        ],
    }
)


def test_inventory_from_roster_and_answers():
    inv = data_inventory(ROSTER, INTERVIEWS)
    items = inv.to_frame().set_index(["stakeholder_id", "data_kind"])
    ems = items.loc[("S1", "ems_overdose_calls")]
    assert ems["geography"] == "District or ward" and ems["frequency"] == "Monthly"
    assert ems["sharing"] == "Aggregate only" and ems["source"] == "roster"
    assert ("S2", "requests_311") in items.index and ("S2", "lighting_outages") in items.index
    light = items.loc[("S2", "lighting_outages")]
    assert light["geography"] == "Address or point" and light["frequency"] == "Daily"
    assert items.loc[("S9", "business_data"), "source"] == "interview"
    assert items.loc[("S9", "business_data"), "sector"] == "community"
    assert items.loc[("S4", OTHER), "description"] == "Seed catalogue"  # nothing lost
    assert "S3" not in items.index.get_level_values(0)
    assert any("recorded no data" in w for w in inv.warnings)
    kinds = inv.kinds.set_index("data_kind")
    assert kinds.loc["school_attendance", "holders"] == 0
    assert "School attendance" in " ".join(inv.gaps())
    assert "Nobody said they hold" in inv.summary()
    assert list(inv.table().data.columns)[:3] == ["Organisation", "Sector", "Data"]
    inv.chart().to_dict()


def test_empty_inventory_says_so():
    inv = data_inventory()
    assert inv.items.empty and "empty" in inv.summary()
