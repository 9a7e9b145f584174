"""Maps of cells and points as plain Altair charts: no tile server, so they render offline.

A report for a closed police network cannot load map tiles, so the maps draw only the
data: grid cells as rectangles and events as circles at their (rounded) location, in
longitude/latitude with a height scaled by the cosine of the latitude so that a square
cell looks square. Data are aggregated before plotting (never more than
:data:`~cs360lib.publish.charts.MAX_ROWS` marks): points are counted per rounded location
(coarser when needed), and more cells than that are merged into blocks of k x k cells.

``precision`` is the hook for the privacy rules of a published report: the number of
decimal places kept in any coordinate drawn (3 decimals is about 100 m). Points are
rounded and counted per rounded location; cell edges are snapped to the same precision and
cells that fall together are merged (their ``events`` and a numeric value added, the class of
the cell with the largest absolute ``rank`` kept).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cs360lib.errors import AnalysisInputError
from cs360lib.publish.charts import MAX_ROWS

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

__all__ = ["cell_map", "point_counts", "point_map"]

_WIDTH = 460


def _check_precision(precision: int | None) -> None:
    if precision is not None and (not isinstance(precision, int) or not 0 <= precision <= 6):
        raise AnalysisInputError(
            f"precision must be a number of decimal places from 0 to 6, got {precision!r}"
        )


def _size(lat_min: float, lat_max: float, lon_min: float, lon_max: float) -> tuple[int, int]:
    """Width and height in pixels that keep the map's aspect (equirectangular)."""
    dx = max(lon_max - lon_min, 1e-9) * math.cos(math.radians((lat_min + lat_max) / 2))
    dy = max(lat_max - lat_min, 1e-9)
    height = int(round(_WIDTH * dy / dx))
    if height > 2 * _WIDTH:
        return int(round(2 * _WIDTH * dx / dy)), 2 * _WIDTH
    return _WIDTH, max(height, 80)


def point_counts(
    lat: np.ndarray | pd.Series, lon: np.ndarray | pd.Series, precision: int | None = None
) -> pd.DataFrame:
    """Count points per location rounded to ``precision`` decimals.

    When more than :data:`MAX_ROWS` distinct locations remain, the precision is lowered one
    decimal at a time until they fit.

    Parameters
    ----------
    lat, lon : array-like of float, shape (n,)
        WGS84 degrees; rows with missing values are ignored.
    precision : int, optional
        Decimal places kept (default 4, about 10 m).

    Returns
    -------
    pandas.DataFrame
        Columns ``lat, lon, events, precision``.
    """
    _check_precision(precision)
    la = np.asarray(lat, dtype=float)
    lo = np.asarray(lon, dtype=float)
    ok = np.isfinite(la) & np.isfinite(lo)
    digits = 4 if precision is None else precision
    while True:
        frame = pd.DataFrame({"lat": la[ok].round(digits), "lon": lo[ok].round(digits)})
        out = frame.groupby(["lat", "lon"], sort=True).size().rename("events").reset_index()
        if len(out) <= MAX_ROWS or digits == 0:
            return out.assign(precision=digits)
        digits -= 1


def point_map(
    lat: np.ndarray | pd.Series,
    lon: np.ndarray | pd.Series,
    *,
    precision: int | None = None,
    title: str | None = None,
) -> alt.Chart:
    """Circles sized by the number of events at each (rounded) location.

    Parameters
    ----------
    lat, lon : array-like of float, shape (n,)
        WGS84 degrees.
    precision : int, optional
        Decimal places kept (see :func:`point_counts`).
    title : str, optional
        Chart title.

    Returns
    -------
    altair.Chart
    """
    import altair as alt

    pts = point_counts(lat, lon, precision)
    if pts.empty:
        raise AnalysisInputError("no point has coordinates to map")
    w, h = _size(pts["lat"].min(), pts["lat"].max(), pts["lon"].min(), pts["lon"].max())
    return (
        alt.Chart(pts, title=title or "Events", width=w, height=h)
        .mark_circle(opacity=0.6)
        .encode(
            x=alt.X("lon:Q", scale=alt.Scale(zero=False), title="Longitude"),
            y=alt.Y("lat:Q", scale=alt.Scale(zero=False), title="Latitude"),
            size=alt.Size("events:Q", title="Events"),
            tooltip=[alt.Tooltip("events:Q", title="Events")],
        )
    )


def _snap(cells: pd.DataFrame, precision: int, value: str, rank: str | None) -> pd.DataFrame:
    out = cells.copy()
    for c in ("lat_min", "lat_max", "lon_min", "lon_max"):
        out[c] = out[c].round(precision)
    step = 10.0**-precision
    flat = out["lat_max"] <= out["lat_min"]
    out.loc[flat, "lat_max"] = out.loc[flat, "lat_min"] + step
    flat = out["lon_max"] <= out["lon_min"]
    out.loc[flat, "lon_max"] = out.loc[flat, "lon_min"] + step
    return _merge(out, ["lat_min", "lat_max", "lon_min", "lon_max"], value, rank)


