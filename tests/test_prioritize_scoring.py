"""steps.prioritize.scoring and .sensitivity: hand fixtures and properties (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cs360lib.config.prioritization import CRITERIA
from cs360lib.errors import PrioritizationError
from cs360lib.steps.prioritize.scoring import normalise, score_table
from cs360lib.steps.prioritize.sensitivity import sensitivity, swap_thresholds


def _raw(rows: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, index=list(CRITERIA)).T


FIXTURE = _raw(
    {
        # frequency, harm, trend, concentration, community, feasibility, data
        "a": [999, 9999, 0.2, 0.8, 0.6, 4, 3],
        "b": [99, 99, 0.0, 0.5, 0.2, 2, 5],
        "c": [9, 0, -0.1, 0.2, 0.4, 0, 1],
    }
)


def test_normalisation_is_min_max_with_log_counts() -> None:
    n = normalise(FIXTURE)
    # log10(1 + x): 3, 2, 1 for frequency; 4, 2, 0 for harm
    assert n["frequency"].tolist() == pytest.approx([1.0, 0.5, 0.0])
    assert n["harm"].tolist() == pytest.approx([1.0, 0.5, 0.0])
    assert n["trend"].tolist() == pytest.approx([1.0, 1 / 3, 0.0])
    assert n["community"].tolist() == pytest.approx([1.0, 0.0, 0.5])
    assert n["data"].tolist() == pytest.approx([0.5, 1.0, 0.0])
    flat = normalise(pd.DataFrame({"community": [0.3, 0.3]}))
    assert flat["community"].tolist() == [0.0, 0.0]
    with pytest.raises(PrioritizationError, match="missing or infinite"):
        normalise(pd.DataFrame({"harm": [1.0, np.nan]}))


def test_scores_by_hand() -> None:
    scores = score_table(FIXTURE, {"harm": 2, "trend": 0}, names={"a": "A", "b": "B", "c": "C"})
    # shares: harm 2/7, trend 0, the five others 1/7 each
    b = (0.5 + 2 * 0.5 + 0 + 0.5 + 0.0 + 0.5 + 1.0) / 7
    c = (0 + 0 + 0 + 0 + 0.5 + 0 + 0) / 7
    a = (1 + 2 + 0 + 1 + 1 + 1 + 0.5) / 7
    assert scores.scores().to_dict() == pytest.approx({"a": a, "b": b, "c": c})
    assert scores.ranking() == ["a", "b", "c"] and scores.rank_of("c") == 3
    frame = scores.to_frame()
    assert frame.loc[0, "raw_harm"] == 9999 and frame.loc[0, "normalised_harm"] == 1.0
    assert frame.loc[0, "contribution_harm"] == pytest.approx(2 / 7)
    assert "A ranks first" in scores.summary()
    scores.chart().to_dict()


def test_bad_weights_and_missing_values_are_clear() -> None:
    with pytest.raises(PrioritizationError, match="must be a number >= 0"):
        score_table(FIXTURE, {"harm": -1})
    with pytest.raises(PrioritizationError, match="all zero"):
        score_table(FIXTURE, dict.fromkeys(CRITERIA, 0))
    with pytest.raises(PrioritizationError, match="'severity' is not a criterion"):
        score_table(FIXTURE, {"severity": 1})
    holed = FIXTURE.copy()
    holed.loc["b", "harm"] = np.nan
    scores = score_table(holed)
    assert scores.ranking() == ["a", "c"]
    assert scores.not_scored == {"b": "no value for harm"}
    row = scores.to_frame().set_index("id").loc["b"]
    assert row["status"] == "not scored: no value for harm" and math.isnan(row["score"])
    assert "b: not scored: no value for harm" in scores.summary()
    assert score_table(holed, {"harm": 0}).ranking() == ["a", "b", "c"]  # harm not needed
    with pytest.raises(PrioritizationError, match="no values for"):
        score_table(holed, {"harm": 0}).rescore({"harm": 1})
    excluded = score_table(FIXTURE, excluded={"a": "fails CHEERS (Recurring)"})
    assert excluded.ranking() == ["b", "c"] and "a" in excluded.not_scored


def test_swap_threshold_by_hand() -> None:
    raw = _raw({"x": [10, 10, 0, 0.9, 0.1, 0, 0], "y": [1, 1, 0, 0.1, 0.9, 0, 0]})
    scores = score_table(raw, {"trend": 0, "feasibility": 0, "data": 0})
    # x leads on frequency, harm, concentration (1 each); y on community: gap = 3 - 1 = 2
    swaps = swap_thresholds(scores).set_index("criterion")
    # only raising community to 1 + 2 ties them; lowering any of x's three to 1 - 2 < 0 cannot
    assert list(swaps.index) == ["community"]
    assert swaps.loc["community", "tie_weight"] == pytest.approx(3.0)
    assert swaps.loc["community", "direction"] == "raise"
    assert "community concern were raised from 1 to beyond 3.00" in sensitivity(scores).summary()
    lopsided = score_table(raw, {"trend": 0, "feasibility": 0, "data": 0, "community": 4})
    assert lopsided.ranking() == ["y", "x"]  # gap 4 - 3 = 1 for y
    down = swap_thresholds(lopsided).set_index("criterion")
    assert down.loc["community", "tie_weight"] == pytest.approx(3.0)
    assert down.loc["community", "direction"] == "lower"
    assert down.loc["harm", "tie_weight"] == pytest.approx(2.0)


def test_sensitivity_is_reproducible_and_adds_up() -> None:
    scores = score_table(FIXTURE)
    first = sensitivity(scores, concentration=20, draws=500, seed=4)
    again = sensitivity(scores, concentration=20, draws=500, seed=4)
    assert first.to_frame().equals(again.to_frame())
    frame = first.to_frame()
    assert frame["p_first"].sum() == pytest.approx(1.0)
    assert frame["p_top3"].sum() == pytest.approx(3.0)
    assert frame.loc[frame["id"] == "a", "p_first"].iloc[0] == 1.0  # a leads on almost all
    assert "ranks first in 100%" in first.summary()
    first.chart().to_dict()
    with pytest.raises(PrioritizationError, match="concentration must be > 0"):
        sensitivity(scores, concentration=0)
    with pytest.raises(PrioritizationError, match="draws"):
        sensitivity(scores, draws=0)


def test_a_criterion_weighted_zero_stays_zero_in_every_draw() -> None:
    raw = _raw({"x": [1, 1, 0, 0.2, 0.0, 0, 0], "y": [0, 0, 0, 0.0, 1.0, 0, 0]})
    only = score_table(raw, {"frequency": 0, "harm": 0, "trend": 0, "feasibility": 0, "data": 0})
    # concentration (x) and community (y) weigh the same: an even contest
    result = sensitivity(only, concentration=50, draws=4000, seed=1).to_frame().set_index("id")
    assert 0.4 < result.loc["x", "p_first"] < 0.6


# -- properties ---------------------------------------------------------------------------

values = st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False)
weights = st.lists(st.floats(min_value=0, max_value=10), min_size=7, max_size=7).filter(
    lambda w: sum(w) > 0.01
)


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(min_value=2, max_value=7))
    rows = {f"c{i}": draw(st.lists(values, min_size=7, max_size=7)) for i in range(n)}
    return _raw(rows)


def _rank(scores, cid: str) -> int:
    s = scores.scores()
    return 1 + int((s > s[cid] + 1e-9).sum())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), weights, st.integers(min_value=0, max_value=6), st.floats(0.01, 20))
def test_raising_a_weight_never_lowers_the_leader_on_it(raw, w, k, bump) -> None:
    chosen = dict(zip(CRITERIA, w, strict=True))
    criterion = CRITERIA[k]
    before = score_table(raw, chosen)
    leader = str(raw[criterion].astype(float).idxmax())
    after = before.rescore({**chosen, criterion: chosen[criterion] + bump})
    assert _rank(after, leader) <= _rank(before, leader)


@settings(max_examples=100, deadline=None)
@given(tables(), weights)
def test_scores_equal_the_sum_of_contributions(raw, w) -> None:
    scores = score_table(raw, dict(zip(CRITERIA, w, strict=True)))
    frame = scores.to_frame()
    parts = frame[[f"contribution_{c}" for c in CRITERIA]].sum(axis=1)
    assert np.allclose(parts.to_numpy(), frame["score"].to_numpy())
    assert (frame["score"] <= 1 + 1e-9).all() and (frame["score"] >= -1e-9).all()


@settings(max_examples=100, deadline=None)
@given(tables(), weights)
def test_the_reported_threshold_swaps_the_top_two(raw, w) -> None:
    scores = score_table(raw, dict(zip(CRITERIA, w, strict=True)))
    first, second = scores.ranking()[:2]
    s = scores.scores()
    swaps = swap_thresholds(scores)
    if s[first] - s[second] < 1e-9 or swaps.empty:
        return  # already tied, or no single weight separates them
    for row in swaps.itertuples():
        step = 1e-6 * max(1.0, abs(row.tie_weight)) * (1 if row.change > 0 else -1)
        beyond = row.tie_weight + step
        if beyond < 0:
            continue
        moved = scores.rescore({**scores.weights, row.criterion: beyond}).scores()
        assert moved[second] > moved[first]
        tied = scores.rescore({**scores.weights, row.criterion: row.tie_weight}).scores()
        assert tied[second] == pytest.approx(tied[first], abs=1e-9)
