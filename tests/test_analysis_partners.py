"""Partner data beside police events, area by area, over the same window."""

from __future__ import annotations

import pandas as pd
import pytest

from cs360lib.analysis import area_counts
from cs360lib.errors import AnalysisInputError


def _police() -> pd.DataFrame:
    beats = ["B1"] * 5 + ["B2"] * 3 + ["B3"] * 1 + ["B4"] * 8 + ["B5"] * 2 + [None]
    return pd.DataFrame(
        {
            "beat": pd.Categorical(beats, categories=["B1", "B2", "B3", "B4", "B5", "B6"]),
            "occurred_at": pd.Timestamp("2024-05-10"),
        }
    )


def test_counts_and_metrics_per_area():
    ems = pd.DataFrame(
        {
            "area": ["B1", "B1", "B4", "B4", "B4", "X9", "B2"],
            "received_at": pd.to_datetime(["2024-05-01"] * 6 + ["2023-01-01"]),
        }
    )
    pm = pd.DataFrame(
        {
            "partner": "311",
            "metric": ["Streetlight outages"] * 4 + ["Satisfaction"] * 2,
            "period": pd.to_datetime(
                ["2024-05-01", "2024-06-01", "2024-05-01", "2024-05-01"] * 1 + ["2024-05-01"] * 2
            ),
            "area": ["B1", "B1", "B4", "North", "B1", "B4"],
            "value": [2.0, 3.0, 7.0, 100.0, 3.5, 4.5],
            "unit": ["count"] * 4 + ["score"] * 2,
        }
    )
    res = area_counts(
        _police(),
        partners={"EMS runs": ems},
        partner_metrics=pm,
        start="2024-05-01",
        end="2024-05-31",
    )
    f = res.to_frame().set_index("area")
    assert list(f.index) == ["B1", "B2", "B3", "B4", "B5", "B6"]
    assert f.loc["B4", "events"] == 8 and f.loc["B6", "events"] == 0
    assert f.loc["B1", "EMS runs"] == 2 and f.loc["B2", "EMS runs"] == 0
    assert f.loc["B1", "Streetlight outages"] == 2.0  # June is outside the window
    assert f.loc["B4", "Satisfaction"] == 4.5  # a score: averaged, not summed
    assert pd.isna(f.loc["B2", "Streetlight outages"])
    assert any("no beat" in w for w in res.warnings)
    assert any("X9" not in w and "not counted" in w for w in res.warnings)
    assert any("North" in w for w in res.warnings)
    assert "EMS runs" in set(res.correlations["measure"])
    table = res.table().data
    assert table.iloc[0]["Area"] == "B4" and "no data" in table.to_string()
    text = res.summary()
    assert "B4" in text and "nan" not in text.lower()


def test_errors():
    with pytest.raises(AnalysisInputError, match="no column 'district'"):
        area_counts(_police(), area="district")
    pm = pd.DataFrame(
        {"metric": ["m"], "period": pd.to_datetime(["2024-05-01"]), "area": ["Z"], "value": [1.0]}
    )
    with pytest.raises(AnalysisInputError, match="no row for the police areas"):
        area_counts(_police(), partner_metrics=pm)
