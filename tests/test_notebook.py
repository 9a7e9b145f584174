from pathlib import Path

import altair as alt
import pandas as pd
import pytest
from conftest import FIXTURE_ENGAGEMENT

from cs360lib.config.engagement import Engagement
from cs360lib.run import notebook


@pytest.fixture(autouse=True)
def _restore_state():
    theme, renderer = alt.theme.active, alt.renderers.active
    options = {key: pd.get_option(key) for key in notebook.PANDAS_OPTIONS}
    yield
    alt.theme.enable(theme)
    alt.renderers.enable(renderer)
    for key, value in options.items():
        pd.set_option(key, value)


def test_setup_for_reports(monkeypatch):
    monkeypatch.chdir(FIXTURE_ENGAGEMENT.parent.parent)
    eng = notebook.setup_notebook("engagement/engagement.yml", interactive=False)
    assert isinstance(eng, Engagement)
    assert eng.id == "fixture-town"
    assert eng.path == FIXTURE_ENGAGEMENT
    assert alt.theme.active == "cs360"
    assert alt.renderers.active == "svg"
    assert pd.get_option("display.max_rows") == notebook.PANDAS_OPTIONS["display.max_rows"]


def test_setup_png_and_interactive():
    notebook.setup_notebook(FIXTURE_ENGAGEMENT, interactive=False, chart_renderer="png")
    assert alt.renderers.active == "png"
    notebook.setup_notebook(str(FIXTURE_ENGAGEMENT), interactive=True)
    assert alt.renderers.active == "cs360_interactive"  # offline in JupyterLab


def test_missing_engagement_names_the_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"nope\.yml.*engagement. parameter"):
        notebook.setup_notebook("nope.yml", interactive=False)


def test_bad_renderer(tmp_path):
    with pytest.raises(ValueError, match="chart_renderer"):
        notebook.setup_notebook(FIXTURE_ENGAGEMENT, interactive=False, chart_renderer="vega")


def test_bad_engagement_file_raises_engagement_error(tmp_path):
    from cs360lib.config.engagement import EngagementError

    bad = tmp_path / "engagement.yml"
    bad.write_text("engagement: {id: x}\n")
    with pytest.raises(EngagementError, match="engagement.yml"):
        notebook.setup_notebook(bad, interactive=False)


def test_set_pandas_options_custom():
    notebook.set_pandas_options({"display.max_rows": 7})
    assert pd.get_option("display.max_rows") == 7


def test_returns_same_as_engagement_load():
    eng = notebook.setup_notebook(FIXTURE_ENGAGEMENT, interactive=False)
    assert eng.input_files() == Engagement.load(Path(FIXTURE_ENGAGEMENT)).input_files()


def test_setup_registers_the_publishing_rules(tmp_path):
    """cs.show publishes by the engagement's rules without being told them."""
    from cs360lib.publish.display import current_context

    (tmp_path / "incidents.csv").write_text(
        "incident_id,occurred_at,offense,victim_name,narrative,officer\n"
        "R1,2023-01-05 10:00,Theft,Jane Doe,Jane Doe lost her bag.,Sgt. Roe\n"
    )
    (tmp_path / "engagement.yml").write_text(
        "engagement: {id: t, name: T}\n"
        "sources:\n"
        "  incidents:\n"
        "    path: incidents.csv\n"
        "    mapping:\n"
        "      extra: {victim_name: victim_name, narrative: narrative, officer: officer}\n"
        "      privacy: {victim_name: name, narrative: text}\n"
        "publishing: {min_count: 10, location_precision: beat}\n"
    )
    eng = notebook.setup_notebook(tmp_path / "engagement.yml", interactive=False)
    context = current_context()
    assert context.rules == eng.publishing and context.rules.min_count == 10
    # an extra column without a class is personal
    assert dict(context.columns) == {
        "victim_name": "name",
        "narrative": "text",
        "officer": "personal",
    }
    assert context.names() == ("Jane Doe",)  # read from the mapped name column
    notebook.setup_notebook(FIXTURE_ENGAGEMENT, interactive=False)
    assert current_context().rules.min_count == 5 and current_context().names() == ()
