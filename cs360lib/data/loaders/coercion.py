"""Coercion of source text into typed Arrow arrays: cleaning, recoding, numbers, codes.

Every function works on whole Arrow arrays (pyarrow.compute), never row by row. Values
that cannot be converted are recorded in the load's :class:`~.problems.ProblemLog`
with their original text; the caller decides what that means for the row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cs360lib.data.loaders.problems import ProblemLog, as_text

__all__ = [
    "LOSSY_OPERATIONS",
    "bounded",
    "clean",
    "codes",
    "few_distinct",
    "is_time",
    "recode",
    "timestamp_scalar",
    "to_number",
]

NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
"""Text that reads as a decimal number (optionally signed, with an exponent)."""


def timestamp_scalar(value: pd.Timestamp, unit: str = "ns") -> pa.Scalar:
    """Arrow timestamp scalar of a pandas timestamp (for comparisons)."""
    return pa.scalar(value.to_pydatetime(), pa.timestamp(unit))


def is_time(array: pa.Array) -> bool:
    """Whether an Arrow array holds timestamps."""
    return pa.types.is_timestamp(array.type)


def few_distinct(array: pa.Array, *, always: bool, sample: int = 20_000) -> bool:
    """Whether a text column has few distinct values (judged on its first rows)."""
    if not pa.types.is_string(array.type) or len(array) == 0:
        return False
    if always:
        return True
    head = array.slice(0, sample)
    return len(pc.unique(head)) < 0.2 * len(head)


def codes(array: pa.Array) -> tuple[np.ndarray, list[str]]:
    """Categorical codes and sorted categories of a text or dictionary array.

    The dictionary may hold nulls and repeated values (after cleaning); both are merged.
    """
    if not pa.types.is_dictionary(array.type):
        array = pc.dictionary_encode(as_text(array))
    values = array.dictionary.to_pylist()
    categories = sorted({v for v in values if v is not None})
    position = {category: i for i, category in enumerate(categories)}
    remap = np.array([position.get(v, -1) for v in values] + [-1], dtype=np.int32)
    indices = array.indices.fill_null(len(values)).to_numpy(zero_copy_only=False)
    return remap[indices], categories


LOSSY_OPERATIONS = ("split", "extract")
"""Operations that can turn a present value into a missing one (no such part, no match)."""


def clean(array: pa.Array, operation: str) -> pa.Array:
    """Apply one of the mapping's ``clean`` operations (``name`` or ``name:argument``).

    Every operation keeps a missing value missing. ``split`` gives a missing value when
    the text has no part at the index, ``extract`` when the pattern does not match;
    the other operations change only the values they apply to.

    Parameters
    ----------
    array : pyarrow.Array
        Text values (nulls allowed).
    operation : str
        ``strip``, ``upper``, ``lower``, ``title``, ``float_id``, ``zero_pad:WIDTH``,
        ``split:SEPARATOR:INDEX``, ``prefix_strip:TEXT``, ``suffix_strip:TEXT``,
        ``extract:REGEX`` (the text of the first group; RE2 syntax, searched anywhere
        unless anchored) or ``replace:OLD:NEW`` (every literal occurrence).

    Returns
    -------
    pyarrow.Array
        Cleaned text, the same length as ``array``.
    """
    name, _, argument = operation.partition(":")
    if name == "strip":
        return pc.utf8_trim_whitespace(array)
    if name == "upper":
        return pc.utf8_upper(array)
    if name == "lower":
        return pc.utf8_lower(array)
    if name == "title":
        return pc.utf8_title(array)
    if name == "float_id":
        integral = pc.match_substring_regex(array, r"^-?\d+\.0*$")
        return pc.if_else(integral, pc.replace_substring_regex(array, r"\.0*$", ""), array)
    if name == "zero_pad":
        digits = pc.match_substring_regex(array, r"^\d+$")
        return pc.if_else(digits, pc.utf8_lpad(array, width=int(argument), padding="0"), array)
    if name == "split":
        separator, _, index = argument.rpartition(":")
        parts = pc.split_pattern(array, pattern=separator)
        position = int(index)
        has_part = pc.greater(pc.list_value_length(parts), position)
        safe = pc.if_else(has_part, parts, pa.scalar(None, parts.type))
        return pc.utf8_trim_whitespace(pc.list_element(safe, position))
    if name == "prefix_strip":
        starts = pc.starts_with(array, pattern=argument)
        return pc.if_else(starts, pc.utf8_slice_codeunits(array, start=len(argument)), array)
    if name == "suffix_strip":
        ends = pc.ends_with(array, pattern=argument)
        kept = pc.utf8_slice_codeunits(array, start=0, stop=-len(argument))
        return pc.if_else(ends, kept, array)
    if name == "replace":
        old, _, new = argument.partition(":")
        return pc.replace_substring(array, pattern=old, replacement=new)
    if name == "extract":
        matched = pc.match_substring_regex(array, argument)
        first = pc.replace_substring_regex(
            array, pattern=f"(?s)^.*?(?:{argument}).*$", replacement=r"\1", max_replacements=1
        )
        return pc.if_else(matched, first, pa.scalar(None, pa.string()))
    raise ValueError(f"unknown clean operation {operation!r}")  # pragma: no cover - validated


def recode(array: pa.Array, table: dict[str, Any]) -> pa.Array:
    """Replace values by the mapping's ``values`` table (a value mapped to null becomes missing)."""
    encoded = pc.dictionary_encode(array)
    dictionary = [
        (str(table[v]) if table.get(v) is not None else None) if v in table else v
        for v in encoded.dictionary.to_pylist()
    ]
    return pc.take(pa.array(dictionary, pa.string()), encoded.indices)


