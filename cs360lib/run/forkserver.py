"""A fork server for the kernels of a run: import the libraries once, fork a kernel per notebook.

Every kernel of a ``cs360 run`` used to import the same libraries (pandas, pandera, Altair,
statsmodels, PySAL, Presidio with spaCy: 3 to 5 s of CPU each, docs/performance.md): five
times per engagement, on a machine whose two cores the notebooks themselves keep busy. The
runner now starts one **fork server** per run (:class:`KernelForkServer`), a Python process
that imports them once, and each notebook's kernel is a ``fork()`` of it: a new process, with
the imported modules shared copy-on-write, that then runs ``python -m ipykernel_launcher``
exactly as jupyter_client would have started it (same arguments, connection file,
environment, working folder, stdout and stderr, its own session so that an interrupt reaches
only its process group).

A forked kernel is as fresh as a started one: the server never runs a notebook's code, only
imports and the library's one-time set-ups (compiled codebooks, Presidio's engines), so no
variable, option or theme can pass from one notebook to the next (``tests/test_forkserver.py``).
The server stays single-threaded in Python and starts nothing that keeps threads (vl-convert's
engine is started by each kernel's warm-up, after the fork); numpy is re-seeded in each kernel
as in a fresh process. It is used only where ``fork`` exists, when the kernel's command is
``<the server's interpreter> -m ipykernel_launcher ...``; otherwise, or when the server has
died or cannot fork, the kernel is started as a new process as before. The server ends when
the run closes it or dies (its socket closes), and stops any kernel still running; each kernel
ends when the server does (at once on Linux, ``PR_SET_PDEATHSIG``; else ipykernel's parent
poller).

The runner and the server talk over a Unix ``SOCK_SEQPACKET`` socket pair: JSON requests, the
kernel's stdout and stdin passed as file descriptors (``socket.send_fds``), and replies, plus
an ``exit`` message when a kernel ends (the server reaps its children).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from typing import Any

__all__ = [
    "FORK_SAFE_CALLS",
    "SERVER_MODULES",
    "ForkedKernelProcess",
    "KernelForkServer",
    "after_kernel_start",
    "fork_available",
    "serve",
]

SERVER_MODULES: tuple[str, ...] = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "IPython.core.interactiveshell",
)
"""The kernel's own modules, imported by the server when it starts."""

FORK_SAFE_CALLS: frozenset[str] = frozenset({"default_codebook", "data_codebook", "scrub_text"})
"""Warm-up calls (:data:`cs360lib.run.kernels.WARM_UP_CALLS`) the server makes before it forks:
they build Python objects only (compiled codebooks, Presidio's engines with spaCy's word
lists) and start no thread. A drawing with vl-convert starts its engine's threads and is left to
each kernel."""

LAUNCHER = ("-m", "ipykernel_launcher")
"""How a kernelspec's command runs the kernel; only such commands are forked."""

PR_SET_PDEATHSIG = 1
"""Linux ``prctl`` option: the signal a process gets when its parent ends."""

MESSAGE_BYTES = 1 << 20
"""Largest message (the request carries the kernel's whole environment)."""

REPLY_TIMEOUT = 300.0
"""Seconds a fork request may wait while the server imports the notebook's modules."""


def fork_available() -> bool:
    """Return whether kernels can be forked here (POSIX ``fork`` and ``send_fds``)."""
    return hasattr(os, "fork") and hasattr(socket, "send_fds") and sys.platform != "darwin"


