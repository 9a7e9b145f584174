"""Every chart of the library aggregates before plotting, whatever the size of its input.

Altair refuses a data set of more than 5,000 rows (``MaxRowsError``) and a chart of thousands of
marks is unreadable anyway. This test finds every chart-producing method (``.chart()`` of every
class of the package) and every public chart helper (a function that returns an Altair chart),
feeds each more than 5,000 rows, and checks that the chart renders with vl-convert and hands
Altair at most :data:`~cs360lib.publish.charts.MAX_ROWS` rows per data set. A new chart without a
factory here fails :func:`test_every_chart_producer_has_a_factory`.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
import pkgutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import altair as alt
import numpy as np
import pandas as pd
import pytest
import yaml

import cs360lib
from cs360lib import load
from cs360lib.analysis import (
    aoristic,
    area_counts,
    cell_map,
    compstat,
    concentration,
    hotspots,
    hour_weekday,
    near_repeat,
    place_analysis,
    point_map,
    repeats,
    seasonality,
)
from cs360lib.analysis.grid import unproject
from cs360lib.config.catalogue import Catalogue, catalogue
from cs360lib.evaluate import (
    e_test,
    its,
    power_its,
    power_rate_ratio,
    rate_ratio_test,
    wdd,
)
from cs360lib.evaluate._its_chart import its_chart
from cs360lib.evaluate._its_result import ITSResult
from cs360lib.publish.charts import MAX_ROWS, chart_to_svg, heat_map, message_chart
from cs360lib.steps import (
    design,
    intake,
    metrics,
    plan,
    prioritize,
    problem_analysis,
    review,
    scanning,
    triangle,
)
from cs360lib.steps.scanning import (
    Coding,
    agreement,
    code_responses,
    data_inventory,
    emergent_themes,
    synthesize,
)
from cs360lib.steps.scanning._common import hbar
from cs360lib.steps.stakeholders import community_map, composition_check

N = 6_000
"""Rows fed to every chart producer: more than Altair's 5,000."""

SAMPLE = Path(cs360lib.__file__).resolve().parents[1] / "data" / "samples" / "engagement.yml"
"""The sample department: 19,852 incidents, 25,359 calls, 6,316 arrests."""


CRS = "EPSG:32615"
X0, Y0 = 730_000.0, 4_280_000.0


# ----------------------------------------------------------------------------- discovery


def _modules() -> list[object]:
    found = []
    for info in pkgutil.walk_packages(cs360lib.__path__, "cs360lib."):
        if not info.name.endswith("__main__"):
            found.append(importlib.import_module(info.name))
    return found


def chart_producers() -> list[str]:
    """Every ``Class.chart`` of the package and every public function returning a chart."""
    names = set()
    for module in _modules():
        for name, obj in vars(module).items():
            if getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isclass(obj) and callable(getattr(obj, "chart", None)):
                if not inspect.isabstract(obj):
                    names.add(f"{obj.__name__}.chart")
            elif inspect.isfunction(obj) and not name.startswith("_"):
                returns = str(obj.__annotations__.get("return", ""))
                if "Chart" in returns or "TopLevelMixin" in returns:
                    names.add(name)
    return sorted(names)


# ----------------------------------------------------------------------------- inputs


def _rng() -> np.random.Generator:
    return np.random.default_rng(8)


