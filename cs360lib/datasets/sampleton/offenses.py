"""The offense catalogue of Sampleton: shares, hours, trends and how each becomes a call or arrest.

Where each offense happens is in :mod:`.city` (beat shares and block weights); the
simulation of incidents, calls and arrests from this catalogue is in :mod:`.events`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Offense:
    """One offense of the catalogue and how it behaves.

    Attributes
    ----------
    name, group : str
        Offense (the ``offense`` column) and its group (``offense_group``).
    share : float
        Share of all incidents (the shares of the catalogue sum to 1).
    hours : str
        Hour-of-day profile, a key of ``HOUR_PEAKS``.
    trend : float
        Change of the log rate per month.
    call_type, priority : str
        Call type and priority (``"1"`` to ``"4"``) of the call the incident makes.
    p_call : float
        Probability that an incident makes a call for service.
    report_delay_min : float
        Mean delay from occurrence to the call, minutes (exponential).
    p_arrest, p_onview_arrest : float
        Probability of an arrest; of an on-view arrest (within the hour) given an arrest.
    beats : dict of str to float, optional
        Fixed shares of the offense in some beats; the other beats share the rest in
        proportion to ``city.BEAT_WEIGHTS``.
    """

    name: str
    group: str
    share: float
    hours: str
    trend: float  # log-rate change per month
    call_type: str
    priority: str
    p_call: float
    report_delay_min: float
    p_arrest: float
    p_onview_arrest: float
    beats: dict[str, float] | None = None


OFFENSES: list[Offense] = [
    Offense("Street robbery", "Robbery", 0.080, "night", 0.003, "Robbery", "1", 0.92, 8, 0.18,
            0.15, {"E2": 0.42, "W2": 0.20, "E1": 0.07, "E3": 0.07}),
    Offense("Commercial robbery", "Robbery", 0.015, "business", 0.0, "Robbery", "1", 0.95, 5,
            0.30, 0.10),
    Offense("Residential burglary", "Burglary", 0.070, "day", -0.004, "Burglary", "2", 0.85,
            180, 0.10, 0.05),
    Offense("Commercial burglary", "Burglary", 0.030, "overnight", -0.002, "Burglary", "2",
            0.80, 240, 0.12, 0.05),
    Offense("Theft from vehicle", "Theft", 0.130, "overnight", 0.002, "Theft from vehicle", "3",
            0.55, 300, 0.04, 0.02),
    Offense("Shoplifting", "Theft", 0.090, "business", 0.001, "Shoplifting", "2", 0.80, 15, 0.45,
            0.80, {"C2": 0.25}),
    Offense("Theft - other", "Theft", 0.130, "afternoon", 0.0, "Theft", "3", 0.50, 240, 0.05,
            0.05),
    Offense("Aggravated assault", "Assault", 0.050, "night", 0.0, "Assault", "1", 0.90, 6, 0.45,
            0.40),
    Offense("Simple assault", "Assault", 0.120, "night", -0.001, "Assault", "2", 0.80, 10, 0.30,
            0.40),
    Offense("Motor vehicle theft", "Motor vehicle theft", 0.080, "overnight", 0.004,
            "Stolen vehicle", "3", 0.85, 360, 0.08, 0.10),
    Offense("Vandalism", "Vandalism", 0.110, "overnight", 0.0, "Vandalism", "3", 0.50, 300, 0.06,
            0.30),
    Offense("Drug possession", "Drug offense", 0.060, "night", -0.002, "Narcotics", "2", 0.30, 0,
            0.85, 0.95, {"W3": 0.35}),
    Offense("Drug sale", "Drug offense", 0.035, "night", 0.0, "Narcotics", "2", 0.40, 0, 0.70,
            0.90, {"W3": 0.40}),
]  # fmt: skip
"""The offense set: name, group, city share, hour profile, trend and call/arrest behaviour."""

GROUPS = list(dict.fromkeys(o.group for o in OFFENSES))
"""Offense groups in order of first appearance in ``OFFENSES``."""
GROUP_CODES = np.array([GROUPS.index(o.group) for o in OFFENSES])
"""Index into ``GROUPS`` of each offense of ``OFFENSES``."""
TARGET_OFFENSE = "Street robbery"
"""The offense the planted response lowers."""
DRUG_OFFENSES = ("Drug possession", "Drug sale")
"""Offenses concentrated on the drug corner and mostly found on view."""

HOUR_PEAKS = {  # hour profile: 1 + amplitude * cos(2 pi (h - peak) / 24), floored
    "night": (22, 1.2),
    "day": (13, 0.8),
    "business": (15, 1.1),
    "overnight": (1, 0.7),
    "afternoon": (15, 0.5),
    "calls": (17, 0.6),
}
"""Hour-of-day profiles: name -> (peak hour, amplitude)."""


def hour_profile(kind: str) -> np.ndarray:
    """Probability of each hour of the day under a profile of ``HOUR_PEAKS``.

    Parameters
    ----------
    kind : str
        Profile name (``"night"``, ``"day"``, ``"business"``, ``"overnight"``,
        ``"afternoon"`` or ``"calls"``).

    Returns
    -------
    numpy.ndarray
        Shape ``(24,)``, sums to 1: ``max(1 + amplitude cos(2 pi (h - peak) / 24), 0.08)``
        normalised.
    """
    peak, amp = HOUR_PEAKS[kind]
    h = np.arange(24)
    w = np.maximum(1 + amp * np.cos(2 * np.pi * (h - peak) / 24), 0.08)
    return w / w.sum()


def offense_index(name: str) -> int:
    """Position of an offense in ``OFFENSES``.

    Parameters
    ----------
    name : str
        Offense name, e.g. ``TARGET_OFFENSE``.

    Returns
    -------
    int
        Index into ``OFFENSES`` (and into the offense axis of the simulation arrays).

    Raises
    ------
    ValueError
        If no offense has that name.
    """
    return [o.name for o in OFFENSES].index(name)
