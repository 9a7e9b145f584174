"""The response plan: owners on the community map, areas that exist, do not overlap, and lie
where they should (the comparison away from the target, the displacement area around it)."""

from __future__ import annotations

import copy
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

import cs360lib as cs
from cs360lib.errors import PlanError
from cs360lib.steps import plan

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "engagement.yml"


@pytest.fixture(scope="module")
def sample() -> tuple[dict, cs.Engagement, dict]:
    raw = yaml.safe_load(SAMPLE.read_text())
    engagement = cs.Engagement.load(SAMPLE)
    loaded = cs.load_engagement(engagement)
    return raw, engagement, {name: loaded[name] for name in loaded}


def _variant(raw: dict, **changes: object) -> cs.Engagement:
    data = copy.deepcopy(raw)
    for key, value in changes.items():
        section, _, rest = key.partition("__")
        if section == "response":
            data["responses"][0][rest] = value
        elif section == "area":
            data["areas"][rest] = value
        else:
            data[key] = value
    return cs.Engagement.model_validate({**data, "path": SAMPLE}, context={"root": SAMPLE.parent})


def _with_incidents(sources: dict, frame: pd.DataFrame) -> dict:
    return {**sources, "incidents": SimpleNamespace(data=frame)}


def test_the_sample_plan(sample) -> None:
    _, engagement, sources = sample
    result = plan.response_plan(engagement, sources)
    row = result.to_frame().iloc[0]
    assert row["owners"] == "Public Works Department;Eastgate Merchants Association"
    assert row["owner_sectors"] == "government;community"
    assert (row["target"], row["comparison"], row["displacement"]) == (
        "target",
        "comparison",
        "displacement",
    )
    areas = result.areas.set_index("role")
    assert areas.loc["comparison", "adjacent"] == False  # noqa: E712 - a bool or None
    assert areas.loc["comparison", "distance_m"] > 2000  # W2 is across the city from E2
    assert areas.loc["displacement", "adjacent"] and areas.loc["displacement", "distance_m"] < 200
    assert set(areas["basis"]) == {"coordinates"} and (areas["finding"] == "").all()
    text = result.summary()
    assert "in target (beat E2), compared with comparison (beat W2)" in text
    assert row["outcome_measures"] == 5 and row["expected_change"] == pytest.approx(0.7)
    assert not any("no measures are named" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("text", "owners", "unknown"),
    [
        (
            "Public Works Department with Eastgate Merchants Association",
            ["Public Works Department", "Eastgate Merchants Association"],
            [],
        ),
        (
            "the state probation and parole; S11",
            ["State Probation and Parole", "Public Works Department"],
            [],
        ),
        (
            "Sampleton Police Department - East District and Sampleton Police Department",
            ["Sampleton Police Department - East District", "Sampleton Police Department"],
            [],
        ),
        ("Public Works with Parks and Recreation", [], ["Public Works", "Parks and Recreation"]),
        ("", [], []),
    ],
)
def test_owners_are_read_against_the_roster(sample, text, owners, unknown) -> None:
    roster = sample[2]["stakeholders"].data
    assert plan.match_owners(text, roster) == (owners, unknown)


def test_an_owner_not_on_the_community_map_is_an_error(sample) -> None:
    raw, _, sources = sample
    engagement = _variant(
        raw, response__owner="Public Works with the Eastgate Merchants Association"
    )
    with pytest.raises(PlanError) as info:
        plan.response_plan(engagement, sources)
    message = str(info.value)
    assert (
        "responses['Transit hub lighting and guardianship'].owner: 'Public Works' is not an "
        in message
    )
    assert "(did you mean 'Public Works Department'?)" in message
    assert "Eastgate" not in message.split("owner:")[1].split("is not")[0]


def test_an_area_value_that_is_in_no_row_is_an_error(sample) -> None:
    raw, _, sources = sample
    engagement = _variant(raw, area__comparison={"column": "beat", "values": ["W9"]})
    with pytest.raises(
        PlanError,
        match=r"area 'comparison' names beat W9, which no row of incidents has \(did you mean",
    ):
        plan.response_plan(engagement, sources)


def test_overlapping_areas_on_different_columns_are_an_error(sample) -> None:
    raw, _, sources = sample
    engagement = _variant(raw, area__comparison={"column": "district", "values": ["East"]})
    with pytest.raises(
        PlanError,
        match=r"the comparison area 'comparison' and the target area 'target' share [\d,]+ rows of incidents",
    ):
        plan.response_plan(engagement, sources)


def test_an_area_without_geometry_is_an_error(sample) -> None:
    _, engagement, sources = sample
    incidents = sources["incidents"].data.copy()
    w2 = incidents["beat"].astype("string") == "W2"
    incidents.loc[w2, ["lat", "lon"]] = np.nan
    with pytest.raises(
        PlanError,
        match="area 'comparison' has no geometry: no incidents row with coordinates has beat W2",
    ):
        plan.response_plan(engagement, _with_incidents(sources, incidents))


def test_without_coordinates_adjacency_comes_from_the_engagement(sample) -> None:
    raw, engagement, sources = sample
    bare = _with_incidents(sources, sources["incidents"].data.drop(columns=["lat", "lon"]))
    result = plan.response_plan(engagement, bare)
    assert set(result.areas["basis"]) == {"unknown"}
    assert any("Whether the areas touch was not checked" in w for w in result.warnings)
    declared = _variant(
        raw,
        area__displacement={"column": "beat", "values": ["E1", "E3"], "adjacent_to": ["target"]},
    )
    areas = plan.response_plan(declared, bare).areas.set_index("role")
    assert (
        areas.loc["displacement", "basis"] == "engagement" and areas.loc["displacement", "adjacent"]
    )
    assert areas.loc["comparison", "basis"] == "unknown"


def test_a_comparison_next_to_the_target_and_a_distant_displacement_area_are_flagged(
    sample,
) -> None:
    raw, _, sources = sample
    engagement = _variant(
        raw,
        area__comparison={"column": "beat", "values": ["C2"]},
        area__displacement={"column": "beat", "values": ["W1", "W4"]},
    )
    result = plan.response_plan(engagement, sources)
    findings = result.areas.set_index("role")["finding"]
    assert "comparison area 'comparison' touches the target 'target'" in findings["comparison"]
    assert (
        "displacement area 'displacement' does not touch the target 'target' (about"
        in (findings["displacement"])
    )
    assert findings["comparison"] in result.summary()


def test_objectives_measures_and_an_output_only_plan(sample) -> None:
    raw, _, sources = sample
    engagement = _variant(
        raw,
        response__objectives=["Fewer street robberies at the bus bays"],
        response__measures=["Robbery arrests", "Directed foot patrol hours at the transit hub"],
        response__expected_change=0.8,
    )
    result = plan.response_plan(engagement, sources)
    row = result.to_frame().iloc[0]
    assert row["objectives"] == "Fewer street robberies at the bus bays"
    assert row["outcome_measures"] == 0 and row["expected_change"] == pytest.approx(0.8)
    assert any("every measure is an output" in w for w in result.warnings)
    assert "the team hopes for a 20% drop (rate ratio 0.80)" in result.summary()


def test_a_plan_without_responses(sample) -> None:
    raw, _, sources = sample
    result = plan.response_plan(_variant(raw, responses=[]), sources)
    assert result.to_frame().empty and "No response is planned yet" in result.summary()