class KernelForkServer:
    """The run's side of a fork server: start it, ask it for kernels, close it.

    Parameters
    ----------
    interpreter : list of str
        The kernelspec's command up to ``-m`` (the Python executable and its options); the
        server runs with it, and forks only kernels whose command starts with it.
    modules : sequence of str, optional
        Modules the server imports as soon as it starts.

    Attributes
    ----------
    closed_by_run : bool
        Whether the run closed the server (the run is over: a kernel still starting must not
        start), as opposed to a server that died (its kernels start as new processes).

    Raises
    ------
    OSError
        If the server process cannot be started.
    """

    def __init__(self, interpreter: list[str], modules: tuple[str, ...] = ()) -> None:
        self.interpreter = list(interpreter)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [*self.interpreter, "-m", __name__, str(theirs.fileno()), *modules],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self._sock = ours
        self._lock = threading.Lock()
        self._next = 0
        self._replies: dict[int, dict[str, Any]] = {}
        self._exits: dict[int, int] = {}
        self._changed = threading.Condition()
        self._closed = False
        self.closed_by_run = False
        self._reader = threading.Thread(target=self._read, name="fork-server", daemon=True)
        self._reader.start()

    @property
    def alive(self) -> bool:
        """Whether the server process runs and the socket is open."""
        return not self._closed and self.process.poll() is None

    def fork_kernel(
        self,
        cmd: list[str],
        *,
        env: dict[str, str],
        cwd: str,
        output: int,
        modules: list[str],
    ) -> int | None:
        """Fork a kernel that runs ``cmd``; return its process id, or ``None`` if not forked.

        Parameters
        ----------
        cmd : list of str
            The kernel's command as jupyter_client built it (``<interpreter> -m
            ipykernel_launcher -f <connection file> ...``).
        env : dict of str to str
            The kernel's whole environment.
        cwd : str
            The kernel's working folder.
        output : int
            A file descriptor for the kernel's stdout and stderr.
        modules : list of str
            Modules the server imports before it forks (the notebook's, from
            :func:`cs360lib.run.kernels.warm_up_modules`), with their lazy imports and
            fork-safe one-time calls.

        Returns
        -------
        int or None
            The kernel's process id; ``None`` when the command is not forkable, the server
            is gone, or it could not fork (start the kernel as a new process then).
        """
        n = len(self.interpreter)
        if cmd[:n] != self.interpreter or tuple(cmd[n : n + 2]) != LAUNCHER or not self.alive:
            return None
        request = {"args": cmd[n + 2 :], "env": env, "cwd": cwd, "modules": modules}
        reply = self._ask(request, [output])
        return int(reply["pid"]) if reply and reply.get("pid") else None

    def exit_code(self, pid: int) -> int | None:
        """Return a forked kernel's exit code, or ``None`` while it runs."""
        with self._changed:
            if pid in self._exits:
                return self._exits[pid]
        if self._closed:  # the server is gone: its kernels are adopted by init, which reaps
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return -signal.SIGKILL
            except OSError:
                return None
        return None

    def close(self, timeout: float = 5.0) -> None:
        """Close the socket and wait for the server to stop its kernels and end (idempotent).

        Sets :attr:`closed_by_run`: a kernel asked for afterwards is not started at all.
        """
        if self.closed_by_run:
            return
        self.closed_by_run = self._closed = True
        with contextlib.suppress(OSError):  # also when the server died and closed its end
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        with self._changed:
            self._changed.notify_all()

    def _ask(self, request: dict[str, Any], fds: list[int]) -> dict[str, Any] | None:
        with self._lock:
            self._next += 1
            request["id"] = ident = self._next
            try:
                socket.send_fds(self._sock, [json.dumps(request).encode()], fds)
            except OSError:
                return None
        deadline = time.monotonic() + REPLY_TIMEOUT
        with self._changed:
            while ident not in self._replies:
                left = deadline - time.monotonic()
                if self._closed or left <= 0:
                    return None
                self._changed.wait(min(left, 1.0))
            return self._replies.pop(ident)

    def _read(self) -> None:
        while True:
            try:
                data = self._sock.recv(MESSAGE_BYTES)
            except OSError:
                data = b""
            if not data:
                break
            message = json.loads(data)
            with self._changed:
                if "exit" in message:
                    self._exits[int(message["exit"])] = int(message["code"])
                else:
                    self._replies[int(message["id"])] = message
                self._changed.notify_all()
        self._closed = True
        with self._changed:
            self._changed.notify_all()


