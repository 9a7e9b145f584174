"""The geography of Sampleton: districts, beats, blocks, streets and where events happen.

A grid city of 12 north-south avenues and 20 east-west streets. Three districts are
west-to-east strips of four avenues, each with four beats numbered north to south
(``W1``..``W4``, ``C1``..``C4``, ``E1``..``E4``). Places are blocks (street segments, 40 per
beat) written as block-level addresses (``700 block of Main St``). :func:`build_city`
draws the block weights (hot blocks, the transit hub, the drug corner); :func:`locate`
places events along their block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cs360lib.datasets.sampleton.offenses import (
    DRUG_OFFENSES,
    OFFENSES,
    TARGET_OFFENSE,
    offense_index,
)

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
"""Area of the planted response (the transit hub's beat)."""
DISPLACEMENT_BEATS = ["E1", "E3"]
"""Beats next to the target where street robbery rises a little after the response."""
COMPARISON_BEAT = "W2"
"""Beat with street robbery but no response (the comparison series)."""
HUB_NAME = "Eastgate Transit Center"
HUB_AVENUE = "Main St"  # avenue index 9
HUB_STREET = "7th St"  # street index 6
DRUG_BEAT = "W3"
DRUG_CORNER = ("Cedar Ave", "14th St")

# general share of incidents by beat (order of BEATS)
BEAT_WEIGHTS = np.array([0.07, 0.10, 0.11, 0.07, 0.08, 0.09, 0.08, 0.06, 0.08, 0.11, 0.08, 0.07])
HOT_SHARE = 0.40  # share of a beat's incidents on its hot blocks (general weights)
HUB_SHARE = 0.75  # share of E2 street robbery on the three transit-hub blocks
DRUG_CORNER_SHARE = 0.60  # share of W3 drug offenses on the two drug-corner blocks


@dataclass
class City:
    """The blocks of the city and where each offense happens within its beat.

    Attributes
    ----------
    blocks : pandas.DataFrame
        One row per block, sorted by beat (``BLOCKS_PER_BEAT`` per beat, so a block's global
        index is ``beat * BLOCKS_PER_BEAT + local``): ``kind`` (avenue or street segment),
        ``avenue_i``, ``street_j``, ``street``, ``number``, ``beat``, ``lat``, ``lon`` (block
        centroid, degrees), ``district``, ``address``, ``beat_code``.
    general : numpy.ndarray
        Shape ``(n_beats, BLOCKS_PER_BEAT)``: within-beat block weights (sum 1 per beat) of
        events that are not offenses (background calls, other arrests).
    place : numpy.ndarray
        Shape ``(n_offenses, n_beats, BLOCKS_PER_BEAT)``: within-beat block weights of each
        offense (``general`` with the hub and drug corner concentrations).
    hot : numpy.ndarray
        Boolean per block: the planted hot blocks.
    hub_blocks, drug_blocks : numpy.ndarray
        Global block indexes of the transit hub and of the drug corner blocks.
    """

    blocks: pd.DataFrame
    general: np.ndarray
    place: np.ndarray
    hot: np.ndarray
    hub_blocks: np.ndarray
    drug_blocks: np.ndarray


def build_city(rng: np.random.Generator) -> City:
    """Lay out the blocks and draw the planted block weights.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``city`` child generator (draws lognormal block weights and 1-3 hot blocks per
        beat that hold ``HOT_SHARE`` of the beat's incidents).

    Returns
    -------
    City
        Blocks and weights; the transit hub blocks hold ``HUB_SHARE`` of street robbery in
        ``TARGET_BEAT``, the drug corner ``DRUG_CORNER_SHARE`` of drug offenses in
        ``DRUG_BEAT``.
    """
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

    concentrate(offense_index(TARGET_OFFENSE), TARGET_BEAT, hub_blocks, HUB_SHARE)
    for name in DRUG_OFFENSES:
        concentrate(offense_index(name), DRUG_BEAT, drug_blocks, DRUG_CORNER_SHARE)
    return City(blocks, general, place, hot.ravel(), hub_blocks, drug_blocks)


def beat_shares() -> np.ndarray:
    """Share of each offense by beat.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_offenses, n_beats)``, rows sum to 1: ``BEAT_WEIGHTS`` with the fixed
        beat shares of each offense (``Offense.beats``) and the rest rescaled.
    """
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


def locate(
    rng: np.random.Generator, city: City, block: np.ndarray, missing: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Jittered coordinates along each row's block, rounded to 5 decimals.

    Parameters
    ----------
    rng : numpy.random.Generator
        Generator of the source being simulated.
    city : City
        The city.
    block : numpy.ndarray
        Global block index of each row, shape ``(n,)``.
    missing : float, default 0.0
        Share of rows whose coordinates are left missing (NaN), as in real exports.

    Returns
    -------
    tuple of numpy.ndarray
        Latitude and longitude (degrees, shape ``(n,)``): uniform along the block within
        45% of a grid step of its centroid, and within about 13 m across it.
    """
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
