"""``manifest.json``: what a run executed, on which data, with which software, and how it went.

One pydantic :class:`Manifest` describes every report folder, whether written by
:func:`cs360lib.run.engagement_run.run_engagement` or, for a run process that died,
by :func:`cs360lib.run.engagement_run.write_failure_record`; :meth:`Manifest.write`
is the one writer (atomic: a temporary file renamed over the old one). The layout
is documented in ``docs/reports.md``; :data:`MANIFEST_VERSION` changes only when a
key is removed or changes meaning (keys may be added within a version).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

import cs360lib
from cs360lib.data.loaders.cache import file_sha256
from cs360lib.errors import RunError
from cs360lib.run.execute import KERNEL_NAME, NotebookResult

if TYPE_CHECKING:
    from cs360lib.config.engagement import Engagement
    from cs360lib.data.loaders.sources import EngagementSources

__all__ = [
    "MANIFEST_VERSION",
    "EngagementRecord",
    "Host",
    "InputFile",
    "Manifest",
    "Parameters",
    "RunOptions",
    "SourceRecord",
    "describe_inputs",
    "file_digest",
    "package_versions",
]

MANIFEST_VERSION = 1
"""Version of the ``manifest.json`` layout."""

MANIFEST_NAME = "manifest.json"
"""File name of the manifest in a report folder."""

VERSION_PACKAGES: tuple[str, ...] = (
    "cs360lib",
    "pandas",
    "numpy",
    "pyarrow",
    "statsmodels",
    "scipy",
    "pandera",
    "pydantic",
    "pyyaml",
    "altair",
    "vl-convert-python",
    "papermill",
    "nbconvert",
    "nbclient",
    "nbformat",
    "ipykernel",
    "jupyter-client",
    "ipywidgets",
    "openpyxl",
    "jinja2",
)
"""Distributions whose versions are recorded in the manifest."""

RunStatus = Literal["running", "ok", "failed", "interrupted"]
"""Status of a run: ``running`` until it ends; ``interrupted`` only in a ``.partial`` folder."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EngagementRecord(_Record):
    """The engagement a run is for.

    Attributes
    ----------
    id : str
        The engagement id (or a slug of the file or folder name when the file could not
        be read).
    name : str or None
        Display name; ``None`` when the file could not be read.
    path : str
        The engagement file, absolute.
    department : str or None
        The department's name (``engagement.department``), for the reports' front page.
    """

    id: str
    name: str | None = None
    path: str
    department: str | None = None


class Parameters(_Record):
    """The papermill parameters every notebook of the run receives."""

    engagement: str
    interactive: bool = False
    chart_renderer: str = "svg"


class RunOptions(_Record):
    """The options of a run (``cs360 run`` command-line options)."""

    notebooks_dir: str
    only: list[str] | None = None
    timeout_s: float | None = None
    fail_fast: bool = False
    kernel_name: str = KERNEL_NAME
    pdf: bool = False
    notebooks_at_once: int = 1


class InputFile(_Record):
    """One file the engagement reads, fingerprinted."""

    path: str
    relative_path: str | None = None
    size: int
    sha256: str


class SourceRecord(_Record):
    """How one source of the engagement loaded in the run's pre-flight.

    Attributes
    ----------
    name, kind : str
        The source's name in the engagement file and its kind.
    status : {"ok", "failed", "empty", "mostly rejected"}
        Whether it loaded (``failed`` when not), and whether it yields usable rows:
        ``empty`` when no row loaded, ``mostly rejected`` when it rejected more than the
        engagement's ``analysis.max_rejected_share`` (both stop the run).
    rows_read, rows_loaded, rows_rejected : int or None
        Row counts (``rows_read == rows_loaded + rows_rejected``); ``None`` when it failed.
    mapping : str or None
        Name of the mapping used.
    error : str or None
        Why it could not be loaded, or why it yields no usable rows.
    first_date, last_date : str or None
        ISO dates of the first and last row in time (the kind's time column); ``None``
        for kinds without one or a source that failed.
    cache_key : str or None
        The key under which the pre-flight stored the source in the run's load cache
        (:func:`cs360lib.data.loaders.cache.source_key`); ``None`` when it was not stored.
    """

    name: str
    kind: str
    status: Literal["ok", "failed", "empty", "mostly rejected"]
    rows_read: int | None = None
    rows_loaded: int | None = None
    rows_rejected: int | None = None
    mapping: str | None = None
    error: str | None = None
    first_date: str | None = None
    last_date: str | None = None
    cache_key: str | None = None

    @classmethod
    def from_sources(cls, sources: EngagementSources) -> list[SourceRecord]:
        """Describe every source of a :func:`~cs360lib.data.loaders.sources.load_engagement`.

        Parameters
        ----------
        sources : EngagementSources
            Loaded with ``errors="collect"``.

        Returns
        -------
        list of SourceRecord
            One per source of the engagement, in the file's order.
        """
        frame = sources.to_frame().astype(object)
        frame = frame.where(frame.notna(), None)
        records = []
        for row in frame.to_dict(orient="records"):
            name = row.pop("source")
            first, last = _date_range(sources.get(name))
            records.append(cls(name=name, **row, first_date=first, last_date=last))
        return records


def _date_range(result: Any) -> tuple[str | None, str | None]:
    """ISO dates of the first and last row of a loaded source in time (None without)."""
    if result is None:
        return None, None
    from cs360lib.data.schemas import kind_info

    column = kind_info(result.kind).time
    data = result.data
    if column is None or column not in data.columns or data.empty:
        return None, None
    import pandas as pd

    times = pd.to_datetime(data[column], errors="coerce").dropna()
    if times.empty:
        return None, None
    return f"{times.min():%Y-%m-%d}", f"{times.max():%Y-%m-%d}"


