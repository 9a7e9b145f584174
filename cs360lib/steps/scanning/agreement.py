"""Agreement between coders: Cohen's kappa for two, Krippendorff's alpha for more.

People check the machine, and each other. :func:`agreement` compares two sets of codes
(two people, or a person and the codebook) concern by concern with Cohen's kappa
(Cohen, 1960, "A coefficient of agreement for nominal scales", *Educational and
Psychological Measurement* 20(1); computed by scikit-learn's ``cohen_kappa_score``), and
overall on all (response, concern) decisions pooled. :func:`krippendorff_alpha` handles
three coders or more, and missing codes, with Krippendorff's alpha for nominal data
(Krippendorff, 2004, *Content Analysis*, 2nd ed., chapter 11; computed by the
``krippendorff`` package). Every figure comes with the number of responses behind it.

Plain-language bands follow Landis and Koch (1977, "The measurement of observer
agreement for categorical data", *Biometrics* 33(1)) for kappa, and Krippendorff
(2004, section 11.4.4) for alpha: at least 0.800 reliable, 0.667 to 0.800 tentative.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import altair as alt
import krippendorff
import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

from cs360lib.errors import CodebookError
from cs360lib.publish.results import Result
from cs360lib.publish.tables import presentation_table
from cs360lib.steps.scanning.coding import Coding

if TYPE_CHECKING:  # pragma: no cover
    from cs360lib.publish.tables import PresentationTable

__all__ = ["Agreement", "agreement", "kappa_band", "krippendorff_alpha"]

OVERALL = "(all concerns)"
"""Name of the pooled row in agreement tables."""


def kappa_band(value: float) -> str:
    """Describe a kappa in words (Landis and Koch, 1977).

    Parameters
    ----------
    value : float
        Cohen's kappa; NaN when it cannot be computed.

    Returns
    -------
    str
        ``"poor"``, ``"slight"``, ``"fair"``, ``"moderate"``, ``"substantial"``,
        ``"almost perfect"`` or ``"cannot be computed"``.
    """
    if value is None or not np.isfinite(value):
        return "cannot be computed"
    for upper, name in (
        (0.0, "poor"),
        (0.2, "slight"),
        (0.4, "fair"),
        (0.6, "moderate"),
        (0.8, "substantial"),
    ):
        if value <= upper:
            return name
    return "almost perfect"


def _alpha_band(value: float) -> str:
    if value is None or not np.isfinite(value):
        return "cannot be computed"
    if value >= 0.8:
        return "reliable"
    if value >= 0.667:
        return "tentative"
    return "unreliable"


def _as_codes(codes: Coding | pd.DataFrame, name: str) -> pd.DataFrame:
    frame = codes.codes if isinstance(codes, Coding) else codes
    if not isinstance(frame, pd.DataFrame):
        raise CodebookError(f"{name}: expected a Coding or a DataFrame of yes/no codes.")
    if frame.index.has_duplicates:
        raise CodebookError(f"{name}: the response ids (index) repeat.")
    return frame.astype("boolean")


@dataclass(frozen=True)
class Agreement(Result):
    """Agreement between coders, per concern and overall.

    Attributes
    ----------
    results : pandas.DataFrame
        One row per concern and a last row ``(all concerns)``: ``concern``, ``label``,
        ``responses`` (units behind the figure), ``statistic`` (kappa or alpha),
        ``agreement`` (share of identical decisions), ``band`` (plain words), and
        ``positives_<coder>`` per coder.
    method : str
        ``"Cohen's kappa"`` or ``"Krippendorff's alpha"``.
    coders : list of str
        Coder names.

    Its warnings name the concerns whose statistic could not be computed, and why.
    """

    results: pd.DataFrame
    method: str
    coders: list[str]
    labels = {
        "label": "Concern",
        "responses": "Responses",
        "agreement": "Same decision",
        "band": "Reading",
    }

    @property
    def overall(self) -> float:
        """The pooled statistic over every (response, concern) decision."""
        return float(self.results.loc[self.results["concern"] == OVERALL, "statistic"].iloc[0])

    def to_frame(self) -> pd.DataFrame:
        """Return the agreement table (``results``)."""
        return self.results.copy()

    def summary(self) -> str:
        """Describe the agreement in plain language.

        Returns
        -------
        str
            The overall figure with its band, and the concerns with the weakest agreement.
        """
        t = self.results
        o = t[t["concern"] == OVERALL].iloc[0]
        lines = [
            f"{self.method} between {' and '.join(self.coders)} over all concerns: "
            + (
                f"{o['statistic']:.2f} ({o['band']})"
                if np.isfinite(o["statistic"])
                else "cannot be computed"
            )
            + f", from {int(o['responses']):,} coded decisions; the coders made the same "
            f"decision {o['agreement']:.0%} of the time."
        ]
        per = t[(t["concern"] != OVERALL) & np.isfinite(t["statistic"].astype(float))]
        weak = per.sort_values("statistic").head(3)
        if len(weak):
            lines.append(
                "Weakest agreement: "
                + "; ".join(
                    f"{r.label} {r.statistic:.2f} ({int(r.responses):,} responses)"
                    for r in weak.itertuples()
                )
                + ". Read these definitions together and recode."
            )
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Bar chart of the statistic per concern, with the count of responses.

        Returns
        -------
        altair.Chart
            One bar per concern (the pooled value as a rule).
        """
        t = self.results
        per = t[(t["concern"] != OVERALL) & np.isfinite(t["statistic"].astype(float))]
        bars = (
            alt.Chart(per, title=f"{self.method} by concern")
            .mark_bar()
            .encode(
                y=alt.Y("label:N", title=None, sort="-x"),
                x=alt.X("statistic:Q", title=self.method, scale=alt.Scale(domain=[-1, 1])),
                tooltip=["label", alt.Tooltip("statistic:Q", format=".2f"), "responses", "band"],
            )
        )
        rule = (
            alt.Chart(pd.DataFrame({"x": [self.overall]}))
            .mark_rule(strokeDash=[4, 3])
            .encode(x="x:Q")
        )
        return bars + rule

    def table(self) -> PresentationTable:
        """Return the statistic per concern and pooled ("n/a" where it is undefined)."""
        t = self.results
        out = pd.DataFrame(
            {
                "label": t["label"],
                "responses": t["responses"].astype(int),
                "statistic": [f"{v:.2f}" if np.isfinite(v) else "n/a" for v in t["statistic"]],
                "agreement": [f"{v:.0%}" if np.isfinite(v) else "n/a" for v in t["agreement"]],
                "band": t["band"],
            }
        ).reset_index(drop=True)
        return presentation_table(out, labels={**self.labels, "statistic": self.method})