class ForkedKernelProcess:
    """A forked kernel, with the part of :class:`subprocess.Popen` jupyter_client uses.

    jupyter_client's ``LocalProvisioner`` keeps a ``Popen`` in ``process`` and polls, waits,
    signals and kills through it (its process group first); this stands in for it.

    Parameters
    ----------
    pid : int
        The kernel's process id (also its process group: it runs in its own session).
    server : KernelForkServer
        The server that forked it and reaps it.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int, server: KernelForkServer) -> None:
        self.pid = pid
        self._server = server
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """Return the exit code, or ``None`` while the kernel runs."""
        if self.returncode is None:
            self.returncode = self._server.exit_code(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the kernel to end and return its exit code.

        Raises
        ------
        subprocess.TimeoutExpired
            If it still runs after ``timeout`` seconds.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0.0)
            time.sleep(0.02)
        return code

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the kernel while it runs."""
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        """Send ``SIGTERM``."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """Send ``SIGKILL``."""
        self.send_signal(signal.SIGKILL)


# --------------------------------------------------------------------------- the server


def serve(sock: socket.socket, modules: list[str]) -> None:
    """Run the server: import ``modules``, then fork kernels on request until the socket closes.

    Parameters
    ----------
    sock : socket.socket
        The server's end of the socket pair.
    modules : list of str
        Modules to import before the first request.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the runner's to handle
    # an ended kernel wakes the loop at once, so that the runner learns of it at once
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: set[int] = set()
    _import_all(list(SERVER_MODULES))
    global _SERVER_FILTERS
    _SERVER_FILTERS = len(warnings.filters)
    _import_all(modules)
    while True:
        _reap(sock, children)
        ready, _, _ = select.select([sock, wake_r], [], [], 1.0)
        if wake_r in ready:
            os.read(wake_r, 512)
        if sock not in ready:
            continue
        try:
            data, fds, _, _ = socket.recv_fds(sock, MESSAGE_BYTES, 4)
        except OSError:
            data, fds = b"", []
        if not data:
            break
        request = json.loads(data)
        reply: dict[str, Any] = {"id": request["id"]}
        try:
            pid = _fork(request, fds, lambda: _close_all(sock, wake_r, wake_w))
            children.add(pid)
            reply["pid"] = pid
        except Exception as exc:  # noqa: BLE001 - the runner starts the kernel itself
            reply["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            for fd in fds:
                os.close(fd)
        with contextlib.suppress(OSError):
            sock.send(json.dumps(reply).encode())
    for pid in children:  # the run is over or gone: stop what it left running
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):  # a kernel just forked may not lead its group yet
            os.kill(pid, signal.SIGKILL)
    for pid in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    os._exit(0)  # nothing to tear down: skip the interpreter's slow exit


def _import_all(modules: list[str]) -> None:
    """Import the modules, then the lazy imports and fork-safe calls they trigger."""
    from cs360lib.run.kernels import LAZY_IMPORTS, WARM_UP_CALLS

    for name in modules:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    for trigger, more in LAZY_IMPORTS.items():
        for name in more if trigger in sys.modules else ():
            with contextlib.suppress(Exception):
                importlib.import_module(name)
    for trigger, calls in WARM_UP_CALLS.items():
        for module, function, args in calls if trigger in sys.modules else ():
            if function in FORK_SAFE_CALLS:
                with contextlib.suppress(Exception):
                    getattr(importlib.import_module(module), function)(*args)


def _reap(sock: socket.socket, children: set[int]) -> None:
    """Collect every ended kernel and tell the runner its exit code."""
    for pid in list(children):
        with contextlib.suppress(ChildProcessError):
            done, status = os.waitpid(pid, os.WNOHANG)
            if not done:
                continue
            children.discard(pid)
            code = os.waitstatus_to_exitcode(status)
            with contextlib.suppress(OSError):
                sock.send(json.dumps({"exit": pid, "code": code}).encode())


def _close_all(sock: socket.socket, *fds: int) -> None:
    """Close the server's socket and pipe (in a forked kernel, which must not hold them)."""
    sock.close()
    for fd in fds:
        os.close(fd)


