"""Small-cell suppression: hand fixtures, and property tests against an independent attacker.

The attacker here is written from scratch (it shares no code with the library): it reads
only the *published* tables (numbers and markers), knows that "<n" means 1..n-1, that "x"
means at least n (0 is always shown) and that totals add up, and computes by linear
programming (scipy.optimize.linprog, whole numbers relaxed) the range of every hidden cell.

Protection criterion checked: every hidden small count's range
(1) is at least two values wide (it cannot be pinned to its value), and
(2) is as wide as it could be: equal to its range when *every* non-zero cell is hidden
    (so nothing is disclosed beyond what the table's own structure and the marker disclose;
    for most cells that is the marker's whole range 1..n-1).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from cs360lib.errors import Cs360Error, PrivacyError
from cs360lib.publish.privacy import (
    TOTAL_LABEL,
    mask_rates,
    suppress_counts,
    suppress_linked,
)

T = TOTAL_LABEL

# -- the independent attacker ------------------------------------------------------------------


def relations_1d(categories):
    return [((T,), [(c,) for c in categories])]


def relations_2d(rows, cols):
    out = []
    for r in [*rows, T]:
        out.append(((r, T), [(r, c) for c in cols]))
    for c in [*cols, T]:
        out.append(((T, c), [(r, c) for r in rows]))
    return out


def published_cells_1d(series):
    return {(k,): v for k, v in series.items()}


def published_cells_2d(frame):
    return {(r, c): frame.loc[r, c] for r in frame.index for c in frame.columns}


def attacker_ranges(published, relations, n, known=None, truth=None):
    """Range of each hidden cell from published values and markers only.

    published: list of dicts key -> number or marker (several tables may give the same key;
    a number in any table fixes the cell). known: optional dict key -> value fixing more cells
    (used to compute the everything-hidden range). truth: when given, an "x" over a small
    count (a small total shown without its bound) is read as "at least 1"; every other "x"
    as "at least n". This attacker knows more than a real reader, who cannot tell them apart.
    """
    values = {}
    markers = {}
    for table in published:
        for key, value in table.items():
            if isinstance(value, str):
                markers.setdefault(key, value)
            else:
                values[key] = float(value)
    if known is not None:
        values = dict(known)
        markers = {k: m for k, m in markers.items() if k not in values}
    unknown = sorted(k for k in markers if k not in values)
    if not unknown:
        return {}
    position = {k: i for i, k in enumerate(unknown)}
    bounds = []
    for key in unknown:
        marker = markers[key]
        if marker == f"<{n}":
            bounds.append((1, n - 1))
        elif marker == "x":
            small = truth is not None and 0 < truth.get(key, n) < n
            bounds.append((1, None) if small else (n, None))
        else:
            raise AssertionError(f"unexpected marker {marker!r}")
    rows, rhs = [], []
    for total, parts in relations:
        row = np.zeros(len(unknown))
        constant = 0.0
        for key, sign in [(total, 1.0)] + [(p, -1.0) for p in parts]:
            if key in position:
                row[position[key]] += sign
            else:
                constant -= sign * values[key]
        if np.any(row):
            rows.append(row)
            rhs.append(constant)
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    out = {}
    for key in unknown:
        c = np.zeros(len(unknown))
        c[position[key]] = 1
        lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        assert lo.status == 0 and hi.status in (0, 3), "the true table must be feasible"
        out[key] = (lo.fun, -hi.fun if hi.status == 0 else np.inf)
    return out


def everything_hidden(truth, n):
    """Published dict with every non-zero cell hidden under its honest marker."""
    return {k: (f"<{n}" if 0 < v < n else "x") if v > 0 else 0 for k, v in truth.items()}


def check_protected(published, truths, relations, n):
    """Assert criteria (1) and (2) for every small cell; return the ranges."""
    truth = {}
    for t in truths:
        truth.update(t)
    ranges = attacker_ranges(published, relations, n, truth=truth)
    widest = attacker_ranges([everything_hidden(truth, n)], relations, n)
    small = [k for k, v in truth.items() if 0 < v < n]
    for key in small:
        assert key in ranges, f"small cell {key}={truth[key]} is published"
        lo, hi = ranges[key]
        assert lo <= truth[key] + 1e-6 and truth[key] <= hi + 1e-6
        assert hi - lo >= 1 - 1e-6, f"small cell {key}={truth[key]} pinned to [{lo}, {hi}]"
        wlo, whi = widest[key]
        assert lo <= wlo + 1e-6 and hi >= whi - 1e-6, (
            f"small cell {key}={truth[key]}: range [{lo}, {hi}] narrower than the structure "
            f"allows [{wlo}, {whi}]"
        )
    for table in published:
        for key, value in table.items():
            if not isinstance(value, str):
                assert value == 0 or value >= n, f"published small count {key}={value}"
                assert value == truth[key]
    return ranges


def truth_1d(series):
    return {**{(k,): int(v) for k, v in series.items()}, (T,): int(series.sum())}


def truth_2d(frame):
    full = frame.copy()
    full[T] = full.sum(axis=1)
    full.loc[T] = full.sum(axis=0)
    return {(r, c): int(full.loc[r, c]) for r in full.index for c in full.columns}


# -- hand fixtures ------------------------------------------------------------------------------


def test_one_small_cell_in_a_1d_table_needs_a_partner():
    counts = pd.Series({"Central": 12, "East": 3, "West": 40}, name="robberies")
    result = suppress_counts(counts, 5)
    table = result.table()
    assert table.tolist() == ["x", "<5", 40, 55]
    assert table.index.tolist() == ["Central", "East", "West", T]
    assert result.mask.tolist() == [True, True, False, False]
    assert "<5" in result.note and "x:" in result.note
    ranges = check_protected(
        [published_cells_1d(table)], [truth_1d(counts)], relations_1d(list(counts.index)), 5
    )
    assert ranges[("East",)] == (1, 4)


def test_two_small_cells_protect_each_other_when_their_sum_allows():
    counts = pd.Series({"a": 3, "b": 2, "c": 50, "d": 60})
    table = suppress_counts(counts).table()
    assert table.tolist() == ["<5", "<5", 50, 60, 115]


def test_two_small_cells_that_would_pin_each_other_get_a_third():
    # a + b = 2 would pin both to 1: a third cell is hidden
    counts = pd.Series({"a": 1, "b": 1, "c": 50, "d": 60})
    table = suppress_counts(counts).table()
    assert table.tolist() == ["<5", "<5", "x", 60, 112]


def test_partner_is_large_enough_for_the_full_range():
    # hiding 5 would leave the 2 in 1..2 (5 can go down to 5 only); 9 lets it reach 4
    counts = pd.Series({"a": 2, "b": 5, "c": 9, "d": 60})
    table = suppress_counts(counts).table()
    assert table.tolist() == ["<5", 5, "x", 60, 76]
    check_protected([published_cells_1d(table)], [truth_1d(counts)], relations_1d("abcd"), 5)


def test_small_total_is_hidden_and_zeros_always_show():
    counts = pd.Series({"a": 0, "b": 3, "c": 0})
    table = suppress_counts(counts).table()
    assert table.tolist() == [0, "<5", 0, "<5"]


def test_no_small_counts_nothing_hidden_and_note_empty():
    result = suppress_counts(pd.Series({"a": 0, "b": 7, "c": 12}))
    assert result.table().tolist() == [0, 7, 12, 19]
    assert result.hidden == 0 and result.note == ""
    assert "all are shown" in result.summary()


def test_threshold_zero_or_one_hides_nothing_and_two_is_refused():
    counts = pd.Series({"a": 1, "b": 2})
    assert suppress_counts(counts, 0).table().tolist() == [1, 2, 3]
    assert suppress_counts(counts, 1).hidden == 0
    with pytest.raises(PrivacyError, match="min_count 2"):
        suppress_counts(counts, 2)
    with pytest.raises(PrivacyError, match="negative"):
        suppress_counts(counts, -1)


def test_2d_wide_table_with_margins():
    frame = pd.DataFrame(
        {"Robbery": [12, 3, 40, 0], "Burglary": [20, 8, 2, 15], "Theft": [50, 60, 70, 9]},
        index=pd.Index(["C", "E", "W", "N"], name="district"),
    )
    frame.columns.name = "offense"
    result = suppress_counts(frame, 5)
    table = result.table()
    assert table.index.tolist() == ["C", "E", "W", "N", T]
    assert table.columns.tolist() == ["Robbery", "Burglary", "Theft", T]
    assert table.loc["E", "Robbery"] == "<5" and table.loc["W", "Burglary"] == "<5"
    assert table.loc["N", "Robbery"] == 0
    assert table.loc[T, T] == 289
    ranges = check_protected(
        [published_cells_2d(table)],
        [truth_2d(frame)],
        relations_2d(list(frame.index), list(frame.columns)),
        5,
    )
    assert ranges[("E", "Robbery")] == (1, 4)
    audit = result.audit()
    small = audit[audit.status == "primary"]
    assert (small.low == 1).all() and (small.high == 4).all()


def test_long_form_gives_long_form_back_and_missing_combinations_are_zero():
    long = pd.DataFrame(
        {
            "beat": ["E1", "E1", "E2", "E2", "W1"],
            "offense": ["Robbery", "Theft", "Robbery", "Theft", "Theft"],
            "n": [3, 30, 25, 40, 12],
        }
    )
    result = suppress_counts(long, 5, dims=["beat", "offense"], count="n")
    table = result.table()
    assert list(table.columns) == ["beat", "offense", "n"]
    row = table[(table.beat == "W1") & (table.offense == "Robbery")]
    assert row.n.tolist() == [0]
    assert table[(table.beat == "E1") & (table.offense == "Robbery")].n.tolist() == ["<5"]
    frame = result.to_frame()
    assert str(frame["count"].dtype) == "Int64"
    assert frame.loc[frame.status != "published", "count"].isna().all()


def test_multiindex_series_three_dimensions():
    index = pd.MultiIndex.from_product(
        [["C", "E"], ["Robbery", "Theft"], ["day", "night"]], names=["d", "o", "t"]
    )
    counts = pd.Series([10, 2, 30, 40, 15, 16, 17, 18], index=index, name="n")
    result = suppress_counts(counts)
    table = result.table()
    assert table.loc[("C", "Robbery", "night")] == "<5"
    assert table.loc[(T, T, T)] == sum(counts)
    assert result.audit().query("status == 'primary'").high.iloc[0] >= 3


def test_linked_tables_share_hidden_cells():
    # the 1-D table by beat is the row margin of the 2-D table: publishing it separately
    # must not give away a beat total hidden in the 2-D table (differencing)
    wide = pd.DataFrame(
        {"Robbery": [3, 0, 20], "Theft": [1, 30, 25]},
        index=pd.Index(["E1", "E2", "W1"], name="beat"),
    )
    wide.columns.name = "offense"
    by_beat = wide.sum(axis=1).rename("incidents")
    two, one = suppress_linked([wide, by_beat], 5)
    assert one.table()["E1"] == "<5"
    assert two.table().loc["E1", T] == "<5"
    relations = relations_2d(["E1", "E2", "W1"], ["Robbery", "Theft"])
    published_1d = {(k, T): v for k, v in one.table().items()}
    check_protected([published_cells_2d(two.table()), published_1d], [truth_2d(wide)], relations, 5)


def test_separately_suppressed_tables_would_leak_and_linked_ones_do_not():
    # The small cell can only be protected through the column totals (the other corner
    # is a zero), so the 2-D table hides them; a 1-D table by offense suppressed on its
    # own has no small count and would publish those totals: differencing gives the 2 back.
    wide = pd.DataFrame(
        {"Robbery": [2, 40], "Theft": [30, 0]},
        index=pd.Index(["E1", "E2"], name="beat"),
    )
    wide.columns.name = "offense"
    by_offense = wide.sum(axis=0).rename("incidents")
    by_offense.index.name = "offense"
    relations = relations_2d(["E1", "E2"], ["Robbery", "Theft"])
    alone_2d = suppress_counts(wide).table()
    alone_1d = suppress_counts(by_offense).table()
    assert alone_2d.loc[T, "Robbery"] == "x" and alone_1d["Robbery"] == 42
    attack = attacker_ranges(
        [published_cells_2d(alone_2d), {(T, k): v for k, v in alone_1d.items()}], relations, 5
    )
    assert attack[("E1", "Robbery")] == (2, 2)  # pinned: the leak linked suppression prevents
    linked_2d, linked_1d = suppress_linked([wide, by_offense])
    assert linked_1d.table()["Robbery"] == "x"
    check_protected(
        [published_cells_2d(linked_2d.table()), {(T, k): v for k, v in linked_1d.table().items()}],
        [truth_2d(wide)],
        relations,
        5,
    )


def test_linked_tables_of_different_counts_are_refused():
    wide = pd.DataFrame({"a": [10, 20]}, index=pd.Index(["x1", "x2"], name="beat"))
    wide.columns.name = "o"
    other = pd.Series({"x1": 11, "x2": 20}, name="n")
    other.index.name = "beat"
    with pytest.raises(PrivacyError, match="same counts"):
        suppress_linked([wide, other])


@pytest.mark.parametrize(
    "bad",
    [
        pd.Series({"a": 1.5, "b": 3}),
        pd.Series({"a": -1, "b": 3}),
        pd.Series({"a": None, "b": 3}, dtype=float),
        pd.Series({"Total": 3, "b": 3}),
    ],
)
def test_bad_counts_are_refused_with_the_cell_named(bad):
    with pytest.raises(Cs360Error):
        suppress_counts(bad)


def test_long_form_errors_name_the_columns_and_rows():
    long = pd.DataFrame({"beat": ["a", "a"], "n": [1, 2]})
    with pytest.raises(PrivacyError, match="rows \\[0, 1\\]"):
        suppress_counts(long, dims=["beat"], count="n")
    with pytest.raises(PrivacyError, match="no column"):
        suppress_counts(long, dims=["district"], count="n")


def test_shares_are_hidden_with_their_numerator_or_denominator():
    frame = pd.DataFrame(
        {"Robbery": [12, 3, 40], "Theft": [50, 60, 70]},
        index=pd.Index(["C", "E", "W"], name="district"),
    )
    frame.columns.name = "offense"
    result = suppress_counts(frame)
    shares = result.shares("rows")
    table = result.table()
    for r in shares.index:
        for c in shares.columns:
            if result.mask.loc[r, c] or result.mask.loc[r, T]:
                assert shares.loc[r, c] in ("<5", "x")
            else:
                assert shares.loc[r, c].endswith("%")
    assert shares.loc["W", T] == "100%"
    assert table.loc["E", "Robbery"] == "<5"
    with pytest.raises(PrivacyError, match="2-D"):
        suppress_counts(pd.Series({"a": 5})).shares("rows")


def test_mask_rates_hides_rates_of_hidden_counts_and_never_shows_inf():
    counts = pd.Series({"C": 12, "E": 3, "W": 40, "N": 0})
    residents = pd.Series({"C": 4000, "E": 2500, "W": 8000, "N": 0})
    result = suppress_counts(counts)
    rates = counts / residents * 1000
    shown = mask_rates(rates, result, decimals=1)
    assert shown["E"] == "<5"
    assert shown["C"] == "x"
    assert shown["W"] == 5.0
    assert shown["N"] == "–"
    with pytest.raises(PrivacyError, match="labels"):
        mask_rates(pd.Series({"Z": 1.0}), result)


# -- properties -------------------------------------------------------------------------------

counts_strategy = st.integers(min_value=0, max_value=40).flatmap(
    lambda big: st.sampled_from([0, 0, 1, 1, 2, 3, 4, 5, 6, 8, 12, big])
)
threshold = st.sampled_from([3, 5, 10])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(counts_strategy, min_size=1, max_size=8), n=threshold)
def test_property_1d_no_small_cell_can_be_derived(values, n):
    categories = [f"c{i}" for i in range(len(values))]
    counts = pd.Series(values, index=categories)
    table = suppress_counts(counts, n).table()
    check_protected([published_cells_1d(table)], [truth_1d(counts)], relations_1d(categories), n)


@pytest.mark.slow
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shape=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    data=st.data(),
    n=threshold,
)
def test_property_2d_no_small_cell_can_be_derived_from_margins(shape, data, n):
    rows, cols = shape
    values = data.draw(st.lists(counts_strategy, min_size=rows * cols, max_size=rows * cols))
    frame = pd.DataFrame(
        np.array(values).reshape(rows, cols),
        index=pd.Index([f"r{i}" for i in range(rows)], name="row"),
        columns=pd.Index([f"k{j}" for j in range(cols)], name="col"),
    )
    table = suppress_counts(frame, n).table()
    check_protected(
        [published_cells_2d(table)],
        [truth_2d(frame)],
        relations_2d(list(frame.index), list(frame.columns)),
        n,
    )


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shape=st.tuples(st.integers(1, 4), st.integers(1, 4)), data=st.data())
def test_property_linked_margin_tables_no_differencing(shape, data):
    rows, cols = shape
    n = 5
    values = data.draw(st.lists(counts_strategy, min_size=rows * cols, max_size=rows * cols))
    frame = pd.DataFrame(
        np.array(values).reshape(rows, cols),
        index=pd.Index([f"r{i}" for i in range(rows)], name="row"),
        columns=pd.Index([f"k{j}" for j in range(cols)], name="col"),
    )
    by_row = frame.sum(axis=1).rename("n")
    by_col = frame.sum(axis=0).rename("n")
    two, one_r, one_c = suppress_linked([frame, by_row, by_col], n)
    published = [
        published_cells_2d(two.table()),
        {(k, T): v for k, v in one_r.table().items()},
        {(T, k): v for k, v in one_c.table().items()},
    ]
    check_protected(
        published, [truth_2d(frame)], relations_2d(list(frame.index), list(frame.columns)), n
    )
    # the linked tables agree cell by cell: a total is hidden in all or in none
    for r in frame.index:
        assert two.mask.loc[r, T] == one_r.mask[r]
    for c in frame.columns:
        assert two.mask.loc[T, c] == one_c.mask[c]


def test_property_audit_matches_the_independent_attacker():
    rng = np.random.default_rng(7)
    for _ in range(10):
        frame = pd.DataFrame(
            rng.choice([0, 1, 2, 3, 7, 9, 15, 30], size=(4, 3)),
            index=pd.Index(list("abcd"), name="r"),
            columns=pd.Index(list("xyz"), name="c"),
        )
        result = suppress_counts(frame)
        ranges = attacker_ranges(
            [published_cells_2d(result.table())],
            relations_2d(list("abcd"), list("xyz")),
            5,
        )
        audit = result.audit().query("status == 'primary'")
        for row in audit.itertuples():
            assert ranges[(row.r, row.c)] == pytest.approx((row.low, row.high))
            assert row.protected_low >= row.low and row.protected_high <= row.high


def test_every_primary_cell_full_range_in_a_typical_beat_by_offense_table():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        rng.poisson(9, size=(8, 5)),
        index=pd.Index([f"B{i}" for i in range(8)], name="beat"),
        columns=pd.Index(list("ABCDE"), name="offense"),
    )
    result = suppress_counts(frame)
    audit = result.audit().query("status == 'primary'")
    assert len(audit) > 0
    assert (audit.low == 1).all() and (audit.high == 4).all()
    # totals stay published in such a table: the grand total and most margins
    table = result.table()
    assert table.loc[T, T] == frame.to_numpy().sum()
    margins = [table.loc[r, T] for r in frame.index] + [table.loc[T, c] for c in frame.columns]
    assert sum(isinstance(m, str) for m in margins) <= 2
    assert list(itertools.chain(table.index))[-1] == T


def test_without_margins_only_small_counts_are_hidden():
    frame = pd.DataFrame(
        {"Jan": [12, 3, 0], "Feb": [1, 30, 9]},
        index=pd.Index(["E1", "E2", "W1"], name="beat"),
    )
    frame.columns.name = "month"
    result = suppress_counts(frame, margins=False)
    table = result.table()
    assert T not in table.index and T not in table.columns
    assert table.to_numpy().tolist() == [[12, "<5"], ["<5", 30], [0, 9]]
    audit = result.audit().query("status == 'primary'")
    assert (audit.low == 1).all() and (audit.high == 4).all()
    with pytest.raises(PrivacyError, match="totals"):
        result.shares()
