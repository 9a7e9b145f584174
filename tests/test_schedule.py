"""Notebooks of a run that execute at the same time (cs360lib.run.schedule and the runner)."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import nbformat
import pytest
from conftest import FIXTURE_ENGAGEMENT, write_notebook

from cs360lib.run import schedule
from cs360lib.run.engagement_run import run_engagement
from cs360lib.run.execute import CLIENT_LOGGER, CapturedOutput

REPO = Path(__file__).resolve().parents[1]

TIMED = """\
import time
start = time.time()
time.sleep({seconds})
print(json.dumps({{"start": start, "end": time.time()}}))
"""


def _notebook(path: Path, *cells: str, after: list[str] | None = None) -> Path:
    meta = {"cs360": {"after": after}} if after is not None else {}
    return write_notebook(
        path, *cells, parameters='engagement: str = "engagement.yml"\nimport json', **meta
    )


def _span(report_dir: Path, stem: str) -> tuple[float, float]:
    nb = nbformat.read(report_dir / f"{stem}.ipynb", as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("name") == "stdout" and '"start"' in out.get("text", ""):
                found = json.loads(out["text"].strip().splitlines()[-1])
                return found["start"], found["end"]
    raise AssertionError(f"{stem} printed no time span")


def _run(notebooks: Path, out: Path, **options):
    """``run_engagement`` of the fixture engagement, two notebooks at once."""
    options = {"notebooks_at_once": 2, "progress": None, **options}
    return run_engagement(FIXTURE_ENGAGEMENT, out_dir=out, notebooks_dir=notebooks, **options)


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def test_prerequisites_read_the_notebooks_metadata(tmp_path: Path) -> None:
    paths = [
        _notebook(tmp_path / "00_a.ipynb", "1", after=[]),
        _notebook(tmp_path / "01_b.ipynb", "1", after=[]),
        _notebook(tmp_path / "02_c.ipynb", "1"),  # declares nothing: after every one before
        _notebook(tmp_path / "03_d.ipynb", "1", after=["01_b", "09_not_in_run", "04_e"]),
        _notebook(tmp_path / "04_e.ipynb", "1", after="00_a"),  # not a list: sequential
    ]
    (tmp_path / "05_broken.ipynb").write_text("{not json")
    paths.append(tmp_path / "05_broken.ipynb")
    assert schedule.prerequisites(paths) == [
        set(),
        set(),
        {0, 1},
        {1},  # names not in the run, and later notebooks, are ignored
        {0, 1, 2, 3},
        {0, 1, 2, 3, 4},
    ]


def test_the_shipped_notebooks_declare_what_they_need() -> None:
    paths = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [p.stem for p in paths] == [
        "00_data_intake",
        "01_scanning",
        "02_prioritization",
        "03_problem_analysis",
        "04_lessons_learned",
    ]
    # 04 appends the lessons-learned log that 01 shows: 01 must have read it first
    assert schedule.prerequisites(paths) == [set(), set(), set(), set(), {1}]


def test_notebooks_at_once_follows_the_request_the_cores_and_the_tables(monkeypatch) -> None:
    monkeypatch.setattr(schedule.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert schedule.notebooks_at_once(None, 10 * 2**20) == schedule.NOTEBOOKS_AT_ONCE == 2
    assert schedule.notebooks_at_once(None, schedule.MAX_TABLE_BYTES_AT_ONCE + 1) == 1
    assert schedule.notebooks_at_once(3, 10**12) == 3
    assert schedule.notebooks_at_once(0, None) == 1
    monkeypatch.setattr(schedule.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert schedule.notebooks_at_once(None, 0) == 1


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory: pytest.TempPathFactory):
    """00 and 01 may run together; 02 needs 00; 03 declares nothing (after all before it)."""
    root = tmp_path_factory.mktemp("schedule")
    notebooks = root / "notebooks"
    notebooks.mkdir()
    _notebook(notebooks / "00_first.ipynb", TIMED.format(seconds=3), after=[])
    _notebook(notebooks / "01_beside.ipynb", TIMED.format(seconds=3), after=[])
    _notebook(notebooks / "02_needs_first.ipynb", TIMED.format(seconds=0.5), after=["00_first"])
    _notebook(notebooks / "03_sequential.ipynb", TIMED.format(seconds=0.5))
    lines: list[str] = []
    result = _run(notebooks, root / "out", progress=lines.append)
    return result, lines


def test_notebooks_that_may_run_together_do_and_the_others_wait(side_by_side) -> None:
    result, lines = side_by_side
    assert result.ok, result.error
    spans = {
        s: _span(result.report_dir, s)
        for s in ("00_first", "01_beside", "02_needs_first", "03_sequential")
    }
    assert _overlap(spans["00_first"], spans["01_beside"])
    assert spans["02_needs_first"][0] >= spans["00_first"][1]
    last = max(spans[s][1] for s in ("00_first", "01_beside", "02_needs_first"))
    assert spans["03_sequential"][0] >= last
    manifest = json.loads(result.manifest_path.read_text())
    assert manifest["options"]["notebooks_at_once"] == 2
    assert [nb["name"] for nb in manifest["notebooks"]] == list(spans)  # sequence order
    assert all(nb["status"] == "ok" and nb["reports"] for nb in manifest["notebooks"])
    assert sum("running ..." in line for line in lines) == 4


def test_notebooks_without_metadata_run_one_at_a_time(tmp_path: Path) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for stem in ("00_a", "01_b", "02_c"):
        _notebook(notebooks / f"{stem}.ipynb", TIMED.format(seconds=1))
    result = _run(notebooks, tmp_path / "out")
    assert result.ok, result.error
    spans = [_span(result.report_dir, s) for s in ("00_a", "01_b", "02_c")]
    assert spans[0][1] <= spans[1][0] and spans[1][1] <= spans[2][0]


def test_fail_fast_lets_the_running_notebook_finish_and_skips_the_rest(tmp_path: Path) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(notebooks / "00_fails.ipynb", "raise ValueError('first fails')", after=[])
    _notebook(notebooks / "01_beside.ipynb", TIMED.format(seconds=2), after=[])
    _notebook(notebooks / "02_never.ipynb", "print('never')", after=["00_fails"])
    result = _run(notebooks, tmp_path / "out", fail_fast=True)
    status = {r.name: r.status for r in result.notebooks}
    assert status == {"00_fails": "failed", "01_beside": "ok", "02_never": "skipped"}


def test_a_batch_runs_each_engagements_notebooks_one_at_a_time(tmp_path, monkeypatch) -> None:
    from cs360lib.run import batch

    commands: list[list[str]] = []
    monkeypatch.setattr(batch, "_spawn", lambda cmd: commands.append(cmd) or (1, "stopped"))
    batch.run_subprocess(FIXTURE_ENGAGEMENT, tmp_path, None, None, 60.0, False, False)
    (cmd,) = commands
    assert cmd[cmd.index("--notebooks-at-once") + 1] == "1"


def test_captured_client_messages_go_to_the_thread_that_logged_them() -> None:
    logger = logging.getLogger(CLIENT_LOGGER)
    before = (logger.handlers[:], logger.propagate)
    captures = [CapturedOutput(), CapturedOutput()]
    entered = threading.Barrier(2)
    logged = threading.Barrier(2)

    def execute(i: int) -> None:
        with captures[i]:
            entered.wait()
            logger.warning("timeout in notebook %d", i)
            logged.wait()

    threads = [threading.Thread(target=execute, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [c.text() for c in captures] == [
        "WARNING timeout in notebook 0",
        "WARNING timeout in notebook 1",
    ]
    assert (logger.handlers, logger.propagate) == before  # given back after the last one


def test_ctrl_c_stops_the_notebooks_executing_at_once(tmp_path: Path, monkeypatch) -> None:
    import time

    from cs360lib.run import engagement_run

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for stem in ("00_long", "01_long"):  # each would sleep for two minutes
        _notebook(notebooks / f"{stem}.ipynb", TIMED.format(seconds=120), after=[])
    real_wait = engagement_run.cf.wait

    def interrupted(futures, **kwargs):
        real_wait(futures, timeout=5)  # both notebooks are executing by then
        raise KeyboardInterrupt

    monkeypatch.setattr(engagement_run.cf, "wait", interrupted)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        _run(notebooks, tmp_path / "out")
    # the kernels were stopped: the run did not wait for the two minutes of its notebooks
    assert time.monotonic() - started < 60
