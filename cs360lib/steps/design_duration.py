"""How long a response must run before its review can detect the hoped-for change.

The evaluation-design assistant (:mod:`cs360lib.steps.design`) asks, for a time-series design,
the shortest follow-up at which :func:`cs360lib.evaluate.power_its` reaches the power asked for
(80% by default, Cohen 1988). Power rises with the follow-up, so the lengths of
:data:`~cs360lib.steps.design.POST_PERIODS` are searched by bisection rather than simulated one by
one: about five simulated lengths instead of twelve.

References
----------
Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences* (2nd ed.). Erlbaum.
Eck, J. E. (2002). *Assessing Responses to Problems: An Introductory Guide for Police
Problem-Solvers*. COPS Office, Problem-Solving Tools Series No. 1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from cs360lib.evaluate import power_its

__all__ = ["first_length_reaching", "its_duration", "say_duration"]

_PER_YEAR = {"month": 12, "week": 52}


def say_duration(periods: int, unit: str) -> str:
    """Say ``periods`` of ``unit`` in words, with years for long ones.

    Parameters
    ----------
    periods : int
        Number of periods.
    unit : {"month", "week"}
        The analysis period.

    Returns
    -------
    str
        ``"18 months"``, ``"120 months (10 years)"``, ``"104 weeks (2 years)"``.
    """
    per_year = _PER_YEAR[unit]
    text = f"{periods} {unit}s"
    if periods > per_year and periods % per_year == 0:
        text += f" ({periods // per_year} years)"
    return text


def its_duration(
    pre: pd.DataFrame,
    *,
    effect: float,
    lengths: Sequence[int],
    seasonality: int,
    n_sims: int,
    alpha: float,
    power: float,
    seed: int,
) -> tuple[int | None, pd.DataFrame, list[str]]:
    """Find the follow-up a time-series design needs, by simulation.

    :func:`first_length_reaching` over :func:`~cs360lib.evaluate.power_its` of the
    pre-period series, one length at a time: each length has its own random stream, so a direct
    ``power_its`` call at that length, with the same settings and seed, gives the same power.

    Parameters
    ----------
    pre : pandas.DataFrame
        The target's counts before the start: ``period``, ``count`` (one row per period).
    effect : float
        Relative level change to detect (``expected_change - 1``; -0.3 for a 30% drop).
    lengths : sequence of int
        Follow-up lengths to search (periods), ascending.
    seasonality : int
        Fourier pairs of the fitted model (1 with two years or more before the start).
    n_sims, alpha, power, seed
        As :func:`~cs360lib.evaluate.power_its`.

    Returns
    -------
    required : int or None
        The first length reaching ``power``, None when even the longest does not.
    table : pandas.DataFrame
        The lengths simulated: ``post_periods``, ``power``, ``method`` (``power_its``).
    warnings : list of str
        The simulations' warnings, each once.

    Raises
    ------
    EvaluationInputError
        From :func:`~cs360lib.evaluate.power_its`, for a series it cannot simulate.
    """
    simulated: list[pd.DataFrame] = []
    warnings: list[str] = []

    def power_at(m: int) -> float:
        result = power_its(
            pre[["period", "count"]],
            time="period",
            outcome="count",
            effect=effect,
            post_periods=(m,),
            seasonality=seasonality,
            n_sims=n_sims,
            alpha=alpha,
            power=power,
            seed=seed,
        )
        warnings.extend(w for w in result.warnings if w not in warnings)
        simulated.append(result.frame[["post_periods", "power"]])
        return float(result.frame["power"].iloc[0])

    required = first_length_reaching(power_at, lengths, power)
    table = (
        pd.concat(simulated, ignore_index=True)
        .sort_values("post_periods", ignore_index=True)
        .assign(method="power_its")
    )
    return required, table, warnings


def first_length_reaching(
    power_at: Callable[[int], float], lengths: Sequence[int], target: float
) -> int | None:
    """Find the shortest follow-up whose power reaches ``target``, by bisection over ``lengths``.

    Power rises with the length of the follow-up, so a bisection finds the first length that
    reaches the target with about log2(len(lengths)) + 1 simulations instead of one per length
    (each :func:`~cs360lib.evaluate.power_its` length costs hundreds of model fits). The longest
    length is tried first: when it does not reach the target, no length does.

    Parameters
    ----------
    power_at : callable
        Power at a length (a number of periods); NaN counts as not reaching the target.
    lengths : sequence of int
        The lengths to search, ascending.
    target : float
        The power asked for (0 to 1).

    Returns
    -------
    int or None
        The first length (of those evaluated, the shortest with the target reached whose
        next shorter length does not reach it), or None when even the longest does not.
    """
    ordered = sorted(lengths)
    seen: dict[int, bool] = {}

    def reaches(i: int) -> bool:
        if i not in seen:
            value = power_at(ordered[i])
            seen[i] = bool(np.isfinite(value) and value >= target)
        return seen[i]

    if not ordered or not reaches(len(ordered) - 1):
        return None
    low, high = 0, len(ordered) - 1
    while low < high:
        middle = (low + high) // 2
        if reaches(middle):
            high = middle
        else:
            low = middle + 1
    return ordered[low]
