"""A fresh kernel per notebook, started and warmed while the previous notebook runs.

Every notebook of a ``cs360 run`` pays a fixed cost before its first analysis: a kernel
process starts, imports ``cs360lib``, pandas, pandera, Altair and the notebook's modules
(``cs.evaluate`` brings statsmodels) and starts vl-convert's JavaScript engine for the first
chart (docs/performance.md). :class:`WarmKernel` starts a notebook's kernel *ahead of time*:
the runner starts the kernel of notebook N+1 when notebook N starts, and a background thread
starts it (forked from the run's fork server, :mod:`cs360lib.run.forkserver`, which has
already imported those modules, or else as a new process) and has it import those modules (a
silent execution, which binds no name and counts no execution) while notebook N computes;
papermill then executes notebook N+1 in that kernel.

Each notebook still has a kernel of its own, so nothing a notebook does (variables, pandas
options, the Altair theme, warnings filters, the publishing rules of ``cs.show``) can reach the
next one, a notebook that raises, times out or kills its kernel fails alone, and the executed
notebook looks as before (execution counts from 1, papermill's metadata). Sharing one kernel
across notebooks with a reset in between was considered and not adopted: a reset cannot be
proved complete for module state (the theme and renderer registries of Altair, IPython's
display formatters, functools caches, the state of ``cs360lib.publish.display``), and a
dead or timed-out kernel would need a restart anyway.
"""

from __future__ import annotations

import ast
import contextlib
import queue
import textwrap
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cs360lib
from cs360lib.run.execute import KERNEL_NAME, CapturedOutput

if TYPE_CHECKING:
    from cs360lib.run.forkserver import KernelForkServer

__all__ = [
    "ALWAYS_IMPORTED",
    "FREE_TEXT_STEPS",
    "SCRUBBER_MODULES",
    "WarmKernel",
    "warm_up_code",
    "warm_up_modules",
]

ALWAYS_IMPORTED: tuple[str, ...] = (
    "cs360lib",
    *dict.fromkeys(cs360lib._PUBLIC.values()),
    "cs360lib.publish.charts",
    "cs360lib.publish.tables",
)
"""Modules every notebook imports in its setup cell (``cs.setup_notebook``): those of the
package's public names (``cs.Engagement``, ``cs.load_engagement``, ``cs.show``, which
``import cs360lib`` imports on first use) and the charts' and tables' modules."""

FREE_TEXT_STEPS: tuple[str, ...] = (
    "cs360lib.steps.scanning",
    "cs360lib.steps.plan",
    "cs360lib.steps.review",
)
"""Steps whose results publish free text (quotes, plans, the team's reasons), which the
stakeholder copy scrubs with Presidio (``cs360lib.publish.privacy.scrub``)."""

SCRUBBER_MODULES: tuple[str, ...] = ("presidio_analyzer", "presidio_anonymizer")
"""Imported while warming the kernel of a notebook that uses a :data:`FREE_TEXT_STEPS` module:
Presidio and spaCy take about 1.3 s to import, paid otherwise by the notebook's first scrub."""

LAZY_IMPORTS: dict[str, tuple[str, ...]] = {
    "cs360lib.publish.tables": ("great_tables",),
    "cs360lib.publish.display": ("cs360lib.publish.privacy", "cs360lib.publish.markdown"),
    "cs360lib.analysis.hotspots": ("esda", "libpysal.weights"),
    "cs360lib.evaluate._diagnostics": ("statsmodels.stats.diagnostic",),
}
"""Libraries a library module imports inside its functions (to keep ``import cs360lib``
short), imported by the warm-up when that module was imported: every table of ``cs.show`` is
drawn by great_tables (0.3 s to import, with babel and htmltools), the hot spots of notebook
03 need PySAL (esda and libpysal, with scikit-learn)."""

WARM_UP_CALLS: dict[str, tuple[tuple[str, str, tuple[Any, ...]], ...]] = {
    "cs360lib.steps.scanning.codebook": (
        ("cs360lib.steps.scanning.codebook", "default_codebook", ()),
        ("cs360lib.steps.scanning.codebook", "data_codebook", ()),
    ),
    "presidio_analyzer": (
        ("cs360lib.publish.privacy.scrub", "scrub_text", ("A sentence to warm the scrubber.",)),
    ),
}
"""Calls the warm-up makes when their trigger module was imported, for what a library
function builds once per process and keeps: the shipped codebooks (read, validated and
compiled once: about 0.2 s of regular expressions) and Presidio's engines with spaCy's word
lists (about 0.3 s, paid otherwise by the first scrub). Each is ``(module, function,
arguments)``; their results are kept by the functions' own caches, not bound to a name."""

KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]
"""Kernel command-line arguments, as :func:`cs360lib.run.execute.execute_notebook` passes them."""

WARM_UP_TIMEOUT = 300.0
"""Seconds the runner waits for a warm-up before it executes the notebook anyway."""

_CHART = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "data": {"values": [{"a": 1}]},
    "mark": "point",
    "encoding": {"x": {"field": "a", "type": "quantitative"}},
}
"""A one-point chart drawn once to start vl-convert's engine (its first drawing is slow)."""


def warm_up_modules(nb_path: Path) -> list[str]:
    """List the modules a notebook will import: the setup's and the library's it names.

    Parameters
    ----------
    nb_path : Path
        The notebook.

    Returns
    -------
    list of str
        :data:`ALWAYS_IMPORTED`, then, in order of first use, every ``cs360lib`` module the
        notebook's code imports (``import cs360lib.x``, ``from cs360lib.steps import intake``
        gives ``cs360lib.steps`` and ``cs360lib.steps.intake``) or reaches as a short name
        (``cs.evaluate`` gives ``cs360lib.evaluate``) or public name (``cs.show`` gives
        ``cs360lib.publish.display``). A name that is not a module is
        harmless: the warm-up skips what it cannot import. Cells that do not parse as
        Python (magics) are skipped. A notebook that uses a :data:`FREE_TEXT_STEPS` module
        also gets the :data:`SCRUBBER_MODULES`.
    """
    import nbformat

    short = {**cs360lib._SUBMODULES, **cs360lib._PUBLIC}
    found = list(ALWAYS_IMPORTED)

    def add(name: str) -> None:
        if name.split(".")[0] == "cs360lib" and name not in found:
            found.append(name)

    with contextlib.suppress(Exception):
        nb = nbformat.read(str(nb_path), as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        add(alias.name)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    add(node.module)
                    for alias in node.names:
                        add(f"{node.module}.{alias.name}")
                elif (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id in ("cs", "cs360lib")
                    and node.attr in short
                ):
                    add(short[node.attr])
    if any(name.startswith(FREE_TEXT_STEPS) for name in found):
        found += [m for m in SCRUBBER_MODULES if m not in found]
    return found


WARM_UP_FUNCTION = "_cs360_warm_up"
"""Name of the function the warm-up defines, calls and deletes (nothing else is bound)."""


def warm_up_code(modules: list[str]) -> str:
    """Return the code a warm kernel runs: imports, one-time calls, one chart.

    Parameters
    ----------
    modules : list of str
        Modules to import.

    Returns
    -------
    str
        Code that defines a function, calls it and deletes it, so the user namespace is left
        as it was. In a kernel forked from the run's fork server it first calls
        :func:`cs360lib.run.forkserver.after_kernel_start`. It imports ``modules``, then the
        :data:`LAZY_IMPORTS` and makes the
        :data:`WARM_UP_CALLS` of every trigger module now imported. The function skips what
        fails (a name that is not a module; the notebook's own cells raise any real failure
        where it belongs).
    """
    return textwrap.dedent(
        f"""\
        def {WARM_UP_FUNCTION}(names, lazy, calls, chart):
            import importlib
            import sys
            forked = sys.modules.get("cs360lib.run.forkserver")
            if forked is not None:
                forked.after_kernel_start()
            for name in names:
                try:
                    importlib.import_module(name)
                except Exception:
                    pass
            for trigger, more in lazy.items():
                for name in more if trigger in sys.modules else ():
                    try:
                        importlib.import_module(name)
                    except Exception:
                        pass
            for trigger, todo in calls.items():
                for module, function, args in todo if trigger in sys.modules else ():
                    try:
                        getattr(importlib.import_module(module), function)(*args)
                    except Exception:
                        pass
            try:
                import vl_convert
                vl_convert.vegalite_to_svg(chart)
            except Exception:
                pass
        {WARM_UP_FUNCTION}({modules!r}, {LAZY_IMPORTS!r}, {WARM_UP_CALLS!r}, {_CHART!r})
        del {WARM_UP_FUNCTION}
        """
    )


class WarmKernel:
    """The kernel of one notebook, started now and warmed in a background thread.

    Parameters
    ----------
    nb_path : Path
        The notebook; the kernel's working directory is its folder, as under papermill.
    env : dict of str to str, optional
        Variables added to the kernel's environment.
    modules : list of str, optional
        Modules to import while warming; defaults to :func:`warm_up_modules` of the notebook.
    fork_server : KernelForkServer, optional
        The run's fork server (:mod:`cs360lib.run.forkserver`): the kernel is forked from it,
        after it imported ``modules``, when it can be; else it starts as a new process.

    Attributes
    ----------
    captured : CapturedOutput
        Where the kernel process's own stdout and stderr go (read into a failed notebook's
        traceback by :func:`cs360lib.run.execute.execute_notebook`).
    km : jupyter_client.AsyncKernelManager
        The kernel's manager, handed to papermill (``km=``), which then starts no kernel
        (the kernel is started by the background thread: use it after :meth:`wait`).
    forked : bool
        Whether the kernel was forked from the fork server (else started as a new process);
        known once the kernel has started.
    warm_up_error : str or None
        Why the kernel could not start or warm up (the notebook then starts cold, in a kernel
        papermill starts when this one did not, and fails or succeeds on its own).
    """

    def __init__(
        self,
        nb_path: Path,
        env: dict[str, str] | None = None,
        modules: list[str] | None = None,
        fork_server: KernelForkServer | None = None,
    ) -> None:
        self.nb_path = nb_path
        modules = modules if modules is not None else warm_up_modules(nb_path)
        self.captured = CapturedOutput(env, fork_server, modules)
        self.km = self.captured.kernel_manager_class(kernel_name=KERNEL_NAME)
        self.warm_up_error: str | None = None
        self.forked = False
        self._closed = False
        self._shutdown_lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._warm_up,
            args=(warm_up_code(modules),),
            name=f"warm-{nb_path.stem}",
            daemon=True,
        )
        self._thread.start()

    @property
    def started(self) -> bool:
        """Whether the kernel process was started (or forked) and not shut down."""
        return self.km.has_kernel and not self._closed

    def _warm_up(self, code: str) -> None:
        from jupyter_client.blocking import BlockingKernelClient
        from jupyter_core.utils import run_sync

        try:
            run_sync(self.km.start_kernel)(
                cwd=str(self.nb_path.parent), extra_arguments=KERNEL_ARGUMENTS
            )
        except Exception as exc:  # noqa: BLE001 - papermill starts one, and reports
            self.warm_up_error = f"the kernel did not start: {type(exc).__name__}: {exc}"
            return
        from cs360lib.run.forkserver import ForkedKernelProcess

        self.forked = isinstance(getattr(self.km.provisioner, "process", None), ForkedKernelProcess)
        if self._closed:  # shut down while it started
            with contextlib.suppress(Exception):
                run_sync(self.km.shutdown_kernel)(now=True)
            return
        # the kernel's manager answers whether its process lives: without it the client asks
        # the heartbeat, which has not beaten yet when a loaded machine starts two kernels at
        # once, and wait_for_ready then says the kernel died when it is still starting
        client = BlockingKernelClient(parent=self.km)
        client.load_connection_info(self.km.get_connection_info())
        try:
            client.start_channels()
            client.wait_for_ready(timeout=WARM_UP_TIMEOUT)
            msg_id = client.execute(code, silent=True, store_history=False)
            deadline = time.monotonic() + WARM_UP_TIMEOUT
            while not self._closed:  # a kernel shut down meanwhile (Ctrl-C) ends the wait
                try:
                    reply = client.get_shell_msg(timeout=1.0)
                except queue.Empty:
                    if time.monotonic() > deadline or not client.is_alive():
                        raise RuntimeError("the kernel did not finish its warm-up") from None
                    continue
                if reply.get("parent_header", {}).get("msg_id") == msg_id:
                    break
        except Exception as exc:  # noqa: BLE001 - the notebook runs cold and reports itself
            self.warm_up_error = f"{type(exc).__name__}: {exc}"
        finally:
            with contextlib.suppress(Exception):
                client.stop_channels()

    def wait(self, timeout: float = WARM_UP_TIMEOUT) -> bool:
        """Wait for the warm-up to end; return whether it did within ``timeout`` seconds."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def shutdown(self) -> None:
        """Stop the kernel process now (idempotent; never raises).

        A kernel still starting in the background thread is stopped by that thread once it
        has started.
        """
        with self._shutdown_lock:
            if self._closed:
                return
            self._closed = True
        from jupyter_core.utils import run_sync

        if self.km.has_kernel:
            with contextlib.suppress(Exception):  # also removes its connection file
                run_sync(self.km.shutdown_kernel)(now=True)

    def __enter__(self) -> WarmKernel:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
