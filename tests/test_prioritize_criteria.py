"""steps.prioritize.criteria and .candidates: formulas, whole-column criteria, candidate rules."""

from __future__ import annotations

import pandas as pd
import pytest

from cs360lib import load
from cs360lib.config.prioritization import CandidateEdits, CandidateSpec, Prioritization
from cs360lib.steps.prioritize.candidates import find_candidates, screen_categories
from cs360lib.steps.prioritize.criteria import category_criteria, describe_missing, frequency_value
from cs360lib.steps.prioritize.evidence import Window
from cs360lib.steps.prioritize.harm import load_harm_table
from cs360lib.steps.prioritize.partners import Scanning
from cs360lib.steps.scanning import default_codebook

TABLE = {
    "entries": [
        {"label": "Robbery", "weight": 100, "patterns": ["robb"]},
        {"label": "Burglary", "weight": 50, "patterns": ["burg"]},
        {"label": "Theft", "weight": 1, "patterns": ["theft"]},
    ]
}


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory):
    """2022 and 2023: robbery 5 a month then 10 (a clear rise), burglary 8 then 8, theft 40."""
    rows = []
    for month in pd.date_range("2022-01-01", "2023-12-01", freq="MS"):
        plan = {"Robbery": 5 if month.year == 2022 else 10, "Burglary": 8, "Theft": 40}
        for offense, n in plan.items():
            last = month.days_in_month - 1
            for k in range(n):
                day = month + pd.Timedelta(days=round(k * last / (n - 1)), hours=19)
                rows.append(
                    {
                        "incident_id": f"{offense[:2]}{month:%Y%m}{k}",
                        "occurred_at": f"{day:%Y-%m-%d %H:%M}",
                        "offense": f"{offense} ({'street' if k % 2 else 'other'})",
                        "offense_group": offense,
                        "address": f"{k % 7}00 block of Pine St",
                    }
                )
    folder = tmp_path_factory.mktemp("criteria")
    pd.DataFrame(rows).to_csv(folder / "incidents.csv", index=False)
    return load("incidents", folder / "incidents.csv")


def test_frequency_is_a_count_or_a_rate_per_thousand() -> None:
    assert frequency_value(363) == 363.0
    assert frequency_value(363, 300_000) == pytest.approx(1.21)


def test_describe_missing_names_each_reason_once() -> None:
    text = describe_missing({"frequency": "no data", "harm": "no data", "trend": "too short"})
    assert text == "frequency and harm: no data; trend: too short"
    assert describe_missing({}) == ""


def test_category_criteria_by_hand(source) -> None:
    table = load_harm_table(TABLE)
    out = category_criteria(
        source, name="incidents", column="offense_group", harm_table=table, population=50_000
    ).set_index("category")
    assert list(out.index) == ["Burglary", "Robbery", "Theft"]
    assert out.loc["Robbery", "events"] == 120 and out.loc["Robbery", "previous"] == 60
    assert out.loc["Robbery", "frequency"] == pytest.approx(120 * 1000 / 50_000)
    assert out.loc["Robbery", "harm"] == 120 * 100 and out.loc["Theft", "harm"] == 480
    assert (
        out.loc["Robbery", "rate_ratio"] == pytest.approx(2.0) and out.loc["Robbery", "trend"] > 0
    )
    assert (
        out.loc["Burglary", "rate_ratio"] == pytest.approx(1.0)
        and out.loc["Burglary", "trend"] == 0
    )
    assert out["not_computed"].eq("").all()
    assert (out["concentration"].between(0, 1)).all()


def test_screen_orders_by_harm_and_finds_the_clear_rise(source) -> None:
    table = load_harm_table(TABLE)
    window = Window("incidents", pd.Timestamp("2023-12-01"))
    screen = screen_categories(
        source, name="incidents", column="offense_group", window=window, harm_table=table
    )
    assert screen["category"].tolist() == ["Robbery", "Burglary", "Theft"]  # 12000, 4800, 480
    rise = screen.set_index("category")
    assert rise.loc["Robbery", "clear_change"] > 0 and rise.loc["Theft", "clear_change"] == 0


def test_candidates_from_data_merge_with_the_groups_own_and_drop(source) -> None:
    scanning = Scanning(codebook=default_codebook())
    settings = Prioritization(
        data_candidates=2,
        candidates=CandidateEdits(
            add=[
                CandidateSpec(
                    id="robbery_here",
                    label="Robbery on Pine St",
                    source="incidents",
                    filter={"offense_group": ["Robbery"]},
                    note="the block club's first worry",
                )
            ],
            drop=["incidents-burglary"],
        ),
    )
    found = find_candidates(
        {"incidents": source}, scanning, settings=settings, harm_table=load_harm_table(TABLE)
    )
    ids = [c.id for c in found.candidates]
    assert ids[0] == "robbery_here"  # the group's own wins the shared measure
    merged = found.get("robbery_here")
    assert merged.origin == "engagement" and len(merged.reasons) == 2
    assert merged.reasons[1] == "first offense group by total harm in 12 months"
    assert "block club" in merged.reasons[0]
    assert "incidents-burglary" in ids and found.get("incidents-burglary").dropped
    assert "incidents-theft" not in ids  # only the top two by harm (plus clear rises)
    frame = found.to_frame().set_index("id")
    assert frame.loc["incidents-burglary", "status"].startswith("dropped")
    assert frame.loc["robbery_here", "events"] == 120
    assert "Dropped by the group: Burglary (incidents-burglary)" in found.summary()
    found.chart().to_dict()
