"""Publishing rules of the engagement file: safe defaults, unsafe values refused."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from pydantic import ValidationError

from cs360lib import Engagement, EngagementError
from cs360lib.config.publishing import BLOCK_GRID_METRES, LocationPrecision, Publishing

ENGAGEMENT = """
engagement: {id: test-pd, name: Test PD engagement}
sources:
  incidents: {path: incidents.csv}
"""


def load(tmp_path: Path, publishing: str) -> Engagement:
    (tmp_path / "incidents.csv").write_text("incident_id,occurred_at,offense\n1,2023-01-01,X\n")
    path = tmp_path / "engagement.yml"
    path.write_text(ENGAGEMENT + publishing)
    return Engagement.load(path)


def test_defaults_are_safe():
    rules = Publishing()
    assert rules.min_count == 5
    assert str(rules.location_precision) == "block"
    assert rules.location_precision.grid == BLOCK_GRID_METRES
    assert rules.quotes is True
    assert rules.stakeholder_reports == "all"
    assert rules.publishes_stakeholder_report("notebooks/00_data_intake.ipynb")


def test_engagement_without_publishing_section_gets_defaults(tmp_path):
    engagement = load(tmp_path, "")
    assert engagement.publishing == Publishing()


@pytest.mark.parametrize(
    ("text", "level", "grid"),
    [
        ("block", "block", BLOCK_GRID_METRES),
        ("Beat", "beat", None),
        ("district", "district", None),
        ("grid:250", "grid", 250),
        ("grid: 500 m", "grid", 500),
        ("grid:100", "grid", 100),
    ],
)
def test_location_precision_forms(text, level, grid):
    precision = LocationPrecision.parse(text)
    assert precision.level == level and precision.grid == grid
    assert Publishing(location_precision=text).location_precision == precision
    assert Publishing(location_precision=text).model_dump()["location_precision"] == str(precision)


@pytest.mark.parametrize("text", ["grid:50", "grid:99", "exact", "address", "point"])
def test_precision_finer_than_block_is_refused(text):
    with pytest.raises(ValidationError, match="finer than a block"):
        Publishing(location_precision=text)


def test_unknown_precision_lists_the_forms():
    with pytest.raises(ValidationError, match="'block'.*'beat'.*'district'.*'grid:N'"):
        Publishing(location_precision="neighbourhood")


@pytest.mark.parametrize(("value", "message"), [(-1, "negative"), (2, "'<2'"), ("5", "whole")])
def test_unsafe_thresholds_are_refused(value, message):
    with pytest.raises(ValidationError, match=message):
        Publishing(min_count=value)


@pytest.mark.parametrize("value", [0, 1, 3, 5, 10])
def test_thresholds_accepted(value):
    assert Publishing(min_count=value).min_count == value
    assert Publishing(min_count=value).hides_counts == (value >= 3)


def test_unknown_key_suggests_the_closest(tmp_path):
    with pytest.raises(EngagementError, match="unknown key 'min_cout'; did you mean `min_count`"):
        load(tmp_path, "publishing: {min_cout: 5}\n")
    with pytest.raises(EngagementError, match="did you mean `location_precision`"):
        load(tmp_path, "publishing: {location_precison: beat}\n")


def test_engagement_error_names_the_key_and_file(tmp_path):
    with pytest.raises(EngagementError) as error:
        load(tmp_path, "publishing: {location_precision: grid:20}\n")
    assert "engagement.yml" in str(error.value)
    assert "publishing.location_precision" in str(error.value)


def test_hide_names_true_is_ignored_with_a_warning_and_false_refused():
    with pytest.warns(FutureWarning, match="hide_names is deprecated"):
        assert Publishing.model_validate({"hide_names": True}) == Publishing()
    with pytest.raises(ValidationError, match="never published"):
        Publishing.model_validate({"hide_names": False})


def test_coordinate_decimals_maps_to_a_grid():
    with pytest.warns(FutureWarning, match="grid:111"):
        rules = Publishing.model_validate({"coordinate_decimals": 3})
    assert rules.location_precision == LocationPrecision("grid", 111)
    with pytest.warns(FutureWarning):
        assert Publishing.model_validate({"coordinate_decimals": 2}).location_precision.grid == (
            1113
        )
    with pytest.raises(ValidationError, match="finer than a"):
        Publishing.model_validate({"coordinate_decimals": 4})
    with pytest.raises(ValidationError, match="not both"):
        Publishing.model_validate({"coordinate_decimals": 3, "location_precision": "block"})


def test_sample_engagement_still_loads(tmp_path):
    sample = Path(__file__).resolve().parents[1] / "data" / "samples" / "engagement.yml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        engagement = Engagement.load(sample)
    assert engagement.publishing.min_count == 5


@pytest.mark.parametrize(
    ("value", "intake", "scanning"),
    [
        ("all", True, True),
        ("none", False, False),
        (["00_data_intake"], True, False),
        (["scanning"], False, True),
        (["00"], True, False),
        (False, False, False),
    ],
)
def test_stakeholder_reports_by_notebook(value, intake, scanning):
    rules = Publishing(stakeholder_reports=value)
    assert rules.publishes_stakeholder_report("00_data_intake") is intake
    assert rules.publishes_stakeholder_report(Path("nb/01_scanning.ipynb")) is scanning


def test_stakeholder_reports_refuses_paths():
    with pytest.raises(ValidationError, match="not a notebook name"):
        Publishing(stakeholder_reports=["../x.ipynb"])


def test_quotes_is_a_switch():
    assert Publishing(quotes=False).quotes is False
    with pytest.raises(ValidationError):
        Publishing(quotes="sometimes")


def test_pdf_is_off_by_default_and_can_be_asked_for() -> None:
    assert Publishing().pdf is False
    assert Publishing.model_validate({"pdf": True}).pdf is True


def test_cs360_run_pdf_option() -> None:
    from cs360lib.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["run", "e.yml"]).pdf is None  # the engagement decides
    assert parser.parse_args(["run", "e.yml", "--pdf"]).pdf is True
    assert parser.parse_args(["batch", "e.yml", "--pdf"]).pdf is True
