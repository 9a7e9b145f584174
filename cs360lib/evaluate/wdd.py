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

if TYPE_CHECKING:  # pragma: no cover
    import altair as alt
    from pandas.io.formats.style import Styler

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
    """

    frame: pd.DataFrame
    alpha: float
    harm: bool = False
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

    def table(self) -> Styler:
        """Return the estimates as a presentation table, one row per area and the total.

        Returns
        -------
        pandas.io.formats.style.Styler
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


def _rows_table(est: dict[str, float], var: dict[str, float], alpha: float) -> pd.DataFrame:
    crit = float(stats.norm.ppf(1 - alpha / 2))
    rows = {}
    for name, e in est.items():
        se = float(np.sqrt(var[name]))
        z = e / se if se > 0 else np.nan
        rows[name] = {
            "estimate": e,
            "se": se,
            "z": z,
            "p_value": float(2 * stats.norm.sf(abs(z))) if se > 0 else np.nan,
            "ci_low": e - crit * se,
            "ci_high": e + crit * se,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def wdd(
    control: Sequence[float],
    treated: Sequence[float],
    disp_control: Sequence[float] | None = None,
    disp_treated: Sequence[float] | None = None,
    *,
    time_weights: Sequence[float] | None = None,
    area_weights: Sequence[float] | None = None,
    alpha: float = 0.05,
) -> WDDResult:
    """Weighted displacement difference test (Wheeler & Ratcliffe 2018).

    Parameters
    ----------
    control, treated : (pre, post) pair of counts
        Crimes in the control and treated areas before and after the response.
    disp_control, disp_treated : (pre, post) pair of counts, optional
        Crimes in the displacement (buffer) area around the treated area and in its control.
    time_weights : (pre, post) pair, optional
        Multipliers for periods of unequal length (e.g. ``(1, 12/9)`` to scale 9 post months to
        the 12 pre months). Default ``(1, 1)``.
    area_weights : 4 numbers, optional
        Multipliers for control, treated, displacement-control and displacement-treated areas
        (e.g. to scale a control area to the treated area's size). Default all 1.
    alpha : float
        One minus the confidence level (the paper's example uses 0.05).

    Returns
    -------
    WDDResult
        ``local = (T1 - T0) - (C1 - C0)``, ``displacement = (D1 - D0) - (DC1 - DC0)`` and
        ``total = local + displacement`` on the weighted counts, with Poisson variances
        ``sum(w^2 * count)``, z, two-sided p value and normal interval.

    Examples
    --------
    >>> r = wdd((308, 318), (207, 110), (150, 140), (178, 157))
    >>> round(r.total["estimate"]), round(r.total["se"], 2), round(r.total["z"], 2)
    (-118, 39.6, -2.98)
    """
    check_alpha(alpha)
    c, t = pair("control", control), pair("treated", treated)
    dc, dt = pair("disp_control", disp_control), pair("disp_treated", disp_treated)
    tw = (1.0, 1.0) if time_weights is None else tuple(float(w) for w in time_weights)
    aw = (1.0,) * 4 if area_weights is None else tuple(float(w) for w in area_weights)
    if len(tw) != 2 or len(aw) != 4 or min(*tw, *aw) <= 0:
        raise EvaluationInputError(
            "time_weights must be 2 positive numbers (pre, post) and area_weights 4 positive "
            "numbers (control, treated, disp_control, disp_treated)"
        )

    def est_var(pair: tuple[float, float], a: float) -> tuple[float, float]:
        w0, w1 = a * tw[0], a * tw[1]
        return w1 * pair[1] - w0 * pair[0], w1**2 * pair[1] + w0**2 * pair[0]

    (ec, vc), (et, vt) = est_var(c, aw[0]), est_var(t, aw[1])
    (edc, vdc), (edt, vdt) = est_var(dc, aw[2]), est_var(dt, aw[3])
    est = {"local": et - ec, "displacement": edt - edc}
    var = {"local": vt + vc, "displacement": vdt + vdc}
    est["total"] = est["local"] + est["displacement"]
    var["total"] = var["local"] + var["displacement"]
    if var["local"] == 0:
        raise EvaluationInputError("control and treated counts are all zero; nothing to test")
    return WDDResult(_rows_table(est, var, alpha), alpha)


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
