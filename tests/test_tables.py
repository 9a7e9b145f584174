"""Presentation tables: human labels, no index, formatted numbers, dates and missing values."""

from __future__ import annotations

import base64
import re

import pandas as pd

from cs360lib.data.schemas import column_label
from cs360lib.publish.privacy import suppress_counts
from cs360lib.publish.tables import (
    MISSING,
    PresentationTable,
    format_value,
    humanize,
    presentation_table,
    suppression_note,
)
from cs360lib.run.reports import find_network_refs


def cells(html: str) -> list[str]:
    return re.findall(r'<td headers="[^"]*" class="gt_row[^"]*">(.*?)</td>', html)


def headers(html: str) -> list[str]:
    return re.findall(r'<th class="gt_col_heading[^"]*"[^>]*>(.*?)</th>', html)


def test_labels_replace_names_and_the_index_is_hidden() -> None:
    frame = pd.DataFrame(
        {
            "occurred_at": pd.to_datetime(["2024-01-05 10:30", None]),
            "rows_read": [12345, 2],
            "rejected_pct": [1.234, None],
        }
    )
    table = presentation_table(
        frame, labels={"occurred_at": column_label("incidents", "occurred_at")}
    )
    html = table.to_html()
    assert headers(html) == ["Occurred at", "Rows read", "Rejected (%)"]
    assert list(table.data.columns) == ["Occurred at", "Rows read", "Rejected (%)"]
    assert cells(html) == ["2024-01-05 10:30", "12,345", "1.2", MISSING, "2", MISSING]
    assert "nan" not in html.lower() and "NaT" not in html


def test_dates_without_a_time_are_dates_and_time_zones_are_dropped() -> None:
    frame = pd.DataFrame(
        {"first": pd.to_datetime(["2020-01-01", "2024-12-31"]).tz_localize("America/Chicago")}
    )
    assert cells(presentation_table(frame).to_html()) == ["2020-01-01", "2024-12-31"]


def test_a_named_index_becomes_the_first_column() -> None:
    effects = pd.DataFrame({"estimate": [1.0]}, index=pd.Index(["level_change"], name="term"))
    html = presentation_table(effects, labels={"term": "Effect"}, caption="Effects").to_html()
    assert headers(html) == ["Effect", "Estimate"]
    assert "Effects" in html and ">level_change<" in html


def test_schema_labels_are_used_for_canonical_snake_case_columns() -> None:
    frame = pd.DataFrame({"occurred_at": pd.to_datetime(["2024-01-05"]), "source": ["x"]})
    assert headers(presentation_table(frame).to_html()) == [
        column_label("incidents", "occurred_at"),
        "Source",
    ]


def test_sensible_digits_for_percentages_rates_shares_and_p_values() -> None:
    frame = pd.DataFrame(
        {
            "rejected_pct": [0.5, 12.25],
            "rate_per_1000": [3.4567, 12.0],
            "share": [0.25, 0.125],
            "p_value": [0.0004, 0.0456],
            "count": [1.0, 25000.0],  # whole numbers stored as floats
        }
    )
    html = presentation_table(frame).to_html()
    assert cells(html) == [
        "0.5",
        "3.46",
        "25.0%",
        "&lt;0.001",
        "1",
        "12.2",
        "12.00",
        "12.5%",
        "0.046",
        "25,000",
    ]


def test_suppression_markers_get_a_footnote_and_stay_right_aligned() -> None:
    counts = pd.Series([2, 12, 30, 40], index=pd.Index(list("abcd"), name="beat"), name="n")
    published = suppress_counts(counts).table()
    html = presentation_table(published.rename("count").to_frame()).to_html()
    assert "&lt;5" in html and "a count from 1 to 4" in html
    assert "hidden as well" in html  # the complementary "x"
    assert suppression_note(["<5", "x"]).startswith("<5: a count from 1 to 4")
    assert suppression_note([]) == ""


def test_long_tables_are_cut_with_a_note_and_the_full_table_can_be_attached() -> None:
    frame = pd.DataFrame({"beat": [f"B{i}" for i in range(60)], "events": range(60)})
    table = presentation_table(frame, max_rows=10, source="Source: the sample department")
    html = table.to_html()
    assert len(cells(html)) == 20
    assert "… 50 more rows not shown (60 in all" in html
    assert "Source: the sample department" in html
    full = table.to_html(max_rows=None)
    assert len(cells(full)) == 120 and "more rows" not in full
    attached = table.to_html(attach_csv=True)
    payload = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', attached).group(1)
    csv = base64.b64decode(payload).decode()
    assert csv.splitlines()[0] == "Beat,Events" and len(csv.splitlines()) == 61
    assert not find_network_refs(attached)


def test_html_is_static_offline_and_stable() -> None:
    frame = pd.DataFrame({"a": ["<b>bold</b>", None], "b": [1, 2]})
    one, two = presentation_table(frame).to_html(), presentation_table(frame).to_html()
    assert one == two  # same table, same HTML (no random ids)
    assert "&lt;b&gt;bold&lt;/b&gt;" in one
    assert "<script" not in one and not find_network_refs(one)
    assert "http" not in one.lower()


def test_displays_in_jupyter_and_keeps_its_frame() -> None:
    table = presentation_table(pd.DataFrame({"x": [1]}))
    assert isinstance(table, PresentationTable)
    assert table._repr_html_() == table.to_html()
    assert table.data.equals(pd.DataFrame({"X": [1]}))
    assert table.with_source("S").source == "S"


def test_format_value() -> None:
    assert format_value(12345) == "12,345"
    assert format_value(3.14159) == "3.14"
    assert format_value(pd.Timestamp("2024-01-05")) == "2024-01-05"
    assert format_value(None) == MISSING and format_value(float("nan")) == MISSING


def test_humanize() -> None:
    assert humanize("rejected_pct") == "Rejected (%)"
    assert humanize("p_value") == "P value"
    assert humanize("ci_low") == "CI low"
    assert humanize("stakeholder_id") == "Stakeholder ID"
