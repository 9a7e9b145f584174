"""``cs360 batch --cluster`` / ``--scheduler``: a batch on dask.distributed (issue 17, item 4)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import threading
import time
from pathlib import Path

import nbformat
import pytest
from conftest import BROKEN_ENGAGEMENT, FIXTURE_ENGAGEMENT

from cs360lib import cli
from cs360lib.errors import RunError
from cs360lib.run import cluster as cluster_mod
from cs360lib.run.batch import run_batch
from cs360lib.run.cluster import MAX_ATTEMPTS, cluster_task, parse_cluster

pytest.importorskip("distributed")

SLEEP_S = 6
"""How long the notebook of ``slow-town`` sleeps: long enough to kill its worker meanwhile."""

CHECK_SOURCE = f"""\
import time
from pathlib import Path

import yaml

eng_id = yaml.safe_load(Path(engagement).read_text())["engagement"]["id"]
if eng_id == "raises-town":
    raise ValueError("planted notebook failure for " + eng_id)
if eng_id == "slow-town":
    time.sleep({SLEEP_S})
print("checked", eng_id)
"""


def _notebooks(folder: Path) -> Path:
    """One tiny notebook that fails for ``raises-town`` and sleeps for ``slow-town``."""
    folder.mkdir(parents=True)
    params = nbformat.v4.new_code_cell(
        'engagement: str = "engagement.yml"\ninteractive: bool = True\nchart_renderer: str = "svg"'
    )
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Check\n\nFails or sleeps for some engagements."),
            params,
            nbformat.v4.new_code_cell(CHECK_SOURCE),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, str(folder / "00_check.ipynb"))
    return folder


def _engagement(root: Path, eng_id: str) -> Path:
    """A copy of the fixture engagement under another id."""
    folder = root / eng_id
    shutil.copytree(FIXTURE_ENGAGEMENT.parent, folder)
    path = folder / "engagement.yml"
    path.write_text(path.read_text().replace("id: fixture-town", f"id: {eng_id}"))
    return path


@pytest.fixture(scope="module")
def batch_inputs(tmp_path_factory):
    """Four engagements: two good, one with a missing source file, one whose notebook raises."""
    root = tmp_path_factory.mktemp("cluster")
    engagements = [
        _engagement(root, "good-a"),
        BROKEN_ENGAGEMENT,
        _engagement(root, "raises-town"),
        _engagement(root, "good-b"),
    ]
    return root, engagements, _notebooks(root / "notebooks")


def _batch(args: list[str], engagements, notebooks, out: Path, capsys) -> tuple[int, str]:
    argv = ["batch", *map(str, engagements), "--out", str(out), "--notebooks", str(notebooks)]
    code = cli.main([*argv, "--timeout", "120", *args])
    return code, capsys.readouterr().out


def _reports(out: Path) -> dict[str, dict]:
    """What a batch left per engagement: its files, manifest facts and ERROR.txt's error line."""
    found = {}
    for eng_dir in sorted(p for p in out.iterdir() if not p.name.startswith(".")):
        (folder,) = [p for p in eng_dir.iterdir() if not p.name.startswith(".")]
        manifest = json.loads((folder / "manifest.json").read_text())
        error_txt = folder / "ERROR.txt"
        found[eng_dir.name] = {
            "files": sorted(p.name for p in folder.iterdir()),
            "status": manifest["status"],
            "error": manifest["error"],
            "notebooks": [(nb["name"], nb["status"], nb["error"]) for nb in manifest["notebooks"]],
            "sources": [(s["name"], s["status"]) for s in manifest["sources"]],
            "error_line": next(
                (line for line in error_txt.read_text().splitlines() if line.startswith("error:")),
                None,
            )
            if error_txt.exists()
            else None,
        }
    return found


def _table(stdout: str) -> list[list[str]]:
    """The summary table without durations and report folders (they differ between runs)."""
    rows = []
    for line in stdout.splitlines():
        if set(line) <= {"-", " "}:  # the rule under the header: its widths follow the paths
            continue
        line = re.sub(r"\d+\.\d s", "T", line)
        line = re.sub(r"/\S+/\d{8}T\d{6}Z(-\d+)?", "DIR", line)
        rows.append(line.split())
    return rows


