"""Rows a loader rejects as duplicates: exact repeats, repeated keys and older versions.

A mixin of the loader (:class:`cs360lib.data.loaders.pipeline._Loader`), which holds the
source's raw table (``raw``), its columns (``names``, ``sources``, ``source_array``), its
mapping and its problem log (``log``); split from the loader's module to keep it short.
What is flagged, and the words of each problem, are documented in ``docs/mappings.md``
(``duplicates: reject`` or ``keep_latest``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from cs360lib.data.loaders.datetimes import parse_datetimes
from cs360lib.data.loaders.problems import SUPERSEDED, as_text

__all__ = ["DuplicateRowFlags"]


class DuplicateRowFlags:
    """Flag duplicate rows in the loader's problem log (see the module's docstring)."""

    raw: Any
    names: list[str]
    sources: dict[str, Any]
    mapping: Any
    log: Any

    def source_array(self, name: str) -> pa.Array:  # pragma: no cover - the loader's
        """Return the source column ``name`` as read (implemented by the loader)."""
        raise NotImplementedError

    def flag_exact_duplicates(self) -> None:
        """Reject every row equal, in all its source columns, to an earlier row of the files."""
        columns = {n: as_text(self.source_array(n)) for n in self.names}
        self.sources.clear()
        frame = pd.DataFrame({n: pd.arrays.ArrowStringArray(a) for n, a in columns.items()})
        repeated = frame.duplicated(keep="first").to_numpy()
        if not repeated.any():
            return
        first = frame.drop_duplicates(keep="first")
        positions = first.index.to_numpy()
        earlier = frame.merge(
            first.assign(_row=self.raw.rows[positions], _file=self.raw.files[positions]),
            how="left",
            on=list(frame.columns),
        )
        several = len(self.log.labels) > 1
        text = pa.array(
            [
                f"row {int(r)}" + (f" of {self.log.labels[int(f)]}" if several else "")
                for r, f in zip(earlier["_row"], earlier["_file"], strict=True)
            ],
            pa.string(),
        )
        self.log.flag(repeated, "(row)", "is an exact duplicate of an earlier row", text)

    def flag_superseded(
        self, frame: pd.DataFrame, key: tuple[str, ...], already: np.ndarray
    ) -> None:
        """Reject all but the latest version of each key (``duplicates: keep_latest``).

        Versions are ordered by the mapping's ``order_by`` column (a missing value
        sorts first, so any dated version wins over an undated one), then by their
        order in the files: of two versions with the same ``order_by`` value, the later
        row is kept. Rows already rejected take no part. An extra (text) column is
        ordered as numbers or as dates when all its values read so (see :func:`_ordering`).
        """
        order_by = str(self.mapping.order_by)
        candidates = np.flatnonzero(~already)
        versions = frame.iloc[candidates][list(key)].assign(
            _order=_ordering(frame[order_by]).iloc[candidates].to_numpy(), _position=candidates
        )
        versions = versions.sort_values(["_order", "_position"], na_position="first", kind="stable")
        older = versions.duplicated(subset=list(key), keep="last").to_numpy()
        if not older.any():
            return
        latest = versions.drop_duplicates(subset=list(key), keep="last")
        kept = versions.merge(
            latest[[*key, "_position"]].rename(columns={"_position": "_kept"}),
            on=list(key),
            how="left",
        )
        positions = versions["_position"].to_numpy()[older]
        kept_rows = kept["_kept"].to_numpy()[older]
        several = len(self.log.labels) > 1
        labels = frame.iloc[positions][list(key)].astype(str).agg("/".join, axis=1)
        shown = np.array(
            [
                f"{label}: kept row {int(self.raw.rows[q])}"
                + (f" of {self.log.labels[int(self.raw.files[q])]}" if several else "")
                for label, q in zip(labels, kept_rows, strict=True)
            ],
            dtype=object,
        )
        order = np.argsort(positions, kind="stable")
        self.log.flag_at(
            positions[order],
            "(row)",
            "superseded by a later version of the same key",
            shown[order],
            outcome=SUPERSEDED,
        )

    def flag_key_duplicates(
        self, frame: pd.DataFrame, key: tuple[str, ...], already: np.ndarray
    ) -> None:
        """Reject every row whose key repeats an earlier row's (``duplicates: reject``)."""
        keys = frame[list(key)]
        repeated = keys.duplicated(keep="first").to_numpy() & ~already
        shown = pa.array(keys.astype(str).agg("/".join, axis=1).tolist(), pa.string())
        self.log.flag(repeated, "/".join(key), "repeats the key of an earlier row", shown)


def _ordering(values: pd.Series) -> pd.Series:
    """Values to order versions by: a text column as numbers, or as dates, when all read so.

    ``1/5/2024 9:00`` sorts after ``1/10/2024 9:00`` as text; read as a date it does not.
    Dates are read with the loader's formats (:data:`~.datetimes.ROBUST_FORMATS`). A text
    column with any value that is neither is compared as text.
    """
    if not isinstance(values.dtype, pd.StringDtype):
        return values
    text = pa.array(values.array)
    present = text.null_count
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().sum() == len(values) - present:
        return numbers
    times = parse_datetimes(text, None)
    if len(times) - times.null_count == len(values) - present:
        return pd.Series(times.to_numpy(zero_copy_only=False), index=values.index)
    return values
