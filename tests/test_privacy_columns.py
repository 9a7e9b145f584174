"""Personal columns: unmapped columns are personal unless declared safe."""

from __future__ import annotations

import pandas as pd
import pytest

from cs360lib.errors import PrivacyError
from cs360lib.publish.privacy import drop_personal_columns, known_names, personal_columns


@pytest.fixture
def source():
    return pd.DataFrame(
        {
            "incident_id": ["1"],
            "offense": ["Robbery"],
            "victim_name": ["A Person"],
            "home_address": ["1 Somewhere St"],
            "beat": ["E2"],
        }
    )


def test_unmapped_columns_are_personal_when_keep_is_given(source):
    out = drop_personal_columns(source, personal=["incident_id"], keep=["offense", "beat"])
    assert list(out.columns) == ["offense", "beat"]
    assert personal_columns(source.columns, keep=["offense", "beat", "incident_id"]) == [
        "victim_name",
        "home_address",
    ]


def test_only_listed_columns_without_keep(source):
    out = drop_personal_columns(source, personal=["victim_name", "home_address"])
    assert list(out.columns) == ["incident_id", "offense", "beat"]
    assert drop_personal_columns(source).equals(source)


def test_a_column_cannot_be_both(source):
    with pytest.raises(PrivacyError, match="both as personal and as safe"):
        drop_personal_columns(source, personal=["beat"], keep=["beat"])


def test_known_names_from_name_columns():
    roster = pd.DataFrame({"name": ["Ann  Lee", "Bo Diaz", None, "Ann Lee"], "x": [1, 2, 3, 4]})
    assert known_names(roster, ["name", "missing"]) == ["Ann Lee", "Bo Diaz"]
