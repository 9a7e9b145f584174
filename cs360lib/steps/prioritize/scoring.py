"""Scoring: criteria rescaled to a common range, weighted, summed, ranked.

A weighted sum of criteria on different scales (counts, days, shares, Gini) needs them on one
scale first. The worksheet uses the **min-max** rule of multi-criteria decision analysis
(the linear scale transformation; e.g. Malczewski 1999, *GIS and Multicriteria Decision
Analysis*, section 4.3): for each criterion, across the candidates being ranked,

``n = (x - min) / (max - min)``

so the candidate with the most of a criterion gets 1 and the one with the least 0 (all get 0
when the criterion does not separate them: it then adds nothing). Frequency and harm are
rescaled on ``log10(1 + x)``: counts of different offenses span orders of magnitude, and on a
linear scale the largest would push every other candidate to 0. Higher is worse (more
pressing) for every criterion, including trend (a clear rise) and concentration (a few places
to work on), and higher is better-placed for community concern, feasibility and data.

With weights ``w`` (from the engagement, any scale; only their ratios matter) the score is

``S = sum_k (w_k / sum_j w_j) * n_k``

and the **contribution** of criterion ``k`` is the term ``(w_k / sum_j w_j) * n_k``, so the
contributions add up to the score. Because the score is linear in the weights, changing one
weight moves every score along a straight line (see :mod:`.sensitivity`).

Only candidates that pass the CHEERS gate and have every criterion with a weight above zero
are ranked; the others are listed with the reason ("not scored").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import altair as alt
import numpy as np
import pandas as pd

from cs360lib.config.prioritization import CRITERIA, CRITERION_LABELS, resolve_weights
from cs360lib.errors import PrioritizationError
from cs360lib.publish.aggregate import first_of, shown_title
from cs360lib.publish.results import Result
from cs360lib.publish.tables import PresentationTable, presentation_table
from cs360lib.steps.prioritize.cheers import Cheers
from cs360lib.steps.prioritize.criteria import Criteria, describe_missing

if TYPE_CHECKING:  # pragma: no cover
    from cs360lib.publish.publication import Publication

__all__ = ["LOG_CRITERIA", "Scores", "normalise", "score", "score_table"]

LOG_CRITERIA: tuple[str, ...] = ("frequency", "harm")
"""Criteria rescaled on ``log10(1 + x)`` before the min-max rule."""


def normalise(raw: pd.DataFrame) -> pd.DataFrame:
    """Rescale each criterion to 0-1 across the candidates (min-max; log for counts).

    Parameters
    ----------
    raw : pandas.DataFrame
        Candidates (rows) by criteria (columns of :data:`~cs360lib.config.prioritization.
        CRITERIA`), no missing values.

    Returns
    -------
    pandas.DataFrame
        Same shape, values in [0, 1]; a criterion with one value for all candidates is 0.

    Raises
    ------
    PrioritizationError
        For a missing or infinite value, or a negative count (frequency, harm).

    Examples
    --------
    >>> normalise(pd.DataFrame({"community": [0.1, 0.3, 0.5]}))["community"].round(2).tolist()
    [0.0, 0.5, 1.0]
    """
    values = raw.astype(float)
    if not np.isfinite(values.to_numpy()).all():
        raise PrioritizationError("normalise: the criteria hold missing or infinite values")
    out = values.copy()
    for column in values.columns:
        x = values[column]
        if column in LOG_CRITERIA:
            if (x < 0).any():
                raise PrioritizationError(f"normalise: {column} must be >= 0")
            x = np.log10(1.0 + x)
        span = x.max() - x.min()
        out[column] = (x - x.min()) / span if span > 0 else 0.0
    return out


@dataclass(frozen=True)
class Scores(Result):
    """Ranked candidates with each criterion's contribution, raw beside normalised values.

    Attributes
    ----------
    weights : dict of str to float
        The weights used (every criterion, as given: only ratios matter).
    raw : pandas.DataFrame
        Raw criteria of every candidate (indexed by id; NaN where not computed).
    normalised : pandas.DataFrame
        Normalised criteria of the ranked candidates (indexed by id): every criterion that
        all of them have (those with a weight above zero at least).
    names : dict of str to str
        Candidate id -> label.
    not_scored : dict of str to str
        Candidate id -> why it is not ranked.
    """

    weights: Mapping[str, float]
    raw: pd.DataFrame
    normalised: pd.DataFrame
    names: Mapping[str, str]
    not_scored: Mapping[str, str] = field(default_factory=dict)
    labels = {
        "rank": "Rank",
        "id": "ID",
        "label": "Candidate",
        "score": "Score",
        "status": "Status",
        **{f"contribution_{c}": f"{CRITERION_LABELS[c]}: contribution" for c in CRITERIA},
        **{f"normalised_{c}": f"{CRITERION_LABELS[c]}: normalised" for c in CRITERIA},
        **{f"raw_{c}": f"{CRITERION_LABELS[c]}: raw" for c in CRITERIA},
    }
    # ranks and scores are not counts; the raw criteria (events, harm) are in the criteria
    # table, which hides them for a candidate with few events
    count_columns = ()
    privacy = {f"raw_{c}": "internal" for c in CRITERIA}

    @property
    def shares(self) -> pd.Series:
        """The weights as shares summing to 1, by criterion."""
        w = pd.Series(self.weights, dtype=float).reindex(list(CRITERIA))
        return w / w.sum()

    def contributions(self) -> pd.DataFrame:
        """Return each criterion's contribution to each ranked candidate's score.

        Returns
        -------
        pandas.DataFrame
            Indexed by id, one column per criterion; rows sum to the score.
        """
        full = self.normalised.reindex(columns=list(CRITERIA)).fillna(0.0)
        return full.mul(self.shares, axis=1)

    def scores(self) -> pd.Series:
        """Return the score of each ranked candidate, highest first.

        Returns
        -------
        pandas.Series
            Indexed by id.
        """
        total = self.contributions().sum(axis=1)
        order = sorted(total.index, key=lambda i: (-round(float(total[i]), 12), str(i)))
        return total.reindex(order)

    def ranking(self) -> list[str]:
        """Return the ranked candidate ids, first to last (ties by id)."""
        return list(self.scores().index)

    def rank_of(self, candidate_id: str) -> int:
        """Return a candidate's rank (1 is first).

        Raises
        ------
        KeyError
            If the candidate is not ranked.
        """
        return self.ranking().index(candidate_id) + 1

    def rescore(self, weights: Mapping[str, float]) -> Scores:
        """Return the scores under other weights (same candidates, same normalisation).

        Parameters
        ----------
        weights : mapping of str to float
            Criterion -> weight (criteria not named weigh 1; see
            :func:`~cs360lib.config.prioritization.resolve_weights`).

        Returns
        -------
        Scores

        Raises
        ------
        PrioritizationError
            For bad weights, or weights that leave a criterion with a weight above zero
            that some ranked candidate misses.
        """
        full = resolve_weights(weights)
        needed = [c for c in CRITERIA if full[c] > 0 and c not in self.normalised.columns]
        if needed:
            raise PrioritizationError(f"rescore: no values for {needed}")
        return replace(self, weights=full)

    def to_frame(self) -> pd.DataFrame:
        """Return the ranked table, then the candidates not scored.

        Returns
        -------
        pandas.DataFrame
            ``rank``, ``id``, ``label``, ``score``, ``status`` (``scored`` or ``not
            scored: ...``), then per criterion ``contribution_<c>``, ``normalised_<c>`` and
            ``raw_<c>``.
        """
        contrib = self.contributions()
        scores = self.scores()
        rows = []
        for rank, cid in enumerate(scores.index, start=1):
            row = {
                "rank": rank,
                "id": cid,
                "label": self.names[cid],
                "score": float(scores[cid]),
                "status": "scored",
            }
            for c in CRITERIA:
                row[f"contribution_{c}"] = float(contrib.at[cid, c])
            for c in CRITERIA:
                known = c in self.normalised.columns
                row[f"normalised_{c}"] = float(self.normalised.at[cid, c]) if known else np.nan
            for c in CRITERIA:
                row[f"raw_{c}"] = float(self.raw.at[cid, c])
            rows.append(row)
        for cid, why in self.not_scored.items():
            row = {
                "rank": np.nan,
                "id": cid,
                "label": self.names[cid],
                "score": np.nan,
                "status": f"not scored: {why}",
            }
            for c in CRITERIA:
                row[f"raw_{c}"] = float(self.raw.at[cid, c]) if cid in self.raw.index else np.nan
            rows.append(row)
        return pd.DataFrame(rows, columns=list(self.labels))

    def table(self) -> PresentationTable:
        """Return the ranking with each criterion's contribution, for reading.

        Returns
        -------
        cs360lib.publish.tables.PresentationTable
            Rank, candidate, score, the contribution of each criterion with a weight above
            zero (they add up to the score), and the status (why a candidate is not scored).
            The normalised and raw values are in :meth:`to_frame` and the Excel workbook.
        """
        used = [f"contribution_{c}" for c in CRITERIA if self.weights[c] > 0]
        frame = self.to_frame()[["rank", "label", "score", *used, "status"]]
        labels = {
            **self.labels,
            **{f"contribution_{c}": CRITERION_LABELS[c] for c in CRITERIA},
        }
        notes = ("Each criterion's column is its contribution to the score.",)
        return presentation_table(frame, labels=labels, precision=3, notes=notes)

    def with_frame(self, frame: pd.DataFrame, publication: Publication) -> Scores:
        """Return the published copy: the same scores, without the raw values' detail.

        The scores, contributions and normalised values are not counts (the raw criteria,
        which hold counts, are published in the criteria table, small ones hidden); only the
        raw columns (``privacy``: internal) differ, and :meth:`table` does not show them.

        Parameters
        ----------
        frame : pandas.DataFrame
            The published frame (unused: the copy recomputes the same numbers).
        publication : Publication
            What was withheld.

        Returns
        -------
        Scores
        """
        return replace(self, publication=publication)

    def summary(self) -> str:
        """Say which candidate ranks first, by how much, and why.

        Returns
        -------
        str
            The top three with their scores, the criteria that carry the first, and the
            candidates not scored.
        """
        scores = self.scores()
        shares = self.shares
        weights = ", ".join(
            f"{CRITERION_LABELS[c].lower()} {shares[c]:.0%}" for c in CRITERIA if shares[c] > 0
        )
        lines = [f"Weights (shares of the score): {weights}."]
        if scores.empty:
            lines.append("No candidate could be scored; see the reasons below.")
        else:
            first = scores.index[0]
            top = "; ".join(
                f"{i}. {self.names[cid]} ({scores[cid]:.2f})"
                for i, cid in enumerate(scores.index[:3], start=1)
            )
            lines.append(f"Ranking (score from 0 to 1): {top}.")
            carry = self.contributions().loc[first].sort_values(ascending=False)
            main = [CRITERION_LABELS[c].lower() for c in carry.index[:3] if carry[c] > 0]
            if main:
                lines.append(f"{self.names[first]} ranks first mostly on {', '.join(main)}.")
        for cid, why in self.not_scored.items():
            lines.append(f"- {self.names[cid]}: not scored: {why}")
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Stacked bars of each criterion's contribution to each ranked candidate's score.

        Returns
        -------
        altair.Chart
            One bar per ranked candidate, best first, split by criterion: the
            :data:`~cs360lib.publish.aggregate.MAX_BARS` highest-ranked (the title says so
            when more are ranked; the table lists all).
        """
        contrib = self.contributions()
        long = contrib.reset_index(names="id").melt(
            id_vars="id", var_name="criterion", value_name="contribution"
        )
        long, left_out = first_of(long, by="id", order=self.ranking())
        order = [self.names[c] for c in self.ranking() if c in set(long["id"])]
        long["candidate"] = long["id"].map(self.names)
        long["criterion"] = long["criterion"].map(CRITERION_LABELS)
        if long.empty:
            long = pd.DataFrame(
                {"candidate": ["none scored"], "criterion": [""], "contribution": [0.0]}
            )
        title = shown_title(
            "Score of each candidate and what makes it up",
            shown=len(order),
            left_out=left_out,
            what="highest-ranked candidates",
        )
        return (
            alt.Chart(long, title=title)
            .mark_bar()
            .encode(
                y=alt.Y("candidate:N", title=None, sort=order),
                x=alt.X("contribution:Q", title="score (sum of contributions)", stack="zero"),
                color=alt.Color(
                    "criterion:N",
                    title="Criterion",
                    sort=[CRITERION_LABELS[c] for c in CRITERIA],
                ),
                tooltip=["candidate", "criterion", alt.Tooltip("contribution:Q", format=".3f")],
            )
        )


