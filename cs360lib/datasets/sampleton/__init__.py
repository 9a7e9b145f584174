"""Sampleton: the synthetic sample department with its planted truth.

See :mod:`cs360lib.datasets.sampleton.generate` and ``docs/samples.md``.
"""

from __future__ import annotations

from cs360lib.datasets.sampleton.generate import *  # noqa: F403
from cs360lib.datasets.sampleton.generate import (  # noqa: F401
    BEATS,
    DATETIME_COLUMNS,
    DISTRICTS,
    FILES,
    RESPONSE_NAME,
    WEEKDAYS,
)
