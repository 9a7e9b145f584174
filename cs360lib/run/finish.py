"""The last touches of a run's reports, once every notebook has run.

The HTML reports of the first notebooks are written while later ones still run, so what
depends on the whole run is added here: the front page and table of contents of every
report (:mod:`cs360lib.run.frontpage`, which lists every notebook of the run and its
status) and, when asked for, a PDF of each stakeholder report (:mod:`cs360lib.run.pdf`).
"""

from __future__ import annotations

import concurrent.futures as cf
from pathlib import Path

from cs360lib.errors import RunError
from cs360lib.run.execute import NotebookResult
from cs360lib.run.frontpage import finish_report
from cs360lib.run.manifest import Manifest
from cs360lib.run.pdf import find_chromium, pdf_filename, print_pdf
from cs360lib.run.progress import Progress, utc_now

__all__ = ["finish_reports"]

PDF_WORKERS = 2
"""Reports printed at once (each print is one Chromium process)."""


def finish_reports(folder: Path, manifest: Manifest, *, say: Progress | None = None) -> None:
    """Add front pages to every report of a run and print the PDFs it asks for.

    Parameters
    ----------
    folder : Path
        The run's (partial) report folder.
    manifest : Manifest
        The run's manifest, with every notebook's result; ``options.pdf`` asks for PDFs.
        Each printed PDF is recorded as ``reports["pdf"]`` of its notebook; a PDF that
        cannot be printed marks its notebook ``failed`` with the reason.
    say : callable, optional
        Progress lines.
    """
    generated = utc_now().strftime("%Y-%m-%d %H:%M UTC")
    for result in manifest.notebooks:
        for variant, name in result.reports.items():
            if name.endswith(".html"):
                finish_report(
                    folder / name,
                    manifest,
                    notebook=result.name,
                    variant=variant,
                    generated=generated,
                )
    if manifest.options is None or not manifest.options.pdf:
        return
    wanted = [r for r in manifest.notebooks if "stakeholder" in r.reports]
    if not wanted:
        return
    try:
        chromium = find_chromium()
    except RunError as exc:
        for result in wanted:
            _fail(result, str(exc))
        if say:
            say(f"[{manifest.engagement.id}] no PDF: {exc}")
        return
    with cf.ThreadPoolExecutor(max_workers=PDF_WORKERS) as pool:
        jobs = {
            pool.submit(
                print_pdf,
                folder / r.reports["stakeholder"],
                folder / pdf_filename(r.name),
                chromium=chromium,
            ): r
            for r in wanted
        }
        for job in cf.as_completed(jobs):
            result = jobs[job]
            try:
                result.reports["pdf"] = job.result().name
            except RunError as exc:
                _fail(result, str(exc))
                if say:
                    say(f"[{manifest.engagement.id}] {result.name}: {exc}")


def _fail(result: NotebookResult, reason: str) -> None:
    if result.status == "ok":
        result.status = "failed"
    result.error = result.error or f"PDF not written: {reason}"
