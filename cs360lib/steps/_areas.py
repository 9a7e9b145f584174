"""Where the areas of a response plan lie: footprints from the data's coordinates.

An engagement names its areas by the values of a column (beats ``E1`` and ``E3``); it rarely
carries their boundaries. Where the events have coordinates, each value's footprint is the
convex hull of its located events, in metres (the local UTM zone), and two areas are adjacent
when a footprint of one lies within ``tolerance`` metres of a footprint of the other (events on
a shared boundary street put the two hulls on the same line). Hulls are taken per value, not per
area: the hull of two beats on either side of the target would swallow the target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from cs360lib.analysis import project, utm_crs
from cs360lib.analysis._input import located
from cs360lib.config.engagement import Area
from cs360lib.errors import AnalysisInputError, PlanError

__all__ = ["ADJACENT_METRES", "Footprints", "footprints"]

ADJACENT_METRES = 200.0
"""Two areas are adjacent when their footprints come within this distance (metres): about a
street width plus the jitter of geocoded points; beats that do not touch are a beat apart."""


@dataclass(frozen=True)
class Footprints:
    """Convex hulls of each area's values, in metres.

    Attributes
    ----------
    hulls : dict of str to list of shapely geometry
        Area name -> one hull per value of the area.
    crs : str
        The projected coordinate system (UTM zone) of the hulls.
    n_missing : int
        Rows of the source without usable coordinates (left out of the hulls).
    """

    hulls: dict[str, list[BaseGeometry]]
    crs: str
    n_missing: int

    def distance(self, first: str, second: str) -> float:
        """Return the shortest distance between two areas' footprints, in metres.

        Parameters
        ----------
        first, second : str
            Area names.

        Returns
        -------
        float
            0 when the footprints touch or overlap.
        """
        return float(min(a.distance(b) for a in self.hulls[first] for b in self.hulls[second]))


def footprints(frame: pd.DataFrame, areas: dict[str, Area], *, source: str) -> Footprints | None:
    """Build each area's footprint from a source's coordinates.

    Parameters
    ----------
    frame : pandas.DataFrame
        All rows of one source (``lat``, ``lon`` and the areas' columns).
    areas : dict of str to Area
        The areas to place, by name.
    source : str
        The source's name, for messages.

    Returns
    -------
    Footprints or None
        None when the source has no coordinates at all (no ``lat``/``lon`` columns, or none
        usable): adjacency then comes from the engagement's ``adjacent_to``.

    Raises
    ------
    PlanError
        When the source has coordinates but a value of an area has none (its adjacency cannot
        be judged): the message names the area, the column and the values.
    """
    try:
        where = located(frame, source)
    except AnalysisInputError:
        return None
    points = where.frame
    crs = utm_crs(points["lat"], points["lon"])
    x, y = project(points["lat"], points["lon"], crs)
    hulls: dict[str, list[BaseGeometry]] = {}
    for name, area in areas.items():
        if area.column not in points.columns:
            raise PlanError(
                f"area {name!r} uses column {area.column!r}, which {source} does not have"
            )
        column = points[area.column].astype("string")
        shapes, bare = [], []
        for value in area.values:
            keep = (column == value).fillna(False).to_numpy(dtype=bool)
            if not keep.any():
                bare.append(value)
                continue
            cloud = shapely.multipoints(np.column_stack([x[keep], y[keep]]))
            shapes.append(cloud.convex_hull)
        if bare:
            raise PlanError(
                f"area {name!r} has no geometry: no {source} row with coordinates has "
                f"{area.column} {', '.join(bare)}, so its adjacency to the other areas cannot "
                f"be judged. Check areas.{name}.values, or geocode those rows"
            )
        hulls[name] = shapes
    return Footprints(hulls=hulls, crs=crs, n_missing=where.n_missing)
