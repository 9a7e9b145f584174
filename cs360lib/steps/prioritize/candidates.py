"""Candidate problems for the priority worksheet, each with the evidence that put it there.

Candidates come from four places (Clarke and Eck 2005, steps 14 to 17: a problem is chosen
among those the community raises and those the data show):

- **scanning**: every concern of the codebook that at least one stakeholder raised in the
  public-safety theme of the interviews, measured as the codebook's ``measure`` says (a kind
  of source and a filter); a concern with no measure, or whose measure matches no row, stays
  on the list as "cannot be measured" rather than vanishing;
- **the department's data**: for each event source, the categories of its group column
  (offense group, charge group, call type) with the most total harm in the last 12 months
  and those with the clearest rise (the lower end of the rate ratio's 95% interval above 1),
  :attr:`~cs360lib.config.prioritization.Prioritization.data_candidates` of each. A call type
  that the harm table files under the same heading as a chosen offense group is the same
  problem seen in another source and is not added twice;
- **partner metrics**: every metric of a partner-metrics source;
- **the engagement file**: candidates the group adds (``prioritization.candidates.add``).

Two candidates with the same measure are one candidate (its reasons merged). Candidates the
group drops (``prioritization.candidates.drop``) stay in the table, marked dropped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import altair as alt
import pandas as pd

from cs360lib.config.prioritization import CandidateSpec, Prioritization
from cs360lib.config.slug import slugify
from cs360lib.data.coverage import SourceCoverage, source_coverage
from cs360lib.data.loaders import LoadResult
from cs360lib.data.periods import to_periods
from cs360lib.data.schemas import kind_info
from cs360lib.errors import EvaluationInputError, PrioritizationError
from cs360lib.publish.aggregate import MAX_BARS, shown_title, top_with_other
from cs360lib.publish.charts import count_axis
from cs360lib.publish.results import Counts, Result
from cs360lib.steps.prioritize.evidence import (
    EventFacts,
    Window,
    event_facts,
    event_weights,
    measure_words,
    source_window,
    trend_test,
)
from cs360lib.steps.prioritize.harm import HarmTable
from cs360lib.steps.prioritize.partners import Scanning
from cs360lib.steps.scanning import code_responses

__all__ = [
    "EVENT_KINDS",
    "ORIGINS",
    "Candidate",
    "CandidateList",
    "find_candidates",
    "screen_categories",
]

ORIGINS: dict[str, str] = {
    "engagement": "added by the group",
    "scanning": "raised in the scanning interviews",
    "data": "the department's data",
    "partner": "a partner's data",
}
"""Where a candidate comes from, in the order that wins when two share a measure."""

EVENT_KINDS = ("incidents", "calls", "arrests")
"""Event kinds a candidate can be measured in."""

SCREENED_KINDS = ("incidents", "calls")
"""Kinds whose categories are screened for candidates (arrests count police activity, not
problems; the group can still add an arrest measure in the engagement file)."""

GROUP_COLUMNS: dict[str, tuple[str, ...]] = {
    "incidents": ("offense_group", "offense"),
    "arrests": ("charge_group", "charge"),
    "calls": ("call_type",),
}
"""Column whose categories are screened, by kind (the group when the source fills it)."""


@dataclass(frozen=True)
class Candidate:
    """One candidate problem.

    Attributes
    ----------
    id : str
        Identifier (used in ``prioritization.candidates.drop``).
    label : str
        Its name in the worksheet.
    origin : str
        A key of :data:`ORIGINS`.
    source : str or None
        The engagement source that measures it (None when it cannot be measured).
    kind : str or None
        The kind of that source.
    filter : mapping of str to tuple of str
        The measure: column -> accepted values.
    concern : str or None
        The scanning concern it answers.
    partners : tuple of str
        Stakeholder ids the engagement file names for it.
    data_kinds : tuple of str
        Data kinds the engagement file names for it.
    reasons : tuple of str
        Why it is on the list, in words.
    unmeasured : str
        Why it cannot be measured in data (empty when it can).
    dropped : str
        Why it was dropped (empty when it was not).
    """

    id: str
    label: str
    origin: str
    source: str | None
    kind: str | None
    filter: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    concern: str | None = None
    partners: tuple[str, ...] = ()
    data_kinds: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    unmeasured: str = ""
    dropped: str = ""

    @property
    def active(self) -> bool:
        """True unless the group dropped it."""
        return not self.dropped

    def measure_text(self) -> str:
        """Describe the measure in words (``"incidents where offense group is Robbery"``).

        The columns are named by their schema labels (:func:`measure_words`).
        """
        return measure_words(self.source, self.kind, self.filter)

    def key(self) -> tuple[Any, ...]:
        """Identity of the measure (two candidates with the same key are one)."""
        if self.source is None:
            return ("none", self.id)
        return (self.source, tuple(sorted((c, tuple(sorted(v))) for c, v in self.filter.items())))

    def names(self) -> list[str]:
        """Return the category names of the measure (to match partners and data)."""
        return [v for values in self.filter.values() for v in values]


@dataclass(frozen=True)
class CandidateList(Result):
    """The candidate problems, their evidence and the data facts behind them.

    Attributes
    ----------
    candidates : tuple of Candidate
        Every candidate, dropped ones included.
    facts : mapping of str to EventFacts
        Candidate id -> the data facts of its measure (measured candidates only).
    windows : mapping of str to Window
        Source name -> the 12-month window of the data criteria.
    harm_table : HarmTable
        The harm weights used.
    scanning : Scanning
        The scanning results used.
    published_frame : pandas.DataFrame or None
        On the published copy (:meth:`with_frame`): the published :meth:`to_frame`.
    """

    candidates: tuple[Candidate, ...]
    facts: Mapping[str, EventFacts]
    windows: Mapping[str, Window]
    harm_table: HarmTable
    scanning: Scanning
    published_frame: pd.DataFrame | None = field(default=None, kw_only=True)
    labels = {
        "id": "Name in the engagement file",
        "label": "Candidate",
        "origin": "From",
        "measure": "Measured as",
        "concern": "Scanning concern",
        "events": "Events in 12 months",
        "status": "Status",
        "evidence": "Why it is a candidate",
    }
    # events in 12 months: an estimate (scaled up when months lack data), small ones hidden;
    # the evidence says how many stakeholders raised a concern, in words
    count_columns = (Counts(("events",), by=("label",), totals=(), estimates=True),)
    # the id is the engagement file's handle of a candidate: for the analyst who edits it
    privacy = {"evidence": "internal", "id": "internal"}

    def to_frame(self) -> pd.DataFrame:
        """Return one row per candidate.

        Returns
        -------
        pandas.DataFrame
            ``id``, ``label``, ``origin`` (words), ``measure``, ``concern`` (label),
            ``events`` (in the window; missing when unmeasured), ``status`` (``candidate``,
            ``cannot be measured: ...``, ``dropped: ...``) and ``evidence``. On the
            published copy, the published frame (small counts and the evidence missing).
        """
        if self.published_frame is not None:
            return self.published_frame.copy()
        labels = self.scanning.codebook.labels
        rows = []
        for c in self.candidates:
            facts = self.facts.get(c.id)
            events = facts.count if facts is not None else None
            status = (
                f"dropped: {c.dropped}"
                if c.dropped
                else f"cannot be measured: {c.unmeasured}"
                if c.unmeasured
                else "candidate"
            )
            rows.append(
                {
                    "id": c.id,
                    "label": c.label,
                    "origin": ORIGINS[c.origin],
                    "measure": c.measure_text(),
                    "concern": labels.get(c.concern, c.concern or ""),
                    "events": math.nan if events is None else float(events),
                    "status": status,
                    "evidence": "; ".join(c.reasons),
                }
            )
        return pd.DataFrame(rows, columns=list(self.labels))

    def with_frame(self, frame: pd.DataFrame, publication: Any) -> CandidateList:
        """Return the published copy: its frame, chart and table from the published numbers.

        The summary counts candidates by origin and names the unmeasured ones: it states no
        count of events or people.

        Parameters
        ----------
        frame : pandas.DataFrame
            The published :meth:`to_frame` (small event counts and the evidence missing).
        publication : Publication
            What was hidden.

        Returns
        -------
        CandidateList
        """
        return replace(self, published_frame=frame, publication=publication)

    def active(self) -> list[Candidate]:
        """Return the candidates the group kept (measured or not)."""
        return [c for c in self.candidates if c.active]

    def get(self, candidate_id: str) -> Candidate:
        """Return a candidate by id.

        Raises
        ------
        KeyError
            If no candidate has that id; the message lists the ids.
        """
        for c in self.candidates:
            if c.id == candidate_id:
                return c
        raise KeyError(f"no candidate {candidate_id!r}; ids: {[c.id for c in self.candidates]}")

    def summary(self) -> str:
        """Say where the candidates come from and which cannot be measured.

        Returns
        -------
        str
            Counts by origin, the dropped and the unmeasured candidates.
        """
        active = self.active()
        by = pd.Series([c.origin for c in active]).value_counts()
        parts = [f"{by[o]} {ORIGINS[o]}" for o in ORIGINS if o in by]
        lines = [f"{len(active)} candidate problems: " + "; ".join(parts) + "."]
        windows = sorted({w.describe() for w in self.windows.values()})
        if windows:
            lines.append("The data criteria describe " + " and ".join(windows) + ".")
        dropped = [c for c in self.candidates if c.dropped]
        if dropped:
            lines.append(
                "Dropped by the group: " + ", ".join(f"{c.label} ({c.id})" for c in dropped) + "."
            )
        for c in active:
            if c.unmeasured:
                lines.append(f"- {c.label} cannot be measured in data: {c.unmeasured}")
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Bar chart of the events in the window per measured candidate, by origin.

        Returns
        -------
        altair.Chart
            One bar per candidate: the :data:`~cs360lib.publish.aggregate.MAX_BARS` with
            the most events (the title says so when there are more; the table lists all).
        """
        frame = self.to_frame()
        frame = frame[frame["events"].notna()]
        if frame.empty:
            frame = pd.DataFrame(
                {"label": ["no measured candidate"], "events": [0], "origin": [""]}
            )
        shown = top_with_other(frame, label="label", rank="events", n=MAX_BARS)
        title = shown_title(
            "Candidate problems: events in the last 12 months",
            shown=len(shown),
            left_out=len(frame) - len(shown),
            what="candidates with the most events",
        )
        return (
            alt.Chart(shown, title=title)
            .mark_bar()
            .encode(
                y=alt.Y("label:N", title=None, sort="-x"),
                x=alt.X(
                    "events:Q", title="events (or metric total) in 12 months", axis=count_axis()
                ),
                color=alt.Color("origin:N", title=None),
                tooltip=["label", "origin", alt.Tooltip("events:Q", format=",.0f")],
            )
        )


