"""The run's fork server: kernels forked from it behave as started kernels, and never outlive it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import write_notebook

from cs360lib.run.forkserver import ForkedKernelProcess, KernelForkServer, fork_available
from cs360lib.run.kernels import WarmKernel
from cs360lib.run.start import start_fork_server

pytestmark = pytest.mark.skipif(not fork_available(), reason="kernels are forked only on Linux")


def _gone(pid: int, within: float = 10.0) -> bool:
    """Whether the process ends within ``within`` seconds (a zombie counts as ended)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().split(") ")[1].startswith("Z"):
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def server():
    found = start_fork_server()
    assert found is not None, "the python3 kernelspec runs ipykernel_launcher: it can fork"
    yield found
    found.close()


@pytest.fixture
def notebook(tmp_path: Path) -> Path:
    # scanning publishes free text: the server imports Presidio and spaCy for it
    return write_notebook(tmp_path / "00_nb.ipynb", "from cs360lib.steps import scanning")


def _client(kernel: WarmKernel):
    from jupyter_client.blocking import BlockingKernelClient

    client = BlockingKernelClient(parent=kernel.km)
    client.load_connection_info(kernel.km.get_connection_info())
    client.start_channels()
    client.wait_for_ready(timeout=60)
    return client


def _run(client, code: str, timeout: float = 60) -> tuple[dict, str]:
    """Execute code; return the reply's content and what it printed (stdout and stderr)."""
    printed: list[str] = []

    def hook(msg: dict) -> None:
        if msg["msg_type"] == "stream":
            printed.append(msg["content"]["text"])

    reply = client.execute_interactive(code, timeout=timeout, output_hook=hook)
    return reply["content"], "".join(printed)


def test_a_forked_kernel_runs_code_in_its_own_process_and_folder(server, notebook) -> None:
    kernel = WarmKernel(notebook, {"CS360_PROBE": "yes"}, fork_server=server)
    try:
        assert kernel.wait() and kernel.warm_up_error is None and kernel.forked
        client = _client(kernel)
        content, printed = _run(
            client,
            "import os, sys\n"
            "print(os.getpid(), os.getppid(), os.getcwd(), sys.path[0],"
            " os.environ['CS360_PROBE'], 'pandas' in sys.modules)",
        )
        assert content["status"] == "ok"
        pid, ppid, cwd, _, probe, imported = printed.split()
        assert int(pid) == kernel.km.provisioner.pid != os.getpid()
        assert int(ppid) == server.process.pid  # forked by the server, not started by us
        assert cwd == str(notebook.parent) and probe == "yes"  # sys.path: test_kernels.py
        assert imported == "True"  # imported by the server before it forked
        # a log handler spaCy made for the server's stderr now writes to the notebook
        content, printed = _run(
            client,
            "import logging, sys\n"
            "print(logging.getLogger('spacy').handlers[0].stream is sys.stderr)",
        )
        assert printed.strip() == "True"
        client.stop_channels()
    finally:
        kernel.shutdown()
    assert _gone(kernel.km.provisioner.pid if kernel.km.provisioner else int(pid))


def test_an_interrupt_reaches_a_forked_kernel(server, notebook) -> None:
    from jupyter_core.utils import run_sync

    kernel = WarmKernel(notebook, fork_server=server)
    try:
        assert kernel.wait() and kernel.forked
        client = _client(kernel)
        msg_id = client.execute("import time\ntime.sleep(60)")
        time.sleep(1.0)
        run_sync(kernel.km.interrupt_kernel)()  # SIGINT to the kernel's process group
        reply = client.get_shell_msg(timeout=20)
        assert reply["parent_header"]["msg_id"] == msg_id
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        content, printed = _run(client, "print('still alive')")  # the kernel lives on
        assert printed.strip() == "still alive"
        client.stop_channels()
    finally:
        kernel.shutdown()


def test_a_forked_kernel_that_exits_reports_its_exit_code(server, notebook) -> None:
    kernel = WarmKernel(notebook, fork_server=server)
    try:
        assert kernel.wait() and kernel.forked
        process = kernel.km.provisioner.process
        assert isinstance(process, ForkedKernelProcess) and process.poll() is None
        client = _client(kernel)
        client.execute("import os\nos._exit(3)")
        assert process.wait(timeout=20) == 3
        client.stop_channels()
    finally:
        kernel.shutdown()


