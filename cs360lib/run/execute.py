"""The notebooks of the CS360 sequence, and the papermill execution of one of them.

:func:`discover_notebooks` finds the ``NN_name.ipynb`` notebooks (shipped with the
package, or the repository's ``notebooks/`` in an editable install);
:func:`execute_notebook` runs one with papermill and records its status, error and
traceback in a :class:`NotebookResult`, adding a banner to the saved notebook when
papermill could not; :func:`export_notebook` writes its offline HTML reports.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import threading
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import cs360lib
from cs360lib.errors import RunError
from cs360lib.run.progress import one_line, shorten

__all__ = [
    "DEFAULT_TIMEOUT",
    "KERNEL_NAME",
    "KERNELSPEC",
    "OUTPUT_DIR_PARAMETER",
    "CapturedOutput",
    "NotebookResult",
    "default_notebooks_dir",
    "discover_notebooks",
    "execute_notebook",
    "export_notebook",
]

DEFAULT_TIMEOUT = 1800.0
"""Default per-cell execution timeout in seconds."""

KERNEL_NAME = "python3"
"""Kernel every notebook is executed with."""

KERNEL_LANGUAGE = "python"
"""Language passed to papermill, which needs one when a notebook's metadata names none."""

KERNELSPEC = {"name": KERNEL_NAME, "display_name": "Python 3", "language": KERNEL_LANGUAGE}
"""Kernelspec written into every executed notebook, so that it reruns on another machine."""

CLIENT_LOGGER = "papermill"
"""Logger papermill hands to nbclient; its messages are captured during a run."""

CAPTURED_HEADING = "--- messages of the notebook client and the kernel process ---"
"""Heading of the captured output appended to a failed notebook's traceback."""

OUTPUT_DIR_PARAMETER = "output_dir"
"""Optional parameter of a notebook that writes files (the Excel worksheet of 02): under
``cs360 run`` it receives the run folder, so that the files sit beside the reports."""

NOTEBOOK_PATTERN = re.compile(r"^\d\d_.+\.ipynb$")
"""File names of the notebooks of the sequence: two digits, an underscore, a name."""

PACKAGED_NOTEBOOKS = Path(cs360lib.__file__).resolve().parent / "notebooks"
"""Where a built wheel carries the notebooks (copied from ``notebooks/`` by ``setup.py``)."""

REPOSITORY_NOTEBOOKS = Path(cs360lib.__file__).resolve().parents[1] / "notebooks"
"""The repository's ``notebooks/`` folder, the source of truth (editable installs)."""

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

if TYPE_CHECKING:
    from cs360lib.run.forkserver import KernelForkServer
    from cs360lib.run.kernels import WarmKernel
    from cs360lib.run.reports import ExportResult


@dataclass
class NotebookResult:
    """Outcome of executing one notebook.

    Attributes
    ----------
    name : str
        Notebook stem, e.g. ``"00_data_intake"``.
    status : str
        ``"ok"``, ``"failed"`` (a cell raised or the kernel could not start),
        ``"timeout"`` (a cell exceeded the timeout), ``"dead_kernel"``,
        ``"skipped"``, or ``"pending"`` while the run has not reached it.
    duration_s : float
        Wall-clock execution time.
    error : str or None
        One-line description of the failure.
    error_type : str or None
        Exception class name.
    traceback : str or None
        Traceback text of the failure, when any.
    executed : str or None
        File name of the executed notebook in the report folder.
    reports : dict
        Variant (``"stakeholder"``, ``"analyst"``) to HTML file name.
    network_refs_removed : list of str
        References to the network removed from the HTML (should be empty).
    cache : list of dict
        Every lookup of the run's load cache by this notebook's kernel, in order:
        ``source``, ``key`` (sha256 of the source's files, mapping and loader code) and
        ``hit`` (false when the source was loaded from its files).
    """

    name: str
    status: str = "skipped"
    duration_s: float = 0.0
    error: str | None = None
    error_type: str | None = None
    traceback: str | None = None
    executed: str | None = None
    reports: dict[str, str] = field(default_factory=dict)
    network_refs_removed: list[str] = field(default_factory=list)
    cache: list[dict[str, Any]] = field(default_factory=list)


