"""steps.review.log: the lessons-learned log, appended at each review, read by the next cycle."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import yaml
from conftest import sample_copy

import cs360lib as cs
from cs360lib.errors import ReviewError
from cs360lib.steps import review

RESPONSE = "Transit hub lighting and guardianship"


def _engagement(path: Path) -> cs.Engagement:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return cs.Engagement.load(path)


def test_the_log_is_appended_across_two_runs_never_rewritten(tmp_path: Path) -> None:
    path = sample_copy(tmp_path)
    engagement = _engagement(path)
    sources = cs.load_engagement(engagement)
    first = review.record(
        engagement, review.review(engagement, sources).decisions, today="2025-01-15"
    )
    log = tmp_path / "lessons_learned.yml"
    assert first.path == log and first.appended and first.cycle == 1
    written = log.read_bytes()
    # the next cycle: a new run, the team overrides the proposal
    text = path.read_text() + (
        "\nreview:\n  decisions:\n"
        f"    - {{response: {RESPONSE}, decision: adjust, reason: extend the evening hours, "
        "by: Problem-Solving Team}\n"
    )
    path.write_text(text)
    engagement = _engagement(path)
    second = review.record(
        engagement, review.review(engagement, sources).decisions, today="2025-07-15"
    )
    assert second.appended and second.cycle == 2
    now = log.read_bytes()
    assert now.startswith(written)  # the first entry is untouched, byte for byte
    entries = review.read_log(log)
    assert [e["cycle"] for e in entries] == [1, 2]
    assert [e["reviewed_on"] for e in entries] == ["2025-01-15", "2025-07-15"]
    assert entries[0]["responses"][0]["decision"] == "continue"
    assert entries[1]["responses"][0]["decision"] == "adjust"
    assert entries[1]["responses"][0]["decided_by"] == "team (Problem-Solving Team)"
    assert entries[1]["responses"][0]["proposed"] == "continue"
    assert any("recorded" in line for line in entries[1]["responses"][0]["evidence"])
    # recording the same review again the same day adds nothing
    again = review.record(
        engagement, review.review(engagement, sources).decisions, today="2025-07-15"
    )
    assert not again.appended and again.cycle == 2
    assert log.read_bytes() == now
    assert "nothing was added" in again.summary()


def test_previous_cycles_shows_what_was_tried_before(tmp_path: Path, sample_review) -> None:
    engagement, _, rv = sample_review
    log = tmp_path / "log.yml"
    empty = review.previous_cycles(engagement, path=log)
    assert empty.frame.empty and "this is its first cycle" in empty.summary()
    drawn = empty.chart().to_dict()  # a sentence, not a time axis at the year 2000
    assert drawn["mark"]["type"] == "text" and "encoding" in drawn
    assert "first cycle" in str(drawn["datasets"]) and "2000" not in str(drawn)
    review.record(engagement, rv.decisions, today="2025-01-15", path=log)
    review.record(engagement, rv.decisions, today="2025-07-15", path=log)
    found = review.previous_cycles(engagement, path=log)
    assert list(found.frame["cycle"]) == [1, 2]
    assert list(found.last["reviewed_on"].dt.strftime("%Y-%m-%d")) == ["2025-07-15"]
    text = found.summary()
    assert text.startswith("2 earlier review(s) recorded in log.yml. The last, on 15 July 2025")
    assert f"- {RESPONSE}: implemented; decided: continue (by rules), because" in text
    assert f"- Review 1 (15 January 2025): {RESPONSE}: continue." in text
    spec = found.chart().to_dict()
    assert len([r for d in spec["datasets"].values() for r in d]) == 2


def test_the_log_lives_next_to_the_engagement_or_where_it_says(tmp_path: Path) -> None:
    path = sample_copy(tmp_path)
    engagement = _engagement(path)
    assert review.log_path(engagement) == tmp_path / "lessons_learned.yml"
    path.write_text(path.read_text() + "\nreview:\n  log: reviews/cycle_log.yml\n")
    assert review.log_path(_engagement(path)) == tmp_path / "reviews" / "cycle_log.yml"


def test_a_damaged_log_is_refused_and_left_alone(tmp_path: Path, sample_review) -> None:
    engagement, _, rv = sample_review
    log = tmp_path / "lessons_learned.yml"
    log.write_text("---\nreviewed_on: [unclosed\n")
    before = log.read_bytes()
    with pytest.raises(ReviewError, match="not valid YAML"):
        review.record(engagement, rv.decisions, path=log)
    assert log.read_bytes() == before
    log.write_text(yaml.safe_dump({"note": "not a review"}))
    with pytest.raises(ReviewError, match="entry 1 is not a review entry"):
        review.previous_cycles(engagement, path=log)


def test_an_entry_is_appended_after_a_file_without_a_final_newline(
    tmp_path: Path, sample_review
) -> None:
    engagement, _, rv = sample_review
    log = tmp_path / "lessons_learned.yml"
    review.record(engagement, rv.decisions, today="2025-01-15", path=log)
    log.write_text(log.read_text().rstrip("\n"))
    review.record(engagement, rv.decisions, today="2025-02-15", path=log)
    assert [e["cycle"] for e in review.read_log(log)] == [1, 2]
