"""steps.prioritize.harm: the default harm table, its derivation, matching and bad tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from cs360lib.errors import PrioritizationError
from cs360lib.steps.prioritize.harm import (
    DAYS_PER_MONTH,
    SENTENCING_TABLE,
    HarmWeights,
    guideline_days,
    load_harm_table,
)


def test_weight_is_the_midpoint_of_the_first_offender_range_in_days() -> None:
    assert SENTENCING_TABLE[20] == (33, 41)  # USSG Sentencing Table, level 20, category I
    assert guideline_days(20) == pytest.approx(37 * 365.25 / 12)  # robbery: 1,126.2 days
    assert guideline_days(38) == pytest.approx(264 * DAYS_PER_MONTH)  # second degree murder
    assert guideline_days(6) == pytest.approx(3 * DAYS_PER_MONTH)  # 0-6 months
    with pytest.raises(PrioritizationError, match="levels 1 to 41"):
        guideline_days(43)


@pytest.mark.parametrize(
    ("category", "entry"),
    [
        # Philadelphia (text_general_code and ucr groups)
        ("Homicide - Criminal", "Homicide"),
        ("Homicide - Justifiable", "Justifiable homicide"),
        ("Homicide - Gross Negligence", "Negligent homicide (involuntary manslaughter)"),
        ("Robbery Firearm", "Robbery with a firearm"),
        ("Robbery No Firearm", "Robbery without a firearm"),
        ("Aggravated Assault Firearm", "Aggravated assault with a firearm"),
        ("Aggravated Assault No Firearm", "Aggravated assault without a firearm"),
        ("Burglary Residential", "Residential burglary"),
        ("Burglary Non-Residential", "Burglary (other structure)"),
        ("Theft from Vehicle", "Theft"),
        ("Receiving Stolen Property", "Fraud, forgery, embezzlement and stolen property"),
        ("Narcotic / Drug Law Violations", "Drug offense"),
        ("Other Sex Offenses (Not Commercialized)", "Other sex offenses"),
        ("Prostitution and Commercialized Vice", "Public order and other offenses"),
        ("DRIVING UNDER THE INFLUENCE", "Driving under the influence"),
        ("All Other Offenses", "Public order and other offenses"),
        # Baltimore (Descriptio)
        ("AGG. ASSLT.- GUN", "Aggravated assault with a firearm"),
        ("AGG. ASSLT.- CUT", "Aggravated assault"),
        ("ROBB CARJACK-FIREARM", "Carjacking"),
        ("BURG. RES. (FORCE)", "Residential burglary"),
        ("STOLEN AUTO", "Motor vehicle theft"),
        ("SHOOTING", "Non-fatal shooting"),
        # the sample department
        ("Street robbery", "Robbery"),
        ("Drug sale", "Drug sale"),
        ("Drug possession", "Drug offense"),
        ("Residential burglary", "Residential burglary"),
        ("Simple assault", "Simple assault"),
    ],
)
def test_default_table_files_common_categories(category: str, entry: str) -> None:
    assert load_harm_table().lookup(category).label == entry


def test_justifiable_homicide_carries_no_harm_and_unknown_categories_no_weight() -> None:
    table = load_harm_table()
    assert table.lookup("Homicide - Justifiable").weight == 0
    assert table.lookup("Welfare check") is None
    assert table.lookup(None) is None
    assert table.weights(["Street robbery", "Noise complaint"]) == {
        "Street robbery": pytest.approx(guideline_days(20)),
        "Noise complaint": None,
    }


def test_engagement_weights_come_first_and_match_any_case() -> None:
    table = load_harm_table(weights={"Street Robbery": 2000, "Welfare check": 5})
    assert table.lookup("street robbery").weight == 2000
    assert table.lookup("Welfare check").guideline.startswith("set in the engagement file")
    assert table.lookup("Commercial robbery").weight == pytest.approx(guideline_days(20))
    frame = table.to_frame()
    assert list(frame.columns) == ["label", "weight", "level", "guideline", "patterns"]
    assert frame.iloc[0]["label"] == "Street Robbery"


def test_a_table_of_the_engagement_is_read_and_checked(tmp_path: Path) -> None:
    good = tmp_path / "harm.yml"
    good.write_text(
        "name: State table\nunit: days\nentries:\n"
        "  - {label: Robbery, weight: 900, patterns: [robb], guideline: state level 7}\n",
        encoding="utf-8",
    )
    table = load_harm_table(good)
    assert table.name == "State table" and table.lookup("ROBB HWY").weight == 900
    assert table.lookup("Theft") is None and table.path == good
    bad = {
        "entries:\n  - {label: X, patterns: [x]}\n": "needs a level",
        "entries:\n  - {label: X, level: 5, patterns: ['(']}\n": "not a regular expression",
        "entries:\n  - {label: X, weight: -3, patterns: [x]}\n": "weight must be a number >= 0",
        "entries:\n  - {label: X, level: 43, patterns: [x]}\n": "levels 1 to 41",
        "entries:\n  - {label: X, levl: 5, patterns: [x]}\n": "unknown key",
        "entries:\n  - {level: 5, patterns: [x]}\n": "needs a label",
        "entries:\n  - {label: X, level: 5}\n": "needs patterns",
        "name: x\n": "a list of entries",
        "colour: red\nentries: []\n": "unknown key",
    }
    for text, message in bad.items():
        path = tmp_path / "bad.yml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(PrioritizationError, match=message):
            load_harm_table(path)
    with pytest.raises(PrioritizationError, match="not found"):
        load_harm_table(tmp_path / "nowhere.yml")


def test_harm_weights_result_states_derivation_and_source() -> None:
    result = HarmWeights(load_harm_table(weights={"Overdose calls": 30}))
    text = result.summary()
    assert "US Sentencing Guidelines" in text or "Sentencing" in text
    assert "Derivation:" in text and "Source:" in text and "Overdose calls = 30" in text
    assert (result.to_frame()["weight"] >= 0).all()
    result.chart().to_dict()
