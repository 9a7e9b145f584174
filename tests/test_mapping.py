"""Mappings: accepted forms, validation errors that name the key, shipped mappings."""

from __future__ import annotations

from pathlib import Path

import pytest

from cs360lib.config.mapping import Mapping, MappingError, read_mapping, shipped_mappings


def test_none_is_the_identity_mapping() -> None:
    mapping = read_mapping(None)
    assert mapping.name == "identity" and mapping.columns == {}


def test_yaml_file_relative_to_base(tmp_path: Path) -> None:
    (tmp_path / "m.yml").write_text("kind: calls\ncolumns: {call_id: ID}\nread: {sep: ';'}\n")
    mapping = read_mapping("m.yml", base=tmp_path)
    assert mapping.kind == "calls" and mapping.read.sep == ";" and mapping.name.endswith("m.yml")


def test_tab_separator_alias() -> None:
    assert read_mapping({"read": {"sep": "\\t"}}).read.sep == "\t"


def test_errors_name_mapping_and_key(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match=r"read\.sep"):
        read_mapping({"read": {"sep": ";;"}})
    with pytest.raises(MappingError, match="colums"):
        read_mapping({"colums": {}})
    with pytest.raises(MappingError, match="does not exist"):
        read_mapping(tmp_path / "missing.yml")
    (tmp_path / "bad.yml").write_text("columns: [unclosed\n")
    with pytest.raises(MappingError, match="not valid YAML"):
        read_mapping(tmp_path / "bad.yml")
    with pytest.raises(MappingError, match="unknown kind"):
        read_mapping({"kind": "crimes"})
    with pytest.raises(MappingError, match="snake_case"):
        read_mapping({"extra": {"Bad Name": "x"}})


def test_shipped_mappings_are_listed_and_load_by_name() -> None:
    names = shipped_mappings()
    assert len(names) >= 5
    for name in names:
        mapping = read_mapping(name)
        assert isinstance(mapping, Mapping) and mapping.kind is not None
        mapping.check_kind(mapping.kind)


def test_read_dtypes_is_not_a_key() -> None:
    """Every source column is read as text and coerced by the schema: there are no read dtypes."""
    with pytest.raises(MappingError, match=r"read\.dtypes: unknown key 'dtypes'\. Known keys "):
        read_mapping({"read": {"dtypes": {"beat": "str"}}})


def test_every_problem_of_a_mapping_at_once() -> None:
    with pytest.raises(MappingError) as info:
        read_mapping({"colums": {}, "read": {"sep": ";;"}, "duplicates": "drop"})
    message = str(info.value)
    assert message.startswith("mapping inline: ")
    for key in ("colums", "read.sep", "duplicates"):
        assert f"{key}: " in message, key


def test_kind_problems_name_the_section() -> None:
    mapping = read_mapping(
        {"kind": "calls", "columns": {"offence": "X"}, "formats": {"nowhere": "%Y"}}
    )
    problems = dict(mapping.kind_problems("incidents"))
    assert set(problems) == {("kind",), ("columns",), ("formats",)}
    assert "written for kind 'calls'" in problems[("kind",)]
    assert "['offence'] are not columns of kind 'incidents'" in problems[("columns",)]
    for_calls = dict(mapping.kind_problems("calls"))  # the kind it was written for
    assert set(for_calls) == {("columns",), ("formats",)}
    assert "['offence'] are not columns of kind 'calls'" in for_calls[("columns",)]
    assert "names ['nowhere'], which are neither columns" in for_calls[("formats",)]
    assert (
        read_mapping({"kind": "calls", "columns": {"call_id": "ID"}}).kind_problems("calls") == []
    )


def test_privacy_classes_of_extra_columns() -> None:
    spec = read_mapping(
        {"extra": {"narrative": "NARR", "victim": "VICTIM"}, "privacy": {"narrative": "text"}}
    )
    assert spec.privacy == {"narrative": "text"}  # victim: none given, so personal
    with pytest.raises(MappingError, match="not extra columns"):
        read_mapping({"extra": {"narrative": "NARR"}, "privacy": {"offense": "public"}})
    with pytest.raises(MappingError, match="privacy"):
        read_mapping({"extra": {"narrative": "NARR"}, "privacy": {"narrative": "secret"}})
