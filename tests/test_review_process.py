"""steps.review.process: was each response carried out as planned (the actions log)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLES, sample_copy

import cs360lib as cs
from cs360lib.steps.review import process

RESPONSE = "Transit hub lighting and guardianship"


def _load(path: Path) -> tuple[cs.Engagement, dict]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        engagement = cs.Engagement.load(path)
    return engagement, cs.load_engagement(engagement)


def _with_actions(tmp_path: Path, frame: pd.DataFrame) -> tuple[cs.Engagement, dict]:
    path = sample_copy(tmp_path)
    frame.to_csv(tmp_path / "actions.csv", index=False)
    return _load(path)


def test_the_planted_actions_and_dosage_are_listed(sample_review) -> None:
    _, _, rv = sample_review
    planted = pd.read_csv(SAMPLES / "actions.csv", dtype=str)
    truth = json.loads((SAMPLES / "truth.json").read_text())["actions"]
    result = rv.process
    # every planted action, none other
    assert sorted(result.actions["action_id"]) == sorted(planted["action_id"])
    assert len(planted) == truth["rows"]
    row = result.to_frame().set_index("response").loc[RESPONSE]
    assert row["actions"] == truth["rows"]
    assert set(row["owners_logged"].split("; ")) == set(truth["owners"])
    assert row["areas_logged"] == truth["area"] and row["in_target"] == 1.0
    assert row["owners_missing"] == "" and row["verdict"] == "implemented"
    # the dosage delivered per unit is the log's sum; planned 100 officer and 150 ambassador
    # hours a month from 1 April 2023 to 31 December 2024
    sums = planted.assign(dosage=planted["dosage"].astype(float)).groupby("dosage_unit")["dosage"]
    dosage = result.dosage.set_index("unit")
    for unit, total in sums.sum().items():
        assert dosage.loc[unit, "delivered"] == pytest.approx(total)
    months = (pd.Timestamp("2024-12-31") - pd.Timestamp("2023-04-01")).days + 1
    assert dosage.loc["officer hours", "planned"] == pytest.approx(100 * months / (365.25 / 12))
    assert dosage.loc["ambassador hours", "planned"] == pytest.approx(150 * months / (365.25 / 12))
    assert np.isnan(dosage.loc["cameras", "planned"])
    text = result.summary()
    assert f"{RESPONSE}: implemented." in text
    assert f"{sums.sum()['officer hours']:,.0f} officer hours delivered of 2,106 planned" in text
    assert "Rule: implemented when every planned unit reached 80%" in text


def test_a_response_never_carried_out_is_not_implemented(tmp_path: Path) -> None:
    other = pd.DataFrame(
        {
            "action_id": ["A1", "A2"],
            "response": ["Youth football league", "Youth football league"],
            "action": ["Evening games", "Evening games"],
            "owner": ["Parks Department", "Parks Department"],
            "start": ["2023-05-01", "2023-06-01"],
            "end": ["2023-05-31", "2023-06-30"],
            "area": ["E2", "E2"],
            "dosage": [10, 12],
            "dosage_unit": ["games", "games"],
        }
    )
    engagement, sources = _with_actions(tmp_path, other)
    result = process.process_evaluation(engagement, sources)
    assert result.verdict(RESPONSE) == "not implemented"
    text = result.summary()
    assert "it was not carried out" in text and "not called ineffective" in text
    assert "'Youth football league', which is not in the plan" in text


def test_a_response_logged_without_its_planned_dosage_is_not_implemented(tmp_path: Path) -> None:
    log = pd.read_csv(SAMPLES / "actions.csv")
    log = log[~log["dosage_unit"].isin(["officer hours", "ambassador hours"])]
    engagement, sources = _with_actions(tmp_path, log)
    result = process.process_evaluation(engagement, sources)
    assert result.verdict(RESPONSE) == "not implemented"
    assert "no part of the planned dosage" in result.to_frame()["reasons"].iloc[0]


def test_half_the_patrol_hours_is_partly_implemented(tmp_path: Path) -> None:
    log = pd.read_csv(SAMPLES / "actions.csv")
    patrol = log.index[log["dosage_unit"] == "officer hours"]
    log = log.drop(patrol[::2])
    engagement, sources = _with_actions(tmp_path, log)
    result = process.process_evaluation(engagement, sources)
    row = result.to_frame().iloc[0]
    assert row["verdict"] == "partly implemented"
    share = result.dosage.set_index("unit").loc["officer hours", "share"]
    assert 0.4 < share < 0.6
    assert f"only {share:.0%} of the officer hours planned to date" in row["reasons"]


def test_without_an_actions_log_the_delivery_is_not_recorded(sample_review) -> None:
    engagement, sources, _ = sample_review
    without = {name: result for name, result in sources.items() if name != "actions"}
    result = process.process_evaluation(engagement, without)
    assert result.verdict(RESPONSE) == "not recorded"
    assert any("no actions log" in w for w in result.warnings)
    assert f"{RESPONSE}: not recorded." in result.summary()


@pytest.mark.parametrize(
    ("kwargs", "verdict", "reason"),
    [
        ({}, "implemented", ""),
        ({"actions": 0}, "not implemented", "no action of this response is logged"),
        ({"delivered_any": False}, "not implemented", "no part of the planned dosage"),
        ({"dosage_shares": {"officer hours": 0.79}}, "partly implemented", "only 79%"),
        ({"late_days": 45.0}, "partly implemented", "45 days after the planned start"),
        ({"in_target": 0.5}, "partly implemented", "only 50% of the actions"),
        ({"missing_owners": ["Parks"]}, "partly implemented", "no action is logged by Parks"),
        ({"recorded": False}, "not recorded", "no actions log"),
    ],
)
def test_the_fidelity_rule(kwargs: dict, verdict: str, reason: str) -> None:
    given = {
        "actions": 10,
        "delivered_any": True,
        "dosage_shares": {"officer hours": 0.8},
        "late_days": 31.0,
        "late_limit": 31,
        "in_target": 0.8,
        "missing_owners": [],
        **kwargs,
    }
    found, reasons = process.fidelity(**given)
    assert found == verdict
    assert reason in "; ".join(reasons)


def test_planned_dosage_to_date() -> None:
    start, end = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31")
    assert process.planned_to_date(300, "total", start, end) == 300
    assert process.planned_to_date(4, "year", start, end) == pytest.approx(4 * 366 / 365.25)
    assert process.planned_to_date(7, "week", start, start + pd.Timedelta(days=13)) == 14


def test_the_timeline_draws_actions_against_the_response_period(sample_review) -> None:
    _, _, rv = sample_review
    spec = rv.process.chart().to_dict()
    rows = [r for data in spec["datasets"].values() for r in data]
    labels = {r["label"] for r in rows if "label" in r}
    assert any("Directed foot patrol" in label for label in labels)
    assert any(r.get("verdict") == "implemented" for r in rows)


def test_cs_review_is_the_review_step() -> None:
    from cs360lib.steps import review

    assert cs.review is review
    assert callable(cs.review.process_evaluation) and callable(cs.review.previous_cycles)