def _labels(columns: Sequence[str], labels: Mapping[str, str] | None) -> list[str]:
    labels = labels or {}
    return [labels.get(c, c) for c in columns]


def agreement(
    first: Coding | pd.DataFrame,
    second: Coding | pd.DataFrame,
    *,
    names: tuple[str, str] = ("coder 1", "coder 2"),
    concerns: Sequence[str] | None = None,
) -> Agreement:
    """Cohen's kappa between two coders, per concern and over all decisions pooled.

    Parameters
    ----------
    first, second : Coding or pandas.DataFrame
        Codes indexed by ``response_id``, one yes/no column per concern (a
        :class:`~.coding.Coding` gives its final ``codes``). Missing values mean "not
        coded" and drop that response for that concern.
    names : tuple of str, default ("coder 1", "coder 2")
        Names of the coders (roles, e.g. ``("codebook", "analyst")``; never a person's name
        in a published report).
    concerns : sequence of str, optional
        Concerns to compare; default: every column both have.

    Returns
    -------
    Agreement
        ``responses`` counts the responses both coded for that concern; the pooled row
        counts (response, concern) decisions.

    Raises
    ------
    CodebookError
        If the two share no response or no concern.
    """
    a, b = _as_codes(first, names[0]), _as_codes(second, names[1])
    cols = list(concerns) if concerns is not None else [c for c in a.columns if c in b.columns]
    common = a.index.intersection(b.index)
    if not cols or not len(common):
        raise CodebookError(
            f"{names[0]} and {names[1]} share no concern column or no response id; nothing to "
            "compare."
        )
    labels = first.codebook.labels if isinstance(first, Coding) else None
    a, b = a.loc[common, cols], b.loc[common, cols]
    rows, warns = [], []
    pooled_a, pooled_b = [], []
    for c, label in zip(cols, _labels(cols, labels), strict=True):
        ok = a[c].notna() & b[c].notna()
        x, y = a.loc[ok, c].astype(bool).to_numpy(), b.loc[ok, c].astype(bool).to_numpy()
        pooled_a.append(x)
        pooled_b.append(y)
        stat = _kappa(x, y)
        if not np.isfinite(stat) and len(x):
            warns.append(
                f"{label}: kappa cannot be computed, both coders gave one and the same answer "
                f"to all {len(x):,} responses."
            )
        rows.append(_row(c, label, x, y, stat, names))
    x, y = np.concatenate(pooled_a), np.concatenate(pooled_b)
    rows.append(_row(OVERALL, "All concerns (pooled)", x, y, _kappa(x, y), names))
    table = pd.DataFrame(rows)
    table["band"] = [kappa_band(v) for v in table["statistic"]]
    return Agreement(results=table, method="Cohen's kappa", coders=list(names), warnings=warns)


