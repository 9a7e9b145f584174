"""The wheel: built from the repository, installed in a fresh virtual environment, it runs.

Acceptance of the house issue: a wheel installed in a fresh virtual environment runs
``cs360 run`` on the sample engagement without ``--notebooks``, and carries its package
data (shipped mappings, report templates, the scaffold, the notebooks).

The environment is installed with ``pip install WHEEL -c constraints.txt``: the exact
versions the suite runs with, so pip's cache serves them on a machine that installed
the project before (CI included) and the check stays about the wheel, not about new
releases on PyPI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]

# what a clean checkout holds but a build must not copy (ignored by .gitignore, or git's)
IGNORED = (
    ".git",
    ".venv",
    "build",
    "dist",
    "reports",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".bench",
    "_data",
)


def _run(cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 900):
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert proc.returncode == 0, (
        f"{' '.join(cmd)} exited with {proc.returncode}\n"
        f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"
    )
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the repository (the checkout is left untouched)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*IGNORED))
    _run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-w", str(work)],
        cwd=work,
    )
    (built,) = work.glob("cs360lib-*.whl")
    return built


@pytest.mark.slow
def test_wheel_carries_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    package = REPO / "cs360lib"
    expected = {
        "cs360lib/config/scaffold/engagement.yml",
        "cs360lib/config/metrics.yml",
        *(f"cs360lib/data/mappings/{p.name}" for p in (package / "data/mappings").glob("*.yml")),
        *(
            p.relative_to(REPO).as_posix()
            for p in (package / "run/templates").rglob("*")
            if p.is_file()
        ),
    }
    assert len(expected) > 15  # the shipped mappings and both templates are there to check
    assert expected <= names, sorted(expected - names)
    notebooks = sorted(p for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert notebooks
    with zipfile.ZipFile(wheel) as archive:
        for nb in notebooks:
            assert archive.read(f"cs360lib/notebooks/{nb.name}") == nb.read_bytes(), nb.name
    # only the numbered notebooks of the sequence and the workshop sources (cs360 workshop
    # builds the learner and solution notebooks from them), nothing else of the repository
    workshop = sorted((REPO / "notebooks" / "workshop" / "source").glob("[0-9][0-9]_*.ipynb"))
    assert workshop
    assert {n for n in names if n.startswith("cs360lib/notebooks/")} == {
        *(f"cs360lib/notebooks/{nb.name}" for nb in notebooks),
        *(f"cs360lib/notebooks/workshop/source/{nb.name}" for nb in workshop),
    }
    assert not any(n.startswith(("tests/", "notebooks/", "data/")) for n in names)


@pytest.mark.slow
def test_installed_wheel_runs_the_sample_engagement(wheel: Path, tmp_path: Path) -> None:
    """Acceptance: a fresh venv with only the wheel runs ``cs360 run`` without --notebooks."""
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    bindir = venv / "bin"
    _run(
        [
            str(bindir / "python"),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
            "--no-compile",  # byte-compiling every dependency is half the install time
            str(wheel),
            "-c",
            str(REPO / "constraints.txt"),
        ],
        cwd=tmp_path,
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "JUPYTER_PATH")
    }
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_DATA_DIR"] = str(tmp_path / "jupyter")  # no user kernelspec can interfere
    sample = tmp_path / "sample"
    _run([str(bindir / "cs360"), "sample", "--out", str(sample)], cwd=tmp_path, env=env)
    reports = tmp_path / "reports"
    proc = _run(
        [str(bindir / "cs360"), "run", str(sample / "engagement.yml"), "--out", str(reports)],
        cwd=tmp_path,
        env=env,
    )
    folder = Path(proc.stdout.strip().splitlines()[-1])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "ok", manifest["error"]
    # the installed package ran, with the notebooks it carries
    site = next((venv / "lib").glob("python3*/site-packages"))
    assert manifest["options"]["notebooks_dir"] == str(site / "cs360lib" / "notebooks")
    assert Path(manifest["host"]["python"]).parent == bindir
    stems = [p.stem for p in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))]
    assert [nb["name"] for nb in manifest["notebooks"]] == stems
    assert all(nb["status"] == "ok" for nb in manifest["notebooks"])
    for stem in stems:
        for suffix in (".ipynb", ".html", ".analyst.html"):
            assert (folder / f"{stem}{suffix}").is_file(), stem + suffix
    assert (folder / "index.html").is_file()
    written = yaml.safe_load((sample / "engagement.yml").read_text())["sources"]
    assert [s["name"] for s in manifest["sources"]] == list(written)
    assert all(s["status"] == "ok" and s["rows_read"] > 0 for s in manifest["sources"])
