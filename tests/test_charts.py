import altair as alt
import pandas as pd
import pytest

from cs360lib.publish import charts


@pytest.fixture(autouse=True)
def _restore_altair():
    theme, renderer = alt.theme.active, alt.renderers.active
    yield
    alt.theme.enable(theme)
    alt.renderers.enable(renderer)


def _chart() -> alt.Chart:
    df = pd.DataFrame({"beat": ["A1", "A2", "B1"], "calls": [12, 7, 30]})
    return alt.Chart(df).mark_bar().encode(x="beat:N", y="calls:Q", color="beat:N")


def test_theme_registered_on_import():
    assert charts.THEME_NAME == "cs360"
    assert "cs360" in alt.theme.names()


def test_enable_theme_applies_palette_and_font():
    assert charts.enable_theme() == "cs360"
    assert alt.theme.active == "cs360"
    svg = charts.chart_to_svg(_chart())
    for colour in charts.PALETTE[:3]:
        assert colour in svg
    spec = _chart().to_dict()
    assert spec["config"]["range"]["category"] == list(charts.PALETTE)
    assert "Arial" in spec["config"]["font"]


def test_register_theme_is_idempotent():
    charts.register_theme()
    charts.register_theme()
    assert alt.theme.names().count("cs360") == 1


def test_palette_is_hex_and_distinct():
    assert len(set(charts.PALETTE)) == len(charts.PALETTE) >= 8
    assert all(c.startswith("#") and len(c) == 7 for c in charts.PALETTE)


def test_svg_renderer_embeds_svg():
    assert charts.enable_renderer("svg") == "svg"
    bundle = _chart()._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert list(bundle) == ["image/svg+xml"]
    assert bundle["image/svg+xml"].lstrip().startswith("<svg")


def test_png_renderer_embeds_png():
    assert charts.enable_renderer("png") == "png"
    bundle = _chart()._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "image/png" in bundle
    assert not any("vegalite" in key or key == "text/html" for key in bundle)


def test_interactive_uses_default_renderer():
    assert charts.enable_renderer("svg", interactive=True) == "default"
    assert alt.renderers.active == "default"


def test_unknown_renderer_is_refused():
    with pytest.raises(ValueError, match="chart_renderer must be one of svg, png"):
        charts.enable_renderer("html")


def test_chart_to_png_bytes():
    assert charts.chart_to_png(_chart(), scale=1).startswith(b"\x89PNG")
