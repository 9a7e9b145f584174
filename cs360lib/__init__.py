"""cs360lib: the CompStat360 workbook library.

Data flows one way: source files -> loaders (map, coerce, validate, quarantine)
-> typed frames -> analysis functions -> result objects -> notebooks -> reports.

The main entry points:

- :func:`load` and ``load_<kind>`` read a source into a :class:`LoadResult`;
- :class:`Engagement` reads an ``engagement.yml``;
- :mod:`cs360lib.schemas` defines the canonical columns of every kind;
- :mod:`cs360lib.samples` writes the synthetic sample department;
- :mod:`cs360lib.evaluate` answers "did the response work?".
"""

from __future__ import annotations

import importlib
from types import ModuleType

from cs360lib.engagement import Engagement, EngagementError
from cs360lib.loaders import (
    LoadError,
    LoadResult,
    SourceNotFoundError,
    load,
    load_actions,
    load_arrests,
    load_calls,
    load_engagement,
    load_incidents,
    load_interviews,
    load_partner_metrics,
    load_stakeholders,
    load_survey,
)
from cs360lib.mapping import Mapping, MappingError, read_mapping, shipped_mappings
from cs360lib.notebook import setup_notebook
from cs360lib.widgets import browse

__version__ = "0.1.0"

__all__ = [
    "Engagement",
    "EngagementError",
    "LoadError",
    "LoadResult",
    "Mapping",
    "MappingError",
    "SourceNotFoundError",
    "__version__",
    "browse",
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
    "read_mapping",
    "setup_notebook",
    "shipped_mappings",
]

_SUBMODULES = ("charts", "evaluate", "intake", "reports", "runner", "samples", "schemas", "widgets")


def __getattr__(name: str) -> ModuleType:
    """Import analysis submodules on first use (``cs.evaluate``, ``cs.intake``, ...)."""
    if name in _SUBMODULES:
        return importlib.import_module(f"cs360lib.{name}")
    raise AttributeError(f"module 'cs360lib' has no attribute {name!r}")
