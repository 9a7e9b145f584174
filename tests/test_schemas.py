"""Schemas: every kind is typed, documented and consistent with the loader's coercions."""

from __future__ import annotations

import pandas as pd
import pytest

from cs360lib.data import schemas
from cs360lib.data.schemas import SCHEMAS, Incidents, column_types, columns_markdown, columns_table


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
