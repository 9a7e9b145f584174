"""Notebook 02 in a real JupyterLab: the analyst's experience, which no static test shows.

A headless JupyterLab server (a subprocess on a free local port, with a token) serves a copy
of ``notebooks/02_prioritization.ipynb`` pointed at the sample engagement; Debian's Chromium,
driven by Playwright (nothing is downloaded at run time), opens it, runs every cell with
``interactive=True``, moves the weight slider of one criterion and checks that the ranking
table and the contribution chart follow, in the order the library computes for the same
weights. Every request that does not go to the local server is aborted and counted: the
meeting-room sliders and the notebook's charts (the offline chart widget of
``cs360lib.publish.charts.interactive_renderer``) must work without internet, so no request
may be tried at all. A screenshot is saved in the test's temporary folder (its path is
printed: ``pytest -s``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from browser import CHROMIUM, require_chromium

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "02_prioritization.ipynb"
SAMPLE = ROOT / "data" / "samples" / "engagement.yml"
START_TIMEOUT = 180
"""Seconds to wait for the JupyterLab server (the machine may be loaded)."""
RUN_TIMEOUT = int(os.environ.get("CS360_LAB_TIMEOUT_MS", "600000"))
"""Milliseconds to wait for every cell of notebook 02 to run in the browser."""

_DRAWN_CHARTS = """
() => [...document.querySelectorAll('.jp-OutputArea-output .vega-embed')]
    .filter(e => e.querySelector('svg, canvas')).length
"""
"""How many Altair charts the page drew (vega-embed inside the chart widget)."""

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass
class Lab:
    """A running JupyterLab server."""

    url: str
    token: str
    root: Path
    log: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _notebook_copy(folder: Path) -> Path:
    """Copy notebook 02 with its parameters pointed at the sample engagement and ``folder``."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    values = {"engagement": str(SAMPLE), "output_dir": str(folder / "out")}
    source = cell.source
    for name, value in values.items():
        source, n = re.subn(
            rf'^({name}: str = )"[^"]*"', rf"\g<1>{json.dumps(value)}", source, flags=re.M
        )
        assert n == 1, f"notebook 02 declares no parameter {name}"
    assert "interactive: bool = True" in source
    cell.source = source
    path = folder / NOTEBOOK.name
    nbformat.write(nb, path)
    return path


