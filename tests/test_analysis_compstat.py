"""CompStat tables: counts against a year before, flags only beyond Poisson variation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cs360lib.analysis import compstat
from cs360lib.analysis.compstat import TOTAL
from cs360lib.errors import AnalysisInputError
from cs360lib.evaluate import e_test, rate_ratio_test
from cs360lib.publish.charts import chart_to_svg

AS_OF = pd.Timestamp("2024-06-30")  # a Sunday; 364 days before is Sunday 2 July 2023


def _ev(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    """(area, day, count) rows -> one event per count, at noon."""
    areas, days = [], []
    for area, day, n in rows:
        areas += [area] * n
        days += [pd.Timestamp(day) + pd.Timedelta(hours=12)] * n
    return pd.DataFrame(
        {
            "district": pd.Categorical(areas, categories=["North", "South", "East"]),
            "occurred_at": pd.to_datetime(days),
        }
    )


def _base() -> pd.DataFrame:
    return _ev(
        [
            ("North", "2023-01-05", 1),  # data start
            ("North", "2024-06-28", 4),  # this week 4
            ("North", "2023-06-30", 2),  # same week a year before (26 Jun - 2 Jul 2023): 2
            ("South", "2024-06-20", 40),  # 28 days: 40
            ("South", "2023-06-15", 5),  # 28 days a year before (5 Jun - 2 Jul 2023): 5
            ("East", "2024-06-29", 3),  # from none
            ("South", "2024-02-29", 1),  # leap day, year to date only
        ]
    )


def test_counts_periods_and_flags():
    res = compstat(_base(), as_of=AS_OF, covered_from="2023-01-01")
    f = res.to_frame().set_index(["area", "period"])
    north = f.loc[("North", "week")]
    assert (north["current"], north["prior"]) == (4, 2)
    assert north["prior_start"] == pd.Timestamp("2023-06-26")
    assert north["prior_end"] == pd.Timestamp("2023-07-02")
    assert north["flag"] == "" and north["description"] == "up 100% (2 to 4)"
    assert north["p_value"] == pytest.approx(rate_ratio_test(2, 4).p_value)
    south = f.loc[("South", "28 days")]
    assert (south["current"], south["prior"], south["flag"]) == (40, 5, "up")
    east = f.loc[("East", "week")]
    assert east["description"] == "up from none to 3" and np.isnan(east["pct_change"])
    ytd = f.loc[("South", "year to date")]
    assert ytd["current"] == 41 and ytd["prior"] == 5
    assert ytd["start"] == pd.Timestamp("2024-01-01")
    total = f.loc[(TOTAL, "week")]
    assert total["current"] == 7 and total["prior"] == 2


def test_every_category_is_listed_and_the_table_has_no_inf_or_nan():
    res = compstat(_base(), as_of=AS_OF)
    table = res.table().data
    assert list(table["Area"]) == ["North", "South", "East", TOTAL]
    text = table.to_string().lower() + res.summary().lower()
    assert "inf" not in text and "nan" not in text
    assert "beyond chance" in table.to_string()
    assert "South, 28 days: up 700% (5 to 40)" in res.summary()
    assert "<svg" in chart_to_svg(res.chart())


def test_e_test_option():
    res = compstat(_base(), as_of=AS_OF, test="e-test")
    row = res.to_frame().set_index(["area", "period"]).loc[("South", "28 days")]
    assert row["p_value"] == pytest.approx(e_test(40, 5, 28, 28).p_value)


def test_leap_day_year_to_date_uses_exposures():
    ev = _ev([("North", "2023-01-02", 10), ("North", "2024-02-29", 1)])
    res = compstat(ev, as_of="2024-02-29", covered_from="2023-01-01")
    row = res.to_frame().set_index(["area", "period"]).loc[("North", "year to date")]
    assert row["prior_end"] == pd.Timestamp("2023-02-28")
    assert row["p_value"] == pytest.approx(
        rate_ratio_test(10, 1, pre_exposure=59, post_exposure=60).p_value
    )


def test_no_data_a_year_before_is_said_in_words():
    ev = _ev([("North", "2024-03-01", 3), ("North", "2024-06-29", 2)])
    res = compstat(ev, as_of=AS_OF)
    f = res.to_frame()
    assert f["prior"].isna().all() and (f["flag"] == "").all()
    assert (f["description"] == "no data a year before").all()
    assert any("data begin on 2024-03-01" in w for w in res.warnings)
    assert "no data" in res.table().data.iloc[0, 2]


def test_fdr_holds_back_marginal_flags():
    rng = np.random.default_rng(0)
    areas, days = [], []
    for k in range(30):
        for day in ("2023-06-20", "2024-06-20"):
            n = int(rng.poisson(10))
            areas += [f"A{k:02d}"] * n
            days += [pd.Timestamp(day)] * n
    ev = pd.DataFrame({"district": areas, "occurred_at": days})
    plain = compstat(ev, as_of=AS_OF, covered_from="2023-01-01")
    held = compstat(ev, as_of=AS_OF, covered_from="2023-01-01", fdr=True)
    assert len(held.flagged()) <= len(plain.flagged())
    assert (held.frame["q_value"] >= held.frame["p_value"] - 1e-12).all()
    assert "allowing for the number of areas" in held.summary()


def test_bad_input_gets_clear_errors():
    ev = _base()
    with pytest.raises(AnalysisInputError, match="no column 'beat'"):
        compstat(ev, area="beat")
    with pytest.raises(AnalysisInputError, match="no event in the year"):
        compstat(ev, as_of="2030-01-01")
    with pytest.raises(AnalysisInputError, match="test"):
        compstat(ev, test="chi2")
    with pytest.raises(AnalysisInputError, match="period"):
        compstat(ev, as_of=AS_OF).chart(period="month")
    late = compstat(ev, as_of="2024-07-20")
    assert any("incomplete" in w for w in late.warnings)
