"""config.review: the ``review:`` section (the team's decisions and the lessons log)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from conftest import SAMPLES, sample_copy

import cs360lib as cs
from cs360lib.config.review import DECISIONS, DEFAULT_LOG
from cs360lib.errors import EngagementError

RESPONSE = "Transit hub lighting and guardianship"


def _load(tmp_path: Path, section: str) -> cs.Engagement:
    path = sample_copy(tmp_path, (SAMPLES / "engagement.yml").read_text() + section)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return cs.Engagement.load(path)


def test_defaults() -> None:
    assert DECISIONS == ("continue", "adjust", "replace")
    assert DEFAULT_LOG == "lessons_learned.yml"


def test_a_decision_is_read_with_its_reason(tmp_path: Path) -> None:
    engagement = _load(
        tmp_path,
        f"\nreview:\n  decisions:\n    - response: {RESPONSE}\n      decision: replace\n"
        "      reason: '  the   bus bays moved  '\n",
    )
    (override,) = engagement.review.decisions
    assert override.decision == "replace" and override.reason == "the bus bays moved"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            f"    - {{response: {RESPONSE}, decision: stop, reason: x}}\n",
            "decision",
        ),
        (f"    - {{response: {RESPONSE}, decision: adjust, reason: '  '}}\n", "give the reason"),
        ("    - {response: Bus shelters, decision: adjust, reason: x}\n", "Bus shelters"),
        (
            f"    - {{response: {RESPONSE}, decision: adjust, reason: x}}\n"
            f"    - {{response: {RESPONSE}, decision: replace, reason: y}}\n",
            "one decision per response",
        ),
    ],
)
def test_wrong_decisions_are_refused(tmp_path: Path, section: str, message: str) -> None:
    with pytest.raises(EngagementError, match=message):
        _load(tmp_path, "\nreview:\n  decisions:\n" + section)


def test_the_log_must_be_yaml(tmp_path: Path) -> None:
    with pytest.raises(EngagementError, match="is not a YAML file"):
        _load(tmp_path, "\nreview:\n  log: lessons.csv\n")
    engagement = _load(tmp_path, "\nreview:\n  log: logs/lessons.yml\n")
    assert engagement.review.log == tmp_path / "logs" / "lessons.yml"
