"""Synthetic sample department: every kind of source with known, planted truth.

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

Examples
--------
>>> from cs360lib.datasets.sampleton import make_department
>>> path = make_department("/tmp/sampleton")          # doctest: +SKIP
>>> path.name                                          # doctest: +SKIP
'engagement.yml'
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_SEED",
    "INCIDENTS_PER_SCALE",
    "main",
    "make_department",
    "make_incidents",
    "write_incidents",
]

DEFAULT_SEED = 360
"""Seed of the committed sample department in ``data/samples``."""

INCIDENTS_PER_SCALE = 20_000
"""Expected number of incidents (five years, whole city) at ``scale=1``."""

START = np.datetime64("2020-01-01")
END = np.datetime64("2025-01-01")  # exclusive
N_MONTHS = 60
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"

CITY = "Sampleton"
DEPARTMENT = "Sampleton Police Department"

# ---------------------------------------------------------------------------------------
# geography: a grid city of 12 north-south avenues and 20 east-west streets
# ---------------------------------------------------------------------------------------

DISTRICTS = ["West", "Central", "East"]
BEATS = [f"{d[0]}{k}" for d in DISTRICTS for k in range(1, 5)]  # W1..W4, C1..C4, E1..E4
AVENUES = [
    "Archer Ave", "Birch Ave", "Cedar Ave", "Dock Ave",
    "Elm Ave", "Foundry Ave", "Grand Ave", "Harbor Ave",
    "Iris Ave", "Main St", "Kings Ave", "Lake Ave",
]  # fmt: skip
STREETS = [
    "1st St", "2nd St", "3rd St", "4th St", "5th St", "6th St", "7th St", "8th St",
    "9th St", "10th St", "11th St", "12th St", "13th St", "14th St", "15th St",
    "16th St", "17th St", "18th St", "19th St", "20th St",
]  # fmt: skip
N_AVE = len(AVENUES)
N_ST = len(STREETS)
BLOCKS_PER_BEAT = 40
LON_WEST = -90.300
LAT_NORTH = 38.680
DLON = 0.010  # between avenues (about 870 m)
DLAT = 0.004  # between streets (about 445 m)
BBOX = {
    "lat_min": round(LAT_NORTH - N_ST * DLAT, 6),
    "lat_max": LAT_NORTH,
    "lon_min": LON_WEST,
    "lon_max": round(LON_WEST + N_AVE * DLON, 6),
}

TARGET_BEAT = "E2"
DISPLACEMENT_BEATS = ["E1", "E3"]
COMPARISON_BEAT = "W2"
HUB_NAME = "Eastgate Transit Center"
HUB_AVENUE = "Main St"  # avenue index 9
HUB_STREET = "7th St"  # street index 6
DRUG_BEAT = "W3"
DRUG_CORNER = ("Cedar Ave", "14th St")

RESPONSE_NAME = "Transit hub lighting and guardianship"
RESPONSE_START = "2023-04-01"
RATE_RATIO = 0.70
DISPLACEMENT_RATIO = 1.05
THETA = 12.0  # gamma-Poisson shape: monthly variance = mu + mu^2 / THETA

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_WEEKLY_RAW = np.array([0.92, 0.90, 0.93, 0.97, 1.10, 1.15, 1.03])
WEEKLY = _WEEKLY_RAW / _WEEKLY_RAW.mean()
YEARLY_AMPLITUDE = 0.20
PEAK_MONTH = 7
MONTHLY = 1.0 + YEARLY_AMPLITUDE * np.cos(2 * np.pi * (np.arange(1, 13) - PEAK_MONTH) / 12)

# general share of incidents by beat (order of BEATS)
BEAT_WEIGHTS = np.array([0.07, 0.10, 0.11, 0.07, 0.08, 0.09, 0.08, 0.06, 0.08, 0.11, 0.08, 0.07])
HOT_SHARE = 0.40  # share of a beat's incidents on its hot blocks (general weights)
HUB_SHARE = 0.75  # share of E2 street robbery on the three transit-hub blocks
DRUG_CORNER_SHARE = 0.60  # share of W3 drug offenses on the two drug-corner blocks


@dataclass(frozen=True)
class _Offense:
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


OFFENSES: list[_Offense] = [
    _Offense("Street robbery", "Robbery", 0.080, "night", 0.003, "Robbery", "1", 0.92, 8, 0.18,
             0.15, {"E2": 0.42, "W2": 0.20, "E1": 0.07, "E3": 0.07}),
    _Offense("Commercial robbery", "Robbery", 0.015, "business", 0.0, "Robbery", "1", 0.95, 5,
             0.30, 0.10),
    _Offense("Residential burglary", "Burglary", 0.070, "day", -0.004, "Burglary", "2", 0.85,
             180, 0.10, 0.05),
    _Offense("Commercial burglary", "Burglary", 0.030, "overnight", -0.002, "Burglary", "2",
             0.80, 240, 0.12, 0.05),
    _Offense("Theft from vehicle", "Theft", 0.130, "overnight", 0.002, "Theft from vehicle", "3",
             0.55, 300, 0.04, 0.02),
    _Offense("Shoplifting", "Theft", 0.090, "business", 0.001, "Shoplifting", "2", 0.80, 15, 0.45,
             0.80, {"C2": 0.25}),
    _Offense("Theft - other", "Theft", 0.130, "afternoon", 0.0, "Theft", "3", 0.50, 240, 0.05,
             0.05),
    _Offense("Aggravated assault", "Assault", 0.050, "night", 0.0, "Assault", "1", 0.90, 6, 0.45,
             0.40),
    _Offense("Simple assault", "Assault", 0.120, "night", -0.001, "Assault", "2", 0.80, 10, 0.30,
             0.40),
    _Offense("Motor vehicle theft", "Motor vehicle theft", 0.080, "overnight", 0.004,
             "Stolen vehicle", "3", 0.85, 360, 0.08, 0.10),
    _Offense("Vandalism", "Vandalism", 0.110, "overnight", 0.0, "Vandalism", "3", 0.50, 300, 0.06,
             0.30),
    _Offense("Drug possession", "Drug offense", 0.060, "night", -0.002, "Narcotics", "2", 0.30, 0,
             0.85, 0.95, {"W3": 0.35}),
    _Offense("Drug sale", "Drug offense", 0.035, "night", 0.0, "Narcotics", "2", 0.40, 0, 0.70,
             0.90, {"W3": 0.40}),
]  # fmt: skip
"""The offense set: name, group, city share, hour profile, trend and call/arrest behaviour."""

GROUPS = list(dict.fromkeys(o.group for o in OFFENSES))
_GROUP_CODES = np.array([GROUPS.index(o.group) for o in OFFENSES])
TARGET_OFFENSE = "Street robbery"
DRUG_OFFENSES = ("Drug possession", "Drug sale")

_HOUR_PEAKS = {  # hour profile: 1 + amplitude * cos(2 pi (h - peak) / 24), floored
    "night": (22, 1.2),
    "day": (13, 0.8),
    "business": (15, 1.1),
    "overnight": (1, 0.7),
    "afternoon": (15, 0.5),
    "calls": (17, 0.6),
}

BACKGROUND_CALLS = [  # call_type, share, priority, on-view share
    ("Disturbance", 0.20, "2", 0.05),
    ("Suspicious person", 0.15, "2", 0.10),
    ("Noise complaint", 0.11, "4", 0.0),
    ("Traffic accident", 0.12, "2", 0.05),
    ("Alarm", 0.12, "3", 0.0),
    ("Welfare check", 0.10, "2", 0.05),
    ("Traffic stop", 0.13, "4", 1.0),
    ("Parking complaint", 0.07, "4", 0.0),
]
BACKGROUND_CALLS_PER_SCALE = 12_000
OTHER_ARRESTS = [  # charge, charge_group, share
    ("Warrant service", "Warrant", 0.45),
    ("Disorderly conduct", "Public order", 0.20),
    ("Trespassing", "Public order", 0.12),
    ("Driving under the influence", "DUI", 0.15),
    ("Weapons violation", "Weapons", 0.08),
]
OTHER_ARRESTS_PER_SCALE = 1_500
RACES = ["Black", "White", "Hispanic", "Asian", "Other/Unknown"]
RACE_BY_DISTRICT = np.array(
    [[0.55, 0.20, 0.18, 0.03, 0.04], [0.30, 0.45, 0.15, 0.06, 0.04], [0.45, 0.25, 0.22, 0.04, 0.04]]
)

# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------


def _hour_profile(kind: str) -> np.ndarray:
    peak, amp = _HOUR_PEAKS[kind]
    h = np.arange(24)
    w = np.maximum(1 + amp * np.cos(2 * np.pi * (h - peak) / 24), 0.08)
    return w / w.sum()


def _segment_choice(rng: np.random.Generator, probs: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Draw one category per row from the probability row ``probs[seg]`` (vectorised)."""
    n_seg, k = probs.shape
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    flat = (cum + np.arange(n_seg)[:, None]).ravel()
    u = rng.random(len(seg))
    idx = np.searchsorted(flat, seg + u, side="right") - seg * k
    return np.clip(idx, 0, k - 1)


def _gini(values: np.ndarray) -> float:
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0 or x.sum() == 0:
        return 0.0
    cum = np.cumsum(x)
    return float((n + 1 - 2 * (cum / cum[-1]).sum()) / n)


def _top_share(values: np.ndarray, fraction: float) -> float:
    x = np.sort(np.asarray(values, dtype=float))[::-1]
    k = max(1, int(round(fraction * len(x))))
    return float(x[:k].sum() / x.sum()) if x.sum() > 0 else float("nan")


def _r(x: float | None, digits: int = 6) -> float | None:
    """Round for truth.json; ``None`` (JSON null) for missing or non-finite values."""
    if x is None or not np.isfinite(x):
        return None
    return float(round(float(x), digits))


