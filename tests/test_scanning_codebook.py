import pytest
import yaml

from cs360lib.errors import CodebookError, Cs360Error
from cs360lib.steps.scanning.codebook import (
    data_codebook,
    default_codebook,
    load_codebook,
    shipped_codebooks,
)

ISSUE_CONCERNS = [
    "gun_violence",
    "robbery",
    "burglary_theft",
    "vehicle_crime",
    "drug_markets",
    "overdoses",
    "traffic_safety",
    "youth",
    "homelessness_mental_health",
    "disorder",
    "domestic_violence",
    "trust_legitimacy",
    "communication",
    "response_times",
    "police_visibility",
    "lighting_environment",
]


def _book(**concern):
    base = {"id": "x", "label": "X", "definition": "An x.", "phrases": ["x thing"]}
    return {"concerns": [{**base, **concern}]}


def test_shipped_codebooks_load_and_cover_the_issue_list():
    assert {"default", "data"} <= set(shipped_codebooks())
    book = default_codebook()
    assert set(ISSUE_CONCERNS) <= set(book.ids)
    assert all(c.definition for c in book.concerns)
    assert book.measures()["robbery"].source == "incidents"
    data = data_codebook()
    assert {
        "ems_overdose_calls",
        "requests_311",
        "code_enforcement",
        "school_attendance",
        "hospital_injuries",
        "business_data",
        "transit_data",
        "lighting_outages",
    } <= set(data.ids)
    assert {"geography", "frequency", "sharing"} <= set(data.facets)


def test_invalid_regex_names_file_concern_and_pattern(tmp_path):
    path = tmp_path / "cb.yml"
    path.write_text(yaml.safe_dump(_book(id="robbery", patterns=["rob(bery"])))
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    msg = str(err.value)
    assert str(path) in msg and "'robbery'" in msg and "rob(bery" in msg
    assert isinstance(err.value, Cs360Error) and isinstance(err.value, ValueError)


def test_duplicate_concern_id_is_an_error(tmp_path):
    path = tmp_path / "cb.yml"
    data = _book(id="robbery")
    data["concerns"].append(dict(data["concerns"][0]))
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CodebookError, match="duplicate concern id.*'robbery'"):
        load_codebook(path)


@pytest.mark.parametrize(
    ("concern", "match"),
    [
        ({"phrases": [], "patterns": []}, "no phrases and no patterns"),
        ({"patterns": ["(?:x)?"]}, "matches empty text"),
        ({"patterns": [r"(a)\1"]}, "back-references"),
        ({"phrases": ["  "]}, "empty phrase"),
        ({"id": "Bad Id"}, "snake_case"),
        ({"definition": ""}, "definition"),
        ({"colour": "red"}, "colour"),
        ({"measure": {"source": "tweets"}}, "unknown source kind"),
        (
            {"measure": {"source": "incidents", "filter": {"ofense": ["Robbery"]}}},
            "not columns of 'incidents'",
        ),
    ],
)
def test_bad_concerns_are_refused(concern, match):
    with pytest.raises(CodebookError, match=match):
        load_codebook(_book(**concern))


def test_extends_default_overrides_adds_and_removes(tmp_path):
    path = tmp_path / "engagement_codebook.yml"
    path.write_text(
        yaml.safe_dump(
            {
                "extends": "default",
                "remove": ["youth"],
                "concerns": [
                    {
                        "id": "robbery",
                        "measure": {
                            "source": "incidents",
                            "filter": {"offense": ["Street robbery"]},
                        },
                    },
                    {
                        "id": "scooter_theft",
                        "label": "Scooter theft",
                        "definition": "Stolen e-scooters.",
                        "phrases": ["stolen scooter"],
                    },
                ],
            }
        )
    )
    book = load_codebook(path)
    assert "youth" not in book.ids
    assert book.ids[-1] == "scooter_theft"
    assert book.concern("robbery").measure.filter == {"offense": ["Street robbery"]}
    assert book.concern("robbery").phrases == default_codebook().concern("robbery").phrases


def test_extends_a_relative_file_and_unknown_remove(tmp_path):
    (tmp_path / "base.yml").write_text(yaml.safe_dump(_book(id="base_one")))
    child = tmp_path / "child.yml"
    child.write_text(
        yaml.safe_dump(
            {
                "extends": "base.yml",
                "concerns": [
                    {"id": "two", "label": "Two", "definition": "Two.", "phrases": ["two"]}
                ],
            }
        )
    )
    assert load_codebook(child).ids == ["base_one", "two"]
    child.write_text(yaml.safe_dump({"extends": "base.yml", "remove": ["nope"]}))
    with pytest.raises(CodebookError, match="unknown concern 'nope'"):
        load_codebook(child)


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(CodebookError, match="does not exist"):
        load_codebook(tmp_path / "absent.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("concerns: [\n")
    with pytest.raises(CodebookError, match="not valid YAML"):
        load_codebook(bad)


def test_codebook_table_for_coders():
    t = default_codebook().to_frame()
    assert list(t.columns) == [
        "id",
        "label",
        "definition",
        "phrases",
        "patterns",
        "exclude",
        "measure",
    ]
    assert t.set_index("id").loc["robbery", "measure"] == "incidents offense_group in ['Robbery']"
