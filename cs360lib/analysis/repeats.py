"""Repeat locations and repeat victims: how often the same place or person is hit again.

A small share of places and people suffer a large share of crime, and a repeat often
comes soon after the first event (Farrell & Pease 1993; Weisel 2005). For any key that
identifies a place (block address, exact coordinates) or a victim (an id, where the
department's data carry one) this module reports, following Weisel's guide:

- the **repeat rate**: share of places (victims) with two or more events;
- the share of events that are **repeats** (every event after a key's first);
- the distribution of **events per key** (1, 2, 3, 4, 5 or more);
- the **time to repeat**: days from each event to the next one at the same key, in bands
  (same day, 1-7 days, 8-30, 31-90, 91-365, more than a year) and its median.

Events inside a window see only repeats inside it: a place first hit before the window
looks new (Weisel 2005 calls this the "time window effect"); the summary says how long
the window is.

References
----------
Farrell, G., & Pease, K. (1993). *Once bitten, twice bitten: repeat victimisation and its
implications for crime prevention*. Crime Prevention Unit Paper 46. Home Office.
Weisel, D. L. (2005). *Analyzing repeat victimization*. Problem-Oriented Guides for Police,
Problem-Solving Tools Series No. 4. COPS Office.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cs360lib.errors import AnalysisInputError
from cs360lib.publish.charts import count_axis
from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table

from ._format import count_text, share_text
from ._input import check_columns, check_frame, in_window, time_column

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

    from cs360lib.publish.tables import PresentationTable

__all__ = ["GAP_BANDS", "RepeatResult", "repeat_victims", "repeats"]

GAP_BANDS: tuple[tuple[str, float], ...] = (
    ("Same day", 0),
    ("1 to 7 days", 7),
    ("8 to 30 days", 30),
    ("31 to 90 days", 90),
    ("91 to 365 days", 365),
    ("More than a year", np.inf),
)
"""Bands of the time to repeat (label, upper limit in whole days)."""


@dataclass(frozen=True)
class RepeatResult(Result):
    """Result of :func:`repeats` and :func:`repeat_victims`.

    Attributes
    ----------
    by : str
        The key column (``"address"``, a victim id).
    kind : str
        "location" or "victim".
    per_key : pandas.DataFrame
        One row per key, most events first: ``<by>, events, first, last``.
    gaps : pandas.Series
        Days from each event to the next at the same key (one value per repeat).
    window_days : int
        Length of the period covered, in days.
    """

    by: str
    kind: str
    per_key: pd.DataFrame
    gaps: pd.Series
    window_days: int
    labels = {
        "band": "Time since the previous event there",
        "repeats": "Repeats",
        "share": "Share of repeats",
    }

    @property
    def n_events(self) -> int:
        """Events with a key."""
        return int(self.per_key["events"].sum())

    @property
    def n_keys(self) -> int:
        """Distinct places (victims) with at least one event."""
        return len(self.per_key)

    @property
    def n_repeat_keys(self) -> int:
        """Places (victims) with two or more events."""
        return int((self.per_key["events"] >= 2).sum())

    @property
    def repeat_rate(self) -> float:
        """Share of places (victims) with two or more events."""
        return self.n_repeat_keys / self.n_keys

    @property
    def repeat_events(self) -> int:
        """Events after a key's first (the repeats)."""
        return self.n_events - self.n_keys

    @property
    def repeat_event_share(self) -> float:
        """Share of events that are repeats."""
        return self.repeat_events / self.n_events

    @property
    def median_days_to_repeat(self) -> float | None:
        """Median days from an event to the next at the same key (None without repeats)."""
        return float(self.gaps.median()) if len(self.gaps) else None

    def events_per_key(self) -> pd.DataFrame:
        """Keys and events by number of events per key (1, 2, 3, 4, 5 or more)."""
        n = self.per_key["events"].clip(upper=5)
        keys = n.value_counts().reindex(range(1, 6), fill_value=0)
        events = self.per_key["events"].groupby(n).sum().reindex(range(1, 6), fill_value=0)
        return pd.DataFrame(
            {
                "events_per_key": ["1", "2", "3", "4", "5 or more"],
                "keys": keys.to_numpy(),
                "key_share": keys.to_numpy() / self.n_keys,
                "events": events.to_numpy(),
                "event_share": events.to_numpy() / self.n_events,
            }
        )

    def time_to_repeat(self) -> pd.DataFrame:
        """Repeats by time since the previous event at the same key (see :data:`GAP_BANDS`)."""
        edges = [b for _, b in GAP_BANDS]
        band = np.searchsorted(edges, self.gaps.to_numpy(dtype=float), side="left")
        counts = np.bincount(band, minlength=len(GAP_BANDS))
        total = max(len(self.gaps), 1)
        return pd.DataFrame(
            {
                "band": [label for label, _ in GAP_BANDS],
                "repeats": counts,
                "share": counts / total,
                "cumulative_share": np.cumsum(counts) / total,
            }
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per key (place or victim), most events first."""
        return self.per_key.copy()

    def table(self) -> PresentationTable:
        """Return the repeats by time since the previous event there (:meth:`time_to_repeat`)."""
        t = self.time_to_repeat()
        t["share"] = [share_text(r, len(self.gaps)) for r in t["repeats"]]
        return presentation_table(t[list(self.labels)], labels=self.labels)

    def summary(self) -> str:
        """Plain-language summary."""
        noun = _nouns(self.by, self.kind)
        text = (
            f"Over {self.window_days:,} days, {count_text(self.n_events, 'event')} involved "
            f"{self.n_keys:,} {noun}. {self.n_repeat_keys:,} of them "
            f"({share_text(self.n_repeat_keys, self.n_keys)}) had more than one event, and "
            f"{share_text(self.repeat_events, self.n_events)} of all events were repeats at "
            f"{'a place' if self.kind == 'location' else 'a victim'} already hit in the period."
        )
        if len(self.gaps):
            t = self.time_to_repeat()
            month = float(t.loc[t["band"] == "8 to 30 days", "cumulative_share"].iloc[0])
            text += (
                f" Half of the repeats came {_days(self.median_days_to_repeat)} the previous "
                f"event, and {month:.0%} within a month"
                + (": the time to act on a first event is short." if month >= 0.4 else ".")
            )
        return "\n".join([text, *self.warning_lines()])

    def chart(self, *, title: str | None = None) -> alt.Chart:
        """Bar chart of repeats by time since the previous event."""
        import altair as alt

        t = self.time_to_repeat()
        order = list(t["band"])
        return (
            alt.Chart(t, title=title or "Time to repeat")
            .mark_bar()
            .encode(
                x=alt.X("band:N", sort=order, title="Time since the previous event there"),
                y=alt.Y("repeats:Q", title="Repeats", axis=count_axis()),
                tooltip=[
                    alt.Tooltip("repeats:Q", title="Repeats"),
                    alt.Tooltip("share:Q", title="Share", format=".0%"),
                ],
            )
        )


def _days(d: float | None) -> str:
    if d is None or d < 0.5:
        return "on the same day as"
    return f"within {count_text(int(round(d)), 'day')} of"


def _nouns(by: str, kind: str) -> str:
    if kind == "victim":
        return "victims"
    return {"address": "blocks", "beat": "beats"}.get(by, "places")


def _repeats(
    events: pd.DataFrame,
    by: str,
    kind: str,
    start: object,
    end: object,
    time_col: str | None,
) -> RepeatResult:
    events = check_frame(events)
    check_columns(events, [by])
    tcol = time_column(events, time_col)
    if start is not None or end is not None:
        events = in_window(events, tcol, start, end)
    notes: list[str] = []
    key = events[by].astype("string")
    when = events[tcol]
    usable = key.notna() & when.notna()
    n_out = int((~usable).sum())
    if n_out:
        notes.append(
            f"{n_out:,} of {len(events):,} events have no {by} or no time and are left out"
        )
    frame = pd.DataFrame({by: key[usable].to_numpy(), "when": when[usable].to_numpy()})
    if frame.empty:
        raise AnalysisInputError(f"no event has a {by}: cannot look for repeats")
    frame = frame.sort_values([by, "when"], kind="stable")
    same = frame[by].to_numpy()[1:] == frame[by].to_numpy()[:-1]
    days = frame["when"].dt.normalize().to_numpy(dtype="datetime64[D]").astype(np.int64)
    gaps = pd.Series(np.diff(days)[same], name="days_to_repeat", dtype=float)
    per_key = frame.groupby(by, sort=False).agg(
        events=("when", "size"), first=("when", "min"), last=("when", "max")
    )
    per_key = per_key.reset_index().sort_values(
        ["events", by], ascending=[False, True], kind="stable"
    )
    lo = pd.Timestamp(start).normalize() if start is not None else frame["when"].min().normalize()
    hi = pd.Timestamp(end).normalize() if end is not None else frame["when"].max().normalize()
    window = int((hi - lo).days + 1)
    if window < 365:
        notes.append(
            f"The period covers {window} days: repeats that span a longer time are not seen, "
            "so the repeat rate is understated."
        )
    return RepeatResult(
        by=by,
        kind=kind,
        per_key=per_key.reset_index(drop=True),
        gaps=gaps,
        window_days=window,
        warnings=notes,
    )


def repeats(
    events: pd.DataFrame,
    *,
    by: str = "address",
    start: object = None,
    end: object = None,
    time_col: str | None = None,
) -> RepeatResult:
    """Repeat locations: repeat rate, share of repeat events and time to repeat.

    Parameters
    ----------
    events : pandas.DataFrame
        Events as the loaders produce them.
    by : str, default "address"
        Column identifying a place: the block ``address``, or any place id (a premises id,
        rounded coordinates made into a column).
    start, end : date-like, optional
        Window on the event time.
    time_col : str, optional
        Event-time column; by default the kind's own.

    Returns
    -------
    RepeatResult

    Raises
    ------
    AnalysisInputError
        For a missing column, a window without events, or no event with a place.
    """
    return _repeats(events, by, "location", start, end, time_col)


def repeat_victims(
    events: pd.DataFrame,
    *,
    victim: str = "victim_id",
    start: object = None,
    end: object = None,
    time_col: str | None = None,
) -> RepeatResult:
    """Repeat victims, where the data carry a victim id (person, household or business).

    Parameters
    ----------
    events : pandas.DataFrame
        Events with a victim id column (the incidents schema has none: bring it in through
        the mapping's ``extra`` columns).
    victim : str, default "victim_id"
        Column with the victim id.
    start, end : date-like, optional
        Window on the event time.
    time_col : str, optional
        Event-time column; by default the kind's own.

    Returns
    -------
    RepeatResult
        The ``per_key`` table holds victim ids: it is for the analyst, never for a
        published report.

    Raises
    ------
    AnalysisInputError
        When there is no victim id column (the message says how to add one) or no event
        has an id.
    """
    if isinstance(events, pd.DataFrame) and victim not in events.columns:
        raise AnalysisInputError(
            f"repeat victims need a victim id, and the events have no column {victim!r}. Add "
            "the source's victim, household or business id through the mapping's `extra` "
            "columns and pass victim=<that column>; repeat locations (by block) work without it"
        )
    return _repeats(events, victim, "victim", start, end, time_col)
