import pandas as pd

from cs360lib.steps.stakeholders import community_map, composition_check

ROSTER = pd.DataFrame(
    [
        ("S01", "Police Department", "Chief of police", "department", "AT", "manager", "Incidents"),
        (
            "S02",
            "Police - East",
            "District commander",
            "department",
            "AT+PST",
            "guardian;manager",
            "",
        ),
        ("S03", "Police - Analysis", "Crime analyst", "department", "AT+PST", "", ""),
        ("S04", "Police - East", "Patrol sergeant", "department", "PST", "guardian", ""),
        ("S05", "County Sheriff", "Undersheriff", "other_law_enforcement", "AT", "guardian", ""),
        ("S06", "Office of the Mayor", "Deputy mayor", "government", "AT", "manager", ""),
        ("S07", "City Council", "Council member's aide", "government", "AT", "", ""),
        ("S08", "Health Department", "Epidemiologist", "government", "AT", "", ""),
        ("S09", "Church", "Pastor", "community", "AT", "handler", ""),
        ("S10", "Probation", "Probation officer", "other_law_enforcement", "PST", "handler", ""),
        ("S11", "Public Works", "Lighting supervisor", "government", "PST", "manager", ""),
        ("S12", "Merchants", "President", "community", "PST", "guardian", ""),
        ("S13", "Police - Traffic", "Traffic lieutenant", "department", "PST2", "", ""),
        ("S14", "Police - Traffic", "Traffic officer", "department", "PST2", "", ""),
        ("S15", "Tenants Union", "Organizer", "community", "none", "guardian", ""),
        ("S16", "Campus", "Safety director", "school", None, "guardian;caretaker", ""),
    ],
    columns=["stakeholder_id", "organisation", "role", "sector", "team", "levers", "data_held"],
)


def test_composition_check_lists_exactly_the_missing_roles():
    comp = composition_check(ROSTER, teams={"PST2": "Traffic PST"})
    missing = {(r.team, r.role) for r in comp.missing().itertuples()}
    assert missing == {
        ("AT", "mid-level supervisor"),
        ("AT", "US Attorney"),
        ("PST2", "analyst"),
        ("PST2", "relevant agencies (EMS, probation and parole, ...)"),
        ("PST2", "relevant government partners"),
        ("PST2", "representatives of relevant community groups"),
    }
    teams = comp.teams.set_index("team")
    assert teams.loc["PST2", "external"] == 0
    assert "no external member" in teams.loc["PST2", "flag"]
    assert teams.loc["AT", "flag"] == "" and teams.loc["PST", "flag"] == ""
    assert "Traffic PST" in comp.summary() and "US Attorney" in comp.summary()
    assert list(comp.table().columns) == [
        "Team",
        "Members",
        "External members",
        "Missing roles",
        "Flag",
    ]
    comp.chart().to_dict()


def test_renamed_teams_and_empty_team():
    comp = composition_check(
        ROSTER[ROSTER["team"] != "PST2"],
        teams={"AT": "Steering group", "PST": "Robbery working group", "PST3": "Youth team"},
    )
    t = comp.teams.set_index("team")
    assert t.loc["AT", "team_name"] == "Steering group"
    assert t.loc["PST3", "flag"] == "no members recorded"


def test_community_map_by_sector_lever_and_team():
    m = community_map(ROSTER, teams={"PST2": "Traffic PST"})
    p = m.partners.set_index("stakeholder_id")
    assert p.loc["S02", "teams"] == "Advisory Team;Problem-Solving Team"
    assert p.loc["S13", "teams"] == "Traffic PST"
    assert p.loc["S15", "teams"] == ""
    grid = m.grid.set_index(["sector", "lever", "membership"])
    assert grid.loc[("department", "guardian", "on a team"), "partners"] == 2
    assert grid.loc[("community", "guardian", "not on a team"), "partners"] == 1
    assert any("'school'" in w for w in m.warnings)
    assert any("'caretaker'" in w for w in m.warnings)
    assert "handlers" in m.summary()
    spec = m.chart().to_dict()
    assert spec["encoding"]["x"]["field"] == "sector_label"
    assert len(m.table()) == len(ROSTER)
