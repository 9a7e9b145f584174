"""Near repeats: Knox counts and permutation p-values against pointpats and a brute force."""

from __future__ import annotations

import importlib
import itertools

import numpy as np
import pandas as pd
import pytest
from pointpats.spacetime import Knox

from cs360lib.analysis import knox_table, near_repeat
from cs360lib.analysis.grid import unproject
from cs360lib.errors import AnalysisInputError
from cs360lib.publish.charts import chart_to_svg

CRS = "EPSG:32618"


def _pattern(seed: int, n: int = 300, near: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Events spread over 3 km and a year, the first ``near`` of them repeats of others."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 3000, n)
    y = rng.uniform(0, 3000, n)
    d = rng.integers(0, 365, n)
    if near:
        x[:near] = x[near : 2 * near] + rng.uniform(-60, 60, near)
        y[:near] = y[near : 2 * near] + rng.uniform(-60, 60, near)
        d[:near] = d[near : 2 * near] + rng.integers(0, 10, near)
    return x, y, d


def _brute(x, y, d, s_edges, t_edges, same_location, perm=None, metric="euclidean"):
    """All pairs, counted one by one (independent of the library's k-d tree and totals)."""
    n = x.size
    rows = len(s_edges) + 1 + (1 if same_location else 0)
    out = np.zeros((rows, len(t_edges) + 1), dtype=int)
    dd = d if perm is None else d[perm]
    for i, j in itertools.combinations(range(n), 2):
        dx, dy = x[i] - x[j], y[i] - y[j]
        dist = np.hypot(dx, dy) if metric == "euclidean" else abs(dx) + abs(dy)
        if same_location and dist == 0:
            r = 0
        else:
            r = next((k for k, e in enumerate(s_edges) if dist <= e), len(s_edges))
            r += 1 if same_location else 0
        dt = abs(int(dd[i]) - int(dd[j]))
        c = next((k for k, e in enumerate(t_edges) if dt <= e), len(t_edges))
        out[r, c] += 1
    return out


def test_observed_and_expected_equal_pointpats_knox():
    x, y, d = _pattern(3)
    ours = knox_table(x, y, d, [200], [14], same_location=False, permutations=0)
    theirs = Knox(np.column_stack([x, y]), d.reshape(-1, 1).astype(float), delta=200, tau=14,
                  permutations=0)  # fmt: skip
    np.testing.assert_array_equal(ours["observed"], theirs.observed)
    np.testing.assert_allclose(ours["expected"], theirs.expected)


@pytest.mark.parametrize(("seed", "near"), [(4, 40), (5, 0)])
def test_p_value_agrees_with_pointpats(seed, near):
    x, y, d = _pattern(seed, near=near)
    ours = knox_table(x, y, d, [200], [14], same_location=False, permutations=999, seed=1)
    np.random.seed(seed)  # pointpats draws from numpy's global generator
    theirs = Knox(np.column_stack([x, y]), d.reshape(-1, 1).astype(float), delta=200, tau=14,
                  permutations=999)  # fmt: skip
    # both are Monte Carlo estimates of one p-value: sd at most 0.016 each
    assert ours["p_value"][0, 0] == pytest.approx(theirs.p_sim, abs=0.07)
    if near:
        assert ours["p_value"][0, 0] <= 0.01 and theirs.p_sim <= 0.01


def test_band_table_and_p_values_equal_a_brute_force_with_the_same_shuffles():
    x, y, d = _pattern(6, n=90, near=15)
    x[5], y[5] = x[6], y[6]  # one exact repeat location
    s_edges, t_edges = [100, 250, 500], [7, 21]
    res = knox_table(x, y, d, s_edges, t_edges, permutations=49, seed=3)
    obs = _brute(x, y, d, s_edges, t_edges, True)
    np.testing.assert_array_equal(res["observed"], obs)
    assert res["observed"].sum() == res["n_pairs"] == 90 * 89 // 2
    rng = np.random.default_rng(3)
    at_least = np.zeros_like(obs)
    for _ in range(49):
        at_least += _brute(x, y, d, s_edges, t_edges, True, rng.permutation(90)) >= obs
    np.testing.assert_allclose(res["p_value"], (1 + at_least) / 50)


def test_expected_is_the_mean_over_every_permutation():
    x = np.array([0.0, 50, 120, 400, 410, 900])
    y = np.zeros(6)
    d = np.array([0, 3, 10, 30, 31, 90])
    res = knox_table(x, y, d, [100, 500], [7, 30], same_location=False, permutations=0)
    total = np.zeros_like(res["expected"])
    perms = list(itertools.permutations(range(6)))
    for p in perms:
        total += _brute(x, y, d, [100, 500], [7, 30], False, np.array(p))
    np.testing.assert_allclose(res["expected"], total / len(perms))


def test_manhattan_distance():
    x = np.array([0.0, 60, 0])
    y = np.array([0.0, 60, 90])
    d = np.array([0, 1, 2])
    eu = knox_table(x, y, d, [100], [7], same_location=False, metric="euclidean", permutations=0)
    mh = knox_table(x, y, d, [100], [7], same_location=False, metric="manhattan", permutations=0)
    assert eu["observed"][0, 0] == 3  # 84.9, 90 and 67.1 m
    assert mh["observed"][0, 0] == 2  # 120 m in Manhattan distance for the first pair


def _ties(seed: int, n: int, span: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Events on a 10 m grid with many at the same place and on the same day."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.uniform(0, 2000, n), -1)
    y = np.round(rng.uniform(0, 2000, n), -1)
    d = rng.integers(0, span, n)
    k = n // 5
    x[:k], y[:k] = x[k : 2 * k], y[k : 2 * k]  # exact repeat locations
    d[: k // 2] = d[k : k + k // 2]  # some of them on the same day
    return x, y, d


@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
@pytest.mark.parametrize("span", [400, 40_000])  # 16-bit dates, and dates spanning 110 years
def test_small_memory_budgets_give_the_same_counts_as_one_chunk(monkeypatch, metric, span):
    module = importlib.import_module("cs360lib.analysis.near_repeat")
    x, y, d = _ties(11, 1500, span)
    bands = dict(space_bands=[50, 150, 300], time_bands=[7, 30, 20_000], metric=metric)
    one = knox_table(x, y, d, permutations=19, seed=4, **bands)
    # many blocks of pairs, many chunks per block, and the permutations in groups of three
    monkeypatch.setattr(module, "PAIR_MEMORY", 4_000)
    monkeypatch.setattr(module, "DAYS_MEMORY", 3 * 1500 * 2)
    order = np.argsort(x, kind="stable")
    space = module._Space(x[order], y[order], np.array([50.0, 150, 300]), True, False)
    assert len(list(space.pair_blocks(4_000 // module._ENUM_BYTES))) > 10
    many = knox_table(x, y, d, permutations=19, seed=4, **bands)
    for key in one:
        np.testing.assert_array_equal(many[key], one[key], err_msg=key)


@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
def test_every_pair_within_the_band_is_counted_once(monkeypatch, metric):
    module = importlib.import_module("cs360lib.analysis.near_repeat")
    monkeypatch.setattr(module, "PAIR_MEMORY", 2_000)
    x, y, d = _ties(12, 300, 200)
    res = knox_table(x, y, d, [100, 250], [14], metric=metric, permutations=3)
    i, j = np.triu_indices(300, k=1)
    dx, dy = x[i] - x[j], y[i] - y[j]
    dist = np.hypot(dx, dy) if metric == "euclidean" else np.abs(dx) + np.abs(dy)
    assert res["observed"][:-1].sum() == int((dist <= 250).sum())
    assert res["observed"][0].sum() == int((dist == 0).sum()) > 0
    brute = _brute(x, y, d, [100, 250], [14], True, metric=metric)
    np.testing.assert_array_equal(res["observed"], brute)


def _events(x, y, d) -> pd.DataFrame:
    lat, lon = unproject(500_000 + x, 4_420_000 + y, CRS)
    when = pd.Timestamp("2023-01-01") + pd.to_timedelta(d, unit="D") + pd.Timedelta(hours=13)
    return pd.DataFrame({"lat": lat, "lon": lon, "occurred_at": when})


def test_near_repeat_on_events_finds_the_planted_pattern():
    x, y, d = _pattern(7, n=400, near=60)
    res = near_repeat(_events(x, y, d), space_bands=(100, 200), time_bands=(14, 28), seed=2)
    assert res.crs == CRS
    assert res.ratio.index[0] == "Same location" and res.ratio.index[-1] == "More than 200 m"
    assert list(res.ratio.columns) == ["0 to 14 days", "15 to 28 days", "More than 28 days"]
    assert res.ratio.loc["1 to 100 m", "0 to 14 days"] > 2
    assert res.p_value.loc["1 to 100 m", "0 to 14 days"] == pytest.approx(0.01)
    near = res.near_cells()
    assert ("1 to 100 m", "0 to 14 days") in set(
        zip(near["space_band"], near["time_band"], strict=True)
    )
    text = res.summary()
    assert "near-repeat pattern" in text and "nan" not in text.lower()
    table = res.table().data
    assert table.columns[0] == "Distance" and table.iloc[1, 1].endswith("*")
    assert "<svg" in chart_to_svg(res.chart())


def test_no_pattern_is_reported_as_none():
    x, y, d = _pattern(8, n=300, near=0)
    res = near_repeat(_events(x, y, d), permutations=99, seed=4, alpha=0.01)
    assert "no sign of a near-repeat pattern" in res.summary() or len(res.near_cells()) <= 1


def test_same_seed_same_result():
    x, y, d = _pattern(9, n=150)
    a = near_repeat(_events(x, y, d), seed=5)
    b = near_repeat(_events(x, y, d), seed=5)
    pd.testing.assert_frame_equal(a.p_value, b.p_value)


def test_bad_input_gets_clear_errors():
    x, y, d = _pattern(10, n=50, near=10)
    ev = _events(x, y, d)
    with pytest.raises(AnalysisInputError, match="increasing"):
        near_repeat(ev, space_bands=(200, 100))
    with pytest.raises(AnalysisInputError, match="time_bands"):
        near_repeat(ev, time_bands=())
    with pytest.raises(AnalysisInputError, match="lat/lon"):
        near_repeat(ev.drop(columns=["lat"]))
    with pytest.raises(AnalysisInputError, match="metric"):
        near_repeat(ev, metric="chebyshev")
    with pytest.raises(AnalysisInputError, match="no events between"):
        near_repeat(ev, start="2030-01-01")
    assert any("0.10" in w for w in near_repeat(ev, permutations=9).warnings)
