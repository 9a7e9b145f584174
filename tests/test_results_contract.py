"""The result contract: every result class of the library, found by walking the package.

Each subclass of :class:`cs360lib.publish.results.Result` needs a factory here that builds a
real instance from small data; the test fails for a result class without one, so a new result
cannot skip the contract.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
import pkgutil
import re
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pytest

import cs360lib
from cs360lib import load
from cs360lib.analysis import (
    aoristic,
    area_counts,
    compstat,
    concentration,
    hotspots,
    hour_weekday,
    near_repeat,
    place_analysis,
    repeats,
    seasonality,
)
from cs360lib.config.publishing import Publishing
from cs360lib.evaluate import (
    e_test,
    its,
    power_its,
    power_rate_ratio,
    rate_ratio_test,
    simulate_its,
    wdd,
)
from cs360lib.publish.charts import chart_to_svg
from cs360lib.publish.publication import publish_result
from cs360lib.publish.results import Result
from cs360lib.publish.tables import PresentationTable
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
    agreement,
    code_responses,
    data_inventory,
    emergent_themes,
    synthesize,
)
from cs360lib.steps.stakeholders import community_map, composition_check

PACKAGE = Path(cs360lib.__file__).resolve().parent
SAMPLE = PACKAGE.parent / "data" / "samples" / "engagement.yml"


@functools.cache
def _sample() -> tuple[cs360lib.Engagement, cs360lib.data.loaders.EngagementSources]:
    engagement = cs360lib.Engagement.load(SAMPLE)
    return engagement, cs360lib.load_engagement(engagement)


@functools.cache
def _scan() -> scanning.ScanningData:
    """The sample's scanning step (notebook 01's sections read it)."""
    return scanning.scanning_data(*_sample())


def _library_classes() -> list[type]:
    found = set()
    for module_info in pkgutil.walk_packages(cs360lib.__path__, "cs360lib."):
        if module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__.startswith("cs360lib."):
                found.add(obj)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _result_classes() -> list[type[Result]]:
    return [
        c
        for c in _library_classes()
        if issubclass(c, Result) and c is not Result and not inspect.isabstract(c)
    ]


BEATS = ["A1", "A2", "B1", "B2", "C1", "C2"]

ROSTER = [
    # stakeholder_id, organisation, role, sector, team, levers, data_held, sharing_terms
    ("S01", "Police Department", "Chief of police", "department", "AT", "manager", "", ""),
    ("S02", "Police - East", "Patrol sergeant", "department", "AT+PST", "guardian", "", ""),
    ("S03", "Police - Analysis", "Crime analyst", "department", "PST", "", "", ""),
    (
        "S04",
        "County EMS",
        "EMS chief",
        "other_law_enforcement",
        "PST",
        "guardian",
        "EMS overdose calls by district, monthly",
        "Aggregate only",
    ),
    (
        "S05",
        "City 311",
        "Data manager",
        "government",
        "AT",
        "manager",
        "311 service requests",
        "Open data",
    ),
    ("S06", "Tenants Union", "Organizer", "community", "PST", "handler", "", ""),
    ("S07", "Church", "Pastor", "community", "none", "handler", "None recorded", ""),
]

ANSWERS = [
    # stakeholder_id, theme, response
    ("S01", "public_safety_concerns", "Robbery at the bus bays after dark."),
    ("S02", "public_safety_concerns", "Car break-ins near the transit center."),
    ("S03", "public_safety_concerns", "Speeding on Grand Ave and robberies downtown."),
    ("S04", "public_safety_concerns", "Overdoses are rising in the east district."),
    ("S06", "public_safety_concerns", "People get robbed walking home from the bus."),
    ("S07", "public_safety_concerns", "Drug dealing at the corner store."),
    ("S06", "areas_for_improvement", "Meet with residents and report back to us."),
    ("S07", "police_community_relations", "I would say 3 out of 5."),
    ("S05", "data_available", "We hold streetlight outage reports by address, updated daily."),
    ("S01", "areas_for_improvement", "The bus schedule changed and the late buses are gone."),
    ("S02", "areas_for_improvement", "Late buses never come, the bus schedule is unreliable."),
    ("S03", "areas_for_improvement", "Bus schedule cuts mean riders walk home late."),
    ("S04", "areas_for_improvement", "Rent keeps rising and families are pushed out by rent."),
    ("S05", "areas_for_improvement", "Rising rent forces families to move, rent is too high."),
    ("S06", "police_community_relations", "Families leave because rent is rising every year."),
    ("S07", "areas_for_improvement", "High rent and rent hikes push out long time families."),
    ("S01", "police_community_relations", "The library closed early and programs ended."),
    ("S02", "police_community_relations", "We lost library hours and library programs."),
    ("S03", "police_community_relations", "Library hours were cut and the library is shut."),
    ("S05", "police_community_relations", "Late buses and library hours matter to families."),
]


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("contract")
    rng = np.random.default_rng(4)
    n = 1200
    days = pd.date_range("2022-01-01", "2023-12-31", freq="D")
    times = rng.choice(days, n) + pd.to_timedelta(rng.integers(0, 24, n), unit="h")
    lat, lon = rng.uniform(38.600, 38.625, n), rng.uniform(-90.27, -90.24, n)
    hot = rng.random(n) < 0.25  # a cluster about 500 m across: a hot spot, and repeats
    lat[hot] = rng.uniform(38.6100, 38.6145, hot.sum())
    lon[hot] = rng.uniform(-90.2560, -90.2502, hot.sum())
    blocks = [f"{100 * k} block of Main St" for k in range(1, 61)]
    incidents = pd.DataFrame(
        {
            "incident_id": [f"R{i:04d}" for i in range(n)],
            "occurred_at": pd.Series(times).dt.strftime("%Y-%m-%d %H:%M"),
            "offense": rng.choice(["Theft", "Burglary"], n),
            "beat": rng.choice([*BEATS, None], n),
            "address": np.where(hot, "700 block of Main St", rng.choice(blocks, n)),
            "lat": lat.round(6),
            "lon": lon.round(6),
        }
    )
    incidents.loc[3, "occurred_at"] = "2023-02-30 10:00"  # rejected: not a date
    incidents.loc[4, "incident_id"] = incidents.loc[5, "incident_id"]  # a repeated id
    incidents.to_csv(folder / "incidents.csv", index=False)
    months = pd.date_range("2023-01-01", periods=12, freq="MS")
    survey = pd.DataFrame({"period": months, "area": "city", "item": "trust", "score": 60.0})
    survey.to_csv(folder / "survey.csv", index=False)
    metrics = pd.DataFrame(
        [
            ("County EMS", "EMS overdose runs", month, beat, float(rng.poisson(4 + k)), "runs")
            for month in pd.date_range("2022-01-01", periods=24, freq="MS")
            for k, beat in enumerate(BEATS)
        ],
        columns=["partner", "metric", "period", "area", "value", "unit"],
    )
    metrics.to_csv(folder / "partner_metrics.csv", index=False)
    roster = pd.DataFrame(
        ROSTER,
        columns=[
            "stakeholder_id",
            "organisation",
            "role",
            "sector",
            "team",
            "levers",
            "data_held",
            "sharing_terms",
        ],
    )
    roster.to_csv(folder / "stakeholders.csv", index=False)
    answers = pd.DataFrame(ANSWERS, columns=["stakeholder_id", "theme", "response"])
    answers = answers.merge(roster[["stakeholder_id", "role", "sector"]], on="stakeholder_id")
    answers.insert(0, "interview_id", "I-" + answers["stakeholder_id"])
    answers.to_csv(folder / "interviews.csv", index=False)
    loaded = {
        kind: load(kind, folder / f"{kind}.csv")
        for kind in ("incidents", "survey", "partner_metrics", "stakeholders", "interviews")
    }
    return {
        "incidents": loaded["incidents"],
        "survey": loaded["survey"],
        "partner_metrics": loaded["partner_metrics"].data,
        "stakeholders": loaded["stakeholders"].data,
        "interviews": loaded["interviews"].data,
        "coding": code_responses(loaded["interviews"].data),
    }


def _loaded(s: dict) -> dict:
    """The loaded sources alone, as the intake step takes them."""
    return {k: s[k] for k in ("incidents", "survey")}


def _aoristic(s: dict) -> Result:
    events = s["incidents"].data
    hours = np.random.default_rng(5).integers(0, 12, len(events))
    to = events["occurred_at"] + pd.to_timedelta(hours, unit="h")
    return aoristic(events.assign(occurred_to=to), end_col="occurred_to")


def _agreement(s: dict) -> Result:
    second = s["coding"].codes
    second.iloc[::3, :3] = ~second.iloc[::3, :3]  # a second coder who differs now and then
    return agreement(s["coding"], second, names=("codebook", "analyst"))


def _its() -> Result:
    series = simulate_its(n_pre=24, n_post=12, level=40, effect=-0.3, seed=3)
    return its(series, time="month", outcome="count", intervention=series.attrs["intervention"])


@functools.cache
def _worksheet() -> prioritize.Worksheet:
    """The priority worksheet of the sample department (built once for every factory)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # the sample's deprecated publishing keys
        engagement = cs360lib.Engagement.load(SAMPLE)
    return prioritize.worksheet(engagement)


