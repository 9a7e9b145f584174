"""The sample department's planted response effect is recovered by cs360lib.evaluate.its."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cs360lib.evaluate import its

samples = pytest.importorskip("cs360lib.datasets.sampleton")


@pytest.fixture(scope="module")
def department(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    engagement = samples.make_department(tmp_path_factory.mktemp("dept"))
    folder = Path(engagement).parent
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))["intervention"]
    return folder, truth


def _monthly(folder: Path, truth: dict, beats: list[str]) -> pd.DataFrame:
    inc = pd.read_csv(
        folder / "incidents.csv.gz",
        usecols=["occurred_at", "offense", "beat"],
        parse_dates=["occurred_at"],
    )
    sel = inc[(inc[truth["offense_column"]] == truth["offense"]) & inc["beat"].isin(beats)]
    months = pd.PeriodIndex(truth["months"], freq="M")
    counts = sel["occurred_at"].dt.to_period("M").value_counts().reindex(months, fill_value=0)
    return pd.DataFrame({"month": months.to_timestamp(), "count": counts.to_numpy()})


def test_planted_level_change_is_recovered(department: tuple[Path, dict]) -> None:
    folder, truth = department
    df = _monthly(folder, truth, truth["area"]["values"])
    # the files hold exactly what truth.json says was observed
    assert df["count"].tolist() == truth["target"]["observed_monthly"]
    res = its(
        df,
        time="month",
        outcome="count",
        intervention=truth["start"],
        family="quasipoisson",
        seasonality=1,
        slope_change=False,
    )
    row = res.effects.loc["level_change"]
    assert res.n_pre == truth["start_month_index"]
    assert row["ratio_low"] <= truth["rate_ratio"] <= row["ratio_high"]
    assert row["ratio_high"] < 1  # the drop is detected
    assert abs(row["estimate"] - truth["log_rate_ratio"]) < 2 * row["se"]


def test_planted_effect_against_comparison_beat(department: tuple[Path, dict]) -> None:
    folder, truth = department
    target = _monthly(folder, truth, truth["area"]["values"]).assign(area="target")
    comparison = _monthly(folder, truth, truth["comparison"]["values"]).assign(area="comparison")
    panel = pd.concat([target, comparison], ignore_index=True)
    res = its(
        panel,
        time="month",
        outcome="count",
        intervention=truth["start"],
        seasonality=1,
        slope_change=False,
        group="area",
        treated="target",
    )
    row = res.effects.loc["diff_level_change"]
    assert row["ratio_low"] <= truth["rate_ratio"] <= row["ratio_high"]
    assert np.isfinite(row["p_value"])