def _div(a: float | None, b: float | None) -> float | None:
    """Divide ``a`` by ``b``; ``None`` when either is missing or ``b`` is zero (tiny scales)."""
    if a is None or b is None or b == 0:
        return None
    return a / b


def _ids(prefix: str, when: np.ndarray, width: int, two_digit_year: bool = False) -> np.ndarray:
    """Per-year sequential ids ``PREFIXYYYY-000123`` for rows sorted by ``when``.

    Built as fixed-width ASCII bytes (no per-row Python), returned as an object array of str.
    """
    years = when.astype("datetime64[Y]").astype(np.int64) + 1970
    n = len(years)
    if n == 0:
        return np.array([], dtype=object)
    first = np.r_[0, np.flatnonzero(np.diff(years)) + 1]
    starts = np.repeat(first, np.diff(np.r_[first, n]))
    seq = np.arange(n) - starts + 1
    if seq.max() >= 10**width:
        raise ValueError(f"more than {10**width - 1} ids in one year; raise the id width")
    year = years % 100 if two_digit_year else years
    year_width = 2 if two_digit_year else 4

    def digits(values: np.ndarray, k: int) -> np.ndarray:
        powers = 10 ** np.arange(k - 1, -1, -1, dtype=np.int64)
        return ((values[:, None] // powers[None, :]) % 10 + ord("0")).astype(np.uint8)

    pre = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    parts = [
        np.broadcast_to(pre, (n, len(pre))),
        digits(year, year_width),
        np.full((n, 1), ord("-"), dtype=np.uint8),
        digits(seq, width),
    ]
    table = np.ascontiguousarray(np.concatenate(parts, axis=1))
    text = table.view(f"S{table.shape[1]}").ravel().astype(f"U{table.shape[1]}")
    return text.astype(object)


def _month_index(days: np.ndarray) -> np.ndarray:
    return (days.astype("datetime64[M]") - START.astype("datetime64[M]")).astype(np.int64)


# ---------------------------------------------------------------------------------------
# the city
# ---------------------------------------------------------------------------------------


@dataclass
class _City:
    blocks: pd.DataFrame  # sorted by beat; BLOCKS_PER_BEAT per beat
    general: np.ndarray  # (n_beats, BLOCKS_PER_BEAT) within-beat weights (sum 1 per beat)
    place: np.ndarray  # (n_offenses, n_beats, BLOCKS_PER_BEAT) within-beat weights
    hot: np.ndarray  # bool per block (general hot blocks)
    hub_blocks: np.ndarray  # global block indexes of the transit hub blocks
    drug_blocks: np.ndarray  # global block indexes of the drug corner blocks


def _build_city(rng: np.random.Generator) -> _City:
    # avenue segments (i, j): avenue i between street j and j+1; street segments (i, j):
    # street j between avenue i and i+1. Beat = (district i // 4, row j // 5).
    ii, jj = np.meshgrid(np.arange(N_AVE), np.arange(N_ST), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    rows = []
    # Avenue i runs north-south at lon offset i + 0.25, street j east-west at lat offset
    # j + 0.25 (in grid steps); a block's centroid is the middle of its grid cell side.
    for kind in ("avenue", "street"):
        if kind == "avenue":
            lon = LON_WEST + (ii + 0.25) * DLON
            lat = LAT_NORTH - (jj + 0.5) * DLAT
            name = np.array(AVENUES)[ii]
            number = (jj + 1) * 100
        else:
            lon = LON_WEST + (ii + 0.5) * DLON
            lat = LAT_NORTH - (jj + 0.25) * DLAT
            name = np.array(STREETS)[jj]
            number = (ii + 1) * 100
        beat = np.array(BEATS)[(ii // 4) * 4 + jj // 5]
        rows.append(
            pd.DataFrame(
                {
                    "kind": kind,
                    "avenue_i": ii,
                    "street_j": jj,
                    "street": name,
                    "number": number,
                    "beat": beat,
                    "lat": lat,
                    "lon": lon,
                }
            )
        )
    blocks = pd.concat(rows, ignore_index=True)
    blocks["district"] = np.array(DISTRICTS)[blocks["avenue_i"].to_numpy() // 4]
    blocks["address"] = blocks["number"].astype(str) + " block of " + blocks["street"]
    blocks["beat_code"] = pd.Categorical(blocks["beat"], categories=BEATS).codes
    blocks = blocks.sort_values(["beat_code", "kind", "avenue_i", "street_j"], kind="stable")
    blocks = blocks.reset_index(drop=True)
    n_beats = len(BEATS)
    if not (blocks.groupby("beat_code").size() == BLOCKS_PER_BEAT).all():  # pragma: no cover
        raise RuntimeError("every beat must hold BLOCKS_PER_BEAT blocks")

    def find(kind: str, street: str, number: int) -> int:
        m = (blocks["kind"] == kind) & (blocks["street"] == street) & (blocks["number"] == number)
        return int(np.flatnonzero(m.to_numpy())[0])

    hub_i, hub_j = AVENUES.index(HUB_AVENUE), STREETS.index(HUB_STREET)
    hub_blocks = np.array(
        [
            find("avenue", HUB_AVENUE, (hub_j + 1) * 100),
            find("avenue", HUB_AVENUE, hub_j * 100),
            find("street", HUB_STREET, (hub_i + 1) * 100),
        ]
    )
    drug_i, drug_j = AVENUES.index(DRUG_CORNER[0]), STREETS.index(DRUG_CORNER[1])
    drug_blocks = np.array(
        [
            find("avenue", DRUG_CORNER[0], (drug_j + 1) * 100),
            find("street", DRUG_CORNER[1], (drug_i + 1) * 100),
        ]
    )
    # general within-beat weights: lognormal background plus 1-3 hot blocks holding HOT_SHARE
    base = rng.lognormal(0.0, 0.9, size=(n_beats, BLOCKS_PER_BEAT))
    hot = np.zeros((n_beats, BLOCKS_PER_BEAT), dtype=bool)
    n_hot = rng.integers(1, 3, size=n_beats)
    for b in range(n_beats):
        hot[b, rng.choice(BLOCKS_PER_BEAT, size=n_hot[b], replace=False)] = True
    hot = hot.ravel()
    hot[hub_blocks] = True
    hot[drug_blocks] = True
    hot = hot.reshape(n_beats, BLOCKS_PER_BEAT)
    general = np.where(hot, 0.0, base)
    general = general / general.sum(axis=1, keepdims=True) * (1 - HOT_SHARE)
    hot_w = np.where(hot, rng.uniform(0.7, 1.3, size=hot.shape), 0.0)
    general = general + hot_w / hot_w.sum(axis=1, keepdims=True) * HOT_SHARE
    place = np.repeat(general[None, :, :], len(OFFENSES), axis=0)

    def concentrate(o: int, beat: str, idx: np.ndarray, share: float) -> None:
        b = BEATS.index(beat)
        local = idx - b * BLOCKS_PER_BEAT
        w = place[o, b].copy()
        w[local] = 0.0
        w = w / w.sum() * (1 - share)
        w[local] = share / len(local)
        place[o, b] = w

    concentrate(_offense_index(TARGET_OFFENSE), TARGET_BEAT, hub_blocks, HUB_SHARE)
    for name in DRUG_OFFENSES:
        concentrate(_offense_index(name), DRUG_BEAT, drug_blocks, DRUG_CORNER_SHARE)
    return _City(blocks, general, place, hot.ravel(), hub_blocks, drug_blocks)


def _offense_index(name: str) -> int:
    return [o.name for o in OFFENSES].index(name)


def _beat_shares() -> np.ndarray:
    """(n_offenses, n_beats) share of each offense by beat."""
    out = np.empty((len(OFFENSES), len(BEATS)))
    for k, off in enumerate(OFFENSES):
        w = BEAT_WEIGHTS.copy()
        if off.beats:
            fixed = np.array([b in off.beats for b in BEATS])
            w[~fixed] = w[~fixed] / w[~fixed].sum() * (1 - sum(off.beats.values()))
            for b, s in off.beats.items():
                w[BEATS.index(b)] = s
        out[k] = w / w.sum()
    return out


def _locate(
    rng: np.random.Generator, city: _City, block: np.ndarray, missing: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Jittered coordinates along each row's block, rounded to 5 decimals."""
    b = city.blocks
    lat0 = b["lat"].to_numpy()[block]
    lon0 = b["lon"].to_numpy()[block]
    avenue = (b["kind"].to_numpy() == "avenue")[block]
    along = rng.uniform(-0.45, 0.45, size=len(block))
    across = rng.uniform(-0.00012, 0.00012, size=len(block))
    lat = np.where(avenue, lat0 + along * DLAT, lat0 + across)
    lon = np.where(avenue, lon0 + across, lon0 + along * DLON)
    lat, lon = np.round(lat, 5), np.round(lon, 5)
    if missing > 0:
        gone = rng.random(len(block)) < missing
        lat[gone] = np.nan
        lon[gone] = np.nan
    return lat, lon


# ---------------------------------------------------------------------------------------
# incidents
# ---------------------------------------------------------------------------------------


@dataclass
class _Rates:
    days: np.ndarray  # datetime64[D], (D,)
    month: np.ndarray  # month index 0..59, (D,)
    expected: np.ndarray  # (D, B, O) expected daily counts including the response effect
    counterfactual: np.ndarray  # (D, B, O) without the response
    base: np.ndarray  # (O,) daily base rate of the offense city-wide


def _rates(scale: float) -> _Rates:
    days = np.arange(START, END, dtype="datetime64[D]")
    month = _month_index(days)
    dow = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    moy = month % 12
    trend = np.array([o.trend for o in OFFENSES])
    shape = WEEKLY[dow][:, None] * MONTHLY[moy][:, None] * np.exp(month[:, None] * trend[None, :])
    shares = np.array([o.share for o in OFFENSES])
    base = INCIDENTS_PER_SCALE * scale * shares / shape.sum(axis=0)  # (O,)
    beat = _beat_shares()  # (O, B)
    counterfactual = shape[:, None, :] * (beat.T[None, :, :] * base[None, None, :])
    effect = np.ones_like(counterfactual)
    post = days >= np.datetime64(RESPONSE_START)
    o = _offense_index(TARGET_OFFENSE)
    effect[post, BEATS.index(TARGET_BEAT), o] = RATE_RATIO
    for b in DISPLACEMENT_BEATS:
        effect[post, BEATS.index(b), o] = DISPLACEMENT_RATIO
    return _Rates(days, month, counterfactual * effect, counterfactual, base)


@dataclass
class _IncidentRows:
    frame: pd.DataFrame
    offense: np.ndarray  # offense index per row
    block: np.ndarray  # global block index per row
    seconds: np.ndarray  # occurred_at as int64 seconds since the epoch


def _simulate_incidents(rng: np.random.Generator, city: _City, rates: _Rates) -> _IncidentRows:
    n_days, n_beats, n_off = rates.expected.shape
    gamma = rng.gamma(THETA, 1.0 / THETA, size=(N_MONTHS, n_beats, n_off))
    counts = rng.poisson(rates.expected * gamma[rates.month])
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    day = cell // (n_beats * n_off)
    beat = (cell // n_off) % n_beats
    off = cell % n_off
    hours = np.stack([_hour_profile(o.hours) for o in OFFENSES])
    hour = _segment_choice(rng, hours, off)
    minute = rng.integers(0, 60, size=len(cell))
    seconds = rates.days[day].astype("datetime64[s]").astype(np.int64) + hour * 3600 + minute * 60
    local = _segment_choice(
        rng, city.place.reshape(n_off * n_beats, BLOCKS_PER_BEAT), off * n_beats + beat
    )
    block = beat * BLOCKS_PER_BEAT + local
    lat, lon = _locate(rng, city, block, missing=0.005)

    order = np.argsort(seconds, kind="stable")
    seconds, off, block, lat, lon = seconds[order], off[order], block[order], lat[order], lon[order]
    when = seconds.astype("datetime64[s]")
    b = city.blocks
    frame = pd.DataFrame(
        {
            "incident_id": _ids("", when, 6),
            "occurred_at": when,
            "offense": pd.Categorical.from_codes(off, [o.name for o in OFFENSES]),
            "offense_group": pd.Categorical.from_codes(_GROUP_CODES[off], GROUPS),
            "district": pd.Categorical.from_codes(block // (4 * BLOCKS_PER_BEAT), DISTRICTS),
            "beat": pd.Categorical.from_codes(block // BLOCKS_PER_BEAT, BEATS),
            "address": pd.Categorical.from_codes(block, b["address"].tolist()),
            "lat": lat,
            "lon": lon,
        }
    )
    return _IncidentRows(frame, off, block, seconds)


# ---------------------------------------------------------------------------------------
# arrests and calls
# ---------------------------------------------------------------------------------------

_END_SECONDS = END.astype("datetime64[s]").astype(np.int64)


def _simulate_arrests(
    rng: np.random.Generator, city: _City, inc: _IncidentRows, rates: _Rates, scale: float
) -> tuple[pd.DataFrame, np.ndarray]:
    """Arrests: some linked to incidents (by offense), plus warrant and public-order arrests.

    Returns the frame and a boolean per incident: arrested on view (within the hour).
    """
    n = len(inc.offense)
    p_arrest = np.array([o.p_arrest for o in OFFENSES])[inc.offense]
    p_onview = np.array([o.p_onview_arrest for o in OFFENSES])[inc.offense]
    arrested = rng.random(n) < p_arrest
    onview = arrested & (rng.random(n) < p_onview)
    delay = np.where(
        onview,
        rng.integers(0, 45 * 60, size=n),
        (rng.exponential(10 * 86400, size=n) + 1800).astype(np.int64),
    )
    # a second arrestee for some robberies and assaults
    second = arrested & np.isin(
        _GROUP_CODES[inc.offense], [GROUPS.index("Robbery"), GROUPS.index("Assault")]
    )
    second &= rng.random(n) < 0.15
    first_rows, second_rows = np.flatnonzero(arrested), np.flatnonzero(second)
    extra = np.where(onview[second_rows], 0, rng.integers(0, 3 * 86400, size=len(second_rows)))
    rows = np.r_[first_rows, second_rows]
    when = inc.seconds[rows] + delay[rows] + np.r_[np.zeros(len(first_rows), np.int64), extra]
    keep = when < _END_SECONDS
    rows, when = rows[keep], when[keep]
    linked = pd.DataFrame(
        {
            "seconds": when,
            "charge": inc.frame["offense"].to_numpy()[rows].astype(object),
            "charge_group": inc.frame["offense_group"].to_numpy()[rows].astype(object),
            "incident_id": inc.frame["incident_id"].to_numpy()[rows],
            "block": inc.block[rows],
            "lat": inc.frame["lat"].to_numpy()[rows],
            "lon": inc.frame["lon"].to_numpy()[rows],
        }
    )
    # arrests without an incident report: warrants, public order, DUI, weapons
    day_w = WEEKLY[(rates.days.astype(np.int64) + 3) % 7] * MONTHLY[rates.month % 12]
    lam = OTHER_ARRESTS_PER_SCALE * scale * day_w / day_w.sum()
    per_day = rng.poisson(lam[:, None] * BEAT_WEIGHTS[None, :])
    cell = np.repeat(np.arange(per_day.size), per_day.ravel())
    day, beat = cell // len(BEATS), cell % len(BEATS)
    charge = rng.choice(len(OTHER_ARRESTS), size=len(cell), p=[a[2] for a in OTHER_ARRESTS])
    hour = _segment_choice(rng, _hour_profile("night")[None, :], np.zeros(len(cell), np.int64))
    secs = (
        rates.days[day].astype("datetime64[s]").astype(np.int64)
        + hour * 3600
        + rng.integers(0, 3600, size=len(cell))
    )
    local = _segment_choice(rng, city.general, beat)
    block = beat * BLOCKS_PER_BEAT + local
    lat, lon = _locate(rng, city, block)
    other = pd.DataFrame(
        {
            "seconds": secs,
            "charge": np.array([a[0] for a in OTHER_ARRESTS], dtype=object)[charge],
            "charge_group": np.array([a[1] for a in OTHER_ARRESTS], dtype=object)[charge],
            "incident_id": None,
            "block": block,
            "lat": lat,
            "lon": lon,
        }
    )
    both = pd.concat([linked, other], ignore_index=True)
    both = both.sort_values("seconds", kind="stable").reset_index(drop=True)
    m = len(both)
    when = both["seconds"].to_numpy().astype("datetime64[s]")
    block = both["block"].to_numpy()
    district = block // (4 * BLOCKS_PER_BEAT)
    age = np.clip(np.round(15 + rng.gamma(2.0, 9.0, size=m)), 14, 85).astype(np.int64)
    sex = np.where(rng.random(m) < 0.79, 0, 1)
    race = _segment_choice(rng, RACE_BY_DISTRICT, district)
    frame = pd.DataFrame(
        {
            "arrest_id": _ids("A", when, 6, two_digit_year=True),
            "arrested_at": when,
            "charge": both["charge"].to_numpy(),
            "charge_group": both["charge_group"].to_numpy(),
            "incident_id": both["incident_id"].to_numpy(),
            "district": pd.Categorical.from_codes(district, DISTRICTS),
            "beat": pd.Categorical.from_codes(block // BLOCKS_PER_BEAT, BEATS),
            "age": pd.array(age, dtype="Int64"),
            "sex": pd.Categorical.from_codes(sex, ["M", "F"]),
            "race": pd.Categorical.from_codes(race, RACES),
            "address": pd.Categorical.from_codes(block, city.blocks["address"].tolist()),
            "lat": both["lat"].to_numpy(),
            "lon": both["lon"].to_numpy(),
        }
    )
    return frame, onview


def _call_times(
    rng: np.random.Generator,
    received: np.ndarray,
    priority: np.ndarray,
    onview: np.ndarray,
    disposition: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dispatch, arrival and clearance seconds (NaT as a mask) with consistent ordering."""
    n = len(received)
    mean_dispatch = np.array([0, 90, 240, 720, 1500])[priority]  # seconds, by priority 1-4
    dispatch = received + (rng.exponential(1.0, n) * mean_dispatch).astype(np.int64) + 20
    travel = (rng.gamma(3.0, np.where(priority == 1, 100, 160))).astype(np.int64) + 60
    arrive = dispatch + travel
    on_scene = (rng.gamma(2.0, 900, size=n)).astype(np.int64) + 120
    dispatch = np.where(onview, received, dispatch)
    arrive = np.where(onview, received, arrive)
    clear = arrive + on_scene
    phone = disposition == "Handled by phone"
    cancelled = disposition == "Cancelled"
    clear = np.where(phone, received + 300 + rng.integers(0, 900, size=n), clear)
    clear = np.where(cancelled, dispatch + 60 + rng.integers(0, 600, size=n), clear)
    no_dispatch = phone
    no_arrival = phone | cancelled
    nat = np.datetime64("NaT", "s")
    d = np.where(no_dispatch, nat, dispatch.astype("datetime64[s]"))
    a = np.where(no_arrival, nat, arrive.astype("datetime64[s]"))
    c = clear.astype("datetime64[s]")
    return d, a, c


def _simulate_calls(
    rng: np.random.Generator,
    city: _City,
    inc: _IncidentRows,
    onview_arrest: np.ndarray,
    rates: _Rates,
    scale: float,
) -> pd.DataFrame:
    n = len(inc.offense)
    p_call = np.array([o.p_call for o in OFFENSES])[inc.offense]
    has_call = rng.random(n) < p_call
    rows = np.flatnonzero(has_call)
    off = inc.offense[rows]
    delay_mean = np.array([o.report_delay_min for o in OFFENSES])[off] * 60
    drug = np.isin(off, [_offense_index(d) for d in DRUG_OFFENSES])
    received_a = (
        inc.seconds[rows]
        + (rng.exponential(1.0, len(rows)) * delay_mean).astype(np.int64)
        + rng.integers(0, 120, size=len(rows))
    )
    onview_a = drug & (rng.random(len(rows)) < 0.8)
    received_a = np.where(onview_a, inc.seconds[rows], received_a)
    source_a = np.where(onview_a, 2, np.where(rng.random(len(rows)) < 0.72, 0, 1))
    type_names = list(
        dict.fromkeys([o.call_type for o in OFFENSES] + [c[0] for c in BACKGROUND_CALLS])
    )
    type_a = np.array([type_names.index(o.call_type) for o in OFFENSES])[off]
    prio_a = np.array([int(o.priority) for o in OFFENSES])[off]
    disp_names = [
        "Report taken", "Arrest made", "Advised", "Gone on arrival", "Unfounded",
        "Handled by phone", "Cancelled",
    ]  # fmt: skip
    disp_a = np.where(onview_arrest[rows], 1, np.where(rng.random(len(rows)) < 0.93, 0, 3))
    block_a = inc.block[rows]
    lat_a = inc.frame["lat"].to_numpy()[rows]
    lon_a = inc.frame["lon"].to_numpy()[rows]

    # calls that are not crimes: disturbances, alarms, traffic...
    day_w = WEEKLY[(rates.days.astype(np.int64) + 3) % 7] * MONTHLY[rates.month % 12]
    lam = BACKGROUND_CALLS_PER_SCALE * scale * day_w / day_w.sum()
    per_day = rng.poisson(lam[:, None] * BEAT_WEIGHTS[None, :])
    cell = np.repeat(np.arange(per_day.size), per_day.ravel())
    day, beat = cell // len(BEATS), cell % len(BEATS)
    m = len(cell)
    kind = rng.choice(len(BACKGROUND_CALLS), size=m, p=[c[1] for c in BACKGROUND_CALLS])
    hour = _segment_choice(rng, _hour_profile("calls")[None, :], np.zeros(m, np.int64))
    received_b = (
        rates.days[day].astype("datetime64[s]").astype(np.int64)
        + hour * 3600
        + rng.integers(0, 3600, size=m)
    )
    onview_b = rng.random(m) < np.array([c[3] for c in BACKGROUND_CALLS])[kind]
    source_b = np.where(onview_b, 2, np.where(rng.random(m) < 0.6, 0, 1))
    type_b = np.array([type_names.index(c[0]) for c in BACKGROUND_CALLS])[kind]
    prio_b = np.array([int(c[2]) for c in BACKGROUND_CALLS])[kind]
    disp_b = rng.choice(7, size=m, p=[0.10, 0.04, 0.36, 0.20, 0.15, 0.10, 0.05])
    disp_b = np.where(onview_b & (disp_b >= 5), 2, disp_b)  # on-view calls are never by phone
    local = _segment_choice(rng, city.general, beat)
    block_b = beat * BLOCKS_PER_BEAT + local
    lat_b, lon_b = _locate(rng, city, block_b, missing=0.01)

    received = np.r_[received_a, received_b]
    keep = received < _END_SECONDS
    order = np.argsort(np.where(keep, received, np.iinfo(np.int64).max), kind="stable")
    order = order[: keep.sum()]
    received = received[order]
    onview = np.r_[onview_a, onview_b][order]
    prio = np.r_[prio_a, prio_b][order]
    disp = np.r_[disp_a, disp_b][order]
    block = np.r_[block_a, block_b][order]
    disp_text = pd.Categorical.from_codes(disp, disp_names)
    dispatched, arrived, cleared = _call_times(rng, received, prio, onview, np.asarray(disp_text))
    when = received.astype("datetime64[s]")
    return pd.DataFrame(
        {
            "call_id": _ids("C", when, 7, two_digit_year=True),
            "received_at": when,
            "call_type": pd.Categorical.from_codes(np.r_[type_a, type_b][order], type_names),
            "priority": pd.Categorical.from_codes(prio - 1, ["1", "2", "3", "4"]),
            "disposition": disp_text,
            "source": pd.Categorical.from_codes(
                np.r_[source_a, source_b][order], ["911", "Phone", "On-view"]
            ),
            "area": pd.Categorical.from_codes(block // BLOCKS_PER_BEAT, BEATS),
            "address": pd.Categorical.from_codes(block, city.blocks["address"].tolist()),
            "dispatched_at": dispatched,
            "arrived_at": arrived,
            "cleared_at": cleared,
            "lat": np.r_[lat_a, lat_b][order],
            "lon": np.r_[lon_a, lon_b][order],
        }
    )


# ---------------------------------------------------------------------------------------
# survey and partner metrics
# ---------------------------------------------------------------------------------------

SURVEY_ITEMS = ["safety", "trust"]
SURVEY_BASE = {  # item -> district -> baseline score (0-100)
    "safety": {"West": 61.0, "Central": 68.0, "East": 55.0},
    "trust": {"West": 57.0, "Central": 66.0, "East": 52.0},
}
SURVEY_EFFECT = {"safety": 6.0, "trust": 4.0}  # points gained in the East district
SURVEY_RAMP_MONTHS = 6
SURVEY_RESPONDENTS = 70  # mean respondents per district and month
SURVEY_RESPONSE_SD = 20.0  # spread of individual answers (score points)

EMS_MEAN = {"West": 12.0, "Central": 5.0, "East": 7.0}  # overdose calls per month at scale 1
EMS_TREND = 0.008
STREETLIGHT_MEAN = 2.5  # 311 streetlight complaints per beat and month
STREETLIGHT_TARGET_MEAN = 8.0  # in the target beat before the repairs
STREETLIGHT_RATIO = 0.35
STREETLIGHT_AMPLITUDE = 0.3  # winter peak (December)


def _months() -> np.ndarray:
    return np.arange(START.astype("datetime64[M]"), END.astype("datetime64[M]"))


def _post_months() -> np.ndarray:
    start = np.datetime64(RESPONSE_START, "M")
    return _months() >= start


def _simulate_survey(rng: np.random.Generator) -> pd.DataFrame:
    months = _months()
    mi = np.arange(len(months))
    start_i = int(np.flatnonzero(_post_months())[0])
    ramp = np.clip((mi - start_i + 1) / SURVEY_RAMP_MONTHS, 0, 1)
    parts = []
    for item in SURVEY_ITEMS:
        scores, weights = [], []
        for d in DISTRICTS:
            n = rng.poisson(SURVEY_RESPONDENTS, size=len(months)).clip(15)
            effect = SURVEY_EFFECT[item] * ramp if d == "East" else 0.0
            score = (
                SURVEY_BASE[item][d]
                + effect
                + rng.normal(0, 1, len(months)) * (SURVEY_RESPONSE_SD / np.sqrt(n))
            )
            score = np.round(np.clip(score, 0, 100), 1)
            scores.append(score)
            weights.append(n)
            parts.append(
                pd.DataFrame(
                    {
                        "period": months,
                        "area": d,
                        "item": item,
                        "score": score,
                        "area_level": "district",
                        "respondents": n,
                    }
                )
            )
        w = np.array(weights)
        city = np.round((np.array(scores) * w).sum(axis=0) / w.sum(axis=0), 1)
        parts.append(
            pd.DataFrame(
                {
                    "period": months,
                    "area": CITY,
                    "item": item,
                    "score": city,
                    "area_level": "city",
                    "respondents": w.sum(axis=0),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["scale"] = "0-100"
    out["respondent_group"] = "all"
    out["period"] = out["period"].astype("datetime64[s]")
    out = out.sort_values(["period", "item", "area_level", "area"], kind="stable")
    cols = [
        "period",
        "area",
        "item",
        "score",
        "scale",
        "respondent_group",
        "area_level",
        "respondents",
    ]
    return out[cols].reset_index(drop=True)


def _simulate_partner_metrics(rng: np.random.Generator, scale: float) -> pd.DataFrame:
    months = _months()
    mi = np.arange(len(months))
    moy = mi % 12 + 1
    post = _post_months()
    parts = []
    for d in DISTRICTS:
        mu = EMS_MEAN[d] * scale * np.exp(EMS_TREND * mi)
        value = rng.poisson(mu * rng.gamma(THETA, 1 / THETA, size=len(months)))
        parts.append(
            pd.DataFrame(
                {
                    "partner": "County EMS",
                    "metric": "Overdose calls",
                    "period": months,
                    "area": d,
                    "value": value,
                    "unit": "count",
                }
            )
        )
    season = 1 + STREETLIGHT_AMPLITUDE * np.cos(2 * np.pi * (moy - 12) / 12)
    for b in BEATS:
        base = STREETLIGHT_TARGET_MEAN if b == TARGET_BEAT else STREETLIGHT_MEAN
        mu = base * scale * season * np.where(post & (b == TARGET_BEAT), STREETLIGHT_RATIO, 1.0)
        value = rng.poisson(mu * rng.gamma(THETA, 1 / THETA, size=len(months)))
        parts.append(
            pd.DataFrame(
                {
                    "partner": "City 311",
                    "metric": "Streetlight outage complaints",
                    "period": months,
                    "area": b,
                    "value": value,
                    "unit": "count",
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["value"] = out["value"].astype(float)
    out["period"] = out["period"].astype("datetime64[s]")
    return out.sort_values(["partner", "metric", "period", "area"], kind="stable").reset_index(
        drop=True
    )


# ---------------------------------------------------------------------------------------
# stakeholders, interviews, actions
# ---------------------------------------------------------------------------------------

# id, organisation, role, sector, team, levers, data held, sharing terms
STAKEHOLDERS: list[tuple[str, str, str, str, str, str, str, str]] = [
    ("S01", DEPARTMENT, "Chief of police", "department", "AT", "manager",
     "Incidents, calls for service, arrests", "Open data (block level)"),
    ("S02", f"{DEPARTMENT} - East District", "District commander", "department", "AT+PST",
     "guardian;manager", "Patrol deployment and directed patrol logs", "Internal"),
    ("S03", f"{DEPARTMENT} - Crime Analysis Unit", "Crime analyst", "department", "AT+PST", "",
     "Incidents, calls for service, arrests, geocoded hot spots", "Internal"),
    ("S04", f"{DEPARTMENT} - East District", "Patrol sergeant", "department", "PST", "guardian",
     "Field interview notes", "Internal"),
    ("S05", f"{DEPARTMENT} - Investigations", "Robbery detective", "department", "PST", "handler",
     "Robbery case files and suspect patterns", "Internal"),
    ("S06", "Regional Transit Authority Police", "Transit police lieutenant",
     "other_law_enforcement", "PST", "guardian;manager", "Transit incidents and CCTV footage",
     "MOU"),
    ("S07", "County Sheriff's Office", "Undersheriff", "other_law_enforcement", "AT", "guardian",
     "Jail bookings", "MOU"),
    ("S08", "State Probation and Parole", "Probation supervisor", "other_law_enforcement", "PST",
     "handler", "Supervision caseloads by area", "Aggregate only"),
    ("S09", "County EMS", "EMS operations chief", "other_law_enforcement", "AT", "",
     "EMS overdose and assault calls by district", "Aggregate only"),
    ("S10", "Office of the Mayor", "Deputy mayor for public safety", "government", "AT",
     "manager", "City budget and program data", "Open"),
    ("S11", "Public Works Department", "Street lighting supervisor", "government", "PST",
     "manager", "Streetlight inventory and repair orders", "Open"),
    ("S12", "City 311 Call Center", "311 data manager", "government", "PST", "",
     "311 service requests (streetlights, dumping, graffiti)", "Open"),
    ("S13", "County Public Health Department", "Epidemiologist", "government", "AT", "",
     "Overdose deaths and hospital visits", "Aggregate only"),
    ("S14", "City Council - Ward 5", "Council member's chief of staff", "government", "AT",
     "manager", "Constituent complaints", "Aggregate only"),
    ("S15", "Eastgate Merchants Association", "Association president", "community", "PST",
     "guardian;manager", "Member business incident logs", "Aggregate only"),
    ("S16", "Eastgate Neighborhood Association", "Block captain coordinator", "community", "PST",
     "guardian", "Resident safety walk notes", "Open"),
    ("S17", "First Street Baptist Church", "Pastor", "community", "AT", "handler",
     "None recorded", "Not applicable"),
    ("S18", "Sampleton Youth Outreach Center", "Program director", "community", "PST", "handler",
     "Program attendance", "Aggregate only"),
    ("S19", "Westside Tenants Union", "Organizer", "community", "none", "guardian",
     "Housing complaints", "Aggregate only"),
    ("S20", "Harm Reduction Coalition", "Outreach coordinator", "community", "none", "handler",
     "Naloxone distribution counts", "Aggregate only"),
    ("S21", "Sampleton Community College", "Campus safety director", "community", "none",
     "guardian;manager", "Campus incident log", "MOU"),
    ("S22", "Regional Transit Authority", "Station operations manager", "government", "PST",
     "manager", "Ridership by station and hour", "MOU"),
]  # fmt: skip

QUESTIONS = {
    "public_safety_concerns": "What are the most pressing public safety concerns in your area?",
    "police_community_relations": "How would you describe the relationship between the police "
    "and the community?",
    "data_available": "What data does your organisation hold that could help understand or "
    "address these problems?",
    "areas_for_improvement": "What should the department and its partners do better?",
}
FOLLOW_UP = "Is there anything else about public safety in your area we should know?"

TOP_CONCERN = "transit_robbery"
CONCERNS: dict[str, dict[str, Any]] = {
    "transit_robbery": {
        "keywords": ["robbery", "robbed", "transit"],
        "label": f"Street robbery around the {HUB_NAME} (beat {TARGET_BEAT})",
        "texts": [
            f"People are being robbed walking to and from the {HUB_NAME} after dark; the "
            "streetlights on Main St are out.",
            "Street robbery around the bus bays at Main St and 7th St is what everyone talks "
            "about. Riders are afraid to wait there at night.",
            "We hear about phone snatching and robbery near the Eastgate transit hub, mostly in "
            "the evening when the block is dark.",
            "Robbery near the transit center. Broken lighting makes the walk from the bus stop "
            "feel unsafe.",
            "Commuters getting robbed between the transit center and the parking lots on 7th St.",
        ],
    },
    "drug_market": {
        "keywords": ["drug"],
        "label": "Open-air drug market at Cedar Ave and 14th St",
        "texts": [
            "Drug dealing on the corner of Cedar Ave and 14th St, day and night.",
            "The drug market at Cedar and 14th keeps families off the street.",
        ],
    },
    "overdoses": {
        "keywords": ["overdose"],
        "label": "Overdoses in the West district",
        "texts": [
            "Overdoses are up in the West district; we find people in doorways.",
            "We keep responding to overdose calls around the shelters.",
        ],
    },
    "vehicle_breakins": {
        "keywords": ["break-in"],
        "label": "Car break-ins",
        "texts": [
            "Car break-ins in the parking areas near the shops.",
            "Every week someone on the block reports a car break-in.",
        ],
    },
    "speeding": {
        "keywords": ["speeding"],
        "label": "Speeding on Grand Ave",
        "texts": [
            "Speeding on Grand Ave near the schools.",
            "Drag racing and speeding at night on the avenues.",
        ],
    },
}
CONCERN_SHARES = {"drug_market": 0.35, "overdoses": 0.25, "vehicle_breakins": 0.22,
                  "speeding": 0.18}  # fmt: skip
TOP_CONCERN_SHARE = 0.55  # share of public-safety answers naming the planted top concern

RELATIONS = {
    "department": [
        "Officers know the merchants on Main St, but residents rarely call us unless it is "
        "serious.",
        "We have good contacts with the associations; trust is lower among young people.",
    ],
    "other_law_enforcement": [
        "We work with the police on cases, but information sharing is slow.",
        "Relations are professional; the community sees us as separate from the city police.",
    ],
    "government": [
        "Residents tell the council they want to see officers who walk and talk, not only cars.",
        "Trust varies a lot by neighbourhood; the East side feels ignored.",
    ],
    "community": [
        "Many neighbours do not report crime because nothing happens afterwards.",
        "People like the officers they know, but stops on the avenues cause distrust.",
        "Trust is low; people want to be asked, not told.",
    ],
}
IMPROVEMENTS = [
    "Fix the lighting around the transit center and keep it fixed.",
    "Put foot patrol and ambassadors at the transit hub in the evening.",
    "Share data with partners every month, not once a year.",
    "Follow up with victims and tell them what happened with their case.",
    "Offer information in Spanish and other languages.",
    "Meet with residents regularly and report back on what was done.",
]
INTERVIEWED = ["S02", "S03", "S04", "S05", "S06", "S08", "S09", "S10", "S11", "S12", "S13",
               "S14", "S15", "S16", "S17", "S18", "S19", "S20", "S21", "S22"]  # fmt: skip


def _stakeholders() -> pd.DataFrame:
    cols = ["stakeholder_id", "organisation", "role", "sector", "team", "levers", "data_held",
            "sharing_terms"]  # fmt: skip
    out = pd.DataFrame(STAKEHOLDERS, columns=cols)
    out["levers"] = out["levers"].replace("", None)
    return out


def _simulate_interviews(rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, Any]]:
    roster = {s[0]: s for s in STAKEHOLDERS}
    n = len(INTERVIEWED)
    follow = rng.random(n) < 0.5
    n_safety = n + int(follow.sum())
    n_top = int(np.ceil(TOP_CONCERN_SHARE * n_safety))
    others = list(CONCERN_SHARES)
    rest = rng.choice(len(others), size=n_safety - n_top, p=list(CONCERN_SHARES.values()))
    concern = np.array([TOP_CONCERN] * n_top + [others[k] for k in rest], dtype=object)
    concern = concern[rng.permutation(n_safety)]
    day0 = np.datetime64("2022-09-12")
    dates = np.sort(day0 + rng.integers(0, 95, size=n).astype("timedelta64[D]"))
    rows: list[dict[str, Any]] = []
    k = 0
    for i, sid in enumerate(INTERVIEWED):
        _, org, role, sector, *_rest = roster[sid]
        data_held = roster[sid][6]
        iid = f"INT-{i + 1:03d}"
        base = {"interview_id": iid, "stakeholder_id": sid, "sector": sector, "role": role,
                "interviewed_on": dates[i]}  # fmt: skip
        texts = CONCERNS[concern[k]]["texts"]
        rows.append({**base, "theme": "public_safety_concerns", "concern": concern[k],
                     "question": QUESTIONS["public_safety_concerns"],
                     "response": texts[rng.integers(len(texts))]})  # fmt: skip
        k += 1
        rel = RELATIONS[sector]
        rows.append({**base, "theme": "police_community_relations", "concern": None,
                     "question": QUESTIONS["police_community_relations"],
                     "response": rel[rng.integers(len(rel))]})  # fmt: skip
        rows.append({**base, "theme": "data_available", "concern": None,
                     "question": QUESTIONS["data_available"],
                     "response": f"We hold: {data_held.lower()}."})  # fmt: skip
        rows.append({**base, "theme": "areas_for_improvement", "concern": None,
                     "question": QUESTIONS["areas_for_improvement"],
                     "response": IMPROVEMENTS[rng.integers(len(IMPROVEMENTS))]})  # fmt: skip
        if follow[i]:
            texts = CONCERNS[concern[k]]["texts"]
            rows.append({**base, "theme": "public_safety_concerns", "concern": concern[k],
                         "question": FOLLOW_UP,
                         "response": texts[rng.integers(len(texts))]})  # fmt: skip
            k += 1
    frame = pd.DataFrame(rows)
    frame["interviewed_on"] = frame["interviewed_on"].astype("datetime64[s]")
    truth = {
        "interviews": n,
        "rows": len(frame),
        "by_theme": {
            t: int((frame["theme"] == t).sum())
            for t in [
                "public_safety_concerns",
                "police_community_relations",
                "data_available",
                "areas_for_improvement",
            ]
        },  # fmt: skip
        "by_sector": {
            s: int(frame.loc[frame["theme"] == "public_safety_concerns", "sector"].eq(s).sum())
            for s in ["department", "other_law_enforcement", "government", "community"]
        },
        "interviews_by_sector": {
            s: int(frame.drop_duplicates("interview_id")["sector"].eq(s).sum())
            for s in ["department", "other_law_enforcement", "government", "community"]
        },
        "top_concern": TOP_CONCERN,
        "top_concern_label": CONCERNS[TOP_CONCERN]["label"],
        "concern_counts": {c: int((frame["concern"] == c).sum()) for c in CONCERNS},
        "concern_keywords": {c: CONCERNS[c]["keywords"] for c in CONCERNS},
        "concern_labels": {c: CONCERNS[c]["label"] for c in CONCERNS},
        "interviewed_from": str(frame["interviewed_on"].min().date()),
        "interviewed_to": str(frame["interviewed_on"].max().date()),
    }
    cols = ["interview_id", "stakeholder_id", "sector", "role", "theme", "question", "response",
            "interviewed_on"]  # fmt: skip
    return frame[cols], truth


def _actions(rng: np.random.Generator) -> pd.DataFrame:
    rows: list[dict[str, Any]] = [
        {"response": RESPONSE_NAME, "owner": "Public Works Department",
         "action": "Repair streetlights and upgrade to LED around the transit hub",
         "start": "2023-03-06", "end": "2023-03-31", "area": TARGET_BEAT, "dosage": 46.0,
         "dosage_unit": "lights repaired"},
        {"response": RESPONSE_NAME, "owner": "Regional Transit Authority",
         "action": "Install CCTV cameras at the bus bays", "start": "2023-03-20",
         "end": "2023-04-14", "area": TARGET_BEAT, "dosage": 8.0, "dosage_unit": "cameras"},
    ]  # fmt: skip
    months = _months()[_post_months()]
    for m in months:
        start = pd.Timestamp(m)
        end = start + pd.offsets.MonthEnd(0)
        rows.append(
            {
                "response": RESPONSE_NAME,
                "owner": f"{DEPARTMENT} - East District",
                "action": "Directed foot patrol at the transit hub, 6 pm to 2 am",
                "start": start,
                "end": end,
                "area": TARGET_BEAT,
                "dosage": float(rng.integers(80, 121)),
                "dosage_unit": "officer hours",
            }
        )
        rows.append(
            {
                "response": RESPONSE_NAME,
                "owner": "Eastgate Merchants Association",
                "action": "Safety ambassadors at the transit hub, evening shifts",
                "start": start,
                "end": end,
                "area": TARGET_BEAT,
                "dosage": float(rng.integers(120, 181)),
                "dosage_unit": "ambassador hours",
            }
        )
        if start.month in (1, 4, 7, 10):
            rows.append(
                {
                    "response": RESPONSE_NAME,
                    "owner": "Eastgate Neighborhood Association",
                    "action": "Night-time lighting audit walk with residents",
                    "start": start + pd.Timedelta(days=14),
                    "end": start + pd.Timedelta(days=14),
                    "area": TARGET_BEAT,
                    "dosage": float(rng.integers(8, 25)),
                    "dosage_unit": "participants",
                }
            )
    rows.append({"response": RESPONSE_NAME, "owner": "Public Works Department",
                 "action": "Monthly streetlight inspection on Main St and 7th St",
                 "start": "2023-05-01", "end": None, "area": TARGET_BEAT, "dosage": None,
                 "dosage_unit": None})  # fmt: skip
    out = pd.DataFrame(rows)
    out["start"] = pd.to_datetime(out["start"]).astype("datetime64[s]")
    out["end"] = pd.to_datetime(out["end"]).astype("datetime64[s]")
    out = out.sort_values(["start", "owner"], kind="stable").reset_index(drop=True)
    out.insert(0, "action_id", [f"ACT-{i + 1:03d}" for i in range(len(out))])
    cols = ["action_id", "response", "action", "owner", "start", "end", "area", "dosage",
            "dosage_unit"]  # fmt: skip
    return out[cols]


# ---------------------------------------------------------------------------------------
# truth
# ---------------------------------------------------------------------------------------


def _monthly(seconds_or_dt: np.ndarray) -> np.ndarray:
    when = np.asarray(seconds_or_dt).astype("datetime64[s]")
    return _month_index(when.astype("datetime64[D]"))


def _concentration_truth(city: _City, rates: _Rates, inc: _IncidentRows) -> dict[str, Any]:
    n_beats = len(BEATS)
    per_beat_offense = rates.expected.sum(axis=0)  # (B, O)
    expected = np.einsum("bo,obk->bk", per_beat_offense, city.place).ravel()
    observed = np.bincount(inc.block, minlength=len(city.blocks)).astype(float)
    hot = city.hot
    beat_expected = expected.reshape(n_beats, -1).sum(axis=1)
    beat_observed = observed.reshape(n_beats, -1).sum(axis=1)
    order = np.argsort(-expected, kind="stable")
    return {
        "unit": "block (street segment), the `address` column",
        "n_blocks": int(len(city.blocks)),
        "blocks_per_beat": BLOCKS_PER_BEAT,
        "planted_hot_share_within_beat": HOT_SHARE,
        "hot_blocks": city.blocks["address"].to_numpy()[hot].tolist(),
        "n_hot_blocks": int(hot.sum()),
        "hot_blocks_fraction": _r(hot.mean()),
        "expected_hot_blocks_share": _r(expected[hot].sum() / expected.sum()),
        "observed_hot_blocks_share": _r(observed[hot].sum() / observed.sum()),
        "expected_top10pct_blocks_share": _r(_top_share(expected, 0.10)),
        "observed_top10pct_blocks_share": _r(_top_share(observed, 0.10)),
        "expected_top5pct_blocks_share": _r(_top_share(expected, 0.05)),
        "observed_top5pct_blocks_share": _r(_top_share(observed, 0.05)),
        "expected_gini_blocks": _r(_gini(expected)),
        "observed_gini_blocks": _r(_gini(observed)),
        "top10_blocks_expected": city.blocks["address"].to_numpy()[order[:10]].tolist(),
        "beat_shares_expected": {
            b: _r(v) for b, v in zip(BEATS, beat_expected / beat_expected.sum(), strict=True)
        },
        "beat_shares_observed": {
            b: _r(v) for b, v in zip(BEATS, beat_observed / beat_observed.sum(), strict=True)
        },
        "transit_hub_blocks": city.blocks["address"].to_numpy()[city.hub_blocks].tolist(),
        "transit_hub_share_of_target_offense_in_target_beat": HUB_SHARE,
        "drug_corner_blocks": city.blocks["address"].to_numpy()[city.drug_blocks].tolist(),
        "drug_corner_share_of_drug_offenses_in_drug_beat": DRUG_CORNER_SHARE,
        "offense_beat_shares": {
            o.name: {b: _r(v, 4) for b, v in zip(BEATS, row, strict=True)}
            for o, row in zip(OFFENSES, _beat_shares(), strict=True)
        },
    }


def _series(rates: np.ndarray, month: np.ndarray) -> np.ndarray:
    return np.bincount(month, weights=rates, minlength=N_MONTHS)


def _intervention_truth(rates: _Rates, inc: _IncidentRows) -> dict[str, Any]:
    o = _offense_index(TARGET_OFFENSE)
    post = _post_months()
    start_i = int(np.flatnonzero(post)[0])
    month_obs = _monthly(inc.seconds)
    is_off = inc.offense == o
    beat_obs = inc.block // BLOCKS_PER_BEAT

    def area(beats: list[str], ratio: float) -> dict[str, Any]:
        idx = [BEATS.index(b) for b in beats]
        exp = _series(rates.expected[:, idx, o].sum(axis=1), rates.month)
        cf = _series(rates.counterfactual[:, idx, o].sum(axis=1), rates.month)
        obs = np.bincount(month_obs[is_off & np.isin(beat_obs, idx)], minlength=N_MONTHS)
        return {
            "column": "beat",
            "values": beats,
            "rate_ratio": ratio,
            "baseline_monthly_mean": _r(cf[~post].mean(), 4),
            "expected_monthly": [_r(v, 4) for v in exp],
            "counterfactual_monthly": [_r(v, 4) for v in cf],
            "observed_monthly": obs.astype(int).tolist(),
            "observed_pre_monthly_mean": _r(obs[~post].mean(), 4),
            "observed_post_monthly_mean": _r(obs[post].mean(), 4),
        }

    target = area([TARGET_BEAT], RATE_RATIO)
    comparison = area([COMPARISON_BEAT], 1.0)
    displacement = area(DISPLACEMENT_BEATS, DISPLACEMENT_RATIO)
    ratio_t = _div(target["observed_post_monthly_mean"], target["observed_pre_monthly_mean"])
    ratio_c = _div(
        comparison["observed_post_monthly_mean"], comparison["observed_pre_monthly_mean"]
    )
    exp_t = np.array(target["expected_monthly"])
    cf_t = np.array(target["counterfactual_monthly"])
    group_idx = [k for k, off in enumerate(OFFENSES) if off.group == OFFENSES[o].group]
    b = BEATS.index(TARGET_BEAT)
    group_exp = _series(rates.expected[:, b, group_idx].sum(axis=1), rates.month)
    group_cf = _series(rates.counterfactual[:, b, group_idx].sum(axis=1), rates.month)
    return {
        "response": RESPONSE_NAME,
        "offense": TARGET_OFFENSE,
        "offense_column": "offense",
        "offense_group": OFFENSES[o].group,
        "area": {"column": "beat", "values": [TARGET_BEAT]},
        "start": RESPONSE_START,
        "start_month_index": start_i,
        "effect": "multiplicative level change (step) in the daily rate, sustained to the end",
        "rate_ratio": RATE_RATIO,
        "log_rate_ratio": _r(np.log(RATE_RATIO)),
        "trend_log_rate_per_month": OFFENSES[o].trend,
        "baseline_monthly_mean": target["baseline_monthly_mean"],
        "baseline_monthly_mean_2020_01_deseasonalised": _r(
            rates.base[o] * _beat_shares()[o, b] * 365.25 / 12, 4
        ),
        "expected_post_over_counterfactual": _r(exp_t[post].sum() / cf_t[post].sum()),
        "offense_group_rate_ratio_expected": _r(group_exp[post].sum() / group_cf[post].sum()),
        "target": target,
        "comparison": comparison,
        "displacement": displacement,
        "observed_post_pre_ratio_target": _r(ratio_t),
        "observed_post_pre_ratio_comparison": _r(ratio_c),
        "observed_difference_in_differences_ratio": _r(_div(ratio_t, ratio_c)),
        "months": [str(m) for m in _months()],
    }


def _seasonality_truth(inc: _IncidentRows) -> dict[str, Any]:
    when = inc.seconds.astype("datetime64[s]")
    day = when.astype("datetime64[D]").astype(np.int64)
    dow = np.bincount((day + 3) % 7, minlength=7).astype(float)
    n_days = np.bincount(
        (np.arange(START, END, dtype="datetime64[D]").astype(np.int64) + 3) % 7, minlength=7
    )
    per_day = dow / n_days
    moy = _monthly(inc.seconds) % 12
    month_days = np.bincount(_month_index(np.arange(START, END, dtype="datetime64[D]")) % 12)
    per_month = np.bincount(moy, minlength=12) / month_days
    return {
        "weekly_multipliers": {d: _r(v, 4) for d, v in zip(WEEKDAYS, WEEKLY, strict=True)},
        "weekly_observed": {
            d: _r(v, 4) for d, v in zip(WEEKDAYS, per_day / per_day.mean(), strict=True)
        },
        "yearly": "multiplier 1 + amplitude * cos(2 pi (month - peak_month) / 12)",
        "yearly_amplitude": YEARLY_AMPLITUDE,
        "peak_month": PEAK_MONTH,
        "monthly_multipliers": {
            str(m): _r(v, 4) for m, v in zip(range(1, 13), MONTHLY, strict=True)
        },
        "monthly_observed": {
            str(m): _r(v, 4)
            for m, v in zip(range(1, 13), per_month / per_month.mean(), strict=True)
        },
        "hourly_profiles": {o.name: o.hours for o in OFFENSES},
        "hour_profile_peaks": {
            k: {"peak_hour": v[0], "amplitude": v[1]} for k, v in _HOUR_PEAKS.items()
        },
        "trend_log_rate_per_month": {o.name: o.trend for o in OFFENSES},
    }


def _volumes(frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    return {k: int(len(v)) for k, v in frames.items()}


# ---------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------

DATETIME_COLUMNS = {
    "incidents": {"occurred_at": DATETIME_FORMAT},
    "calls": {
        c: DATETIME_FORMAT for c in ("received_at", "dispatched_at", "arrived_at", "cleared_at")
    },  # fmt: skip
    "arrests": {"arrested_at": DATETIME_FORMAT},
    "survey": {"period": DATE_FORMAT},
    "interviews": {"interviewed_on": DATE_FORMAT},
    "partner_metrics": {"period": DATE_FORMAT},
    "stakeholders": {},
    "actions": {"start": DATE_FORMAT, "end": DATE_FORMAT},
}
"""strptime format of every datetime column written, by kind."""

FILES = {
    "incidents": "incidents.csv.gz",
    "calls": "calls.csv.gz",
    "arrests": "arrests.csv.gz",
    "survey": "survey.csv",
    "interviews": "interviews.csv",
    "partner_metrics": "partner_metrics.csv",
    "stakeholders": "stakeholders.csv",
    "actions": "actions.csv",
}
"""File name of every kind in a generated department folder."""


def _datetime_text(values: np.ndarray, fmt: str) -> np.ndarray:
    """Format datetimes as ``DATETIME_FORMAT`` or ``DATE_FORMAT`` text (vectorised; NaT -> None)."""
    unit = {DATETIME_FORMAT: "s", DATE_FORMAT: "D"}[fmt]
    values = np.asarray(values).astype(f"datetime64[{unit}]")
    text = np.datetime_as_string(values, unit=unit).astype("S")
    if unit == "s":
        table = text.view(np.uint8).reshape(len(text), -1).copy()
        table[:, 10] = ord(" ")  # ISO 'T' -> ' '
        text = table.view(text.dtype).ravel()
    out = text.astype(str).astype(object)
    out[np.isnat(values)] = None
    return out


def _write(frame: pd.DataFrame, path: Path, formats: dict[str, str]) -> None:
    """Write CSV (gzip without timestamp or file name when ``path`` ends in ``.gz``).

    Rows are formatted and written in chunks so that large scales stay within memory.
    """

    def body(text: io.TextIOWrapper) -> None:
        chunk = 200_000
        for i, lo in enumerate(range(0, max(len(frame), 1), chunk)):
            part = frame.iloc[lo : lo + chunk].copy(deep=False)
            for col, fmt in formats.items():
                part[col] = _datetime_text(part[col].to_numpy(), fmt)
            part.to_csv(text, index=False, header=i == 0, lineterminator="\n")

    with open(path, "wb") as raw:
        if path.name.endswith(".gz"):
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as gz:
                with io.TextIOWrapper(gz, encoding="utf-8", newline="") as text:
                    body(text)
        else:
            with io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
                body(text)


def _yaml_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def _engagement_yaml() -> str:
    def mapping(kind: str) -> str:
        formats = DATETIME_COLUMNS[kind]
        if not formats:
            return " null"
        lines = "".join(f"\n        {c}: {json.dumps(f)}" for c, f in formats.items())
        return "\n      formats:" + lines

    sources = "\n".join(
        f"  {kind}:\n    kind: {kind}\n    path: {FILES[kind]}\n    mapping:{mapping(kind)}"
        for kind in FILES
    )
    return f"""\
# Sampleton: a synthetic department generated by cs360lib.datasets.sampleton.make_department.
# What was planted in these data is recorded in truth.json next to this file.
engagement:
  id: sampleton-pd
  name: {DEPARTMENT} CS360 engagement
  department: {DEPARTMENT}
  timezone: America/Chicago
  contact_role: Crime analysis unit

sources:
{sources}

analysis:
  period: month
  start: 2020-01-01
  end: 2024-12-31

problem:
  title: Street robbery around the {HUB_NAME}
  statement: >
    Street robberies of people on foot around the {HUB_NAME} (Main St and 7th St, beat
    {TARGET_BEAT}) are the most common public safety concern of the scanning interviews. They
    happen mostly in the evening, on a few dark blocks next to the bus bays.
  source: incidents
  filter: {{offense: [{TARGET_OFFENSE}]}}

areas:
  target: {{column: beat, values: {_yaml_list([TARGET_BEAT])}}}
  displacement: {{column: beat, values: {_yaml_list(DISPLACEMENT_BEATS)}}}
  comparison: {{column: beat, values: {_yaml_list([COMPARISON_BEAT])}}}

responses:
  - name: {RESPONSE_NAME}
    owner: Public Works Department with Eastgate Merchants Association
    start: {RESPONSE_START}
    end: null
    area: target
    description: >
      Streetlight repairs and LED upgrades, CCTV at the bus bays, evening safety ambassadors
      and directed foot patrol around the transit hub (see actions.csv).

metrics:
  - name: Street robberies in the target beat
    goal: prevent_crime
    type: outcome
    source: incidents
    filter: {{offense: [{TARGET_OFFENSE}]}}
    area: target
  - name: Robbery calls for service in the target beat
    goal: interrupt_crime
    type: outcome
    source: calls
    filter: {{call_type: [Robbery], area: [{TARGET_BEAT}]}}
  - name: Robbery arrests
    goal: solve_crime
    type: output
    source: arrests
    filter: {{charge_group: [Robbery]}}
  - name: Directed foot patrol hours at the transit hub
    goal: promising_practices
    type: output
    source: actions
    filter: {{dosage_unit: [officer hours]}}
  - name: Streetlight outage complaints in the target beat (311)
    goal: community_factors
    type: outcome
    source: partner_metrics
    filter: {{metric: [Streetlight outage complaints], area: [{TARGET_BEAT}]}}
  - name: Perceived safety in the East district
    goal: trust
    type: outcome
    source: survey
    filter: {{item: [safety], area: [East]}}
  - name: Trust in police in the East district
    goal: trust
    type: outcome
    source: survey
    filter: {{item: [trust], area: [East]}}

publishing:
  min_count: 5
  hide_names: true
  coordinate_decimals: 3
"""


# ---------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------


def _generators(seed: int) -> dict[str, np.random.Generator]:
    names = ["city", "incidents", "arrests", "calls", "survey", "partner_metrics",
             "interviews", "actions", "subsample"]  # fmt: skip
    children = np.random.SeedSequence(seed).spawn(len(names))
    return {n: np.random.default_rng(c) for n, c in zip(names, children, strict=True)}


def _check_scale(scale: float) -> float:
    scale = float(scale)
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    return scale


def make_department(out_dir: str | Path, *, seed: int = DEFAULT_SEED, scale: float = 1.0) -> Path:
    """Write a synthetic department with every kind of source and its engagement file.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into (created if needed). Existing files of the same names are
        overwritten; other files are left alone.
    seed : int, default 360
        Seed of the numpy random generator. The same seed and scale give byte-identical
        files.
    scale : float, default 1.0
        Multiplies the volumes of incidents (about ``20_000 * scale``), calls, arrests,
        EMS and 311 counts. Survey, interviews, stakeholders and actions do not scale.

    Returns
    -------
    Path
        Path of the written ``engagement.yml``.

    Notes
    -----
    Files written: ``incidents.csv.gz``, ``calls.csv.gz``, ``arrests.csv.gz``,
    ``survey.csv``, ``interviews.csv``, ``partner_metrics.csv``, ``stakeholders.csv``,
    ``actions.csv``, ``engagement.yml`` and ``truth.json`` (what was planted, with the
    expected and observed values the analyses should recover). See ``docs/samples.md``.
    """
    scale = _check_scale(scale)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames, truth = _generate(seed, scale)
    for kind, name in FILES.items():
        _write(frames[kind], out / name, DATETIME_COLUMNS[kind])
    (out / "truth.json").write_text(
        json.dumps(truth, indent=1, allow_nan=False) + "\n", encoding="utf-8"
    )
    path = out / "engagement.yml"
    path.write_text(_engagement_yaml(), encoding="utf-8")
    return path


def _generate(seed: int, scale: float) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    rng = _generators(seed)
    city = _build_city(rng["city"])
    rates = _rates(scale)
    inc = _simulate_incidents(rng["incidents"], city, rates)
    arrests, onview = _simulate_arrests(rng["arrests"], city, inc, rates, scale)
    calls = _simulate_calls(rng["calls"], city, inc, onview, rates, scale)
    survey = _simulate_survey(rng["survey"])
    partner = _simulate_partner_metrics(rng["partner_metrics"], scale)
    interviews, interview_truth = _simulate_interviews(rng["interviews"])
    actions = _actions(rng["actions"])
    frames = {
        "incidents": inc.frame,
        "calls": calls,
        "arrests": arrests,
        "survey": survey,
        "interviews": interviews,
        "partner_metrics": partner,
        "stakeholders": _stakeholders(),
        "actions": actions,
    }
    with np.errstate(divide="ignore", invalid="ignore"):  # tiny scales: empty series -> null
        truth = _truth(seed, scale, city, rates, inc, frames, interview_truth)
    return frames, truth


def _truth(
    seed: int,
    scale: float,
    city: _City,
    rates: _Rates,
    inc: _IncidentRows,
    frames: dict[str, pd.DataFrame],
    interview_truth: dict[str, Any],
) -> dict[str, Any]:
    post = _post_months()
    survey = frames["survey"]
    survey_obs = {}
    for item in SURVEY_ITEMS:
        for d in DISTRICTS:
            s = survey[(survey["item"] == item) & (survey["area"] == d)]["score"].to_numpy()
            settled = np.flatnonzero(post)[0] + SURVEY_RAMP_MONTHS - 1
            survey_obs[f"{item}/{d}"] = {
                "pre_mean": _r(s[~post].mean(), 3),
                "post_mean_after_ramp": _r(s[settled:].mean(), 3),
            }
    partner = frames["partner_metrics"]
    lights = partner[(partner["metric"] == "Streetlight outage complaints")
                     & (partner["area"] == TARGET_BEAT)]["value"].to_numpy()  # fmt: skip
    calls = frames["calls"]
    arrests = frames["arrests"]
    return {
        "generator": "cs360lib.datasets.sampleton.make_department",
        "seed": int(seed),
        "scale": scale,
        "department": DEPARTMENT,
        "period": {"start": "2020-01-01", "end": "2024-12-31"},
        "files": FILES,
        "datetime_formats": DATETIME_COLUMNS,
        "rows": _volumes(frames),
        "geography": {
            "bbox": BBOX,
            "districts": {d: [b for b in BEATS if b[0] == d[0]] for d in DISTRICTS},
            "layout": "districts are west-to-east strips; beats 1-4 run north to south",
            "adjacent_beats": {TARGET_BEAT: DISPLACEMENT_BEATS},
            "transit_hub": {
                "name": HUB_NAME,
                "corner": [HUB_AVENUE, HUB_STREET],
                "beat": TARGET_BEAT,
            },  # fmt: skip
            "drug_corner": {"corner": list(DRUG_CORNER), "beat": DRUG_BEAT},
            "addresses": "'N00 block of STREET'; coordinates jittered along the block",
            "missing_coordinates_share": {"incidents": 0.005, "calls_not_from_incidents": 0.01},
        },
        "offenses": [
            {
                "offense": o.name,
                "offense_group": o.group,
                "share": o.share,
                "call_type": o.call_type,
                "p_call": o.p_call,
                "p_arrest": o.p_arrest,
            }
            for o in OFFENSES
        ],  # fmt: skip
        "concentration": _concentration_truth(city, rates, inc),
        "seasonality": _seasonality_truth(inc),
        "count_process": {
            "model": "gamma-Poisson (negative binomial)",
            "level": "one gamma multiplier per month, beat and offense, shared by the days of "
            "the month; daily counts are Poisson given it",
            "theta": THETA,
            "variance": "monthly count variance = mu + mu^2 / theta",
        },
        "intervention": _intervention_truth(rates, inc),
        "survey": {
            "items": SURVEY_ITEMS,
            "scale": "0-100",
            "areas": [CITY, *DISTRICTS],
            "baseline": SURVEY_BASE,
            "effect_district": "East",
            "effect_points": SURVEY_EFFECT,
            "effect_start": RESPONSE_START,
            "ramp_months": SURVEY_RAMP_MONTHS,
            "respondents_mean": SURVEY_RESPONDENTS,
            "noise_sd": f"{SURVEY_RESPONSE_SD} / sqrt(respondents)",
            "observed": survey_obs,
        },
        "partner_metrics": {
            "ems_overdoses": {
                "partner": "County EMS",
                "metric": "Overdose calls",
                "area_level": "district",
                "monthly_mean_2020_01": EMS_MEAN,
                "trend_log_rate_per_month": EMS_TREND,
                "theta": THETA,
            },
            "streetlights": {
                "partner": "City 311",
                "metric": "Streetlight outage complaints",
                "area_level": "beat",
                "monthly_mean": STREETLIGHT_MEAN,
                "target_monthly_mean": STREETLIGHT_TARGET_MEAN,
                "target": TARGET_BEAT,
                "start": RESPONSE_START,
                "rate_ratio": STREETLIGHT_RATIO,
                "winter_amplitude": STREETLIGHT_AMPLITUDE,
                "peak_month": 12,
                "theta": THETA,
                "observed_target_pre_mean": _r(lights[~post].mean(), 3),
                "observed_target_post_mean": _r(lights[post].mean(), 3),
            },
        },  # fmt: skip
        "calls": {
            "from_incidents": "each incident makes a call with probability p_call (offenses)",
            "background_calls_expected": BACKGROUND_CALLS_PER_SCALE * scale,
            "background_types": {c[0]: c[1] for c in BACKGROUND_CALLS},
            "call_types": calls["call_type"].value_counts().sort_index().to_dict(),
        },
        "arrests": {
            "linked_to_incidents": int(arrests["incident_id"].notna().sum()),
            "not_linked": int(arrests["incident_id"].isna().sum()),
            "other_charges": {a[0]: a[2] for a in OTHER_ARRESTS},
        },
        "interviews": interview_truth,
        "stakeholders": {
            "rows": len(STAKEHOLDERS),
            "by_sector": _stakeholders()["sector"].value_counts().sort_index().to_dict(),
            "by_team": _stakeholders()["team"].value_counts().sort_index().to_dict(),
        },
        "actions": {
            "response": RESPONSE_NAME,
            "rows": int(len(frames["actions"])),
            "owners": sorted(frames["actions"]["owner"].unique().tolist()),
            "area": TARGET_BEAT,
        },
    }


def make_incidents(n_rows: int, *, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Make exactly ``n_rows`` synthetic incidents (canonical columns, typed).

    The rows are a random subset, in time order, of a department generated at a scale
    slightly above ``n_rows / 20_000``, so they carry the same planted structure.

    Parameters
    ----------
    n_rows : int
        Number of rows wanted (e.g. ``1_000_000`` for the loader benchmark).
    seed : int, default 360
        Seed of the generator.

    Returns
    -------
    pandas.DataFrame
        Columns ``incident_id``, ``occurred_at`` (``datetime64[s]``), ``offense``,
        ``offense_group``, ``district``, ``beat``, ``address``, ``lat``, ``lon``.
    """
    if n_rows < 0:
        raise ValueError(f"n_rows must be >= 0, got {n_rows}")
    scale = max(n_rows, 1) / INCIDENTS_PER_SCALE * 1.05 + 0.01
    rng = _generators(seed)
    city = _build_city(rng["city"])
    inc = _simulate_incidents(rng["incidents"], city, _rates(scale))
    frame = inc.frame
    while len(frame) < n_rows:  # pragma: no cover - 5% margin makes this practically unused
        scale *= 1.2
        frame = _simulate_incidents(rng["incidents"], city, _rates(scale)).frame
    keep = np.sort(rng["subsample"].choice(len(frame), size=n_rows, replace=False))
    return frame.iloc[keep].reset_index(drop=True)


def write_incidents(path: str | Path, n_rows: int, *, seed: int = DEFAULT_SEED) -> Path:
    """Write :func:`make_incidents` rows as CSV (gzip when the name ends with ``.gz``).

    Parameters
    ----------
    path : str or Path
        File to write.
    n_rows : int
        Number of rows.
    seed : int, default 360
        Seed of the generator.

    Returns
    -------
    Path
        The written file. Its datetimes use ``%Y-%m-%d %H:%M:%S``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(make_incidents(n_rows, seed=seed), path, DATETIME_COLUMNS["incidents"])
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m cs360lib.datasets.sampleton --out DIR [--scale N] [--seed S]``.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status (0).
    """
    parser = argparse.ArgumentParser(
        prog="cs360 sample", description="Write the synthetic sample department."
    )
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--scale", type=float, default=1.0, help="volume multiplier")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args(argv)
    path = make_department(args.out, seed=args.seed, scale=args.scale)
    print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
