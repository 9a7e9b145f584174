"""The offline install bundle: a wheelhouse for rooms without internet.

``cs360 workshop bundle DIR`` runs ``pip wheel`` on the cs360 source checkout with its
``workshop`` extra (the library, its notebooks and workshop sources, and JupyterLab) under the
exact pins of ``constraints.txt``: ``DIR`` then holds a wheel of every package needed. On a
laptop with no network::

    python3.11 -m venv cs360-env
    cs360-env/bin/pip install --no-index --find-links DIR "cs360lib[workshop]"

(``pip install --no-index --find-links`` is pip's documented offline install: "Installing
from local packages", pip user guide). The wheels are for the platform and Python the bundle
was built on: build it on the kind of laptop the room has.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cs360lib
from cs360lib.workshop.build import WorkshopError

__all__ = ["EXTRA", "INSTALL", "build_bundle", "project_root"]

EXTRA = "workshop"
"""The optional-dependency group the bundle installs (JupyterLab for the notebooks)."""

INSTALL = (
    "Offline install of cs360 (no network needed):\n"
    "  python3 -m venv cs360-env\n"
    '  cs360-env/bin/pip install --no-index --find-links {folder} "cs360lib[{extra}]"\n'
    "  cs360-env/bin/cs360 workshop new my-workshop --engagement PATH/engagement.yml\n"
    "  cs360-env/bin/jupyter lab my-workshop/learner\n"
    "(Windows: cs360-env\\Scripts\\pip.exe and cs360-env\\Scripts\\cs360.exe.)\n"
    "Wheels are for {platform}, Python {python}.\n"
)


def project_root() -> Path:
    """Return the cs360 source checkout this package runs from.

    Returns
    -------
    Path
        The folder with ``pyproject.toml`` and ``constraints.txt``.

    Raises
    ------
    WorkshopError
        When cs360lib is installed from a wheel (the bundle is built from the checkout).
    """
    root = Path(cs360lib.__file__).resolve().parents[1]
    if not (root / "pyproject.toml").is_file() or not (root / "constraints.txt").is_file():
        raise WorkshopError(
            f"{root}: no pyproject.toml and constraints.txt here; build the bundle from a "
            "cs360 source checkout installed with `make install` (pip install -e)"
        )
    return root


def build_bundle(
    folder: str | os.PathLike[str],
    *,
    root: str | os.PathLike[str] | None = None,
    python: str | None = None,
) -> Path:
    """Build the wheelhouse for an offline install into ``folder``.

    Parameters
    ----------
    folder : path
        Where the wheels go (created).
    root : path, optional
        The cs360 source checkout; default :func:`project_root`.
    python : str, optional
        The interpreter whose pip builds the wheels; default the running one.

    Returns
    -------
    Path
        The folder; it also holds ``INSTALL.txt`` with the offline install commands.

    Raises
    ------
    WorkshopError
        When pip fails (its last lines are in the message).
    """
    source = Path(root) if root is not None else project_root()
    target = Path(folder).resolve()
    target.mkdir(parents=True, exist_ok=True)
    command = [
        python or sys.executable,
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--wheel-dir",
        str(target),
        "--constraint",
        str(source / "constraints.txt"),
        f"{source}[{EXTRA}]",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise WorkshopError(f"pip wheel failed building the bundle in {target}:\n{tail}")
    (target / "INSTALL.txt").write_text(
        INSTALL.format(
            folder=target,
            extra=EXTRA,
            platform=sys.platform,
            python=".".join(map(str, sys.version_info[:2])),
        ),
        encoding="utf-8",
    )
    return target