def _vanishing() -> Result:
    """Three years of two offenses, one of which is never recorded in the first year."""
    return _vanishing_coverage().categories


def _vanishing_coverage() -> intake.Coverage:
    """The coverage of :func:`_vanishing`'s source."""
    folder = Path(tempfile.mkdtemp(prefix="cs360-contract-"))
    days = pd.date_range("2021-01-01", "2023-12-31", freq="D")
    rows = [(f"{d:%Y%m%d}-a", f"{d:%Y-%m-%d} 10:00", "Theft") for d in days]
    rows += [(f"{d:%Y%m%d}-b", f"{d:%Y-%m-%d} 11:00", "Shooting") for d in days if d.year > 2021]
    frame = pd.DataFrame(rows, columns=["incident_id", "occurred_at", "offense"])
    frame.to_csv(folder / "incidents.csv", index=False)
    return intake.coverage({"incidents": load("incidents", folder / "incidents.csv")})


@functools.cache
def _review() -> review.Review:
    return review.review(*_sample())


@functools.cache
def _log() -> Path:
    """A lessons-learned log with two reviews of the sample (in a temporary folder)."""
    path = Path(tempfile.mkdtemp(prefix="cs360-contract-")) / "lessons_learned.yml"
    engagement = _sample()[0]
    for day in ("2025-01-15", "2025-07-15"):
        review.record(engagement, _review().decisions, today=day, path=path)
    return path


