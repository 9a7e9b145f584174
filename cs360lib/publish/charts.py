"""One Altair look for every CS360 chart, and static rendering through vl-convert.

The library's ``.chart()`` methods build plain Altair charts; this module gives them
one theme (registered with Altair as ``"cs360"``), one colour palette and the switch
between the interactive renderer (JupyterLab) and the static renderers used in
reports (SVG or PNG drawn by vl-convert, embedded in the notebook output, so an
exported report needs no JavaScript and no network).

Examples
--------
>>> from cs360lib.publish import charts
>>> charts.enable_theme()
>>> charts.enable_renderer("svg")  # static, offline
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, Literal

import altair as alt

THEME_NAME = "cs360"
"""Name under which the theme is registered with ``altair.theme``."""

PALETTE: tuple[str, ...] = (
    "#1f4e79",  # navy: police / department series
    "#e69f00",  # orange: community / partner series
    "#009e73",  # green
    "#cc79a7",  # purple-pink
    "#56b4e9",  # sky blue
    "#d55e00",  # vermillion
    "#f0e442",  # yellow
    "#7f7f7f",  # grey: other / unknown
)
"""Categorical palette (Okabe-Ito based, colour-blind safe); first colour is the default mark."""

SEQUENTIAL_SCHEME = "blues"
"""Vega scheme for ordered quantities (counts, rates)."""

DIVERGING_SCHEME = "redblue"
"""Vega scheme for changes around zero (before/after, observed minus expected)."""

FONT = "'DejaVu Sans', 'Segoe UI', 'Helvetica Neue', Arial, sans-serif"
"""Font stack of the charts; nothing is downloaded.

