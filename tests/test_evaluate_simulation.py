"""Simulations with a known truth: bias and interval coverage of the ITS defaults and options.

Two families of scenarios:

- **Calibration of the defaults** (issue 14's acceptance, 400 replications each, seeded):
  series with negative binomial overdispersion (NB2 alpha drawn from 0.1 to 0.3 per series),
  a latent AR(1) process with lag-1 correlation 0.5 linking the overdispersion over time,
  an annual sinusoid, a small trend and a planted rate ratio of 0.8. The response thins the
  counterfactual counts (each would-be event is prevented with probability 0.2), so every
  replication knows the realised counterfactual: the counts that would have been recorded
  without the response. Fitted with the defaults (``ITS(..., seasonality=1).fit()``: the latent
  AR(1) covariance from 24 periods), the 95% interval of the rate ratio must cover 0.8 in 93-97%
  of replications and the 95% prediction interval of the cumulative counterfactual must cover
  the realised one in 92-97% (monthly 48/24, weekly 156/52); short 12/6 series must reach 90%
  or warn in every replication.
- **Options compared** (300 replications): quasi-Poisson with and without the slope term and
  the three covariances under independent and autocorrelated counts.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cs360lib.evaluate import ITS, its, simulate_counts

TRUE_RR = 0.8
TRUTH = np.log(TRUE_RR)


# ------------------------------------------------------------------------------------------------
# calibration of the defaults (acceptance)
# ------------------------------------------------------------------------------------------------


def _nb_series(
    n_pre: int, n_post: int, level: float, period: int, freq: str, reps: int, seed: int
) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """Observed series and their realised counterfactuals (response thins the counts)."""
    rng = np.random.default_rng(seed)
    n = n_pre + n_post
    t = np.arange(n)
    mu = level * np.exp(0.003 * t + 0.25 * np.sin(2 * np.pi * t / period + 0.5))
    alpha = rng.uniform(0.1, 0.3, size=(reps, 1))
    counterfactual = simulate_counts(
        np.broadcast_to(mu, (reps, n)), nb_alpha=alpha, autocorrelation=0.5, rng=rng
    )
    observed = counterfactual.copy()
    observed[:, n_pre:] = rng.binomial(counterfactual[:, n_pre:].astype(np.int64), TRUE_RR)
    return pd.date_range("2015-01-05", periods=n, freq=freq), observed, counterfactual


@functools.cache
def _calibration(
    n_pre: int, n_post: int, level: float, period: int, freq: str, seed: int
) -> dict[str, Any]:
    times, observed, counterfactual = _nb_series(n_pre, n_post, level, period, freq, 400, seed)
    rr, cumulative, warned, covs = [], [], [], set()
    for y, y_cf in zip(observed, counterfactual, strict=True):
        spec = ITS(
            pd.DataFrame({"when": times, "count": y}),
            time="when",
            outcome="count",
            intervention=times[n_pre],
            seasonality=1,
        )
        res = spec.fit()
        row = res.effects.loc["level_change"]
        rr.append(row["ratio_low"] <= TRUE_RR <= row["ratio_high"])
        imp = res.impact.loc["cumulative"]
        realised = y_cf[n_pre:].sum()
        cumulative.append(imp["predicted_low"] <= realised <= imp["predicted_high"])
        warned.append(bool(res.warnings))
        covs.add(res.cov)
    return {
        "rr": float(np.mean(rr)),
        "cumulative": float(np.mean(cumulative)),
        "warned": float(np.mean(warned)),
        "covs": covs,
    }


@pytest.mark.slow
def test_defaults_cover_in_monthly_series() -> None:
    r = _calibration(48, 24, 40.0, 12, "MS", seed=2024)
    assert r["covs"] == {"ar1"}
    assert 0.93 <= r["rr"] <= 0.97, r
    assert 0.92 <= r["cumulative"] <= 0.97, r


@pytest.mark.slow
def test_defaults_cover_in_weekly_series() -> None:
    r = _calibration(156, 52, 10.0, 52, "W-MON", seed=2025)
    assert r["covs"] == {"ar1"}
    assert 0.93 <= r["rr"] <= 0.97, r
    assert 0.92 <= r["cumulative"] <= 0.97, r


@pytest.mark.slow
def test_short_series_cover_or_warn_every_time() -> None:
    r = _calibration(12, 6, 40.0, 12, "MS", seed=2026)
    assert r["rr"] >= 0.90 or r["warned"] == 1.0, r
    assert r["warned"] == 1.0  # fewer than 24 periods and one seasonal cycle: always said


# ------------------------------------------------------------------------------------------------
# options compared: monthly 48/36, level 40, variance 2 x mean, planted 20% drop
# ------------------------------------------------------------------------------------------------

N_PRE, N_POST, REPS = 48, 36, 300


def _series(autocorrelation: float, seed: int) -> tuple[pd.DatetimeIndex, np.ndarray]:
    n = N_PRE + N_POST
    t = np.arange(n)
    mu = np.exp(
        np.log(40) + 0.004 * t + 0.25 * np.sin(2 * np.pi * t / 12 + 0.5) + TRUTH * (t >= N_PRE)
    )
    rng = np.random.default_rng(seed)
    y = simulate_counts(
        np.broadcast_to(mu, (REPS, n)), dispersion=2.0, autocorrelation=autocorrelation, rng=rng
    )
    return pd.date_range("2015-01-01", periods=n, freq="MS"), y


@functools.cache
def _run(latent_ar: float, seed: int, slope_change: bool = True, cov: str = "model") -> dict:
    months, ys = _series(latent_ar, seed)
    start = months[N_PRE]
    est, se, cover, cover_slope = [], [], [], []
    for y in ys:
        res = its(
            pd.DataFrame({"month": months, "count": y}),
            time="month",
            outcome="count",
            intervention=start,
            seasonality=1,
            slope_change=slope_change,
            cov=cov,
        )
        row = res.effects.loc["level_change"]
        est.append(row["estimate"])
        se.append(row["se"])
        cover.append(row["ci_low"] <= TRUTH <= row["ci_high"])
        if "slope_change" in res.effects.index:
            s = res.effects.loc["slope_change"]
            cover_slope.append(s["ci_low"] <= 0 <= s["ci_high"])
    est_a = np.asarray(est)
    return {
        "bias": float(est_a.mean() - TRUTH),
        "mc_se": float(est_a.std(ddof=1) / np.sqrt(REPS)),
        "mean_se": float(np.mean(se)),
        "sd": float(est_a.std(ddof=1)),
        "coverage": float(np.mean(cover)),
        "coverage_slope": float(np.mean(cover_slope)) if cover_slope else np.nan,
    }


def test_quasipoisson_unbiased_and_covers() -> None:
    r = _run(0.0, seed=101, slope_change=False)
    assert abs(r["bias"]) < 0.15 * r["mean_se"]
    assert abs(r["bias"]) < 3 * r["mc_se"]
    assert 0.91 <= r["coverage"] <= 0.99, r
    # the model-based SE matches the sampling spread of the estimates
    assert r["mean_se"] == pytest.approx(r["sd"], rel=0.15)


def test_quasipoisson_with_slope_term_covers() -> None:
    r = _run(0.0, seed=202)  # slope_change=True: level change and slope change
    assert abs(r["bias"]) < 0.15 * r["mean_se"]
    assert 0.91 <= r["coverage"] <= 0.99, r
    assert 0.91 <= r["coverage_slope"] <= 0.99, r


def test_ar1_covers_without_autocorrelation_too() -> None:
    # the default costs little when there is nothing to correct: still near nominal
    r = _run(0.0, seed=101, slope_change=False, cov="ar1")
    assert 0.93 <= r["coverage"] <= 0.98, r


def test_ar1_correction_covers_under_autocorrelation() -> None:
    # latent AR(1) with lag-1 correlation 0.3: model-based intervals are too narrow, the
    # latent AR(1) sandwich restores coverage
    naive = _run(0.3, seed=303, slope_change=False)
    ar1 = _run(0.3, seed=303, slope_change=False, cov="ar1")
    assert abs(ar1["bias"]) < 0.15 * ar1["mean_se"]
    assert 0.93 <= ar1["coverage"] <= 0.99, ar1
    assert naive["coverage"] < ar1["coverage"]


def test_hac_improves_but_undercovers_in_short_series() -> None:
    # Newey-West HAC under strong autocorrelation: better than nothing, below nominal in
    # 84-period series (documented in docs/evaluate.md), and warned about
    naive = _run(0.6, seed=404, slope_change=False)
    hac = _run(0.6, seed=404, slope_change=False, cov="hac")
    ar1 = _run(0.6, seed=404, slope_change=False, cov="ar1")
    assert naive["coverage"] < hac["coverage"] < ar1["coverage"]
    assert 0.75 < hac["coverage"] < 0.93, hac
    assert ar1["coverage"] >= 0.92, ar1


def test_report_figures(
    request: pytest.FixtureRequest, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Write the coverage table to a file; show it with -s or -v (not in a quiet run).

    The assertions are in the tests above; this one keeps the figures quoted in
    docs/evaluate.md reproducible without printing a table in the middle of `make test`.
    """
    rows = {
        "model, independent": _run(0.0, seed=101, slope_change=False),
        "ar1, independent": _run(0.0, seed=101, slope_change=False, cov="ar1"),
        "model + slope term, independent": _run(0.0, seed=202),
        "model, AR 0.3": _run(0.3, seed=303, slope_change=False),
        "ar1, AR 0.3": _run(0.3, seed=303, slope_change=False, cov="ar1"),
        "model, AR 0.6": _run(0.6, seed=404, slope_change=False),
        "hac, AR 0.6": _run(0.6, seed=404, slope_change=False, cov="hac"),
        "ar1, AR 0.6": _run(0.6, seed=404, slope_change=False, cov="ar1"),
    }
    table = pd.DataFrame(rows).T.round(4)
    (tmp_path / "its_coverage.txt").write_text(table.to_string() + "\n", encoding="utf-8")
    print("\n" + table.to_string())  # shown by pytest -s (captured otherwise)
    if request.config.getoption("verbose") > 0:
        with capsys.disabled():
            print("\n" + table.to_string())
    assert len(table) == len(rows)
    assert all(np.isfinite(r["coverage"]) for r in rows.values())
