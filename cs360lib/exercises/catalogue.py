"""The workshop's exercises, two per CS360 step, with answers computed from the data.

Each exercise asks the learner either to write the library call a step rests on (load a
source with its mapping, rescore the worksheet with the group's weights, pick a comparison
area) or to read a result the way the Problem-Solving Team must (which lever a partner holds,
how concentrated the problem is, was the response carried out, is a change clear). The
expected answer is computed here with the same library calls the real notebooks make, on the
engagement the notebook runs on: the exercises hold for any department.

Tolerances: counts are exact; shares read off a table shown with two decimals are accepted
within 0.01 (one point of percentage); weights are compared as the shares they give, within
1e-6 (floating point).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cs360lib.data.loaders.result import LoadResult
from cs360lib.errors import Cs360Error
from cs360lib.exercises.core import Exercise, Verdict, WorkshopContext
from cs360lib.exercises.judging import as_bool, as_choice, as_number, as_share, close

__all__ = ["EXERCISES", "LEVERS"]

LEVERS = ("handler", "guardian", "manager")
"""The three levers of the problem analysis triangle (Clarke and Eck 2005, step 8)."""

SHARE_TOLERANCE = 0.01
"""A share read off a table shown as a percentage is right within one point."""


class ExerciseDataError(Cs360Error):
    """The engagement's data give this exercise nothing to ask about."""


# --- the step results, computed once per context ------------------------------------------


def _scan(ctx: WorkshopContext) -> Any:
    from cs360lib.steps import scanning

    return ctx.cached("scan", lambda: scanning.scanning_data(ctx.engagement, ctx.sources))


def _worksheet(ctx: WorkshopContext) -> Any:
    from cs360lib.steps import prioritize

    return ctx.cached("worksheet", lambda: prioritize.worksheet(ctx.engagement, ctx.sources))


def _process(ctx: WorkshopContext) -> Any:
    from cs360lib.steps import review

    return ctx.cached("process", lambda: review.process_evaluation(ctx.engagement, ctx.sources))


def _problem_source(ctx: WorkshopContext) -> str:
    eng = ctx.engagement
    if eng.problem is not None and eng.problem.source in ctx.sources:
        return eng.problem.source
    if not ctx.sources:
        raise ExerciseDataError(f"{eng.path}: the engagement names no source")
    return next(iter(ctx.sources))


def _first_row(ctx: WorkshopContext, frame: pd.DataFrame, lacking: str) -> pd.Series:
    """Return the first row of ``frame``, or say what the engagement's data lack."""
    if frame.empty:
        raise ExerciseDataError(f"{ctx.engagement.path}: {lacking}")
    return frame.iloc[0]


def _first_response(ctx: WorkshopContext) -> Any:
    if not ctx.engagement.responses:
        raise ExerciseDataError(
            f"{ctx.engagement.path}: the engagement has no `responses:` yet (notebook 03 plans "
            "them)"
        )
    return ctx.engagement.responses[0]


# --- 00 intake ---------------------------------------------------------------------------


def _q_00_1(ctx: WorkshopContext) -> str:
    name = _problem_source(ctx)
    spec = ctx.engagement.sources[name]
    return (
        f"Load the `{name}` source yourself with `cs.load`: kind `{spec.kind}`, its file and "
        f"the mapping the engagement gives it (both are in `eng.sources[{name!r}]`). Put the "
        "result in `answer`."
    )


def _e_00_1(ctx: WorkshopContext) -> LoadResult:
    return ctx.sources[_problem_source(ctx)]


def _j_00_1(ctx: WorkshopContext, answer: Any, expected: LoadResult) -> Verdict:
    if not isinstance(answer, LoadResult):
        return Verdict(
            False,
            f"the answer is a {type(answer).__name__}, not what cs.load returns (a LoadResult).",
        )
    if answer.kind != expected.kind:
        return Verdict(False, f"this loads kind {answer.kind!r}; the source is another kind.")
    if answer.rows_read != expected.rows_read:
        return Verdict(False, "this read another number of rows: is it the source's file?")
    missing = sorted(set(expected.data.columns) - set(answer.data.columns))
    if missing or len(answer.data) < len(expected.data):
        lost = f" the columns {', '.join(missing)} are missing and" if missing else ""

        return Verdict(
            False,
            f"this is not the engagement's load:{lost} {len(answer.rejected):,} rows were set "
            "aside. Without the source's mapping, columns named the department's way and "
            "values written its way (dates, codes) cannot be read: pass mapping=.",
        )
    if len(answer.data) != len(expected.data):
        return Verdict(False, "this keeps another number of rows than the engagement's load.")
    return Verdict(
        True,
        f"{answer.rows_read:,} rows read; every one is either loaded or set aside with its reason.",
    )


