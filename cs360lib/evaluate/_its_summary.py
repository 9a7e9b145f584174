"""The plain-language summary of an ITS result, for a council or a community meeting.

Rules: an effect is "statistically clear" only when its interval excludes no change; ratios
of 10 or more are said as "N times as high", never as percentages (none above 1,000%);
unbounded intervals are said in words; "crimes averted" are quoted with the prediction
interval of what would have been recorded; every warning and note is said.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._results import (
    amount,
    change_phrase,
    change_words,
    describe_difference,
    describe_ratio,
    interval_words,
    signed_change,
)

if TYPE_CHECKING:  # pragma: no cover
    from ._its_result import ITSResult

__all__ = ["its_summary"]

_CALENDAR = {"dow": "day-of-week", "month": "month", "quarter": "quarter", "year": "year"}


def _name(name: str) -> str:
    return "the response" if name == "response" else name


def _allowing(res: ITSResult) -> str:
    parts = []
    if res.method == "model" and "pre_trend" in res.effects.index:
        steps = any(i.kind == "step" for i in res.interventions)
        parts.append("the trend before the response" if steps else "the trend")
    if res.seasonal:
        parts.append("seasonal patterns")
    if res.calendar and res.method == "model":
        names = [_CALENDAR[c] for c in res.calendar]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        parts.append(f"{joined} effects")
    if res.controls and res.method == "model":
        parts.append(", ".join(res.controls))
    if not parts:
        return ""
    return ", allowing for " + (
        parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    )


def _intro(res: ITSResult) -> str:
    who = f"group {res.treated_label} compared with the other groups" if res.panel else "the series"
    steps = [i for i in res.interventions if i.kind == "step"]
    if steps:
        return (
            f"We compared {res.outcome} in {who} over {res.n_pre:,} periods before and "
            f"{res.n_post:,} periods after the response began ({steps[0].start_text})"
            + _allowing(res)
            + "."
        )
    names = " or ".join(_name(i.name) for i in res.interventions)
    return (
        f"We compared {res.outcome} in {who} in the {res.n_post:,} periods under {names} with "
        f"the {res.n_pre:,} periods without it" + _allowing(res) + "."
    )


def _clear_words(clear: bool, what: str) -> str:
    if clear:
        return f"This {what} is statistically clear: its interval excludes no change."
    return (
        "Its interval includes no change, so this could be chance variation rather than an "
        "effect of the response."
    )


def _effect_lines(res: ITSResult, term: str) -> list[str]:
    e = res.effects.loc[term]
    kind, name = res._design.kinds[term[5:] if term.startswith("diff_") else term]
    lvl = res.level
    panel_head = "the treated group's level relative to the comparison was "
    if kind == "indicator":
        head = f"While {_name(name)} was on, " + (
            panel_head if res.panel else f"{res.outcome} was "
        )
        what = "difference"
    else:
        label = "" if res._design.kinds.get("level_change") else f" ({name})"
        head = f"Right after the response{label} began, " + (
            panel_head if res.panel else "the level was "
        )
        what = "immediate change"
    if res.log_link:
        text, clear = describe_ratio(e["ratio"], e["ratio_low"], e["ratio_high"], lvl)
    else:
        text, clear = describe_difference(
            e["estimate"], e["ci_low"], e["ci_high"], lvl, f"(in {res.outcome})"
        )
    return [head + text + ".", _clear_words(clear, what)]


def _slope_line(res: ITSResult, term: str) -> str:
    sc = res.effects.loc[term]
    s_clear = bool(sc["ci_high"] < 0 or sc["ci_low"] > 0)
    lvl = res.level
    if res.log_link:
        with np.errstate(over="ignore"):
            r, lo, hi = np.exp(sc[["estimate", "ci_low", "ci_high"]].to_numpy(dtype=float))
        stext = (
            f"{signed_change(r)} per period ({lvl}% interval "
            + (
                f"{signed_change(lo)} to {signed_change(hi)}"
                if np.isfinite(hi)
                else f"from {signed_change(lo)}, with no upper limit that the data can set"
            )
            + ")"
        )
    else:
        stext = (
            f"{sc['estimate']:+.3g} per period ({lvl}% interval "
            f"{sc['ci_low']:+.3g} to {sc['ci_high']:+.3g})"
        )
    return f"The trend changed by {stext}; " + (
        "this change in trend is statistically clear."
        if s_clear
        else "the interval includes no change in trend."
    )


def _fewer(x: float) -> str:
    """Say a difference "expected minus observed": ``"120 fewer"`` or ``"15 more"``."""
    return f"{amount(abs(x))} {'fewer' if x >= 0 else 'more'}"


def _impact_line(res: ITSResult) -> str:
    lvl = res.level
    steps = any(i.kind == "step" for i in res.interventions)
    what = "after the start" if steps else "under the response"
    if res.log_link:
        imp = res.impact.loc["cumulative"]
        actual, lo, hi = imp["actual"], imp["predicted_low"], imp["predicted_high"]
        return (
            f"Over the {res.n_post:,} periods {what} there were {actual:,.0f} against about "
            f"{amount(imp['predicted'])} expected without the response: "
            f"{_fewer(imp['predicted'] - actual)} ({lvl}% prediction interval of what would "
            f"have been recorded without it: {interval_words(lo, hi)}, so from "
            f"{_fewer(lo - actual)} to {_fewer(hi - actual)})."
        )
    imp = res.impact.loc["average"]
    return (
        f"Over the {res.n_post:,} periods {what} {res.outcome} averaged {imp['actual']:,.3g} per "
        f"period against about {amount(imp['predicted'], ',.3g')} expected without the response "
        f"({lvl}% prediction interval "
        f"{interval_words(imp['predicted_low'], imp['predicted_high'], ',.3g')})."
    )


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _exact_lines(res: ITSResult) -> list[str]:
    ex = res.exact
    t = ex.test
    lvl = res.level
    lines = [f"Because {ex.reason}."]
    counts = (
        f"{t.post:,} events in {t.post_exposure:,.0f} periods under the response against "
        f"{t.pre:,} in {t.pre_exposure:,.0f} without it"
    )
    clear = bool(t.ci_high < 1 or t.ci_low > 1)
    if t.pre == 0:
        lines.append(
            f"There were {counts}: the rate under the response is at least "
            f"{change_phrase(ex.bound, 'without it')} (one-sided {lvl}% bound), with no upper "
            f"limit the data can set (exact test, {_p(t.p_value)})."
        )
    elif t.post == 0:
        lines.append(
            f"There were {counts}: the rate under the response is at least "
            f"{change_phrase(ex.bound, 'without it')} (one-sided {lvl}% bound; exact test, "
            f"{_p(t.p_value)})."
        )
    else:
        lines.append(
            f"There were {counts}: the rate under the response was "
            f"{change_phrase(t.ratio, 'without it')} ({lvl}% interval: from "
            f"{change_words(t.ci_low)} to {change_words(t.ci_high)}; exact test, "
            f"{_p(t.p_value)})."
        )
    lines.append(
        "The difference is statistically clear: the interval excludes no change."
        if clear
        else "The interval includes no change, so the difference could be chance variation."
    )
    return lines


def its_summary(res: ITSResult) -> str:
    """Summarise an ITS result in plain words (see :meth:`ITSResult.summary`)."""
    lines = [_intro(res)]
    if res.method == "exact":
        lines.extend(_exact_lines(res))
    else:
        prefix = "diff_" if res.panel else ""
        for term, (kind, _) in res._design.kinds.items():
            if term.startswith("diff_") or kind not in ("level", "indicator", "slope"):
                continue
            if kind == "slope":
                lines.append(_slope_line(res, prefix + term))
            else:
                lines.extend(_effect_lines(res, prefix + term))
    if not res.panel:
        lines.append(_impact_line(res))
    caveats = []
    if res.method == "model":
        if res.cov == "model" and res.autocorrelated:
            caveats.append(
                "the period-to-period ups and downs are correlated, so these intervals may be "
                "too narrow; refit with cov='ar1'"
            )
        if res.family == "poisson":
            disp = float(res.diagnostics.loc["dispersion", "statistic"])
            if disp > 1.5:
                caveats.append(
                    f"the counts vary {disp:.1f} times more than a Poisson model assumes; use "
                    "family='quasipoisson'"
                )
        if res.n_pre < 8 and any(i.kind == "step" for i in res.interventions):
            caveats.append(f"only {res.n_pre} periods before the response make the trend uncertain")
    if caveats:
        lines.append("Caution: " + "; ".join(caveats) + ".")
    lines.append("A change at the same time as the response may also come from other events.")
    lines.extend(f"Note: {n}" for n in res.notes)
    return "\n".join([*lines, *res.warning_lines()])
