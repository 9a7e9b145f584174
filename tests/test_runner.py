import hashlib
import json
from pathlib import Path

import nbformat
import pytest
from conftest import BROKEN_ENGAGEMENT, FIXTURE_ENGAGEMENT, FIXTURE_NOTEBOOKS, FIXTURE_TIMEOUT

from cs360lib.errors import RunError
from cs360lib.run import batch, engagement_run, execute
from cs360lib.run.batch import format_summary
from cs360lib.run.engagement_run import RunResult, run_engagement, write_failure_record
from cs360lib.run.execute import NotebookResult, discover_notebooks
from cs360lib.run.manifest import file_digest, package_versions


def _manifest(result: RunResult) -> dict:
    return json.loads(result.manifest_path.read_text())


# ----------------------------------------------------------------- discovery


def test_discover_notebooks_sorted():
    names = [p.stem for p in discover_notebooks(FIXTURE_NOTEBOOKS)]
    assert names == ["00_ok", "01_chart", "02_raises", "03_sleeps", "04_dies"]


@pytest.mark.parametrize(
    ("only", "expected"),
    [
        (["01_chart"], ["01_chart"]),
        (["02", "00"], ["00_ok", "02_raises"]),
        (["chart", "ok.ipynb"], ["00_ok", "01_chart"]),
    ],
)
def test_discover_notebooks_only(only, expected):
    assert [p.stem for p in discover_notebooks(FIXTURE_NOTEBOOKS, only)] == expected


def test_discover_notebooks_unknown_name_lists_available():
    with pytest.raises(RunError, match=r"'nope' matches no notebook.*00_ok"):
        discover_notebooks(FIXTURE_NOTEBOOKS, ["nope"])


def test_discover_notebooks_missing_folder(tmp_path):
    with pytest.raises(RunError, match="not found"):
        discover_notebooks(tmp_path / "absent")
    with pytest.raises(RunError, match="no NN_"):
        discover_notebooks(tmp_path)


def test_default_notebooks_dir_is_repo_notebooks():
    assert execute.default_notebooks_dir() == Path(__file__).resolve().parents[1] / "notebooks"


# ----------------------------------------------------------------- helpers


def test_file_digest(tmp_path):
    p = tmp_path / "x.bin"
    p.write_bytes(b"cs360" * 1000)
    assert file_digest(p) == (5000, hashlib.sha256(b"cs360" * 1000).hexdigest())


def test_package_versions_has_the_stack():
    v = package_versions()
    for name in ("python", "cs360lib", "pandas", "altair", "papermill", "nbconvert", "pyarrow"):
        assert v[name], name
    assert "statsmodels" in v


def test_publish_adds_suffix_when_taken(tmp_path):
    (tmp_path / "20260101T000000Z").mkdir()
    (tmp_path / "20260101T000000Z" / "manifest.json").write_text("{}")
    tmp = tmp_path / ".partial"
    tmp.mkdir()
    final = engagement_run._publish(tmp, tmp_path, "20260101T000000Z")
    assert final.name == "20260101T000000Z-2"
    assert not tmp.exists()


def test_format_summary_table():
    results = [
        RunResult("a.yml", "alpha", "ok", Path("/r/alpha/1"), 3.21),
        RunResult("b.yml", "beta", "failed", Path("/r/beta/1"), 0.5, error="x" * 200),
    ]
    text = format_summary(results, width=40)
    lines = text.splitlines()
    assert lines[0].split() == ["engagement", "status", "duration", "report", "dir", "error"]
    assert "alpha" in lines[2] and "3.2 s" in lines[2] and "/r/alpha/1" in lines[2]
    assert "beta" in lines[3] and "failed" in lines[3] and "x" * 14 + " ... " + "x" * 21 in lines[3]
    assert len(lines[3].split()[-1]) == 21
    assert lines[-1] == "1 of 2 engagements ok"


