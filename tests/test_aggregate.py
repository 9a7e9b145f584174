"""Aggregation before plotting: blocks of time and the top of a ranking plus "other"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cs360lib.publish.aggregate import MAX_BARS, block_length, time_blocks, top_with_other
from cs360lib.publish.charts import MAX_ROWS


def test_block_length() -> None:
    assert block_length(5_000) == 1
    assert block_length(5_001) == 2
    assert block_length(15_003, groups=3) == 4  # 3 series of 5,001 days
    assert block_length(100, groups=1, max_rows=10) == 12  # 100 / 12 + 1 <= 10
    with pytest.raises(ValueError, match="cannot be drawn"):
        block_length(100, groups=10, max_rows=10)


def test_time_blocks_keep_every_count_and_fit() -> None:
    days = pd.date_range("2000-01-01", periods=5_001, freq="D")
    frame = pd.concat(
        [
            pd.DataFrame({"source": s, "period": days, "rows": np.arange(len(days)) % 5 + k})
            for k, s in enumerate(["calls", "incidents", "survey"])
        ],
        ignore_index=True,
    )
    blocked, block = time_blocks(frame, order="period", by=["source"], aggregations={"rows": "sum"})
    assert block == 4 and len(blocked) <= MAX_ROWS
    assert list(blocked.columns) == ["source", "period", "rows"]
    for source, rows in frame.groupby("source"):
        mine = blocked[blocked["source"] == source]
        assert mine["rows"].sum() == rows["rows"].sum()  # nothing lost
        assert mine["period"].iloc[0] == days[0] and mine["period"].iloc[1] == days[4]
    small = frame.head(10)
    same, one = time_blocks(small, order="period", by=["source"], aggregations={"rows": "sum"})
    assert one == 1 and same is small


def test_top_with_other_keeps_the_largest_and_adds_up_the_rest() -> None:
    frame = pd.DataFrame({"area": [f"A{i}" for i in range(100)], "events": np.arange(100)})
    shown = top_with_other(frame, label="area", rank="events", other={"events": "sum"})
    assert len(shown) == MAX_BARS
    assert list(shown["area"][:3]) == ["A99", "A98", "A97"]
    assert shown["area"].iloc[-1] == "61 others"
    assert shown["events"].sum() == frame["events"].sum()
    dropped = top_with_other(frame, label="area", rank="events", n=5)
    assert list(dropped["area"]) == ["A99", "A98", "A97", "A96", "A95"]
    assert len(top_with_other(frame.head(5), label="area", rank="events")) == 5
    with pytest.raises(ValueError, match="at least 2"):
        top_with_other(frame, label="area", rank="events", n=1)


def test_top_with_other_ranks_by_a_series_and_leaves_unlisted_columns_missing() -> None:
    frame = pd.DataFrame({"area": list("abcdef"), "change": [5, -9, 1, 0, -2, 3], "note": "x"})
    shown = top_with_other(
        frame,
        label="area",
        rank=frame["change"].abs(),
        n=3,
        other={"change": "sum"},
        other_label="{count} other areas",
    )
    assert list(shown["area"]) == ["b", "a", "4 other areas"]
    assert shown["change"].iloc[-1] == 2 and pd.isna(shown["note"].iloc[-1])