def _q_00_2(ctx: WorkshopContext) -> str:
    return (
        f"How many rows of the `{_problem_source(ctx)}` source were set aside (rejected)? "
        "Give a number."
    )


def _e_00_2(ctx: WorkshopContext) -> int:
    return len(ctx.sources[_problem_source(ctx)].rejected)


def _j_00_2(ctx: WorkshopContext, answer: Any, expected: int) -> Verdict:
    value = as_number(answer)
    source = ctx.sources[_problem_source(ctx)]
    if value == expected:
        return Verdict(True, "every set-aside row keeps its original values and its reason.")
    if value == len(source.data):
        return Verdict(False, "that is the number of rows loaded, not set aside.")
    if value == source.rows_read:
        return Verdict(False, "that is the number of rows read, not set aside.")
    return Verdict(False, "not this number.")


# --- 01 scanning -------------------------------------------------------------------------


_SECTOR_ORDER = {"community": 0, "government": 1, "other_law_enforcement": 2}


def _lever_partner(ctx: WorkshopContext) -> pd.Series:
    from cs360lib.steps import scanning

    frame = ctx.cached("community", lambda: scanning.community(_scan(ctx))).to_frame()
    levers = frame["levers"].fillna("").astype(str).str.split(";")
    single = levers.map(lambda items: len([i for i in items if i.strip()]) == 1)
    outside = frame["sector"].astype(str) != "department"
    pool = frame[single & outside]
    if pool.empty:
        raise ExerciseDataError(
            f"{ctx.engagement.path}: no partner outside the department holds exactly one lever "
            "on the community map (stakeholders' `levers`)"
        )
    # a community partner on a team first: the levers outside the police are the lesson
    order = pool.assign(
        _sector=pool["sector"].astype(str).map(_SECTOR_ORDER).fillna(len(_SECTOR_ORDER)),
        _off_team=pool["teams"].fillna("").astype(str).str.strip() == "",
    )
    return order.sort_values(["_sector", "_off_team", "stakeholder_id"]).iloc[0]


def _q_01_1(ctx: WorkshopContext) -> str:
    partner = _lever_partner(ctx)
    return (
        f"**{partner['organisation']}** ({partner['role']}, {partner['sector']} sector): which "
        'lever does this partner hold over a problem? Answer `"handler"`, `"guardian"` or '
        '`"manager"`.'
    )


def _e_01_1(ctx: WorkshopContext) -> str:
    return str(_lever_partner(ctx)["levers"]).strip().lower()


def _j_01_1(ctx: WorkshopContext, answer: Any, expected: str) -> Verdict:
    choice = as_choice(answer, LEVERS)
    if choice == expected:
        return Verdict(True, "the community map records the same lever.")
    reason = {
        "handler": "a handler knows and influences the people who offend (parents, "
        "probation officers, youth workers)",
        "guardian": "a guardian protects the victims or targets (neighbours, staff, "
        "security, the police themselves)",
        "manager": "a manager is responsible for a place (owners, landlords, transit and "
        "city services)",
    }[choice]
    return Verdict(False, f"the roster says otherwise: {reason}. Does that fit this partner?")


def _concerns_top(ctx: WorkshopContext) -> pd.Series:
    from cs360lib.steps import scanning

    frame = ctx.cached("concerns", lambda: scanning.concerns(_scan(ctx))).to_frame()
    return _first_row(ctx, frame, "the interviews name no concern yet")


def _q_01_2(ctx: WorkshopContext) -> str:
    top = _concerns_top(ctx)
    return (
        f"The concern most stakeholders raised is **{top['label']}**. How many stakeholders "
        "**outside the department** raised it? Give a number."
    )


def _e_01_2(ctx: WorkshopContext) -> int:
    return int(_concerns_top(ctx)["external"])


