"""Police events of Sampleton: expected rates, incidents, arrests and calls for service.

:func:`daily_rates` turns the offense catalogue (:mod:`.offenses`), the calendar and the
planted response (:mod:`.params`) and the beat shares (:mod:`.city`) into expected daily
counts; :func:`simulate_incidents` draws a gamma-Poisson (negative binomial) count process
from them and places every incident on a block; :func:`simulate_arrests` and
:func:`simulate_calls` derive arrests and calls from the incidents and add the arrests and
calls that have no incident report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cs360lib.datasets.sampleton.city import (
    BEAT_WEIGHTS,
    BEATS,
    BLOCKS_PER_BEAT,
    DISPLACEMENT_BEATS,
    DISTRICTS,
    TARGET_BEAT,
    City,
    beat_shares,
    locate,
)
from cs360lib.datasets.sampleton.offenses import (
    DRUG_OFFENSES,
    GROUP_CODES,
    GROUPS,
    OFFENSES,
    TARGET_OFFENSE,
    hour_profile,
    offense_index,
)
from cs360lib.datasets.sampleton.params import (
    DISPLACEMENT_RATIO,
    END,
    INCIDENTS_PER_SCALE,
    MONTHLY,
    N_MONTHS,
    RATE_RATIO,
    RESPONSE_START,
    THETA,
    TIMEZONE,
    WEEKLY,
    days,
    month_index,
    weekday,
)

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
"""Calls that are not crimes: (call type, share, priority, on-view share)."""
BACKGROUND_CALLS_PER_SCALE = 12_000
"""Expected number of calls that are not crimes (five years) at ``scale=1``."""
OTHER_ARRESTS = [  # charge, charge_group, share
    ("Warrant service", "Warrant", 0.45),
    ("Disorderly conduct", "Public order", 0.20),
    ("Trespassing", "Public order", 0.12),
    ("Driving under the influence", "DUI", 0.15),
    ("Weapons violation", "Weapons", 0.08),
]
"""Arrests without an incident report: (charge, charge group, share)."""
OTHER_ARRESTS_PER_SCALE = 1_500
"""Expected number of arrests without an incident report (five years) at ``scale=1``."""
RACES = ["Black", "White", "Hispanic", "Asian", "Other/Unknown"]
RACE_BY_DISTRICT = np.array(
    [[0.55, 0.20, 0.18, 0.03, 0.04], [0.30, 0.45, 0.15, 0.06, 0.04], [0.45, 0.25, 0.22, 0.04, 0.04]]
)
"""Race of arrestees by district (rows in the order of ``DISTRICTS``, columns ``RACES``)."""

_END_SECONDS = END.astype("datetime64[s]").astype(np.int64)


def _in_gap(seconds: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Flag the local wall times that fall in a spring-forward gap of :data:`TIMEZONE`."""
    local = pd.DatetimeIndex(np.where(valid, seconds, 0).astype("datetime64[s]"))
    strict = local.tz_localize(TIMEZONE, ambiguous=np.ones(len(local), bool), nonexistent="NaT")
    return np.asarray(strict.isna()) & valid


def skip_gaps(
    *seconds: np.ndarray, valid: tuple[np.ndarray, ...] | None = None
) -> tuple[np.ndarray, ...]:
    """Move every event with a local time in a spring-forward gap one hour later.

    Local times between 02:00 and 03:00 on the day clocks spring forward do not exist
    (America/Chicago, second Sunday of March). An event with any such time has all its times
    moved one hour later (repeatedly, if that lands another of its times in a gap), so the
    intervals between them (dispatch, arrival) are kept. The draws of the random streams are
    not touched.

    Parameters
    ----------
    *seconds : numpy.ndarray of int
        Local wall times of each event in seconds since 1970 (one array per time column,
        aligned).
    valid : tuple of numpy.ndarray of bool, optional
        For each array, where its time exists (a call without a dispatch has none).

    Returns
    -------
    tuple of numpy.ndarray of int
        The moved times, in the order given.
    """
    arrays = [np.asarray(s, dtype=np.int64).copy() for s in seconds]
    masks = valid or tuple(np.ones(len(a), dtype=bool) for a in arrays)
    for _ in range(4):
        bad = np.zeros(len(arrays[0]), dtype=bool)
        for array, mask in zip(arrays, masks, strict=True):
            bad |= _in_gap(array, mask)
        if not bad.any():
            break
        for array in arrays:
            array[bad] += 3600
    return tuple(arrays)


