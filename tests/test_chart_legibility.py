"""Every chart of the library can be read: no label drawn over another, none cut off.

Each result class's chart (the factories of ``test_results_contract``) and the intake charts
of the sample department are laid out by vl-convert (the renderer of the reports); the text
boxes come from the Vega scenegraph (``chart_layout``). A chart must also keep a readable
size once the report fits it to the page, and an alt text.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
import vl_convert as vlc
from chart_layout import clipped, overlaps, text_boxes
from test_results_contract import FACTORIES, RESULT_CLASSES, sources  # noqa: F401 - fixture

from cs360lib.publish import charts
from cs360lib.publish.results import Result
from cs360lib.run.reports import chart_alt_text

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "engagement.yml"
PAGE_WIDTH = 1100
"""Widest a chart is drawn in a report (the template's max-width); wider ones are shrunk."""
SMALLEST_TEXT = 8.0
"""Smallest font size (px) a label may have once the chart is shrunk to the page."""


def check_chart(chart: alt.TopLevelMixin, name: str) -> None:
    charts.enable_theme()
    scene = vlc.vegalite_to_scenegraph(chart.to_dict(), vl_version=charts._vl_version())
    width, height = scene["width"], scene["height"]
    boxes = text_boxes(scene)
    assert boxes, f"{name}: no text at all"
    problems = overlaps(boxes, ("axis-label", "legend-label")) + clipped(boxes, width, height)
    assert not problems, f"{name}:\n" + "\n".join(problems[:20])

    shrink = min(1.0, PAGE_WIDTH / width)
    sizes = [b.size * shrink for b in boxes]
    assert min(sizes) >= SMALLEST_TEXT, f"{name}: text {min(sizes):.1f}px once fitted to the page"
    png = charts.chart_to_png(chart, scale=2)
    png_width = int.from_bytes(png[16:20], "big")
    assert png_width == pytest.approx(2 * width, abs=2), name
    svg = charts.chart_to_svg(chart)
    assert chart_alt_text(svg) != "Chart", f"{name}: no title or axis to describe it"


@pytest.mark.parametrize("cls", RESULT_CLASSES, ids=lambda c: c.__name__)
def test_result_chart_labels_fit(cls: type[Result], sources: dict) -> None:  # noqa: F811
    check_chart(FACTORIES[cls.__name__](sources).chart(), cls.__name__)


@pytest.fixture(scope="module")
def sample_sources() -> dict:
    import cs360lib as cs

    with warnings.catch_warnings():  # the sample's deprecated publishing keys: not ours here
        warnings.simplefilter("ignore", FutureWarning)
        engagement = cs.Engagement.load(SAMPLE)
    return engagement, cs.load_engagement(engagement)


@pytest.mark.parametrize("step", ["overview", "rejections", "coverage", "missing_values"])
def test_sample_intake_charts_fit(step: str, sample_sources: tuple) -> None:
    from cs360lib.steps import intake

    engagement, loaded = sample_sources
    kwargs = {"period": engagement.analysis.period} if step == "coverage" else {}
    check_chart(getattr(intake, step)(loaded, **kwargs).chart(), step)


def test_years_read_as_years_over_a_long_series() -> None:
    months = pd.date_range("2006-01-01", "2023-12-01", freq="MS")
    frame = pd.DataFrame({"month": months, "events": range(len(months))})
    chart = alt.Chart(frame, title="Events per month").mark_line().encode(x="month:T", y="events:Q")
    check_chart(chart, "long monthly series")
    charts.enable_theme()
    scene = vlc.vegalite_to_scenegraph(chart.to_dict(), vl_version=charts._vl_version())
    labels = [b.text for b in text_boxes(scene) if b.role == "axis-label" and len(b.text) > 3]
    assert labels and all(len(t) == 4 and t.isdigit() for t in labels), labels


def test_the_checker_sees_overlapping_and_clipped_labels() -> None:
    frame = pd.DataFrame({"column": [f"column_name_{i}" for i in range(40)], "n": range(40)})
    level = alt.Chart(frame).mark_bar().encode(x=alt.X("column:N", axis=alt.Axis(labelAngle=0)))
    with pytest.raises(AssertionError, match="over"):
        check_chart(level.encode(y="n:Q"), "level labels")
    long_title = alt.Chart(frame.head(3), title="x " * 200).mark_bar().encode(x="n:Q")
    with pytest.raises(AssertionError, match="outside"):
        check_chart(long_title, "long title")
