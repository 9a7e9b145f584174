"""Intake analyses find planted problems: rejections, gaps, spikes, partial months, empties, repeats."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pytest

from cs360lib import load
from cs360lib.publish.widgets import browse
from cs360lib.steps import intake


def incidents_csv(path: Path, *, seed: int = 3) -> Path:
    """Two years of daily incidents with a planted gap month, spike month and partial last month."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2022-01-01", "2023-12-15", freq="D")  # the last month is partial
    rows = []
    for day in days:
        if day.strftime("%Y-%m") == "2022-07":
            continue  # a records-system outage: no rows at all
        n = rng.poisson(40 if day.strftime("%Y-%m") == "2023-03" else 10)  # a batch import
        for k in range(n):
            rows.append(
                (f"{day:%Y%m%d}-{k}", f"{day:%Y-%m-%d} {rng.integers(0, 24):02d}:00:00", "Theft")
            )
    frame = pd.DataFrame(rows, columns=["incident_id", "occurred_at", "offense"])
    frame["beat"] = rng.choice(["A1", "A2", None], len(frame), p=[0.45, 0.45, 0.10])
    frame.loc[5, "occurred_at"] = "2022-02-30 10:00:00"  # an impossible date
    frame.loc[6, "incident_id"] = frame.loc[7, "incident_id"]  # a repeated id
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("intake")
    path = incidents_csv(folder / "incidents.csv")
    survey = folder / "survey.csv"
    months = [m for m in pd.date_range("2022-01-01", "2023-12-01", freq="MS") if m.month != 5]
    pd.DataFrame({"period": months, "area": "city", "item": "trust", "score": 60.0}).to_csv(
        survey, index=False
    )
    return {"incidents": load("incidents", path), "survey": load("survey", survey)}


def test_overview_counts_and_ranges(sources: dict) -> None:
    table = intake.overview(sources).to_frame().set_index("source")
    row = table.loc["incidents"]
    assert row["rows_read"] == row["loaded"] + row["rejected"]
    assert row["rejected"] == 1 and row["duplicate_keys"] == 1
    assert row["first"].date() == pd.Timestamp("2022-01-01").date()
    assert row["areas"] == "beat: 2"
    assert "2 sources were read" in intake.overview(sources).summary()
    assert isinstance(intake.overview(sources).chart(), alt.TopLevelMixin)


def test_rejections_name_column_problem_and_keep_values(sources: dict) -> None:
    result = intake.rejections(sources)
    table = result.to_frame()
    assert list(table["column"]) == ["Occurred at"]  # the schema's label, for a reader
    assert "not a date" in table["problem"].iloc[0]
    assert result.examples["occurred_at"].iloc[0] == "2022-02-30 10:00:00"
    assert "Occurred at" in result.summary() and "occurred_at" not in result.summary()


def test_coverage_flags_the_planted_problems(sources: dict) -> None:
    result = intake.coverage(sources, period="month")
    flags = result.flags()
    incidents = flags[flags["source"] == "incidents"].set_index("period")["flag"].to_dict()
    assert incidents == {
        pd.Timestamp("2022-07-01"): "gap",
        pd.Timestamp("2023-03-01"): "spike",
        pd.Timestamp("2023-12-01"): "partial",
    }
    survey = flags[flags["source"] == "survey"].set_index("period")["flag"].to_dict()
    assert survey == {pd.Timestamp("2022-05-01"): "gap", pd.Timestamp("2023-05-01"): "gap"}
    assert "1 gap month(s) (2022-07-01)" in result.summary()
    assert len(result.to_frame()) < 100  # aggregated before charting
    result.chart().to_dict()


