"""Near repeats: do events close in space also come close in time (Knox test, as the NRC).

After a burglary the houses next door run a raised risk for a few weeks (Townsley, Homel
& Chaseling 2003; Johnson et al. 2007). Ratcliffe's Near Repeat Calculator (NRC) tests for
that with the Knox method: every pair of events is classified by its distance in space
and in time into bands ("same location", "1 to 100 m", ... by "0 to 14 days", ...), and
the observed number of pairs in each cell of that table is compared with what would be
seen if the times were shuffled among the locations (so that space and time are
unrelated), by Monte Carlo permutation.

Conventions follow the NRC: distances between projected points (metres, Euclidean or
Manhattan), time distances in whole days between calendar dates, bands closed above
("1 to 100 m" is ``0 < d <= 100``, the first time band includes 0 days), a last row and
column for pairs beyond the largest band, and a one-sided p-value per cell,
``(1 + number of permutations with at least the observed count) / (1 + permutations)``.
The expected count in each cell is given exactly (the mean over every possible
permutation, ``N_space * N_time / N_pairs``), which is what the NRC's average over its
simulations estimates; the Knox ratio is observed over expected.

Only pairs within the largest distance band are enumerated (a k-d tree), and the counts
beyond it follow from the time-band totals over all pairs, which no permutation changes;
so a year of a city's burglaries runs in seconds. The pairs are enumerated in blocks and
counted for the observed dates and all permutations at once, so the memory is bounded
(:data:`PAIR_MEMORY`, :data:`DAYS_MEMORY`) however many pairs a dense city gives. The time
grows with those pairs times the permutations; above :data:`MONTE_CARLO_PAIR_DATES` (years of
a big city's events), the same table is counted without listing pairs and tested against the
exact mean and variance of every cell over all permutations, with a normal p-value
(:mod:`cs360lib.analysis.knox_moments`).

References
----------
Knox, E. G. (1964). The detection of space-time interactions. *Journal of the Royal
Statistical Society C*, 13(1), 25-30.
Ratcliffe, J. H. (2009). *Near Repeat Calculator* (version 1.3). Temple University,
Philadelphia, PA, and the National Institute of Justice, Washington, DC.
Johnson, S. D., et al. (2007). Space-time patterns of risk: a cross national assessment of
residential burglary victimization. *Journal of Quantitative Criminology*, 23(3), 201-219.
Townsley, M., Homel, R., & Chaseling, J. (2003). Infectious burglaries: a test of the near
repeat hypothesis. *British Journal of Criminology*, 43(3), 615-633.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from cs360lib.errors import AnalysisInputError
from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table

from ._format import count_text
from ._input import check_frame, in_window, located, time_column
from .grid import project, utm_crs
from .knox_moments import knox_by_moments

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

    from cs360lib.publish.tables import PresentationTable

__all__ = ["NearRepeatResult", "comparison_text", "knox_table", "near_repeat"]

PAIR_MEMORY = 64 * 2**20
"""Bytes of pair arrays held at a time by :func:`knox_table` (64 MiB).

The pairs of events within the largest distance band are enumerated in blocks of events,
each block giving at most about ``PAIR_MEMORY / 112`` pairs (their indices, coordinate
differences, distances and bands), and the pairs are counted for the observed dates and
every permutation at once, in chunks of about ``PAIR_MEMORY / (7 * (permutations + 1))``
pairs (two bytes a date); so the test's memory does not grow with the number of pairs.
The results do not depend on it."""

DAYS_MEMORY = 1024 * 2**20
"""Bytes of dates held at a time by :func:`knox_table` (1 GiB).

