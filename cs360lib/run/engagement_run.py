"""Run the CS360 notebook sequence for one engagement into one report folder.

``run_engagement`` loads the engagement, loads every source as a pre-flight
(:func:`~cs360lib.data.loaders.sources.load_engagement` with ``errors="collect"``),
executes every ``NN_*.ipynb`` notebook with papermill and writes, into
``<out>/<engagement id>/<timestamp>/``:

``NN_name.ipynb``
    The executed notebook (partial when it failed; the error is in it).
``NN_name.html`` / ``NN_name.analyst.html``
    Offline stakeholder and analyst reports (see :mod:`cs360lib.run.reports`).
``index.html``
    Offline list of the notebooks with their status, and of the sources.
``manifest.json``
    Engagement, parameters, every input file with size and sha256, every source
    with its row counts, package versions, per-notebook status, duration and error
    (:class:`cs360lib.run.manifest.Manifest`).
``ERROR.txt``
    Only when something failed: what failed and why, in plain text.
``run.log``
    The progress lines shown on stderr.

Each source is loaded once per run. The pre-flight writes every loaded source into a load
cache in the run folder (:class:`~cs360lib.data.loaders.cache.LoadCache`, Parquet, keyed by
the sha256 of the source's files, its mapping and the loader code), and every notebook kernel
started by the run is told where it is (the environment variable
:data:`~cs360lib.data.loaders.cache.CACHE_ENV`, set only in those kernels), so that
``cs.load_engagement(eng)`` in a notebook reads the typed tables instead of loading the
files again; a source whose files or mapping changed meanwhile has another key and is loaded
directly. The manifest records each source's key and, per notebook, every lookup (hit or
miss). The cache holds row-level data, so it is deleted before the folder is published.

Outputs appear atomically. Everything is written into a hidden folder
``<out>/<id>/.<timestamp>.partial-<pid>`` and renamed to ``<timestamp>`` only at
the end, after ``manifest.json`` is written. So a report folder that exists
under its final name is finished, and its manifest says whether it succeeded
(``"status": "ok"``) or failed (``"status": "failed"`` plus ``ERROR.txt``). A run
that is killed or interrupted leaves only the hidden ``.partial`` folder (with a
manifest saying ``"interrupted"`` when Python could still write it).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import shutil
import time
import traceback
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cs360lib.config.engagement import Engagement
from cs360lib.data.loaders.cache import LoadCache
from cs360lib.data.loaders.packed import release_memory
from cs360lib.data.loaders.sources import load_engagement
from cs360lib.errors import Cs360Error, RunError
from cs360lib.run import execute, schedule
from cs360lib.run.execute import DEFAULT_TIMEOUT, NotebookResult
from cs360lib.run.finish import finish_reports
from cs360lib.run.forkserver import KernelForkServer
from cs360lib.run.frontpage import SAMPLE_ENGAGEMENT_ID
from cs360lib.run.index import render_index
from cs360lib.run.kernels import WarmKernel
from cs360lib.run.manifest import (
    EngagementRecord,
    Manifest,
    Parameters,
    RunOptions,
    SourceRecord,
    describe_inputs,
)
from cs360lib.run.progress import Progress, one_line, progress_sink, utc_now
from cs360lib.run.start import (
    DEFAULT_OUT,
    LOAD_CACHE_DIR,
    RunStart,
    begin_run,
    kernel_environment,
    partial_folder,
    report_folder_id,
)

__all__ = [
    "DEFAULT_OUT",
    "LOAD_CACHE_DIR",
    "RunResult",
    "error_text",
    "release_memory",
    "report_folder_id",
    "run_engagement",
    "write_failure_record",
]


@dataclass
class RunResult:
    """Outcome of running one engagement.

    Attributes
    ----------
    engagement : str
        The engagement file as given.
    engagement_id : str
        Engagement id (or a name derived from the file when it could not be read).
    status : str
        ``"ok"`` when every source loaded and every notebook succeeded, else ``"failed"``.
    report_dir : Path or None
        Final report folder.
    duration_s : float
        Wall-clock time of the whole run.
    error : str or None
        Summary of what failed.
    notebooks : list of NotebookResult
        Per-notebook outcomes.
    """

    engagement: str
    engagement_id: str
    status: str
    report_dir: Path | None
    duration_s: float
    error: str | None = None
    notebooks: list[NotebookResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the run succeeded."""
        return self.status == "ok"

    @property
    def manifest_path(self) -> Path | None:
        """Path of ``manifest.json`` in the report folder."""
        return None if self.report_dir is None else self.report_dir / "manifest.json"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        data = asdict(self)
        data["report_dir"] = None if self.report_dir is None else str(self.report_dir)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        """Rebuild a result from :meth:`to_dict` output."""
        data = dict(data)
        data["notebooks"] = [NotebookResult(**nb) for nb in data.get("notebooks", [])]
        data["report_dir"] = Path(data["report_dir"]) if data.get("report_dir") else None
        return cls(**data)


