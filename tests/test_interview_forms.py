import csv

import pandas as pd
import pytest

from cs360lib import load
from cs360lib.data.interview_forms import (
    detect_layout,
    question_theme_table,
    read_form_export,
)
from cs360lib.errors import LoadError

Q1 = "What are the most pressing public safety concerns in your area?"
Q2 = "How would you describe the relationship between the police and the community?"
Q3 = "What data does your organisation hold that could help?"
Q4 = "Which sector do you represent?"


def _csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f).writerows(rows)
    return path


def microsoft_forms(tmp_path):
    return _csv(
        tmp_path / "msforms.csv",
        [
            ["ID", "Start time", "Completion time", "Email", "Name", Q4, Q1, Q2, Q3],
            [
                "1",
                "9/1/22 10:00",
                "9/1/22 10:12",
                "anonymous",
                "",
                "community",
                "Robberies near the bus bays.",
                "Trust is low.",
                "None",
            ],
            [
                "2",
                "9/2/22 11:00",
                "9/2/22 11:09",
                "anonymous",
                "",
                "government",
                "Speeding.",
                "",
                "311 requests",
            ],
            ["3", "9/3/22 09:00", "9/3/22 09:05", "anonymous", "", "community", "", "", ""],
        ],
    )


def qualtrics(tmp_path):
    return _csv(
        tmp_path / "qualtrics.csv",
        [
            [
                "StartDate",
                "EndDate",
                "Status",
                "IPAddress",
                "Progress",
                "Duration (in seconds)",
                "Finished",
                "RecordedDate",
                "ResponseId",
                "RecipientLastName",
                "RecipientFirstName",
                "RecipientEmail",
                "LocationLatitude",
                "LocationLongitude",
                "Q1",
                "Q2",
                "Q3",
            ],
            [
                "Start Date",
                "End Date",
                "Response Type",
                "IP Address",
                "Progress",
                "Duration (in seconds)",
                "Finished",
                "Recorded Date",
                "Response ID",
                "Recipient Last Name",
                "Recipient First Name",
                "Recipient Email",
                "Location Latitude",
                "Location Longitude",
                Q1,
                Q2,
                Q3,
            ],
            [
                '{"ImportId":"startDate"}',
                '{"ImportId":"endDate"}',
                '{"ImportId":"status"}',
                '{"ImportId":"ipAddress"}',
                '{"ImportId":"progress"}',
                '{"ImportId":"duration"}',
                '{"ImportId":"finished"}',
                '{"ImportId":"recordedDate"}',
                '{"ImportId":"_recordId"}',
                '{"ImportId":"recipientLastName"}',
                '{"ImportId":"recipientFirstName"}',
                '{"ImportId":"recipientEmail"}',
                '{"ImportId":"locationLatitude"}',
                '{"ImportId":"locationLongitude"}',
                '{"ImportId":"QID1_TEXT"}',
                '{"ImportId":"QID2_TEXT"}',
                '{"ImportId":"QID3_TEXT"}',
            ],
            [
                "2022-09-01 10:00:00",
                "2022-09-01 10:10:00",
                "IP Address",
                "203.0.113.5",
                "100",
                "600",
                "True",
                "2022-09-01 10:10:00",
                "R_abc",
                "",
                "",
                "",
                "41.88",
                "-87.63",
                "Overdoses at the shelter.",
                "We work well with patrol.",
                "EMS runs by district",
            ],
            [
                "2022-09-02 10:00:00",
                "2022-09-02 10:10:00",
                "IP Address",
                "203.0.113.6",
                "100",
                "500",
                "True",
                "2022-09-02 10:10:00",
                "R_def",
                "",
                "",
                "",
                "41.89",
                "-87.62",
                "Car break-ins.",
                "",
                "",
            ],
        ],
    )


def test_detects_layouts():
    assert detect_layout(["ID", "Start time", "Completion time", "Email"]) == "microsoft_forms"
    assert detect_layout(["Timestamp", "Q"]) == "google_forms"
    assert detect_layout(["Respondent ID", "Collector ID", "Start Date"]) == "surveymonkey"
    assert detect_layout(["StartDate", "ResponseId", "Q1"]) == "qualtrics"
    assert detect_layout(["name", "answer"]) == "generic"


