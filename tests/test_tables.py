"""Presentation tables: human labels, no index, formatted numbers, dates and missing values."""

from __future__ import annotations

import pandas as pd

from cs360lib.data.schemas import column_label
from cs360lib.publish.tables import MISSING, humanize, presentation_table


def test_labels_replace_names_and_the_index_is_hidden() -> None:
    frame = pd.DataFrame(
        {
            "occurred_at": pd.to_datetime(["2024-01-05 10:30", None]),
            "rows_read": [12345, 2],
            "rejected_pct": [1.234, None],
        }
    )
    html = presentation_table(
        frame, labels={"occurred_at": column_label("incidents", "occurred_at")}
    ).to_html()
    assert ">Occurred at<" in html and ">Rows read<" in html and ">Rejected (%)<" in html
    assert "row_heading" not in html  # no index column
    assert ">12,345<" in html and ">1.23<" in html and ">2024-01-05<" in html
    assert html.count(f">{MISSING}<") == 2
    assert "nan" not in html.lower() and "NaT" not in html


def test_a_named_index_becomes_the_first_column() -> None:
    effects = pd.DataFrame({"estimate": [1.0]}, index=pd.Index(["level_change"], name="term"))
    html = presentation_table(effects, labels={"term": "Effect"}, caption="Effects").to_html()
    assert html.index(">Effect<") < html.index(">Estimate<")
    assert "Effects" in html and ">level_change<" in html


def test_humanize() -> None:
    assert humanize("rejected_pct") == "Rejected (%)"
    assert humanize("p_value") == "P value"
    assert humanize("ci_low") == "CI low"
    assert humanize("stakeholder_id") == "Stakeholder ID"
