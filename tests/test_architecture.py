"""The one-way rule of docs/architecture.md, checked by import-linter (.importlinter)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
MAX_MODULE_LINES = 800


def _lint(package_parent: Path) -> subprocess.CompletedProcess[str]:
    if not LINT_IMPORTS.exists():
        pytest.skip(f"import-linter is not installed next to {sys.executable}")
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(CONFIG), "--no-cache"],
        cwd=package_parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_package_keeps_its_layers():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("scratch", "back_import", "message"),
    [
        ("data/_scratch.py", "import cs360lib.run.runner", "cs360lib.data is not allowed"),
        (
            "publish/_scratch.py",
            "from cs360lib.steps import intake",
            "cs360lib.publish is not allowed",
        ),
        ("data/_scratch.py", "import cs360lib.evaluate", "cs360lib.data is not allowed"),
    ],
)
def test_a_back_import_breaks_the_contract(tmp_path, scratch, back_import, message):
    """A deliberate import from a higher layer makes `lint-imports` (and so `make lint`) fail."""
    shutil.copytree(
        ROOT / "cs360lib", tmp_path / "cs360lib", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / "cs360lib" / scratch).write_text(f"{back_import}  # deliberate back-import\n")
    result = _lint(tmp_path)
    assert result.returncode != 0, result.stdout
    assert message in result.stdout
    assert "_scratch" in result.stdout


def test_no_module_passes_about_800_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in (ROOT / "cs360lib").rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these modules (more than {MAX_MODULE_LINES} lines): {long}"
