"""Weight sliders for the prioritization meeting, with a static equivalent for reports.

In JupyterLab (``interactive=True``) one slider per criterion re-ranks the candidates as the
group moves it: the ranking table and the contribution chart are redrawn from
:meth:`~cs360lib.steps.prioritize.scoring.Scores.rescore` (the same numbers as the Excel
export). The chart is drawn to SVG in the kernel (vl-convert), so the sliders work in a
meeting room without internet (Altair's default JupyterLab renderer loads Vega from a CDN).

In a report (``interactive=False``) the same cell shows the ranking under the engagement's
weights: the :class:`~cs360lib.steps.prioritize.scoring.Scores` result itself (summary,
ranking table with each criterion's contribution, stacked contribution chart), so that
``cs.show`` publishes it under its declared counts: widgets never carry report content.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cs360lib.config.prioritization import CRITERIA, CRITERION_LABELS
from cs360lib.errors import PrioritizationError
from cs360lib.publish.charts import chart_to_svg
from cs360lib.publish.tables import presentation_table
from cs360lib.steps.prioritize.scoring import Scores

__all__ = ["SLIDER_MAX", "ranking_frame", "weight_sliders"]

SLIDER_MAX = 5.0
"""Largest weight a slider offers (weights only matter by their ratios)."""


def ranking_frame(scores: Scores) -> pd.DataFrame:
    """Return the ranking with each criterion's contribution, for display.

    Parameters
    ----------
    scores : Scores
        Ranked candidates.

    Returns
    -------
    pandas.DataFrame
        ``Rank``, ``Candidate``, ``Score`` and one contribution column per criterion with a
        weight above zero.
    """
    contrib = scores.contributions()
    used = [c for c in CRITERIA if scores.weights[c] > 0]
    table = pd.DataFrame(
        {
            "Rank": range(1, len(scores.ranking()) + 1),
            "Candidate": [scores.names[c] for c in scores.ranking()],
            "Score": [float(v) for v in scores.scores()],
        }
    )
    for c in used:
        table[CRITERION_LABELS[c]] = contrib.loc[scores.ranking(), c].to_numpy()
    return table


def weight_sliders(scores: Scores, *, interactive: bool) -> Any:
    """Show weight sliders that re-rank the candidates live, or the static ranking.

    Parameters
    ----------
    scores : Scores
        The worksheet's scores (their weights are the sliders' starting values).
    interactive : bool
        True: an ``ipywidgets.VBox`` of one slider per criterion, the ranking table (an
        ``HTML`` widget) and the contribution chart (an ``HTML`` widget holding its SVG),
        redrawn on every change. False: ``scores`` itself (its summary, ranking table and
        contribution chart), the same content in a report.

    Returns
    -------
    ipywidgets.VBox or Scores
        The widget in JupyterLab; the scores for reports.
    """
    if not interactive:
        return scores
    import ipywidgets as widgets

    sliders = {
        c: widgets.FloatSlider(
            value=float(scores.weights[c]),
            min=0.0,
            max=max(SLIDER_MAX, float(scores.weights[c])),
            step=0.25,
            description=CRITERION_LABELS[c],
            continuous_update=False,
            style={"description_width": "140px"},
            layout=widgets.Layout(width="420px"),
        )
        for c in CRITERIA
    }
    table = widgets.HTML()
    chart = widgets.HTML()

    def redraw(change: dict[str, Any] | None = None) -> None:
        weights = {c: s.value for c, s in sliders.items()}
        try:
            current = scores.rescore(weights)
        except PrioritizationError as error:
            table.value = f"<p>{error}</p>"
            chart.value = ""
            return
        drawn = chart_to_svg(current.chart())  # drawn first: table and chart change together
        table.value = presentation_table(ranking_frame(current), precision=3).to_html()
        chart.value = drawn

    for slider in sliders.values():
        slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([*sliders.values(), table, chart])