def default_notebooks_dir() -> Path:
    """Return the folder of the notebooks that ``cs360 run`` executes by default.

    Returns
    -------
    Path
        ``cs360lib/notebooks/`` when the package carries its notebooks (an installed
        wheel), else the repository's ``notebooks/`` next to the package (an editable
        install, where the repository's folder is the only copy).
    """
    if PACKAGED_NOTEBOOKS.is_dir() and any(
        NOTEBOOK_PATTERN.match(p.name) for p in PACKAGED_NOTEBOOKS.iterdir()
    ):
        return PACKAGED_NOTEBOOKS
    return REPOSITORY_NOTEBOOKS


def discover_notebooks(
    notebooks_dir: str | os.PathLike[str] | None = None, only: Iterable[str] | None = None
) -> list[Path]:
    """List the notebooks of the sequence, in order.

    Parameters
    ----------
    notebooks_dir : path, optional
        Folder holding ``NN_name.ipynb`` files; defaults to
        :func:`default_notebooks_dir`.
    only : iterable of str, optional
        Keep only these notebooks. Each name matches a notebook's stem
        (``00_data_intake``), its number (``00``), or its name without the
        number (``data_intake``).

    Returns
    -------
    list of Path
        Notebook paths sorted by name.

    Raises
    ------
    RunError
        If the folder does not exist, holds no notebooks, or a name in ``only``
        matches none.
    """
    folder = Path(notebooks_dir) if notebooks_dir is not None else default_notebooks_dir()
    if not folder.is_dir():
        raise RunError(f"notebooks folder not found: {folder}")
    found = sorted(p for p in folder.iterdir() if NOTEBOOK_PATTERN.match(p.name))
    if not found:
        raise RunError(f"no NN_*.ipynb notebooks in {folder}")
    if only is None:
        return found
    wanted = [n.strip().removesuffix(".ipynb") for n in only if n.strip()]
    selected: list[Path] = []
    for name in wanted:
        matches = [p for p in found if name in (p.stem, p.stem[:2], p.stem[3:])]
        if not matches:
            available = ", ".join(p.stem for p in found)
            raise RunError(f"--only {name!r} matches no notebook in {folder} ({available})")
        selected.extend(m for m in matches if m not in selected)
    return sorted(selected)


