"""Hot spots on a grid of square cells: Getis-Ord Gi* with a false-discovery-rate correction.

Events are counted in square cells (size in metres, on a :class:`~cs360lib.analysis.grid.Grid`
in the local UTM zone). For each cell the Gi* statistic (Getis & Ord 1992; Ord & Getis
1995) compares the count in the cell and its neighbours (the cell itself included) with
the city-wide mean; its z-score is computed by :class:`esda.G_Local` (``star=True``, binary
weights) on :mod:`libpysal` distance-band weights: "queen" neighbours (the 8 touching cells),
"rook" (the 4 sharing a side) or every cell within ``distance`` metres.

Testing every cell at 5% would flag about 5% of cells in a city with no hot spot at all.
The p-values are therefore adjusted with the Benjamini-Hochberg false-discovery-rate
procedure, as Caldas de Castro and Singer (2006) recommend for local statistics and as
Esri's Hot Spot Analysis tool does; a cell is a hot (cold) spot when its adjusted p-value
(q) is at most ``alpha``. Confidence classes follow Esri's Gi_Bin (99%, 95%, 90%) on the
adjusted p-values. Hot spots and cold spots are adjusted as two separate families (each
on its one-sided p-value doubled, so each at ``alpha / 2`` in effect): otherwise the many
clear cold cells on the edge of a study area (cells partly outside it) would loosen the
adjustment for the hot ones.

Which p-values: the z-score's normal approximation (``inference="normal"``, esda's
``p_norm`` made two-sided) is poor for counts of a few events per cell: the sum over a
cell's neighbourhood is skewed, and at the tiny p-values that survive a false-discovery-rate
adjustment over thousands of cells the normal tail is far too thin (in a simulated city
with no hot spot and about one event per cell it flags a cell in about four runs out of
ten). The default ``inference="counts"`` keeps the two moments the z-score is built on
(the mean and variance of the cell counts, Ord & Getis 1995) but takes the neighbourhood
sum as a sum of independent negative binomial counts with those moments (Poisson when
the counts are not over-dispersed), whose right tail is skewed like real counts. The
moments are estimated on the cells with a full neighbourhood, since cells on the edge of
the study area are often only partly inside it. The z-score and the ranking of cells are
esda's in both cases.

References
----------
Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate: a practical and
powerful approach to multiple testing. *Journal of the Royal Statistical Society B*, 57(1),
289-300.
Caldas de Castro, M., & Singer, B. H. (2006). Controlling the false discovery rate: a new
application to account for multiple and dependent tests in local statistics of spatial
association. *Geographical Analysis*, 38(2), 180-208.
Getis, A., & Ord, J. K. (1992). The analysis of spatial association by use of distance
statistics. *Geographical Analysis*, 24(3), 189-206.
Ord, J. K., & Getis, A. (1995). Local spatial autocorrelation statistics: distributional
issues and an application. *Geographical Analysis*, 27(4), 286-306.
Chainey, S. (2014). Examining the extent to which hotspot analysis can support spatial
predictions of crime. PhD thesis, University College London (grid cells and Gi* for crime).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from cs360lib.errors import AnalysisInputError
from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table

from ._format import count_text
from ._input import check_frame, in_window, located, time_column
from .grid import Grid
from .maps import cell_map

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

    from cs360lib.publish.tables import PresentationTable

__all__ = [
    "CATEGORIES",
    "CATEGORY_COLORS",
    "HotspotResult",
    "count_p_values",
    "gi_star",
    "hotspots",
]

CATEGORIES: tuple[str, ...] = (
    "Hot spot, 99% confidence",
    "Hot spot, 95% confidence",
    "Hot spot, 90% confidence",
    "Not significant",
    "Cold spot, 90% confidence",
    "Cold spot, 95% confidence",
    "Cold spot, 99% confidence",
)
"""Cell classes, from Esri's Gi_Bin (+3 .. -3), on FDR-adjusted p-values."""

CATEGORY_COLORS: tuple[str, ...] = (
    "#b2182b",
    "#ef8a62",
    "#fddbc7",
    "#f0f0f0",
    "#d1e5f0",
    "#67a9cf",
    "#2166ac",
)
"""Map colour of each of :data:`CATEGORIES` (ColorBrewer RdBu, the neutral class light grey)."""
_NEIGHBOURS = ("queen", "rook", "distance")
_MAX_CELLS = 250_000