def _events(n: int = N, *, days: int = N, areas: int = N, spread_km: float = 20.0) -> pd.DataFrame:
    """``n`` incidents over ``days`` days, in ``areas`` distinct beats, districts and addresses."""
    rng = _rng()
    start = pd.Timestamp("2008-01-01")
    day = np.arange(n) % days
    times = start + pd.to_timedelta(day, unit="D") + pd.to_timedelta(rng.integers(0, 1440, n), "m")
    x = rng.uniform(X0, X0 + spread_km * 1000, n)
    y = rng.uniform(Y0, Y0 + spread_km * 1000, n)
    lat, lon = unproject(x, y, CRS)
    place = np.arange(n) % areas
    return pd.DataFrame(
        {
            "incident_id": [f"I{i:06d}" for i in range(n)],
            "occurred_at": times,
            "offense": rng.choice(["Theft", "Burglary", "Robbery", "Assault"], n),
            "beat": [f"B{p:05d}" for p in place],
            "district": [f"D{p:05d}" for p in place],
            "address": [f"{p} Main St" for p in place],
            "lat": lat,
            "lon": lon,
            "victim_id": [f"V{p:05d}" for p in place],
        }
    )


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Loaded sources: 6,000 incidents over 6,000 days, many rejected with distinct values."""
    folder = tmp_path_factory.mktemp("big")
    events = _events()
    events["occurred_at"] = events["occurred_at"].dt.strftime("%Y-%m-%d %H:%M")
    events.loc[events.index % 3 == 0, "occurred_at"] = [
        f"bad date {i}" for i in range(len(events.index[events.index % 3 == 0]))
    ]
    events.loc[events.index % 7 == 0, "incident_id"] = "I000001"  # repeated ids
    events.to_csv(folder / "incidents.csv", index=False)
    return {"incidents": load("incidents", folder / "incidents.csv")}


def _coverage(sources: dict) -> alt.TopLevelMixin:
    return intake.coverage(sources, period="day").chart()


@functools.cache
def _coding() -> Coding:
    """6,000 interview responses coded with the default codebook (shared: coding takes a while)."""
    return code_responses(_responses())


def _responses(n: int = N) -> pd.DataFrame:
    rng = _rng()
    phrases = [
        "gunshots at night near the park",
        "speeding cars on the main road",
        "drug dealing on the corner",
        "kids have nowhere to go after school",
        "broken street lights and trash",
        "we never see officers walking the beat",
        "police respond slowly to calls",
        "burglaries in the apartments",
    ]
    texts = [f"{rng.choice(phrases)} and {rng.choice(phrases)} (respondent {i})" for i in range(n)]
    sectors = rng.choice(["community", "government", "department", "school"], n)
    return pd.DataFrame(
        {
            "interview_id": [f"INT{i // 3:05d}" for i in range(n)],
            "stakeholder_id": [f"S{i // 3:05d}" for i in range(n)],
            "sector": sectors,
            "theme": rng.choice(["public_safety_concerns", "areas_for_improvement"], n),
            "question": "What are the main public safety concerns?",
            "response": texts,
        }
    )


def _roster(n: int = N) -> pd.DataFrame:
    rng = _rng()
    return pd.DataFrame(
        {
            "stakeholder_id": [f"S{i:05d}" for i in range(n)],
            "organisation": [f"Organisation {i % 2500}" for i in range(n)],
            "role": rng.choice(["Pastor", "Analyst", "Sergeant", "Director", "Organizer"], n),
            "sector": rng.choice(["department", "government", "community", "school"], n),
            "team": rng.choice(["AT", "PST", "AT+PST", "none"], n),
            "levers": rng.choice(["guardian", "manager", "handler", "guardian;manager", ""], n),
            "data_held": rng.choice(["Incidents", "911 calls", "Overdoses", ""], n),
        }
    )


def _cells(n: int = N) -> pd.DataFrame:
    side = int(np.ceil(np.sqrt(n)))
    i = np.arange(n)
    lat0, lon0, step = 41.80, -87.70, 0.0025
    return pd.DataFrame(
        {
            "lat_min": lat0 + (i // side) * step,
            "lat_max": lat0 + (i // side + 1) * step,
            "lon_min": lon0 + (i % side) * step,
            "lon_max": lon0 + (i % side + 1) * step,
            "events": _rng().poisson(3, n),
        }
    )


@functools.cache
def _its_controlled() -> ITSResult:
    """A controlled ITS: 3 groups, 5,001 days each (15,003 rows), fitted once."""
    rng = _rng()
    days = pd.date_range("2010-01-01", periods=5_001, freq="D")
    frames = [
        pd.DataFrame({"day": days, "group": g, "count": rng.poisson(20 + 5 * k, len(days))})
        for k, g in enumerate(["treated", "north", "south"])
    ]
    panel = pd.concat(frames, ignore_index=True)
    result = its(
        panel,
        time="day",
        outcome="count",
        intervention=days[4_000],
        group="group",
        treated="treated",
    )
    return result


def _its_power() -> alt.TopLevelMixin:
    """A power curve over 6,000 follow-up lengths (built from its table: simulating is slow)."""
    small = power_its(level=30, n_pre=24, post_periods=(6, 12), n_sims=10)
    post = np.arange(1, N + 1)
    power = 1 - np.exp(-post / 40)
    frame = pd.DataFrame(
        {"post_periods": post, "power": power, "power_low": power * 0.9, "power_high": power}
    )
    return dataclasses.replace(small, frame=frame).chart()


def _rate_ratio_power() -> alt.TopLevelMixin:
    """Power at 6,000 rate ratios (built from its table: the exact sum is slow)."""
    small = power_rate_ratio(20, [0.5, 1.0])
    ratio = np.linspace(0.2, 1.0, N)
    frame = pd.DataFrame(
        {"ratio": ratio, "expected_pre": 20.0, "expected_post": 20 * ratio, "power": 1 - ratio}
    )
    return dataclasses.replace(small, frame=frame).chart()


def _scan() -> scanning.ScanningData:
    """The scanning sections over 6,000 coded responses and a 6,000-partner roster."""
    return scanning.ScanningData(
        engagement=_sample()[0],
        codebook=_coding().codebook,
        coding=_coding(),
        automatic=_coding(),
        sheets={},
        roster=_roster(),
    )


def _folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="cs360-charts-"))


@functools.cache
def _sample() -> tuple[cs360lib.Engagement, dict]:
    engagement = cs360lib.Engagement.load(SAMPLE)
    return engagement, cs360lib.load_engagement(engagement)


def _sample_with(**keys: object) -> cs360lib.Engagement:
    """The sample's engagement file with more keys (its sources read where they are)."""
    data = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    for source in data["sources"].values():
        source["path"] = str(SAMPLE.parent / source["path"])
    for key, value in keys.items():
        data[key] = [*data.get(key, []), *value]  # type: ignore[misc]
    path = _folder() / "engagement.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return cs360lib.Engagement.load(path)


