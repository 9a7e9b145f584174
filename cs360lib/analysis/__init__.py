"""Crime-analysis methods on typed frames: place (concentration, hot spots) and time patterns.

Every function takes a frame as the loaders produce it (see :mod:`cs360lib.data.schemas`)
and returns a result object with ``.to_frame()`` (numbers), ``.table()`` (presentation,
human labels), ``.summary()`` (plain language), ``.chart()`` (Altair, offline) and
``.warnings``. Bad input raises :class:`~cs360lib.errors.AnalysisInputError`.

- Place: :func:`concentration` (80-20 table, Lorenz curve, Gini, generalized Gini),
  :func:`repeats` and :func:`repeat_victims`, :func:`near_repeat` (Knox test),
  :func:`hotspots` (grid Gi* with a false-discovery-rate correction), :func:`area_counts`
  (partner data by area), and :func:`place_analysis` (all of them in one call).
- Time: :func:`hour_weekday`, :func:`seasonality`, :func:`aoristic`.
- CompStat: :func:`compstat` (week, 28 days, year to date against a year before).
- Building blocks: :class:`Grid` (square cells in the local UTM zone), :func:`gini`,
  :func:`generalized_gini`, :func:`lorenz_curve`, :func:`knox_table`, :func:`gi_star`, and
  the offline maps :func:`cell_map` and :func:`point_map`.
"""

from __future__ import annotations

from .compstat import CompStatResult, compstat
from .concentration import (
    ConcentrationResult,
    concentration,
    generalized_gini,
    gini,
    lorenz_curve,
)
from .grid import Grid, project, utm_crs
from .hotspots import HotspotResult, count_p_values, gi_star, hotspots
from .maps import cell_map, point_map
from .near_repeat import NearRepeatResult, knox_table, near_repeat
from .partners import AreaCountsResult, area_counts
from .place import PlaceAnalysis, place_analysis
from .repeats import RepeatResult, repeat_victims, repeats
from .time_patterns import (
    AoristicResult,
    HourWeekdayResult,
    SeasonalityResult,
    aoristic,
    hour_weekday,
    seasonality,
)

__all__ = [
    "AoristicResult",
    "AreaCountsResult",
    "CompStatResult",
    "ConcentrationResult",
    "Grid",
    "HotspotResult",
    "HourWeekdayResult",
    "NearRepeatResult",
    "PlaceAnalysis",
    "RepeatResult",
    "SeasonalityResult",
    "aoristic",
    "area_counts",
    "cell_map",
    "compstat",
    "concentration",
    "count_p_values",
    "generalized_gini",
    "gi_star",
    "gini",
    "hotspots",
    "hour_weekday",
    "knox_table",
    "lorenz_curve",
    "near_repeat",
    "place_analysis",
    "point_map",
    "project",
    "repeat_victims",
    "repeats",
    "seasonality",
    "utm_crs",
]
