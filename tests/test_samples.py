"""Tests for cs360lib.datasets.sampleton: determinism, the committed sample and the planted truth."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cs360lib.data.schemas import SCHEMAS, SECTORS, THEMES, column_types
from cs360lib.datasets import sampleton as samples
from cs360lib.datasets.sampleton import FILES, make_department, make_incidents, write_incidents

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
GENERATED = [*FILES.values(), "engagement.yml", "truth.json"]


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh generation with the default seed and scale."""
    return make_department(tmp_path_factory.mktemp("sample")).parent


@pytest.fixture(scope="module")
def truth(fresh: Path) -> dict:
    return json.loads((fresh / "truth.json").read_text())


def _read(folder: Path, kind: str) -> pd.DataFrame:
    frame = pd.read_csv(folder / FILES[kind], dtype=str, keep_default_na=False, na_values=[""])
    for col in samples.DATETIME_COLUMNS[kind]:
        frame[col] = pd.to_datetime(frame[col], format=samples.DATETIME_COLUMNS[kind][col])
    return frame


@pytest.fixture(scope="module")
def incidents(fresh: Path, truth: dict) -> pd.DataFrame:
    """The incidents the loader keeps: the planted broken rows (rejected) are left out."""
    frame = _read(fresh, "incidents")
    broken = truth["personal_planted"]["incidents"]["rejected_ids"]
    assert frame["incident_id"].isin(broken).sum() == truth["rejected"]["incidents"] == 3
    frame = frame[~frame["incident_id"].isin(broken)].reset_index(drop=True)
    frame["lat"] = frame["lat"].astype(float)
    frame["lon"] = frame["lon"].astype(float)
    return frame


# ------------------------------------------------------------------------------------------
# files, determinism, the committed sample
# ------------------------------------------------------------------------------------------


def test_writes_every_file_and_returns_engagement(fresh: Path) -> None:
    assert sorted(p.name for p in fresh.iterdir()) == sorted(GENERATED)
    assert set(FILES) == set(SCHEMAS)


def test_same_seed_same_bytes(fresh: Path, tmp_path: Path) -> None:
    again = make_department(tmp_path / "again").parent
    for name in GENERATED:
        assert (again / name).read_bytes() == (fresh / name).read_bytes(), name


def test_other_seed_other_data(fresh: Path, tmp_path: Path) -> None:
    other = make_department(tmp_path / "other", seed=7).parent
    assert (other / "incidents.csv.gz").read_bytes() != (fresh / "incidents.csv.gz").read_bytes()
    # the stakeholder roster is fixed; the structure is the same
    assert (other / "stakeholders.csv").read_bytes() == (fresh / "stakeholders.csv").read_bytes()


def test_committed_sample_equals_fresh_generation(fresh: Path) -> None:
    for name in GENERATED:
        committed = SAMPLES / name
        assert committed.exists(), f"{committed} missing: run `cs360 sample --out data/samples`"
        assert committed.read_bytes() == (fresh / name).read_bytes(), (
            f"{committed} differs from a fresh generation: regenerate with "
            "`python -m cs360lib.datasets.sampleton --out data/samples`"
        )


def test_committed_sample_is_small() -> None:
    total = sum((SAMPLES / name).stat().st_size for name in GENERATED)
    assert total < 5_000_000


def test_gzip_header_has_no_timestamp_or_name(fresh: Path) -> None:
    head = (fresh / "incidents.csv.gz").read_bytes()[:10]
    assert head[4:8] == b"\x00\x00\x00\x00"  # mtime
    assert head[3] & 0x08 == 0  # no FNAME


def test_columns_are_canonical(fresh: Path, truth: dict) -> None:
    """Every column is canonical, except the planted personal columns of the incidents."""
    planted = set(truth["personal_planted"]["incidents"]["columns"])
    assert planted == {"victim_name", "narrative"}
    for kind, name in FILES.items():
        opener = gzip.open if name.endswith(".gz") else open
        with opener(fresh / name, "rt") as fh:
            header = fh.readline().strip().split(",")
        allowed = set(column_types(kind)) | (planted if kind == "incidents" else set())
        assert set(header) <= allowed, (kind, header)