def screen_categories(
    source: LoadResult,
    *,
    name: str,
    column: str,
    window: Window,
    harm_table: HarmTable,
) -> pd.DataFrame:
    """Screen every category of a column: events, harm and trend over the window, fast.

    Counts are raw (the coverage flags are applied to the candidates chosen, in
    :func:`~cs360lib.steps.prioritize.evidence.event_facts`).

    Parameters
    ----------
    source : LoadResult
        An event source.
    name : str
        Its name.
    column : str
        The column screened (e.g. ``offense_group``).
    window : Window
        The 12-month window.
    harm_table : HarmTable
        Harm weights.

    Returns
    -------
    pandas.DataFrame
        ``category``, ``events``, ``previous``, ``harm`` (NaN without a weight),
        ``harm_label`` (the table's entry), ``ratio``, ``clear_change``, ``p_value``;
        most harm first.
    """
    data = source.data
    month = to_periods(data[_time_column(source.kind)], "month")
    values = data[column].astype("string")
    now = (month >= window.start) & (month <= window.end)
    before = (month >= window.previous_start) & (month <= window.previous_end)
    weights = event_weights(data, source.kind, harm_table, now)
    harm = weights["weight"].groupby(values[now]).sum(min_count=1)
    unweighted = weights["weight"].isna().groupby(values[now]).any()
    table = pd.DataFrame(
        {"events": values[now].value_counts(), "previous": values[before].value_counts()}
    )
    table = table.fillna(0).astype(int)
    rows = []
    for category, row in table.iterrows():
        entry = harm_table.lookup(category)
        trend = None
        if row["previous"] > 0:
            try:
                trend = trend_test(int(row["previous"]), int(row["events"]), 12, 12)
            except EvaluationInputError:
                trend = None
        total = harm.get(category, 0.0) if not unweighted.get(category, False) else math.nan
        rows.append(
            {
                "category": str(category),
                "events": int(row["events"]),
                "previous": int(row["previous"]),
                "harm": math.nan if pd.isna(total) else float(total),
                "harm_label": "" if entry is None else entry.label,
                "ratio": math.nan if trend is None else trend.ratio,
                "clear_change": 0.0 if trend is None else trend.clear_change,
                "p_value": math.nan if trend is None else trend.p_value,
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "category",
            "events",
            "previous",
            "harm",
            "harm_label",
            "ratio",
            "clear_change",
            "p_value",
        ],
    )
    return out.sort_values("harm", ascending=False, na_position="last").reset_index(drop=True)


