"""Prepare a workshop folder for one engagement: ``cs360 workshop new DIR --engagement PATH``.

The learner and solution versions are built afresh from the workshop sources and the real
notebooks (so a folder never carries stale copies), then parameterised for the engagement
with papermill's prepare-only mode (``papermill.execute_notebook(..., prepare_only=True)``:
the parameters are injected as papermill does for a run, and nothing is executed). The
self-checks compute their expected answers from that engagement's data when the learners run
the notebooks, so the folder works for any department.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import papermill

from cs360lib.config.engagement import Engagement
from cs360lib.run.execute import default_notebooks_dir
from cs360lib.workshop.build import VERSIONS, WorkshopError, build_step, write_notebook

__all__ = ["KERNEL", "new_workshop", "source_dir"]

KERNEL = "python3"
"""The kernel the notebooks name (automation always names it, docs/architecture.md)."""

README = """# CompStat360 workshop: {name}

Prepared by `cs360 workshop new` for the engagement `{engagement}`.

- `learner/`: the notebooks the participants work in. Start JupyterLab in this folder
  (`jupyter lab learner`) and open `00_data_intake.ipynb`. Run each notebook from the top.
- `solution/`: the same notebooks with every exercise answered, for the facilitator.

Each exercise ends with a self-check (`cs.exercises.check(...)`): it says whether the answer
is right and gives a hint, computed from this engagement's data. The facilitator guide is
`docs/workshop.md` in the cs360 repository.
"""


def source_dir(real_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder of the workshop sources next to the real notebooks.

    Parameters
    ----------
    real_dir : path, optional
        Folder of the real notebooks; default the ones ``cs360 run`` uses
        (:func:`cs360lib.run.execute.default_notebooks_dir`).

    Returns
    -------
    Path
        ``<real_dir>/workshop/source``.
    """
    base = Path(real_dir) if real_dir is not None else default_notebooks_dir()
    return base / "workshop" / "source"


def new_workshop(
    directory: str | os.PathLike[str],
    engagement: str | os.PathLike[str],
    *,
    real_dir: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Write ``learner/`` and ``solution/`` notebooks prepared for one engagement.

    Parameters
    ----------
    directory : path
        The workshop folder (created; existing notebooks of the same names are replaced).
    engagement : path
        The engagement file. Written into the notebooks relative to them when it lies inside
        ``directory`` (the folder can then be moved with its data), else as an absolute path.
    real_dir : path, optional
        Folder of the real notebooks (default: the ones ``cs360 run`` uses); the sources are
        in its ``workshop/source``.

    Returns
    -------
    list of Path
        The prepared notebooks, and the folder's ``README.md`` last.

    Raises
    ------
    cs360lib.errors.EngagementError
        When the engagement file cannot be read.
    WorkshopError
        When the sources cannot be built.
    """
    target = Path(directory).resolve()
    engagement_path = Path(engagement).resolve()
    loaded = Engagement.load(engagement_path)  # fails early, naming the file and the key
    base = Path(real_dir) if real_dir is not None else default_notebooks_dir()
    sources = sorted(source_dir(base).glob("[0-9][0-9]_*.ipynb"))
    if not sources:
        raise WorkshopError(f"{source_dir(base)}: no workshop sources to prepare")
    steps = [build_step(path, base, target) for path in sources]
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="cs360-workshop-") as scratch:
        for step in steps:
            for version in VERSIONS:
                folder = target / version
                folder.mkdir(parents=True, exist_ok=True)
                inside = target in engagement_path.parents
                value = (
                    Path(os.path.relpath(engagement_path, folder)).as_posix()
                    if inside
                    else str(engagement_path)
                )
                plain = write_notebook(step.version(version), Path(scratch) / version / step.name)
                out = folder / step.name
                papermill.execute_notebook(
                    str(plain),
                    str(out),
                    parameters={"engagement": value},
                    prepare_only=True,
                    kernel_name=KERNEL,
                    progress_bar=False,
                )
                written.append(out)
    readme = target / "README.md"
    readme.write_text(README.format(name=loaded.name, engagement=engagement_path), encoding="utf-8")
    written.append(readme)
    return written