def _weights(x: np.ndarray, y: np.ndarray, threshold: float) -> object:
    from libpysal.weights import DistanceBand

    # silence_warnings: islands are reported in the result's own words (see `hotspots`)
    return DistanceBand(
        np.column_stack([x, y]), threshold=threshold, binary=True, silence_warnings=True
    )


def _with_self(w: object) -> object:
    """Binary weights ``w`` with each unit its own neighbour (weight 1): the Gi* weights.

    esda adds the diagonal itself for ``star=True``, but through a weights constructor that
    warns about islands and about cells that form several disconnected groups (a study area
    of scattered cells often does). Neither matters to a local statistic, and islands are
    reported in the result's own words; building the weights here with
    ``silence_warnings`` means no warning needs to be filtered.
    """
    from libpysal.weights import WSP, WSP2W, W

    if isinstance(w, W):
        full = w.sparse.tolil()
        full.setdiag(1.0)
        return WSP2W(WSP(full.tocsr(), id_order=w.id_order), silence_warnings=True)
    return w.assign_self_weight(1)


def gi_star(y: np.ndarray, w: object) -> np.ndarray:
    """Gi* z-scores of ``y`` on binary weights ``w`` (self included), via :class:`esda.G_Local`.

    Parameters
    ----------
    y : numpy.ndarray, shape (n,)
        Values per unit (counts per cell).
    w : libpysal.weights.W or libpysal.graph.Graph
        Binary neighbour weights without self-neighbours; each unit is added as its own
        neighbour with weight 1 (the "star" of Gi*).

    Returns
    -------
    numpy.ndarray, shape (n,)
        Standard normal z-scores (Ord & Getis 1995, eq. 14), positive for hot spots.

    Raises
    ------
    AnalysisInputError
        When every unit has the same value (the statistic is undefined).
    """
    from esda import G_Local

    y = np.asarray(y, dtype=float)
    if np.ptp(y) == 0:
        raise AnalysisInputError(
            "every cell has the same count, so no cell can stand out: Gi* is undefined"
        )
    # star=None: esda takes the self-weights of `_with_self` as they are (Gi*)
    g = G_Local(y, _with_self(w), transform="B", star=None, permutations=0)
    return np.asarray(g.Zs, dtype=float)


def count_p_values(
    sums: np.ndarray, k: np.ndarray, mean: float, variance: float
) -> tuple[np.ndarray, np.ndarray]:
    """Tail probabilities of neighbourhood sums of counts under a spatially random process.

    Each cell's count is taken as an independent draw from a negative binomial distribution
    with the given mean and variance (a Poisson distribution when the variance does not
    exceed the mean); the sum of ``k`` such draws is negative binomial with ``k`` times the
    size parameter (Poisson with ``k`` times the mean). These are the first two moments that
    the Gi* z-score uses (Ord & Getis 1995), with a skewed count distribution in place of
    the normal one.

    Parameters
    ----------
    sums : numpy.ndarray, shape (n,)
        Observed neighbourhood sums (the cell's own count included).
    k : numpy.ndarray of int, shape (n,)
        Cells in each neighbourhood, the cell itself included.
    mean, variance : float
        Mean and variance of the count of one cell under the null hypothesis.

    Returns
    -------
    upper, lower : numpy.ndarray of float, shape (n,)
        ``P(S >= s_i)`` and ``P(S <= s_i)``.

    References
    ----------
    Johnson, N. L., Kemp, A. W., & Kotz, S. (2005). *Univariate discrete distributions*
    (3rd ed.). Wiley (sums of negative binomial variables, section 5.1).
    """
    s = np.rint(np.asarray(sums, dtype=float))
    k = np.asarray(k, dtype=float)
    if mean <= 0:
        return np.ones(s.size), np.ones(s.size)
    if variance <= mean * (1 + 1e-9):
        mu = k * mean
        return stats.poisson.sf(s - 1, mu), stats.poisson.cdf(s, mu)
    size = mean * mean / (variance - mean)
    prob = size / (size + mean)
    return stats.nbinom.sf(s - 1, k * size, prob), stats.nbinom.cdf(s, k * size, prob)


def _categories(direction: np.ndarray, q: np.ndarray) -> np.ndarray:
    level = np.select([q <= 0.01, q <= 0.05, q <= 0.10], [3, 2, 1], 0) * direction
    return np.asarray(CATEGORIES, dtype=object)[3 - level]


