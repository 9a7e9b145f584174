"""Personal columns: which columns of a frame may reach a stakeholder report.

The schemas say which canonical columns are personal (names, dates of birth, exact
addresses, phone numbers, emails, case numbers) and a mapping says which source columns it
maps. Everything else a source carries is *unmapped*, and unmapped columns are treated as
personal: a ``victim_name`` or ``home_address`` column nobody mapped never reaches a report.
These helpers take the column names as arguments, so they know no schema.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from cs360lib.errors import PrivacyError

__all__ = ["drop_personal_columns", "known_names", "personal_columns"]


def personal_columns(
    columns: Iterable[str],
    *,
    personal: Iterable[str] = (),
    keep: Iterable[str] | None = None,
) -> list[str]:
    """List the columns that must not be published.

    Parameters
    ----------
    columns : iterable of str
        Columns of the frame.
    personal : iterable of str, default ()
        Columns known to be personal (e.g. the schema's personal canonical columns).
    keep : iterable of str, optional
        Columns known to be safe to publish (canonical non-personal columns, and source
        columns a mapping declares safe). When given, every column not listed is personal
        (unmapped columns are personal). When None, only ``personal`` is dropped.

    Returns
    -------
    list of str
        The personal columns, in the frame's order.

    Raises
    ------
    PrivacyError
        If a column is listed both as personal and as safe to keep.
    """
    personal = set(personal)
    keep_set = None if keep is None else set(keep)
    if keep_set is not None and personal & keep_set:
        raise PrivacyError(
            f"columns {sorted(personal & keep_set)} are listed both as personal and as safe "
            "to keep; a personal column is never published"
        )
    return [
        column
        for column in columns
        if column in personal or (keep_set is not None and column not in keep_set)
    ]


def drop_personal_columns(
    frame: pd.DataFrame,
    *,
    personal: Iterable[str] = (),
    keep: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Return a copy of ``frame`` without its personal columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        Records or a table about to be published.
    personal, keep : iterable of str
        As in :func:`personal_columns`: the personal columns, and (optionally) the columns
        known to be safe, every other column being treated as personal.

    Returns
    -------
    pandas.DataFrame
        The frame without the personal columns (same rows and index).

    Examples
    --------
    >>> import pandas as pd
    >>> records = pd.DataFrame(
    ...     {"offense": ["Robbery"], "victim_name": ["A. Person"], "beat": ["E2"]}
    ... )
    >>> list(drop_personal_columns(records, keep=["offense", "beat"]).columns)
    ['offense', 'beat']
    """
    return frame.drop(columns=personal_columns(frame.columns, personal=personal, keep=keep))


def known_names(frame: pd.DataFrame, columns: Iterable[str]) -> list[str]:
    """Collect the distinct names held in name columns, for the scrubber's ``known_names``.

    Parameters
    ----------
    frame : pandas.DataFrame
        A source with name columns (a stakeholder roster, a mapped ``victim_name``).
    columns : iterable of str
        The name columns; columns the frame does not have are ignored.

    Returns
    -------
    list of str
        Distinct non-empty values, whitespace collapsed, longest first (so a full name is
        matched before its parts).
    """
    names: set[str] = set()
    for column in columns:
        if column not in frame.columns:
            continue
        for value in frame[column].dropna().astype(str):
            value = " ".join(value.split())
            if value:
                names.add(value)
    return sorted(names, key=lambda name: (-len(name), name))
