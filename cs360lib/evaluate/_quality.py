"""Data that can fool an evaluation: zero runs, flagged coverage, segments without events.

- A run of zeros at the start or end of a count series that the rest of the series makes
  improbable (at least :data:`ZERO_RUN_EXPECTED` events expected in it) usually means missing
  records (a coverage gap, a category recorded under another code, records not yet entered),
  not an absence of crime: it produces a confident, spurious change. It is warned about.
- The intake's data-quality flags (``cs360lib.steps.intake.coverage`` and its vanished-category
  flags) that fall inside the evaluated periods are warned about.
- A segment (before or after the response, or the periods with and without an indicator) with
  fewer than :data:`MIN_SEGMENT_EVENTS` events cannot carry a log-link model: a single response
  on a single series is then compared with the exact conditional (binomial) rate-ratio test,
  and anything else is refused with the periods named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from cs360lib.errors import EvaluationInputError

from ._data import SeriesData
from ._terms import Intervention
from ._time import as_timestamp
from .counts import RateRatioResult, rate_ratio_test

__all__ = [
    "MIN_SEGMENT_EVENTS",
    "ZERO_RUN_EXPECTED",
    "ExactComparison",
    "coverage_warnings",
    "segments",
    "zero_run_warnings",
]

ZERO_RUN_EXPECTED = 5.0
"""A leading or trailing zero run is flagged when the rest of the series makes at least this
many events expected in it (a Poisson chance of an empty run below 1%)."""

MIN_SEGMENT_EVENTS = 5
"""Fewest events in a segment for a log-link model (the usual 'expected count of 5' rule for
normal approximations to Poisson counts); below it the exact test is used."""


def segments(
    data: SeriesData, interventions: Sequence[Intervention]
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the evaluated series without and with the response.

    With a step: before and from the first step. With indicators only: periods without any
    indicator, and periods (wholly or partly) under one.

    Returns
    -------
    tuple of (numpy.ndarray, numpy.ndarray)
        Boolean masks over all rows (only the evaluated series' rows can be True).
    """
    steps = [i for i in interventions if i.kind == "step"]
    if steps and not data.panel:  # every row is the series'
        first = min(i.key for i in steps)
        return data.keys < first, data.keys >= first
    mask = data.series_mask
    if not interventions:
        return mask.copy(), np.zeros_like(mask)
    if steps:
        first = min(i.key for i in steps)
        return mask & (data.keys < first), mask & (data.keys >= first)
    share = np.max([i.share for i in interventions], axis=0)
    return mask & (share == 0), mask & (share > 0)


def zero_run_warnings(data: SeriesData, family: str) -> list[str]:
    """Warnings for improbable runs of zeros at the start or the end of the evaluated series."""
    if family == "gaussian":
        return []
    y = data.y[data.series_mask] if data.panel else data.y
    if len(y) and y[0] > 0 and y[-1] > 0:
        return []  # no zero run at either end (the common case)
    keys = data.keys[data.series_mask] if data.panel else data.keys
    nz = np.flatnonzero(y > 0)
    if len(nz) == 0:
        return []
    lead, trail = int(nz[0]), int(len(y) - 1 - nz[-1])
    rest = y[lead : len(y) - trail]
    mean = float(rest.mean())
    found = []
    for run, where, first in (
        (lead, "starts", 0),
        (trail, "ends", len(y) - trail),
    ):
        if run < 2 or run * mean < ZERO_RUN_EXPECTED:
            continue
        span = data.tindex.span(float(keys[first]), float(keys[first + run - 1]))
        cause = (
            "a coverage gap or a category recorded under another code"
            if where == "starts"
            else "records not yet entered or a source that stopped"
        )
        found.append(
            f"The series {where} with {run:,} periods without any event ({span}), although the "
            f"rest of it averages {mean:,.1f} a period: that looks like missing records ({cause}) "
            "rather than no crime, and it makes any change look larger than it is. Check the "
            f"source and evaluate only the periods it covers."
        )
    return found


def _flag_frame(coverage: Any) -> pd.DataFrame:
    if hasattr(coverage, "flags") and callable(coverage.flags):
        coverage = coverage.flags()
    if isinstance(coverage, pd.DataFrame):
        if "period" not in coverage.columns:
            raise EvaluationInputError(
                "coverage= must be the intake's coverage result, its flags (a frame with a "
                "'period' column) or a list of (start, end) date ranges; the frame has columns "
                f"{', '.join(map(str, coverage.columns))}"
            )
        frame = coverage.copy()
        if "flag" in frame.columns:
            frame = frame[frame["flag"].astype(str) != ""]
        return frame
    try:
        pairs = [tuple(v) for v in coverage]
        frame = pd.DataFrame(pairs, columns=["period", "end"])
    except (TypeError, ValueError) as exc:
        raise EvaluationInputError(
            "coverage= must be the intake's coverage result, its flags (a frame with a "
            "'period' column) or a list of (start, end) date ranges"
        ) from exc
    return frame.assign(flag="flagged")


