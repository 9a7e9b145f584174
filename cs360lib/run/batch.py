"""Run many engagements, each in its own ``cs360 run`` process, and tabulate the outcome.

A failing engagement (bad data, an exception, a timeout, a dead kernel, a crashed
interpreter) never stops the others: each runs in a subprocess, and a process
that dies before writing its report folder gets a failure record
(:func:`~cs360lib.run.engagement_run.write_failure_record`) from the batch.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from cs360lib.run.engagement_run import (
    DEFAULT_OUT,
    RunResult,
    report_folder_id,
    write_failure_record,
)
from cs360lib.run.execute import DEFAULT_TIMEOUT, default_notebooks_dir
from cs360lib.run.manifest import RunOptions
from cs360lib.run.progress import Progress, progress_sink, shorten_middle

__all__ = [
    "BatchProgress",
    "failure_result",
    "format_summary",
    "run_batch",
    "run_options",
    "run_subprocess",
    "watch_parent",
]


def run_batch(
    engagements: Sequence[str | os.PathLike[str]],
    *,
    jobs: int = 1,
    out_dir: str | os.PathLike[str] = DEFAULT_OUT,
    notebooks_dir: str | os.PathLike[str] | None = None,
    only: Iterable[str] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    fail_fast: bool = False,
    progress: Progress | None = None,
    pdf: bool | None = None,
    scheduler: str | None = None,
    cluster: str | None = None,
) -> list[RunResult]:
    """Run many engagements, each in its own ``cs360 run`` process.

    A failing engagement (bad data, an exception, a timeout, a dead kernel, a
    crashed interpreter) is recorded next to its report and does not stop the
    others. With ``scheduler`` or ``cluster`` the engagements run as tasks on
    dask.distributed (:func:`cs360lib.run.cluster.run_on_cluster`); the results,
    failure records and summary are the same.

    Parameters
    ----------
    engagements : sequence of path
        Engagement YAML files.
    jobs : int, default 1
        How many engagements run at the same time on this machine (ignored with
        ``scheduler`` or ``cluster``, where the workers' threads decide).
    out_dir, notebooks_dir, only, timeout, fail_fast, pdf
        As in :func:`~cs360lib.run.engagement_run.run_engagement`.
    progress : callable, optional
        Receives one line when an engagement starts or ends, with the counts of
        engagements done, failed and running; defaults to stderr.
    scheduler : str, optional
        Address of a running dask.distributed scheduler (``tcp://host:8786``).
    cluster : str, optional
        ``"local:N"``: start a dask ``LocalCluster`` of N worker processes for this batch.

    Returns
    -------
    list of RunResult
        One per engagement, in the order given.

    Raises
    ------
    RunError
        If ``cluster`` is malformed, both ``scheduler`` and ``cluster`` are given, or the
        scheduler cannot be reached.
    """
    say = progress_sink(progress, [])
    out = Path(out_dir).expanduser().resolve()
    only_list = list(only) if only is not None else None
    tally = BatchProgress(len(engagements), say)
    if scheduler is not None or cluster is not None:
        from cs360lib.run.cluster import run_on_cluster

        return run_on_cluster(
            engagements,
            out=out,
            scheduler=scheduler,
            cluster=cluster,
            notebooks_dir=notebooks_dir,
            only=only_list,
            timeout=timeout,
            fail_fast=fail_fast,
            pdf=pdf,
            tally=tally,
        )

    def one(path: str | os.PathLike[str]) -> RunResult:
        label = report_folder_id(Path(path))
        tally.started(label)
        result = run_subprocess(path, out, notebooks_dir, only_list, timeout, fail_fast, pdf)
        tally.finished(result, label)
        return result

    with cf.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, engagements))


class BatchProgress:
    """Count the engagements of a batch and report each start and end.

    Each line names the engagement and what happened, then the counts:
    ``[batch] river-city: ok in 41.2 s - 3 of 20 done (1 failed), 2 running``.
    Thread-safe: the local pool and the cluster client call it from several threads.

    Parameters
    ----------
    total : int
        Engagements in the batch.
    say : callable
        Receives each line.
    """

    def __init__(self, total: int, say: Progress) -> None:
        self.total = total
        self.say = say
        self.running: set[str] = set()
        self.done = 0
        self.failed = 0
        self._lock = threading.Lock()

    def counts(self) -> str:
        """Return the counts part of a line: done (failed) and running."""
        return (
            f"{self.done} of {self.total} done ({self.failed} failed), {len(self.running)} running"
        )

    def started(self, label: str, note: str = "") -> None:
        """Report that an engagement started (``note``: e.g. ``"attempt 2 ..."``)."""
        with self._lock:
            self.running.add(label)
            self.say(f"[batch] {label}: started{note} - {self.counts()}")

    def finished(self, result: RunResult, label: str | None = None) -> None:
        """Report an engagement's result (``label``: the name it was started under)."""
        with self._lock:
            self.running.discard(label or result.engagement_id)
            self.done += 1
            self.failed += not result.ok
            self.say(
                f"[batch] {result.engagement_id}: {result.status} in {result.duration_s:.1f} s"
                + (f" ({shorten_middle(result.error, 200)})" if result.error else "")
                + f" - {self.counts()}"
            )


def format_summary(results: Sequence[RunResult], *, width: int = 100) -> str:
    """Format batch results as a plain-text table.

    Parameters
    ----------
    results : sequence of RunResult
        Results of :func:`run_batch`.
    width : int, default 100
        Longest error text shown (long errors keep their start and end).

    Returns
    -------
    str
        Columns: engagement, status, duration, report dir, error.
    """
    header = ("engagement", "status", "duration", "report dir", "error")
    rows = [
        (
            r.engagement_id,
            r.status,
            f"{r.duration_s:.1f} s",
            str(r.report_dir) if r.report_dir else "-",
            shorten_middle(r.error or "", width),
        )
        for r in results
    ]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    ok = sum(r.ok for r in results)
    lines.append(f"{ok} of {len(results)} engagements ok")
    return "\n".join(lines)


def run_subprocess(
    engagement: str | os.PathLike[str],
    out: Path,
    notebooks_dir: str | os.PathLike[str] | None,
    only: list[str] | None,
    timeout: float | None,
    fail_fast: bool,
    pdf: bool | None = None,
) -> RunResult:
    """Run ``python -m cs360lib.cli run`` for one engagement and read its result.

    The body of every batch task, on this machine or on a dask worker: the run is a
    child process, so a crash, a timeout or a dead kernel fails this engagement only.
    The child exits when this process dies (``--exit-with-parent``), so that a lost
    dask worker leaves no run behind to publish a second report.

    Parameters
    ----------
    engagement : path
        The engagement file.
    out : Path
        Reports root (absolute).
    notebooks_dir, only, timeout, fail_fast, pdf
        As in :func:`run_batch`.

    Returns
    -------
    RunResult
        The run's own result, or a failure record when the process died first.
    """
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cs360-batch-") as td:
        result_json = Path(td) / "result.json"
        cmd = [
            sys.executable,
            "-m",
            "cs360lib.cli",
            "run",
            str(engagement),
            "--out",
            str(out),
            "--result-json",
            str(result_json),
            "--timeout",
            str(timeout if timeout is not None else 0),
            "--exit-with-parent",
            # a batch runs engagements side by side: each runs its notebooks one at a time
            "--notebooks-at-once",
            "1",
        ]
        if notebooks_dir is not None:
            cmd += ["--notebooks", str(notebooks_dir)]
        if only:
            cmd += ["--only", ",".join(only)]
        if fail_fast:
            cmd += ["--fail-fast"]
        if pdf:
            cmd += ["--pdf"]
        returncode, stderr = _spawn(cmd)
        if result_json.exists():
            result = RunResult.from_dict(json.loads(result_json.read_text(encoding="utf-8")))
            result.engagement = str(engagement)
            result.duration_s = time.perf_counter() - t0  # includes process start-up
            return result
        error = f"cs360 run process exited with code {returncode} before writing a report"
        tail = "\n".join(stderr.strip().splitlines()[-20:])
        if tail:
            error += f": {tail.splitlines()[-1]}"
        return failure_result(
            engagement,
            out,
            error,
            started=t0,
            log=stderr,
            options=run_options(notebooks_dir, only, timeout, fail_fast, pdf),
            command=cmd,
        )


def run_options(
    notebooks_dir: str | os.PathLike[str] | None,
    only: list[str] | None,
    timeout: float | None,
    fail_fast: bool,
    pdf: bool | None,
) -> RunOptions:
    """Build the :class:`~cs360lib.run.manifest.RunOptions` a batch starts each run with.

    Parameters
    ----------
    notebooks_dir, only, timeout, fail_fast, pdf
        As in :func:`run_batch`.

    Returns
    -------
    RunOptions
        With the notebooks folder resolved (the default one when ``None``).
    """
    return RunOptions(
        notebooks_dir=str(
            Path(notebooks_dir).resolve() if notebooks_dir is not None else default_notebooks_dir()
        ),
        only=only,
        timeout_s=timeout,
        fail_fast=fail_fast,
        pdf=bool(pdf),
    )


def failure_result(
    engagement: str | os.PathLike[str],
    out: Path,
    error: str,
    *,
    started: float,
    log: str = "",
    options: RunOptions | None = None,
    command: list[str] | None = None,
) -> RunResult:
    """Record an engagement whose run produced no report folder, and return its result.

    The one place where a batch (local processes or a cluster) turns a run that died
    (a crashed process, a lost worker) into a failure record
    (:func:`~cs360lib.run.engagement_run.write_failure_record`) and a ``"failed"``
    :class:`~cs360lib.run.engagement_run.RunResult`.

    Parameters
    ----------
    engagement : path
        The engagement file.
    out : Path
        Reports root.
    error : str
        What happened, in one line.
    started : float
        ``time.perf_counter()`` when the engagement was started (for ``duration_s``).
    log : str, optional
        Captured output, appended to ``ERROR.txt``.
    options : RunOptions, optional
        The options of the run.
    command : list of str, optional
        The command of the run process.

    Returns
    -------
    RunResult
        Status ``"failed"``; ``report_dir`` is the failure record's folder, or ``None``
        when it could not be written (the reason is added to ``error``).
    """
    try:
        folder: Path | None = write_failure_record(
            engagement, out, error, log=log, options=options, command=command
        )
    except OSError as exc:  # e.g. the reports folder is not writable
        error += f"; the failure record could not be written either: {exc}"
        folder = None
    return RunResult(
        engagement=str(engagement),
        engagement_id=folder.parent.name if folder else report_folder_id(Path(engagement)),
        status="failed",
        report_dir=folder,
        duration_s=time.perf_counter() - started,
        error=error,
    )


def _spawn(cmd: list[str], keep: int = 400) -> tuple[int, str]:
    """Run a command, echoing its stderr live; return its exit code and the last lines."""
    tail: collections.deque[str] = collections.deque(maxlen=keep)
    with subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace"
    ) as proc:
        assert proc.stderr is not None
        for line in proc.stderr:
            sys.stderr.write(line)
            sys.stderr.flush()
            tail.append(line)
    return proc.returncode, "".join(tail)


def watch_parent(interval: float = 1.0, grace: float = 20.0) -> threading.Thread:
    """End this process when its parent dies (``cs360 run --exit-with-parent``).

    A batch starts each run as a child process. When the parent (a dask worker that
    was killed, a batch that was interrupted) dies, the child is adopted by another
    process; this watch sees the parent change, sends itself ``SIGINT`` (the run marks
    its hidden ``.partial`` folder as interrupted and shuts its kernel down, publishing
    nothing) and, if it is still alive after ``grace`` seconds, exits with code 137.
    So a retried engagement never gets a second report from its lost first attempt.

    Parameters
    ----------
    interval : float, default 1.0
        Seconds between checks of the parent process id.
    grace : float, default 20.0
        Seconds the interrupted run gets to stop its kernel.

    Returns
    -------
    threading.Thread
        The daemon thread that watches.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(grace)
        os._exit(137)

    thread = threading.Thread(target=watch, name="cs360-watch-parent", daemon=True)
    thread.start()
    return thread
