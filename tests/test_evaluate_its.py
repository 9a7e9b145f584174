"""Tests for cs360lib.evaluate.its: published reference results and bad input."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pytest

from cs360lib.evaluate import (
    EvaluationInputError,
    ITSResult,
    its,
    power_its,
    power_rate_ratio,
    simulate_its,
    wdd_harm,
)

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "reference"


def _reference(name: str) -> pd.DataFrame:
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(f"reference data {path} is absent (needs ../shared/data/reference)")
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def sicily() -> pd.DataFrame:
    return _reference("sicily.csv")


@pytest.fixture(scope="module")
def cigsales() -> pd.DataFrame:
    return _reference("cigsales_linden.csv")


def _ratio(res: ITSResult, term: str = "level_change") -> tuple[float, float, float]:
    row = res.effects.loc[term]
    return round(row["ratio"], 3), round(row["ratio_low"], 3), round(row["ratio_high"], 3)


# ------------------------------------------------------------------------------------------------
# Sicily smoking ban, Lopez Bernal, Cummins & Gasparrini (2017), Int J Epidemiol 46(1) 348-355.
# The published model is level change + underlying trend (no slope-change term): slope_change=False.
# ------------------------------------------------------------------------------------------------


@pytest.mark.reference
def test_sicily_poisson(sicily: pd.DataFrame) -> None:
    res = its(
        sicily,
        time="time",
        outcome="aces",
        intervention=37,
        family="poisson",
        offset="stdpop",
        slope_change=False,
        cov="model",  # the published intervals are model-based
    )
    assert _ratio(res) == (0.894, 0.865, 0.925)


@pytest.mark.reference
def test_sicily_quasipoisson(sicily: pd.DataFrame) -> None:
    res = its(
        sicily,
        time="time",
        outcome="aces",
        intervention=37,
        family="quasipoisson",
        offset="stdpop",
        slope_change=False,
        cov="model",
    )
    assert _ratio(res) == (0.894, 0.839, 0.953)


@pytest.mark.reference
def test_sicily_quasipoisson_seasonal(sicily: pd.DataFrame) -> None:
    res = its(
        sicily,
        time="time",
        outcome="aces",
        intervention=37,
        family="quasipoisson",
        offset="stdpop",
        seasonality=2,
        period=12,
        slope_change=False,
        cov="model",
    )
    assert _ratio(res) == (0.885, 0.839, 0.933)


@pytest.mark.reference
def test_sicily_slope_change_true_does_not_reproduce(sicily: pd.DataFrame) -> None:
    # documents why slope_change=False is the published model: with a slope term the level
    # change is 0.893 (0.834 to 0.955), not 0.894 (0.839 to 0.953)
    res = its(sicily, time="time", outcome="aces", intervention=37, offset="stdpop", cov="model")
    assert _ratio(res) == (0.893, 0.834, 0.955)


@pytest.mark.reference
def test_sicily_result_object(sicily: pd.DataFrame) -> None:
    res = its(
        sicily,
        time="time",
        outcome="aces",
        intervention=37,
        offset="stdpop",
        seasonality=2,
        period=12,
        slope_change=False,
    )
    assert list(res.effects.index) == ["baseline", "pre_trend", "level_change"]
    assert {
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "p_value",
        "ratio",
        "ratio_low",
        "ratio_high",
    } <= set(res.effects.columns)
    pd.testing.assert_frame_equal(res.to_frame(), res.effects)
    cf = res.counterfactual
    assert len(cf) == 59 and cf["post"].sum() == 23
    assert np.allclose(cf.loc[~cf["post"], "fitted"], cf.loc[~cf["post"], "counterfactual"])
    assert (cf["cf_low"] <= cf["counterfactual"]).all()
    assert (cf["counterfactual"] <= cf["cf_high"]).all()
    imp = res.impact
    assert imp.loc["cumulative", "actual"] == sicily.loc[sicily["time"] >= 37, "aces"].sum()
    assert imp.loc["cumulative", "abs_effect_low"] < imp.loc["cumulative", "abs_effect"]
    # relative effect consistent with the level-change ratio (no slope term)
    assert imp.loc["cumulative", "rel_effect"] == pytest.approx(
        res.effects.loc["level_change", "ratio"] - 1, abs=0.01
    )
    dg = res.diagnostics
    assert {"durbin_watson", "ljung_box", "dispersion"} <= set(dg.index)
    assert dg.loc["dispersion", "statistic"] > 1.5  # overdispersed: quasi-Poisson needed
    assert res.model is res.fit.model
    text = res.summary()
    assert "11% lower" in text and "statistically clear" in text
    chart = res.chart()
    assert isinstance(chart, alt.LayerChart)
    chart.to_dict()


# ------------------------------------------------------------------------------------------------
# Proposition 99, Linden (2015) Stata Journal 15(2) 480-500, itsa with Newey-West lag 1
# ------------------------------------------------------------------------------------------------


@pytest.mark.reference
def test_prop99_single_group(cigsales: pd.DataFrame) -> None:
    ca = cigsales[cigsales["state"] == 3]
    res = its(ca, time="year", outcome="cigsale", intervention=1989, family="gaussian", hac_lags=1)
    e = res.effects.round(3)
    assert e["estimate"].tolist() == [132.226, -1.779, -20.058, -1.495, -3.274]
    assert e["se"].tolist()[:4] == [4.253, 0.383, 4.724, 0.437]
    assert res.fit.df_resid == 27  # t with n - k degrees of freedom
    assert "ratio" not in e.columns


@pytest.mark.reference
def test_prop99_multiple_groups(cigsales: pd.DataFrame) -> None:
    res = its(
        cigsales,
        time="year",
        outcome="cigsale",
        intervention=1989,
        family="gaussian",
        hac_lags=1,
        group="state",
        treated=3,
    )
    e = res.effects
    assert list(e.index[5:]) == [
        "diff_baseline",
        "diff_pre_trend",
        "diff_level_change",
        "diff_slope_change",
        "diff_post_trend",
    ]
    assert round(e.loc["diff_level_change", "estimate"], 3) == -2.806
    assert round(e.loc["diff_level_change", "p_value"], 2) == 0.63
    assert round(e.loc["diff_slope_change", "p_value"], 3) == 0.137
    # lags within panels only: pooling across the state boundary would change the SEs
    res.chart().to_dict()
    assert "could be chance" in res.summary()


@pytest.mark.reference
def test_prop99_dates_give_same_answer(cigsales: pd.DataFrame) -> None:
    ca = cigsales[cigsales["state"] == 3].assign(
        date=lambda d: pd.to_datetime(d["year"].astype(str) + "-01-01")
    )
    a = its(ca, time="year", outcome="cigsale", intervention=1989, family="gaussian")
    b = its(ca, time="date", outcome="cigsale", intervention="1989-01-01", family="gaussian")
    pd.testing.assert_frame_equal(a.effects, b.effects)


# ------------------------------------------------------------------------------------------------
# families and options on a synthetic series
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def monthly() -> pd.DataFrame:
    return simulate_its(
        n_pre=48, n_post=24, level=40, effect=-0.25, seasonal_amplitude=0.2, dispersion=1.5, seed=7
    )


@pytest.mark.parametrize("family", ["poisson", "quasipoisson", "negbin"])
def test_count_families_recover_effect(monthly: pd.DataFrame, family: str) -> None:
    res = its(
        monthly,
        time="month",
        outcome="count",
        intervention=monthly.attrs["intervention"],
        family=family,
        seasonality=1,
        slope_change=False,
    )
    row = res.effects.loc["level_change"]
    assert row["ratio_low"] < 0.75 < row["ratio_high"]
    assert res.period == 12.0  # inferred from monthly dates


def test_options_hac_and_ar1(monthly: pd.DataFrame) -> None:
    kw = dict(
        time="month", outcome="count", intervention=monthly.attrs["intervention"], seasonality=1
    )
    base = its(monthly, **kw)
    hac = its(monthly, **kw, hac_lags="auto")
    ar1 = its(monthly, **kw, autocorrelation="ar1")
    assert hac.hac_lags == 3
    np.testing.assert_allclose(base.effects["estimate"], hac.effects["estimate"])
    np.testing.assert_allclose(base.effects["estimate"], ar1.effects["estimate"])
    assert not np.allclose(base.effects["se"], hac.effects["se"])
    assert 0 <= ar1.ar1_rho <= 0.95
    with pytest.raises(EvaluationInputError, match="not both"):
        its(monthly, **kw, hac_lags=2, autocorrelation="ar1")


def test_post_trend_is_linear_combination(monthly: pd.DataFrame) -> None:
    res = its(monthly, time="month", outcome="count", intervention=monthly.attrs["intervention"])
    e = res.effects
    assert e.loc["post_trend", "estimate"] == pytest.approx(
        e.loc["pre_trend", "estimate"] + e.loc["slope_change", "estimate"]
    )
    cov = res.fit.cov_params()
    var = cov[1, 1] + cov[3, 3] + 2 * cov[1, 3]
    assert e.loc["post_trend", "se"] == pytest.approx(np.sqrt(var))


def test_summary_never_calls_covered_effect_significant() -> None:
    df = simulate_its(n_pre=24, n_post=12, level=20, effect=0.0, dispersion=1.0, seed=3)
    res = its(
        df, time="month", outcome="count", intervention=df.attrs["intervention"], slope_change=False
    )
    row = res.effects.loc["level_change"]
    assert row["ratio_low"] < 1 < row["ratio_high"]
    text = res.summary()
    assert "statistically clear" not in text.split("\n")[2]
    assert "could be chance" in text


def test_offset_counts_population(monthly: pd.DataFrame) -> None:
    df = monthly.assign(pop=10_000)
    a = its(df, time="month", outcome="count", intervention=df.attrs["intervention"])
    b = its(df, time="month", outcome="count", intervention=df.attrs["intervention"], offset="pop")
    assert b.effects.loc["baseline", "ratio"] == pytest.approx(
        a.effects.loc["baseline", "ratio"] / 10_000
    )
    np.testing.assert_allclose(a.counterfactual["fitted"], b.counterfactual["fitted"])


def _spec_rows(spec: dict) -> int:
    return sum(len(v) for v in spec.get("datasets", {}).values())


def test_chart_rows_are_bounded() -> None:
    n = 5000
    df = pd.DataFrame(
        {
            "day": pd.date_range("2010-01-01", periods=n, freq="D"),
            "y": np.random.default_rng(0).poisson(20, n),
        }
    )
    res = its(df, time="day", outcome="y", intervention="2020-01-01")
    assert _spec_rows(res.chart().to_dict()) <= 3000


def test_every_chart_aggregates_long_input() -> None:
    # issue 8 item 11: a controlled chart with 3 groups and 5,001 days, and an indicator chart
    rng = np.random.default_rng(1)
    days = pd.date_range("2008-01-01", periods=5001, freq="D")
    on = (np.arange(5001) % 30 < 2).astype(int)
    panel = pd.concat(
        [
            pd.DataFrame({"day": days, "area": area, "y": rng.poisson(10, 5001), "on": on})
            for area in ("target", "north", "south")
        ],
        ignore_index=True,
    )
    kw = dict(time="day", outcome="y", cov="model")
    charts = [
        its(panel, intervention="2018-01-01", group="area", treated="target", **kw),
        its(panel, intervention="on", group="area", treated="target", **kw),
        its(panel[panel["area"] == "north"], intervention="on", **kw),
    ]
    for res in charts:
        spec = res.chart().to_dict()  # raises Altair's MaxRowsError beyond 5,000 rows
        assert 0 < _spec_rows(spec) <= 3000
        assert "averages of 6 periods" in spec["title"]["subtitle"]
    # the module's other charts: long power tables, thousands of harm components
    exact = power_rate_ratio(20, [0.5, 1.0])
    ratios = np.linspace(0.1, 3.0, 6000)
    big = pd.DataFrame(
        {"ratio": ratios, "expected_pre": 20.0, "expected_post": 20 * ratios, "power": ratios / 3}
    )
    power = power_its(level=30, n_pre=24, post_periods=(6, 12), n_sims=10)
    table = pd.DataFrame(
        {
            "post_periods": np.arange(1, 6001),
            **{c: 0.5 for c in ("power", "power_low", "power_high", "mean_ratio", "coverage")},
            "n_fitted": 10,
        }
    )
    harm = wdd_harm(list(np.arange(6000.0)), se=[1.0] * 6000, weights=[1.0] * 6000)
    for res in (replace(exact, frame=big), replace(power, frame=table), harm):
        assert 0 < _spec_rows(res.chart().to_dict()) <= 3000


# ------------------------------------------------------------------------------------------------
# bad input
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def small() -> pd.DataFrame:
    return pd.DataFrame(
        {"t": np.arange(1, 21), "y": [5, 7, 6, 8, 9, 7, 6, 8, 10, 9, 4, 5, 3, 4, 6, 5, 4, 3, 5, 4]}
    )


def test_missing_column(small: pd.DataFrame) -> None:
    with pytest.raises(EvaluationInputError, match="outcome='count'"):
        its(small, time="t", outcome="count", intervention=11)


def test_too_few_pre_periods(small: pd.DataFrame) -> None:
    with pytest.raises(EvaluationInputError, match="too few periods.*2 before"):
        its(small, time="t", outcome="y", intervention=3)


def test_too_few_post_periods(small: pd.DataFrame) -> None:
    with pytest.raises(EvaluationInputError, match="1 after"):
        its(small, time="t", outcome="y", intervention=20)
    its(small, time="t", outcome="y", intervention=20, slope_change=False)  # 1 is enough


def test_intervention_outside_data(small: pd.DataFrame) -> None:
    with pytest.raises(EvaluationInputError, match="outside the data.*'t' runs from 1 to 20"):
        its(small, time="t", outcome="y", intervention=25)
    with pytest.raises(EvaluationInputError, match="outside"):
        its(small, time="t", outcome="y", intervention=1)
    with pytest.raises(EvaluationInputError, match="not one of the periods"):
        its(small, time="t", outcome="y", intervention=10.5)


def test_missing_periods(small: pd.DataFrame) -> None:
    with pytest.raises(EvaluationInputError, match=r"missing periods: 5, 6"):
        its(small.drop(index=[4, 5]), time="t", outcome="y", intervention=11)
    dates = pd.DataFrame(
        {"m": pd.date_range("2020-01-01", periods=24, freq="MS"), "y": np.arange(24) % 7 + 3}
    ).drop(index=[7])
    with pytest.raises(EvaluationInputError, match="missing periods: 2020-08"):
        its(dates, time="m", outcome="y", intervention="2021-01-01")


def test_duplicate_periods(small: pd.DataFrame) -> None:
    dup = pd.concat([small, small.iloc[[3]]], ignore_index=True)
    with pytest.raises(EvaluationInputError, match="duplicate periods.*rows 20"):
        its(dup, time="t", outcome="y", intervention=11)


def test_negative_counts(small: pd.DataFrame) -> None:
    bad = small.copy()
    bad.loc[[2, 7], "y"] = -1
    with pytest.raises(EvaluationInputError, match="'y' has negative counts in rows 2, 7"):
        its(bad, time="t", outcome="y", intervention=11)
    its(bad, time="t", outcome="y", intervention=11, family="gaussian")  # fine for OLS


def test_non_integer_counts(small: pd.DataFrame) -> None:
    bad = small.assign(y=small["y"] + 0.5 * (small.index == 4))
    with pytest.raises(EvaluationInputError, match="non-integer values in rows 4"):
        its(bad, time="t", outcome="y", intervention=11, family="poisson")


def test_constant_series(small: pd.DataFrame) -> None:
    with pytest.raises(EvaluationInputError, match="constant"):
        its(small.assign(y=4), time="t", outcome="y", intervention=11)
    with pytest.raises(EvaluationInputError, match="constant"):
        its(small.assign(y=0), time="t", outcome="y", intervention=11)


def test_nans(small: pd.DataFrame) -> None:
    bad = small.astype({"y": float})
    bad.loc[[3, 12], "y"] = np.nan
    with pytest.raises(EvaluationInputError, match=r"'y' has missing values \(NaN\) in rows 3, 12"):
        its(bad, time="t", outcome="y", intervention=11)
    bad = small.astype({"t": float})
    bad.loc[0, "t"] = np.nan
    with pytest.raises(EvaluationInputError, match="'t' has missing values"):
        its(bad, time="t", outcome="y", intervention=11)


def test_non_numeric_and_bad_offset(small: pd.DataFrame) -> None:
    bad = small.astype({"y": object})
    bad.loc[6, "y"] = "n/a"
    with pytest.raises(EvaluationInputError, match="'y' must be numeric.*rows 6"):
        its(bad, time="t", outcome="y", intervention=11)
    with pytest.raises(EvaluationInputError, match="offset column 'p' must be > 0"):
        its(small.assign(p=0), time="t", outcome="y", intervention=11, offset="p")


def test_errors_are_value_errors(small: pd.DataFrame) -> None:
    with pytest.raises(ValueError):
        its(small, time="t", outcome="y", intervention=11, family="logit")
    with pytest.raises(ValueError, match="period"):
        its(small, time="t", outcome="y", intervention=11, seasonality=1)


def test_panel_errors(small: pd.DataFrame) -> None:
    panel = pd.concat([small.assign(g="a"), small.assign(g="b")], ignore_index=True)
    with pytest.raises(EvaluationInputError, match="treated='c' is not a value"):
        its(panel, time="t", outcome="y", intervention=11, group="g", treated="c")
    with pytest.raises(EvaluationInputError, match="both"):
        its(panel, time="t", outcome="y", intervention=11, group="g")
    with pytest.raises(EvaluationInputError, match="missing periods for group 'b'"):
        its(panel.drop(index=[30]), time="t", outcome="y", intervention=11, group="g", treated="a")
    res = its(panel, time="t", outcome="y", intervention=11, group="g", treated="a")
    assert res.effects.loc["diff_level_change", "estimate"] == pytest.approx(0, abs=1e-8)


def test_time_as_periods_strings_and_mid_month_dates(monthly: pd.DataFrame) -> None:
    start = monthly.attrs["intervention"]
    base = its(monthly, time="month", outcome="count", intervention=start)
    as_period = monthly.assign(month=monthly["month"].dt.to_period("M"))
    as_text = monthly.assign(month=monthly["month"].dt.strftime("%Y-%m-%d"))
    for df, when in [
        (as_period, start),
        (as_text, str(start.date())),
        (monthly, pd.Period(start, "M")),
    ]:
        res = its(df, time="month", outcome="count", intervention=when)
        pd.testing.assert_frame_equal(res.effects, base.effects)
        assert res.intervention == base.intervention == f"{start:%Y-%m}"
    # a start inside a month: the first month wholly under the response is the next one
    later = its(monthly, time="month", outcome="count", intervention=start + pd.Timedelta(days=14))
    following = start + pd.DateOffset(months=1)
    assert later.intervention == f"{following:%Y-%m}"
    pd.testing.assert_frame_equal(
        later.effects, its(monthly, time="month", outcome="count", intervention=following).effects
    )
    assert any("first period wholly under it" in n for n in later.notes)
    assert "first period wholly under it" in later.summary()


# ------------------------------------------------------------------------------------------------
# warnings from model fitting are recorded on the result and said in the summary
# ------------------------------------------------------------------------------------------------

# Two years of a rare offence in one beat (about 2 a month, less variable than Poisson): the
# negative binomial dispersion runs to its boundary at 0, Newton's method gives no standard
# errors and statsmodels' BFGS stops at maxiter without converging. (The outcome is stable
# under small perturbations of the starting values.)
RARE = [2, 1, 2, 2, 2, 1, 0, 3, 2, 2, 2, 1, 3, 2, 1, 1, 0, 1, 1, 2, 1, 2, 5, 1]


def _monthly(counts: list[int]) -> pd.DataFrame:
    months = pd.date_range("2020-01-01", periods=len(counts), freq="MS")
    return pd.DataFrame({"month": months, "n": counts})


def test_a_fit_that_does_not_converge_says_so() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing escapes to the user's terminal...
        res = its(
            _monthly(RARE),
            time="month",
            outcome="n",
            intervention="2021-01-01",
            family="negbin",
        )
    assert res.fit.mle_retvals["converged"] is False  # statsmodels' own verdict
    assert any("did not converge" in w for w in res.warnings)  # ...and nothing is lost
    assert any("lower boundary" in w for w in res.warnings)
    text = res.summary()
    for warning in res.warnings:
        assert f"Warning: {warning}" in text
    assert "did not converge" in text


def test_a_clean_fit_has_no_warnings() -> None:
    df = simulate_its(n_pre=36, n_post=24, level=50, effect=-0.2, dispersion=1.5, seed=1)
    res = its(df, time="month", outcome="count", intervention=df.attrs["intervention"])
    assert res.warnings == []
    assert "Warning:" not in res.summary()


def test_quasi_separation_is_recorded_by_the_fit() -> None:
    # fitted means of practically zero where there are no events: recorded, never silent
    from cs360lib.evaluate._fit import fit_arrays

    y = np.array([3, 5, 4, 6, 2, 5, 4, 3, 5, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], dtype=float)
    t = np.arange(20.0)
    X = np.column_stack([np.ones(20), t, (t >= 10).astype(float)])
    fit = fit_arrays(y, X, family="poisson")
    assert any("quasi-separation" in w for w in fit.warnings)


def test_no_events_after_the_response_is_compared_exactly() -> None:
    # a log-link model cannot fit a segment without events (the level change runs to minus
    # infinity); the exact conditional test says what the data do support, and no "inf"
    counts = [3, 5, 4, 6, 2, 5, 4, 3, 5, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]  # none after
    res = its(
        _monthly(counts), time="month", outcome="n", intervention="2020-11-01", family="poisson"
    )
    assert res.method == "exact" and res.fit is None
    row = res.effects.loc["level_change"]
    assert row["ratio"] == 0 and row["p_value"] < 0.001
    assert res.exact.bound < 0.1  # one-sided upper bound of the rate ratio
    text = res.summary()
    assert "exact test" in text and "statistically clear" in text
    assert "inf" not in text.replace("information", "") and "nan" not in text


def test_a_fit_without_standard_errors_is_an_input_error_that_says_why() -> None:
    counts = [1, 0, 1, 0, 0, 0, 2, 0, 2, 0, 1, 0, 2, 2, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]
    with pytest.raises(EvaluationInputError, match="could not be estimated.*quasipoisson"):
        its(_monthly(counts), time="month", outcome="n", intervention="2021-01-01", family="negbin")