def test_microsoft_forms_export_every_cell_accounted_for(tmp_path):
    export = read_form_export(microsoft_forms(tmp_path))
    assert export.layout == "microsoft_forms" and export.header_rows_dropped == 0
    assert export.id_column == "ID" and export.time_column == "Completion time"
    assert export.personal_columns == ["Email", "Name"]
    assert export.question_columns == [Q4, Q1, Q2, Q3]
    assert export.rows_read == 3
    cells, empty = export.answer_cells()
    assert (cells, empty) == (12, 4)
    table = question_theme_table(export)
    targets = dict(zip(table["question"], table["target"], strict=True))
    assert targets == {
        Q4: "sector",
        Q1: "public_safety_concerns",
        Q2: "police_community_relations",
        Q3: "data_available",
    }
    spec = export.unpivot_spec(table)
    assert spec["value_columns"] == [Q1, Q2, Q3]
    assert spec["fields"][Q4] == "sector" and spec["fields"]["ID"] == "interview_id"
    assert "Email" not in spec["id_columns"] + spec["value_columns"]
    long = export.frame.melt(id_vars=spec["id_columns"], value_vars=spec["value_columns"])
    assert len(long) == export.rows_read * len(spec["value_columns"])


def test_qualtrics_extra_header_rows_are_dropped(tmp_path):
    export = read_form_export(qualtrics(tmp_path))
    assert export.layout == "qualtrics" and export.header_rows_dropped == 2
    assert export.rows_read == 2
    assert export.question_columns == [Q1, Q2, Q3]
    assert {"IPAddress", "LocationLatitude", "RecipientEmail"} <= set(export.personal_columns)
    assert export.frame["ResponseId"].tolist() == ["R_abc", "R_def"]
    assert export.answer_cells() == (6, 2)
    assert not export.frame.astype(str).apply(lambda c: c.str.contains("ImportId")).any().any()


def test_surveymonkey_second_header_row(tmp_path):
    path = _csv(
        tmp_path / "sm.csv",
        [
            ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", Q1, Q2],
            ["", "", "", "", "", "Open-Ended Response", "Response"],
            ["111", "9", "09/01/2022", "09/01/2022", "198.51.100.1", "Robbery", "Good"],
        ],
    )
    export = read_form_export(path)
    assert export.layout == "surveymonkey" and export.header_rows_dropped == 1
    assert export.question_columns == [Q1, Q2] and export.rows_read == 1


def test_bad_exports(tmp_path):
    header_only = _csv(
        tmp_path / "q.csv", [["StartDate", "ResponseId", "Q1"], ["Start", "Id", "Question"]]
    )
    with pytest.raises(LoadError, match="no respondent"):
        read_form_export(header_only)
    with pytest.raises(LoadError, match="does not look like a qualtrics"):
        read_form_export(microsoft_forms(tmp_path), layout="qualtrics")
    with pytest.raises(LoadError, match="not themes"):
        question_theme_table(["Q"], known={"Q": "weather"})


def test_duplicate_question_text_is_renamed(tmp_path):
    frame = pd.DataFrame([["Timestamp", Q1, Q1], ["2022-09-01", "a", "b"]])
    export = read_form_export(frame)
    assert export.layout == "google_forms"
    assert export.question_columns == [Q1, f"{Q1} (2)"] and export.warnings


@pytest.mark.parametrize("layout", ["microsoft_forms", "qualtrics", "qualtrics_xlsx"])
def test_an_export_loads_into_interviews_through_its_mapping(tmp_path, layout):
    """The mapping the helper writes loads the file itself: every answer cell accounted for."""
    path = qualtrics(tmp_path) if layout.startswith("qualtrics") else microsoft_forms(tmp_path)
    if layout == "qualtrics_xlsx":  # the same export saved as Excel
        raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
        path = tmp_path / "qualtrics.xlsx"
        raw.to_excel(path, header=False, index=False)
    export = read_form_export(path)
    constants = {"sector": "community"} if layout.startswith("qualtrics") else None
    mapping = export.mapping(question_theme_table(export), constants=constants)
    assert mapping["read"]["extra_header_rows"] == export.header_rows_dropped
    result = load("interviews", path, mapping)
    cells, empty = export.answer_cells()
    themed = len(mapping["unpivot"]["columns"])
    assert result.wide_rows == export.rows_read
    assert result.rows_read == len(result.data) + len(result.rejected)
    assert result.rows_read + result.cells_skipped == export.rows_read * themed
    if layout == "microsoft_forms":  # the sector question is a column, not an answer
        assert (cells, empty) == (12, 4) and result.rows_read == 5
        assert set(result.data["sector"]) == {"community", "government"}
    else:
        assert (cells, empty) == (6, 2) and result.rows_read == 4
        assert set(result.data["interview_id"]) == {"R_abc", "R_def"}  # no header row as data
    assert result.data["theme"].notna().all() and result.data["question"].notna().all()
    assert (result.data["stakeholder_id"] == result.data["interview_id"]).all()
    loaded = " ".join(result.data.astype(str).to_numpy().ravel())
    for personal in ("203.0.113.5", "41.88", "anonymous"):
        assert personal not in loaded  # personal columns are never mapped
