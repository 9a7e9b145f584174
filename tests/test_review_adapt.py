"""steps.review.adapt: continue, adjust or replace by stated rules, the team's overrides."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
from conftest import SAMPLES, sample_copy

import cs360lib as cs
from cs360lib.steps import review
from cs360lib.steps.review import adapt

RESPONSE = "Transit hub lighting and guardianship"


def _review(tmp_path: Path, text: str | None = None, actions: pd.DataFrame | None = None):
    path = sample_copy(tmp_path, text)
    if actions is not None:
        actions.to_csv(tmp_path / "actions.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        engagement = cs.Engagement.load(path)
    sources = cs.load_engagement(engagement)
    return engagement, review.review(engagement, sources)


def test_the_sample_response_is_continued_because_outcomes_are_better(sample_review) -> None:
    _, _, rv = sample_review
    row = rv.decisions.frame.set_index("response").loc[RESPONSE]
    assert row["fidelity"] == "implemented"
    assert row["rule"] == "better" and row["proposed"] == "continue"
    assert row["decision"] == "continue" and row["decided_by"] == "rules"
    primary = rv.impact.primary()
    outcomes = primary[primary["type"] == "outcome"]
    assert row["better"] == (outcomes["mark"] == "better").sum() >= 3
    assert row["worse"] == 0 and not row["displacement"]


def test_the_narrative_agrees_with_the_numbers(sample_review) -> None:
    """Read the narrative back: every judging result, its interval and its verdict."""
    _, _, rv = sample_review
    text = rv.decisions.summary()
    primary = rv.impact.primary()
    for r in primary.itertuples():
        if r.type != "outcome":
            continue
        assert r.sentence in text
        if r.scale == "points":
            said = re.search(
                re.escape(r.measure) + r".*?a change of ([+-][\d.]+) points \(95% interval "
                r"([+-][\d.]+) to ([+-][\d.]+)\): (a clear improvement|a clear worsening|no clear)",
                text,
            )
            change, low, high = (float(x) for x in said.groups()[:3])
            assert (change, low, high) == pytest.approx((r.estimate, r.low, r.high), abs=0.051)
            verdict = said.group(4)
        else:
            said = re.search(
                re.escape(r.measure) + r"[^:]*: (\d[\d,]*) recorded.*?: (a clear improvement|a "
                r"clear worsening|no clear change)",
                text,
            )
            assert int(said.group(1).replace(",", "")) == round(r.actual)
            verdict = said.group(2)
        assert verdict.startswith("a clear improvement") == (r.mark == "better")
        assert verdict.startswith("a clear worsening") == (r.mark == "worse")
    # the proposed decision follows from the marks, and the narrative says why
    assert (
        "Proposed decision: continue, because an outcome is clearly better, no outcome is clearly "
        "worse and the problem did not clearly move nearby." in text
    )
    assert "What was done: implemented (52 actions by 5 organisations" in text


def test_a_response_never_carried_out_gets_no_verdict_of_failure(tmp_path: Path) -> None:
    log = pd.read_csv(SAMPLES / "actions.csv")
    engagement, rv = _review(tmp_path, actions=log.iloc[:0])
    assert rv.process.verdict(RESPONSE) == "not implemented"
    row = rv.decisions.frame.set_index("response").loc[RESPONSE]
    assert row["rule"] == "not_implemented" and row["decision"] == "adjust"
    text = rv.decisions.summary()
    assert "it was not carried out" in text and "cannot be judged" in text
    narrative = row["narrative"].lower()
    for failure in ("did not work", "ineffective", "replace", "clear worsening"):
        assert failure not in narrative
    # its measures are not read into the narrative as a verdict
    assert "What changed in police records" not in row["narrative"]


@pytest.mark.parametrize(
    ("verdict", "marks", "displacement", "rule", "decision"),
    [
        ("not implemented", ["worse"], False, "not_implemented", "adjust"),
        ("partly implemented", ["worse"], False, "partly_implemented", "adjust"),
        ("implemented", ["worse", "no clear change"], False, "worse", "replace"),
        ("not recorded", ["worse"], False, "worse", "replace"),
        ("implemented", ["better", "worse"], False, "better_with_harm", "adjust"),
        ("implemented", ["better"], True, "better_with_harm", "adjust"),
        ("implemented", ["better", "no clear change"], False, "better", "continue"),
        ("implemented", ["no clear change"], False, "too_early", "continue"),
        ("implemented", [], False, "no_outcome", "continue"),
    ],
)
def test_the_rules(
    sample_review, verdict: str, marks: list[str], displacement: bool, rule: str, decision: str
) -> None:
    engagement, _, _ = sample_review
    rows = pd.DataFrame(
        {
            "mark": marks,
            "scale": ["ratio"] * len(marks),
            "better": ["lower"] * len(marks),
            "low": [0.5] * len(marks),
            "high": [1.2] * len(marks),
        }
    )
    found = adapt.propose(engagement.responses[0], verdict, rows, displacement)
    assert found == (rule, decision)
    assert adapt.RULES[rule][0] == decision


def test_the_hoped_for_change_decides_between_too_early_and_too_small(sample_review) -> None:
    engagement, _, _ = sample_review
    response = engagement.responses[0]  # expected_change 0.7
    flat = {"mark": ["no clear change"], "scale": ["ratio"], "better": ["lower"]}
    wide = pd.DataFrame({**flat, "low": [0.6], "high": [1.1]})
    narrow = pd.DataFrame({**flat, "low": [0.9], "high": [1.1]})
    survey = pd.DataFrame(
        {
            "mark": ["no clear change"],
            "scale": ["points"],
            "better": ["higher"],
            "low": [-1.0],
            "high": [1.0],
        }
    )
    assert adapt.propose(response, "implemented", wide, False) == ("too_early", "continue")
    assert adapt.propose(response, "implemented", narrow, False) == ("too_small", "adjust")
    assert adapt.propose(response, "implemented", survey, False) == ("unclear", "continue")


def test_the_team_overrides_the_proposal_with_its_reason(tmp_path: Path) -> None:
    text = (SAMPLES / "engagement.yml").read_text() + (
        "\nreview:\n  decisions:\n"
        f"    - response: {RESPONSE}\n"
        "      decision: adjust\n"
        "      reason: the merchants ask to extend the ambassadors to the bus bays on 8th St\n"
        "      by: Problem-Solving Team\n"
    )
    _, rv = _review(tmp_path, text)
    row = rv.decisions.frame.set_index("response").loc[RESPONSE]
    assert row["proposed"] == "continue" and row["decision"] == "adjust"
    assert row["decided_by"] == "team" and row["team_by"] == "Problem-Solving Team"
    assert row["reason"].startswith("the merchants ask")
    assert row["rule_reason"] == adapt.RULES["better"][1]
    assert (
        "The team (Problem-Solving Team) decided instead: adjust, because the merchants ask to "
        "extend the ambassadors to the bus bays on 8th St." in row["narrative"]
    )


def test_the_decision_chart_and_table(sample_review) -> None:
    _, _, rv = sample_review
    spec = rv.decisions.chart().to_dict()
    rows = [r for data in spec["datasets"].values() for r in data]
    assert any(r.get("decision") == "continue" for r in rows)
    shown = rv.decisions.table().data
    assert list(shown["Displacement nearby"]) == ["no"]
