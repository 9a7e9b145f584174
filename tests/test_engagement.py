"""Engagement files: typed, validated, paths relative to the file, errors naming key and file."""

from __future__ import annotations

from pathlib import Path

import pytest

from cs360lib import Engagement, EngagementError, load_engagement

MINIMAL = """
engagement: {id: test-pd, name: Test PD engagement}
sources:
  incidents: {path: data/incidents.csv}
  ems: {kind: partner_metrics, path: data/ems.csv}
areas:
  target: {column: beat, values: [E2, 12]}
responses:
  - {name: Lighting, start: 2023-04-01, area: target}
metrics:
  - {name: Robberies, goal: prevent_crime, source: incidents, area: target}
  - {name: Overdose calls, goal: community_factors, source: ems}
"""


def make(tmp_path: Path, text: str = MINIMAL) -> Path:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "incidents.csv").write_text(
        "incident_id,occurred_at,offense\n1,2023-01-01 10:00:00,Robbery\n"
    )
    (tmp_path / "data" / "ems.csv").write_text(
        "partner,metric,period,value\nEMS,overdose calls,2023-01-01,4\n"
    )
    path = tmp_path / "engagement.yml"
    path.write_text(text)
    return path


def test_paths_resolve_relative_to_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make(tmp_path)
    monkeypatch.chdir("/")
    engagement = Engagement.load(path)
    assert engagement.id == "test-pd" and engagement.root == tmp_path
    assert engagement.sources["incidents"].path == tmp_path / "data" / "incidents.csv"
    assert engagement.sources["ems"].kind == "partner_metrics"
    assert engagement.sources["incidents"].kind == "incidents"
    assert engagement.areas["target"].values == ["E2", "12"]
    assert [m.dimension for m in engagement.metrics] == [1, 2]
    assert len(engagement.input_files()) == 2
    results = load_engagement(engagement)
    assert results["incidents"].rows_read == 1 and results["ems"].data["value"].iloc[0] == 4.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("id: test-pd", "id: Test PD"), "engagement.id"),
        (("goal: prevent_crime", "goal: be_nice"), "metrics.0.goal"),
        (("area: target}\nmetrics", "area: elsewhere}\nmetrics"), "responses.0.area 'elsewhere'"),
        (("start: 2023-04-01", "start: someday"), "responses.0.start"),
        (("kind: partner_metrics", "kind: ems_runs"), "sources.ems.kind"),
        (("source: ems", "source: nowhere"), "metrics.1.source 'nowhere'"),
        (("areas:", "aeras:"), "aeras"),
    ],
)
def test_errors_name_the_key_and_the_file(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = make(tmp_path, MINIMAL.replace(*change))
    with pytest.raises(EngagementError) as info:
        Engagement.load(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(EngagementError, match="engagement file not found"):
        Engagement.load(tmp_path / "nope.yml")
    (tmp_path / "bad.yml").write_text("engagement: [\n")
    with pytest.raises(EngagementError, match="not valid YAML"):
        Engagement.load(tmp_path / "bad.yml")


def test_missing_data_file_names_the_source(tmp_path: Path) -> None:
    path = make(tmp_path)
    (tmp_path / "data" / "ems.csv").unlink()
    engagement = Engagement.load(path)
    with pytest.raises(EngagementError, match="sources.ems.path"):
        engagement.input_files()
    with pytest.raises(FileNotFoundError, match="source 'ems'"):
        load_engagement(engagement)
