"""Engagement files: typed, validated, paths relative to the file, errors naming key and file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from cs360lib import Engagement, EngagementError, load_engagement
from cs360lib.config.slug import slugify

MINIMAL = """
engagement: {id: test-pd, name: Test PD engagement}
sources:
  incidents: {path: data/incidents.csv}
  ems: {kind: partner_metrics, path: data/ems.csv}
areas:
  target: {column: beat, values: [E2, 12]}
responses:
  - {name: Lighting, start: 2023-04-01, area: target}
metrics:
  - {name: Robberies, goal: prevent_crime, source: incidents, area: target}
  - {name: Overdose calls, goal: community_factors, source: ems}
"""


def make(tmp_path: Path, text: str = MINIMAL) -> Path:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "incidents.csv").write_text(
        "incident_id,occurred_at,offense\n1,2023-01-01 10:00:00,Robbery\n"
    )
    (tmp_path / "data" / "ems.csv").write_text(
        "partner,metric,period,value\nEMS,overdose calls,2023-01-01,4\n"
    )
    path = tmp_path / "engagement.yml"
    path.write_text(text)
    return path


def test_paths_resolve_relative_to_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make(tmp_path)
    monkeypatch.chdir("/")
    engagement = Engagement.load(path)
    assert engagement.id == "test-pd" and engagement.root == tmp_path
    assert engagement.sources["incidents"].path == tmp_path / "data" / "incidents.csv"
    assert engagement.sources["ems"].kind == "partner_metrics"
    assert engagement.sources["incidents"].kind == "incidents"
    assert engagement.areas["target"].values == ["E2", "12"]
    assert [m.dimension for m in engagement.metrics] == [1, 2]
    assert len(engagement.input_files()) == 2
    results = load_engagement(engagement)
    assert results["incidents"].rows_read == 1 and results["ems"].data["value"].iloc[0] == 4.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("id: test-pd", "id: Test PD"), "engagement.id"),
        (("goal: prevent_crime", "goal: be_nice"), "metrics.0.goal"),
        (("area: target}\nmetrics", "area: elsewhere}\nmetrics"), "responses.0.area 'elsewhere'"),
        (("start: 2023-04-01", "start: someday"), "responses.0.start"),
        (("kind: partner_metrics", "kind: ems_runs"), "sources.ems.kind"),
        (("source: ems", "source: nowhere"), "metrics.1.source 'nowhere'"),
        (("areas:", "aeras:"), "aeras"),
    ],
)
def test_errors_name_the_key_and_the_file(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = make(tmp_path, MINIMAL.replace(*change))
    with pytest.raises(EngagementError) as info:
        Engagement.load(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(EngagementError, match="engagement file not found"):
        Engagement.load(tmp_path / "nope.yml")
    (tmp_path / "bad.yml").write_text("engagement: [\n")
    with pytest.raises(EngagementError, match="not valid YAML"):
        Engagement.load(tmp_path / "bad.yml")


def test_missing_data_file_names_the_source(tmp_path: Path) -> None:
    path = make(tmp_path)
    (tmp_path / "data" / "ems.csv").unlink()
    engagement = Engagement.load(path)
    with pytest.raises(EngagementError, match="sources.ems.path"):
        engagement.input_files()
    with pytest.raises(FileNotFoundError, match="source 'ems'"):
        load_engagement(engagement)


# ------------------------------------------------------------------ validated whole at load


def _errors_of(path: Path) -> str:
    with pytest.raises(EngagementError) as info:
        Engagement.load(path)
    return str(info.value)


def test_mapping_typo_names_the_file_the_source_and_the_key(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "incidents: {path: data/incidents.csv}",
        "incidents: {path: data/incidents.csv, mapping: {colums: {incident_id: ID}}}",
    )
    message = _errors_of(make(tmp_path, text))
    assert str(tmp_path / "engagement.yml") in message
    assert (
        "sources.incidents.mapping.colums: unknown key 'colums'; did you mean `columns`? "
        "Known keys here: kind, name, description, read, columns, extra, " in message
    )


def test_mapping_file_checked_against_the_kind(tmp_path: Path) -> None:
    (tmp_path / "ems.yml").write_text("columns: {partner: Agency, metrik: Measure}\n")
    text = MINIMAL.replace("path: data/ems.csv}", "path: data/ems.csv, mapping: ems.yml}")
    message = _errors_of(make(tmp_path, text))
    assert "sources.ems.mapping: in " in message and str(tmp_path / "ems.yml") in message
    assert "['metrik'] are not columns of kind 'partner_metrics'" in message
    # a mapping written for another kind
    (tmp_path / "ems.yml").write_text("kind: calls\n")
    assert "written for kind 'calls', used to load 'partner_metrics'" in _errors_of(
        tmp_path / "engagement.yml"
    )


def test_resolved_mapping_kept_on_the_source(tmp_path: Path) -> None:
    (tmp_path / "ems.yml").write_text(
        "columns: {partner: Agency}\nextra: {station: Station}\nread: {sep: ';'}\n"
    )
    text = MINIMAL.replace("path: data/ems.csv}", "path: data/ems.csv, mapping: ems.yml}")
    engagement = Engagement.load(make(tmp_path, text))
    spec = engagement.sources["ems"].resolved_mapping
    assert spec.read.sep == ";" and spec.extra == {"station": "Station"}
    assert spec.file == (tmp_path / "ems.yml").resolve()
    assert engagement.sources["incidents"].resolved_mapping.name == "identity"
    assert (tmp_path / "ems.yml").resolve() in engagement.input_files()
    assert engagement.sources["ems"].columns()[-1] == "station"


def test_missing_mapping_file_fails_at_load(tmp_path: Path) -> None:
    text = MINIMAL.replace("path: data/ems.csv}", "path: data/ems.csv, mapping: nope.yml}")
    message = _errors_of(make(tmp_path, text))
    assert "sources.ems.mapping: mapping file" in message and "nope.yml does not exist" in message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("metrics:\n", "problem: {title: Robbery, filter: {offence: [Robbery]}}\nmetrics:\n"),
            "problem.filter: 'offence' is not a column of incidents; columns are ['incident_id'",
        ),
        (
            ("source: ems}", "source: ems, filter: {metrik: [overdose calls]}}"),
            "metrics.1.filter: 'metrik' is not a column of ems; columns are ['partner'",
        ),
        (
            ("source: ems}", "source: ems, area: target}"),
            "metrics.1.area: area 'target' uses column 'beat', which is not a column of ems",
        ),
        (
            ("metrics:\n", "problem: {title: Robbery, source: robberies}\nmetrics:\n"),
            "problem.source 'robberies' is not a source name",
        ),
    ],
)
def test_filters_and_areas_name_columns_of_their_source(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    assert message in _errors_of(make(tmp_path, MINIMAL.replace(*change)))


def test_filter_on_an_extra_column_is_accepted(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "path: data/ems.csv}", "path: data/ems.csv, mapping: {extra: {station: Station}}}"
    ).replace("source: ems}", "source: ems, filter: {station: [A], metric: [overdose calls]}}")
    engagement = Engagement.load(make(tmp_path, text))
    assert engagement.metrics[1].filter == {"station": ["A"], "metric": ["overdose calls"]}


def test_all_problems_of_a_file_at_once(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace("goal: prevent_crime", "goal: be_nice")  # a type error in metric 0
        .replace("incidents: {path: data/incidents.csv}", "incidents: {path: x, mapping: {a: 1}}")
        .replace("source: ems}", "source: ems, filter: {beats: [E2]}}")  # metric 1
        .replace("area: target}\nmetrics", "area: elsewhere}\nmetrics")
        .replace("areas:", "aeras:")
    )
    message = _errors_of(make(tmp_path, text))
    lines = message.splitlines()
    assert lines[0] == f"{tmp_path / 'engagement.yml'}: 5 problems"
    assert sorted(line.strip().split(":")[0].split(" ")[0] for line in lines[1:]) == [
        "aeras",
        "metrics.0.goal",
        "metrics.1.filter",
        "responses.0.area",
        "sources.incidents.mapping.a",
    ]
    # no second error for a metric that names the source whose own mapping is wrong
    assert "metrics.0.source" not in message


def test_a_reference_to_an_invalid_entry_is_not_reported_twice(tmp_path: Path) -> None:
    text = MINIMAL.replace("kind: partner_metrics", "kind: ems_runs")
    message = _errors_of(make(tmp_path, text))
    assert "sources.ems.kind" in message
    assert "metrics.1.source" not in message and "problems" not in message.splitlines()[0]


def test_paths_resolved_by_the_validation_context(tmp_path: Path) -> None:
    data = yaml.safe_load(MINIMAL)
    engagement = Engagement.model_validate(
        {**data, "path": tmp_path / "engagement.yml"}, context={"root": tmp_path}
    )
    assert engagement.sources["incidents"].path == tmp_path / "data" / "incidents.csv"
    built = Engagement(**data)  # in code, without a folder: paths stay as written
    assert built.sources["incidents"].path == Path("data/incidents.csv")


def test_references_checked_for_an_engagement_built_in_code() -> None:
    data = yaml.safe_load(MINIMAL)
    data["metrics"][0]["source"] = "nowhere"
    with pytest.raises(ValidationError, match="'nowhere' is not a source name"):
        Engagement(**data)
    with pytest.raises(ValidationError, match="'nowhere' is not a source name"):
        Engagement.model_validate(data)


@pytest.mark.parametrize(
    ("text", "slug"),
    [("River_City PD", "river-city-pd"), ("  Montréal--Nord!  ", "montreal-nord"), ("***", "")],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_filter_values_are_text(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "area: target}\nmetrics", "area: target}\nproblem: {title: T, filter: {beat: 12}}\nmetrics"
    ).replace("source: ems}", "source: ems, filter: {area: [3, E2]}}")
    engagement = Engagement.load(make(tmp_path, text))
    assert engagement.problem.filter == {"beat": ["12"]}
    assert engagement.metrics[1].filter == {"area": ["3", "E2"]}


# ------------------------------------------------------------------ analysis.max_rejected_share


def test_max_rejected_share_defaults_to_half(tmp_path: Path) -> None:
    assert Engagement.load(make(tmp_path)).analysis.max_rejected_share == 0.5


@pytest.mark.parametrize("value", ["1.5", "-0.1", "half"])
def test_max_rejected_share_is_a_share_from_0_to_1(tmp_path: Path, value: str) -> None:
    text = MINIMAL + f"analysis: {{max_rejected_share: {value}}}\n"
    message = _errors_of(make(tmp_path, text))
    assert "analysis.max_rejected_share" in message


@pytest.mark.parametrize("value", [0, 0.2, 1])
def test_max_rejected_share_accepts_the_bounds(tmp_path: Path, value: float) -> None:
    text = MINIMAL + f"analysis: {{max_rejected_share: {value}}}\n"
    assert Engagement.load(make(tmp_path, text)).analysis.max_rejected_share == value


# -- the plan's keys: metrics from the catalogue, responses with their areas and measures ------

PLAN = """
engagement: {id: test-pd, name: Test PD engagement}
sources:
  incidents: {path: data/incidents.csv}
  ems: {kind: partner_metrics, path: data/ems.csv}
