"""Everything Sampleton records in ``truth.json``: what was planted and what came out.

:func:`build_truth` gathers the planted parameters of every part (:mod:`.params`,
:mod:`.city`, :mod:`.offenses`, :mod:`.events`, :mod:`.community`, :mod:`.scanning`) with
the expected and observed values that the analyses should recover: concentration,
seasonality, the count process, the intervention, survey, partner metrics, calls,
arrests, interviews, stakeholders and actions. Values are rounded and missing or
non-finite values (tiny scales) are written as JSON ``null``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cs360lib.datasets.sampleton.city import (
    BBOX,
    BEATS,
    BLOCKS_PER_BEAT,
    COMPARISON_BEAT,
    DISPLACEMENT_BEATS,
    DISTRICTS,
    DRUG_BEAT,
    DRUG_CORNER,
    DRUG_CORNER_SHARE,
    HOT_SHARE,
    HUB_AVENUE,
    HUB_NAME,
    HUB_SHARE,
    HUB_STREET,
    TARGET_BEAT,
    City,
    beat_shares,
)
from cs360lib.datasets.sampleton.community import (
    EMS_MEAN,
    EMS_TREND,
    STREETLIGHT_AMPLITUDE,
    STREETLIGHT_MEAN,
    STREETLIGHT_RATIO,
    STREETLIGHT_TARGET_MEAN,
    SURVEY_BASE,
    SURVEY_EFFECT,
    SURVEY_ITEMS,
    SURVEY_RAMP_MONTHS,
    SURVEY_RESPONDENTS,
    SURVEY_RESPONSE_SD,
)
from cs360lib.datasets.sampleton.events import (
    BACKGROUND_CALLS,
    BACKGROUND_CALLS_PER_SCALE,
    OTHER_ARRESTS,
    IncidentRows,
    Rates,
)
from cs360lib.datasets.sampleton.offenses import (
    HOUR_PEAKS,
    OFFENSES,
    TARGET_OFFENSE,
    offense_index,
)
from cs360lib.datasets.sampleton.params import (
    CITY,
    DEPARTMENT,
    DISPLACEMENT_RATIO,
    MONTHLY,
    N_MONTHS,
    PEAK_MONTH,
    RATE_RATIO,
    RESPONSE_NAME,
    RESPONSE_START,
    THETA,
    WEEKDAYS,
    WEEKLY,
    YEARLY_AMPLITUDE,
    days,
    month_index,
    period_months,
    post_months,
    weekday,
)
from cs360lib.datasets.sampleton.scanning import interview_truth, roster_truth
from cs360lib.datasets.sampleton.write import DATETIME_COLUMNS, FILES


def _gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal, towards 1 = concentrated)."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0 or x.sum() == 0:
        return 0.0
    cum = np.cumsum(x)
    return float((n + 1 - 2 * (cum / cum[-1]).sum()) / n)


def _top_share(values: np.ndarray, fraction: float) -> float:
    """Share of the total held by the largest ``fraction`` of values (NaN when all are 0)."""
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


@np.errstate(divide="ignore", invalid="ignore")  # tiny scales: empty series -> null
def build_truth(
    seed: int,
    scale: float,
    city: City,
    rates: Rates,
    inc: IncidentRows,
    frames: dict[str, pd.DataFrame],
    labels: pd.DataFrame,
) -> dict[str, Any]:
    """Everything planted in a generated department, with expected and observed values.

    Parameters
    ----------
    seed, scale : int, float
        Seed and volume multiplier of the generation.
    city : City
        The city (blocks, hot blocks, hub and drug corner).
    rates : Rates
        Expected and counterfactual daily counts.
    inc : IncidentRows
        The simulated incidents.
    frames : dict of str to pandas.DataFrame
        The frame of every kind of ``FILES``, as written.
    labels : pandas.DataFrame
        Codes of each row of ``frames["interviews"]``
        (:func:`~.scanning.simulate_interviews`).

    Returns
    -------
    dict
        The content of ``truth.json`` (JSON-serialisable, no NaN); its keys are described
        in ``docs/samples.md``.
    """
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
        "survey": _survey_truth(frames["survey"]),
        "partner_metrics": _partner_truth(frames["partner_metrics"]),
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
        "interviews": interview_truth(frames["interviews"], labels),
        "stakeholders": roster_truth(frames["stakeholders"]),
        "actions": {
            "response": RESPONSE_NAME,
            "rows": int(len(frames["actions"])),
            "owners": sorted(frames["actions"]["owner"].unique().tolist()),
            "area": TARGET_BEAT,
        },
    }


def _survey_truth(survey: pd.DataFrame) -> dict[str, Any]:
    """Planted survey parameters and the observed district means before and after."""
    post = post_months()
    survey_obs = {}
    for item in SURVEY_ITEMS:
        for d in DISTRICTS:
            s = survey[(survey["item"] == item) & (survey["area"] == d)]["score"].to_numpy()
            settled = np.flatnonzero(post)[0] + SURVEY_RAMP_MONTHS - 1
            survey_obs[f"{item}/{d}"] = {
                "pre_mean": _r(s[~post].mean(), 3),
                "post_mean_after_ramp": _r(s[settled:].mean(), 3),
            }
    return {
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
    }


def _partner_truth(partner: pd.DataFrame) -> dict[str, Any]:
    """Planted partner metric parameters and the observed streetlight means in the target."""
    post = post_months()
    lights = partner[(partner["metric"] == "Streetlight outage complaints")
                     & (partner["area"] == TARGET_BEAT)]["value"].to_numpy()  # fmt: skip
    return {
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
    }


def _monthly(seconds_or_dt: np.ndarray) -> np.ndarray:
    when = np.asarray(seconds_or_dt).astype("datetime64[s]")
    return month_index(when.astype("datetime64[D]"))


def _concentration_truth(city: City, rates: Rates, inc: IncidentRows) -> dict[str, Any]:
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
            for o, row in zip(OFFENSES, beat_shares(), strict=True)
        },
    }


def _series(rates: np.ndarray, month: np.ndarray) -> np.ndarray:
    return np.bincount(month, weights=rates, minlength=N_MONTHS)


def _intervention_truth(rates: Rates, inc: IncidentRows) -> dict[str, Any]:
    o = offense_index(TARGET_OFFENSE)
    post = post_months()
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
            rates.base[o] * beat_shares()[o, b] * 365.25 / 12, 4
        ),
        "expected_post_over_counterfactual": _r(exp_t[post].sum() / cf_t[post].sum()),
        "offense_group_rate_ratio_expected": _r(group_exp[post].sum() / group_cf[post].sum()),
        "target": target,
        "comparison": comparison,
        "displacement": displacement,
        "observed_post_pre_ratio_target": _r(ratio_t),
        "observed_post_pre_ratio_comparison": _r(ratio_c),
        "observed_difference_in_differences_ratio": _r(_div(ratio_t, ratio_c)),
        "months": [str(m) for m in period_months()],
    }


def _seasonality_truth(inc: IncidentRows) -> dict[str, Any]:
    when = inc.seconds.astype("datetime64[s]")
    dow = np.bincount(weekday(when.astype("datetime64[D]")), minlength=7).astype(float)
    n_days = np.bincount(weekday(days()), minlength=7)
    per_day = dow / n_days
    moy = _monthly(inc.seconds) % 12
    month_days = np.bincount(month_index(days()) % 12)
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
            k: {"peak_hour": v[0], "amplitude": v[1]} for k, v in HOUR_PEAKS.items()
        },
        "trend_log_rate_per_month": {o.name: o.trend for o in OFFENSES},
    }


def _volumes(frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    return {k: int(len(v)) for k, v in frames.items()}
