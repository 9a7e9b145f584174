"""manifest.json: one pydantic model, one writer, the documented layout."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import BROKEN_ENGAGEMENT, FIXTURE_ENGAGEMENT
from pydantic import ValidationError

from cs360lib import Engagement, load_engagement
from cs360lib.run.engagement_run import write_failure_record
from cs360lib.run.execute import NotebookResult
from cs360lib.run.manifest import (
    MANIFEST_VERSION,
    EngagementRecord,
    Manifest,
    Parameters,
    RunOptions,
    SourceRecord,
    describe_inputs,
)

# the keys docs/reports.md documents, in the order they are written
KEYS = [
    "manifest_version",
    "status",
    "complete",
    "engagement",
    "parameters",
    "options",
    "inputs",
    "sources",
    "versions",
    "host",
    "command",
    "started_at",
    "finished_at",
    "duration_s",
    "error",
    "notebooks",
    "report_dir",
    "publishing",
]


def _manifest(**changes) -> Manifest:
    return Manifest(
        engagement=EngagementRecord(id="x", name="X", path="/e/engagement.yml"),
        parameters=Parameters(engagement="/e/engagement.yml"),
        **changes,
    )


def test_write_and_read_back(tmp_path: Path) -> None:
    started = dt.datetime(2025, 3, 1, 14, 15, 2, tzinfo=dt.UTC)
    manifest = _manifest(
        status="failed",
        complete=True,
        options=RunOptions(notebooks_dir="/nb", timeout_s=60),
        started_at=started,
        notebooks=[NotebookResult("00_x", "failed", 1.5, error="boom", reports={"a": "b"})],
    )
    path = manifest.write(tmp_path)
    assert path == tmp_path / "manifest.json" and not list(tmp_path.glob("*.tmp"))
    data = json.loads(path.read_text())
    assert list(data) == KEYS
    assert data["manifest_version"] == MANIFEST_VERSION == 1
    assert data["started_at"] == "2025-03-01T14:15:02+00:00"  # isoformat, as before
    assert data["notebooks"][0] == {
        "name": "00_x",
        "status": "failed",
        "duration_s": 1.5,
        "error": "boom",
        "error_type": None,
        "traceback": None,
        "executed": None,
        "reports": {"a": "b"},
        "network_refs_removed": [],
        "cache": [],
    }
    assert data["options"]["kernel_name"] == "python3"
    again = Manifest.read(tmp_path)
    assert again == manifest and again.notebooks[0] == manifest.notebooks[0]
    assert Manifest.read(path).to_dict() == data


def test_unknown_keys_are_refused(tmp_path: Path) -> None:
    data = _manifest().to_dict()
    (tmp_path / "manifest.json").write_text(json.dumps({**data, "colour": "red"}))
    with pytest.raises(ValidationError, match="colour"):
        Manifest.read(tmp_path)


def test_run_and_failure_record_share_the_layout(tmp_path: Path, fixture_run) -> None:
    run = json.loads(fixture_run.manifest_path.read_text())
    record = json.loads(
        (write_failure_record(BROKEN_ENGAGEMENT, tmp_path, "died") / "manifest.json").read_text()
    )
    assert list(run) == list(record) == KEYS
    assert record["status"] == "failed" and record["complete"] is True
    assert record["parameters"] == {
        "engagement": str(BROKEN_ENGAGEMENT),
        "interactive": False,
        "chart_renderer": "svg",
    }
    assert record["report_dir"] == str(tmp_path / "broken-town" / Path(record["report_dir"]).name)


def test_source_records(tmp_path: Path) -> None:
    engagement = Engagement.load(FIXTURE_ENGAGEMENT)
    (record,) = SourceRecord.from_sources(load_engagement(engagement, errors="collect"))
    assert record.name == "incidents" and record.status == "ok" and record.error is None
    assert record.rows_read == record.rows_loaded + record.rows_rejected > 0
    assert isinstance(record.rows_read, int) and record.mapping == "identity"
    broken = Engagement.load(BROKEN_ENGAGEMENT)
    (failed,) = SourceRecord.from_sources(load_engagement(broken, errors="collect"))
    assert failed.status == "failed" and failed.rows_read is None
    assert "incidents_missing.csv" in failed.error


def test_describe_inputs(tmp_path: Path) -> None:
    (described,) = describe_inputs(Engagement.load(FIXTURE_ENGAGEMENT))
    assert described.relative_path == "data/incidents.csv" and len(described.sha256) == 64
    broken = Engagement.load(BROKEN_ENGAGEMENT)
    assert describe_inputs(broken, missing_ok=True) == []
    with pytest.raises(ValueError, match="sources.incidents.path"):
        describe_inputs(broken)