def _kappa(x: np.ndarray, y: np.ndarray) -> float:
    # Kappa is undefined (0 / 0) exactly when both coders gave one and the same answer
    # throughout, or there is nothing to compare: answered here, so scikit-learn never
    # reaches its undefined-metric warning.
    if len(x) == 0 or (len(np.unique(x)) == 1 and len(np.unique(y)) == 1 and x[0] == y[0]):
        return float("nan")
    return float(cohen_kappa_score(x, y, labels=[False, True]))


def _row(
    concern: str, label: str, x: np.ndarray, y: np.ndarray, stat: float, names: Sequence[str]
) -> dict:
    return {
        "concern": concern,
        "label": label,
        "responses": len(x),
        "statistic": stat,
        "agreement": float(np.mean(x == y)) if len(x) else float("nan"),
        **{f"positives_{n}": int(v.sum()) for n, v in zip(names, (x, y), strict=True)},
    }


def krippendorff_alpha(
    codings: Mapping[str, Coding | pd.DataFrame], *, concerns: Sequence[str] | None = None
) -> Agreement:
    """Krippendorff's alpha (nominal) for two or more coders, per concern and pooled.

    Parameters
    ----------
    codings : mapping of str to Coding or pandas.DataFrame
        Coder name -> codes indexed by ``response_id`` (missing = not coded by that coder).
    concerns : sequence of str, optional
        Concerns to compare; default: the columns every coder has.

    Returns
    -------
    Agreement
        ``responses`` counts the responses coded by at least two coders (the pairable
        units); ``agreement`` is the share of pairable responses on which every coder who
        coded agreed.

    Raises
    ------
    CodebookError
        With fewer than two coders, or no common concern.
    """
    if len(codings) < 2:
        raise CodebookError("Krippendorff's alpha needs at least two coders.")
    frames = {n: _as_codes(c, n) for n, c in codings.items()}
    names = list(frames)
    cols = (
        list(concerns)
        if concerns is not None
        else [c for c in frames[names[0]].columns if all(c in f.columns for f in frames.values())]
    )
    if not cols:
        raise CodebookError("the coders share no concern column; nothing to compare.")
    first = next(iter(codings.values()))
    labels = first.codebook.labels if isinstance(first, Coding) else None
    units = frames[names[0]].index
    for f in frames.values():
        units = units.union(f.index)
    rows, warns, pooled = [], [], []
    for c, label in zip(cols, _labels(cols, labels), strict=True):
        data = np.vstack(
            [
                frames[n][c].reindex(units).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
                for n in names
            ]
        )
        pooled.append(data)
        rows.append(_alpha_row(c, label, data, names, warns))
    rows.append(_alpha_row(OVERALL, "All concerns (pooled)", np.hstack(pooled), names, []))
    table = pd.DataFrame(rows)
    table["band"] = [_alpha_band(v) for v in table["statistic"]]
    return Agreement(results=table, method="Krippendorff's alpha", coders=names, warnings=warns)


def _alpha_row(
    concern: str, label: str, data: np.ndarray, names: Sequence[str], warns: list[str]
) -> dict:
    coded = (~np.isnan(data)).sum(axis=0)
    pairable = data[:, coded >= 2]
    values = pairable[~np.isnan(pairable)]
    if pairable.shape[1] == 0 or len(np.unique(values)) < 2:
        stat = float("nan")
        if pairable.shape[1]:
            warns.append(f"{label}: alpha cannot be computed, every code given is the same.")
    else:
        stat = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    same = [len(np.unique(col[~np.isnan(col)])) == 1 for col in pairable.T]
    return {
        "concern": concern,
        "label": label,
        "responses": int(pairable.shape[1]),
        "statistic": stat,
        "agreement": float(np.mean(same)) if same else float("nan"),
        **{f"positives_{n}": int(np.nansum(row)) for n, row in zip(names, data, strict=True)},
    }
