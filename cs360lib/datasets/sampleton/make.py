"""Entry points of Sampleton: write a department, make or write incidents, the command line.

One ``numpy.random.SeedSequence(seed)`` spawns one child generator per part (``city``,
``incidents``, ``arrests``, ``calls``, ...), so a part's draws never depend on how many
numbers another part used, and a new part appended to ``_STREAMS`` leaves every existing
file unchanged.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cs360lib.datasets.sampleton.city import build_city
from cs360lib.datasets.sampleton.community import (
    simulate_actions,
    simulate_partner_metrics,
    simulate_survey,
)
from cs360lib.datasets.sampleton.events import (
    daily_rates,
    simulate_arrests,
    simulate_calls,
    simulate_incidents,
)
from cs360lib.datasets.sampleton.params import DEFAULT_SEED, INCIDENTS_PER_SCALE
from cs360lib.datasets.sampleton.personal import plant_personal
from cs360lib.datasets.sampleton.scanning import simulate_interviews, stakeholders
from cs360lib.datasets.sampleton.truth import build_truth
from cs360lib.datasets.sampleton.write import DATETIME_COLUMNS, write_csv, write_department
from cs360lib.errors import DatasetError

_STREAMS = ["city", "incidents", "arrests", "calls", "survey", "partner_metrics",
            "interviews", "actions", "subsample", "personal"]  # fmt: skip
"""One child generator per part, in spawn order (append new parts at the end)."""


def _generators(seed: int) -> dict[str, np.random.Generator]:
    children = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    return {n: np.random.default_rng(c) for n, c in zip(_STREAMS, children, strict=True)}


def _check_scale(scale: float) -> float:
    scale = float(scale)
    if not np.isfinite(scale) or scale <= 0:
        raise DatasetError(
            f"scale (cs360 sample --scale) must be a positive number, got {scale!r}: 1 makes "
            "the sample department's size, 0.1 a tenth of it, 10 ten times it"
        )
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

    Raises
    ------
    DatasetError
        If ``scale`` is not a positive finite number.

    Notes
    -----
    Files written: ``incidents.csv.gz``, ``calls.csv.gz``, ``arrests.csv.gz``,
    ``survey.csv``, ``interviews.csv``, ``partner_metrics.csv``, ``stakeholders.csv``,
    ``actions.csv``, ``engagement.yml`` and ``truth.json`` (what was planted, with the
    expected and observed values the analyses should recover). Fake personal data are
    planted in the incidents (an unmapped ``victim_name`` column, a ``narrative`` column, a
    few rows the loader rejects) and the interviews, and listed in ``truth.json`` under
    ``personal`` (:mod:`.personal`). See ``docs/samples.md``.
    """
    scale = _check_scale(scale)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames, truth = _generate(seed, scale)
    return write_department(out, frames, truth)


def _generate(seed: int, scale: float) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    rng = _generators(seed)
    city = build_city(rng["city"])
    rates = daily_rates(scale)
    inc = simulate_incidents(rng["incidents"], city, rates)
    arrests, onview = simulate_arrests(rng["arrests"], city, inc, rates, scale)
    calls = simulate_calls(rng["calls"], city, inc, onview, rates, scale)
    survey = simulate_survey(rng["survey"])
    partner = simulate_partner_metrics(rng["partner_metrics"], scale)
    interviews, labels = simulate_interviews(rng["interviews"])
    actions = simulate_actions(rng["actions"])
    frames = {
        "incidents": inc.frame,
        "calls": calls,
        "arrests": arrests,
        "survey": survey,
        "interviews": interviews,
        "partner_metrics": partner,
        "stakeholders": stakeholders(),
        "actions": actions,
    }
    truth = build_truth(seed, scale, city, rates, inc, frames, labels)
    frames, planted = plant_personal(rng["personal"], frames)
    truth["rejected"] = planted.rejected
    truth["personal"] = planted.values
    truth["personal_planted"] = planted.detail
    return frames, truth


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

    Raises
    ------
    DatasetError
        If ``n_rows`` is negative.
    """
    if n_rows < 0:
        raise DatasetError(
            f"make_incidents: n_rows must be 0 or more (the number of incident rows wanted), "
            f"got {n_rows}"
        )
    scale = max(n_rows, 1) / INCIDENTS_PER_SCALE * 1.05 + 0.01
    rng = _generators(seed)
    city = build_city(rng["city"])
    inc = simulate_incidents(rng["incidents"], city, daily_rates(scale))
    frame = inc.frame
    while len(frame) < n_rows:  # pragma: no cover - 5% margin makes this practically unused
        scale *= 1.2
        frame = simulate_incidents(rng["incidents"], city, daily_rates(scale)).frame
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
    write_csv(make_incidents(n_rows, seed=seed), path, DATETIME_COLUMNS["incidents"])
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
