"""Unknown keys say which key was meant: engagement files, mappings, and the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cs360lib import Engagement, EngagementError, MappingError, cli, load, read_mapping
from cs360lib.config.engagement import Engagement as EngagementModel
from cs360lib.config.keys import closest_key, keys_at, unknown_key_message
from cs360lib.config.mapping import Mapping

GOOD = """
engagement: {id: keys-pd, name: Keys PD}
sources:
  incidents: {path: data/incidents.csv}
areas:
  target: {column: beat, values: [E2]}
responses:
  - {name: Lighting, start: 2023-04-01, area: target}
metrics:
  - {name: Robberies, goal: prevent_crime, source: incidents, area: target}
"""


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "incidents.csv").write_text(
        "incident_id,occurred_at,offense,beat\n1,2023-01-01 10:00,Robbery,E2\n"
    )
    (tmp_path / "engagement.yml").write_text(text)
    return tmp_path / "engagement.yml"


def test_closest_key() -> None:
    assert closest_key("mappng", ["kind", "path", "mapping"]) == "mapping"
    assert closest_key("Mapping", ["kind", "path", "mapping"]) == "mapping"
    assert closest_key("colour", ["kind", "path", "mapping"]) is None
    assert unknown_key_message("mappng", ["kind", "path", "mapping"]) == (
        "unknown key 'mappng'; did you mean `mapping`? Known keys here: kind, path, mapping"
    )
    assert unknown_key_message("zzz", ["kind"]) == "unknown key 'zzz'. Known keys here: kind"


def test_keys_at_walks_models_dicts_and_lists() -> None:
    top = keys_at(EngagementModel, (), hidden=("path",))
    assert top == [
        "engagement",
        "sources",
        "analysis",
        "problem",
        "areas",
        "responses",
        "metrics",
        "dimensions",
        "prioritization",
        "teams",
        "scanning",
        "publishing",
        "review",
    ]
    assert keys_at(EngagementModel, ("sources", "calls")) == ["kind", "path", "mapping"]
    assert "goal" in keys_at(EngagementModel, ("metrics", 0))
    assert "max_rejected_share" in keys_at(EngagementModel, ("analysis",))
    assert keys_at(EngagementModel, ("sources", "calls", "mapping")) is None  # free-form there
    assert keys_at(EngagementModel, ("nowhere",)) is None
    assert keys_at(Mapping, ("read",)) == [
        "files",
        "encoding",
        "sep",
        "skip_rows",
        "extra_header_rows",
        "sheet",
    ]
    assert "hour" in keys_at(Mapping, ("datetimes", "occurred_at"))
    assert "layout" in keys_at(Mapping, ("point",))


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (("sources:", "sourcse:"), "sourcse: unknown key 'sourcse'; did you mean `sources`?"),
        (
            ("name: Keys PD}", "name: Keys PD, timezon: UTC}"),
            "engagement.timezon: unknown key 'timezon'; did you mean `timezone`?",
        ),
        (
            ("{path: data/incidents.csv}", "{path: data/incidents.csv, mappng: {}}"),
            "sources.incidents.mappng: unknown key 'mappng'; did you mean `mapping`? "
            "Known keys here: kind, path, mapping",
        ),
        (
            ("{column: beat,", "{colum: beat, column: beat,"),
            "areas.target.colum: unknown key 'colum'; did you mean `column`?",
        ),
        (
            ("area: target}\nmetrics", "area: target, owners: PW}\nmetrics"),
            "responses.0.owners: unknown key 'owners'; did you mean `owner`?",
        ),
        (
            ("source: incidents, area", "source: incidents, filtre: {}, area"),
            "metrics.0.filtre: unknown key 'filtre'; did you mean `filter`?",
        ),
        (
            ("areas:", "analysis: {periode: week}\nareas:"),
            "analysis.periode: unknown key 'periode'; did you mean `period`?",
        ),
        (
            ("areas:", "publishing: {min_cout: 5}\nareas:"),
            "unknown key 'min_cout'; did you mean `min_count`?",
        ),
    ],
)
def test_an_unknown_engagement_key_says_which_was_meant(
    tmp_path: Path, change: tuple[str, str], line: str
) -> None:
    assert change[0] in GOOD
    with pytest.raises(EngagementError) as info:
        Engagement.load(_write(tmp_path, GOOD.replace(*change)))
    assert line in str(info.value)


def test_an_unknown_mapping_key_says_which_was_meant(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match=r"colums: unknown key 'colums'; did you mean `columns`"):
        read_mapping({"colums": {"incident_id": "ID"}})
    path = _write(tmp_path, GOOD)
    with pytest.raises(MappingError, match=r"read\.enconding: .*did you mean `encoding`"):
        load("incidents", path.parent / "data" / "incidents.csv", {"read": {"enconding": "x"}})
    (tmp_path / "rms.yml").write_text("datetimes:\n  occurred_at: {houre: HR}\n")
    text = GOOD.replace(
        "{path: data/incidents.csv}", "{path: data/incidents.csv, mapping: rms.yml}"
    )
    with pytest.raises(EngagementError) as info:
        Engagement.load(_write(tmp_path, text))
    message = str(info.value)
    assert "sources.incidents.mapping: in " in message and "rms.yml" in message
    assert "datetimes.occurred_at.houre: unknown key 'houre'; did you mean `hour`?" in message


def test_cs360_run_reports_every_engagement_error_at_once(tmp_path: Path, capsys) -> None:
    from conftest import FIXTURE_NOTEBOOKS

    text = (
        GOOD.replace("sources:", "sourcse:")  # also makes every reference to a source unknown
        .replace("name: Keys PD}", "name: Keys PD, timezon: UTC}")
        .replace("areas:", "analysis: {periode: week}\nareas:")
    )
    path = _write(tmp_path, text)
    code = cli.main(
        ["run", str(path), "--out", str(tmp_path / "out"), "--notebooks", str(FIXTURE_NOTEBOOKS)]
    )
    assert code == 1
    err = capsys.readouterr().err
    final = err[err.index("cs360 run: failed: ") :]  # the last message alone lists them all
    assert "problems" in final
    for line in (
        "engagement.timezon: unknown key 'timezon'; did you mean `timezone`?",
        "sourcse: unknown key 'sourcse'; did you mean `sources`?",
        "analysis.periode: unknown key 'periode'; did you mean `period`?",
    ):
        assert line in final, line
    validate = cli.main(["validate", str(path)])
    assert validate == 1
    err_validate = capsys.readouterr().err
    for line in ("timezon", "sourcse", "periode"):
        assert f"unknown key '{line}'" in err_validate
