import pandas as pd
import pytest
from openpyxl import load_workbook

from cs360lib.errors import CodebookError
from cs360lib.steps.scanning.coding import code_responses
from cs360lib.steps.scanning.sheet import (
    SHEET_NAME,
    apply_coding_sheet,
    read_coding_sheet,
    write_coding_sheet,
)


@pytest.fixture
def coding():
    frame = pd.DataFrame(
        {
            "interview_id": ["I1", "I1", "I2"],
            "stakeholder_id": ["S1", "S1", "S2"],
            "sector": ["community", "community", "department"],
            "role": ["Pastor", "Pastor", "Analyst"],
            "theme": ["public_safety_concerns"] * 3,
            "response": [
                "Robberies at the bus stop.",
                "Kids have nothing to do.",
                "Speeding on the avenue.",
            ],
        }
    )
    return code_responses(frame)


def _header(ws):
    return [c.value for c in ws[1]]


def test_sheet_has_dropdowns_proposals_and_evidence(coding, tmp_path):
    path = write_coding_sheet(coding, tmp_path / "sheet.xlsx")
    wb = load_workbook(path)
    ws = wb[SHEET_NAME]
    header = _header(ws)
    assert header[:1] == ["response_id"] and header[-1] == "notes"
    assert set(coding.codebook.ids) <= set(header)
    row2 = {h: c.value for h, c in zip(header, ws[2], strict=False)}
    assert row2["robbery"] == "yes" and row2["gun_violence"] == "no"
    assert "robberies" in row2["evidence"].lower()
    validations = ws.data_validations.dataValidation
    assert len(validations) == 1 and validations[0].formula1 == '"yes,no"'
    assert "codebook" in wb.sheetnames


def test_round_trip_manual_codes_win(coding, tmp_path):
    path = write_coding_sheet(coding, tmp_path / "sheet.xlsx")
    wb = load_workbook(path)
    ws = wb[SHEET_NAME]
    header = _header(ws)
    ws.cell(row=2, column=header.index("robbery") + 1).value = "no"
    ws.cell(row=3, column=header.index("youth") + 1).value = "no"
    ws.cell(row=4, column=header.index("disorder") + 1).value = "yes"
    wb.save(path)
    assert coding.codes.loc["I1/01", "robbery"] and coding.codes.loc["I1/02", "youth"]
    checked = apply_coding_sheet(coding, path)
    assert not checked.codes.loc["I1/01", "robbery"]
    assert not checked.codes.loc["I1/02", "youth"]
    assert checked.codes.loc["I2/01", "disorder"]
    assert checked.automatic.loc["I1/01", "robbery"]  # the machine's code is kept apart
    d = checked.disagreements()
    assert sorted(zip(d["response_id"], d["concern"], d["manual"], strict=True)) == [
        ("I1/01", "robbery", False),
        ("I1/02", "youth", False),
        ("I2/01", "disorder", True),
    ]
    assert "changed by hand" in checked.summary()


def test_blank_cell_means_no_decision(coding, tmp_path):
    path = write_coding_sheet(coding, tmp_path / "sheet.xlsx")
    wb = load_workbook(path)
    ws = wb[SHEET_NAME]
    ws.cell(row=2, column=_header(ws).index("robbery") + 1).value = None
    wb.save(path)
    manual = read_coding_sheet(path, coding.codebook)
    assert pd.isna(manual.loc["I1/01", "robbery"])
    assert apply_coding_sheet(coding, path).codes.loc["I1/01", "robbery"]


def test_unknown_column_is_a_clear_error(coding, tmp_path):
    path = write_coding_sheet(coding, tmp_path / "sheet.xlsx")
    wb = load_workbook(path)
    ws = wb[SHEET_NAME]
    ws.cell(row=1, column=len(_header(ws)) + 1).value = "scooters"
    ws.cell(row=1, column=_header(ws).index("robbery") + 1).value = "Robbery!"
    wb.save(path)
    with pytest.raises(CodebookError) as err:
        read_coding_sheet(path, coding)
    assert "'scooters'" in str(err.value) and "'Robbery!'" in str(err.value)
    assert str(path) in str(err.value)


def test_bad_cell_value_names_the_cell(coding, tmp_path):
    path = write_coding_sheet(coding, tmp_path / "sheet.xlsx")
    wb = load_workbook(path)
    ws = wb[SHEET_NAME]
    col = _header(ws).index("robbery") + 1
    ws.cell(row=3, column=col).value = "maybe"
    wb.save(path)
    with pytest.raises(CodebookError, match=r"cell [A-Z]+3 holds 'maybe'"):
        read_coding_sheet(path, coding)


def test_not_excel_is_a_clear_error(tmp_path, coding):
    bad = tmp_path / "x.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(CodebookError, match="cannot be read as Excel"):
        read_coding_sheet(bad, coding)