def _time_column(kind: str) -> str:
    return str(kind_info(kind).time)


def _group_column(source: LoadResult) -> str | None:
    for column in GROUP_COLUMNS.get(source.kind, ()):
        if column in source.data.columns and source.data[column].notna().mean() >= 0.5:
            return column
    return None


def _end_of_scanning(scanning: Scanning) -> pd.Timestamp | None:
    coding = scanning.coding
    if coding is None or "interviewed_on" not in coding.responses.columns:
        return None
    last = pd.to_datetime(coding.responses["interviewed_on"], errors="coerce").max()
    return None if pd.isna(last) else pd.Timestamp(last)


def _windows(
    sources: Mapping[str, LoadResult],
    coverages: Mapping[str, SourceCoverage],
    as_of: Any,
    scanning: Scanning,
    warnings: list[str],
) -> dict[str, Window]:
    """Choose each source's window: as_of, else the end of scanning, else its end."""
    scanned = _end_of_scanning(scanning) if as_of is None else None
    out = {}
    for name, cov in coverages.items():
        if cov.empty:
            warnings.append(f"{name} has no dated row: its candidates cannot be measured.")
            continue
        end = as_of
        if end is None and scanned is not None and cov.first <= scanned <= cov.last:
            end = scanned
        out[name] = source_window(cov, end)
    if as_of is None and scanned is not None:
        warnings.append(
            f"The data criteria describe the 12 complete months before the scanning interviews "
            f"ended ({scanned:%Y-%m-%d}); the prioritization part of the engagement file can "
            "set another date."
        )
    del sources
    return out


