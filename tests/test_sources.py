"""load_engagement: every source of an engagement, stopping at the first failure or collecting all."""

from __future__ import annotations

from pathlib import Path

import pytest

from cs360lib import Engagement, LoadError, SourceNotFoundError, load_engagement
from cs360lib.data.loaders.sources import (
    EngagementSources,
    percent_text,
    rejected_share,
    source_problem,
    source_status,
)

ENGAGEMENT = """
engagement: {id: test-pd, name: Test PD engagement}
sources:
  incidents: {path: data/incidents.csv}
  calls: {path: data/calls.csv}
  ems: {kind: partner_metrics, path: data/ems.csv}
  survey: {path: data/survey_missing.csv}
"""


@pytest.fixture
def engagement(tmp_path: Path) -> Engagement:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "incidents.csv").write_text(
        "incident_id,occurred_at,offense\n1,2023-01-01 10:00:00,Robbery\n2,never,Theft\n"
    )
    (tmp_path / "data" / "calls.csv").write_text("nothing,useful\n1,2\n")
    (tmp_path / "data" / "ems.csv").write_text(
        "partner,metric,period,value\nEMS,overdose calls,2023-01-01,4\n"
    )
    (tmp_path / "engagement.yml").write_text(ENGAGEMENT)
    return Engagement.load(tmp_path / "engagement.yml")


def test_collect_loads_every_source_and_lists_every_failure(engagement: Engagement) -> None:
    sources = load_engagement(engagement, errors="collect")
    assert isinstance(sources, EngagementSources) and not sources.ok
    assert list(sources) == ["incidents", "ems"]  # the file's order, loaded ones only
    assert sources["incidents"].rows_read == 2 and len(sources["incidents"].rejected) == 1
    assert list(sources.failures) == ["calls", "survey"]
    assert "call_id" in sources.failures["calls"]  # the missing required column is named
    assert "survey_missing.csv: no such file" in sources.failures["survey"]
    assert sources.path == engagement.path
    assert sources.kinds == {
        "incidents": "incidents",
        "calls": "calls",
        "ems": "partner_metrics",
        "survey": "survey",
    }


def test_summary_and_failure_text(engagement: Engagement) -> None:
    sources = load_engagement(engagement, errors="collect")
    summary = sources.summary()
    blocks = summary.split("\n\n")
    assert blocks[0].startswith("[incidents] incidents\nincidents from ")
    assert blocks[1].startswith("[calls] calls\nFAILED: ")
    assert blocks[3].startswith("[survey] survey\nFAILED: ")
    assert blocks[-1] == "2 of 4 sources failed: calls, survey"
    text = sources.failure_text()
    assert text.startswith("2 of 4 sources could not be loaded: calls: ")
    assert "; survey: " in text and "survey_missing.csv" in text


def test_to_frame_has_a_row_per_source(engagement: Engagement) -> None:
    frame = load_engagement(engagement, errors="collect").to_frame()
    assert list(frame["source"]) == ["incidents", "calls", "ems", "survey"]
    assert list(frame["status"]) == ["ok", "failed", "ok", "failed"]
    incidents = frame.iloc[0]
    assert (incidents.rows_read, incidents.rows_loaded, incidents.rows_rejected) == (2, 1, 1)
    assert frame["rows_read"].isna().tolist() == [False, True, False, True]
    assert frame["error"].isna().tolist() == [True, False, True, False]


def test_all_loaded(engagement: Engagement, tmp_path: Path) -> None:
    text = ENGAGEMENT.replace("  calls: {path: data/calls.csv}\n", "").replace(
        "  survey: {path: data/survey_missing.csv}\n", ""
    )
    (tmp_path / "engagement.yml").write_text(text)
    sources = load_engagement(Engagement.load(tmp_path / "engagement.yml"), errors="collect")
    assert sources.ok and sources.failures == {} and sources.failure_text() == ""
    assert sources.summary().endswith("\n\nall 2 sources loaded")
    assert dict(sources) == {"incidents": sources["incidents"], "ems": sources["ems"]}


