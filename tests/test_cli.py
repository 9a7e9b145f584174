import io
import json
import re
import shutil
import sys
import tokenize
import types
from pathlib import Path

import pytest
import yaml
from conftest import BROKEN_ENGAGEMENT, FIXTURE_ENGAGEMENT, FIXTURE_NOTEBOOKS

from cs360lib import cli
from cs360lib.config.engagement import Engagement

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "engagement.yml"


def test_help_lists_subcommands(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "batch", "validate", "new", "sample", "export"):
        assert command in out


def test_run_help_documents_options(capsys):
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    out = capsys.readouterr().out
    for option in ("--out", "--only", "--timeout", "--notebooks", "--fail-fast"):
        assert option in out


def test_run_missing_data_exits_1(tmp_path, capsys):
    code = cli.main(
        [
            "run",
            str(BROKEN_ENGAGEMENT),
            "--out",
            str(tmp_path),
            "--notebooks",
            str(FIXTURE_NOTEBOOKS),
        ]
    )
    assert code == 1
    captured = capsys.readouterr()
    folder = Path(captured.out.strip())
    assert folder.parent == tmp_path / "broken-town"
    assert "incidents_missing.csv" in captured.err
    assert json.loads((folder / "manifest.json").read_text())["status"] == "failed"


def test_run_unknown_notebook_exits_1(tmp_path, capsys):
    code = cli.main(
        [
            "run",
            str(FIXTURE_ENGAGEMENT),
            "--out",
            str(tmp_path),
            "--notebooks",
            str(FIXTURE_NOTEBOOKS),
            "--only",
            "99_nothing",
        ]
    )
    assert code == 1
    assert "matches no notebook" in capsys.readouterr().err


