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


SAMPLES = TESTS.parent / "data" / "samples"
"""The committed sample department."""


def sample_copy(folder: Path, engagement_text: str | None = None) -> Path:
    """Copy the sample department into ``folder`` (its engagement text optionally replaced).

    Returns the copied ``engagement.yml``; tests change the copy, never ``data/samples``.
    """
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    for path in SAMPLES.iterdir():
        # a lessons-learned log there is a local run's (ignored by git), not part of the sample
        if path.is_file() and path.name != "lessons_learned.yml":
            shutil.copy(path, folder / path.name)
    if engagement_text is not None:
        (folder / "engagement.yml").write_text(engagement_text, encoding="utf-8")
    return folder / "engagement.yml"


@pytest.fixture(scope="session")
def sample_review(tmp_path_factory: pytest.TempPathFactory):
    """The sample department's engagement, its sources and its review (computed once).

    The engagement is a copy in a temporary folder, so that a lessons-learned log written by a
    test never lands in ``data/samples``.
    """
    import warnings

    import cs360lib as cs
    from cs360lib.steps import review

    path = sample_copy(tmp_path_factory.mktemp("sample_review"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # the sample's deprecated publishing keys
        engagement = cs.Engagement.load(path)
    sources = cs.load_engagement(engagement)
    return engagement, sources, review.review(engagement, sources)
