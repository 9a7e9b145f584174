"""The review on real engagements (examples/): Baltimore Ceasefire 365 and Chicago sentiment.

Both read ``../shared/data/real`` (not in this repository) and are skipped when it is absent.

- Baltimore Ceasefire 365 (Phalen et al. 2020, Am J Public Health 110(4), 554-559, estimated a
  52% reduction in gun violence on ceasefire weekends): the review of the recurring response
  should report about half as many shootings and homicides on ceasefire days, with an
  interval that excludes no effect.
- Chicago police sentiment: the Neighborhood Policing Initiative in districts 9, 10 and 11
  from October 2020; the review shows the change of trust and safety with intervals, and says
  that it cannot check the delivery (no actions log).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import cs360lib as cs
from cs360lib.steps import review

pytestmark = pytest.mark.real

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "real"
EXAMPLES = ROOT / "examples"


def _review(example: str, folder: str):
    if not (DATA / folder).exists():
        pytest.skip(f"real data {DATA / folder} is absent (needs ../shared/data/real)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        engagement = cs.Engagement.load(EXAMPLES / example / "engagement.yml")
    sources = cs.load_engagement(engagement)
    return engagement, review.review(engagement, sources)


@pytest.fixture(scope="module")
def baltimore():
    return _review("baltimore_ceasefire", "baltimore_part1_crime")


@pytest.fixture(scope="module")
def chicago():
    return _review("chicago_police_sentiment", "chicago_police_sentiment")


def test_baltimore_ceasefire_weekends_halve_shootings(baltimore) -> None:
    _, rv = baltimore
    assert rv.process.frame["verdict"].tolist() == ["implemented"]
    assert rv.process.frame["actions"].tolist() == [9]  # nine ceasefire weekends
    (row,) = rv.impact.primary().itertuples()
    assert row.timing == "episodes" and row.period == "day"
    # about half as many (Phalen et al. 2020: 52% fewer); the interval excludes no effect
    assert 0.4 < row.estimate < 0.6
    assert row.high < 1 and row.low < 0.48 < row.high
    assert row.mark == "better"
    assert "on the 27 days of its actions" in row.sentence
    assert "a clear improvement" in row.sentence
    said = rv.decisions.summary()
    assert "Proposed decision: continue" in said


def test_chicago_sentiment_shows_intervals(chicago) -> None:
    _, rv = chicago
    assert rv.process.frame["verdict"].tolist() == ["not recorded"]
    survey = rv.impact.survey.frame
    main = survey[survey["analysis"] == "measure"]
    assert set(main["item"]) == {"trust", "safety"}
    assert set(main["area"]) == {"9, 10, 11"}
    assert np.isfinite(main[["low", "high"]].to_numpy()).all()
    assert (main["low"] < main["change"]).all() and (main["change"] < main["high"]).all()
    assert (main["weights"] == "equal").all()
    did = survey[survey["analysis"] == "difference in differences"]
    assert len(did) == 2
    text = rv.impact.summary()
    assert "95% interval" in text and "Against the 19 other areas" in text
    assert "could not check whether it was carried out" in rv.decisions.summary()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("example", "folder", "said"),
    [
        (
            "baltimore_ceasefire",
            "baltimore_part1_crime",
            "recorded (crimes in the police incident records) on the 27 days of its actions "
            "against about",
        ),
        ("chicago_police_sentiment", "chicago_police_sentiment", "Against the 19 other areas"),
    ],
)
def test_the_examples_run_notebooks_00_and_04(
    tmp_path: Path, example: str, folder: str, said: str
) -> None:
    """`cs360 run --only 00,04` on a copy of the example (its lessons log lands in the copy)."""
    from cs360lib.run.engagement_run import run_engagement

    if not (DATA / folder).exists():
        pytest.skip(f"real data {DATA / folder} is absent (needs ../shared/data/real)")
    text = (EXAMPLES / example / "engagement.yml").read_text()
    copy = tmp_path / "engagement.yml"
    copy.write_text(text.replace("../../../shared/data", str(DATA.parent)))
    result = run_engagement(
        copy, out_dir=tmp_path / "reports", only=["00", "04"], progress=lambda line: None
    )
    assert result.ok, result.error
    assert [nb.name for nb in result.notebooks] == ["00_data_intake", "04_lessons_learned"]
    report = (result.report_dir / "04_lessons_learned.html").read_text()
    assert said in report.replace("<strong>", "").replace("</strong>", "")
    assert "interval" in report
    assert (tmp_path / "lessons_learned.yml").exists()
    assert not (EXAMPLES / example / "lessons_learned.yml").exists()