def _merge(cells: pd.DataFrame, keys: list[str], value: str, rank: str | None) -> pd.DataFrame:
    """Merge the cells that share ``keys``.

    Numeric ``value`` and ``events`` are added; the other columns are taken from the cell with
    the largest absolute ``rank`` (the first cell without one).
    """
    out = cells
    if rank is not None:
        out = out.sort_values(rank, ascending=False, key=lambda s: s.abs(), kind="stable")
    agg: dict[str, str] = {c: "first" for c in out.columns if c not in keys}
    for c in {value, "events"} & set(out.columns):
        if pd.api.types.is_numeric_dtype(out[c]):
            agg[c] = "sum"
    return out.groupby(keys, as_index=False, sort=False).agg(agg)


def _coarsen(cells: pd.DataFrame, value: str, rank: str | None) -> tuple[pd.DataFrame, int]:
    """Merge cells into blocks of k x k cells, k as small as fits :data:`MAX_ROWS` blocks.

    The blocks are aligned on the south-west corner of the cells and sized by the median cell;
    merged cells follow :func:`_merge`. Returns the blocks (with their own bounds) and k.
    """
    height = float((cells["lat_max"] - cells["lat_min"]).median())
    width = float((cells["lon_max"] - cells["lon_min"]).median())
    lat0, lon0 = float(cells["lat_min"].min()), float(cells["lon_min"].min())
    mid_lat = ((cells["lat_min"] + cells["lat_max"]) / 2 - lat0).to_numpy()
    mid_lon = ((cells["lon_min"] + cells["lon_max"]) / 2 - lon0).to_numpy()
    k = 2
    while True:
        row = np.floor(mid_lat / (k * height)).astype(np.int64)
        col = np.floor(mid_lon / (k * width)).astype(np.int64)
        if len(np.unique(row * (col.max() + 1) + col)) <= MAX_ROWS:
            break
        k += 1
    out = cells.assign(
        lat_min=lat0 + row * k * height,
        lat_max=lat0 + (row + 1) * k * height,
        lon_min=lon0 + col * k * width,
        lon_max=lon0 + (col + 1) * k * width,
    )
    return _merge(out, ["lat_min", "lat_max", "lon_min", "lon_max"], value, rank), k


def cell_map(
    cells: pd.DataFrame,
    value: str,
    *,
    title: str,
    value_title: str,
    categories: Sequence[str] | None = None,
    colors: Sequence[str] | None = None,
    rank: str | None = None,
    tooltip: Sequence[tuple[str, str]] = (),
    precision: int | None = None,
) -> alt.Chart:
    """Grid cells drawn as rectangles coloured by ``value``.

    Parameters
    ----------
    cells : pandas.DataFrame
        One row per cell with ``lat_min, lat_max, lon_min, lon_max`` (WGS84 bounds) and
        ``value``. Draw only cells worth seeing; when more than :data:`MAX_ROWS` remain, they
        are merged into square blocks of k x k cells (k as small as fits, said in the chart's
        subtitle), with the rule of a coarser ``precision``.
    value : str
        Column coloured: quantitative, or nominal when ``categories`` is given.
    title, value_title : str
        Chart and legend titles.
    categories, colors : sequence of str, optional
        Order and colours of a nominal ``value``.
    rank : str, optional
        When cells merge at a coarser ``precision``, the row with the largest absolute
        ``rank`` gives the merged cell its category.
    tooltip : sequence of (column, title)
        Extra tooltip fields.
    precision : int, optional
        Decimal places kept in the cell edges (privacy hook; see the module docstring).

    Returns
    -------
    altair.Chart

    Raises
    ------
    AnalysisInputError
        For no cells or a bad precision.
    """
    import altair as alt

    _check_precision(precision)
    if cells.empty:
        raise AnalysisInputError("no cells to map")
    data = cells if precision is None else _snap(cells, precision, value, rank)
    subtitle = None
    if len(data) > MAX_ROWS:
        data, k = _coarsen(data, value, rank)
        subtitle = f"{len(cells):,} cells drawn as {len(data):,} blocks of {k} x {k} cells"
    keep = ["lat_min", "lat_max", "lon_min", "lon_max", value] + [c for c, _ in tooltip]
    data = data.loc[:, list(dict.fromkeys(keep))]
    w, h = _size(
        data["lat_min"].min(), data["lat_max"].max(), data["lon_min"].min(), data["lon_max"].max()
    )
    if categories is not None:
        color = alt.Color(
            f"{value}:N",
            title=value_title,
            scale=alt.Scale(domain=list(categories), range=list(colors or [])),
        )
    else:
        color = alt.Color(f"{value}:Q", title=value_title, scale=alt.Scale(scheme="blues"))
    heading = alt.TitleParams(title, subtitle=subtitle) if subtitle else title
    return (
        alt.Chart(data, title=heading, width=w, height=h)
        .mark_rect(stroke="white", strokeWidth=0.2)
        .encode(
            x=alt.X("lon_min:Q", scale=alt.Scale(zero=False), title="Longitude"),
            x2="lon_max:Q",
            y=alt.Y("lat_min:Q", scale=alt.Scale(zero=False), title="Latitude"),
            y2="lat_max:Q",
            color=color,
            tooltip=[alt.Tooltip(c, title=t) for c, t in tooltip],
        )
    )