def test_scale_multiplies_volumes(tmp_path: Path) -> None:
    small = json.loads(
        (make_department(tmp_path / "s", scale=0.25).parent / "truth.json").read_text()
    )
    assert 0.22 * 20_000 < small["rows"]["incidents"] < 0.28 * 20_000
    assert small["scale"] == 0.25


def test_tiny_scale_still_writes_valid_truth(tmp_path: Path) -> None:
    folder = make_department(tmp_path / "tiny", scale=0.0001).parent
    text = (folder / "truth.json").read_text()
    truth = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in truth.json"))
    assert truth["rows"]["incidents"] < 20
    written = len(pd.read_csv(folder / "incidents.csv.gz"))
    assert written == truth["rows"]["incidents"] + truth["rejected"]["incidents"]


def test_bad_scale_is_rejected(tmp_path: Path) -> None:
    from cs360lib.errors import DatasetError

    with pytest.raises(DatasetError, match=r"--scale\) must be a positive number, got 0\.0: 1 "):
        make_department(tmp_path, scale=0)
    with pytest.raises(DatasetError, match=r"n_rows must be 0 or more .* got -1"):
        make_incidents(-1)


def test_ids_grow_a_digit_when_a_year_outgrows_their_width() -> None:
    import numpy as np

    from cs360lib.datasets.sampleton.events import _ids

    when = np.array(["2023-01-01"] * 12, dtype="datetime64[s]")
    assert list(_ids("C", when[:9], 1, two_digit_year=True)) == [f"C23-{k}" for k in range(1, 10)]
    wide = list(_ids("C", when, 1, two_digit_year=True))
    assert wide == [f"C23-{k:02d}" for k in range(1, 13)]


def test_make_incidents_exact_rows_and_deterministic(tmp_path: Path) -> None:
    a = make_incidents(5_000, seed=3)
    b = make_incidents(5_000, seed=3)
    assert len(a) == 5_000
    pd.testing.assert_frame_equal(a, b)
    assert a["occurred_at"].is_monotonic_increasing
    assert a["incident_id"].is_unique
    path = write_incidents(tmp_path / "inc.csv.gz", 1_000, seed=3)
    assert len(pd.read_csv(path)) == 1_000


