"""Schemas: every kind is typed, documented and consistent with the loader's coercions."""

from __future__ import annotations

import pandas as pd
import pytest

from cs360lib.data import schemas
from cs360lib.data.schema_docs import columns_markdown, columns_table
from cs360lib.data.schemas import SCHEMAS, Incidents, column_types


def test_incident_columns_are_the_fixed_canonical_names() -> None:
    assert list(column_types("incidents")) == [
        "incident_id",
        "occurred_at",
        "offense",
        "offense_group",
        "district",
        "beat",
        "address",
        "lat",
        "lon",
    ]
    assert Incidents.occurred_at == "occurred_at"  # column names are attributes


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_every_column_is_documented_and_typed(kind: str) -> None:
    table = columns_table().query("kind == @kind")
    assert not table.empty
    assert (table["description"].str.len() > 5).all()
    assert set(table["type"]) <= {"string", "category", "datetime", "float", "int"}
    assert table["required"].any()
    assert all(name == name.lower() and " " not in name for name in table["column"])


def test_every_kind_has_a_key_made_of_its_columns() -> None:
    for kind, key in schemas.KEYS.items():
        assert set(key) <= set(column_types(kind)), kind


def test_generated_docs_are_current() -> None:
    from pathlib import Path

    committed = Path(__file__).resolve().parents[1] / "docs" / "columns.md"
    assert committed.read_text().strip() == columns_markdown().strip(), "run `make docs`"


def test_unknown_kind_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="incidents"):
        schemas.schema_for("crimes")


def test_optional_columns_may_be_absent() -> None:
    frame = pd.DataFrame(
        {
            "incident_id": pd.array(["1"], dtype="string[pyarrow]"),
            "occurred_at": pd.to_datetime(["2024-01-01"]),
            "offense": pd.array(["Theft"], dtype="string[pyarrow]"),
        }
    )
    Incidents.validate(frame)


# -- facts about each kind ------------------------------------------------------------------------


def test_kind_info_holds_the_facts_of_a_kind() -> None:
    info = schemas.kind_info("incidents")
    assert info.key == ("incident_id",)
    assert info.time == "occurred_at"
    assert info.areas == ("district", "beat")
    assert info.event and info.code == "offense"
    assert info.personal == ("incident_id",)
    assert info.location == ("address", "lat", "lon")
    assert info.types["occurred_at"] == "datetime" and info.types["district"] == "category"
    assert info.required == ("incident_id", "occurred_at", "offense")
    assert schemas.kind_info("incidents") is info  # cached, frozen
    with pytest.raises(AttributeError):
        info.time = "x"  # type: ignore[misc]
    assert [k for k in SCHEMAS if schemas.kind_info(k).event] == ["incidents", "calls", "arrests"]
    assert schemas.kind_info("stakeholders").time is None
    assert schemas.kind_info("interviews").free_text == ("response",)


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_every_fact_names_columns_of_the_kind(kind: str) -> None:
    info = schemas.kind_info(kind)
    named = {*info.key, *info.areas, info.code} | ({info.time} if info.time else set())
    assert named <= set(info.columns)
    if info.time:
        assert info.types[info.time] == "datetime"
    assert set(info.privacy.values()) <= set(schemas.PRIVACY_CLASSES)
    assert set(info.personal) | set(info.location) | set(info.free_text) <= set(info.columns)
    assert info.key == schemas.KEYS[kind]


@pytest.mark.parametrize("kind", sorted(SCHEMAS))
def test_every_column_has_a_human_label(kind: str) -> None:
    info = schemas.kind_info(kind)
    for column in info.columns:
        label = schemas.column_label(kind, column)
        assert label == info.labels[column]
        assert label[0].isupper() and "_" not in label, (kind, column, label)
    assert schemas.column_label(kind, "source_row") == "Row in file"


def test_column_label_of_an_unknown_column_lists_the_columns() -> None:
    assert schemas.column_label("incidents", "occurred_at") == "Occurred at"
    with pytest.raises(KeyError, match="occurred_at"):
        schemas.column_label("incidents", "rejected_pct")


def test_case_numbers_and_person_ids_are_personal_and_places_are_locations() -> None:
    personal = {(k, c) for k in SCHEMAS for c in schemas.kind_info(k).personal}
    assert {
        ("incidents", "incident_id"),
        ("calls", "call_id"),
        ("arrests", "arrest_id"),
        ("arrests", "incident_id"),
        ("interviews", "stakeholder_id"),
        ("stakeholders", "stakeholder_id"),
    } <= personal
    for kind in SCHEMAS:
        info = schemas.kind_info(kind)
        for column in ("address", "lat", "lon"):
            if column in info.columns:
                assert column in info.location, (kind, column)
        assert not set(info.areas) & (set(info.personal) | set(info.location))


def test_every_check_carries_its_own_message() -> None:
    for kind, model in SCHEMAS.items():
        for name, column in model.to_schema().columns.items():
            for check in column.checks:
                assert check.error and check.error.startswith("is "), (kind, name, check)


def test_column_types_come_from_the_annotations() -> None:
    assert column_types("arrests")["age"] == "int"
    assert column_types("survey")["score"] == "float"
    assert column_types("calls")["area"] == "category"


def test_generated_docs_show_labels_and_publishing() -> None:
    text = columns_markdown()
    assert "| `occurred_at` | Occurred at |" in text
    assert "**personal**: never published" in text and "**location**: generalized" in text
    table = columns_table()
    assert table.loc[table["column"] == "incident_id", "privacy"].eq("personal").all()


def test_a_failed_check_reads_as_its_message_in_the_problems(tmp_path) -> None:
    from cs360lib import load

    path = tmp_path / "incidents.csv"
    path.write_text(
        "incident_id,occurred_at,offense,lat,lon\n"
        "1,2024-01-01 10:00,Theft,95,-75\n"
        "2,2024-01-02 10:00,Theft,40,-75\n"
    )
    result = load("incidents", path)
    # lat is optional: the row is kept, the value set missing, the check's own words reported.
    assert result.rejected.empty
    problem = result.problems.set_index("column").loc["lat"]
    assert problem["problem"] == "is not a latitude (it must be between -90 and 90)"
    assert problem["outcome"] == "set missing"
    required = tmp_path / "stakeholders.csv"
    required.write_text("stakeholder_id,organisation,sector\nS1,Church,parliament\n")
    reason = load("stakeholders", required).rejected["reason"].iloc[0]
    assert reason.startswith("sector 'parliament' is not one of")
