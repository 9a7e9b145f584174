"""Begin a run before the library is imported: its name, its folder, its first kernel.

The first notebook of a run waits for its kernel: a process starts, imports ``cs360lib`` with
pandas, pandera and Altair, and warms up (:mod:`cs360lib.run.kernels`), about 3 s on the
machine of ``docs/performance.md``. The runner process needs the same libraries for the
pre-flight (about 1.2 s to import). ``cs360 run`` therefore calls :func:`begin_run` before it
imports the runner (:mod:`cs360lib.run.engagement_run`): the kernel starts at once and the two
imports overlap on two cores instead of following each other. This module imports only the
standard library, PyYAML, the slug rule, the notebooks' discovery and the kernels' module
(``import cs360lib`` itself imports nothing heavy).

The report folder's name needs the engagement id before the engagement is validated:
:func:`report_folder_id` reads it from the YAML (the id of a valid engagement, which
``engagement.id`` requires to be a slug, so the same name), or, for a file that cannot be read,
derives it from the file name, as the failure record always did.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from cs360lib.config.slug import slugify
from cs360lib.data.cache_env import CACHE_ENV, NOTEBOOK_ENV
from cs360lib.errors import RunError
from cs360lib.run.execute import KERNEL_NAME, discover_notebooks
from cs360lib.run.forkserver import KernelForkServer, fork_available
from cs360lib.run.kernels import ALWAYS_IMPORTED, WarmKernel
from cs360lib.run.progress import utc_now

__all__ = [
    "DEFAULT_OUT",
    "LOAD_CACHE_DIR",
    "RunStart",
    "begin_run",
    "kernel_environment",
    "partial_folder",
    "report_folder_id",
    "start_fork_server",
]

DEFAULT_OUT = Path("reports")
"""Default reports folder (relative to the current directory)."""

LOAD_CACHE_DIR = ".load-cache"
"""Folder of the run folder holding the loaded sources while the run lasts."""


@dataclass
class RunStart:
    """A run named, its hidden folder made and, perhaps, its first kernel started.

    Attributes
    ----------
    engagement : Path
        The engagement file, resolved (it may be missing or invalid).
    out_dir : Path
        The reports root, resolved.
    started_at : datetime.datetime
        When the run started (UTC); ``clock`` is the same instant on ``time.perf_counter``.
    clock : float
        ``time.perf_counter()`` at the start, for the run's duration.
    timestamp : str
        The report folder's name, ``YYYYmmddTHHMMSSZ`` by default.
    folder_id : str
        The engagement's report folder under ``out_dir`` (:func:`report_folder_id`).
    partial : Path
        The hidden folder the run writes into, ``<out>/<id>/.<timestamp>.partial-<pid>-...``.
    notebooks : list of Path
        The notebooks to execute; empty when ``notebooks_error`` says why.
    notebooks_error : str or None
        Why the notebooks could not be listed (:class:`~cs360lib.errors.RunError`).
    first_kernel : WarmKernel or None
        The first notebook's kernel, started and warming up; ``None`` when not asked for,
        when there is no notebook or no engagement file, or when it could not start (the
        runner then starts one itself).
    fork_server : KernelForkServer or None
        The run's fork server (:mod:`cs360lib.run.forkserver`), from which the kernels are
        forked; ``None`` where it cannot run (the kernels then start as new processes).
    """

    engagement: Path
    out_dir: Path
    started_at: dt.datetime
    clock: float
    timestamp: str
    folder_id: str
    partial: Path
    notebooks: list[Path]
    notebooks_error: str | None = None
    first_kernel: WarmKernel | None = None
    fork_server: KernelForkServer | None = None

    @property
    def cache_folder(self) -> Path:
        """The run's load cache (:data:`LOAD_CACHE_DIR` of the hidden folder)."""
        return self.partial / LOAD_CACHE_DIR

    def abandon(self) -> None:
        """Stop the first kernel and the fork server; remove the hidden folder if empty.

        For a caller interrupted between :func:`begin_run` and the run (Ctrl-C while the
        runner imports). Never raises.
        """
        if self.first_kernel is not None:
            self.first_kernel.shutdown()
            self.first_kernel = None
        self.close_fork_server()
        with contextlib.suppress(OSError):
            if not any(self.partial.iterdir()):
                shutil.rmtree(self.partial)

    def close_fork_server(self) -> None:
        """Close the fork server, which stops any kernel forked from it (never raises)."""
        if self.fork_server is not None:
            with contextlib.suppress(Exception):
                self.fork_server.close()
            self.fork_server = None


def kernel_environment(cache_folder: Path, nb_path: Path) -> dict[str, str]:
    """Return the variables a run's kernel gets: its load cache and its notebook's name.

    Parameters
    ----------
    cache_folder : Path
        The run's load cache (:attr:`RunStart.cache_folder`).
    nb_path : Path
        The notebook the kernel executes.

    Returns
    -------
    dict of str to str
        :data:`~cs360lib.data.cache_env.CACHE_ENV` and
        :data:`~cs360lib.data.cache_env.NOTEBOOK_ENV`.
    """
    return {CACHE_ENV: str(cache_folder), NOTEBOOK_ENV: nb_path.stem}


