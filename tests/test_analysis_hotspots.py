"""Grid Gi* hot spots: equal to esda.G_Local, FDR-controlled, finds planted hot cells."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from esda import G_Local
from libpysal.graph import Graph
from libpysal.weights import DistanceBand, lat2W
from scipy import stats

from cs360lib.analysis import Grid, count_p_values, gi_star, hotspots
from cs360lib.analysis.grid import unproject
from cs360lib.errors import AnalysisInputError
from cs360lib.publish.charts import chart_to_svg

CRS = "EPSG:32615"  # UTM 15N, where the sample department lies
X0, Y0 = 730_000.0, 4_280_000.0  # multiples of 250 m


def _points(x: np.ndarray, y: np.ndarray, **extra: object) -> pd.DataFrame:
    lat, lon = unproject(x, y, CRS)
    frame = pd.DataFrame({"lat": lat, "lon": lon, **extra})
    if "occurred_at" not in frame:
        frame["occurred_at"] = pd.Timestamp("2024-03-01")
    return frame


def _uniform(rng: np.random.Generator, n: int, cols: int = 40, rows: int = 36) -> pd.DataFrame:
    """A department of cols x rows whole 250 m cells with events spread evenly over it."""
    x = rng.uniform(X0 + 1, X0 + cols * 250 - 1, n)
    y = rng.uniform(Y0 + 1, Y0 + rows * 250 - 1, n)
    return _points(x, y)


def _gi_star_by_hand(y: np.ndarray, neighbours: list[set[int]]) -> np.ndarray:
    """Ord & Getis (1995) Gi* z-score with binary weights, self included, written out."""
    n = y.size
    mean = y.mean()
    s = np.sqrt((y**2).mean() - mean**2)
    z = np.empty(n)
    for i in range(n):
        nb = neighbours[i] | {i}
        w = len(nb)
        num = sum(y[j] for j in nb) - mean * w
        den = s * np.sqrt((n * w - w**2) / (n - 1))
        z[i] = num / den
    return z


def test_gi_star_equals_esda_and_the_formula_on_the_same_weights():
    rng = np.random.default_rng(1)
    rows, cols = 6, 7
    # events at cell centres of a full 7 x 6 grid, more of them in one corner
    counts = rng.poisson(2, rows * cols)
    counts[[0, 1, 7]] += 6
    cell = np.repeat(np.arange(rows * cols), counts)
    x = X0 + (cell % cols + 0.5) * 250
    y = Y0 + (cell // cols + 0.5) * 250
    res = hotspots(_points(x, y), cell_size=250)
    assert (res.grid.n_cols, res.grid.n_rows) == (cols, rows)
    got = res.cells.sort_values("cell")
    assert list(got["events"]) == list(counts)
    w = lat2W(rows, cols, rook=False)  # queen contiguity, ids row by row as the grid's
    esda = G_Local(counts.astype(float), w, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(got["z"].to_numpy(), esda.Zs, rtol=1e-10)
    nbrs = [set(w.neighbors[i]) for i in range(rows * cols)]
    np.testing.assert_allclose(got["z"].to_numpy(), _gi_star_by_hand(counts * 1.0, nbrs))
    # rook and distance rules
    rook = hotspots(_points(x, y), cell_size=250, neighbours="rook").cells.sort_values("cell")
    w4 = lat2W(rows, cols, rook=True)
    ref = G_Local(counts.astype(float), w4, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(rook["z"].to_numpy(), ref.Zs, rtol=1e-10)
    wide = hotspots(_points(x, y), neighbours="distance", distance=500).cells.sort_values("cell")
    rc = np.array([divmod(i, cols) for i in range(rows * cols)])  # (row, col) per cell
    dist = np.hypot(*(rc[:, None, :] - rc[None, :, :]).transpose(2, 0, 1))  # in cells
    nb2 = [
        set(np.flatnonzero((dist[i] <= 2) & (np.arange(rows * cols) != i)))
        for i in range(rows * cols)
    ]
    np.testing.assert_allclose(wide["z"].to_numpy(), _gi_star_by_hand(counts * 1.0, nb2))


def test_gi_star_takes_a_graph_as_well_as_weights():
    w = lat2W(4, 5, rook=False)
    y = np.arange(20.0) ** 1.3
    ref = G_Local(y, w, transform="B", star=True, permutations=0).Zs
    np.testing.assert_allclose(gi_star(y, w), ref, rtol=1e-12)
    np.testing.assert_allclose(gi_star(y, Graph.from_W(w)), ref, rtol=1e-12)


def test_scattered_study_area_warns_nothing_and_reports_islands_in_words():
    """Two groups of cells and a lone cell: esda would warn about them; the result says it."""
    rng = np.random.default_rng(12)
    west = _uniform(rng, 400, cols=6, rows=6)
    x, y = X0 + 20 * 250 + rng.uniform(1, 6 * 250 - 1, 400), Y0 + rng.uniform(1, 6 * 250 - 1, 400)
    east = _points(x, y)
    lone = _points(np.array([X0 + 12 * 250 + 125.0] * 3), np.array([Y0 + 12 * 250 + 125.0] * 3))
    events = pd.concat([west, east, lone], ignore_index=True)
    area = pd.concat([west, east, lone], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = hotspots(events, study_area=area)
    assert len(res.cells) == 6 * 6 * 2 + 1
    assert any("1 cells have no neighbour" in w for w in res.warnings)
    assert "have no neighbour" in res.summary()
    # the same z-scores as esda's own Gi*, which warns about the disconnected groups
    cells = res.cells
    w = DistanceBand(
        cells[["x", "y"]].to_numpy(), threshold=250 * np.sqrt(2) * (1 + 1e-6), silence_warnings=True
    )
    with pytest.warns(UserWarning, match="not fully connected"):
        ref = G_Local(cells["events"].to_numpy(float), w, transform="B", star=True, permutations=0)
    np.testing.assert_allclose(cells["z"].to_numpy(), ref.Zs, rtol=1e-10)


def test_gi_star_refuses_a_constant_surface():
    w = lat2W(3, 3)
    with pytest.raises(AnalysisInputError, match="same count"):
        gi_star(np.ones(9), w)


def test_count_p_values_poisson_and_negative_binomial():
    up, lo = count_p_values(np.array([20.0]), np.array([9]), mean=1.0, variance=1.0)
    assert up[0] == pytest.approx(stats.poisson.sf(19, 9))
    assert lo[0] == pytest.approx(stats.poisson.cdf(20, 9))
    # over-dispersed: mean 2, variance 6 -> size 1, p 1/3; the sum of 4 is NB(4, 1/3)
    up, _ = count_p_values(np.array([15.0]), np.array([4]), mean=2.0, variance=6.0)
    assert up[0] == pytest.approx(stats.nbinom.sf(14, 4, 1 / 3))


def test_planted_hot_cells_are_found():
    rng = np.random.default_rng(5)
    base = _uniform(rng, 4000)
    hot_cells = [(5, 7), (22, 30), (33, 12)]  # (row, col)
    extra = []
    for r, c in hot_cells:
        x = rng.uniform(X0 + c * 250 + 20, X0 + (c + 1) * 250 - 20, 30)
        y = rng.uniform(Y0 + r * 250 + 20, Y0 + (r + 1) * 250 - 20, 30)
        extra.append(_points(x, y))
    res = hotspots(pd.concat([base, *extra], ignore_index=True), cell_size=250)
    hot = set(res.hot_cells()["cell"])
    planted = {r * res.grid.n_cols + c for r, c in hot_cells}
    assert planted <= hot
    # nothing far from a planted cell is flagged
    rc = res.cells.set_index("cell").loc[sorted(hot), ["row", "col"]].to_numpy()
    assert all(min(max(abs(r - pr), abs(c - pc)) for pr, pc in hot_cells) <= 1 for r, c in rc)
    text = res.summary()
    assert "hot spot" in text and "nan" not in text.lower()
    table = res.table().data
    assert table.columns[0] == "Cell" and len(table) == len(hot)
    assert table.index.tolist() == list(range(len(table)))


@pytest.mark.slow
def test_a_uniform_department_has_no_hot_cell_in_90_of_100_replications():
    quiet = 0
    for rep in range(100):
        res = hotspots(_uniform(np.random.default_rng(1000 + rep), 2500), cell_size=250)
        quiet += not res.cells["significant"].any()
    assert quiet >= 90


@pytest.mark.slow
def test_a_uniform_rectangle_of_lat_lon_has_no_hot_cell_in_90_of_100_replications():
    """Cells on the edge are partly outside such a department: they may look cold, not hot."""
    quiet = 0
    for rep in range(100):
        rng = np.random.default_rng(2000 + rep)
        n = 20_000 if rep % 2 else 2_000
        ev = pd.DataFrame(
            {"lat": rng.uniform(38.60, 38.68, n), "lon": rng.uniform(-90.30, -90.18, n)}
        )
        quiet += hotspots(ev, cell_size=250).hot_cells().empty
    assert quiet >= 90


def test_without_fdr_chance_flags_cells_and_says_so():
    res = hotspots(_uniform(np.random.default_rng(3), 3000), fdr=False)
    assert res.cells["significant"].mean() > 0.005
    assert any("by chance" in w for w in res.warnings)
    assert (res.cells["q_value"] == res.cells["p_value"]).all()


def test_study_area_and_partner_counts_share_the_cells():
    rng = np.random.default_rng(8)
    ev = _uniform(rng, 500, cols=10, rows=10)
    area = _uniform(rng, 3000, cols=20, rows=20)
    ems = _uniform(rng, 200, cols=10, rows=10)
    ems["received_at"] = pd.Timestamp("2024-03-02")
    ems = ems.drop(columns="occurred_at")
    res = hotspots(ev, study_area=area, partners={"EMS runs": ems})
    assert len(res.cells) == 400
    assert res.cells["events"].sum() == 500
    assert res.cells["EMS runs"].sum() == 200
    cell = res.grid.locate(ems["lat"], ems["lon"])
    by_cell = pd.Series(cell).value_counts()
    got = res.cells.set_index("cell")["EMS runs"]
    assert (got.loc[by_cell.index] == by_cell).all()
    assert "EMS runs" in res.table().data.columns
    # the partner window follows the events' window
    later = hotspots(ev, partners={"EMS runs": ems}, start="2024-03-01", end="2024-03-01")
    assert later.cells["EMS runs"].sum() == 0


def test_grid_can_be_reused_so_cell_ids_match():
    rng = np.random.default_rng(9)
    a = _uniform(rng, 800)
    grid = Grid.covering(a["lat"], a["lon"], 250)
    b = hotspots(a.iloc[:300], grid=grid)
    assert b.grid == grid
    assert b.cells["cell"].max() < grid.n_cells


def test_chart_is_offline_and_follows_precision():
    res = hotspots(_uniform(np.random.default_rng(4), 1500))
    spec = res.chart(precision=2).to_dict()
    rows = [r for v in spec["datasets"].values() for r in v]
    assert rows and all(round(r["lat_min"], 2) == r["lat_min"] for r in rows)
    assert "tile" not in str(spec).lower() and "url" not in str(spec).lower()
    assert "<svg" in chart_to_svg(res.chart())


def test_bad_input_gets_clear_errors():
    ev = _uniform(np.random.default_rng(0), 50)
    with pytest.raises(AnalysisInputError, match="beat or block address"):
        hotspots(ev.drop(columns=["lat", "lon"]))
    zeros = ev.assign(lat=0.0, lon=0.0)
    with pytest.raises(AnalysisInputError, match="usable coordinates"):
        hotspots(zeros)
    with pytest.raises(AnalysisInputError, match="neighbours"):
        hotspots(ev, neighbours="bishop")
    with pytest.raises(AnalysisInputError, match="distance="):
        hotspots(ev, neighbours="distance", distance=100)
    with pytest.raises(AnalysisInputError, match="cell_size"):
        hotspots(ev, cell_size=0)
    with pytest.raises(AnalysisInputError, match="no events between"):
        hotspots(ev, start="2030-01-01")
    with pytest.raises(AnalysisInputError, match="inference"):
        hotspots(ev, inference="bayes")
