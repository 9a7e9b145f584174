"""The metrics check: one measure per goal of the chosen dimensions, police and partner data."""

from __future__ import annotations

from pathlib import Path

import pytest

from cs360lib import Engagement
from cs360lib.errors import EngagementError
from cs360lib.steps import metrics

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "engagement.yml"

SOURCES = {
    "incidents": {"path": "incidents.csv"},
    "calls": {"path": "calls.csv"},
    "arrests": {"path": "arrests.csv"},
    "survey": {"path": "survey.csv"},
    "partner_metrics": {"path": "partner_metrics.csv"},
    "actions": {"path": "actions.csv"},
}


def _engagement(measures: list[dict], **more: object) -> Engagement:
    return Engagement(
        engagement={"id": "test-pd", "name": "Test"}, sources=SOURCES, metrics=measures, **more
    )


def _sample() -> Engagement:
    return Engagement.load(SAMPLE)


def test_the_check_reports_exactly_the_goals_without_a_measure() -> None:
    engagement = _engagement(
        [
            {"name": "Robberies", "indicator": "crime_rates", "source": "incidents"},
            {"name": "Robbery arrests", "indicator": "enforcement_activities", "source": "arrests"},
            {"name": "Trust", "indicator": "community_satisfaction", "source": "survey"},
            {"name": "Overdoses", "goal": "community_factors", "source": "partner_metrics"},
        ]
    )
    check = metrics.metrics_check(engagement)
    assert check.dimensions == (1, 2) and not check.chosen
    assert check.gaps == [
        "solve_crime",
        "promising_practices",
        "shared_responsibility",
        "equitable_practices",
    ]
    frame = check.to_frame().set_index("goal")
    assert frame.loc["prevent_crime", ["measures", "police", "partner"]].tolist() == [1, 1, 0]
    assert frame.loc["trust", ["partner", "outcomes"]].tolist() == [1, 1]
    assert not check.police_only and not check.passed
    text = check.summary()
    assert "4 of 8 goals have no measure yet" in text
    for name in ("Solve crime", "Equitable and accessible practices"):
        assert f"- {name}" in text
    assert "- Prevent crime" not in text


def test_a_full_set_with_partner_measures_passes() -> None:
    goals = [
        "prevent_crime",
        "interrupt_crime",
        "solve_crime",
        "promising_practices",
        "shared_responsibility",
        "equitable_practices",
        "trust",
        "community_factors",
    ]
    engagement = _engagement(
        [
            {"name": goal, "goal": goal, "source": "survey" if i % 2 else "incidents"}
            for i, goal in enumerate(goals)
        ]
    )
    check = metrics.metrics_check(engagement)
    assert check.gaps == [] and check.passed
    assert "Every one of the 8 goals has at least one measure" in check.summary()
    assert "The measures meet the CS360 rule." in check.summary()


def test_police_only_measures_are_reported() -> None:
    engagement = _engagement(
        [
            {"name": "Robberies", "goal": "prevent_crime", "source": "incidents"},
            {"name": "Calls", "goal": "interrupt_crime", "source": "calls"},
            {"name": "Clearances", "goal": "solve_crime", "source": "arrests"},
            {"name": "Patrol", "goal": "promising_practices", "source": "actions"},
        ]
    )
    check = metrics.metrics_check(engagement)
    assert check.gaps == [] and check.police_only and not check.passed
    assert "Every measure comes from the police alone" in check.summary()
    assert "All measures are outcomes" in check.summary()


def test_who_provides_a_measure() -> None:
    engagement = _engagement(
        [
            {
                "name": "Ambassador hours",
                "indicator": "neighbourhood_outreach",
                "source": "actions",
            },
            {"name": "Patrol hours", "indicator": "hot_spot_tactics", "source": "actions"},
            {"name": "Own", "goal": "trust", "source": "actions"},
            {"name": "Said", "goal": "trust", "source": "incidents", "provider": "partner"},
            {"name": "Survey", "goal": "trust", "source": "survey"},
        ]
    )
    table = metrics.measures(engagement).set_index("name")
    assert table["provider"].to_dict() == {
        "Ambassador hours": "partner",  # the actions log: the indicator's usual source
        "Patrol hours": "police",
        "Own": "police",  # the actions log without an indicator
        "Said": "partner",  # written in the engagement
        "Survey": "partner",  # the kind
    }
    assert table.loc["Ambassador hours", "type"] == "output"


def test_the_dimensions_checked() -> None:
    measure = [{"name": "Robberies", "goal": "prevent_crime", "source": "incidents"}]
    assert metrics.metrics_check(_engagement(measure)).dimensions == (1,)
    chosen = metrics.metrics_check(_engagement(measure, dimensions=[1, 3]))
    assert chosen.dimensions == (1, 3) and chosen.chosen
    assert chosen.gaps == ["interrupt_crime", "solve_crime", "promising_practices", "organisation"]
    assert metrics.metrics_check(_engagement(measure), dimensions=[2]).gaps == [
        "shared_responsibility",
        "equitable_practices",
        "trust",
        "community_factors",
    ]
    assert "serve goals outside the dimensions checked: Robberies" in (
        metrics.metrics_check(_engagement(measure), dimensions=[2]).summary()
    )
    empty = metrics.metrics_check(_engagement([]))
    assert empty.dimensions == metrics.DEFAULT_DIMENSIONS and len(empty.gaps) == 8
    assert "no metrics yet" in empty.summary() and not empty.passed
    with pytest.raises(EngagementError, match=r"dimensions \[5\] are not CS360 dimensions"):
        metrics.metrics_check(_engagement(measure), dimensions=[5])


def test_the_sample_engagement_measures() -> None:
    sample = _sample()
    # dimension 1 is fully measured, with partner data (311, the survey) in the mix
    assert metrics.metrics_check(sample, dimensions=[1]).passed
    check = metrics.metrics_check(sample)
    assert check.dimensions == (1, 2) and not check.police_only
    # dimension 2 too: the ambassador hours (community volunteers) and the robbery arrests by
    # race and age (demographics of enforcement) measure its two remaining goals
    assert check.gaps == [] and check.passed


def test_the_catalogue_result() -> None:
    result = metrics.metrics_catalogue()
    frame = result.to_frame()
    assert len(frame) == 32 and frame["goal"].nunique() == 9
    assert "32 indicators for 9 goals in 3 dimensions" in result.summary()
