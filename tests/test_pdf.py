"""PDF copies of reports: Chromium is found or the error says how to get it; a page prints."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from browser import require_chromium

from cs360lib.errors import RunError
from cs360lib.run import pdf


def test_a_missing_chromium_is_a_clear_error(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv(pdf.CHROMIUM_ENV, raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RunError, match="no Chromium found.*install-browser"):
        pdf.find_chromium()
    monkeypatch.setenv(pdf.CHROMIUM_ENV, str(tmp_path / "nope"))
    with pytest.raises(RunError, match="not an executable"):
        pdf.find_chromium()


def test_a_failing_browser_is_reported(tmp_path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'cannot print' >&2\nexit 3\n")
    fake.chmod(0o755)
    page = tmp_path / "a.html"
    page.write_text("<p>x</p>")
    with pytest.raises(RunError, match="exit 3.*cannot print"):
        pdf.print_pdf(page, tmp_path / "a.pdf", chromium=fake)


def test_pdf_filename() -> None:
    assert pdf.pdf_filename("00_data_intake") == "00_data_intake.pdf"


@pytest.mark.browser
def test_a_page_prints_with_page_numbers(tmp_path) -> None:
    require_chromium()
    page = tmp_path / "report.html"
    page.write_text(
        "<html><head><style>@page { @bottom-right { content: 'Page ' counter(page) ' of ' "
        "counter(pages); } } .a { break-after: page; }</style></head><body>"
        "<p class='a'>First page</p><p>Second page</p></body></html>"
    )
    out = pdf.print_pdf(page, tmp_path / "report.pdf")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "First page" in text and "Page 2 of 2" in text
    assert "file://" not in text  # Chromium's own header and footer are off
