"""config.prioritization: the prioritization section of an engagement file, validated."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest
import yaml

from cs360lib.config.engagement import Engagement
from cs360lib.config.prioritization import (
    CRITERIA,
    Prioritization,
    resolve_weights,
    weight_problems,
)
from cs360lib.errors import EngagementError, PrioritizationError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture()
def engagement_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "eng"
    shutil.copytree(SAMPLE, folder)
    return folder


def _write(folder: Path, section: dict) -> Path:
    data = yaml.safe_load((folder / "engagement.yml").read_text(encoding="utf-8"))
    data["prioritization"] = section
    path = folder / "engagement.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _load(path: Path) -> Engagement:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # the sample's deprecated publishing keys
        return Engagement.load(path)


def test_weights_default_to_one_and_zero_leaves_a_criterion_out() -> None:
    assert resolve_weights() == dict.fromkeys(CRITERIA, 1.0)
    full = resolve_weights({"harm": 3, "trend": 0})
    assert full["harm"] == 3.0 and full["trend"] == 0.0 and full["frequency"] == 1.0
    assert list(full) == list(CRITERIA)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"harm": -1}, "the weight of harm must be a number >= 0, got -1"),
        ({"severity": 2}, "'severity' is not a criterion; the criteria are frequency, harm"),
        ({"harm": "high"}, "the weight of harm must be a number, got 'high'"),
        ({"harm": float("inf")}, "must be a number >= 0"),
        (dict.fromkeys(CRITERIA, 0), "the weights are all zero"),
    ],
)
def test_bad_weights_are_refused_with_the_reason(weights: dict, message: str) -> None:
    with pytest.raises(PrioritizationError, match=message):
        resolve_weights(weights)


def test_weight_problems_lists_every_problem() -> None:
    problems = weight_problems({"harm": -2, "nope": 1, "trend": True})
    assert len(problems) == 3


def test_a_full_section_loads(engagement_dir: Path) -> None:
    (engagement_dir / "harm.yml").write_text(
        "entries:\n  - {label: Robbery, level: 20, patterns: [robb]}\n", encoding="utf-8"
    )
    path = _write(
        engagement_dir,
        {
            "population": 318000,
            "as_of": "2022-11-30",
            "weights": {"harm": 2, "community": 2},
            "harm": {"table": "harm.yml", "weights": {"Welfare check": 10}},
            "sensitivity": {"concentration": 50, "draws": 500, "seed": 3},
            "data_candidates": 3,
            "candidates": {
                "add": [
                    {
                        "id": "transit_robbery",
                        "label": "Street robbery at the transit hub",
                        "source": "incidents",
                        "filter": {"offense": "Street robbery"},
                        "concern": "robbery",
                        "partners": ["S06", "S15"],
                        "data": "transit_data",
                    }
                ],
                "drop": "vehicle_crime",
            },
        },
    )
    section = _load(path).prioritization
    assert isinstance(section, Prioritization)
    assert section.population == 318000 and str(section.as_of) == "2022-11-30"
    assert section.resolved_weights()["harm"] == 2.0
    assert section.harm.table == engagement_dir / "harm.yml"
    spec = section.candidates.add[0]
    assert spec.filter == {"offense": ["Street robbery"]} and spec.data == ["transit_data"]
    assert section.candidates.drop == ["vehicle_crime"]
    assert section.sensitivity.draws == 500


def test_an_engagement_without_the_section_has_none(engagement_dir: Path) -> None:
    assert _load(engagement_dir / "engagement.yml").prioritization is None


def test_every_problem_of_the_section_is_reported_at_once(engagement_dir: Path) -> None:
    path = _write(
        engagement_dir,
        {
            "weights": {"harm": -1, "nope": 2},
            "harm": {"table": "missing.yml"},
            "sensitivity": {"concentration": 0},
            "candidates": {"add": [{"id": "bad id", "label": "X", "source": "incidents"}]},
            "extra_key": 1,
        },
    )
    with pytest.raises(EngagementError) as error:
        _load(path)
    text = str(error.value)
    assert "prioritization.weights" in text and "'nope' is not a criterion" in text
    assert "prioritization.harm.table: harm table 'missing.yml' not found" in text
    assert "prioritization.sensitivity.concentration" in text
    assert "prioritization.candidates.add.0.id: 'bad id' is not an identifier" in text
    assert "prioritization.extra_key" in text


def test_added_candidates_must_name_sources_and_columns(engagement_dir: Path) -> None:
    path = _write(
        engagement_dir,
        {
            "candidates": {
                "add": [
                    {"id": "a", "label": "A", "source": "incidnts"},
                    {"id": "b", "label": "B", "source": "incidents", "filter": {"ofense": ["x"]}},
                    {"id": "b", "label": "B again", "source": "incidents"},
                ]
            }
        },
    )
    with pytest.raises(EngagementError, match="candidate ids must be unique; repeated: b"):
        _load(path)
    path = _write(
        engagement_dir,
        {
            "candidates": {
                "add": [
                    {"id": "a", "label": "A", "source": "incidnts"},
                    {"id": "b", "label": "B", "source": "incidents", "filter": {"ofense": ["x"]}},
                ]
            }
        },
    )
    with pytest.raises(EngagementError) as error:
        _load(path)
    text = str(error.value)
    assert "prioritization.candidates.add.0.source 'incidnts' is not a source name" in text
    assert "prioritization.candidates.add.1.filter: 'ofense' is not a column of incidents" in text
