"""The scanning step of one engagement, section by section (notebook 01's calls)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

import cs360lib as cs
from cs360lib.config.publishing import Publishing
from cs360lib.publish.display import use_publishing
from cs360lib.publish.publication import publish_result
from cs360lib.steps import scanning
from cs360lib.steps.scanning import step
from cs360lib.steps.scanning.sheet import SHEET_NAME

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((SAMPLES / "truth.json").read_text())


@pytest.fixture(scope="module")
def scan() -> scanning.ScanningData:
    engagement = cs.Engagement.load(SAMPLES / "engagement.yml")
    use_publishing(engagement.publishing)
    return scanning.scanning_data(engagement, cs.load_engagement(engagement))


def _copy(tmp_path: Path, **changes: object) -> Path:
    """A copy of the sample department with changed engagement keys."""
    folder = tmp_path / "sample"
    shutil.copytree(SAMPLES, folder)
    path = folder / "engagement.yml"
    data = yaml.safe_load(path.read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_interviewed_by_sector(scan, truth) -> None:
    result = scanning.interviewed(scan)
    frame = result.to_frame().set_index("sector")
    assert frame["interviewed"].to_dict() == truth["interviews"]["interviews_by_sector"]
    assert frame["answers"].sum() == truth["interviews"]["rows"]
    assert frame["on_roster"].sum() == truth["stakeholders"]["rows"]
    assert "20 stakeholders were interviewed, giving 90 answers" in result.summary()
    published = publish_result(result, Publishing(min_count=5)).result
    assert "Department: fewer than 5 stakeholders interviewed" in published.summary()
    # partners on the community map are published as the map (section 2) lists them
    assert "fewer than 5 partners" not in published.summary()
    assert "Other law enforcement: fewer than 5 stakeholders interviewed; 4 partners" in (
        published.summary()
    )
    assert "sector" not in published.table().data.columns  # the ids stay out of the table


def test_interviewed_outside_the_department_is_a_known_subtotal() -> None:
    """The worksheet publishes the stakeholders interviewed outside the department (the
    denominator of community concern): a hidden sector is protected against it too."""
    frame = pd.DataFrame(
        {
            "sector": ["department", "other_law_enforcement", "government", "community"],
            "side": ["department", "outside", "outside", "outside"],
            "label": ["Department", "Other law enforcement", "Government", "Community"],
            "on_roster": [7, 4, 6, 7],
            "interviewed": [6, 3, 8, 7],
            "answers": [20, 15, 28, 30],
        }
    )
    shown = publish_result(step.Interviewed(frame=frame), Publishing(min_count=5))
    interviewed = shown.publication.shown["interviewed"].tolist()
    # without the subtotal, hiding the department (6, the smallest other cell) would do; with
    # it (18 outside, 24 in all) the department is known, so another outside sector is hidden
    assert interviewed[0] == 6 and interviewed[1] == "<5"
    assert sum(v == "x" for v in interviewed[2:]) == 1
    assert shown.publication.shown["on_roster"].tolist() == [7, 4, 6, 7]
    assert not {"sector", "side"} & set(shown.result.table().data.columns)  # ids stay out


def test_concerns_by_distinct_stakeholder(scan, truth) -> None:
    result = scanning.concerns(scan)
    frame = result.to_frame().set_index("concern")
    assert frame["stakeholders"].to_dict() == truth["interviews"]["stakeholders_by_concern"]
    assert (frame["internal"] + frame["external"] == frame["stakeholders"]).all()
    assert frame.index[0] == truth["interviews"]["top_concern_code"] == "robbery"
    assert "Robbery (street, transit and commercial): 12 stakeholders (60% of those" in (
        result.summary()
    )
    published = publish_result(result, Publishing(min_count=5)).result
    text = published.summary()
    assert "Drug markets and dealing: fewer than 5 stakeholders." in text
    shown = published.publication.shown.set_index("concern")
    assert shown.loc["robbery", "stakeholders"] == 12 and shown.loc["robbery", "internal"] == "<5"


def test_the_roster_sections_use_the_engagement_teams(scan, truth) -> None:
    community = scanning.community(scan)
    assert "Cedar Ave Drug Market Team" in set(community.partners["teams"])
    composition = scanning.composition(scan)
    flagged = composition.teams.loc[composition.teams["flag"] != "", "team"].tolist()
    assert flagged == truth["stakeholders"]["no_external_member"]
    published = publish_result(composition, Publishing(min_count=5)).result
    assert "members" not in published.publication.shown.columns  # roster ids withheld
    table = published.table().data
    assert list(table.columns) == ["Team", "Missing roles", "Flag"]  # no member counts
    assert "Advisory Team: missing mid-level supervisor (department), US Attorney" in (
        published.summary()
    )


def test_coding_sheet_is_written_when_nobody_has_coded(scan, tmp_path) -> None:
    result = scanning.check_coding(scan)
    assert isinstance(result, scanning.CodingSheet) and result.path is None
    assert "writes it with this notebook's coding-sheet parameter" in result.summary()
    frame = result.to_frame().set_index("concern")
    assert frame.loc["robbery", "coded"] == 18  # 17 public-safety answers and one improvement
    assert frame.loc["traffic_safety", "negated"] >= 1
    written = scanning.check_coding(scan, tmp_path / "sheet.xlsx")
    assert written.path == tmp_path / "sheet.xlsx" and written.path.exists()
    assert "It was written to sheet.xlsx." in written.summary()


def _returned_sheet(tmp_path: Path, scan, name: str, flips: list[tuple[str, str]]) -> Path:
    """Write the sample's coding sheet and change cells as a coder would."""
    path = scanning.write_coding_sheet(scan.automatic, tmp_path / name)
    wb = load_workbook(path)
    ws = wb[SHEET_NAME]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        for response_id, concern in flips:
            if row[0].value == response_id:
                cell = row[header.index(concern)]
                cell.value = "no" if cell.value == "yes" else "yes"
    wb.save(path)
    return path