def test_run_result_roundtrip():
    r = RunResult("a.yml", "alpha", "failed", Path("/r"), 1.0, "boom", [NotebookResult("00_x")])
    again = RunResult.from_dict(json.loads(json.dumps(r.to_dict())))
    assert again == r


def test_write_failure_record(tmp_path):
    folder = write_failure_record(BROKEN_ENGAGEMENT, tmp_path, "kernel died", log="trace")
    assert folder.parent == tmp_path / "broken-town"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["error"] == "kernel died"
    assert "kernel died" in (folder / "ERROR.txt").read_text()
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no partial left


# ----------------------------------------------------------------- runs without a kernel


def test_missing_input_fails_before_executing(tmp_path):
    lines: list[str] = []
    result = run_engagement(
        BROKEN_ENGAGEMENT, out_dir=tmp_path, notebooks_dir=FIXTURE_NOTEBOOKS, progress=lines.append
    )
    assert result.status == "failed"
    assert "incidents_missing.csv" in result.error
    assert result.report_dir.parent == tmp_path / "broken-town"
    assert all(nb.status == "skipped" for nb in result.notebooks)
    manifest = _manifest(result)
    assert manifest["status"] == "failed" and manifest["complete"] is True
    assert "incidents_missing.csv" in (result.report_dir / "ERROR.txt").read_text()
    assert not list(result.report_dir.glob("*.ipynb"))


def test_missing_engagement_file(tmp_path):
    result = run_engagement(
        tmp_path / "nowhere" / "engagement.yml",
        out_dir=tmp_path / "out",
        notebooks_dir=FIXTURE_NOTEBOOKS,
        progress=lambda line: None,
    )
    assert result.status == "failed"
    assert "engagement file not found" in result.error
    assert result.engagement_id == "nowhere"
    assert (result.report_dir / "ERROR.txt").exists()


