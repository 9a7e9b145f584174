"""Summaries as prose: paragraphs, lists, numbers in bold, markup escaped."""

from __future__ import annotations

import nbconvert.filters.markdown_mistune as mistune_filter

from cs360lib.publish.markdown import escape_markdown, summary_markdown
from cs360lib.steps.intake import IntakeOverview


def to_html(markdown: str) -> str:
    return mistune_filter.markdown2html_mistune(markdown)


def test_paragraphs_lists_and_bold_numbers() -> None:
    text = (
        "8 sources were read: 53,074 rows in all, of which 12 (0.02%) were set aside.\n"
        "Columns more than 5% empty:\n"
        "- arrests.incident_id: 24.0% empty\n"
        "- calls.arrived_at: 6.0% empty"
    )
    md = summary_markdown(text)
    assert md.startswith("**8** sources were read: **53,074** rows in all, of which **12**")
    assert "(**0.02%**)" in md
    assert "\n\n- arrests.incident\\_id: **24.0%** empty\n- calls.arrived\\_at" in md
    html = to_html(md)
    assert html.count("<li>") == 2 and html.count("<p>") == 2
    assert "<strong>53,074</strong>" in html and "arrests.incident_id" in html


def test_dates_times_years_and_words_stay_plain() -> None:
    md = summary_markdown("A gap in 2022-03 (2022-03-01 10:30) in 2021, beat P90, x2.")
    assert "**" not in md


def test_markers_and_markup_are_shown_as_written() -> None:
    md = summary_markdown("- <5 rows hidden in beat *B1* [x]")
    html = to_html(md)
    assert "&lt;5" in html and "*B1*" in html and "<em>" not in html
    assert escape_markdown("a_b <c>") == "a\\_b \\<c\\>"


def test_warnings_are_set_apart() -> None:
    md = summary_markdown("Fine.\nWarning: the model did not converge after 50 iterations.")
    assert md.endswith("> **Warning:** the model did not converge after **50** iterations.\n")
    assert "<blockquote>" in to_html(md)


def test_a_result_displays_its_summary_as_markdown() -> None:
    import pandas as pd

    frame = pd.DataFrame(
        {
            "source": ["calls"],
            "kind": ["calls"],
            "files": [1],
            "rows_read": [1200],
            "loaded": [1200],
            "rejected": [0],
            "rejected_pct": [0.0],
            "first": [pd.Timestamp("2020-01-01")],
            "last": [pd.Timestamp("2020-12-31")],
            "areas": ["beat: 4"],
            "duplicate_keys": [0],
        }
    )
    result = IntakeOverview(frame)
    assert result._repr_markdown_() == summary_markdown(result)
    assert "**1,200** rows" in summary_markdown(result)
    assert summary_markdown("") == ""
