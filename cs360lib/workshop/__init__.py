"""Workshop mode: the CS360 notebooks as training exercises (``cs360 workshop``).

- :mod:`.build`: one source per step -> learner and solution notebooks (``cs360 workshop
  build``), pulling the real notebooks' current cells in by cell id;
- :mod:`.new`: a workshop folder prepared for one engagement with papermill's prepare-only
  mode (``cs360 workshop new DIR --engagement PATH``);
- :mod:`.bundle`: the wheelhouse for offline rooms (``cs360 workshop bundle DIR``).

The self-checks the notebooks call are :mod:`cs360lib.exercises`. The facilitator guide is
``docs/workshop.md``.
"""

from __future__ import annotations

from cs360lib.workshop.build import (
    VERSIONS,
    BuiltStep,
    WorkshopError,
    build_step,
    build_workshop,
    untagged_cells,
)
from cs360lib.workshop.bundle import build_bundle
from cs360lib.workshop.new import new_workshop, source_dir

__all__ = [
    "VERSIONS",
    "BuiltStep",
    "WorkshopError",
    "build_bundle",
    "build_step",
    "build_workshop",
    "new_workshop",
    "source_dir",
    "untagged_cells",
]