FACTORIES: dict[str, Callable[[dict], Result]] = {
    "IntakeOverview": lambda s: intake.overview(_loaded(s)),
    "Rejections": lambda s: intake.rejections(_loaded(s)),
    "Coverage": lambda s: intake.coverage(_loaded(s)),
    "MissingValues": lambda s: intake.missing_values(_loaded(s)),
    "DuplicateKeys": lambda s: intake.duplicate_keys(_loaded(s)),
    "SourceHealth": lambda s: intake.source_health(_loaded(s)),
    "CategoryCoverage": lambda s: _vanishing(),
    "CandidateList": lambda s: _worksheet().candidates,
    "HarmWeights": lambda s: _worksheet().harm,
    "Criteria": lambda s: _worksheet().criteria,
    "Cheers": lambda s: _worksheet().cheers,
    "Scores": lambda s: _worksheet().scores,
    "Sensitivity": lambda s: _worksheet().sensitivity,
    "AreaCoverage": lambda s: intake.areas(_loaded(s)),
    "ITSResult": lambda s: _its(),
    "ITSPowerResult": lambda s: power_its(level=30, n_pre=24, post_periods=(6, 12), n_sims=20),
    "WDDResult": lambda s: wdd((308, 318), (207, 110), (150, 140), (178, 157)),
    "ETestResult": lambda s: e_test(6, 2),
    "RateRatioResult": lambda s: rate_ratio_test(40, 25, pre_exposure=12, post_exposure=12),
    "RateRatioPowerResult": lambda s: power_rate_ratio(20, [0.5, 1.0]),
    "CompStatResult": lambda s: compstat(s["incidents"].data, area="beat"),
    "ConcentrationResult": lambda s: concentration(s["incidents"].data, n_boot=50),
    "HotspotResult": lambda s: hotspots(s["incidents"].data),
    "NearRepeatResult": lambda s: near_repeat(s["incidents"].data, permutations=19),
    "AreaCountsResult": lambda s: area_counts(
        s["incidents"].data, area="beat", partner_metrics=s["partner_metrics"]
    ),
    "PlaceAnalysis": lambda s: place_analysis(s["incidents"].data, permutations=19, n_boot=50),
    "RepeatResult": lambda s: repeats(s["incidents"].data, by="address"),
    "HourWeekdayResult": lambda s: hour_weekday(s["incidents"].data),
    "SeasonalityResult": lambda s: seasonality(s["incidents"].data),
    "AoristicResult": _aoristic,
    "Agreement": _agreement,
    "Coding": lambda s: s["coding"],
    "DataInventory": lambda s: data_inventory(s["stakeholders"], s["interviews"]),
    "Synthesis": lambda s: synthesize(s["coding"]),
    "EmergentThemes": lambda s: emergent_themes(s["coding"]),
    "CommunityMap": lambda s: community_map(s["stakeholders"]),
    "Composition": lambda s: composition_check(s["stakeholders"]),
    "Interviewed": lambda s: scanning.interviewed(_scan()),
    "ConcernCounts": lambda s: scanning.concerns(_scan()),
    "CodingSheet": lambda s: scanning.check_coding(_scan()),
    "Quotes": lambda s: scanning.quotes(_scan()),
    "TriangleWorksheet": lambda s: triangle.worksheet(*_sample()),
    "MetricsCatalogue": lambda s: metrics.metrics_catalogue(),
    "MetricsCheck": lambda s: metrics.metrics_check(_sample()[0]),
    "ResponsePlan": lambda s: plan.response_plan(*_sample()),
    "ProblemPlaces": lambda s: problem_analysis.places(*_sample(), n_boot=50),
    "ProblemTimes": lambda s: problem_analysis.times(*_sample()),
    "ProblemRepeats": lambda s: problem_analysis.repeats(*_sample(), permutations=19),
    "EvaluationDesign": lambda s: design.evaluation_design(
        *_sample(), n_sims=20, post_periods=(6, 12)
    ),
    "ProcessEvaluation": lambda s: _review().process,
    "Impact": lambda s: _review().impact,
    "SurveyChange": lambda s: _review().impact.survey,
    "Dashboard": lambda s: _review().dashboard,
    "Decisions": lambda s: _review().decisions,
    "LogEntry": lambda s: review.record(_sample()[0], _review().decisions, path=_log()),
    "PreviousCycles": lambda s: review.previous_cycles(_sample()[0], path=_log()),
}