@functools.cache
def _worksheet() -> prioritize.Worksheet:
    """6,600 incidents of 60 offenses over two years: 50 data candidates (more than 40 bars)."""
    folder = _folder()
    rng = _rng()
    kinds = ["Theft", "Burglary", "Robbery", "Simple assault", "Vandalism", "Drug offense"]
    offenses = [f"{kind} {i:02d}" for kind in kinds for i in range(1, 11)]
    n = 6_600
    days = pd.date_range("2022-01-01", "2023-12-31", freq="D")
    occurred = days[rng.integers(0, len(days), n)] + pd.to_timedelta(rng.integers(0, 1440, n), "m")
    pd.DataFrame(
        {
            "incident_id": [f"I{i:06d}" for i in range(n)],
            "occurred_at": occurred.strftime("%Y-%m-%d %H:%M"),
            "offense": [offenses[i % len(offenses)] for i in range(n)],
            "beat": [f"B{i % 25:02d}" for i in range(n)],
            "address": [f"{(i % 300) * 100} block of Main St" for i in range(n)],
        }
    ).to_csv(folder / "incidents.csv", index=False)
    (folder / "engagement.yml").write_text(
        "engagement: {id: big, name: Big department}\n"
        "sources:\n  incidents: {path: incidents.csv}\n"
        "prioritization:\n  data_candidates: 50\n",
        encoding="utf-8",
    )
    return prioritize.worksheet(folder / "engagement.yml")


def _vanishing_categories() -> alt.TopLevelMixin:
    """60 offenses over three years, each absent for six months of its own (10,800 rows)."""
    folder = _folder()
    months = pd.date_range("2021-01-01", "2023-12-01", freq="MS")
    rows = []
    for k in range(60):
        gone = set(range(6 + k % 24, 12 + k % 24))
        for m, month in enumerate(months):
            if m not in gone:
                rows += [(f"{k}-{m}-{e}", f"{month:%Y-%m}-{1 + 4 * e:02d} 10:00") for e in range(6)]
    frame = pd.DataFrame(rows, columns=["incident_id", "occurred_at"])
    frame["offense"] = [f"Offense {int(i.split('-')[0]):02d}" for i in frame["incident_id"]]
    frame.to_csv(folder / "incidents.csv", index=False)
    loaded = {"incidents": load("incidents", folder / "incidents.csv")}
    categories = intake.coverage(loaded).categories
    assert categories is not None and len(categories.to_frame()) >= 60
    return categories.chart()


