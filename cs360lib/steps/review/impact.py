"""Impact: did each measure of the plan change, with the design the plan chose.

One call reviews every measure of every response (``responses[i].measures``; a response that
names none is reviewed on every metric of the engagement, with a warning):

- **count measures** (incidents, calls, arrests, partner metrics): interrupted time series,
  controlled against the comparison area, WDD against the control and displacement areas, or
  pre-post, by the response's design (:mod:`cs360lib.steps.review.counts`);
- **survey measures**: the change in the mean score with its interval, by area and group, and
  a difference in differences against the surveyed comparison areas
  (:mod:`cs360lib.steps.review.survey`);
- **actions-log measures** (an output such as patrol hours): what was delivered before and
  since the start, from the log (a record, not a sample: no interval);
- anything else (interviews) is listed as not evaluated, with the reason.

The design of a response is the one it names (``design:``), else the evaluation-design
assistant's recommendation (:func:`cs360lib.steps.design.recommended_designs`) for the
problem's counts; a recurring response is an interrupted time series with an on/off indicator
(with its comparison area when it has one). Every row gets one plain-language sentence that is
built from its own numbers, and the mark of :mod:`cs360lib.steps.review._common`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import altair as alt
import numpy as np
import pandas as pd

from cs360lib.config.engagement import Engagement, Metric, Response
from cs360lib.data.loaders import LoadResult
from cs360lib.data.series import SERIES_KINDS, filter_mask
from cs360lib.errors import Cs360Error
from cs360lib.publish.aggregate import MAX_BARS
from cs360lib.publish.count_tables import Counts
from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table
from cs360lib.steps.design import recommended_designs
from cs360lib.steps.metrics import measures as metric_table
from cs360lib.steps.review._common import MARK_COLOURS, better_direction, date_text, review_date
from cs360lib.steps.review.counts import count_analyses
from cs360lib.steps.review.process import ProcessEvaluation
from cs360lib.steps.review.survey import SurveyChange, did_sentence, survey_change, survey_sentence

if TYPE_CHECKING:  # pragma: no cover
    from pandas.io.formats.style import Styler

__all__ = ["IMPACT_COLUMNS", "Impact", "impact", "response_designs"]

IMPACT_COLUMNS: list[str] = [
    "response",
    "measure",
    "goal",
    "goal_name",
    "dimension",
    "provider",
    "type",
    "source",
    "better",
    "design",
    "analysis",
    "role",
    "primary",
    "scale",
    "period",
    "timing",
    "periods_before",
    "periods_after",
    "before",
    "after",
    "estimate",
    "low",
    "high",
    "p_value",
    "rel_change",
    "rel_low",
    "rel_high",
    "actual",
    "expected",
    "expected_low",
    "expected_high",
    "mark",
    "sentence",
]
"""Columns of :attr:`Impact.frame`."""

ANALYSES: dict[str, str] = {
    "controlled_its": "Interrupted time series against the comparison area",
    "its": "Interrupted time series",
    "pre_post_comparison": "Pre-post against the comparison area",
    "pre_post": "Pre-post",
    "wdd": "Weighted displacement difference",
    "survey_change": "Change in the mean score",
    "survey_did": "Difference in differences of the mean score",
    "actions": "Actions log",
    "not evaluated": "Not evaluated",
}
"""What each ``analysis`` of the impact table is, in words."""

_MAX_CHART_ROWS = 200
"""Most rows the impact chart draws (the first responses' measures; the table has them all)."""

_COUNT_ANALYSES = ("controlled_its", "its", "pre_post_comparison", "pre_post", "wdd")

_CAVEATS = {
    "not implemented": (
        "It was not carried out (see the process evaluation): the figures below are not a "
        "verdict on it."
    ),
    "partly implemented": (
        "It was carried out only in part (see the process evaluation): the figures below are "
        "not a verdict on the response as planned."
    ),
}

_DESIGN_WORDS = {
    "its_comparison": "an interrupted time series with a comparison group",
    "its": "an interrupted time series",
    "pre_post_comparison": "a pre-post comparison with a comparison group",
    "pre_post": "a pre-post comparison",
}


def response_designs(
    engagement: Engagement, sources: Mapping[str, LoadResult] | None = None
) -> pd.DataFrame:
    """Return the evaluation design of each response and where it comes from.

    Parameters
    ----------
    engagement : Engagement
        The engagement (its responses' ``design`` and ``recurring``).
    sources : mapping of str to LoadResult, optional
        Its loaded sources, for the assistant's recommendation.

    Returns
    -------
    pandas.DataFrame
        ``response``, ``design``, ``chosen_by`` (``plan``, ``assistant`` or ``default``) and
        ``reason``.
    """
    rows = []
    recommended: dict[str, tuple[str, str]] = {}
    need = [r for r in engagement.responses if r.design is None and not r.recurring]
    why = ""
    if need and sources is not None:
        try:
            table = recommended_designs(engagement, sources)
            recommended = {r.response: (r.design, r.reason) for r in table.itertuples(index=False)}
        except Cs360Error as error:
            why = f"the design assistant could not recommend a design ({error})"
    for r in engagement.responses:
        if r.design is not None:
            rows.append((r.name, r.design, "plan", "the design written in the plan"))
        elif r.recurring:
            design = "its_comparison" if r.comparison else "its"
            rows.append(
                (
                    r.name,
                    design,
                    "default",
                    "a recurring response: an on/off indicator for its actions",
                )
            )
        elif r.name in recommended:
            design, reason = recommended[r.name]
            rows.append(
                (r.name, design, "assistant", reason or "the strongest design the data support")
            )
        else:
            rows.append(
                (r.name, "its", "default", why or "no loaded sources to choose a design from")
            )
    return pd.DataFrame(rows, columns=["response", "design", "chosen_by", "reason"])


@dataclass(frozen=True)
class Impact(Result):
    """The impact of each response on each measure of the plan.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per response, measure and analysis (:data:`IMPACT_COLUMNS`): the measure's
        ``goal``, ``provider`` (police or partner), ``type`` and ``better`` direction; the
        ``design`` and ``analysis`` (:data:`ANALYSES`); ``role`` (``target``,
        ``displacement`` or ``comparison``: the area the row is about); ``primary`` (the row
        that judges the measure, one per measure); ``scale`` (``ratio``: a rate ratio,
        ``difference``, ``points``: score points, ``count``: crimes of a WDD, ``amount``:
        logged dosage); ``period`` (``day``, ``week`` or ``month``) and ``timing`` (``step``:
        before and since the start; ``episodes``: a recurring response's days off and on);
        ``before`` and ``after`` (mean per period before and since the start, or off and on
        for a recurring response); ``estimate`` with ``low``/``high`` (the
        interval) and ``p_value``; ``rel_change``/``rel_low``/``rel_high`` (the same as a
        percentage change, for charts); ``actual``, ``expected``, ``expected_low``,
        ``expected_high`` (the counts since the start against the prediction interval of what
        would have been recorded without the response); ``mark`` and ``sentence``.
    designs : pandas.DataFrame
        The design of each response (:func:`response_designs`) and its ``fidelity`` (the
        process evaluation's verdict when it was given, else empty).
    survey : SurveyChange
        The survey measures by area and group.
    models : dict
        The fitted models by ``(response, measure, analysis)`` (``ITSResult`` or
        ``WDDResult``): their own ``.chart()`` and ``.summary()``.
    as_of : pandas.Timestamp
        The review date.
    alpha : float
        One minus the confidence level.
    """

    frame: pd.DataFrame
    designs: pd.DataFrame
    survey: SurveyChange
    models: dict[tuple[str, str, str], Any] = field(repr=False)
    as_of: pd.Timestamp
    alpha: float = 0.05
    # the events recorded since the start (each row stands alone); the mean per period since
    # the start is hidden with them. Expected counts are model predictions, not records.
    count_columns = (
        Counts(
            ("actual",),
            by=("response", "measure", "analysis", "role"),
            totals=(),
            rates={"after": "actual"},
        ),
    )
    privacy = {"response": "public", "sentence": "public"}
    labels = {
        "response": "Response",
        "measure": "Measure",
        "goal_name": "CS360 goal",
        "provider": "Data from",
        "type": "Type",
        "analysis": "Analysis",
        "role": "Area",
        "before": "Before (per period)",
        "after": "Since (per period)",
        "estimate": "Estimate",
        "low": "Interval from",
        "high": "Interval to",
        "actual": "Recorded since the start",
        "expected": "Expected without the response",
        "expected_low": "Expected from",
        "expected_high": "Expected to",
        "mark": "Mark",
        "sentence": "In words",
    }

    def to_frame(self) -> pd.DataFrame:
        """Return every row of the impact table (a copy)."""
        return self.frame.copy()

    def with_frame(self, frame: pd.DataFrame, publication: Any) -> Impact | None:
        """Rebuild the impact from its published frame, the sentences saying hidden counts.

        Parameters
        ----------
        frame : pandas.DataFrame
            The published frame (hidden counts missing).
        publication : Publication
            What was hidden; its ``shown`` table gives each hidden count's marker.

        Returns
        -------
        Impact or None
            The published copy: a sentence whose count since the start is hidden says the
            marker (``"<5 recorded"``) instead.
        """
        if len(frame) != len(self.frame):
            return None
        frame = frame.copy()
        hidden = frame["actual"].isna().to_numpy() & self.frame["actual"].notna().to_numpy()
        if hidden.any():
            shown = publication.shown.reset_index(drop=True)
            label = self.labels["actual"]
            column = label if label in shown.columns else "actual"
            sentences = frame["sentence"].astype(str).to_numpy(copy=True)
            for i in np.flatnonzero(hidden):
                marker = str(shown[column].iloc[i]) if column in shown.columns else "a few"
                count = f"{float(self.frame['actual'].iloc[i]):,.0f} recorded"
                sentences[i] = sentences[i].replace(count, f"{marker} recorded")
            frame["sentence"] = sentences
        return dataclasses.replace(
            self, frame=frame, publication=publication, **dict(publication.copies)
        )

    def primary(self) -> pd.DataFrame:
        """Return the row that judges each measure (one per response and measure)."""
        return self.frame[self.frame["primary"]].reset_index(drop=True)

    def table(self) -> Styler:
        """Return the judging row of each measure as a presentation table.

        Returns
        -------
        pandas.io.formats.style.Styler
            Response, measure, data from, analysis, before, since, estimate and interval,
            mark.
        """
        shown = self.primary()[
            [
                "response",
                "measure",
                "provider",
                "analysis",
                "before",
                "after",
                "estimate",
                "low",
                "high",
                "mark",
            ]
        ].copy()
        shown["analysis"] = shown["analysis"].map(ANALYSES).fillna(shown["analysis"])
        return presentation_table(shown, labels=self.labels)

    def summary(self) -> str:
        """Say, per response, the design and one sentence per measure.

        Returns
        -------
        str
            Per response: the design used and why; the judging sentence of each measure; the
            other analyses (the single time series when the controlled one judges, the
            displacement area, the WDD, the survey's difference in differences); then warnings.
        """
        if self.frame.empty:
            return "\n".join(["No measure of the plan could be reviewed.", *self.warning_lines()])
        lines = []
        designs = self.designs.set_index("response")
        for response, rows in self.frame.groupby("response", sort=False):
            counted = rows["analysis"].isin(_COUNT_ANALYSES).any()
            if response in designs.index and counted:
                d = designs.loc[response]
                lines.append(
                    f"{response}: reviewed with {_DESIGN_WORDS.get(d['design'], d['design'])} "
                    f"({'chosen in the plan' if d['chosen_by'] == 'plan' else d['reason']})."
                )
            else:
                lines.append(f"{response}:")
            fidelity = designs.loc[response, "fidelity"] if response in designs.index else ""
            if fidelity in _CAVEATS:
                lines.append(f"- {_CAVEATS[fidelity]}")
            for r in rows[rows["primary"]].itertuples():
                lines.append(f"- {r.sentence}")
            others = rows[~rows["primary"]]
            if len(others):
                # the verdict is the design's (above); these other analyses are context and
                # may read "clear" where the stronger design does not (a fresh-user check read
                # them as a second, contradicting verdict)
                lines.append(
                    "  Other analyses, for context only (the verdict above is the one the "
                    "design gives; a single area's series or a simple before-after comparison "
                    "does not allow for the change seen in the comparison area):"
                )
                lines += [f"  - {r.sentence}" for r in others.itertuples()]
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Draw each measure's change with its interval, as a percentage, coloured by its mark.

        Returns
        -------
        altair.Chart
            One point and interval bar per judging row and displacement row (at most 40 per
            response, 200 in all), a rule at no change; rate ratios and score changes both as
            a percentage change from before.
        """
        f = self.frame
        main = f[f["primary"]].set_index(["response", "measure"])["analysis"]
        key = pd.MultiIndex.from_frame(f[["response", "measure"]])
        same = f["analysis"].to_numpy() == main.reindex(key).to_numpy()
        f = f[(f["primary"] | ((f["role"] == "displacement") & same)) & f["rel_change"].notna()]
        f = f.groupby("response", sort=False).head(MAX_BARS).head(_MAX_CHART_ROWS)
        data = f.assign(
            label=np.where(
                f["role"] == "displacement", f["measure"] + " (displacement area)", f["measure"]
            ),
            low=f["rel_low"].clip(lower=-100, upper=300),
            high=f["rel_high"].clip(lower=-100, upper=300),
        )[["response", "label", "provider", "rel_change", "low", "high", "mark", "sentence"]]
        if data.empty:
            data = pd.DataFrame(
                {
                    "response": [""],
                    "label": ["no measure with an estimate"],
                    "provider": [""],
                    "rel_change": [0.0],
                    "low": [0.0],
                    "high": [0.0],
                    "mark": ["not tested"],
                    "sentence": [""],
                }
            )
        colour = alt.Color(
            "mark:N",
            title="mark",
            scale=alt.Scale(domain=list(MARK_COLOURS), range=list(MARK_COLOURS.values())),
        )
        y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=360))
        base = alt.Chart(data)
        bars = base.mark_rule().encode(
            y=y, x=alt.X("low:Q", title="change from before (%)"), x2="high:Q", color=colour
        )
        points = base.mark_point(filled=True, size=60).encode(
            y=y, x="rel_change:Q", color=colour, tooltip=["label", "provider", "mark", "sentence"]
        )
        zero = base.mark_rule(strokeDash=[4, 3], color="#555").encode(x=alt.datum(0))
        return alt.layer(zero, bars, points).properties(
            width=460, title="Each measure's change since the response began, with its interval"
        )


def _relative(row: dict[str, Any]) -> tuple[float, float, float]:
    scale = row.get("scale")
    est, low, high = row.get("estimate", np.nan), row.get("low", np.nan), row.get("high", np.nan)
    if scale == "ratio":
        return 100 * (est - 1), 100 * (low - 1), 100 * (high - 1)
    before = row.get("before", np.nan)
    if scale in ("points", "difference") and before and np.isfinite(before):
        return 100 * est / before, 100 * low / before, 100 * high / before
    return np.nan, np.nan, np.nan


def _actions_row(
    data: pd.DataFrame,
    metric: Metric,
    response: Response,
    as_of: pd.Timestamp,
    source: str,
    period: str,
) -> dict[str, Any]:
    mask, _ = filter_mask(data, metric.filter, name=source)
    rows = data[mask & (data["start"] <= as_of)]
    start = pd.Timestamp(response.start)
    amount = (
        pd.to_numeric(rows["dosage"], errors="coerce")
        if "dosage" in rows
        else pd.Series(1.0, index=rows.index)
    )
    unit = (
        ", ".join(sorted(rows["dosage_unit"].dropna().astype(str).unique()))
        if "dosage_unit" in rows
        else ""
    )
    unit = unit or "actions"
    before = float(amount[rows["start"] < start].sum())
    since = float(amount[rows["start"] >= start].sum())
    days = max(
        (min(as_of, pd.Timestamp(response.end) if response.end else as_of) - start).days + 1, 1
    )
    per = {"month": 365.25 / 12, "week": 7.0}[period]
    n_after = days / per
    rate = since / n_after
    text = (
        f"{metric.name}: from the actions log, {since:,.0f} {unit} since {date_text(start)} "
        f"(about {rate:,.0f} a {period}); {before:,.0f} before. A record of what was done, not "
        "an estimate: no interval."
    )
    return {
        "analysis": "actions",
        "role": "target",
        "primary": True,
        "scale": "amount",
        "period": period,
        "periods_after": int(round(n_after)),
        "after": rate,
        "actual": since,
        "before": np.nan,
        "mark": "not tested",
        "sentence": text,
        "design": "",
    }


def _survey_rows(change: SurveyChange, response: str, measure: str) -> list[dict[str, Any]]:
    f = change.frame
    mine = f[(f["response"] == response) & (f["measure"] == measure)]
    level = round(100 * (1 - change.alpha))
    rows = []
    for analysis, name, say in (
        ("measure", "survey_change", survey_sentence),
        ("difference in differences", "survey_did", did_sentence),
    ):
        for r in mine[mine["analysis"] == analysis].itertuples():
            rows.append(
                {
                    "analysis": name,
                    "role": "target",
                    "primary": name == "survey_change",
                    "scale": "points",
                    "design": "",
                    "periods_before": r.periods_before,
                    "periods_after": r.periods_after,
                    "before": r.before,
                    "after": r.after,
                    "estimate": r.change,
                    "low": r.low,
                    "high": r.high,
                    "p_value": r.p_value,
                    "mark": r.mark,
                    "sentence": f"{measure}: {say(r, level)}",
                }
            )
    return rows


def impact(
    engagement: Engagement,
    sources: Mapping[str, LoadResult],
    *,
    as_of: object = None,
    alpha: float = 0.05,
    process: ProcessEvaluation | None = None,
) -> Impact:
    """Review every measure of every response with the response's design.

    Parameters
    ----------
    engagement : Engagement
        The engagement: responses (start, end, areas, measures, design, recurring), metrics,
        areas and ``analysis`` (period and window).
    sources : mapping of str to LoadResult
        Its loaded sources (``load_engagement``).
    as_of : date-like, optional
        The review date (default the analysis end, else the data's last date).
    alpha : float, default 0.05
        One minus the confidence level of every interval.
    process : ProcessEvaluation, optional
        The process evaluation: with it, the summary says before a response's figures that
        it was not carried out (or only in part), so that they are not read as a verdict on it.

    Returns
    -------
    Impact
        One row per response, measure and analysis, with a sentence each; see the module
        docstring. A measure that cannot be evaluated gets a "not evaluated" row that says why.
    """
    as_of = pd.Timestamp(as_of) if as_of is not None else review_date(engagement, sources)
    designs = response_designs(engagement, sources)
    verdicts = (
        dict(zip(process.frame["response"], process.frame["verdict"], strict=True))
        if process is not None and not process.frame.empty
        else {}
    )
    designs["fidelity"] = designs["response"].map(verdicts).fillna("")
    design_of = dict(zip(designs["response"], designs["design"], strict=True))
    facts = metric_table(engagement).set_index("name")
    metrics = {m.name: m for m in engagement.metrics}
    survey = survey_change(engagement, sources, as_of=as_of, alpha=alpha)
    actions_name = next(
        (n for n, s in engagement.sources.items() if s.kind == "actions" and n in sources), None
    )
    actions = sources[actions_name].data if actions_name else None
    rows: list[dict[str, Any]] = []
    models: dict[tuple[str, str, str], Any] = {}
    notes: list[str] = list(survey.warnings)
    coverages: dict[tuple[str, str], Any] = {}
    for response in engagement.responses:
        names = response.measures
        if not names:
            names = [m.name for m in engagement.metrics]
            notes.append(
                f"{response.name} names no measures: every metric of the engagement is reviewed "
                "for it (name its measures under responses[i].measures)."
            )
        for name in names:
            metric = metrics[name]
            kind = engagement.sources[metric.source].kind
            better = better_direction(metric, kind)
            meta = {
                "response": response.name,
                "measure": name,
                "goal": metric.goal,
                "goal_name": facts.loc[name, "goal_name"],
                "dimension": int(facts.loc[name, "dimension"]),
                "provider": facts.loc[name, "provider"],
                "type": metric.type,
                "source": metric.source,
                "better": better or "",
            }
            found: list[dict[str, Any]] = []
            why = ""
            if metric.source not in sources:
                why = f"its source {metric.source!r} did not load"
            elif kind in SERIES_KINDS:
                result = count_analyses(
                    engagement,
                    sources,
                    response,
                    metric,
                    design=design_of[response.name],
                    better=better,
                    as_of=as_of,
                    actions=actions,
                    coverages=coverages,
                    alpha=alpha,
                )
                found = result.rows
                models.update({(response.name, name, k): v for k, v in result.models.items()})
                notes += result.notes
                why = (
                    "; ".join(n.removeprefix(f"{name}: ") for n in result.notes)
                    if not found
                    else ""
                )
            elif kind == "survey":
                found = _survey_rows(survey, response.name, name)
                why = (
                    "the survey has too few periods before or since the start" if not found else ""
                )
            elif kind == "actions":
                found = [
                    _actions_row(
                        sources[metric.source].data,
                        metric,
                        response,
                        as_of,
                        metric.source,
                        engagement.analysis.period,
                    )
                ]
            else:
                why = f"{kind} are not a measure over time"
            if not found:
                found = [
                    {
                        "analysis": "not evaluated",
                        "role": "target",
                        "primary": True,
                        "mark": "not tested",
                        "design": "",
                        "sentence": f"{name}: not evaluated: {why or 'no result'}.",
                    }
                ]
            for row in found:
                row.setdefault("timing", "episodes" if response.recurring else "step")
                row.pop("places", None)
                row.pop("noun", None)
                rel = _relative(row)
                rows.append(
                    {**meta, **row, "rel_change": rel[0], "rel_low": rel[1], "rel_high": rel[2]}
                )
    frame = pd.DataFrame(rows, columns=IMPACT_COLUMNS)
    frame["primary"] = frame["primary"].fillna(False).astype(bool)
    return Impact(
        frame=frame,
        designs=designs,
        survey=survey,
        models=models,
        as_of=as_of,
        alpha=alpha,
        warnings=list(dict.fromkeys(notes)),
    )