def _j_01_2(ctx: WorkshopContext, answer: Any, expected: int) -> Verdict:
    value = as_number(answer)
    top = _concerns_top(ctx)
    if value == expected:
        return Verdict(True, "each stakeholder counts once, however often they said it.")
    if value == int(top["stakeholders"]):
        return Verdict(False, "that counts the department's own people too.")
    if value == int(top["internal"]):
        return Verdict(False, "that is the department's own people.")
    return Verdict(False, "not this number.")


# --- 02 prioritization -------------------------------------------------------------------

_TRIPLED = "community"


def _weights(ctx: WorkshopContext) -> dict[str, float]:
    shares = _worksheet(ctx).scores.shares
    return {c: (3.0 if c == _TRIPLED else 1.0) for c in shares.index}


def _q_02_1(ctx: WorkshopContext) -> str:
    names = ", ".join(f"`{c}`" for c in _weights(ctx))
    return (
        "The community members of the group ask that **community concern** count three "
        "times as much as each other criterion. Rescore the worksheet with those weights "
        f"(the criteria are {names}) and put the rescored result in `answer`."
    )


def _e_02_1(ctx: WorkshopContext) -> Any:
    return _worksheet(ctx).scores.rescore(_weights(ctx))


def _j_02_1(ctx: WorkshopContext, answer: Any, expected: Any) -> Verdict:
    if isinstance(answer, dict):
        return Verdict(False, "these are weights; rescore the worksheet's scores with them.")
    shares = getattr(answer, "shares", None)
    if not isinstance(shares, pd.Series) or not hasattr(answer, "ranking"):
        return Verdict(False, f"the answer is a {type(answer).__name__}, not rescored scores.")
    want = expected.shares
    if set(shares.index) != set(want.index):
        return Verdict(False, "these scores do not weigh the worksheet's criteria.")
    off = [c for c in want.index if abs(float(shares[c]) - float(want[c])) > 1e-6]
    if off:
        others = shares.drop(_TRIPLED)
        if float(others.max() - others.min()) > 1e-6:
            return Verdict(False, "the other criteria must all weigh the same.")
        ratio = float(shares[_TRIPLED]) / float(others.iloc[0]) if others.iloc[0] else 0.0
        return Verdict(
            False,
            f"these scores weigh community concern {ratio:.1f} times each other criterion; "
            "the group asked for another ratio.",
        )
    moved = expected.ranking()[0] != _worksheet(ctx).scores.ranking()[0]
    return Verdict(
        True,
        "the ranking follows the new weights"
        + ("; the first place changed." if moved else "; the first place did not change."),
    )


def _q_02_2(ctx: WorkshopContext) -> str:
    sens = _worksheet(ctx).sensitivity.to_frame()
    return (
        f"Under weights varied at random around the group's, in what share of the draws does "
        f"**{sens.iloc[0]['label']}** come first? Give a share between 0 and 1."
    )


def _e_02_2(ctx: WorkshopContext) -> float:
    return float(_worksheet(ctx).sensitivity.to_frame().iloc[0]["p_first"])


def _j_02_2(ctx: WorkshopContext, answer: Any, expected: float) -> Verdict:
    value, _ = as_share(answer)
    if close(value, expected, SHARE_TOLERANCE):
        return Verdict(True, "a first place that holds under most weightings can be defended.")
    top3 = float(_worksheet(ctx).sensitivity.to_frame().iloc[0]["p_top3"])
    if close(value, top3, SHARE_TOLERANCE) and not close(top3, expected, SHARE_TOLERANCE):
        return Verdict(False, "that is the share of draws in the top three, not first.")
    return Verdict(False, "not this share.")


# --- 03 problem analysis -----------------------------------------------------------------


def _places_row(ctx: WorkshopContext) -> pd.Series:
    from cs360lib.steps import problem_analysis

    result = ctx.cached("places", lambda: problem_analysis.places(ctx.engagement, ctx.sources))
    frame = result.to_frame()
    row = frame[frame["measure"] == "top 10% of places"]
    return _first_row(ctx, row, "the problem's events have no places to rank")


def _q_03_1(ctx: WorkshopContext) -> str:
    return (
        "What share of the problem's events falls on the **top 10% of places**? Give a share "
        "between 0 and 1."
    )


def _e_03_1(ctx: WorkshopContext) -> float:
    return float(_places_row(ctx)["events_share"])


