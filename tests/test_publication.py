"""Publication: what of a frame or a result a stakeholder report may show."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from cs360lib.config.publishing import Publishing
from cs360lib.errors import PrivacyError
from cs360lib.publish.publication import (
    PublishingContext,
    column_classes,
    publish_frame,
    publish_result,
)
from cs360lib.publish.results import Counts, Result

RULES = Publishing()  # min_count 5, hundred blocks


def test_record_level_frames_are_never_published() -> None:
    records = pd.DataFrame({"offense": ["Theft"], "source_file": ["a.csv"], "source_row": [2]})
    publication = publish_frame(records, RULES)
    assert publication.records and publication.changed
    assert publication.shown.empty and publication.frame.empty
    assert "Record-level rows are not published" in publication.note


def test_column_classes_come_from_schemas_results_and_mappings() -> None:
    classes = column_classes(
        ["incident_id", "address", "lat", "response", "beat", "examples", "narrative", "other"],
        {"examples": "personal"},
        {"narrative": "text"},
    )
    assert classes == {
        "incident_id": "personal",
        "address": "location",
        "lat": "location",
        "response": "text",  # free text in interviews (the strictest class of the name)
        "beat": "public",
        "examples": "personal",
        "narrative": "text",
        "other": "public",
    }
    with pytest.raises(PrivacyError, match="unknown publishing class"):
        column_classes(["x"], {"x": "secret"})


def test_personal_columns_are_withheld_and_emptied() -> None:
    frame = pd.DataFrame(
        {"beat": ["A1", "A2"], "incident_id": ["2021-000123", "2021-000124"], "n": [12, 40]}
    )
    publication = publish_frame(frame, RULES)
    assert publication.withheld == ("incident_id",)
    assert list(publication.shown.columns) == ["beat", "n"]
    assert publication.frame["incident_id"].isna().all()
    assert "Not published: Incident ID" in publication.note


def test_locations_are_generalized_to_the_precision() -> None:
    frame = pd.DataFrame(
        {
            "address": ["1234 Elm Street Apt 5", "Main St & 7th St"],
            "lat": [38.650123, 38.651999],
            "lon": [-90.250123, -90.249001],
            "label": ["a", "b"],
        }
    )
    block = publish_frame(frame, RULES, counts=())
    assert list(block.shown["address"]) == ["1200 block of Elm St", "Main St & 7th St"]
    assert block.shown["lat"].iloc[0] != 38.650123  # snapped to the 100 m grid
    assert "hundred blocks" in block.note and block.changed
    beat = publish_frame(frame, Publishing(location_precision="beat"), counts=())
    assert list(beat.shown.columns) == ["label"]
    assert {"address", "lat", "lon"} <= set(beat.withheld)


def test_counts_by_beat_are_added_up_by_district_at_district_precision() -> None:
    frame = pd.DataFrame(
        {
            "district": ["East", "East", "West", "West"],
            "beat": ["E1", "E2", "W1", "W2"],
            "rows": [3, 30, 20, 25],
        }
    )
    counts = (Counts(("rows",), by=("district", "beat")),)
    publication = publish_frame(frame, Publishing(location_precision="district"), counts=counts)
    assert list(publication.frame.columns) == ["district", "rows"]
    assert publication.frame.set_index("district")["rows"].to_dict() == {"East": 33, "West": 45}
    assert publication.hidden == 0  # the small beat is no longer published on its own
    block = publish_frame(frame, RULES, counts=counts)
    assert block.shown["rows"].tolist()[0] == "<5" and block.hidden >= 2


def test_free_text_is_scrubbed_with_the_known_names() -> None:
    calls = []

    def names() -> list[str]:
        calls.append(1)
        return ["Grace Okafor"]

    context = PublishingContext(RULES, known_names=names, columns={"narrative": "text"})
    frame = pd.DataFrame(
        {"narrative": ["Grace Okafor called from 314-555-0142.", None], "n": [0, 0]}
    )
    publication = publish_frame(frame, context)
    assert publication.shown["narrative"].iloc[0] == "[name] called from [phone]."
    assert pd.isna(publication.shown["narrative"].iloc[1])
    publish_frame(frame, context)
    assert calls == [1]  # the names are read once, on the first text to scrub
    untouched = PublishingContext(RULES, known_names=names)
    publish_frame(pd.DataFrame({"n": [7]}), untouched)
    assert calls == [1]  # no text: no names read


def test_quotes_false_withholds_free_text() -> None:
    frame = pd.DataFrame({"response": ["Fix the lights."], "theme": ["areas_for_improvement"]})
    publication = publish_frame(frame, Publishing(quotes=False))
    assert list(publication.shown.columns) == ["theme"]
    assert "quotes: false" in publication.note


def test_declared_counts_with_a_total_protect_the_small_part() -> None:
    frame = pd.DataFrame(
        {
            "source": ["incidents", "calls", "survey"],
            "missing": [3, 400, 0],
            "rows": [1000, 2000, 60],
            "missing_pct": [0.3, 20.0, 0.0],
        }
    )
    counts = (
        Counts(("missing",), by=("source",), total="rows", totals=(), rates={"missing_pct": "missing"}),
    )  # fmt: skip
    publication = publish_frame(frame, RULES, counts=counts)
    shown = publication.shown.set_index("source")
    assert shown.loc["incidents", "missing"] == "<5"
    assert shown.loc["incidents", "missing_pct"] == "x"  # a rate of a hidden count, not "<5"%
    assert shown.loc["incidents", "rows"] == 1000  # the remainder (997) was hidden instead
    assert shown.loc["calls", "missing"] == 400 and shown.loc["survey", "missing"] == 0
    assert publication.frame["missing"].isna().tolist() == [True, False, False]
    assert publication.frame["missing_pct"].isna().tolist() == [True, False, False]
    assert "<5: a count from 1 to 4" in publication.note


def test_complementary_suppression_over_published_totals() -> None:
    frame = pd.DataFrame({"beat": ["A", "B", "C"], "n": [3, 40, 12]})
    publication = publish_frame(frame, RULES, counts=(Counts(("n",), by=("beat",)),))
    shown = publication.shown["n"].tolist()
    assert shown[0] == "<5" and "x" in shown  # the total is published: hide one more
    assert publication.totals == {"n": 55}
    assert "x: hidden as well" in publication.note
    none = publish_frame(frame, RULES, counts=(Counts(("n",), by=("beat",), totals=()),))
    assert none.shown["n"].tolist() == ["<5", 40, 12]  # no total: the small count alone


def test_groups_are_separate_tables() -> None:
    frame = pd.DataFrame(
        {
            "source": ["a", "a", "a", "b", "b"],
            "month": ["1", "2", "3", "1", "2"],
            "rows": [2, 30, 40, 50, 60],
        }
    )
    counts = (Counts(("rows",), by=("source", "month"), totals=("month",)),)
    shown = publish_frame(frame, RULES, counts=counts).shown["rows"].tolist()
    assert shown[:3] == ["<5", "x", 40] and shown[3:] == [50, 60]  # b is untouched


def test_inferred_counts_are_the_whole_number_columns() -> None:
    frame = pd.DataFrame({"week": [1, 2, 3], "calls": [3, 20, 30], "rate": [0.5, 1.0, 2.0]})
    publication = publish_frame(frame, RULES)
    assert publication.shown["week"].tolist()[0] == "<5"  # a number is a count unless said
    named = publish_frame(frame, RULES, not_counts=["week"])
    assert named.shown["week"].tolist() == [1, 2, 3]
    assert named.shown["calls"].tolist()[0] == "<5" and named.shown["rate"].tolist()[0] == 0.5


def test_min_count_below_three_hides_nothing() -> None:
    frame = pd.DataFrame({"beat": ["A", "B"], "n": [1, 40]})
    publication = publish_frame(frame, Publishing(min_count=0))
    assert not publication.changed and publication.hidden == 0
    assert publication.totals == {"n": 41}


def test_count_declarations_are_checked() -> None:
    frame = pd.DataFrame({"beat": ["A", "B"], "n": [1.5, 40]})
    with pytest.raises(PrivacyError, match="whole numbers"):
        publish_frame(frame, RULES, counts=(Counts(("n",), by=("beat",)),))
    with pytest.raises(PrivacyError, match="not in the frame"):
        publish_frame(frame, RULES, counts=(Counts(("calls",), by=("beat",)),))
    parts = pd.DataFrame({"beat": ["A"], "part": [9], "whole": [5]})
    with pytest.raises(PrivacyError, match="add up to more than"):
        publish_frame(parts, RULES, counts=(Counts(("part",), by=("beat",), total="whole"),))
    with pytest.raises(TypeError, match="tuple"):
        Counts("n", by=("beat",))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not dimensions"):
        Counts(("n",), by=("beat",), totals=("district",))
    with pytest.raises(ValueError, match="not count columns"):
        Counts(("n",), by=("beat",), rates={"share": "m"})


@dataclasses.dataclass(frozen=True)
class _Counted(Result):
    frame: pd.DataFrame
    count_columns = (Counts(("n",), by=("beat",)),)
    privacy = {"example": "personal"}

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def summary(self) -> str:
        lines = [f"{self.total('n')} in all."]
        for i, beat in enumerate(self.frame["beat"]):
            lines.append(f"- {beat}: {self.shown('n', i)}")
        return "\n".join(lines)

    def chart(self):  # pragma: no cover - not drawn here
        raise NotImplementedError


def test_a_result_is_rebuilt_from_its_published_frame() -> None:
    result = _Counted(
        pd.DataFrame(
            {"beat": ["A", "B", "C"], "n": [3, 40, 12], "example": ["REC-ONE", "REC-TWO", "REC-3"]}
        )
    )
    published = publish_result(result, RULES)
    copy = published.result
    assert isinstance(copy, _Counted) and copy.publication is published.publication
    assert copy.summary() == "55 in all.\n- A: <5\n- B: 40\n- C: x"
    assert result.summary() == "55 in all.\n- A: 3\n- B: 40\n- C: 12"
    assert copy.to_frame()["example"].isna().all()
    html = copy.table().to_html()
    assert "REC-ONE" not in html and ">Example<" not in html and "&lt;5" in html
    assert "Not published: Example" in html  # the caption says what is left out
    assert result.published(RULES).summary() == copy.summary()
    safe = _Counted(pd.DataFrame({"beat": ["A"], "n": [np.int64(40)], "example": [None]}))
    assert publish_result(safe, Publishing(min_count=0)).result is not None


def test_the_markers_are_the_privacy_librarys() -> None:
    from cs360lib.publish import count_tables, privacy

    assert count_tables.SECONDARY_MARKER == privacy.SECONDARY_MARKER
    assert count_tables.TOTAL_LABEL == privacy.TOTAL_LABEL
    assert count_tables.primary_marker(7) == privacy.primary_marker(7) == "<7"


def test_a_small_count_held_outside_the_frame_is_not_stated() -> None:
    # EmergentThemes keeps the number of uncovered responses in a field: on the sample it is
    # 3 of 30, and its published summary must say "fewer than 5", not "3 of 30"
    from cs360lib.steps.scanning.themes import EmergentThemes

    themes = pd.DataFrame(columns=["theme", "top_terms", "responses", "examples"])
    assignments = pd.DataFrame(columns=["response_id", "theme", "weight"])
    small = EmergentThemes(themes, assignments, uncovered=3, coded=30)
    assert "3 of 30" in small.summary()
    published = publish_result(small, RULES).result
    assert published is not small and published.publication is not None
    assert "Fewer than 5 of 30 coded responses" in published.summary()
    assert "3 of 30" not in published.summary()
    large = dataclasses.replace(small, uncovered=12)
    assert publish_result(large, RULES).result is large  # nothing to hide: the same object
