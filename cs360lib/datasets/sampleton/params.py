"""Parameters every part of Sampleton shares: department, period, calendar, response, noise.

The geography (districts, beats, blocks and the response areas) is in :mod:`.city`, the
offense catalogue in :mod:`.offenses`; the parameters of one source only (survey, partner
metrics, interviews) sit with the code that simulates that source. Everything here is
recorded in ``truth.json`` by :mod:`.truth`.
"""

from __future__ import annotations

import numpy as np

DEFAULT_SEED = 360
"""Seed of the committed sample department in ``data/samples``."""

INCIDENTS_PER_SCALE = 20_000
"""Expected number of incidents (five years, whole city) at ``scale=1``."""

START = np.datetime64("2020-01-01")
"""First day of the simulated period."""
END = np.datetime64("2025-01-01")
"""Day after the last simulated day (exclusive end)."""
N_MONTHS = 60
"""Number of calendar months from ``START`` to ``END``."""

CITY = "Sampleton"
DEPARTMENT = "Sampleton Police Department"
TIMEZONE = "America/Chicago"
"""Time zone of the department: written times are its local wall times, and none falls in
the hour skipped when clocks spring forward (such a time does not exist)."""

RESPONSE_NAME = "Transit hub lighting and guardianship"
"""Name of the planted response (as in ``engagement.yml`` and ``actions.csv``)."""
RESPONSE_START = "2023-04-01"
"""First day of the response; the rate changes from that day on."""
RATE_RATIO = 0.70
"""Planted rate ratio of street robbery in the target beat after ``RESPONSE_START``."""
DISPLACEMENT_RATIO = 1.05
"""Planted rate ratio of street robbery in the displacement beats."""
THETA = 12.0
"""Gamma-Poisson shape: monthly count variance = mu + mu^2 / THETA."""

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_WEEKLY_RAW = np.array([0.92, 0.90, 0.93, 0.97, 1.10, 1.15, 1.03])
WEEKLY = _WEEKLY_RAW / _WEEKLY_RAW.mean()
"""Day-of-week multipliers (order of ``WEEKDAYS``, mean 1)."""
YEARLY_AMPLITUDE = 0.20
PEAK_MONTH = 7
MONTHLY = 1.0 + YEARLY_AMPLITUDE * np.cos(2 * np.pi * (np.arange(1, 13) - PEAK_MONTH) / 12)
"""Month-of-year multipliers (January to December): ``1 + A cos(2 pi (m - peak) / 12)``."""


def days() -> np.ndarray:
    """Every day of the simulated period.

    Returns
    -------
    numpy.ndarray
        ``datetime64[D]`` days from ``START`` to ``END`` (exclusive), shape ``(1827,)``.
    """
    return np.arange(START, END, dtype="datetime64[D]")


def weekday(day: np.ndarray) -> np.ndarray:
    """Day of the week of each day, 0 for Monday to 6 for Sunday (index into ``WEEKDAYS``).

    Parameters
    ----------
    day : numpy.ndarray
        ``datetime64[D]`` values, any shape.

    Returns
    -------
    numpy.ndarray
        int64 array of the same shape (1970-01-01, day 0 of numpy's epoch, was a Thursday).
    """
    return (day.astype(np.int64) + 3) % 7


def month_index(day: np.ndarray) -> np.ndarray:
    """Month of each day counted from ``START`` (0 = January 2020).

    Parameters
    ----------
    day : numpy.ndarray
        ``datetime64[D]`` values, any shape.

    Returns
    -------
    numpy.ndarray
        int64 month index of the same shape (``N_MONTHS - 1`` is December 2024).
    """
    return (day.astype("datetime64[M]") - START.astype("datetime64[M]")).astype(np.int64)


def period_months() -> np.ndarray:
    """Every calendar month of the simulated period.

    Returns
    -------
    numpy.ndarray
        ``datetime64[M]`` months from January 2020 to December 2024, shape ``(N_MONTHS,)``.
    """
    return np.arange(START.astype("datetime64[M]"), END.astype("datetime64[M]"))


def post_months() -> np.ndarray:
    """Which months of :func:`period_months` are on or after the month of ``RESPONSE_START``.

    Returns
    -------
    numpy.ndarray
        Boolean mask of shape ``(N_MONTHS,)``.
    """
    start = np.datetime64(RESPONSE_START, "M")
    return period_months() >= start
