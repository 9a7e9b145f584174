"""source_health: the intake says first, in plain words, which sources yield nothing usable."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cs360lib import Engagement, load, load_engagement
from cs360lib.publish.charts import chart_to_svg
from cs360lib.steps import intake
from cs360lib.steps.source_health import SourceHealth, source_health

HEADER = "incident_id,occurred_at,offense\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "empty.csv").write_text(HEADER)
    (data / "bad.csv").write_text(HEADER + "1,never,Theft\n2,2023-13-01 10:00,Theft\n")
    (data / "mostly.csv").write_text(
        HEADER + "1,2023-01-01 10:00,Theft\n2,nope,Theft\n3,nope,Theft\n4,nope,Theft\n"
    )
    (data / "good.csv").write_text(HEADER + "1,2023-01-01 10:00,Theft\n2,2023-01-02 10:00,X\n")
    (tmp_path / "engagement.yml").write_text(
        "engagement: {id: health, name: Health}\nsources:\n"
        "  incidents: {path: data/empty.csv}\n"
        "  old_rms: {kind: incidents, path: data/bad.csv}\n"
        "  cad: {kind: incidents, path: data/mostly.csv}\n"
        "  good: {kind: incidents, path: data/good.csv}\n"
        "  missing: {kind: incidents, path: data/missing.csv}\n"
    )
    return tmp_path


def test_intake_exposes_source_health() -> None:
    assert intake.source_health is source_health and intake.SourceHealth is SourceHealth


def test_summary_states_the_unusable_sources_first(folder: Path) -> None:
    sources = load_engagement(Engagement.load(folder / "engagement.yml"), errors="collect")
    health = source_health(sources)
    assert not health.usable
    lines = health.summary().splitlines()
    assert lines[0].startswith("Not usable: 4 of 5 sources (incidents, old_rms, cad, missing).")
    assert "Nothing below about them can be trusted" in lines[0]
    assert lines[1].startswith("- incidents is empty: ") and "has a header but no data" in lines[1]
    assert lines[2].startswith("- old_rms is empty: all 2 rows of ")
    assert lines[3].startswith("- cad had too many rows rejected: 75% of the 4 rows of ")
    assert lines[4].startswith("- missing could not be loaded: ") and "missing.csv" in lines[4]
    assert lines[5].startswith("Export the source again")
    frame = health.to_frame()
    assert list(frame["status"]) == ["empty", "empty", "mostly rejected", "ok", "failed"]
    assert list(frame["rejected_pct"].fillna(-1)) == [0.0, 100.0, 75.0, 0.0, -1]
    assert frame.loc[4, "rows_read"] is pd.NA
    assert list(health.unusable()["source"]) == ["incidents", "old_rms", "cad", "missing"]


def test_a_healthy_engagement_says_so(folder: Path) -> None:
    health = source_health({"good": load("incidents", folder / "data" / "good.csv")})
    assert health.usable and health.unusable().empty
    assert health.summary() == (
        "Every source holds usable rows (1 source): no source is empty, and no source had more "
        "than 50% of its rows rejected."
    )


def test_the_limit_comes_from_the_engagement_or_the_call(folder: Path) -> None:
    text = (folder / "engagement.yml").read_text()
    (folder / "engagement.yml").write_text(text + "analysis: {max_rejected_share: 0.8}\n")
    sources = load_engagement(Engagement.load(folder / "engagement.yml"), errors="collect")
    assert source_health(sources).to_frame().loc[2, "status"] == "ok"  # 75% <= 80%
    assert source_health(sources, max_rejected_share=0.7).to_frame().loc[2, "status"] == (
        "mostly rejected"
    )
    from cs360lib.errors import AnalysisInputError

    with pytest.raises(AnalysisInputError, match=r"from 0 to 1 \(the engagement's analysis\."):
        source_health(sources, max_rejected_share=2)


def test_chart_and_table_render(folder: Path) -> None:
    sources = load_engagement(Engagement.load(folder / "engagement.yml"), errors="collect")
    health = source_health(sources)
    assert chart_to_svg(health.chart()).lstrip().startswith("<svg")
    html = health.table().to_html()
    assert "Rejected (%)" in html and ">nan<" not in html.lower()
