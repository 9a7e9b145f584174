"""Headless-Chromium check of offline reports (used by tests marked ``browser``).

``render_offline(html_path)`` opens a report from disk in Debian's Chromium with
networking disabled twice over: launch flags that stop Chromium's own background
traffic and resolve no host, and a Playwright route that aborts (and counts)
every request that is not ``file:`` or ``data:``. It returns what was drawn and
what was attempted.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--metrics-recording-only",
    "--no-default-browser-check",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
]

_CHARTS_JS = """
() => Array.from(document.querySelectorAll(
    '.jp-RenderedSVG img, .jp-RenderedImage img, .jp-RenderedSVG svg, .jp-OutputArea-output > svg'
)).map(el => {
    const r = el.getBoundingClientRect();
    return {
        tag: el.tagName.toLowerCase(),
        width: r.width,
        height: r.height,
        loaded: el.tagName.toLowerCase() === 'img' ? (el.complete && el.naturalWidth > 0) : true,
    };
})
"""


def blank_share(png: Path) -> float:
    """Share of a screenshot's pixels that are (near) white: 1.0 for a blank page."""
    from PIL import Image

    with Image.open(png) as image:
        grey = image.convert("L")
        histogram = grey.histogram()
    return sum(histogram[245:]) / max(1, sum(histogram))


@dataclass
class BrowserReport:
    """What a report looked like in headless Chromium.

    Attributes
    ----------
    charts : list of dict
        One per chart element: tag, width, height, loaded.
    requests : list of str
        Every non-``file:``/``data:`` request the page attempted (all aborted).
    console_errors : list of str
        Console error messages.
    title : str
        Document title.
    """

    charts: list[dict] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    title: str = ""

    @property
    def drawn_charts(self) -> list[dict]:
        """Charts with a non-zero box whose image decoded."""
        return [c for c in self.charts if c["width"] > 0 and c["height"] > 0 and c["loaded"]]


def require_chromium() -> None:
    """Skip when Chromium is missing, except in CI (``CI=true``), where it fails."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} not found: run .ci/install-browser.sh"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def render_offline(
    html_path: Path, *, screenshot: Path | None = None, width: int = 1200
) -> BrowserReport:
    """Open an HTML file in offline headless Chromium and report what it drew.

    Parameters
    ----------
    html_path : Path
        Report to open.
    screenshot : Path, optional
        Where to save a full-page PNG screenshot.
    width : int, default 1200
        Viewport width in CSS pixels (800 for a narrow window or a tablet).

    Returns
    -------
    BrowserReport
        Charts drawn and network requests attempted.
    """
    from playwright.sync_api import sync_playwright

    report = BrowserReport()
    with tempfile.TemporaryDirectory(prefix="cs360-chromium-") as profile:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                headless=True,
                args=LAUNCH_ARGS,
                offline=True,
                viewport={"width": width, "height": 900},
            )
            try:
                page = context.new_page()

                def on_route(route, request):  # noqa: ANN001 - playwright callback
                    url = request.url
                    if url.startswith(("file:", "data:", "about:")):
                        route.continue_()
                    else:
                        report.requests.append(url)
                        route.abort()

                def on_request(request):  # noqa: ANN001 - playwright callback
                    url = request.url
                    if not url.startswith(("file:", "data:", "about:")) and url not in (
                        report.requests
                    ):
                        report.requests.append(url)

                context.route("**/*", on_route)
                page.on("request", on_request)
                page.on(
                    "console",
                    lambda msg: (
                        report.console_errors.append(msg.text) if msg.type == "error" else None
                    ),
                )
                page.goto(html_path.resolve().as_uri(), wait_until="load")
                page.wait_for_timeout(300)
                report.title = page.title()
                report.charts = page.evaluate(_CHARTS_JS)
                if screenshot is not None:
                    page.screenshot(path=str(screenshot), full_page=True)
            finally:
                context.close()
    return report
