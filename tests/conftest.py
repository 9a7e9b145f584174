"""Shared pytest fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
FIXTURE_NOTEBOOKS = FIXTURES / "notebooks"
FIXTURE_ENGAGEMENT = FIXTURES / "engagement" / "engagement.yml"
BROKEN_ENGAGEMENT = FIXTURES / "engagement_broken" / "engagement.yml"
FIXTURE_TIMEOUT = 20
"""Per-cell timeout of the fixture run: long enough for a loaded 2-core machine to import
cs360lib and draw two charts, short enough for 03_sleeps (60 s) to time out."""


@pytest.fixture(scope="session")
def fixture_run(tmp_path_factory: pytest.TempPathFactory):
    """One ``run_engagement`` of the four fixture notebooks (ok, chart, raises, sleeps).

    Shared by test_runner, test_reports and the browser test so the suite pays
    for the papermill executions once (about 10 s).
    """
    from cs360lib.run.engagement_run import run_engagement

    out = tmp_path_factory.mktemp("reports")
    lines: list[str] = []
    result = run_engagement(
        FIXTURE_ENGAGEMENT,
        out_dir=out,
        notebooks_dir=FIXTURE_NOTEBOOKS,
        timeout=FIXTURE_TIMEOUT,
        progress=lines.append,
    )
    result.progress_lines = lines  # type: ignore[attr-defined]
    return result
