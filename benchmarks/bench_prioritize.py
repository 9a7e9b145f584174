"""Benchmark: the priority worksheet's data criteria for every offense group of a year.

``category_criteria`` (per offense group: a monthly count series with the coverage flags,
harm through the harm table, the exact Poisson trend test and the generalized Gini over every
block of the city) is timed on the real Philadelphia incidents of 2021 and 2022 (285,600
rows, 26 offense groups), against a bare pandas pass that computes the same four numbers
without coverage flags, notes or evidence (one groupby per year, a harm map, a Gini per
group). Both run in the same process, alternating; the ratio of the medians is the figure to
watch, and the absolute time of ``category_criteria`` is held against the goal of issue 12
(under 30 seconds on the project's machine).

Usage::

    python benchmarks/bench_prioritize.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

from cs360lib import load
from cs360lib.steps.prioritize.criteria import category_criteria
from cs360lib.steps.prioritize.harm import load_harm_table

DATA = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "real"
    / "philadelphia_incidents"
)
GOAL_SECONDS = 30.0


def bare(data, table) -> dict[str, tuple[float, float, float, float]]:
    """The four numbers per group with plain pandas: count, harm, trend p value, Gini."""
    year = data["occurred_at"].dt.year
    weights = {
        o: (e.weight if (e := table.lookup(o)) else np.nan) for o in data["offense"].unique()
    }
    blocks = data["address"].dropna().nunique()
    out = {}
    for group, rows in data.groupby("offense_group", observed=True):
        now, before = rows[year[rows.index] == 2022], rows[year[rows.index] == 2021]
        harm = now["offense"].map(weights).sum()
        p = (
            stats.binomtest(len(now), len(now) + len(before), 0.5).pvalue
            if len(now) + len(before)
            else 1.0
        )
        counts = np.sort(np.r_[now["address"].value_counts().to_numpy(), np.zeros(blocks)])[:blocks]
        n = counts.size
        gini = (
            2 * np.sum(np.arange(1, n + 1) * counts) / (n * counts.sum()) - (n + 1) / n
            if counts.sum()
            else 0.0
        )
        out[str(group)] = (len(now), harm, p, gini)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"real data not present: {DATA}")
        return 0
    files = [str(DATA / f"incidents_{y}_*.csv.gz") for y in (2021, 2022)]
    source = load("incidents", files, mapping="philadelphia_incidents")
    table = load_harm_table()
    ours, base = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        category_criteria(
            source,
            name="philadelphia",
            column="offense_group",
            harm_table=table,
            as_of="2022-12-31",
        )
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        bare(source.data, table)
        base.append(time.perf_counter() - start)
    median, baseline = statistics.median(ours), statistics.median(base)
    print(f"rows: {len(source.data):,}; offense groups: {source.data['offense_group'].nunique()}")
    print(f"category_criteria: median {median:.2f} s (goal: under {GOAL_SECONDS:.0f} s)")
    print(f"bare pandas pass:  median {baseline:.2f} s")
    print(f"ratio: {median / baseline:.1f}")
    return 0 if median < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
