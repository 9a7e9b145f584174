"""Repeat locations and repeat victims: repeat rate, repeats, time to repeat."""

from __future__ import annotations

import pandas as pd
import pytest

from cs360lib.analysis import repeat_victims, repeats
from cs360lib.errors import AnalysisInputError
from cs360lib.publish.charts import chart_to_svg


def _events() -> pd.DataFrame:
    rows = [
        ("A", "2024-01-01 10:00"),
        ("A", "2024-01-03 09:00"),
        ("A", "2024-02-09 23:00"),
        ("B", "2024-01-10 12:00"),
        ("C", "2024-01-05 01:00"),
        ("C", "2024-01-05 22:00"),
    ]
    return pd.DataFrame(
        {
            "address": pd.array([r[0] for r in rows], dtype="string"),
            "occurred_at": pd.to_datetime([r[1] for r in rows]),
            "victim_id": pd.array(["v1", "v2", "v1", "v3", "v1", "v4"], dtype="string"),
        }
    )


def test_repeat_locations_by_hand():
    res = repeats(_events())
    assert (res.n_events, res.n_keys, res.n_repeat_keys) == (6, 3, 2)
    assert res.repeat_rate == pytest.approx(2 / 3)
    assert res.repeat_events == 3 and res.repeat_event_share == pytest.approx(0.5)
    # gaps in calendar days: A 2 and 37, C 0
    assert sorted(res.gaps) == [0, 2, 37]
    assert res.median_days_to_repeat == 2
    t = res.time_to_repeat().set_index("band")["repeats"]
    assert t["Same day"] == 1 and t["1 to 7 days"] == 1 and t["31 to 90 days"] == 1
    assert t.sum() == 3
    per = res.to_frame()
    assert list(per["address"]) == ["A", "C", "B"] and list(per["events"]) == [3, 2, 1]
    e = res.events_per_key().set_index("events_per_key")
    assert e.loc["1", "keys"] == 1 and e.loc["2", "keys"] == 1 and e.loc["3", "keys"] == 1
    assert e["events"].sum() == 6


def test_summary_table_and_chart():
    res = repeats(_events())
    text = res.summary()
    assert "2 of them (66.7%)" in text and "within 2 days of" in text
    assert "nan" not in text.lower() and "inf" not in text.lower()
    assert any("40 days" in w for w in res.warnings)  # short window understates repeats
    table = res.table().data
    assert list(table.columns) == [
        "Time since the previous event there",
        "Repeats",
        "Share of repeats",
    ]
    assert table.index.tolist() == list(range(6))
    assert "<svg" in chart_to_svg(res.chart())


def test_repeat_victims_with_an_id():
    res = repeat_victims(_events())
    assert res.kind == "victim" and res.n_keys == 4 and res.n_repeat_keys == 1
    assert "victims" in res.summary()


def test_repeat_victims_without_an_id_says_how_to_add_one():
    with pytest.raises(AnalysisInputError, match="mapping's `extra`"):
        repeat_victims(_events().drop(columns="victim_id"))


def test_window_and_rows_without_a_place():
    ev = _events()
    ev.loc[3, "address"] = pd.NA
    res = repeats(ev, start="2024-01-01", end="2024-01-31")
    assert res.n_events == 4  # the February event is outside, B has no address
    assert res.window_days == 31
    assert any("no address" in w for w in res.warnings)
    with pytest.raises(AnalysisInputError, match="no column 'premises'"):
        repeats(ev, by="premises")
    with pytest.raises(AnalysisInputError, match="no events between"):
        repeats(ev, start="2025-01-01")