def run_engagement(
    engagement: str | os.PathLike[str],
    *,
    out_dir: str | os.PathLike[str] = DEFAULT_OUT,
    notebooks_dir: str | os.PathLike[str] | None = None,
    only: Iterable[str] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    fail_fast: bool = False,
    chart_renderer: str = "svg",
    progress: Progress | None = None,
    timestamp: str | None = None,
    pdf: bool | None = None,
    notebooks_at_once: int | None = None,
    start: RunStart | None = None,
) -> RunResult:
    """Execute the notebook sequence for one engagement and write its reports.

    Before any notebook runs, the engagement file is validated, every source is
    loaded (all failures are collected) and every input file is hashed; a bad
    engagement, a missing file, a source that cannot be loaded or a source that yields
    no usable rows (none loaded, or more rejected than ``analysis.max_rejected_share``)
    fails the run at once, without executing a notebook (the first notebook's kernel,
    started ahead to warm up during the pre-flight, is stopped), with every problem in
    ``ERROR.txt`` and the manifest.

    Never raises for a failing notebook or a bad engagement: the failure is
    recorded in the manifest, ``ERROR.txt`` and the returned result. Only
    ``KeyboardInterrupt`` propagates (after marking the partial folder).

    Parameters
    ----------
    engagement : path
        The engagement YAML file.
    out_dir : path, default "reports"
        Reports root; the run is written to ``<out_dir>/<id>/<timestamp>/``.
    notebooks_dir : path, optional
        Folder of ``NN_*.ipynb`` notebooks; defaults to
        :func:`~cs360lib.run.execute.default_notebooks_dir` (the notebooks shipped with
        the package, or the repository's in an editable install).
    only : iterable of str, optional
        Run only these notebooks (see :func:`~cs360lib.run.execute.discover_notebooks`).
    timeout : float or None, default 1800
        Per-cell execution timeout in seconds; ``None`` for no limit.
    fail_fast : bool, default False
        Skip the remaining notebooks after the first failure.
    chart_renderer : {"svg", "png"}, default "svg"
        Passed to the notebooks.
    progress : callable, optional
        Receives one line per event; defaults to printing on stderr.
    timestamp : str, optional
        Report folder name; defaults to the UTC start time ``YYYYmmddTHHMMSSZ``.
    pdf : bool, optional
        Also print each stakeholder report to PDF (:mod:`cs360lib.run.pdf`); defaults to
        the engagement's ``publishing.pdf``.
    notebooks_at_once : int, optional
        Most notebooks executed at the same time, among those whose metadata lets them run
        beside the ones before them (:mod:`cs360lib.run.schedule`); by default two on a
        machine with two cores or more when the loaded tables are small
        (:func:`~cs360lib.run.schedule.notebooks_at_once`), else one. ``cs360 batch`` runs
        each engagement with one.
    start : RunStart, optional
        The run as :func:`~cs360lib.run.start.begin_run` began it, with the same
        ``engagement``, ``out_dir``, ``notebooks_dir``, ``only`` and ``timestamp``: its
        folder, its start time and the first notebook's kernel, started before the caller
        imported this module (``cs360 run`` does). By default the run begins here and starts
        the first kernel once the engagement is valid.

    Returns
    -------
    RunResult
        Outcome, with ``report_dir`` the final folder.

    Raises
    ------
    ValueError
        If ``start`` was begun for another engagement file.
    """
    eng_path = Path(engagement).expanduser().resolve()
    if start is None:
        start = begin_run(
            eng_path,
            out_dir=out_dir,
            notebooks_dir=notebooks_dir,
            only=only,
            timestamp=timestamp,
            start_kernel=False,
        )
    elif start.engagement != eng_path:
        start.abandon()
        raise ValueError(f"the run was begun for {start.engagement}, not {eng_path}")
    started, started_at, ts, tmp = start.clock, start.started_at, start.timestamp, start.partial
    log_lines: list[str] = []
    say = progress_sink(progress, log_lines)

    eng: Engagement | None = None
    eng_id = start.folder_id
    error: str | None = start.notebooks_error
    notebooks = start.notebooks
    try:
        eng = Engagement.load(eng_path)
        eng_id = eng.id
    except Cs360Error as exc:  # the whole message: it lists every problem of the file
        error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - recorded, never raised
        error = one_line(exc)
    say(f"[{eng_id}] engagement {eng_path}")

    base = start.out_dir / eng_id
    results = [NotebookResult(name=p.stem, status="pending") for p in notebooks]
    manifest = Manifest(
        engagement=EngagementRecord(
            id=eng_id,
            name=eng.name if eng else None,
            path=str(eng_path),
            department=eng.info.department or None if eng else None,
        ),
        publishing=eng.publishing.model_dump(mode="json") if eng else None,
        parameters=Parameters(
            engagement=str(eng_path), interactive=False, chart_renderer=chart_renderer
        ),
        options=RunOptions(
            notebooks_dir=str(
                Path(notebooks_dir).resolve()
                if notebooks_dir is not None
                else execute.default_notebooks_dir()
            ),
            only=list(only) if only is not None else None,
            timeout_s=timeout,
            fail_fast=fail_fast,
            pdf=bool(pdf if pdf is not None else (eng is not None and eng.publishing.pdf)),
        ),
        started_at=started_at,
        error=error,
        notebooks=results,
    )
    cache = LoadCache(start.cache_folder)
    ahead = _KernelsAhead(notebooks, cache, say, eng_id, start.fork_server)
    if start.first_kernel is not None:
        ahead.kernels[0], start.first_kernel = start.first_kernel, None
    try:
        if eng is not None and error is None:
            ahead.start(0)  # the first kernel warms up while the pre-flight loads the sources
            if schedule.notebooks_at_once(notebooks_at_once, _input_bytes(eng)) > 1:
                ahead.start(1)  # and the second, which may start beside it
        table_bytes = None
        if eng is not None:
            error, table_bytes = _preflight(eng, manifest, error, say, cache)
        if error is not None:
            say(f"[{eng_id}] cannot run: {error}")
            for res in results:
                res.status = "skipped"
        else:
            # the second kernel is started now, not when the first notebook starts: it is then
            # ready when that notebook ends (the first notebook starts earlier than it did)
            ahead.start(1)
            parameters = manifest.parameters.model_dump()
            at_once = schedule.notebooks_at_once(notebooks_at_once, table_bytes)
            manifest.options.notebooks_at_once = at_once
            _execute_all(
                notebooks,
                results,
                tmp,
                parameters,
                eng,
                timeout,
                fail_fast,
                say,
                eng_id,
                ahead,
                at_once,
            )
            manifest.notebooks = results
            finish_reports(tmp, manifest, say=say)
            failed = [r for r in results if r.status not in ("ok", "skipped")]
            if failed:
                error = "; ".join(
                    f"{r.name}: {r.status}" + (f" ({r.error})" if r.error else "") for r in failed
                )
    except KeyboardInterrupt:
        shutil.rmtree(cache.folder, ignore_errors=True)
        manifest.notebooks = results
        manifest.status = "interrupted"
        manifest.error = "interrupted before the run finished"
        manifest.finished_at = utc_now()
        with contextlib.suppress(OSError):
            manifest.write(tmp)
        say(f"[{eng_id}] interrupted; partial output left in {tmp}")
        raise
    finally:
        ahead.shutdown()  # a kernel started for a run that could not run, or a skipped notebook
        start.close_fork_server()
    duration = time.perf_counter() - started
    manifest.notebooks = results
    manifest.status = "ok" if error is None else "failed"
    manifest.complete = True
    manifest.error = error
    manifest.finished_at = utc_now()
    manifest.duration_s = round(duration, 3)
    manifest.report_dir = str(_free_dir(base, ts))
    say(f"[{eng_id}] {manifest.status} in {duration:.1f} s -> {manifest.report_dir}")
    shutil.rmtree(cache.folder, ignore_errors=True)  # row-level data: never published
    final = _finish(tmp, base, ts, manifest, log_lines)
    return RunResult(
        engagement=str(engagement),
        engagement_id=eng_id,
        status=manifest.status,
        report_dir=final,
        duration_s=duration,
        error=error,
        notebooks=results,
    )