class Host(_Record):
    """The machine and interpreter the run used."""

    platform: str = Field(default_factory=platform.platform)
    python: str = Field(default_factory=lambda: sys.executable)


class Manifest(_Record):
    """``manifest.json``: what a run executed, on which data, and how it went.

    Attributes
    ----------
    manifest_version : int
        :data:`MANIFEST_VERSION`.
    status : {"running", "ok", "failed", "interrupted"}
        ``ok`` only when every source loaded and every notebook succeeded.
    complete : bool
        True once the run finished, whatever its status.
    engagement : EngagementRecord
        Id, name and path of the engagement file.
    parameters : Parameters
        The papermill parameters.
    options : RunOptions or None
        Notebooks folder, ``only``, ``timeout_s``, ``fail_fast``, ``kernel_name``;
        ``None`` in a failure record written for a run process that died, when the
        batch did not know them.
    inputs : list of InputFile
        Every file the engagement reads, with size and sha256.
    sources : list of SourceRecord
        Every source with its row counts, or why it failed to load (pre-flight).
    versions : dict
        Python and package versions.
    host : Host
        Platform and interpreter.
    command : list of str
        The command line of the run.
    started_at, finished_at : datetime or None
        UTC times (ISO 8601 in the file).
    duration_s : float or None
        Wall-clock duration of the run.
    error : str or None
        Summary of what failed.
    notebooks : list of NotebookResult
        Per-notebook status, duration, error, reports (``reports["pdf"]`` is the PDF of
        the stakeholder report when one was printed).
    report_dir : str or None
        The final report folder.
    publishing : dict or None
        The engagement's publishing rules in force (``Publishing.model_dump``).
    """

    manifest_version: int = MANIFEST_VERSION
    status: RunStatus = "running"
    complete: bool = False
    engagement: EngagementRecord
    parameters: Parameters
    options: RunOptions | None = None
    inputs: list[InputFile] = Field(default_factory=list)
    sources: list[SourceRecord] = Field(default_factory=list)
    versions: dict[str, str | None] = Field(default_factory=lambda: package_versions())
    host: Host = Field(default_factory=Host)
    command: list[str] = Field(default_factory=lambda: list(sys.argv))
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    duration_s: float | None = None
    error: str | None = None
    notebooks: list[NotebookResult] = Field(default_factory=list)
    report_dir: str | None = None
    publishing: dict[str, Any] | None = None

    @field_serializer("started_at", "finished_at")
    def _iso(self, value: dt.datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    def to_dict(self) -> dict[str, Any]:
        """Return the manifest as the JSON-ready dict written to ``manifest.json``."""
        return self.model_dump(mode="json")

    def write(self, folder: str | os.PathLike[str]) -> Path:
        """Write ``manifest.json`` into a folder, atomically.

        Parameters
        ----------
        folder : path
            The report folder (or its ``.partial`` folder).

        Returns
        -------
        Path
            The manifest file. A temporary file is written and renamed over it, so a
            reader never sees half a manifest.
        """
        path = Path(folder) / MANIFEST_NAME
        part = path.with_name(path.name + ".tmp")
        part.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")
        os.replace(part, path)
        return path

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Manifest:
        """Read a ``manifest.json`` (or the report folder holding it).

        Parameters
        ----------
        path : path
            The manifest file, or its report folder.

        Returns
        -------
        Manifest
            The validated manifest.

        Raises
        ------
        pydantic.ValidationError
            If the file does not follow this layout version.
        """
        path = Path(path)
        if path.is_dir():
            path = path / MANIFEST_NAME
        return cls.model_validate_json(path.read_text(encoding="utf-8"))


def file_digest(path: str | os.PathLike[str]) -> tuple[int, str]:
    """Return the size in bytes and the sha256 hex digest of a file.

    Parameters
    ----------
    path : path
        File to hash.

    Returns
    -------
    tuple of (int, str)
        Size and digest.
    """
    return os.path.getsize(path), file_sha256(path)


def package_versions(packages: Sequence[str] = VERSION_PACKAGES) -> dict[str, str | None]:
    """Return the Python version and installed versions of the given distributions.

    Parameters
    ----------
    packages : sequence of str
        Distribution names; missing ones map to ``None``.

    Returns
    -------
    dict
        ``{"python": "3.11.7", "pandas": "2.2.3", ...}``.
    """
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = getattr(cs360lib, "__version__", None) if name == "cs360lib" else None
    return versions


def describe_inputs(engagement: Engagement, *, missing_ok: bool = False) -> list[InputFile]:
    """Fingerprint every file an engagement reads.

    Parameters
    ----------
    engagement : Engagement
        A loaded engagement.
    missing_ok : bool, default False
        Describe the files that exist and leave out the others, instead of raising
        (for the manifest of a run that already failed).

    Returns
    -------
    list of InputFile
        Path, path relative to the engagement's folder (``None`` outside it), size
        and sha256 of each file of :meth:`Engagement.input_files`.

    Raises
    ------
    EngagementError
        If a source matches no file (the message names the source).
    RunError
        If files are missing; the message lists them.
    """
    files = [Path(p) for p in engagement.input_files(missing_ok=missing_ok)]
    missing = [p for p in files if not p.is_file()]
    if missing and not missing_ok:
        listed = ", ".join(str(p) for p in missing)
        raise RunError(f"input file(s) missing for engagement {engagement.id}: {listed}")
    root = engagement.root.resolve()
    described = []
    for p in files:
        if not p.is_file():
            continue
        size, sha = file_digest(p)
        try:
            rel: str | None = str(p.resolve().relative_to(root))
        except ValueError:
            rel = None
        described.append(InputFile(path=str(p), relative_path=rel, size=size, sha256=sha))
    return described
