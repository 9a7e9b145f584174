"""Benchmark: cs360lib.evaluate.its against bare statsmodels GLM fits of the same designs.

Fits the quasi-Poisson seasonal ITS (two Fourier pairs, level and slope change) to 1,000
synthetic monthly series of 60 periods, then fits ``statsmodels.GLM(Poisson).fit(scale="X2")`` to
the very same design matrices, and reports both times, their ratio (goal: at most 1.5) and
series per second. The two are interleaved series by series (so both see the same machine
load) for a few rounds; the best round of each is reported, with the per-round ratios.

Both sides compute the same estimates and standard errors: ``its(..., cov="model")`` (the
quasi-Poisson model-based covariance that ``fit(scale="X2")`` gives). The default covariance
(``cov="ar1"``, the latent AR(1) sandwich that statsmodels does not offer) is timed as well and
its ratio printed for information: it adds the moment estimation of the latent process.

Run: ``.venv/bin/python benchmarks/bench_its.py [n_series]``
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
import statsmodels.api as sm

from cs360lib.evaluate import its

N_PERIODS = 60
N_PRE = 36


def make_series(n_series: int, seed: int = 0) -> list[pd.DataFrame]:
    rng = np.random.default_rng(seed)
    months = pd.date_range("2019-01-01", periods=N_PERIODS, freq="MS")
    t = np.arange(N_PERIODS)
    out = []
    for _ in range(n_series):
        level = rng.uniform(5, 80)
        mu = np.exp(
            np.log(level)
            + rng.normal(0, 0.005) * t
            + rng.uniform(0, 0.3) * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6))
            + rng.normal(-0.15, 0.1) * (t >= N_PRE)
        )
        y = rng.poisson(mu * rng.gamma(10, 0.1, N_PERIODS))
        out.append(pd.DataFrame({"month": months, "count": y}))
    return out


def main(n_series: int = 1000, rounds: int = 3) -> dict[str, float]:
    series = make_series(n_series)
    start = series[0]["month"].iloc[N_PRE]

    # warm-up (imports, caches)
    kw = dict(time="month", outcome="count", intervention=start, seasonality=2)
    for df in series[:5]:
        its(df, **kw, cov="model")

    results = [its(df, **kw, cov="model") for df in series]
    designs = [(r._data.y, r._design.X) for r in results]  # the same design matrices

    # Interleave the two per series (library fit of series i, then the bare fit of series i) so
    # that both see the same machine load, for a few rounds; report the best round of each.
    clock = time.perf_counter
    lib_times, sm_times, ar1_times = [], [], []
    bare: list = []
    for _ in range(rounds):
        t_a = t_b = t_c = 0.0
        results, bare = [], []
        for df, (y, X) in zip(series, designs, strict=True):
            t0 = clock()
            results.append(its(df, **kw, cov="model"))
            t1 = clock()
            bare.append(sm.GLM(y, X, family=sm.families.Poisson()).fit(scale="X2"))
            t2 = clock()
            its(df, **kw)  # the default covariance (latent AR(1))
            t3 = clock()
            t_a += t1 - t0
            t_b += t2 - t1
            t_c += t3 - t2
        lib_times.append(t_a)
        sm_times.append(t_b)
        ar1_times.append(t_c)
    t_lib, t_sm = min(lib_times), min(sm_times)
    ratios = [a / b for a, b in zip(lib_times, sm_times, strict=True)]
    ar1_ratio = min(c / b for c, b in zip(ar1_times, sm_times, strict=True))

    diff = max(
        float(np.max(np.abs(r.fit.params - b.params))) for r, b in zip(results, bare, strict=True)
    )
    out = {
        "n_series": n_series,
        "cs360lib_seconds": t_lib,
        "statsmodels_seconds": t_sm,
        "ratio": t_lib / t_sm,
        "ratio_per_round": ratios,
        "default_ar1_ratio": ar1_ratio,
        "cs360lib_series_per_second": n_series / t_lib,
        "statsmodels_series_per_second": n_series / t_sm,
        "max_param_difference": diff,
    }
    print(f"series: {n_series} x {N_PERIODS} monthly periods, quasi-Poisson, 2 Fourier pairs")
    print(f"cs360lib.evaluate.its : {t_lib:7.3f} s  ({n_series / t_lib:8.1f} series/s)")
    print(f"bare statsmodels GLM  : {t_sm:7.3f} s  ({n_series / t_sm:8.1f} series/s)")
    print(f"ratio (best rounds)   : {t_lib / t_sm:7.3f}  (goal <= 1.5)")
    print(f"ratio per round       : {', '.join(f'{r:.3f}' for r in ratios)}")
    print(f"default cov='ar1'     : {ar1_ratio:7.3f}  (for information: adds the latent AR(1))")
    print(f"max |param difference|: {diff:.2e}")
    return out


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