def _concern_candidates(sources: Mapping[str, LoadResult], scanning: Scanning) -> list[Candidate]:
    synthesis = scanning.synthesis
    if synthesis is None:
        return []
    book = scanning.codebook
    by_kind: dict[str, str] = {}
    for name, result in sources.items():
        by_kind.setdefault(result.kind, name)
    out = []
    n = synthesis.total_interviewed
    for row in synthesis.concerns.itertuples():
        if row.stakeholders <= 0:
            continue
        concern = book.concern(row.concern)
        reason = (
            f"raised by {row.stakeholders} of {n} stakeholders interviewed "
            f"({row.external} outside the department)"
        )
        measure = concern.measure
        if measure is None:
            out.append(
                Candidate(
                    concern.id,
                    concern.label,
                    "scanning",
                    None,
                    None,
                    concern=concern.id,
                    reasons=(reason,),
                    unmeasured="the codebook gives this concern no measure in data (add one "
                    "to the codebook, or a candidate to the engagement file)",
                )
            )
            continue
        name = by_kind.get(measure.source)
        out.append(
            Candidate(
                concern.id,
                concern.label,
                "scanning",
                name,
                measure.source if name else None,
                filter={k: tuple(v) for k, v in measure.filter.items()},
                concern=concern.id,
                reasons=(reason,),
                unmeasured=""
                if name
                else f"the engagement has no {measure.source} source to measure it",
            )
        )
    return out


