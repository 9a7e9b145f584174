"""Execute the CS360 notebook sequence for engagements and write offline reports.

``run_engagement`` executes every ``NN_*.ipynb`` notebook with papermill for one
engagement and writes, into ``<out>/<engagement id>/<timestamp>/``:

``NN_name.ipynb``
    The executed notebook (partial when it failed; the error is in it).
``NN_name.html`` / ``NN_name.analyst.html``
    Offline stakeholder and analyst reports (see :mod:`cs360lib.run.reports`).
``index.html``
    Offline list of the notebooks with their status.
``manifest.json``
    Engagement, parameters, every input file with size and sha256, package
    versions, per-notebook status, duration and error.
``ERROR.txt``
    Only when something failed: what failed and why, in plain text.
``run.log``
    The progress lines shown on stderr.

Outputs appear atomically. Everything is written into a hidden folder
``<out>/<id>/.<timestamp>.partial-<pid>`` and renamed to ``<timestamp>`` only at
the end, after ``manifest.json`` is written. So a report folder that exists
under its final name is finished, and its manifest says whether it succeeded
(``"status": "ok"``) or failed (``"status": "failed"`` plus ``ERROR.txt``). A run
that is killed or interrupted leaves only the hidden ``.partial`` folder (with a
manifest saying ``"interrupted"`` when Python could still write it).

``run_batch`` runs many engagements, each in its own ``cs360 run`` subprocess, so
bad data, an exception, a timeout or a crashed kernel or interpreter in one
engagement never stops the others.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import contextlib
import datetime as dt
import hashlib
import html
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import cs360lib
from cs360lib.config.engagement import Engagement
from cs360lib.errors import RunError

MANIFEST_VERSION = 1
"""Version of the ``manifest.json`` layout."""

DEFAULT_TIMEOUT = 1800.0
"""Default per-cell execution timeout in seconds."""

DEFAULT_OUT = Path("reports")
"""Default reports folder (relative to the current directory)."""

KERNEL_NAME = "python3"
"""Kernel every notebook is executed with."""

NOTEBOOK_PATTERN = re.compile(r"^\d\d_.+\.ipynb$")

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
)
"""Distributions whose versions are recorded in the manifest."""

Progress = Callable[[str], None]


@dataclass
class NotebookResult:
    """Outcome of executing one notebook.

    Attributes
    ----------
    name : str
        Notebook stem, e.g. ``"00_data_intake"``.
    status : str
        ``"ok"``, ``"failed"`` (a cell raised or the kernel could not start),
        ``"timeout"`` (a cell exceeded the timeout), ``"dead_kernel"`` or
        ``"skipped"``.
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
        ``"ok"`` when every notebook succeeded, else ``"failed"``.
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


