"""steps.review.impact: every measure of the plan, with the design the plan chose.

The sample department plants a step of rate ratio 0.70 in street robbery in beat E2 from
1 April 2023, a rate ratio of 1.05 in the adjacent beats E1 and E3 (no clear displacement), a
drop of streetlight complaints in E2 and a rise of safety and trust in the East district
(data/samples/truth.json).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SAMPLES, sample_copy

import cs360lib as cs
from cs360lib.steps.review import impact, process_evaluation

RESPONSE = "Transit hub lighting and guardianship"
ROBBERY = "Street robberies in the target beat"
TRUTH = json.loads((SAMPLES / "truth.json").read_text())


def _rows(rv, measure: str) -> pd.DataFrame:
    f = rv.impact.frame
    return f[f["measure"] == measure].set_index(["analysis", "role"])


def test_the_planted_robbery_effect_lies_inside_the_reported_interval(sample_review) -> None:
    _, _, rv = sample_review
    truth = TRUTH["intervention"]["rate_ratio"]
    assert truth == 0.7
    primary = rv.impact.primary().set_index("measure").loc[ROBBERY]
    # the plan has a comparison area: the controlled interrupted time series judges
    assert primary["analysis"] == "controlled_its"
    assert primary["scale"] == "ratio"
    assert primary["low"] < truth < primary["high"]
    assert primary["low"] < primary["estimate"] < primary["high"]
    # the single-series ITS of the target beat covers the truth as well
    single = _rows(rv, ROBBERY).loc[("its", "target")]
    assert single["low"] < truth < single["high"]
    # before and since are the observed monthly means of the planted counts
    observed = TRUTH["intervention"]["target"]
    assert primary["before"] == pytest.approx(observed["observed_pre_monthly_mean"], abs=0.01)
    assert primary["after"] == pytest.approx(observed["observed_post_monthly_mean"], abs=0.01)


def test_the_displacement_result_agrees_with_the_planted_1_05(sample_review) -> None:
    _, _, rv = sample_review
    rows = _rows(rv, ROBBERY)
    for analysis in ("controlled_its", "its"):
        near = rows.loc[(analysis, "displacement")]
        assert near["low"] < 1.05 < near["high"]
        assert near["mark"] == "no clear change"
        assert "no clear displacement" in near["sentence"]
    wdd = rows.loc[("wdd", "displacement")]
    assert wdd["low"] < 0 < wdd["high"] and wdd["mark"] == "no clear change"
    assert not rv.decisions.frame["displacement"].any()


def test_every_measure_of_the_plan_has_one_judging_row_and_a_sentence(sample_review) -> None:
    engagement, _, rv = sample_review
    measures = engagement.responses[0].measures
    primary = rv.impact.primary()
    assert sorted(primary["measure"]) == sorted(measures)
    assert primary["sentence"].str.len().gt(20).all()
    providers = primary.set_index("measure")["provider"]
    assert providers[ROBBERY] == "police"
    assert providers["Perceived safety in the East district"] == "partner"
    assert rv.impact.designs.set_index("response").loc[RESPONSE, "fidelity"] == "implemented"


def _percent(word: str) -> float:
    """Read "46% lower" as -46 and "6% higher" as +6 (the change words of a rate ratio)."""
    number, side = re.fullmatch(r"([\d.,]+)% (lower|higher)", word).groups()
    return float(number.replace(",", "")) * (-1 if side == "lower" else 1)


@pytest.mark.parametrize("analysis", ["controlled_its", "its"])
def test_each_count_sentence_says_its_own_numbers(sample_review, analysis: str) -> None:
    _, _, rv = sample_review
    f = rv.impact.frame
    rows = f[(f["analysis"] == analysis) & (f["scale"] == "ratio")]
    assert len(rows) >= 3
    for r in rows.itertuples():
        found = re.search(
            r"the rate was (\d+% (?:lower|higher)) than expected \(from (\d+% (?:lower|higher)) "
            r"to (\d+% (?:lower|higher))\)",
            r.sentence,
        )
        assert found, r.sentence
        said = [_percent(w) for w in found.groups()]
        exact = [100 * (v - 1) for v in (r.estimate, r.low, r.high)]
        assert said == pytest.approx(exact, abs=0.51)
        assert f"{r.actual:,.0f} recorded" in r.sentence
        clear = "clear improvement" in r.sentence or "clear worsening" in r.sentence
        assert clear == (r.mark in ("better", "worse"))
        assert clear == (r.high < 1 or r.low > 1)


def test_the_planted_drop_of_streetlight_complaints_is_better(sample_review) -> None:
    _, _, rv = sample_review
    row = (
        rv.impact.primary()
        .set_index("measure")
        .loc["Streetlight outage complaints in the target beat (311)"]
    )
    assert row["provider"] == "partner"
    truth = TRUTH["partner_metrics"]["streetlights"]["rate_ratio"]
    assert row["low"] < truth < row["high"] and row["mark"] == "better"


def test_a_not_implemented_response_is_not_called_ineffective(tmp_path: Path) -> None:
    path = sample_copy(tmp_path)
    log = pd.read_csv(tmp_path / "actions.csv")
    log.iloc[:0].to_csv(tmp_path / "actions.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        engagement = cs.Engagement.load(path)
    sources = cs.load_engagement(engagement)
    process = process_evaluation(engagement, sources)
    assert process.verdict(RESPONSE) == "not implemented"
    result = impact(engagement, sources, process=process)
    text = result.summary()
    assert "It was not carried out (see the process evaluation)" in text
    assert "not a verdict on it" in text
    assert "did not work" not in text.lower() and "ineffective" not in text.lower()


def test_the_design_falls_back_without_a_comparison_series(tmp_path: Path) -> None:
    text = (SAMPLES / "engagement.yml").read_text()
    text = text.replace('comparison: {column: beat, values: ["W2"]}', "")
    text = text.replace(
        "area: target\n    measures:", "area: target\n    design: its\n    measures:"
    )
    path = sample_copy(tmp_path, text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        engagement = cs.Engagement.load(path)
    sources = cs.load_engagement(engagement)
    result = impact(engagement, sources)
    assert result.designs.set_index("response").loc[RESPONSE, "chosen_by"] == "plan"
    row = result.primary().set_index("measure").loc[ROBBERY]
    assert row["analysis"] == "its" and row["low"] < 0.7 < row["high"]
    assert not (result.frame["analysis"] == "wdd").any()
    assert "reviewed with an interrupted time series (chosen in the plan)" in result.summary()


def test_the_chart_shows_each_measure_with_its_interval(sample_review) -> None:
    _, _, rv = sample_review
    spec = rv.impact.chart().to_dict()
    rows = [r for data in spec["datasets"].values() for r in data]
    labels = {r["label"] for r in rows}
    assert ROBBERY in labels and f"{ROBBERY} (displacement area)" in labels
    robbery = next(r for r in rows if r["label"] == ROBBERY)
    assert robbery["low"] < robbery["rel_change"] < robbery["high"]
    assert np.isfinite(robbery["low"])
    table = rv.impact.table().data
    assert len(table) == len(rv.impact.primary())


def test_the_published_copy_hides_small_counts_in_its_sentences(sample_review) -> None:
    from cs360lib.config.publishing import Publishing

    _, _, rv = sample_review
    copy = rv.impact.published(Publishing(min_count=50))
    rows = copy.to_frame().set_index(["measure", "analysis", "role"])
    key = ("Streetlight outage complaints in the target beat (311)", "controlled_its", "target")
    assert rv.impact.frame.set_index(["measure", "analysis", "role"]).loc[key, "actual"] == 48
    assert pd.isna(rows.loc[key, "actual"]) and pd.isna(rows.loc[key, "after"])
    assert "<50 recorded" in rows.loc[key, "sentence"]
    assert "48 recorded" not in copy.summary()
    robbery = rows.loc[(ROBBERY, "controlled_its", "target")]
    assert robbery["actual"] == 174 and "174 recorded" in robbery["sentence"]


def test_other_analyses_are_framed_as_context_not_a_second_verdict(sample_review) -> None:
    _, _, rv = sample_review
    text = rv.impact.summary()
    primary, _, others = text.partition("Other analyses, for context only")
    assert others, text  # the sample's robberies have a single-series and a WDD analysis too
    assert "the verdict above is the one the design gives" in others
    assert "Also:" not in text