def _data_candidates(
    sources: Mapping[str, LoadResult],
    windows: Mapping[str, Window],
    harm_table: HarmTable,
    n: int,
    found: list[Candidate],
) -> list[Candidate]:
    out: list[Candidate] = []
    taken_labels = {
        entry.label
        for c in found
        if c.kind == "incidents"
        for value in c.names()
        if (entry := harm_table.lookup(value)) is not None
    }
    order = sorted(
        (k for k in sources if sources[k].kind in SCREENED_KINDS and k in windows),
        key=lambda k: SCREENED_KINDS.index(sources[k].kind),
    )
    for name in order:
        source = sources[name]
        column = _group_column(source)
        if column is None or n == 0:
            continue
        screen = screen_categories(
            source, name=name, column=column, window=windows[name], harm_table=harm_table
        )
        if source.kind != "incidents":
            same = screen["harm_label"].isin(taken_labels) & (screen["harm_label"] != "")
            screen = screen[~same]
        noun = "call type" if source.kind == "calls" else column.replace("_", " ")
        by_harm = screen[screen["harm"].notna() & (screen["harm"] > 0)].head(n)
        rising = screen[
            (screen["clear_change"] > 0) & ~screen["category"].isin(by_harm["category"])
        ]
        rising = rising.sort_values("clear_change", ascending=False).head(n)
        for rank, row in enumerate(by_harm.itertuples(), start=1):
            out.append(
                _data_candidate(
                    source,
                    name,
                    column,
                    row,
                    noun,
                    f"{_ordinal(rank)} {noun} by total harm in 12 months",
                )
            )
        for row in rising.itertuples():
            why = (
                f"a clear rise on the year before (rate ratio {row.ratio:.2f}, "
                f"p = {row.p_value:.3f})"
            )
            out.append(_data_candidate(source, name, column, row, noun, why))
        if source.kind == "incidents":
            taken_labels |= set(by_harm["harm_label"]) | set(rising["harm_label"])
    return out


def _ordinal(n: int) -> str:
    return {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}.get(n, f"{n}th")


def _data_candidate(
    source: LoadResult, name: str, column: str, row: Any, noun: str, why: str
) -> Candidate:
    label = row.category if source.kind == "incidents" else f"{row.category} ({name})"
    return Candidate(
        slugify(f"{name} {row.category}"),
        label,
        "data",
        name,
        source.kind,
        filter={column: (row.category,)},
        reasons=(why,),
    )


def _partner_candidates(sources: Mapping[str, LoadResult]) -> list[Candidate]:
    out = []
    for name, source in sources.items():
        if source.kind != "partner_metrics" or source.data.empty:
            continue
        pairs = source.data[["partner", "metric"]].astype(str).drop_duplicates()
        for row in pairs.itertuples():
            out.append(
                Candidate(
                    slugify(f"{row.partner} {row.metric}"),
                    f"{row.metric} ({row.partner})",
                    "partner",
                    name,
                    "partner_metrics",
                    filter={"partner": (row.partner,), "metric": (row.metric,)},
                    reasons=(f"a metric {row.partner} shares with the department",),
                )
            )
    return out


def _engagement_candidates(
    specs: list[CandidateSpec], sources: Mapping[str, LoadResult]
) -> list[Candidate]:
    out = []
    for spec in specs:
        if spec.source not in sources:
            raise PrioritizationError(
                f"prioritization.candidates.add: {spec.id!r} names source {spec.source!r}, "
                f"which did not load; loaded sources are {sorted(sources)}"
            )
        out.append(
            Candidate(
                spec.id,
                spec.label,
                "engagement",
                spec.source,
                sources[spec.source].kind,
                filter={k: tuple(v) for k, v in spec.filter.items()},
                concern=spec.concern,
                partners=tuple(spec.partners),
                data_kinds=tuple(spec.data),
                reasons=(f"added by the group{': ' + spec.note if spec.note else ''}",),
            )
        )
    return out


def _link_concerns(candidates: list[Candidate], scanning: Scanning) -> list[Candidate]:
    """Give each candidate without a concern the one whose measure covers it, or its label's."""
    book = scanning.codebook
    measures = book.measures()
    todo = [c for c in candidates if c.concern is None]
    if not todo:
        return candidates
    coding = code_responses(
        pd.DataFrame(
            {
                "response": [c.label for c in todo],
                "response_id": [f"c{i}" for i in range(len(todo))],
            }
        ),
        book,
        check_language=False,
    )
    mentions = coding.evidence[coding.evidence["status"] == "coded"]
    longest = (  # the concern whose words cover most of the label
        mentions.assign(n=mentions["text"].str.len())
        .sort_values("n", ascending=False, kind="stable")
        .drop_duplicates("response_id")
        .set_index("response_id")["concern"]
    )
    found = {}
    for i, c in enumerate(todo):
        covering = [
            cid
            for cid, m in measures.items()
            if m.source == c.kind
            and c.filter
            and all(col in m.filter and set(v) <= set(m.filter[col]) for col, v in c.filter.items())
        ]
        by_label = [longest[f"c{i}"]] if f"c{i}" in longest.index else []
        pick = (covering or by_label or [None])[0]
        if pick is not None:
            found[c.id] = pick
    return [c if c.id not in found else _replace(c, concern=found[c.id]) for c in candidates]


