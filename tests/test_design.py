"""The evaluation-design assistant: Eck's designs, the trend test, and the required duration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cs360lib as cs
from cs360lib.errors import PlanError
from cs360lib.evaluate import power_its, power_rate_ratio, simulate_its
from cs360lib.steps import design

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "engagement.yml"
LENGTHS = (6, 12, 24, 36)


def _engagement(**response: object) -> cs.Engagement:
    return cs.Engagement(
        engagement={"id": "test-pd", "name": "Test"},
        sources={"incidents": {"path": "incidents.csv"}},
        areas={
            "target": {"column": "beat", "values": ["A1"]},
            "comparison": {"column": "beat", "values": ["B1"]},
        },
        responses=[{"name": "Lights", "start": "2023-01-01", "area": "target", **response}],
    )


def _counts(
    n_pre: int, *, level: float = 80.0, comparison_trend: float = 0.0, n_post: int = 6
) -> pd.DataFrame:
    start = pd.Timestamp("2023-01-01") - pd.DateOffset(months=n_pre)
    target = simulate_its(n_pre=n_pre, n_post=n_post, level=level, effect=-0.2, start=start, seed=1)
    other = simulate_its(
        n_pre=n_pre, n_post=n_post, level=level / 2, trend=comparison_trend, start=start, seed=2
    )
    return pd.concat(
        [
            pd.DataFrame({"period": target["month"], "area": "target", "count": target["count"]}),
            pd.DataFrame({"period": other["month"], "area": "comparison", "count": other["count"]}),
        ],
        ignore_index=True,
    )


def _sample_pre(sources: dict) -> pd.Series:
    """The target's street robberies per month before the start, counted here independently."""
    incidents = sources["incidents"].data
    robberies = incidents[
        (incidents["offense"] == "Street robbery") & (incidents["beat"].astype(str) == "E2")
    ]
    months = robberies["occurred_at"].dt.to_period("M").dt.start_time
    return (
        months[months < "2023-04-01"]
        .value_counts()
        .reindex(pd.date_range("2020-01-01", "2023-03-01", freq="MS"), fill_value=0)
    )


def _direct_power(pre: pd.Series, change: float, months: int, n_sims: int) -> float:
    return float(
        power_its(
            pd.DataFrame({"period": pre.index, "count": pre.to_numpy()}),
            time="period",
            outcome="count",
            effect=change - 1,  # the expected_change as a relative change (0.7 -> -0.3)
            post_periods=(months,),
            seasonality=1,  # more than two years before the start
            n_sims=n_sims,
            seed=0,
        )
        .frame["power"]
        .iloc[0]
    )


@pytest.mark.parametrize("change", [0.7, 0.5], ids=["as-written", "halved"])
def test_the_sample_gets_its_with_a_comparison_and_the_power_its_duration(change: float) -> None:
    """The sample as written (a 30% drop in a noisy beat: a long duration, said to be longer
    than a response can wait) and with a hoped-for halving (a short one): each the first length
    of the default search at which a direct power_its call reaches 80%, the one before not."""
    engagement = cs.Engagement.load(SAMPLE)
    sources = cs.load_engagement(engagement)
    assert engagement.responses[0].expected_change == pytest.approx(0.7)
    response = engagement.responses[0].model_copy(update={"expected_change": change})
    engagement = engagement.model_copy(update={"responses": [response]})
    n_sims = 100
    result = design.evaluation_design(engagement, sources, n_sims=n_sims)
    row = result.to_frame().iloc[0]
    assert row["design"] == "its_comparison"
    assert row["design_label"] == "Interrupted time series with a comparison group"
    assert row["similar_trend"] and row["trend_p"] > 0.05
    pre = _sample_pre(sources)
    assert row["pre_periods"] == len(pre) == 39 and row["pre_events"] == pre.sum()
    months = row["required_periods"]
    assert months is not None, "the default search gives the sample a duration"
    # consistent with direct power_its calls: reached at the length, not at the one before
    assert _direct_power(pre, change, months, n_sims) >= 0.8
    lengths = design.POST_PERIODS["month"]
    before = lengths[lengths.index(months) - 1]
    assert _direct_power(pre, change, before, n_sims) < 0.8
    # every simulated length equals a direct call at that length
    for m, p in result.power[["post_periods", "power"]].itertuples(index=False):
        assert p == _direct_power(pre, change, int(m), n_sims)
    assert len(result.power) < len(lengths), "the search simulates fewer lengths than the grid"
    assert row["review_from"] == pd.Timestamp("2023-04-01") + pd.DateOffset(months=months)
    assert not row["assumed_change"] and row["expected_change"] == pytest.approx(change)
    text = result.summary()
    assert f"the response must run about {months} months" in text
    if change == 0.7:  # a noisy beat: beyond what a response can wait for, and said so
        assert months > design.PRACTICAL_PERIODS["month"]
        assert "That is longer than the 3 years most responses can wait." in text
        assert "no clear change will not mean that the response failed" in text
        # the review date is stated, not drawn: the series keeps its width
        rules = result.chart().layer[1].data
        assert (rules["kind"] == "review").sum() == 0
    else:
        assert months <= design.PRACTICAL_PERIODS["month"]
        assert "most responses can wait" not in text
    assert not any("was assumed" in w for w in result.warnings)
    assert (
        "the strongest design the data support is an interrupted time series with a comparison"
        in (result.summary())
    )


