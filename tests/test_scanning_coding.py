import pandas as pd
import pytest

from cs360lib.errors import CodebookError
from cs360lib.steps.scanning.coding import code_responses

TEXTS = {
    "neg": "Speeding is not a problem here.",
    "multi": "Car break-ins and robberies near the transit center, and the lights are out.",
    "plural": "Two shootings and several robberies this summer.",
    "excl": "The clinic gives flu shots on Tuesdays.",
    "none": "We enjoy the farmers market on Saturdays.",
    "empty": "   ",
    "spanish": "Hay muchos robos cerca de la parada del autobús por la noche y nadie hace nada.",
    "pre": "There is no drug dealing on our block any more, but the shootings go on.",
}


@pytest.fixture(scope="module")
def coding():
    frame = pd.DataFrame({"response_id": list(TEXTS), "response": list(TEXTS.values())})
    return code_responses(frame)


def test_negated_mention_is_not_coded_but_kept_as_evidence(coding):
    assert not coding.codes.loc["neg"].any()
    ev = coding.evidence[coding.evidence["response_id"] == "neg"]
    assert ev[["concern", "text", "status"]].values.tolist() == [
        ["traffic_safety", "Speeding", "negated"]
    ]


def test_multi_label_and_evidence_words(coding):
    row = coding.codes.loc["multi"]
    assert set(row[row].index) == {"vehicle_crime", "robbery", "lighting_environment"}
    assert not row["burglary_theft"]  # 'car break-ins' is vehicle crime, not burglary
    frame = coding.to_frame()
    ev = frame[frame["response_id"] == "multi"].set_index("concern")["evidence"]
    assert ev["vehicle_crime"] == "Car break-ins"
    assert ev["robbery"] == "robberies"


def test_plurals_are_coded(coding):
    row = coding.codes.loc["plural"]
    assert row["gun_violence"] and row["robbery"]


def test_exclusion_cancels_a_match(coding):
    assert not coding.codes.loc["excl", "gun_violence"]
    ev = coding.evidence[coding.evidence["response_id"] == "excl"]
    assert ev["status"].tolist() == ["excluded"]


def test_negation_scope_ends_at_but(coding):
    row = coding.codes.loc["pre"]
    assert not row["drug_markets"] and row["gun_violence"]


def test_empty_and_non_english_are_skipped_and_reported(coding):
    skipped = coding.skipped.set_index("response_id")["reason"].to_dict()
    assert skipped == {"empty": "empty", "spanish": "not English"}
    assert "empty" not in coding.codes.index
    assert any("not English" in w for w in coding.warnings)
    assert "not English" in coding.summary()


def test_uncovered_counts_and_tables(coding):
    assert coding.uncovered().index.tolist() == ["neg", "excl", "none"]
    counts = coding.counts().set_index("concern")
    assert counts.loc["robbery", "responses"] == 2
    assert counts.loc["traffic_safety", "negated"] == 1
    table = coding.table().data
    assert list(table.columns) == ["Concern", "Responses", "Negated mentions"]
    assert coding.chart().to_dict()["mark"]["type"] == "bar"


def test_response_ids_are_stable_under_a_theme_filter():
    frame = pd.DataFrame(
        {
            "interview_id": ["A", "A", "B"],
            "theme": ["data_available", "public_safety_concerns", "public_safety_concerns"],
            "response": ["We hold 311 data.", "Robbery at the bus stop.", "Shootings."],
        }
    )
    all_ = code_responses(frame)
    some = code_responses(frame, themes=["public_safety_concerns"])
    assert all_.responses.index.tolist() == ["A/01", "A/02", "B/01"]
    assert some.responses.index.tolist() == ["A/02", "B/01"]


def test_bad_input_is_refused():
    with pytest.raises(CodebookError, match="no column 'text'"):
        code_responses(pd.DataFrame({"response": ["x"]}), text_column="text")
    with pytest.raises(CodebookError, match="repeats ids"):
        code_responses(pd.DataFrame({"response_id": ["a", "a"], "response": ["x", "y"]}))


def test_series_and_list_inputs_and_custom_codebook():
    book = {
        "concerns": [
            {
                "id": "noise",
                "label": "Noise",
                "definition": "Loud noise.",
                "phrases": ["loud music"],
            }
        ],
        "negation": {"enabled": False},
    }
    c = code_responses(["No loud music please", "quiet"], book)
    assert c.codes["noise"].tolist() == [True, False]  # negation switched off
    s = code_responses(pd.Series(["gunshots at night"]))
    assert s.codes.iloc[0]["gun_violence"]