def write_failure_record(
    engagement: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    error: str,
    *,
    log: str = "",
    options: RunOptions | None = None,
    command: list[str] | None = None,
) -> Path:
    """Write ``manifest.json`` and ``ERROR.txt`` for a run that produced nothing.

    Used by :func:`cs360lib.run.batch.run_batch` when a ``cs360 run`` process died
    before writing its own report folder. The manifest has the same layout as a
    run's, with ``status`` ``"failed"``.

    Parameters
    ----------
    engagement : path
        The engagement file.
    out_dir : path
        Reports root.
    error : str
        What happened.
    log : str, optional
        Captured process output, appended to ``ERROR.txt``.
    options : RunOptions, optional
        The options the run was started with, when known.
    command : list of str, optional
        The command of the run process; defaults to this process's.

    Returns
    -------
    Path
        The report folder.
    """
    eng_path = Path(engagement).expanduser().resolve()
    eng_id = report_folder_id(eng_path)
    ts = utc_now().strftime("%Y%m%dT%H%M%SZ")
    base = Path(out_dir) / eng_id
    tmp = partial_folder(base, ts)
    now = utc_now()
    manifest = Manifest(
        status="failed",
        complete=True,
        engagement=EngagementRecord(id=eng_id, path=str(eng_path)),
        parameters=Parameters(engagement=str(eng_path)),
        options=options,
        started_at=now,
        finished_at=now,
        error=error,
        report_dir=str(_free_dir(base, ts)),
        **({"command": command} if command is not None else {}),
    )
    return _finish(tmp, base, ts, manifest, None, log=log, index=False)


