"""Kernels started ahead: each notebook of a run still has a fresh kernel of its own."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from conftest import FIXTURE_ENGAGEMENT, write_notebook

from cs360lib.run import engagement_run, kernels
from cs360lib.run.engagement_run import run_engagement
from cs360lib.run.forkserver import fork_available
from cs360lib.run.kernels import (
    ALWAYS_IMPORTED,
    SCRUBBER_MODULES,
    WarmKernel,
    warm_up_code,
    warm_up_modules,
)

PROBE = """\
import json, os, sys, warnings
warm = "cs360lib.publish.charts" in sys.modules
import cs360lib.publish.charts, cs360lib.publish.tables  # what the warm-up imported (filters)
import pandas as pd
print("PROBE " + json.dumps({
    "pid": os.getpid(),
    "warm": warm,
    "names": sorted(n for n in globals() if not n.startswith("_")),
    "leaked": "planted" in globals(),
    "max_rows": pd.get_option("display.max_rows"),
    "filters": [str(f) for f in warnings.filters],
    "history": list(In),
    "count": get_ipython().execution_count,
    "cwd": os.getcwd(),
    "path0": sys.path[0],
    "random": __import__("numpy").random.random(),
}))
"""
"""First cell after the parameters: what the kernel holds before the notebook does anything."""

DIRTY = """\
import warnings
import altair as alt
import cs360lib as cs
planted = 1
pd.set_option("display.max_rows", 3)
warnings.simplefilter("ignore")
alt.theme.enable("dark")
eng = cs.setup_notebook(engagement, interactive=False)
"""
"""What the first notebook leaves behind: a variable, an option, a filter, a theme, rules."""


def _notebook(path: Path, *cells: str) -> Path:
    return write_notebook(path, *cells)


def _manifest_parameters(result) -> dict:
    return json.loads(result.manifest_path.read_text())["parameters"]


def _code_cells(path: Path) -> list:
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def _probes(path: Path) -> list[dict]:
    nb = nbformat.read(path, as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("PROBE ")]


def _record_kernels(mp: pytest.MonkeyPatch) -> list[WarmKernel]:
    """Make the runner keep every kernel it starts ahead in the returned list."""
    started: list[WarmKernel] = []
    original = engagement_run.WarmKernel

    def recording(*args, **kwargs):
        started.append(original(*args, **kwargs))
        return started[-1]

    mp.setattr(engagement_run, "WarmKernel", recording)
    return started


@pytest.fixture(scope="module")
def isolation_run(tmp_path_factory: pytest.TempPathFactory):
    """Three notebooks: the first changes every kind of state, the next two probe for it."""
    folder = tmp_path_factory.mktemp("isolation")
    notebooks = folder / "notebooks"
    notebooks.mkdir()
    _notebook(notebooks / "00_dirty.ipynb", PROBE, DIRTY, "import cs360lib\ncs360lib.evaluate")
    _notebook(notebooks / "01_probe.ipynb", PROBE)
    _notebook(notebooks / "02_probe.ipynb", PROBE, "import altair as alt\nprint(alt.theme.active)")
    mp = pytest.MonkeyPatch()
    started = _record_kernels(mp)
    try:
        result = run_engagement(
            FIXTURE_ENGAGEMENT, out_dir=folder / "out", notebooks_dir=notebooks, progress=None
        )
    finally:
        mp.undo()
    # the same notebook executed by plain papermill (its own kernel, no warm-up): the reference
    import papermill as pm

    plain = folder / "plain.ipynb"
    pm.execute_notebook(
        str(notebooks / "01_probe.ipynb"),
        str(plain),
        parameters=_manifest_parameters(result),  # what the run gave its notebooks
        cwd=str(notebooks),
        progress_bar=False,
    )
    # plain kernels that first import what the fork server had imported when it forked the
    # kernels of 01 and 02: the modules of the setup and of 01, and those of 00 (cs.evaluate)
    # when 00's kernel was asked for first (the kernels of 00 and 01 start at the same time)
    probe_modules = warm_up_modules(notebooks / "01_probe.ipynb")
    after_00 = warm_up_modules(notebooks / "00_dirty.ipynb")
    after_00 += [m for m in probe_modules if m not in after_00]
    imports = []
    for i, imported in enumerate([probe_modules, after_00]):
        reference = _notebook(
            folder / f"imports{i}.ipynb",
            f"import cs360lib.run.kernels as _k\nexec(_k.warm_up_code({imported!r}), {{}})",
            PROBE,
        )
        pm.execute_notebook(
            str(reference),
            str(folder / f"imports{i}.out.ipynb"),
            parameters=_manifest_parameters(result),
            cwd=str(notebooks),
            progress_bar=False,
        )
        imports.append(_probes(folder / f"imports{i}.out.ipynb")[0]["filters"])
    return result, started, {**_probes(plain)[0], "path": plain, "imports": imports}


def test_every_notebook_runs_in_a_fresh_warm_kernel(isolation_run) -> None:
    result, started, plain = isolation_run
    assert result.ok, result.error
    probes = [_probes(result.report_dir / f"{nb.name}.ipynb")[0] for nb in result.notebooks]
    assert len({p["pid"] for p in probes}) == 3  # one kernel per notebook
    assert all(p["warm"] for p in probes) and not plain["warm"]  # imported ahead, not cold
    assert [k.nb_path.stem for k in started] == [nb.name for nb in result.notebooks]
    assert all(k.warm_up_error is None for k in started)
    if fork_available():  # forked from the run's fork server, not started as new processes
        assert all(k.forked for k in started)
    # numpy's global generator is seeded anew in each kernel, as in a fresh process
    assert len({p["random"] for p in probes}) == 3


def test_nothing_leaks_from_one_notebook_to_the_next(isolation_run) -> None:
    result, _, plain = isolation_run
    for name in ("01_probe", "02_probe"):
        (probe,) = _probes(result.report_dir / f"{name}.ipynb")
        assert not probe["leaked"]
        # the namespace, options and filters of a kernel that papermill started cold
        assert probe["names"] == plain["names"]
        assert probe["max_rows"] == plain["max_rows"] != 3
        # the filters of a kernel that imported the same libraries, in the same order
        references = plain["imports"] if fork_available() else [plain["filters"]]
        assert probe["filters"] in references
        assert "('ignore', None, <class 'Warning'>, None, 0)" not in probe["filters"]  # 00's
        # the warm-up counted no execution and left no history
        assert probe["count"] == plain["count"] and probe["history"] == plain["history"]
        assert probe["cwd"] == plain["cwd"]
        assert probe["path0"] == plain["path0"]  # the notebook's folder comes first, as there
        counts = [c.execution_count for c in _code_cells(result.report_dir / f"{name}.ipynb")]
        assert counts == list(range(1, len(counts) + 1))  # numbered from 1, as papermill does
        assert [c.execution_count for c in _code_cells(plain["path"])] == [1, 2, 3]
    theme = nbformat.read(result.report_dir / "02_probe.ipynb", as_version=4).cells[-1]
    assert "dark" not in theme.outputs[0]["text"]  # the theme of 00 did not carry over


def test_kernels_are_shut_down_after_the_run(isolation_run) -> None:
    from jupyter_core.utils import run_sync

    _, started, _ = isolation_run
    assert started and not any(run_sync(k.km.is_alive)() for k in started)


def test_warm_up_modules_of_a_notebook(tmp_path: Path) -> None:
    path = _notebook(
        tmp_path / "nb.ipynb",
        "import cs360lib as cs\nfrom cs360lib.steps import intake, plan\nimport numpy",
        "x = cs.evaluate.its\n%time y = 1",  # a magic: the cell is skipped, not an error
        "cs.show(cs.review.review)",
    )
    modules = warm_up_modules(path)
    assert modules[: len(ALWAYS_IMPORTED)] == list(ALWAYS_IMPORTED)
    assert "cs360lib.steps.intake" in modules and "cs360lib.steps.plan" in modules
    assert "numpy" not in modules  # only the library's own modules (and the scrubber's)
    # plan and review publish free text: the scrubber's modules are warmed too
    assert modules[-len(SCRUBBER_MODULES) :] == list(SCRUBBER_MODULES)
    assert "cs360lib.evaluate" not in modules  # its cell does not parse: skipped
    assert "cs360lib.steps.review" in modules  # cs.review -> its module


def test_a_notebook_without_free_text_is_not_warmed_with_the_scrubber(tmp_path: Path) -> None:
    path = _notebook(tmp_path / "nb.ipynb", "from cs360lib.steps import intake")
    assert not set(SCRUBBER_MODULES) & set(warm_up_modules(path))


def test_the_sample_notebooks_that_scrub_are_warmed_with_the_scrubber() -> None:
    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    warmed = {
        path.name[:2]
        for path in notebooks.glob("0*.ipynb")
        if set(SCRUBBER_MODULES) <= set(warm_up_modules(path))
    }
    # 01 (quotes), 03 (the plan) and 04 (the team's reasons) scrub free text; 00 and 02 do not
    assert warmed == {"01", "03", "04"}


def test_warm_up_code_binds_no_name_and_skips_what_fails() -> None:
    namespace: dict = {}
    exec(warm_up_code(["json", "no_such_module.sub", "cs360lib.steps.not_a_module"]), namespace)
    assert set(namespace) == {"__builtins__"}


def test_warm_up_imports_the_lazy_libraries_and_makes_the_calls_of_what_it_imported() -> None:
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from cs360lib.run.kernels import warm_up_code\n"
        "exec(warm_up_code({modules!r}), {{}})\n"
        "from cs360lib.steps.scanning import codebook\n"
        "print('great_tables' in sys.modules, 'esda' in sys.modules,"
        " codebook._shipped_codebook.cache_info().currsize)\n"
    )

    def warmed(modules: list[str]) -> str:
        code = probe.format(modules=modules)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return out.stdout.split()

    # notebook 02 (tables, the prioritization step: the codebooks are read and compiled ahead)
    tables, _, codebooks = warmed(["cs360lib.publish.tables", "cs360lib.steps.prioritize"])
    assert (tables, codebooks) == ("True", "2")
    # notebook 03's hot spots bring PySAL; nothing is imported for a module not imported
    assert warmed(["cs360lib.steps.problem_analysis"])[1] == "True"
    assert warmed(["json"]) == ["False", "False", "0"]


def test_a_run_with_fail_fast_shuts_the_next_kernel_down(tmp_path: Path, monkeypatch) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(notebooks / "00_fails.ipynb", "raise ValueError('first fails')")
    _notebook(notebooks / "01_never.ipynb", "print('never')")
    started = _record_kernels(monkeypatch)
    result = run_engagement(
        FIXTURE_ENGAGEMENT,
        out_dir=tmp_path / "out",
        notebooks_dir=notebooks,
        fail_fast=True,
        progress=None,
    )
    assert [nb.status for nb in result.notebooks] == ["failed", "skipped"]
    from jupyter_core.utils import run_sync

    assert len(started) == 2 and not any(run_sync(k.km.is_alive)() for k in started)
    assert kernels.WARM_UP_FUNCTION not in (result.report_dir / "00_fails.ipynb").read_text()


@pytest.mark.parametrize("at_once", [1, 2])
def test_a_run_that_cannot_start_stops_the_kernels_started_ahead(
    tmp_path: Path, monkeypatch, at_once: int
):
    from conftest import BROKEN_ENGAGEMENT, FIXTURE_NOTEBOOKS
    from jupyter_core.utils import run_sync

    started = _record_kernels(monkeypatch)
    result = run_engagement(
        BROKEN_ENGAGEMENT,
        out_dir=tmp_path,
        notebooks_dir=FIXTURE_NOTEBOOKS,
        progress=None,
        notebooks_at_once=at_once,
    )
    assert result.status == "failed"
    assert all(nb.status == "skipped" for nb in result.notebooks)
    # started during the pre-flight (the second too when two may run at once), which failed
    assert len(started) == min(at_once, len(result.notebooks))
    assert not any(run_sync(k.km.is_alive)() for k in started)
