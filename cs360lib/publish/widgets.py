"""Widgets for analysts in JupyterLab, with a static equivalent for reports.

Widgets never carry report content: every helper here takes ``interactive`` and,
when it is false, returns a plain table that shows the same content in an
executed notebook or an offline HTML report.
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def browse(frame: pd.DataFrame, *, by: str, interactive: bool, max_rows: int = 20) -> Any:
    """Show a table one group at a time.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows to show.
    by : str
        Column whose values are offered as choices (e.g. ``"source"``).
    interactive : bool
        True: a dropdown of the values of ``by`` and the rows of the chosen one.
        False: the first ``max_rows`` rows of every group, in one static table.
    max_rows : int, default 20
        Rows shown per group.

    Returns
    -------
    ipywidgets.Widget, pandas.DataFrame or None
        The widget in JupyterLab; the table for reports; ``None`` (nothing displayed) when
        ``frame`` has no rows: an empty table or a "nothing to show" table says nothing the
        result's summary has not said.

    Raises
    ------
    KeyError
        If ``by`` is not a column of ``frame``.
    """
    if frame.empty:
        return None
    if by not in frame.columns:
        raise KeyError(f"browse: {by!r} is not a column; columns are {list(frame.columns)}")
    static = frame.groupby(by, sort=False, observed=True).head(max_rows)
    if not interactive:
        return static.dropna(axis=1, how="all").reset_index(drop=True)
    import ipywidgets as widgets
    from IPython.display import display

    choices = list(pd.unique(frame[by]))
    dropdown = widgets.Dropdown(options=choices, value=choices[0], description=by)
    output = widgets.Output()

    def show(change: dict[str, Any] | None = None) -> None:
        chosen = frame[frame[by] == dropdown.value].head(max_rows)
        output.clear_output(wait=True)
        with output:
            display(chosen.dropna(axis=1, how="all"))

    dropdown.observe(show, names="value")
    show()
    return widgets.VBox([dropdown, output])
