"""Publishing rules: what the stakeholder (public) reports may show.

The ``publishing:`` section of an engagement file (see ``docs/engagement.md`` and
``docs/privacy.md``). The rules are data; :mod:`cs360lib.publish.privacy` applies them and
takes them as arguments, so the publish layer never reads the engagement file itself.

Safe defaults: small counts below 5 hidden, locations no finer than the hundred block,
interview quotes only after the scrubber, every notebook publishing a stakeholder report.
Unsafe values (a negative threshold, a threshold of 2, a location finer than a block) and
unknown keys are refused with a message that names the key and says what to write.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_serializer,
    field_validator,
    model_validator,
)

from cs360lib.config.keys import unknown_key_message

__all__ = [
    "BLOCK_GRID_METRES",
    "DEFAULT_MIN_COUNT",
    "LocationPrecision",
    "Publishing",
]

DEFAULT_MIN_COUNT = 5
"""Default smallest count published: counts 1 to 4 are hidden.

The "rule of five" is the most common threshold for published counts of people or events
(e.g. Hundepool et al. 2012, *Statistical Disclosure Control*, Wiley, section 5.2; the
threshold of many police open-data portals and of CDC WONDER's small-number rule is 10).
"""

BLOCK_GRID_METRES = 100
"""Side of the grid cell (metres) that coordinates snap to at ``block`` precision.

It is also the finest grid allowed. A US hundred block is a street segment of roughly
80 to 200 metres; a 100 m cell places a point at most about 71 m (half the diagonal) from
its true position, which is no more precise than naming its hundred block.
"""

METRES_PER_DEGREE = 111_320
"""Length of one degree of latitude (and of longitude at the equator), metres (WGS84, rounded)."""

_LEVELS = ("block", "beat", "district")
_GRID = re.compile(r"^grid\s*:\s*(\d+(?:\.\d+)?)\s*(m|metres|meters)?$")
_TOO_FINE = {"exact", "address", "point", "house", "none", "raw", "full", "precise", "parcel"}


@dataclass(frozen=True)
class LocationPrecision:
    """How precisely a published location may be given.

    Parameters
    ----------
    level : {"block", "grid", "beat", "district"}
        ``block``: addresses as their hundred block (or an intersection), coordinates on a
        :data:`BLOCK_GRID_METRES` grid. ``grid``: coordinates on a grid of ``grid_metres``,
        no street addresses. ``beat`` / ``district``: no addresses or coordinates, only the
        area column (and, at ``district``, no beat either).
    grid_metres : int or None
        Side of a grid cell in metres (``grid`` only; at least :data:`BLOCK_GRID_METRES`).
    """

    level: Literal["block", "grid", "beat", "district"]
    grid_metres: int | None = None

    def __post_init__(self) -> None:
        if self.level not in (*_LEVELS, "grid"):
            raise ValueError(f"unknown location level {self.level!r}")
        if self.level == "grid":
            if self.grid_metres is None or self.grid_metres < BLOCK_GRID_METRES:
                raise ValueError(
                    f"grid:{self.grid_metres} is finer than a block; the smallest grid is "
                    f"grid:{BLOCK_GRID_METRES} (metres)"
                )
        elif self.grid_metres is not None:
            raise ValueError(f"{self.level!r} takes no grid size")

    @classmethod
    def parse(cls, value: str | LocationPrecision) -> LocationPrecision:
        """Read ``block``, ``beat``, ``district`` or ``grid:N`` (N metres, N >= 100).

        Parameters
        ----------
        value : str or LocationPrecision
            The text of ``publishing.location_precision``; case and spaces are ignored,
            ``grid:250m`` and ``grid: 250`` are accepted.

        Returns
        -------
        LocationPrecision

        Raises
        ------
        ValueError
            If the value is finer than a block (an exact address, a grid under 100 m) or not
            one of the forms above; the message lists the accepted forms.
        """
        if isinstance(value, LocationPrecision):
            return value
        if not isinstance(value, str):
            raise ValueError(
                f"expected text such as 'block' or 'grid:250', got {value!r}; {_FORMS}"
            )
        text = value.strip().lower()
        if text in _LEVELS:
            return cls(text)  # type: ignore[arg-type]
        match = _GRID.match(text)
        if match:
            metres = float(match.group(1))
            if metres < BLOCK_GRID_METRES:
                raise ValueError(
                    f"{value!r} is finer than a block: published coordinates may not be more "
                    f"precise than a {BLOCK_GRID_METRES} m grid; write 'block' or "
                    f"'grid:{BLOCK_GRID_METRES}' or coarser"
                )
            return cls("grid", int(math.ceil(metres)))
        if text in _TOO_FINE:
            raise ValueError(
                f"{value!r} is finer than a block: exact locations are never published; "
                f"write 'block' (the hundred block), 'beat', 'district' or 'grid:N' (N >= "
                f"{BLOCK_GRID_METRES} metres)"
            )
        raise ValueError(f"unknown location precision {value!r}; {_FORMS}")

    @property
    def grid(self) -> int | None:
        """Grid side in metres that coordinates snap to, or None when they are dropped."""
        if self.level == "block":
            return BLOCK_GRID_METRES
        return self.grid_metres if self.level == "grid" else None

    @property
    def keeps_addresses(self) -> bool:
        """Whether street addresses are published (as hundred blocks): ``block`` only."""
        return self.level == "block"

    @property
    def keeps_beats(self) -> bool:
        """Whether the beat column is published: everything but ``district``."""
        return self.level != "district"

    def __str__(self) -> str:
        return f"grid:{self.grid_metres}" if self.level == "grid" else self.level


_FORMS = (
    "write 'block' (hundred-block addresses), 'beat', 'district' or 'grid:N' for a grid of "
    f"N metres (N >= {BLOCK_GRID_METRES})"
)


class Publishing(BaseModel):
    """Rules that protect people in everything the stakeholder reports publish.

    Attributes
    ----------
    min_count : int, default 5
        Counts from 1 to ``min_count - 1`` are hidden (shown as ``"<5"``) and enough other
        cells are hidden that they cannot be worked out from totals; 0 is always shown.
        ``0`` and ``1`` hide nothing. Negative values and ``2`` (whose marker ``"<2"``
        would reveal the count) are refused.
    location_precision : LocationPrecision, default "block"
        ``block``, ``beat``, ``district`` or ``grid:N`` (metres); see :class:`LocationPrecision`.
    quotes : bool, default True
        Whether interview quotes appear in stakeholder reports. They always pass the
        scrubber first (names, phones, emails, addresses and case numbers removed).
    stakeholder_reports : "all", "none" or list of str, default "all"
        Notebooks that publish a stakeholder report, named as for ``cs360 run --only``: the
        file stem (``00_data_intake``), its number (``00``) or the stem without its number
        (``data_intake``). The analyst report is always made.
    pdf : bool, default False
        Also write a PDF of each stakeholder report (``cs360 run --pdf`` does the same for
        one run), printed by headless Chromium.

    Notes
    -----
    Two older keys still load. ``hide_names: true`` is what always happens now (names never
    reach a stakeholder report), so it is ignored with a ``FutureWarning``; ``false`` is
    refused. ``coordinate_decimals: d`` becomes ``location_precision: grid:M`` with M the
    length of ``10**-d`` degrees (``3`` -> ``grid:111``), with a ``FutureWarning``; 4 or
    more decimals are finer than a block and refused.
    """

    model_config = ConfigDict(extra="forbid")

    min_count: int = Field(default=DEFAULT_MIN_COUNT)
    location_precision: LocationPrecision = Field(default=LocationPrecision("block"))
    quotes: bool = True
    stakeholder_reports: Literal["all", "none"] | list[str] = "all"
    pdf: bool = False

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if data is None:
            return {}
        if not isinstance(data, dict):
            return data
        known = list(cls.model_fields)
        legacy = {"hide_names", "coordinate_decimals"}
        for key in data:
            if key not in known and key not in legacy:
                raise ValueError(unknown_key_message(key, known))
        data = dict(data)
        if "hide_names" in data:
            value = data.pop("hide_names")
            if value is not True:
                raise ValueError(
                    "hide_names: false is no longer possible: names are never published in "
                    "stakeholder reports (the internal analyst report keeps them); remove the key"
                )
            warnings.warn(
                "publishing.hide_names is deprecated and has no effect: names are never "
                "published in stakeholder reports; remove the key",
                FutureWarning,
                stacklevel=2,
            )
        if "coordinate_decimals" in data:
            decimals = data.pop("coordinate_decimals")
            if "location_precision" in data:
                raise ValueError(
                    "give location_precision or the older coordinate_decimals, not both; "
                    "remove coordinate_decimals"
                )
            if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
                raise ValueError(
                    f"coordinate_decimals must be a whole number >= 0, got {decimals!r}; "
                    f"better, write location_precision ({_FORMS})"
                )
            metres = round(METRES_PER_DEGREE / 10**decimals)
            if metres < BLOCK_GRID_METRES:
                raise ValueError(
                    f"coordinate_decimals: {decimals} (about {metres} m) is finer than a "
                    f"block; write location_precision: block (or grid:N with N >= "
                    f"{BLOCK_GRID_METRES})"
                )
            warnings.warn(
                f"publishing.coordinate_decimals is deprecated; write location_precision: "
                f"grid:{metres} (the same precision, {decimals} decimals) or block",
                FutureWarning,
                stacklevel=2,
            )
            data["location_precision"] = f"grid:{metres}"
        return data

    @field_validator("min_count", mode="before")
    @classmethod
    def _threshold(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"min_count must be a whole number such as 5, got {value!r}")
        if value < 0:
            raise ValueError(
                f"min_count {value} is negative; write 0 to publish every count or a "
                f"threshold such as {DEFAULT_MIN_COUNT}"
            )
        if value == 2:
            raise ValueError(
                "min_count 2 would show a count of 1 as '<2', which gives it away; write 3 "
                f"or more (the usual threshold is {DEFAULT_MIN_COUNT}), or 0 to hide nothing"
            )
        return value

    @field_validator("location_precision", mode="before")
    @classmethod
    def _precision(cls, value: Any) -> LocationPrecision:
        return LocationPrecision.parse(value)

    @field_validator("stakeholder_reports", mode="before")
    @classmethod
    def _notebooks(cls, value: Any) -> Any:
        if value is None or value is False:
            return "none"
        if value is True:
            return "all"
        if isinstance(value, str):
            if value in ("all", "none"):
                return value
            value = [value]
        if not isinstance(value, list):
            raise ValueError(f"expected 'all', 'none' or a list of notebook names, got {value!r}")
        for name in value:
            if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_\-]+", name):
                raise ValueError(
                    f"{name!r} is not a notebook name; give file stems such as "
                    "'00_data_intake' or 'data_intake'"
                )
        return value

    @field_serializer("location_precision")
    def _dump_precision(self, value: LocationPrecision) -> str:
        return str(value)

    @property
    def hides_counts(self) -> bool:
        """Whether any count is hidden (``min_count`` of 3 or more)."""
        return self.min_count >= 3

    def publishes_stakeholder_report(self, notebook: str | Path) -> bool:
        """Tell whether a notebook publishes a stakeholder report.

        Parameters
        ----------
        notebook : str or Path
            A notebook path or stem, e.g. ``notebooks/00_data_intake.ipynb``.

        Returns
        -------
        bool
            True for every notebook under ``"all"``, none under ``"none"``; otherwise True
            when the stem, its number (``00``) or the stem without its number
            (``data_intake``) is listed, as for ``cs360 run --only``.
        """
        if self.stakeholder_reports == "all":
            return True
        if self.stakeholder_reports == "none":
            return False
        stem = Path(str(notebook)).name.removesuffix(".ipynb")
        number = re.match(r"^(\d+)_", stem)
        names = {stem, re.sub(r"^\d+_", "", stem), number.group(1) if number else stem}
        return bool(names & set(self.stakeholder_reports))