def _j_03_1(ctx: WorkshopContext, answer: Any, expected: float) -> Verdict:
    value, _ = as_share(answer)
    if close(value, expected, SHARE_TOLERANCE):
        return Verdict(True, "a few places hold much of the problem: that is where to act.")
    if close(value, float(_places_row(ctx)["places_share"]), SHARE_TOLERANCE):
        return Verdict(False, "that is the share of places, not of events.")
    return Verdict(False, "not this share.")


def _q_03_2(ctx: WorkshopContext) -> str:
    response = _first_response(ctx)
    target = ctx.engagement.areas[response.area]
    return (
        f"Pick a comparison area for the response **{response.name}**, which targets "
        f"{target.column} {', '.join(target.values)}: one {target.column} value (or a list of "
        "them) that is not the target, does not touch it, had events before the response "
        "and a trend like the target's."
    )


def _e_03_2(ctx: WorkshopContext) -> Any:
    return _first_response(ctx)


def _detail(error: Exception) -> str:
    """Return the problem lines of a library error (its first line names the file)."""
    lines = [line.strip(" -") for line in str(error).splitlines() if line.strip()]
    return " ".join(lines[1:] or lines)


def _j_03_2(ctx: WorkshopContext, answer: Any, response: Any) -> Verdict:
    from cs360lib.config.engagement import Area
    from cs360lib.steps import design, plan

    values = [answer] if isinstance(answer, str | int) else answer
    if not isinstance(values, list | tuple) or not values:
        return Verdict(False, "give one area value as text, or a list of them.")
    values = [str(v).strip() for v in values]
    eng = ctx.engagement
    target = eng.areas[response.area]
    if set(values) & set(target.values):
        return Verdict(False, "a comparison area cannot be the target itself.")
    areas = dict(eng.areas)
    areas["_exercise_comparison"] = Area(column=target.column, values=values)
    responses = [r.model_copy(update={"comparison": "_exercise_comparison"}) for r in [response]]
    trial = eng.model_copy(update={"areas": areas, "responses": responses})
    try:
        checked = plan.response_plan(trial, ctx.sources).areas
    except Cs360Error as error:
        return Verdict(False, f"the plan cannot use it: {_detail(error)}")
    pair = checked[checked["role"] == "comparison"]
    touches = pair.iloc[0]["adjacent"] if not pair.empty else None
    if touches is not None and not pd.isna(touches) and bool(touches):
        return Verdict(
            False,
            "it touches the target: benefits can spill into it and crime move to it, so the "
            "comparison would understate the effect.",
        )
    try:
        chosen = design.evaluation_design(trial, ctx.sources).to_frame().iloc[0]
    except Cs360Error as error:
        return Verdict(False, f"the evaluation cannot use it: {_detail(error)}")
    if int(chosen["comparison_pre_events"]) == 0:
        return Verdict(False, "it had no events before the response: nothing to compare.")
    if not bool(chosen["similar_trend"]):
        return Verdict(False, "its trend before the response differs clearly from the target's.")
    return Verdict(True, "not next to the target, with events and a similar trend before.")


# --- 04 lessons learned ------------------------------------------------------------------


def _process_row(ctx: WorkshopContext) -> pd.Series:
    return _first_row(ctx, _process(ctx).to_frame(), "no response to review")


def _q_04_1(ctx: WorkshopContext) -> str:
    return (
        f"Was the response **{_process_row(ctx)['response']}** implemented, by the rule of "
        "section 1? Answer True or False."
    )


def _e_04_1(ctx: WorkshopContext) -> bool:
    return str(_process_row(ctx)["verdict"]) == "implemented"


def _j_04_1(ctx: WorkshopContext, answer: Any, expected: bool) -> Verdict:
    if as_bool(answer) == expected:
        return Verdict(True, "judge whether it happened before judging whether it worked.")
    if expected:
        return Verdict(False, "check each condition of the rule: amount, start, area, partners.")
    return Verdict(
        False,
        "some actions were logged, but one condition of the rule fails: a response that was "
        "not carried out has not been tried.",
    )


def _impact_row(ctx: WorkshopContext) -> pd.Series:
    from cs360lib.steps import review

    effects = ctx.cached(
        "impact",
        lambda: review.impact(ctx.engagement, ctx.sources, process=_process(ctx)),
    ).to_frame()
    rows = effects[
        effects["primary"].astype(bool)
        & (effects["role"] == "target")
        & (effects["mark"] != "not tested")
    ]
    return _first_row(ctx, rows, "no measure could be tested yet")


