"""Concentration: 80-20 table, Lorenz curve, Gini and generalized Gini (Bernasco & Steenbeek)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cs360lib as cs
from cs360lib.analysis import concentration, generalized_gini, gini, lorenz_curve
from cs360lib.errors import AnalysisInputError, Cs360Error
from cs360lib.publish.charts import chart_to_svg

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"


def _events(counts: dict[str, int]) -> pd.DataFrame:
    places = [p for p, n in counts.items() for _ in range(n)]
    return pd.DataFrame(
        {
            "address": pd.array(places, dtype="string"),
            "occurred_at": pd.date_range("2024-01-01", periods=len(places), freq="h"),
        }
    )


# --- hand-computed fixtures -------------------------------------------------------------


def test_gini_by_hand():
    # sorted 0,0,0,4: 2 * (4 * 4) / (4 * 4) - 5 / 4 = 0.75
    assert gini([4, 0, 0, 0]) == pytest.approx(0.75)
    # sorted 0,0,1,1: 2 * (3 + 4) / (4 * 2) - 5 / 4 = 0.5
    assert gini([1, 1, 0, 0]) == pytest.approx(0.5)
    # Lorenz curve, fewest first: (0,0) (1/3,1/6) (2/3,1/2) (1,1); G = 1 - 2 * area under it
    area = (1 / 3) * (0 + 1 / 6) / 2 + (1 / 3) * (1 / 6 + 1 / 2) / 2 + (1 / 3) * (1 / 2 + 1) / 2
    assert gini([3, 2, 1]) == pytest.approx(1 - 2 * area)
    assert gini([3, 2, 1]) == pytest.approx(4 / 18)
    assert gini([5, 5, 5, 5]) == 0.0


def test_generalized_gini_by_hand():
    # two events on two of four places: as even as two events can be -> 0
    assert generalized_gini([1, 1, 0, 0]) == pytest.approx(0.0)
    # both on one place: G = 0.75; G' = 1 - (4 / 2) * (1 - 0.75) = 0.5
    assert generalized_gini([2, 0, 0, 0]) == pytest.approx(0.5)
    # at least as many events as places: G' equals G
    assert generalized_gini([6, 1, 1]) == pytest.approx(gini([6, 1, 1]))


def test_published_examples_of_bernasco_and_steenbeek():
    """Numbers from the documentation of the authors' R package ``lorenzgini`` (gini())."""
    assert gini([10, 8, 2, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(0.78)
    assert generalized_gini([10, 8, 2, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(0.78)
    assert gini([5, 2, 1, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(0.8)
    assert generalized_gini([5, 2, 1, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(0.75)
    assert gini([10] + [0] * 9) == pytest.approx(0.9)
    assert gini([10] + [0] * 99) == pytest.approx(0.99)
    assert gini([10] + [0] * 9, unbiased=True) == pytest.approx(1.0)
    assert gini([10] + [0] * 99, unbiased=True) == pytest.approx(1.0)
    # the vignette's figure 2: 10 places, 3 + 1 + 1 crimes, G = .78. Its caption gives
    # G' = .58, but the area between the curve and the maximal-equality line over the area
    # above that line is 0.14 / 0.25 = 0.56, which is also what the package's formula gives.
    assert gini([3, 1, 1] + [0] * 7) == pytest.approx(0.78)
    assert generalized_gini([3, 1, 1] + [0] * 7) == pytest.approx(0.56)


def test_unbiased_generalized_uses_min_of_places_and_events():
    x = [3, 1, 1] + [0] * 7  # N = 10, C = 5, m = 5
    assert generalized_gini(x, unbiased=True) == pytest.approx(0.56 * 5 / 4)


@pytest.mark.parametrize("bad", [[], [1, -1], [0, 0, 0], [1, np.nan]])
def test_gini_refuses_bad_counts(bad):
    with pytest.raises(AnalysisInputError):
        gini(bad)


def test_lorenz_curve():
    c = lorenz_curve([3, 1, 0, 0])
    assert list(c["places_share"]) == [0, 0.25, 0.5, 0.75, 1.0]
    assert list(c["events_share"]) == [0, 0.75, 1.0, 1.0, 1.0]
    # 4 events on 4 places: the maximal-equality line is the diagonal
    assert list(c["maximal_equality"]) == list(c["places_share"])
    sparse = lorenz_curve([1, 0, 0, 0])
    assert list(sparse["maximal_equality"]) == [0, 1, 1, 1, 1]


# --- concentration() ---------------------------------------------------------------------


def test_zero_places_count_when_all_places_are_given():
    ev = _events({"A": 3, "B": 1})
    without = concentration(ev, n_boot=0)
    with_all = concentration(ev, places=["A", "B", "C", "D"], n_boot=0)
    assert without.n_places == 2 and with_all.n_places == 4
    assert with_all.gini == pytest.approx(gini([3, 1, 0, 0]))
    assert without.gini == pytest.approx(gini([3, 1]))
    assert any("understated" in w for w in without.warnings)
    assert not any("understated" in w for w in with_all.warnings)
    assert list(with_all.counts.index) == ["A", "B", "C", "D"]


def test_unknown_places_are_added_and_missing_places_reported():
    ev = _events({"A": 2, "Z": 1, "drop": 1})
    ev.loc[3, "address"] = pd.NA
    res = concentration(ev, places=["A", "B"], n_boot=0)
    assert res.n_places == 3 and res.n_events == 3
    assert any("not in the list of places" in w for w in res.warnings)
    assert any("1 of 4 events have no address" in w for w in res.warnings)


def test_eighty_twenty_table_by_hand():
    counts = {f"P{i:02d}": n for i, n in enumerate([50, 20, 10, 5, 5, 4, 3, 2, 1, 0])}
    res = concentration(_events(counts), places=list(counts), n_boot=0, shares=(0.1, 0.2, 0.5))
    t = res.eighty_twenty().set_index("measure")
    assert t.loc["top 10% of places", "places"] == 1
    assert t.loc["top 10% of places", "events_share"] == pytest.approx(0.5)
    assert t.loc["top 20% of places", "events_share"] == pytest.approx(0.7)
    assert t.loc["top 50% of places", "events"] == 90
    assert t.loc["places holding 50% of events", "places"] == 1
    assert t.loc["places holding 80% of events", "places"] == 3  # 50 + 20 + 10
    assert res.places_for(0.8) == 3
    table = res.table().data
    assert list(table.columns) == ["Places", "Number of blocks", "Events", "Share of events"]
    assert table.index.tolist() == list(range(len(table)))
    assert table.iloc[0, 0] == "Top 10% of blocks"


def test_ties_are_broken_by_place_name():
    res = concentration(_events({"B": 2, "A": 2, "C": 5}), n_boot=0)
    assert list(res.top(3)["address"]) == ["C", "A", "B"]


def test_bootstrap_interval_is_seeded_and_brackets_the_estimate():
    rng = np.random.default_rng(3)
    counts = {f"B{i}": int(n) for i, n in enumerate(rng.poisson(2.0, 200))}
    ev = _events(counts)
    a = concentration(ev, places=list(counts), seed=7)
    b = concentration(ev, places=list(counts), seed=7)
    c = concentration(ev, places=list(counts), seed=8)
    assert a.gini_interval == b.gini_interval
    assert a.gini_interval != c.gini_interval
    lo, hi = a.gini_interval
    assert lo < a.gini < hi
    assert concentration(ev, n_boot=0).gini_interval is None


def test_multinomial_bootstrap_matches_resampling_places():
    """The fast bootstrap has the distribution of the ordinary one (resample places)."""
    rng = np.random.default_rng(11)
    x = rng.poisson(1.5, 150).astype(float)
    counts = {f"B{i:03d}": int(n) for i, n in enumerate(x)}
    res = concentration(_events(counts), places=list(counts), n_boot=4000, seed=2)
    brute = [gini(x[rng.integers(0, x.size, x.size)]) for _ in range(4000)]
    lo, hi = np.quantile(brute, [0.025, 0.975])
    assert res.gini_interval[0] == pytest.approx(lo, abs=0.01)
    assert res.gini_interval[1] == pytest.approx(hi, abs=0.01)


def test_sparse_data_use_the_generalized_gini_in_words():
    counts = {f"B{i:03d}": (1 if i < 30 else 0) for i in range(300)}
    counts["B000"] = 5
    res = concentration(_events(counts), places=list(counts), seed=1)
    assert res.sparse
    assert res.generalized_gini < res.gini
    text = res.summary()
    assert "generalized Gini (Bernasco and Steenbeek 2017)" in text
    assert "nan" not in text.lower() and "inf" not in text.lower()
    assert res.generalized_gini_interval is not None


def test_window_and_errors():
    ev = _events({"A": 3, "B": 1})
    assert concentration(ev, start="2024-01-01", end="2024-01-01", n_boot=0).n_events == 4
    with pytest.raises(AnalysisInputError, match="no events between"):
        concentration(ev, start="2025-01-01", n_boot=0)
    with pytest.raises(AnalysisInputError, match="no column 'block'"):
        concentration(ev, place="block")
    with pytest.raises(AnalysisInputError, match="shares"):
        concentration(ev, shares=(0, 0.5))
    with pytest.raises(Cs360Error):
        concentration(ev.iloc[:0])
    with pytest.raises(AnalysisInputError, match="DataFrame"):
        concentration([1, 2, 3])  # type: ignore[arg-type]


def test_chart_renders_offline():
    counts = {f"B{i}": i % 7 for i in range(1000)}
    res = concentration(_events(counts), places=list(counts), n_boot=0)
    spec = res.chart().to_dict()
    assert sum(len(v) for v in spec["datasets"].values()) <= 3 * 400 + 3
    assert "<svg" in chart_to_svg(res.chart())


# --- acceptance on the sample department -------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    loaded = cs.load_engagement(cs.Engagement.load(SAMPLES / "engagement.yml"))
    truth = json.loads((SAMPLES / "truth.json").read_text())
    return loaded, truth["concentration"]


def test_sample_gini_over_blocks_equals_the_truth(sample):
    """The generator's observed Gini: all incidents, every block of the city (zeros too).

    The generator (``_concentration_truth``) takes ``np.bincount`` of every incident over
    all 480 blocks and the population Gini; the blocks of the city are the addresses that
    appear in the department's incidents or calls.
    """
    loaded, truth = sample
    incidents = loaded["incidents"].data
    blocks = pd.concat([incidents["address"], loaded["calls"].data["address"]]).dropna().unique()
    assert len(blocks) == truth["n_blocks"]
    res = concentration(incidents, places=blocks, n_boot=199)
    assert round(res.gini, 3) == round(truth["observed_gini_blocks"], 3)
    assert res.n_places == truth["n_blocks"]
    t = res.eighty_twenty().set_index("measure")
    assert t.loc["top 10% of places", "events_share"] == pytest.approx(
        truth["observed_top10pct_blocks_share"], abs=5e-4
    )


def test_sample_planted_hot_blocks_rank_at_the_top(sample):
    loaded, truth = sample
    res = concentration(loaded["incidents"].data, n_boot=0)
    top10 = set(res.top(10)["address"])
    assert len(top10 & set(truth["top10_blocks_expected"])) >= 8