def default_notebooks_dir() -> Path:
    """Return the repository's ``notebooks/`` folder (next to the package).

    Returns
    -------
    Path
        ``<repo>/notebooks``.
    """
    return Path(cs360lib.__file__).resolve().parents[1] / "notebooks"


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
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            sha.update(chunk)
            size += len(chunk)
    return size, sha.hexdigest()


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
) -> RunResult:
    """Execute the notebook sequence for one engagement and write its reports.

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
        Folder of ``NN_*.ipynb`` notebooks; defaults to the repository's.
    only : iterable of str, optional
        Run only these notebooks (see :func:`discover_notebooks`).
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

    Returns
    -------
    RunResult
        Outcome, with ``report_dir`` the final folder.
    """
    started = time.perf_counter()
    started_at = _now()
    ts = timestamp or started_at.strftime("%Y%m%dT%H%M%SZ")
    eng_path = Path(engagement).expanduser().resolve()
    log_lines: list[str] = []
    say = _progress_sink(progress, log_lines)

    eng: Engagement | None = None
    eng_id = _fallback_id(eng_path)
    error: str | None = None
    inputs: list[dict[str, Any]] = []
    notebooks: list[Path] = []
    try:
        notebooks = discover_notebooks(notebooks_dir, only)
    except RunError as exc:
        error = str(exc)
    try:
        eng = Engagement.load(eng_path)
        eng_id = str(eng.id)
        inputs = _describe_inputs(eng)
    except Exception as exc:  # noqa: BLE001 - recorded, never raised
        error = str(exc) if isinstance(exc, RunError) else _one_line(exc)
    say(f"[{eng_id}] engagement {eng_path}")

    base = Path(out_dir).expanduser().resolve() / eng_id
    base.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{ts}.partial-{os.getpid()}-", dir=base))
    parameters = {
        "engagement": str(eng_path),
        "interactive": False,
        "chart_renderer": chart_renderer,
    }
    manifest: dict[str, Any] = {
        "manifest_version": MANIFEST_VERSION,
        "status": "running",
        "complete": False,
        "engagement": {
            "id": eng_id,
            "name": eng.name if eng else None,
            "path": str(eng_path),
        },
        "parameters": parameters,
        "options": {
            "notebooks_dir": str(Path(notebooks_dir).resolve())
            if notebooks_dir is not None
            else str(default_notebooks_dir()),
            "only": list(only) if only is not None else None,
            "timeout_s": timeout,
            "fail_fast": fail_fast,
            "kernel_name": KERNEL_NAME,
        },
        "inputs": inputs,
        "versions": package_versions(),
        "host": {"platform": platform.platform(), "python": sys.executable},
        "command": sys.argv,
        "started_at": started_at.isoformat(),
        "finished_at": None,
        "duration_s": None,
        "error": error,
        "notebooks": [{"name": p.stem, "status": "pending"} for p in notebooks],
    }
    results: list[NotebookResult] = [NotebookResult(name=p.stem) for p in notebooks]
    try:
        if error is not None:
            say(f"[{eng_id}] cannot run: {error}")
        else:
            _execute_all(notebooks, results, tmp, parameters, eng, timeout, fail_fast, say, eng_id)
            failed = [r for r in results if r.status != "ok"]
            if failed:
                error = "; ".join(
                    f"{r.name}: {r.status}" + (f" ({r.error})" if r.error else "")
                    for r in failed
                    if r.status != "skipped"
                )
    except KeyboardInterrupt:
        manifest.update(
            status="interrupted",
            error="interrupted before the run finished",
            notebooks=[asdict(r) for r in results],
            finished_at=_now().isoformat(),
        )
        with contextlib.suppress(OSError):
            _write_json(tmp / "manifest.json", manifest)
        say(f"[{eng_id}] interrupted; partial output left in {tmp}")
        raise
    duration = time.perf_counter() - started
    status = "ok" if error is None else "failed"
    final = _final_dir(base, ts)
    manifest.update(
        status=status,
        complete=True,
        error=error,
        finished_at=_now().isoformat(),
        duration_s=round(duration, 3),
        notebooks=[asdict(r) for r in results],
        report_dir=str(final),
    )
    if status != "ok":
        (tmp / "ERROR.txt").write_text(_error_text(manifest, results), encoding="utf-8")
    (tmp / "index.html").write_text(_index_html(manifest), encoding="utf-8")
    say(f"[{eng_id}] {status} in {duration:.1f} s -> {final}")
    (tmp / "run.log").write_text("\n".join(log_lines) + "\n", encoding="utf-8")
    _write_json(tmp / "manifest.json", manifest)
    final = _publish(tmp, base, ts)
    if final.name != ts:  # name taken meanwhile: keep the manifest truthful
        manifest["report_dir"] = str(final)
        _write_json(final / "manifest.json", manifest)
    return RunResult(
        engagement=str(engagement),
        engagement_id=eng_id,
        status=status,
        report_dir=final,
        duration_s=duration,
        error=error,
        notebooks=results,
    )


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
    out_dir, notebooks_dir, only, timeout, fail_fast
        As in :func:`run_engagement`.
    progress : callable, optional
        Receives one line per finished engagement; defaults to stderr.

    Returns
    -------
    list of RunResult
        One per engagement, in the order given.
    """
    say = _progress_sink(progress, [])
    out = Path(out_dir).expanduser().resolve()
    only_list = list(only) if only is not None else None

    def one(path: str | os.PathLike[str]) -> RunResult:
        result = _run_subprocess(path, out, notebooks_dir, only_list, timeout, fail_fast)
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
            _shorten_middle(r.error or "", width),
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


def write_failure_record(
    engagement: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    error: str,
    *,
    log: str = "",
) -> Path:
    """Write ``manifest.json`` and ``ERROR.txt`` for a run that produced nothing.

    Used by :func:`run_batch` when a ``cs360 run`` process died before writing
    its own report folder.

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

    Returns
    -------
    Path
        The report folder.
    """
    eng_path = Path(engagement).expanduser().resolve()
    eng_id = _guess_id(eng_path)
    ts = _now().strftime("%Y%m%dT%H%M%SZ")
    base = Path(out_dir) / eng_id
    base.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{ts}.partial-{os.getpid()}-", dir=base))
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "status": "failed",
        "complete": True,
        "engagement": {"id": eng_id, "name": None, "path": str(eng_path)},
        "parameters": {"engagement": str(eng_path), "interactive": False},
        "inputs": [],
        "versions": package_versions(),
        "finished_at": _now().isoformat(),
        "error": error,
        "notebooks": [],
    }
    text = f"cs360 run failed for {eng_path}\n\n{error}\n"
    if log:
        text += f"\n--- output of the run process ---\n{log}\n"
    (tmp / "ERROR.txt").write_text(text, encoding="utf-8")
    _write_json(tmp / "manifest.json", manifest)
    final = _publish(tmp, base, ts)
    manifest["report_dir"] = str(final)
    _write_json(final / "manifest.json", manifest)
    return final


# --------------------------------------------------------------------------- internals


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
) -> None:
    """Execute notebooks in order; export each one's HTML in a background thread."""
    meta_base = {"engagement": eng.name if eng else eng_id}
    with cf.ThreadPoolExecutor(max_workers=1) as exporter:
        exports: list[tuple[NotebookResult, cf.Future[Any]]] = []
        stop = False
        for i, (nb_path, res) in enumerate(zip(notebooks, results, strict=True)):
            if stop:
                res.status = "skipped"
                say(f"[{eng_id}] {nb_path.stem}: skipped")
                continue
            say(f"[{eng_id}] {nb_path.stem} ({i + 1}/{len(notebooks)}) running ...")
            _execute_one(nb_path, res, tmp, parameters, timeout)
            detail = f": {res.error}" if res.error else ""
            say(f"[{eng_id}] {nb_path.stem}: {res.status} in {res.duration_s:.1f} s{detail}")
            if res.executed:
                meta = {
                    **meta_base,
                    "generated": _now().strftime("%Y-%m-%d %H:%M UTC"),
                    "status": res.status,
                    "error": res.error,
                }
                fut = exporter.submit(_export, tmp / res.executed, tmp, nb_path.stem, meta)
                exports.append((res, fut))
            if res.status != "ok" and fail_fast:
                stop = True
        for res, fut in exports:
            try:
                export = fut.result()
            except Exception as exc:  # noqa: BLE001 - a report that fails to render is a failure
                res.status = "failed" if res.status == "ok" else res.status
                res.error = res.error or f"HTML export failed: {_one_line(exc)}"
                res.traceback = res.traceback or traceback.format_exc()
                say(f"[{eng_id}] {res.name}: HTML export failed: {_one_line(exc)}")
                continue
            res.reports = {k: p.name for k, p in export.paths.items()}
            res.network_refs_removed = export.removed
            if export.removed:
                say(f"[{eng_id}] {res.name}: removed {len(export.removed)} network references")