def _fork(request: dict[str, Any], fds: list[int], close: Callable[[], None]) -> int:
    """Import the notebook's modules and fork; the child becomes the kernel and never returns.

    ``close`` closes, in the child, what the server holds and the kernel must not.
    """
    _import_all(list(request.get("modules", [])))
    if threading.active_count() > 1:
        raise RuntimeError("the server has a Python thread; not forking")
    sys.stdout.flush()
    sys.stderr.flush()
    server = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    _become_kernel(request, fds, close, server)  # pragma: no cover - runs in the child


def _die_with(server: int) -> None:
    """End this kernel when the server ends: at once on Linux, else by ipykernel's poller."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != server:  # the server ended before this line
        os._exit(1)


def _become_kernel(
    request: dict[str, Any], fds: list[int], close: Callable[[], None], server: int
) -> None:
    """In the forked child: set up the process as a started kernel would be, run it, exit."""
    code = 1
    try:
        _die_with(server)
        close()
        os.setsid()  # its own process group, as jupyter_client's start_new_session
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(fds[0], 1)
        os.dup2(fds[0], 2)
        for fd in (devnull, *fds):
            os.close(fd)
        os.chdir(request["cwd"])
        if sys.path and sys.path[0] == _SERVER_CWD:  # ``-m`` put the server's folder first
            sys.path[0] = os.getcwd()
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ["JPY_PARENT_PID"] = str(server)  # the kernel ends with the server
        global _FORKED, _LIBRARY_FILTERS
        _FORKED = True
        _LIBRARY_FILTERS = warnings.filters[: len(warnings.filters) - _SERVER_FILTERS]
        if "numpy" in sys.modules:  # a fresh process seeds numpy's global generator anew
            sys.modules["numpy"].random.seed()
        import runpy

        # ipykernel read JPY_PARENT_PID when the server imported it: say it again
        sys.argv = [LAUNCHER[1], *request["args"], f"--IPKernelApp.parent_handle={server}"]
        runpy.run_module(LAUNCHER[1], run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - reported on the kernel's stderr
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


_SERVER_CWD = os.getcwd()
"""The folder the server started in, which ``python -m`` put first on ``sys.path``."""

_SERVER_FILTERS = 0
"""How many warnings filters the server had before it imported the libraries."""

_LIBRARY_FILTERS: list[Any] = []
"""In a forked kernel: the warnings filters the libraries added when the server imported them."""

_FORKED = False
"""Whether this process is a forked kernel whose libraries :func:`after_kernel_start` has yet
to adjust."""


def after_kernel_start() -> None:
    """In a forked kernel, once it runs: leave the libraries as if the kernel had imported them.

    Called by the kernel's warm-up (:func:`cs360lib.run.kernels.warm_up_code`); does nothing
    in any other process, and only once. Two things a library does when it is imported depend
    on the process it is imported in:

    - the warnings filters it adds go in front of those the kernel added when it started, as
      they would had the kernel imported it (the first matching filter wins);
    - a log handler it made for ``sys.stderr`` or ``sys.stdout`` (spaCy's, Presidio's) writes
      to the kernel's streams, which reach the notebook, not to the process's own.
    """
    global _FORKED
    if not _FORKED:
        return
    _FORKED = False
    import logging
    import warnings

    kernel_filters = [f for f in warnings.filters if f not in _LIBRARY_FILTERS]
    warnings.filters[:] = [*_LIBRARY_FILTERS, *kernel_filters]
    warnings._filters_mutated()  # type: ignore[attr-defined]
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):
            if type(handler) is logging.StreamHandler:
                if handler.stream is sys.__stderr__:
                    handler.setStream(sys.stderr)
                elif handler.stream is sys.__stdout__:
                    handler.setStream(sys.stdout)


if __name__ == "__main__":  # the server: run under the module's own name, not as __main__
    from cs360lib.run import forkserver

    forkserver.serve(socket.socket(fileno=int(sys.argv[1])), sys.argv[2:])
