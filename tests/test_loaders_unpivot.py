"""Loaders, unpivot: wide survey and interview exports become long rows, every cell counted."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cs360lib.config.mapping import MappingError, read_mapping
from cs360lib.data.loaders import LoadError, load

Q_SAFETY = "What are the most serious public safety concerns in your neighborhood?"
Q_RELATIONS = 'How would you describe the relationship between police and "the community"?'
Q_DATA = "What data does your organization hold that could help, e.g. counts, surveys?"
Q_IMPROVE = "Which areas need improvement,\nand who could act on them?"  # a line break

QUESTIONS = {
    Q_SAFETY: {"theme": "public_safety_concerns", "question": "safety_concerns"},
    Q_RELATIONS: {"theme": "police_community_relations", "question": "relations"},
    Q_DATA: {"theme": "data_available", "question": "data_held"},
    Q_IMPROVE: {"theme": "areas_for_improvement", "question": "improvement"},
}

SECTORS = {
    "Community member": "community",
    "Police department": "department",
    "City government": "government",
    "Other law enforcement": "other_law_enforcement",
}


def microsoft_forms_export(path: Path) -> pd.DataFrame:
    """One row per interviewee, one column per question, as Microsoft Forms writes to Excel."""
    frame = pd.DataFrame(
        {
            "ID": ["1", "2", "3", "4"],
            "Start time": [
                "3/5/24 10:02:11",
                "3/5/24 11:15:40",
                "3/6/24 9:00:05",
                "3/6/24 14:30:00",
            ],
            "Completion time": [
                "3/5/24 10:31:52",
                "3/5/24 11:40:02",
                "3/6/24 9:20:45",
                "3/6/24 14:55:10",
            ],
            "Email": ["anonymous"] * 4,
            "Name": ["", "", "", ""],
            "Stakeholder code": ["S-017", "S-002", "S-031", "S-040"],
            "Sector": ["Community member", "Police department", "City government", "Church"],
            "Role": ["Block club president", "Patrol sergeant", "", "Pastor"],
            Q_SAFETY: ["Robberies near the bus hub", "Gun violence, after dark", "", "Speeding"],
            Q_RELATIONS: ["Distant", "Improving", "Tense since 2020", "Good"],
            Q_DATA: ["", "CAD and RMS", "311 requests; streetlight outages", ""],
            Q_IMPROVE: ["Lighting on 5th St", "  ", "Youth programs", "Parking"],
        }
    )
    frame.to_excel(path, index=False)
    return frame


def interview_mapping(**extra: object) -> dict:
    return {
        "kind": "interviews",
        "unpivot": {"name": "question_text", "value": "answer", "names": QUESTIONS},
        "columns": {
            "interview_id": "ID",
            "stakeholder_id": "Stakeholder code",
            "sector": "Sector",
            "role": "Role",
            "theme": "theme",
            "question": "question",
            "response": "answer",
            "interviewed_on": "Completion time",
        },
        "values": {"sector": SECTORS},
        "formats": {"interviewed_on": "%m/%d/%y %H:%M:%S"},
        **extra,
    }


def test_a_wide_interview_export_loads_with_every_cell_accounted_for(tmp_path: Path) -> None:
    wide = microsoft_forms_export(tmp_path / "responses.xlsx")
    result = load("interviews", tmp_path / "responses.xlsx", interview_mapping())
    # 4 interviewees x 4 questions = 16 cells; 4 are empty or blank, 12 became rows.
    assert result.wide_rows == 4 and result.value_columns == list(QUESTIONS)
    assert result.cells_skipped == 4
    assert result.rows_read == 12 == len(result.data) + len(result.rejected)
    assert result.wide_rows * len(result.value_columns) == result.rows_read + result.cells_skipped
    # Interviewee 4 ("Church" is not a CS360 sector): all three answers are rejected.
    assert list(result.rejected["source_row"]) == [4, 4, 4]
    assert list(result.rejected["source_column"]) == [Q_SAFETY, Q_RELATIONS, Q_IMPROVE]
    assert result.rejected["reason"].str.contains("sector 'Church' is not one of").all()
    data = result.data
    assert len(data) == 9
    cells = set(zip(data["source_row"], data["source_column"].astype(str), strict=True))
    filled = {
        (row + 1, question)
        for row in range(4)
        for question in QUESTIONS
        if str(wide.loc[row, question]).strip() and row != 3
    }
    assert cells == filled
    first = data[(data["source_row"] == 1) & (data["question"] == "safety_concerns")].iloc[0]
    assert first["response"] == "Robberies near the bus hub"
    assert first["theme"] == "public_safety_concerns"
    assert first["sector"] == "community" and first["stakeholder_id"] == "S-017"
    assert first["interviewed_on"] == pd.Timestamp("2024-03-05 10:31:52")
    assert set(data["theme"]) == {
        "public_safety_concerns",
        "police_community_relations",
        "data_available",
        "areas_for_improvement",
    }
    assert "Name" not in data.columns and "Email" not in data.columns  # never mapped
    assert result.duplicates.empty  # key: interview_id and question
    summary = result.summary()
    assert "The file's 4 rows x 4 value columns hold 16 cells: 12 became rows" in summary
    assert "4 empty cells were skipped" in summary


def test_a_google_forms_csv_with_a_column_pattern(tmp_path: Path) -> None:
    """Google Forms writes a Timestamp, then the questions; pick them by a pattern."""
    header = ["Timestamp", "Interview", "Stakeholder", "Sector", "Q1. Concerns", "Q2. Relations"]
    rows = [
        ["3/5/2024 10:15:32", "G1", "S-101", "community", "Noise", ""],
        ["3/5/2024 11:02:09", "G2", "S-102", "government", "Vacant lots", "Fair"],
    ]
    path = tmp_path / "form.csv"
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    mapping = {
        "unpivot": {"match": r"^Q\d+\. ", "name": "question", "value": "answer"},
        "columns": {
            "interview_id": "Interview",
            "stakeholder_id": "Stakeholder",
            "sector": "Sector",
            "question": "question",
            "response": "answer",
            "theme": "question",
            "interviewed_on": "Timestamp",
        },
        "values": {
            "theme": {
                "Q1. Concerns": "public_safety_concerns",
                "Q2. Relations": "police_community_relations",
            }
        },
    }
    result = load("interviews", path, mapping)
    assert result.rejected.empty and result.rows_read == 3 and result.cells_skipped == 1
    assert list(result.data["theme"]) == [
        "public_safety_concerns",
        "public_safety_concerns",
        "police_community_relations",
    ]
    assert list(result.data["question"]) == ["Q1. Concerns", "Q1. Concerns", "Q2. Relations"]


def test_survey_columns_become_item_and_group(tmp_path: Path) -> None:
    """The survey example of the issue: trust_age_18_24 -> item trust, group age_18_24."""
    path = tmp_path / "scores.csv"
    path.write_text(
        "month,district,trust_all,trust_age_18_24,safety_all,safety_age_18_24\n"
        "2024-01-01,7,61.2,48.9,55.0,\n"
        "2024-02-01,7,,,56.1,47.2\n",
        encoding="utf-8",
    )
    names = {
        "trust_all": {"item": "trust", "group": "all"},
        "trust_age_18_24": {"item": "trust", "group": "age_18_24"},
        "safety_all": {"item": "safety", "group": "all"},
        "safety_age_18_24": {"item": "safety", "group": "age_18_24"},
    }
    mapping = {
        "unpivot": {"names": names, "value": "score"},
        "columns": {
            "period": "month",
            "area": "district",
            "item": "item",
            "respondent_group": "group",
            "score": "score",
        },
    }
    result = load("survey", path, mapping)
    assert result.rows_read == 5 and result.cells_skipped == 3 and result.rejected.empty
    table = result.data.set_index(["period", "item", "respondent_group"])["score"]
    assert table[(pd.Timestamp("2024-01-01"), "trust", "age_18_24")] == pytest.approx(48.9)
    assert table[(pd.Timestamp("2024-02-01"), "safety", "age_18_24")] == pytest.approx(47.2)
    assert list(result.data["source_column"].cat.categories) == list(names)


def test_header_only_wide_file_and_unpivot_errors(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("month,district,trust_all,trust_young\n", encoding="utf-8")
    mapping = {
        "unpivot": {"columns": ["trust_all"], "value": "score"},
        "columns": {"period": "month", "area": "district", "score": "score"},
        "constants": {"item": "trust"},
    }
    result = load("survey", path, mapping)
    assert result.rows_read == 0 and result.wide_rows == 0 and result.cells_skipped == 0
    with pytest.raises(LoadError, match="not in the file: \\['trust_old'\\]"):
        load("survey", path, {**mapping, "unpivot": {"columns": ["trust_old"]}})
    with pytest.raises(LoadError, match="have no entry in unpivot.names"):
        load(
            "survey",
            path,
            {**mapping, "unpivot": {"match": "^trust", "names": {"trust_all": {"item": "t"}}}},
        )
    with pytest.raises(LoadError, match="already has"):
        load("survey", path, {**mapping, "unpivot": {"columns": ["trust_all"], "name": "month"}})
    with pytest.raises(LoadError, match="selects no column"):
        load("survey", path, {**mapping, "unpivot": {"match": "^safety"}})
    with pytest.raises(MappingError, match="say which columns to unpivot"):
        read_mapping({"unpivot": {"name": "q"}})
    with pytest.raises(MappingError, match="not a regular expression"):
        read_mapping({"unpivot": {"match": "("}})
