"""Readers: the byte-order mark is stripped whatever the declared encoding."""

from __future__ import annotations

from pathlib import Path

import pytest

from cs360lib.config.mapping import ReadOptions
from cs360lib.data.loaders import LoadError, load
from cs360lib.data.readers import read_file

LINES = [
    "uid,occurred_at,offense",
    "A1,2023-01-05 10:15:00,Robbery",
    "A2,2023-01-06 22:40:00,Caf\u00e9 theft",
]
MAPPING = {"columns": {"incident_id": "uid"}}


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1", "iso-8859-15"])
def test_utf8_byte_order_mark_is_stripped_under_any_declared_encoding(tmp_path, encoding) -> None:
    text = "\n".join(LINES) + "\n"
    body = text.encode("utf-8") if encoding.startswith("utf") else text.encode(encoding)
    path = write(tmp_path / "bom.csv", b"\xef\xbb\xbf" + body)
    raw = read_file(path, ReadOptions(encoding=encoding))
    assert raw.table.column_names == ["uid", "occurred_at", "offense"]  # no "\u00ef\u00bb\u00bf"
    result = load("incidents", path, {**MAPPING, "read": {"encoding": encoding}})
    assert result.rejected.empty
    assert list(result.data["incident_id"]) == ["A1", "A2"]
    assert result.data["offense"].iloc[1] == "Caf\u00e9 theft"


def test_bom_with_skipped_preamble_lines(tmp_path: Path) -> None:
    text = "\n".join(["Exported 2024-01-05 by RMS", *LINES]) + "\n"
    path = write(tmp_path / "pre.csv", b"\xef\xbb\xbf" + text.encode("cp1252"))
    result = load("incidents", path, {**MAPPING, "read": {"encoding": "cp1252", "skip_rows": 1}})
    assert list(result.data["incident_id"]) == ["A1", "A2"]


def test_utf16_byte_order_mark_names_the_encoding_to_set(tmp_path: Path) -> None:
    text = "\n".join(LINES).replace(",", "\t") + "\n"
    path = write(tmp_path / "unicode.txt", text.encode("utf-16"))  # Excel's "Unicode text"
    with pytest.raises(LoadError, match="UTF-16 byte-order mark.*read.encoding: utf-16"):
        load("incidents", path, MAPPING)
    result = load("incidents", path, {**MAPPING, "read": {"encoding": "utf-16", "sep": "tab"}})
    assert list(result.data["incident_id"]) == ["A1", "A2"]
    assert result.data["offense"].iloc[1] == "Caf\u00e9 theft"
