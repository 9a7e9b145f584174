"""Build the learner and solution notebooks of the workshop from one source per step.

A workshop source (``notebooks/workshop/source/NN_name.ipynb``) is a notebook of two kinds of
cells:

- **include cells**: raw cells whose metadata ``workshop.include`` names a cell id of the real
  notebook (``workshop.notebook`` in the source's notebook metadata), optionally with
  ``workshop.through``, the id of the last cell of a run to include. The build pulls the real
  notebook's *current* cells in, so a change in a real notebook flows into both versions and
  the workshop never holds a second copy that could drift;
- **workshop cells**: the objectives, timings, exercises and self-checks, with cell tags that
  decide which version carries them: ``solution`` (solution only), ``exercise`` and ``hint``
  (learner only); an untagged cell goes to both.

So the two versions are the same notebook apart from the tagged cells (:func:`untagged_cells`
proves it in the tests). The ``engagement`` parameter's default is rewritten to point, from
the built notebook's folder, at the file the real notebook's default points at; the source's
``workshop.parameters`` change other defaults (``record: false``, so that a workshop never
writes the engagement's lessons-learned log).

The layout of a source follows nbgrader's idea of one annotated notebook that generates the
student version (Jupyter Development Team, nbgrader documentation, "Creating and grading
assignments"), with cell tags as in Jupyter Book's tag conventions.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from cs360lib.errors import Cs360Error
from cs360lib.exercises import EXERCISES

__all__ = [
    "VERSIONS",
    "VERSION_TAGS",
    "BuiltStep",
    "WorkshopError",
    "build_step",
    "build_workshop",
    "read_notebook",
    "untagged_cells",
    "write_notebook",
]

VERSIONS = ("learner", "solution")
"""The two versions of each step."""

VERSION_TAGS: dict[str, frozenset[str]] = {
    "learner": frozenset({"exercise", "hint"}),
    "solution": frozenset({"solution"}),
}
"""Cell tags carried only by one version; a cell with none of them goes to both."""

TAGGED = frozenset().union(*VERSION_TAGS.values())
"""Every tag that puts a cell in one version only."""

_CHECK = re.compile(r"""exercises\.(?:check|ask)\(\s*["']([^"']+)["']""")
_PARAMETER = r"^({name}\s*:\s*[\w\[\], |]+?\s*=\s*)(.+?)(\s+#.*)?$"


class WorkshopError(Cs360Error, ValueError):
    """A workshop source that cannot be built (a cell id not in the real notebook, ...)."""


@dataclass(frozen=True)
class BuiltStep:
    """The two versions of one step, built in memory.

    Attributes
    ----------
    name : str
        File name (``00_data_intake.ipynb``).
    learner, solution : nbformat.NotebookNode
    exercises : tuple of str
        The exercise keys the step checks.
    """

    name: str
    learner: Any
    solution: Any
    exercises: tuple[str, ...]

    def version(self, which: str) -> Any:
        """Return the ``learner`` or ``solution`` notebook."""
        return {"learner": self.learner, "solution": self.solution}[which]


def read_notebook(path: str | os.PathLike[str]) -> Any:
    """Read a notebook as nbformat 4 (ids required by the build: nbformat 4.5).

    Parameters
    ----------
    path : path

    Returns
    -------
    nbformat.NotebookNode

    Raises
    ------
    WorkshopError
        When the file is missing or not a notebook.
    """
    try:
        return nbformat.read(str(path), as_version=4)
    except (OSError, ValueError) as error:
        raise WorkshopError(f"{path}: cannot read the notebook ({error})") from error


def write_notebook(notebook: Any, path: str | os.PathLike[str]) -> Path:
    """Write a notebook as nbformat writes it (stable: sorted keys, one-space indent).

    Parameters
    ----------
    notebook : nbformat.NotebookNode
    path : path

    Returns
    -------
    Path
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(target))
    return target