def _harm() -> alt.TopLevelMixin:
    """A harm table with 6,000 of the department's own offense codes weighted."""
    own = {f"Local offense code {i:04d}": float(1 + i % 900) for i in range(N)}
    return prioritize.HarmWeights(prioritize.load_harm_table(weights=own)).chart()


def _catalogue() -> alt.TopLevelMixin:
    """The CS360 catalogue with 6,000 indicators spread over its goals."""
    data = catalogue().model_dump()
    goals = [g for d in data["dimensions"] for g in d["goals"]]
    for i in range(N):
        goals[i % len(goals)]["indicators"].append(
            {"id": f"local_{i:04d}", "name": f"Local {i}", "type": "output", "source": "partner"}
        )
    return metrics.MetricsCatalogue(frame=Catalogue.model_validate(data).to_frame()).chart()


def _metrics_check() -> alt.TopLevelMixin:
    """The sample engagement with 6,000 more measures (a partner's whole indicator list)."""
    goals = list(catalogue().goals)
    extra = [
        {"name": f"Measure {i}", "goal": goals[i % len(goals)], "source": "partner_metrics"}
        for i in range(N)
    ]
    return metrics.metrics_check(_sample_with(metrics=extra)).chart()


def _response_plan() -> alt.TopLevelMixin:
    """The sample engagement with 60 more responses over the sample's sources."""
    extra = [
        {
            "name": f"Block meeting {i}",
            "owner": "Eastgate Merchants Association",
            "start": f"{2021 + i % 3}-{1 + i % 12:02d}-01",
            "area": "target",
        }
        for i in range(60)
    ]
    engagement = _sample_with(responses=extra)
    return plan.response_plan(engagement, _sample()[1]).chart()


def _design() -> alt.TopLevelMixin:
    """Weekly counts of a target and a comparison area over 60 years (6,240 rows)."""
    engagement = cs360lib.Engagement(
        engagement={"id": "weekly-pd", "name": "Weekly"},
        sources={"incidents": {"path": "incidents.csv"}},
        analysis={"period": "week"},
        areas={
            "target": {"column": "beat", "values": ["A1"]},
            "comparison": {"column": "beat", "values": ["B1"]},
        },
        responses=[{"name": "Lights", "start": "2020-01-06", "area": "target"}],
    )
    weeks = pd.date_range("1960-01-04", periods=3_120, freq="W-MON")
    rng = _rng()
    counts = pd.concat(
        [
            pd.DataFrame({"period": weeks, "area": area, "count": rng.poisson(level, len(weeks))})
            for area, level in (("target", 12), ("comparison", 9))
        ],
        ignore_index=True,
    )
    result = design.evaluation_design(engagement, counts=counts, n_sims=10, post_periods=(26,))
    return result.chart()


@functools.cache
def _review() -> review.Review:
    return review.review(*_sample())


def _many(frame: pd.DataFrame, n: int = N, **columns: Callable[[np.ndarray], object]):
    """``frame``'s rows repeated to ``n`` rows, with columns made from the row number."""
    out = frame.iloc[np.arange(n) % len(frame)].reset_index(drop=True)
    i = np.arange(n)
    return out.assign(**{name: make(i) for name, make in columns.items()})


def _process() -> alt.TopLevelMixin:
    """6,000 logged actions of 6,000 kinds over 600 days."""
    rv = _review().process
    actions = _many(
        rv.actions,
        action=lambda i: [f"Action {k}" for k in i],
        start=lambda i: pd.Timestamp("2023-04-01") + pd.to_timedelta(i % 600, unit="D"),
    )
    return dataclasses.replace(rv, actions=actions).chart()


def _impact() -> alt.TopLevelMixin:
    """6,000 measures of 150 responses."""
    rv = _review().impact
    frame = _many(
        rv.frame,
        measure=lambda i: [f"Measure {k}" for k in i],
        response=lambda i: [f"Response {k % 150}" for k in i],
        primary=lambda i: np.ones(len(i), dtype=bool),
    )
    return dataclasses.replace(rv, frame=frame).chart()


