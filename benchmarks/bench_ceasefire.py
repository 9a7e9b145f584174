"""Benchmark: the Baltimore Ceasefire daily model fitted by cs360lib.evaluate (goal: under 5 s).

The daily series of shootings and homicides (Baltimore Part 1 crime, codes 9S and 1A, 2015 to
June 2021: 2,373 days; ../shared/data/real/baltimore_part1_crime) with each of the nine
ceasefire weekends and the three days after each as their own indicators (did violence return
right after?), day-of-week, month and year fixed effects and yearly Fourier terms (capped at
six pairs by the six complete years): 55 parameters. When the real data are absent a
synthetic series of the same shape (2,500 days, weekends every 13 weeks, negative binomial
counts with a latent AR(1) process) is used instead.

Timed: the specification (checks and design), the fit with the default covariance (the latent
AR(1) sandwich), the impact table with its prediction intervals, the episodes and the
summary. The best of a few rounds is reported.

BLAS runs single-threaded here (``OPENBLAS_NUM_THREADS=1`` unless set): at these matrix sizes
threads do not help, and on a loaded machine they make a single fit many times slower.

Run: ``.venv/bin/python benchmarks/bench_ceasefire.py``
"""

from __future__ import annotations

import os
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from cs360lib.evaluate import ITS, simulate_counts  # noqa: E402

FOLDER = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
FOLDER = FOLDER / "baltimore_part1_crime"
GOAL_SECONDS = 5.0


def real_series() -> tuple[pd.DataFrame, list[tuple[str, str]]] | None:
    """The real daily series and weekends, or None when the data are absent."""
    path = FOLDER / "baltimore_p1crime_2014_2021.csv.gz"
    if not path.exists():
        return None
    raw = pd.read_csv(path, usecols=["CrimeDateT", "CrimeCode"], dtype=str)
    raw = raw[raw["CrimeCode"].isin(["9S", "1A"])]
    day = pd.to_datetime(raw["CrimeDateT"], errors="coerce")
    days = pd.date_range("2015-01-01", "2021-06-30", freq="D")
    counts = day.value_counts().reindex(days, fill_value=0)
    weekends = pd.read_csv(FOLDER / "ceasefire_weekends.csv", dtype=str)
    ranges = list(zip(weekends["friday"], weekends["sunday"], strict=True))
    return pd.DataFrame({"day": days, "count": counts.to_numpy()}), ranges


def synthetic_series(n_days: int = 2500, seed: int = 0) -> tuple[pd.DataFrame, list]:
    """A series of the real one's shape: weekly and yearly patterns, nine ceasefire weekends."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2015-01-01", periods=n_days, freq="D")
    t = np.arange(n_days)
    fridays = days[(days.dayofweek == 4) & (days >= "2017-08-01")][::13][:9]
    on = np.zeros(n_days, dtype=bool)
    for friday in fridays:
        on |= (days >= friday) & (days <= friday + pd.Timedelta(days=2))
    mu = np.exp(
        np.log(2.6)
        + 0.25 * (days.dayofweek >= 5)
        + 0.2 * np.sin(2 * np.pi * t / 365.25)
        + np.log(0.5) * on
    )
    y = simulate_counts(mu, nb_alpha=0.15, autocorrelation=0.3, rng=rng)
    ranges = [(f, f + pd.Timedelta(days=2)) for f in fridays]
    return pd.DataFrame({"day": days, "count": y.astype(int)}), ranges


def fit_once(daily: pd.DataFrame, ranges: list) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    terms = {}
    for i, (friday, sunday) in enumerate(ranges, start=1):
        sunday = pd.Timestamp(sunday)
        terms[f"weekend_{i}"] = [(friday, sunday)]
        terms[f"after_{i}"] = [(sunday + pd.Timedelta(days=1), sunday + pd.Timedelta(days=3))]
    spec = ITS(
        daily,
        time="day",
        outcome="count",
        interventions=terms,
        calendar=["dow", "month", "year"],
        seasonality={365.25: 6},
    )
    res = spec.fit()
    _ = res.effects, res.impact, res.episodes, res.summary()
    return time.perf_counter() - t0, len(res._fit.params), res.cov


def main(rounds: int = 3) -> dict[str, float]:
    found = real_series()
    source = "real Baltimore series" if found is not None else "synthetic series (real data absent)"
    daily, ranges = found if found is not None else synthetic_series()
    fit_once(daily, ranges)  # warm-up (imports, caches)
    times = []
    for _ in range(rounds):
        seconds, k, cov = fit_once(daily, ranges)
        times.append(seconds)
    best = min(times)
    print(f"{source}: {len(daily):,} days, {k} parameters, cov={cov!r}")
    print(
        f"specification + fit + impact + episodes + summary: {best:.2f} s (best of {rounds}; "
        f"goal < {GOAL_SECONDS:.0f} s)"
    )
    print(f"per round: {', '.join(f'{t:.2f}' for t in times)}")
    return {"days": len(daily), "parameters": k, "seconds": best}


if __name__ == "__main__":
    main()