areas:
  target: {column: beat, values: [E2]}
  comparison: {column: beat, values: [W2]}
  displacement: {column: beat, values: [E1, E3], adjacent_to: [target]}
responses:
  - name: Lighting
    owner: [Public Works Department, Eastgate Merchants Association]
    objectives: Fewer robberies at the bus bays
    start: 2023-04-01
    area: target
    measures: [Robberies]
    expected_change: -20%
metrics:
  - {name: Robberies, indicator: crime_rates, source: incidents, area: target}
  - {name: Overdose calls, goal: community_factors, source: ems}
"""


def _plan(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    text = PLAN
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    return make(tmp_path, text)


def test_plan_keys_are_read(tmp_path: Path) -> None:
    engagement = Engagement.load(_plan(tmp_path))
    response = engagement.responses[0]
    assert response.owner == "Public Works Department; Eastgate Merchants Association"
    assert response.objectives == ["Fewer robberies at the bus bays"]
    assert response.expected_change == pytest.approx(0.8)
    # the areas named comparison and displacement are the defaults
    assert response.role_areas() == {
        "target": "target",
        "comparison": "comparison",
        "displacement": "displacement",
    }
    assert engagement.areas["displacement"].adjacent_to == ["target"]
    robberies = engagement.metrics[0]
    assert (robberies.indicator, robberies.goal, robberies.type) == (
        "crime_rates",
        "prevent_crime",
        "outcome",
    )
    assert engagement.metrics[1].indicator is None and engagement.dimensions is None


def test_a_written_null_means_no_comparison_area(tmp_path: Path) -> None:
    engagement = Engagement.load(
        _plan(
            tmp_path,
            (
                "    area: target\n    measures",
                "    area: target\n    comparison: null\n    measures",
            ),
        )
    )
    assert engagement.responses[0].comparison is None
    assert engagement.responses[0].displacement == "displacement"


def test_an_indicator_sets_the_type_unless_the_metric_says_otherwise(tmp_path: Path) -> None:
    path = _plan(
        tmp_path,
        (
            "- {name: Overdose calls, goal: community_factors, source: ems}",
            "- {name: Outreach, indicator: neighbourhood_outreach, source: ems}\n"
            "  - {name: Patrol, indicator: patrol_prevention, type: outcome, source: incidents, "
            "provider: partner}",
        ),
    )
    engagement = Engagement.load(path)
    outreach, patrol = engagement.metrics[1:]
    assert (outreach.goal, outreach.type) == ("promising_practices", "output")
    assert (patrol.type, patrol.provider) == ("outcome", "partner")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("indicator: crime_rates,", "indicator: crime_rate,"),
            "metrics.0.indicator: unknown indicator 'crime_rate' (did you mean 'crime_rates'?)",
        ),
        (
            ("indicator: crime_rates,", "indicator: crime_rates, goal: trust,"),
            "metrics.0.goal: indicator 'crime_rates' serves goal 'prevent_crime', not 'trust'",
        ),
        (
            ("goal: community_factors, ", ""),
            "metrics.1.goal: give the CS360 goal the metric serves, or an indicator",
        ),
        (
            ("name: Overdose calls", "name: Robberies"),
            "metrics.1.name 'Robberies' is also the name of metrics.0",
        ),
        (
            ("measures: [Robberies]", "measures: [Robbery]"),
            "responses.0.measures.0 'Robbery' is not",
        ),
        (("expected_change: -20%", "expected_change: 1"), "responses.0.expected_change"),
        (("expected_change: -20%", "expected_change: a lot"), "'a lot' is not a change"),
        (
            ("area: target\n    measures", "area: target\n    comparison: elsewhere\n    measures"),
            "responses.0.comparison 'elsewhere' is not a name in areas",
        ),
        (
            ("area: target\n    measures", "area: target\n    comparison: target\n    measures"),
            "responses.0.comparison 'target' is the response's own area",
        ),
        (
            ("values: [W2]", "values: [W2, E2]"),
            "responses.0.comparison: comparison area 'comparison' and target area 'target' share "
            "beat E2",
        ),
        (
            ("values: [E1, E3]", "values: [E1, E2]"),
            "responses.0.displacement: displacement area 'displacement' and target area 'target' "
            "share beat E2",
        ),
        (
            ("adjacent_to: [target]", "adjacent_to: [tagret]"),
            "areas.displacement.adjacent_to.0 'tagret' is not a name in areas",
        ),
        (
            ("metrics:\n", "dimensions: [1, 4]\nmetrics:\n"),
            "dimensions: [4] are not CS360 dimensions",
        ),
    ],
)
def test_plan_problems_in_the_file_are_engagement_errors(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    assert message in _errors_of(_plan(tmp_path, change))


def test_the_measures_hint_names_the_closest_metric(tmp_path: Path) -> None:
    message = _errors_of(_plan(tmp_path, ("measures: [Robberies]", "measures: [Robberys]")))
    assert "did you mean 'Robberies'?" in message and "metrics are ['Robberies'" in message


def test_dimensions_are_kept(tmp_path: Path) -> None:
    engagement = Engagement.load(_plan(tmp_path, ("metrics:\n", "dimensions: [1]\nmetrics:\n")))
    assert engagement.dimensions == [1]


def test_every_key_of_the_plan_is_documented() -> None:
    from cs360lib.config.engagement import Area, Metric, Response

    text = (Path(__file__).resolve().parents[1] / "docs" / "engagement.md").read_text()
    for model in (Area, Response, Metric):
        for key in model.model_fields:
            documented = f"`{key}`" in text or re.search(rf"(?<!\w){key}:", text)
            assert documented, f"{model.__name__}.{key}"
    assert "dimensions: [1, 2]" in text


# ------------------------------------------------------------------ teams


def test_teams_give_display_names_and_are_checked(tmp_path: Path) -> None:
    text = MINIMAL + "teams: {AT: Advisory Team, PST2: Drug Market Team}\n"
    engagement = Engagement.load(make(tmp_path, text))
    assert engagement.teams == {"AT": "Advisory Team", "PST2": "Drug Market Team"}
    assert Engagement.load(make(tmp_path)).teams == {}
    message = _errors_of(make(tmp_path, MINIMAL + "tems: {AT: Advisory Team}\n"))
    assert "tems: unknown key 'tems'; did you mean `teams`?" in message
    assert str(tmp_path / "engagement.yml") in message
    message = _errors_of(make(tmp_path, MINIMAL + "teams: {AT+PST: Both, PST: ' '}\n"))
    assert "teams: 'AT+PST' is not a team code" in message
    assert "PST: the display name is empty" in message


def test_scanning_section_resolves_and_checks_its_files(tmp_path: Path) -> None:
    path = make(tmp_path)
    assert Engagement.load(path).scanning.codebook is None
    (tmp_path / "codebook.yml").write_text("extends: default\n")
    (tmp_path / "coder_a.xlsx").write_bytes(b"")
    text = MINIMAL + "scanning: {codebook: codebook.yml, coding_sheets: [coder_a.xlsx]}\n"
    scanning = Engagement.load(make(tmp_path, text)).scanning
    assert scanning.codebook == tmp_path / "codebook.yml"
    assert scanning.coding_sheets == [tmp_path / "coder_a.xlsx"]
    message = _errors_of(make(tmp_path, MINIMAL + "scanning: {coding_sheets: [coder_b.xlsx]}\n"))
    assert "scanning.coding_sheets: coding sheet(s) not found" in message and "coder_b" in message
    message = _errors_of(make(tmp_path, MINIMAL + "scanning: {codebok: codebook.yml}\n"))
    assert "scanning.codebok: unknown key 'codebok'; did you mean `codebook`?" in message