def to_number(
    log: ProblemLog,
    canonical: str,
    original: pa.Array,
    value: pa.Array,
    *,
    integer: bool,
    bounds: list | None = None,
) -> pa.Array:
    """Convert cleaned text (or numbers) to float64 or int64, flagging what is not a number.

    Parameters
    ----------
    log : ProblemLog
        Where problems are recorded.
    canonical : str
        Canonical column name (for messages).
    original : pyarrow.Array
        The source values as read, shown in problems.
    value : pyarrow.Array
        The cleaned values to convert.
    integer : bool
        Whether the column holds whole numbers (``Int64``).
    bounds : list, optional
        ``[low, high]`` limits from the mapping; either may be ``None``.

    Returns
    -------
    pyarrow.Array
        float64 or int64 values, null where the text is not a number.
    """
    if pa.types.is_floating(value.type) or pa.types.is_integer(value.type):
        numbers = pc.cast(value, pa.float64())
    else:
        try:
            numbers = pc.cast(value, pa.float64())
        except pa.ArrowInvalid:
            numbers = None
    if numbers is None:
        good = pc.match_substring_regex(value, NUMBER)
        bad = np.asarray(pc.and_kleene(pc.is_valid(value), pc.invert(good)).fill_null(False))
        log.flag(bad, canonical, "is not a number", original)
        numbers = pc.cast(pc.if_else(good, value, pa.scalar(None, pa.string())), pa.float64())
    finite = pc.is_finite(numbers)
    log.flag(
        np.asarray(pc.invert(finite).fill_null(False)),
        canonical,
        "is not a finite number",
        original,
    )
    if integer:
        whole = pc.equal(pc.floor(numbers), numbers)
        log.flag(
            np.asarray(pc.invert(whole).fill_null(False)),
            canonical,
            "is not a whole number",
            original,
        )
    numbers = bounded(log, canonical, numbers, original, bounds)
    return pc.cast(numbers, pa.int64(), safe=False) if integer else numbers


def bounded(
    log: ProblemLog, canonical: str, array: pa.Array, original: pa.Array, bounds: list | None
) -> pa.Array:
    """Flag values outside the mapping's ``[low, high]`` bounds (numbers or times).

    Parameters
    ----------
    log : ProblemLog
        Where problems are recorded.
    canonical : str
        Canonical column name.
    array : pyarrow.Array
        Typed values.
    original : pyarrow.Array
        Source values shown in problems.
    bounds : list or None
        ``[low, high]``; either may be ``None``; ``None`` or empty means no bounds.

    Returns
    -------
    pyarrow.Array
        ``array`` unchanged (out-of-bounds rows are flagged, not altered).
    """
    if not bounds:
        return array
    low, high = (list(bounds) + [None, None])[:2]
    for limit, compare, word in (
        (low, pc.less, "before" if is_time(array) else "below"),
        (high, pc.greater, "after" if is_time(array) else "above"),
    ):
        if limit is None:
            continue
        threshold = (
            timestamp_scalar(pd.Timestamp(limit)) if is_time(array) else pa.scalar(float(limit))
        )
        mask = compare(array, threshold)
        log.flag(
            np.asarray(mask.fill_null(False)),
            canonical,
            f"is {word} the allowed {limit}",
            original,
        )
    return array