def error_text(manifest: Manifest, *, log: str = "") -> str:
    """Write ``ERROR.txt``: what failed in a run and why, in plain text.

    Parameters
    ----------
    manifest : Manifest
        The run's manifest: its error, the sources that failed to load or yield no
        usable rows, and every
        notebook that did not succeed, with its traceback.
    log : str, optional
        Output of the run process (for a run process that died), appended at the end.

    Returns
    -------
    str
        The text of ``ERROR.txt``.
    """
    eng = manifest.engagement
    finished = manifest.finished_at.isoformat() if manifest.finished_at else "-"
    lines = [
        f"cs360 run FAILED for engagement {eng.id} ({eng.path})",
        f"finished {finished}",
        "",
        f"error: {manifest.error}",
    ]
    failed_sources = [s for s in manifest.sources if s.status != "ok"]
    if failed_sources:
        lines += ["", "== sources that could not be loaded or yield no usable rows"]
        lines += [f"{s.name} ({s.kind}): {s.error}" for s in failed_sources]
    for r in manifest.notebooks:
        if r.status in ("ok", "skipped", "pending"):
            continue
        lines += ["", f"== {r.name}: {r.status} after {r.duration_s:.1f} s", r.error or ""]
        if r.traceback:
            lines += ["", r.traceback.rstrip()]
    skipped = [r.name for r in manifest.notebooks if r.status == "skipped"]
    if skipped:
        lines += ["", "skipped: " + ", ".join(skipped)]
    if log:
        lines += ["", "--- output of the run process ---", log.rstrip()]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- internals


def _preflight(
    eng: Engagement, manifest: Manifest, error: str | None, say: Progress, cache: LoadCache
) -> tuple[str | None, int | None]:
    """Load every source into the cache and hash every input; record both.

    Returns the error (``None`` when the run may go on) and the memory of the loaded tables
    in bytes (``None`` when nothing was loaded).
    """
    table_bytes = None
    if error is None:
        count = len(eng.sources)
        say(f"[{eng.id}] loading {count} source{'' if count == 1 else 's'} ...")
        # keep_rows=False: each source is dropped once it is stored in the cache (the
        # kernels read it there), so the run process holds one source at a time.
        sources = load_engagement(eng, errors="collect", cache=cache, keep_rows=False)
        manifest.sources = SourceRecord.from_sources(sources)
        keys = {e["source"]: e["key"] for e in cache.events() if e["source"] in sources}
        for record in manifest.sources:
            entry = keys.get(record.name)
            if entry is not None and cache.path(entry).is_dir():
                record.cache_key = entry
        error = sources.failure_text() or None
        table_bytes = sum(sources.table_bytes.values())
        del sources
        release_memory()  # give the pages back: the kernels read the tables from the cache
    try:
        manifest.inputs = describe_inputs(eng, missing_ok=error is not None)
    except (RunError, ValueError) as exc:
        error = error or str(exc)
    return error, table_bytes


COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zst", ".zip")
"""Input files counted at :data:`GUESSED_COMPRESSION` times their size by :func:`_input_bytes`."""

GUESSED_COMPRESSION = 8
"""How much larger a compressed CSV is taken to be once read (the sample's gzip files: 6 to 8
times), so that a large department written compressed is not mistaken for a small one."""


def _input_bytes(eng: Engagement) -> int:
    """Guess the engagement's tables' size before they are loaded.

    The size of its input files on disk, compressed ones counted :data:`GUESSED_COMPRESSION`
    times.
    """
    total = 0
    with contextlib.suppress(Exception):  # the pre-flight reports what cannot be read
        for path in map(Path, eng.input_files(missing_ok=True)):
            with contextlib.suppress(OSError):
                factor = GUESSED_COMPRESSION if path.suffix in COMPRESSED_SUFFIXES else 1
                total += path.stat().st_size * factor
    return total


def _execute_all(
    notebooks: list[Path],
    results: list[NotebookResult],
    tmp: Path,
    parameters: dict[str, Any],
    eng: Engagement | None,
    timeout: float | None,
    fail_fast: bool,
    say: Progress,
    eng_id: str,
    ahead: _KernelsAhead,
    at_once: int = 1,
) -> None:
    """Execute the notebooks, up to ``at_once`` at a time; export each one's HTML meanwhile.

    A notebook starts when a place is free and the notebooks it needs have finished
    (:func:`cs360lib.run.schedule.prerequisites`; a notebook that declares nothing needs every
    notebook before it), in the order of the sequence. Each kernel gets the load cache's
    folder and its notebook's name (:func:`~cs360lib.run.start.kernel_environment`); its lookups
    are recorded in ``NotebookResult.cache``. The kernel of the next notebook is started and
    warmed while a notebook runs (:class:`~cs360lib.run.kernels.WarmKernel`); every notebook
    still has a kernel of its own. With ``fail_fast`` no notebook starts after a failure
    (those running finish) and the rest are skipped.
    """
    meta_base = {
        "engagement": eng.name if eng else eng_id,
        "sample": eng_id == SAMPLE_ENGAGEMENT_ID,
        "root": str(eng.root) if eng else None,
    }
    cache = ahead.cache
    needs = schedule.prerequisites(notebooks)
    pending = list(range(len(notebooks)))
    running: dict[cf.Future[None], int] = {}
    done: set[int] = set()
    exports: list[tuple[NotebookResult, cf.Future[Any]]] = []
    in_use: dict[int, WarmKernel] = {}
    stop = False

    def start(i: int) -> cf.Future[None]:
        nb_path, res = notebooks[i], results[i]
        say(f"[{eng_id}] {nb_path.stem} ({i + 1}/{len(notebooks)}) running ...")
        own = execute.notebook_parameters(nb_path, parameters, tmp)
        env = kernel_environment(cache.folder, nb_path)
        kernel = ahead.take(i)
        if kernel is not None:
            in_use[i] = kernel
        if pending:
            ahead.start(pending[0])  # shut down unused if fail_fast skips it
        return runner.submit(
            execute.execute_notebook, nb_path, res, tmp, own, timeout, env=env, kernel=kernel
        )

    def finished(i: int) -> None:
        nb_path, res = notebooks[i], results[i]
        res.cache = [
            {"source": e["source"], "key": e["key"], "hit": e["hit"]}
            for e in cache.events(nb_path.stem)
        ]
        detail = f": {res.error}" if res.error else ""
        say(f"[{eng_id}] {nb_path.stem}: {res.status} in {res.duration_s:.1f} s{detail}")
        if res.executed:
            meta = {
                **meta_base,
                "generated": utc_now().strftime("%Y-%m-%d %H:%M UTC"),
                "status": res.status,
                "error": res.error,
                "duration_s": res.duration_s if res.status == "ok" else None,
            }
            fut = exporter.submit(
                execute.export_notebook, tmp / res.executed, tmp, nb_path.stem, meta
            )
            exports.append((res, fut))

    with (
        contextlib.ExitStack() as stack,
        cf.ThreadPoolExecutor(max_workers=1) as exporter,
        cf.ThreadPoolExecutor(max_workers=max(1, at_once), thread_name_prefix="nb") as runner,
    ):
        stack.callback(ahead.shutdown)
        try:
            while pending or running:
                ready = [i for i in pending if needs[i] <= done] if not stop else []
                for i in ready[: max(1, at_once) - len(running)]:
                    pending.remove(i)
                    running[start(i)] = i
                if not running:  # stopped by fail_fast, or waiting on nothing that can finish
                    break
                ended, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for fut in sorted(ended, key=running.__getitem__):
                    i = running.pop(fut)
                    in_use.pop(i, None)
                    fut.result()  # execute_notebook records failures; anything else is a bug
                    done.add(i)
                    finished(i)
                    if results[i].status != "ok" and fail_fast:
                        stop = True
        except BaseException:  # Ctrl-C: stop the kernels so that their threads end now
            for kernel in in_use.values():
                kernel.shutdown()
            runner.shutdown(wait=False, cancel_futures=True)
            raise
        for i in pending:
            results[i].status = "skipped"
            say(f"[{eng_id}] {notebooks[i].stem}: skipped")
        for res, fut in exports:
            try:
                export = fut.result()
            except Exception as exc:  # noqa: BLE001 - a report that fails to render is a failure
                res.status = "failed" if res.status == "ok" else res.status
                res.error = res.error or f"HTML export failed: {one_line(exc)}"
                res.traceback = res.traceback or traceback.format_exc()
                say(f"[{eng_id}] {res.name}: HTML export failed: {one_line(exc)}")
                continue
            res.reports = {k: p.name for k, p in export.paths.items()}
            res.network_refs_removed = export.removed
            if export.removed:
                say(f"[{eng_id}] {res.name}: removed {len(export.removed)} network references")