@pytest.mark.slow
def test_cluster_batch_matches_local_jobs(batch_inputs, tmp_path, capsys):
    """Acceptance: four engagements (two broken) on a 2-worker LocalCluster give the same
    reports, failure records, summary and exit code as ``--jobs 2``."""
    _, engagements, notebooks = batch_inputs
    code_local, out_local = _batch(
        ["--jobs", "2"], engagements, notebooks, tmp_path / "local", capsys
    )
    code_cluster, out_cluster = _batch(
        ["--cluster", "local:2"], engagements, notebooks, tmp_path / "cluster", capsys
    )
    assert code_local == code_cluster == 1
    assert _table(out_cluster) == _table(out_local)
    assert out_cluster.splitlines()[-1] == "2 of 4 engagements ok"

    local, on_cluster = _reports(tmp_path / "local"), _reports(tmp_path / "cluster")
    assert on_cluster == local
    assert set(on_cluster) == {"good-a", "good-b", "broken-town", "raises-town"}
    assert on_cluster["good-a"]["status"] == on_cluster["good-b"]["status"] == "ok"
    assert "00_check.html" in on_cluster["good-a"]["files"]
    assert "incidents_missing.csv" in on_cluster["broken-town"]["error"]
    assert on_cluster["broken-town"]["notebooks"] == [("00_check", "skipped", None)]
    ((name, status, error),) = on_cluster["raises-town"]["notebooks"]
    assert status == "failed" and "planted notebook failure" in error
    assert "ERROR.txt" in on_cluster["raises-town"]["files"]
    # the attempt counts are removed when the batch ends
    assert not (tmp_path / "cluster" / cluster_mod.ATTEMPTS_FOLDER).exists()


@pytest.mark.slow
def test_lost_worker_engagement_is_retried_and_finishes(batch_inputs, tmp_path):
    """Acceptance: a worker killed during a task; the engagement is retried once and finishes,
    and the lost attempt publishes no second report."""
    import dask
    from distributed import Client, LocalCluster

    root, _, notebooks = batch_inputs
    slow = _engagement(root / "slow", "slow-town")
    with dask.config.set({"distributed.scheduler.allowed-failures": MAX_ATTEMPTS - 1}):
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit="512MiB",
            dashboard_address=None,
        )
    lines: list[str] = []
    started = threading.Event()
    killed: list[int] = []

    def progress(line: str) -> None:
        lines.append(line)
        if "slow-town: started" in line:
            started.set()

    def kill_its_worker(client: Client) -> None:
        assert started.wait(120), "the task never started"
        time.sleep(1.5)  # well inside the notebook's sleep
        busy = {addr for addr, keys in client.processing().items() if keys}
        pids = client.run(os.getpid, workers=list(busy))
        for pid in pids.values():
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    try:
        with Client(cluster) as client:
            killer = threading.Thread(target=kill_its_worker, args=(client,), daemon=True)
            killer.start()
            (result,) = run_batch(
                [slow],
                out_dir=tmp_path,
                notebooks_dir=notebooks,
                timeout=120,
                progress=progress,
                scheduler=cluster.scheduler_address,
            )
            killer.join(10)
    finally:
        cluster.close()
    assert len(killed) == 1
    assert result.ok, result.error
    assert any("slow-town: started" in line and "attempt 2" in line for line in lines), lines
    assert lines[-1].startswith("[batch] slow-town: ok") and "1 of 1 done (0 failed)" in lines[-1]
    published = [p for p in (tmp_path / "slow-town").iterdir() if not p.name.startswith(".")]
    assert published == [result.report_dir]


def test_third_attempt_is_recorded_as_failed(tmp_path):
    """A task whose worker was lost on both attempts is not run a third time: it fails."""
    attempts = tmp_path / "attempts"
    attempts.mkdir()
    (attempts / "0.attempts").write_text(
        "attempt 1 on host-a pid 11 at 10:00:00\nattempt 2 on host-b pid 12 at 10:01:00\n"
    )
    data = cluster_task(
        0, str(FIXTURE_ENGAGEMENT), str(tmp_path / "out"), None, None, 60, False, None,
        str(attempts), "topic",
    )  # fmt: skip
    assert data["status"] == "failed"
    assert "lost on 2 attempts" in data["error"] and "host-b" in data["error"]
    folder = Path(data["report_dir"])
    assert folder.parent == tmp_path / "out" / "fixture-town"
    assert "retried 1 time" in (folder / "ERROR.txt").read_text()
    assert json.loads((folder / "manifest.json").read_text())["status"] == "failed"


@pytest.mark.parametrize("spec", ["local", "local:0", "remote:2", "local:x"])
def test_parse_cluster_rejects(spec):
    with pytest.raises(RunError, match="local:N"):
        parse_cluster(spec)


def test_parse_cluster():
    assert parse_cluster("local:3") == 3


def test_cli_rejects_jobs_with_a_cluster(tmp_path, capsys):
    argv = ["batch", str(FIXTURE_ENGAGEMENT), "--jobs", "2", "--cluster", "local:2"]
    assert cli.main([*argv, "--out", str(tmp_path)]) == 2
    assert "drop --jobs" in capsys.readouterr().err


def test_cli_reports_an_unreachable_scheduler(tmp_path, capsys):
    import dask

    argv = ["batch", str(FIXTURE_ENGAGEMENT), "--scheduler", "tcp://127.0.0.1:9"]
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        assert cli.main([*argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the dask scheduler at tcp://127.0.0.1:9" in err
    assert "dask scheduler" in err
