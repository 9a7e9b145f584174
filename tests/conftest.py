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


NBVAL_LEFTOVERS = (SAMPLES / "lessons_learned.yml", TESTS.parent / "notebooks" / "reports")
"""What nbval's runs of the real notebooks write into the repository with the notebooks'
defaults: notebook 04 appends its review to the sample's lessons-learned log (``record=True``)
and notebook 02 writes its workbook to ``notebooks/reports``. Both are put back as they were at
the end of the session (this conftest is an initial one whenever ``tests`` is collected, as in
``make test``), so that ``make test`` never changes what ``make demo`` shows."""


_BEFORE = pytest.StashKey[dict]()


def _snapshot(path: Path) -> bytes | set[Path] | None:
    if path.is_file():
        return path.read_bytes()
    if path.is_dir():
        return set(path.rglob("*"))
    return None


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_BEFORE] = {path: _snapshot(path) for path in NBVAL_LEFTOVERS}


def pytest_sessionfinish(session: pytest.Session) -> None:
    import shutil

    for path, before in session.config.stash.get(_BEFORE, {}).items():
        if isinstance(before, bytes):
            path.write_bytes(before)
        elif isinstance(before, set):
            for made in sorted(set(path.rglob("*")) - before, reverse=True):
                if made.is_dir():
                    shutil.rmtree(made, ignore_errors=True)
                else:
                    made.unlink(missing_ok=True)
        elif path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink()


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


def write_notebook(
    path: Path, *cells: str, parameters: str = 'engagement: str = "engagement.yml"', **metadata
) -> Path:
    """Write a Python notebook: a ``parameters`` cell, then one code cell per string.

    Keyword arguments go into the notebook's metadata (e.g. ``cs360={"after": []}``).
    """
    import nbformat

    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[params, *map(nbformat.v4.new_code_cell, cells)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata.update(metadata)
    nbformat.write(nb, path)
    return path