def test_raise_stops_at_the_first_failure(engagement: Engagement) -> None:
    with pytest.raises(LoadError, match=r"engagement\.yml: source 'calls': ") as info:
        load_engagement(engagement)
    assert not isinstance(info.value, SourceNotFoundError)
    del engagement.sources["calls"]
    with pytest.raises(SourceNotFoundError, match="source 'survey'"):
        load_engagement(engagement, errors="raise")


def test_collect_records_an_unexpected_error(
    engagement: Engagement, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cs360lib.data.loaders import cache as module  # load_engagement loads through it

    real = module.load

    def flaky(kind, source, mapping, **options):
        if kind == "partner_metrics":
            raise KeyError("boom")
        return real(kind, source, mapping, **options)

    monkeypatch.setattr(module, "load", flaky)
    sources = load_engagement(engagement, errors="collect")
    assert sources.failures["ems"] == "KeyError: 'boom' (an unexpected error; please report it)"
    assert "incidents" in sources
    del engagement.sources["calls"]
    with pytest.raises(KeyError):  # raise mode lets a programming error through unchanged
        load_engagement(engagement)


def test_errors_must_be_raise_or_collect(engagement: Engagement) -> None:
    with pytest.raises(ValueError, match="errors must be 'raise' or 'collect'"):
        load_engagement(engagement, errors="ignore")  # type: ignore[arg-type]


# -- sources that yield nothing (issue 8, item 8) --------------------------------------------

EMPTY_ENGAGEMENT = """
engagement: {id: empty-pd, name: Empty PD}
sources:
  incidents: {path: data/header_only.csv}
  arrests_bad: {kind: incidents, path: data/all_rejected.csv}
  mostly: {kind: incidents, path: data/mostly_rejected.csv}
  good: {kind: incidents, path: data/good.csv}
"""


def _empty_sources(tmp_path: Path, analysis: str = "") -> Engagement:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    header = "incident_id,occurred_at,offense\n"
    (data / "header_only.csv").write_text(header)
    (data / "all_rejected.csv").write_text(header + "1,never,Theft\n2,2023-02-30 10:00,Theft\n")
    (data / "mostly_rejected.csv").write_text(
        header + "1,2023-01-01 10:00,Theft\n2,nope,Theft\n3,nope,Theft\n"
    )
    (data / "good.csv").write_text(header + "1,2023-01-01 10:00,Theft\n2,never,Theft\n")
    (tmp_path / "engagement.yml").write_text(EMPTY_ENGAGEMENT + analysis)
    return Engagement.load(tmp_path / "engagement.yml")


def test_a_source_that_yields_nothing_is_unusable(tmp_path: Path) -> None:
    sources = load_engagement(_empty_sources(tmp_path), errors="collect")
    assert not sources.ok and sources.failures == {}
    assert list(sources) == ["incidents", "arrests_bad", "mostly", "good"]  # all kept
    assert list(sources.unusable) == ["incidents", "arrests_bad", "mostly"]
    assert "header_only.csv has a header but no data rows" in sources.unusable["incidents"]
    assert sources.unusable["arrests_bad"].startswith("all 2 rows of ")
    assert "mostly for occurred_at: " in sources.unusable["arrests_bad"]
    assert sources.unusable["mostly"].startswith("66.7% of the 3 rows of ")
    assert "above the limit of 50% set by analysis.max_rejected_share" in sources.unusable["mostly"]
    frame = sources.to_frame()
    assert list(frame["status"]) == ["empty", "empty", "mostly rejected", "ok"]
    assert frame["error"].isna().tolist() == [False, False, False, True]
    text = sources.failure_text()
    assert text.startswith("3 of 4 sources yield no usable data: incidents: ")
    assert "; arrests_bad: all 2 rows" in text and "; mostly: 66.7%" in text
    assert "Export the source again" in text
    summary = sources.summary()
    assert "[incidents] incidents\nNOT USABLE: " in summary
    assert summary.endswith(
        "3 of 4 sources loaded but yield no usable data: incidents, arrests_bad, mostly"
    )
    assert "good" not in sources.unusable  # exactly half rejected is within the limit


def test_raise_mode_keeps_an_unusable_source_for_the_intake(tmp_path: Path) -> None:
    sources = load_engagement(_empty_sources(tmp_path))  # the notebooks' mode: no error
    assert list(sources.unusable) == ["incidents", "arrests_bad", "mostly"]
    assert len(sources["arrests_bad"].rejected) == 2  # the rows that say why are there


def test_max_rejected_share_is_the_engagement_setting(tmp_path: Path) -> None:
    engagement = _empty_sources(tmp_path, "analysis: {max_rejected_share: 0.7}\n")
    assert engagement.analysis.max_rejected_share == 0.7
    sources = load_engagement(engagement, errors="collect")
    assert sources.max_rejected_share == 0.7
    assert list(sources.unusable) == ["incidents", "arrests_bad"]  # empty fails at any limit
    strict = load_engagement(_empty_sources(tmp_path, "analysis: {max_rejected_share: 0}\n"))
    assert list(strict.unusable) == ["incidents", "arrests_bad", "mostly", "good"]
    assert "above the limit of 0%" in strict.unusable["good"]


def test_older_versions_of_a_key_are_not_faults(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    rows = ["event,received,type,disposition,updated"]
    for n in range(3):  # each call three times: two thirds of the rows are superseded
        rows += [f"E{n},2024-01-05 10:00,THEFT,STEP {k},2024-01-05 1{k}:00" for k in range(3)]
    (tmp_path / "data" / "cad.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "engagement.yml").write_text(
        "engagement: {id: cad, name: CAD}\nsources:\n  calls:\n    path: data/cad.csv\n"
        "    mapping:\n      columns: {call_id: event, received_at: received, call_type: type,"
        " disposition: disposition}\n      extra: {updated_at: updated}\n"
        "      duplicates: keep_latest\n      order_by: updated_at\n"
    )
    sources = load_engagement(Engagement.load(tmp_path / "engagement.yml"), errors="collect")
    result = sources["calls"]
    assert len(result.rejected) == 6 and len(result.data) == 3
    assert rejected_share(result) == 0.0 and source_status(result) == "ok"
    assert sources.ok and sources.unusable == {}


def test_source_problem_of_a_usable_source_is_none(engagement: Engagement) -> None:
    sources = load_engagement(engagement, errors="collect")
    assert source_problem(sources["incidents"]) is None  # one of two rows rejected
    assert source_problem(sources["incidents"], 0.4) is not None
    assert percent_text(0.5) == "50%" and percent_text(0.6234) == "62.3%"


def test_keep_rows_false_keeps_only_the_time_column_and_the_same_description(
    engagement: Engagement,
) -> None:
    full = load_engagement(engagement, errors="collect")
    slim = load_engagement(engagement, errors="collect", keep_rows=False)
    assert slim.to_frame().equals(full.to_frame())  # counts, statuses, errors
    assert slim.failure_text() == full.failure_text()
    assert list(slim["incidents"].data.columns) == ["occurred_at"]
    assert slim["incidents"].data["occurred_at"].equals(full["incidents"].data["occurred_at"])
    assert slim["incidents"].rejected.equals(full["incidents"].rejected)
    assert list(slim["ems"].data.columns) == ["period"]
    assert len(slim["ems"].data) == len(full["ems"].data)


def test_table_bytes_is_the_memory_of_the_full_tables_even_when_they_are_cut(
    engagement: Engagement,
) -> None:
    full = load_engagement(engagement, errors="collect")
    slim = load_engagement(engagement, errors="collect", keep_rows=False)
    expected = {n: int(full[n].data.memory_usage(index=True, deep=False).sum()) for n in full}
    assert full.table_bytes == slim.table_bytes == expected
    assert slim.table_bytes["incidents"] > slim["incidents"].data.memory_usage().sum()
