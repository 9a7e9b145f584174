"""steps.review.counts: count measures with the response's design (ITS, pre-post, WDD)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cs360lib.errors import Cs360Error
from cs360lib.steps.review import counts
from cs360lib.steps.review.impact import response_designs

RESPONSE = "Transit hub lighting and guardianship"
ROBBERY = "Street robberies in the target beat"


def _analyse(sample_review, design: str) -> counts.CountAnalysis:
    engagement, sources, rv = sample_review
    response = engagement.responses[0]
    metric = next(m for m in engagement.metrics if m.name == ROBBERY)
    return counts.count_analyses(
        engagement,
        sources,
        response,
        metric,
        design=design,
        better="lower",
        as_of=rv.impact.as_of,
        actions=sources["actions"].data,
        coverages={},
    )


def test_the_ratio_of_rate_ratios_and_its_wald_interval() -> None:
    est, low, high, p = counts.ratio_of_rate_ratios(100, 70, 50, 50)
    assert est == pytest.approx(0.7)
    se = np.sqrt(1 / 100 + 1 / 70 + 1 / 50 + 1 / 50)
    assert np.log(high / low) == pytest.approx(2 * 1.959964 * se, rel=1e-5)
    assert np.log(est) == pytest.approx((np.log(low) + np.log(high)) / 2)
    assert 0 < p < 1
    with pytest.raises(Cs360Error, match="zero count"):
        counts.ratio_of_rate_ratios(10, 0, 5, 5)


@pytest.mark.slow
def test_the_ratio_of_rate_ratios_interval_covers_the_truth_95_percent() -> None:
    """Coverage by simulation: Poisson counts of two areas with a known ratio of 0.7."""
    rng = np.random.default_rng(15)
    truth, sims = 0.7, 4000
    mu = np.array([120.0, 120.0 * 1.1 * truth, 60.0, 60.0 * 1.1])
    draws = rng.poisson(mu, size=(sims, 4))
    inside = 0
    for pre, post, c0, c1 in draws:
        _, low, high, _ = counts.ratio_of_rate_ratios(pre, post, c0, c1)
        inside += low < truth < high
    # binomial standard error of the coverage over 4,000 runs is 0.0034
    assert 0.935 < inside / sims < 0.965


def test_pre_post_designs_on_the_sample(sample_review) -> None:
    plain = _analyse(sample_review, "pre_post")
    row = plain.rows[0]
    assert row["analysis"] == "pre_post" and row["primary"]
    assert row["estimate"] == pytest.approx(row["after"] / row["before"])
    assert row["low"] < row["estimate"] < row["high"] < 1
    assert "than before" in row["sentence"]
    assert not any(r["analysis"] == "wdd" for r in plain.rows)
    controlled = _analyse(sample_review, "pre_post_comparison")
    first = controlled.rows[0]
    assert first["analysis"] == "pre_post_comparison"
    assert first["low"] < 0.7 < first["high"]
    assert "relative to the comparison area (beat W2)" in first["sentence"]
    roles = {(r["analysis"], r["role"]) for r in controlled.rows}
    assert ("pre_post_comparison", "displacement") in roles and ("wdd", "target") in roles


def test_the_controlled_design_keeps_the_fitted_models(sample_review) -> None:
    found = _analyse(sample_review, "its_comparison")
    assert {"its", "controlled_its", "displacement_its", "wdd"} <= set(found.models)
    assert [r["primary"] for r in found.rows].count(True) == 1
    assert set(found.series["area"]) == {"target", "comparison", "displacement"}


def test_the_assistant_chooses_the_design_when_the_plan_does_not(sample_review) -> None:
    engagement, sources, _ = sample_review
    designs = response_designs(engagement, sources).set_index("response")
    assert designs.loc[RESPONSE, "chosen_by"] == "assistant"
    assert designs.loc[RESPONSE, "design"] == "its_comparison"
    assert response_designs(engagement).loc[0, "chosen_by"] == "default"


def test_episodes_of_a_recurring_response() -> None:
    log = pd.DataFrame(
        {
            "response": ["Ceasefire", "ceasefire ", "Other"],
            "start": pd.to_datetime(["2019-02-01", "2018-08-03", "2018-01-01"]),
            "end": pd.to_datetime(["2019-02-03", pd.NaT, "2018-01-02"]),
        }
    )
    assert counts.episodes_of(log, "Ceasefire") == [
        (pd.Timestamp("2018-08-03"), pd.Timestamp("2018-08-03")),
        (pd.Timestamp("2019-02-01"), pd.Timestamp("2019-02-03")),
    ]


def test_a_recurring_response_without_logged_actions_has_nothing_to_evaluate(
    sample_review,
) -> None:
    engagement, sources, rv = sample_review
    response = engagement.responses[0].model_copy(update={"recurring": True})
    metric = next(m for m in engagement.metrics if m.name == ROBBERY)
    found = counts.count_analyses(
        engagement,
        sources,
        response,
        metric,
        design="its",
        better="lower",
        as_of=rv.impact.as_of,
        actions=sources["actions"].data.iloc[:0],
        coverages={},
    )
    assert found.rows == []
    assert any("no episode to evaluate" in note for note in found.notes)


def test_a_wdd_sentence_counts_crimes() -> None:
    class _R:
        recurring = False
        start = pd.Timestamp("2023-04-01")

    row = {
        "analysis": "wdd",
        "role": "target",
        "estimate": -88.0,
        "low": -169.0,
        "high": -7.0,
        "mark": "better",
        "periods_after": 21,
        "period": "month",
        "noun": "crimes",
        "places": {"target": "beat E2", "comparison": "beat W2"},
    }
    text = counts.count_sentence("Robberies", row, _R(), "month")
    assert text == (
        "Robberies (beat E2): the weighted displacement difference against the comparison area "
        "(beat W2) is 88 fewer crimes over 21 months (interval from 169 fewer to 7 fewer): a "
        "clear improvement."
    )


def test_each_count_is_from_its_own_source_and_says_which(sample_review) -> None:
    # street robberies (incidents) and robbery calls (calls for service) may have the same
    # count; each is counted from its own records, and each sentence names them
    engagement, sources, rv = sample_review
    start = pd.Timestamp(engagement.responses[0].start)
    incidents, calls = sources["incidents"].data, sources["calls"].data
    own = {
        "Street robberies in the target beat": int(
            ((incidents["offense"] == "Street robbery") & (incidents["beat"] == "E2"))[
                incidents["occurred_at"] >= start
            ].sum()
        ),
        "Robbery calls for service in the target beat": int(
            ((calls["call_type"] == "Robbery") & (calls["area"] == "E2"))[
                calls["received_at"] >= start
            ].sum()
        ),
    }
    frame = rv.impact.to_frame()
    for measure, count in own.items():
        rows = frame[(frame["measure"] == measure) & (frame["role"] == "target")]
        assert set(rows["actual"].dropna()) == {count}, measure
    sentences = {m: frame.loc[frame["measure"] == m, "sentence"].iloc[0] for m in own}
    assert "recorded (crimes in the police incident records)" in sentences[next(iter(own))]
    assert (
        "recorded (calls for service)" in sentences["Robbery calls for service in the target beat"]
    )