class _KernelsAhead:
    """The kernels started ahead of their notebooks, by notebook index (see :mod:`.kernels`)."""

    def __init__(
        self,
        notebooks: list[Path],
        cache: LoadCache,
        say: Progress,
        eng_id: str,
        fork_server: KernelForkServer | None = None,
    ):
        self.notebooks = notebooks
        self.cache = cache
        self.say = say
        self.eng_id = eng_id
        self.fork_server = fork_server
        self.kernels: dict[int, WarmKernel] = {}

    def start(self, i: int) -> None:
        """Start the kernel of notebook i now, with the run's cache in its environment."""
        if i >= len(self.notebooks) or i in self.kernels:
            return
        nb_path = self.notebooks[i]
        env = kernel_environment(self.cache.folder, nb_path)
        try:
            self.kernels[i] = WarmKernel(nb_path, env, fork_server=self.fork_server)
        except Exception as exc:  # noqa: BLE001 - papermill then starts one, and reports
            self.say(f"[{self.eng_id}] {nb_path.stem}: could not start a kernel ahead: {exc}")

    def take(self, i: int) -> WarmKernel | None:
        """Hand over the kernel of notebook i (starting it now if it was not)."""
        self.start(i)
        return self.kernels.pop(i, None)

    def shutdown(self) -> None:
        """Stop every kernel not handed over."""
        while self.kernels:
            self.kernels.popitem()[1].shutdown()


def _finish(
    tmp: Path,
    base: Path,
    ts: str,
    manifest: Manifest,
    log_lines: list[str] | None,
    *,
    log: str = "",
    index: bool = True,
) -> Path:
    """Write ERROR.txt, index.html, run.log and the manifest, then publish the folder."""
    if manifest.status != "ok":
        (tmp / "ERROR.txt").write_text(error_text(manifest, log=log), encoding="utf-8")
    if index:
        (tmp / "index.html").write_text(render_index(manifest), encoding="utf-8")
    if log_lines is not None:
        (tmp / "run.log").write_text("\n".join(log_lines) + "\n", encoding="utf-8")
    manifest.write(tmp)
    final = _publish(tmp, base, ts)
    if str(final) != manifest.report_dir:  # name taken meanwhile: keep the manifest truthful
        manifest.report_dir = str(final)
        manifest.write(final)
    return final


def _publish(tmp: Path, base: Path, ts: str) -> Path:
    """Rename the temporary folder to its final name, adding a suffix if taken."""
    for n in range(1, 1000):
        final = base / (ts if n == 1 else f"{ts}-{n}")
        if final.exists():
            continue
        try:
            os.rename(tmp, final)
        except OSError:
            if final.exists():
                continue
            raise
        return final
    raise RunError(f"could not find a free report folder name under {base}")


def _free_dir(base: Path, ts: str) -> Path:
    """Return the folder name :func:`_publish` will most likely use (for the manifest)."""
    final = base / ts
    n = 1
    while final.exists():
        n += 1
        final = base / f"{ts}-{n}"
    return final
