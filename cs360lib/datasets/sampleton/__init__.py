"""Sampleton: the synthetic sample department, every kind of source with known, planted truth.

:func:`make_department` writes a coherent fictional department ("Sampleton") with
three districts of four beats each and five years of data (2020-01-01 to 2024-12-31):
incidents, calls, arrests, a community survey, scanning interviews, partner metrics,
a stakeholder roster (the community map), an actions log, an ``engagement.yml`` that
describes them, and a ``truth.json`` recording everything that was planted:

- crime concentrated in a few blocks (street segments) and beats,
- weekly, yearly (and hourly) seasonality,
- an overdispersed (gamma-Poisson, i.e. negative binomial) monthly count process,
- a dated response (lighting and guardianship at the Eastgate transit hub, beat ``E2``)
  that lowers street robbery by a known rate ratio, with a displacement area (``E1``,
  ``E3``) and an unaffected comparison area (``W2``),
- survey scores that rise in the East district after the response, partner data
  (EMS overdoses, 311 streetlight outages that fall after the lighting repairs),
- interviews whose themes, sectors and top concern are known.

Everything is generated with vectorised numpy from one seed, so the same seed gives
byte-identical files. ``scale`` multiplies the volumes (about ``20_000 * scale``
incidents); ``scale=50`` gives about a million incidents.

The parts, each a module: :mod:`.params` (department, period, calendar, response),
:mod:`.offenses` (the offense catalogue), :mod:`.city` (geography and block weights),
:mod:`.events` (incidents, arrests, calls), :mod:`.community` (survey, partner metrics,
actions), :mod:`.scanning` (stakeholder roster, interviews), :mod:`.truth` (``truth.json``),
:mod:`.write` (files and ``engagement.yml``) and :mod:`.make` (the entry points below).
See ``docs/samples.md``.

Examples
--------
>>> from cs360lib.datasets.sampleton import make_department
>>> path = make_department("/tmp/sampleton")          # doctest: +SKIP
>>> path.name                                          # doctest: +SKIP
'engagement.yml'
"""

from __future__ import annotations

from cs360lib.datasets.sampleton.city import BEATS, DISTRICTS
from cs360lib.datasets.sampleton.make import main, make_department, make_incidents, write_incidents
from cs360lib.datasets.sampleton.params import (
    DEFAULT_SEED,
    INCIDENTS_PER_SCALE,
    RESPONSE_NAME,
    WEEKDAYS,
)
from cs360lib.datasets.sampleton.write import DATETIME_COLUMNS, FILES

__all__ = [
    "BEATS",
    "DATETIME_COLUMNS",
    "DEFAULT_SEED",
    "DISTRICTS",
    "FILES",
    "INCIDENTS_PER_SCALE",
    "RESPONSE_NAME",
    "WEEKDAYS",
    "main",
    "make_department",
    "make_incidents",
    "write_incidents",
]