def notebook_parameters(nb_path: Path, parameters: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """Return the parameters of one notebook of a run.

    Every notebook gets the run's parameters; a notebook whose ``parameters`` cell declares
    :data:`OUTPUT_DIR_PARAMETER` also gets the run folder there (the others do not, so that
    papermill does not warn of an unknown parameter).

    Parameters
    ----------
    nb_path : Path
        The notebook.
    parameters : dict
        The run's parameters (``engagement``, ``interactive``, ``chart_renderer``).
    out_dir : Path
        The folder the run writes into (renamed to the report folder when the run ends, so
        the files a notebook writes there end up beside its reports).

    Returns
    -------
    dict
        The parameters to pass to papermill.
    """
    import papermill as pm

    try:
        declared = pm.inspect_notebook(str(nb_path))
    except Exception:  # noqa: BLE001 - an unreadable notebook fails in execute_notebook
        declared = {}
    if OUTPUT_DIR_PARAMETER in declared:
        return {**parameters, OUTPUT_DIR_PARAMETER: str(out_dir)}
    return dict(parameters)


def execute_notebook(
    nb_path: Path,
    res: NotebookResult,
    out_dir: Path,
    parameters: dict[str, Any],
    timeout: float | None,
    *,
    env: dict[str, str] | None = None,
    kernel: WarmKernel | None = None,
) -> None:
    """Execute one notebook with papermill, recording status and error in ``res``.

    Never raises for a failing notebook: a cell that raises, a timeout, a dead kernel
    or a kernel that cannot start is recorded in ``res``. When papermill leaves no
    error banner in the saved notebook (timeout, dead kernel, start failure), a
    markdown cell tagged ``cs360-error`` is inserted at its top.

    The notebook runs as Python whatever its metadata says (a notebook saved without
    kernelspec or language runs too), and the saved notebook gets the kernelspec
    :data:`KERNELSPEC`, so that it reruns elsewhere. What the kernel process and the
    notebook client print goes to :class:`CapturedOutput`, never to the terminal, and is
    appended to ``res.traceback`` when the notebook did not succeed.

    Parameters
    ----------
    nb_path : Path
        The notebook; it runs with its own folder as working directory.
    res : NotebookResult
        Filled in: ``status``, ``error``, ``error_type``, ``traceback``,
        ``duration_s`` and ``executed``.
    out_dir : Path
        Folder that receives the executed notebook under the same file name.
    parameters : dict
        Papermill parameters.
    timeout : float or None
        Per-cell timeout in seconds; ``None`` for none.
    env : dict of str to str, optional
        Variables added to the kernel's environment (this process's environment is left
        alone); ``cs360 run`` names its load cache here. Ignored with ``kernel``, which was
        started with its own.
    kernel : WarmKernel, optional
        A kernel started for this notebook ahead of time (:mod:`cs360lib.run.kernels`);
        papermill executes the notebook in it, and it is shut down afterwards whatever
        happened. Without it papermill starts and stops a kernel of its own.
    """
    import nbformat
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    out_nb = out_dir / nb_path.name
    t0 = time.perf_counter()
    banner: str | None = None
    captured = kernel.captured if kernel is not None else CapturedOutput(env)
    own_kernel: dict[str, Any] = {}
    if kernel is not None:
        kernel.wait()  # the kernel answers once its warm-up is done
        own_kernel["km"] = kernel.km
    try:
        with captured:
            for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
                try:
                    pm.execute_notebook(
                        str(nb_path),
                        str(out_nb),
                        parameters=parameters,
                        kernel_name=KERNEL_NAME,
                        # a notebook without kernelspec or language_info is still Python
                        language=KERNEL_LANGUAGE,
                        cwd=str(nb_path.parent),
                        execution_timeout=timeout,
                        progress_bar=False,
                        log_output=False,
                        report_mode=False,
                        # keep the kernel's "running over TCP without encryption" off stderr
                        extra_arguments=["--IPKernelApp.log_level=ERROR"],
                        # the kernel's own stdout and stderr (a ZMQ traceback after a timeout)
                        # go to a file, not the terminal: the progress line is the interface
                        kernel_manager_class=captured.kernel_manager_class,
                        **own_kernel,
                    )
                    break
                except RuntimeError as exc:
                    if attempt == KERNEL_START_ATTEMPTS or not _died_starting(exc):
                        raise
                    # a kernel that died before it answered ran no cell: start a new one
                    if kernel is not None:
                        kernel.shutdown()
                    own_kernel = {}
        res.status = "ok"
    except pm.PapermillExecutionError as exc:
        res.status = "failed"
        res.error_type = exc.ename
        res.error = f"{exc.ename}: {shorten(str(exc.evalue), 300)} (cell {exc.exec_count})"
        res.traceback = _ANSI.sub("", "\n".join(exc.traceback))
    except CellTimeoutError as exc:
        res.status = "timeout"
        res.error_type = type(exc).__name__
        res.error = f"a cell ran longer than the {timeout:g} s timeout"
        res.traceback = one_line(exc)
        banner = res.error
    except DeadKernelError as exc:
        res.status = "dead_kernel"
        res.error_type = type(exc).__name__
        res.error = f"the kernel died while running a cell ({one_line(exc)})"
        res.traceback = traceback.format_exc()
        banner = res.error
    except Exception as exc:  # noqa: BLE001 - kernel start failures, bad notebooks ...
        res.status = "failed"
        res.error_type = type(exc).__name__
        res.error = one_line(exc)
        res.traceback = traceback.format_exc()
        banner = res.error
    finally:
        if kernel is not None:
            kernel.shutdown()
    res.duration_s = round(time.perf_counter() - t0, 3)
    output = captured.text()
    if res.status != "ok" and output:
        res.traceback = f"{res.traceback or ''}\n\n{CAPTURED_HEADING}\n{output}".lstrip()
    if out_nb.exists():
        res.executed = out_nb.name
        with contextlib.suppress(Exception):
            nb = nbformat.read(str(out_nb), as_version=4)
            _runs_elsewhere(nb)
            if banner is not None:
                cell = nbformat.v4.new_markdown_cell(
                    f"**cs360: this notebook did not finish ({res.status}): {banner}.** "
                    "The outputs below are partial."
                )
                cell.metadata["tags"] = ["cs360-error"]
                nb.cells.insert(0, cell)
            nbformat.write(nb, str(out_nb))


KERNEL_START_ATTEMPTS = 2
"""Kernels started for a notebook whose kernel dies before answering its first request.

Two kernels started at the same moment by different processes (the engagements of a batch)
can be handed the same free port by the operating system, and one of them then exits before
it answers; it has run no cell, so the notebook is executed again in a new kernel (new
ports), once."""

_START_FAILURES = ("before replying to kernel_info", "didn't respond in")
"""nbclient's words for a kernel that died, or never answered, before running anything."""


def _died_starting(exc: BaseException) -> bool:
    return any(words in str(exc) for words in _START_FAILURES)


def _runs_elsewhere(nb: Any) -> None:
    """Record the kernel the notebook ran with, so that it reruns on another machine."""
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    info = nb.metadata.setdefault("language_info", {})
    info.setdefault("name", KERNEL_LANGUAGE)


class CapturedOutput:
    """Keep what the kernel process and the notebook client print off the terminal.

    While a notebook runs, the kernel's own stdout and stderr (not its cells' outputs, which
    reach the notebook) go to a temporary file, through a kernel manager that starts the
    kernel with them (``kernel_manager_class`` of nbclient), and the messages of the
    ``papermill`` logger (nbclient's "Timeout waiting for execute reply", "Kernel died ...")
    go to a list instead of Python's last-resort handler on stderr. After a timeout the
    kernel prints a ZMQ traceback when it answers on a closed socket; with this, it ends in
    the notebook's traceback (``ERROR.txt``, the manifest) instead of the terminal.

    Use as a context manager around one execution; :meth:`text` returns what was captured.

    Parameters
    ----------
    env : dict of str to str, optional
        Variables added to the environment the kernel starts with.
    fork_server : KernelForkServer, optional
        The run's fork server (:mod:`cs360lib.run.forkserver`): the kernel is forked from it
        when it can be, else started as a new process.
    modules : list of str, optional
        The modules the fork server imports before it forks this kernel.
    """

    def __init__(
        self,
        env: dict[str, str] | None = None,
        fork_server: KernelForkServer | None = None,
        modules: list[str] | None = None,
    ) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed in text()
        self._records: list[str] = []
        self._kernel = ""
        self._thread: int | None = None
        self.kernel_manager_class = _kernel_manager_writing_to(
            self._file, env, fork_server, modules
        )

    def __enter__(self) -> CapturedOutput:
        with _ROUTES_LOCK:
            if not _ROUTES:  # the first capture of the process takes the logger over
                logger = logging.getLogger(CLIENT_LOGGER)
                _SAVED_LOGGER[:] = [(logger.handlers[:], logger.propagate)]
                handler = _RoutingHandler()
                handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
                logger.handlers = [handler]
                logger.propagate = False
            self._thread = threading.get_ident()
            _ROUTES[self._thread] = self._records
        return self

    def __exit__(self, *exc: object) -> None:
        with _ROUTES_LOCK:
            if _ROUTES.get(self._thread) is not self._records:
                return
            del _ROUTES[self._thread]
            if not _ROUTES and _SAVED_LOGGER:  # the last one gives it back
                logger = logging.getLogger(CLIENT_LOGGER)
                logger.handlers, logger.propagate = _SAVED_LOGGER.pop()

    def text(self) -> str:
        """Return the captured client messages and kernel output (ANSI colours removed).

        Returns
        -------
        str
            Empty when nothing was printed. Closes the temporary file.
        """
        if not self._file.closed:
            self._file.seek(0)
            kernel = self._file.read().decode("utf-8", errors="replace")
            self._file.close()
            self._kernel = kernel.rstrip()
        parts = [*self._records, self._kernel]
        return _ANSI.sub("", "\n".join(p for p in parts if p)).strip()


_ROUTES: dict[int, list[str]] = {}
"""The record list of each thread executing a notebook inside a :class:`CapturedOutput`."""
_ROUTES_LOCK = threading.Lock()
_SAVED_LOGGER: list[tuple[list[logging.Handler], bool]] = []
"""The ``papermill`` logger's handlers before the first capture, restored after the last."""


class _RoutingHandler(logging.Handler):
    """Send a ``papermill`` warning to the capture of the thread that logged it.

    Two notebooks of a run may execute at once, each in its own thread
    (:mod:`cs360lib.run.schedule`); nbclient logs in the thread that executes the notebook.
    A record from another thread goes to every open capture.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno < logging.WARNING:
            return
        line = self.format(record)
        with _ROUTES_LOCK:
            own = _ROUTES.get(record.thread) if record.thread is not None else None
            for records in [own] if own is not None else list(_ROUTES.values()):
                records.append(line)


def _kernel_manager_writing_to(
    stream: IO[bytes],
    env: dict[str, str] | None = None,
    fork_server: KernelForkServer | None = None,
    modules: list[str] | None = None,
) -> type:
    """Make a kernel manager whose kernel writes its stdout and stderr to a file.

    A jupyter_client kernel manager; ``env`` is added to the kernel's environment. With a
    ``fork_server`` the kernel is forked from it (after it imported ``modules``) when it can
    be, and started as a new process otherwise.
    """
    from jupyter_client.manager import AsyncKernelManager

    class _CapturingKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
            kw.setdefault("stdout", stream)
            kw.setdefault("stderr", stream)
            if env:
                kw["env"] = {**kw.get("env", os.environ), **env}
            await super().start_kernel(**kw)

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            pid = None
            if fork_server is not None:
                pid = fork_server.fork_kernel(
                    kernel_cmd,
                    env=dict(kw.get("env") or os.environ),
                    cwd=str(kw.get("cwd") or os.getcwd()),
                    output=stream.fileno(),
                    modules=list(modules or []),
                )
            if pid is None:
                if fork_server is not None and fork_server.closed_by_run:
                    raise RuntimeError("the run is over: its kernels are not started")
                await super()._async_launch_kernel(kernel_cmd, **kw)
                return
            from cs360lib.run.forkserver import ForkedKernelProcess

            # jupyter_client's LocalProvisioner polls, signals and kills through ``process``
            # (its process group first: the forked kernel leads its own)
            provisioner: Any = self.provisioner
            provisioner.process = ForkedKernelProcess(pid, fork_server)
            provisioner.pid = provisioner.pgid = pid
            provisioner.cwd = kw.get("cwd")
            self._reconcile_connection_info(provisioner.connection_info)

    return _CapturingKernelManager


def export_notebook(nb_file: Path, out_dir: Path, stem: str, meta: dict[str, Any]) -> ExportResult:
    """Write the offline stakeholder and analyst HTML reports of an executed notebook.

    Parameters
    ----------
    nb_file : Path
        The executed notebook.
    out_dir : Path
        Folder of the reports.
    stem : str
        File stem of the reports (``NN_name``).
    meta : dict
        Engagement name, generation time, status and error shown in the reports.

    Returns
    -------
    ExportResult
        Paths of the reports and the network references removed.
    """
    from cs360lib.run.reports import export_reports

    return export_reports(nb_file, out_dir, stem, meta=meta)
