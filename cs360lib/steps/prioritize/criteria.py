"""The criteria of the priority worksheet, each computed from data with a stated formula.

Seven criteria, in the spirit of the problem-selection criteria of the problem-oriented
policing guides (Clarke and Eck 2005, step 14 onwards; Ratcliffe 2015 for harm) and of the
CS360 guide's public safety priority worksheet. For each candidate (window: the 12 complete
months of :class:`~cs360lib.steps.prioritize.evidence.Window`):

``frequency``
    ``F = N`` events in the window, or ``F = 1000 * N / P`` per 1,000 residents a year when
    the engagement gives the population ``P`` (``prioritization.population``). ``N`` is
    scaled to 12 months when months of the window have no data (a gap or a category not
    recorded): ``N = 12 * mean of the months with data``. Source: the department's (or the
    partner's) own records, counted by :func:`cs360lib.data.series.count_series`.
``harm``
    ``H = sum over events of w(category)``: the events weighted by the harm table
    (:mod:`.harm`; default: days of imprisonment for a first offender under the US
    Sentencing Guidelines, after the Cambridge Crime Harm Index), scaled like ``N``.
``trend``
    The rate ratio ``R = (N1 / m1) / (N0 / m0)`` of the window (``N1`` events in ``m1``
    months with data) against the 12 months before it (``N0``, ``m0``), tested by the exact
    conditional Poisson test (``N1 ~ Binomial(N0 + N1, m1 / (m0 + m1))`` under ``R = 1``;
    :func:`~cs360lib.steps.prioritize.evidence.trend_test`). The value scored is the
    **clear change** ``T = log(L)`` with ``L`` the end of the 95% interval of ``R`` nearest 1,
    and ``T = 0`` when the interval holds 1: a rise counts only as far as the data support it.
``concentration``
    The generalized Gini ``G'`` of Bernasco and Steenbeek (2017) of the window's events over
    places (blocks when the source has addresses, else beats, districts or areas; every place
    of the source in the two years counts, with or without events):
    ``G' = 1 - max(1, n / N) (1 - G)`` for ``n`` places and the Gini ``G``; it equals ``G``
    when events outnumber places and does not reward a rare offense for leaving most places
    empty. The share of events on the top 10% of places and ``G`` are shown beside it
    (:func:`cs360lib.analysis.concentration.concentration`).
``community``
    ``C = k / K``: of the ``K`` stakeholders interviewed outside the department, the ``k`` who
    raised the candidate's concern in the public-safety theme, each counted once
    (:func:`cs360lib.steps.scanning.synthesize`).
``feasibility``
    ``P``: partners outside the department who hold a lever on the problem (handler, guardian
    or manager; Eck 2003) in the community map and are linked to it (they raised it, their
    work or data covers it, or the engagement names them) (:mod:`.partners`).
``data``
    ``D = d_internal + d_partner + d_holders``: the department's sources that record the
    problem (its own source, and any other incidents, calls or arrests source with a category
    the harm table files under the same heading or of the same name), the partner metrics
    linked to the same concern, and the stakeholders outside the department who said they
    hold data that helps with it (the data inventory; ``tables/data_relevance.yml``).

A criterion that cannot be computed for a candidate is missing (NaN) with its reason in
:attr:`Criteria.missing`; the scoring step does not rank a candidate that misses a criterion
with a weight above zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from cs360lib.config.prioritization import CRITERIA, CRITERION_LABELS
from cs360lib.data.columns import distinct_text
from cs360lib.data.coverage import source_coverage
from cs360lib.data.loaders import LoadResult
from cs360lib.data.periods import to_periods
from cs360lib.publish.aggregate import first_of, shown_title
from cs360lib.publish.results import Counts, Result
from cs360lib.publish.tables import PresentationTable, presentation_table
from cs360lib.steps.prioritize.candidates import Candidate, CandidateList
from cs360lib.steps.prioritize.evidence import (
    CODE_COLUMNS,
    EventFacts,
    event_facts,
    event_weights,
    place_universe,
    source_window,
)
from cs360lib.steps.prioritize.harm import HarmTable
from cs360lib.steps.scanning import side_counts

__all__ = [
    "CRITERION_DOCS",
    "Criteria",
    "category_criteria",
    "compute_criteria",
    "data_values",
    "describe_missing",
    "frequency_value",
]

CRITERION_DOCS: dict[str, dict[str, str]] = {
    "frequency": {
        "formula": "N events in the 12-month window (N x 1000 / population when given)",
        "unit": "events a year (or per 1,000 residents a year)",
        "source": "department or partner records, counted by month with coverage flags",
    },
    "harm": {
        "formula": "sum of the harm weight of each event's category",
        "unit": "days of imprisonment (harm table)",
        "source": "harm table: US Sentencing Guidelines, first offender (Cambridge CHI method)",
    },
    "trend": {
        "formula": "log of the 95% interval end of the rate ratio nearest 1 (0 if it holds 1)",
        "unit": "log rate ratio",
        "source": "exact conditional Poisson test, window against the 12 months before",
    },
    "concentration": {
        "formula": "generalized Gini G' = 1 - max(1, places / events) (1 - Gini) over places",
        "unit": "0 (even) to 1 (one place)",
        "source": "Bernasco and Steenbeek (2017); events by block, beat, district or area",
    },
    "community": {
        "formula": "external stakeholders who raised it / external stakeholders interviewed",
        "unit": "share",
        "source": "scanning interviews, counted once per stakeholder",
    },
    "feasibility": {
        "formula": "partners outside the department with a lever on it (handler, guardian or "
        "manager)",
        "unit": "partners",
        "source": "community map (stakeholder roster) and scanning interviews",
    },
    "data": {
        "formula": "department sources + partner metrics + external data holders that measure it",
        "unit": "sources",
        "source": "engagement sources and the scanning data inventory",
    },
}
"""Formula, unit and source of each criterion (the worksheet and the Excel export show them)."""


def describe_missing(reasons: Mapping[str, str]) -> str:
    """Write the criteria not computed and why, each reason once.

    Parameters
    ----------
    reasons : mapping of str to str
        Criterion -> why it could not be computed.

    Returns
    -------
    str
        ``"frequency, harm, trend and concentration: <reason>"``; empty without reasons.
    """
    grouped: dict[str, list[str]] = {}
    for criterion, why in reasons.items():
        grouped.setdefault(why, []).append(CRITERION_LABELS.get(criterion, criterion).lower())
    parts = []
    for why, names in grouped.items():
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        parts.append(f"{listed}: {why}")
    return "; ".join(parts)


def frequency_value(count: float, population: int | None = None) -> float:
    """Frequency of a candidate: a count, or a rate per 1,000 residents.

    Parameters
    ----------
    count : float
        Events in the 12-month window.
    population : int, optional
        Residents (> 0).

    Returns
    -------
    float
        ``count`` or ``1000 * count / population``.

    Examples
    --------
    >>> frequency_value(363, 300_000)
    1.21
    """
    if population is None:
        return float(count)
    return 1000.0 * float(count) / float(population)


def data_values(facts: EventFacts | None, population: int | None = None) -> dict[str, object]:
    """Return the four data-driven criteria of one measure and their details.

    Parameters
    ----------
    facts : EventFacts or None
        The measure's facts (None when it could not be measured).
    population : int, optional
        Residents: frequency per 1,000 residents a year.

    Returns
    -------
    dict
        ``frequency``, ``harm``, ``trend`` (clear change), ``concentration`` (generalized
        Gini), then ``events``, ``previous``, ``rate_ratio``, ``ci_low``, ``ci_high``,
        ``p_value``, ``top10_share``, ``gini``, ``place``, ``top_place``,
        ``top_place_share``; NaN (or empty text) where not computed.
    """
    has = facts is not None and facts.count is not None
    t = facts.trend if has else None
    c = facts.concentration if has else None
    nan = math.nan
    return {
        "frequency": frequency_value(facts.count, population) if has else nan,
        "harm": facts.harm if has and facts.harm is not None else nan,
        "trend": t.clear_change if t is not None else nan,
        "concentration": c.generalized_gini if c is not None else nan,
        "events": facts.count if has else nan,
        "previous": t.previous if t is not None else nan,
        "rate_ratio": t.ratio if t is not None else nan,
        "ci_low": t.ci_low if t is not None else nan,
        "ci_high": t.ci_high if t is not None else nan,
        "p_value": t.p_value if t is not None else nan,
        "top10_share": c.top10_share if c is not None else nan,
        "gini": c.gini if c is not None else nan,
        "place": c.place if c is not None else "",
        "top_place": c.top_place if c is not None else "",
        "top_place_share": c.top_place_share if c is not None else nan,
    }


def category_criteria(
    source: LoadResult,
    *,
    name: str,
    column: str,
    harm_table: HarmTable,
    as_of: object = None,
    population: int | None = None,
) -> pd.DataFrame:
    """Compute the data-driven criteria for every category of a column of one source.

    The same facts as the worksheet's (:func:`.evidence.event_facts`, with the source's
    coverage flags) for each value of ``column`` (e.g. every offense group), over the 12
    complete months up to ``as_of`` (default: the source's last complete month).

    Parameters
    ----------
    source : LoadResult
        An event source or partner metrics.
    name : str
        Its name.
    column : str
        The column whose categories are measured (``offense_group``, ``call_type``...).
    harm_table : HarmTable
        Harm weights.
    as_of : date-like, optional
        Last day of the window.
    population : int, optional
        Residents: frequency per 1,000 residents a year.

    Returns
    -------
    pandas.DataFrame
        One row per category: ``category``, ``frequency``, ``harm``, ``trend`` (clear
        change), ``concentration`` (generalized Gini), then ``events``, ``previous``
        (events in the 12 months before), ``rate_ratio``, ``p_value``, ``top10_share``,
        ``gini`` and ``not_computed``.
    """
    coverage = source_coverage(source, name=name, period="month")
    window = source_window(coverage, as_of)
    month = to_periods(source.data[coverage.time_column], "month")
    inside = (month >= window.previous_start) & (month <= window.end)
    values = sorted(distinct_text(source.data.loc[inside, column]))
    places = place_universe(source.data, inside) if source.kind != "partner_metrics" else None
    rows = []
    for value in values:
        f = event_facts(
            source,
            name=name,
            filter={column: [value]},
            harm_table=harm_table,
            window=window,
            coverage=coverage,
            places=places,
        )
        values = data_values(f, population)
        keep = ("frequency", "harm", "trend", "concentration", "events", "previous")
        keep += ("rate_ratio", "p_value", "top10_share", "gini")
        rows.append(
            {
                "category": value,
                **{k: values[k] for k in keep},
                "not_computed": describe_missing(f.problems),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Criteria(Result):
    """The raw criteria of every kept candidate, with their details and missing reasons.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per candidate kept by the group (see :meth:`to_frame`).
    missing : mapping of str to mapping of str to str
        Candidate id -> criterion -> why it could not be computed.
    population : int or None
        Residents, when frequency is a rate.
    candidates : CandidateList
        The candidates and their facts.
    """

    frame: pd.DataFrame
    missing: Mapping[str, Mapping[str, str]]
    population: int | None
    candidates: CandidateList
    labels = {
        "id": "ID",
        "label": "Candidate",
        **CRITERION_LABELS,
        "events": "Events in 12 months",
        "rate_ratio": "Rate ratio",
        "p_value": "P value",
        "top10_share": "Share on top 10% of places",
        "gini": "Gini",
        "place": "Place unit",
        "top_place": "Place with most events",
        "raised": "Raised by (outside the department)",
        "raised_inside": "Raised by (in the department)",
        "raised_all": "Raised by (all stakeholders)",
        "interviewed": "Interviewed (outside the department)",
        "interviewed_inside": "Interviewed (in the department)",
        "interviewed_all": "Interviewed (all stakeholders)",
        "partners": "Partners with levers",
        "data_sources": "Data sources",
        "calls": "Calls for service",
        "not_computed": "Not computed",
    }
    # events and what is computed from them are hidden together for a candidate with few
    # events; raised, interviewed and calls count stakeholders and calls
    count_columns = (
        Counts(
            ("events",),
            by=("id",),
            totals=(),
            estimates=True,
            rates={
                c: "events"
                for c in (
                    "frequency",
                    "harm",
                    "trend",
                    "concentration",
                    "rate_ratio",
                    "ci_low",
                    "ci_high",
                    "p_value",
                    "top10_share",
                    "gini",
                    "top_place_share",
                )
            },
        ),
        # the stakeholders who raised a candidate's concern are published as the scanning
        # notebook publishes them (one declaration for both: side_counts)
        side_counts(
            "id",
            inside="raised_inside",
            outside="raised",
            total="raised_all",
            rates={"community": "raised"},
        ),
        # so are the stakeholders interviewed (the scanning notebook publishes them by sector
        # and outside the department): the share of a hidden count of them is hidden too
        side_counts(
            "id",
            inside="interviewed_inside",
            outside="interviewed",
            total="interviewed_all",
            rates={"community": "interviewed"},
        ),
        Counts(("calls",), by=("id",), totals=()),
        # partners are counted as people: the rule for counts of organisations in
        # docs/privacy.md (feasibility links partners by what they said in the interviews)
        Counts(("feasibility",), by=("id",), totals=()),
    )
    privacy = {"top_place": "location", "partners": "internal"}

    def to_frame(self) -> pd.DataFrame:
        """Return the criteria and their details.

        Returns
        -------
        pandas.DataFrame
            ``id``, ``label``, one column per criterion (:data:`CRITERIA`, NaN where it
            could not be computed), then ``events``, ``rate_ratio``, ``ci_low``,
            ``ci_high``, ``p_value``, ``top10_share``, ``gini``, ``place``, ``top_place``,
            ``top_place_share``, ``raised`` (stakeholders outside the department who
            raised its concern), ``raised_inside`` (in the department), ``raised_all``,
            ``interviewed`` (outside the department), ``interviewed_inside``,
            ``interviewed_all``, ``partners``, ``levers``,
            ``data_sources``, ``calls`` (calls for service that record it in the window) and
            ``not_computed`` (the reasons, in words).
        """
        return self.frame.copy()

    TABLE_COLUMNS = ("label", *CRITERIA, "rate_ratio", "top_place", "raised")
    """Columns of :meth:`table`: the criteria and the details a reader checks them by, in a
    table that fits a page (the events, the trend test's interval and p-value, the lists of
    partners and data sources, and the reasons are in :meth:`to_frame`, the summary and the
    Excel workbook)."""

    def table(self) -> PresentationTable:
        """Return the criteria and their main details as a presentation table.

        Returns
        -------
        cs360lib.publish.tables.PresentationTable
            The columns of :attr:`TABLE_COLUMNS` that the frame has (a published copy
            generalizes or leaves out the place, and shows hidden counts' markers).
        """
        notes = self.publication.notes if self.publication is not None else ()
        source = self.publication.shown if self.publication is not None else self.frame
        shown = source[[c for c in self.TABLE_COLUMNS if c in source.columns]]
        return presentation_table(shown, labels=self.labels, notes=notes)

    def values(self) -> pd.DataFrame:
        """Return the raw criteria only, indexed by candidate id.

        Returns
        -------
        pandas.DataFrame
            One column per criterion.
        """
        return self.frame.set_index("id")[list(CRITERIA)].astype(float)

    def summary(self) -> str:
        """Say how each criterion was computed and which could not be.

        Returns
        -------
        str
            The window, the unit of frequency, and one line per candidate with missing
            criteria.
        """
        unit = "per 1,000 residents a year" if self.population else "events in 12 months"
        lines = [
            f"Criteria for {len(self.frame)} candidates: frequency ({unit}), harm (days of "
            "imprisonment, harm table), trend (clear change on the year before), "
            "concentration (generalized Gini over places), community concern (share of "
            "external stakeholders who raised it), feasibility (partners with levers) and "
            "data availability (sources that measure it)."
        ]
        if not self.frame.empty:
            top = self.frame.sort_values("harm", ascending=False).iloc[0]
            if pd.notna(top["harm"]):
                lines.append(f"Most harm: {top['label']}.")
        for cid, reasons in self.missing.items():
            if reasons:
                label = self.frame.loc[self.frame["id"] == cid, "label"].iloc[0]
                lines.append(f"- {label}: not computed: {describe_missing(reasons)}")
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Grid of candidates by criterion, shaded by where each stands among the candidates.

        Returns
        -------
        altair.Chart
            One row per candidate (the first :data:`~cs360lib.publish.aggregate.MAX_BARS`;
            the title says so when there are more), one cell per criterion, darker the
            higher the candidate is on that criterion's range across the candidates (0
            lowest, 1 highest); blank where the criterion could not be computed. The raw
            value is in the tooltip and the table.
        """
        raw = self.values()
        span = (raw.max() - raw.min()).replace(0, np.nan)
        scaled = ((raw - raw.min()) / span).fillna(0.0)
        long = scaled.reset_index().melt(id_vars="id", var_name="criterion", value_name="scaled")
        long["value"] = raw.reset_index().melt(id_vars="id")["value"].to_numpy()
        long = long[long["value"].notna()].merge(self.frame[["id", "label"]], on="id")
        long["criterion"] = long["criterion"].map(CRITERION_LABELS)
        order = list(self.frame["id"])
        shown, left_out = first_of(long, by="id", order=order)
        labels = list(dict.fromkeys(self.frame.loc[self.frame["id"].isin(shown["id"]), "label"]))
        title = shown_title(
            "Where each candidate stands on each criterion",
            shown=len(labels),
            left_out=left_out,
            what="candidates listed first",
        )
        return (
            alt.Chart(shown, title=title)
            .mark_rect(stroke="white")
            .encode(
                x=alt.X("criterion:N", title=None, sort=[CRITERION_LABELS[c] for c in CRITERIA]),
                y=alt.Y("label:N", title=None, sort=labels),
                color=alt.Color(
                    "scaled:Q",
                    title="lowest (0) to highest (1) among the candidates",
                    scale=alt.Scale(scheme="blues", domain=[0, 1]),
                ),
                tooltip=[
                    "label",
                    "criterion",
                    alt.Tooltip("value:Q", format=",.3~f", title="value"),
                    alt.Tooltip("scaled:Q", format=".2f", title="position"),
                ],
            )
            .properties(width=alt.Step(64))
        )


def _code_values(sources: Mapping[str, LoadResult]) -> dict[str, list[set[str]]]:
    """Distinct values of each event source's category columns (:data:`CODE_COLUMNS`).

    Read once per worksheet (not once per candidate): a big city's calls have millions of rows
    and a few hundred codes.
    """
    out: dict[str, list[set[str]]] = {}
    for name, result in sources.items():
        if result.kind in ("incidents", "calls", "arrests"):
            out[name] = [
                set(distinct_text(result.data[column]))
                for column in CODE_COLUMNS[result.kind]
                if column in result.data.columns
            ]
    return out


def _internal_sources(
    candidate: Candidate,
    facts: EventFacts | None,
    code_values: Mapping[str, list[set[str]]],
    candidates: CandidateList,
) -> list[str]:
    """List the department sources that record the candidate (by name or harm heading)."""
    if candidate.source is None:
        return []
    table = candidates.harm_table
    names = {n.casefold() for n in candidate.names()}
    headings = set(facts.harm_entries.values()) if facts is not None else set()
    headings |= {e.label for n in candidate.names() if (e := table.lookup(n)) is not None}
    found = [candidate.source] if candidate.kind in ("incidents", "calls", "arrests") else []
    for name, columns in code_values.items():
        if name in found:
            continue
        for values in columns:
            if {v.casefold() for v in values} & names or any(
                (e := table.lookup(v)) is not None and e.label in headings for v in values
            ):
                found.append(name)
                break
    return found


def _call_tallies(
    sources: Mapping[str, LoadResult], candidates: CandidateList
) -> dict[str, pd.DataFrame]:
    """Count the calls of each calls source's window by call type (casefolded) and harm heading.

    Counted once per worksheet, so that each candidate sums a few hundred rows instead of
    going over millions of calls. Columns ``type``, ``entry`` (the harm table's heading, empty
    without one) and ``n``.
    """
    out = {}
    for name, result in sources.items():
        if result.kind != "calls" or name not in candidates.windows:
            continue
        window = candidates.windows[name]
        data = result.data
        month = to_periods(data["received_at"], "month")
        rows = (month >= window.start) & (month <= window.end)
        weights = event_weights(data, "calls", candidates.harm_table, rows)
        types = data.loc[rows, "call_type"].astype(str).str.casefold()
        both = pd.DataFrame({"type": types.to_numpy(), "entry": weights["entry"].to_numpy()})
        out[name] = both.value_counts(dropna=False).rename("n").reset_index()
    return out


def _calls(
    candidate: Candidate,
    facts: EventFacts | None,
    tallies: Mapping[str, pd.DataFrame],
) -> int | None:
    """Count the calls for service of the window that record the candidate (None: no calls)."""
    if not tallies:
        return None
    if candidate.kind == "calls" and facts is not None and facts.count is not None:
        return int(round(facts.count))
    names = {n.casefold() for n in candidate.names()}
    headings = set(facts.harm_entries.values()) if facts is not None else set()
    total = 0
    for tally in tallies.values():
        match = tally["type"].isin(names) | (tally["entry"].isin(headings) & (tally["entry"] != ""))
        total += int(tally.loc[match, "n"].sum())
    return total


def _partner_metrics(candidate: Candidate, candidates: CandidateList) -> list[str]:
    """List the partner metrics linked to the candidate's concern (or the candidate itself)."""
    out = []
    for other in candidates.candidates:
        if other.kind != "partner_metrics" or other.id not in candidates.facts:
            continue
        if other.id == candidate.id or (candidate.concern and other.concern == candidate.concern):
            out.append(other.label)
    return out


def compute_criteria(
    candidates: CandidateList,
    sources: Mapping[str, LoadResult],
    *,
    population: int | None = None,
) -> Criteria:
    """Compute the seven criteria for every candidate the group kept.

    Parameters
    ----------
    candidates : CandidateList
        The candidates and their data facts (:func:`.candidates.find_candidates`).
    sources : mapping of str to LoadResult
        The engagement's sources (for the data availability and calls for service).
    population : int, optional
        Residents: frequency becomes a rate per 1,000 residents a year.

    Returns
    -------
    Criteria
        Raw values (see the module docstring for each formula) and the reasons for any
        criterion not computed.
    """
    scan = candidates.scanning
    rows, missing = [], {}
    code_values = _code_values(sources)
    call_tallies = _call_tallies(sources, candidates)
    for c in candidates.active():
        facts = candidates.facts.get(c.id)
        reasons: dict[str, str] = {}
        if c.unmeasured or facts is None:
            why = c.unmeasured or "no measure in data"
            reasons.update(dict.fromkeys(("frequency", "harm", "trend", "concentration"), why))
        else:
            reasons.update(facts.problems)
        values = data_values(facts, population)
        row: dict[str, object] = {"id": c.id, "label": c.label}
        row.update({k: values[k] for k in ("frequency", "harm", "trend", "concentration")})
        share, raised, interviewed, _ = scan.community_concern(c.concern)
        raised_inside = scan.raised_by_side(c.concern)[0]
        interviewed_inside = scan.interviewed_by_side()[0]
        row["community"] = share
        partners = scan.partners(c.concern, c.names(), c.partners)
        row["feasibility"] = float(len(partners))
        internal = _internal_sources(c, facts, code_values, candidates)
        metrics = _partner_metrics(c, candidates)
        holders = scan.holders(c.concern, c.data_kinds)
        held = holders.drop_duplicates("stakeholder_id")
        row["data"] = float(len(internal) + len(metrics) + len(held))
        row.update(
            {
                **{k: v for k, v in values.items() if k not in CRITERIA and k != "previous"},
                "raised": raised,
                "raised_inside": raised_inside,
                "raised_all": raised + raised_inside,
                "interviewed": interviewed,
                "interviewed_inside": interviewed_inside,
                "interviewed_all": interviewed + interviewed_inside,
                "partners": "; ".join(
                    f"{p.organisation} ({p.levers})" for p in partners.itertuples()
                ),
                "levers": "; ".join(
                    sorted({lv for p in partners["levers"] for lv in str(p).split(";") if lv})
                ),
                "data_sources": "; ".join(
                    [*internal, *metrics, *(f"{h.organisation}" for h in held.itertuples())]
                ),
                "calls": _calls(c, facts, call_tallies),
                "not_computed": describe_missing(reasons),
            }
        )
        rows.append(row)
        missing[c.id] = reasons
    columns = [
        "id",
        "label",
        *CRITERIA,
        *[k for k in Criteria.labels if k not in ("id", "label", *CRITERIA)],
    ]
    frame = pd.DataFrame(rows)
    ordered = [c for c in ["id", "label", *CRITERIA] if c in frame.columns]
    frame = (
        frame[ordered + [c for c in frame.columns if c not in ordered]]
        if rows
        else pd.DataFrame(columns=columns)
    )
    return Criteria(
        frame=frame,
        missing=missing,
        population=population,
        candidates=candidates,
        warnings=list(candidates.warnings),
    )