def _survey() -> alt.TopLevelMixin:
    """6,000 survey changes of 300 measures."""
    rv = _review().impact.survey
    frame = _many(
        rv.frame,
        measure=lambda i: [f"Measure {k % 300}" for k in i],
        area=lambda i: [f"Area {k}" for k in i],
    )
    return dataclasses.replace(rv, frame=frame).chart()


def _dashboard() -> alt.TopLevelMixin:
    rv = _review().dashboard
    frame = _many(rv.frame, measure=lambda i: [f"Measure {k}" for k in i])
    return dataclasses.replace(rv, frame=frame).chart()


def _decisions() -> alt.TopLevelMixin:
    rv = _review().decisions
    frame = _many(rv.frame, response=lambda i: [f"Response {k}" for k in i])
    return dataclasses.replace(rv, frame=frame).chart()


def _log(cls: type) -> alt.TopLevelMixin:
    """6,000 reviews of one response."""
    path = Path(tempfile.mkdtemp(prefix="cs360-charts-")) / "lessons_learned.yml"
    entry = review.record(_sample()[0], _review().decisions, path=path)
    frame = _many(
        entry.frame,
        cycle=lambda i: i + 1,
        reviewed_on=lambda i: pd.Timestamp("2010-01-01") + pd.to_timedelta(i, unit="D"),
    )
    return cls(
        frame=frame, path=path, **({"appended": True, "cycle": N} if cls is review.LogEntry else {})
    ).chart()


def _big_problem(n: int = N) -> tuple[cs360lib.Engagement, dict]:
    """An engagement whose problem is every one of ``n`` incidents over ``n`` days and places."""
    engagement = cs360lib.Engagement(
        engagement={"id": "big-pd", "name": "Big"},
        sources={"incidents": {"kind": "incidents", "path": "incidents.csv"}},
        problem={"title": "Everything", "source": "incidents"},
    )
    return engagement, {"incidents": SimpleNamespace(data=_events(n))}