@dataclass(frozen=True)
class HotspotResult(Result):
    """Result of :func:`hotspots`.

    Attributes
    ----------
    grid : Grid
        The grid (cell ids are comparable with any other analysis on the same grid).
    cells : pandas.DataFrame
        One row per cell of the study area: ``cell, col, row, x, y, lat, lon, lat_min,
        lat_max, lon_min, lon_max, events``, one count column per partner source, ``z``
        (Gi* z-score), ``p_value`` (two-sided), ``q_value`` (FDR-adjusted within the hot or
        the cold family, equal to ``p_value`` when ``fdr`` is False), ``significant`` and
        ``category`` (one of :data:`CATEGORIES`).
    alpha : float
        Significance level applied to ``q_value``.
    fdr : bool
        Whether the Benjamini-Hochberg adjustment was applied.
    neighbours : str
        "queen", "rook" or "distance".
    inference : str
        "counts" or "normal" (source of the p-values).
    threshold : float
        Neighbour distance between cell centres, metres.
    partners : tuple of str
        Names of the partner count columns.
    """

    grid: Grid
    cells: pd.DataFrame
    alpha: float
    fdr: bool
    neighbours: str
    inference: str
    threshold: float
    partners: tuple[str, ...] = ()
    labels = {
        "cell": "Cell",
        "centre": "Centre (lat, lon)",
        "events": "Events",
        "z": "Gi* z-score",
        "q_value": "Adjusted p-value",
        "category": "Class",
    }

    @property
    def n_events(self) -> int:
        """Events counted in the study area's cells."""
        return int(self.cells["events"].sum())

    def hot_cells(self) -> pd.DataFrame:
        """Significant hot cells, strongest first."""
        c = self.cells
        hot = c["category"].str.startswith("Hot")
        return c.loc[c["significant"] & hot].sort_values("z", ascending=False)

    def cold_cells(self) -> pd.DataFrame:
        """Significant cold cells, strongest first."""
        c = self.cells
        cold = c["category"].str.startswith("Cold")
        return c.loc[c["significant"] & cold].sort_values("z")

    def to_frame(self) -> pd.DataFrame:
        """Return the cells table (see the ``cells`` attribute)."""
        return self.cells.copy()

    def table(self, *, precision: int = 3) -> PresentationTable:
        """Return the significant hot cells, strongest first, with centre, counts and class.

        Parameters
        ----------
        precision : int, default 3
            Decimal places of the cell centres shown (3 is about 100 m).
        """
        hot = self.hot_cells()
        out = pd.DataFrame(
            {
                "cell": hot["cell"].to_numpy(),
                "centre": [
                    f"{la:.{precision}f}, {lo:.{precision}f}"
                    for la, lo in zip(hot["lat"], hot["lon"], strict=True)
                ],
                "events": hot["events"].to_numpy(),
                **{p: hot[p].to_numpy() for p in self.partners},
                "z": hot["z"].round(2).to_numpy(),
                "q_value": [_p(q) for q in hot["q_value"]],
                "category": hot["category"].to_numpy(),
            }
        )
        return presentation_table(out, labels=self.labels)

    def summary(self) -> str:
        """Plain-language summary."""
        c = self.cells
        hot, cold = self.hot_cells(), self.cold_cells()
        size = f"{self.grid.cell_size:g} m"
        text = (
            f"{count_text(self.n_events, 'event')} were counted in {len(c):,} grid cells of "
            f"{size} by {size}. "
        )
        if hot.empty:
            text += (
                "No cell is a statistically clear hot spot once the number of cells tested is "
                f"allowed for (false discovery rate {self.alpha:.0%}): the events are not "
                "clustered beyond what chance would produce."
            )
        else:
            share = hot["events"].sum() / max(self.n_events, 1)
            text += (
                f"{count_text(len(hot), 'cell')} ({len(hot) / len(c):.1%} of the area) "
                f"{'is a hot spot' if len(hot) == 1 else 'are hot spots'}: each, with its "
                "neighbours, has clearly more events than the city-wide average, allowing for "
                f"the number of cells tested. Together they hold {share:.0%} of the events."
            )
        if not cold.empty:
            text += f" {count_text(len(cold), 'cell')} are clearly quieter than average."
        return "\n".join([text, *self.warning_lines()])

    def chart(self, *, precision: int | None = None, title: str | None = None) -> alt.Chart:
        """Map of the cells with events or a significant class, coloured by class.

        More cells than :data:`~cs360lib.publish.charts.MAX_ROWS` are merged into blocks by
        :func:`~cs360lib.analysis.maps.cell_map`, each block taking the class of its cell with
        the largest absolute z-score.

        Parameters
        ----------
        precision : int, optional
            Decimal places kept in drawn coordinates (the privacy hook; see
            :mod:`cs360lib.analysis.maps`).
        title : str, optional
            Chart title.
        """
        c = self.cells
        show = c.loc[(c["events"] > 0) | c["significant"]]
        used = [k for k in CATEGORIES if k in set(show["category"])]
        colors = [CATEGORY_COLORS[CATEGORIES.index(k)] for k in used]
        return cell_map(
            show,
            "category",
            title=title or "Hot spots (Getis-Ord Gi*, false discovery rate controlled)",
            value_title="Cell",
            categories=used,
            colors=colors,
            rank="z",
            tooltip=[("events", "Events"), ("category", "Class")],
            precision=precision,
        )


