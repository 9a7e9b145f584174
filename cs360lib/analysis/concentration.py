"""How concentrated are events on a few places: 80-20 table, Lorenz curve, Gini.

Crime concentrates on a few places (Sherman, Gartin & Buerger 1989; Weisburd 2015): the
80-20 table shows the share of events on the top x% of places, in the manner of the
POP Center's "80-20 rule" tool guide (Clarke & Eck 2007) and Esri's Crime Analysis 80/20
tool, and the Lorenz curve and the Gini coefficient summarise the whole distribution.

When there are more places than events (street blocks and a rare offense) even the most
even spread possible leaves most places at zero, so the ordinary Gini is close to 1 by
construction. Bernasco and Steenbeek (2017) compare the Lorenz curve with the line of
*maximal* equality given the data (every event at a different place) instead; their
generalized Gini is

``G' = 1 - max(1, N / C) * (1 - G)``

for ``N`` places and ``C`` events, equal to ``G`` when ``C >= N``. The optional
small-sample correction multiplies by ``m / (m - 1)`` with ``m = min(N, C)`` (Deltas 2003;
as in Bernasco and Steenbeek's ``lorenzgini`` R package).

Places with no events count: pass the list of all places (every block of the city) as
``places``, or the Gini only describes places that had at least one event.

References
----------
Bernasco, W., & Steenbeek, W. (2017). More places than crimes: implications for evaluating
the law of crime concentration at place. *Journal of Quantitative Criminology*, 33(3),
451-467. https://doi.org/10.1007/s10940-016-9324-7
Clarke, R. V., & Eck, J. E. (2007). *Understanding risky facilities*. Problem-Oriented
Guides for Police, Problem-Solving Tools Series No. 6. COPS Office (the 80-20 rule).
Deltas, G. (2003). The small-sample bias of the Gini coefficient. *Review of Economics and
Statistics*, 85(1), 226-234.
Efron, B., & Tibshirani, R. J. (1993). *An introduction to the bootstrap*. Chapman & Hall
(percentile intervals, chapter 13).
Weisburd, D. (2015). The law of crime concentration and the criminology of place.
*Criminology*, 53(2), 133-157.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cs360lib.errors import AnalysisInputError
from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table

from ._format import count_text, share_text
from ._input import check_columns, check_frame, in_window, time_column

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

    from cs360lib.publish.tables import PresentationTable

__all__ = [
    "DEFAULT_SHARES",
    "ConcentrationResult",
    "concentration",
    "generalized_gini",
    "gini",
    "lorenz_curve",
]

DEFAULT_SHARES: tuple[float, ...] = (0.01, 0.02, 0.05, 0.10, 0.20, 0.25, 0.50)
"""Shares of places in the 80-20 table (top 1%, 2%, ... of places)."""

_LORENZ_POINTS = 400
"""Most points drawn on a Lorenz curve (the curve is concave, so this loses nothing visible)."""


def _counts_array(counts: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    x = np.asarray(counts, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise AnalysisInputError("counts must be a non-empty 1-D sequence of counts per place")
    if not np.isfinite(x).all() or (x < 0).any():
        raise AnalysisInputError("counts must be finite numbers >= 0 (one count per place)")
    if x.sum() <= 0:
        raise AnalysisInputError("every count is zero: there is no concentration to measure")
    return x


def _gini_sorted(x: np.ndarray) -> np.ndarray:
    """Compute the population Gini of each row of ``x`` (sorted ascending along the last axis)."""
    n = x.shape[-1]
    total = x.sum(axis=-1)
    rank = np.arange(1, n + 1, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (2.0 * (x * rank).sum(axis=-1) / (n * total)) - (n + 1.0) / n


def _generalize(g: np.ndarray, n: int, c: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1.0 - np.maximum(1.0, n / c) * (1.0 - g)


def _unbias(g: np.ndarray, m: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(m > 1, g * m / (m - 1.0), np.nan)


def gini(counts: Sequence[float] | np.ndarray | pd.Series, *, unbiased: bool = False) -> float:
    """Gini coefficient of counts per place.

    ``G = 2 * sum_i(i * x_(i)) / (n * sum(x)) - (n + 1) / n`` with the counts sorted
    ascending: one minus twice the area under the Lorenz curve. 0 when every place has the
    same count; ``1 - 1/n`` when one place has everything.

    Parameters
    ----------
    counts : array-like of float, shape (n,)
        Events per place, zeros included (one entry per place).
    unbiased : bool, default False
        Multiply by ``n / (n - 1)`` (Deltas 2003) so that all events on one place gives 1.

    Returns
    -------
    float

    Raises
    ------
    AnalysisInputError
        For an empty, negative or all-zero input.

    Examples
    --------
    >>> round(gini([10, 8, 2, 0, 0, 0, 0, 0, 0, 0]), 2)
    0.78
    """
    x = np.sort(_counts_array(counts))
    g = _gini_sorted(x)
    return float(_unbias(g, np.asarray(x.size)) if unbiased else g)


def generalized_gini(
    counts: Sequence[float] | np.ndarray | pd.Series, *, unbiased: bool = False
) -> float:
    """Generalized Gini of Bernasco and Steenbeek (2017) for sparse counts.

    ``G' = 1 - max(1, N / C) * (1 - G)`` for ``N`` places and ``C`` events: the area between
    the Lorenz curve and the line of maximal equality (each event at a different place),
    relative to the area above that line. Equal to :func:`gini` when ``C >= N``.

    Parameters
    ----------
    counts : array-like of float, shape (n,)
        Events per place, zeros included.
    unbiased : bool, default False
        Multiply by ``m / (m - 1)`` with ``m = min(N, C)``, as the authors' ``lorenzgini``
        package does.

    Returns
    -------
    float

    Raises
    ------
    AnalysisInputError
        For an empty, negative or all-zero input.

    Examples
    --------
    The package's worked example (10 places, 8 crimes):

    >>> round(generalized_gini([5, 2, 1, 0, 0, 0, 0, 0, 0, 0]), 2)
    0.75
    """
    x = np.sort(_counts_array(counts))
    n, c = x.size, x.sum()
    g = _generalize(_gini_sorted(x), n, np.asarray(c))
    return float(_unbias(g, np.asarray(min(n, c))) if unbiased else g)


def lorenz_curve(counts: Sequence[float] | np.ndarray | pd.Series) -> pd.DataFrame:
    """Lorenz curve of counts per place, places ranked from the most events to the fewest.

    Parameters
    ----------
    counts : array-like of float, shape (n,)
        Events per place, zeros included.

    Returns
    -------
    pandas.DataFrame
        ``n + 1`` rows from (0, 0) to (1, 1): ``places_share`` (share of places, most
        events first), ``events_share`` (their cumulative share of events) and
        ``maximal_equality`` (the Bernasco-Steenbeek line: ``min(1, places_share * N / C)``;
        the diagonal when there are at least as many events as places).
    """
    x = np.sort(_counts_array(counts))[::-1]
    n, c = x.size, x.sum()
    p = np.arange(n + 1) / n
    return pd.DataFrame(
        {
            "places_share": p,
            "events_share": np.r_[0.0, np.cumsum(x) / c],
            "maximal_equality": np.minimum(1.0, p * max(1.0, n / c)),
        }
    )


def _top_k(n: int, share: float) -> int:
    return max(1, min(n, int(math.floor(share * n + 0.5))))


def _interval(
    x: np.ndarray, statistic: str, unbiased: bool, n_boot: int, confidence: float, seed: int
) -> tuple[float, float] | None:
    """Percentile bootstrap interval, resampling places with replacement (as ``lorenzgini``).

    A resample of ``n`` places from counts with distinct values ``v_1 < ... < v_m`` (shares
    ``f_j``) is fully described by how many times each value is drawn, a multinomial
    ``(n, f)`` draw; the Gini of the sorted resample then follows from the rank sums of each
    block of equal values. This is the ordinary nonparametric bootstrap, computed in
    ``O(n_boot * m)`` instead of sorting ``n_boot`` resamples of ``n`` places.
    """
    n = x.size
    values, freq = np.unique(x, return_counts=True)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, freq / n, size=n_boot).astype(float)  # (B, m)
    ranks_hi = np.cumsum(draws, axis=1)
    ranks_lo = ranks_hi - draws
    rank_sum = (ranks_hi * (ranks_hi + 1) - ranks_lo * (ranks_lo + 1)) / 2.0
    total = draws @ values
    ok = total > 0
    if ok.sum() < max(10, n_boot // 2):
        return None
    rank_sum, total = rank_sum[ok], total[ok]
    with np.errstate(invalid="ignore", divide="ignore"):
        g = 2.0 * (rank_sum @ values) / (n * total) - (n + 1.0) / n
    if statistic == "generalized":
        g = _generalize(g, n, total)
        m = np.minimum(n, total)
    else:
        m = np.full_like(total, n)
    if unbiased:
        g = _unbias(g, m)
    g = g[np.isfinite(g)]
    if g.size < 10:
        return None
    tail = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(g, [tail, 1.0 - tail])
    return float(lo), float(hi)


@dataclass(frozen=True)
class ConcentrationResult(Result):
    """Result of :func:`concentration`.

    Attributes
    ----------
    place : str
        The column that names a place (``"address"``, ``"beat"``, a cell id).
    counts : pandas.Series
        Events per place (zeros included), most events first, ties by place name.
    gini, generalized_gini : float
        Gini and generalized Gini (equal when events outnumber places).
    gini_interval, generalized_gini_interval : tuple of float or None
        Bootstrap percentile intervals (None when the data are too few to resample).
    confidence : float
        Confidence level of the intervals.
    shares : tuple of float
        Shares of places in the 80-20 table.
    unbiased : bool
        Whether the small-sample correction was applied.
    n_boot, seed : int
        Bootstrap resamples and seed.
    """

    place: str
    counts: pd.Series
    gini: float
    generalized_gini: float
    gini_interval: tuple[float, float] | None
    generalized_gini_interval: tuple[float, float] | None
    confidence: float
    shares: tuple[float, ...]
    unbiased: bool
    n_boot: int
    seed: int
    labels = {
        "measure": "Places",
        "places": "Number of places",
        "events": "Events",
        "events_share": "Share of events",
    }

    @property
    def n_places(self) -> int:
        """Number of places, with or without events."""
        return int(self.counts.size)

    @property
    def n_events(self) -> int:
        """Number of events placed."""
        return int(self.counts.sum())

    @property
    def n_places_with_events(self) -> int:
        """Places with at least one event."""
        return int((self.counts > 0).sum())

    @property
    def sparse(self) -> bool:
        """True when places outnumber events (the generalized Gini is the fairer measure)."""
        return self.n_places > self.n_events

    def top(self, k: int = 10) -> pd.DataFrame:
        """Return the ``k`` places with the most events (rank, place, events, share)."""
        return self.to_frame().head(k)

    def places_for(self, share: float) -> int:
        """Fewest places that together hold at least ``share`` of the events."""
        cum = np.cumsum(self.counts.to_numpy(dtype=float)) / self.n_events
        return int(np.searchsorted(cum, share - 1e-12) + 1)

    def to_frame(self) -> pd.DataFrame:
        """One row per place, most events first.

        Columns ``rank, <place>, events, share, cumulative_share, places_share`` (the share
        of places ranked at or above this one).
        """
        x = self.counts.to_numpy(dtype=float)
        n = x.size
        return pd.DataFrame(
            {
                "rank": np.arange(1, n + 1),
                self.place: self.counts.index.to_numpy(),
                "events": self.counts.to_numpy(),
                "share": x / self.n_events,
                "cumulative_share": np.cumsum(x) / self.n_events,
                "places_share": np.arange(1, n + 1) / n,
            }
        )

    def eighty_twenty(self) -> pd.DataFrame:
        """Tabulate events on the top x% of places, and the places needed for x% of events.

        Returns
        -------
        pandas.DataFrame
            One row per share in ``shares`` (``measure`` "top 10% of places"):
            ``places_share`` (the share actually taken: a whole number of places, at least
            one), ``places``, ``events``, ``events_share``; then rows "places holding 50% of
            events" and "... 80% ..." with the number and share of places they need.
        """
        x = self.counts.to_numpy(dtype=float)
        cum = np.cumsum(x)
        rows = []
        for s in self.shares:
            k = _top_k(self.n_places, s)
            rows.append(
                {
                    "measure": f"top {s:.0%} of places" if s >= 0.01 else f"top {s:.1%}",
                    "places_share": k / self.n_places,
                    "places": k,
                    "events": int(cum[k - 1]),
                    "events_share": cum[k - 1] / self.n_events,
                }
            )
        for s in (0.5, 0.8):
            k = self.places_for(s)
            rows.append(
                {
                    "measure": f"places holding {s:.0%} of events",
                    "places_share": k / self.n_places,
                    "places": k,
                    "events": int(cum[k - 1]),
                    "events_share": cum[k - 1] / self.n_events,
                }
            )
        return pd.DataFrame(rows)

    def lorenz(self) -> pd.DataFrame:
        """Return the Lorenz curve (see :func:`lorenz_curve`)."""
        return lorenz_curve(self.counts.to_numpy(dtype=float))

    def table(self) -> PresentationTable:
        """Return the 80-20 table (:meth:`eighty_twenty`) in words."""
        t = self.eighty_twenty()
        noun = _plural(self.place)
        out = pd.DataFrame(
            {
                "measure": [
                    m.replace("top", "Top").replace("places", noun)
                    if m.startswith("top")
                    else m.replace("places", noun.capitalize())
                    for m in t["measure"]
                ],
                "places": t["places"],
                "events": t["events"],
                "events_share": [share_text(e, self.n_events) for e in t["events"]],
            }
        )
        return presentation_table(out, labels={**self.labels, "places": f"Number of {noun}"})

    def summary(self) -> str:
        """Plain-language summary for a community audience."""
        noun = _plural(self.place)
        k10 = _top_k(self.n_places, 0.10)
        top10 = float(self.counts.iloc[:k10].sum())
        half = self.places_for(0.5)
        text = (
            f"{count_text(self.n_events, 'event')} fell on "
            f"{self.n_places_with_events:,} of {self.n_places:,} {noun}. The top 10% of {noun} "
            f"({k10:,}) hold {share_text(top10, self.n_events)} of the events, and half of all "
            f"events happen on {half:,} {noun} ({share_text(half, self.n_places)} of them). "
        )
        text += (
            f"The Gini coefficient, on a scale from 0 (every place has the same number of "
            f"events) to 1 (all events in one place), is {self.gini:.2f}"
            f"{_ci(self.gini_interval, self.confidence)}."
        )
        if self.sparse:
            text += (
                f" There are more {noun} than events, so even the most even spread possible "
                "leaves most of them at zero; the generalized Gini (Bernasco and Steenbeek "
                "2017), which allows for that, is the fairer measure: "
                f"{self.generalized_gini:.2f}"
                f"{_ci(self.generalized_gini_interval, self.confidence)}."
            )
        return "\n".join([text, *self.warning_lines()])

    def chart(self, *, title: str | None = None) -> alt.Chart:
        """Lorenz curve with the line of equality (and of maximal equality when sparse)."""
        import altair as alt

        curve = self.lorenz()
        n = len(curve)
        if n > _LORENZ_POINTS:
            keep = np.unique(np.r_[np.linspace(0, n - 1, _LORENZ_POINTS).round().astype(int)])
            curve = curve.iloc[keep]
        lines = [curve.assign(line="Observed", value=curve["events_share"])]
        lines.append(curve.assign(line="Perfect equality", value=curve["places_share"]))
        if self.sparse:
            lines.append(curve.assign(line="Maximal equality", value=curve["maximal_equality"]))
        data = pd.concat(lines, ignore_index=True)[["places_share", "value", "line"]]
        noun = _plural(self.place)
        return (
            alt.Chart(data, title=title or f"Concentration of events on {noun}")
            .mark_line()
            .encode(
                x=alt.X(
                    "places_share:Q", title=f"Share of {noun} (most events first)", axis=_pct()
                ),
                y=alt.Y("value:Q", title="Cumulative share of events", axis=_pct()),
                color=alt.Color("line:N", title=None),
                strokeDash=alt.StrokeDash("line:N", legend=None),
            )
        )


def _pct() -> object:
    import altair as alt

    return alt.Axis(format="%")


def _ci(interval: tuple[float, float] | None, confidence: float) -> str:
    if interval is None:
        return " (too few data for an interval)"
    d = 2 if interval[1] - interval[0] >= 0.02 else 3
    return f" ({confidence:.0%} interval {interval[0]:.{d}f} to {interval[1]:.{d}f})"


def _plural(place: str) -> str:
    return {
        "address": "blocks",
        "beat": "beats",
        "district": "districts",
        "cell": "grid cells",
        "area": "areas",
    }.get(place, "places")


def concentration(
    events: pd.DataFrame,
    *,
    place: str = "address",
    places: Sequence[object] | pd.Index | None = None,
    start: object = None,
    end: object = None,
    time_col: str | None = None,
    shares: Sequence[float] = DEFAULT_SHARES,
    unbiased: bool = False,
    n_boot: int = 999,
    confidence: float = 0.95,
    seed: int = 0,
) -> ConcentrationResult:
    """Concentration of events on places: 80-20 table, Lorenz curve, Gini and generalized Gini.

    Parameters
    ----------
    events : pandas.DataFrame
        Events as the loaders produce them (one row per event).
    place : str, default "address"
        Column naming the place of an event: ``"address"`` (block), ``"beat"``,
        ``"district"``, or a cell id.
    places : sequence, optional
        Every place that could have had an event (all blocks of the city). Places in this
        list without events count as zeros; without it only places with at least one event
        are known and the Gini describes those alone (a warning says so).
    start, end : date-like, optional
        Window on the event time (``end`` includes its whole day).
    time_col : str, optional
        Event-time column; by default the kind's own (``occurred_at`` for incidents).
        Only used when ``start`` or ``end`` is given.
    shares : sequence of float
        Shares of places (0 < s <= 1) in the 80-20 table.
    unbiased : bool, default False
        Apply the small-sample correction (see :func:`gini`, :func:`generalized_gini`).
        The default is the population Gini, one minus twice the area under the curve.
    n_boot : int, default 999
        Bootstrap resamples for the intervals (0 for none).
    confidence : float, default 0.95
        Confidence level of the intervals.
    seed : int, default 0
        Seed of the bootstrap, so a report is reproducible.

    Returns
    -------
    ConcentrationResult

    Raises
    ------
    AnalysisInputError
        For a missing column, a window without events, no event with a place, or a bad
        setting.
    """
    events = check_frame(events)
    check_columns(events, [place])
    if start is not None or end is not None:
        events = in_window(events, time_column(events, time_col), start, end)
    shares = tuple(float(s) for s in shares)
    if not shares or any(not (0 < s <= 1) for s in shares):
        raise AnalysisInputError(f"shares must be fractions in (0, 1], got {shares}")
    if not (0 < confidence < 1):
        raise AnalysisInputError(f"confidence must be between 0 and 1, got {confidence}")
    if n_boot < 0:
        raise AnalysisInputError(f"n_boot must be 0 or more, got {n_boot}")
    notes: list[str] = []
    where = events[place].astype("string")
    n_missing = int(where.isna().sum())
    if n_missing:
        notes.append(
            f"{n_missing:,} of {len(events):,} events have no {place} and are left out of the "
            "concentration figures"
        )
    counts = where.dropna().value_counts()
    if counts.empty:
        raise AnalysisInputError(f"no event has a {place}: cannot measure concentration")
    if places is None:
        notes.append(
            f"No list of all {_plural(place)} was given, so {_plural(place)} with no events are "
            "not counted and the concentration is understated; pass places= (for example every "
            "block of the city) to count them."
        )
    else:
        known = pd.Index(pd.Series(list(places), dtype="string").dropna().unique())
        unknown = counts.index.difference(known)
        if len(unknown):
            notes.append(
                f"{len(unknown):,} {_plural(place)} with events are not in the list of places "
                f"(e.g. {', '.join(map(str, unknown[:3]))}); they are added to it"
            )
        counts = counts.reindex(known.union(counts.index), fill_value=0)
    frame = pd.DataFrame({"place": counts.index.astype(str), "n": counts.to_numpy(dtype=int)})
    frame = frame.sort_values(["n", "place"], ascending=[False, True], kind="stable")
    counts = pd.Series(frame["n"].to_numpy(), index=pd.Index(frame["place"], name=place))
    x = counts.to_numpy(dtype=float)
    g = gini(x, unbiased=unbiased)
    gg = generalized_gini(x, unbiased=unbiased)
    if n_boot and x.size > 1:
        g_ci = _interval(x, "gini", unbiased, n_boot, confidence, seed)
        gg_ci = (
            _interval(x, "generalized", unbiased, n_boot, confidence, seed)
            if x.size > x.sum()
            else g_ci
        )
    else:
        g_ci = gg_ci = None
    if counts.sum() < 20:
        notes.append(
            f"Only {count_text(int(counts.sum()), 'event')}: concentration measures are unstable "
            "with so few events."
        )
    return ConcentrationResult(
        place=place,
        counts=counts,
        gini=g,
        generalized_gini=gg,
        gini_interval=g_ci,
        generalized_gini_interval=gg_ci,
        confidence=confidence,
        shares=shares,
        unbiased=unbiased,
        n_boot=n_boot,
        seed=seed,
        warnings=notes,
    )
