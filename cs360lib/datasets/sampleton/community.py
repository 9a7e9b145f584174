"""Community sources of Sampleton: the survey, partner metrics and the response's actions log.

The survey (safety and trust scores by district) and the partner metrics (County EMS
overdose calls, City 311 streetlight complaints) carry planted changes after the response;
the actions log records what the partners did for it. The stakeholder roster and the
scanning interviews are in :mod:`.scanning`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cs360lib.datasets.sampleton.city import BEATS, DISTRICTS, TARGET_BEAT
from cs360lib.datasets.sampleton.params import (
    CITY,
    DEPARTMENT,
    RESPONSE_NAME,
    THETA,
    period_months,
    post_months,
)

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


def simulate_survey(rng: np.random.Generator) -> pd.DataFrame:
    """Monthly survey scores by district and for the city.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``survey`` child generator.

    Returns
    -------
    pandas.DataFrame
        One row per month, item (``SURVEY_ITEMS``) and area (each district and the city,
        respondent-weighted): ``period``, ``area``, ``item``, ``score`` (0-100, one decimal),
        ``scale``, ``respondent_group``, ``area_level``, ``respondents``. In the East
        district the scores rise by ``SURVEY_EFFECT`` points, ramping linearly over
        ``SURVEY_RAMP_MONTHS`` from the response month; noise is
        ``SURVEY_RESPONSE_SD / sqrt(respondents)`` (the standard error of a mean).
    """
    months = period_months()
    mi = np.arange(len(months))
    start_i = int(np.flatnonzero(post_months())[0])
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


def simulate_partner_metrics(rng: np.random.Generator, scale: float) -> pd.DataFrame:
    """Monthly partner counts: EMS overdose calls by district, 311 streetlight complaints by beat.

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``partner_metrics`` child generator.
    scale : float
        Volume multiplier of both counts.

    Returns
    -------
    pandas.DataFrame
        ``partner``, ``metric``, ``period``, ``area``, ``value`` (float), ``unit``. Counts are
        gamma-Poisson with shape ``THETA``; streetlight complaints have a December peak
        (``STREETLIGHT_AMPLITUDE``) and fall by ``STREETLIGHT_RATIO`` in the target beat
        from the response month.
    """
    months = period_months()
    mi = np.arange(len(months))
    moy = mi % 12 + 1
    post = post_months()
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


def simulate_actions(rng: np.random.Generator) -> pd.DataFrame:
    """Draw the actions log of the one response (five owners, all in the target beat).

    Parameters
    ----------
    rng : numpy.random.Generator
        The ``actions`` child generator (draws the monthly dosage).

    Returns
    -------
    pandas.DataFrame
        ``action_id`` (``ACT-001``), ``response``, ``action``, ``owner``, ``start``, ``end``,
        ``area``, ``dosage``, ``dosage_unit``, sorted by start: streetlight repairs, CCTV,
        monthly foot patrol and ambassador hours, quarterly lighting audits and an ongoing
        inspection without end or dosage.
    """
    rows: list[dict[str, Any]] = [
        {"response": RESPONSE_NAME, "owner": "Public Works Department",
         "action": "Repair streetlights and upgrade to LED around the transit hub",
         "start": "2023-03-06", "end": "2023-03-31", "area": TARGET_BEAT, "dosage": 46.0,
         "dosage_unit": "lights repaired"},
        {"response": RESPONSE_NAME, "owner": "Regional Transit Authority",
         "action": "Install CCTV cameras at the bus bays", "start": "2023-03-20",
         "end": "2023-04-14", "area": TARGET_BEAT, "dosage": 8.0, "dosage_unit": "cameras"},
    ]  # fmt: skip
    months = period_months()[post_months()]
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