def test_the_search_finds_the_first_length_reaching_the_power_with_few_evaluations() -> None:
    lengths = design.POST_PERIODS["month"]
    for first in lengths:
        asked: list[int] = []

        def power_at(m: int, first: int = first, asked: list[int] = asked) -> float:
            asked.append(m)
            return 0.9 if m >= first else 0.5

        assert design.first_length_reaching(power_at, lengths, 0.8) == first
        assert len(asked) == len(set(asked)) <= 5  # log2(12) + 1, each length once
    assert design.first_length_reaching(lambda m: 0.3, lengths, 0.8) is None
    assert design.first_length_reaching(lambda m: float("nan"), lengths, 0.8) is None
    assert design.first_length_reaching(lambda m: 0.9, [], 0.8) is None


def test_a_duration_is_said_in_years_when_long() -> None:
    from cs360lib.steps.design_duration import say_duration

    assert say_duration(18, "month") == "18 months"
    assert say_duration(120, "month") == "120 months (10 years)"
    assert say_duration(104, "week") == "104 weeks (2 years)"
    assert say_duration(12, "month") == "12 months"


def test_the_required_duration_equals_a_direct_power_its_call() -> None:
    counts = _counts(36)
    engagement = _engagement(expected_change=0.8)
    result = design.evaluation_design(engagement, counts=counts, n_sims=60, post_periods=LENGTHS)
    row = result.to_frame().iloc[0]
    assert row["design"] == "its_comparison" and not row["assumed_change"]
    pre = counts[(counts["area"] == "target") & (counts["period"] < "2023-01-01")]
    direct = power_its(
        pre[["period", "count"]],
        time="period",
        outcome="count",
        effect=-0.2,
        post_periods=LENGTHS,
        seasonality=1,
        n_sims=60,
        seed=0,
    )
    assert direct.required_post_periods is not None
    assert row["required_periods"] == direct.required_post_periods
    assert row["review_from"] == pd.Timestamp("2023-01-01") + pd.DateOffset(
        months=direct.required_post_periods
    )
    assert row["post_periods_in_data"] == 6
    assert f"the response must run about {direct.required_post_periods} months" in result.summary()


def test_too_few_periods_before_the_start_give_a_pre_post_design() -> None:
    counts = _counts(8, level=20.0)
    result = design.evaluation_design(
        _engagement(expected_change=0.7), counts=counts, post_periods=LENGTHS
    )
    row = result.to_frame().iloc[0]
    assert row["design"] == "pre_post_comparison" and row["pre_periods"] == 8
    designs = result.designs.set_index("design")
    assert not designs.loc["its", "supported"]
    assert "only 8 months before the start" in designs.loc["its", "reason"]
    # the exact power of the rate-ratio test, length by length
    direct = [
        power_rate_ratio(row["pre_events"], 0.7, pre_exposure=8, post_exposure=m)
        .to_frame()["power"]
        .iloc[0]
        for m in LENGTHS
    ]
    assert result.power["power"].tolist() == pytest.approx(direct)
    first = next(m for m, p in zip(LENGTHS, direct, strict=True) if p >= 0.8)
    assert row["required_periods"] == first
    assert "Not interrupted time series: only 8 months" in result.summary()