vl-convert lays a chart out (the room for each label, the size of the picture) with the
first family of the stack it finds, and the reader's browser then draws the SVG text with
the first family *it* finds. DejaVu Sans comes first because vl-convert finds it on the
machines that run reports (Debian and conda's fonts) and it is wider than the fonts that
replace it elsewhere (Segoe UI, Helvetica, Arial): text laid out for it never overflows its
room. With a narrower first choice, a label measured narrow is cut off where the browser
draws it wider ("partner_metrics" drawn as "artner_metrics")."""

LABEL_LIMIT = 160
"""Widest category label drawn (pixels); longer ones end with an ellipsis."""

MAX_ROWS = 5000
"""Largest data set handed to Altair; aggregate before plotting."""

HEAT_MAP_CELLS = 24
"""Most cells in one row of a :func:`heat_map` (44 px each: about a report page's width)."""

StaticRenderer = Literal["svg", "png"]
_STATIC_RENDERERS: tuple[str, ...] = ("svg", "png")


def theme() -> dict[str, Any]:
    """Return the CS360 Vega-Lite configuration.

    Returns
    -------
    dict
        A Vega-Lite top-level ``config`` block (plus default size) usable as an
        Altair theme.
    """
    axis = {
        "labelFont": FONT,
        "titleFont": FONT,
        "labelFontSize": 12,
        "titleFontSize": 13,
        "titleFontWeight": "normal",
        "labelColor": "#333333",
        "titleColor": "#333333",
        "gridColor": "#e6e6e6",
        "domainColor": "#999999",
        "tickColor": "#999999",
    }
    return {
        "config": {
            "font": FONT,
            "background": "white",
            "view": {"continuousWidth": 520, "continuousHeight": 280, "stroke": None},
            "title": {
                "font": FONT,
                "fontSize": 16,
                "fontWeight": "bold",
                "anchor": "start",
                "color": "#1a1a1a",
                "subtitleFont": FONT,
                "subtitleFontSize": 13,
                "subtitleColor": "#555555",
            },
            "axis": axis,
            # continuous x axes: level labels, Vega drops the ones that would overlap
            "axisXQuantitative": {"labelAngle": 0, "labelOverlap": True, "labelFlush": True},
            "axisXTemporal": {"labelAngle": 0, "labelOverlap": True, "labelFlush": True},
            # categories on x: slanted so that long names do not run into each other, cut
            # with an ellipsis past LABEL_LIMIT (the table under the chart has them whole)
            "axisXDiscrete": {"labelAngle": -40, "labelLimit": LABEL_LIMIT},
            "axisYDiscrete": {"labelLimit": LABEL_LIMIT, "grid": False},
            "axisY": {"grid": True},
            "legend": {
                "labelFont": FONT,
                "titleFont": FONT,
                "labelFontSize": 12,
                "titleFontSize": 12,
                "orient": "bottom",
                "direction": "horizontal",
            },
            "header": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 12},
            "range": {
                "category": list(PALETTE),
                "ordinal": {"scheme": SEQUENTIAL_SCHEME},
                "ramp": {"scheme": SEQUENTIAL_SCHEME},
                "heatmap": {"scheme": SEQUENTIAL_SCHEME},
                "diverging": {"scheme": DIVERGING_SCHEME},
            },
            "mark": {"color": PALETTE[0]},
            "bar": {"color": PALETTE[0]},
            "line": {"color": PALETTE[0], "strokeWidth": 2},
            "point": {"color": PALETTE[0], "filled": True},
            "area": {"color": PALETTE[0], "opacity": 0.8},
            "rule": {"color": "#555555"},
            "text": {"font": FONT, "fontSize": 12, "color": "#333333"},
        }
    }


def register_theme(*, enable: bool = False) -> str:
    """Register the ``"cs360"`` theme with Altair (idempotent).

    Parameters
    ----------
    enable : bool, default False
        Also make it the active theme.

    Returns
    -------
    str
        The theme name, ``"cs360"``.
    """
    if THEME_NAME not in alt.theme.names():
        alt.theme.register(THEME_NAME, enable=False)(_theme_config)
    if enable:
        alt.theme.enable(THEME_NAME)
    return THEME_NAME


def enable_theme() -> str:
    """Register and enable the ``"cs360"`` theme.

    Returns
    -------
    str
        The theme name, ``"cs360"``.
    """
    return register_theme(enable=True)


INTERACTIVE_RENDERER = "cs360_interactive"
"""Name of the renderer :func:`enable_renderer` registers for ``interactive=True``."""


def interactive_renderer(spec: dict[str, Any], **metadata: Any) -> tuple[dict, dict]:
    """Render a chart for JupyterLab with no network: an offline widget plus its spec.

    Altair's default renderer (and its ``jupyter`` renderer without ``offline=True``) loads
    Vega, Vega-Lite and vega-embed from a CDN, so on a closed police network a chart stays
    blank. Altair's documented offline route is the ``JupyterChart`` widget (an anywidget)
    whose JavaScript is bundled by vl-convert (``JupyterChart.enable_offline``): JupyterLab
    draws it with the anywidget extension and fetches nothing. The output also carries the
    Vega-Lite spec as ``application/vnd.vegalite.vN+json``, a type JupyterLab 4 has no
    renderer for (it stops at v5), so it shows the widget; an exported report draws that spec
    as SVG with vl-convert (:class:`cs360lib.run.reports.VegaLiteToSVGPreprocessor`) and a
    notebook saved without widget state keeps its chart.

    Parameters
    ----------
    spec : dict
        The chart's Vega-Lite spec (``chart.to_dict()``, the theme included).
    **metadata
        Renderer options; ``embed_options`` is passed to the widget.

    Returns
    -------
    tuple of dict
        The MIME bundle (widget view, Vega-Lite spec, plain text) and its metadata.

    Notes
    -----
    The first chart of a kernel takes a few seconds: vl-convert bundles the JavaScript once
    (about 1 MB, kept for the kernel's life). Source: Altair's user guide, "Displaying
    Altair Charts: offline usage" (the ``jupyter`` renderer with ``offline=True``).
    """
    from altair import Chart, JupyterChart

    JupyterChart.enable_offline(offline=True)
    widget = JupyterChart(chart=Chart.from_dict(spec), embed_options=metadata.get("embed_options"))
    bundle = widget._repr_mimebundle_()
    data, meta = bundle if isinstance(bundle, tuple) else (bundle, {})
    major = alt.SCHEMA_VERSION.lstrip("v").split(".")[0]
    return {**data, f"application/vnd.vegalite.v{major}+json": spec}, dict(meta or {})


def enable_renderer(
    renderer: str = "svg", *, interactive: bool = False, scale_factor: float = 2.0
) -> str:
    """Choose how charts are displayed in a notebook.

    Parameters
    ----------
    renderer : {"svg", "png"}, default "svg"
        Static renderer used when ``interactive`` is false. Both are drawn by
        vl-convert inside the kernel and stored in the notebook output as
        ``image/svg+xml`` or ``image/png``, so the exported report needs no
        JavaScript.
    interactive : bool, default False
        When true, use the interactive renderer for JupyterLab
        (:data:`INTERACTIVE_RENDERER`): Altair's ``JupyterChart`` widget with the Vega
        libraries bundled by vl-convert (``offline=True``), so charts draw on a closed
        network; the output also keeps the Vega-Lite spec, from which ``cs360 export``
        draws the chart as SVG for an offline report.
    scale_factor : float, default 2.0
        Pixel density of PNG output.

    Returns
    -------
    str
        Name of the renderer now enabled.

    Raises
    ------
    ValueError
        If ``renderer`` is not ``"svg"`` or ``"png"``.
    """
    if interactive:
        if INTERACTIVE_RENDERER not in alt.renderers.names():
            alt.renderers.register(INTERACTIVE_RENDERER, interactive_renderer)
        alt.renderers.enable(INTERACTIVE_RENDERER)
        return INTERACTIVE_RENDERER
    if renderer not in _STATIC_RENDERERS:
        raise ValueError(
            f"chart_renderer must be one of {', '.join(_STATIC_RENDERERS)} for reports, "
            f"got {renderer!r}"
        )
    _register_memoized_static_renderers()
    if renderer == "png":
        alt.renderers.enable("png", scale_factor=scale_factor)
    else:
        alt.renderers.enable("svg")
    return renderer


DRAWINGS_KEPT = 16
"""Static drawings a kernel keeps for a chart shown again (:class:`MemoizedRenderer`)."""


class MemoizedRenderer:
    """Altair's static renderer, drawing a Vega-Lite spec once when it is shown again.

    ``cs.show`` displays a result twice when the stakeholder report gets a published copy
    (once for each report); when nothing had to be hidden the two charts have the same
    spec, and vl-convert drew the same picture twice (0.1 to 0.4 s each on this machine).
    This wrapper keeps the last :data:`DRAWINGS_KEPT` drawings, keyed by the spec (its
    canonical JSON) and the renderer's options, and returns a copy of the kept bundle. The
    output is the wrapped renderer's, byte for byte.

    Parameters
    ----------
    draw : callable
        Altair's renderer (``altair.vegalite.v6.display.svg_renderer`` or
        ``png_renderer``): ``draw(spec, **metadata) -> mimebundle``.
    """

    def __init__(self, draw: Any) -> None:
        self.draw = draw
        self.kept: OrderedDict[str, Any] = OrderedDict()

    def __call__(self, spec: dict[str, Any], **metadata: Any) -> Any:
        """Return the MIME bundle of ``spec`` (drawn now, or a copy of the kept one)."""
        try:
            key = json.dumps([spec, metadata], sort_keys=True)
        except (TypeError, ValueError):  # a spec JSON cannot hold: draw it, keep nothing
            return self.draw(spec, **metadata)
        if key in self.kept:
            self.kept.move_to_end(key)
        else:
            self.kept[key] = self.draw(spec, **metadata)
            if len(self.kept) > DRAWINGS_KEPT:
                self.kept.popitem(last=False)
        bundle = self.kept[key]
        if isinstance(bundle, tuple):  # (data, metadata)
            return tuple(dict(part) for part in bundle)
        return dict(bundle)


_MEMOIZED: dict[str, MemoizedRenderer] = {}


def _register_memoized_static_renderers() -> None:
    """Register :class:`MemoizedRenderer` around Altair's ``svg`` and ``png`` renderers (once)."""
    if _MEMOIZED:
        return
    from altair.vegalite.v6 import display

    for name, draw in (("svg", display.svg_renderer), ("png", display.png_renderer)):
        _MEMOIZED[name] = MemoizedRenderer(draw)
        alt.renderers.register(name, _MEMOIZED[name])


PANEL_HEADER = alt.Header(
    labelAngle=0,
    labelOrient="top",
    labelAnchor="start",
    labelAlign="left",
    labelFontWeight="bold",
    labelLimit=600,
)
"""Header of a panel of a faceted chart whose rows carry long labels: the panel's name on a
line of its own above the panel, never turned on its side beside the labels (where it would
overlap them)."""


def count_axis(largest: int | None = None, **kwargs: Any) -> alt.Axis:
    """Return the axis of a count: whole-number ticks with thousands separators.

    A count of 3 drawn with ticks 0, 0.5, 1, ... 3 reads as if half an event could happen;
    Vega-Lite's ``tickMinStep`` keeps the ticks at least one apart and the ``",d"`` format
    (d3-format) prints them as integers ("1,200").

    Parameters
    ----------
    largest : int, optional
        The largest count drawn: up to 10, every whole number gets a tick.
    **kwargs
        Other :class:`altair.Axis` properties (``title``, ``orient``...).

    Returns
    -------
    altair.Axis
    """
    if largest is not None and 0 <= largest <= 10:
        kwargs.setdefault("values", list(range(largest + 1)))
    return alt.Axis(tickMinStep=1, format=",d", **kwargs)


def message_chart(text: str, *, title: str) -> alt.Chart:
    """Return a chart that says, in one sentence, why there is nothing to draw.

    An empty chart (an axis from 0 to 0, a time axis at the year 2000, a panel with no
    line) makes a reader look for data that is not there; a sentence where the chart would
    be says so. It keeps the chart's title, so the report's contents and alt text still name
    the chart.

    Parameters
    ----------
    text : str
        The sentence (e.g. ``"No row was rejected."``).
    title : str
        The title the chart would have had.

    Returns
    -------
    altair.Chart
        A text mark, 40 px high.
    """
    import pandas as pd

    return (
        alt.Chart(pd.DataFrame({"text": [text]}), title=title)
        .mark_text(fontSize=13, color="#555555")
        .encode(text="text:N")
        .properties(height=40)
    )


def heat_map(
    frame: Any,
    *,
    x: str,
    value: str,
    title: str,
    y: str = "source",
    scale: alt.Scale | None = None,
    legend: str | None = None,
    text_format: str = ",",
    tooltip: list | None = None,
    max_cells: int = HEAT_MAP_CELLS,
    other: str = "sum",
) -> alt.FacetChart:
    """Draw a heat map: one row of cells per ``y``, one cell per ``x``, coloured by ``value``.

    Each ``y`` (a source) gets its own row with only its own ``x`` values (independent x
    scales), so the column labels have room: a single grid of every source by every column
    would be mostly empty, too wide, and would print its labels over each other. A row with
    more than ``max_cells`` cells keeps the ``max_cells - 1`` with the highest values and
    one cell for the others (:func:`cs360lib.publish.aggregate.top_with_other`), so the
    chart stays within a page and hands Altair a few hundred rows at most.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long data: one row per cell, with columns ``x``, ``y`` and ``value``. A missing value
        (a hidden count in a published copy) leaves its cell blank.
    x, y : str
        Nominal columns of the cells and of the rows (``y`` default ``"source"``).
    value : str
        Quantitative column coloured and written in each cell.
    title : str
        Chart title.
    scale : altair.Scale, optional
        Colour scale; default the :data:`SEQUENTIAL_SCHEME`. Its ``domain``, when given,
        also sets where the written value turns white (above 60% of the domain).
    legend : str, optional
        Legend title; default ``value``.
    text_format : str, default ","
        d3 format of the written values.
    tooltip : list, optional
        Tooltip fields (interactive charts only).
    max_cells : int, default HEAT_MAP_CELLS
        Most cells in one row.
    other : str, default "sum"
        How the cells left out of a row combine into its last cell: ``"sum"`` for counts,
        ``"max"`` for shares (the cell then shows the highest of them).

    Returns
    -------
    altair.FacetChart
        Rectangles and text, 44 px per cell and 24 px per row.
    """
    import pandas as pd

    from cs360lib.publish.aggregate import top_with_other

    if len(frame) and frame.groupby(y, sort=False).size().max() > max_cells:
        frame = pd.concat(
            [
                top_with_other(
                    group,
                    label=x,
                    rank=pd.to_numeric(group[value], errors="coerce").fillna(-1.0),
                    n=max_cells,
                    other={y: lambda rest: rest.iloc[0], value: other},
                    other_label="{count:,} others" + (" (highest)" if other == "max" else ""),
                )
                for _, group in frame.groupby(y, sort=False)
            ],
            ignore_index=True,
        )

    scale = scale or alt.Scale(scheme=SEQUENTIAL_SCHEME)
    numbers = pd.to_numeric(frame[value], errors="coerce") if len(frame) else pd.Series([0.0])
    domain = scale.to_dict().get("domain")
    low, high = domain if isinstance(domain, list) else (numbers.min(), numbers.max())
    low, high = (0.0 if pd.isna(low) else float(low)), (0.0 if pd.isna(high) else float(high))
    dark = low + 0.6 * (high - low)
    widest = int(frame.groupby(y, sort=False).size().max()) if len(frame) else 1
    base = alt.Chart(frame).encode(x=alt.X(f"{x}:N", title=None, sort=None))
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color(f"{value}:Q", scale=scale, title=legend or value),
        tooltip=tooltip or [f"{y}:N", f"{x}:N", f"{value}:Q"],
    )
    text = (
        base.transform_filter(f"isValid(datum[{value!r}])")
        .mark_text(fontSize=11)
        .encode(
            text=alt.Text(f"{value}:Q", format=text_format),
            color=alt.condition(
                f"datum[{value!r}] > {dark!r}", alt.value("white"), alt.value("#333333")
            ),
        )
    )
    order = list(pd.unique(frame[y])) if len(frame) else []
    return (
        alt.layer(cells, text)
        .properties(width=44 * widest, height=24)
        .facet(
            row=alt.Row(
                f"{y}:N",
                title=None,
                sort=order,
                header=alt.Header(labelAngle=0, labelAlign="left"),
            ),
            title=title,
            spacing=6,
        )
        .resolve_scale(x="independent")
    )


def chart_to_svg(chart: alt.TopLevelMixin) -> str:
    """Render a chart to an SVG string with vl-convert (no browser, no network).

    Parameters
    ----------
    chart : altair.Chart or compound chart
        The chart to draw.

    Returns
    -------
    str
        A standalone ``<svg>`` document.
    """
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_dict(), vl_version=_vl_version())


def chart_to_png(chart: alt.TopLevelMixin, *, scale: float = 2.0) -> bytes:
    """Render a chart to PNG bytes with vl-convert.

    Parameters
    ----------
    chart : altair.Chart or compound chart
        The chart to draw.
    scale : float, default 2.0
        Pixel density.

    Returns
    -------
    bytes
        PNG image data.
    """
    import vl_convert as vlc

    return vlc.vegalite_to_png(chart.to_dict(), scale=scale, vl_version=_vl_version())


def _vl_version() -> str:
    """Vega-Lite version string Altair targets, in vl-convert's ``v5_20`` form."""
    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    return f"v{major}_{minor}"


def _theme_config() -> alt.theme.ThemeConfig:
    return alt.theme.ThemeConfig(theme())  # type: ignore[typeddict-item]


register_theme(enable=False)
