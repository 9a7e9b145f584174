"""Degenerate data in cs360lib.evaluate: zero segments, zero runs, flagged coverage, words.

Each degenerate input gives the documented error or exact result, and no summary of the
evaluation module ever prints "inf", "nan" or a percentage above 1,000%.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from cs360lib.evaluate import (
    EvaluationInputError,
    e_test,
    its,
    power_its,
    power_rate_ratio,
    rate_ratio_test,
    simulate_counts,
    wdd,
    wdd_harm,
)
from cs360lib.steps.intake import Coverage


def _monthly(counts: list[int], start: str = "2020-01-01") -> pd.DataFrame:
    return pd.DataFrame(
        {"month": pd.date_range(start, periods=len(counts), freq="MS"), "n": counts}
    )


ZERO_PRE = [0] * 12 + [3, 5, 4, 6, 2, 5, 4, 3, 5, 4, 6, 3]
ZERO_POST = [3, 5, 4, 6, 2, 5, 4, 3, 5, 4, 6, 3] + [0] * 12
FEW_PRE = [0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0] + [3, 5, 4, 6, 2, 5, 4, 3, 5, 4, 6, 3]


def test_all_zero_before_is_compared_exactly() -> None:
    res = its(_monthly(ZERO_PRE), time="month", outcome="n", intervention="2021-01-01")
    assert res.method == "exact" and res.cov is None
    row = res.effects.loc["level_change"]
    assert np.isinf(row["ratio"]) and row["p_value"] < 0.001
    assert res.exact.bound > 1  # one-sided lower bound of the rate ratio
    text = res.summary()
    assert "no events in the 12 periods before the response (2020-01 to 2020-12)" in text
    assert "at least" in text and "no upper limit" in text
    assert any("starts with 12 periods without any event" in w for w in res.warnings)
    imp = res.impact.loc["cumulative"]
    assert imp["predicted"] == 0 and imp["actual"] == sum(ZERO_PRE)
    res.chart().to_dict()


def test_all_zero_after_is_compared_exactly() -> None:
    res = its(_monthly(ZERO_POST), time="month", outcome="n", intervention="2021-01-01")
    assert res.method == "exact"
    test = rate_ratio_test(sum(ZERO_POST), 0, pre_exposure=12, post_exposure=12)
    assert res.effects.loc["level_change", "p_value"] == pytest.approx(test.p_value)
    assert "statistically clear" in res.summary() and "lower than without it" in res.summary()
    assert any("ends with 12 periods without any event" in w for w in res.warnings)
    imp = res.impact.loc["cumulative"]
    assert imp["predicted_low"] <= imp["predicted"] <= imp["predicted_high"]
    assert imp["mean_low"] <= imp["predicted"] <= imp["mean_high"]


def test_too_few_events_use_the_exact_test() -> None:
    res = its(_monthly(FEW_PRE), time="month", outcome="n", intervention="2021-01-01")
    assert res.method == "exact"
    assert "only 3 events in the 12 periods before the response" in res.summary()
    row = res.effects.loc["level_change"]
    assert row["ratio"] == pytest.approx((50 / 12) / (3 / 12))
    assert "times as high" in res.summary()  # ratio 16.7: never "1567% higher"


def test_degenerate_designs_without_an_exact_answer_are_refused() -> None:
    panel = pd.concat(
        [
            _monthly(ZERO_PRE).assign(area="target"),
            _monthly([5, 6, 4, 5] * 6).assign(area="other"),
        ],
        ignore_index=True,
    )
    with pytest.raises(EvaluationInputError, match=r"no events in the 12 periods before.*2020-01"):
        its(
            panel,
            time="month",
            outcome="n",
            intervention="2021-01-01",
            group="area",
            treated="target",
        )
    with pytest.raises(EvaluationInputError, match="no events"):
        its(
            _monthly(ZERO_POST),
            time="month",
            outcome="n",
            interventions={"a": "2021-01-01", "b": "2021-06-01"},
        )
    with pytest.raises(EvaluationInputError, match="constant"):
        its(_monthly([0] * 24), time="month", outcome="n", intervention="2021-01-01")
    with pytest.raises(EvaluationInputError, match="constant"):
        its(_monthly([7] * 24), time="month", outcome="n", intervention="2021-01-01")


def test_leading_and_trailing_zero_runs_are_warned_about() -> None:
    rng = np.random.default_rng(2)
    counts = simulate_counts(np.full(48, 20.0), rng=rng).astype(int)
    counts[:6] = 0
    res = its(_monthly(counts.tolist()), time="month", outcome="n", intervention="2022-01-01")
    assert res.method == "model"
    warning = [w for w in res.warnings if "starts with 6 periods without any event" in w]
    assert warning and "2020-01 to 2020-06" in warning[0]
    assert f"Warning: {warning[0]}" in res.summary()
    counts = simulate_counts(np.full(48, 20.0), rng=rng).astype(int)
    counts[-3:] = 0
    res = its(_monthly(counts.tolist()), time="month", outcome="n", intervention="2022-01-01")
    assert any("ends with 3 periods without any event" in w for w in res.warnings)
    # a rare offence: zero runs are expected, nothing is said
    rare = simulate_counts(np.full(48, 0.3), rng=rng).astype(int)
    rare[:3] = 0
    rare[10:14] = 1
    res = its(_monthly(rare.tolist()), time="month", outcome="n", intervention="2021-06-01")
    assert not any("without any event" in w for w in res.warnings)


def test_coverage_flags_inside_the_evaluation_are_warned_about() -> None:
    rng = np.random.default_rng(3)
    df = _monthly(simulate_counts(np.full(36, 15.0), rng=rng).astype(int).tolist())
    flags = pd.DataFrame(
        {
            "source": ["incidents", "incidents", "calls"],
            "period": pd.to_datetime(["2020-05-01", "2020-06-01", "2019-01-01"]),
            "rows": [0, 0, 0],
            "flag": ["gap", "gap", "gap"],
        }
    )
    res = its(df, time="month", outcome="n", intervention="2021-06-01", coverage=flags)
    text = [w for w in res.warnings if "data checks flag" in w]
    assert len(text) == 1 and "incidents gap: 2 period(s), 2020-05-01 to 2020-06-01" in text[0]
    assert "calls" not in text[0]  # outside the evaluated periods
    # the intake's coverage result itself, and a list of date ranges
    coverage = Coverage(frame=flags.assign(flag=["gap", "", "gap"]), period="month")
    res = its(df, time="month", outcome="n", intervention="2021-06-01", coverage=coverage)
    assert any("incidents gap: 1 period(s), 2020-05-01" in w for w in res.warnings)
    res = its(
        df,
        time="month",
        outcome="n",
        intervention="2021-06-01",
        coverage=[("2018-01-01", "2019-12-31")],
    )
    assert not any("data checks flag" in w for w in res.warnings)
    res = its(
        df,
        time="month",
        outcome="n",
        intervention="2021-06-01",
        coverage=[("2019-11-01", "2020-02-29")],
    )
    assert any("flagged: 1 period(s), 2019-11-01 to 2020-02-29" in w for w in res.warnings)
    with pytest.raises(EvaluationInputError, match="'period' column"):
        its(df, time="month", outcome="n", intervention="2021-06-01", coverage=flags[["rows"]])


# ------------------------------------------------------------------------------------------------
# every summary of the module: no "inf", "nan" or percentage above 1,000%
# ------------------------------------------------------------------------------------------------

UNREADABLE = re.compile(r"\b(inf|infinity|nan)\b", re.IGNORECASE)
PERCENT = re.compile(r"([\d,]+(?:\.\d+)?)\s*%")


def _summaries() -> dict[str, str]:
    rng = np.random.default_rng(9)
    steady = simulate_counts(np.full(36, 20.0), rng=rng).astype(int).tolist()
    jump = [2, 1, 3, 2, 1, 2, 3, 1, 2, 2, 1, 3] + [150, 160, 170, 155, 165, 180, 170, 160]
    huge = [1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0] + [400] * 10
    tiny = [400] * 14 + [1, 0, 0, 1, 0, 0, 1, 0, 0, 0]
    leading = [0] * 10 + steady
    gaussian = _monthly([10.5 + 0.1 * i + (3 if i >= 12 else 0) for i in range(24)])
    out = {
        "zero pre": its(_monthly(ZERO_PRE), time="month", outcome="n", intervention="2021-01"),
        "zero post": its(_monthly(ZERO_POST), time="month", outcome="n", intervention="2021-01"),
        "few pre": its(_monthly(FEW_PRE), time="month", outcome="n", intervention="2021-01"),
        "steady": its(_monthly(steady), time="month", outcome="n", intervention="2021-06"),
        "jump": its(_monthly(jump), time="month", outcome="n", intervention="2021-01"),
        "jump poisson": its(
            _monthly(jump), time="month", outcome="n", intervention="2021-01", family="poisson"
        ),
        "huge": its(_monthly(huge), time="month", outcome="n", intervention="2021-03"),
        "tiny": its(_monthly(tiny), time="month", outcome="n", intervention="2021-03"),
        "leading zeros": its(_monthly(leading), time="month", outcome="n", intervention="2022-06"),
        "gaussian": its(
            gaussian, time="month", outcome="n", intervention="2021-01", family="gaussian"
        ),
        "rate ratio": rate_ratio_test(2, 300),
        "rate ratio zero": rate_ratio_test(0, 30),
        "rate ratio to zero": rate_ratio_test(30, 0),
        "e-test": e_test(0, 30),
        "wdd": wdd((3, 400), (2, 900)),
        "wdd harm": wdd_harm([10.0, -5.0], se=[1.0, 2.0], weights=[1, 3]),
        "power of a large rise": power_its(
            level=2, n_pre=12, effect=40.0, post_periods=(6,), n_sims=20
        ),
        "exact power": power_rate_ratio(10, [20.0, 0.05]),
    }
    return {name: res.summary() for name, res in out.items()}


def test_no_summary_says_inf_nan_or_an_unreadable_percentage() -> None:
    for name, text in _summaries().items():
        assert not UNREADABLE.search(text), (name, text)
        for value in PERCENT.findall(text):
            assert float(value.replace(",", "")) <= 1000, (name, value, text)
