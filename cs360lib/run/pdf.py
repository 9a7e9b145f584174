"""PDF copies of the stakeholder reports, printed by headless Chromium.

A council member often gets a report as a PDF attachment. The offline HTML report is printed
with Chromium's own print-to-PDF (``chromium --headless --print-to-pdf``), the browser the
test suite already installs (Debian's ``chromium``; ``.ci/install-browser.sh``). Nothing else
is needed at run time: no Playwright, no DevTools session, no network.

- Page numbers come from the report's CSS (``@page { @bottom-right { content: counter(page)
  ... } }``, CSS Paged Media margin boxes, supported by Chromium since version 131), and
  Chromium's own header and footer (date, file URL) are turned off with
  ``--no-pdf-header-footer``.
- The front page is alone on page 1 (``break-after: page``); tables, charts and headings are
  kept whole (``break-inside: avoid``, ``break-after: avoid`` in ``cs360.css``).
- Chromium runs with a throw-away profile, networking disabled (every host name resolves to
  nothing) and no background traffic, so printing cannot reach the network either.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from cs360lib.errors import RunError

__all__ = ["CHROMIUM_ENV", "find_chromium", "print_pdf", "pdf_filename"]

CHROMIUM_ENV = "CS360_CHROMIUM"
"""Environment variable naming the Chromium (or Chrome) executable to print with."""

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")

PRINT_TIMEOUT = 120.0
"""Seconds one report may take to print before the attempt is abandoned."""


def find_chromium() -> Path:
    """Locate the Chromium executable used for printing.

    Returns
    -------
    Path
        ``$CS360_CHROMIUM`` when set, else the first of ``chromium``, ``chromium-browser``,
        ``google-chrome`` ... on the ``PATH``.

    Raises
    ------
    RunError
        If none is found; the message says how to install it.
    """
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        path = Path(named)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise RunError(f"{CHROMIUM_ENV}={named} is not an executable file")
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise RunError(
        "cannot write PDF reports: no Chromium found (looked for "
        f"{', '.join(_CANDIDATES)}). Install it (Debian: `apt-get install chromium`, or run "
        f".ci/install-browser.sh) or set {CHROMIUM_ENV} to its path; the HTML reports are "
        "written either way"
    )


def pdf_filename(stem: str) -> str:
    """File name of a notebook's PDF report: ``<stem>.pdf`` (the stakeholder report)."""
    return f"{stem}.pdf"


def print_pdf(
    html_path: str | os.PathLike[str],
    pdf_path: str | os.PathLike[str],
    *,
    chromium: str | os.PathLike[str] | None = None,
    timeout: float = PRINT_TIMEOUT,
) -> Path:
    """Print an offline HTML report to PDF with headless Chromium.

    Parameters
    ----------
    html_path : path
        The report (a self-contained file: it must load nothing from the network).
    pdf_path : path
        Where to write the PDF.
    chromium : path, optional
        The browser; defaults to :func:`find_chromium`.
    timeout : float, default :data:`PRINT_TIMEOUT`
        Seconds before giving up.

    Returns
    -------
    Path
        The PDF.

    Raises
    ------
    RunError
        If Chromium is missing, fails, times out or writes no PDF; the message has its
        last output lines.
    """
    browser = Path(chromium) if chromium is not None else find_chromium()
    source = Path(html_path).resolve()
    target = Path(pdf_path).resolve()
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="cs360-pdf-") as profile:
        command = [
            str(browser),
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--metrics-recording-only",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to run as root with it
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                env={**os.environ, "DBUS_SESSION_BUS_ADDRESS": "disabled:"},
            )
        except subprocess.TimeoutExpired as exc:
            raise RunError(f"printing {source.name} to PDF took longer than {timeout:g} s") from exc
        except OSError as exc:
            raise RunError(f"cannot start {browser} to print {source.name}: {exc}") from exc
    if done.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
        tail = "\n".join((done.stderr or done.stdout or "").strip().splitlines()[-5:])
        raise RunError(
            f"Chromium could not print {source.name} to PDF (exit {done.returncode}): {tail}"
        )
    return target
