import warnings

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from cs360lib.errors import CodebookError
from cs360lib.steps.scanning.agreement import OVERALL, agreement, kappa_band, krippendorff_alpha


def _codes(seed, flip=0.2, n=80):
    rng = np.random.default_rng(seed)
    a = pd.DataFrame(
        rng.random((n, 4)) < 0.3,
        columns=["robbery", "youth", "trust", "dark"],
        index=[f"r{i}" for i in range(n)],
    )
    b = a ^ (rng.random((n, 4)) < flip)
    return a, b


def test_kappa_equals_scikit_learn_per_concern_and_pooled():
    a, b = _codes(0)
    result = agreement(a, b, names=("codebook", "analyst"))
    t = result.to_frame().set_index("concern")
    for c in a.columns:
        assert t.loc[c, "statistic"] == pytest.approx(cohen_kappa_score(a[c], b[c]))
        assert t.loc[c, "responses"] == 80
    pooled = cohen_kappa_score(a.to_numpy().ravel(order="F"), b.to_numpy().ravel(order="F"))
    assert result.overall == pytest.approx(pooled)
    assert t.loc[OVERALL, "responses"] == 320
    assert "codebook and analyst" in result.summary()
    assert list(result.table().data.columns) == [
        "Concern",
        "Responses",
        "Cohen's kappa",
        "Same decision",
        "Reading",
    ]
    result.chart().to_dict()


def test_missing_codes_reduce_the_count():
    a, b = _codes(1)
    b = b.astype("boolean")
    b.iloc[:10, 0] = pd.NA
    t = agreement(a, b).to_frame().set_index("concern")
    assert t.loc["robbery", "responses"] == 70
    assert t.loc["robbery", "statistic"] == pytest.approx(
        cohen_kappa_score(a["robbery"].iloc[10:], b["robbery"].iloc[10:].astype(bool))
    )


def test_constant_codes_cannot_be_computed_and_say_so():
    a = pd.DataFrame({"x": [False] * 5}, index=list("abcde"))
    result = agreement(a, a.copy())
    assert np.isnan(result.to_frame()["statistic"].iloc[0])
    assert "cannot be computed" in result.summary()
    assert "nan" not in result.summary().lower()


def test_undefined_kappa_is_caught_before_scikit_learn_warns():
    a = pd.DataFrame({"x": [True] * 6, "y": [False, True] * 3}, index=list("abcdef"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = agreement(a, a.copy())
    t = result.to_frame().set_index("concern")
    assert np.isnan(t.loc["x", "statistic"]) and t.loc["y", "statistic"] == pytest.approx(1.0)
    assert any(w.startswith("x: kappa cannot be computed") for w in result.warnings)
    assert "Warning: x: kappa cannot be computed" in result.summary()


def test_alpha_equals_krippendorff_package():
    a, b = _codes(2)
    _, c = _codes(3)
    c = c.astype("boolean")
    c.iloc[:7, 1] = pd.NA
    result = krippendorff_alpha({"A": a, "B": b, "C": c})
    t = result.to_frame().set_index("concern")
    for col in a.columns:
        data = np.vstack(
            [
                a[col].astype(float),
                b[col].astype(float),
                c[col].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
            ]
        )
        expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        assert t.loc[col, "statistic"] == pytest.approx(expected)
    assert t.loc["youth", "responses"] == 80  # every response still has two coders
    assert result.method == "Krippendorff's alpha"


def test_bad_agreement_input():
    a, _ = _codes(0)
    with pytest.raises(CodebookError, match="share no"):
        agreement(a, a.rename(index=lambda i: "x" + i))
    with pytest.raises(CodebookError, match="at least two coders"):
        krippendorff_alpha({"A": a})


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (-0.1, "poor"),
        (0.1, "slight"),
        (0.3, "fair"),
        (0.5, "moderate"),
        (0.7, "substantial"),
        (0.9, "almost perfect"),
    ],
)
def test_landis_koch_bands(value, band):
    assert kappa_band(value) == band
