"""Sensitivity: would a reasonable change of weights have picked another problem.

Two answers for a skeptical council member:

**Weight perturbation.** The weights ``w`` (as shares summing to 1) are drawn many times from
a Dirichlet distribution centred on them, ``Dirichlet(c * w)``, where ``c`` is the
concentration set in the engagement (``prioritization.sensitivity.concentration``): each share
then varies with standard deviation ``sqrt(w (1 - w) / (c + 1))``. A criterion weighted 0
stays at 0. For each draw the candidates are ranked again, and the worksheet reports for
each candidate the probability of ranking first and of ranking in the top three (the
stochastic multicriteria acceptability analysis of Lahdelma, Hokkanen and Salminen 1998,
with weights drawn around the group's choice instead of uniformly).

**The smallest single change that swaps the top two.** The score is linear in the weights:
with ``d = n_A - n_B`` the difference of the normalised criteria of the first (``A``) and the
second (``B``) candidate, ``A`` stays ahead exactly while ``sum_k w_k d_k > 0`` (the sum of the
weights divides both scores and is positive). Changing the weight of one criterion ``j`` by
``delta`` moves that sum by ``delta * d_j``, so the two tie at

``delta_j = -(sum_k w_k d_k) / d_j``

and ``B`` passes ``A`` beyond it. A change is possible only where ``d_j != 0`` and the new
weight ``w_j + delta_j`` is not negative; the worksheet lists each, smallest first, in the
engagement's own weight scale.

References
----------
Lahdelma, R., Hokkanen, J., & Salminen, P. (1998). SMAA - Stochastic multiobjective
acceptability analysis. *European Journal of Operational Research*, 106(1), 137-143.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from cs360lib.config.prioritization import CRITERIA, CRITERION_LABELS, DEFAULT_CONCENTRATION
from cs360lib.errors import PrioritizationError
from cs360lib.publish.aggregate import first_of, shown_title
from cs360lib.publish.results import NumbersAsComputed, Result
from cs360lib.steps.prioritize.scoring import Scores

__all__ = ["Sensitivity", "chance_text", "sensitivity", "swap_thresholds"]


def swap_thresholds(scores: Scores) -> pd.DataFrame:
    """Weights at which the second candidate would tie the first, one criterion at a time.

    Parameters
    ----------
    scores : Scores
        Ranked candidates (at least two).

    Returns
    -------
    pandas.DataFrame
        One row per criterion that can swap them: ``criterion``, ``weight`` (now),
        ``tie_weight`` (the weight at which they tie; beyond it the second is first),
        ``change`` (``tie_weight - weight``), ``direction`` (``raise`` or ``lower``),
        smallest absolute change first. Empty when fewer than two candidates are ranked or
        no single weight can swap them.
    """
    columns = ["criterion", "weight", "tie_weight", "change", "direction"]
    ranking = scores.ranking()
    if len(ranking) < 2:
        return pd.DataFrame(columns=columns)
    first, second = ranking[0], ranking[1]
    n = scores.normalised.reindex(columns=list(CRITERIA)).fillna(0.0)
    d = (n.loc[first] - n.loc[second]).to_numpy(dtype=float)
    w = np.array([scores.weights[c] for c in CRITERIA], dtype=float)
    gap = float(w @ d)
    rows = []
    for j, criterion in enumerate(CRITERIA):
        if abs(d[j]) < 1e-12:
            continue
        delta = -gap / d[j]
        tie = w[j] + delta
        if tie < 0 or (tie == 0 and w.sum() - w[j] <= 0):
            continue
        rows.append(
            {
                "criterion": criterion,
                "weight": w[j],
                "tie_weight": tie,
                "change": delta,
                "direction": "raise" if delta > 0 else "lower",
            }
        )
    out = pd.DataFrame(rows, columns=columns)
    order = out["change"].abs().sort_values(kind="stable").index
    return out.loc[order].reset_index(drop=True)


def chance_text(p: float) -> str:
    """Write a share of the weight draws so that it never overstates or reads as zero.

    Parameters
    ----------
    p : float
        A share from 0 to 1.

    Returns
    -------
    str
        ``"100%"`` and ``"none"`` only when exact; ``"more than 99%"`` and ``"less than 1%"``
        for shares that whole percentages would round to them; otherwise whole percentages.

    Examples
    --------
    >>> chance_text(1.0), chance_text(0.999), chance_text(0.42), chance_text(0.001)
    ('100%', 'more than 99%', '42%', 'less than 1%')
    """
    if p >= 1:
        return "100%"
    if p <= 0:
        return "none"
    if p > 0.99:
        return "more than 99%"
    if p < 0.01:
        return "less than 1%"
    return f"{p:.0%}"


@dataclass(frozen=True)
class Sensitivity(NumbersAsComputed, Result):
    """How often each candidate ranks first and in the top three when the weights move.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per ranked candidate: ``id``, ``label``, ``rank`` (under the chosen
        weights), ``p_first``, ``p_top3``.
    swaps : pandas.DataFrame
        :func:`swap_thresholds` of the top two.
    concentration : float
        Dirichlet concentration used.
    draws : int
        Number of weight draws.
    seed : int
        Seed of the draws.
    first, second : str or None
        Labels of the top two under the chosen weights.
    """

    frame: pd.DataFrame
    swaps: pd.DataFrame
    concentration: float
    draws: int
    seed: int
    first: str | None = None
    second: str | None = None
    labels = {
        "id": "Name in the engagement file",
        "label": "Candidate",
        "rank": "Rank",
        "p_first": "Probability of ranking first",
        "p_top3": "Probability of ranking in the top three",
    }
    count_columns = ()  # ranks and probabilities
    privacy = {"id": "internal"}  # the engagement file's handle: analyst report only

    def to_frame(self) -> pd.DataFrame:
        """Return the probabilities of each ranked candidate.

        Returns
        -------
        pandas.DataFrame
            ``id``, ``label``, ``rank``, ``p_first``, ``p_top3``.
        """
        return self.frame.copy()

    def summary(self) -> str:
        """Say how robust the first place is, in plain words.

        Returns
        -------
        str
            The probability that the first stays first, the runner-up, and the smallest
            single weight change that swaps them.
        """
        if self.frame.empty:
            return "\n".join(
                ["No candidate is ranked, so there is nothing to test.", *self.warning_lines()]
            )
        top = self.frame.iloc[0]
        lines = [
            f"When the weights vary around the chosen ones ({self.draws:,} draws, "
            f"concentration {self.concentration:g}), {top['label']} ranks first in "
            f"{chance_text(top['p_first'])} of them and in the top three in "
            f"{chance_text(top['p_top3'])}."
        ]
        others = self.frame.iloc[1:].sort_values("p_first", ascending=False)
        if len(others) and others.iloc[0]["p_first"] > 0:
            o = others.iloc[0]
            lines.append(
                f"The likeliest other first choice is {o['label']} "
                f"({chance_text(o['p_first'])} of the draws)."
            )
        if self.second is not None:
            if self.swaps.empty:
                lines.append(f"No change of a single weight makes {self.second} pass {self.first}.")
            else:
                s = self.swaps.iloc[0]
                verb = "raised" if s["direction"] == "raise" else "lowered"
                lines.append(
                    f"{self.second} would pass {self.first} only if the weight of "
                    f"{CRITERION_LABELS[s['criterion']].lower()} were {verb} from "
                    f"{s['weight']:g} to beyond {s['tie_weight']:.2f}, the other weights "
                    "unchanged (the smallest such change)."
                )
        return "\n".join([*lines, *self.warning_lines()])

    def chart(self) -> alt.Chart:
        """Bars of the probability of ranking first and in the top three.

        Returns
        -------
        altair.Chart
            Two bars per ranked candidate, for the
            :data:`~cs360lib.publish.aggregate.MAX_BARS` highest-ranked (the title says so
            when more are ranked; the table lists all).
        """
        frame, left_out = first_of(self.frame, by="id")
        long = frame.melt(
            id_vars=["label", "rank"],
            value_vars=["p_first", "p_top3"],
            var_name="measure",
            value_name="probability",
        )
        long["measure"] = long["measure"].map({"p_first": "first", "p_top3": "top three"})
        if long.empty:
            long = pd.DataFrame(
                {"label": ["none ranked"], "measure": ["first"], "probability": [0.0]}
            )
        order = list(frame["label"])
        title = shown_title(
            "How often each candidate ranks first when the weights vary",
            shown=len(frame),
            left_out=left_out,
            what="highest-ranked candidates",
        )
        return (
            alt.Chart(long, title=title)
            .mark_bar()
            .encode(
                y=alt.Y("label:N", title=None, sort=order),
                yOffset="measure:N",
                x=alt.X(
                    "probability:Q",
                    title="share of weight draws",
                    axis=alt.Axis(format="%"),
                    scale=alt.Scale(domain=[0, 1]),
                ),
                color=alt.Color("measure:N", title="Ranks"),
                tooltip=["label", "measure", alt.Tooltip("probability:Q", format=".1%")],
            )
        )


def sensitivity(
    scores: Scores,
    *,
    concentration: float = DEFAULT_CONCENTRATION,
    draws: int = 2000,
    seed: int = 0,
) -> Sensitivity:
    """Perturb the weights (Dirichlet) and find the smallest weight change that swaps the top two.

    Parameters
    ----------
    scores : Scores
        Ranked candidates.
    concentration : float, default :data:`~cs360lib.config.prioritization.DEFAULT_CONCENTRATION`
        Dirichlet concentration ``c`` (> 0); larger keeps the draws closer to the weights.
    draws : int, default 2000
        Weight draws (>= 1).
    seed : int, default 0
        Seed of the draws.

    Returns
    -------
    Sensitivity

    Raises
    ------
    PrioritizationError
        For a concentration that is not > 0 or fewer than one draw.
    """
    if (
        not (isinstance(concentration, int | float) and math.isfinite(concentration))
        or concentration <= 0
    ):
        raise PrioritizationError(f"sensitivity: concentration must be > 0, got {concentration!r}")
    if draws < 1:
        raise PrioritizationError(f"sensitivity: draws must be at least 1, got {draws!r}")
    ranking = scores.ranking()
    columns = ["id", "label", "rank", "p_first", "p_top3"]
    if not ranking:
        return Sensitivity(
            pd.DataFrame(columns=columns), swap_thresholds(scores), concentration, draws, seed
        )
    n = scores.normalised.reindex(index=ranking, columns=list(CRITERIA)).fillna(0.0).to_numpy()
    shares = scores.shares.to_numpy(dtype=float)
    positive = shares > 0
    rng = np.random.default_rng(seed)
    drawn = np.zeros((draws, len(CRITERIA)))
    if positive.sum() == 1:
        drawn[:, positive] = 1.0
    else:
        drawn[:, positive] = rng.dirichlet(concentration * shares[positive], size=draws)
    totals = drawn @ n.T  # draws x candidates
    order = np.argsort(-totals, axis=1, kind="stable")
    first = np.bincount(order[:, 0], minlength=len(ranking)) / draws
    top = min(3, len(ranking))
    in_top = np.zeros(len(ranking))
    for k in range(top):
        in_top += np.bincount(order[:, k], minlength=len(ranking))
    frame = pd.DataFrame(
        {
            "id": ranking,
            "label": [scores.names[c] for c in ranking],
            "rank": np.arange(1, len(ranking) + 1),
            "p_first": first,
            "p_top3": in_top / draws,
        }
    )
    names = [scores.names[c] for c in ranking]
    return Sensitivity(
        frame=frame,
        swaps=swap_thresholds(scores),
        concentration=float(concentration),
        draws=int(draws),
        seed=int(seed),
        first=names[0],
        second=names[1] if len(names) > 1 else None,
    )
