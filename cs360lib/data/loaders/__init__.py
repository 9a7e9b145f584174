"""Loaders: map, coerce, validate and quarantine source rows into typed canonical frames.

:func:`load` is the one entry point (see :mod:`.pipeline`); :func:`load_engagement`
loads every source of an engagement file.
"""

from cs360lib.data.loaders.pipeline import (
    load,
    load_actions,
    load_arrests,
    load_calls,
    load_incidents,
    load_interviews,
    load_partner_metrics,
    load_stakeholders,
    load_survey,
)
from cs360lib.data.loaders.result import LoadResult
from cs360lib.data.loaders.sources import load_engagement
from cs360lib.errors import LoadError, SourceNotFoundError

__all__ = [
    "LoadError",
    "LoadResult",
    "SourceNotFoundError",
    "load",
    "load_actions",
    "load_arrests",
    "load_calls",
    "load_engagement",
    "load_incidents",
    "load_interviews",
    "load_partner_metrics",
    "load_stakeholders",
    "load_survey",
]
