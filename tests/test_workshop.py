"""cs360lib.workshop: one source per step builds the learner and solution notebooks, which
stay in sync with the real notebooks, run, and can be prepared for any engagement."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import nbformat
import papermill
import pytest

from cs360lib.cli import main
from cs360lib.exercises import EXERCISES
from cs360lib.workshop import (
    VERSIONS,
    WorkshopError,
    build_bundle,
    build_step,
    build_workshop,
    untagged_cells,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
WORKSHOP = NOTEBOOKS / "workshop"
SOURCES = sorted((WORKSHOP / "source").glob("[0-9][0-9]_*.ipynb"))
STEPS = [p.name for p in SOURCES]
SAMPLE = ROOT / "data" / "samples" / "engagement.yml"


def _keys(step: str) -> list[str]:
    return sorted(k for k in EXERCISES if k.startswith(step[:2]))


def _copy_notebooks(tmp_path: Path) -> Path:
    real = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, real, ignore=shutil.ignore_patterns("learner", "solution"))
    return real


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def test_there_is_one_source_per_step():
    assert STEPS == [p.name for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))]


def test_committed_versions_equal_a_fresh_build(tmp_path):
    written = build_workshop(WORKSHOP / "source", NOTEBOOKS, tmp_path)
    assert len(written) == 2 * len(STEPS)
    for path in written:
        committed = WORKSHOP / path.relative_to(tmp_path)
        assert committed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"{committed} is stale: run `cs360 workshop build` and commit the result"
        )


@pytest.mark.parametrize("step", STEPS)
def test_versions_are_the_same_cells_apart_from_the_tagged_ones(step):
    built = build_step(WORKSHOP / "source" / step, NOTEBOOKS)
    assert untagged_cells(built.learner) == untagged_cells(built.solution)
    learner_tags = [t for c in built.learner.cells for t in _tags(c)]
    solution_tags = [t for c in built.solution.cells for t in _tags(c)]
    assert "solution" not in learner_tags and "exercise" not in solution_tags
    assert "hint" not in solution_tags
    assert learner_tags.count("exercise") == solution_tags.count("solution") == len(_keys(step))
    assert sorted(built.exercises) == _keys(step)


@pytest.mark.parametrize("step", STEPS)
def test_every_real_section_is_in_both_versions(step):
    """The workshop drops no section of the real notebook but its title cell."""
    real = nbformat.read(NOTEBOOKS / step, as_version=4)
    built = build_step(WORKSHOP / "source" / step, NOTEBOOKS)
    for version in VERSIONS:
        ids = {c.get("id") for c in built.version(version).cells}
        missing = [c.get("id") for c in real.cells[1:] if c.get("id") not in ids]
        assert not missing, f"{version} {step} lacks real cells {missing}"


@pytest.mark.parametrize("step", STEPS)
def test_each_version_follows_the_notebook_skeleton(step):
    built = build_step(WORKSHOP / "source" / step, NOTEBOOKS)
    for version in VERSIONS:
        cells = built.version(version).cells
        head = cells[0]["source"]
        for part in (
            "# Workshop",
            "## Overview",
            "### Learning objectives",
            "## Prerequisites",
            "## Time",
        ):
            assert part in head
        assert "min |" in head
        assert any("parameters" in _tags(c) for c in cells)
        assert "## Summary" in cells[-1]["source"]
        assert built.version(version).metadata["kernelspec"]["name"] == "python3"


def test_the_engagement_default_points_at_the_sample_from_the_built_folder():
    built = build_step(WORKSHOP / "source" / STEPS[0], NOTEBOOKS)
    cell = next(c for c in built.learner.cells if "parameters" in _tags(c))
    line = next(x for x in cell["source"].splitlines() if x.startswith("engagement"))
    default = json.loads(line.split("=", 1)[1].split("#")[0])
    assert (WORKSHOP / "learner" / default).resolve() == SAMPLE.resolve()


def test_the_lessons_learned_workshop_never_records():
    built = build_step(WORKSHOP / "source" / "04_lessons_learned.ipynb", NOTEBOOKS)
    cell = next(c for c in built.solution.cells if "parameters" in _tags(c))
    assert "record: bool = False" in cell["source"]


def test_editing_a_cell_and_rebuilding_changes_the_right_versions(tmp_path):
    real = _copy_notebooks(tmp_path)
    out = tmp_path / "built"
    # a real notebook's section cell: both versions follow
    nb = nbformat.read(real / "00_data_intake.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == "03b0cf56")
    cell["source"] = (
        "health = intake.source_health(sources)  # edited for the sync test\ncs.show(health)"
    )
    nbformat.write(nb, real / "00_data_intake.ipynb")
    # a workshop cell in the source: untagged goes to both, solution to one
    source_path = real / "workshop" / "source" / "00_data_intake.ipynb"
    source = nbformat.read(source_path, as_version=4)
    untagged = next(c for c in source.cells if c["cell_type"] == "markdown" and not _tags(c))
    untagged["source"] += "\n\nEDITED-IN-SOURCE"
    solution = next(c for c in source.cells if "solution" in _tags(c))
    solution["source"] += "  # EDITED-SOLUTION"
    nbformat.write(source, source_path)
    build_workshop(real / "workshop" / "source", real, out)
    before = {v: (WORKSHOP / v / "00_data_intake.ipynb").read_text() for v in VERSIONS}
    for version in VERSIONS:
        text = (out / version / "00_data_intake.ipynb").read_text()
        assert text != before[version]
        assert "edited for the sync test" in text
        assert "EDITED-IN-SOURCE" in text
    assert "EDITED-SOLUTION" in (out / "solution" / "00_data_intake.ipynb").read_text()
    assert "EDITED-SOLUTION" not in (out / "learner" / "00_data_intake.ipynb").read_text()


def test_an_include_of_a_missing_cell_names_it(tmp_path):
    real = _copy_notebooks(tmp_path)
    source_path = real / "workshop" / "source" / "00_data_intake.ipynb"
    source = nbformat.read(source_path, as_version=4)
    include = next(c for c in source.cells if "include" in c.metadata.get("workshop", {}))
    include.metadata["workshop"]["include"] = "03b0cf5X"
    nbformat.write(source, source_path)
    with pytest.raises(WorkshopError, match="03b0cf5X.*did you mean '03b0cf56'"):
        build_step(source_path, real)


def test_a_check_of_an_unknown_exercise_fails_the_build(tmp_path):
    real = _copy_notebooks(tmp_path)
    source_path = real / "workshop" / "source" / "02_prioritization.ipynb"
    source = nbformat.read(source_path, as_version=4)
    source.cells.append(nbformat.v4.new_code_cell('cs.exercises.check("02.9", answer)'))
    nbformat.write(source, source_path)
    with pytest.raises(WorkshopError, match="02.9"):
        build_step(source_path, real)


def test_cli_build_writes_both_versions(tmp_path, capsys):
    assert main(["workshop", "build", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.split()
    assert len(printed) == 2 * len(STEPS)
    assert all((tmp_path / v / s).is_file() for v in VERSIONS for s in STEPS)


# --- executed notebooks ---------------------------------------------------------------------


def _statuses(path: Path) -> dict[str, str]:
    found = {}
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get("application/json")
            if isinstance(data, dict) and "status" in data:
                found[data["exercise"]] = data["status"]
    return found


def _execute(notebook: Path, out: Path, **parameters) -> Path:
    papermill.execute_notebook(
        str(notebook),
        str(out),
        parameters={"interactive": False, **parameters},
        kernel_name="python3",
        cwd=str(notebook.parent),
        progress_bar=False,
    )
    return out


def _run_on_sample(version: str, step: str, tmp_path: Path) -> Path:
    """Execute one built notebook on a copy of the sample (its worksheet kept in tmp_path)."""
    engagement = shutil.copytree(SAMPLE.parent, tmp_path / "sample") / "engagement.yml"
    extra = {"output_dir": str(tmp_path / "worksheet")} if step.startswith("02") else {}
    return _execute(WORKSHOP / version / step, tmp_path / step, engagement=str(engagement), **extra)


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS)
def test_solution_notebooks_run_and_every_check_accepts_them(step, tmp_path):
    out = _run_on_sample("solution", step, tmp_path)
    assert _statuses(out) == {k: "correct" for k in _keys(step)}


@pytest.mark.slow
@pytest.mark.parametrize("step", STEPS)
def test_learner_notebooks_run_blank_and_every_check_is_not_answered_with_a_hint(step, tmp_path):
    out = _run_on_sample("learner", step, tmp_path)
    assert _statuses(out) == {k: "not answered" for k in _keys(step)}
    text = out.read_text(encoding="utf-8")
    assert text.count("not answered yet") >= len(_keys(step))
    assert text.count("Hint:") >= len(_keys(step))


@pytest.mark.slow
def test_workshop_new_prepares_the_notebooks_for_another_department(tmp_path, capsys):
    """`cs360 workshop new` on a department of another seed: papermill's injected parameters
    name its engagement, and the self-checks' answers come from its data."""
    from cs360lib.datasets.sampleton import make_department

    folder = tmp_path / "room"
    other = make_department(folder / "data", seed=7, scale=0.4)
    with open(other.parent / "incidents.csv.gz", "ab") as raw:  # noqa: PTH123
        import gzip

        with gzip.open(raw, "wt", encoding="utf-8") as handle:
            handle.write("X-1,2021-02-30 25:00:00,Street robbery,Robbery,East,E2,,,,,\n")
    assert main(["workshop", "new", str(folder), "--engagement", str(other)]) == 0
    written = capsys.readouterr().out.split()
    assert len(written) == 2 * len(STEPS) + 1
    for version in VERSIONS:
        for step in STEPS:
            nb = nbformat.read(folder / version / step, as_version=4)
            injected = [c for c in nb.cells if "injected-parameters" in _tags(c)]
            assert len(injected) == 1
            line = next(x for x in injected[0]["source"].splitlines() if "engagement" in x)
            value = json.loads(line.split("=", 1)[1])
            assert (folder / version / value).resolve() == other.resolve()
    out = _execute(folder / "solution" / STEPS[0], tmp_path / "executed.ipynb")
    assert _statuses(out) == {k: "correct" for k in _keys(STEPS[0])}
    # the sample's answer (3 set-aside rows) is wrong here: this department has 4
    import cs360lib as cs
    from cs360lib import exercises

    eng = cs.Engagement.load(other)
    ctx = exercises.WorkshopContext(eng, cs.load_engagement(eng))
    assert exercises.expected("00.2", ctx) == 4
    assert exercises.check("00.2", 3, context=ctx).status == "wrong"