def test_main_writes_department(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert samples.main(["--out", str(tmp_path / "cli"), "--scale", "0.1"]) == 0
    assert capsys.readouterr().out.strip().endswith("engagement.yml")


# ------------------------------------------------------------------------------------------
# content: realistic, private, consistent
# ------------------------------------------------------------------------------------------


def test_incidents_are_realistic(incidents: pd.DataFrame, truth: dict) -> None:
    assert 18_000 < len(incidents) < 22_000
    assert incidents["incident_id"].is_unique
    assert incidents["incident_id"].str.fullmatch(r"20\d\d-\d{6}").all()
    assert incidents["occurred_at"].min() >= pd.Timestamp("2020-01-01")
    assert incidents["occurred_at"].max() < pd.Timestamp("2025-01-01")
    assert {"Robbery", "Burglary", "Theft", "Assault", "Motor vehicle theft", "Vandalism",
            "Drug offense"} == set(incidents["offense_group"])  # fmt: skip
    assert set(incidents["beat"]) == set(samples.BEATS)
    # block-level addresses only
    assert incidents["address"].str.fullmatch(r"\d+00 block of [A-Z0-9][\w ]+").all()
    box = truth["geography"]["bbox"]
    geo = incidents.dropna(subset=["lat"])
    assert geo["lat"].between(box["lat_min"], box["lat_max"]).all()
    assert geo["lon"].between(box["lon_min"], box["lon_max"]).all()
    assert 0 < incidents["lat"].isna().mean() < 0.02


def test_beats_lie_in_their_district(incidents: pd.DataFrame) -> None:
    assert (incidents["beat"].str[0] == incidents["district"].str[0]).all()


def test_calls_times_are_ordered(fresh: Path) -> None:
    calls = _read(fresh, "calls")
    assert calls["call_id"].is_unique
    r, d, a, c = (calls[k] for k in ("received_at", "dispatched_at", "arrived_at", "cleared_at"))
    assert (d.isna() | (d >= r)).all()
    assert (a.isna() | (a >= d)).all()
    assert (c >= r).all()
    assert (a.isna() | (c >= a)).all()
    assert c.notna().all()
    assert set(calls["source"]) == {"911", "Phone", "On-view"}


def test_arrests_link_to_incidents(fresh: Path, incidents: pd.DataFrame) -> None:
    arrests = _read(fresh, "arrests")
    linked = arrests["incident_id"].dropna()
    assert 0.5 < len(linked) / len(arrests) < 0.95
    assert linked.isin(incidents["incident_id"]).all()
    occurred = incidents.set_index("incident_id")["occurred_at"]
    assert (arrests.dropna(subset=["incident_id"])["arrested_at"].to_numpy()
            >= occurred.loc[linked].to_numpy()).all()  # fmt: skip
    assert arrests["age"].astype(int).between(0, 120).all()


def test_no_person_names(fresh: Path) -> None:
    stake = _read(fresh, "stakeholders")
    assert set(stake["sector"]) == set(SECTORS)
    assert set(stake["team"]) <= {"AT", "PST", "AT+PST", "PST2", "none"}
    levers = stake["levers"].dropna().str.split(";").explode()
    assert set(levers) <= {"handler", "guardian", "manager"}
    assert "name" not in " ".join(stake.columns)


def test_actions_belong_to_the_response(fresh: Path) -> None:
    actions = _read(fresh, "actions")
    assert actions["action_id"].is_unique
    assert set(actions["response"]) == {samples.RESPONSE_NAME}
    ended = actions.dropna(subset=["end"])
    assert (ended["end"] >= ended["start"]).all()


# ------------------------------------------------------------------------------------------
# the data agree with truth.json
# ------------------------------------------------------------------------------------------


def test_concentration(incidents: pd.DataFrame, truth: dict) -> None:
    conc = truth["concentration"]
    counts = incidents["address"].value_counts()  # blocks without incidents add nothing
    n_blocks = conc["n_blocks"]
    top = counts.sort_values(ascending=False).iloc[: round(0.1 * n_blocks)].sum() / len(incidents)
    assert top == pytest.approx(conc["observed_top10pct_blocks_share"], abs=1e-6)
    assert top > 0.45  # half the crime on a tenth of the blocks, roughly
    assert conc["observed_gini_blocks"] > 0.5
    hot = incidents["address"].isin(conc["hot_blocks"]).mean()
    assert hot == pytest.approx(conc["expected_hot_blocks_share"], abs=0.02)
    assert conc["hot_blocks_fraction"] < 0.06
    beat = incidents["beat"].value_counts(normalize=True)
    for b, share in conc["beat_shares_expected"].items():
        assert beat[b] == pytest.approx(share, abs=0.015)
    # the target offense clusters on the transit hub blocks
    target = incidents[(incidents["offense"] == "Street robbery") & (incidents["beat"] == "E2")]
    hub = target["address"].isin(conc["transit_hub_blocks"]).mean()
    assert hub == pytest.approx(
        conc["transit_hub_share_of_target_offense_in_target_beat"], abs=0.05
    )


def test_seasonality(incidents: pd.DataFrame, truth: dict) -> None:
    season = truth["seasonality"]
    days = pd.Series(pd.date_range("2020-01-01", "2024-12-31", freq="D"))
    per_dow = incidents["occurred_at"].dt.dayofweek.value_counts().sort_index()
    per_dow = per_dow / days.dt.dayofweek.value_counts().sort_index()
    per_dow = per_dow / per_dow.mean()
    for k, day in enumerate(samples.WEEKDAYS):
        assert per_dow[k] == pytest.approx(season["weekly_multipliers"][day], abs=0.04)
    per_month = incidents["occurred_at"].dt.month.value_counts().sort_index()
    per_month = per_month / days.dt.month.value_counts().sort_index()
    per_month = per_month / per_month.mean()
    assert per_month.idxmax() in (6, 7, 8)
    assert per_month.idxmin() in (12, 1, 2)
    assert per_month[7] / per_month[1] == pytest.approx(1.2 / 0.8, rel=0.15)
    hours = incidents.loc[incidents["offense_group"] == "Robbery", "occurred_at"].dt.hour
    assert hours.isin([20, 21, 22, 23, 0, 1]).mean() > 0.35


def test_overdispersion(incidents: pd.DataFrame, truth: dict) -> None:
    theta = truth["count_process"]["theta"]
    month = incidents["occurred_at"].dt.to_period("M")
    counts = incidents.groupby(["beat", "offense", month], observed=True).size()
    # variance / mean of monthly counts well above 1 (Poisson) for the busy series
    stats = counts.groupby(level=[0, 1], observed=True).agg(["mean", "var"])
    busy = stats[stats["mean"] > 8]
    assert (busy["var"] / busy["mean"]).median() > 1.3
    assert theta > 0


def test_intervention_visible(incidents: pd.DataFrame, truth: dict) -> None:
    iv = truth["intervention"]
    assert iv["rate_ratio"] == 0.70
    assert iv["offense"] == "Street robbery" and iv["area"]["values"] == ["E2"]
    assert iv["start"] == "2023-04-01"
    post = incidents["occurred_at"] >= pd.Timestamp(iv["start"])
    robbery = incidents["offense"] == iv["offense"]
    n_pre, n_post = 39, 21

    def ratio(beats: list[str]) -> float:
        area = robbery & incidents["beat"].isin(beats)
        return ((area & post).sum() / n_post) / ((area & ~post).sum() / n_pre)

    r_target = ratio(iv["target"]["values"])
    r_comp = ratio(iv["comparison"]["values"])
    assert r_target == pytest.approx(iv["observed_post_pre_ratio_target"], abs=1e-6)
    assert r_target / r_comp == pytest.approx(iv["rate_ratio"], abs=0.12)
    assert 0.85 < r_comp < 1.2
    monthly = np.array(iv["target"]["observed_monthly"])
    assert monthly.sum() == (robbery & (incidents["beat"] == "E2")).sum()
    expected = np.array(iv["target"]["expected_monthly"])
    counterfactual = np.array(iv["target"]["counterfactual_monthly"])
    assert np.allclose(expected[39:] / counterfactual[39:], 0.70)
    assert np.allclose(expected[:39], counterfactual[:39])
    assert iv["comparison"]["values"] == ["W2"] and iv["displacement"]["values"] == ["E1", "E3"]


def test_survey_moves_in_the_east(fresh: Path, truth: dict) -> None:
    survey = _read(fresh, "survey")
    survey["score"] = survey["score"].astype(float)
    post = survey["period"] >= pd.Timestamp("2023-10-01")
    pre = survey["period"] < pd.Timestamp("2023-04-01")
    for item, gain in truth["survey"]["effect_points"].items():
        s = survey[survey["item"] == item]
        change = (
            s[post[s.index]].groupby("area")["score"].mean()
            - s[pre[s.index]].groupby("area")["score"].mean()
        )
        assert change["East"] - change["West"] == pytest.approx(gain, abs=2.0)
        assert abs(change["Central"] - change["West"]) < 2.0


def test_partner_metrics(fresh: Path, truth: dict) -> None:
    pm = _read(fresh, "partner_metrics")
    pm["value"] = pm["value"].astype(float)
    lights = pm[(pm["metric"] == "Streetlight outage complaints") & (pm["area"] == "E2")]
    post = lights["period"] >= pd.Timestamp("2023-04-01")
    ratio = lights.loc[post, "value"].mean() / lights.loc[~post, "value"].mean()
    assert ratio == pytest.approx(truth["partner_metrics"]["streetlights"]["rate_ratio"], abs=0.15)
    ems = pm[pm["partner"] == "County EMS"]
    assert set(ems["area"]) == set(samples.DISTRICTS)
    assert ems.groupby("area")["value"].mean().idxmax() == "West"


def test_interviews_themes_and_planted_codes(fresh: Path, truth: dict) -> None:
    iv = _read(fresh, "interviews")
    info = truth["interviews"]
    assert set(iv["theme"]) == set(THEMES)
    assert set(iv["sector"]) == set(SECTORS)
    assert iv.groupby("theme").size().to_dict() == info["by_theme"]
    assert not iv.duplicated(["interview_id", "question"]).any()
    safety = iv[iv["theme"] == "public_safety_concerns"]
    labels = info["labels"]
    assert len(labels) == len(safety) == info["by_theme"]["public_safety_concerns"]
    # the ids are the order of the answer in its interview
    position = iv.groupby("interview_id").cumcount() + 1
    ids = (iv["interview_id"] + "/" + position.map("{:02d}".format))[safety.index]
    assert [e["response_id"] for e in labels] == ids.tolist()
    assert [e["stakeholder_id"] for e in labels] == safety["stakeholder_id"].tolist()
    planted = pd.Series([e["planted"] for e in labels])
    assert planted.value_counts().to_dict() == {
        k: v for k, v in info["concern_counts"].items() if v
    }
    assert planted.value_counts().idxmax() == info["top_concern"] == "transit_robbery"
    assert info["top_concern_code"] == "robbery"
    # every kind of answer the coding must handle is planted, several times
    assert len(info["two_concerns"]) >= 3 and len(info["negated_mentions"]) >= 3
    assert len(info["uncovered"]) >= 2
    for e in labels:  # a negated concern is not also raised; uncovered answers raise nothing
        assert not set(e["negated"]) & set(e["concerns"])
        assert (e["planted"] == "uncovered") == (not e["concerns"])
    raised: dict[str, set] = {}
    for e in labels:
        for c in e["concerns"]:
            raised.setdefault(c, set()).add(e["stakeholder_id"])
    assert {c: len(v) for c, v in raised.items()} == info["stakeholders_by_concern"]
    top = max(info["stakeholders_by_concern"], key=info["stakeholders_by_concern"].get)
    assert top == "robbery"


def test_roster_plants_team_gaps(fresh: Path, truth: dict) -> None:
    roster = _read(fresh, "stakeholders")
    info = truth["stakeholders"]
    assert len(roster) == info["rows"] and set(info["teams"]) == {"AT", "PST", "PST2"}
    assert sum(len(v) for v in info["missing_roles"].values()) >= 2
    codes = roster["team"].str.split("+")
    for team in info["no_external_member"]:
        members = roster[codes.map(lambda c, team=team: team in c)]
        assert len(members) and (members["sector"] == "department").all()


# ------------------------------------------------------------------------------------------
# with the rest of the library
# ------------------------------------------------------------------------------------------


@pytest.mark.skipif(not _has("cs360lib.data.loaders"), reason="cs360lib.data.loaders not available")
@pytest.mark.parametrize("kind", list(FILES))
def test_every_kind_loads_with_only_the_planted_rejects(kind: str) -> None:
    from cs360lib.config.engagement import Engagement
    from cs360lib.data.loaders import load

    engagement = Engagement.load(SAMPLES / "engagement.yml")
    source = engagement.sources[kind]
    result = load(kind, source.path, source.mapping, timezone=engagement.info.timezone)
    truth = json.loads((SAMPLES / "truth.json").read_text())
    planted = truth["rejected"].get(kind, 0)
    assert len(result.rejected) == planted, result.summary()
    assert len(result.data) == truth["rows"][kind] > 0
    assert result.rows_read == truth["rows"][kind] + planted
    if planted:  # the broken rows keep every original value, the unmapped name included
        assert set(result.rejected["incident_id"]) == set(
            truth["personal_planted"]["incidents"]["rejected_ids"]
        )
        assert result.rejected["victim_name"].notna().all()
    # no local time falls in a spring-forward gap (the loader would have to move it)
    moved = result.adjustments["adjustment"].str.contains("sprang forward")
    assert not moved.any(), result.adjustments


@pytest.mark.skipif(
    not _has("cs360lib.config.engagement"), reason="cs360lib.config.engagement not available"
)
def test_engagement_file_is_valid() -> None:
    from cs360lib.config.engagement import Engagement

    engagement = Engagement.load(SAMPLES / "engagement.yml")
    assert engagement.id == "sampleton-pd"
    assert set(engagement.sources) == set(FILES)
    assert engagement.areas["target"].values == ["E2"]
    assert engagement.responses[0].start.isoformat() == "2023-04-01"
    for path in engagement.input_files():
        assert path.exists()


@pytest.mark.skipif(not _has("cs360lib.evaluate"), reason="cs360lib.evaluate not available")
def test_its_recovers_planted_rate_ratio(truth: dict) -> None:
    from cs360lib.evaluate import its

    iv = truth["intervention"]
    series = pd.DataFrame(
        {"month": pd.to_datetime(iv["months"]), "robberies": iv["target"]["observed_monthly"]}
    )
    res = its(series, time="month", outcome="robberies", intervention=iv["start"],
              family="negbin", seasonality=2, slope_change=False)  # fmt: skip
    row = res.effects.loc["level_change"]
    assert row["ratio_low"] < iv["rate_ratio"] < row["ratio_high"]
    assert row["ratio_high"] < 1.0  # the drop is detected
