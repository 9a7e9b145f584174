"""Reading an evaluation frame (cs360lib.evaluate._data): the quick path of a regular series.

``prepare_data`` reads the common case (one sorted, gap-free series of naive dates with integer
counts) in a few array operations; these tests check that it gives exactly the arrays of the
full checks, and that anything else is left to the full checks (which raise their errors).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cs360lib.errors import EvaluationInputError
from cs360lib.evaluate import _data
from cs360lib.evaluate._data import SeriesData, prepare_data

RNG = np.random.default_rng(3)


def _frame(times: pd.DatetimeIndex | np.ndarray, counts: np.ndarray | None = None) -> pd.DataFrame:
    n = len(times)
    y = RNG.poisson(20, n) if counts is None else counts
    return pd.DataFrame({"when": times, "n": y})


def _full(frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch, **kw: object) -> SeriesData:
    with monkeypatch.context() as m:
        m.setattr(_data, "_regular_series", lambda *a, **k: None)
        return prepare_data(frame, time="when", outcome="n", **kw)


def _same(a: SeriesData, b: SeriesData) -> None:
    for name in ("y", "keys", "t", "starts", "labels", "order"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        np.testing.assert_array_equal(x, y, err_msg=name)
    for name in ("offset", "treated", "groups", "group_values", "tindex", "outcome", "time"):
        assert getattr(a, name) == getattr(b, name), name
    assert a.notes == b.notes
    np.testing.assert_array_equal(a.series_mask, b.series_mask)


REGULAR = {
    "month starts": pd.date_range("2019-01-01", periods=60, freq="MS"),
    "month ends": pd.date_range("2019-01-31", periods=60, freq="ME"),
    "mid-month": pd.date_range("2019-01-01", periods=48, freq="MS") + pd.Timedelta(days=14),
    "days": pd.date_range("2022-01-01", periods=400, freq="D"),
    "quarters": pd.date_range("2010-01-01", periods=40, freq="QS"),
    "years": pd.date_range("1990-01-01", periods=30, freq="YS"),
}


@pytest.mark.parametrize("name", sorted(REGULAR))
@pytest.mark.parametrize("family", ["quasipoisson", "gaussian"])
def test_quick_path_gives_the_arrays_of_the_full_checks(
    name: str, family: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = _frame(REGULAR[name])
    quick = _data._regular_series(frame, "when", "n", family)
    assert quick is not None, "a regular series takes the quick path"
    _same(quick, _full(frame, monkeypatch, family=family))
    _same(prepare_data(frame, time="when", outcome="n", family=family), quick)
    # the labels are a copy: changing the frame afterwards does not change the series
    assert not np.shares_memory(quick.labels, frame["when"].to_numpy())


def _irregular() -> dict[str, pd.DataFrame]:
    months = pd.date_range("2019-01-01", periods=36, freq="MS")
    base = _frame(months)
    return {
        "unsorted": base.iloc[RNG.permutation(36)],
        "gap": base.drop(index=[10, 11]),
        "duplicate": pd.concat([base, base.iloc[[5]]]),
        "weeks": _frame(pd.date_range("2020-01-05", periods=80, freq="W")),
        "missing time": base.assign(when=base["when"].where(base.index != 4)),
        "negative count": base.assign(n=base["n"].where(base.index != 3, -1)),
        "constant": base.assign(n=5),
        "float counts": base.assign(n=base["n"].astype(float)),
        "nullable counts": base.assign(n=base["n"].astype("Int64")),
        "text dates": base.assign(when=base["when"].dt.strftime("%Y-%m-%d")),
        "aware dates": base.assign(when=base["when"].dt.tz_localize("UTC")),
        "one row": base.iloc[:1],
        "no rows": base.iloc[:0],
    }


@pytest.mark.parametrize("name", sorted(_irregular()))
def test_anything_else_is_left_to_the_full_checks(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = _irregular()[name]
    assert _data._regular_series(frame, "when", "n", "quasipoisson") is None
    try:
        full = _full(frame, monkeypatch, family="quasipoisson")
    except EvaluationInputError as exc:
        with pytest.raises(EvaluationInputError) as got:
            prepare_data(frame, time="when", outcome="n", family="quasipoisson")
        assert str(got.value) == str(exc)
    else:
        _same(prepare_data(frame, time="when", outcome="n", family="quasipoisson"), full)


def test_negative_values_take_the_quick_path_only_for_the_gaussian_family(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = _frame(REGULAR["month starts"], RNG.integers(-20, 20, 60))
    assert _data._regular_series(frame, "when", "n", "poisson") is None
    with pytest.raises(EvaluationInputError, match="negative counts"):
        prepare_data(frame, time="when", outcome="n", family="poisson")
    quick = _data._regular_series(frame, "when", "n", "gaussian")
    assert quick is not None
    _same(quick, _full(frame, monkeypatch, family="gaussian"))


def test_settings_the_quick_path_does_not_read_send_the_frame_to_the_full_checks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = _frame(REGULAR["month starts"])
    calls: list[object] = []
    original = _data._regular_series

    def spy(*args: object) -> SeriesData | None:
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(_data, "_regular_series", spy)
    prepare_data(frame, time="when", outcome="n", family="poisson", timezone="UTC")
    prepare_data(frame, time="when", outcome="n", family="poisson", label="start")
    assert calls == []
    with pytest.raises(EvaluationInputError, match="not a time zone name"):
        prepare_data(frame, time="when", outcome="n", family="poisson", timezone="Mars/Base")
    with pytest.raises(EvaluationInputError, match="label must be"):
        prepare_data(frame, time="when", outcome="n", family="poisson", label="middle")
    prepare_data(frame, time="when", outcome="n", family="poisson")
    assert len(calls) == 1


def test_the_series_mask_is_made_once_and_read_only() -> None:
    d = prepare_data(_frame(REGULAR["days"]), time="when", outcome="n", family="poisson")
    assert d.series_mask is d.series_mask
    assert d.series_mask.all() and len(d.series_mask) == len(d.y)
    with pytest.raises(ValueError):
        d.series_mask[0] = False
