"""Location generalization: hundred blocks, intersections, grid cells, areas.

An exact address or coordinate points at a home. Published locations are generalized to the
engagement's ``publishing.location_precision`` (:class:`cs360lib.config.publishing.
LocationPrecision`):

- ``block``: a street address becomes its hundred block (``1234 Elm Street Apt 5`` ->
  ``1200 block of Elm St``), the form of most US police open-data portals (e.g. Chicago's
  and Philadelphia's incident data, the DC Metropolitan Police's "block" field);
  intersections (``Main St & 7th St``) and addresses already given as blocks (``100 block of
  Harbor Ave``, ``21XX N Clark St``) pass unchanged. Coordinates snap to the centre of a
  :data:`~cs360lib.config.publishing.BLOCK_GRID_METRES` grid cell.
- ``grid:N``: coordinates snap to the centre of an N-metre grid cell; street addresses are
  dropped (a block would be finer than the grid).
- ``beat`` / ``district``: addresses and coordinates are dropped and the area column is used;
  at ``district`` the beat column is dropped too.

Addresses are parsed with ``usaddress`` (DataMade; a conditional random field trained on US
addresses, shipped inside the package, nothing downloaded). Street types are abbreviated as in
USPS Publication 28, Appendix C1 (the common ones; others are kept as written).

The grid is a latitude-longitude grid whose cells are N metres on each side: rows are
``N / 111,320`` degrees of latitude high, and within a row the cells are
``N / (111,320 cos(latitude of the row centre))`` degrees of longitude wide (the
equirectangular approximation, Snyder 1987, *Map Projections: A Working Manual*, USGS
Professional Paper 1395, p. 90; its error is well under 1% over a cell). A point moves at
most half a cell diagonal (0.71 N).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from cs360lib.config.publishing import (
    BLOCK_GRID_METRES,
    METRES_PER_DEGREE,
    LocationPrecision,
)
from cs360lib.errors import PrivacyError

__all__ = [
    "generalize_address",
    "generalize_addresses",
    "generalize_locations",
    "snap_coordinates",
]

STREET_TYPES: dict[str, str] = {
    "ALLEY": "Aly",
    "AVENUE": "Ave",
    "AV": "Ave",
    "AVE": "Ave",
    "BOULEVARD": "Blvd",
    "BLVD": "Blvd",
    "CIRCLE": "Cir",
    "CIR": "Cir",
    "COURT": "Ct",
    "CT": "Ct",
    "DRIVE": "Dr",
    "DR": "Dr",
    "EXPRESSWAY": "Expy",
    "HIGHWAY": "Hwy",
    "HWY": "Hwy",
    "LANE": "Ln",
    "LN": "Ln",
    "PARKWAY": "Pkwy",
    "PKWY": "Pkwy",
    "PLACE": "Pl",
    "PL": "Pl",
    "PLAZA": "Plz",
    "ROAD": "Rd",
    "RD": "Rd",
    "SQUARE": "Sq",
    "SQ": "Sq",
    "STREET": "St",
    "ST": "St",
    "TERRACE": "Ter",
    "TER": "Ter",
    "TRAIL": "Trl",
    "TURNPIKE": "Tpke",
    "WAY": "Way",
}
"""Street type -> USPS Publication 28 (Appendix C1) standard abbreviation, common types."""

_BLOCK = re.compile(r"\bblock\b", re.IGNORECASE)
_MASKED_NUMBER = re.compile(r"^\s*[A-Z]?\d*(XX|xx|X{3,}|x{3,})\b")
_INTERSECTION = re.compile(r"\s(?:&|and|@)\s|\s*/\s*", re.IGNORECASE)
_LEADING_NUMBER = re.compile(r"^\s*#?\s*(\d+)[A-Za-z]?(?:\s*-\s*\d+[A-Za-z]?)?\s+(.+)$")
_UNIT = re.compile(
    r"[,\s]+(?:apt|apartment|unit|suite|ste|fl|floor|rm|room|#)\.?\s*[\w-]+.*$", re.IGNORECASE
)


def _abbreviate(word: str) -> str:
    clean = word.strip(".").upper()
    if clean not in STREET_TYPES:
        return word.strip(".")
    short = STREET_TYPES[clean]
    return short.upper() if word.isupper() and len(word) > 2 else short


def _block_of(number: str) -> int | None:
    digits = re.match(r"\d+", number)
    if not digits:
        return None
    return int(digits.group()) // 100 * 100


@lru_cache(maxsize=65536)
def generalize_address(address: str | None) -> str | None:
    """Generalize one address to its hundred block; intersections and blocks pass unchanged.

    Parameters
    ----------
    address : str or None
        A US street address (``1234 Elm Street Apt 5``, ``45 N. Main St, Boston MA``), an
        intersection (``Main St & 7th St``) or an already generalized block
        (``100 block of Harbor Ave``, ``21XX N CLARK ST``).

    Returns
    -------
    str or None
        ``"1200 block of Elm St"``: the house number rounded down to its hundred, the
        street with its directionals and abbreviated type; unit, city, state and ZIP
        dropped. Intersections and blocks are returned as given (whitespace collapsed).
        A street with no number (``Elm St``) is returned as given. None for a missing
        value, and for text that is not recognisable as an address but holds a number
        that could be a house number (it is dropped rather than published).

    Examples
    --------
    >>> generalize_address("1234 Elm Street Apt 5")
    '1200 block of Elm St'
    >>> generalize_address("Main St & 7th St")
    'Main St & 7th St'
    >>> generalize_address("100 block of Harbor Ave")
    '100 block of Harbor Ave'
    """
    if address is None or (isinstance(address, float) and math.isnan(address)):
        return None
    text = " ".join(str(address).split())
    if not text:
        return text
    if _BLOCK.search(text) or _MASKED_NUMBER.match(text):
        return text
    import usaddress  # heavy-ish (crfsuite model): only when an address is generalized

    try:
        parts, kind = usaddress.tag(text)
    except usaddress.RepeatedLabelError:
        parts, kind = {}, "Ambiguous"
    if kind == "Intersection" or (not re.match(r"^\s*\d", text) and _INTERSECTION.search(text)):
        if re.search(r"\d{3,}", re.sub(r"\b\d+(st|nd|rd|th)\b", "", text, flags=re.I)):
            # a house number inside an intersection: keep only the street names
            return _INTERSECTION.sub(" & ", re.sub(r"\b\d{2,}[A-Za-z]?\s+", "", text)).strip()
        return text
    number = parts.get("AddressNumber")
    if kind == "Street Address" and number and _block_of(number) is not None:
        street = [
            parts.get("StreetNamePreModifier"),
            parts.get("StreetNamePreDirectional", "").replace(".", "") or None,
            parts.get("StreetNamePreType"),
            parts.get("StreetName"),
            _abbreviate(parts["StreetNamePostType"]) if "StreetNamePostType" in parts else None,
            parts.get("StreetNamePostDirectional", "").replace(".", "") or None,
        ]
        name = " ".join(p for p in street if p)
        if name:
            return f"{_block_of(number)} block of {name}"
    match = _LEADING_NUMBER.match(_UNIT.sub("", text))
    if match:  # the parser failed but the text starts with a house number
        rest = match.group(2).split(",")[0].split()
        if rest:
            rest[-1] = _abbreviate(rest[-1])
            return f"{int(match.group(1)) // 100 * 100} block of {' '.join(rest)}"
    if re.search(r"\d", re.sub(r"\b\d+(st|nd|rd|th)\b", "", text, flags=re.I)):
        return None
    return text


def generalize_addresses(addresses: pd.Series) -> pd.Series:
    """Generalize a column of addresses (see :func:`generalize_address`).

    Parameters
    ----------
    addresses : pandas.Series
        Address text; missing values stay missing.

    Returns
    -------
    pandas.Series
        Same index and name, string dtype: hundred blocks, intersections, or missing where
        an address could not be recognised.
    """
    unique = pd.unique(addresses.dropna())
    mapping = {value: generalize_address(str(value)) for value in unique}
    return addresses.map(mapping).astype("string")


def snap_coordinates(
    lat: Sequence[float] | np.ndarray | pd.Series,
    lon: Sequence[float] | np.ndarray | pd.Series,
    metres: float = BLOCK_GRID_METRES,
) -> tuple[np.ndarray, np.ndarray]:
    """Move WGS84 points to the centre of their grid cell.

    Parameters
    ----------
    lat, lon : array-like of float, shape (n,)
        Latitude and longitude in degrees (WGS84); NaN stays NaN.
    metres : float, default 100
        Side of a grid cell in metres; at least :data:`BLOCK_GRID_METRES`.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Latitudes and longitudes of the cell centres, shape (n,). Every point of a cell
        gets the same pair, so the published points are at most ``0.71 * metres`` from the
        true ones and reveal only the cell.

    Raises
    ------
    PrivacyError
        If ``metres`` is finer than a block, or the arrays differ in length.
    """
    if not metres >= BLOCK_GRID_METRES:
        raise PrivacyError(
            f"a {metres} m grid is finer than a block; use at least {BLOCK_GRID_METRES} m"
        )
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    if lat.shape != lon.shape:
        raise PrivacyError(f"lat has {lat.shape} values and lon {lon.shape}")
    height = metres / METRES_PER_DEGREE
    row = np.floor(lat / height)
    centre_lat = (row + 0.5) * height
    width = metres / (METRES_PER_DEGREE * np.cos(np.radians(np.clip(centre_lat, -89.9, 89.9))))
    centre_lon = (np.floor(lon / width) + 0.5) * width
    return np.round(centre_lat, 7), np.round(centre_lon, 7)


def generalize_locations(
    frame: pd.DataFrame,
    precision: LocationPrecision | str,
    *,
    addresses: Iterable[str] = ("address",),
    coordinates: Iterable[tuple[str, str]] = (("lat", "lon"),),
    beats: Iterable[str] = ("beat",),
) -> pd.DataFrame:
    """Generalize every location column of a frame to the publishing precision.

    Parameters
    ----------
    frame : pandas.DataFrame
        Records or a table with location columns.
    precision : LocationPrecision or str
        ``engagement.publishing.location_precision`` (or its text: ``block``, ``beat``,
        ``district``, ``grid:N``).
    addresses : iterable of str, default ("address",)
        Street address columns.
    coordinates : iterable of (str, str), default (("lat", "lon"),)
        Latitude and longitude column pairs (WGS84 degrees).
    beats : iterable of str, default ("beat",)
        Area columns finer than a district (beats, posts, sectors), dropped at
        ``district`` precision. District columns are always kept.

    Returns
    -------
    pandas.DataFrame
        A copy: at ``block``, addresses as hundred blocks and coordinates on a 100 m grid;
        at ``grid:N``, coordinates on an N-metre grid and no address columns; at ``beat``,
        no address or coordinate columns; at ``district``, no beat columns either. Listed
        columns that the frame does not have are ignored.

    Raises
    ------
    PrivacyError
        If ``precision`` is not a valid precision (the message lists the valid ones).
    """
    try:
        level = LocationPrecision.parse(precision)
    except ValueError as error:
        raise PrivacyError(f"location precision: {error}") from None
    out = frame.copy()
    pairs = [(a, b) for a, b in coordinates if a in out.columns and b in out.columns]
    addresses = [c for c in addresses if c in out.columns]
    beats = [c for c in beats if c in out.columns]
    drop: list[str] = []
    if level.keeps_addresses:
        for column in addresses:
            out[column] = generalize_addresses(out[column])
    else:
        drop += addresses
    if level.grid is not None:
        for lat, lon in pairs:
            out[lat], out[lon] = snap_coordinates(out[lat], out[lon], level.grid)
    else:
        drop += [c for pair in pairs for c in pair]
    if not level.keeps_beats:
        drop += beats
    return out.drop(columns=drop)
