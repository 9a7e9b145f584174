"""The CS360 metrics catalogue: shipped as data, the dimensions, goals and indicators of DESIGN.md."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from cs360lib.config import engagement as config
from cs360lib.config.catalogue import Catalogue, catalogue

# DESIGN.md: the goals of each dimension and the indicators it names for them
DESIGN = {
    1: {
        "prevent_crime": [
            "Crime rates",
            "Environmental factors",
            "Patrol-oriented prevention",
            "Specialised measures by crime type",
        ],
        "interrupt_crime": ["Active crime reports", "Diversions", "Enforcement activities"],
        "solve_crime": ["Crime clearances", "Follow-up"],
        "promising_practices": [
            "Domestic violence interventions",
            "Focused deterrence strategies",
            "Gang suppression",
            "Hot spot policing tactics",
            "Neighbourhood outreach",
        ],
    },
    2: {
        "shared_responsibility": [
            "Community engagement",
            "Community volunteers",
            "Incidents reported",
        ],
        "equitable_practices": [
            "Demographic composition of police use of enforcement",
            "Disability access",
            "Language access",
        ],
        "trust": [
            "Accountability",
            "Community oversight boards",
            "Community satisfaction",
            "Inspections",
            "Transparency",
        ],
        "community_factors": [
            "Economic conditions",
            "Perceptions of safety and disorder",
            "Public health",
        ],
    },
    3: {"organisation": ["Officer safety", "Officer wellbeing", "Complaints", "Use of force"]},
}


def test_the_catalogue_holds_the_dimensions_goals_and_indicators_of_the_design() -> None:
    cat = catalogue()
    found = {d.id: {g.id: [i.name for i in g.indicators] for g in d.goals} for d in cat.dimensions}
    assert found == DESIGN


def test_every_indicator_is_tagged_output_or_outcome_and_police_or_partner() -> None:
    frame = catalogue().to_frame()
    assert set(frame["type"]) == {"output", "outcome"}
    assert set(frame["source"]) == {"police", "partner"}
    assert frame["description"].str.len().gt(0).all()
    assert frame["indicator"].is_unique
    # some goals need partner data: shared responsibility and community factors come from them
    by_goal = frame.groupby("goal")["source"].agg(set)
    assert by_goal["shared_responsibility"] == {"partner"}
    assert by_goal["community_factors"] == {"partner"}
    assert frame.set_index("indicator").loc["crime_rates", ["type", "source"]].tolist() == [
        "outcome",
        "police",
    ]


def test_the_engagement_goals_come_from_the_catalogue() -> None:
    assert list(config.GOALS) == list(catalogue().goals)
    assert config.DIMENSIONS["trust"] == 2 and config.DIMENSIONS["organisation"] == 3
    assert catalogue().goal_of("hot_spot_tactics") == "promising_practices"
    assert catalogue().dimension_of("solve_crime") == 1
    with pytest.raises(KeyError):
        catalogue().goal_of("nothing")
    assert catalogue() is catalogue()  # read once


def test_a_catalogue_with_an_id_used_twice_is_refused() -> None:
    data = yaml.safe_load(yaml.safe_dump(catalogue().model_dump()))
    data["dimensions"][1]["goals"][0]["indicators"][0]["id"] = "crime_rates"
    with pytest.raises(ValidationError, match="indicator ids used twice.*crime_rates"):
        Catalogue.model_validate(data)
    data = yaml.safe_load(yaml.safe_dump(catalogue().model_dump()))
    data["dimensions"][0]["goals"][0]["indicators"][0]["type"] = "result"
    with pytest.raises(ValidationError):
        Catalogue.model_validate(data)