def _replace(c: Candidate, **changes: Any) -> Candidate:
    return replace(c, **changes)


def _merge(candidates: list[Candidate]) -> list[Candidate]:
    """Keep one candidate per measure, in the order of :data:`ORIGINS`; merge reasons."""
    rank = {o: i for i, o in enumerate(ORIGINS)}
    ordered = sorted(candidates, key=lambda c: rank[c.origin])
    kept: dict[tuple[Any, ...], Candidate] = {}
    for c in ordered:
        key = c.key()
        if key not in kept:
            kept[key] = c
            continue
        first = kept[key]
        kept[key] = _replace(
            first,
            reasons=first.reasons + tuple(r for r in c.reasons if r not in first.reasons),
            concern=first.concern or c.concern,
        )
    out, ids = [], set()
    for c in kept.values():
        cid, k = c.id, 2
        while cid in ids:
            cid, k = f"{c.id}-{k}", k + 1
        ids.add(cid)
        out.append(c if cid == c.id else _replace(c, id=cid))
    return out


def find_candidates(
    sources: Mapping[str, LoadResult],
    scanning: Scanning,
    *,
    settings: Prioritization | None = None,
    harm_table: HarmTable,
    coverages: Mapping[str, SourceCoverage] | None = None,
) -> CandidateList:
    """Gather the candidate problems and compute the data facts of each.

    Parameters
    ----------
    sources : mapping of str to LoadResult
        The engagement's loaded sources.
    scanning : Scanning
        The scanning results (:func:`~cs360lib.steps.prioritize.partners.scanning_input`).
    settings : Prioritization, optional
        The engagement's ``prioritization:`` section (``as_of``, ``data_candidates``,
        candidates added and dropped).
    harm_table : HarmTable
        Harm weights.
    coverages : mapping of str to SourceCoverage, optional
        Monthly coverage of the sources (computed when not given).

    Returns
    -------
    CandidateList
        Every candidate, with the data facts of the measured ones. The window of each source
        is the 12 complete months up to ``settings.as_of``; without it, up to the end of the
        scanning interviews when the source covers that date (the group prioritizes what
        the scanning found), else up to the source's last complete month.

    Raises
    ------
    PrioritizationError
        If an added candidate names a source that did not load.
    """
    settings = settings or Prioritization()
    warnings: list[str] = list(scanning.warnings)
    countable = {k: r for k, r in sources.items() if r.kind in (*EVENT_KINDS, "partner_metrics")}
    coverages = dict(coverages or {})
    for name, result in countable.items():
        if name not in coverages:
            coverages[name] = source_coverage(result, name=name, period="month")
    windows = _windows(countable, coverages, settings.as_of, scanning, warnings)
    found = _engagement_candidates(settings.candidates.add, sources)
    found += _concern_candidates(countable, scanning)
    found += _data_candidates(countable, windows, harm_table, settings.data_candidates, found)
    found += _partner_candidates({k: v for k, v in countable.items() if k in windows})
    found = _merge(_link_concerns(found, scanning))
    facts: dict[str, EventFacts] = {}
    final = []
    for c in found:
        if c.source is not None and not c.unmeasured and c.source in windows:
            f = event_facts(
                sources[c.source],
                name=c.source,
                filter=c.filter,
                harm_table=harm_table,
                window=windows[c.source],
                coverage=coverages[c.source],
            )
            facts[c.id] = f
            if f.count is None:
                c = _replace(c, unmeasured=f.problems.get("frequency", "no data"))
        elif c.source is not None and c.source not in windows and not c.unmeasured:
            c = _replace(c, unmeasured=f"{c.source} has no dated row")
        final.append(c)
    drop = set(settings.candidates.drop)
    unknown = sorted(drop - {c.id for c in final})
    if unknown:
        warnings.append(
            f"prioritization.candidates.drop names {', '.join(map(repr, unknown))}, which "
            f"no candidate has; the ids are {', '.join(c.id for c in final)}"
        )
    final = [
        _replace(c, dropped="by the group (in the engagement file)") if c.id in drop else c
        for c in final
    ]
    return CandidateList(
        candidates=tuple(final),
        facts=facts,
        windows=windows,
        harm_table=harm_table,
        scanning=scanning,
        warnings=warnings,
    )