def score_table(
    raw: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    *,
    names: Mapping[str, str] | None = None,
    excluded: Mapping[str, str] | None = None,
) -> Scores:
    """Score candidates from a table of raw criteria.

    Parameters
    ----------
    raw : pandas.DataFrame
        Indexed by candidate id, one column per criterion (:data:`~cs360lib.config.
        prioritization.CRITERIA`); NaN where a criterion could not be computed.
    weights : mapping of str to float, optional
        Criterion -> weight (see :func:`~cs360lib.config.prioritization.resolve_weights`).
    names : mapping of str to str, optional
        Candidate id -> label (the id by default).
    excluded : mapping of str to str, optional
        Candidates not to rank (e.g. those failing CHEERS), with the reason.

    Returns
    -------
    Scores
        Candidates missing a criterion with a weight above zero are not scored, with the
        missing criteria named.

    Raises
    ------
    PrioritizationError
        For bad weights (negative, all zero, an unknown criterion) or a table without a
        column for every criterion.
    """
    full = resolve_weights(weights)
    absent = [c for c in CRITERIA if c not in raw.columns]
    if absent:
        raise PrioritizationError(f"score_table: the table has no column for {absent}")
    raw = raw[list(CRITERIA)].astype(float)
    raw.index = raw.index.astype(str)
    names = {str(k): str(v) for k, v in (names or {}).items()}
    names = {cid: names.get(cid, cid) for cid in raw.index}
    not_scored = {str(k): v for k, v in (excluded or {}).items() if str(k) in raw.index}
    used = [c for c in CRITERIA if full[c] > 0]
    for cid in raw.index:
        if cid in not_scored:
            continue
        lacking = [CRITERION_LABELS[c].lower() for c in used if not np.isfinite(raw.at[cid, c])]
        if lacking:
            not_scored[cid] = f"no value for {', '.join(lacking)}"
    ranked = [cid for cid in raw.index if cid not in not_scored]
    table = raw.loc[ranked]
    finite = [c for c in CRITERIA if np.isfinite(table[c].to_numpy()).all()]
    normalised = normalise(table[finite])
    return Scores(weights=full, raw=raw, normalised=normalised, names=names, not_scored=not_scored)