def test_closing_the_server_stops_the_kernels_it_forked(notebook) -> None:
    server = start_fork_server()
    kernel = WarmKernel(notebook, fork_server=server)
    assert kernel.wait() and kernel.forked
    pid = kernel.km.provisioner.pid
    server.close()
    assert _gone(pid) and server.process.poll() is not None
    kernel.shutdown()


def test_the_server_and_its_kernels_end_when_the_run_dies(tmp_path: Path, notebook) -> None:
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from cs360lib.run.kernels import WarmKernel
        from cs360lib.run.start import start_fork_server
        server = start_fork_server()
        kernel = WarmKernel(Path({str(notebook)!r}), fork_server=server)
        kernel.wait()
        print(server.process.pid, kernel.km.provisioner.pid, kernel.forked, flush=True)
        os._exit(9)  # killed: no clean-up of any kind
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    server_pid, kernel_pid, forked = done.stdout.split()
    assert done.returncode == 9 and forked == "True"
    assert _gone(int(server_pid)) and _gone(int(kernel_pid))


def test_a_forked_kernel_ends_when_the_server_is_killed(notebook) -> None:
    server = start_fork_server()
    kernel = WarmKernel(notebook, fork_server=server)
    try:
        assert kernel.wait() and kernel.forked
        pid = kernel.km.provisioner.pid
        os.kill(server.process.pid, signal.SIGKILL)  # no chance to stop its kernels
        assert _gone(pid)
    finally:
        kernel.shutdown()
        server.close()


def forked_processes() -> set[int]:
    """Every process running the fork server's command line: servers and forked kernels."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"cs360lib.run.forkserver" in cmdline and not _gone(int(entry.name), 0):
                found.add(int(entry.name))
    return found


def test_a_run_that_stops_while_its_first_kernel_is_forked_leaves_no_process(
    tmp_path: Path,
) -> None:
    from conftest import BROKEN_ENGAGEMENT, FIXTURE_NOTEBOOKS

    from cs360lib.run.engagement_run import run_engagement
    from cs360lib.run.start import begin_run

    before = forked_processes()
    for attempt in range(3):  # the pre-flight fails while the server imports or forks
        start = begin_run(
            BROKEN_ENGAGEMENT, out_dir=tmp_path / str(attempt), notebooks_dir=FIXTURE_NOTEBOOKS
        )
        result = run_engagement(
            BROKEN_ENGAGEMENT,
            out_dir=tmp_path / str(attempt),
            notebooks_dir=FIXTURE_NOTEBOOKS,
            progress=None,
            start=start,
        )
        assert result.status == "failed"
    deadline = time.monotonic() + 15
    while forked_processes() - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not forked_processes() - before


def test_a_kernel_is_started_as_a_process_when_it_cannot_be_forked(server, notebook) -> None:
    # another command than the server's interpreter running ipykernel_launcher: not forked
    assert server.fork_kernel(["/bin/true"], env={}, cwd="/", output=1, modules=[]) is None
    os.kill(server.process.pid, signal.SIGKILL)  # a server that died: the kernel still starts
    server.process.wait()
    deadline = time.monotonic() + 10
    while server.alive and time.monotonic() < deadline:
        time.sleep(0.05)
    kernel = WarmKernel(notebook, fork_server=server)
    try:
        assert kernel.wait() and kernel.warm_up_error is None and not kernel.forked
        content, _ = _run(_client(kernel), "1 + 1")
        assert content["status"] == "ok"
    finally:
        kernel.shutdown()


def test_no_kernel_starts_once_the_run_closed_its_server(notebook) -> None:
    server = start_fork_server()
    server.close()
    kernel = WarmKernel(notebook, fork_server=server)
    assert kernel.wait() and not kernel.km.has_kernel
    assert "the run is over" in (kernel.warm_up_error or "")


def test_a_server_that_cannot_start_is_no_server(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise OSError("no more processes")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    assert start_fork_server() is None
    with pytest.raises(OSError):
        KernelForkServer([sys.executable])