FACTORIES: dict[str, Callable[[dict], alt.TopLevelMixin]] = {
    # intake (steps): loaded sources of 6,000 rows over 6,000 days
    "IntakeOverview.chart": lambda s: intake.overview(s).chart(),
    "Rejections.chart": lambda s: intake.rejections(s).chart(),
    "Coverage.chart": _coverage,
    "MissingValues.chart": lambda s: intake.missing_values(s).chart(),
    "DuplicateKeys.chart": lambda s: intake.duplicate_keys(s).chart(),
    "SourceHealth.chart": lambda s: intake.source_health(s).chart(),
    "AreaCoverage.chart": lambda s: intake.areas(s).chart(),  # 6,000 beats and districts
    "CategoryCoverage.chart": lambda s: _vanishing_categories(),
    # a sentence in place of a chart: one row whatever the input (it draws no data)
    "message_chart": lambda s: message_chart("No row was rejected.", title="Rejected rows"),
    "heat_map": lambda s: heat_map(
        pd.DataFrame(
            {
                "source": [f"source {i % 3}" for i in range(N)],
                "column": [f"column {i}" for i in range(N)],
                "rows": np.arange(N),
            }
        ),
        x="column",
        value="rows",
        title="Rows per column",
    ),
    # prioritization (steps): 6,600 incidents of 60 offenses, 50 candidates
    "CandidateList.chart": lambda s: _worksheet().candidates.chart(),
    "Criteria.chart": lambda s: _worksheet().criteria.chart(),
    "Cheers.chart": lambda s: _worksheet().cheers.chart(),
    "Scores.chart": lambda s: _worksheet().scores.chart(),
    "Sensitivity.chart": lambda s: _worksheet().sensitivity.chart(),
    "HarmWeights.chart": lambda s: _harm(),
    # problem solving (steps): the sample department's sources, or 6,000 measures
    "MetricsCatalogue.chart": lambda s: _catalogue(),
    "MetricsCheck.chart": lambda s: _metrics_check(),
    "ResponsePlan.chart": lambda s: _response_plan(),
    "TriangleWorksheet.chart": lambda s: triangle.worksheet(*_sample()).chart(),
    "EvaluationDesign.chart": lambda s: _design(),
    # lessons learned (steps): the sample's review with 6,000 actions, measures or reviews
    "ProcessEvaluation.chart": lambda s: _process(),
    "Impact.chart": lambda s: _impact(),
    "SurveyChange.chart": lambda s: _survey(),
    "Dashboard.chart": lambda s: _dashboard(),
    "Decisions.chart": lambda s: _decisions(),
    "LogEntry.chart": lambda s: _log(review.LogEntry),
    "PreviousCycles.chart": lambda s: _log(review.PreviousCycles),
    # 12,000 events in 5,397 cells with events, over 12,000 blocks
    "ProblemPlaces.chart": lambda s: problem_analysis.places(
        *_big_problem(2 * N), n_boot=9
    ).chart(),
    "ProblemTimes.chart": lambda s: problem_analysis.times(*_big_problem()).chart(),
    "ProblemRepeats.chart": lambda s: problem_analysis.repeats(
        *_big_problem(), permutations=9
    ).chart(),
    # analysis: 6,000 events in 6,000 places over 6,000 days
    "CompStatResult.chart": lambda s: compstat(
        _events(), area="district", as_of=pd.Timestamp("2024-06-01")
    ).chart(),
    "ConcentrationResult.chart": lambda s: concentration(_events(), place="address").chart(),
    "HotspotResult.chart": lambda s: hotspots(_events(2 * N)).chart(),  # 5,397 cells with events
    "NearRepeatResult.chart": lambda s: near_repeat(_events(), permutations=9).chart(),
    "AreaCountsResult.chart": lambda s: area_counts(_events(), area="beat").chart(),
    "PlaceAnalysis.chart": lambda s: place_analysis(_events(), permutations=9, n_boot=99).chart(),
    "RepeatResult.chart": lambda s: repeats(_events(areas=500), by="address").chart(),
    "HourWeekdayResult.chart": lambda s: hour_weekday(_events()).chart(),
    "SeasonalityResult.chart": lambda s: seasonality(_events()).chart(),
    "AoristicResult.chart": lambda s: aoristic(
        _events().assign(found_at=lambda f: f["occurred_at"] + pd.Timedelta(hours=9)),
        end_col="found_at",
        start_col="occurred_at",
    ).chart(),
    "point_map": lambda s: point_map(_events()["lat"], _events()["lon"]),
    "cell_map": lambda s: cell_map(_cells(), "events", title="Cells", value_title="Events"),
    # scanning and stakeholders (steps): 6,000 responses, a roster of 6,000
    "hbar": lambda s: hbar(
        pd.DataFrame({"label": [f"concern {i}" for i in range(N)], "n": np.arange(N) % 97}),
        label="label",
        value="n",
        title="Concerns",
        tooltip=["label", "n"],
    ),
    "Coding.chart": lambda s: _coding().chart(),
    "Agreement.chart": lambda s: agreement(
        _coding(), code_responses(_responses().sample(frac=1, random_state=1))
    ).chart(),
    "DataInventory.chart": lambda s: data_inventory(_roster()).chart(),
    "Synthesis.chart": lambda s: synthesize(_coding()).chart(),
    "EmergentThemes.chart": lambda s: emergent_themes(_coding()).chart(),
    "CommunityMap.chart": lambda s: community_map(_roster()).chart(),
    "Interviewed.chart": lambda s: scanning.interviewed(_scan()).chart(),
    "ConcernCounts.chart": lambda s: scanning.concerns(_scan()).chart(),
    "CodingSheet.chart": lambda s: scanning.check_coding(_scan()).chart(),
    "Quotes.chart": lambda s: scanning.quotes(_scan()).chart(),
    "Composition.chart": lambda s: composition_check(_roster()).chart(),
    # evaluate: long series and many scenarios (counts of more than 5,000 events for the tests
    # whose input is a few numbers)
    "ITSResult.chart": lambda s: _its_controlled().chart(),
    "its_chart": lambda s: its_chart(_its_controlled(), title=None, width=600, height=300),
    "ITSPowerResult.chart": lambda s: _its_power(),
    "WDDResult.chart": lambda s: wdd(
        (6308, 6318), (5207, 5110), (4150, 4140), (5178, 5157)
    ).chart(),
    "ETestResult.chart": lambda s: e_test(5_001, 4_990).chart(),
    "RateRatioResult.chart": lambda s: rate_ratio_test(
        6_000, 5_500, pre_exposure=12, post_exposure=12
    ).chart(),
    "RateRatioPowerResult.chart": lambda s: _rate_ratio_power(),
}


