"""Coordinates that are not two WGS84 number columns: point text and projected x/y.

A mapping's ``point`` section (:class:`~cs360lib.config.mapping.PointSpec`) reads

- one text column in a named layout, with the order of its two numbers stated:
  ``pair`` (Socrata's location text ``(41.88, -87.63)``, or ``41.88 -87.63``),
  ``wkt`` (``POINT (-87.63 41.88)``, OGC Simple Features) or ``geojson``
  (``{"type": "Point", "coordinates": [-87.63, 41.88]}``, RFC 7946: always
  longitude first);
- or two columns ``x`` and ``y`` (easting and northing, or longitude and latitude).

Numbers in another coordinate reference system (``crs``, e.g. ``EPSG:3435``, the
Illinois East State Plane in US survey feet of Chicago's X/Y) are transformed to WGS84
longitude/latitude with pyproj (PROJ), axis order fixed to x then y (``always_xy``);
PROJ's network grids are never fetched. A point whose two numbers are both 0 is
missing (the "null island" that geocoders write for a failed match); a value that
cannot be read as a point makes both coordinates missing and is recorded as a problem
of the row (the row is kept). Bounds checks (the schema's and the mapping's) apply to
the WGS84 values, after conversion.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cs360lib.config.mapping import PointSpec
from cs360lib.data.loaders.problems import SET_MISSING, ProblemLog, as_text

__all__ = ["LAYOUTS", "WGS84", "read_point"]

WGS84 = "EPSG:4326"
"""WGS84 geographic coordinates, the CRS of the canonical ``lat`` and ``lon``."""

_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
LAYOUTS = {
    "pair": rf"^\(?\s*(?P<first>{_NUMBER})\s*[,;\s]\s*(?P<second>{_NUMBER})\s*\)?$",
    "wkt": (
        rf"^(?i:POINT)\s*(?:(?i:Z|M|ZM)\s*)?\(\s*(?P<first>{_NUMBER})\s+(?P<second>{_NUMBER})"
        rf"(?:\s+{_NUMBER}){{0,2}}\s*\)$"
    ),
    "geojson": (
        r'^\{.*"coordinates"\s*:\s*\[\s*'
        rf"(?P<first>{_NUMBER})\s*,\s*(?P<second>{_NUMBER})(?:\s*,\s*{_NUMBER})?\s*\].*\}}$"
    ),
}
"""Regular expressions (RE2) of the point layouts: the ``first`` and ``second`` number."""

_EMPTY = {"wkt": r"^(?i:POINT)\s*(?i:EMPTY)$", "geojson": r'"coordinates"\s*:\s*\[\s*\]'}
"""Layouts' own way of writing "no point": read as missing, not as a problem."""


def read_point(
    log: ProblemLog, spec: PointSpec, sources: list[pa.Array]
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Read lat and lon (WGS84 degrees) from a point column or an x/y pair.

    Parameters
    ----------
    log : ProblemLog
        Where unreadable points are recorded (as values set missing).
    spec : PointSpec
        The mapping's ``point`` section.
    sources : list of pyarrow.Array
        The source column (one) or the x and y columns (two), as read.

    Returns
    -------
    lat, lon : pyarrow.Array
        float64 latitude and longitude, null where there is no readable point.
    original : pyarrow.Array
        The source text shown in problems (``x, y`` for two columns).
    """
    texts = [_blank_is_missing(as_text(array), spec.missing) for array in sources]
    if spec.column is not None:
        text = texts[0]
        original = as_text(sources[0])
        parts = pc.extract_regex(text, LAYOUTS[str(spec.layout)])
        first = pc.cast(pc.struct_field(parts, "first"), pa.float64(), safe=False)
        second = pc.cast(pc.struct_field(parts, "second"), pa.float64(), safe=False)
        empty = _EMPTY.get(str(spec.layout))
        blank = pc.match_substring_regex(text, empty) if empty else pa.array([False] * len(text))
        bad = pc.and_kleene(pc.is_valid(text), pc.invert(pc.is_valid(parts)))
        bad = pc.and_kleene(bad, pc.invert(blank))
        _unreadable(log, bad, f"is not a point in layout {spec.layout}", original)
        y, x = (first, second) if spec.lat_first else (second, first)
    else:
        original = pc.binary_join_element_wise(
            pc.fill_null(as_text(sources[0]), ""), pc.fill_null(as_text(sources[1]), ""), ", "
        )
        numbers = []
        for label, text in zip(("x", "y"), texts, strict=True):
            good = pc.match_substring_regex(text, rf"^{_NUMBER}$")
            bad = pc.and_kleene(pc.is_valid(text), pc.invert(good))
            _unreadable(log, bad, f"{label} ({getattr(spec, label)}) is not a number", original)
            numbers.append(pc.cast(pc.if_else(good, text, None), pa.float64()))
        x, y = numbers
    whole = pc.and_(pc.is_valid(x), pc.is_valid(y))
    zero = pc.and_(pc.equal(x, 0.0), pc.equal(y, 0.0)).fill_null(False)
    keep = pc.and_(whole, pc.invert(zero))
    x = pc.if_else(keep, x, pa.scalar(None, pa.float64()))
    y = pc.if_else(keep, y, pa.scalar(None, pa.float64()))
    lon, lat = _to_wgs84(x, y, spec.crs)
    failed = pc.and_(keep, pc.or_(pc.is_null(lon), pc.is_null(lat)))
    _unreadable(log, failed, f"could not be transformed from {spec.crs} to WGS84", original)
    return lat, lon, original


def _unreadable(log: ProblemLog, mask: pa.Array, problem: str, original: pa.Array) -> None:
    """Record points that cannot be used: both coordinates are set missing, the row is kept."""
    log.flag(
        np.asarray(mask.fill_null(False)),
        "lat, lon",
        f"{problem} (both coordinates set missing)",
        original,
        outcome=SET_MISSING,
    )


def _blank_is_missing(text: pa.Array, tokens: list[str]) -> pa.Array:
    text = pc.utf8_trim_whitespace(text)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    if tokens:
        listed = pc.is_in(text, value_set=pa.array([str(t) for t in tokens], pa.string()))
        text = pc.if_else(listed, pa.scalar(None, pa.string()), text)
    return text


@lru_cache(maxsize=16)
def _transformer(crs: str):  # noqa: ANN202 - a pyproj Transformer
    from pyproj import Transformer

    return Transformer.from_crs(crs, WGS84, always_xy=True)


def _to_wgs84(x: pa.Array, y: pa.Array, crs: str) -> tuple[pa.Array, pa.Array]:
    """Transform x/y in ``crs`` to WGS84 longitude/latitude (unchanged when already WGS84)."""
    from pyproj import CRS

    if CRS.from_user_input(crs) == CRS.from_user_input(WGS84):
        return x, y
    xs = x.to_numpy(zero_copy_only=False)
    ys = y.to_numpy(zero_copy_only=False)
    lon, lat = _transformer(crs).transform(xs, ys, errcheck=False)
    lon = np.where(np.isfinite(lon), lon, np.nan)
    lat = np.where(np.isfinite(lat), lat, np.nan)
    return (
        pa.array(lon, pa.float64(), from_pandas=True),
        pa.array(lat, pa.float64(), from_pandas=True),
    )