@pytest.fixture()
def lab(tmp_path: Path) -> Iterator[Lab]:
    """Start JupyterLab headless on a free local port with a token; stop it afterwards."""
    if importlib.util.find_spec("jupyterlab") is None:
        pytest.skip("jupyterlab is not installed: run `make install` (it is a dev dependency)")
    require_chromium()
    if not SAMPLE.exists():
        pytest.skip("data/samples/engagement.yml not committed yet")
    root = tmp_path / "lab"
    root.mkdir()
    _notebook_copy(root)
    port, token = _free_port(), secrets.token_hex(16)
    private = tmp_path / "jupyter"
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(private / "config"),
        "JUPYTER_RUNTIME_DIR": str(private / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(private / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(private / "workspaces"),
        "IPYTHONDIR": str(private / "ipython"),
    }
    settings = {  # a user's settings: start the notebook's kernel, fetch no news
        "notebook-extension/tracker": {"autoStartDefaultKernel": True},
        "apputils-extension/notification": {"fetchNews": "false"},
    }
    for name, values in settings.items():
        path = private / "settings" / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    log = tmp_path / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",  # no PyPI queries
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI machines run as root
        command.append("--allow-root")
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited with {server.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer in {START_TIMEOUT} s:\n{log.read_text()}")
            time.sleep(1)
        yield Lab(url=url, token=token, root=root, log=log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


_PROMPTS_DONE = """
() => {
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
        .map(p => p.textContent.trim());
    return prompts.length > 0 && prompts.every(t => /^\\[\\d+\\]:?$/.test(t));
}
"""

_RANKING = """
() => {
    const box = [...document.querySelectorAll('.widget-vbox')]
        .find(b => b.querySelectorAll('.widget-hslider').length > 0);
    const html = [...box.querySelectorAll('.widget-html')];
    const table = html.find(h => h.querySelector('table'));
    const chart = html.find(h => h.querySelector('svg'));
    const rows = [...table.querySelectorAll('tbody tr')].map(
        tr => [...tr.querySelectorAll('td')].map(td => td.textContent.trim()));
    return {rows: rows, table: table.innerHTML, chart: chart ? chart.innerHTML : ''};
}
"""


def test_notebook_02_sliders_rerank_in_jupyterlab(lab: Lab, tmp_path: Path) -> None:
    """Run all cells in JupyterLab, move the frequency slider, see the ranking follow."""
    import warnings

    from playwright.sync_api import sync_playwright

    import cs360lib as cs
    from cs360lib.steps import prioritize
    from cs360lib.steps.prioritize.worksheet import WORKBOOK_NAME

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # the sample's deprecated publishing keys
        eng = cs.Engagement.load(SAMPLE)
    ws = prioritize.worksheet(eng, cs.load_engagement(eng))
    expected = [ws.scores.names[c] for c in ws.scores.rescore({"frequency": 5}).ranking()]
    assert expected != [ws.scores.names[c] for c in ws.scores.ranking()]  # the test can fail

    shot = tmp_path / "jupyterlab_02_prioritization.png"
    widget_shot = tmp_path / "jupyterlab_02_sliders.png"
    external: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions"],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})

            def local_only(route, request):  # noqa: ANN001 - playwright callback
                if request.url.startswith((lab.url, "data:", "blob:", "about:")):
                    route.continue_()
                else:
                    external.append(request.url)
                    route.abort()

            page.route("**/*", local_only)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{lab.url}/lab/tree/{NOTEBOOK.name}?token={lab.token}")
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator", timeout=120_000)
            page.wait_for_selector("text=| Idle", timeout=120_000)  # the kernel is ready
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
            try:
                page.wait_for_function(_PROMPTS_DONE, timeout=RUN_TIMEOUT, polling=1000)
            except Exception:
                page.screenshot(path=str(shot), full_page=True)
                prompts = page.eval_on_selector_all(
                    ".jp-CodeCell .jp-InputPrompt", "els => els.map(e => e.textContent)"
                )
                print(f"screenshot: {shot}; prompts: {prompts}")
                raise
            page.wait_for_function(f"() => ({_DRAWN_CHARTS})() > 0", timeout=120_000)
            drawn = page.evaluate(_DRAWN_CHARTS)
            sliders = page.locator(".widget-hslider")
            assert sliders.count() == len(prioritize.CRITERION_DOCS)
            errors_shown = page.locator(".jp-OutputArea-output[data-mime-type*='error']")
            assert errors_shown.count() == 0, errors_shown.first.inner_text()
            before = page.evaluate(_RANKING)
            assert [row[1] for row in before["rows"]] == [
                ws.scores.names[c] for c in ws.scores.ranking()
            ]
            assert "Score of each candidate" in before["chart"]

            frequency = sliders.filter(has_text="Frequency")
            readout = frequency.locator(".widget-readout")
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type("5")
            page.keyboard.press("Enter")
            page.wait_for_function(  # the table and the chart are both redrawn
                f"(before) => {{ const now = ({_RANKING})(); "
                "return now.table !== before.table && now.chart !== before.chart; }",
                arg=before,
                timeout=120_000,
            )
            after = page.evaluate(_RANKING)
            frequency.scroll_into_view_if_needed()
            page.screenshot(path=str(shot))
            box = page.locator(".widget-vbox", has=page.locator(".widget-hslider")).first
            box.screenshot(path=str(widget_shot))  # sliders, ranking table and chart
        finally:
            browser.close()
    print(f"screenshots: {shot} {widget_shot}")
    assert [row[1] for row in after["rows"]] == expected  # the library's order, same weights
    assert after["chart"] and after["chart"] != before["chart"]  # the chart was redrawn
    # Nothing was fetched from the internet: the charts of the notebook (interactive=True)
    # draw with the Vega bundled in their widget, the sliders' chart is drawn in the kernel.
    assert external == [], external
    assert errors == [], errors
    assert drawn >= 4, drawn  # candidates, harm, CHEERS, criteria... each drawn offline
    assert (lab.root / "out" / WORKBOOK_NAME).is_file()
    assert shot.stat().st_size > 20_000 and widget_shot.stat().st_size > 20_000
