import docx
import pandas as pd
import pytest

from cs360lib.data.docx_interviews import load_docx_interviews, theme_of
from cs360lib.errors import LoadError, SourceNotFoundError


def _write(path, header, blocks, *, table_header=False, stray=None):
    d = docx.Document()
    d.add_heading("Scanning interview", level=0)
    if table_header:
        t = d.add_table(rows=0, cols=2)
        for k, v in header.items():
            cells = t.add_row().cells
            cells[0].text, cells[1].text = k, v
    else:
        for k, v in header.items():
            d.add_paragraph(f"{k}: {v}")
    if stray:
        d.add_paragraph(stray)
    for level, heading, paragraphs in blocks:
        d.add_heading(heading, level=level)
        for p in paragraphs:
            d.add_paragraph(p)
    d.save(path)
    return path


HEADER = {
    "Interview ID": "INT-101",
    "Stakeholder ID": "S12",
    "Sector": "Government",
    "Role": "311 data manager",
    "Date": "2022-09-20",
}


def test_docx_with_theme_and_question_headings(tmp_path):
    _write(
        tmp_path / "int101.docx",
        HEADER,
        [
            (1, "Public safety concerns", []),
            (
                2,
                "What are the most pressing concerns?",
                ["Robberies at the transit center.", "Also dumping in the alley."],
            ),
            (2, "Which places?", ["Main St and 7th."]),
            (1, "Police-community relations", ["Trust is low on the east side."]),
            (1, "Data available", []),
            (2, "What data do you hold?", [""]),
            (1, "Other remarks", ["Thanks for asking."]),
        ],
        stray="Notes typed by the interviewer",
    )
    result = load_docx_interviews(tmp_path)
    assert result.rows_read == len(result.data) + len(result.rejected) == 5
    d = result.data
    assert d["question"].tolist() == [
        "What are the most pressing concerns?",
        "Which places?",
        "Police-community relations",
    ]
    assert d["theme"].tolist() == [
        "public_safety_concerns",
        "public_safety_concerns",
        "police_community_relations",
    ]
    assert d["response"].iloc[0] == "Robberies at the transit center.\nAlso dumping in the alley."
    assert (d["interview_id"] == "INT-101").all() and (d["sector"] == "government").all()
    assert d["interviewed_on"].iloc[0] == pd.Timestamp("2022-09-20")
    reasons = result.rejected.set_index("question")["reason"]
    assert reasons["What data do you hold?"].startswith("empty answer")
    assert reasons["Other remarks"].startswith("theme unknown")
    assert "text before the first heading" in " ".join(result.problems["problem"])
    assert set(d.columns) >= {
        "interview_id",
        "stakeholder_id",
        "sector",
        "role",
        "theme",
        "question",
        "response",
        "interviewed_on",
        "source_file",
        "source_row",
    }


def test_question_themes_table_and_header_table(tmp_path):
    _write(
        tmp_path / "b.docx",
        {**HEADER, "Interview ID": "INT-102"},
        [(1, "What should the department do better?", ["Report back to residents."])],
        table_header=True,
    )
    result = load_docx_interviews(
        tmp_path / "b.docx",
        question_themes={"What should the department do better?": "areas_for_improvement"},
    )
    assert result.data["theme"].tolist() == ["areas_for_improvement"]
    assert result.data["role"].tolist() == ["311 data manager"]


def test_bad_sector_and_missing_stakeholder_are_rejected(tmp_path):
    _write(
        tmp_path / "c.docx",
        {"Sector": "mayor", "Stakeholder ID": "S1"},
        [(1, "Public safety concerns", ["Speeding."])],
    )
    _write(
        tmp_path / "d.docx", {"Sector": "community"}, [(1, "Public safety concerns", ["Speeding."])]
    )
    result = load_docx_interviews(tmp_path)
    assert result.data.empty and len(result.rejected) == 2
    assert "'mayor' is not one of" in result.rejected["reason"].iloc[0]
    assert "no stakeholder id" in result.rejected["reason"].iloc[1]
    assert result.rejected["interview_id"].tolist() == ["c", "d"]  # file name when no id
    with pytest.raises(LoadError, match="2 problem"):
        load_docx_interviews(tmp_path, strict=True)


def test_not_a_docx_and_nothing_found(tmp_path):
    (tmp_path / "x.docx").write_text("plain text")
    with pytest.raises(LoadError, match="cannot be read as a Word"):
        load_docx_interviews(tmp_path / "x.docx")
    with pytest.raises(SourceNotFoundError):
        load_docx_interviews(tmp_path / "absent")
    with pytest.raises(LoadError, match="unknown theme"):
        load_docx_interviews(tmp_path, question_themes={"Q": "gossip"})


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("Public Safety Concerns", "public_safety_concerns"),
        ("data_available", "data_available"),
        ("Areas for improvement:", "areas_for_improvement"),
        ("What worries you?", None),
    ],
)
def test_theme_of(text, theme):
    assert theme_of(text) == theme