def test_interrupted_run_leaves_only_hidden_partial(tmp_path, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(execute, "execute_notebook", interrupt)
    with pytest.raises(KeyboardInterrupt):
        run_engagement(
            FIXTURE_ENGAGEMENT,
            out_dir=tmp_path,
            notebooks_dir=FIXTURE_NOTEBOOKS,
            progress=lambda line: None,
        )
    entries = list((tmp_path / "fixture-town").iterdir())
    assert len(entries) == 1 and entries[0].name.startswith(".")
    assert ".partial" in entries[0].name
    manifest = json.loads((entries[0] / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["complete"] is False


# ----------------------------------------------------------------- the fixture run (papermill)


def test_run_layout(fixture_run):
    folder = fixture_run.report_dir
    assert folder.parent.name == "fixture-town"
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no partial left
    for stem in ("00_ok", "01_chart", "02_raises", "03_sleeps", "04_dies"):
        for suffix in (".ipynb", ".html", ".analyst.html"):
            assert (folder / f"{stem}{suffix}").is_file(), stem + suffix
    for name in ("manifest.json", "ERROR.txt", "index.html", "run.log"):
        assert (folder / name).is_file(), name


def test_run_statuses(fixture_run):
    statuses = {nb.name: nb.status for nb in fixture_run.notebooks}
    assert statuses == {
        "00_ok": "ok",
        "01_chart": "ok",
        "02_raises": "failed",
        "03_sleeps": "timeout",
        "04_dies": "dead_kernel",
    }
    assert fixture_run.status == "failed"
    assert not fixture_run.ok


def test_manifest_contents(fixture_run):
    m = _manifest(fixture_run)
    assert m["manifest_version"] == 1
    assert m["status"] == "failed" and m["complete"] is True
    assert m["engagement"]["id"] == "fixture-town"
    assert m["engagement"]["path"] == str(FIXTURE_ENGAGEMENT)
    assert m["parameters"] == {
        "engagement": str(FIXTURE_ENGAGEMENT),
        "interactive": False,
        "chart_renderer": "svg",
    }
    assert m["options"]["kernel_name"] == "python3" and m["options"]["timeout_s"] == FIXTURE_TIMEOUT
    data = FIXTURE_ENGAGEMENT.parent / "data" / "incidents.csv"
    assert {"path": str(data), "size": data.stat().st_size}.items() <= m["inputs"][0].items()
    assert m["inputs"][0]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    for pkg in ("python", "cs360lib", "pandas", "statsmodels", "altair", "papermill", "nbconvert"):
        assert pkg in m["versions"]
    assert m["report_dir"] == str(fixture_run.report_dir)
    assert m["duration_s"] > 0
    by_name = {nb["name"]: nb for nb in m["notebooks"]}
    assert by_name["00_ok"]["reports"] == {
        "stakeholder": "00_ok.html",
        "analyst": "00_ok.analyst.html",
    }
    assert by_name["00_ok"]["error"] is None and by_name["00_ok"]["duration_s"] > 0
    assert "fixture failure" in by_name["02_raises"]["error"]
    assert by_name["02_raises"]["error_type"] == "ValueError"
    assert f"{FIXTURE_TIMEOUT} s timeout" in by_name["03_sleeps"]["error"]
    assert all(nb["network_refs_removed"] == [] for nb in m["notebooks"])


def test_failed_notebooks_keep_partial_output(fixture_run):
    folder = fixture_run.report_dir
    raised = nbformat.read(folder / "02_raises.ipynb", as_version=4)
    text = json.dumps(raised)
    assert "about to fail" in text and "fixture failure" in text
    assert "never reached" not in "".join(
        str(o.get("text", "")) for c in raised.cells for o in c.get("outputs", [])
    )
    slept = nbformat.read(folder / "03_sleeps.ipynb", as_version=4)
    assert "cs360-error" in slept.cells[0].metadata.get("tags", [])
    assert "timeout" in slept.cells[0].source
    assert "sleeping" in json.dumps(slept)
    assert "did not finish (timeout)" in (folder / "03_sleeps.html").read_text()
    died = nbformat.read(folder / "04_dies.ipynb", as_version=4)
    assert "the kernel died" in died.cells[0].source
    assert "before the crash" in json.dumps(died)


def test_parameters_injected(fixture_run):
    nb = nbformat.read(fixture_run.report_dir / "00_ok.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and str(FIXTURE_ENGAGEMENT) in injected[0].source
    assert "interactive = False" in injected[0].source
    assert "engagement file: engagement.yml" in json.dumps(nb)


def test_error_text_and_progress(fixture_run):
    text = (fixture_run.report_dir / "ERROR.txt").read_text()
    assert "02_raises: failed" in text and "ValueError: fixture failure" in text
    assert "03_sleeps: timeout" in text
    assert "04_dies: dead_kernel" in text and "DeadKernelError" in text
    lines = fixture_run.progress_lines
    assert any("00_ok (1/5) running" in line for line in lines)
    assert any("02_raises: failed" in line for line in lines)
    assert "03_sleeps: timeout" in (fixture_run.report_dir / "run.log").read_text()


def test_index_links_reports(fixture_run):
    index = (fixture_run.report_dir / "index.html").read_text()
    assert 'href="01_chart.html"' in index and 'href="01_chart.analyst.html"' in index
    assert "timeout" in index


def test_spawn_streams_stderr_and_returns_code(capfd):
    import sys

    code, tail = batch._spawn(
        [
            sys.executable,
            "-c",
            "import sys; print('out'); sys.stderr.write('a\\nb\\n'); sys.exit(3)",
        ]
    )
    assert code == 3
    assert tail == "a\nb\n"
    assert "a\nb\n" in capfd.readouterr().err


# ----------------------------------------------------------------- pre-flight: every source loads


def _engagement_with_bad_sources(tmp_path: Path) -> Path:
    import shutil

    folder = tmp_path / "eng"
    shutil.copytree(FIXTURE_ENGAGEMENT.parent, folder)
    (folder / "data" / "calls.csv").write_text("nothing,useful\n1,2\n")
    text = (folder / "engagement.yml").read_text()
    text += "  calls:\n    path: data/calls.csv\n  survey:\n    path: data/survey.csv\n"
    (folder / "engagement.yml").write_text(text)
    return folder / "engagement.yml"


def test_sources_that_fail_to_load_fail_the_run_early(tmp_path):
    engagement = _engagement_with_bad_sources(tmp_path)
    result = run_engagement(
        engagement, out_dir=tmp_path / "out", notebooks_dir=FIXTURE_NOTEBOOKS, progress=None
    )
    assert result.status == "failed"
    assert result.error.startswith("2 of 3 sources could not be loaded: calls: ")
    assert "call_id" in result.error and "survey.csv: no such file" in result.error
    assert all(nb.status == "skipped" for nb in result.notebooks)
    assert not list(result.report_dir.glob("*.ipynb"))  # no kernel was started
    manifest = _manifest(result)
    sources = {s["name"]: s for s in manifest["sources"]}
    assert list(sources) == ["incidents", "calls", "survey"]
    assert sources["incidents"]["status"] == "ok" and sources["incidents"]["rows_read"] > 0
    assert sources["calls"]["status"] == sources["survey"]["status"] == "failed"
    assert "survey.csv" in sources["survey"]["error"]
    assert [i["relative_path"] for i in manifest["inputs"]] == [
        "data/incidents.csv",
        "data/calls.csv",
    ]
    text = (result.report_dir / "ERROR.txt").read_text()
    assert "== sources that could not be loaded" in text
    assert "calls (calls): " in text and "survey (survey): " in text


def test_every_engagement_error_reported_by_the_run(tmp_path):
    folder = tmp_path / "eng"
    folder.mkdir()
    (folder / "engagement.yml").write_text(
        "engagement: {id: two-errors, name: Two}\n"
        "sources:\n  incidents: {path: data/incidents.csv, mapping: {colums: {}}}\n"
        "metrics:\n  - {name: M, goal: be_nice, source: incidents}\n"
    )
    result = run_engagement(
        folder / "engagement.yml",
        out_dir=tmp_path / "out",
        notebooks_dir=FIXTURE_NOTEBOOKS,
        progress=lambda line: None,
    )
    assert result.status == "failed" and result.engagement_id == "two-errors"
    assert "2 problems" in result.error
    assert "sources.incidents.mapping.colums" in result.error and "metrics.0.goal" in result.error
    text = (result.report_dir / "ERROR.txt").read_text()
    assert "sources.incidents.mapping.colums" in text and "metrics.0.goal" in text


def test_fixture_run_records_its_sources(fixture_run):
    (source,) = _manifest(fixture_run)["sources"]
    assert source["name"] == "incidents" and source["status"] == "ok"
    assert source["rows_read"] == source["rows_loaded"] + source["rows_rejected"] > 0
    assert "incidents" in (fixture_run.report_dir / "index.html").read_text()
    assert any("loading 1 source ..." in line for line in fixture_run.progress_lines)


def test_report_folder_id(tmp_path):
    from cs360lib.run.engagement_run import report_folder_id

    assert report_folder_id(BROKEN_ENGAGEMENT) == "broken-town"  # the id in the file
    assert report_folder_id(tmp_path / "River City" / "engagement.yml") == "river-city"
    assert report_folder_id(tmp_path / "Eastgate_2025.yml") == "eastgate-2025"
    (tmp_path / "bad.yml").write_text("engagement: [\n")
    assert report_folder_id(tmp_path / "bad.yml") == "bad"
    (tmp_path / "odd.yml").write_text("engagement: {id: 'Odd Town PD'}\n")
    assert report_folder_id(tmp_path / "odd.yml") == "odd-town-pd"


def test_batch_progress_counts_done_failed_and_running():
    from cs360lib.run.batch import BatchProgress
    from cs360lib.run.engagement_run import RunResult

    lines: list[str] = []
    tally = BatchProgress(3, lines.append)
    tally.started("a")
    tally.started("b", " on node-2")
    tally.finished(RunResult("a.yml", "a", "failed", None, 1.0, error="boom"), "a")
    tally.started("c")
    tally.finished(RunResult("b.yml", "b", "ok", None, 2.0), "b")
    assert lines[1] == "[batch] b: started on node-2 - 0 of 3 done (0 failed), 2 running"
    assert lines[2] == "[batch] a: failed in 1.0 s (boom) - 1 of 3 done (1 failed), 1 running"
    assert lines[-1] == "[batch] b: ok in 2.0 s - 2 of 3 done (1 failed), 1 running"


# ----------------------------------------------------------------- the load cache of a run


def _loading_notebook(path: Path) -> Path:
    """A notebook that loads the engagement and prints which cache it was given."""
    params = nbformat.v4.new_code_cell('engagement: str = "engagement.yml"')
    params.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell(
        "import cs360lib as cs\n"
        "from cs360lib.data.loaders.cache import active_cache\n"
        "eng = cs.Engagement.load(engagement)\n"
        "sources = cs.load_engagement(eng)\n"
        "print('cache:', active_cache(), 'sources:', len(sources))"
    )
    nb = nbformat.v4.new_notebook(cells=[params, body])
    nb.metadata["kernelspec"] = dict(execute.KERNELSPEC)
    nbformat.write(nb, path)
    return path


def _printed(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


def test_a_notebook_run_alone_loads_directly(tmp_path, monkeypatch):
    """Plain papermill (no runner) names no cache; the runner's kernels get theirs."""
    import papermill as pm

    from cs360lib.data.loaders.cache import CACHE_ENV, NOTEBOOK_ENV, LoadCache

    monkeypatch.delenv(CACHE_ENV, raising=False)
    nb = _loading_notebook(tmp_path / "loads.ipynb")
    params = {"engagement": str(FIXTURE_ENGAGEMENT)}
    pm.execute_notebook(
        str(nb), str(tmp_path / "alone.ipynb"), parameters=params, progress_bar=False
    )
    assert "cache: None sources: 1" in _printed(tmp_path / "alone.ipynb")

    cache = LoadCache(tmp_path / "run-cache")  # as the runner's pre-flight leaves it
    import cs360lib as cs

    cs.load_engagement(cs.Engagement.load(FIXTURE_ENGAGEMENT), cache=cache)
    res = NotebookResult(name="loads")
    env = {CACHE_ENV: str(cache.folder), NOTEBOOK_ENV: "loads"}
    out = tmp_path / "out"
    out.mkdir()
    execute.execute_notebook(nb, res, out, params, 600, env=env)
    assert res.status == "ok", res.traceback
    assert f"cache: LoadCache('{cache.folder}') sources: 1" in _printed(out / "loads.ipynb")
    (event,) = cache.events("loads")
    assert event["source"] == "incidents" and event["hit"] is True
    import os

    assert CACHE_ENV not in os.environ  # set in the kernel only, not in the runner's process


def test_a_run_loads_each_source_once_and_records_the_hits(tmp_path):
    from conftest import sample_copy

    engagement = sample_copy(tmp_path / "sample")
    result = run_engagement(engagement, out_dir=tmp_path / "out", only=["00"], progress=None)
    assert result.ok, result.error
    manifest = _manifest(result)
    keys = {s["name"]: s["cache_key"] for s in manifest["sources"]}
    assert len(keys) == 8 and all(len(k) == 64 for k in keys.values())
    (notebook,) = manifest["notebooks"]
    lookups = notebook["cache"]
    assert {e["source"] for e in lookups} == set(keys)
    assert all(e["hit"] and e["key"] == keys[e["source"]] for e in lookups)
    # the cache holds row-level data: it is not published with the reports
    assert not (result.report_dir / engagement_run.LOAD_CACHE_DIR).exists()
    assert not list(result.report_dir.rglob("*.parquet"))
