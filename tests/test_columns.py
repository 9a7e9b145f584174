"""distinct_text: the distinct values of a column as text, found before they become text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cs360lib.data.columns import distinct_text

COLUMNS = {
    "text": pd.Series(["b", "a", None, "b", "c"], dtype=object),
    "arrow text": pd.Series(["b", "a", None, "b", "c"], dtype="string[pyarrow]"),
    "python text": pd.Series(["b", "a", None, "b"], dtype="string[python]"),
    "category": pd.Series(["E2", "E1", None, "E2"], dtype="category"),
    "integers": pd.Series([3, 1, 3, 2], dtype="int64"),
    "nullable integers": pd.Series([3, None, 3, 2], dtype="Int64"),
    "floats": pd.Series([1.5, np.nan, 0.1 + 0.2, 1.5]),
}


@pytest.mark.parametrize("name", list(COLUMNS))
def test_equals_the_whole_column_made_text(name) -> None:
    column = COLUMNS[name]
    assert distinct_text(column) == list(column.dropna().astype(str).unique())


def test_one_text_once_and_empty_columns() -> None:
    assert distinct_text(pd.Series([1, "1", 2], dtype=object)) == ["1", "2"]
    assert distinct_text(pd.Series([], dtype=object)) == []
    assert distinct_text(pd.Series([None, np.nan], dtype=object)) == []