@pytest.mark.slow
def test_batch_good_and_broken(tmp_path, capsys):
    """Acceptance: the good report is written, the broken one recorded, exit code 1."""
    code = cli.main(
        [
            "batch",
            str(FIXTURE_ENGAGEMENT),
            str(BROKEN_ENGAGEMENT),
            "--jobs",
            "2",
            "--out",
            str(tmp_path),
            "--notebooks",
            str(FIXTURE_NOTEBOOKS),
            "--only",
            "00_ok",
            "--timeout",
            "60",
        ]
    )
    assert code == 1
    captured = capsys.readouterr()
    table = captured.out.splitlines()
    assert table[0].split()[:2] == ["engagement", "status"]
    good_line = next(line for line in table if line.startswith("fixture-town"))
    bad_line = next(line for line in table if line.startswith("broken-town"))
    assert " ok " in good_line and " failed " in bad_line
    assert "incidents_missing.csv" in bad_line or "no such file" in bad_line
    assert table[-1] == "1 of 2 engagements ok"

    (good,) = (tmp_path / "fixture-town").iterdir()
    assert (good / "00_ok.html").is_file() and (good / "00_ok.analyst.html").is_file()
    assert json.loads((good / "manifest.json").read_text())["status"] == "ok"
    assert not (good / "ERROR.txt").exists()

    (bad,) = (tmp_path / "broken-town").iterdir()
    manifest = json.loads((bad / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert "incidents_missing.csv" in manifest["error"]
    assert "no such file" in (bad / "ERROR.txt").read_text()


def test_batch_records_a_crashed_run(tmp_path, monkeypatch, capsys):
    """A run process that dies without a report gets a failure record from the batch."""
    from cs360lib.run import batch

    def crash(cmd):
        return -9, "Killed\n"

    monkeypatch.setattr(batch, "_spawn", crash)
    code = cli.main(["batch", str(FIXTURE_ENGAGEMENT), "--out", str(tmp_path)])
    assert code == 1
    (folder,) = (tmp_path / "fixture-town").iterdir()
    assert "exited with code -9" in (folder / "ERROR.txt").read_text()
    assert "Killed" in (folder / "ERROR.txt").read_text()


def test_new_scaffolds_a_valid_engagement(tmp_path, capsys):
    folder = tmp_path / "River_City"
    assert cli.main(["new", str(folder)]) == 0
    target = folder / "engagement.yml"
    assert (folder / "data").is_dir()
    data = yaml.safe_load(target.read_text())
    assert data["engagement"]["id"] == "river-city"
    assert data["engagement"]["name"] == "River City"
    text = target.read_text()
    assert "# " in text and "docs/engagement.md" in text
    (folder / "data" / "incidents.csv").write_text("incident_id\n1\n")
    eng = Engagement.load(target)
    assert eng.id == "river-city"
    assert eng.input_files() == [(folder / "data" / "incidents.csv").resolve()]
    # never overwrites
    assert cli.main(["new", str(folder)]) == 1
    assert "already exists" in capsys.readouterr().err


def test_validate_sample_prints_each_source(capsys):
    if not SAMPLE.exists():
        pytest.skip("data/samples/engagement.yml not committed yet")
    assert cli.main(["validate", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "[incidents]" in out and "rows read" in out
    assert "sources loaded" in out


def test_validate_reports_each_failing_source(tmp_path, capsys):
    folder = tmp_path / "eng"
    shutil.copytree(FIXTURE_ENGAGEMENT.parent, folder)
    (folder / "data" / "calls.csv").write_text("nothing,useful\n1,2\n")
    text = (folder / "engagement.yml").read_text()
    (folder / "engagement.yml").write_text(text + "  calls:\n    path: data/calls.csv\n")
    assert cli.main(["validate", str(folder / "engagement.yml")]) == 1
    captured = capsys.readouterr()
    assert "[incidents]" in captured.out and "[calls]" in captured.out
    assert "FAILED" in captured.out
    assert "1 source(s) failed: calls" in captured.err


def test_validate_missing_file(tmp_path, capsys):
    assert cli.main(["validate", str(tmp_path / "nope.yml")]) == 1
    assert "not found" in capsys.readouterr().err


def test_sample_calls_make_department(tmp_path, monkeypatch, capsys):
    calls = {}

    def fake(out_dir, *, seed=360, scale=1.0):
        calls.update(out_dir=out_dir, seed=seed, scale=scale)
        return Path(out_dir) / "engagement.yml"

    monkeypatch.setitem(
        sys.modules, "cs360lib.datasets.sampleton", types.SimpleNamespace(make_department=fake)
    )
    assert cli.main(["sample", "--out", str(tmp_path), "--seed", "7", "--scale", "0.1"]) == 0
    assert calls == {"out_dir": tmp_path, "seed": 7, "scale": 0.1}
    assert capsys.readouterr().out.strip() == str(tmp_path / "engagement.yml")


def test_export_writes_both_variants(tmp_path, capsys):
    nb = FIXTURE_NOTEBOOKS / "00_ok.ipynb"
    assert cli.main(["export", str(nb), "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["00_ok.analyst.html", "00_ok.html"]
    assert (
        cli.main(["export", str(nb), "--out", str(tmp_path / "s"), "--variant", "stakeholder"]) == 0
    )
    assert [p.name for p in (tmp_path / "s").iterdir()] == ["00_ok.html"]


def test_run_lists_every_source_that_fails(tmp_path, capsys):
    folder = tmp_path / "eng"
    shutil.copytree(FIXTURE_ENGAGEMENT.parent, folder)
    text = (folder / "engagement.yml").read_text()
    text += "  calls:\n    path: data/calls.csv\n  survey:\n    path: data/survey.csv\n"
    (folder / "engagement.yml").write_text(text)
    code = cli.main(
        [
            "run",
            str(folder / "engagement.yml"),
            "--out",
            str(tmp_path / "out"),
            "--notebooks",
            str(FIXTURE_NOTEBOOKS),
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "2 of 3 sources could not be loaded" in err
    assert "calls.csv: no such file" in err and "survey.csv: no such file" in err


def test_validate_lists_every_failing_source_and_engagement_error(tmp_path, capsys):
    folder = tmp_path / "eng"
    shutil.copytree(FIXTURE_ENGAGEMENT.parent, folder)
    text = (folder / "engagement.yml").read_text()
    (folder / "engagement.yml").write_text(
        text + "  calls:\n    path: data/calls.csv\n  survey:\n    path: data/survey.csv\n"
    )
    assert cli.main(["validate", str(folder / "engagement.yml")]) == 1
    captured = capsys.readouterr()
    assert "[calls] calls\nFAILED: " in captured.out and "[survey] survey\nFAILED: " in captured.out
    assert "2 source(s) failed: calls, survey" in captured.err
    (folder / "engagement.yml").write_text(
        text + "metrics:\n  - {name: M, goal: trust, source: incidents, filter: {beats: [1]}}\n"
        "  - {name: N, goal: nice, source: incidents}\n"
    )
    assert cli.main(["validate", str(folder / "engagement.yml")]) == 1
    err = capsys.readouterr().err
    assert "2 problems" in err and "metrics.0.filter: 'beats' is not a column of incidents" in err
    assert "metrics.1.goal: unknown goal 'nice'" in err


def test_validate_loads_the_engagement_once(monkeypatch, capsys):
    if not SAMPLE.exists():
        pytest.skip("data/samples/engagement.yml not committed yet")
    from cs360lib.data.loaders import sources

    calls = []
    real = sources.load_engagement

    def counting(engagement, **kwargs):
        calls.append((len(engagement.sources), kwargs))
        return real(engagement, **kwargs)

    monkeypatch.setattr(sources, "load_engagement", counting)
    assert cli.main(["validate", str(SAMPLE)]) == 0
    assert calls == [(8, {"errors": "collect"})]  # one call for every source, not one per source
    assert capsys.readouterr().out.rstrip().endswith("all 8 sources loaded")


# ----------------------------------------------------------------- sources that yield nothing


def _engagement_with_empty_sources(tmp_path: Path) -> Path:
    folder = tmp_path / "eng"
    shutil.copytree(FIXTURE_ENGAGEMENT.parent, folder)
    header = "incident_id,occurred_at,offense\n"
    (folder / "data" / "header_only.csv").write_text(header)
    (folder / "data" / "all_rejected.csv").write_text(header + "1,never,Theft\n2,nope,Theft\n")
    text = (folder / "engagement.yml").read_text()
    text += (
        "  blank:\n    kind: incidents\n    path: data/header_only.csv\n"
        "  unreadable:\n    kind: incidents\n    path: data/all_rejected.csv\n"
    )
    (folder / "engagement.yml").write_text(text)
    return folder / "engagement.yml"


def test_validate_fails_on_a_source_that_yields_nothing(tmp_path, capsys):
    engagement = _engagement_with_empty_sources(tmp_path)
    assert cli.main(["validate", str(engagement)]) == 1
    captured = capsys.readouterr()
    assert "[blank] incidents\nNOT USABLE: " in captured.out
    assert "header_only.csv has a header but no data rows" in captured.out
    assert "[unreadable] incidents\nNOT USABLE: all 2 rows of " in captured.out
    assert "2 source(s) yield no usable data (empty or mostly rejected): blank, unreadable" in (
        captured.err
    )


def test_run_fails_on_a_source_that_yields_nothing(tmp_path, capsys):
    engagement = _engagement_with_empty_sources(tmp_path)
    out = tmp_path / "out"
    code = cli.main(
        ["run", str(engagement), "--out", str(out), "--notebooks", str(FIXTURE_NOTEBOOKS)]
    )
    assert code == 1
    captured = capsys.readouterr()
    assert "2 of 3 sources yield no usable data: blank: " in captured.err
    assert "; unreadable: all 2 rows of " in captured.err
    folder = Path(captured.out.strip())
    assert not list(folder.glob("*.ipynb"))  # stopped in the pre-flight: no kernel started
    manifest = json.loads((folder / "manifest.json").read_text())
    statuses = {s["name"]: s["status"] for s in manifest["sources"]}
    assert statuses == {"incidents": "ok", "blank": "empty", "unreadable": "empty"}
    text = (folder / "ERROR.txt").read_text()
    assert "blank (incidents): " in text and "unreadable (incidents): all 2 rows" in text


# ----------------------------------------------------------------- messages a person can act on

ATTRIBUTE_HINT = re.compile(r"\b(see|in|check|use|inspect)\s+`?\.[a-z_]+\b", re.IGNORECASE)


def test_no_message_points_at_a_python_attribute():
    """Summaries and the command line name a cs360 option or a report section, not `.attr`."""
    package = Path(cli.__file__).resolve().parent
    found = []
    for path in sorted(package.rglob("*.py")):
        tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
        for token in tokens:
            if token.type == tokenize.STRING and ATTRIBUTE_HINT.search(token.string):
                found.append(f"{path.relative_to(package)}:{token.start[0]}: {token.string}")
    assert not found, found


def test_validate_says_where_repeated_ids_are_listed(tmp_path, capsys):
    folder = tmp_path / "eng"
    shutil.copytree(FIXTURE_ENGAGEMENT.parent, folder)
    data = folder / "data" / "incidents.csv"
    lines = data.read_text().splitlines()
    data.write_text("\n".join([*lines, lines[1]]) + "\n")  # the first row once more
    assert cli.main(["validate", str(folder / "engagement.yml")]) == 0
    out = capsys.readouterr().out
    assert "occur more than once" in out and "exact copies" in out
    assert ".duplicates" not in out
    assert "data intake report (notebook 00_data_intake, `cs360 run --only 00`)" in out
