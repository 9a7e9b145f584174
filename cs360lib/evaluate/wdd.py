"""Weighted displacement difference test (Wheeler & Ratcliffe 2018) and its harm-weighted sum.

References
----------
Wheeler, A. P., & Ratcliffe, J. H. (2018). A simple weighted displacement difference test to
evaluate place based crime interventions. *Crime Science*, 7(11).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from cs360lib.errors import EvaluationInputError
from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table

from ._checks import check_alpha, pair
from ._its_chart import MAX_POINTS

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt

    from cs360lib.publish.tables import PresentationTable

__all__ = ["WDDResult", "wdd", "wdd_harm"]


@dataclass(frozen=True)
class WDDResult(Result):
    """Result of :func:`wdd` or :func:`wdd_harm`.

    Attributes
    ----------
    frame : pandas.DataFrame
        Rows ``local``, ``displacement`` and ``total`` (for :func:`wdd_harm`, one row per
        component and ``total``), columns ``estimate``, ``se``, ``z``, ``p_value``, ``ci_low``,
        ``ci_high``. Estimates are in crimes (weighted crimes for harm weights): negative means
        fewer crimes in the treated areas than the control trend implies.
    alpha : float
        One minus the confidence level.
    variance : str
        ``"poisson"`` or ``"quasi"`` (overdispersion-robust).
    dispersion : tuple of float
        The variance-to-mean ratio used for each area (control, treated, disp_control,
        disp_treated); all 1 for Poisson.
    """

    frame: pd.DataFrame
    alpha: float
    harm: bool = False
    variance: str = "poisson"
    dispersion: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0)
    labels = {
        "estimate_of": "Estimate of",
        "estimate": "Change in crimes",
        "se": "Standard error",
        "z": "z",
        "p_value": "P value",
        "ci_low": "Interval from",
        "ci_high": "Interval to",
    }

    @property
    def total(self) -> pd.Series:
        """The ``total`` row of the table."""
        return self.frame.loc["total"]

    def to_frame(self) -> pd.DataFrame:
        """Return the estimates table (a copy)."""
        return self.frame.copy()

    def table(self) -> PresentationTable:
        """Return the estimates as a presentation table, one row per area and the total.

        Returns
        -------
        cs360lib.publish.tables.PresentationTable
        """
        names = {
            "local": "Treated area",
            "displacement": "Surrounding area (displacement)",
            "total": "Total",
        }
        frame = self.frame.rename(index=lambda r: names.get(r, r)).rename_axis("estimate_of")
        labels = dict(self.labels)
        if self.harm:
            labels["estimate"] = "Change in harm-weighted crimes"
        return presentation_table(frame, labels=labels)

    def chart(self, *, title: str | None = None) -> alt.Chart:
        """Dot-and-interval chart of the estimates with a rule at zero change.

        Returns
        -------
        altair.LayerChart
        """
        import altair as alt

        df = self.frame.reset_index(names="estimate_of")
        if len(df) > MAX_POINTS:  # many harm components: the total and the largest ones
            parts = df[df["estimate_of"] != "total"]
            keep = parts["estimate"].abs().nlargest(MAX_POINTS - 1).index
            df = pd.concat([parts.loc[sorted(keep)], df[df["estimate_of"] == "total"]])
        base = alt.Chart(df).encode(y=alt.Y("estimate_of:N", sort=None, title=None))
        bars = base.mark_rule(strokeWidth=2).encode(
            x=alt.X("ci_low:Q", title="change in crimes (negative = fewer)"), x2="ci_high:Q"
        )
        dots = base.mark_point(filled=True, size=80).encode(
            x="estimate:Q",
            tooltip=[
                "estimate_of",
                alt.Tooltip("estimate:Q", format=".1f"),
                alt.Tooltip("p_value:Q", format=".3f"),
            ],
        )
        zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(strokeDash=[4, 3]).encode(x="x:Q")
        return alt.layer(bars, dots, zero).properties(
            title=title or "Weighted displacement difference", width=500
        )

    def summary(self) -> str:
        """Plain-language summary of the total estimate."""
        t = self.total
        lvl = round(100 * (1 - self.alpha))
        unit = "harm-weighted crimes" if self.harm else "crimes"
        more_less = "fewer" if t["estimate"] < 0 else "more"
        clear = bool(t["ci_high"] < 0 or t["ci_low"] > 0)
        lines = [
            "Taking the change in the control area into account"
            + ("" if self.harm else " and counting any displacement nearby")
            + f", the response is associated with about {abs(t['estimate']):,.0f} {more_less} "
            f"{unit} ({lvl}% interval {t['ci_low']:,.0f} to {t['ci_high']:,.0f})."
        ]
        if self.variance == "quasi":
            lo, hi = min(self.dispersion), max(self.dispersion)
            spread = f"{lo:.1f}" if hi - lo < 0.05 else f"{lo:.1f} to {hi:.1f}"
            lines.append(
                "The interval allows for counts that vary more than chance alone would make "
                f"them (variance {spread} times the count)."
            )
        if not t["se"] > 0:
            lines.append(
                "The standard errors given are zero, so there is no interval to judge chance by."
            )
        elif clear:
            lines.append(
                "The interval excludes zero, so the change is statistically clear (p = "
                f"{t['p_value']:.3f})."
            )
        else:
            lines.append(
                "The interval includes zero, so the change could be chance variation (p = "
                f"{t['p_value']:.3f})."
            )
        if not self.harm and "displacement" in self.frame.index:
            dsp = self.frame.loc["displacement"]
            if dsp["se"] > 0:
                d_clear = bool(dsp["ci_high"] < 0 or dsp["ci_low"] > 0)
                word = (
                    "fewer (a diffusion of benefits)"
                    if dsp["estimate"] < 0
                    else "more (displacement)"
                )
                lines.append(
                    f"In the surrounding area the estimate is {abs(dsp['estimate']):,.0f} {word}; "
                    + ("this is statistically clear." if d_clear else "its interval includes zero.")
                )
        return "\n".join([*lines, *self.warning_lines()])


def _rows_table(
    est: dict[str, float],
    var: dict[str, float],
    alpha: float,
    df: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Estimates with z (or t with ``df``) statistics, two-sided p values and intervals."""
    rows = {}
    for name, e in est.items():
        se = float(np.sqrt(var[name]))
        d = (df or {}).get(name, np.inf)
        dist = stats.norm if not np.isfinite(d) else stats.t(d)
        crit = float(dist.ppf(1 - alpha / 2))
        z = e / se if se > 0 else np.nan
        rows[name] = {
            "estimate": e,
            "se": se,
            "z": z,
            "p_value": float(2 * dist.sf(abs(z))) if se > 0 else np.nan,
            "ci_low": e - crit * se,
            "ci_high": e + crit * se,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


AREAS = ("control", "treated", "disp_control", "disp_treated")
"""The four areas of a WDD, in the order of ``area_weights`` and ``dispersion``."""


def _split_series(
    name: str, series: pd.Series, intervention: object
) -> tuple[tuple[float, float], tuple[int, int], float, int]:
    """Pre and post totals, window lengths and the quasi-Poisson scale of an area's series.

    The scale is the Pearson chi-square / df of the pre-period counts around their mean
    (an intercept-only Poisson fit), floored at 1 (Wedderburn 1974; McCullagh & Nelder 1989).
    """
    values = pd.to_numeric(series, errors="coerce")
    if values.isna().any() or (values < 0).any():
        bad = series.index[(values.isna() | (values < 0)).to_numpy()]
        raise EvaluationInputError(
            f"{name} series must hold counts >= 0; periods {', '.join(map(str, bad[:5]))}"
        )
    index = series.index
    try:
        if isinstance(index, pd.PeriodIndex):
            index = index.to_timestamp()
        if isinstance(index, pd.DatetimeIndex):
            when = intervention.start_time if isinstance(intervention, pd.Period) else intervention
            post = np.asarray(index >= pd.Timestamp(when))
        else:
            post = np.asarray(index >= intervention)
    except (TypeError, ValueError) as exc:
        raise EvaluationInputError(
            f"intervention={intervention!r} cannot be compared with the index of the {name} "
            "series; give the first period after the response as a value of that index"
        ) from exc
    y = values.to_numpy(dtype=float)
    pre, after = y[~post], y[post]
    if len(pre) < 2 or len(after) < 1:
        raise EvaluationInputError(
            f"the {name} series has {len(pre)} periods before and {len(after)} from "
            f"intervention={intervention!r}; need at least 2 before and 1 after"
        )
    mean = pre.mean()
    scale = float(np.sum((pre - mean) ** 2) / mean / (len(pre) - 1)) if mean > 0 else 1.0
    return (
        (float(pre.sum()), float(after.sum())),
        (len(pre), len(after)),
        max(1.0, scale),
        len(pre) - 1,
    )


def wdd(
    control: Sequence[float] | pd.Series,
    treated: Sequence[float] | pd.Series,
    disp_control: Sequence[float] | pd.Series | None = None,
    disp_treated: Sequence[float] | pd.Series | None = None,
    *,
    time_weights: Sequence[float] | None = None,
    area_weights: Sequence[float] | None = None,
    windows: Sequence[float] | None = None,
    intervention: object = None,
    variance: str | None = None,
    dispersion: float | Sequence[float] | None = None,
    alpha: float = 0.05,
) -> WDDResult:
    """Weighted displacement difference test (Wheeler & Ratcliffe 2018).

    Parameters
    ----------
    control, treated : (pre, post) pair of counts, or pandas.Series of counts per period
        Crimes in the control and treated areas before and after the response. Series (one
        count per period, indexed by period) need ``intervention``; their totals and window
        lengths are taken from them, and their pre periods give each area's dispersion.
    disp_control, disp_treated : (pre, post) pair or Series, optional
        Crimes in the displacement (buffer) area around the treated area and in its control.
    time_weights : (pre, post) pair, optional
        Multipliers for windows of unequal length (e.g. ``(1, 12/9)`` to scale 9 post months to
        the 12 pre months). Default ``(1, 1)``.
    area_weights : 4 numbers, optional
        Multipliers for control, treated, displacement-control and displacement-treated areas
        (e.g. to scale a control area to the treated area's size). Default all 1.
    windows : (pre, post) pair, optional
        Lengths of the pre and post windows (any unit) when counts are given as pairs. Unequal
        windows are refused unless ``time_weights`` are given: the WDD compares counts, so a
        longer window alone makes a difference (the message suggests the weights).
    intervention : object, optional
        With series: the first period after the response (a value of the series' index).
    variance : {"quasi", "poisson"}, optional
        ``"poisson"``: ``sum(w^2 count)`` (the paper's). ``"quasi"``: each area's part times its
        dispersion (overdispersion-robust): the quasi-Poisson scale estimated from the area's
        pre-period series, or ``dispersion``; intervals then use t with Welch-Satterthwaite
        degrees of freedom when the scales are estimated. Default: ``"quasi"`` when series or
        ``dispersion`` are given, else ``"poisson"``.
    dispersion : float or 4 numbers, optional
        Known variance-to-mean ratio(s) of the counts (all areas, or per area as in
        ``area_weights``).
    alpha : float
        One minus the confidence level (the paper's example uses 0.05).

    Returns
    -------
    WDDResult
        ``local = (T1 - T0) - (C1 - C0)``, ``displacement = (D1 - D0) - (DC1 - DC0)`` and
        ``total = local + displacement`` on the weighted counts, with variances
        ``sum(phi w^2 count)`` (``phi = 1`` for Poisson), z (or t), two-sided p value and
        interval.

    Raises
    ------
    EvaluationInputError
        Bad counts or weights, unequal windows without ``time_weights``, series without
        ``intervention`` or with too few periods.

    Examples
    --------
    >>> r = wdd((308, 318), (207, 110), (150, 140), (178, 157))
    >>> round(r.total["estimate"]), round(r.total["se"], 2), round(r.total["z"], 2)
    (-118, 39.6, -2.98)
    """
    check_alpha(alpha)
    inputs = {"control": control, "treated": treated}
    inputs.update({"disp_control": disp_control, "disp_treated": disp_treated})
    as_series = [isinstance(v, pd.Series) for v in inputs.values() if v is not None]
    if any(as_series) and not all(as_series):
        raise EvaluationInputError("give every area either as a (pre, post) pair or as a series")
    pairs: dict[str, tuple[float, float]] = {}
    scales: dict[str, float] = {}
    scale_df: dict[str, int] = {}
    if any(as_series):
        if intervention is None:
            raise EvaluationInputError(
                "with series, give intervention= (the first period after the response)"
            )
        lengths = set()
        for name, value in inputs.items():
            if value is None:
                pairs[name] = (0.0, 0.0)
                continue
            pairs[name], win, scales[name], scale_df[name] = _split_series(
                name, value, intervention
            )
            lengths.add(win)
        if len(lengths) > 1:
            raise EvaluationInputError(
                f"the areas' series cover different windows ({sorted(lengths)}); give every area "
                "the same periods"
            )
        windows = lengths.pop()
    else:
        pairs = {name: pair(name, value) for name, value in inputs.items()}
    tw = (1.0, 1.0) if time_weights is None else tuple(float(w) for w in time_weights)
    aw = (1.0,) * 4 if area_weights is None else tuple(float(w) for w in area_weights)
    if len(tw) != 2 or len(aw) != 4 or min(*tw, *aw) <= 0:
        raise EvaluationInputError(
            "time_weights must be 2 positive numbers (pre, post) and area_weights 4 positive "
            "numbers (control, treated, disp_control, disp_treated)"
        )
    if windows is not None:
        w0, w1 = (float(w) for w in windows)
        if min(w0, w1) <= 0:
            raise EvaluationInputError(f"windows must be 2 positive lengths, not {windows!r}")
        if w0 != w1 and time_weights is None:
            raise EvaluationInputError(
                f"the pre and post windows differ ({w0:g} and {w1:g} periods): the WDD compares "
                "counts, so the longer window alone makes a difference. Scale them with "
                f"time_weights=(1, {w0 / w1:.4g}) (the post counts to the pre window) or "
                f"time_weights=({w1 / w0:.4g}, 1)"
            )
    variance = variance or ("quasi" if (scales or dispersion is not None) else "poisson")
    if variance not in ("quasi", "poisson"):
        raise EvaluationInputError(f"variance must be 'quasi' or 'poisson', not {variance!r}")
    phi = _dispersions(variance, dispersion, scales)
    est: dict[str, float] = {}
    parts: dict[str, float] = {}
    for i, name in enumerate(AREAS):
        pre, post = pairs[name]
        w0, w1 = aw[i] * tw[0], aw[i] * tw[1]
        est[name] = w1 * post - w0 * pre
        parts[name] = phi[i] * (w1**2 * post + w0**2 * pre)
    out_est = {
        "local": est["treated"] - est["control"],
        "displacement": est["disp_treated"] - est["disp_control"],
    }
    out_var = {
        "local": parts["treated"] + parts["control"],
        "displacement": parts["disp_treated"] + parts["disp_control"],
    }
    out_est["total"] = out_est["local"] + out_est["displacement"]
    out_var["total"] = out_var["local"] + out_var["displacement"]
    if out_var["local"] == 0:
        raise EvaluationInputError("control and treated counts are all zero; nothing to test")
    df = None
    if variance == "quasi" and scales and dispersion is None:
        members = {
            "local": ("treated", "control"),
            "displacement": ("disp_treated", "disp_control"),
            "total": AREAS,
        }
        df = {
            row: _satterthwaite([parts[a] for a in areas], [scale_df.get(a, 0) for a in areas])
            for row, areas in members.items()
        }
    return WDDResult(
        _rows_table(out_est, out_var, alpha, df),
        alpha,
        variance=variance,
        dispersion=tuple(phi),
    )


def _dispersions(
    variance: str, dispersion: float | Sequence[float] | None, scales: dict[str, float]
) -> list[float]:
    if variance == "poisson":
        return [1.0] * 4
    if dispersion is not None:
        values = (
            [float(dispersion)] * 4 if np.ndim(dispersion) == 0 else [float(v) for v in dispersion]  # type: ignore[union-attr]
        )
        if len(values) != 4 or min(values) <= 0:
            raise EvaluationInputError(
                "dispersion must be one positive number or 4 (control, treated, disp_control, "
                "disp_treated)"
            )
        return values
    if not scales:
        raise EvaluationInputError(
            "variance='quasi' needs the areas as series (to estimate each area's dispersion "
            "from its pre periods) or a given dispersion="
        )
    return [scales.get(name, 1.0) for name in AREAS]


def _satterthwaite(parts: list[float], dfs: list[int]) -> float:
    """Welch-Satterthwaite degrees of freedom of a sum of independently estimated variances."""
    used = [(v, d) for v, d in zip(parts, dfs, strict=True) if v > 0 and d > 0]
    if not used:
        return np.inf
    return float(sum(v for v, _ in used) ** 2 / sum(v**2 / d for v, d in used))


def wdd_harm(
    estimates: Sequence[float] | Sequence[WDDResult],
    se: Sequence[float] | None = None,
    weights: Sequence[float] | None = None,
    *,
    names: Sequence[str] | None = None,
    alpha: float = 0.05,
) -> WDDResult:
    """Combine several WDD estimates (e.g. one per crime type) with harm weights.

    Following Wheeler's harm-weighted amendment of the WDD: the combined estimate is
    ``sum(w_i * est_i)`` with variance ``sum(w_i^2 * se_i^2)`` (the crime types' counts are
    treated as independent).

    Parameters
    ----------
    estimates : sequence of float or of WDDResult
        WDD total estimates (or WDD results, whose ``total`` rows are used).
    se : sequence of float, optional
        Their standard errors (omit when passing WDD results).
    weights : sequence of float
        Harm weights (e.g. Cambridge Crime Harm Index days of imprisonment), one per estimate.
    names : sequence of str, optional
        Labels of the components (crime types).
    alpha : float
        One minus the confidence level.

    Returns
    -------
    WDDResult
        One row per weighted component and a ``total`` row.
    """
    check_alpha(alpha)
    items = list(estimates)
    if items and all(isinstance(i, WDDResult) for i in items):
        est = np.array([i.total["estimate"] for i in items], dtype=float)
        ses = np.array([i.total["se"] for i in items], dtype=float)
    else:
        if se is None:
            raise EvaluationInputError("wdd_harm needs `se` when estimates are numbers")
        est = np.asarray(items, dtype=float)
        ses = np.asarray(se, dtype=float)
    if weights is None:
        raise EvaluationInputError("wdd_harm needs `weights`, one per estimate")
    w = np.asarray(weights, dtype=float)
    if not (len(est) == len(ses) == len(w)) or len(est) == 0:
        raise EvaluationInputError(
            f"estimates ({len(est)}), se ({len(ses)}) and weights ({len(w)}) must have the same "
            "non-zero length"
        )
    if np.any(~np.isfinite(est)) or np.any(ses < 0) or np.any(w < 0):
        raise EvaluationInputError("estimates must be finite, se and weights >= 0")
    labels = list(names) if names is not None else [f"component_{i + 1}" for i in range(len(est))]
    e = {lab: float(wi * ei) for lab, wi, ei in zip(labels, w, est, strict=True)}
    v = {lab: float(wi**2 * si**2) for lab, wi, si in zip(labels, w, ses, strict=True)}
    e["total"] = float(np.sum(w * est))
    v["total"] = float(np.sum(w**2 * ses**2))
    return WDDResult(_rows_table(e, v, alpha), alpha, harm=True)