def test_returned_sheets_give_the_agreement_and_win(scan, tmp_path, truth) -> None:
    first = truth["interviews"]["labels"][0]["response_id"]
    path = _copy(tmp_path, scanning={"coding_sheets": ["coder_a.xlsx"]})
    _returned_sheet(path.parent, scan, "coder_a.xlsx", [(first, "youth"), (first, "robbery")])
    engagement = cs.Engagement.load(path)
    one = scanning.scanning_data(engagement, cs.load_engagement(engagement))
    assert one.coding.codes.loc[first, "youth"] and not one.coding.automatic.loc[first, "youth"]
    result = scanning.check_coding(one)
    assert isinstance(result, scanning.Agreement) and result.method == "Cohen's kappa"
    assert result.coders == ["codebook", "coder 1"]
    assert result.overall < 1.0
    _returned_sheet(path.parent, scan, "coder_b.xlsx", [(first, "gun_violence")])
    data = yaml.safe_load(path.read_text())
    data["scanning"] = {"coding_sheets": ["coder_a.xlsx", "coder_b.xlsx"]}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    engagement = cs.Engagement.load(path)
    two = scanning.scanning_data(engagement, cs.load_engagement(engagement))
    result = scanning.check_coding(two)
    assert result.method == "Krippendorff's alpha"
    assert result.coders == ["codebook", "coder 1", "coder 2"]


def test_quotes_are_scrubbed_and_follow_the_quotes_rule(scan, truth) -> None:
    result = scanning.quotes(scan)
    frame = result.to_frame()
    assert len(frame) >= 8 and frame["quote"].str.len().gt(0).all()
    assert not frame["attribution"].isin(["", "nan"]).any()
    text = " ".join(frame["quote"]).lower()
    assert not [v for v in truth["personal"] if v.lower() in text]
    assert "quote" in publish_result(result, Publishing(quotes=True)).publication.shown
    withheld = publish_result(result, Publishing(quotes=False))
    assert "quote" not in withheld.publication.shown.columns
    assert "publishing rules say quotes: false" in withheld.result.summary()
    # a role held by one person (a deputy mayor) names them: published quotes give the sector
    published = publish_result(result, Publishing(quotes=True))
    assert "attribution" not in published.publication.shown.columns
    assert set(published.publication.shown["sector"]) <= {
        "Department",
        "Other law enforcement",
        "Government",
        "Community",
    }, set(published.publication.shown["sector"])


def test_uncovered_themes_cluster_scrubbed_concern_answers(scan, truth) -> None:
    result = scanning.uncovered_themes(scan)
    assert result.uncovered == len(truth["interviews"]["uncovered"])
    assert result.coded == truth["interviews"]["by_theme"]["public_safety_concerns"]
    assert "too few to look for themes" in result.summary()
    # with enough uncovered answers, themes are found; a planted name never reaches a term
    answers = pd.DataFrame(
        {
            "interview_id": [f"I{i}" for i in range(24)],
            "stakeholder_id": [f"S{i}" for i in range(24)],
            "sector": "community",
            "theme": "public_safety_concerns",
            "response": [
                "Stray dogs roam the river trail, ask Marcus Delgado about them.",
                "Loose dogs chase children in the park by the river.",
                "Phone scams aimed at seniors who live alone.",
                "Scam calls targeting older residents, call 314-555-0142.",
            ]
            * 6,
        }
    )
    coding = scanning.code_responses(answers)
    other = step.ScanningData(
        engagement=scan.engagement,
        codebook=scan.codebook,
        coding=coding,
        automatic=coding,
        sheets={},
        roster=None,
    )
    themed = scanning.uncovered_themes(other)
    assert len(themed.themes) >= 2
    text = " ".join(themed.themes["top_terms"] + " " + themed.themes["examples"]).lower()
    assert "dogs" in text and "scam" in text
    assert "delgado" not in text and "555-0142" not in text


def test_data_held_publishes_scrubbed_descriptions(scan, truth) -> None:
    result = scanning.data_held(scan)
    published = publish_result(result, Publishing(min_count=5)).result
    text = " ".join(published.table().data.astype(str).to_numpy().ravel()).lower()
    assert not [v for v in truth["personal"] if v.lower() in text]
    assert "stakeholder_id" not in published.publication.shown.columns
    assert published.summary() == result.summary()  # counts of organisations, as listed


def test_an_engagement_without_interviews_still_runs(tmp_path) -> None:
    path = _copy(tmp_path)
    data = yaml.safe_load(path.read_text())
    del data["sources"]["interviews"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    engagement = cs.Engagement.load(path)
    scan = scanning.scanning_data(engagement, cs.load_engagement(engagement))
    assert scan.coding is None and scan.roster is not None
    for section in (
        scanning.interviewed,
        scanning.concerns,
        scanning.check_coding,
        scanning.uncovered_themes,
        scanning.quotes,
    ):
        assert "No scanning interviews were loaded" in section(scan).summary(), section
    assert len(scanning.community(scan).partners) == 24
    assert len(scanning.composition(scan).missing()) > 0
    assert len(scanning.data_held(scan).items) > 0  # from the roster alone
