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
import subprocess
import sys
import tempfile
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

__all__ = ["format_summary", "run_batch"]


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
) -> list[RunResult]:
    """Run many engagements, each in its own ``cs360 run`` process.

    A failing engagement (bad data, an exception, a timeout, a dead kernel, a
    crashed interpreter) is recorded next to its report and does not stop the
    others.

    Parameters
    ----------
    engagements : sequence of path
        Engagement YAML files.
    jobs : int, default 1
        How many engagements run at the same time.
    out_dir, notebooks_dir, only, timeout, fail_fast, pdf
        As in :func:`~cs360lib.run.engagement_run.run_engagement`.
    progress : callable, optional
        Receives one line per finished engagement; defaults to stderr.

    Returns
    -------
    list of RunResult
        One per engagement, in the order given.
    """
    say = progress_sink(progress, [])
    out = Path(out_dir).expanduser().resolve()
    only_list = list(only) if only is not None else None

    def one(path: str | os.PathLike[str]) -> RunResult:
        result = _run_subprocess(path, out, notebooks_dir, only_list, timeout, fail_fast, pdf)
        say(
            f"[batch] {result.engagement_id}: {result.status} in {result.duration_s:.1f} s"
            + (f" ({result.error})" if result.error else "")
        )
        return result

    with cf.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, engagements))


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


def _run_subprocess(
    engagement: str | os.PathLike[str],
    out: Path,
    notebooks_dir: str | os.PathLike[str] | None,
    only: list[str] | None,
    timeout: float | None,
    fail_fast: bool,
    pdf: bool | None = None,
) -> RunResult:
    """Run ``python -m cs360lib.cli run`` for one engagement and read its result."""
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
        options = RunOptions(
            notebooks_dir=str(
                Path(notebooks_dir).resolve()
                if notebooks_dir is not None
                else default_notebooks_dir()
            ),
            only=only,
            timeout_s=timeout,
            fail_fast=fail_fast,
            pdf=bool(pdf),
        )
        try:
            folder: Path | None = write_failure_record(
                engagement, out, error, log=stderr, options=options, command=cmd
            )
        except OSError as exc:  # e.g. the reports folder is not writable
            error += f"; the failure record could not be written either: {exc}"
            folder = None
        return RunResult(
            engagement=str(engagement),
            engagement_id=folder.parent.name if folder else report_folder_id(Path(engagement)),
            status="failed",
            report_dir=folder,
            duration_s=time.perf_counter() - t0,
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
