"""Design matrices of segmented regressions, and the contrasts that make the effects table.

Columns, in order: ``const``, ``trend``, the intervention terms (a step's ``level`` and
``slope``, an indicator's share), Fourier pairs, calendar dummies, controls and, in a panel,
the treated group's interactions (``z``, ``z_trend`` and ``z_`` + each intervention term,
Linden's ``itsa`` parameterisation). The counterfactual matrix switches the response terms off:
the intervention terms of a single series, the treated group's interaction with them in a panel
(the treated group keeps the comparison groups' changes, as in a difference-in-differences).

The matrices are assembled with numpy: the terms are simple columns, and building them this way
keeps a fit of a short series (power simulations, benchmarks) in the model fit rather than in
formula parsing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy import linalg
from scipy.linalg import lapack

from cs360lib.errors import EvaluationInputError

from ._data import SeriesData
from ._terms import Intervention, fourier_terms

__all__ = ["ITSDesign", "build_design", "check_rank", "segmented_columns"]


@dataclass(frozen=True)
class ITSDesign:
    """Design matrix of a segmented regression and the meaning of its columns.

    The counterfactual matrix and the effects' contrasts are made on first access (a fit needs
    neither; the effects table, the impact and the summary do).

    Attributes
    ----------
    X : numpy.ndarray
        The design matrix.
    names : list of str
        Column names.
    index : dict
        Column position of each name.
    seasonal : list of (period, pairs)
        The Fourier terms used.
    X_cf : numpy.ndarray
        (Property.) The design matrix with the response terms switched off (counterfactual).
    contrasts : dict
        (Property.) Weight vector of each row of the effects table.
    kinds : dict
        (Property.) For each effects row, ``(kind, intervention)`` with kind one of
        ``"baseline"``, ``"trend"``, ``"level"``, ``"slope"``, ``"post_trend"``,
        ``"indicator"``, ``"control"`` (intervention None where not about one); a panel's
        ``diff_`` rows share the kind of the row they difference.
    """

    X: np.ndarray
    names: list[str]
    index: dict[str, int]
    seasonal: list[tuple[float, int]] = field(default_factory=list)
    switched: tuple[str, ...] = field(default=(), repr=False)
    interventions: tuple[Intervention, ...] = field(default=(), repr=False, compare=False)
    trend: bool = field(default=True, repr=False)
    controls: tuple[str, ...] = field(default=(), repr=False)
    panel: bool = field(default=False, repr=False)

    @cached_property
    def X_cf(self) -> np.ndarray:
        """The design matrix with the response terms switched off (counterfactual)."""
        X_cf = self.X.copy()
        for name in self.switched:
            X_cf[:, self.index[name]] = 0.0
        return X_cf

    @cached_property
    def _effect_rows(
        self,
    ) -> tuple[dict[str, np.ndarray], dict[str, tuple[str, str | None]]]:
        return _contrasts(
            self.index, self.interventions, self.trend, list(self.controls), self.panel
        )

    @property
    def contrasts(self) -> dict[str, np.ndarray]:
        """Weight vector of each row of the effects table."""
        return self._effect_rows[0]

    @property
    def kinds(self) -> dict[str, tuple[str, str | None]]:
        """For each effects row, ``(kind, intervention)`` (see the class attributes)."""
        return self._effect_rows[1]


def segmented_columns(
    t: np.ndarray, post: np.ndarray, t_since: np.ndarray, *, slope_change: bool
) -> np.ndarray:
    """Return the single-step columns ``const, trend, level[, slope]``, shape ``(n, 3|4)``."""
    cols = [np.ones_like(t), t, post]
    if slope_change:
        cols.append(t_since)
    return np.column_stack(cols)


def _seasonal_columns(
    t: np.ndarray, seasonal: Sequence[tuple[float, int]], *, consecutive: bool
) -> tuple[list[np.ndarray], list[str]]:
    cols, names = [], []
    several = len(seasonal) > 1
    for per, pairs in seasonal:
        four = fourier_terms(t, pairs, per, consecutive=consecutive)
        cols.extend(four.T)
        for k in range(1, pairs + 1):
            suffix = f"_{per:g}" if several else ""
            names.extend([f"sin{k}{suffix}", f"cos{k}{suffix}"])
    return cols, names


def build_design(
    data: SeriesData,
    interventions: Sequence[Intervention],
    *,
    trend: bool = True,
    seasonal: Sequence[tuple[float, int]] = (),
    calendar: tuple[list[np.ndarray], list[str]] = ([], []),
    controls: dict[str, np.ndarray] | None = None,
) -> ITSDesign:
    """Assemble the design matrix, its counterfactual and the effects' contrasts.

    Parameters
    ----------
    data : SeriesData
        The validated series or panel.
    interventions : sequence of Intervention
        Steps and indicators.
    trend : bool
        Include a linear trend in period number.
    seasonal : sequence of (period, pairs)
        Fourier terms.
    calendar : tuple of (list of arrays, list of names)
        Calendar dummy columns (:func:`cs360lib.evaluate._terms.calendar_columns`).
    controls : dict, optional
        Control columns by name.

    Returns
    -------
    ITSDesign
    """
    t = data.t
    cols: list[np.ndarray] = [np.ones_like(t)]
    names = ["const"]
    if trend:
        cols.append(t)
        names.append("trend")
    response: list[str] = []
    for iv in interventions:
        if iv.kind == "step":
            on = (data.keys >= iv.key).astype(float)
            level = "level" if iv.legacy else f"{iv.name}:level"
            cols.append(on)
            names.append(level)
            response.append(level)
            if iv.slope_change:
                slope = "slope" if iv.legacy else f"{iv.name}:slope"
                cols.append(np.maximum(data.keys - iv.key, 0.0))  # 0 before the step
                names.append(slope)
                response.append(slope)
        else:
            cols.append(iv.share)
            names.append(iv.name)
            response.append(iv.name)
    # a single series has one row per period, sorted and without gaps: t is 0, 1, ..., n - 1
    s_cols, s_names = _seasonal_columns(t, seasonal, consecutive=not data.panel)
    cols.extend(s_cols)
    names.extend(s_names)
    cols.extend(calendar[0])
    names.extend(calendar[1])
    for name, values in (controls or {}).items():
        cols.append(values)
        names.append(name)
    switched = response
    if data.panel:
        z = data.treated
        base = {"const": "z", "trend": "z_trend"}
        for name in ["const", *(["trend"] if trend else []), *response]:
            cols.append(z * cols[names.index(name)])
            names.append(base.get(name, f"z_{name}"))
        switched = [f"z_{name}" for name in response]
    X = np.array(cols).T.copy()  # the columns side by side, C-ordered (as np.column_stack)
    index = {n: i for i, n in enumerate(names)}
    return ITSDesign(
        X,
        names,
        index,
        list(seasonal),
        switched=tuple(switched),
        interventions=tuple(interventions),
        trend=trend,
        controls=tuple(controls or {}),
        panel=data.panel,
    )


def _contrasts(
    index: dict[str, int],
    interventions: Sequence[Intervention],
    trend: bool,
    controls: list[str],
    panel: bool,
) -> tuple[dict[str, np.ndarray], dict[str, tuple[str, str | None]]]:
    k = len(index)

    def vec(prefix: str, *terms: str) -> np.ndarray:
        v = np.zeros(k)
        for term in terms:
            name = {"const": "z", "trend": "z_trend"}.get(term, f"z_{term}") if prefix else term
            v[index[name]] = 1.0
        return v

    rows: list[tuple[str, tuple[str, ...], str, str | None]] = [
        ("baseline", ("const",), "baseline", None)
    ]
    if trend:
        rows.append(("pre_trend", ("trend",), "trend", None))
    slopes: list[str] = []
    steps = sorted((i for i in interventions if i.kind == "step"), key=lambda i: i.key)
    for iv in [*steps, *(i for i in interventions if i.kind == "indicator")]:
        if iv.kind == "indicator":
            rows.append((iv.name, (iv.name,), "indicator", iv.name))
            continue
        head = "" if iv.legacy else f"{iv.name}_"
        col = "" if iv.legacy else f"{iv.name}:"
        rows.append((f"{head}level_change", (f"{col}level",), "level", iv.name))
        if iv.slope_change:
            slopes.append(f"{col}slope")
            rows.append((f"{head}slope_change", (f"{col}slope",), "slope", iv.name))
            rows.append(
                (
                    f"{head}post_trend",
                    (*(["trend"] if trend else []), *slopes),
                    "post_trend",
                    iv.name,
                )
            )
    contrasts: dict[str, np.ndarray] = {}
    kinds: dict[str, tuple[str, str | None]] = {}
    for name, terms, kind, iv_name in rows:
        contrasts[name] = vec("", *terms)
        kinds[name] = (kind, iv_name)
    for name in controls:
        contrasts[name] = vec("", name)
        kinds[name] = ("control", None)
    if panel:
        for name, terms, kind, iv_name in rows:
            contrasts[f"diff_{name}"] = vec("z", *terms)
            kinds[f"diff_{name}"] = (kind, iv_name)
    return contrasts, kinds


def check_rank(design: ITSDesign) -> None:
    """Refuse a design whose terms cannot be told apart (a rank-deficient matrix).

    Raises
    ------
    EvaluationInputError
        Naming the terms that are combinations of the others.
    """
    X = design.X
    n, k = X.shape
    if n - k < 2:
        raise EvaluationInputError(
            f"too few periods ({n}) for a model with {k} parameters; use fewer seasonal or "
            "calendar terms, or more data"
        )
    # cheap test first: the eigenvalues of the k x k cross-product of the columns scaled to
    # unit length (Z'Z, from X'X without forming Z)
    gram = X.T @ X
    scale = np.sqrt(gram.diagonal())
    scale[scale == 0] = 1.0
    # LAPACK's symmetric eigenvalue routine called directly (numpy.linalg.eigvalsh computes
    # the same eigenvalues with several times the overhead on a matrix this small)
    eig, _, info = lapack.dsyev(gram / (scale[:, None] * scale), compute_v=0)
    if info == 0 and eig[0] > eig[-1] * 1e-10:
        return
    _, r, piv = linalg.qr(X / scale, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    tol = diag[0] * max(n, k) * np.finfo(float).eps * 1e3
    weak = piv[diag <= tol]
    if len(weak):
        names = ", ".join(repr(design.names[j]) for j in sorted(weak))
        raise EvaluationInputError(
            f"the model's terms cannot be told apart: {names} "
            f"{'is a combination' if len(weak) == 1 else 'are combinations'} of the other terms "
            "(e.g. a step at the start of a year together with calendar=['year'], a control "
            "that follows the trend, or a seasonal term with calendar months). Drop one of them"
        )