def _p(p: float) -> str:
    return "below 0.001" if p < 0.001 else f"{p:.3f}"


def _partner_counts(
    partners: Mapping[str, pd.DataFrame],
    grid: Grid,
    index: pd.Series,
    start: object,
    end: object,
    notes: list[str],
) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, frame in partners.items():
        frame = check_frame(frame, name)
        if start is not None or end is not None:
            tcol = time_column(frame, None, name)
            try:
                frame = in_window(frame, tcol, start, end, name)
            except AnalysisInputError:
                notes.append(f"No {name} in the window: their count is 0 in every cell")
                out[name] = np.zeros(len(index), dtype=int)
                continue
        loc = located(frame, name)
        notes.extend(loc.warning(name))
        cell = grid.locate(loc.frame["lat"], loc.frame["lon"])
        pos = index.reindex(cell).to_numpy()
        inside = ~np.isnan(pos)
        if (~inside).any():
            notes.append(
                f"{int((~inside).sum()):,} {name} fall outside the study area and are not counted"
            )
        out[name] = np.bincount(pos[inside].astype(int), minlength=len(index)).astype(int)
    return out


def hotspots(
    events: pd.DataFrame,
    *,
    cell_size: float = 250.0,
    study_area: pd.DataFrame | None = None,
    grid: Grid | None = None,
    neighbours: str = "queen",
    distance: float | None = None,
    alpha: float = 0.05,
    fdr: bool = True,
    inference: str = "counts",
    partners: Mapping[str, pd.DataFrame] | None = None,
    start: object = None,
    end: object = None,
    time_col: str | None = None,
) -> HotspotResult:
    """Getis-Ord Gi* hot spots of events on a grid of square cells, FDR-controlled.

    Parameters
    ----------
    events : pandas.DataFrame
        Events with ``lat`` and ``lon`` (WGS84) as the loaders produce them.
    cell_size : float, default 250
        Side of a cell in metres (an engagement setting; 150-250 m is common for city
        blocks, Chainey 2014).
    study_area : pandas.DataFrame, optional
        Points (``lat``, ``lon``) whose cells make up the study area, for example every
        incident of every kind; the cells of ``events`` are always included. By default the
        whole rectangle around the events is the study area.
    grid : Grid, optional
        A grid to reuse (so cells match another analysis); by default the aligned grid
        covering the events and the study area in their UTM zone.
    neighbours : {"queen", "rook", "distance"}, default "queen"
        Neighbour rule: the 8 touching cells, the 4 sharing a side, or every cell whose
        centre is within ``distance`` metres.
    distance : float, optional
        Neighbour distance in metres for ``neighbours="distance"`` (at least ``cell_size``).
    alpha : float, default 0.05
        False discovery rate (or significance level when ``fdr`` is False).
    fdr : bool, default True
        Adjust p-values by Benjamini-Hochberg (recommended; without it about ``alpha`` of
        all cells are flagged by chance).
    inference : {"counts", "normal"}, default "counts"
        Source of the p-values: a count distribution for the neighbourhood sum with the
        cells' mean and variance (:func:`count_p_values`), or the normal approximation of
        the z-score (esda's ``p_norm``), which flags too many cells when counts are small
        (see the module docstring).
    partners : mapping of str to pandas.DataFrame, optional
        Partner point data (EMS runs, 311 requests, calls for service) with ``lat``/``lon``
        and a time column, counted in the same cells and window: one column per name.
    start, end : date-like, optional
        Window on the event time (applied to the partner data too).
    time_col : str, optional
        Event-time column of ``events``; by default the kind's own.

    Returns
    -------
    HotspotResult

    Raises
    ------
    AnalysisInputError
        For missing coordinates, a window without events, a bad setting, or a study area
        of more than 250,000 cells.
    """
    events = check_frame(events)
    if start is not None or end is not None:
        events = in_window(events, time_column(events, time_col), start, end)
    if neighbours not in _NEIGHBOURS:
        raise AnalysisInputError(f"neighbours must be one of {_NEIGHBOURS}, got {neighbours!r}")
    if not (0 < alpha < 1):
        raise AnalysisInputError(f"alpha must be between 0 and 1, got {alpha}")
    if inference not in ("counts", "normal"):
        raise AnalysisInputError(f"inference must be 'counts' or 'normal', got {inference!r}")
    loc = located(events, minimum=3)
    notes = loc.warning()
    ev = loc.frame
    area = None
    if study_area is not None:
        area = located(check_frame(study_area, "study_area"), "study_area points").frame
    if grid is None:
        lat = ev["lat"] if area is None else pd.concat([ev["lat"], area["lat"]])
        lon = ev["lon"] if area is None else pd.concat([ev["lon"], area["lon"]])
        grid = Grid.covering(lat, lon, cell_size)
    size = grid.cell_size
    if neighbours == "distance":
        if distance is None or not math.isfinite(distance) or distance < size:
            raise AnalysisInputError(
                f"neighbours='distance' needs distance= in metres of at least the cell size "
                f"({size:g}), got {distance!r}"
            )
        threshold = float(distance)
    else:
        threshold = size * (math.sqrt(2) if neighbours == "queen" else 1.0)
    ev_cell = grid.locate(ev["lat"], ev["lon"])
    outside = ev_cell < 0
    if outside.any():
        notes.append(f"{int(outside.sum()):,} events fall outside the grid and are not counted")
        ev_cell = ev_cell[~outside]
    if area is None:
        if grid.n_cells > _MAX_CELLS:
            raise AnalysisInputError(
                f"the rectangle around the events holds {grid.n_cells:,} cells of {size:g} m: "
                "use a larger cell_size or pass study_area="
            )
        ids = np.arange(grid.n_cells)
    else:
        area_cell = grid.locate(area["lat"], area["lon"])
        ids = np.union1d(area_cell[area_cell >= 0], ev_cell)
        if ids.size > _MAX_CELLS:
            raise AnalysisInputError(
                f"the study area holds {ids.size:,} cells of {size:g} m: use a larger cell_size"
            )
    index = pd.Series(np.arange(ids.size), index=ids)
    y = np.bincount(index.loc[ev_cell].to_numpy(), minlength=ids.size).astype(float)
    cells = grid.cells(ids)
    cells["events"] = y.astype(int)
    partner_names: tuple[str, ...] = ()
    if partners:
        counts = _partner_counts(partners, grid, index, start, end, notes)
        partner_names = tuple(counts)
        for name, v in counts.items():
            cells[name] = v
    w = _weights(cells["x"].to_numpy(), cells["y"].to_numpy(), threshold * (1 + 1e-6))
    islands = len(getattr(w, "islands", []))
    if islands:
        notes.append(
            f"{islands:,} cells have no neighbour in the study area; their Gi* uses the cell alone"
        )
    z = gi_star(y, w)
    if inference == "counts":
        adj = w.sparse.tocsr()
        k = np.asarray(adj.sum(axis=1)).ravel().astype(int) + 1
        interior = k == k.max()
        ref = y[interior] if interior.sum() >= 30 else y
        upper, lower = count_p_values(adj @ y + y, k, float(ref.mean()), float(ref.var()))
    else:
        upper, lower = stats.norm.sf(z), stats.norm.cdf(z)
    hot = upper <= lower
    p = np.minimum(1.0, 2.0 * np.minimum(upper, lower))
    if fdr:
        q_hot = stats.false_discovery_control(np.minimum(1.0, 2.0 * upper), method="bh")
        q_cold = stats.false_discovery_control(np.minimum(1.0, 2.0 * lower), method="bh")
        q = np.where(hot, q_hot, q_cold)
    else:
        q = p
    cells["z"] = z
    cells["p_value"] = p
    cells["q_value"] = q
    cells["significant"] = q <= alpha
    cells["category"] = _categories(np.where(hot, 1, -1), q)
    if y.sum() < 30:
        notes.append(
            f"Only {count_text(int(y.sum()), 'event')} on the map: too few for hot spots to "
            "be reliable."
        )
    if not fdr:
        notes.append(
            f"Without the false-discovery-rate adjustment about {alpha:.0%} of cells are "
            "flagged by chance alone."
        )
    return HotspotResult(
        grid=grid,
        cells=cells,
        alpha=alpha,
        fdr=fdr,
        neighbours=neighbours,
        inference=inference,
        threshold=threshold,
        partners=partner_names,
        warnings=notes,
    )