def _execute_one(
    nb_path: Path,
    res: NotebookResult,
    tmp: Path,
    parameters: dict[str, Any],
    timeout: float | None,
) -> None:
    """Execute one notebook with papermill, recording status and error in ``res``."""
    import nbformat
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    out_nb = tmp / nb_path.name
    t0 = time.perf_counter()
    banner: str | None = None
    try:
        pm.execute_notebook(
            str(nb_path),
            str(out_nb),
            parameters=parameters,
            kernel_name=KERNEL_NAME,
            cwd=str(nb_path.parent),
            execution_timeout=timeout,
            progress_bar=False,
            log_output=False,
            report_mode=False,
            # keep the kernel's "running over TCP without encryption" warning off stderr
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
        res.status = "ok"
    except pm.PapermillExecutionError as exc:
        res.status = "failed"
        res.error_type = exc.ename
        res.error = f"{exc.ename}: {_shorten(str(exc.evalue), 300)} (cell {exc.exec_count})"
        res.traceback = _strip_ansi("\n".join(exc.traceback))
    except CellTimeoutError as exc:
        res.status = "timeout"
        res.error_type = type(exc).__name__
        res.error = f"a cell ran longer than the {timeout:g} s timeout"
        res.traceback = _one_line(exc)
        banner = res.error
    except DeadKernelError as exc:
        res.status = "dead_kernel"
        res.error_type = type(exc).__name__
        res.error = f"the kernel died while running a cell ({_one_line(exc)})"
        res.traceback = traceback.format_exc()
        banner = res.error
    except Exception as exc:  # noqa: BLE001 - kernel start failures, bad notebooks ...
        res.status = "failed"
        res.error_type = type(exc).__name__
        res.error = _one_line(exc)
        res.traceback = traceback.format_exc()
        banner = res.error
    res.duration_s = round(time.perf_counter() - t0, 3)
    if out_nb.exists():
        res.executed = out_nb.name
        if banner is not None:
            with contextlib.suppress(Exception):
                nb = nbformat.read(str(out_nb), as_version=4)
                cell = nbformat.v4.new_markdown_cell(
                    f"**cs360: this notebook did not finish ({res.status}): {banner}.** "
                    "The outputs below are partial."
                )
                cell.metadata["tags"] = ["cs360-error"]
                nb.cells.insert(0, cell)
                nbformat.write(nb, str(out_nb))


def _export(nb_file: Path, out_dir: Path, stem: str, meta: dict[str, Any]) -> Any:
    from cs360lib.run.reports import export_reports

    return export_reports(nb_file, out_dir, stem, meta=meta)


def _run_subprocess(
    engagement: str | os.PathLike[str],
    out: Path,
    notebooks_dir: str | os.PathLike[str] | None,
    only: list[str] | None,
    timeout: float | None,
    fail_fast: bool,
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
        try:
            folder: Path | None = write_failure_record(engagement, out, error, log=stderr)
        except OSError as exc:  # e.g. the reports folder is not writable
            error += f"; the failure record could not be written either: {exc}"
            folder = None
        return RunResult(
            engagement=str(engagement),
            engagement_id=folder.parent.name if folder else _guess_id(Path(engagement)),
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


def _describe_inputs(eng: Engagement) -> list[dict[str, Any]]:
    """Size and sha256 of every input file; raise RunError naming missing files."""
    files = [Path(p) for p in eng.input_files()]  # EngagementError names a missing source
    missing = [p for p in files if not p.is_file()]
    if missing:
        listed = ", ".join(str(p) for p in missing)
        raise RunError(f"input file(s) missing for engagement {eng.id}: {listed}")
    root = eng.root
    described = []
    for p in files:
        size, sha = file_digest(p)
        try:
            rel = str(p.resolve().relative_to(root.resolve()))
        except ValueError:
            rel = None
        described.append({"path": str(p), "relative_path": rel, "size": size, "sha256": sha})
    return described


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


def _final_dir(base: Path, ts: str) -> Path:
    final = base / ts
    n = 1
    while final.exists():
        n += 1
        final = base / f"{ts}-{n}"
    return final


def _guess_id(path: Path) -> str:
    """Id from the YAML when readable, else from the file or folder name."""
    try:
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        info = data.get("engagement") if isinstance(data, dict) else None
        if isinstance(info, dict) and info.get("id"):
            return _slug(str(info["id"]))
    except Exception:  # noqa: BLE001 - best effort
        pass
    return _fallback_id(path)


def _fallback_id(path: Path) -> str:
    stem = path.parent.name if path.stem in ("engagement", "") else path.stem
    return _slug(stem) or "engagement"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _progress_sink(progress: Progress | None, log: list[str]) -> Progress:
    def say(line: str) -> None:
        stamped = f"{_now().strftime('%H:%M:%S')} {line}"
        log.append(stamped)
        if progress is None:
            print(f"cs360 {stamped}", file=sys.stderr, flush=True)
        else:
            progress(line)

    return say


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _shorten_middle(text: str, width: int) -> str:
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    head = (width - 5) * 2 // 5
    tail = width - 5 - head
    return f"{text[:head]} ... {text[-tail:]}"


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    part = path.with_name(path.name + ".tmp")
    part.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(part, path)


def _error_text(manifest: dict[str, Any], results: list[NotebookResult]) -> str:
    eng = manifest["engagement"]
    lines = [
        f"cs360 run FAILED for engagement {eng['id']} ({eng['path']})",
        f"finished {manifest['finished_at']}",
        "",
        f"error: {manifest['error']}",
    ]
    for r in results:
        if r.status in ("ok", "skipped"):
            continue
        lines += ["", f"== {r.name}: {r.status} after {r.duration_s:.1f} s", r.error or ""]
        if r.traceback:
            lines += ["", r.traceback.rstrip()]
    skipped = [r.name for r in results if r.status == "skipped"]
    if skipped:
        lines += ["", "skipped: " + ", ".join(skipped)]
    return "\n".join(lines) + "\n"


def _index_html(manifest: dict[str, Any]) -> str:
    """Offline index page of a report folder."""
    esc = html.escape
    eng = manifest["engagement"]
    rows = []
    for nb in manifest["notebooks"]:
        reports = nb.get("reports") or {}
        links = " ".join(
            f'<a href="{esc(name)}">{esc(variant)}</a>' for variant, name in reports.items()
        )
        if nb.get("executed"):
            links += f' <a href="{esc(nb["executed"])}">notebook</a>'
        rows.append(
            f'<tr class="{esc(nb["status"])}"><td>{esc(nb["name"])}</td>'
            f"<td>{esc(nb['status'])}</td><td>{nb.get('duration_s', 0):.1f} s</td>"
            f"<td>{links}</td><td>{esc(nb.get('error') or '')}</td></tr>"
        )
    error = (
        f'<p class="error">Run failed: {esc(manifest["error"])}</p>' if manifest["error"] else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(eng["name"] or eng["id"])}</title>
<style>
body {{ font-family: 'Segoe UI', 'Helvetica Neue', Arial, sans-serif; max-width: 1000px;
       margin: 2em auto; color: #1a1a1a; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 0.4em; text-align: left; }}
tr.ok td:nth-child(2) {{ color: #006400; }}
tr:not(.ok) td:nth-child(2), .error {{ color: #b00020; font-weight: bold; }}
</style></head><body>
<h1>{esc(eng["name"] or eng["id"])}</h1>
<p>Engagement <code>{esc(eng["id"])}</code>, run {esc(str(manifest["started_at"]))},
status <strong>{esc(manifest["status"])}</strong>.
Details in <a href="manifest.json">manifest.json</a>.</p>
{error}
<table><thead><tr><th>notebook</th><th>status</th><th>duration</th><th>reports</th>
<th>error</th></tr></thead><tbody>
{"".join(rows)}
</tbody></table></body></html>
"""