RESULT_CLASSES = _result_classes()
UNREADABLE = re.compile(r"\b(nan|inf|NaT|None)\b|-?inf%", re.IGNORECASE)


def test_the_walk_finds_the_known_result_classes() -> None:
    names = {c.__name__ for c in RESULT_CLASSES}
    assert {"IntakeOverview", "ITSResult", "WDDResult", "ETestResult"} <= names


def test_every_class_that_looks_like_a_result_is_one() -> None:
    looks_like = [
        f"{c.__module__}.{c.__name__}"
        for c in _library_classes()
        if all(callable(getattr(c, m, None)) for m in ("to_frame", "summary", "chart"))
        and not issubclass(c, Result)
    ]
    assert not looks_like, f"make these subclass cs360lib.publish.results.Result: {looks_like}"


def test_every_result_class_has_a_factory() -> None:
    missing = [
        f"{c.__module__}.{c.__name__}" for c in RESULT_CLASSES if c.__name__ not in FACTORIES
    ]
    assert not missing, f"add a factory to FACTORIES for {missing}"


@pytest.mark.parametrize("cls", RESULT_CLASSES, ids=lambda c: c.__name__)
def test_result_follows_the_contract(cls: type[Result], sources: dict) -> None:
    result = FACTORIES[cls.__name__](sources)
    assert type(result) is cls
    assert dataclasses.is_dataclass(result)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.warnings = []  # type: ignore[misc]

    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame) and not frame.empty
    assert result.to_frame() is not frame  # a copy each time

    text = result.summary()
    assert isinstance(text, str) and text.strip()
    assert not UNREADABLE.search(text), text

    assert isinstance(result.warnings, list)
    assert all(isinstance(w, str) and w for w in result.warnings)
    planted = dataclasses.replace(result, warnings=["the planted warning"])
    assert "the planted warning" in planted.summary()

    table = result.table()
    assert isinstance(table, PresentationTable)
    html = table.to_html()
    headers = re.findall(r'<th [^>]*class="gt_col_heading[^"]*"[^>]*>([^<]*)</th>', html)
    assert headers and all("_" not in h for h in headers), headers
    assert list(table.data.index) == list(range(len(table.data)))  # no index column
    assert "gt_row gt_stub" not in html  # great_tables draws no stub (row names)
    assert not re.search(r">\s*(nan|NaN|NaT|None)\s*<", html)

    chart = result.chart()
    assert isinstance(chart, alt.TopLevelMixin)
    assert chart_to_svg(chart).lstrip().startswith("<svg")