The observed dates and every permutation's dates are stored side by side, a row per event
(2 bytes a date when the dates span less than 89 years). When ``events * (permutations +
1)`` dates do not fit, the permutations are taken in groups (drawn in the same order from
the same generator) and the pairs are enumerated again for each group: up to about 5
million events with 99 permutations, one group."""

MONTE_CARLO_PAIR_DATES = 4 * 10**9
"""Pairs within the largest band times date columns above which ``significance="auto"`` uses
the exact permutation moments (4 billion: about 20 s of counting here, at about 4 ns a pair
and date; the 11 million pairs of a scale-10 sample department with 99 permutations stay
below, the 271 million of scale 50 go above). Under it, the Near Repeat Calculator's Monte
Carlo test."""

_PAIR_SAMPLE = 20_000
"""Events whose neighbours :func:`_pairs_within` counts at most (the rest is estimated)."""

SIGNIFICANCE = ("auto", "monte carlo", "normal")
"""How :func:`knox_table` tests each cell: ``"monte carlo"`` (the NRC's random permutations of
the dates), ``"normal"`` (exact permutation mean and variance, normal p-value:
:mod:`cs360lib.analysis.knox_moments`) or ``"auto"`` (Monte Carlo up to
:data:`MONTE_CARLO_PAIR_DATES`)."""

# bytes per pair while enumerating (the tree's i, j, v; global i, j; mask; dx, dy, dist;
# band); while counting, three dates and a flag per pair and date column
_ENUM_BYTES = 112


def _edges(values: Sequence[float], name: str, unit: str) -> np.ndarray:
    try:
        e = np.asarray([float(v) for v in values], dtype=float)
    except (TypeError, ValueError) as exc:
        raise AnalysisInputError(f"{name} must be numbers ({unit}), got {values!r}") from exc
    if e.size == 0 or not np.isfinite(e).all() or (e <= 0).any() or (np.diff(e) <= 0).any():
        raise AnalysisInputError(
            f"{name} must be increasing positive upper limits in {unit}, got {list(values)}"
        )
    return e


@dataclass(frozen=True)
class _Space:
    """Events sorted by x and the distance bands of their pairs."""

    x: np.ndarray
    y: np.ndarray
    edges: np.ndarray
    same_location: bool
    manhattan: bool

    def pair_blocks(self, max_pairs: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Yield ``(i, j, band)`` arrays of the pairs i < j within the largest band.

        Every pair comes exactly once. Blocks of consecutive events (in x order) whose
        neighbour counts sum to at most ``max_pairs`` (an event with more neighbours is a
        block of its own) are matched against a window of the events from the block's first
        to the last one within the largest band further in x, so that each pair is found
        from its first event only. When all pairs fit, one query of the whole tree.
        """
        n = self.x.size
        if n < 2:
            return
        p = 1.0 if self.manhattan else 2.0
        # a hair wider than the largest band, so that the tree's own rounding of distances
        # never drops a pair that ``_banded`` (the bands' own arithmetic) keeps
        radius = float(self.edges[-1])
        r_q = radius * (1 + 1e-9) + 1e-9
        pts = np.column_stack([self.x, self.y])
        tree = cKDTree(pts)
        nb = tree.query_ball_point(pts, r_q, p=p, return_length=True).astype(np.int64)
        if int(nb.sum()) <= max_pairs:
            pairs = tree.query_pairs(r=r_q, p=p, output_type="ndarray")
            yield self._banded(pairs[:, 0], pairs[:, 1], radius)
            return
        del tree
        cum = np.cumsum(nb)
        a = 0
        while a < n:
            b = max(a + 1, int(np.searchsorted(cum, cum[a] - nb[a] + max_pairs, side="right")))
            hi = int(np.searchsorted(self.x, self.x[b - 1] + r_q, side="right"))
            block, window = cKDTree(pts[a:b]), cKDTree(pts[a:hi])
            rec = block.sparse_distance_matrix(window, r_q, p=p, output_type="ndarray")
            i = rec["i"].astype(np.int64) + a
            j = rec["j"].astype(np.int64) + a
            del rec
            keep = j > i
            yield self._banded(i[keep], j[keep], radius)
            a = b

    def _banded(
        self, i: np.ndarray, j: np.ndarray, radius: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        dx, dy = self.x[i] - self.x[j], self.y[i] - self.y[j]
        dist = np.abs(dx) + np.abs(dy) if self.manhattan else np.hypot(dx, dy)
        del dx, dy
        inside = dist <= radius
        if not inside.all():
            i, j, dist = i[inside], j[inside], dist[inside]
        sb = np.searchsorted(self.edges, dist, side="left")
        if self.same_location:
            sb = np.where(dist == 0, 0, sb + 1)
        return i, j, sb


def _date_columns(
    days: np.ndarray, order: np.ndarray, rng: np.random.Generator, k0: int, k1: int
) -> np.ndarray:
    """Dates of the events (rows, in ``order``) for the columns ``k0`` to ``k1 - 1``.

    Column 0 holds the observed dates, column k the dates of the k-th permutation, drawn
    from ``rng`` (the caller asks for the columns in order, so the draws are those of one
    ``rng.permutation(n)`` per permutation in turn). ``days`` run from 0; 16-bit when they
    span less than 2**15 days (so that a difference of two never overflows).
    """
    span = int(days.max()) if days.size else 0
    out = np.empty((days.size, k1 - k0), dtype=_date_dtype(span))
    for c, k in enumerate(range(k0, k1)):
        out[:, c] = days[order] if k == 0 else days[rng.permutation(days.size)][order]
    return out


def _date_dtype(span: int) -> type[np.integer]:
    """Integer type of dates running from 0 to ``span`` days: 16-bit below 2**15 days."""
    return np.int16 if span < 2**15 else np.int64


def _count_pairs(space: _Space, dates: np.ndarray, t_edges: np.ndarray, n_rows: int) -> np.ndarray:
    """Pairs within the largest band by space and time band, for each column of dates.

    The pairs of a block are grouped by space band; in each group, chunk by chunk, the
    date differences of every column are compared with each time band's upper limit
    (whole days: ``|dt| <= e`` is ``|dt| <= floor(e)``) and the pairs within it summed per
    column, the counts per band being the differences of these cumulative counts.

    Returns an array of shape (date columns, space rows, time columns).
    """
    g = dates.shape[1]
    n_cols = t_edges.size + 1
    limits = np.minimum(np.floor(t_edges), np.iinfo(dates.dtype).max).astype(dates.dtype)
    chunk = max(1, PAIR_MEMORY // (g * (3 * dates.itemsize + 1)))
    out = np.zeros((n_rows, n_cols, g), dtype=np.int64)
    for i, j, sb in space.pair_blocks(max(1, PAIR_MEMORY // _ENUM_BYTES)):
        by_band = np.argsort(sb.astype(np.uint16), kind="stable")
        i, j, sb = i[by_band], j[by_band], sb[by_band]
        del by_band
        bounds = np.searchsorted(sb, np.arange(n_rows + 1), side="left")
        for row in range(n_rows):
            for a in range(int(bounds[row]), int(bounds[row + 1]), chunk):
                sl = slice(a, min(a + chunk, int(bounds[row + 1])))
                diff = dates[i[sl]]
                np.subtract(diff, dates[j[sl]], out=diff)
                np.abs(diff, out=diff)
                inside = np.empty(diff.shape, dtype=bool)
                below = np.zeros(g, dtype=np.int64)
                for col, limit in enumerate(limits):
                    np.less_equal(diff, limit, out=inside)
                    within = inside.sum(axis=0, dtype=np.int64)
                    out[row, col] += within - below
                    below = within
                out[row, -1] += diff.shape[0] - below
    return out.transpose(2, 0, 1)


def _time_totals(days: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Pairs of events per time band over all pairs (last entry: beyond the last band)."""
    t = np.sort(days)
    n = t.size
    # pairs with |dt| <= e: for each i, the j > i with t[j] <= t[i] + e
    within = np.array(
        [int((np.searchsorted(t, t + e, side="right") - np.arange(1, n + 1)).sum()) for e in edges],
        dtype=np.int64,
    )
    total = n * (n - 1) // 2
    return np.diff(np.r_[0, within, total])


def knox_table(
    x: np.ndarray,
    y: np.ndarray,
    days: np.ndarray,
    space_bands: Sequence[float],
    time_bands: Sequence[float],
    *,
    same_location: bool = True,
    metric: str = "euclidean",
    permutations: int = 99,
    seed: int = 0,
    significance: str = "auto",
) -> dict[str, np.ndarray]:
    """Knox counts of event pairs by space and time band, with permutation tests.

    Parameters
    ----------
    x, y : numpy.ndarray, shape (n,)
        Projected coordinates in metres.
    days : numpy.ndarray of int, shape (n,)
        Event dates as whole days (any origin).
    space_bands, time_bands : sequence of float
        Increasing upper limits of the bands, metres and days (closed above).
    same_location : bool, default True
        Give pairs at distance 0 a band of their own ("same location").
    metric : {"euclidean", "manhattan"}
        Distance between points.
    permutations : int, default 99
        Random shuffles of the dates among the events (0 for none).
    seed : int, default 0
        Seed of the shuffles.
    significance : {"auto", "monte carlo", "normal"}, default "auto"
        ``"monte carlo"``: the NRC's test, the count of each cell against ``permutations``
        random shuffles. ``"normal"``: against the exact mean and variance of the count over
        every shuffle (Barton and David 1966), with a normal p-value; no pair is listed, so
        its time grows far slower than the pairs (:mod:`cs360lib.analysis.knox_moments`).
        ``"auto"``: Monte Carlo unless the pairs within the largest band (estimated from
        20,000 events spread over the data above that many) times ``permutations + 1``
        exceed :data:`MONTE_CARLO_PAIR_DATES`.

    Returns
    -------
    dict
        ``observed``, ``expected`` (exact mean under permutation), ``simulated_mean`` (NaN
        under the normal test) and ``p_value`` (one-sided, more pairs than expected; NaN
        without permutations), each of shape (space rows + 1, time columns + 1), the last
        row and column being the pairs beyond the largest band; ``n_pairs``, the number of
        pairs, and ``n_close``, those within the largest distance band; and ``method``,
        ``"monte carlo"`` or ``"normal"``.

    Raises
    ------
    AnalysisInputError
        For bands that are not increasing positive numbers, an unknown metric or
        significance, or a negative number of permutations.

    Notes
    -----
    The pairs within the largest band are enumerated in blocks and counted for the observed
    dates and every permutation at once, so the memory held is bounded by
    :data:`PAIR_MEMORY` and :data:`DAYS_MEMORY` whatever the number of pairs; the time grows
    with the pairs times the permutations. The permutations are ``rng.permutation(n)`` of
    ``numpy.random.default_rng(seed)``, one per permutation in turn, so the results do not
    depend on the budgets.
    """
    s_edges = _edges(space_bands, "space_bands", "metres")
    t_edges = _edges(time_bands, "time_bands", "days")
    if metric not in ("euclidean", "manhattan"):
        raise AnalysisInputError(f"metric must be 'euclidean' or 'manhattan', got {metric!r}")
    if permutations < 0:
        raise AnalysisInputError(f"permutations must be 0 or more, got {permutations}")
    if significance not in SIGNIFICANCE:
        raise AnalysisInputError(
            f"significance must be one of {', '.join(map(repr, SIGNIFICANCE))}, "
            f"got {significance!r}"
        )
    days = np.asarray(days, dtype=np.int64)
    n = days.size
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if n:
        days = days - days.min()
    manhattan = metric == "manhattan"
    if significance == "normal" or (
        significance == "auto"
        and permutations
        and _pairs_within(x, y, float(s_edges[-1]), manhattan) * (permutations + 1)
        > MONTE_CARLO_PAIR_DATES
    ):
        moments = knox_by_moments(
            x, y, days, s_edges, t_edges, same_location=same_location, manhattan=manhattan
        )
        return {
            "observed": moments["observed"],
            "expected": moments["expected"],
            "simulated_mean": np.full(moments["expected"].shape, np.nan),
            "p_value": moments["p_value"],
            "n_pairs": np.asarray(n * (n - 1) // 2),
            "n_close": np.asarray(int(moments["observed"][:-1].sum())),
            "method": "normal",
        }
    span = int(days.max()) if n else 0
    order = np.argsort(x, kind="stable")
    space = _Space(x[order], y[order], s_edges, same_location, manhattan)
    n_rows = s_edges.size + (1 if same_location else 0)
    t_tot = _time_totals(days, t_edges)
    n_pairs = n * (n - 1) // 2

    def full(within: np.ndarray) -> np.ndarray:
        return np.vstack([within, t_tot - within.sum(axis=0)])

    # date columns: 0 the observed dates, k the k-th permutation's; as many at a time as
    # DAYS_MEMORY holds, each group counted over every pair
    itemsize = np.dtype(_date_dtype(span)).itemsize
    group = max(1, DAYS_MEMORY // max(1, n * itemsize))
    rng = np.random.default_rng(seed)
    observed = np.zeros((n_rows + 1, t_edges.size + 1), dtype=np.int64)
    at_least = np.zeros(observed.shape, dtype=np.int64)
    total = np.zeros(observed.shape, dtype=float)
    for k0 in range(0, permutations + 1, group):
        k1 = min(permutations + 1, k0 + group)
        dates = _date_columns(days, order, rng, k0, k1)
        counted = _count_pairs(space, dates, t_edges, n_rows)
        del dates
        for k, within in zip(range(k0, k1), counted, strict=True):
            if k == 0:
                observed = full(within)
                continue
            sim = full(within)
            at_least += sim >= observed
            total += sim
    s_tot = observed.sum(axis=1)
    expected = np.outer(s_tot, t_tot) / n_pairs if n_pairs else np.zeros_like(observed, float)
    p_value = np.full(observed.shape, np.nan)
    sim_mean = np.full(observed.shape, np.nan)
    if permutations:
        p_value = (1 + at_least) / (1 + permutations)
        sim_mean = total / permutations
    return {
        "observed": observed,
        "expected": expected,
        "simulated_mean": sim_mean,
        "p_value": p_value,
        "n_pairs": np.asarray(n_pairs),
        "n_close": np.asarray(int(observed[:-1].sum())),
        "method": "monte carlo",
    }


def _pairs_within(x: np.ndarray, y: np.ndarray, radius: float, manhattan: bool) -> int:
    """Pairs of events at most ``radius`` apart: counted, or estimated above 20,000 events.

    Up to :data:`_PAIR_SAMPLE` events every event's neighbours are counted (a k-d tree);
    above, those of an evenly spaced sample of that many events (every k-th in their order),
    scaled to all events: enough to choose the test's method, in about a second where a
    full count of a big city's pairs takes ten.
    """
    n = x.size
    if n < 2:
        return 0
    pts = np.column_stack([x, y])
    step = max(1, -(-n // _PAIR_SAMPLE))
    probe = pts[::step]
    found = cKDTree(pts).query_ball_point(
        probe, radius, p=1.0 if manhattan else 2.0, return_length=True
    )
    return int(round((float(found.sum()) - probe.shape[0]) * n / probe.shape[0] / 2))


def comparison_text(method: str, permutations: int) -> str:
    """Say what the Knox counts were compared with, for a council-facing sentence.

    ``"99 random shuffles of the dates"`` for the Monte Carlo test; for the normal test, the
    average and spread of every possible shuffle.
    """
    if method == "normal":
        return (
            "the average and spread of the counts over every possible shuffle of the dates "
            "(worked out exactly, as there are too many pairs to shuffle them one by one)"
        )
    return f"{permutations} random shuffles of the dates"


def _space_labels(edges: np.ndarray, same_location: bool) -> list[str]:
    labels = ["Same location"] if same_location else []
    lo = 0.0
    for k, e in enumerate(edges):
        first = "0" if (k == 0 and not same_location) else f"{lo + 1:g}" if lo else "1"
        labels.append(f"{first} to {e:g} m")
        lo = e
    labels.append(f"More than {edges[-1]:g} m")
    return labels


def _time_labels(edges: np.ndarray) -> list[str]:
    labels, lo = [], -1.0
    for e in edges:
        labels.append(f"{lo + 1:g} to {e:g} days")
        lo = e
    labels.append(f"More than {edges[-1]:g} days")
    return labels


@dataclass(frozen=True)
class NearRepeatResult(Result):
    """Result of :func:`near_repeat`.

    Attributes
    ----------
    observed, expected, ratio, p_value : pandas.DataFrame
        Space bands (rows, the last beyond the largest band) by time bands (columns, the
        last beyond the longest band): pairs observed, pairs expected with no space-time
        interaction, Knox ratio (observed / expected; NaN where none are expected) and the
        one-sided permutation p-value.
    simulated_mean : pandas.DataFrame
        Mean count over the permutations (the NRC's "expected"); NaN under the normal test.
    n_events, n_pairs, permutations, seed : int
        Events used, pairs of events, permutations and their seed.
    alpha : float
        Level at which a cell is called significant.
    crs : str
        Projected CRS of the distances.
    method : {"monte carlo", "normal"}
        How the p-values were found (:func:`knox_table`'s ``significance``).
    """

    observed: pd.DataFrame
    expected: pd.DataFrame
    ratio: pd.DataFrame
    p_value: pd.DataFrame
    simulated_mean: pd.DataFrame
    n_events: int
    n_pairs: int
    permutations: int
    seed: int
    alpha: float
    crs: str
    method: str = "monte carlo"
    labels = {"distance": "Distance"}

    def to_frame(self) -> pd.DataFrame:
        """One row per space band and time band.

        Columns ``space_band, time_band, observed, expected, simulated_mean, ratio,
        p_value, significant`` (more pairs than expected at ``alpha``).
        """
        long = []
        for name, df in (
            ("observed", self.observed),
            ("expected", self.expected),
            ("simulated_mean", self.simulated_mean),
            ("ratio", self.ratio),
            ("p_value", self.p_value),
        ):
            s = df.stack(future_stack=True).rename(name)
            long.append(s)
        out = pd.concat(long, axis=1).reset_index(names=["space_band", "time_band"])
        out["significant"] = (out["p_value"] <= self.alpha) & (out["ratio"] > 1)
        return out

    def near_cells(self) -> pd.DataFrame:
        """Significant cells with more pairs than expected, within the bands (not beyond)."""
        f = self.to_frame()
        inside = ~f["space_band"].str.startswith("More") & ~f["time_band"].str.startswith("More")
        return f.loc[f["significant"] & inside]

    def table(self) -> PresentationTable:
        """Return the Knox ratios as the NRC shows them, ``*`` for a significant excess.

        "none expected" where no pair could fall in a cell.
        """
        ratio, p = self.ratio, self.p_value
        text = pd.DataFrame(index=ratio.index, columns=ratio.columns, dtype=object)
        for r in ratio.index:
            for c in ratio.columns:
                v = ratio.loc[r, c]
                if not np.isfinite(v):
                    text.loc[r, c] = "none expected"
                else:
                    star = "*" if (p.loc[r, c] <= self.alpha and v > 1) else ""
                    text.loc[r, c] = f"{v:.2f}{star}"
        return presentation_table(text.reset_index(names="distance"), labels=self.labels)

    def summary(self) -> str:
        """Plain-language summary."""
        near = self.near_cells()
        base = (
            f"{count_text(self.n_events, 'event')} give {self.n_pairs:,} pairs. Pairs close in "
            "space were compared with pairs close in time, against "
            f"{comparison_text(self.method, self.permutations)}. "
        )
        if self.method == "monte carlo" and not self.permutations:
            text = base + "No shuffles were run, so no band can be called significant."
        elif near.empty:
            text = base + (
                "No distance and time band holds clearly more pairs than chance would give: "
                "there is no sign of a near-repeat pattern."
            )
        else:
            text = base + self._pattern(near)
        return "\n".join([text, *self.warning_lines()])

    def _pattern(self, near: pd.DataFrame) -> str:
        best = near.sort_values("ratio", ascending=False).iloc[0]
        return (
            f"{count_text(len(near), 'band')} hold clearly more pairs than chance would give "
            f"(p at most {self.alpha:g}). The strongest: {best['space_band'].lower()} and "
            f"{best['time_band']} apart, {best['ratio']:.1f} times as many pairs as "
            "expected. After an event, nearby places run a raised risk for a short time: "
            "a near-repeat pattern that a quick response (warning neighbours, patrols) can use."
        )

    def chart(self, *, title: str | None = None) -> alt.Chart:
        """Heat map of Knox ratios; significant cells are outlined and marked."""
        import altair as alt

        f = self.to_frame()
        f["label"] = [
            "" if not np.isfinite(r) else f"{r:.2f}{'*' if s else ''}"
            for r, s in zip(f["ratio"], f["significant"], strict=True)
        ]
        order_s = list(self.ratio.index)
        order_t = list(self.ratio.columns)
        base = alt.Chart(f, title=title or "Near repeats: Knox ratio (observed / expected pairs)")
        base = base.properties(width=100 * len(order_t), height=30 * len(order_s))
        heat = base.mark_rect().encode(
            x=alt.X(
                "time_band:N",
                sort=order_t,
                title="Time between events",
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("space_band:N", sort=order_s, title="Distance between events"),
            color=alt.Color(
                "ratio:Q",
                title="Knox ratio",
                scale=alt.Scale(scheme="redblue", domainMid=1, reverse=True),
            ),
            tooltip=[
                alt.Tooltip("observed:Q", title="Pairs"),
                alt.Tooltip("expected:Q", title="Expected", format=".1f"),
                alt.Tooltip("p_value:Q", title="p-value", format=".3f"),
            ],
        )
        text = base.mark_text(fontSize=11).encode(
            x=alt.X("time_band:N", sort=order_t),
            y=alt.Y("space_band:N", sort=order_s),
            text="label:N",
        )
        return heat + text


def near_repeat(
    events: pd.DataFrame,
    *,
    space_bands: Sequence[float] = (100, 200, 300, 400, 500),
    time_bands: Sequence[float] = (14, 28, 42, 56),
    same_location: bool = True,
    metric: str = "euclidean",
    permutations: int = 99,
    seed: int = 0,
    alpha: float = 0.05,
    start: object = None,
    end: object = None,
    time_col: str | None = None,
    crs: str | None = None,
    significance: str = "auto",
) -> NearRepeatResult:
    """Knox test for near repeats over space and time bands, as the Near Repeat Calculator.

    Parameters
    ----------
    events : pandas.DataFrame
        Events with ``lat``/``lon`` (WGS84) and an event time, as the loaders produce them.
    space_bands : sequence of float, default (100, 200, 300, 400, 500)
        Upper limits of the distance bands, metres.
    time_bands : sequence of float, default (14, 28, 42, 56)
        Upper limits of the time bands, whole days (two-week bands).
    same_location : bool, default True
        Separate band for pairs at the same coordinates (exact repeats).
    metric : {"euclidean", "manhattan"}, default "euclidean"
        Distance between points (the NRC offers both).
    permutations : int, default 99
        Monte Carlo shuffles of the dates (99 gives p-values down to 0.01).
    seed : int, default 0
        Seed of the shuffles, so a report is reproducible.
    alpha : float, default 0.05
        Level at which a cell is called significant.
    start, end : date-like, optional
        Window on the event time.
    time_col : str, optional
        Event-time column; by default the kind's own.
    crs : str, optional
        Projected CRS for distances; by default the events' UTM zone.
    significance : {"auto", "monte carlo", "normal"}, default "auto"
        The NRC's Monte Carlo test, or the exact permutation moments with a normal p-value
        for volumes where shuffling would take minutes to hours (:func:`knox_table`).

    Returns
    -------
    NearRepeatResult

    Raises
    ------
    AnalysisInputError
        For missing coordinates or times, a window with fewer than 3 located events, or bad
        bands or significance.
    """
    events = check_frame(events)
    tcol = time_column(events, time_col)
    if start is not None or end is not None:
        events = in_window(events, tcol, start, end)
    if not (0 < alpha < 1):
        raise AnalysisInputError(f"alpha must be between 0 and 1, got {alpha}")
    loc = located(events, minimum=3)
    notes = loc.warning()
    ev = loc.frame
    crs = crs or utm_crs(ev["lat"], ev["lon"])
    x, y = project(ev["lat"], ev["lon"], crs)
    day = ev[tcol].dt.normalize().to_numpy(dtype="datetime64[D]").astype(np.int64)
    raw = knox_table(
        x,
        y,
        day - day.min(),
        space_bands,
        time_bands,
        same_location=same_location,
        metric=metric,
        permutations=permutations,
        seed=seed,
        significance=significance,
    )
    method = str(raw["method"])
    rows = _space_labels(_edges(space_bands, "space_bands", "metres"), same_location)
    cols = _time_labels(_edges(time_bands, "time_bands", "days"))

    def frame(a: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(a, index=pd.Index(rows), columns=pd.Index(cols))

    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(raw["expected"] > 0, raw["observed"] / raw["expected"], np.nan)
    if method == "monte carlo" and permutations and permutations < 19:
        notes.append(
            f"With {permutations} permutations no p-value can fall below "
            f"{1 / (permutations + 1):.2f}; use 99 or more."
        )
    if method == "normal":
        notes.append(
            f"{int(raw['n_close']):,} pairs of events lie within {float(space_bands[-1]):g} m "
            f"of each other: too many to shuffle the dates {permutations} times in reasonable "
            "time, so the p-values come from the exact "
            "average and spread of every possible shuffle (a normal approximation, Barton and "
            "David 1966). With this many pairs, even a small excess is significant: read the "
            "Knox ratios for the size of the pattern."
        )
    return NearRepeatResult(
        observed=frame(raw["observed"]),
        expected=frame(raw["expected"]),
        ratio=frame(ratio),
        p_value=frame(raw["p_value"]),
        simulated_mean=frame(raw["simulated_mean"]),
        n_events=len(ev),
        n_pairs=int(raw["n_pairs"]),
        permutations=permutations,
        seed=seed,
        alpha=alpha,
        crs=crs,
        method=method,
        warnings=notes,
    )
