"""steps.review.dashboard: police and community measures side by side for each CS360 goal."""

from __future__ import annotations

import numpy as np

from cs360lib.steps.review import MARKS, dashboard


def test_every_goal_shows_police_and_partner_sides(sample_review) -> None:
    engagement, _, rv = sample_review
    board = rv.dashboard.frame
    goals = board.groupby("goal_name")["provider"].agg(set)
    assert all(sides == {"police", "partner"} for sides in goals)
    primary = rv.impact.primary()
    measured = board[board["measure"] != ""]
    # every judged measure of the plan appears once, with the same mark as the impact review
    joined = measured.merge(primary, on=["response", "measure"], suffixes=("", "_impact"))
    assert len(joined) == len(measured) == len(primary[primary["goal"].isin(board["goal"])])
    assert (joined["mark"] == joined["mark_impact"]).all()
    assert set(measured["mark"]) <= set(MARKS)
    trust = board[board["goal"] == "trust"]
    assert set(trust.loc[trust["provider"] == "partner", "mark"]) == {"better"}
    assert (trust.loc[trust["provider"] == "police", "mark"] == "no measure").all()
    assert rv.dashboard.dimensions == tuple(sorted(rv.dashboard.dimensions))
    assert dashboard(engagement, rv.impact).frame.equals(board)


def test_the_dashboard_text_and_values_carry_units_and_intervals(sample_review) -> None:
    _, _, rv = sample_review
    board = rv.dashboard.frame.set_index("measure")
    robbery = board.loc["Street robberies in the target beat"]
    assert robbery["before"].endswith("a month") and robbery["change"].startswith("rate ratio")
    assert f"{robbery['low']:.2f} to {robbery['high']:.2f}" in robbery["change"]
    safety = board.loc["Perceived safety in the East district"]
    assert safety["before"].endswith("points")
    text = rv.dashboard.summary()
    counts = rv.dashboard.counts()
    assert text.startswith("At a glance: " + ", ".join(f"{n} {m}" for m, n in counts.items()) + ".")
    assert "- Police: no measure." in text  # trust between community and police
    assert "nan" not in text and "inf" not in text


def test_the_chart_has_both_sides(sample_review) -> None:
    _, _, rv = sample_review
    spec = rv.dashboard.chart().to_dict()
    rows = [r for data in spec["datasets"].values() for r in data]
    assert {r["provider"] for r in rows} == {"police", "partner"}
    assert any(r["note"] == "no measure" for r in rows)
    finite = [r for r in rows if r["rel_change"] is not None]
    assert all(np.isfinite(r["low"]) for r in finite)