def test_a_comparison_with_another_trend_is_set_aside() -> None:
    counts = _counts(36, comparison_trend=0.04)
    result = design.evaluation_design(_engagement(), counts=counts, n_sims=20, post_periods=(12,))
    row = result.to_frame().iloc[0]
    assert row["design"] == "its" and row["similar_trend"] == False  # noqa: E712
    assert row["trend_p"] < 0.05 and row["trend_ratio"] < 1
    reason = result.designs.set_index("design").loc["its_comparison", "reason"]
    assert reason.startswith("the comparison area's trend before the start differs")


def test_no_comparison_area() -> None:
    engagement = _engagement(comparison=None)
    result = design.evaluation_design(engagement, counts=_counts(36), n_sims=20, post_periods=(12,))
    row = result.to_frame().iloc[0]
    assert row["design"] == "its" and row["comparison"] == "" and pd.isna(row["trend_ratio"])
    reason = result.designs.set_index("design").loc["pre_post_comparison", "reason"]
    assert reason == "the response has no comparison area."


def test_a_response_that_ends_before_the_review_is_flagged() -> None:
    engagement = _engagement(expected_change=0.5, end="2023-02-28")
    result = design.evaluation_design(
        engagement, counts=_counts(36), n_sims=40, post_periods=LENGTHS
    )
    assert any("ends on 2023-02-28, before the" in w for w in result.warnings)


def test_bad_input() -> None:
    counts = _counts(36)
    with pytest.raises(PlanError, match="lacks \\['count'\\]"):
        design.evaluation_design(_engagement(), counts=counts.drop(columns="count"))
    with pytest.raises(PlanError, match="give the loaded sources or a frame of counts"):
        design.evaluation_design(_engagement())
    with pytest.raises(PlanError, match="no rows for the area\\(s\\) \\['comparison'\\]"):
        design.evaluation_design(_engagement(), counts=counts[counts["area"] == "target"])
    empty = counts.assign(count=np.where(counts["period"] < "2023-01-01", 0, counts["count"]))
    with pytest.raises(PlanError, match="no event of the target area 'target' before the start"):
        design.evaluation_design(_engagement(), counts=empty)
    with pytest.raises(PlanError, match="no period of the target area"):
        design.evaluation_design(_engagement(start="2019-01-01"), counts=counts)


def test_trend_difference() -> None:
    rng = np.random.default_rng(5)
    t = np.arange(48)
    flat = rng.poisson(np.full(48, 400.0))
    half = rng.poisson(np.full(48, 200.0))
    rising = rng.poisson(400.0 * np.exp(0.02 * t))
    same = design.trend_difference(flat, half)
    assert same.low < 1 < same.high and same.p_value > 0.05 and same.seasonal
    assert same.periods == 48 and same.warnings == []
    apart = design.trend_difference(rising, flat)
    assert apart.ratio == pytest.approx(np.exp(0.24), rel=0.02) and apart.p_value < 1e-6
    assert apart.low < np.exp(0.24) < apart.high
    assert not design.trend_difference(rising[:20], flat[:20]).seasonal  # under two years
    with pytest.raises(PlanError, match="at least 4 are needed"):
        design.trend_difference([1, 2, 3], [1, 2, 3])
    with pytest.raises(PlanError, match="same periods"):
        design.trend_difference([1, 2, 3, 4], [1, 2, 3])


def test_a_period_without_a_row_is_a_zero_not_a_gap() -> None:
    counts = _counts(36)
    dropped = counts[~((counts["area"] == "target") & (counts["period"] == counts["period"][5]))]
    result = design.evaluation_design(_engagement(), counts=dropped, n_sims=20, post_periods=(12,))
    target = result.series[result.series["area"] == "target"].set_index("period")["count"]
    n = int((counts["area"] == "target").sum())
    assert len(target) == n and target.iloc[5] == 0
    spec = result.chart().to_dict()
    drawn = [r for d in spec["datasets"].values() for r in d if r.get("area") == "target"]
    assert len(drawn) == n and all(r["count"] is not None for r in drawn)
    assert spec["layer"][0]["encoding"]["y"]["axis"]["format"] == ",d"  # counts: whole ticks
    assert isinstance(spec["title"], str)  # nothing hidden: no word about gaps
