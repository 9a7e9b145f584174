"""Knox test at volume: exact permutation moments (Barton and David 1966) and counts by k-d tree.

Checked against every one of the n! permutations (the moments), against the Monte Carlo path's
own pair counts (with ties at the band limits), against 999 random permutations (the
p-values), and by simulation under no space-time interaction (the size of the test).
"""

from __future__ import annotations

import importlib
import itertools

import numpy as np
import pytest

from cs360lib.analysis import knox_table, near_repeat
from cs360lib.analysis.knox_moments import knox_by_moments, time_degrees
from cs360lib.errors import AnalysisInputError
from tests.test_analysis_near_repeat import _events, _pattern

S_EDGES = np.array([100.0, 200.0, 300.0])
T_EDGES = np.array([7.0, 14.0])


def _grid_events(seed: int, n: int, span: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Events on a 10 m grid, so that many pairs fall exactly on a band's limit."""
    rng = np.random.default_rng(seed)
    return (
        rng.integers(0, 60, n) * 10.0,
        rng.integers(0, 60, n) * 10.0,
        rng.integers(0, span, n),
    )


def test_moments_equal_those_of_every_permutation_of_the_dates() -> None:
    x, y, d = _grid_events(1, 7, span=20)
    x[1], y[1] = x[0], y[0]  # a same-location pair
    res = knox_by_moments(x, y, d, S_EDGES, T_EDGES, same_location=True, manhattan=False)
    counts = np.array(
        [
            knox_table(x, y, d[list(p)], S_EDGES, T_EDGES, permutations=0)["observed"]
            for p in itertools.permutations(range(x.size))
        ],
        dtype=float,
    )
    np.testing.assert_allclose(res["expected"], counts.mean(axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(res["variance"], counts.var(axis=0), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("same_location", [True, False])
@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
def test_counts_without_listing_pairs_equal_the_listed_pairs(same_location, metric) -> None:
    x, y, d = _grid_events(2, 2500)
    kw = {"same_location": same_location, "metric": metric, "permutations": 0}
    listed = knox_table(x, y, d, S_EDGES, T_EDGES, **kw)
    counted = knox_table(x, y, d, S_EDGES, T_EDGES, significance="normal", **kw)
    assert counted["method"] == "normal" and listed["method"] == "monte carlo"
    np.testing.assert_array_equal(counted["observed"], listed["observed"])
    np.testing.assert_allclose(counted["expected"], listed["expected"], rtol=1e-12)
    assert int(counted["n_pairs"]) == int(listed["n_pairs"])
    assert int(counted["n_close"]) == int(listed["n_close"]) == int(listed["observed"][:-1].sum())
    assert np.isnan(counted["simulated_mean"]).all()


def test_time_band_degrees_count_every_other_event_once() -> None:
    d = np.array([0, 0, 3, 7, 8, 30])
    deg = time_degrees(d, np.array([0.0, 7.0]))
    assert deg.tolist() == [[1, 2, 2], [1, 2, 2], [0, 4, 1], [0, 4, 1], [0, 2, 3], [0, 0, 5]]


def test_normal_p_values_agree_with_999_random_permutations() -> None:
    x, y, d = _pattern(4, n=600, near=50)
    mc = knox_table(x, y, d, [100, 200], [14, 28], permutations=999, seed=1)
    normal = knox_table(x, y, d, [100, 200], [14, 28], significance="normal")
    np.testing.assert_array_equal(normal["observed"], mc["observed"])
    # the Monte Carlo p-value's own standard error is at most 0.016 with 999 permutations
    np.testing.assert_allclose(normal["p_value"], mc["p_value"], atol=0.06)
    assert normal["p_value"][1, 0] < 0.001  # the planted near repeats


@pytest.mark.slow
def test_normal_test_keeps_its_size_when_space_and_time_are_unrelated() -> None:
    """Under no interaction, p <= 0.05 in about 5 % of departments, for each close cell."""
    rejections, runs = np.zeros((3, 2)), 400
    for seed in range(runs):
        rng = np.random.default_rng(1000 + seed)
        n = 400
        x, y, d = rng.uniform(0, 2000, n), rng.uniform(0, 2000, n), rng.integers(0, 90, n)
        res = knox_by_moments(x, y, d, S_EDGES, T_EDGES, same_location=False, manhattan=False)
        rejections += res["p_value"][:3, :2] <= 0.05
    share = rejections / runs
    # binomial standard error at 5 % over 400 runs is 1.1 points: 0.5 % to 9.5 % is 4 s.e.
    assert ((share > 0.005) & (share < 0.095)).all(), share


def test_auto_uses_the_moments_above_the_budget(monkeypatch) -> None:
    module = importlib.import_module("cs360lib.analysis.near_repeat")
    x, y, d = _pattern(7, n=400, near=60)
    events = _events(x, y, d)
    small = near_repeat(events, space_bands=(100, 200), time_bands=(14, 28), seed=2)
    assert small.method == "monte carlo" and "99 random shuffles" in small.summary()
    monkeypatch.setattr(module, "MONTE_CARLO_PAIR_DATES", 1_000)
    big = near_repeat(events, space_bands=(100, 200), time_bands=(14, 28), seed=2)
    assert big.method == "normal"
    assert big.observed.equals(small.observed)
    assert big.p_value.loc["1 to 100 m", "0 to 14 days"] < 0.001
    text = big.summary()
    assert "every possible shuffle" in text and "random shuffles" not in text
    assert "near-repeat pattern" in text and "nan" not in text.lower()
    assert any("Barton and David" in w and "lie within 200 m" in w for w in big.warnings)
    assert not any("slow" in w for w in big.warnings)


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_a_handful_of_events_gives_the_listed_counts_and_no_false_alarm(n) -> None:
    x, y, d = np.arange(n) * 50.0, np.zeros(n), np.arange(n) * 3
    listed = knox_table(x, y, d, [100], [7], permutations=0)
    counted = knox_table(x, y, d, [100], [7], significance="normal")
    np.testing.assert_array_equal(counted["observed"], listed["observed"])
    assert (counted["p_value"] == 1.0).all()  # every pair within 100 m: no shuffle moves one


def test_unknown_significance_is_refused() -> None:
    x, y, d = _pattern(8, n=30, near=0)
    with pytest.raises(AnalysisInputError, match="significance must be one of"):
        knox_table(x, y, d, [100], [7], significance="exact")
