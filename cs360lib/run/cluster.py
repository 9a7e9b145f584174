"""Run a batch of engagements as tasks on dask.distributed (``cs360 batch --scheduler``).

Each engagement is one dask task, and the task does what a local batch does for it
(:func:`cs360lib.run.batch.run_subprocess`): it starts ``cs360 run`` as a child process
and reads its result. So a crash, a timeout or a dead kernel fails that engagement only,
and the report folder, the failure records, the summary and the exit code are those of
``cs360 batch --jobs N``.

Rules (docs/batch.md):

- **Shared filesystem.** The engagement files, their data, the notebooks and the reports
  folder are given to the workers as absolute paths, so every worker must see them at
  the same path (NFS, SMB, a cluster filesystem).
- **A lost worker's engagement is retried once.** When a worker dies (killed, out of
  memory, its machine lost), the scheduler starts its task again on another worker. Each
  attempt is counted in a small file under ``<out>/.cs360-batch/<batch>/``; the third
  attempt, or the scheduler giving up (``KilledWorker``), records the engagement as failed
  with a failure record. A ``LocalCluster`` started here allows exactly one retry
  (``distributed.scheduler.allowed-failures`` = 1).
- **Atomic outputs.** A run writes into a hidden ``.partial`` folder next to its final
  folder and renames it at the end (:mod:`cs360lib.run.engagement_run`), and a run
  whose worker dies stops itself (``--exit-with-parent``), so a lost attempt leaves only
  a hidden folder, never a second report.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from cs360lib.errors import RunError
from cs360lib.run.batch import (
    BatchProgress,
    failure_result,
    run_options,
    run_subprocess,
)
from cs360lib.run.engagement_run import RunResult, report_folder_id
from cs360lib.run.progress import one_line, utc_now

__all__ = ["MAX_ATTEMPTS", "cluster_task", "parse_cluster", "run_on_cluster"]

MAX_ATTEMPTS = 2
"""Attempts of an engagement whose worker is lost: the first and one retry."""

ATTEMPTS_FOLDER = ".cs360-batch"
"""Hidden folder of the reports root that counts the attempts of each running batch."""

_CLUSTER = re.compile(r"^local:(\d+)$")


def parse_cluster(spec: str) -> int:
    """Read the number of workers of ``--cluster local:N``.

    Parameters
    ----------
    spec : str
        ``"local:N"`` with N >= 1.

    Returns
    -------
    int
        N.

    Raises
    ------
    RunError
        If ``spec`` is not ``local:N`` with a positive N.
    """
    match = _CLUSTER.match(spec.strip())
    if not match or int(match.group(1)) < 1:
        raise RunError(
            f"--cluster {spec!r}: expected local:N with N >= 1 workers (for example local:4); "
            "for workers on other machines start a scheduler and use --scheduler ADDRESS"
        )
    return int(match.group(1))


def run_on_cluster(
    engagements: Sequence[str | os.PathLike[str]],
    *,
    out: Path,
    scheduler: str | None,
    cluster: str | None,
    notebooks_dir: str | os.PathLike[str] | None,
    only: list[str] | None,
    timeout: float | None,
    fail_fast: bool,
    pdf: bool | None,
    tally: BatchProgress,
) -> list[RunResult]:
    """Run each engagement as a task on a dask.distributed cluster.

    Called by :func:`cs360lib.run.batch.run_batch` when it is given ``scheduler`` or
    ``cluster``; see the module docstring for the rules.

    Parameters
    ----------
    engagements : sequence of path
        Engagement files (made absolute for the workers).
    out : Path
        Reports root, absolute, on a filesystem every worker shares.
    scheduler : str or None
        Address of a running scheduler (``tcp://host:8786``).
    cluster : str or None
        ``"local:N"``: start a ``LocalCluster`` of N single-threaded worker processes.
    notebooks_dir, only, timeout, fail_fast, pdf
        As in :func:`~cs360lib.run.engagement_run.run_engagement`.
    tally : BatchProgress
        Reports starts (from the workers' events) and results.

    Returns
    -------
    list of RunResult
        The results in the order of ``engagements``, lost or failed tasks included (each
        with its failure record).

    Raises
    ------
    RunError
        If both or neither of ``scheduler`` and ``cluster`` are given, ``cluster`` is
        malformed, or the scheduler cannot be reached.
    """
    if (scheduler is None) == (cluster is None):
        raise RunError("give either a scheduler address or --cluster local:N, not both")
    workers = parse_cluster(cluster) if cluster is not None else None
    from distributed import as_completed
    from distributed.client import FutureCancelledError

    token = uuid.uuid4().hex[:12]
    attempts = out / ATTEMPTS_FOLDER / token
    paths = [str(Path(e).expanduser().resolve()) for e in engagements]
    labels = [report_folder_id(Path(p)) for p in paths]
    nb_dir = str(Path(notebooks_dir).resolve()) if notebooks_dir is not None else None
    options = run_options(nb_dir, only, timeout, fail_fast, pdf)
    results: list[RunResult | None] = [None] * len(paths)
    finished: set[int] = set()
    lock = threading.Lock()
    topic = f"cs360-batch-{token}"

    def on_event(event: Any) -> None:
        message = event[1] if isinstance(event, tuple) else event
        with lock:
            if not isinstance(message, dict) or message.get("index") in finished:
                return
        i, attempt = int(message["index"]), int(message.get("attempt", 1))
        note = f" on {message.get('host', '?')}"
        if attempt > 1:
            note += f" (attempt {attempt}: the worker of the last attempt was lost)"
        tally.started(labels[i], note)

    out.mkdir(parents=True, exist_ok=True)
    try:
        with _client(scheduler, workers) as client:
            client.subscribe_topic(topic, on_event)
            started = time.perf_counter()
            futures = {
                client.submit(
                    cluster_task,
                    i,
                    path,
                    str(out),
                    nb_dir,
                    only,
                    timeout,
                    fail_fast,
                    pdf,
                    str(attempts),
                    topic,
                    key=f"cs360-{labels[i]}-{token}-{i}",
                    pure=False,
                ): i
                for i, path in enumerate(paths)
            }
            for future in as_completed(futures):
                i = futures[future]
                try:
                    result = RunResult.from_dict(future.result())
                except FutureCancelledError as exc:
                    result = failure_result(
                        paths[i],
                        out,
                        f"the dask task was cancelled ({one_line(exc)})",
                        started=started,
                        options=options,
                    )
                except Exception as exc:  # noqa: BLE001 - every engagement gets a record
                    error = _task_error(exc, attempts / f"{i}.attempts")
                    result = failure_result(paths[i], out, error, started=started, options=options)
                result.engagement = str(engagements[i])
                with lock:
                    finished.add(i)
                results[i] = result
                tally.finished(result, labels[i])
            client.unsubscribe_topic(topic)
    finally:
        shutil.rmtree(attempts, ignore_errors=True)
        with contextlib.suppress(OSError):
            attempts.parent.rmdir()  # only when no other batch is counting there
    return [r for r in results if r is not None]


def cluster_task(
    index: int,
    engagement: str,
    out: str,
    notebooks_dir: str | None,
    only: list[str] | None,
    timeout: float | None,
    fail_fast: bool,
    pdf: bool | None,
    attempts_dir: str,
    topic: str,
) -> dict[str, Any]:
    """Run one engagement on a dask worker (the task :func:`run_on_cluster` submits).

    Counts its attempt in ``<attempts_dir>/<index>.attempts`` (one line per start, with
    host, process and time), tells the client it started (a worker event on ``topic``),
    then runs :func:`cs360lib.run.batch.run_subprocess`. When the file already holds
    :data:`MAX_ATTEMPTS` starts (the worker was lost on each), the engagement is recorded
    as failed instead of run a third time, whatever the scheduler's
    ``allowed-failures``.

    Parameters
    ----------
    index : int
        Position of the engagement in the batch.
    engagement, out, notebooks_dir, only, timeout, fail_fast, pdf
        As in :func:`cs360lib.run.batch.run_subprocess` (paths absolute).
    attempts_dir : str
        Folder of the attempt counts, on the shared filesystem.
    topic : str
        Event topic the client listens to.

    Returns
    -------
    dict
        :meth:`RunResult.to_dict` of the run (plain data, so that client and workers
        need not share pickled classes).
    """
    started = time.perf_counter()
    counts = Path(attempts_dir) / f"{index}.attempts"
    counts.parent.mkdir(parents=True, exist_ok=True)
    before = counts.read_text(encoding="utf-8").splitlines() if counts.exists() else []
    if len(before) >= MAX_ATTEMPTS:
        error = _lost_text(len(before)) + ": " + "; ".join(before)
        options = run_options(notebooks_dir, only, timeout, fail_fast, pdf)
        return failure_result(
            engagement, Path(out), error, started=started, options=options
        ).to_dict()
    host = socket.gethostname()
    with counts.open("a", encoding="utf-8") as f:
        f.write(f"attempt {len(before) + 1} on {host} pid {os.getpid()} at {utc_now():%H:%M:%S}\n")
    with contextlib.suppress(Exception):  # progress only: never fail the run for it
        from distributed import get_worker

        get_worker().log_event(topic, {"index": index, "attempt": len(before) + 1, "host": host})
    result = run_subprocess(engagement, Path(out), notebooks_dir, only, timeout, fail_fast, pdf)
    return result.to_dict()


# --------------------------------------------------------------------------- internals


@contextlib.contextmanager
def _client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """Connect to ``scheduler``, or start a LocalCluster of ``workers`` processes."""
    import dask
    from distributed import Client, LocalCluster

    if workers is not None:
        # one retry of a lost worker's task (the scheduler reads this when it starts)
        with dask.config.set({"distributed.scheduler.allowed-failures": MAX_ATTEMPTS - 1}):
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    assert scheduler is not None
    try:
        client = Client(scheduler)  # waits distributed.comm.timeouts.connect (30 s)
    except (OSError, TimeoutError) as exc:
        raise RunError(
            f"cannot reach the dask scheduler at {scheduler}: {one_line(exc)}; start one with "
            "`dask scheduler` and workers with `dask worker ADDRESS` (docs/batch.md)"
        ) from exc
    with client:
        yield client


def _lost_text(attempts: int) -> str:
    return (
        f"the dask worker running this engagement was lost on {attempts} attempts "
        f"(a lost worker's engagement is retried {MAX_ATTEMPTS - 1} time)"
    )


def _task_error(exc: BaseException, counts: Path) -> str:
    """Describe why a task gave no result: a lost worker, or an error of the task itself."""
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        with contextlib.suppress(OSError):
            starts = counts.read_text(encoding="utf-8").splitlines()
            return _lost_text(len(starts)) + ": " + "; ".join(starts)
        return _lost_text(MAX_ATTEMPTS) + f" ({one_line(exc)})"
    return f"the dask task failed before the run could report: {one_line(exc)}"