def score(
    criteria: Criteria, *, weights: Mapping[str, float] | None = None, gate: Cheers | None = None
) -> Scores:
    """Rank the candidates that pass the CHEERS gate by their weighted, normalised criteria.

    Parameters
    ----------
    criteria : Criteria
        Raw criteria (:func:`.criteria.compute_criteria`).
    weights : mapping of str to float, optional
        Criterion -> weight; criteria not named weigh 1.
    gate : Cheers, optional
        The CHEERS answers: failing candidates are listed as not scored with the reason.

    Returns
    -------
    Scores

    Raises
    ------
    PrioritizationError
        For bad weights.
    """
    raw = criteria.values()
    names = dict(zip(criteria.frame["id"], criteria.frame["label"], strict=True))
    excluded = {}
    if gate is not None:
        excluded = {cid: f"fails CHEERS ({why})" for cid, why in gate.failed().items()}
    full = resolve_weights(weights)
    for cid, reasons in criteria.missing.items():
        if cid in excluded:
            continue
        lacking = {c: r for c, r in reasons.items() if full.get(c, 0) > 0}
        if lacking:
            excluded[cid] = describe_missing(lacking)
    result = score_table(raw, weights, names=names, excluded=excluded)
    return replace(result, warnings=list(criteria.warnings))
