"""The lessons-learned log: what each review decided, kept for the next cycle.

CompStat360 is a cycle: what a Problem-Solving Team tried, and what it decided at the review,
is where the next scanning and prioritization start. The log is one YAML file per engagement
(``review.log``, default ``lessons_learned.yml`` next to the engagement file), **appended at
each review and never rewritten**: each review adds one YAML document (``---``) with the date,
the data it covered, and per response the fidelity, the proposed and the final decision, who
decided, the reason and the evidence (the judging sentences). Earlier entries are never read
back into the file or changed: :func:`record` opens the file in append mode only.

Recording the same review twice (the same date and the same decisions and evidence, e.g. a
notebook run again the same day) appends nothing the second time, and says so.

- :func:`record` appends the entry of a review (notebook 04);
- :func:`read_log` reads every entry;
- :func:`previous_cycles` shows what was tried before (notebooks 01 and 02 of the next cycle).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import yaml

from cs360lib.config.engagement import Engagement
from cs360lib.config.review import DEFAULT_LOG
from cs360lib.errors import ReviewError
from cs360lib.publish.charts import message_chart
from cs360lib.publish.results import Result
from cs360lib.steps.review._common import date_text
from cs360lib.steps.review.adapt import Decisions

__all__ = ["LogEntry", "PreviousCycles", "log_path", "previous_cycles", "read_log", "record"]

SEPARATOR = "---\n"
"""Starts each entry (a YAML document) of the log."""

_ENTRY_COLUMNS = [
    "cycle",
    "reviewed_on",
    "data_through",
    "response",
    "fidelity",
    "proposed",
    "decision",
    "decided_by",
    "reason",
    "evidence",
]
_COLOURS = alt.Scale(
    domain=["continue", "adjust", "replace"], range=["#1a9850", "#fdae61", "#d73027"]
)


def log_path(engagement: Engagement) -> Path:
    """Return the lessons-learned log of an engagement.

    Parameters
    ----------
    engagement : Engagement
        The engagement (its ``review.log``).

    Returns
    -------
    Path
        ``review.log`` (resolved against the engagement file's folder), else
        :data:`~cs360lib.config.review.DEFAULT_LOG` next to the engagement file.
    """
    path = engagement.review.log
    if path is None:
        return engagement.root / DEFAULT_LOG
    return path if path.is_absolute() else engagement.root / path


def read_log(path: str | Path) -> list[dict[str, Any]]:
    """Read every entry of a lessons-learned log.

    Parameters
    ----------
    path : str or Path
        The log file.

    Returns
    -------
    list of dict
        The entries, oldest first; empty when the file does not exist.

    Raises
    ------
    ReviewError
        When the file is not YAML, or an entry is not a mapping with ``reviewed_on`` and
        ``responses`` (the message names the file and the entry).
    """
    path = Path(path)
    if not path.exists():
        return []
    try:
        documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as error:
        raise ReviewError(
            f"{path}: the lessons-learned log is not valid YAML ({error}); restore it from the "
            "last good copy: entries are only ever appended"
        ) from None
    entries = [d for d in documents if d is not None]
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or "reviewed_on" not in entry or "responses" not in entry:
            raise ReviewError(
                f"{path}: entry {i} is not a review entry (a mapping with reviewed_on and "
                "responses); entries are written by cs360lib.steps.review.record"
            )
    return entries


def _entry(engagement: Engagement, decisions: Decisions, today: dt.date) -> dict[str, Any]:
    responses = []
    for r in decisions.frame.itertuples():
        responses.append(
            {
                "response": r.response,
                "fidelity": r.fidelity,
                "proposed": r.proposed,
                "rule": r.rule,
                "decision": r.decision,
                "decided_by": r.decided_by if not r.team_by else f"team ({r.team_by})",
                "reason": r.reason,
                "evidence": [line for line in str(r.evidence).split("\n") if line],
            }
        )
    return {
        "reviewed_on": today.isoformat(),
        "engagement": engagement.id,
        "data_through": pd.Timestamp(decisions.as_of).date().isoformat(),
        "responses": responses,
    }


def _comparable(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k != "cycle"}


@dataclass(frozen=True)
class LogEntry(Result):
    """One review as recorded in the lessons-learned log.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per response of the entry (columns of :class:`PreviousCycles`).
    path : Path
        The log file.
    appended : bool
        False when the same review was already the log's last entry (nothing was written).
    cycle : int
        The entry's number in the log (1 for the first review).
    """

    frame: pd.DataFrame
    path: Path
    appended: bool
    cycle: int
    count_columns = ()  # review numbers, not counts
    privacy = {"response": "public"}
    labels = {
        "cycle": "Review",
        "reviewed_on": "Reviewed on",
        "data_through": "Data through",
        "response": "Response",
        "fidelity": "Carried out?",
        "proposed": "Proposed",
        "decision": "Decision",
        "decided_by": "Decided by",
        "reason": "Why",
        "evidence": "Evidence",
    }

    def to_frame(self) -> pd.DataFrame:
        """Return the entry, one row per response (a copy)."""
        return self.frame.copy()

    def summary(self) -> str:
        """Say what was recorded, where.

        Returns
        -------
        str
            The review's number and date, the decisions, and whether it was appended.
        """
        if self.frame.empty:
            head = f"Review {self.cycle} recorded in {self.path.name}: no response."
        else:
            when = date_text(self.frame["reviewed_on"].iloc[0])
            head = (
                f"Review {self.cycle} of {when} recorded in {self.path.name}: "
                + "; ".join(f"{r.response}: {r.decision}" for r in self.frame.itertuples())
                + "."
            )
        if not self.appended:
            head += " It was already the log's last entry: nothing was added."
        return "\n".join([head, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Draw the entry's decisions (see :meth:`PreviousCycles.chart`)."""
        return _decision_chart(self.frame, "Decisions recorded at this review")


def _rows(entries: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for n, entry in enumerate(entries, start=1):
        for r in entry.get("responses") or []:
            evidence = r.get("evidence") or []
            rows.append(
                {
                    "cycle": n,
                    "reviewed_on": pd.Timestamp(entry["reviewed_on"]),
                    "data_through": pd.Timestamp(entry.get("data_through") or entry["reviewed_on"]),
                    "response": str(r.get("response", "")),
                    "fidelity": str(r.get("fidelity", "")),
                    "proposed": str(r.get("proposed", "")),
                    "decision": str(r.get("decision", "")),
                    "decided_by": str(r.get("decided_by", "")),
                    "reason": str(r.get("reason", "")),
                    "evidence": "\n".join(str(e) for e in evidence),
                }
            )
    return pd.DataFrame(rows, columns=_ENTRY_COLUMNS)


def _decision_chart(frame: pd.DataFrame, title: str) -> alt.Chart:
    data = frame[["cycle", "reviewed_on", "response", "decision", "fidelity"]].tail(2000)
    if data.empty:  # a sentence, not a time axis over nothing
        return message_chart(
            "No review is recorded yet: this is the engagement's first cycle.", title=title
        )
    return (
        alt.Chart(data, title=title)
        .mark_point(filled=True, size=120, shape="square")
        .encode(
            x=alt.X("reviewed_on:T", title="review"),
            y=alt.Y("response:N", title=None, axis=alt.Axis(labelLimit=320)),
            color=alt.Color("decision:N", scale=_COLOURS, title="decision"),
            tooltip=["cycle", alt.Tooltip("reviewed_on:T"), "response", "fidelity", "decision"],
        )
        .properties(width=420)
    )


def record(
    engagement: Engagement,
    decisions: Decisions,
    *,
    today: dt.date | str | None = None,
    path: str | Path | None = None,
) -> LogEntry:
    """Append this review's decisions to the lessons-learned log (never rewriting it).

    Parameters
    ----------
    engagement : Engagement
        The engagement (its id and ``review.log``).
    decisions : Decisions
        The review's decisions (:func:`cs360lib.steps.review.adapt.decide`).
    today : date or str, optional
        The review's date (default today).
    path : str or Path, optional
        The log file (default :func:`log_path`).

    Returns
    -------
    LogEntry
        The entry, its number, and whether it was appended (False when the log's last entry
        is the same review: same date, decisions and evidence).

    Raises
    ------
    ReviewError
        When the existing log cannot be read (see :func:`read_log`); nothing is written then.
    """
    target = Path(path) if path is not None else log_path(engagement)
    day = pd.Timestamp(today).date() if today is not None else dt.date.today()
    entries = read_log(target)
    entry = _entry(engagement, decisions, day)
    appended = not entries or _comparable(entries[-1]) != _comparable(entry)
    if appended:
        target.parent.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(
            {"cycle": len(entries) + 1, **entry}, sort_keys=False, allow_unicode=True, width=100
        )
        lead = ""
        if target.exists() and target.stat().st_size:
            with target.open("rb") as check:
                check.seek(-1, 2)
                lead = "" if check.read(1) == b"\n" else "\n"
        with target.open("a", encoding="utf-8") as stream:
            stream.write(lead + SEPARATOR + text)
        entries.append({"cycle": len(entries) + 1, **entry})
    cycle = len(entries)
    frame = _rows(entries).query("cycle == @cycle").reset_index(drop=True)
    return LogEntry(frame=frame, path=target, appended=appended, cycle=cycle)


@dataclass(frozen=True)
class PreviousCycles(Result):
    """What earlier reviews of the engagement tried and decided (for the next cycle).

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per review and response: ``cycle`` (1 for the first review),
        ``reviewed_on``, ``data_through``, ``response``, ``fidelity``, ``proposed``,
        ``decision``, ``decided_by``, ``reason`` and ``evidence`` (one sentence a line).
    path : Path
        The log file.
    """

    frame: pd.DataFrame
    path: Path
    count_columns = ()  # review numbers, not counts
    privacy = {"response": "public"}
    labels = LogEntry.labels

    def to_frame(self) -> pd.DataFrame:
        """Return every review's decisions (a copy)."""
        return self.frame.copy()

    @property
    def last(self) -> pd.DataFrame:
        """The decisions of the last review (empty when there is none)."""
        if self.frame.empty:
            return self.frame.copy()
        return self.frame[self.frame["cycle"] == self.frame["cycle"].max()].reset_index(drop=True)

    def summary(self) -> str:
        """Say what was tried before, the last review in full.

        Returns
        -------
        str
            "No earlier review" when the log is empty; else the number of reviews, then for
            the last one each response's fidelity, decision, who decided and why, with its
            evidence, then the earlier decisions in one line each.
        """
        if self.frame.empty:
            return "\n".join(
                [
                    f"No earlier review is recorded for this engagement ({self.path.name} does "
                    "not exist yet or holds no review): this is its first cycle.",
                    *self.warning_lines(),
                ]
            )
        cycles = int(self.frame["cycle"].max())
        last = self.last
        lines = [
            f"{cycles} earlier review(s) recorded in {self.path.name}. The last, on "
            f"{date_text(last['reviewed_on'].iloc[0])} (data through "
            f"{date_text(last['data_through'].iloc[0])}):"
        ]
        for r in last.itertuples():
            lines.append(
                f"- {r.response}: {r.fidelity}; decided: {r.decision} (by {r.decided_by}), "
                f"because {r.reason}."
            )
            lines += [f"  - {e}" for e in str(r.evidence).split("\n") if e]
        earlier = self.frame[self.frame["cycle"] < cycles]
        for r in earlier.itertuples():
            lines.append(
                f"- Review {r.cycle} ({date_text(r.reviewed_on)}): {r.response}: {r.decision}."
            )
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Draw each review's decision for each response over time.

        Returns
        -------
        altair.Chart
            One square per review and response (the last 2,000), coloured by the decision.
        """
        return _decision_chart(self.frame, "What earlier reviews decided")


def previous_cycles(engagement: Engagement, *, path: str | Path | None = None) -> PreviousCycles:
    """Show what earlier reviews of the engagement tried and decided.

    The next cycle's scanning and prioritization notebooks call this to show what was tried
    before (responses, whether they were carried out, the decisions and why).

    Parameters
    ----------
    engagement : Engagement
        The engagement (its ``review.log``).
    path : str or Path, optional
        The log file (default :func:`log_path`).

    Returns
    -------
    PreviousCycles
        Every review's decisions; empty (and said so) before the first review.

    Raises
    ------
    ReviewError
        When the log exists but cannot be read.
    """
    target = Path(path) if path is not None else log_path(engagement)
    return PreviousCycles(frame=_rows(read_log(target)), path=target)
