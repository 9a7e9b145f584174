"""Loaders, cleaning: every operation keeps a missing value missing; extract, replace, suffix_strip."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cs360lib.config.mapping import CLEAN_OPERATIONS, MappingError, read_mapping
from cs360lib.data.loaders import load
from cs360lib.data.loaders.coercion import clean

# One written form of every operation (the test below checks that none is forgotten).
OPERATIONS = [
    "strip",
    "upper",
    "lower",
    "title",
    "float_id",
    "zero_pad:4",
    "split:T:0",
    "split:T:1",
    "split: :2",
    "prefix_strip:--",
    "suffix_strip: (UTC)",
    "extract:^(\\d+)",
    "extract:([A-Z][A-Z ]+)$",
    "replace:,:.",
    "replace:-:",
]

PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs"))  # a CSV writer quotes the rest
TEXT = st.one_of(
    st.none(),
    st.text(alphabet=PRINTABLE, max_size=12),
    st.from_regex(r"\d{1,4}(\.0+)?", fullmatch=True),
    st.from_regex(r"\d{1,2}[A-Z]{0,2}[A-Z ]{0,12}", fullmatch=True),
    st.from_regex(r"20\d\d-\d\d-\d\dT\d\d:\d\d", fullmatch=True),
)


def test_every_operation_is_covered_here() -> None:
    assert {op.partition(":")[0] for op in OPERATIONS} == set(CLEAN_OPERATIONS)


@settings(max_examples=150, deadline=None)
@given(values=st.lists(TEXT, min_size=1, max_size=30), operation=st.sampled_from(OPERATIONS))
def test_missing_values_stay_missing_under_every_operation(values, operation) -> None:
    array = pa.array(values, pa.string())
    cleaned = clean(array, operation)
    assert len(cleaned) == len(array)
    for before, after in zip(values, cleaned.to_pylist(), strict=True):
        if before is None:
            assert after is None, (operation, before, after)


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(st.one_of(st.just(""), st.just("   "), TEXT), min_size=1, max_size=8),
    operation=st.sampled_from(OPERATIONS),
)
def test_an_empty_optional_value_never_rejects_its_row(tmp_path_factory, cells, operation):
    """Through the whole loader: an empty value, whatever its cleaning, is missing, not bad."""
    path = tmp_path_factory.mktemp("prop") / "calls.csv"
    rows = [
        [f"C{i}", "2024-01-05 10:00", "THEFT", "" if c is None else c] for i, c in enumerate(cells)
    ]
    pd.DataFrame(rows, columns=["id", "when", "type", "dispatched"]).to_csv(path, index=False)
    mapping = {
        "columns": {
            "call_id": "id",
            "received_at": "when",
            "call_type": "type",
            "dispatched_at": "dispatched",
        },
        "clean": {"dispatched_at": [operation]},
    }
    result = load("calls", path, mapping)
    assert result.rows_read == len(cells) == len(result.data)  # optional: never rejected
    blank = [c is None or not c.strip() for c in cells]
    problem_rows = set(result.problems["source_row"])
    for row, is_blank in enumerate(blank, 1):
        if is_blank:
            assert row not in problem_rows
            assert pd.isna(result.data.loc[row - 1, "dispatched_at"])


def test_split_keeps_missing_and_the_row(tmp_path: Path) -> None:
    """The old split turned an empty value into empty text, then a bad date, then a rejection."""
    path = tmp_path / "deaths.csv"
    path.write_text(
        "id,death,zip\n1,2024-10-28T16:37:00,15227\n2,,15227\n3,2024-10-29,15227\n",
        encoding="utf-8",
    )
    mapping = {
        "columns": {"metric": "id", "period": "death", "area": "zip"},
        "constants": {"partner": "ME", "value": 1},
        "extra": {"time_of_day": "death"},
        "clean": {"period": ["split:T:0"], "time_of_day": ["split:T:1"]},
        "formats": {"period": "%Y-%m-%d"},
    }
    result = load("partner_metrics", path, mapping)
    assert list(result.rejected["source_row"]) == [2]  # period is required and really empty
    assert result.rejected["reason"].iloc[0].startswith("period (empty) is missing")
    data = result.data.set_index("metric")
    assert data.loc["1", "time_of_day"] == "16:37:00"
    # A value present in the source that split leaves without the part is missing, and said so.
    assert pd.isna(data.loc["3", "time_of_day"])
    lost = result.problems[result.problems["column"] == "time_of_day"].iloc[0]
    assert lost["source_row"] == 3 and lost["outcome"] == "set missing"
    assert "split:T:1" in lost["problem"] and lost["value"] == "2024-10-29"


def test_extract_replace_and_suffix_strip(tmp_path: Path) -> None:
    path = tmp_path / "arrests.csv"
    path.write_text(
        "\n".join(
            [
                "id;date;charge;offense;age;where",
                "1;2020-12-31;HAND GUN;4ECOMMON ASSAULT;27,0;100 MAIN ST (BALT CITY)",
                "2;2020-12-31;THEFT;6CLARCENY- SHOPLIFTING;45;200 OAK ST",
                "3;2020-12-31;THEFT;Unknown Offense;;300 ELM ST (BALT CITY)",
                "4;2020-12-31;THEFT;ASSAULT WITHOUT CODE;19;",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    mapping = {
        "read": {"sep": ";"},
        "columns": {"arrest_id": "id", "arrested_at": "date", "charge": "charge", "age": "age"},
        "extra": {"offense_class": "offense", "offense_label": "offense", "place": "where"},
        "clean": {
            "offense_class": ["extract:^(\\d+)"],
            "offense_label": ["extract:^\\d[A-Z]([A-Z].*)$"],  # one-digit Part 1 codes
            "age": ["replace:,:."],
            "place": ["suffix_strip: (BALT CITY)"],
        },
        "missing": {"offense_class": ["Unknown Offense"], "offense_label": ["Unknown Offense"]},
    }
    result = load("arrests", path, mapping)
    assert result.rejected.empty
    data = result.data
    assert data["offense_class"].tolist()[:2] == ["4", "6"]
    assert pd.isna(data["offense_class"].iloc[2])
    assert data["offense_label"].tolist()[:2] == ["COMMON ASSAULT", "LARCENY- SHOPLIFTING"]
    assert data["age"].tolist()[:2] == [27, 45]
    assert data["place"].tolist()[:3] == ["100 MAIN ST", "200 OAK ST", "300 ELM ST"]
    # "Unknown Offense" is a listed missing value, so no problem; the code-less label is one.
    problems = result.problems
    assert set(problems["source_row"]) == {4}
    assert set(problems["column"]) == {"offense_class", "offense_label"}
    assert (problems["outcome"] == "set missing").all()


def test_clean_operation_arguments_are_checked() -> None:
    for operation, message in [
        ("extract:^\\d+$", "needs a \\(group\\)"),
        ("extract:(?<=a)(b)", "not a usable regular expression"),
        ("extract", "needs an argument"),
        ("replace:,", "write replace:OLD:NEW"),
        ("zero_pad:two", "whole number"),
        ("split:T", "split:SEPARATOR:INDEX"),
        ("upper:x", "takes no argument"),
        ("shout", "unknown operation"),
    ]:
        with pytest.raises(MappingError, match=message):
            read_mapping({"clean": {"offense": [operation]}})
