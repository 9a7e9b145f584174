"""Knox counts at a big city's volume: counted without listing pairs, tested by exact moments.

The Near Repeat Calculator's Monte Carlo test (:func:`cs360lib.analysis.near_repeat.knox_table`
with ``significance="monte carlo"``) counts every pair of events within the largest distance
band once for the observed dates and once per permutation, so its time grows with those pairs
times the permutations: about 4 ns a pair and date here, 2 minutes for the 271 million pairs of
a scale-50 sample department, hours for a big city's ten years. This module gives the same Knox
table and a p-value per cell without either:

* **Observed counts.** The pairs close in both space and time are counted day by day by
  dual-tree counting (:meth:`scipy.spatial.cKDTree.count_neighbors` between the events of
  day ``d`` and those of day ``d + k``, for every ``k`` up to the longest time band), which
  counts whole groups of points at once instead of listing pairs. The pairs further apart in
  time follow from each event's number of neighbours in each distance band (scikit-learn's
  ``KDTree.query_radius`` with ``count_only``, once per distinct location).
* **Significance.** The count ``X`` of a cell is ``sum over pairs i<j of a_ij * b_ij``, with
  ``a`` the pairs in its distance band and ``b`` those in its time band. Over the ``n!``
  ways of handing the dates to the events, its mean and variance are known exactly (Barton and
  David 1966; the Mantel 1967 test's moments):

  ``E[X] = S_a S_b / M`` and ``E[X^2] = S_a S_b / M + T_a T_b / (n (n-1) (n-2)) +
  4 D_a D_b / (n (n-1) (n-2) (n-3))``,

  with ``M = n (n-1) / 2`` pairs, ``S`` the pairs in the band, ``T = sum_i d_i (d_i - 1)``
  over each event's ``d_i`` pairs in the band (two pairs sharing an event) and ``D = S^2 - S -
  T`` (two pairs sharing none). The one-sided p-value is the normal approximation with a
  continuity correction, ``P(Z >= (x - 1/2 - E[X]) / sd(X))``. The mean is the Monte Carlo
  test's expected count; the normal approximation is the large-sample form of its
  permutation distribution, and is used where that holds: the counts it is chosen for run to
  thousands of pairs and more per cell.

The moments are worked out in exact integer and rational arithmetic, so a variance that is the
small difference of two numbers near 10^20 loses nothing.

References
----------
Barton, D. E., & David, F. N. (1966). The random intersection of two graphs. In F. N. David
(Ed.), *Research Papers in Statistics* (pp. 445-459). Wiley.
Mantel, N. (1967). The detection of disease clustering and a generalized regression approach.
*Cancer Research*, 27(2), 209-220.
Knox, E. G. (1964). The detection of space-time interactions. *Journal of the Royal Statistical
Society C*, 13(1), 25-30.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import numpy as np
from scipy.spatial import cKDTree

__all__ = [
    "close_pair_counts",
    "knox_by_moments",
    "permutation_moments",
    "space_degrees",
    "time_degrees",
    "upper_p_value",
]


def _band_degrees(cumulative: np.ndarray, n: int) -> np.ndarray:
    """Per-event pairs in each band from cumulative counts; a last column for beyond.

    ``cumulative`` has shape (n, bands): each event's other events within each band's upper
    limit. Returns shape (n, bands + 1).
    """
    within = np.diff(cumulative, axis=1, prepend=0)
    beyond = (n - 1) - cumulative[:, -1:]
    return np.hstack([within, beyond])


def _workers() -> int:
    """Threads for the counting: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def space_degrees(
    x: np.ndarray, y: np.ndarray, edges: np.ndarray, *, same_location: bool, manhattan: bool
) -> np.ndarray:
    """Each event's number of other events in each distance band.

    Parameters
    ----------
    x, y : numpy.ndarray, shape (n,)
        Projected coordinates, metres.
    edges : numpy.ndarray, shape (k,)
        Increasing upper limits of the bands, metres (closed above).
    same_location, manhattan : bool
        A band of its own for distance 0; city-block instead of straight-line distance.

    Returns
    -------
    numpy.ndarray of int64, shape (n, rows + 1)
        ``rows`` is ``k`` (plus one with ``same_location``); the last column counts the events
        beyond the largest band.

    Notes
    -----
    Counted once per distinct location (events at one address share their counts) with
    scikit-learn's k-d tree (``KDTree.query_radius(..., count_only=True)``), which counts a
    node of the tree that lies wholly within the distance at once, so that the time grows
    with the ring at the limit rather than the area within it (about 3 times faster than
    SciPy's ``query_ball_point`` at a big city's density); the locations are shared among
    threads, one per core. Events at the same location are counted from their multiplicity.
    """
    from sklearn.neighbors import KDTree

    n = x.size
    if n == 0:
        return np.zeros((0, edges.size + (1 if same_location else 0) + 1), dtype=np.int64)
    pts = np.column_stack([x, y])
    places, inverse, multiplicity = np.unique(pts, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    tree = KDTree(pts, metric="manhattan" if manhattan else "euclidean")
    chunks = np.array_split(places, max(1, min(64, places.shape[0] // 2048)))
    columns = [multiplicity - 1] if same_location else []
    with ThreadPoolExecutor(max_workers=_workers()) as pool:
        for r in edges:
            counted = pool.map(
                lambda part, r=float(r): tree.query_radius(part, r, count_only=True), chunks
            )
            columns.append(np.concatenate(list(counted)).astype(np.int64) - 1)
    cumulative = np.column_stack(columns)[inverse]
    return _band_degrees(cumulative, n)


def time_degrees(days: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Each event's number of other events in each time band (whole days, closed above).

    Parameters
    ----------
    days : numpy.ndarray of int, shape (n,)
        Event dates as whole days.
    edges : numpy.ndarray, shape (k,)
        Increasing upper limits of the bands, days; the first band includes 0 days.

    Returns
    -------
    numpy.ndarray of int64, shape (n, k + 1)
        The last column counts the events beyond the longest band.
    """
    t = np.sort(days)
    cumulative = np.empty((days.size, edges.size), dtype=np.int64)
    for k, e in enumerate(np.floor(edges)):
        cumulative[:, k] = (
            np.searchsorted(t, days + e, side="right")
            - np.searchsorted(t, days - e, side="left")
            - 1
        )
    return _band_degrees(cumulative, days.size)


def close_pair_counts(
    x: np.ndarray,
    y: np.ndarray,
    days: np.ndarray,
    s_edges: np.ndarray,
    t_edges: np.ndarray,
    *,
    same_location: bool,
    manhattan: bool,
) -> np.ndarray:
    """Pairs within the largest distance band and the longest time band, by band.

    Counted day by day without listing the pairs: the events of each day form a k-d tree, and
    :meth:`~scipy.spatial.cKDTree.count_neighbors` gives, for each day and each gap of ``k``
    days up to the longest band, the pairs within each distance limit at once.

    Returns
    -------
    numpy.ndarray of int64, shape (space rows, time bands)
        Space rows as :func:`space_degrees` (without the last, beyond).
    """
    radii = np.array(([0.0] if same_location else []) + [float(e) for e in s_edges])
    p = 1.0 if manhattan else 2.0
    longest = int(np.floor(t_edges[-1]))
    order = np.argsort(days, kind="stable")
    sorted_days = days[order]
    pts = np.column_stack([x[order], y[order]])
    day_values, starts = np.unique(sorted_days, return_index=True)
    stops = np.r_[starts[1:], sorted_days.size][: starts.size]
    trees = {int(d): cKDTree(pts[a:b]) for d, a, b in zip(day_values, starts, stops, strict=True)}

    def count_gap(gap: int) -> np.ndarray:
        total = np.zeros(radii.size, dtype=np.int64)
        for day, tree in trees.items():
            other = trees.get(day + gap)
            if other is None:
                continue
            counts = np.asarray(tree.count_neighbors(other, radii, p=p), dtype=np.int64)
            if gap == 0:  # ordered pairs of one day's events, each with itself included
                counts = (counts - tree.n) // 2
            total += counts
        return total

    with ThreadPoolExecutor(max_workers=_workers()) as pool:
        by_gap = np.vstack(list(pool.map(count_gap, range(longest + 1))))
    within_space = np.diff(by_gap, axis=1, prepend=0)  # (gaps, rows)
    gap_band = np.searchsorted(np.floor(t_edges), np.arange(longest + 1), side="left")
    out = np.zeros((radii.size, t_edges.size), dtype=np.int64)
    np.add.at(out.T, gap_band, within_space)
    return out


def _pair_moments(degrees: np.ndarray) -> tuple[list[int], list[int]]:
    """Per band: pairs ``S`` and ``T = sum_i d_i (d_i - 1)``, as exact Python integers."""
    pairs, two_paths = [], []
    for column in degrees.T:
        values, counts = np.unique(column, return_counts=True)
        total = sum(int(v) * int(c) for v, c in zip(values, counts, strict=True))
        squares = sum(int(v) * int(v) * int(c) for v, c in zip(values, counts, strict=True))
        pairs.append(total // 2)
        two_paths.append(squares - total)
    return pairs, two_paths


def permutation_moments(space: np.ndarray, time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact mean and variance of every Knox cell's count over all permutations of the dates.

    Parameters
    ----------
    space, time : numpy.ndarray of int, shapes (n, rows) and (n, columns)
        Each event's number of other events in each distance band and each time band, as
        :func:`space_degrees` and :func:`time_degrees` give them (each row sums to ``n - 1``).

    Returns
    -------
    mean, variance : numpy.ndarray of float, shape (rows, columns)
        Barton and David's (1966) moments of the number of pairs in both bands when the dates
        are handed to the events at random.
    """
    n = space.shape[0]
    s_pairs, s_paths = _pair_moments(space)
    t_pairs, t_paths = _pair_moments(time)
    m = n * (n - 1) // 2
    paths = n * (n - 1) * (n - 2)
    disjoint = n * (n - 1) * (n - 2) * (n - 3) // 4
    mean = np.zeros((len(s_pairs), len(t_pairs)))
    variance = np.zeros_like(mean)
    for r, (sa, ta) in enumerate(zip(s_pairs, s_paths, strict=True)):
        da = sa * sa - sa - ta
        for c, (sb, tb) in enumerate(zip(t_pairs, t_paths, strict=True)):
            db = sb * sb - sb - tb
            first = Fraction(sa * sb, m) if m else Fraction(0)
            second = first
            if paths:
                second += Fraction(ta * tb, paths)
            if disjoint:
                second += Fraction(da * db, disjoint)
            mean[r, c] = float(first)
            variance[r, c] = float(second - first * first)
    return mean, variance


def upper_p_value(observed: np.ndarray, mean: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """One-sided p-value of at least ``observed`` pairs: normal, with continuity correction.

    A cell whose count cannot vary (variance 0) gets 1: no permutation can give it more.
    """
    out = np.ones(observed.shape)
    for idx in np.ndindex(observed.shape):
        if variance[idx] > 0:
            z = (observed[idx] - 0.5 - mean[idx]) / math.sqrt(variance[idx])
            out[idx] = 0.5 * math.erfc(z / math.sqrt(2))
    return out


def knox_by_moments(
    x: np.ndarray,
    y: np.ndarray,
    days: np.ndarray,
    s_edges: np.ndarray,
    t_edges: np.ndarray,
    *,
    same_location: bool,
    manhattan: bool,
) -> dict[str, np.ndarray]:
    """Count the Knox table and test it by exact permutation moments and normal p-values.

    Parameters
    ----------
    x, y : numpy.ndarray, shape (n,)
        Projected coordinates, metres.
    days : numpy.ndarray of int, shape (n,)
        Event dates as whole days.
    s_edges, t_edges : numpy.ndarray
        Increasing upper limits of the distance bands (metres) and time bands (days).
    same_location, manhattan : bool
        As :func:`cs360lib.analysis.near_repeat.knox_table`.

    Returns
    -------
    dict
        ``observed`` (int64), ``expected`` and ``variance`` (exact permutation moments) and
        ``p_value``, each of shape (space rows + 1, time bands + 1), the last row and column
        being the pairs beyond the largest band.
    """
    space = space_degrees(x, y, s_edges, same_location=same_location, manhattan=manhattan)
    time = time_degrees(days, t_edges)
    close = close_pair_counts(
        x, y, days, s_edges, t_edges, same_location=same_location, manhattan=manhattan
    )
    row_pairs = space.sum(axis=0) // 2
    col_pairs = time.sum(axis=0) // 2
    observed = np.zeros((row_pairs.size, col_pairs.size), dtype=np.int64)
    observed[:-1, :-1] = close
    observed[:-1, -1] = row_pairs[:-1] - close.sum(axis=1)
    observed[-1, :] = col_pairs - observed[:-1, :].sum(axis=0)
    mean, variance = permutation_moments(space, time)
    return {
        "observed": observed,
        "expected": mean,
        "variance": variance,
        "p_value": upper_p_value(observed, mean, variance),
    }