def coverage_warnings(coverage: Any, data: SeriesData, timezone: str | None) -> list[str]:
    """Warnings for the intake's flagged periods that fall inside the evaluated periods.

    Parameters
    ----------
    coverage : object
        The intake's coverage result (anything with ``.flags()``), a frame of flagged periods
        (columns ``period`` and optionally ``end``, ``flag``, ``source``, ``category``) or a list
        of ``(start, end)`` date ranges.
    data : SeriesData
        The evaluated data.
    timezone : str, optional
        Zone that aware dates are converted to.

    Returns
    -------
    list of str
        One warning naming the flagged periods (empty when none falls inside).
    """
    if coverage is None:
        return []
    if not data.tindex.dated:
        raise EvaluationInputError("coverage= needs a time column of dates")
    frame = _flag_frame(coverage)
    if frame.empty:
        return []
    mask = data.series_mask
    lo = pd.Timestamp(data.tindex.start(data.keys[mask].min()))
    hi = pd.Timestamp(data.tindex.end(data.keys[mask].max()))
    starts = frame["period"].map(
        lambda v: as_timestamp(v, name="coverage period", timezone=timezone)
    )
    ends = (
        frame["end"].map(lambda v: as_timestamp(v, name="coverage end", timezone=timezone))
        if "end" in frame.columns
        else starts
    )
    inside = (ends >= lo) & (starts < hi)
    if not inside.any():
        return []
    frame = frame.assign(_start=starts, _end=ends)[inside.to_numpy()]
    by = [c for c in ("source", "category", "flag") if c in frame.columns]
    parts = []
    for key, rows in frame.groupby(by, sort=False) if by else [((), frame)]:
        key = key if isinstance(key, tuple) else (key,)
        what = " ".join(str(v) for v in key if str(v))
        first, last = rows["_start"].min(), rows["_end"].max()
        when = f"{first:%Y-%m-%d}" + (f" to {last:%Y-%m-%d}" if last > first else "")
        parts.append(f"{what + ': ' if what else ''}{len(rows)} period(s), {when}")
    return [
        "The data checks flag periods inside this evaluation ("
        + "; ".join(parts[:6])
        + ("; ..." if len(parts) > 6 else "")
        + "): counts there may be missing records rather than true counts, which biases the "
        "comparison. Check them, or evaluate only the periods the data cover fully."
    ]


@dataclass(frozen=True)
class ExactComparison:
    """A before/after comparison of rates by the exact conditional (binomial) test.

    Attributes
    ----------
    test : RateRatioResult
        The two-sided exact test and Clopper-Pearson interval (:func:`rate_ratio_test`).
    bound : float
        One-sided bound at the same level: the upper bound of the ratio when there were no
        events after, the lower bound when there were none before (else NaN).
    reason : str
        Why the model was not fitted, in plain words.
    """

    test: RateRatioResult
    bound: float
    reason: str


def exact_comparison(
    data: SeriesData,
    pre: np.ndarray,
    post: np.ndarray,
    *,
    alpha: float,
    reason: str,
) -> ExactComparison:
    """Compare the rates of the two segments with the exact conditional binomial test."""
    k0, k1 = int(data.y[pre].sum()), int(data.y[post].sum())
    if data.offset is not None:
        e0, e1 = float(data.offset[pre].sum()), float(data.offset[post].sum())
    else:
        e0, e1 = float(pre.sum()), float(post.sum())
    test = rate_ratio_test(k0, k1, pre_exposure=e0, post_exposure=e1, alpha=alpha)
    bound = np.nan
    n = k0 + k1
    if k1 == 0 or k0 == 0:
        share = stats.binomtest(k1, n).proportion_ci(1 - 2 * alpha, method="exact")
        p = share.high if k1 == 0 else share.low
        bound = float(p / (1 - p) * e0 / e1)
    return ExactComparison(test, bound, reason)


def too_few_events(
    data: SeriesData, pre: np.ndarray, post: np.ndarray, *, family: str
) -> str | None:
    """Say which segment has too few events for a log-link model (None when both have enough)."""
    if family == "gaussian":
        return None
    out = []
    for mask, where in ((pre, "before the response"), (post, "under the response")):
        total = int(data.y[mask].sum())
        if total < MIN_SEGMENT_EVENTS:
            count = "no events" if total == 0 else f"only {total} event{'s' * (total != 1)}"
            out.append(f"{count} in the {int(mask.sum()):,} periods {where} ({data.span(mask)})")
    return "; ".join(out) if out else None