def _segment_choice(rng: np.random.Generator, probs: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Draw one category per row from the probability row ``probs[seg]`` (vectorised)."""
    n_seg, k = probs.shape
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    flat = (cum + np.arange(n_seg)[:, None]).ravel()
    u = rng.random(len(seg))
    idx = np.searchsorted(flat, seg + u, side="right") - seg * k
    return np.clip(idx, 0, k - 1)


def _ids(prefix: str, when: np.ndarray, width: int, two_digit_year: bool = False) -> np.ndarray:
    """Per-year sequential ids ``PREFIXYYYY-000123`` for rows sorted by ``when``.

    ``width`` is the least number of digits of the sequence; a year with more records than
    it holds (a large department, ``cs360 sample --scale``) gets every id one digit wider,
    as a records system's numbers grow, so ids stay unique and of one width. Built as
    fixed-width ASCII bytes (no per-row Python), returned as an object array of str.
    """
    years = when.astype("datetime64[Y]").astype(np.int64) + 1970
    n = len(years)
    if n == 0:
        return np.array([], dtype=object)
    first = np.r_[0, np.flatnonzero(np.diff(years)) + 1]
    starts = np.repeat(first, np.diff(np.r_[first, n]))
    seq = np.arange(n) - starts + 1
    width = max(width, len(str(int(seq.max()))))
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


# ---------------------------------------------------------------------------------------
# incidents
# ---------------------------------------------------------------------------------------


@dataclass
class Rates:
    """Expected daily counts of every offense in every beat.

    Attributes
    ----------
    days : numpy.ndarray
        ``datetime64[D]`` days of the period, shape ``(D,)``.
    month : numpy.ndarray
        Month index 0..59 of each day, shape ``(D,)``.
    expected : numpy.ndarray
        Shape ``(D, B, O)`` (days, beats, offenses): expected daily counts including the
        planted response and displacement.
    counterfactual : numpy.ndarray
        Shape ``(D, B, O)``: the same without the response.
    base : numpy.ndarray
        Shape ``(O,)``: deseasonalised city-wide daily rate of each offense in January 2020.
    """

    days: np.ndarray
    month: np.ndarray
    expected: np.ndarray
    counterfactual: np.ndarray
    base: np.ndarray


def daily_rates(scale: float) -> Rates:
    """Compute expected daily counts: share x week x year x trend x beat share x response.

    Parameters
    ----------
    scale : float
        Volume multiplier (about ``INCIDENTS_PER_SCALE * scale`` incidents in five years).

    Returns
    -------
    Rates
        Expected and counterfactual daily counts. From ``RESPONSE_START`` the rate of
        ``TARGET_OFFENSE`` is multiplied by ``RATE_RATIO`` in ``TARGET_BEAT`` and by
        ``DISPLACEMENT_RATIO`` in ``DISPLACEMENT_BEATS`` (a sustained level change).
    """
    day = days()
    month = month_index(day)
    dow = weekday(day)
    moy = month % 12
    trend = np.array([o.trend for o in OFFENSES])
    shape = WEEKLY[dow][:, None] * MONTHLY[moy][:, None] * np.exp(month[:, None] * trend[None, :])
    shares = np.array([o.share for o in OFFENSES])
    base = INCIDENTS_PER_SCALE * scale * shares / shape.sum(axis=0)  # (O,)
    beat = beat_shares()  # (O, B)
    counterfactual = shape[:, None, :] * (beat.T[None, :, :] * base[None, None, :])
    effect = np.ones_like(counterfactual)
    post = day >= np.datetime64(RESPONSE_START)
    o = offense_index(TARGET_OFFENSE)
    effect[post, BEATS.index(TARGET_BEAT), o] = RATE_RATIO
    for b in DISPLACEMENT_BEATS:
        effect[post, BEATS.index(b), o] = DISPLACEMENT_RATIO
    return Rates(day, month, counterfactual * effect, counterfactual, base)


@dataclass
class IncidentRows:
    """Simulated incidents: the written frame and the simulation's own view of each row.

    Attributes
    ----------
    frame : pandas.DataFrame
        Canonical incident columns, in time order.
    offense : numpy.ndarray
        Index into ``OFFENSES`` of each row.
    block : numpy.ndarray
        Global block index of each row (see :class:`~.city.City`).
    seconds : numpy.ndarray
        ``occurred_at`` as int64 seconds since the epoch.
    """

    frame: pd.DataFrame
    offense: np.ndarray
    block: np.ndarray
    seconds: np.ndarray


def simulate_incidents(rng: np.random.Generator, city: City, rates: Rates) -> IncidentRows:
    """Draw incidents: gamma-Poisson daily counts, hour of day, block and coordinates.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``incidents`` child generator.
    city : City
        The city (block weights of each offense).
    rates : Rates
        Expected daily counts.

    Returns
    -------
    IncidentRows
        Every incident; ids ``YYYY-000123`` are sequential within a year. Daily counts are
        Poisson given one gamma multiplier (shape and rate ``THETA``) per month, beat and
        offense, so monthly counts are negative binomial with variance ``mu + mu^2 / THETA``
        (the gamma-Poisson mixture; Cameron and Trivedi, *Regression Analysis of Count
        Data*, 2nd ed., 2013, chapter 4). About 0.5% of incidents have no coordinates.
    """
    n_days, n_beats, n_off = rates.expected.shape
    gamma = rng.gamma(THETA, 1.0 / THETA, size=(N_MONTHS, n_beats, n_off))
    counts = rng.poisson(rates.expected * gamma[rates.month])
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    day = cell // (n_beats * n_off)
    beat = (cell // n_off) % n_beats
    off = cell % n_off
    hours = np.stack([hour_profile(o.hours) for o in OFFENSES])
    hour = _segment_choice(rng, hours, off)
    minute = rng.integers(0, 60, size=len(cell))
    seconds = rates.days[day].astype("datetime64[s]").astype(np.int64) + hour * 3600 + minute * 60
    (seconds,) = skip_gaps(seconds)
    local = _segment_choice(
        rng, city.place.reshape(n_off * n_beats, BLOCKS_PER_BEAT), off * n_beats + beat
    )
    block = beat * BLOCKS_PER_BEAT + local
    lat, lon = locate(rng, city, block, missing=0.005)

    order = np.argsort(seconds, kind="stable")
    seconds, off, block, lat, lon = seconds[order], off[order], block[order], lat[order], lon[order]
    when = seconds.astype("datetime64[s]")
    b = city.blocks
    frame = pd.DataFrame(
        {
            "incident_id": _ids("", when, 6),
            "occurred_at": when,
            "offense": pd.Categorical.from_codes(off, [o.name for o in OFFENSES]),
            "offense_group": pd.Categorical.from_codes(GROUP_CODES[off], GROUPS),
            "district": pd.Categorical.from_codes(block // (4 * BLOCKS_PER_BEAT), DISTRICTS),
            "beat": pd.Categorical.from_codes(block // BLOCKS_PER_BEAT, BEATS),
            "address": pd.Categorical.from_codes(block, b["address"].tolist()),
            "lat": lat,
            "lon": lon,
        }
    )
    return IncidentRows(frame, off, block, seconds)


# ---------------------------------------------------------------------------------------
# arrests and calls
# ---------------------------------------------------------------------------------------


def _background_cells(
    rng: np.random.Generator, rates: Rates, total: float
) -> tuple[np.ndarray, np.ndarray]:
    """Day and beat of events without an incident (``total`` expected, weekly and yearly)."""
    day_w = WEEKLY[weekday(rates.days)] * MONTHLY[rates.month % 12]
    lam = total * day_w / day_w.sum()
    per_day = rng.poisson(lam[:, None] * BEAT_WEIGHTS[None, :])
    cell = np.repeat(np.arange(per_day.size), per_day.ravel())
    return cell // len(BEATS), cell % len(BEATS)


def _background_seconds(
    rng: np.random.Generator, rates: Rates, day: np.ndarray, profile: str
) -> np.ndarray:
    """Seconds since the epoch on each ``day``, with an hour drawn from an hour profile."""
    hour = _segment_choice(rng, hour_profile(profile)[None, :], np.zeros(len(day), np.int64))
    return (
        rates.days[day].astype("datetime64[s]").astype(np.int64)
        + hour * 3600
        + rng.integers(0, 3600, size=len(day))
    )


def _background_place(
    rng: np.random.Generator, city: City, beat: np.ndarray, missing: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Block (general weights within the beat) and coordinates of events without an incident."""
    local = _segment_choice(rng, city.general, beat)
    block = beat * BLOCKS_PER_BEAT + local
    lat, lon = locate(rng, city, block, missing=missing)
    return block, lat, lon


def simulate_arrests(
    rng: np.random.Generator, city: City, inc: IncidentRows, rates: Rates, scale: float
) -> tuple[pd.DataFrame, np.ndarray]:
    """Arrests: some linked to incidents (by offense), plus warrant and public-order arrests.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``arrests`` child generator.
    city : City
        The city.
    inc : IncidentRows
        The simulated incidents.
    rates : Rates
        Expected daily counts (their calendar shapes the arrests without an incident).
    scale : float
        Volume multiplier (``OTHER_ARRESTS_PER_SCALE * scale`` arrests without an incident).

    Returns
    -------
    tuple of (pandas.DataFrame, numpy.ndarray)
        The arrests in time order (ids ``AYY-000123``; age, sex and race of the arrestee),
        and a boolean per incident: arrested on view (within the hour).
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
        GROUP_CODES[inc.offense], [GROUPS.index("Robbery"), GROUPS.index("Assault")]
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
    day, beat = _background_cells(rng, rates, OTHER_ARRESTS_PER_SCALE * scale)
    charge = rng.choice(len(OTHER_ARRESTS), size=len(day), p=[a[2] for a in OTHER_ARRESTS])
    secs = _background_seconds(rng, rates, day, "night")
    block, lat, lon = _background_place(rng, city, beat)
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
    (both["seconds"],) = skip_gaps(both["seconds"].to_numpy())
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
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Received seconds, and dispatch, arrival and clearance datetimes (NaT where none).

    Times are consistently ordered; a call with a time in a spring-forward gap has all its
    times moved one hour later (:func:`skip_gaps`), so ``received`` may change.
    """
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
    received, dispatch, arrive, clear = skip_gaps(
        received, dispatch, arrive, clear,
        valid=(np.ones(n, dtype=bool), ~no_dispatch, ~no_arrival, np.ones(n, dtype=bool)),
    )  # fmt: skip
    nat = np.datetime64("NaT", "s")
    d = np.where(no_dispatch, nat, dispatch.astype("datetime64[s]"))
    a = np.where(no_arrival, nat, arrive.astype("datetime64[s]"))
    c = clear.astype("datetime64[s]")
    return received, d, a, c


def simulate_calls(
    rng: np.random.Generator,
    city: City,
    inc: IncidentRows,
    onview_arrest: np.ndarray,
    rates: Rates,
    scale: float,
) -> pd.DataFrame:
    """Draw calls for service: from incidents (after a report delay) and other calls.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``calls`` child generator.
    city : City
        The city.
    inc : IncidentRows
        The simulated incidents; each makes a call with its offense's ``p_call``.
    onview_arrest : numpy.ndarray
        Boolean per incident from :func:`simulate_arrests` (disposition "Arrest made").
    rates : Rates
        Expected daily counts (their calendar shapes the calls that are not crimes).
    scale : float
        Volume multiplier (``BACKGROUND_CALLS_PER_SCALE * scale`` calls that are not crimes).

    Returns
    -------
    pandas.DataFrame
        Calls in time order (ids ``CYY-0001234``) with ordered times
        ``received_at <= dispatched_at <= arrived_at <= cleared_at``; calls handled by phone
        have no dispatch or arrival, cancelled calls no arrival; about 1% of the calls that
        do not come from incidents have no coordinates.
    """
    n = len(inc.offense)
    p_call = np.array([o.p_call for o in OFFENSES])[inc.offense]
    has_call = rng.random(n) < p_call
    rows = np.flatnonzero(has_call)
    off = inc.offense[rows]
    delay_mean = np.array([o.report_delay_min for o in OFFENSES])[off] * 60
    drug = np.isin(off, [offense_index(d) for d in DRUG_OFFENSES])
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
    day, beat = _background_cells(rng, rates, BACKGROUND_CALLS_PER_SCALE * scale)
    m = len(day)
    kind = rng.choice(len(BACKGROUND_CALLS), size=m, p=[c[1] for c in BACKGROUND_CALLS])
    received_b = _background_seconds(rng, rates, day, "calls")
    onview_b = rng.random(m) < np.array([c[3] for c in BACKGROUND_CALLS])[kind]
    source_b = np.where(onview_b, 2, np.where(rng.random(m) < 0.6, 0, 1))
    type_b = np.array([type_names.index(c[0]) for c in BACKGROUND_CALLS])[kind]
    prio_b = np.array([int(c[2]) for c in BACKGROUND_CALLS])[kind]
    disp_b = rng.choice(7, size=m, p=[0.10, 0.04, 0.36, 0.20, 0.15, 0.10, 0.05])
    disp_b = np.where(onview_b & (disp_b >= 5), 2, disp_b)  # on-view calls are never by phone
    block_b, lat_b, lon_b = _background_place(rng, city, beat, missing=0.01)

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
    received, dispatched, arrived, cleared = _call_times(
        rng, received, prio, onview, np.asarray(disp_text)
    )
    moved = np.argsort(received, kind="stable")  # calls moved out of a gap keep time order
    received, dispatched, arrived, cleared = (
        received[moved],
        dispatched[moved],
        arrived[moved],
        cleared[moved],
    )
    order, prio, block, disp_text = order[moved], prio[moved], block[moved], disp_text[moved]
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