def begin_run(
    engagement: str | os.PathLike[str],
    *,
    out_dir: str | os.PathLike[str] = DEFAULT_OUT,
    notebooks_dir: str | os.PathLike[str] | None = None,
    only: Iterable[str] | None = None,
    timestamp: str | None = None,
    start_kernel: bool = True,
    fork_kernels: bool = True,
) -> RunStart:
    """Name a run, make its hidden folder and start its first notebook's kernel.

    Parameters
    ----------
    engagement : path
        The engagement YAML file (not validated here).
    out_dir, notebooks_dir, only, timestamp
        As in :func:`~cs360lib.run.engagement_run.run_engagement`, which must be given the
        same values with the returned object.
    start_kernel : bool, default True
        Start the first notebook's kernel now (:class:`~cs360lib.run.kernels.WarmKernel`),
        when there is a notebook and the engagement file exists.
    fork_kernels : bool, default True
        Start the run's fork server (:func:`start_fork_server`), from which its kernels are
        forked, when there is a notebook and the engagement file exists.

    Returns
    -------
    RunStart
        Hand it to :func:`~cs360lib.run.engagement_run.run_engagement` (``start=``); call
        :meth:`RunStart.abandon` if the run will not happen.

    Raises
    ------
    OSError
        If the hidden folder cannot be made under ``out_dir``.
    """
    clock = time.perf_counter()
    started_at = utc_now()
    eng_path = Path(engagement).expanduser().resolve()
    out = Path(out_dir).expanduser().resolve()
    folder_id = report_folder_id(eng_path)
    ts = timestamp or started_at.strftime("%Y%m%dT%H%M%SZ")
    partial = partial_folder(out / folder_id, ts)
    start = RunStart(eng_path, out, started_at, clock, ts, folder_id, partial, [])
    try:
        start.notebooks = discover_notebooks(notebooks_dir, only)
    except RunError as exc:
        start.notebooks_error = str(exc)
    if not (start.notebooks and eng_path.is_file()):
        return start
    if fork_kernels:
        start.fork_server = start_fork_server()
    if start_kernel:
        first = start.notebooks[0]
        with contextlib.suppress(Exception):  # the runner starts one itself, and reports
            start.first_kernel = WarmKernel(
                first,
                kernel_environment(start.cache_folder, first),
                fork_server=start.fork_server,
            )
    return start


def start_fork_server(kernel_name: str = KERNEL_NAME) -> KernelForkServer | None:
    """Start a fork server for the kernels of ``kernel_name``, where one can run.

    Parameters
    ----------
    kernel_name : str, default "python3"
        The kernelspec the run's kernels use; its command must be ``<python and options>
        -m ipykernel_launcher ...``, and the server runs with the same Python and options.

    Returns
    -------
    KernelForkServer or None
        The server, already importing the modules of every notebook's setup
        (:data:`~cs360lib.run.kernels.ALWAYS_IMPORTED`); ``None`` without ``fork`` (not
        POSIX, or macOS, where forking a process that imported these libraries is unsafe),
        for another kind of kernel command, or if the server could not start.
    """
    if not fork_available():
        return None
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        argv = KernelSpecManager().get_kernel_spec(kernel_name).argv
        at = argv.index("-m")
        if argv[at + 1] != "ipykernel_launcher":
            return None
        return KernelForkServer(argv[:at], modules=ALWAYS_IMPORTED)
    except Exception:  # noqa: BLE001 - the kernels start as new processes
        return None


def partial_folder(base: Path, ts: str) -> Path:
    """Create the hidden folder a run writes into before it is published.

    Parameters
    ----------
    base : Path
        The engagement's folder under the reports root (created if missing).
    ts : str
        The run's time stamp.

    Returns
    -------
    Path
        A new folder ``<base>/.<ts>.partial-<pid>-<random>``.
    """
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{ts}.partial-{os.getpid()}-", dir=base))


def report_folder_id(path: str | os.PathLike[str]) -> str:
    """Name the report folder of an engagement file, before or without validating it.

    Parameters
    ----------
    path : path
        The engagement file (it may be missing or invalid).

    Returns
    -------
    str
        The file's ``engagement.id`` when the YAML can be read, else the file's stem,
        or its folder's name when the file is called ``engagement.yml``; always as a
        slug (:func:`cs360lib.config.slug.slugify`), ``"engagement"`` when empty.
    """
    path = Path(path)
    with contextlib.suppress(OSError, ValueError, yaml.YAMLError):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        info = data.get("engagement") if isinstance(data, dict) else None
        if isinstance(info, dict) and info.get("id") and slugify(str(info["id"])):
            return slugify(str(info["id"]))
    stem = path.parent.name if path.stem in ("engagement", "") else path.stem
    return slugify(stem) or "engagement"
