"""load_engagement: every source of an engagement, stopping at the first failure or collecting all."""

from __future__ import annotations

from pathlib import Path

import pytest

from cs360lib import Engagement, LoadError, SourceNotFoundError, load_engagement
from cs360lib.data.loaders.sources import EngagementSources

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
    from cs360lib.data.loaders import sources as module

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