def test_workshop_new_names_a_bad_engagement(tmp_path, capsys):
    assert main(["workshop", "new", str(tmp_path), "--engagement", str(tmp_path / "no.yml")]) == 1
    assert "no.yml" in capsys.readouterr().err


# --- the offline bundle ---------------------------------------------------------------------


def _no_network() -> list[str]:
    """Prefix that runs a command in a network namespace of its own, where available."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rn", "true"], check=False).returncode == 0:
        return [unshare, "-rn"]
    return []


@pytest.mark.slow
def test_the_bundle_installs_with_no_network(tmp_path):
    """Built fresh each run (about 25 s with a warm pip cache, 350 MB): no cache can pass it
    falsely. The install runs with --no-index, no find-links but the bundle, proxies that
    lead nowhere, and (where the machine allows) no network namespace at all."""
    bundle = build_bundle(tmp_path / "wheels")
    assert any(p.name.startswith("cs360lib-") for p in bundle.glob("*.whl"))
    assert "--no-index" in (bundle / "INSTALL.txt").read_text()
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    offline = {k: v for k, v in os.environ.items() if not k.upper().startswith(("PIP_", "UV_"))}
    offline.update(
        PIP_NO_INDEX="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        http_proxy="http://127.0.0.1:9",
        https_proxy="http://127.0.0.1:9",
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
    )
    install = [
        *_no_network(),
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-index",
        "--find-links",
        str(bundle),
        "cs360lib[workshop]",
    ]
    done = subprocess.run(install, env=offline, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    cli = subprocess.run(
        [str(env_dir / "bin" / "cs360"), "workshop", "--help"],
        env=offline,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert cli.returncode == 0 and "bundle" in cli.stdout
    probe = (
        "import cs360lib.exercises, cs360lib.workshop as w; "
        "print(len(list(w.source_dir().glob('*.ipynb'))))"
    )
    imported = subprocess.run(
        [str(python), "-c", probe], env=offline, capture_output=True, text=True, cwd=tmp_path
    )
    assert imported.returncode == 0, imported.stderr[-2000:]
    assert imported.stdout.strip() == str(len(STEPS))
    assert shutil.which("jupyter-lab", path=str(env_dir / "bin"))
    assert sys.executable != str(python)