def test_weekly_coverage_has_no_false_alarms_on_steady_data(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    times = pd.Timestamp("2021-01-04") + pd.to_timedelta(rng.uniform(0, 3 * 364, 20_000), unit="D")
    frame = pd.DataFrame(
        {
            "incident_id": np.arange(20_000).astype(str),
            "occurred_at": times.round("s"),
            "offense": "x",
        }
    )
    frame.to_csv(tmp_path / "steady.csv", index=False)
    result = intake.coverage({"steady": load("incidents", tmp_path / "steady.csv")}, period="week")
    assert set(result.flags()["flag"]) <= {"partial"}


def test_missing_values_and_duplicates(sources: dict) -> None:
    missing = intake.missing_values(sources).to_frame().set_index(["source", "column"])
    assert 5 < missing.loc[("incidents", "Beat"), "missing_pct"] < 15
    assert ("incidents", "Source row") not in missing.index
    assert "incidents, Beat" in intake.missing_values(sources).summary()
    duplicates = intake.duplicate_keys(sources)
    assert duplicates.to_frame().set_index("source").loc["incidents", "extra_rows"] == 1
    assert "Incident number repeat" in duplicates.summary()


def test_unknown_period_is_an_error(sources: dict) -> None:
    with pytest.raises(ValueError, match="period must be one of"):
        intake.coverage(sources, period="fortnight")


def test_browse_static_and_interactive() -> None:
    frame = pd.DataFrame({"source": ["a", "a", "b"], "x": [1, 2, 3], "empty": [None, None, None]})
    static = browse(frame, by="source", interactive=False, max_rows=1)
    assert list(static["x"]) == [1, 3] and "empty" not in static
    widget = browse(frame, by="source", interactive=True)
    assert widget.children[0].options == ("a", "b")
    with pytest.raises(KeyError, match="not a column"):
        browse(frame, by="nope", interactive=False)


def test_category_coverage_with_nothing_flagged_draws_a_sentence() -> None:
    # the sample department's codes never vanish: the chart says so instead of failing on
    # tooltip fields of an empty timeline (notebook 00 shows it for every engagement)
    from cs360lib.data.coverage import CATEGORY_COLUMNS
    from cs360lib.publish.charts import chart_to_svg
    from cs360lib.steps.intake import CategoryCoverage

    empty = CategoryCoverage(pd.DataFrame(columns=["source", *CATEGORY_COLUMNS]), "month")
    svg = chart_to_svg(empty.chart())
    assert "No category vanishes or drops." in svg
    assert empty.summary().startswith("No category of any source vanishes")


def _published(result, min_count: int = 5):
    from cs360lib.config.publishing import Publishing
    from cs360lib.publish.publication import publish_result

    return publish_result(result, Publishing(min_count=min_count)).result


def _sentence(chart: alt.TopLevelMixin) -> str:
    spec = chart.to_dict()
    assert spec["mark"]["type"] == "text", spec.get("mark")
    return str(next(iter(spec["datasets"].values()))[0]["text"])


def test_empty_intake_charts_say_so_in_a_sentence(sources: dict) -> None:
    clean = {"survey": sources["survey"]}  # no rejection, no repeated id
    assert _sentence(intake.rejections(clean).chart()) == "No row was rejected."
    assert _sentence(intake.duplicate_keys(clean).chart()) == "No id repeats in any source."
    # one rejected row and one repeated id: hidden in the published copy, not drawn at 0
    hidden = _published(intake.rejections(sources))
    assert "counts are hidden" in _sentence(hidden.chart())
    hidden = _published(intake.duplicate_keys(sources))
    assert "counts are hidden" in _sentence(hidden.chart())


def test_a_source_whose_every_count_is_hidden_is_not_drawn(sources: dict) -> None:
    covered = _published(intake.coverage(sources), min_count=100)  # survey: 1 row a month
    spec = covered.chart().to_dict()
    assert "Not drawn: survey" in str(spec["title"]["subtitle"])
    drawn = {r["source"] for d in spec["datasets"].values() for r in d if "source" in r}
    assert drawn == {"incidents"}
    alone = _published(intake.coverage({"survey": sources["survey"]}), min_count=100)
    assert _sentence(alone.chart()) == "Every monthly count is small and hidden in this report."


def test_count_axes_of_the_intake_charts_are_whole_numbers(sources: dict) -> None:
    for chart in (intake.rejections(sources).chart(), intake.duplicate_keys(sources).chart()):
        spec = chart.to_dict()
        axis = spec["encoding"]["x"]["axis"]
        assert axis["tickMinStep"] == 1 and axis["format"] == ",d"