def test_every_chart_producer_has_a_factory() -> None:
    producers = chart_producers()
    assert {"Coverage.chart", "HotspotResult.chart", "cell_map", "hbar"} <= set(producers)
    missing = [name for name in producers if name not in FACTORIES and name != "Result.chart"]
    assert not missing, f"add a factory feeding more than 5,000 rows for {missing}"


def _dataset_sizes(chart: alt.TopLevelMixin) -> list[int]:
    spec = chart.to_dict()  # raises MaxRowsError above 5,000 rows in one data set
    return [len(rows) for rows in spec.get("datasets", {}).values()]


@pytest.mark.parametrize(
    "name",
    [name for name in sorted(FACTORIES)],
)
def test_chart_aggregates_its_input(name: str, sources: dict) -> None:
    with alt.data_transformers.enable("default"):
        chart = FACTORIES[name](sources)
        sizes = _dataset_sizes(chart)
    assert sizes and max(sizes) <= MAX_ROWS, sizes  # at most a few thousand rows per data set
    assert sum(sizes) <= 2 * MAX_ROWS, sizes
    assert chart_to_svg(chart).lstrip().startswith("<svg")


# ----------------------------------------------------------------------------- what they draw


def _rows(chart: alt.TopLevelMixin) -> list[pd.DataFrame]:
    return [pd.DataFrame(rows) for rows in chart.to_dict()["datasets"].values()]


def test_area_charts_draw_the_largest_areas_and_add_up_the_others() -> None:
    events = _events(areas=N // 2)  # two events in each of 3,000 beats
    events.loc[events["beat"] == "B00007", "beat"] = "B00008"  # one beat with four
    (long,) = [f for f in _rows(area_counts(events, area="beat").chart()) if "measure" in f]
    assert long["area"].iloc[0] == "B00008" and long["value"].iloc[0] == 4
    assert long["area"].iloc[-1] == "2,960 other areas" and long["value"].sum() == N
    result = compstat(events, area="beat", as_of=pd.Timestamp("2024-06-01"))
    (bars,) = [f for f in _rows(result.chart(period="year to date")) if "verdict" in f]
    assert len(bars) == 40 and bars["verdict"].iloc[-1] == "Other areas, together"
    assert bars["area"].iloc[-1].endswith("other areas, together")


def test_a_long_coverage_chart_is_drawn_in_blocks(sources: dict) -> None:
    """6,000 days drawn in blocks of two: counts add up and each block keeps its worst flag."""
    result = intake.coverage(sources, period="day")
    frame = result.to_frame()
    outage = frame.index[1_000:1_040]  # a 40-day outage (a flag of the source's coverage)
    frame.loc[outage, ["rows", "flag"]] = [0, "gap"]
    frame.loc[frame.index[2_001], "flag"] = "spike"  # shares its block with an unflagged day
    chart = dataclasses.replace(result, frame=frame).chart()
    (data,) = _rows(chart)
    assert len(frame) > MAX_ROWS >= len(data)
    assert data["rows"].sum() == frame["rows"].sum()
    assert set(data["flag"]) <= {"", "gap", "drop", "spike", "partial"}
    assert (data["flag"] == "gap").sum() == 20 and (data["flag"] == "spike").sum() == 1
    assert chart.to_dict()["title"] == "Rows per 2 days, by source"


def test_a_long_bar_list_keeps_the_longest_bars() -> None:
    data = pd.DataFrame({"label": [f"concern {i}" for i in range(N)], "n": np.arange(N)})
    chart = hbar(data, label="label", value="n", title="Concerns", tooltip=["label", "n"])
    (bars,) = _rows(chart)
    assert len(bars) == 40 and bars["label"].iloc[0] == f"concern {N - 1}"
    assert bars["label"].iloc[-1] == "5,961 others, together" and bars["n"].sum() == data["n"].sum()
