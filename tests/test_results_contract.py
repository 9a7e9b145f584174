"""The result contract: every result class of the library, found by walking the package.

Each subclass of :class:`cs360lib.publish.results.Result` needs a factory here that builds a
real instance from small data; the test fails for a result class without one, so a new result
cannot skip the contract.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pytest
from pandas.io.formats.style import Styler

import cs360lib
from cs360lib import load
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
from cs360lib.steps import intake

PACKAGE = Path(cs360lib.__file__).resolve().parent


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


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("contract")
    rng = np.random.default_rng(4)
    days = pd.date_range("2023-01-01", "2023-12-31", freq="D")
    times = rng.choice(days, 600) + pd.to_timedelta(rng.integers(0, 24, 600), unit="h")
    incidents = pd.DataFrame(
        {
            "incident_id": [f"R{i:04d}" for i in range(600)],
            "occurred_at": pd.Series(times).dt.strftime("%Y-%m-%d %H:%M"),
            "offense": rng.choice(["Theft", "Burglary"], 600),
            "beat": rng.choice(["A1", "A2", None], 600),
        }
    )
    incidents.loc[3, "occurred_at"] = "2023-02-30 10:00"  # rejected: not a date
    incidents.loc[4, "incident_id"] = incidents.loc[5, "incident_id"]  # a repeated id
    incidents.to_csv(folder / "incidents.csv", index=False)
    months = pd.date_range("2023-01-01", periods=12, freq="MS")
    survey = pd.DataFrame({"period": months, "area": "city", "item": "trust", "score": 60.0})
    survey.to_csv(folder / "survey.csv", index=False)
    return {
        "incidents": load("incidents", folder / "incidents.csv"),
        "survey": load("survey", folder / "survey.csv"),
    }


def _its() -> Result:
    series = simulate_its(n_pre=24, n_post=12, level=40, effect=-0.3, seed=3)
    return its(series, time="month", outcome="count", intervention=series.attrs["intervention"])


FACTORIES: dict[str, Callable[[dict], Result]] = {
    "IntakeOverview": lambda s: intake.overview(s),
    "Rejections": lambda s: intake.rejections(s),
    "Coverage": lambda s: intake.coverage(s),
    "MissingValues": lambda s: intake.missing_values(s),
    "DuplicateKeys": lambda s: intake.duplicate_keys(s),
    "AreaCoverage": lambda s: intake.areas(s),
    "ITSResult": lambda s: _its(),
    "ITSPowerResult": lambda s: power_its(level=30, n_pre=24, post_periods=(6, 12), n_sims=20),
    "WDDResult": lambda s: wdd((308, 318), (207, 110), (150, 140), (178, 157)),
    "ETestResult": lambda s: e_test(6, 2),
    "RateRatioResult": lambda s: rate_ratio_test(40, 25, pre_exposure=12, post_exposure=12),
    "RateRatioPowerResult": lambda s: power_rate_ratio(20, [0.5, 1.0]),
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
    assert isinstance(table, Styler)
    html = table.to_html()
    headers = re.findall(r'<th [^>]*class="col_heading[^"]*"[^>]*>([^<]*)</th>', html)
    assert headers and all("_" not in h for h in headers), headers
    assert "row_heading" not in html  # no index
    assert not re.search(r">\s*(nan|NaN|NaT|None)\s*<", html)

    chart = result.chart()
    assert isinstance(chart, alt.TopLevelMixin)
    assert chart_to_svg(chart).lstrip().startswith("<svg")


DECLARED = [c for c in RESULT_CLASSES if c.count_columns is not None]


def test_the_intake_results_declare_their_counts() -> None:
    names = {c.__name__ for c in DECLARED}
    assert {"IntakeOverview", "Rejections", "Coverage", "MissingValues", "DuplicateKeys"} <= names
    assert "AreaCoverage" in names


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