def _tags(cell: Mapping[str, Any]) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _clean(cell: Any) -> Any:
    cell = copy.deepcopy(cell)
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
    cell.get("metadata", {}).pop("execution", None)
    return cell


def _literal(value: Any) -> str:
    if isinstance(value, bool | int | float) or value is None:
        return repr(value)
    return json.dumps(str(value))


def _set_default(source: str, name: str, value: str, where: str) -> str:
    pattern = re.compile(_PARAMETER.format(name=re.escape(name)), re.MULTILINE)
    if not pattern.search(source):
        raise WorkshopError(
            f"{where}: the parameters cell has no `{name}: type = value` line to set; "
            "check workshop.parameters in the source's notebook metadata"
        )
    return pattern.sub(lambda m: f"{m.group(1)}{value}{m.group(3) or ''}", source, count=1)


def _engagement_default(source: str, real_dir: Path, out_dir: Path, where: str) -> str:
    pattern = re.compile(_PARAMETER.format(name="engagement"), re.MULTILINE)
    found = pattern.search(source)
    if not found:
        raise WorkshopError(f"{where}: the real notebook's parameters cell has no `engagement`")
    try:
        default = json.loads(found.group(2))
    except json.JSONDecodeError as error:
        raise WorkshopError(f"{where}: the engagement default is not a string literal") from error
    target = os.path.normpath(real_dir / default)
    relative = Path(os.path.relpath(target, out_dir)).as_posix()
    return _set_default(source, "engagement", json.dumps(relative), where)


def _include(cell: Any, real: Any, real_name: str, where: str) -> list[Any]:
    spec = cell["metadata"]["workshop"]
    ids = [c.get("id") for c in real.cells]
    first, last = spec["include"], spec.get("through", spec["include"])
    for wanted in (first, last):
        if wanted not in ids:
            close = difflib.get_close_matches(str(wanted), [str(i) for i in ids], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise WorkshopError(
                f"{where}: includes cell {wanted!r} of {real_name}, which has no such cell"
                f"{hint}; the real notebook's cell ids are in its JSON (nbformat 4.5)"
            )
    start, stop = ids.index(first), ids.index(last)
    if stop < start:
        raise WorkshopError(
            f"{where}: `through` cell {last!r} comes before {first!r} in {real_name}"
        )
    return [_clean(c) for c in real.cells[start : stop + 1]]


def build_step(
    source_path: str | os.PathLike[str],
    real_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
) -> BuiltStep:
    """Build the learner and solution versions of one step from its source.

    Parameters
    ----------
    source_path : path
        The workshop source notebook.
    real_dir : path
        Folder of the real CS360 notebooks the source includes cells from.
    out_dir : path, optional
        Folder of the built versions' parent (``learner/`` and ``solution/`` are inside it):
        the ``engagement`` default is made relative to ``out_dir/learner``. Default: the
        source's parent's parent (``notebooks/workshop``).

    Returns
    -------
    BuiltStep

    Raises
    ------
    WorkshopError
        For a source without ``workshop.notebook``, an include of a cell id the real
        notebook lacks, a parameter default that cannot be set, an exercise key that
        :data:`cs360lib.exercises.EXERCISES` does not know, or cell ids that clash.
    """
    source_path = Path(source_path)
    real_dir = Path(real_dir)
    out_dir = Path(out_dir) if out_dir is not None else source_path.resolve().parent.parent
    source = read_notebook(source_path)
    meta = source.metadata.get("workshop", {})
    real_name = meta.get("notebook")
    if not real_name:
        raise WorkshopError(
            f"{source_path}: the notebook metadata has no workshop.notebook (the real "
            "notebook whose cells it includes)"
        )
    real = read_notebook(real_dir / real_name)
    versions: dict[str, list[Any]] = {v: [] for v in VERSIONS}
    keys: list[str] = []
    for number, cell in enumerate(source.cells, start=1):
        where = f"{source_path} cell {number} ({cell.get('id')})"
        if "include" in cell.get("metadata", {}).get("workshop", {}):
            included = _include(cell, real, real_name, where)
            for piece in included:
                if "parameters" in _tags(piece):
                    text = _engagement_default(
                        piece["source"], real_dir.resolve(), out_dir.resolve() / "learner", where
                    )
                    for name, value in meta.get("parameters", {}).items():
                        text = _set_default(text, name, _literal(value), where)
                    piece["source"] = text
            for version in VERSIONS:
                versions[version] += copy.deepcopy(included)
            continue
        keys += _CHECK.findall(cell.get("source", ""))
        tags = _tags(cell)
        for version in VERSIONS:
            others = TAGGED - VERSION_TAGS[version]
            if not tags & others:
                versions[version].append(_clean(cell))
    unknown = sorted(set(keys) - set(EXERCISES))
    if unknown:
        raise WorkshopError(
            f"{source_path}: checks exercises {', '.join(unknown)}, which "
            f"cs360lib.exercises does not define (it has {', '.join(EXERCISES)})"
        )
    built = {}
    for version in VERSIONS:
        ids = [c.get("id") for c in versions[version]]
        clash = sorted({i for i in ids if ids.count(i) > 1})
        if clash:
            raise WorkshopError(f"{source_path}: cell ids {clash} occur twice in the {version}")
        notebook = nbformat.v4.new_notebook(cells=versions[version])
        notebook.metadata = copy.deepcopy(real.metadata)
        notebook.metadata["workshop"] = {
            "version": version,
            "source": source_path.name,
            "notebook": real_name,
            "generated": "by `cs360 workshop build`: edit the source, not this file",
        }
        notebook.nbformat, notebook.nbformat_minor = 4, 5
        nbformat.validate(notebook)
        built[version] = notebook
    return BuiltStep(
        source_path.name, built["learner"], built["solution"], tuple(dict.fromkeys(keys))
    )


def _sources(source_dir: Path) -> list[Path]:
    found = sorted(source_dir.glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise WorkshopError(f"{source_dir}: no NN_*.ipynb workshop sources")
    return found


def build_workshop(
    source_dir: str | os.PathLike[str],
    real_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    only: Iterable[str] | None = None,
) -> list[Path]:
    """Build every step's learner and solution versions into ``out_dir``.

    Parameters
    ----------
    source_dir : path
        Folder of the workshop sources (``notebooks/workshop/source``).
    real_dir : path
        Folder of the real notebooks (``notebooks``).
    out_dir : path
        Where ``learner/`` and ``solution/`` are written (``notebooks/workshop``). The
        ``engagement`` default is made relative to the sources' own workshop folder (the
        parent of ``source_dir``), so the build gives the same files wherever it writes.
    only : iterable of str, optional
        Build only these sources (file names).

    Returns
    -------
    list of Path
        The written notebooks, learner then solution for each step.

    Raises
    ------
    WorkshopError
        As :func:`build_step`; nothing is written unless every step builds.
    """
    out = Path(out_dir)
    steps = [
        build_step(path, real_dir)
        for path in _sources(Path(source_dir))
        if only is None or path.name in set(only)
    ]
    written = []
    for step in steps:
        for version in VERSIONS:
            written.append(write_notebook(step.version(version), out / version / step.name))
    return written


def untagged_cells(notebook: Any) -> list[dict[str, Any]]:
    """Return a notebook's cells without the version-only ones, for comparing versions.

    Parameters
    ----------
    notebook : nbformat.NotebookNode

    Returns
    -------
    list of dict
        ``cell_type``, ``id``, ``source`` and ``tags`` of every cell that carries no tag of
        :data:`VERSION_TAGS`.
    """
    return [
        {
            "cell_type": c["cell_type"],
            "id": c.get("id"),
            "source": c["source"],
            "tags": sorted(_tags(c)),
        }
        for c in notebook.cells
        if not _tags(c) & TAGGED
    ]
