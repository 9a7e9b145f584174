"""The scaffold of a new engagement (``cs360 new``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cs360lib import Engagement, EngagementError
from cs360lib.config.scaffold import TEMPLATE, write_engagement_scaffold


def test_scaffold_is_a_valid_engagement_once_data_arrive(tmp_path: Path) -> None:
    target = write_engagement_scaffold(tmp_path / "Montréal_Nord")
    assert target == tmp_path / "Montréal_Nord" / "engagement.yml"
    assert (target.parent / "data").is_dir()
    data = yaml.safe_load(target.read_text())
    assert data["engagement"] == {"id": "montreal-nord", "name": "Montréal Nord", "department": ""}
    (target.parent / "data" / "incidents.csv").write_text("incident_id\n1\n")
    assert Engagement.load(target).id == "montreal-nord"


def test_scaffold_name_and_id_fallback(tmp_path: Path) -> None:
    target = write_engagement_scaffold(tmp_path / "___", name='The "Best" PD')
    data = yaml.safe_load(target.read_text())
    assert data["engagement"]["id"] == "engagement"
    assert data["engagement"]["name"] == "The 'Best' PD"


def test_scaffold_never_overwrites(tmp_path: Path) -> None:
    write_engagement_scaffold(tmp_path)
    (tmp_path / "engagement.yml").write_text("mine")
    with pytest.raises(EngagementError, match="already exists; not overwriting"):
        write_engagement_scaffold(tmp_path)
    assert (tmp_path / "engagement.yml").read_text() == "mine"


def test_template_documents_every_section() -> None:
    text = TEMPLATE.read_text()
    for section in ("engagement:", "sources:", "analysis:", "problem:", "areas:", "responses:"):
        assert section in text, section
    assert "metrics:" in text and "publishing:" in text and "docs/engagement.md" in text


def test_the_commented_plan_is_a_valid_engagement_once_uncommented(tmp_path: Path) -> None:
    target = write_engagement_scaffold(tmp_path)
    lines = target.read_text().splitlines()
    start = lines.index("# problem:")
    end = next(i for i, line in enumerate(lines) if line.startswith("# Publishing rules"))
    plan = [line[2:] if line.startswith("# ") else line.lstrip("#") for line in lines[start:end]]
    text = "\n".join(lines[:start] + plan + lines[end:])
    text = text.replace("sources:\n", "sources:\n  survey: {path: data/survey.csv}\n", 1)
    target.write_text(text)
    engagement = Engagement.load(target)
    response = engagement.responses[0]
    assert response.measures == ["Robberies in the target beat"]
    assert response.role_areas()["comparison"] == "comparison"
    assert engagement.metrics[0].goal == "prevent_crime" and engagement.dimensions == [1, 2]