DECLARED = [c for c in RESULT_CLASSES if c.count_columns is not None]


def test_the_step_results_declare_their_counts() -> None:
    """Every result of the CS360 steps says what it counts, so cs.show can publish it."""
    names = {c.__name__ for c in DECLARED}
    intake_results = {"IntakeOverview", "Rejections", "Coverage", "MissingValues", "DuplicateKeys"}
    assert intake_results | {"AreaCoverage", "CategoryCoverage", "SourceHealth"} <= names
    prioritization = {"CandidateList", "Criteria", "Cheers", "Scores", "Sensitivity"}
    assert prioritization | {"HarmWeights"} <= names
    problem_solving = {"MetricsCatalogue", "MetricsCheck", "ResponsePlan", "TriangleWorksheet"}
    problem_solving |= {"ProblemPlaces", "ProblemTimes", "ProblemRepeats"}
    assert problem_solving | {"EvaluationDesign"} <= names
    lessons = {"ProcessEvaluation", "Impact", "SurveyChange", "Dashboard", "Decisions"}
    assert lessons | {"LogEntry", "PreviousCycles"} <= names


def test_a_published_copy_hides_the_counts_of_its_held_results_and_series() -> None:
    """Coverage's categories and EvaluationDesign's series are published with their result."""
    coverage = _vanishing_coverage()
    runs = coverage.categories.to_frame()
    may = pd.Timestamp("2023-05-01")
    drop = runs.iloc[0].to_dict() | {
        "flag": "drop",
        "observed": 3,
        "periods": 1,
        "start": may,
        "end": may,
        "when": "in May 2023",
    }
    categories = dataclasses.replace(
        coverage.categories, frame=pd.DataFrame([*runs.to_dict("records"), drop])
    )
    coverage = dataclasses.replace(coverage, categories=categories)
    assert "(3 rows where" in coverage.summary()
    copy = publish_result(coverage, Publishing(min_count=5)).result
    assert copy.categories.publication is not None
    assert copy.categories.to_frame()["observed"].isna().tolist() == [False, True]
    assert "(fewer than 5 rows where" in copy.summary() and "(3 rows" not in copy.summary()
    evaluation = FACTORIES["EvaluationDesign"]({})
    copy = publish_result(evaluation, Publishing(min_count=1000)).result
    assert copy.series["count"].isna().all() or (copy.series["count"].fillna(0) == 0).all()
    assert evaluation.series["count"].sum() > 0 and copy.series.shape == evaluation.series.shape


@pytest.mark.parametrize("cls", DECLARED, ids=lambda c: c.__name__)
def test_published_copy_follows_the_contract(cls: type[Result], sources: dict) -> None:
    """A class that declares its counts promises a stakeholder copy (every count hidden at
    min_count 1000) whose summary reads and whose chart draws."""
    result = FACTORIES[cls.__name__](sources)
    published = publish_result(result, Publishing(min_count=1000))
    copy, publication = published.result, published.publication
    assert not publication.records
    if copy is result:  # nothing to hide: published as it is
        assert not publication.changed
        return
    if copy is None:  # no `frame` field: only its published table is shown
        assert "frame" not in {f.name for f in dataclasses.fields(result)}
        return
    assert type(copy) is cls and copy.publication is publication
    text = copy.summary()
    assert text.strip() and not UNREADABLE.search(text) and "<NA>" not in text, text
    html = copy.table().to_html()
    assert not re.search(r">\s*(nan|NaN|NaT|None|&lt;NA&gt;)\s*<", html), html
    for column in publication.withheld:  # personal columns never reach the table
        label = cls.labels.get(column, column)
        assert f">{label}<" not in html
    assert chart_to_svg(copy.chart()).lstrip().startswith("<svg")


def test_no_warning_is_silenced_in_the_package() -> None:
    pattern = re.compile(r"""(simplefilter|filterwarnings)\(\s*["']ignore""")
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders
