"""cs.show: every output marked for its audience, the stakeholder copy published by the rules."""

from __future__ import annotations

import altair as alt
import IPython.display
import pandas as pd
import pytest
from IPython.display import Markdown

import cs360lib as cs
from cs360lib.config.publishing import Publishing
from cs360lib.errors import PrivacyError
from cs360lib.publish import display
from cs360lib.publish.privacy import suppress_counts
from cs360lib.publish.tables import PresentationTable
from cs360lib.steps import intake


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, str, dict]]:
    """Record what show displays: (object, audience, cs360 metadata)."""
    seen: list[tuple[object, str, dict]] = []

    def record(obj: object, *, metadata: dict) -> None:
        meta = metadata[display.METADATA_KEY]
        seen.append((obj, meta["audience"], meta))

    monkeypatch.setattr(IPython.display, "display", record)
    display.use_publishing(Publishing())
    yield seen
    display.use_publishing(Publishing())


def _audiences(seen: list) -> list[str]:
    return [audience for _, audience, _ in seen]


def _text(seen: list, audience: str) -> str:
    return "\n".join(
        obj.data
        if isinstance(obj, Markdown)
        else obj._repr_html_()
        if isinstance(obj, PresentationTable)
        else ""
        for obj, who, _ in seen
        if who == audience
    )


def test_show_is_the_public_api() -> None:
    assert cs.show is display.show


def test_audience_is_checked(shown: list) -> None:
    with pytest.raises(PrivacyError, match="audience"):
        display.show("text", audience="public")  # type: ignore[arg-type]


def test_text_is_published_as_markdown(shown: list) -> None:
    display.show("Some **prose**.")
    ((obj, audience, _),) = shown
    assert isinstance(obj, Markdown) and obj.data == "Some **prose**." and audience == "all"


def test_analyst_only_with_a_title(shown: list) -> None:
    display.show(pd.DataFrame({"victim_name": ["Jane Doe"]}), audience="analyst", title="Rows")
    assert _audiences(shown) == ["analyst", "analyst"]
    assert shown[0][0].data == "**Rows**" and shown[0][2]["title"] == "Rows"


def test_a_safe_table_goes_to_both_reports_once(shown: list) -> None:
    display.show(pd.DataFrame({"beat": ["A1", "A2"], "calls": [12, 30]}))
    assert _audiences(shown) == ["all"]


def test_a_table_with_small_counts_is_published_suppressed(shown: list) -> None:
    display.show(pd.DataFrame({"beat": ["A1", "A2", "A3"], "calls": [3, 30, 12]}))
    assert _audiences(shown) == ["stakeholder", "analyst", "analyst", "analyst"]
    public, private = _text(shown, "stakeholder"), _text(shown, "analyst")
    assert "&lt;5" in public and ">3<" not in public
    # the marker is explained once, in the table's footnote
    assert public.count("&lt;5: a count from 1 to 4, hidden to protect the people concerned.") == 1
    assert ">3<" in private and "Full detail" in private and "In the stakeholder report" in private
    assert shown[1][2]["what"].startswith("The full detail")


def test_records_go_to_the_analyst_report_only(shown: list) -> None:
    records = pd.DataFrame({"offense": ["Theft"], "source_file": ["a.csv"], "source_row": [2]})
    display.show(records)
    assert _audiences(shown) == ["analyst"]
    assert "Record-level rows are not published" in shown[0][2]["note"]


def test_a_result_shows_summary_table_chart_and_its_records(shown: list, tmp_path) -> None:
    path = tmp_path / "incidents.csv"
    path.write_text(
        "incident_id,occurred_at,offense,victim_name\n"
        "R1,2023-01-05 10:00,Theft,Jane Doe\nR2,2023-02-30 10:00,Theft,John Roe\n"
    )
    rejected = intake.rejections({"incidents": cs.load("incidents", path)})
    display.show(rejected)
    first = [(obj, audience) for obj, audience, _ in shown[:3]]
    assert [audience for _, audience in first] == ["stakeholder"] * 3
    assert isinstance(first[0][0], Markdown) and isinstance(first[1][0], PresentationTable)
    assert isinstance(first[2][0], alt.TopLevelMixin)
    public, private = _text(shown, "stakeholder"), _text(shown, "analyst")
    assert "John Roe" not in public and "2023-02-30" not in public and "e.g. rows" not in public
    assert "&lt;5: a count from 1 to 4" in public and "Not published: Example rows" in public
    assert "John Roe" in private and "2023-02-30" in private  # the rejected row, for the analyst
    assert shown[-1][2]["title"] == display.DETAIL_TITLE
    assert shown[-1][2]["what"] == "The record-level detail behind this table"


def test_registered_rules_reach_show(shown: list) -> None:
    frame = pd.DataFrame({"beat": ["A1", "A2", "A3"], "calls": [3, 30, 12]})
    display.use_publishing(Publishing(min_count=0))
    display.show(frame)
    assert _audiences(shown) == ["all"]
    display.use_publishing(Publishing(min_count=20))
    display.show(frame)
    assert "&lt;20" in _text(shown, "stakeholder")


def test_a_chart_is_drawn_from_its_published_data(shown: list) -> None:
    data = pd.DataFrame({"week": [1, 2, 3], "calls": [3, 40, 12]})
    display.show(alt.Chart(data).mark_line().encode(x="week:O", y="calls:Q"))
    published = [obj for obj, who, _ in shown if who == "stakeholder"][0]
    assert isinstance(published, alt.Chart)
    assert published.data["week"].tolist() == [1, 2, 3]  # an axis, not a count
    assert published.data["calls"].isna().tolist() == [True, False, True]
    original = [obj for obj, who, _ in shown if who == "analyst" and isinstance(obj, alt.Chart)]
    assert original[0].data["calls"].tolist() == [3, 40, 12]


def test_a_chart_that_counts_for_itself_is_analyst_only(shown: list) -> None:
    records = pd.DataFrame({"beat": ["A1", "A1", "A2"]})
    display.show(alt.Chart(records).mark_bar().encode(x="beat:N", y="count():Q"))
    assert _audiences(shown) == ["analyst"]
    assert "could not be checked" in shown[0][2]["note"]


def test_a_suppressed_table_is_published_as_it_is(shown: list) -> None:
    table = suppress_counts(pd.Series({"A": 3, "B": 40, "C": 12}, name="calls"))
    display.show(table)
    assert _audiences(shown) == ["all"]
    assert "&lt;5" in _text(shown, "all") and ">3<" not in _text(shown, "all")


def test_unknown_objects_are_not_published(shown: list) -> None:
    display.show(object())
    assert _audiences(shown) == ["analyst"]


def test_long_frames_are_cut_for_the_analyst(shown: list) -> None:
    display.show(pd.DataFrame({"x": range(display.MAX_ROWS + 5)}), audience="analyst")
    ((table, audience, _),) = shown
    html = _text(shown, "analyst")
    assert audience == "analyst" and table.max_rows == display.MAX_ROWS
    assert f"… 5 more rows not shown ({display.MAX_ROWS + 5:,} in all)." in html
    assert f"Save all {display.MAX_ROWS + 5:,} rows as CSV" in html


def test_a_long_table_is_cut_for_stakeholders_and_whole_for_analysts(shown: list) -> None:
    frame = pd.DataFrame({"beat": [f"B{i:02d}" for i in range(40)], "calls": range(100, 140)})
    display.show(frame, title="Calls by beat")
    assert _audiences(shown) == ["all", "stakeholder", "analyst"]
    public, private = _text(shown, "stakeholder"), _text(shown, "analyst")
    assert "… 15 more rows not shown (40 in all)." in public and "Save all" not in public
    assert "B39" not in public and "B39" in private and "more rows" not in private
    assert shown[2][2]["what"] == "The full table, with all its 40 rows,"


def test_a_result_summary_is_formatted_markdown(shown: list) -> None:
    frame = pd.DataFrame({"beat": ["A1", "A2"], "calls": [1200, 3400]})
    display.show(frame.assign(rate=[0.5, 0.25]))
    display.show("plain **text** as written")
    assert shown[-1][0].data == "plain **text** as written"


def test_a_summary_that_cannot_read_hidden_counts_leaves_the_table_only(shown: list) -> None:
    """A result written for whole numbers does not break the notebook: table only, and why."""
    import dataclasses

    from cs360lib.publish.results import Result

    @dataclasses.dataclass(frozen=True)
    class Fragile(Result):
        frame: pd.DataFrame

        def to_frame(self) -> pd.DataFrame:
            return self.frame.copy()

        def summary(self) -> str:
            return f"{int(self.frame['n'].sum() + self.frame['n'].iloc[0]):,} events."

        def chart(self) -> alt.Chart:
            return alt.Chart(self.frame).mark_bar().encode(x="beat:N", y="n:Q")

    display.show(Fragile(pd.DataFrame({"beat": ["A", "B"], "n": [3, 40]})))
    public = [obj for obj, who, _ in shown if who == "stakeholder"]
    assert len(public) == 2 and "in the analyst report" in public[0].data
    assert "&lt;5" in public[1].to_html()
    note = _text(shown, "analyst")
    assert "could not be drawn from the published numbers (TypeError" in note
