"""CompStat tables: this week, 28 days and year to date against the same periods a year before.

The classic CompStat report (Bratton & Malinowski 2008) shows, for each area, the counts
of the last week, the last 28 days and the year to date beside the same periods a year
earlier, with the percent change. Small counts swing widely by chance: a move from 2 to 4
is "up 100%" yet entirely ordinary for a Poisson count. Here a change is flagged only
when it is unlikely under Poisson variation, by the exact conditional test of two Poisson
rates (the count of this year given the total of both years is binomial; Przyborowski &
Wilenski 1940), or by the E-test (Krishnamoorthy & Thomson 2004), both from
:mod:`cs360lib.evaluate`. With many areas the flags can also be held to a false discovery
rate (Benjamini & Hochberg 1995).

Periods end on ``as_of`` (by default the last day with an event). The week and the 28 days
a year before are shifted by 364 days (52 weeks), so they hold the same weekdays; the year
to date a year before runs from 1 January to the same calendar day (28 February for a
29 February). Exposures (days) enter the tests, so a leap day does not bias them. A period
before the start of the data has no comparison (shown in words, never as 0).

References
----------
Bratton, W. J., & Malinowski, S. W. (2008). Police performance management in practice:
taking COMPSTAT to the next level. *Policing*, 2(3), 259-265.
Krishnamoorthy, K., & Thomson, J. (2004). A more powerful test for comparing two Poisson
means. *Journal of Statistical Planning and Inference*, 119(1), 23-35.
Przyborowski, J., & Wilenski, H. (1940). Homogeneity of results in testing samples from
Poisson series. *Biometrika*, 31(3/4), 313-323.
Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate. *Journal of the
Royal Statistical Society B*, 57(1), 289-300.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from cs360lib.errors import AnalysisInputError
from cs360lib.evaluate import e_test, rate_ratio_test
from cs360lib.publish.aggregate import top_with_other
from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table

from ._format import change_text
from ._input import area_names, check_columns, check_frame, time_column

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

    from cs360lib.publish.tables import PresentationTable

__all__ = ["PERIODS", "TOTAL", "CompStatResult", "compstat"]

PERIODS: tuple[str, ...] = ("week", "28 days", "year to date")
"""The three CompStat periods, in display order."""

TOTAL = "All areas"
"""Label of the row that adds up every area (and events without an area)."""

_TESTS = ("exact", "e-test")

OTHER_AREAS = "Other areas, together"
"""Legend entry of the bar that adds up the areas a chart has no room for."""


def _periods(as_of: pd.Timestamp) -> list[tuple[str, pd.Timestamp, pd.Timestamp, pd.Timestamp]]:
    """(name, start, prior start, prior end) per period; every period ends on ``as_of``."""
    year = pd.Timedelta(days=364)
    jan1 = pd.Timestamp(as_of.year, 1, 1)
    day = min(as_of.day, 28) if (as_of.month == 2 and as_of.day == 29) else as_of.day
    prior_end = pd.Timestamp(as_of.year - 1, as_of.month, day)
    return [
        ("week", as_of - pd.Timedelta(days=6), as_of - pd.Timedelta(days=6) - year, as_of - year),
        (
            "28 days",
            as_of - pd.Timedelta(days=27),
            as_of - pd.Timedelta(days=27) - year,
            as_of - year,
        ),
        ("year to date", jan1, pd.Timestamp(as_of.year - 1, 1, 1), prior_end),
    ]


def _count(day: pd.Series, area: pd.Series, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.Series:
    inside = (day >= lo) & (day <= hi)
    return area[inside].value_counts(dropna=False)


_COLUMNS = {"current": "this year", "prior": "a year before", "change": "change"}


@dataclass(frozen=True)
class CompStatResult(Result):
    """Result of :func:`compstat`.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per area (and the total) and period: ``area, period, start, end,
        prior_start, prior_end, current, prior, change, pct_change`` (NaN when the prior
        count is 0 or missing), ``p_value``, ``q_value`` (FDR-adjusted when ``fdr``, else
        equal to ``p_value``), ``flag`` ("up", "down" or "") and ``description`` (the change
        in words).
    as_of : pandas.Timestamp
        Last day of every period.
    area : str
        The area column.
    test : str
        "exact" or "e-test".
    alpha : float
        Level of the flags.
    fdr : bool
        Whether the flags are held to a false discovery rate.
    """

    frame: pd.DataFrame
    as_of: pd.Timestamp
    area: str
    test: str
    alpha: float
    fdr: bool
    labels = {
        "area": "Area",
        **{
            f"{period}_{key}": f"{period.capitalize()}: {words}"
            for period in PERIODS
            for key, words in _COLUMNS.items()
        },
    }

    def to_frame(self) -> pd.DataFrame:
        """Return the long table (see the ``frame`` attribute)."""
        return self.frame.copy()

    def flagged(self) -> pd.DataFrame:
        """Rows whose change is unlikely under Poisson variation."""
        return self.frame.loc[self.frame["flag"] != ""]

    def table(self) -> PresentationTable:
        """Return one row per area with, per period, the counts and the change in words.

        "no data" a year before the data begin; "beyond chance" marks a flagged change.
        """
        f = self.frame
        out = pd.DataFrame({"area": f.loc[f["period"] == PERIODS[0], "area"].to_numpy()})
        for period in PERIODS:
            rows = f.loc[f["period"] == period]
            out[f"{period}_current"] = rows["current"].to_numpy()
            out[f"{period}_prior"] = [
                "no data" if pd.isna(v) else f"{int(v):,}" for v in rows["prior"]
            ]
            out[f"{period}_change"] = [
                d + (", beyond chance" if flag else "")
                for d, flag in zip(rows["description"], rows["flag"], strict=True)
            ]
        return presentation_table(out, labels=self.labels)

    def summary(self) -> str:
        """Plain-language summary: the totals and the areas whose change is beyond chance."""
        f = self.frame
        total = f.loc[f["area"] == TOTAL].set_index("period")
        parts = []
        for period in PERIODS:
            r = total.loc[period]
            name = {"week": "the last 7 days", "28 days": "the last 28 days"}.get(
                period, "the year to date"
            )
            parts.append(f"{name}: {r['description']}")
        text = (
            f"Up to {self.as_of:%d %B %Y}, against the same periods a year before, "
            + "; ".join(parts)
            + "."
        )
        flagged = self.flagged()
        flagged = flagged.loc[flagged["area"] != TOTAL]
        rule = (
            "allowing for the number of areas compared"
            if self.fdr
            else f"at the {self.alpha:.0%} level"
        )
        if flagged.empty:
            text += (
                " No area's change is larger than ordinary chance variation in counts "
                f"({rule}); changes such as 2 to 4 are normal fluctuation."
            )
        else:
            items = [
                f"{r.area}, {r.period}: {r.description}" for r in flagged.itertuples(index=False)
            ]
            text += (
                " Changes beyond ordinary chance variation "
                f"({rule}): " + "; ".join(items) + ". The other changes are within what chance "
                "alone produces."
            )
        return "\n".join([text, *self.warning_lines()])

    def chart(self, *, period: str = "28 days", title: str | None = None) -> alt.Chart:
        """Change from a year before per area for one period, coloured by the flag.

        With more than :data:`~cs360lib.publish.aggregate.MAX_BARS` areas, the flagged areas
        and then the largest changes are drawn, and the other areas are added up in one last
        bar (:func:`~cs360lib.publish.aggregate.top_with_other`).
        """
        import altair as alt

        if period not in PERIODS:
            raise AnalysisInputError(f"period must be one of {PERIODS}, got {period!r}")
        f = self.frame
        rows = f.loc[(f["period"] == period) & (f["area"] != TOTAL)].copy()
        rows["difference"] = rows["current"] - rows["prior"]
        rows["verdict"] = (
            rows["flag"]
            .map({"up": "Rise beyond chance", "down": "Fall beyond chance"})
            .fillna("Within chance variation")
        )
        flagged = (rows["flag"] != "").to_numpy()
        size = rows["difference"].abs().fillna(0).to_numpy(dtype=float)
        rank = np.where(flagged, size.max(initial=0.0) + 1.0 + size, size)
        shown = top_with_other(
            rows,
            label="area",
            rank=pd.Series(rank, index=rows.index),
            other={"current": "sum", "prior": "sum", "difference": "sum"},
            other_label="{count:,} other areas, together",
        )
        if len(shown) < len(rows):
            last = shown.index[-1]
            shown.loc[last, "verdict"] = OTHER_AREAS
            shown.loc[last, "description"] = (
                f"{shown.loc[last, 'area']}: {shown.loc[last, 'current']:,.0f} events, "
                f"{shown.loc[last, 'prior']:,.0f} a year before"
            )
        domain = [
            "Rise beyond chance",
            "Fall beyond chance",
            "Within chance variation",
            OTHER_AREAS,
        ]
        return (
            alt.Chart(
                shown[["area", "difference", "verdict", "description"]],
                title=title or f"Change against a year before: {period}",
            )
            .mark_bar()
            .encode(
                y=alt.Y("area:N", sort=None, title=None),
                x=alt.X("difference:Q", title="Events, this year minus a year before"),
                color=alt.Color(
                    "verdict:N",
                    title=None,
                    scale=alt.Scale(
                        domain=domain, range=["#b2182b", "#2166ac", "#bdbdbd", "#e0e0e0"]
                    ),
                ),
                tooltip=[alt.Tooltip("description:N", title="Change")],
            )
        )


def compstat(
    events: pd.DataFrame,
    *,
    area: str = "district",
    as_of: object = None,
    covered_from: object = None,
    test: str = "exact",
    alpha: float = 0.05,
    fdr: bool = False,
    time_col: str | None = None,
) -> CompStatResult:
    """CompStat counts by area for the week, 28 days and year to date against a year before.

    Parameters
    ----------
    events : pandas.DataFrame
        Events as the loaders produce them (filter to the offense of interest first).
    area : str, default "district"
        Area column (``"district"``, ``"beat"``); every category of a categorical column is
        listed, with zeros where it had no events.
    as_of : date-like, optional
        Last day of the periods; by default the last day with an event.
    covered_from : date-like, optional
        First day the data cover; by default the day of the first event. Comparisons that
        reach before it have no prior count.
    test : {"exact", "e-test"}, default "exact"
        Exact conditional (binomial) test of two Poisson rates, or the E-test.
    alpha : float, default 0.05
        Level below which a change is flagged.
    fdr : bool, default False
        Hold the flags to a false discovery rate across all areas and periods.
    time_col : str, optional
        Event-time column; by default the kind's own.

    Returns
    -------
    CompStatResult

    Raises
    ------
    AnalysisInputError
        For a missing column, an ``as_of`` with no event in the year before it, or a bad
        setting.
    """
    events = check_frame(events)
    tcol = time_column(events, time_col)
    check_columns(events, [area])
    if test not in _TESTS:
        raise AnalysisInputError(f"test must be one of {_TESTS}, got {test!r}")
    if not (0 < alpha < 1):
        raise AnalysisInputError(f"alpha must be between 0 and 1, got {alpha}")
    day = events[tcol].dt.normalize()
    if day.notna().sum() == 0:
        raise AnalysisInputError(f"no event has a time in column {tcol!r}")
    last_day = day.max()
    as_of = pd.Timestamp(as_of).normalize() if as_of is not None else last_day
    first = pd.Timestamp(covered_from).normalize() if covered_from is not None else day.min()
    notes: list[str] = []
    if as_of > last_day:
        notes.append(
            f"The data end on {last_day:%Y-%m-%d}, before {as_of:%Y-%m-%d}: the current "
            "periods are incomplete and look lower than they are."
        )
    if ((day > as_of - pd.Timedelta(days=365)) & (day <= as_of)).sum() == 0:
        raise AnalysisInputError(
            f"no event in the year up to {as_of:%Y-%m-%d} (the data run from {day.min():%Y-%m-%d}"
            f" to {last_day:%Y-%m-%d}); choose as_of inside the data"
        )
    col = events[area]
    names = area_names(col)
    labels = col.astype("string").fillna("(no area)")
    if (labels == "(no area)").any():
        notes.append(
            f"{int((labels == '(no area)').sum()):,} events have no {area}; they count in "
            f"'{TOTAL}' only"
        )
    rows = []
    for period, start, p_start, p_end in _periods(as_of):
        cur = _count(day, labels, start, as_of)
        pri = _count(day, labels, p_start, p_end)
        has_prior = p_start >= first
        if not has_prior:
            notes.append(
                f"The data begin on {first:%Y-%m-%d}: no comparison a year before for the "
                f"{period} ({p_start:%Y-%m-%d} to {p_end:%Y-%m-%d})."
            )
        e_cur = float((as_of - start).days + 1)
        e_pri = float((p_end - p_start).days + 1)
        for name in [*names, TOTAL]:
            c = int(cur.sum()) if name == TOTAL else int(cur.get(name, 0))
            p = int(pri.sum()) if name == TOTAL else int(pri.get(name, 0))
            span = (start, as_of, p_start, p_end)
            rows.append(_row(name, period, span, c, p, has_prior, (e_cur, e_pri), test))
    frame = pd.DataFrame(rows)
    tested = frame["p_value"].notna().to_numpy()
    q = frame["p_value"].to_numpy(dtype=float).copy()
    if fdr and tested.any():
        q[tested] = stats.false_discovery_control(q[tested], method="bh")
    frame["q_value"] = q
    clear = tested & (np.nan_to_num(q, nan=1.0) < alpha)
    direction = np.where(frame["current"] > frame["prior"].fillna(0), "up", "down")
    frame["flag"] = np.where(clear, direction, "")
    return CompStatResult(
        frame=frame,
        as_of=as_of,
        area=area,
        test=test,
        alpha=alpha,
        fdr=fdr,
        warnings=list(dict.fromkeys(notes)),
    )


def _row(
    name: str,
    period: str,
    span: tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp, pd.Timestamp],
    cur: int,
    pri: int,
    has_prior: bool,
    exposure: tuple[float, float],
    test: str,
) -> dict[str, object]:
    start, end, p_start, p_end = span
    e_cur, e_pri = exposure
    if not has_prior:
        prior: float = np.nan
        p_value: float = np.nan
        description = "no data a year before"
    else:
        prior = float(pri)
        description = change_text(pri, cur)
        if cur + pri == 0:
            p_value = 1.0
        elif test == "exact":
            p_value = rate_ratio_test(pri, cur, pre_exposure=e_pri, post_exposure=e_cur).p_value
        else:
            p_value = e_test(cur, pri, e_cur, e_pri).p_value
    return {
        "area": name,
        "period": period,
        "start": start,
        "end": end,
        "prior_start": p_start,
        "prior_end": p_end,
        "current": cur,
        "prior": prior,
        "change": (cur - prior) if has_prior else np.nan,
        "pct_change": 100.0 * (cur - prior) / prior if has_prior and prior > 0 else np.nan,
        "p_value": p_value,
        "description": description,
    }
