"""cs360lib: the CompStat360 workbook library.

Data flows one way: source files -> loaders (map, coerce, validate, quarantine)
-> typed frames -> analysis functions -> result objects -> notebooks -> reports.

The main entry points:

- :func:`load` and ``load_<kind>`` read a source into a :class:`LoadResult`;
- :class:`Engagement` reads an ``engagement.yml``;
- :mod:`cs360lib.data.schemas` defines the canonical columns of every kind;
- :mod:`cs360lib.datasets.sampleton` writes the synthetic sample department;
- :mod:`cs360lib.evaluate` answers "did the response work?";
- :func:`show` displays a result in a notebook for both reports (the stakeholder report
  gets what the engagement's publishing rules allow, see ``docs/privacy.md``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cs360lib import _startup  # noqa: F401 - first: defers a slow import of jsonschema's

if TYPE_CHECKING:  # what the names below resolve to, for readers and type checkers
    from cs360lib.config.engagement import Engagement, EngagementError
    from cs360lib.config.mapping import Mapping, MappingError, read_mapping, shipped_mappings
    from cs360lib.data.loaders import (
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
    from cs360lib.publish.display import show
    from cs360lib.publish.widgets import browse
    from cs360lib.run.notebook import setup_notebook

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
    "show",
]

_SUBMODULES: dict[str, str] = {
    "charts": "cs360lib.publish.charts",
    "design": "cs360lib.steps.design",
    "evaluate": "cs360lib.evaluate",
    "exercises": "cs360lib.exercises",
    "intake": "cs360lib.steps.intake",
    "metrics": "cs360lib.steps.metrics",
    "plan": "cs360lib.steps.plan",
    "prioritize": "cs360lib.steps.prioritize",
    "problem_analysis": "cs360lib.steps.problem_analysis",
    "reports": "cs360lib.run.reports",
    "review": "cs360lib.steps.review",
    "samples": "cs360lib.datasets.sampleton",
    "scanning": "cs360lib.steps.scanning",
    "schemas": "cs360lib.data.schemas",
    "series": "cs360lib.data.series",
    "stakeholders": "cs360lib.steps.stakeholders",
    "triangle": "cs360lib.steps.triangle",
    "widgets": "cs360lib.publish.widgets",
}
"""Short names for modules that notebooks reach as attributes (``cs.evaluate``, ``cs.intake``)."""


_PUBLIC: dict[str, str] = {
    **dict.fromkeys(["Engagement", "EngagementError"], "cs360lib.config.engagement"),
    **dict.fromkeys(
        ["Mapping", "MappingError", "read_mapping", "shipped_mappings"], "cs360lib.config.mapping"
    ),
    **dict.fromkeys(
        [
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
        ],
        "cs360lib.data.loaders",
    ),
    "show": "cs360lib.publish.display",
    "browse": "cs360lib.publish.widgets",
    "setup_notebook": "cs360lib.run.notebook",
}
"""The module that defines each name of :data:`__all__` (imported on first use)."""

_SUBPACKAGES: frozenset[str] = frozenset(
    [
        "analysis",
        "cli",
        "config",
        "data",
        "datasets",
        "errors",
        "evaluate",
        "exercises",
        "publish",
        "run",
        "steps",
        "workshop",
    ]
)
"""The package's own modules and sub-packages, reachable as attributes (``cs360lib.data``)."""


def __getattr__(name: str) -> Any:
    """Import a public name, a short module name or a sub-package on first use.

    ``import cs360lib`` imports nothing heavy (pandas, pandera, Altair): a ``cs360 run``
    starts its first notebook's kernel before it loads them, and a script that needs one
    function pays only for that function's modules (docs/performance.md). The names of
    :data:`__all__` (``cs.Engagement``, ``cs.show``, ``from cs360lib import load``), the
    short names of :data:`_SUBMODULES` (``cs.evaluate``, ``cs.intake``) and the sub-packages
    (``cs360lib.data``) are imported when first used, and are then ordinary attributes.

    Raises
    ------
    AttributeError
        For any other name.
    """
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(_SUBMODULES[name])
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module 'cs360lib' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public names and short module names with the module's own."""
    return sorted({*globals(), *__all__, *_SUBMODULES, *_SUBPACKAGES})