def _q_04_2(ctx: WorkshopContext) -> str:
    row = _impact_row(ctx)
    return (
        f"For **{row['measure']}** in the target area (the main analysis, "
        f"{row['analysis']}): is the change **clear**? Answer True or False."
    )


def _e_04_2(ctx: WorkshopContext) -> bool:
    return str(_impact_row(ctx)["mark"]) != "no clear change"


def _j_04_2(ctx: WorkshopContext, answer: Any, expected: bool) -> Verdict:
    if as_bool(answer) == expected:
        return Verdict(True, "a change is clear only when its interval excludes no change.")
    if expected:
        return Verdict(False, "look at both ends of the interval: do they include no change?")
    return Verdict(
        False,
        "the estimate alone can look like a drop; the interval decides: does it include no change?",
    )


EXERCISES: dict[str, Exercise] = {
    e.key: e
    for e in (
        Exercise(
            "00.1",
            "Load a source with its mapping",
            "call",
            "a mapping turns a department's export into the canonical columns; without it "
            "rows are set aside, never silently lost",
            "cs.load(kind, path, mapping=...) takes what eng.sources[name] holds: .kind, .path "
            "and .mapping.",
            _q_00_1,
            _e_00_1,
            _j_00_1,
        ),
        Exercise(
            "00.2",
            "Count the set-aside rows",
            "number",
            "rows_read = loaded + set aside: nothing is dropped silently",
            "section 3 counts the set-aside rows by column and problem; sources[name].rejected "
            "holds them.",
            _q_00_2,
            _e_00_2,
            _j_00_2,
        ),
        Exercise(
            "01.1",
            "Which lever does this partner hold?",
            "choice",
            "handlers, guardians and managers: who can act on offenders, victims and places",
            "handlers influence the people who offend, guardians protect victims and targets, "
            "managers are responsible for places; the community map (section 2) records it.",
            _q_01_1,
            _e_01_1,
            _j_01_1,
            lambda ctx: str(_lever_partner(ctx)["organisation"]),
        ),
        Exercise(
            "01.2",
            "Concerns outside the department",
            "number",
            "concerns count stakeholders, not mentions, split inside/outside the department",
            "section 4 splits each concern's stakeholders between internal and external.",
            _q_01_2,
            _e_01_2,
            _j_01_2,
        ),
        Exercise(
            "02.1",
            "Set the weights",
            "call",
            "weights are the group's choice; only their ratios matter",
            "ws.scores.rescore(weights) takes a dict of every criterion to a weight; only the "
            "ratios count.",
            _q_02_1,
            _e_02_1,
            _j_02_1,
        ),
        Exercise(
            "02.2",
            "Would other weights pick another problem?",
            "share",
            "a ranking the group can defend holds under reasonable changes of the weights",
            "section 6 gives, for each candidate, the share of random weightings in which it "
            "comes first (p_first) and in the top three.",
            _q_02_2,
            _e_02_2,
            _j_02_2,
        ),
        Exercise(
            "03.1",
            "How concentrated is the problem?",
            "share",
            "crime concentrates in few places (the law of crime concentration)",
            "section 1's table gives, for the top 1%, 5%, 10%... of places, the share of "
            "places and the share of events.",
            _q_03_1,
            _e_03_1,
            _j_03_1,
        ),
        Exercise(
            "03.2",
            "Pick the comparison area",
            "call",
            "a comparison area is similar but untouched: not the target, not next to it",
            "look at the hot spot map and the areas the data name; the comparison must be "
            "away from the target, with events and a similar trend before the start.",
            _q_03_2,
            _e_03_2,
            _j_03_2,
        ),
        Exercise(
            "04.1",
            "Was the response implemented?",
            "yes/no",
            "process before impact: a response not carried out has not been tried",
            "section 1: implemented means at least 80% of the planned amount, on time, in the "
            "target area, with every partner of the plan.",
            _q_04_1,
            _e_04_1,
            _j_04_1,
        ),
        Exercise(
            "04.2",
            "Is this change clear?",
            "yes/no",
            "a change is clear only when its 95% interval excludes no change",
            "section 2: read the interval (low, high) of the change, not the estimate alone.",
            _q_04_2,
            _e_04_2,
            _j_04_2,
        ),
    )
}
"""Every exercise, by key."""
